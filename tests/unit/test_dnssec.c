/* SPDX-License-Identifier: MIT */
/* DNSSEC verdicts (verifier/dnssec.c) over RRsets signed here with keys made
 * here (ldns, ECDSA P-256 and Ed25519), at a fixed "now": healthy,
 * unsigned, expired, not yet valid, expiring inside and outside the window,
 * an altered signature, a key tag with no DNSKEY, the best of several
 * RRSIGs, names in mixed case and served TTLs below the original; the
 * inputs left as they were; and the packet helpers. */
#include "testutil.h"

#include <ldns/ldns.h>

#include "dnssec.h"

#define NOW ((time_t)1796166000) /* 2026-12-01T23:00:00Z */
#define HOUR 3600
#define DAY (24 * HOUR)
#define WARN72 (72u * HOUR)
#define WARN12 (12u * HOUR)

/* A signing key for owner with its DNSKEY RR; free with key_free(). */
struct tkey {
    ldns_key_list *list; /* holds the one key */
    ldns_key *key;
    ldns_rr *dnskey;
};

static struct tkey key_make(ldns_signing_algorithm alg, const char *owner, uint16_t flags)
{
    struct tkey t;
    t.key = ldns_key_new_frm_algorithm(alg, alg == LDNS_SIGN_ED25519 ? 256 : 256);
    assert_non_null(t.key);
    ldns_key_set_pubkey_owner(t.key, ldns_dname_new_frm_str(owner));
    ldns_key_set_flags(t.key, flags);
    t.dnskey = ldns_key2rr(t.key);
    assert_non_null(t.dnskey);
    ldns_key_set_keytag(t.key, ldns_calc_keytag(t.dnskey));
    t.list = ldns_key_list_new();
    assert_true(ldns_key_list_push_key(t.list, t.key));
    return t;
}

static void key_free(struct tkey *t)
{
    ldns_key_list_free(t->list); /* frees the key too */
    ldns_rr_free(t->dnskey);
}

static ldns_rr *rr_str(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
    return rr;
}

/* The SRV RRset of the lab zones, owner as given. */
static ldns_rr_list *srv_set(const char *owner, unsigned ttl)
{
    char text[512];
    ldns_rr_list *l = ldns_rr_list_new();
    snprintf(text, sizeof text, "%s %u IN SRV 0 100 1688 kms1.corp.test.", owner, ttl);
    ldns_rr_list_push_rr(l, rr_str(text));
    snprintf(text, sizeof text, "%s %u IN SRV 10 50 1688 kms2.corp.test.", owner, ttl);
    ldns_rr_list_push_rr(l, rr_str(text));
    return l;
}

/* RRSIGs by t over rrset valid from inception to expiration (absolute). */
static ldns_rr_list *sign(ldns_rr_list *rrset, struct tkey *t, int64_t inception,
                          int64_t expiration)
{
    ldns_key_set_inception(t->key, (uint32_t)inception);
    ldns_key_set_expiration(t->key, (uint32_t)expiration);
    ldns_rr_list *sigs = ldns_sign_public(rrset, t->list);
    assert_non_null(sigs);
    assert_int_equal(ldns_rr_list_rr_count(sigs), 1);
    return sigs;
}

static ldns_rr_list *keys_of(struct tkey *a, struct tkey *b)
{
    ldns_rr_list *l = ldns_rr_list_new();
    if (a != NULL)
        ldns_rr_list_push_rr(l, ldns_rr_clone(a->dnskey));
    if (b != NULL)
        ldns_rr_list_push_rr(l, ldns_rr_clone(b->dnskey));
    return l;
}

static struct kmsdns_dnssec_result check(const ldns_rr_list *rrset, const ldns_rr_list *sigs,
                                         const ldns_rr_list *keys, const char *zone, uint32_t warn)
{
    struct kmsdns_dnssec_result r;
    assert_int_equal(kmsdns_dnssec_check(rrset, sigs, keys, zone, NOW, warn, &r), KMSDNS_OK);
    return r;
}

/* A fixture for the tests with one ECDSA key and the SRV RRset. */
struct fx {
    struct tkey k;
    ldns_rr_list *rrset, *keys;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->k = key_make(LDNS_SIGN_ECDSAP256SHA256, "corp.test.", 256);
    f->rrset = srv_set("_vlmcs._tcp.corp.test.", 3600);
    f->keys = keys_of(&f->k, NULL);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    key_free(&f->k);
    ldns_rr_list_deep_free(f->rrset);
    ldns_rr_list_deep_free(f->keys);
    free(f);
    return 0;
}

