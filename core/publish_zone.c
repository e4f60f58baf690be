/* SPDX-License-Identifier: MIT */
/*
 * Zone and server discovery, as nsupdate does it and a little better: an SOA
 * query for each owner name, walking up a label whenever an answer carries no
 * SOA; the zone's primary is the SOA MNAME, tried first, then the zone's
 * other name servers. With [dns] server set, that one server is asked
 * everything and is the only candidate.
 */
#include "publish_int.h"

#include <stdlib.h>
#include <string.h>

#define HOST_ADDRS 8

struct host {
    char name[KMSDNS_NAME_BUF];
    struct kmsdns_addr addr[HOST_ADDRS];
    size_t n;
};

/* The first SOA in `section` whose owner is `name` (or any owner when name is NULL). */
static const ldns_rr *find_soa(const ldns_pkt *pkt, ldns_pkt_section section, const char *name,
                               char owner[KMSDNS_NAME_BUF])
{
    const ldns_rr_list *l =
        section == LDNS_SECTION_ANSWER ? ldns_pkt_answer(pkt) : ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 1)
            continue;
        if (kmsdns_msg_rdf_name(ldns_rr_owner(rr), owner) != KMSDNS_OK)
            continue;
        if (name == NULL || strcmp(owner, name) == 0)
            return rr;
    }
    return NULL;
}

/* Handles one SOA answer for item i asked about cur; true when the walk goes on. */
static bool soa_step(struct kmsdns__pub *p, size_t i, const struct kmsdns__query *q, char *cur,
                     char (*mname)[KMSDNS_NAME_BUF])
{
    char srv[KMSDNS_ADDR_TEXT_MAX], owner[KMSDNS_NAME_BUF];
    struct kmsdns_pub_item *it = &p->r->items[i];
    kmsdns_addr_format(&p->ask, srv);
    if (q->rc != KMSDNS_OK) {
        kmsdns__fail(p, i, q->rc, "no answer from %s to the SOA query for %s (%s)", srv, cur,
                     q->detail);
        return false;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(q->pkt);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        kmsdns__fail(p, i, kmsdns_msg_rcode_rc(rcode), "%s answered %s to the SOA query for %s%s",
                     srv, kmsdns_msg_rcode_name(rcode), cur,
                     p->ask_is_server ? ": that server does not serve the zone of this name" : "");
        return false;
    }
    const ldns_rr *soa = find_soa(q->pkt, LDNS_SECTION_ANSWER, cur, owner);
    if (soa == NULL)
        soa = find_soa(q->pkt, LDNS_SECTION_AUTHORITY, NULL, owner);
    if (soa != NULL && !kmsdns_name_is_within(cur, owner)) {
        kmsdns__fail(p, i, KMSDNS_MALFORMED,
                     "%s answered the SOA query for %s with the SOA of "
                     "unrelated zone %s",
                     srv, cur, owner);
        return false;
    }
    if (soa != NULL) {
        snprintf(it->zone, sizeof it->zone, "%s", owner);
        kmsdns_msg_rdf_name(ldns_rr_rdf(soa, 0), mname[i]);
        return false;
    }
    char parent[KMSDNS_NAME_BUF];
    if (kmsdns_name_parent(cur, parent) != KMSDNS_OK) {
        kmsdns__fail(p, i, KMSDNS_NOZONE,
                     "no zone found for %s at %s: no answer carried an SOA "
                     "record",
                     it->owner, srv);
        return false;
    }
    strcpy(cur, parent);
    return true;
}

/* With [dns] server, the read queries can go out now: same server, one round saved. */
static size_t add_prefetch(struct kmsdns__pub *p, struct kmsdns__query *q)
{
    size_t n = 0;
    if (!p->ask_is_server || p->prefetch == NULL)
        return 0;
    for (size_t i = 0; i < p->r->nitems; i++) {
        size_t k = kmsdns__read_queries(p, i, &p->ask, q + n);
        for (size_t j = 0; j < k; j++)
            q[n + j].tag += p->r->nitems; /* tags past the items mark reads */
        n += k;
    }
    return n;
}

