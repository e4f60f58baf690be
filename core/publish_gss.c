/* SPDX-License-Identifier: MIT */
/*
 * GSS-TSIG for the publication engine: credentials once per run, one TKEY
 * negotiation (RFC 3645, over TCP) per DNS server, shared by every zone that
 * server takes, so N zones on one server cost one negotiation, not N (what
 * nsupdate -g pays per send). All servers negotiate at once, one network
 * round per GSS step.
 */
#include "kmsdns/tkey.h"
#include "pubround.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 6

void kmsdns__gss_free(struct kmsdns__pub *p)
{
    for (size_t i = 0; i < p->nservers; i++)
        kmsdns_gss_ctx_free(p->servers[i].ctx);
    free(p->servers);
    kmsdns_gss_cred_free(p->cred);
}

static const char *first_alg(const struct kmsdns__pub *p)
{
    return p->cfg->dns.gss_algorithm == KMSDNS_GSS_ALG_MICROSOFT ? "gss.microsoft.com" : "gss-tsig";
}

/* Adds (or finds) the server of update u; NULL when out of memory. */
static struct kmsdns__gss_server *server_of(struct kmsdns__pub *p,
                                            const struct kmsdns_pub_update *u)
{
    size_t item = u->items[0];
    const struct kmsdns__zone *z = &p->zones[p->item_zone[item]];
    const struct kmsdns_addr *addr = &z->cand[p->item_cand[item]];
    struct kmsdns__gss_server *s = kmsdns__gss_server_for(p, addr);
    if (s != NULL)
        return s;
    void *v = realloc(p->servers, (p->nservers + 1) * sizeof *p->servers);
    if (v == NULL)
        return NULL;
    p->servers = v;
    s = &p->servers[p->nservers++];
    memset(s, 0, sizeof *s);
    s->addr = *addr;
    s->alg = first_alg(p);
    snprintf(s->mname, sizeof s->mname, "%s", z->mname);
    return s;
}

static void server_fail(struct kmsdns__gss_server *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void server_fail(struct kmsdns__gss_server *s, int rc, const char *fmt, ...)
{
    va_list ap;
    s->rc = rc;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof s->message, fmt, ap);
    va_end(ap);
    kmsdns_gss_ctx_free(s->ctx);
    s->ctx = NULL;
}

/* Starts a new context for s; *token is the first token to send. */
static int start_context(struct kmsdns__pub *p, struct kmsdns__gss_server *s, uint8_t **token,
                         size_t *len)
{
    char service[600];
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (p->cfg->dns.server_principal != NULL)
        snprintf(service, sizeof service, "%s", p->cfg->dns.server_principal);
    else
        snprintf(service, sizeof service, "DNS/%s@%s", s->mname, kmsdns_gss_cred_realm(p->cred));
    uint32_t r = (uint32_t)kmsdns_msg_random_id() << 16 | kmsdns_msg_random_id();
    snprintf(s->key_name, sizeof s->key_name, "%u.sig-%s", r, s->mname);
    kmsdns_gss_ctx_free(s->ctx);
    s->ctx = NULL;
    s->ready = false;
    s->rc = KMSDNS_OK;
    int rc = kmsdns_gss_ctx_new(p->cred, service, &s->ctx, token, len, &d);
    if (rc != KMSDNS_OK)
        server_fail(s, rc, "%s", d.text);
    return rc;
}

