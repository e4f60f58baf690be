/* SPDX-License-Identifier: MIT */
/*
 * The discovery step: each item's zone, its primary (the SOA MNAME) and the
 * servers to try, primary first, found by the zone module (zone.c). With
 * [dns] server set, that one server is asked everything and is the only
 * candidate, and the reads ride along with the first SOA round (or, with
 * TSIG or none, go first: most answers name their zone, and only the
 * others need the SOA walk; GSS-TSIG needs the MNAME for the principal).
 */
#include "pubround.h"

#include <stdlib.h>
#include <string.h>

/* Every item's read queries to the [dns] server, into q; returns how many. */
static size_t read_all(const struct kmsdns__pub *p, struct kmsdns__query *q)
{
    size_t n = 0;
    for (size_t i = 0; i < p->r->nitems; i++)
        n += kmsdns__read_queries(p, i, &p->ask, q + n);
    return n;
}

/* Keeps the answered reads q[0..n) for the read step (which frees them). */
static void keep_prefetch(struct kmsdns__pub *p, struct kmsdns__query *q, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = q[k].tag;
        p->prefetch[i][p->nprefetch[i]++] = q[k];
        q[k].pkt = NULL;
    }
}

/* Whether item i's prefetched answers name its zone (sets it->zone, mname). */
static bool infer_zone(struct kmsdns__pub *p, size_t i, char mname[KMSDNS_NAME_BUF])
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    for (size_t k = 0; k < p->nprefetch[i]; k++)
        if (p->prefetch[i][k].rc == KMSDNS_OK &&
            kmsdns_zone_named_by(p->prefetch[i][k].pkt, it->owner, it->zone, mname))
            return true;
    return false;
}

/* TSIG or none with [dns] server: the reads first; pending[i] when item i
 * still needs the SOA walk. */
static int reads_first(struct kmsdns__pub *p, bool *pending, char (*mname)[KMSDNS_NAME_BUF])
{
    struct kmsdns__query *q = calloc(2 * p->r->nitems + 1, sizeof *q);
    if (q == NULL)
        return KMSDNS_NOMEM;
    size_t nq = read_all(p, q);
    int rc = kmsdns__run_queries(p, q, nq);
    if (rc == KMSDNS_OK)
        keep_prefetch(p, q, nq);
    kmsdns__queries_free(q, nq);
    free(q);
    for (size_t i = 0; rc == KMSDNS_OK && i < p->r->nitems; i++)
        pending[i] = !infer_zone(p, i, mname[i]);
    return rc;
}

/* Takes name j's result for item i; *zi is its zone (NULL when it failed). */
static void take_result(struct kmsdns__pub *p, size_t i, const kmsdns_zone_set *set, size_t j,
                        char mname[KMSDNS_NAME_BUF], const struct kmsdns_zone **zi)
{
    const char *why = NULL;
    int rc = kmsdns_zone_get(set, j, zi, &why);
    if (rc != KMSDNS_OK) {
        kmsdns__fail(p, i, rc, "%s", why);
        return;
    }
    snprintf(p->r->items[i].zone, sizeof p->r->items[i].zone, "%s", (*zi)->name);
    strcpy(mname, (*zi)->primary);
}

/* The SOA walk (and, via a resolver, NS and addresses) for the pending
 * items; with [dns] server and `ride`, every read goes with the first round. */
