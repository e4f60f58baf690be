/* SPDX-License-Identifier: MIT */
/*
 * The audit engine, over the streaming transport seam (kmsdns/transport.h):
 * c-ares by default (transport_stream.h), a unit test's scripted batches, or
 * any other transport. Every query goes out raw and every answer is parsed
 * with ldns (AA, TTLs, rcode). Domains stream through a window: each finds
 * its servers (or takes the --server list), asks each for the SRV RRset and
 * the zone's SOA, then for the targets' A/AAAA, and is judged and emitted,
 * in input order, as soon as the window's head is complete. Per-server bounds
 * on queries in flight and an optional global rate keep servers comfortable.
 * Signed zones (the DNSKEY question, the RRsets kept, the verdicts) are
 * audit_keys.c's; the state both share is audit_engine.h.
 */
#include "audit_engine.h"
#include "audit_int.h"
#include "kmsdns/zone.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"
#include "probe.h"
#include "transport_stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    return (double)kmsdns_now_ms() / 1e3;
}

/* ---- channels ------------------------------------------------------------- */

static struct chan *chan_get(struct engine *e, const struct kmsdns_addr *a)
{
    for (size_t i = 0; i < e->nchans; i++)
        if (e->chans[i]->addr.len == a->len && memcmp(&e->chans[i]->addr.ss, &a->ss, a->len) == 0)
            return e->chans[i];
    struct chan *c = calloc(1, sizeof *c);
    struct chan **v = realloc(e->chans, (e->nchans + 1) * sizeof *v);
    if (c == NULL || v == NULL) {
        free(c);
        return NULL;
    }
    e->chans = v;
    c->addr = *a;
    e->chans[e->nchans++] = c;
    return c;
}

static void on_done(void *arg, struct kmsdns_exchange *x);

/* Sends what the channel's bound and the rate cap allow. */
static void pump(struct engine *e, struct chan *c)
{
    unsigned bound = e->o->max_inflight ? e->o->max_inflight : 32;
    while (!e->expired && c->head != NULL && c->inflight < bound) {
        if (e->o->qps > 0 && e->tokens < 1.0)
            return;
        struct query *q = c->head;
        c->head = q->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->inflight++;
        e->stats->queries++;
        e->tokens -= e->o->qps > 0 ? 1.0 : 0.0;
        q->x = (struct kmsdns_exchange){.server = c->addr, .query = q->wire, .query_len = q->len};
        int rc = e->io.submit(e->sess, &q->x, on_done, q);
        if (rc != KMSDNS_OK) { /* not started: back at the head, and the run stops */
            c->inflight--;
            e->stats->queries--;
            q->next = c->head;
            c->head = q;
            c->tail = c->tail != NULL ? c->tail : q;
            e->rc = rc;
            return;
        }
    }
}

/* Signs a query to an audited server (--tsig-key); the answer is checked in on_answer. */
static int sign(struct engine *e, struct query *q)
{
    size_t cap = q->len + KMSDNS_MSG_TSIG_ROOM;
    uint8_t *w = realloc(q->wire, cap);
    q->req = malloc(sizeof *q->req);
    if (w == NULL || q->req == NULL) {
        if (w != NULL)
            q->wire = w;
        free(q->req);
        return KMSDNS_NOMEM;
    }
    q->wire = w;
    return kmsdns_tsig_sign(e->o->signer, q->wire, &q->len, cap, (uint64_t)time(NULL), q->req);
}

/* Records on the server why a signed answer did not verify (the first reason). */
static void check_tsig(struct engine *e, struct slot *s, const struct query *q, const uint8_t *abuf,
                       size_t alen)
{
    struct kmsdns_server_obs *o = &s->obs[q->server];
    struct kmsdns_tsig_check chk;
    int rc = kmsdns_tsig_verify(e->o->signer, q->req, abuf, alen, (uint64_t)time(NULL), &chk);
    if (rc == KMSDNS_OK || o->tsig_error[0] != '\0')
        return;
    snprintf(o->tsig_error, sizeof o->tsig_error, "the signed %s query's answer: %s%s",
             q->kind == Q_SRV || q->kind == Q_NEAR ? "SRV"
             : q->kind == Q_SOA                    ? "SOA"
             : q->kind == Q_DNSKEY                 ? "DNSKEY"
                                                   : "A/AAAA",
             rc == KMSDNS_UNSIGNED ? "not signed" : kmsdns_strerror(rc),
             chk.error == KMSDNS_TSIG_BADKEY ? " (the server does not accept this key for queries)"
             : chk.error != 0                ? " (the server reported a TSIG error)"
                                             : "");
}