/* Keeps a prefetched read answer for the read step. */
static void keep_prefetch(struct kmsdns__pub *p, struct kmsdns__query *q)
{
    size_t i = q->tag - p->r->nitems;
    q->tag = i;
    p->prefetch[i][p->nprefetch[i]++] = *q;
    q->pkt = NULL;
}

/* The zone of item i from its prefetched answers, when the server said it:
 * the SOA of a negative answer, or the NS RRset of a positive one (named adds
 * it; Knot does not, and then the SOA walk runs). */
static bool infer_zone(struct kmsdns__pub *p, size_t i, char mname[KMSDNS_NAME_BUF])
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    char owner[KMSDNS_NAME_BUF];
    for (size_t k = 0; k < p->nprefetch[i]; k++) {
        const ldns_pkt *pkt = p->prefetch[i][k].pkt;
        if (p->prefetch[i][k].rc != KMSDNS_OK || !ldns_pkt_aa(pkt) ||
            ldns_pkt_get_rcode(pkt) > LDNS_RCODE_NXDOMAIN ||
            ldns_pkt_get_rcode(pkt) == LDNS_RCODE_SERVFAIL ||
            ldns_pkt_get_rcode(pkt) == LDNS_RCODE_FORMERR)
            continue;
        const ldns_rr_list *l = ldns_pkt_authority(pkt);
        for (size_t r = 0; r < ldns_rr_list_rr_count(l); r++) {
            const ldns_rr *rr = ldns_rr_list_rr(l, r);
            ldns_rr_type t = ldns_rr_get_type(rr);
            if ((t != LDNS_RR_TYPE_SOA && t != LDNS_RR_TYPE_NS) || ldns_rr_rd_count(rr) < 1 ||
                kmsdns_msg_rdf_name(ldns_rr_owner(rr), owner) != KMSDNS_OK ||
                !kmsdns_name_is_within(it->owner, owner))
                continue;
            snprintf(it->zone, sizeof it->zone, "%s", owner);
            kmsdns_msg_rdf_name(ldns_rr_rdf(rr, 0), mname); /* MNAME, or a name server */
            return true;
        }
    }
    return false;
}

/* TSIG or none with [dns] server: ask only the reads first; most answers name
 * their zone, and only the others need the SOA walk. GSS-TSIG needs the
 * SOA's MNAME for the server principal, so it always walks. */
static int reads_first(struct kmsdns__pub *p, struct kmsdns__query *q, bool *pending,
                       char (*mname)[KMSDNS_NAME_BUF])
{
    size_t nq = add_prefetch(p, q);
    int rc = kmsdns__run_queries(p, q, nq);
    for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
        keep_prefetch(p, &q[k]);
    kmsdns__free_queries(q, nq);
    for (size_t i = 0; rc == KMSDNS_OK && i < p->r->nitems; i++)
        pending[i] = !infer_zone(p, i, mname[i]);
    return rc;
}

