/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC verdicts for kmsdns-verify (dnssec.h): which RRSIGs cover an
 * RRset, which zone DNSKEYs may verify them, and which RRSIG decides. The
 * cryptography, the canonical form (lowercased owners, the RRSIG's
 * original TTL in place of the served one, RFC 4034 6.2) and the time
 * check are ldns's: ldns_verify_rrsig_keylist_time() checks the signature
 * first and the validity window last, so its status tells "does not
 * verify" from "verifies but expired". It lowercases the RRSIG's owner in
 * place, so each RRSIG is copied before it is handed over; the RRset it
 * copies itself.
 */
#include "dnssec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrecord.h"

#define DNSKEY_ZONE 0x0100   /* RFC 4034 2.1.1: Zone Key flag */
#define DNSKEY_REVOKE 0x0080 /* RFC 5011 2.1: never used to verify other data */
#define DNSKEY_PROTOCOL 3

const char *kmsdns_dnssec_reason_name(enum kmsdns_dnssec_reason r)
{
    switch (r) {
    case KMSDNS_DNSSEC_NONE:
        return "";
    case KMSDNS_DNSSEC_BADSIG:
        return "bad signature";
    case KMSDNS_DNSSEC_EXPIRED:
        return "expired";
    case KMSDNS_DNSSEC_NOTYET:
        return "not yet valid";
    case KMSDNS_DNSSEC_WINDOW:
        return "expiration before inception";
    case KMSDNS_DNSSEC_NOKEY:
        return "no matching DNSKEY";
    case KMSDNS_DNSSEC_ALGORITHM:
        return "unsupported algorithm";
    case KMSDNS_DNSSEC_SIGNER:
        return "signer is not the zone";
    }
    return "?";
}

/* An RRSIG time field (RFC 4034 3.1.5: 32-bit serial arithmetic) as the Unix
 * time nearest now, so signatures keep working past 2106. */
static int64_t sig_time(const ldns_rdf *f, time_t now)
{
    uint32_t v = ldns_rdf2native_int32(f);
    return (int64_t)now + (int32_t)(v - (uint32_t)now);
}

static ldns_rdf *dname(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return NULL;
    return ldns_dname_new_frm_str(name);
}

static bool same_name(const ldns_rdf *a, const ldns_rdf *b)
{
    return a != NULL && b != NULL && ldns_dname_compare(a, b) == 0;
}

/* Whether rr is a well-formed RRSIG covering type (all nine fields there). */
static bool rrsig_covers(const ldns_rr *rr, uint16_t type)
{
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 9)
        return false;
    for (size_t i = 0; i < 9; i++)
        if (ldns_rr_rdf(rr, i) == NULL)
            return false;
    const ldns_rdf *tc = ldns_rr_rrsig_typecovered(rr);
    return tc != NULL && ldns_rdf_get_type(tc) == LDNS_RDF_TYPE_TYPE && ldns_rdf_size(tc) == 2 &&
           ldns_rdf2rr_type(tc) == type;
}

/* The zone's keys that may verify data: DNSKEYs at the apex with the Zone Key
 * flag, protocol 3, not revoked. The list points into keys (ldns_rr_list_free). */
static ldns_rr_list *zone_keys(const ldns_rr_list *keys, const ldns_rdf *apex)
{
    ldns_rr_list *zk = ldns_rr_list_new();
    if (zk == NULL)
        return NULL;
    for (size_t i = 0; keys != NULL && i < ldns_rr_list_rr_count(keys); i++) {
        ldns_rr *k = ldns_rr_list_rr(keys, i);
        if (ldns_rr_get_type(k) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(k) < 4 ||
            ldns_rr_rdf(k, 0) == NULL || ldns_rr_rdf(k, 1) == NULL ||
            !same_name(ldns_rr_owner(k), apex))
            continue;
        uint16_t flags = ldns_rdf2native_int16(ldns_rr_dnskey_flags(k));
        if (!(flags & DNSKEY_ZONE) || (flags & DNSKEY_REVOKE) ||
            ldns_rdf2native_int8(ldns_rr_dnskey_protocol(k)) != DNSKEY_PROTOCOL)
            continue;
        if (!ldns_rr_list_push_rr(zk, k)) {
            ldns_rr_list_free(zk);
            return NULL;
        }
    }
    return zk;
}

/* One RRSIG's outcome: valid (reason NONE) or why not, with its fields. */
struct sig_outcome {
    enum kmsdns_dnssec_reason reason;
    int64_t inception, expiration;
    uint16_t key_tag;
    uint8_t algorithm;
};

/* How close a failed RRSIG came: the signature held (only time is wrong)
 * before it did not verify, before nothing could even be tried. */