/* EDNS0 (RFC 6891) with the DO bit (RFC 3225), so that a signed zone's
 * answers carry their RRSIGs: an OPT RR (root owner, type 41, a 1232-byte UDP
 * payload, DO set) as the query's one additional record, before any TSIG.
 * On every SRV, A/AAAA and DNSKEY query to an audited server, signed zone or
 * not: the zone is known only from the SOA answer asked at the same time, and
 * waiting for it would double the time a silent server takes to be declared
 * unreachable. An unsigned zone answers with the same records (and an OPT);
 * the larger payload spares a TCP retry for big RRsets. */
#define EDNS_PAYLOAD 1232
static int add_do(struct query *q)
{
    static const uint8_t opt[11] = {0, 0, 41, EDNS_PAYLOAD >> 8, EDNS_PAYLOAD & 0xff, 0, 0, 0x80,
                                    0, 0, 0};
    uint8_t *w = realloc(q->wire, q->len + sizeof opt);
    if (w == NULL)
        return KMSDNS_NOMEM;
    memcpy(w + q->len, opt, sizeof opt);
    q->len += sizeof opt;
    w[11] = 1; /* ARCOUNT (kmsdns_msg_query writes none) */
    q->wire = w;
    return KMSDNS_OK;
}

struct query *kmsdns__audit_query_new(struct engine *e, struct slot *s, struct chan *c, enum kind k,
                                      const char *name, uint16_t type, bool rd, unsigned server,
                                      unsigned target)
{
    struct query *q = calloc(1, sizeof *q);
    if (q == NULL || kmsdns_msg_query(name, type, rd, &q->wire, &q->len) != KMSDNS_OK) {
        free(q);
        return NULL;
    }
    *q = (struct query){.e = e,
                        .ch = c,
                        .slot = s,
                        .kind = k,
                        .server = server,
                        .target = target,
                        .type = type,
                        .wire = q->wire,
                        .len = q->len};
    bool dnssec = !rd && (k == Q_SRV || k == Q_ADDR || k == Q_DNSKEY);
    if ((dnssec && add_do(q) != KMSDNS_OK) ||
        (e->o->signer != NULL && k >= Q_SRV && sign(e, q) != KMSDNS_OK)) {
        free(q->wire);
        free(q->req);
        free(q);
        return NULL;
    }
    return q;
}

int kmsdns__audit_enqueue(struct engine *e, struct slot *s, struct chan *c, struct query *q)
{
    if (c->tail != NULL)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    s->pending++;
    pump(e, c);
    return e->rc; /* a query that could not be started stops the run */
}

static int ask(struct engine *e, struct slot *s, struct chan *c, enum kind k, const char *name,
               uint16_t type, bool rd, unsigned server, unsigned target)
{
    struct query *q = kmsdns__audit_query_new(e, s, c, k, name, type, rd, server, target);
    return q != NULL ? kmsdns__audit_enqueue(e, s, c, q) : KMSDNS_NOMEM;
}

/* ---- per domain ------------------------------------------------------------ */

static void trouble(struct slot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The domain's own problem: no server could be found to ask (UNKNOWN). */
static void trouble(struct slot *s, const char *fmt, ...)
{
    if (s->trouble.code != NULL)
        return;
    s->trouble.code = "server-unreachable";
    s->trouble.severity = KMSDNS_SEV_UNKNOWN;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->trouble.message, sizeof s->trouble.message, fmt, ap);
    va_end(ap);
}

/* A server to ask, once; name is the NS name it was found as ("" when given by --server). */
static void add_server(struct engine *e, struct slot *s, const struct kmsdns_addr *a,
                       const char *name)
{
    for (size_t i = 0; i < s->nobs; i++)
        if (s->obs[i].addr.len == a->len && memcmp(&s->obs[i].addr.ss, &a->ss, a->len) == 0) {
            if (s->obs[i].name[0] == '\0') /* a --server that is also an NS (--ns) */
                snprintf(s->obs[i].name, sizeof s->obs[0].name, "%s", name);
            return;
        }
    if (s->nobs == MAX_SERVERS)
        return;
    struct chan *c = chan_get(e, a);
    if (c == NULL) {
        e->rc = KMSDNS_NOMEM;
        return;
    }
    memset(&s->obs[s->nobs], 0, sizeof s->obs[0]);
    s->obs[s->nobs].addr = *a;
    snprintf(s->obs[s->nobs].name, sizeof s->obs[0].name, "%s", name);
    s->chans[s->nobs++] = c;
}