/* Finds each item's zone and primary name (the SOA MNAME). */
static int walk_soa(struct kmsdns__pub *p, char (*mname)[KMSDNS_NAME_BUF])
{
    size_t n = p->r->nitems;
    char(*cur)[KMSDNS_NAME_BUF] = calloc(n, sizeof *cur);
    bool *pending = calloc(n, sizeof *pending);
    struct kmsdns__query *q = calloc(3 * n, sizeof *q);
    int rc = cur && pending && q ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        strcpy(cur[i], p->r->items[i].owner);
        pending[i] = true;
    }
    bool early = rc == KMSDNS_OK && p->ask_is_server && !p->gss && p->prefetch != NULL;
    if (early)
        rc = reads_first(p, q, pending, mname);
    for (bool first = !early; rc == KMSDNS_OK; first = false) {
        size_t nq = 0;
        for (size_t i = 0; i < n; i++) {
            if (!pending[i] || !kmsdns__alive(p, i))
                continue;
            q[nq] = (struct kmsdns__query){
                .type = LDNS_RR_TYPE_SOA, .rd = !p->ask_is_server, .server = p->ask, .tag = i};
            strcpy(q[nq++].name, cur[i]);
        }
        if (nq == 0)
            break;
        nq += first ? add_prefetch(p, q + nq) : 0;
        rc = kmsdns__run_queries(p, q, nq);
        for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++) {
            size_t i = q[k].tag;
            if (i >= n)
                keep_prefetch(p, &q[k]);
            else
                pending[i] = soa_step(p, i, &q[k], cur[i], mname);
        }
        kmsdns__free_queries(q, nq);
    }
    free(cur);
    free(pending);
    free(q);
    return rc;
}

/* Fills p->zones with the distinct zones and points each item at its zone. */
static int index_zones(struct kmsdns__pub *p, char (*mname)[KMSDNS_NAME_BUF])
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
            p->nzones++;
        }
        p->item_zone[i] = z;
    }
    return KMSDNS_OK;
}

static struct host *add_host(struct host *hosts, size_t *nh, size_t cap, const char *name)
{
    for (size_t i = 0; i < *nh; i++)
        if (strcmp(hosts[i].name, name) == 0)
            return &hosts[i];
    if (*nh == cap)
        return NULL;
    snprintf(hosts[*nh].name, sizeof hosts[*nh].name, "%s", name);
    return &hosts[(*nh)++];
}

/* NS names of every zone (via the lookup server); the primary comes first. */
static int collect_ns(struct kmsdns__pub *p, struct host *hosts, size_t *nh, size_t cap,
                      size_t (*zone_hosts)[KMSDNS__MAX_SERVERS], size_t *nzh)
{
    struct kmsdns__query *q = calloc(p->nzones ? p->nzones : 1, sizeof *q);
    if (q == NULL)
        return KMSDNS_NOMEM;
    for (size_t z = 0; z < p->nzones; z++) {
        q[z] = (struct kmsdns__query){.type = LDNS_RR_TYPE_NS, .rd = true, .server = p->ask};
        strcpy(q[z].name, p->zones[z].name);
        struct host *h = add_host(hosts, nh, cap, p->zones[z].mname);
        zone_hosts[z][0] = h != NULL ? (size_t)(h - hosts) : 0;
        nzh[z] = h != NULL;
    }
    int rc = kmsdns__run_queries(p, q, p->nzones);
    for (size_t z = 0; rc == KMSDNS_OK && z < p->nzones; z++) {
        const ldns_rr_list *l = q[z].pkt != NULL ? ldns_pkt_answer(q[z].pkt) : NULL;
        for (size_t k = 0; l != NULL && k < ldns_rr_list_rr_count(l); k++) {
            const ldns_rr *rr = ldns_rr_list_rr(l, k);
            char ns[KMSDNS_NAME_BUF];
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
                kmsdns_msg_rdf_name(ldns_rr_rdf(rr, 0), ns) != KMSDNS_OK)
                continue;
            struct host *h = add_host(hosts, nh, cap, ns);
            size_t hi = h != NULL ? (size_t)(h - hosts) : SIZE_MAX;
            bool dup = false;
            for (size_t j = 0; j < nzh[z]; j++)
                dup |= zone_hosts[z][j] == hi;
            if (h != NULL && !dup && nzh[z] < KMSDNS__MAX_SERVERS)
                zone_hosts[z][nzh[z]++] = hi;
        }
    }
    kmsdns__free_queries(q, p->nzones);
    free(q);
    return rc;
}

