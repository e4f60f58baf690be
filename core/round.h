/* SPDX-License-Identifier: MIT */
/*
 * One concurrent network round of DNS queries over the transport seam: the
 * caller fills in a batch of queries, the round writes them, runs them all
 * at once through a kmsdns_transport and parses every answer. Knows nothing
 * of what the queries are for; zone discovery and every publication step
 * sit on top of it. Internal to libkmsdns.
 */
#ifndef KMSDNS_ROUND_H
#define KMSDNS_ROUND_H

#include "kmsdns/dnsmsg.h"
#include "kmsdns/transport.h"

#include <stdbool.h>
#include <stddef.h>

/* How a round goes out; plain values, copied freely (t is borrowed). */
struct kmsdns__round {
    const struct kmsdns_transport *t; /* never NULL */
    struct kmsdns_transport_opts topts;
    bool tcp; /* every query over TCP */
};

/* One query of a round: filled in by the caller, run, answered. */
struct kmsdns__query {
    char name[KMSDNS_NAME_BUF];
    uint16_t type;
    bool rd;
    bool tcp; /* over TCP (a fresh connection) whatever round->tcp says */
    struct kmsdns_addr server;
    size_t tag; /* the caller's index */
    int rc;     /* transport or parse result */
    char detail[96];
    ldns_pkt *pkt; /* the parsed answer when rc is OK; freed by kmsdns__queries_free */
};

/*
 * Runs q[0..n) and extra[0..nextra) in one transport batch (extra: exchanges
 * the caller wrote itself, left answered in place; the caller resets them).
 * Returns KMSDNS_OK unless the batch could not run (then every q[i].rc says
 * so too); each query's own result is in q[i].rc and q[i].pkt.
 */
int kmsdns__round_run(const struct kmsdns__round *rd, struct kmsdns__query *q, size_t n,
                      struct kmsdns_exchange *extra, size_t nextra);

/* Runs exchanges the caller wrote (UPDATE, TKEY) as one round. */
int kmsdns__round_exchange(const struct kmsdns__round *rd, struct kmsdns_exchange *x, size_t n);

/* Frees the answers of q[0..n) (pkt set to NULL); the array stays the caller's. */
void kmsdns__queries_free(struct kmsdns__query *q, size_t n);

/*
 * Writes q[0..n) as exchanges into x[0..n) (the query wire is malloc'd) and,
 * matched by kmsdns__round_finish, parses answers back into q, freeing the
 * wire and the exchanges' answers. For callers that send the queries along
 * with others (kmsdns_zone_opts.ride); finish takes the batch's rc.
 */
int kmsdns__round_prepare(const struct kmsdns__round *rd, struct kmsdns__query *q, size_t n,
                          struct kmsdns_exchange *x);
void kmsdns__round_finish(struct kmsdns__query *q, size_t n, struct kmsdns_exchange *x, int rc);

#endif