/* --client-view: the resolver, asked as a client asks it, as one more entry. */
static void add_client_view(struct engine *e, struct slot *s)
{
    if (!e->o->client_view || e->resolver == NULL || s->nobs == MAX_SERVERS)
        return;
    memset(&s->obs[s->nobs], 0, sizeof s->obs[0]);
    s->obs[s->nobs].addr = e->resolver->addr;
    s->obs[s->nobs].client_view = true;
    s->chans[s->nobs++] = e->resolver;
}

/* All servers known: ask each for the SRV RRset and the zone's SOA (the
 * client view only for the SRV RRset, recursively). */
static void ask_servers(struct engine *e, struct slot *s)
{
    if (s->nobs == 0)
        trouble(s, "no server found for %s", s->owner);
    add_client_view(e, s);
    for (unsigned i = 0; i < s->nobs && e->rc == KMSDNS_OK; i++) {
        bool cv = s->obs[i].client_view;
        e->rc = ask(e, s, s->chans[i], Q_SRV, s->owner, LDNS_RR_TYPE_SRV, cv, i, 0);
        if (e->rc == KMSDNS_OK && !cv)
            e->rc = ask(e, s, s->chans[i], Q_SOA, s->owner, LDNS_RR_TYPE_SOA, false, i, 0);
    }
}

static void start_slot(struct engine *e, struct slot *s)
{
    for (size_t i = 0; i < e->o->nservers; i++)
        add_server(e, s, &e->o->servers[i], "");
    if (e->o->nservers > 0 && !e->o->ns) {
        ask_servers(e, s);
        return;
    }
    snprintf(s->cur, sizeof s->cur, "%s", s->owner);
    e->rc = ask(e, s, e->resolver, Q_ZSOA, s->cur, LDNS_RR_TYPE_SOA, true, 0, 0);
}

/* ---- the answer walks (audit_int.h) ------------------------------------------ */

void kmsdns__audit_srv_answer(struct kmsdns_server_obs *o, const char *owner, const ldns_pkt *p)
{
    o->answered = true;
    o->rcode = ldns_pkt_get_rcode(p);
    o->aa = ldns_pkt_aa(p);
    kmsdns_msg_records(p, LDNS_SECTION_ANSWER, owner, LDNS_RR_TYPE_SRV, &o->srv, &o->nsrv);
    if (!((o->aa || o->client_view) &&
          (o->rcode == LDNS_RCODE_NOERROR || o->rcode == LDNS_RCODE_NXDOMAIN)))
        return;
    size_t max = KMSDNS__AUDIT_MAX_TARGETS;
    o->targets = o->nsrv ? calloc(o->nsrv < max ? o->nsrv : max, sizeof *o->targets) : NULL;
    for (size_t k = 0; o->targets != NULL && k < o->nsrv && o->ntargets < max; k++) {
        const char *t = o->srv[k].value;
        bool seen = strcmp(t, ".") == 0;
        for (size_t j = 0; j < o->ntargets; j++)
            seen |= strcmp(o->targets[j].name, t) == 0;
        if (seen)
            continue;
        struct kmsdns_target_obs *tg = &o->targets[o->ntargets++];
        snprintf(tg->name, sizeof tg->name, "%s", t);
        tg->asked = tg->answered = true;
    }
}

bool kmsdns__audit_soa_answer(const ldns_pkt *p, const char *owner, uint32_t *serial,
                              char zone[KMSDNS_NAME_BUF], char primary[KMSDNS_NAME_BUF])
{
    const ldns_rr *soa = NULL;
    char z[KMSDNS_NAME_BUF], m[KMSDNS_NAME_BUF];
    if (!ldns_pkt_aa(p) || kmsdns_zone_soa_of(p, owner, z, m, &soa) != KMSDNS_ZONE_SOA_FOUND)
        return false;
    *serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
    memcpy(zone, z, sizeof z);
    memcpy(primary, m, sizeof m);
    return true;
}

