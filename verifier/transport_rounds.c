/* SPDX-License-Identifier: MIT */
/*
 * The streaming interface over a batch-only transport: submissions collect
 * into a round, and each wait() runs the round as one batch, then completes
 * its exchanges in submission order. This is how the audit engine runs over
 * a unit test's scripted transport (or the core poll transport), with the
 * same code paths as over c-ares.
 */
#include "transport_stream.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pending {
    struct kmsdns_exchange *x;
    kmsdns_exchange_done_fn done;
    void *arg;
};

struct session {
    const struct kmsdns_transport *t;
    struct kmsdns_transport_opts o;
    struct pending *v; /* the round being collected */
    size_t n, cap;
};

static int rounds_open(void *ctx, const struct kmsdns_transport_opts *o, void **out)
{
    struct session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return KMSDNS_NOMEM;
    s->t = ctx;
    s->o = *o;
    *out = s;
    return KMSDNS_OK;
}

static int rounds_submit(void *sess, struct kmsdns_exchange *x, kmsdns_exchange_done_fn done,
                         void *arg)
{
    struct session *s = sess;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct pending *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return KMSDNS_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct pending){x, done, arg};
    return KMSDNS_OK;
}

/* Runs the round collected so far; what its callbacks submit forms the next. */
static int rounds_wait(void *sess, unsigned timeout_ms)
{
    struct session *s = sess;
    if (s->n == 0) {
        struct kmsdns_wait pause = {.fd = -1, .deadline = kmsdns_now_ms() + timeout_ms};
        kmsdns_wait(&pause, 1); /* nothing to run: the caller is pacing itself */
        return KMSDNS_OK;
    }
    struct pending *round = s->v;
    size_t n = s->n;
    s->v = NULL;
    s->n = s->cap = 0;
    struct kmsdns_exchange *x = malloc(n * sizeof *x);
    int rc = x != NULL ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; x != NULL && i < n; i++) {
        x[i] = *round[i].x;
        x[i].answer = NULL;
        kmsdns_exchange_reset(&x[i]);
    }
    if (rc == KMSDNS_OK)
        rc = s->t->run(s->t->ctx, x, n, &s->o);
    for (size_t i = 0; i < n; i++) {
        struct kmsdns_exchange *dst = round[i].x;
        if (rc == KMSDNS_OK) {
            *dst = x[i];
        } else {
            kmsdns_exchange_reset(dst);
            dst->rc = rc;
            snprintf(dst->detail, sizeof dst->detail, "%s", kmsdns_strerror(rc));
        }
        round[i].done(round[i].arg, dst);
    }
    free(x);
    free(round);
    return KMSDNS_OK;
}

static void rounds_close(void *sess)
{
    struct session *s = sess;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) { /* submitted, never run */
        struct kmsdns_exchange *x = s->v[i].x;
        kmsdns_exchange_reset(x);
        x->rc = KMSDNS_SYSTEM;
        snprintf(x->detail, sizeof x->detail, "cancelled");
        s->v[i].done(s->v[i].arg, x);
    }
    free(s->v);
    free(s);
}

void kmsdns__stream_over_batch(const struct kmsdns_transport *t,
                               struct kmsdns_transport_stream *out)
{
    *out = (struct kmsdns_transport_stream){rounds_open, rounds_submit, rounds_wait, rounds_close,
                                            (void *)t};
}