/* The signed final TKEY answer must verify with the new context (RFC 3645 4.1.3). */
static void check_final(struct kmsdns__pub *p, struct kmsdns__gss_server *s, const uint8_t *ans,
                        size_t len, const char *srv)
{
    struct kmsdns_tsig_request none = {0};
    struct kmsdns_tsig_check chk;
    kmsdns_gss_signer(s->ctx, s->key_name, s->alg, &s->signer);
    int trc = kmsdns_tsig_verify(&s->signer, &none, ans, len, kmsdns__now(p), &chk);
    if (trc == KMSDNS_OK || trc == KMSDNS_UNSIGNED) { /* unsigned: mutual auth already proved it */
        s->ready = true;
        return;
    }
    if (trc == KMSDNS_BADTIME && chk.has_time) {
        long long diff = (long long)chk.server_time - (long long)kmsdns__now(p);
        server_fail(s, trc,
                    "%s signed its final TKEY answer %lld s %s our clock (TSIG allows "
                    "%d s): the clocks differ; fix the clock (NTP)",
                    srv, diff < 0 ? -diff : diff, diff < 0 ? "behind" : "ahead of",
                    KMSDNS_TSIG_FUDGE);
        return;
    }
    server_fail(s, trc, "%s signed its final TKEY answer with a TSIG that does not verify (%s)",
                srv, kmsdns_strerror(trc));
}

/* gss-algorithm = auto: a server that does not know "gss-tsig" (FORMERR,
 * TKEY BADALG) is asked again under "gss.microsoft.com", with a new context. */
static bool fall_back(const struct kmsdns__pub *p, struct kmsdns__gss_server *s,
                      const struct kmsdns_tkey_answer *a)
{
    bool refused_alg = a->rcode == LDNS_RCODE_FORMERR || (a->found && a->error == 21);
    if (p->cfg->dns.gss_algorithm != KMSDNS_GSS_ALG_AUTO || !refused_alg ||
        strcmp(s->alg, "gss-tsig") != 0)
        return false;
    s->alg = "gss.microsoft.com";
    return true;
}

/* Takes the TKEY answer for s; returns true when another step is needed (*token set). */
static bool tkey_step(struct kmsdns__pub *p, struct kmsdns__gss_server *s,
                      const struct kmsdns_exchange *x, uint8_t **token, size_t *tlen)
{
    char srv[KMSDNS_ADDR_TEXT_MAX], e[16];
    struct kmsdns_tkey_answer a;
    struct kmsdns_diag d;
    kmsdns_addr_format(&s->addr, srv);
    if (x->rc != KMSDNS_OK) {
        server_fail(s, x->rc, "no answer from %s to the TKEY query (GSS-TSIG negotiation): %s", srv,
                    x->detail);
        return false;
    }
    if (kmsdns_tkey_parse(x->answer, x->answer_len, &a) != KMSDNS_OK) {
        server_fail(s, KMSDNS_MALFORMED, "%s sent a malformed answer to the TKEY query", srv);
        return false;
    }
    if (fall_back(p, s, &a)) {
        free(*token);
        *token = NULL;
        return start_context(p, s, token, tlen) == KMSDNS_OK;
    }
    if (a.rcode != 0 || !a.found) {
        server_fail(s, a.rcode ? kmsdns_msg_rcode_rc((ldns_pkt_rcode)a.rcode) : KMSDNS_MALFORMED,
                    "%s answered %s to the TKEY query for key %s: it does not negotiate "
                    "GSS-TSIG (check tkey-gssapi-keytab, or that the server supports GSS-TSIG)",
                    srv, a.rcode ? kmsdns_msg_rcode_name((ldns_pkt_rcode)a.rcode) : "no TKEY",
                    s->key_name);
        return false;
    }
    if (a.error != 0) {
        server_fail(s, a.error == 17 ? KMSDNS_BADKEY : KMSDNS_GSS,
                    "%s refused our Kerberos ticket (TKEY error %s): it could not accept it for "
                    "%s — check that its tkey-gssapi-keytab holds that principal, and the clocks "
                    "(a difference over 5 minutes also reads as BADKEY)",
                    srv, kmsdns_tkey_error_name(a.error, e), s->mname);
        return false;
    }
    bool done = false;
    kmsdns_diag_init(&d);
    if (kmsdns_gss_ctx_step(s->ctx, a.key, a.key_len, token, tlen, &done, &d) != KMSDNS_OK) {
        server_fail(s, KMSDNS_GSS, "%s: %s", srv, d.text);
        return false;
    }
    if (done)
        check_final(p, s, x->answer, x->answer_len, srv);
    return !done;
}