void kmsdns__audit_addr_answer(struct kmsdns_target_obs *t, uint16_t type, bool client_view,
                               const ldns_pkt *p)
{
    if ((!ldns_pkt_aa(p) && !client_view) || ldns_pkt_get_rcode(p) == LDNS_RCODE_REFUSED) {
        t->asked = false;
        return;
    }
    struct kmsdns_rrdata *v = NULL;
    size_t n = 0;
    const ldns_rr_list *l = ldns_pkt_answer(p);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
        t->cname |= ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_CNAME;
    kmsdns_msg_records(p, LDNS_SECTION_ANSWER, t->name, type, &v, &n);
    for (size_t i = 0; i < n && t->naddrs < KMSDNS_AUDIT_ADDRS; i++) {
        t->addrs[t->naddrs].type = v[i].type;
        snprintf(t->addrs[t->naddrs++].value, sizeof t->addrs[0].value, "%s", v[i].value);
    }
    free(v);
}

void kmsdns__audit_near_answer(struct kmsdns_near_obs *n, const char *name, const ldns_pkt *p)
{
    int rcode = ldns_pkt_get_rcode(p);
    n->answered = ldns_pkt_aa(p) && (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN);
    if (n->answered && n->srv == NULL)
        kmsdns_msg_records(p, LDNS_SECTION_ANSWER, name, LDNS_RR_TYPE_SRV, &n->srv, &n->nsrv);
}

/* ---- the answers, as they come back ------------------------------------------ */

/* The SOA walk: a zone found asks for its NS, else the walk goes up a label. */
static void got_zone_soa(struct engine *e, struct slot *s, const ldns_pkt *p, const char *why)
{
    char parent[KMSDNS_NAME_BUF], zone[KMSDNS_NAME_BUF], primary[KMSDNS_NAME_BUF];
    if (p == NULL) {
        trouble(s, "could not find the servers of %s: the resolver did not answer (%s)", s->owner,
                why);
        return;
    }
    /* an SOA of an unrelated zone is passed over as if there were none */
    if (kmsdns_zone_soa_of(p, s->cur, zone, primary, NULL) == KMSDNS_ZONE_SOA_FOUND) {
        snprintf(s->zone, sizeof s->zone, "%s", zone);
        e->rc = ask(e, s, e->resolver, Q_NS, s->zone, LDNS_RR_TYPE_NS, true, 0, 0);
    } else if (kmsdns_name_parent(s->cur, parent) == KMSDNS_OK) {
        snprintf(s->cur, sizeof s->cur, "%s", parent);
        e->rc = ask(e, s, e->resolver, Q_ZSOA, s->cur, LDNS_RR_TYPE_SOA, true, 0, 0);
    } else {
        trouble(s, "could not find the servers of %s: no zone found (no SOA in any answer)",
                s->owner);
    }
}

static void got_ns(struct engine *e, struct slot *s, const ldns_pkt *p)
{
    if (p != NULL)
        s->nns = kmsdns_zone_ns_names(p, s->ns, s->nns, MAX_NS);
    for (unsigned i = 0; i < s->nns && e->rc == KMSDNS_OK; i++) {
        e->rc = ask(e, s, e->resolver, Q_NSADDR, s->ns[i], LDNS_RR_TYPE_A, true, 0, i);
        if (e->rc == KMSDNS_OK)
            e->rc = ask(e, s, e->resolver, Q_NSADDR, s->ns[i], LDNS_RR_TYPE_AAAA, true, 0, i);
    }
    if (s->nns == 0)
        trouble(s, "could not find the servers of %s: zone %s has no NS records", s->owner,
                s->zone);
}

static void got_ns_addr(struct engine *e, struct slot *s, const struct query *q, const ldns_pkt *p)
{
    struct kmsdns_addr v[KMSDNS_ZONE_MAX_ADDRS];
    size_t n = p != NULL
                   ? kmsdns_zone_ns_addrs(p, s->ns[q->target], q->type, v, 0, KMSDNS_ZONE_MAX_ADDRS)
                   : 0;
    for (size_t i = 0; i < n; i++)
        add_server(e, s, &v[i], s->ns[q->target]);
}

/* srv-misnamed: a server without a usable SRV at the owner is asked, in the
 * same window, for each near miss of the domain (the doubled origin only
 * while it is a name); got_near records what each held. Never for a server
 * that serves the record, so a healthy audit costs no query more. */
