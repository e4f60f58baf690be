/* SPDX-License-Identifier: MIT */
/*
 * Zone discovery (see zone.h): the SOA walk for every name at once, then,
 * through a resolver, one NS round for the distinct zones and one A/AAAA
 * round for their name servers. Each name keeps its own error; one name
 * without a zone never stops the others.
 */
#include "kmsdns/zone.h"
#include "kmsdns/name.h"
#include "round.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct result {
    int rc;
    char message[640];
    size_t zone; /* index into zones when rc is OK */
};

struct kmsdns_zone_set {
    struct result *res;
    size_t n;
    struct kmsdns_zone *zones;
    size_t nzones;
};

/* The walk's working state, one entry per name. */
struct walk {
    const struct kmsdns_zone_opts *o;
    struct kmsdns__round rd;
    const char *const *names;
    struct kmsdns_zone_set *s;
    char (*cur)[KMSDNS_NAME_BUF];
    char (*zone)[KMSDNS_NAME_BUF];
    char (*mname)[KMSDNS_NAME_BUF];
    bool *pending;
    char ask[KMSDNS_ADDR_TEXT_MAX];
};

static void name_fail(struct walk *w, size_t i, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void name_fail(struct walk *w, size_t i, int rc, const char *fmt, ...)
{
    struct result *r = &w->s->res[i];
    va_list ap;
    r->rc = rc;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

/* Handles one SOA answer for name i; true when the walk goes on a label up. */
static bool soa_step(struct walk *w, size_t i, const struct kmsdns__query *q)
{
    char owner[KMSDNS_NAME_BUF], *cur = w->cur[i];
    if (q->rc != KMSDNS_OK) {
        name_fail(w, i, q->rc, "no answer from %s to the SOA query for %s (%s)", w->ask, cur,
                  q->detail);
        return false;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(q->pkt);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        name_fail(w, i, kmsdns_msg_rcode_rc(rcode), "%s answered %s to the SOA query for %s%s",
                  w->ask, kmsdns_msg_rcode_name(rcode), cur,
                  w->o->ask_is_server ? ": that server does not serve the zone of this name" : "");
        return false;
    }
    switch (kmsdns_zone_soa_of(q->pkt, cur, owner, w->mname[i], NULL)) {
    case KMSDNS_ZONE_SOA_UNRELATED:
        name_fail(w, i, KMSDNS_MALFORMED,
                  "%s answered the SOA query for %s with the SOA of unrelated zone %s", w->ask, cur,
                  owner);
        return false;
    case KMSDNS_ZONE_SOA_FOUND:
        strcpy(w->zone[i], owner);
        return false;
    case KMSDNS_ZONE_SOA_NONE:
        break;
    }
    char parent[KMSDNS_NAME_BUF];
    if (kmsdns_name_parent(cur, parent) != KMSDNS_OK) {
        name_fail(w, i, KMSDNS_NOZONE,
                  "no zone found for %s at %s: no answer carried an SOA record", w->names[i],
                  w->ask);
        return false;
    }
    strcpy(cur, parent);
    return true;
}

/* Asks the SOA of every pending name, a label further up each round, until
 * each has a zone or an error. The first round carries opts->ride. */
static int walk_soa(struct walk *w, struct kmsdns__query *q)
{
    int rc = KMSDNS_OK;
    for (bool first = true; rc == KMSDNS_OK; first = false) {
        size_t nq = 0;
        for (size_t i = 0; i < w->s->n; i++) {
            if (!w->pending[i])
                continue;
            q[nq] = (struct kmsdns__query){.type = LDNS_RR_TYPE_SOA,
                                           .rd = !w->o->ask_is_server,
                                           .server = w->o->ask,
                                           .tag = i};
            strcpy(q[nq++].name, w->cur[i]);
        }
        size_t nride = first ? w->o->nride : 0;
        if (nq + nride == 0)
            break;
        rc = kmsdns__round_run(&w->rd, q, nq, w->o->ride, nride);
        for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
            w->pending[q[k].tag] = soa_step(w, q[k].tag, &q[k]);
        kmsdns__queries_free(q, nq);
        if (nq == 0)
            break;
    }
    return rc;
}

/* Fills s->zones with the distinct zones, in the order names first name them. */
static int index_zones(struct walk *w)
{
    struct kmsdns_zone_set *s = w->s;
    s->zones = calloc(s->n ? s->n : 1, sizeof *s->zones);
    if (s->zones == NULL)
        return KMSDNS_NOMEM;
    for (size_t i = 0; i < s->n; i++) {
        if (s->res[i].rc != KMSDNS_OK)
            continue;
        size_t z = 0;
        while (z < s->nzones && strcmp(s->zones[z].name, w->zone[i]) != 0)
            z++;
        if (z == s->nzones) {
            strcpy(s->zones[z].name, w->zone[i]);
            strcpy(s->zones[z].primary, w->mname[i]);
            s->nzones++;
        }
        s->res[i].zone = z;
    }
    return KMSDNS_OK;
}

/* ---- name servers ---------------------------------------------------------- */

/* Every distinct name server once, with its addresses; zones point at them. */
struct hosts {
    struct kmsdns_zone_ns *h;
    size_t n, cap;
    size_t (*zh)[KMSDNS_ZONE_MAX_NS]; /* per zone: indices into h, primary first */
    size_t *nzh;
};

static struct kmsdns_zone_ns *add_host(struct hosts *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++)
        if (strcmp(hs->h[i].name, name) == 0)
            return &hs->h[i];
    if (hs->n == hs->cap)
        return NULL;
    snprintf(hs->h[hs->n].name, sizeof hs->h[hs->n].name, "%s", name);
    return &hs->h[hs->n++];
}

/* Adds the NS names of zone z's answer to its list, each once. */
static void take_ns(struct hosts *hs, size_t z, const ldns_pkt *pkt)
{
    char ns[KMSDNS_ZONE_MAX_NS][KMSDNS_NAME_BUF];
    size_t n = pkt != NULL ? kmsdns_zone_ns_names(pkt, ns, 0, KMSDNS_ZONE_MAX_NS) : 0;
    for (size_t k = 0; k < n; k++) {
        struct kmsdns_zone_ns *h = add_host(hs, ns[k]);
        size_t hi = h != NULL ? (size_t)(h - hs->h) : SIZE_MAX;
        bool dup = false;
        for (size_t j = 0; j < hs->nzh[z]; j++)
            dup |= hs->zh[z][j] == hi;
        if (h != NULL && !dup && hs->nzh[z] < KMSDNS_ZONE_MAX_NS)
            hs->zh[z][hs->nzh[z]++] = hi;
    }
}

/* NS names of every zone (via the resolver); the primary comes first. */
static int collect_ns(struct walk *w, struct hosts *hs)
{
    const struct kmsdns_zone_set *s = w->s;
    struct kmsdns__query *q = calloc(s->nzones ? s->nzones : 1, sizeof *q);
    if (q == NULL)
        return KMSDNS_NOMEM;
    for (size_t z = 0; z < s->nzones; z++) {
        q[z] = (struct kmsdns__query){.type = LDNS_RR_TYPE_NS, .rd = true, .server = w->o->ask};
        strcpy(q[z].name, s->zones[z].name);
        struct kmsdns_zone_ns *h = add_host(hs, s->zones[z].primary);
        hs->zh[z][0] = h != NULL ? (size_t)(h - hs->h) : 0;
        hs->nzh[z] = h != NULL;
    }
    int rc = kmsdns__round_run(&w->rd, q, s->nzones, NULL, 0);
    for (size_t z = 0; rc == KMSDNS_OK && z < s->nzones; z++)
        take_ns(hs, z, q[z].pkt);
    kmsdns__queries_free(q, s->nzones);
    free(q);
    return rc;
}

/* A and AAAA of every name server, port 53. */
static int resolve_hosts(struct walk *w, struct hosts *hs)
{
    size_t nh = hs->n;
    struct kmsdns__query *q = calloc(2 * nh + 1, sizeof *q);
    if (q == NULL)
        return KMSDNS_NOMEM;
    for (size_t h = 0; h < nh; h++)
        for (size_t k = 0; k < 2; k++) {
            struct kmsdns__query *x = &q[2 * h + k];
            *x = (struct kmsdns__query){.type = k ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A,
                                        .rd = true,
                                        .server = w->o->ask,
                                        .tag = h};
            strcpy(x->name, hs->h[h].name);
        }
    int rc = kmsdns__round_run(&w->rd, q, 2 * nh, NULL, 0);
    for (size_t k = 0; rc == KMSDNS_OK && k < 2 * nh; k++) {
        struct kmsdns_zone_ns *h = &hs->h[q[k].tag];
        if (q[k].pkt != NULL)
            h->naddr = kmsdns_zone_ns_addrs(q[k].pkt, h->name, q[k].type, h->addr, h->naddr,
                                            KMSDNS_ZONE_MAX_ADDRS);
    }
    kmsdns__queries_free(q, 2 * nh);
    free(q);
    return rc;
}

static int find_servers(struct walk *w)
{
    struct kmsdns_zone_set *s = w->s;
    struct hosts hs = {.cap = s->nzones * KMSDNS_ZONE_MAX_NS + 1};
    hs.h = calloc(hs.cap, sizeof *hs.h);
    hs.zh = calloc(s->nzones + 1, sizeof *hs.zh);
    hs.nzh = calloc(s->nzones + 1, sizeof *hs.nzh);
    int rc = hs.h && hs.zh && hs.nzh ? collect_ns(w, &hs) : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = resolve_hosts(w, &hs);
    for (size_t z = 0; rc == KMSDNS_OK && z < s->nzones; z++) {
        for (size_t j = 0; j < hs.nzh[z]; j++)
            s->zones[z].ns[j] = hs.h[hs.zh[z][j]];
        s->zones[z].nns = hs.nzh[z];
    }
    free(hs.h);
    free(hs.zh);
    free(hs.nzh);
    return rc;
}

/* ---- the contract ---------------------------------------------------------- */

static int walk_init(struct walk *w, size_t n)
{
    w->s = calloc(1, sizeof *w->s);
    if (w->s == NULL)
        return KMSDNS_NOMEM;
    w->s->n = n;
    w->s->res = calloc(n + 1, sizeof *w->s->res);
    w->cur = calloc(n + 1, sizeof *w->cur);
    w->zone = calloc(n + 1, sizeof *w->zone);
    w->mname = calloc(n + 1, sizeof *w->mname);
    w->pending = calloc(n + 1, sizeof *w->pending);
    if (!w->s->res || !w->cur || !w->zone || !w->mname || !w->pending)
        return KMSDNS_NOMEM;
    for (size_t i = 0; i < n; i++) {
        snprintf(w->cur[i], sizeof w->cur[i], "%s", w->names[i]);
        w->pending[i] = true;
    }
    return KMSDNS_OK;
}

int kmsdns_zone_find(const char *const *names, size_t n, const struct kmsdns_zone_opts *opts,
                     kmsdns_zone_set **out)
{
    struct walk w = {.o = opts, .names = names};
    w.rd = (struct kmsdns__round){opts->transport != NULL ? opts->transport : &kmsdns_transport_net,
                                  opts->topts, opts->tcp};
    kmsdns_addr_format(&opts->ask, w.ask);
    *out = NULL;
    int rc = walk_init(&w, n);
    struct kmsdns__query *q = rc == KMSDNS_OK ? calloc(n + 1, sizeof *q) : NULL;
    rc = q != NULL ? rc : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = walk_soa(&w, q);
    if (rc == KMSDNS_OK)
        rc = index_zones(&w);
    if (rc == KMSDNS_OK && !opts->ask_is_server)
        rc = find_servers(&w);
    free(q);
    free(w.cur);
    free(w.zone);
    free(w.mname);
    free(w.pending);
    if (rc != KMSDNS_OK) {
        kmsdns_zone_set_free(w.s);
        return rc;
    }
    *out = w.s;
    return KMSDNS_OK;
}

void kmsdns_zone_set_free(kmsdns_zone_set *s)
{
    if (s == NULL)
        return;
    free(s->res);
    free(s->zones);
    free(s);
}

int kmsdns_zone_get(const kmsdns_zone_set *s, size_t i, const struct kmsdns_zone **zone,
                    const char **message)
{
    const struct result *r = &s->res[i];
    *zone = r->rc == KMSDNS_OK ? &s->zones[r->zone] : NULL;
    if (message != NULL)
        *message = r->message;
    return r->rc;
}

bool kmsdns_zone_named_by(const ldns_pkt *pkt, const char *name, char zone[KMSDNS_NAME_BUF],
                          char primary[KMSDNS_NAME_BUF])
{
    char owner[KMSDNS_NAME_BUF];
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
    if (!ldns_pkt_aa(pkt) || rcode > LDNS_RCODE_NXDOMAIN || rcode == LDNS_RCODE_SERVFAIL ||
        rcode == LDNS_RCODE_FORMERR)
        return false;
    const ldns_rr_list *l = ldns_pkt_authority(pkt);
    for (size_t r = 0; r < ldns_rr_list_rr_count(l); r++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, r);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if ((t != LDNS_RR_TYPE_SOA && t != LDNS_RR_TYPE_NS) || ldns_rr_rd_count(rr) < 1 ||
            kmsdns_msg_rdf_name(ldns_rr_owner(rr), owner) != KMSDNS_OK ||
            !kmsdns_name_is_within(name, owner))
            continue;
        snprintf(zone, KMSDNS_NAME_BUF, "%s", owner);
        kmsdns_msg_rdf_name(ldns_rr_rdf(rr, 0), primary); /* MNAME, or a name server */
        return true;
    }
    return false;
}

