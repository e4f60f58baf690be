/* SPDX-License-Identifier: MIT */
/*
 * The read step: what the chosen server of each item's zone holds at the
 * item's owner (SRV, or A and AAAA), moving to the zone's next server when
 * one does not answer, and the plan of the change to this host's records.
 * One concurrent round per server tried.
 *
 * Refresh (AD DNS aging): with [dns] refresh = auto the same round asks
 * each zone's server for _ldap._tcp.dc._msdcs.<zone> SRV, which every AD
 * domain's DNS holds and nothing else does; a NOERROR answer with records
 * there marks the zone as served by AD DNS. (When every read was already
 * answered during discovery, with [dns] server, the probes make one round
 * of their own.) Where refresh applies, each plan also re-registers the
 * records that are already right (kmsdns_plan_refresh).
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

/* Whether this run asks the AD probe: only auto decides by the server. */
static bool probing(const struct kmsdns__pub *p)
{
    return p->cfg->dns.refresh == KMSDNS_REFRESH_AUTO && !p->opts->refresh && !p->opts->withdraw;
}

/* The AD probes of the zones not yet probed that have an item in read[] (or,
 * with read NULL, a planned item), each to that item's server, into q
 * (tag: nitems + zone); returns how many. */
static size_t probe_queries(const struct kmsdns__pub *p, const bool *read, bool *asked,
                            struct kmsdns__query *q)
{
    size_t n = p->r->nitems, nq = 0;
    for (size_t i = 0; i < n; i++) {
        size_t z = p->item_zone[i];
        bool take = read != NULL ? read[i] : kmsdns__alive(p, i) && p->r->items[i].planned;
        if (!take || asked[z] || p->zones[z].ad != KMSDNS__AD_UNKNOWN)
            continue;
        char name[KMSDNS_NAME_BUF];
        if (kmsdns_name_join("_ldap._tcp.dc._msdcs", p->zones[z].name, name) != KMSDNS_OK)
            continue; /* too long a zone to be an AD domain */
        asked[z] = true;
        q[nq] = (struct kmsdns__query){
            .type = LDNS_RR_TYPE_SRV, .server = *kmsdns__item_server(p, i), .tag = n + z};
        strcpy(q[nq++].name, name);
    }
    return nq;
}

/* An AD probe's answer: AD when NOERROR with an SRV record at the name; no
 * answer leaves the zone unknown (asked again with the next round). */
static void probe_answer(struct kmsdns__pub *p, size_t z, const struct kmsdns__query *q,
                         bool *asked)
{
    asked[z] = false;
    if (q->rc != KMSDNS_OK)
        return;
    struct kmsdns_rrdata *recs = NULL;
    size_t nrec = 0;
    bool ad = ldns_pkt_get_rcode(q->pkt) == LDNS_RCODE_NOERROR &&
              kmsdns_msg_records(q->pkt, LDNS_SECTION_ANSWER, q->name, LDNS_RR_TYPE_SRV, &recs,
                                 &nrec) == KMSDNS_OK &&
              nrec > 0;
    free(recs);
    p->zones[z].ad = ad ? KMSDNS__AD_YES : KMSDNS__AD_NO;
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

/* Whether refresh applies to item i (see publish_int.h). */
static bool refreshes(const struct kmsdns__pub *p, size_t i)
{
    if (p->opts->withdraw)
        return false;
    if (p->opts->refresh || p->cfg->dns.refresh == KMSDNS_REFRESH_YES)
        return true;
    return p->cfg->dns.refresh == KMSDNS_REFRESH_AUTO &&
           p->zones[p->item_zone[i]].ad == KMSDNS__AD_YES;
}

/* The probes the read rounds could not carry (every read prefetched), as
 * one round of their own; then the refresh of each plan where it applies. */
static int plan_refreshes(struct kmsdns__pub *p, struct kmsdns__query *q, bool *asked)
{
    size_t nq = probing(p) ? probe_queries(p, NULL, asked, q) : 0;
    int rc = nq > 0 ? kmsdns__run_queries(p, q, nq) : KMSDNS_OK;
    for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
        probe_answer(p, q[k].tag - p->r->nitems, &q[k], asked);
    kmsdns__queries_free(q, nq);
    for (size_t i = 0; rc == KMSDNS_OK && i < p->r->nitems; i++) {
        struct kmsdns_pub_item *it = &p->r->items[i];
        if (!kmsdns__alive(p, i) || !it->planned)
            continue;
        it->ad_dns = p->zones[p->item_zone[i]].ad == KMSDNS__AD_YES;
        if (refreshes(p, i) && kmsdns_plan_refresh(it->current, it->ncurrent, it->want, it->nwant,
                                                   &it->plan) != KMSDNS_OK)
            kmsdns__fail(p, i, KMSDNS_TOOLONG, "%s holds more than %d records of this host",
                         it->owner, KMSDNS_PLAN_MAX);
    }
    return rc;
}

int kmsdns__read(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    struct kmsdns__query *q = calloc(2 * n + p->nzones + 1, sizeof *q);
    bool *retry = calloc(n + 1, sizeof *retry);
    bool *reading = calloc(n + 1, sizeof *reading);
    bool *asked = calloc(p->nzones + 1, sizeof *asked);
    int rc = q && retry && reading && asked ? KMSDNS_OK : KMSDNS_NOMEM;
    for (bool again = true; rc == KMSDNS_OK && again;) {
        size_t nq = 0;
        for (size_t i = 0; i < n; i++) {
            reading[i] = kmsdns__alive(p, i) && !p->r->items[i].have_current &&
                         (p->nprefetch == NULL || p->nprefetch[i] == 0);
            if (reading[i])
                nq += kmsdns__read_queries(p, i, kmsdns__item_server(p, i), q + nq);
        }
        nq += probing(p) ? probe_queries(p, reading, asked, q + nq) : 0;
        rc = kmsdns__run_queries(p, q, nq);
        for (size_t i = 0; i < n; i++)
            nq += kmsdns__alive(p, i) ? take_prefetch(p, i, q + nq) : 0;
        memset(retry, 0, n * sizeof *retry);
        for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
            if (q[k].tag >= n)
                probe_answer(p, q[k].tag - n, &q[k], asked);
            else
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
    if (rc == KMSDNS_OK)
        rc = plan_refreshes(p, q, asked);
    free(q);
    free(retry), free(reading), free(asked);
    return rc;
}
