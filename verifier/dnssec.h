/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC checks of what one authoritative server serves, for kmsdns-verify's
 * dnssec-unsigned, dnssec-bogus and dnssec-expiring: whether a zone is
 * signed (a DNSKEY RRset at its apex), the RRSIGs covering an RRset in an
 * answer, and a verdict on one RRset against the DNSKEYs that same server
 * serves, verified with ldns at a time the caller gives. No trust anchor
 * and no chain of trust: that is a validating resolver's job. Pure: no
 * I/O, no clock (now is passed in). Every input came from the network and
 * is read, never changed.
 */
#ifndef KMSDNS_VERIFY_DNSSEC_H
#define KMSDNS_VERIFY_DNSSEC_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kmsdns/error.h"

/* The default --dnssec-warn window: 72 hours. */
#define KMSDNS_DNSSEC_WARN_DEFAULT (72u * 3600u)

enum kmsdns_dnssec_verdict {
    KMSDNS_DNSSEC_OK = 0,   /* an RRSIG verifies and expires after the window */
    KMSDNS_DNSSEC_EXPIRING, /* the best valid RRSIG expires within the window */
    KMSDNS_DNSSEC_UNSIGNED, /* no RRSIG at the owner covers the type */
    KMSDNS_DNSSEC_BOGUS,    /* RRSIGs there, none verifies: see the reason */
};

/* Why the deciding RRSIG of a bogus RRset failed. */
enum kmsdns_dnssec_reason {
    KMSDNS_DNSSEC_NONE = 0,
    KMSDNS_DNSSEC_BADSIG,    /* a DNSKEY matches, the signature does not verify */
    KMSDNS_DNSSEC_EXPIRED,   /* it verifies, but its expiration has passed */
    KMSDNS_DNSSEC_NOTYET,    /* it verifies, but its inception is still to come */
    KMSDNS_DNSSEC_WINDOW,    /* its expiration lies before its inception */
    KMSDNS_DNSSEC_NOKEY,     /* no zone DNSKEY with its key tag and algorithm */
    KMSDNS_DNSSEC_ALGORITHM, /* an algorithm this build cannot verify */
    KMSDNS_DNSSEC_SIGNER,    /* the signer name is not the zone */
};

#define KMSDNS_DNSSEC_MSG 192

/*
 * A verdict, caller-owned (nothing in it points elsewhere). For OK and
 * EXPIRING the fields describe the best valid RRSIG (the latest to
 * expire); for BOGUS the deciding one, the RRSIG that came closest
 * (expired or not yet valid before bad signature, before no key).
 */
struct kmsdns_dnssec_result {
    enum kmsdns_dnssec_verdict verdict;
    enum kmsdns_dnssec_reason reason; /* BOGUS only, else NONE */
    int64_t inception, expiration;    /* Unix seconds (RFC 4034 serial time, nearest now) */
    int64_t seconds_left;             /* expiration - now; negative once expired */
    uint16_t key_tag;
    uint8_t algorithm;
    unsigned rrsigs; /* RRSIGs at the owner covering the type */
    /* What a person reads, without owner, type or server (the caller says
     * those): "RRSIG (key tag 4711, algorithm 13) expired at
     * 2026-12-01T04:20:00Z", "expires at 2026-12-03T04:20:00Z, in 47 h",
     * "no RRSIG", "RRSIG (key tag 4711, algorithm 13): the signature does not
     * verify",
     * "no DNSKEY matching key tag 4711, algorithm 13". */
    char message[KMSDNS_DNSSEC_MSG];
};

/*
 * Judges rrset (the RRs of one owner, class and type, as a server served
 * them: any TTL, any case) by the RRSIGs in sigs that cover its type at its
 * owner (others are ignored, so a whole section may be passed), against
 * the DNSKEYs in keys that are zone keys owned by zone ("corp.test", no
 * trailing dot needed) — the zone's DNSKEY RRset as that server served it.
 * An RRSIG decides when it verifies with such a key at now; the best one
 * wins (any that verifies makes the RRset OK or EXPIRING: EXPIRING when its
 * expiration is at most warn seconds after now). None of the lists is
 * changed (ldns canonicalises RRSIGs in place, so each is copied first);
 * the caller keeps them. sigs and keys may be NULL (none). KMSDNS_OK with
 * *out filled, KMSDNS_INVAL (rrset NULL or empty, zone no name),
 * KMSDNS_NOMEM.
 */
kmsdns_err kmsdns_dnssec_check(const ldns_rr_list *rrset, const ldns_rr_list *sigs,
                               const ldns_rr_list *keys, const char *zone, time_t now,
                               uint32_t warn, struct kmsdns_dnssec_result *out);

/*
 * Whether p, a server's answer to "zone DNSKEY", holds a DNSKEY RRset at
 * zone's apex (any case): that server serves the zone signed.
 */
bool kmsdns_dnssec_zone_signed(const ldns_pkt *p, const char *zone);

/*
 * Copies the RRs of section s of p owned by owner (any case; NULL: any
 * owner) into *out, a new list (free with ldns_rr_list_deep_free(); empty
 * when none): of `type` with kmsdns_dnssec_rrset(), or the RRSIGs covering
 * `type` with kmsdns_dnssec_rrsigs(). The DNSKEY RRset for
 * kmsdns_dnssec_check() is kmsdns_dnssec_rrset(p, ANSWER, zone, DNSKEY).
 * KMSDNS_OK, KMSDNS_INVAL (owner no name), KMSDNS_NOMEM (*out NULL).
 */
kmsdns_err kmsdns_dnssec_rrset(const ldns_pkt *p, ldns_pkt_section s, const char *owner,
                               uint16_t type, ldns_rr_list **out);
kmsdns_err kmsdns_dnssec_rrsigs(const ldns_pkt *p, ldns_pkt_section s, const char *owner,
                                uint16_t type, ldns_rr_list **out);

/* "bad signature", "expired", ... for a reason; "" for NONE. Static text. */
const char *kmsdns_dnssec_reason_name(enum kmsdns_dnssec_reason r);

#endif