static int failure_rank(enum kmsdns_dnssec_reason r)
{
    switch (r) {
    case KMSDNS_DNSSEC_EXPIRED:
    case KMSDNS_DNSSEC_NOTYET:
        return 5;
    case KMSDNS_DNSSEC_WINDOW:
        return 4;
    case KMSDNS_DNSSEC_BADSIG:
        return 3;
    case KMSDNS_DNSSEC_ALGORITHM:
        return 2;
    case KMSDNS_DNSSEC_NOKEY:
        return 1;
    default:
        return 0;
    }
}

/* Whether outcome a decides rather than b (both failed or both valid). */
static bool better(const struct sig_outcome *a, const struct sig_outcome *b)
{
    if (a->reason == KMSDNS_DNSSEC_NONE)
        return a->expiration > b->expiration; /* the latest to expire */
    int ra = failure_rank(a->reason), rb = failure_rank(b->reason);
    if (ra != rb)
        return ra > rb;
    if (a->reason == KMSDNS_DNSSEC_EXPIRED && b->reason == KMSDNS_DNSSEC_EXPIRED)
        return a->expiration > b->expiration; /* the most recently expired */
    if (a->reason == KMSDNS_DNSSEC_NOTYET && b->reason == KMSDNS_DNSSEC_NOTYET)
        return a->inception < b->inception; /* the soonest valid */
    return false;
}

/* Verifies one RRSIG (a copy of sig) over rrset with the zone keys at now into
 * *o. KMSDNS_OK whatever the verdict; KMSDNS_NOMEM. */
static kmsdns_err verify_one(const ldns_rr_list *rrset, const ldns_rr *sig, const ldns_rr_list *zk,
                             const ldns_rdf *apex, time_t now, struct sig_outcome *o)
{
    o->algorithm = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
    o->key_tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
    o->inception = sig_time(ldns_rr_rrsig_inception(sig), now);
    o->expiration = sig_time(ldns_rr_rrsig_expiration(sig), now);
    if (!same_name(ldns_rr_rrsig_signame(sig), apex)) {
        o->reason = KMSDNS_DNSSEC_SIGNER;
        return KMSDNS_OK;
    }
    ldns_rr *copy = ldns_rr_clone(sig);
    ldns_rr_list *good = ldns_rr_list_new();
    if (copy == NULL || good == NULL) {
        ldns_rr_free(copy);
        ldns_rr_list_free(good);
        return KMSDNS_NOMEM;
    }
    ldns_status st = ldns_verify_rrsig_keylist_time(rrset, copy, zk, now, good);
    ldns_rr_free(copy);
    ldns_rr_list_free(good); /* it points into zk */
    switch (st) {
    case LDNS_STATUS_OK:
        o->reason = KMSDNS_DNSSEC_NONE;
        break;
    case LDNS_STATUS_MEM_ERR:
        return KMSDNS_NOMEM;
    case LDNS_STATUS_CRYPTO_SIG_EXPIRED:
        o->reason = KMSDNS_DNSSEC_EXPIRED;
        break;
    case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED:
        o->reason = KMSDNS_DNSSEC_NOTYET;
        break;
    case LDNS_STATUS_CRYPTO_EXPIRATION_BEFORE_INCEPTION:
        o->reason = KMSDNS_DNSSEC_WINDOW;
        break;
    case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY:
    case LDNS_STATUS_CRYPTO_NO_DNSKEY:
        o->reason = KMSDNS_DNSSEC_NOKEY;
        break;
    case LDNS_STATUS_CRYPTO_UNKNOWN_ALGO:
    case LDNS_STATUS_CRYPTO_ALGO_NOT_IMPL:
        o->reason = KMSDNS_DNSSEC_ALGORITHM;
        break;
    default: /* CRYPTO_BOGUS, a key or signature that does not parse, ... */
        o->reason = KMSDNS_DNSSEC_BADSIG;
        break;
    }
    return KMSDNS_OK;
}