/* ---- the answer walks ---------------------------------------------------------- */

/* The first SOA with its names and serial in `section` owned by `name` (any owner when NULL). */
static const ldns_rr *find_soa(const ldns_pkt *pkt, ldns_pkt_section section, const char *name,
                               char owner[KMSDNS_NAME_BUF])
{
    const ldns_rr_list *l =
        section == LDNS_SECTION_ANSWER ? ldns_pkt_answer(pkt) : ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 3)
            continue;
        if (kmsdns_msg_rdf_name(ldns_rr_owner(rr), owner) != KMSDNS_OK)
            continue;
        if (name == NULL || strcmp(owner, name) == 0)
            return rr;
    }
    return NULL;
}

enum kmsdns_zone_soa_kind kmsdns_zone_soa_of(const ldns_pkt *pkt, const char *cur,
                                             char zone[KMSDNS_NAME_BUF],
                                             char primary[KMSDNS_NAME_BUF], const ldns_rr **soa)
{
    char owner[KMSDNS_NAME_BUF];
    const ldns_rr *rr = find_soa(pkt, LDNS_SECTION_ANSWER, cur, owner);
    if (rr == NULL)
        rr = find_soa(pkt, LDNS_SECTION_AUTHORITY, NULL, owner);
    if (rr == NULL)
        return KMSDNS_ZONE_SOA_NONE;
    snprintf(zone, KMSDNS_NAME_BUF, "%s", owner);
    if (!kmsdns_name_is_within(cur, owner))
        return KMSDNS_ZONE_SOA_UNRELATED;
    if (kmsdns_msg_rdf_name(ldns_rr_rdf(rr, 0), primary) != KMSDNS_OK)
        primary[0] = '\0';
    if (soa != NULL)
        *soa = rr;
    return KMSDNS_ZONE_SOA_FOUND;
}

