/* SPDX-License-Identifier: MIT */
/*
 * The helpers every publication step shares (see pubround.h): they read and
 * mark the run's state, and run a round of queries through round.c. No step
 * logic lives here, so the steps depend on this file and never on each other.
 */
#include "pubround.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kmsdns__run_queries(struct kmsdns__pub *p, struct kmsdns__query *q, size_t n)
{
    return kmsdns__round_run(&p->round, q, n, NULL, 0);
}

uint64_t kmsdns__now(const struct kmsdns__pub *p)
{
    return p->opts->clock != NULL ? p->opts->clock() : (uint64_t)time(NULL);
}

bool kmsdns__alive(const struct kmsdns__pub *p, size_t i)
{
    return p->r->items[i].status == KMSDNS_ITEM_OK;
}

void kmsdns__fail(struct kmsdns__pub *p, size_t i, int rc, const char *fmt, ...)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    if (it->status != KMSDNS_ITEM_OK)
        return;
    /* no server could be asked: the network, or Kerberos before any server (SPEC: exit 3) */
    bool unreachable = rc == KMSDNS_TIMEOUT || rc == KMSDNS_UNREACHABLE || rc == KMSDNS_SYSTEM ||
                       rc == KMSDNS_KRB5;
    it->status = unreachable ? KMSDNS_ITEM_UNREACHABLE : KMSDNS_ITEM_FAILED;
    it->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
}

const struct kmsdns_addr *kmsdns__item_server(const struct kmsdns__pub *p, size_t i)
{
    return &p->zones[p->item_zone[i]].cand[p->item_cand[i]];
}

size_t kmsdns__read_queries(const struct kmsdns__pub *p, size_t i, const struct kmsdns_addr *server,
                            struct kmsdns__query *q)
{
    const struct kmsdns_pub_item *it = &p->r->items[i];
    uint16_t types[2] = {LDNS_RR_TYPE_SRV, 0};
    if (it->is_address)
        types[0] = LDNS_RR_TYPE_A, types[1] = LDNS_RR_TYPE_AAAA;
    size_t n = 0;
    for (size_t k = 0; k < 2 && types[k] != 0; k++) {
        q[n] = (struct kmsdns__query){.type = types[k], .server = *server, .tag = i};
        strcpy(q[n++].name, it->owner);
    }
    return n;
}

int kmsdns__append_records(struct kmsdns_rrdata **v, size_t *nv, const char *owner,
                           const struct kmsdns__query *q)
{
    struct kmsdns_rrdata *recs = NULL;
    size_t n = 0;
    int rc = kmsdns_msg_records(q->pkt, LDNS_SECTION_ANSWER, owner, q->type, &recs, &n);
    if (rc != KMSDNS_OK || n == 0)
        return rc;
    struct kmsdns_rrdata *all = realloc(*v, (*nv + n) * sizeof *all);
    if (all == NULL) {
        free(recs);
        return KMSDNS_NOMEM;
    }
    memcpy(all + *nv, recs, n * sizeof *recs);
    *v = all;
    *nv += n;
    free(recs);
    return KMSDNS_OK;
}

bool kmsdns__served(const struct kmsdns_pub_item *it, bool withdraw, const struct kmsdns_rrdata *v,
                    size_t n)
{
    for (size_t w = 0; w < it->nwant; w++) {
        const struct kmsdns_rrdata *want = &it->want[w];
        bool found = false;
        for (size_t k = 0; k < n && !found; k++) {
            bool same_value = v[k].type == want->type && strcmp(v[k].value, want->value) == 0;
            found = withdraw || it->is_address ? same_value : kmsdns_rrdata_same(&v[k], want);
        }
        if (found == withdraw)
            return false;
    }
    return true;
}

static bool same_addr(const struct kmsdns_addr *a, const struct kmsdns_addr *b)
{
    return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

struct kmsdns__gss_server *kmsdns__gss_server_for(struct kmsdns__pub *p,
                                                  const struct kmsdns_addr *server)
{
    for (size_t i = 0; i < p->nservers; i++)
        if (same_addr(&p->servers[i].addr, server))
            return &p->servers[i];
    return NULL;
}

const struct kmsdns_tsig_signer *kmsdns__signer_for(struct kmsdns__pub *p,
                                                    const struct kmsdns_addr *server)
{
    if (p->key != NULL)
        return &p->signer;
    struct kmsdns__gss_server *s = p->gss ? kmsdns__gss_server_for(p, server) : NULL;
    return s != NULL && s->ready ? &s->signer : NULL;
}
