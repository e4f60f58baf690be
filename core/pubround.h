/* SPDX-License-Identifier: MIT */
/*
 * What every publication step shares, and nothing else: a network round for
 * the run (over round.c), an item's fate (fail, alive), the clock, and the
 * lookups of the run's state (an item's server, the signer for a server,
 * the read queries of an item, whether records are the planned result).
 * Calls only down (round.c, dnsmsg, tsig); never into a step.
 */
#ifndef KMSDNS_PUBROUND_H
#define KMSDNS_PUBROUND_H

#include "publish_int.h"

/* Runs q[0..n) as one round over the run's transport (see kmsdns__round_run). */
int kmsdns__run_queries(struct kmsdns__pub *p, struct kmsdns__query *q, size_t n);

/* Marks item i failed (status from rc: unreachable for TIMEOUT/UNREACHABLE/
 * SYSTEM/KRB5); a failed item keeps its first failure. */
void kmsdns__fail(struct kmsdns__pub *p, size_t i, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool kmsdns__alive(const struct kmsdns__pub *p, size_t i);
/* Unix seconds from opts->clock, else time(NULL). */
uint64_t kmsdns__now(const struct kmsdns__pub *p);

/* The server item i is read from and updated at (its zone's current candidate). */
const struct kmsdns_addr *kmsdns__item_server(const struct kmsdns__pub *p, size_t i);

/* The read queries of item i (SRV, or A and AAAA) to server into q; returns how many. */
size_t kmsdns__read_queries(const struct kmsdns__pub *p, size_t i, const struct kmsdns_addr *server,
                            struct kmsdns__query *q);

/* Appends the answer records of q at owner (q->type) to *v[0..*n) (realloc'd,
 * the caller's to free). */
int kmsdns__append_records(struct kmsdns_rrdata **v, size_t *n, const char *owner,
                           const struct kmsdns__query *q);

/* True when records v (from a server) are the planned result for item it. */
bool kmsdns__served(const struct kmsdns_pub_item *it, bool withdraw, const struct kmsdns_rrdata *v,
                    size_t n);

/* The GSS context of server (NULL: none yet), and the signer for updates to
 * it (NULL: unsigned); both point into p, valid until kmsdns__gss_free. */
struct kmsdns__gss_server *kmsdns__gss_server_for(struct kmsdns__pub *p,
                                                  const struct kmsdns_addr *server);
const struct kmsdns_tsig_signer *kmsdns__signer_for(struct kmsdns__pub *p,
                                                    const struct kmsdns_addr *server);

#endif
