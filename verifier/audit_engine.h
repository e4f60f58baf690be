/* SPDX-License-Identifier: MIT */
/*
 * The audit engine's own state, shared by its two files: audit.c (the
 * window of domains, the channels, the answers as they come back) and
 * audit_keys.c (signed zones: the DNSKEY question per zone and server, the
 * RRsets kept for a verdict). Not part of any contract.
 */
#ifndef KMSDNS_AUDIT_ENGINE_H
#define KMSDNS_AUDIT_ENGINE_H

#include "audit_int.h"
#include "transport_stream.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_SERVERS 16
#define MAX_NS KMSDNS__AUDIT_MAX_NS

enum kind { Q_ZSOA, Q_NS, Q_NSADDR, Q_SRV, Q_SOA, Q_ADDR, Q_NEAR, Q_DNSKEY };

struct chan;
struct slot;
struct engine;
struct zkeys;

struct query {
    struct query *next; /* in its channel's wait list */
    struct engine *e;
    struct chan *ch;
    struct slot *slot;
    enum kind kind;
    unsigned server, target; /* indices in the slot */
    uint16_t type;
    uint8_t *wire;
    size_t len;
    struct kmsdns_tsig_request *req; /* when signed: to verify the answer with */
    struct zkeys *zk;                /* Q_DNSKEY: the zone and server it asks for */
    struct kmsdns_exchange x;        /* while submitted */
};

/* One zone on one server (audit_keys.c): its DNSKEY question, asked once for the whole run
 * (so a signed zone, or an unsigned one, costs one query per zone and server
 * whatever its number of domains), and the domains waiting for the answer. */
struct zkeys {
    struct zkeys *next; /* in its hash bucket */
    struct chan *ch;
    char *zone;
    bool done;          /* the answer (or the failure) came */
    bool zone_signed;   /* an authoritative NOERROR with a DNSKEY RRset at the apex */
    ldns_rr_list *keys; /* that RRset (owned) */
    struct zwait {
        struct slot *s;
        unsigned server;
    } * wait; /* malloc'd */
    size_t nwait;
};

#define ZKEYS_BUCKETS 4096

/* A server asked: its queries in flight and those waiting for room. */
struct chan {
    struct kmsdns_addr addr;
    unsigned inflight;
    struct query *head, *tail;
};

struct slot {
    bool used, done;
    unsigned long seq;
    char domain[KMSDNS_NAME_BUF];
    char owner[KMSDNS_NAME_BUF];
    char cur[KMSDNS_NAME_BUF]; /* the SOA walk's current name */
    const struct kmsdns_expectation *exp;
    unsigned pending;
    struct kmsdns_server_obs obs[MAX_SERVERS];
    struct chan *chans[MAX_SERVERS];
    size_t nobs;
    char ns[MAX_NS][KMSDNS_NAME_BUF];
    size_t nns;
    char zone[KMSDNS_NAME_BUF];
    struct kmsdns_problem trouble; /* the domain's own problem, when code is set */
};

struct engine {
    const struct kmsdns_audit_opts *o;
    struct kmsdns_transport_stream io;
    void *sess;
    bool closing; /* the session is being closed: answers only free their queries */
    struct chan **chans;
    size_t nchans;
    struct chan *resolver;
    struct slot *win;
    size_t nwin;
    unsigned long next_seq, emit_seq;
    struct kmsdns_audit_stats *stats;
    double tokens;
    uint64_t last; /* kmsdns_now_ms() of the last token refill */
    int rc;
    double deadline;      /* now_s() by which the run ends (--time-limit), or 0 */
    bool expired;         /* past it: nothing is sent, what is queued completes at once */
    struct zkeys **zkeys; /* ZKEYS_BUCKETS buckets (calloc'd) */
};

/* ---- audit.c: queries --------------------------------------------------------- */

/* A query of kind k for name/type to channel c, on behalf of server (and
 * target) of slot s, built and signed but not queued (kmsdns__audit_enqueue
 * does): NULL when out of memory. */
struct query *kmsdns__audit_query_new(struct engine *e, struct slot *s, struct chan *c, enum kind k,
                                      const char *name, uint16_t type, bool rd, unsigned server,
                                      unsigned target);

/* Queues q (now the channel's) on c and sends what the bounds allow; e->rc. */
int kmsdns__audit_enqueue(struct engine *e, struct slot *s, struct chan *c, struct query *q);

/* ---- audit_keys.c: signed zones ------------------------------------------------- */

/* Server `server` of s named its zone (obs.zone): s waits for that zone's
 * DNSKEY answer from that server, asked once per run. Sets e->rc. */
void kmsdns__audit_want_keys(struct engine *e, struct slot *s, unsigned server);

/* The answer to q, a Q_DNSKEY query (p NULL: none came); the waiting
 * domains are released. */
void kmsdns__audit_got_keys(struct engine *e, struct query *q, const ldns_pkt *p);

/* Whether s's answers from `server` are kept for a verdict: not once its
 * zone is known to be unsigned there. */
bool kmsdns__audit_wants_rrsets(const struct engine *e, const struct slot *s, unsigned server);

/* Keeps the RRset of type at owner in p and the RRSIGs over it in o (none
 * copied when p has no RRSIG); served: p holds such an RRset. KMSDNS_NOMEM. */
int kmsdns__audit_keep_rrset(struct kmsdns_server_obs *o, const ldns_pkt *p, const char *owner,
                             uint16_t type, bool served);

/* The verdicts of a finished domain, on each server where its zone is signed. */
void kmsdns__audit_judge_dnssec(struct engine *e, struct slot *s);

/* Frees every zone's entry (the end of the run). */
void kmsdns__audit_keys_free(struct engine *e);

#endif