static void describe(struct kmsdns_dnssec_result *r, const ldns_rdf *apex)
{
    char when[24], other[24];
    size_t cap = sizeof r->message;
    switch (r->verdict) {
    case KMSDNS_DNSSEC_UNSIGNED:
        snprintf(r->message, cap, "no RRSIG");
        return;
    case KMSDNS_DNSSEC_OK:
        kmsdns_iso8601(r->expiration, when);
        snprintf(r->message, cap, "RRSIG (key tag %u, algorithm %u) valid until %s",
                 (unsigned)r->key_tag, (unsigned)r->algorithm, when);
        return;
    case KMSDNS_DNSSEC_EXPIRING:
        kmsdns_iso8601(r->expiration, when);
        if (r->seconds_left >= 3600)
            snprintf(r->message, cap,
                     "RRSIG (key tag %u, algorithm %u) expires at %s, in %" PRId64 " h",
                     (unsigned)r->key_tag, (unsigned)r->algorithm, when, r->seconds_left / 3600);
        else
            snprintf(r->message, cap,
                     "RRSIG (key tag %u, algorithm %u) expires at %s, in less than 1 h",
                     (unsigned)r->key_tag, (unsigned)r->algorithm, when);
        return;
    case KMSDNS_DNSSEC_BOGUS:
        break;
    }
    switch (r->reason) {
    case KMSDNS_DNSSEC_EXPIRED:
        kmsdns_iso8601(r->expiration, when);
        snprintf(r->message, cap, "RRSIG (key tag %u, algorithm %u) expired at %s",
                 (unsigned)r->key_tag, (unsigned)r->algorithm, when);
        break;
    case KMSDNS_DNSSEC_NOTYET:
        kmsdns_iso8601(r->inception, when);
        snprintf(r->message, cap, "RRSIG (key tag %u, algorithm %u) not yet valid until %s",
                 (unsigned)r->key_tag, (unsigned)r->algorithm, when);
        break;
    case KMSDNS_DNSSEC_WINDOW:
        kmsdns_iso8601(r->expiration, when);
        kmsdns_iso8601(r->inception, other);
        snprintf(r->message, cap,
                 "RRSIG (key tag %u, algorithm %u) expires (%s) before its inception (%s)",
                 (unsigned)r->key_tag, (unsigned)r->algorithm, when, other);
        break;
    case KMSDNS_DNSSEC_NOKEY:
        snprintf(r->message, cap, "no DNSKEY matching key tag %u, algorithm %u",
                 (unsigned)r->key_tag, (unsigned)r->algorithm);
        break;
    case KMSDNS_DNSSEC_ALGORITHM:
        snprintf(r->message, cap,
                 "RRSIG (key tag %u) uses algorithm %u, which this build cannot verify",
                 (unsigned)r->key_tag, (unsigned)r->algorithm);
        break;
    case KMSDNS_DNSSEC_SIGNER: {
        char *z = ldns_rdf2str(apex);
        snprintf(r->message, cap, "RRSIG (key tag %u, algorithm %u) not signed by the zone %s",
                 (unsigned)r->key_tag, (unsigned)r->algorithm, z != NULL ? z : "?");
        free(z);
        break;
    }
    case KMSDNS_DNSSEC_BADSIG:
    case KMSDNS_DNSSEC_NONE:
        snprintf(r->message, cap, "RRSIG (key tag %u, algorithm %u): the signature does not verify",
                 (unsigned)r->key_tag, (unsigned)r->algorithm);
        break;
    }
}

/* Whether every RR of rrset has the first one's owner, class and type. */
static bool one_rrset(const ldns_rr_list *rrset)
{
    const ldns_rr *first = ldns_rr_list_rr(rrset, 0);
    for (size_t i = 1; i < ldns_rr_list_rr_count(rrset); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(rrset, i);
        if (ldns_rr_get_type(rr) != ldns_rr_get_type(first) ||
            ldns_rr_get_class(rr) != ldns_rr_get_class(first) ||
            !same_name(ldns_rr_owner(rr), ldns_rr_owner(first)))
            return false;
    }
    return true;
}