static void healthy(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_NONE);
    assert_int_equal(r.rrsigs, 1);
    assert_int_equal(r.key_tag, ldns_calc_keytag(f->k.dnskey));
    assert_int_equal(r.algorithm, 13);
    assert_int_equal(r.expiration, NOW + 30 * DAY);
    assert_int_equal(r.seconds_left, 30 * DAY);
    assert_non_null(strstr(r.message, "valid until 2026-12-31T23:00:00Z"));
    /* the zone with its trailing dot, in another case */
    r = check(f->rrset, sigs, f->keys, "Corp.Test.", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    ldns_rr_list_deep_free(sigs);
}

static void ed25519(void **state)
{
    (void)state;
    struct tkey k = key_make(LDNS_SIGN_ED25519, "corp.test.", 257);
    ldns_rr_list *rrset = srv_set("_vlmcs._tcp.corp.test.", 3600);
    ldns_rr_list *keys = keys_of(&k, NULL);
    ldns_rr_list *sigs = sign(rrset, &k, NOW - HOUR, NOW + 30 * DAY);
    struct kmsdns_dnssec_result r = check(rrset, sigs, keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    assert_int_equal(r.algorithm, 15);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(rrset);
    key_free(&k);
}

static void unsigned_rrset(void **state)
{
    struct fx *f = *state;
    struct kmsdns_dnssec_result r = check(f->rrset, NULL, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_UNSIGNED);
    assert_int_equal(r.rrsigs, 0);
    assert_string_equal(r.message, "no RRSIG");
    /* RRSIGs over another type, or at another owner, do not count */
    ldns_rr_list *a = ldns_rr_list_new();
    ldns_rr_list_push_rr(a, rr_str("_vlmcs._tcp.corp.test. 3600 IN A 127.0.0.11"));
    ldns_rr_list *sigs = sign(a, &f->k, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list *other = srv_set("_vlmcs._udp.corp.test.", 3600);
    ldns_rr_list *osigs = sign(other, &f->k, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list_cat(sigs, osigs);
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_UNSIGNED);
    ldns_rr_list_free(osigs);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(other);
    ldns_rr_list_deep_free(a);
    r = check(f->rrset, NULL, NULL, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_UNSIGNED);
}

static void expired(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - 30 * DAY, NOW - DAY);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_EXPIRED);
    assert_int_equal(r.seconds_left, -DAY);
    char want[128];
    snprintf(want, sizeof want, "RRSIG (key tag %u, algorithm 13) expired at 2026-11-30T23:00:00Z",
             (unsigned)ldns_calc_keytag(f->k.dnskey));
    assert_string_equal(r.message, want);
    assert_string_equal(kmsdns_dnssec_reason_name(r.reason), "expired");
    ldns_rr_list_deep_free(sigs);
}

static void not_yet_valid(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW + DAY, NOW + 30 * DAY);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_NOTYET);
    assert_non_null(strstr(r.message, "not yet valid until 2026-12-02T23:00:00Z"));
    ldns_rr_list_deep_free(sigs);
    /* expiration before inception */
    sigs = sign(f->rrset, &f->k, NOW - DAY, NOW - 2 * DAY);
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_WINDOW);
    ldns_rr_list_deep_free(sigs);
}

static void expiring(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - DAY, NOW + DAY);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_EXPIRING);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_NONE);
    assert_int_equal(r.seconds_left, DAY);
    assert_non_null(strstr(r.message, "expires at 2026-12-02T23:00:00Z, in 24 h"));
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN12);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    /* the window's edge counts as within it */
    r = check(f->rrset, sigs, f->keys, "corp.test", DAY);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_EXPIRING);
    r = check(f->rrset, sigs, f->keys, "corp.test", DAY - 1);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    ldns_rr_list_deep_free(sigs);
    /* under an hour left */
    sigs = sign(f->rrset, &f->k, NOW - DAY, NOW + 600);
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_EXPIRING);
    assert_non_null(strstr(r.message, "in less than 1 h"));
    ldns_rr_list_deep_free(sigs);
}

/* Flips one byte of the signature field (the RRSIG's ninth rdf). */
static void flip_signature(ldns_rr *sig)
{
    ldns_rdf *s = ldns_rr_rdf(sig, 8);
    assert_non_null(s);
    ldns_rdf_data(s)[ldns_rdf_size(s) / 2] ^= 0x5a;
}