/* A and AAAA of every host name, port 53. */
static int resolve_hosts(struct kmsdns__pub *p, struct host *hosts, size_t nh)
{
    struct kmsdns__query *q = calloc(2 * nh + 1, sizeof *q);
    if (q == NULL)
        return KMSDNS_NOMEM;
    for (size_t h = 0; h < nh; h++)
        for (size_t k = 0; k < 2; k++) {
            struct kmsdns__query *x = &q[2 * h + k];
            *x = (struct kmsdns__query){.type = k ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A,
                                        .rd = true,
                                        .server = p->ask,
                                        .tag = h};
            strcpy(x->name, hosts[h].name);
        }
    int rc = kmsdns__run_queries(p, q, 2 * nh);
    for (size_t k = 0; rc == KMSDNS_OK && k < 2 * nh; k++) {
        struct kmsdns_rrdata *recs = NULL;
        size_t nr = 0;
        struct host *h = &hosts[q[k].tag];
        if (q[k].pkt != NULL)
            kmsdns_msg_records(q[k].pkt, LDNS_SECTION_ANSWER, h->name, q[k].type, &recs, &nr);
        for (size_t r = 0; r < nr && h->n < HOST_ADDRS; r++)
            if (kmsdns_addr_parse(recs[r].value, 53, 0, &h->addr[h->n], NULL) == KMSDNS_OK)
                h->n++;
        free(recs);
    }
    kmsdns__free_queries(q, 2 * nh);
    free(q);
    return rc;
}

static int find_candidates(struct kmsdns__pub *p)
{
    if (p->ask_is_server) {
        for (size_t z = 0; z < p->nzones; z++) {
            p->zones[z].cand[0] = p->ask;
            p->zones[z].ncand = 1;
        }
        return KMSDNS_OK;
    }
    size_t cap = p->nzones * KMSDNS__MAX_SERVERS + 1, nh = 0;
    struct host *hosts = calloc(cap, sizeof *hosts);
    size_t(*zh)[KMSDNS__MAX_SERVERS] = calloc(p->nzones + 1, sizeof *zh);
    size_t *nzh = calloc(p->nzones + 1, sizeof *nzh);
    int rc = hosts && zh && nzh ? collect_ns(p, hosts, &nh, cap, zh, nzh) : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = resolve_hosts(p, hosts, nh);
    for (size_t z = 0; rc == KMSDNS_OK && z < p->nzones; z++) {
        struct kmsdns__zone *zn = &p->zones[z];
        for (size_t j = 0; j < nzh[z]; j++) {
            const struct host *h = &hosts[zh[z][j]];
            for (size_t a = 0; a < h->n && zn->ncand < KMSDNS__MAX_SERVERS; a++)
                zn->cand[zn->ncand++] = h->addr[a];
        }
    }
    free(hosts);
    free(zh);
    free(nzh);
    return rc;
}

int kmsdns__discover(struct kmsdns__pub *p)
{
    char(*mname)[KMSDNS_NAME_BUF] = calloc(p->r->nitems + 1, sizeof *mname);
    if (mname == NULL)
        return KMSDNS_NOMEM;
    int rc = walk_soa(p, mname);
    if (rc == KMSDNS_OK)
        rc = index_zones(p, mname);
    free(mname);
    if (rc == KMSDNS_OK)
        rc = find_candidates(p);
    char srv[KMSDNS_ADDR_TEXT_MAX];
    for (size_t i = 0; rc == KMSDNS_OK && i < p->r->nitems; i++) {
        const struct kmsdns__zone *z = kmsdns__alive(p, i) ? &p->zones[p->item_zone[i]] : NULL;
        if (z != NULL && z->ncand == 0)
            kmsdns__fail(p, i, KMSDNS_NOTFOUND,
                         "no address found via %s for the primary %s of "
                         "zone %s, nor for its other name servers",
                         kmsdns_addr_format(&p->ask, srv), z->mname, z->name);
    }
    return rc;
}