kmsdns_err kmsdns_dnssec_check(const ldns_rr_list *rrset, const ldns_rr_list *sigs,
                               const ldns_rr_list *keys, const char *zone, time_t now,
                               uint32_t warn, struct kmsdns_dnssec_result *out)
{
    if (out == NULL || rrset == NULL || ldns_rr_list_rr_count(rrset) == 0 || !one_rrset(rrset))
        return KMSDNS_INVAL;
    memset(out, 0, sizeof *out);
    ldns_rdf *apex = dname(zone);
    if (apex == NULL)
        return KMSDNS_INVAL;
    ldns_rr_list *zk = zone_keys(keys, apex);
    if (zk == NULL) {
        ldns_rdf_deep_free(apex);
        return KMSDNS_NOMEM;
    }
    const ldns_rr *first = ldns_rr_list_rr(rrset, 0);
    uint16_t type = (uint16_t)ldns_rr_get_type(first);
    struct sig_outcome best_ok = {0}, best_bad = {0};
    bool have_ok = false, have_bad = false;
    kmsdns_err rc = KMSDNS_OK;
    for (size_t i = 0; sigs != NULL && i < ldns_rr_list_rr_count(sigs); i++) {
        const ldns_rr *sig = ldns_rr_list_rr(sigs, i);
        if (!rrsig_covers(sig, type) || ldns_rr_get_class(sig) != ldns_rr_get_class(first) ||
            !same_name(ldns_rr_owner(sig), ldns_rr_owner(first)))
            continue;
        out->rrsigs++;
        struct sig_outcome o;
        rc = verify_one(rrset, sig, zk, apex, now, &o);
        if (rc != KMSDNS_OK)
            break;
        if (o.reason == KMSDNS_DNSSEC_NONE) {
            if (!have_ok || better(&o, &best_ok))
                best_ok = o;
            have_ok = true;
        } else {
            if (!have_bad || better(&o, &best_bad))
                best_bad = o;
            have_bad = true;
        }
    }
    ldns_rr_list_free(zk);
    if (rc != KMSDNS_OK) {
        ldns_rdf_deep_free(apex);
        memset(out, 0, sizeof *out);
        return rc;
    }
    const struct sig_outcome *d = have_ok ? &best_ok : have_bad ? &best_bad : NULL;
    if (d == NULL) {
        out->verdict = KMSDNS_DNSSEC_UNSIGNED;
    } else {
        out->reason = d->reason;
        out->inception = d->inception;
        out->expiration = d->expiration;
        out->seconds_left = d->expiration - (int64_t)now;
        out->key_tag = d->key_tag;
        out->algorithm = d->algorithm;
        if (!have_ok)
            out->verdict = KMSDNS_DNSSEC_BOGUS;
        else if (out->seconds_left <= (int64_t)warn)
            out->verdict = KMSDNS_DNSSEC_EXPIRING;
        else
            out->verdict = KMSDNS_DNSSEC_OK;
    }
    describe(out, apex);
    ldns_rdf_deep_free(apex);
    return KMSDNS_OK;
}

/* Copies the RRs of section s of p at owner (NULL: any) of type, or with sigs
 * the RRSIGs covering type, into a new list *out (deep-free). */
static kmsdns_err collect(const ldns_pkt *p, ldns_pkt_section s, const char *owner, uint16_t type,
                          bool sigs, ldns_rr_list **out)
{
    *out = NULL;
    ldns_rdf *want = NULL;
    if (owner != NULL && (want = dname(owner)) == NULL)
        return KMSDNS_INVAL;
    ldns_rr_list *l = ldns_rr_list_new();
    if (l == NULL) {
        ldns_rdf_deep_free(want);
        return KMSDNS_NOMEM;
    }
    const ldns_rr_list *sec;
    switch (s) {
    case LDNS_SECTION_ANSWER:
        sec = p != NULL ? ldns_pkt_answer(p) : NULL;
        break;
    case LDNS_SECTION_AUTHORITY:
        sec = p != NULL ? ldns_pkt_authority(p) : NULL;
        break;
    case LDNS_SECTION_ADDITIONAL:
        sec = p != NULL ? ldns_pkt_additional(p) : NULL;
        break;
    default:
        sec = NULL;
        break;
    }
    for (size_t i = 0; sec != NULL && i < ldns_rr_list_rr_count(sec); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(sec, i);
        bool match = sigs ? rrsig_covers(rr, type) : ldns_rr_get_type(rr) == type;
        if (!match || (want != NULL && !same_name(ldns_rr_owner(rr), want)))
            continue;
        ldns_rr *c = ldns_rr_clone(rr);
        if (c == NULL || !ldns_rr_list_push_rr(l, c)) {
            ldns_rr_free(c);
            ldns_rr_list_deep_free(l);
            ldns_rdf_deep_free(want);
            return KMSDNS_NOMEM;
        }
    }
    ldns_rdf_deep_free(want);
    *out = l;
    return KMSDNS_OK;
}

kmsdns_err kmsdns_dnssec_rrset(const ldns_pkt *p, ldns_pkt_section s, const char *owner,
                               uint16_t type, ldns_rr_list **out)
{
    return collect(p, s, owner, type, false, out);
}

kmsdns_err kmsdns_dnssec_rrsigs(const ldns_pkt *p, ldns_pkt_section s, const char *owner,
                                uint16_t type, ldns_rr_list **out)
{
    return collect(p, s, owner, type, true, out);
}

bool kmsdns_dnssec_zone_signed(const ldns_pkt *p, const char *zone)
{
    ldns_rdf *apex = dname(zone);
    const ldns_rr_list *ans = p != NULL ? ldns_pkt_answer(p) : NULL;
    bool signed_ = false;
    for (size_t i = 0; apex != NULL && ans != NULL && i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY && ldns_rr_rd_count(rr) >= 4 &&
            same_name(ldns_rr_owner(rr), apex)) {
            signed_ = true;
            break;
        }
    }
    ldns_rdf_deep_free(apex);
    return signed_;
}
