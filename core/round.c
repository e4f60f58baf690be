/* SPDX-License-Identifier: MIT */
/*
 * One concurrent round of DNS queries: write them, run them in one
 * transport batch, parse the answers. See round.h.
 */
#include "round.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kmsdns__round_prepare(const struct kmsdns__round *rd, struct kmsdns__query *q, size_t n,
                          struct kmsdns_exchange *x)
{
    int rc = KMSDNS_OK;
    for (size_t i = 0; i < n; i++) {
        uint8_t *w = NULL;
        size_t len = 0;
        q[i].pkt = NULL;
        if (rc == KMSDNS_OK)
            rc = kmsdns_msg_query(q[i].name, q[i].type, q[i].rd, &w, &len);
        x[i] = (struct kmsdns_exchange){
            .server = q[i].server, .query = w, .query_len = len, .tcp = rd->tcp || q[i].tcp};
    }
    return rc;
}

void kmsdns__round_finish(struct kmsdns__query *q, size_t n, struct kmsdns_exchange *x, int rc)
{
    for (size_t i = 0; i < n; i++) {
        q[i].rc = rc != KMSDNS_OK ? rc : x[i].rc;
        snprintf(q[i].detail, sizeof q[i].detail, "%s", x[i].detail);
        if (q[i].rc == KMSDNS_OK &&
            kmsdns_msg_parse(x[i].answer, x[i].answer_len, &q[i].pkt) != KMSDNS_OK) {
            q[i].rc = KMSDNS_MALFORMED;
            snprintf(q[i].detail, sizeof q[i].detail, "the answer is not a valid DNS message");
        }
        free((void *)x[i].query);
        kmsdns_exchange_reset(&x[i]);
    }
}

int kmsdns__round_run(const struct kmsdns__round *rd, struct kmsdns__query *q, size_t n,
                      struct kmsdns_exchange *extra, size_t nextra)
{
    struct kmsdns_exchange *x = calloc(n + nextra ? n + nextra : 1, sizeof *x);
    if (x == NULL)
        return KMSDNS_NOMEM;
    int rc = kmsdns__round_prepare(rd, q, n, x);
    if (nextra > 0)
        memcpy(x + n, extra, nextra * sizeof *x);
    if (rc == KMSDNS_OK)
        rc = kmsdns_transport_run(rd->t, x, n + nextra, &rd->topts);
    if (nextra > 0)
        memcpy(extra, x + n, nextra * sizeof *x);
    kmsdns__round_finish(q, n, x, rc);
    free(x);
    return rc;
}

int kmsdns__round_exchange(const struct kmsdns__round *rd, struct kmsdns_exchange *x, size_t n)
{
    return kmsdns_transport_run(rd->t, x, n, &rd->topts);
}

void kmsdns__queries_free(struct kmsdns__query *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ldns_pkt_free(q[i].pkt);
        q[i].pkt = NULL;
    }
}