size_t kmsdns_zone_ns_names(const ldns_pkt *pkt, char (*ns)[KMSDNS_NAME_BUF], size_t n, size_t max)
{
    const ldns_rr_list *l = ldns_pkt_answer(pkt);
    size_t first = n;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l) && n < max; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        /* ldns accepts an NS with no RDATA (and gives it no rdf): skip it */
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) < 1 ||
            kmsdns_msg_rdf_name(ldns_rr_rdf(rr, 0), ns[n]) != KMSDNS_OK)
            continue;
        bool dup = false;
        for (size_t k = first; k < n && !dup; k++)
            dup = strcmp(ns[k], ns[n]) == 0;
        n += !dup;
    }
    return n;
}

size_t kmsdns_zone_ns_addrs(const ldns_pkt *pkt, const char *name, uint16_t type,
                            struct kmsdns_addr *addr, size_t n, size_t max)
{
    struct kmsdns_rrdata *recs = NULL;
    size_t nr = 0;
    if (kmsdns_msg_records(pkt, LDNS_SECTION_ANSWER, name, type, &recs, &nr) != KMSDNS_OK)
        nr = 0;
    for (size_t r = 0; r < nr && n < max; r++)
        if (kmsdns_addr_parse(recs[r].value, 53, 0, &addr[n], NULL) == KMSDNS_OK)
            n++;
    free(recs);
    return n;
}
