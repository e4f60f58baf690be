/* SPDX-License-Identifier: MIT */
/*
 * The network seam: a batch of DNS exchanges (one query, one answer each)
 * run concurrently. The real transport multiplexes non-blocking UDP and TCP
 * sockets with poll(): per-try timeout, retries, TCP on truncation, a bound
 * on exchanges in flight. Unit tests substitute a transport that answers
 * from recorded packets. A second, streaming interface submits exchanges
 * one at a time and completes them through a callback.
 */
#ifndef KMSDNS_TRANSPORT_H
#define KMSDNS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"

struct kmsdns_exchange {
    /* in: set by the caller; query must stay valid until the run returns */
    struct kmsdns_addr server;
    const uint8_t *query;
    size_t query_len;
    bool tcp; /* start over TCP (else UDP, moving to TCP on truncation) */
    /* out */
    int rc;          /* KMSDNS_OK, KMSDNS_TIMEOUT, KMSDNS_UNREACHABLE, KMSDNS_MALFORMED, ... */
    uint8_t *answer; /* malloc'd; free with free() (or kmsdns_exchange_reset) */
    size_t answer_len;
    bool used_tcp;
    unsigned tries;
    char detail[96]; /* why it failed ("connection refused", ...) */
};

struct kmsdns_transport_opts {
    unsigned timeout_ms;   /* per try */
    unsigned retries;      /* tries after the first */
    unsigned max_inflight; /* exchanges at once (0: 64) */
};

struct kmsdns_transport {
    /* Runs every exchange to an answer or a failure; returns KMSDNS_OK unless
     * the batch itself could not run (no memory). */
    int (*run)(void *ctx, struct kmsdns_exchange *x, size_t n,
               const struct kmsdns_transport_opts *opts);
    void *ctx;
};

/*
 * Called once for every exchange submitted in streaming mode, when it has
 * completed: x->rc, x->tries, x->detail and the answer (the exchange's own,
 * malloc'd) are set. It may submit further exchanges to the same session.
 */
typedef void (*kmsdns_exchange_done_fn)(void *arg, struct kmsdns_exchange *x);

/*
 * The streaming mode, a second interface beside the batch one (which stays
 * as it is), for callers that keep many exchanges going and start new ones
 * as answers come back (the audit): exchanges are submitted one at a time
 * and completed through a callback. The caller bounds what it keeps in
 * flight (opts->max_inflight is not applied) and paces it.
 */
struct kmsdns_transport_stream {
    /* Opens a session with these options (copied); end it with close(). */
    int (*open)(void *ctx, const struct kmsdns_transport_opts *opts, void **session);
    /* Starts x, which (with its query) must stay valid until done(arg, x)
     * is called. done may run before submit returns, for an exchange that
     * fails at once. A non-OK return means x was not started (no memory,
     * the server could not be set up) and done will not be called. */
    int (*submit)(void *session, struct kmsdns_exchange *x, kmsdns_exchange_done_fn done,
                  void *arg);
    /* Waits at most timeout_ms for I/O or a try's timeout and completes what
     * is ready, calling the done callbacks. KMSDNS_OK, or KMSDNS_SYSTEM when
     * waiting itself failed. */
    int (*wait)(void *session, unsigned timeout_ms);
    /* Ends the session: every exchange still running completes at once with
     * rc KMSDNS_SYSTEM and detail "cancelled" (done must not submit then). */
    void (*close)(void *session);
    void *ctx;
};

/* The real network. */
extern const struct kmsdns_transport kmsdns_transport_net;

/* Frees an exchange's answer and clears its results, keeping the inputs. */
void kmsdns_exchange_reset(struct kmsdns_exchange *x);

/*
 * Whether answer a[n] answers query q[qn]: QR set, the same ID and, when
 * both carry a question, the same one (name in any letter case, QTYPE,
 * QCLASS). Pure; what the real transport applies to every answer.
 */
bool kmsdns_transport_answer_matches(const uint8_t *q, size_t qn, const uint8_t *a, size_t n);

/* Convenience: run n exchanges through t. */
int kmsdns_transport_run(const struct kmsdns_transport *t, struct kmsdns_exchange *x, size_t n,
                         const struct kmsdns_transport_opts *opts);

#endif
