/* SPDX-License-Identifier: MIT */
/*
 * Zone discovery for many names at once, as nsupdate does it and a little
 * better: an SOA query for each name, walking up a label whenever an answer
 * carries no SOA; the zone's primary is the SOA MNAME. Through a resolver,
 * the zone's NS names and their A/AAAA addresses follow (primary first).
 * Every step is one concurrent round over the kmsdns_transport seam, so N
 * names cost a few round trips, not N. Knows nothing of who asks:
 * kmsdns-publish and kmsdns-verify both use it.
 */
#ifndef KMSDNS_ZONE_H
#define KMSDNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>

#include "kmsdns/addr.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/transport.h"

#define KMSDNS_ZONE_MAX_NS 16   /* name servers kept per zone, primary first */
#define KMSDNS_ZONE_MAX_ADDRS 8 /* addresses kept per name server */

struct kmsdns_zone_opts {
    const struct kmsdns_transport *transport; /* NULL: the network; borrowed */
    struct kmsdns_transport_opts topts;
    struct kmsdns_addr ask; /* where every query goes */
    /* false: ask is a resolver (RD set; NS names and their addresses are
     * looked up). true: ask is the authoritative server itself (RD clear,
     * nothing else is asked, no NS in the result). */
    bool ask_is_server;
    bool tcp; /* every query over TCP */
    /* Exchanges the caller wrote, sent along with the first SOA round to
     * save it a round trip; left answered in place (the caller frees them
     * with kmsdns_exchange_reset). Borrowed; may be NULL with nride 0. */
    struct kmsdns_exchange *ride;
    size_t nride;
};

struct kmsdns_zone_ns {
    char name[KMSDNS_NAME_BUF];
    struct kmsdns_addr addr[KMSDNS_ZONE_MAX_ADDRS]; /* port 53; none when it has no A/AAAA */
    size_t naddr;
};

/* One zone found; owned by its kmsdns_zone_set. */
struct kmsdns_zone {
    char name[KMSDNS_NAME_BUF];
    char primary[KMSDNS_NAME_BUF]; /* the SOA MNAME */
    /* The primary first, then the NS RRset in answer order, each name once
     * (a name without A/AAAA has naddr 0); empty with ask_is_server. */
    struct kmsdns_zone_ns ns[KMSDNS_ZONE_MAX_NS];
    size_t nns;
};

typedef struct kmsdns_zone_set kmsdns_zone_set;

/*
 * Finds the zone of names[0..n) (normal form, see name.h; borrowed for the
 * call only). On KMSDNS_OK *out holds one result per name, each with its own
 * error (free with kmsdns_zone_set_free()); another return (no memory, a
 * batch that could not run) leaves *out NULL.
 */
int kmsdns_zone_find(const char *const *names, size_t n, const struct kmsdns_zone_opts *opts,
                     kmsdns_zone_set **out);

/* Accepts NULL. */
void kmsdns_zone_set_free(kmsdns_zone_set *s);

/*
 * Name i's result: KMSDNS_OK and its zone (valid until the set is freed),
 * or the error (KMSDNS_NOZONE, KMSDNS_TIMEOUT, an rcode's error, ...) with
 * *zone NULL and *message saying why, naming the server and the name.
 * message may be NULL.
 */
int kmsdns_zone_get(const kmsdns_zone_set *s, size_t i, const struct kmsdns_zone **zone,
                    const char **message);

/* ---- the answer walks: one answer in, plain data out (pure) -------------------
 * kmsdns_zone_find() runs them in blocking rounds; kmsdns-verify's audit
 * engine runs the same steps in its streaming window (so 10,000 domains do
 * not wait for each other). The packet came from the network and may hold
 * anything ldns accepts (records without RDATA, names of any case). */

enum kmsdns_zone_soa_kind {
    KMSDNS_ZONE_SOA_NONE,      /* no SOA: the walk goes on a label up */
    KMSDNS_ZONE_SOA_FOUND,     /* zone and primary set */
    KMSDNS_ZONE_SOA_UNRELATED, /* an SOA of a zone cur is not within: zone holds its owner */
};

/*
 * Where an answer to the SOA question for cur places it: the SOA owned by
 * cur in the answer section, else the first SOA in the authority section
 * (a negative answer's). On FOUND, zone is its owner, primary its MNAME and
 * *soa (when soa is not NULL) the record, valid while the packet is.
 */
enum kmsdns_zone_soa_kind kmsdns_zone_soa_of(const ldns_pkt *answer, const char *cur,
                                             char zone[KMSDNS_NAME_BUF],
                                             char primary[KMSDNS_NAME_BUF], const ldns_rr **soa);

/*
 * The names the answer section's NS records point to, appended to
 * ns[n..max) in order, each name once (records without a usable name
 * skipped). Returns the new count.
 */
size_t kmsdns_zone_ns_names(const ldns_pkt *answer, char (*ns)[KMSDNS_NAME_BUF], size_t n,
                            size_t max);

/*
 * The `type` (A or AAAA) records at name in the answer section, as server
 * addresses with port 53, appended to addr[n..max) in order. Returns the
 * new count.
 */
size_t kmsdns_zone_ns_addrs(const ldns_pkt *answer, const char *name, uint16_t type,
                            struct kmsdns_addr *addr, size_t n, size_t max);

/*
 * Whether an authoritative answer to a question about `name` names its zone
 * (pure): the SOA of a negative answer, or the NS RRset of a positive one
 * (named adds it; Knot does not), in the authority section, at or above
 * name. On true, zone is that owner and primary the SOA MNAME (for an NS
 * RRset: its first name server).
 */
bool kmsdns_zone_named_by(const ldns_pkt *answer, const char *name, char zone[KMSDNS_NAME_BUF],
                          char primary[KMSDNS_NAME_BUF]);

#endif