static void ask_near_misses(struct engine *e, struct slot *s, unsigned server)
{
    for (unsigned k = 0; k < KMSDNS_NEAR_MISSES && e->rc == KMSDNS_OK; k++) {
        char name[KMSDNS_NAME_BUF];
        if (kmsdns_audit_near_miss_name((enum kmsdns_near_miss)k, s->domain, name) != KMSDNS_OK)
            continue;
        s->obs[server].near[k].asked = true;
        e->rc = ask(e, s, s->chans[server], Q_NEAR, name, LDNS_RR_TYPE_SRV, false, server, k);
    }
}

static void got_near(struct slot *s, const struct query *q, const ldns_pkt *p)
{
    char name[KMSDNS_NAME_BUF];
    if (p == NULL ||
        kmsdns_audit_near_miss_name((enum kmsdns_near_miss)q->target, s->domain, name) != KMSDNS_OK)
        return;
    kmsdns__audit_near_answer(&s->obs[q->server].near[q->target], name, p);
}

/* The SRV answer; each target it names is then asked for A and AAAA, and a
 * server without a usable record for the near misses. */
static void got_srv(struct engine *e, struct slot *s, const struct query *q, const ldns_pkt *p,
                    const char *why)
{
    struct kmsdns_server_obs *o = &s->obs[q->server];
    if (p == NULL) {
        snprintf(o->why, sizeof o->why, "%s", why);
        return;
    }
    kmsdns__audit_srv_answer(o, s->owner, p);
    if (o->nsrv > 0 && e->rc == KMSDNS_OK && kmsdns__audit_wants_rrsets(e, s, q->server))
        e->rc = kmsdns__audit_keep_rrset(o, p, s->owner, LDNS_RR_TYPE_SRV, true);
    for (unsigned ti = 0; ti < o->ntargets; ti++) {
        const char *t = o->targets[ti].name;
        e->rc = ask(e, s, s->chans[q->server], Q_ADDR, t, LDNS_RR_TYPE_A, o->client_view, q->server,
                    ti);
        if (e->rc == KMSDNS_OK)
            e->rc = ask(e, s, s->chans[q->server], Q_ADDR, t, LDNS_RR_TYPE_AAAA, o->client_view,
                        q->server, ti);
    }
    if (e->rc == KMSDNS_OK && kmsdns_audit_wants_near_misses(o))
        ask_near_misses(e, s, q->server);
}

static void got_soa(struct engine *e, struct slot *s, const struct query *q, const ldns_pkt *p)
{
    struct kmsdns_server_obs *o = &s->obs[q->server];
    /* zone: where --ldap looks for the name and whose DNSKEYs are asked;
     * primary: the reference of disagreements */
    if (p != NULL && kmsdns__audit_soa_answer(p, s->owner, &o->serial, o->zone, o->primary)) {
        o->has_serial = true;
        kmsdns__audit_want_keys(e, s, q->server);
    }
}

/* A and AAAA of a target: a CNAME marks an alias; no authority means not
 * asked. The RRset of an audited server is kept for the DNSSEC verdict. */
static void got_addr(struct engine *e, struct slot *s, const struct query *q, const ldns_pkt *p)
{
    struct kmsdns_server_obs *o = &s->obs[q->server];
    struct kmsdns_target_obs *t = &o->targets[q->target];
    if (p == NULL) {
        t->answered = false;
        return;
    }
    kmsdns__audit_addr_answer(t, q->type, o->client_view, p);
    if (!t->asked || t->cname || e->rc != KMSDNS_OK || !kmsdns__audit_wants_rrsets(e, s, q->server))
        return;
    /* no alias in the answer (t->cname): every RR of the type is at the target */
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    bool served = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && !served; i++)
        served = ldns_rr_get_type(ldns_rr_list_rr(ans, i)) == q->type;
    e->rc = kmsdns__audit_keep_rrset(o, p, t->name, q->type, served);
}

static void free_query(struct query *q)
{
    kmsdns_exchange_reset(&q->x);
    free(q->wire);
    free(q->req);
    free(q);
}

/* One exchange completed: its answer (or why there is none) goes to the
 * domain's observations, and its server has room for the next query. */
