/* SPDX-License-Identifier: MIT */
/*
 * The read step: what the chosen server of each item's zone holds at the
 * item's owner (SRV, or A and AAAA), moving to the zone's next server when
 * one does not answer, and the plan of the change to this host's records.
 * One concurrent round per server tried.
 */
#include "pubround.h"

#include <stdlib.h>
#include <string.h>

/* Moves item i's prefetched answers (if any) to q; returns how many. */
static size_t take_prefetch(struct kmsdns__pub *p, size_t i, struct kmsdns__query *q)
{
    size_t n = p->nprefetch != NULL ? p->nprefetch[i] : 0;
    for (size_t k = 0; k < n; k++) {
        q[k] = p->prefetch[i][k];
        p->prefetch[i][k].pkt = NULL;
    }
    if (n > 0)
        p->nprefetch[i] = 0;
    return n;
}

/* Takes one answer for item i; returns true when the item should try the next server. */
static bool read_answer(struct kmsdns__pub *p, size_t i, const struct kmsdns__query *q)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    const struct kmsdns__zone *z = &p->zones[p->item_zone[i]];
    char srv[KMSDNS_ADDR_TEXT_MAX];
    kmsdns_addr_format(kmsdns__item_server(p, i), srv);
    if (q->rc == KMSDNS_TIMEOUT || q->rc == KMSDNS_UNREACHABLE || q->rc == KMSDNS_SYSTEM) {
        if (p->item_cand[i] + 1 < z->ncand)
            return true;
        kmsdns__fail(p, i, q->rc,
                     "no answer from %s (server of zone %s, primary %s) when "
                     "reading %s: %s",
                     srv, z->name, z->mname, it->owner, q->detail);
        return false;
    }
    if (q->rc != KMSDNS_OK) {
        kmsdns__fail(p, i, q->rc, "%s: %s", srv, q->detail);
        return false;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(q->pkt);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
        kmsdns__fail(p, i, kmsdns_msg_rcode_rc(rcode), "%s answered %s when reading %s in zone %s",
                     srv, kmsdns_msg_rcode_name(rcode), it->owner, z->name);
    else if (!ldns_pkt_aa(q->pkt))
        kmsdns__fail(p, i, KMSDNS_NOTAUTH,
                     "%s is not authoritative for zone %s (its answer for "
                     "%s has no AA flag)",
                     srv, z->name, it->owner);
    else if (kmsdns__append_records(&it->current, &it->ncurrent, it->owner, q) != KMSDNS_OK)
        kmsdns__fail(p, i, KMSDNS_NOMEM, "out of memory");
    return false;
}

static void plan_item(struct kmsdns__pub *p, size_t i)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    uint32_t ttl = p->cfg->dns.ttl;
    int rc = it->is_address ? kmsdns_plan_addresses(it->current, it->ncurrent, it->want, it->nwant,
                                                    ttl, p->opts->withdraw, &it->plan)
                            : kmsdns_plan_srv(it->current, it->ncurrent, it->want, ttl,
                                              p->opts->withdraw, &it->plan);
    if (rc != KMSDNS_OK) {
        kmsdns__fail(p, i, rc, "%s holds more than %d records of this host", it->owner,
                     KMSDNS_PLAN_MAX);
        return;
    }
    it->planned = true;
    if (it->plan.ttl_differs)
        snprintf(it->note, sizeof it->note,
                 "TTL %u differs from the configured %u; not "
                 "rewritten (the RRset's TTL is shared with the other hosts' records)",
                 it->plan.current_ttl, ttl);
}

int kmsdns__read(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    struct kmsdns__query *q = calloc(2 * n + 1, sizeof *q);
    bool *retry = calloc(n + 1, sizeof *retry);
    int rc = q && retry ? KMSDNS_OK : KMSDNS_NOMEM;
    for (bool again = true; rc == KMSDNS_OK && again;) {
        size_t nq = 0;
        for (size_t i = 0; i < n; i++)
            if (kmsdns__alive(p, i) && !p->r->items[i].have_current &&
                (p->nprefetch == NULL || p->nprefetch[i] == 0))
                nq += kmsdns__read_queries(p, i, kmsdns__item_server(p, i), q + nq);
        rc = kmsdns__run_queries(p, q, nq);
        for (size_t i = 0; i < n; i++)
            nq += kmsdns__alive(p, i) ? take_prefetch(p, i, q + nq) : 0;
        memset(retry, 0, n * sizeof *retry);
        for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
            retry[q[k].tag] |= read_answer(p, q[k].tag, &q[k]);
        kmsdns__queries_free(q, nq);
        again = false;
        for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
            struct kmsdns_pub_item *it = &p->r->items[i];
            if (retry[i] && kmsdns__alive(p, i)) {
                p->item_cand[i]++;
                free(it->current);
                it->current = NULL;
                it->ncurrent = 0;
                again = true;
            } else if (kmsdns__alive(p, i) && !it->have_current) {
                it->have_current = true;
                kmsdns_addr_format(kmsdns__item_server(p, i), it->server);
                plan_item(p, i);
            }
        }
    }
    free(q);
    free(retry);
    return rc;
}