static void altered(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    flip_signature(ldns_rr_list_rr(sigs, 0));
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_BADSIG);
    assert_non_null(strstr(r.message, "the signature does not verify"));
    assert_string_equal(kmsdns_dnssec_reason_name(r.reason), "bad signature");
    /* altered data under an intact signature */
    ldns_rr_list_deep_free(sigs);
    sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list *changed = srv_set("_vlmcs._tcp.corp.test.", 3600);
    ldns_rr_free(ldns_rr_list_pop_rr(changed));
    r = check(changed, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_BADSIG);
    ldns_rr_list_deep_free(changed);
    ldns_rr_list_deep_free(sigs);
}

static void no_matching_key(void **state)
{
    struct fx *f = *state;
    struct tkey other = key_make(LDNS_SIGN_ECDSAP256SHA256, "corp.test.", 256);
    ldns_rr_list *sigs = sign(f->rrset, &other, NOW - HOUR, NOW + 30 * DAY);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_NOKEY);
    char want[96];
    snprintf(want, sizeof want, "no DNSKEY matching key tag %u, algorithm 13",
             (unsigned)ldns_calc_keytag(other.dnskey));
    assert_string_equal(r.message, want);
    /* no DNSKEY at all */
    r = check(f->rrset, sigs, NULL, "corp.test", WARN72);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_NOKEY);
    ldns_rr_list_deep_free(sigs);
    key_free(&other);

    /* the right key, but not a zone key, revoked, or owned elsewhere */
    sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    static const char *const bad[][2] = {
        {"corp.test.", "0"}, {"corp.test.", "384"}, {"other.test.", "256"}};
    char *b64 = ldns_rdf2str(ldns_rr_rdf(f->k.dnskey, 3));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s 3600 IN DNSKEY %s 3 13 %s", bad[i][0], bad[i][1], b64);
        ldns_rr_list *keys = ldns_rr_list_new();
        ldns_rr_list_push_rr(keys, rr_str(text));
        r = check(f->rrset, sigs, keys, "corp.test", WARN72);
        assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
        assert_int_equal(r.reason, KMSDNS_DNSSEC_NOKEY);
        ldns_rr_list_deep_free(keys);
    }
    free(b64);
    ldns_rr_list_deep_free(sigs);
}