static void on_done(void *arg, struct kmsdns_exchange *x)
{
    struct query *q = arg;
    struct engine *e = q->e;
    struct chan *c = q->ch;
    struct slot *s = q->slot;
    c->inflight--;
    e->stats->timeouts += x->tries - (x->rc == KMSDNS_TIMEOUT || x->tries == 0 ? 0 : 1);
    if (e->closing) {
        free_query(q);
        return;
    }
    ldns_pkt *p = NULL;
    const char *why = NULL;
    if (x->rc != KMSDNS_OK)
        why = e->expired             ? "time limit reached"
              : x->detail[0] != '\0' ? x->detail
                                     : kmsdns_strerror(x->rc);
    if (why == NULL && q->req != NULL)
        check_tsig(e, s, q, x->answer, x->answer_len);
    /* c-ares's words for an answer it could not use, so the output stays as it was */
    if (why == NULL && kmsdns_msg_parse(x->answer, x->answer_len, &p) != KMSDNS_OK)
        why = "Misformatted DNS reply";
    switch (q->kind) {
    case Q_ZSOA:
        got_zone_soa(e, s, p, why);
        break;
    case Q_NS:
        got_ns(e, s, p);
        break;
    case Q_NSADDR:
        got_ns_addr(e, s, q, p);
        break;
    case Q_SRV:
        got_srv(e, s, q, p, why);
        break;
    case Q_SOA:
        got_soa(e, s, q, p);
        break;
    case Q_ADDR:
        got_addr(e, s, q, p);
        break;
    case Q_NEAR:
        got_near(s, q, p);
        break;
    case Q_DNSKEY:
        kmsdns__audit_got_keys(e, q, p);
        break;
    }
    ldns_pkt_free(p);
    /* the discovery's last answer starts the audit proper */
    bool discovering = q->kind == Q_NSADDR || q->kind == Q_NS || q->kind == Q_ZSOA;
    if (--s->pending == 0 && discovering && s->trouble.code == NULL)
        ask_servers(e, s);
    if (s->pending == 0)
        s->done = true;
    free_query(q);
    pump(e, c);
}

/* ---- the loop ---------------------------------------------------------------- */

/* Adds one problem of the domain's own. */
static void domain_problem(struct kmsdns_domain_result *r, const struct kmsdns_problem *p)
{
    struct kmsdns_problem *v = realloc(r->problems, (r->nproblems + 1) * sizeof *v);
    if (v == NULL)
        return;
    r->problems = v;
    v[r->nproblems++] = *p;
    r->status = r->status > p->severity ? r->status : p->severity;
}

/* --probe: every distinct (address, SRV port) the judged servers point to,
 * probed at once; a failure is the domain's own probe-failed (the host is the
 * same whichever server named it). */
static void probe_targets(struct engine *e, struct slot *s, struct kmsdns_domain_result *r)
{
    struct kmsdns_probe pr[32];
    char who[32][KMSDNS_NAME_BUF];
    size_t n = 0;
    for (size_t i = 0; i < s->nobs; i++) {
        const struct kmsdns_server_obs *o = &s->obs[i];
        for (size_t k = 0; k < o->nsrv; k++)
            for (size_t t = 0; t < o->ntargets; t++) {
                const struct kmsdns_target_obs *tg = &o->targets[t];
                if (strcmp(tg->name, o->srv[k].value) != 0 || tg->cname)
                    continue;
                for (size_t a = 0; a < tg->naddrs && n < 32; a++) {
                    struct kmsdns_addr ad;
                    if (kmsdns_addr_parse(tg->addrs[a].value, o->srv[k].port, 0, &ad, NULL) != 0)
                        continue;
                    bool dup = false;
                    for (size_t j = 0; j < n; j++)
                        dup |=
                            pr[j].addr.len == ad.len && memcmp(&pr[j].addr.ss, &ad.ss, ad.len) == 0;
                    if (dup)
                        continue;
                    memset(&pr[n], 0, sizeof pr[n]);
                    pr[n].addr = ad;
                    snprintf(who[n++], sizeof who[0], "%s", tg->name);
                }
            }
    }
    if (n == 0 || kmsdns_probe_run(pr, n, (enum kmsdns_probe_kind)(e->o->probe - 1),
                                   e->o->probe_timeout_ms) != KMSDNS_OK)
        return;
    for (size_t j = 0; j < n; j++) {
        if (pr[j].rc == KMSDNS_OK)
            continue;
        struct kmsdns_problem p = {.code = "probe-failed", .severity = KMSDNS_SEV_CRITICAL};
        char ad[KMSDNS_ADDR_TEXT_MAX];
        snprintf(p.target, sizeof p.target, "%s", who[j]);
        snprintf(p.message, sizeof p.message, "%s (%s): %s%s", who[j],
                 kmsdns_addr_format(&pr[j].addr, ad), e->o->probe == 2 ? "RPC bind: " : "",
                 pr[j].why[0] ? pr[j].why : kmsdns_strerror(pr[j].rc));
        domain_problem(r, &p);
    }
}

