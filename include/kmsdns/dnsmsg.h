/* SPDX-License-Identifier: MIT */
/*
 * DNS messages kmsdns sends and the records it reads back, built and parsed
 * with ldns: queries, RFC 2136 updates, and the RR form the planner, the
 * report and the renderers share (SRV or A/AAAA, presentation form).
 */
#ifndef KMSDNS_DNSMSG_H
#define KMSDNS_DNSMSG_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"
#include "kmsdns/error.h"
#include "kmsdns/name.h"

/* Room left after a message for the TSIG RR we append. */
#define KMSDNS_MSG_TSIG_ROOM 1024

/* One SRV, A or AAAA record. */
struct kmsdns_rrdata {
    char owner[KMSDNS_NAME_BUF]; /* normalised */
    uint16_t type;               /* LDNS_RR_TYPE_SRV, _A or _AAAA */
    uint32_t ttl;
    uint16_t priority, weight, port; /* SRV only */
    char value[KMSDNS_NAME_BUF];     /* SRV target (normalised, "." for the root), or the address */
};

/* A random 16-bit message ID (from the system's CSPRNG). */
uint16_t kmsdns_msg_random_id(void);

/*
 * A query for name/type (class IN) with a random ID, RD as given, into
 * *wire (malloc'd, free with free()). KMSDNS_NAME or KMSDNS_NOMEM.
 */
int kmsdns_msg_query(const char *name, uint16_t type, bool rd, uint8_t **wire, size_t *len);

/*
 * An UPDATE for `zone` with no prerequisites and the given changes: each
 * delete is an RR of class NONE and TTL 0 (delete this RR only), each add an
 * RR of class IN. *wire is malloc'd with KMSDNS_MSG_TSIG_ROOM spare bytes
 * (*cap says the whole size). Free with free().
 */
int kmsdns_msg_update(const char *zone, const struct kmsdns_rrdata *del, size_t ndel,
                      const struct kmsdns_rrdata *add, size_t nadd, uint8_t **wire, size_t *len,
                      size_t *cap);

/* Parses wire into *pkt (free with ldns_pkt_free). KMSDNS_MALFORMED on garbage. */
int kmsdns_msg_parse(const uint8_t *wire, size_t len, ldns_pkt **pkt);

/* The kmsdns error for a response code (NOERROR is KMSDNS_OK). */
int kmsdns_msg_rcode_rc(ldns_pkt_rcode rcode);

/* "NOERROR", "REFUSED", ... */
const char *kmsdns_msg_rcode_name(ldns_pkt_rcode rcode);

/*
 * Collects the records of `type` owned by `owner` from a section of pkt into
 * *out (malloc'd array, free with free(); *n may be 0 with *out NULL).
 */
int kmsdns_msg_records(const ldns_pkt *pkt, ldns_pkt_section section, const char *owner,
                       uint16_t type, struct kmsdns_rrdata **out, size_t *n);

/* True when the records are the same data (TTL not compared). */
bool kmsdns_rrdata_same(const struct kmsdns_rrdata *a, const struct kmsdns_rrdata *b);

/* Presentation form: "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test."
 * into buf[cap]; with_ttl false leaves the TTL out. Returns buf. */
const char *kmsdns_rrdata_format(const struct kmsdns_rrdata *rr, bool with_ttl, char *buf,
                                 size_t cap);

/* The normalised form of an ldns name rdf into out; KMSDNS_NAME if it cannot be. */
int kmsdns_msg_rdf_name(const ldns_rdf *rdf, char out[KMSDNS_NAME_BUF]);

/* The first nameserver of /etc/resolv.conf (port 53), through ldns.
 * KMSDNS_NOTFOUND (none) or KMSDNS_ADDRESS (unusable), diag saying so. */
int kmsdns_msg_system_resolver(struct kmsdns_addr *out, struct kmsdns_diag *diag);

#endif