static void signer_not_zone(void **state)
{
    struct fx *f = *state;
    struct tkey parent = key_make(LDNS_SIGN_ECDSAP256SHA256, "test.", 256);
    ldns_rr_list *sigs = sign(f->rrset, &parent, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list *keys = keys_of(&f->k, &parent);
    struct kmsdns_dnssec_result r = check(f->rrset, sigs, keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_SIGNER);
    assert_non_null(strstr(r.message, "corp.test."));
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    key_free(&parent);
}

/* Several RRSIGs: any that verifies decides; among the valid, the latest to
 * expire; among the failed, the one that came closest. */
static void best_of_several(void **state)
{
    struct fx *f = *state;
    struct tkey k2 = key_make(LDNS_SIGN_ECDSAP256SHA256, "corp.test.", 256);
    ldns_rr_list *keys = keys_of(&f->k, &k2);
    ldns_rr_list *bad = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    flip_signature(ldns_rr_list_rr(bad, 0));
    ldns_rr_list *good = sign(f->rrset, &k2, NOW - HOUR, NOW + 30 * DAY);
    for (int order = 0; order < 2; order++) {
        ldns_rr_list *sigs = ldns_rr_list_new();
        ldns_rr_list_push_rr(sigs, ldns_rr_list_rr(order ? good : bad, 0));
        ldns_rr_list_push_rr(sigs, ldns_rr_list_rr(order ? bad : good, 0));
        struct kmsdns_dnssec_result r = check(f->rrset, sigs, keys, "corp.test", WARN72);
        assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
        assert_int_equal(r.rrsigs, 2);
        assert_int_equal(r.key_tag, ldns_calc_keytag(k2.dnskey));
        ldns_rr_list_free(sigs);
    }
    ldns_rr_list_deep_free(good);

    /* one expiring in 24 h, one valid 30 days: OK, on the later one */
    ldns_rr_list *soon = sign(f->rrset, &f->k, NOW - HOUR, NOW + DAY);
    ldns_rr_list *late = sign(f->rrset, &k2, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list_cat(soon, late);
    struct kmsdns_dnssec_result r = check(f->rrset, soon, keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    assert_int_equal(r.expiration, NOW + 30 * DAY);
    ldns_rr_list_free(late);
    ldns_rr_list_deep_free(soon);

    /* a bad signature and an expired one: the expired one is the reason */
    ldns_rr_list *old = sign(f->rrset, &k2, NOW - 30 * DAY, NOW - DAY);
    ldns_rr_list_cat(bad, old);
    r = check(f->rrset, bad, keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_BOGUS);
    assert_int_equal(r.reason, KMSDNS_DNSSEC_EXPIRED);
    ldns_rr_list_free(old);
    ldns_rr_list_deep_free(bad);
    ldns_rr_list_deep_free(keys);
    key_free(&k2);
}

static char *list_text(const ldns_rr_list *l)
{
    return l != NULL ? ldns_rr_list2str(l) : strdup("");
}

/* Names in another case than signed, and TTLs a server counted down: both
 * verify (RFC 4034 6.2: the original TTL and lowercase owners are signed),
 * and the caller's lists come back as they were given. */
static void mixed_case_and_ttl(void **state)
{
    struct fx *f = *state;
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    ldns_rr_list *served = srv_set("_VLMCS._Tcp.Corp.TEST.", 1200);
    ldns_rdf_deep_free(ldns_rr_owner(ldns_rr_list_rr(sigs, 0)));
    ldns_rr_set_owner(ldns_rr_list_rr(sigs, 0), ldns_dname_new_frm_str("_Vlmcs._TCP.corp.Test."));
    ldns_rr_free(ldns_rr_list_pop_rr(served));
    ldns_rr_list_push_rr(served,
                         rr_str("_VLMCS._Tcp.Corp.TEST. 1200 IN SRV 10 50 1688 KMS2.corp.TEST."));
    ldns_rr *k = ldns_rr_list_rr(f->keys, 0);
    ldns_rdf_deep_free(ldns_rr_owner(k));
    ldns_rr_set_owner(k, ldns_dname_new_frm_str("CORP.test."));
    char *before[3] = {list_text(served), list_text(sigs), list_text(f->keys)};
    struct kmsdns_dnssec_result r = check(served, sigs, f->keys, "corp.TEST", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    char *after[3] = {list_text(served), list_text(sigs), list_text(f->keys)};
    for (int i = 0; i < 3; i++) {
        assert_string_equal(before[i], after[i]);
        free(before[i]);
        free(after[i]);
    }
    /* signed over mixed case, served in lowercase */
    ldns_rr_list_deep_free(sigs);
    sigs = sign(served, &f->k, NOW - HOUR, NOW + 30 * DAY);
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(served);
}

static void refusals(void **state)
{
    struct fx *f = *state;
    struct kmsdns_dnssec_result r;
    ldns_rr_list *empty = ldns_rr_list_new();
    assert_int_equal(kmsdns_dnssec_check(NULL, NULL, NULL, "corp.test", NOW, 0, &r), KMSDNS_INVAL);
    assert_int_equal(kmsdns_dnssec_check(empty, NULL, NULL, "corp.test", NOW, 0, &r), KMSDNS_INVAL);
    assert_int_equal(kmsdns_dnssec_check(f->rrset, NULL, NULL, "", NOW, 0, &r), KMSDNS_INVAL);
    assert_int_equal(kmsdns_dnssec_check(f->rrset, NULL, NULL, NULL, NOW, 0, &r), KMSDNS_INVAL);
    assert_int_equal(kmsdns_dnssec_check(f->rrset, NULL, NULL, "corp.test", NOW, 0, NULL),
                     KMSDNS_INVAL);
    /* two types in one "RRset" */
    ldns_rr_list *mixed = srv_set("_vlmcs._tcp.corp.test.", 3600);
    ldns_rr_list_push_rr(mixed, rr_str("_vlmcs._tcp.corp.test. 3600 IN A 127.0.0.1"));
    assert_int_equal(kmsdns_dnssec_check(mixed, NULL, NULL, "corp.test", NOW, 0, &r), KMSDNS_INVAL);
    ldns_rr_list_deep_free(mixed);
    ldns_rr_list_free(empty);
    /* an RRSIG without its fields is no RRSIG over the RRset */
    ldns_rr *stub = ldns_rr_new_frm_type(LDNS_RR_TYPE_RRSIG);
    ldns_rdf_deep_free(ldns_rr_owner(stub));
    ldns_rr_set_owner(stub, ldns_dname_new_frm_str("_vlmcs._tcp.corp.test."));
    ldns_rr_list *sigs = ldns_rr_list_new();
    ldns_rr_list_push_rr(sigs, stub);
    r = check(f->rrset, sigs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_UNSIGNED);
    ldns_rr_list_deep_free(sigs);
}

static void packet_helpers(void **state)
{
    struct fx *f = *state;
    ldns_pkt *p = ldns_pkt_new();
    ldns_rr_list *sigs = sign(f->rrset, &f->k, NOW - HOUR, NOW + 30 * DAY);
    for (size_t i = 0; i < ldns_rr_list_rr_count(f->rrset); i++)
        ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(f->rrset, i)));
    ldns_rr *sig = ldns_rr_clone(ldns_rr_list_rr(sigs, 0));
    ldns_rdf_deep_free(ldns_rr_owner(sig));
    ldns_rr_set_owner(sig, ldns_dname_new_frm_str("_VLMCS._tcp.CORP.test."));
    ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, sig);
    ldns_rr_list *asig = NULL, *a = ldns_rr_list_new();
    ldns_rr_list_push_rr(a, rr_str("kms1.corp.test. 3600 IN A 127.0.0.11"));
    asig = sign(a, &f->k, NOW - HOUR, NOW + 30 * DAY);
    ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, ldns_rr_clone(ldns_rr_list_rr(a, 0)));
    ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, ldns_rr_clone(ldns_rr_list_rr(asig, 0)));

    ldns_rr_list *got = NULL, *gs = NULL;
    assert_int_equal(kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, "_vlmcs._tcp.corp.test",
                                         LDNS_RR_TYPE_SRV, &got),
                     KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(got), 2);
    assert_int_equal(kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ANSWER, "_vlmcs._tcp.corp.test",
                                          LDNS_RR_TYPE_SRV, &gs),
                     KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(gs), 1);
    struct kmsdns_dnssec_result r = check(got, gs, f->keys, "corp.test", WARN72);
    assert_int_equal(r.verdict, KMSDNS_DNSSEC_OK);
    ldns_rr_list_deep_free(gs);
    /* the A's RRSIG is in ADDITIONAL, and covers A, not SRV */
    assert_int_equal(kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ANSWER, NULL, LDNS_RR_TYPE_A, &gs),
                     KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(gs), 0);
    ldns_rr_list_deep_free(gs);
    assert_int_equal(kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ADDITIONAL, NULL, LDNS_RR_TYPE_A, &gs),
                     KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(gs), 1);
    ldns_rr_list_deep_free(gs);
    assert_int_equal(
        kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ADDITIONAL, "kms2.corp.test", LDNS_RR_TYPE_A, &gs),
        KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(gs), 0);
    ldns_rr_list_deep_free(gs);
    assert_int_equal(
        kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, "bad..name", LDNS_RR_TYPE_SRV, &gs),
        KMSDNS_INVAL);
    assert_null(gs);
    ldns_rr_list_deep_free(got);

    /* zone signed: a DNSKEY at the apex of the answer, in any case */
    assert_false(kmsdns_dnssec_zone_signed(p, "corp.test"));
    assert_false(kmsdns_dnssec_zone_signed(NULL, "corp.test"));
    ldns_pkt *k = ldns_pkt_new();
    ldns_pkt_push_rr(k, LDNS_SECTION_ANSWER, ldns_rr_clone(f->k.dnskey));
    assert_true(kmsdns_dnssec_zone_signed(k, "corp.test"));
    assert_true(kmsdns_dnssec_zone_signed(k, "CORP.TEST."));
    assert_false(kmsdns_dnssec_zone_signed(k, "sub.corp.test"));
    assert_false(kmsdns_dnssec_zone_signed(k, "test"));
    assert_false(kmsdns_dnssec_zone_signed(k, NULL));
    assert_int_equal(
        kmsdns_dnssec_rrset(k, LDNS_SECTION_ANSWER, "corp.test", LDNS_RR_TYPE_DNSKEY, &got),
        KMSDNS_OK);
    assert_int_equal(ldns_rr_list_rr_count(got), 1);
    ldns_rr_list_deep_free(got);
    ldns_pkt *auth = ldns_pkt_new(); /* a DNSKEY only in AUTHORITY does not sign the zone */
    ldns_pkt_push_rr(auth, LDNS_SECTION_AUTHORITY, ldns_rr_clone(f->k.dnskey));
    assert_false(kmsdns_dnssec_zone_signed(auth, "corp.test"));

    ldns_pkt_free(auth);
    ldns_pkt_free(k);
    ldns_pkt_free(p);
    ldns_rr_list_deep_free(asig);
    ldns_rr_list_deep_free(a);
    ldns_rr_list_deep_free(sigs);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

TEST_MAIN(NULL, NULL,
          {
              FX(healthy),
              cmocka_unit_test(ed25519),
              FX(unsigned_rrset),
              FX(expired),
              FX(not_yet_valid),
              FX(expiring),
              FX(altered),
              FX(no_matching_key),
              FX(signer_not_zone),
              FX(best_of_several),
              FX(mixed_case_and_ttl),
              FX(refusals),
              FX(packet_helpers),
          })