/* --ldap: each judged server's directory, for the records it served (the
 * SRV RRset's owner and its targets). Blocking, like the probes: AD zones
 * are few, and the reader keeps one bound session per server. */
static void read_ldap(struct engine *e, struct slot *s)
{
    for (size_t i = 0; i < s->nobs; i++) {
        struct kmsdns_server_obs *o = &s->obs[i];
        if (o->client_view || !o->answered || !o->aa ||
            (o->rcode != LDNS_RCODE_NOERROR && o->rcode != LDNS_RCODE_NXDOMAIN))
            continue;
        const char *targets[KMSDNS__AUDIT_MAX_TARGETS];
        size_t n = 0;
        for (size_t t = 0; t < o->ntargets && n < KMSDNS__AUDIT_MAX_TARGETS; t++)
            targets[n++] = o->targets[t].name;
        const char *zone = o->zone[0] ? o->zone : s->zone[0] ? s->zone : s->domain;
        memset(&o->ldap, 0, sizeof o->ldap);
        o->ldap.asked = true;
        e->o->ldap->read(e->o->ldap->ctx, &o->addr, zone, s->owner, targets, n, &o->ldap);
        o->ldap.asked = true;
    }
}

static int judge_and_emit(struct engine *e, struct slot *s, kmsdns_audit_emit_fn emit, void *ctx)
{
    struct kmsdns_domain_result r = {0};
    if (e->o->ldap != NULL && !e->expired)
        read_ldap(e, s);
    kmsdns__audit_judge_dnssec(e, s);
    int rc = kmsdns_audit_check(s->domain, s->exp, s->obs, s->nobs, &r);
    if (rc == KMSDNS_OK && s->trouble.code != NULL)
        domain_problem(&r, &s->trouble);
    if (rc == KMSDNS_OK && e->o->probe > 0 && !e->expired)
        probe_targets(e, s, &r);
    if (rc == KMSDNS_OK)
        rc = emit(ctx, &r);
    kmsdns_domain_result_deinit(&r);
    for (size_t i = 0; i < s->nobs; i++)
        kmsdns_server_obs_deinit(&s->obs[i]);
    memset(s, 0, sizeof *s);
    (void)e;
    return rc;
}

static void refill_tokens(struct engine *e)
{
    if (e->o->qps == 0)
        return;
    uint64_t t = kmsdns_now_ms();
    double dt = (double)(t - e->last) / 1e3;
    e->last = t;
    e->tokens += dt * e->o->qps;
    if (e->tokens > e->o->qps / 10.0 + 1)
        e->tokens = e->o->qps / 10.0 + 1;
}

/* Waits for answers or timeouts (at most 100 ms; 10 ms under a rate cap, so
 * that the tokens refill), then sends what the bounds allow. */
/* --time-limit reached: the session is closed (what is in flight completes,
 * as a timeout), then every query still waiting completes the same way, as
 * do those these completions ask (a domain's discovery ending). Matched by
 * pump(), which sends nothing once expired. */
static void expire(struct engine *e)
{
    if (!e->expired) {
        e->expired = true;
        e->stats->time_limit_hit = true;
        e->io.close(e->sess);
        e->sess = NULL;
    }
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < e->nchans; i++)
            for (struct chan *c = e->chans[i]; c->head != NULL; again = true) {
                struct query *q = c->head;
                if ((c->head = q->next) == NULL)
                    c->tail = NULL;
                c->inflight++;
                q->x = (struct kmsdns_exchange){.server = c->addr, .rc = KMSDNS_TIMEOUT};
                on_done(q, &q->x);
            }
    }
}

static int wait_and_process(struct engine *e)
{
    if (e->deadline > 0 && (e->expired || now_s() >= e->deadline)) {
        expire(e);
        return KMSDNS_OK;
    }
    unsigned ms = e->o->qps > 0 ? 10 : 100;
    double left_ms = e->deadline > 0 ? (e->deadline - now_s()) * 1000 : ms;
    if (left_ms < ms)
        ms = left_ms > 0 ? (unsigned)left_ms + 1 : 1;
    int rc = e->io.wait(e->sess, ms);
    if (rc != KMSDNS_OK)
        return rc;
    refill_tokens(e);
    for (size_t i = 0; i < e->nchans && e->rc == KMSDNS_OK; i++)
        pump(e, e->chans[i]);
    return KMSDNS_OK;
}

