/* SPDX-License-Identifier: MIT */
/*
 * The wait step (--wait): asks every server of each zone (the primary and
 * the other name servers discovery found; only the [dns] server when one is
 * set, and the note says so) about every item once a second,
 * one concurrent round per poll, until each serves the planned result or
 * the time is up.
 */
#include "pubround.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One server asked about one item in a poll. */
struct probe {
    size_t item;
    struct kmsdns_addr server;
    bool answered;
    struct kmsdns_rrdata *v;
    size_t nv;
};

static size_t make_probes(struct kmsdns__pub *p, const bool *done, struct probe *pr,
                          struct kmsdns__query *q, size_t *nq)
{
    size_t np = 0;
    *nq = 0;
    for (size_t i = 0; i < p->r->nitems; i++) {
        const struct kmsdns__zone *z = done[i] ? NULL : &p->zones[p->item_zone[i]];
        const struct kmsdns_pub_item *it = &p->r->items[i];
        for (size_t s = 0; z != NULL && s < z->ncand; s++, np++) {
            pr[np] = (struct probe){.item = i, .server = z->cand[s], .answered = true};
            for (int t = 0; t < (it->is_address ? 2 : 1); t++) {
                struct kmsdns__query *x = &q[(*nq)++];
                *x = (struct kmsdns__query){.server = z->cand[s], .tag = np};
                x->type = !it->is_address ? LDNS_RR_TYPE_SRV
                          : t             ? LDNS_RR_TYPE_AAAA
                                          : LDNS_RR_TYPE_A;
                strcpy(x->name, it->owner);
            }
        }
    }
    return np;
}

/* Asks every server about every unfinished item once; updates done and why. */
static int poll_once(struct kmsdns__pub *p, bool *done, char (*why)[160])
{
    size_t n = p->r->nitems, nq = 0;
    struct probe *pr = calloc(n * KMSDNS__MAX_SERVERS + 1, sizeof *pr);
    struct kmsdns__query *q = calloc(2 * n * KMSDNS__MAX_SERVERS + 1, sizeof *q);
    int rc = pr && q ? KMSDNS_OK : KMSDNS_NOMEM;
    size_t np = rc == KMSDNS_OK ? make_probes(p, done, pr, q, &nq) : 0;
    if (rc == KMSDNS_OK)
        rc = kmsdns__run_queries(p, q, nq);
    for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++) {
        struct probe *b = &pr[q[k].tag];
        if (q[k].rc != KMSDNS_OK)
            b->answered = false;
        else
            (void)kmsdns__append_records(&b->v, &b->nv, p->r->items[b->item].owner,
                                         &q[k]); /* no memory: judged as holding nothing */
    }
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++)
        done[i] = true;
    for (size_t k = 0; k < np; k++) {
        const struct kmsdns_pub_item *it = &p->r->items[pr[k].item];
        if (rc == KMSDNS_OK &&
            (!pr[k].answered || !kmsdns__served(it, p->opts->withdraw, pr[k].v, pr[k].nv))) {
            char srv[KMSDNS_ADDR_TEXT_MAX];
            done[pr[k].item] = false;
            snprintf(why[pr[k].item], sizeof why[0], "%s %s",
                     kmsdns_addr_format(&pr[k].server, srv),
                     pr[k].answered ? "still serves the old data" : "does not answer");
        }
        free(pr[k].v);
    }
    kmsdns__queries_free(q, nq);
    free(q);
    free(pr);
    return rc;
}

int kmsdns__wait(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    bool *done = calloc(n + 1, sizeof *done);
    char(*why)[160] = calloc(n + 1, sizeof *why);
    int rc = done && why ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; i < n; i++)
        done[i] = !kmsdns__alive(p, i);
    uint64_t start = kmsdns__now(p);
    while (rc == KMSDNS_OK) {
        rc = poll_once(p, done, why);
        bool all = true;
        for (size_t i = 0; i < n; i++)
            all &= done[i];
        p->r->waited = (unsigned)(kmsdns__now(p) - start);
        if (all || p->r->waited >= p->opts->wait_seconds)
            break;
        sleep(1);
    }
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        struct kmsdns_pub_item *it = &p->r->items[i];
        size_t used = strlen(it->note);
        char srv[KMSDNS_ADDR_TEXT_MAX];
        if (kmsdns__alive(p, i) && done[i] && p->ask_is_server) /* nothing else was asked */
            snprintf(it->note + used, sizeof it->note - used,
                     "%sserved by %s after %u s ([dns] server: the zone's other servers were not "
                     "asked)",
                     used ? "; " : "", kmsdns_addr_format(&p->ask, srv), p->r->waited);
        else if (kmsdns__alive(p, i) && done[i])
            snprintf(it->note + used, sizeof it->note - used, "%sserved by every server after %u s",
                     used ? "; " : "", p->r->waited);
        else if (kmsdns__alive(p, i))
            kmsdns__fail(p, i, strstr(why[i], "does not answer") ? KMSDNS_TIMEOUT : KMSDNS_RCODE,
                         "after waiting %u s, %s", p->r->waited, why[i]);
    }
    free(done);
    free(why);
    return rc;
}