/* Runs TKEY rounds for the servers flagged in `want` until each is ready or failed. */
static int negotiate(struct kmsdns__pub *p, bool *want)
{
    size_t n = p->nservers;
    uint8_t **tok = calloc(n + 1, sizeof *tok);
    size_t *tlen = calloc(n + 1, sizeof *tlen), *map = calloc(n + 1, sizeof *map);
    struct kmsdns_exchange *x = calloc(n + 1, sizeof *x);
    int rc = tok && tlen && map && x ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++)
        if (want[i] && start_context(p, &p->servers[i], &tok[i], &tlen[i]) != KMSDNS_OK)
            want[i] = false;
    for (int step = 0; rc == KMSDNS_OK && step < MAX_STEPS; step++) {
        size_t nx = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t *w;
            size_t len, cap;
            if (!want[i] || kmsdns_tkey_query(p->servers[i].key_name, p->servers[i].alg,
                                              (uint32_t)kmsdns__now(p), tok[i], tlen[i], &w, &len,
                                              &cap) != KMSDNS_OK)
                continue;
            x[nx] = (struct kmsdns_exchange){
                .server = p->servers[i].addr, .query = w, .query_len = len, .tcp = true};
            map[nx++] = i;
            p->servers[i].tkeys++;
        }
        if (nx == 0)
            break;
        rc = kmsdns__round_exchange(&p->round, x, nx);
        for (size_t k = 0; k < nx; k++) {
            size_t i = map[k];
            free(tok[i]);
            tok[i] = NULL;
            want[i] = rc == KMSDNS_OK && tkey_step(p, &p->servers[i], &x[k], &tok[i], &tlen[i]);
            free((void *)x[k].query);
            kmsdns_exchange_reset(&x[k]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (want[i])
            server_fail(&p->servers[i], KMSDNS_GSS,
                        "GSS-TSIG negotiation did not finish in %d "
                        "steps",
                        MAX_STEPS);
        free(tok[i]);
    }
    free(tok), free(tlen), free(map), free(x);
    return rc;
}

static void fail_update_items(struct kmsdns__pub *p, const struct kmsdns_pub_update *u, int rc,
                              const char *msg)
{
    for (size_t k = 0; k < u->nitems; k++)
        kmsdns__fail(p, u->items[k], rc, "%s", msg);
}

int kmsdns__gss_prepare(struct kmsdns__pub *p, size_t first)
{
    if (!p->gss || first == p->r->nupdates)
        return KMSDNS_OK;
    if (p->cred == NULL && p->cred_rc == KMSDNS_OK) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        p->cred_rc = kmsdns_gss_cred_acquire(p->cfg->dns.keytab, p->cfg->dns.principal, p->r->fqdn,
                                             &p->cred, &d);
        snprintf(p->cred_message, sizeof p->cred_message, "%s", d.text);
    }
    for (size_t u = first; u < p->r->nupdates; u++) {
        if (p->cred_rc != KMSDNS_OK) {
            fail_update_items(p, &p->r->updates[u], p->cred_rc, p->cred_message);
        } else if (server_of(p, &p->r->updates[u]) == NULL) {
            return KMSDNS_NOMEM;
        }
    }
    if (p->cred_rc != KMSDNS_OK)
        return KMSDNS_OK;
    bool *want = calloc(p->nservers + 1, sizeof *want);
    if (want == NULL)
        return KMSDNS_NOMEM;
    for (size_t u = first; u < p->r->nupdates; u++) {
        struct kmsdns__gss_server *s = server_of(p, &p->r->updates[u]);
        want[s - p->servers] = !s->ready && s->rc == KMSDNS_OK;
    }
    int rc = negotiate(p, want);
    free(want);
    for (size_t u = first; rc == KMSDNS_OK && u < p->r->nupdates; u++) {
        struct kmsdns__gss_server *s = server_of(p, &p->r->updates[u]);
        if (!s->ready)
            fail_update_items(p, &p->r->updates[u], s->rc, s->message);
    }
    return rc;
}