static int resolver_addr(const struct kmsdns_audit_opts *o, struct kmsdns_addr *a,
                         struct kmsdns_diag *diag)
{
    if (o->have_resolver) {
        *a = o->resolver;
        return KMSDNS_OK;
    }
    return kmsdns_msg_system_resolver(a, diag);
}

static void teardown(struct engine *e)
{
    e->closing = true;
    if (e->sess != NULL)
        e->io.close(e->sess); /* cancels: the callbacks free their queries */
    for (size_t i = 0; i < e->nchans; i++) {
        for (struct query *q = e->chans[i]->head, *n; q != NULL; q = n) {
            n = q->next;
            free_query(q);
        }
        free(e->chans[i]);
    }
    for (size_t i = 0; e->win != NULL && i < e->nwin; i++)
        for (size_t k = 0; k < e->win[i].nobs; k++)
            kmsdns_server_obs_deinit(&e->win[i].obs[k]);
    free(e->chans);
    free(e->win);
    kmsdns__audit_keys_free(e);
}

int kmsdns_audit_run(const struct kmsdns_audit_opts *o, kmsdns_audit_next_fn next, void *next_ctx,
                     kmsdns_audit_emit_fn emit, void *emit_ctx, struct kmsdns_audit_stats *stats,
                     struct kmsdns_diag *diag)
{
    struct engine e = {.o = o, .stats = stats, .rc = KMSDNS_OK};
    memset(stats, 0, sizeof *stats);
    double t0 = now_s();
    e.deadline = o->time_limit_ms > 0 ? t0 + o->time_limit_ms / 1000.0 : 0;
    if (o->stream != NULL)
        e.io = *o->stream;
    else if (o->transport != NULL)
        kmsdns__stream_over_batch(o->transport, &e.io);
    else
        e.io = kmsdns__transport_ares;
    const struct kmsdns_transport_opts topts = {.timeout_ms = o->timeout_ms,
                                                .retries = o->tries > 0 ? o->tries - 1 : 0};
    if (e.io.open(e.io.ctx, &topts, &e.sess) != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_SYSTEM, NULL, 0,
                               o->stream == NULL && o->transport == NULL
                                   ? "c-ares initialisation failed"
                                   : "the transport could not be opened");
    e.nwin = o->window ? o->window : 256;
    e.win = calloc(e.nwin, sizeof *e.win);
    e.last = kmsdns_now_ms();
    e.tokens = 1;
    int rc = e.win != NULL ? KMSDNS_OK : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK && (o->nservers == 0 || o->ns || o->client_view)) {
        struct kmsdns_addr ra;
        rc = resolver_addr(o, &ra, diag);
        if (rc == KMSDNS_OK && (e.resolver = chan_get(&e, &ra)) == NULL)
            rc = KMSDNS_NOMEM;
    }
    bool more = true;
    while (rc == KMSDNS_OK && e.rc == KMSDNS_OK) {
        /* fill free window places, in sequence */
        while (more && e.next_seq - e.emit_seq < e.nwin) {
            struct slot *s = &e.win[e.next_seq % e.nwin];
            const struct kmsdns_expectation *exp = NULL;
            memset(s, 0, sizeof *s);
            if (!(more = next(next_ctx, s->domain, &exp)))
                break;
            s->used = true;
            s->seq = e.next_seq++;
            s->exp = exp;
            snprintf(s->owner, sizeof s->owner, "_vlmcs._tcp.%s", s->domain);
            start_slot(&e, s);
            if (s->pending == 0)
                s->done = true;
        }
        /* emit the finished head of the window */
        while (e.emit_seq < e.next_seq && e.win[e.emit_seq % e.nwin].done) {
            rc = judge_and_emit(&e, &e.win[e.emit_seq % e.nwin], emit, emit_ctx);
            e.emit_seq++;
            if (rc != KMSDNS_OK)
                break;
        }
        if (rc != KMSDNS_OK || (!more && e.emit_seq == e.next_seq))
            break;
        if (more && e.emit_seq == e.next_seq)
            continue; /* the whole window came back: refill it before waiting */
        rc = wait_and_process(&e);
    }
    if (rc == KMSDNS_OK && e.rc != KMSDNS_OK)
        rc = kmsdns_diag_set(diag, e.rc, NULL, 0, "%s", kmsdns_strerror(e.rc));
    teardown(&e);
    stats->seconds = now_s() - t0;
    return rc;
}
