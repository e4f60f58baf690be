/* SPDX-License-Identifier: MIT */
/*
 * Active Directory's own form of DNS data, as kmsdns-verify --ldap reads it
 * from a DC: a node's `dnsRecord` values (MS-DNSP 2.3.2.2: the record's
 * type, TTL and aging timestamp, then its data) and a zone's `dNSProperty`
 * values (MS-DNSP 2.3.2.1: aging flag, no-refresh and refresh intervals).
 * Both come from the network: every length is checked before it is used and
 * a value that breaks a rule is refused as a whole. Pure: no I/O, no clock.
 */
#ifndef KMSDNS_DNSRECORD_H
#define KMSDNS_DNSRECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/name.h"

#define KMSDNS_DNSRECORD_HEADER 24 /* bytes before the RR data */
#define KMSDNS_DNSRECORD_SRV 33
#define KMSDNS_DNSRECORD_A 1
#define KMSDNS_DNSRECORD_AAAA 28

/* One decoded dnsRecord value. */
struct kmsdns_dnsrecord {
    uint16_t type; /* DNS type; 0 is a tombstone */
    uint8_t rank;
    uint16_t flags;
    uint32_t serial;
    uint32_t ttl;       /* seconds (the one big-endian header field) */
    uint32_t timestamp; /* hours since 1601-01-01 UTC; 0: static */
    /* SRV: priority, weight, port, target (normal form, no trailing dot, "." for the root) */
    uint16_t priority, weight, port;
    char target[KMSDNS_NAME_BUF];
    /* A / AAAA: the address, 4 or 16 bytes */
    uint8_t addr[16];
    size_t addr_len;
};

/*
 * Decodes one dnsRecord value of len bytes into *out. 0, or -1 with *why
 * (static text) set: too short, the data length disagrees with the value's
 * length, a version other than 5, SRV/A/AAAA data of the wrong size, a bad
 * DNS_COUNT_NAME (a label past its bounds, more than 63 octets, a name
 * longer than 255, a label count or length byte that disagrees with the
 * labels, no terminating zero, a byte outside letters, digits, '-' and '_').
 * Other types are accepted with their header only.
 */
int kmsdns_dnsrecord_decode(const uint8_t *v, size_t len, struct kmsdns_dnsrecord *out,
                            const char **why);

/* A zone's aging settings, from its dNSProperty values. */
struct kmsdns_zone_aging {
    bool aging;         /* DSPROPERTY_ZONE_AGING_STATE */
    uint32_t norefresh; /* hours; 168 (7 days) unless a property says otherwise */
    uint32_t refresh;   /* hours; 168 unless a property says otherwise */
};

#define KMSDNS_DNSPROP_AGING_STATE 0x40
#define KMSDNS_DNSPROP_NOREFRESH 0x10
#define KMSDNS_DNSPROP_REFRESH 0x20

/* The defaults a zone without aging properties has (MS-DNSP: 7 + 7 days). */
void kmsdns_zone_aging_init(struct kmsdns_zone_aging *z);

/*
 * Applies one dNSProperty value of len bytes to *z: the aging flag and the
 * two intervals are taken when their data is a 4-byte value; every other
 * property is left alone. 0, or -1 with *why when the value's own lengths
 * do not hold (z unchanged).
 */
int kmsdns_dnsprop_apply(const uint8_t *v, size_t len, struct kmsdns_zone_aging *z,
                         const char **why);

/* Hours since 1601-01-01 UTC as Unix seconds (may be negative for old stamps). */
int64_t kmsdns_dnsrecord_unix(uint32_t hours);

/* Unix seconds as "2026-12-01T23:00:00Z" into buf[24]. */
void kmsdns_iso8601(int64_t t, char buf[24]);

#endif