static int walk(struct kmsdns__pub *p, const bool *pending, bool ride,
                char (*mname)[KMSDNS_NAME_BUF], const struct kmsdns_zone **zi,
                kmsdns_zone_set **set)
{
    size_t n = p->r->nitems, nn = 0, nr = 0;
    const char **names = calloc(n + 1, sizeof *names);
    size_t *map = calloc(n + 1, sizeof *map);
    struct kmsdns__query *rq = ride ? calloc(2 * n + 1, sizeof *rq) : NULL;
    struct kmsdns_exchange *rx = ride ? calloc(2 * n + 1, sizeof *rx) : NULL;
    int rc = names && map && (!ride || (rq && rx)) ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++)
        if (pending[i])
            map[nn] = i, names[nn++] = p->r->items[i].owner;
    nr = rc == KMSDNS_OK && ride ? read_all(p, rq) : 0;
    if (rc == KMSDNS_OK)
        rc = kmsdns__round_prepare(&p->round, rq, nr, rx);
    struct kmsdns_zone_opts o = {.transport = p->round.t,
                                 .topts = p->round.topts,
                                 .ask = p->ask,
                                 .ask_is_server = p->ask_is_server,
                                 .tcp = p->round.tcp,
                                 .ride = rx,
                                 .nride = nr};
    if (rc == KMSDNS_OK)
        rc = kmsdns_zone_find(names, nn, &o, set);
    kmsdns__round_finish(rq, nr, rx, rc);
    if (rc == KMSDNS_OK)
        keep_prefetch(p, rq, nr);
    kmsdns__queries_free(rq, nr);
    for (size_t j = 0; rc == KMSDNS_OK && j < nn; j++)
        take_result(p, map[j], *set, j, mname[map[j]], &zi[map[j]]);
    free(names), free(map), free(rq), free(rx);
    return rc;
}

/* Zone zn's servers: the [dns] server, or the addresses of zi's name servers, primary first. */
static void set_candidates(const struct kmsdns__pub *p, struct kmsdns__zone *zn,
                           const struct kmsdns_zone *zi)
{
    if (p->ask_is_server) {
        zn->cand[0] = p->ask;
        zn->ncand = 1;
        return;
    }
    for (size_t j = 0; zi != NULL && j < zi->nns; j++)
        for (size_t a = 0; a < zi->ns[j].naddr && zn->ncand < KMSDNS__MAX_SERVERS; a++)
            zn->cand[zn->ncand++] = zi->ns[j].addr[a];
}

/* Fills p->zones with the distinct zones and points each item at its zone. */
static int index_zones(struct kmsdns__pub *p, char (*mname)[KMSDNS_NAME_BUF],
                       const struct kmsdns_zone **zi)
{
    p->zones = calloc(p->r->nitems ? p->r->nitems : 1, sizeof *p->zones);
    if (p->zones == NULL)
        return KMSDNS_NOMEM;
    for (size_t i = 0; i < p->r->nitems; i++) {
        if (!kmsdns__alive(p, i))
            continue;
        size_t z = 0;
        while (z < p->nzones && strcmp(p->zones[z].name, p->r->items[i].zone) != 0)
            z++;
        if (z == p->nzones) {
            strcpy(p->zones[z].name, p->r->items[i].zone);
            strcpy(p->zones[z].mname, mname[i]);
            set_candidates(p, &p->zones[z], zi[i]);
            p->nzones++;
        }
        p->item_zone[i] = z;
    }
    return KMSDNS_OK;
}

int kmsdns__discover(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    char(*mname)[KMSDNS_NAME_BUF] = calloc(n + 1, sizeof *mname);
    bool *pending = calloc(n + 1, sizeof *pending);
    const struct kmsdns_zone **zi = calloc(n + 1, sizeof *zi);
    kmsdns_zone_set *set = NULL;
    int rc = mname && pending && zi ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; i < n && rc == KMSDNS_OK; i++)
        pending[i] = true;
    bool early = rc == KMSDNS_OK && p->ask_is_server && !p->gss;
    if (early)
        rc = reads_first(p, pending, mname);
    if (rc == KMSDNS_OK)
        rc = walk(p, pending, p->ask_is_server && !early, mname, zi, &set);
    if (rc == KMSDNS_OK)
        rc = index_zones(p, mname, zi);
    kmsdns_zone_set_free(set);
    free(mname), free(pending), free(zi);
    char srv[KMSDNS_ADDR_TEXT_MAX];
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        const struct kmsdns__zone *z = kmsdns__alive(p, i) ? &p->zones[p->item_zone[i]] : NULL;
        if (z != NULL && z->ncand == 0)
            kmsdns__fail(p, i, KMSDNS_NOTFOUND,
                         "no address found via %s for the primary %s of "
                         "zone %s, nor for its other name servers",
                         kmsdns_addr_format(&p->ask, srv), z->mname, z->name);
    }
    return rc;
}
