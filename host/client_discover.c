/* SPDX-License-Identifier: MIT */
/*
 * KMS host discovery as a Windows client does it: ask the resolver for
 * `<service>.<domain>` SRV in each domain of the search list, in order; the
 * first domain with records gives the hosts. Their addresses come from the
 * answer's additional section when the resolver sent them, else from A and
 * AAAA queries (one batch for all targets).
 */
#include "client.h"

#include "kmsdns/dnsmsg.h"
#include "kmsdns/name.h"
#include "kmsdns/transport.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/* Runs one query per name (type each) against the resolver; answers stay in x[]. */
static int ask_all(const struct kmsdns_addr *resolver, char (*names)[KMSDNS_NAME_BUF],
                   const uint16_t *types, size_t n, struct kmsdns_exchange *x, unsigned timeout)
{
    for (size_t i = 0; i < n; i++) {
        memset(&x[i], 0, sizeof x[i]);
        x[i].server = *resolver;
        uint8_t *q = NULL;
        if (kmsdns_msg_query(names[i], types[i], true, &q, &x[i].query_len) != KMSDNS_OK)
            return KMSDNS_NAME;
        x[i].query = q;
    }
    const struct kmsdns_transport_opts o = {timeout * 1000u, 1, 32};
    return kmsdns_transport_run(&kmsdns_transport_net, x, n, &o);
}

static void release(struct kmsdns_exchange *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((void *)x[i].query);
        kmsdns_exchange_reset(&x[i]);
    }
}

/* The records of type owned by owner in a section of an answer; 0 when none or unusable. */
static size_t records(const struct kmsdns_exchange *x, ldns_pkt_section sec, const char *owner,
                      uint16_t type, struct kmsdns_rrdata **out)
{
    ldns_pkt *pkt = NULL;
    size_t n = 0;
    *out = NULL;
    if (x->rc != KMSDNS_OK || kmsdns_msg_parse(x->answer, x->answer_len, &pkt) != KMSDNS_OK)
        return 0;
    if (kmsdns_msg_records(pkt, sec, owner, type, out, &n) != KMSDNS_OK)
        n = 0;
    ldns_pkt_free(pkt);
    return n;
}

static void add_address(struct client_host *h, const struct kmsdns_rrdata *r)
{
    const char *why = NULL;
    if (h->naddr < sizeof h->addr / sizeof h->addr[0] &&
        kmsdns_addr_parse(r->value, h->port, 0, &h->addr[h->naddr], &why) == KMSDNS_OK)
        h->naddr++;
}

/* A and AAAA of every target without addresses yet, in one batch. */
static void resolve_targets(const struct kmsdns_addr *resolver, struct client_hosts *hs,
                            unsigned timeout)
{
    size_t n = hs->n * 2;
    char(*names)[KMSDNS_NAME_BUF] = calloc(n + 1, sizeof *names);
    uint16_t *types = calloc(n + 1, sizeof *types);
    struct kmsdns_exchange *x = calloc(n + 1, sizeof *x);
    if (names != NULL && types != NULL && x != NULL) {
        for (size_t i = 0; i < hs->n; i++) {
            snprintf(names[2 * i], KMSDNS_NAME_BUF, "%s", hs->v[i].target);
            snprintf(names[2 * i + 1], KMSDNS_NAME_BUF, "%s", hs->v[i].target);
            types[2 * i] = LDNS_RR_TYPE_A;
            types[2 * i + 1] = LDNS_RR_TYPE_AAAA;
        }
        if (ask_all(resolver, names, types, n, x, timeout) == KMSDNS_OK)
            for (size_t i = 0; i < n; i++) {
                struct client_host *h = &hs->v[i / 2];
                struct kmsdns_rrdata *rr = NULL;
                size_t k = records(&x[i], LDNS_SECTION_ANSWER, h->target, types[i], &rr);
                for (size_t j = 0; j < k; j++)
                    add_address(h, &rr[j]);
                free(rr);
            }
        release(x, n);
    }
    free(names), free(types), free(x);
}

/* Keeps the SRV records of one answer as hosts, with any additional-section addresses. */
static int take_hosts(const struct kmsdns_exchange *x, const char *owner, const char *domain,
                      struct client_hosts *hs)
{
    struct kmsdns_rrdata *srv = NULL;
    size_t n = records(x, LDNS_SECTION_ANSWER, owner, LDNS_RR_TYPE_SRV, &srv);
    if (n == 0)
        return KMSDNS_NOTFOUND;
    hs->v = calloc(n, sizeof *hs->v);
    if (hs->v == NULL) {
        free(srv);
        return KMSDNS_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct client_host *h = &hs->v[hs->n++];
        h->srv = srv[i];
        snprintf(h->target, sizeof h->target, "%s", srv[i].value);
        h->port = srv[i].port;
        for (uint16_t t = LDNS_RR_TYPE_A; t != 0; t = t == LDNS_RR_TYPE_A ? LDNS_RR_TYPE_AAAA : 0) {
            struct kmsdns_rrdata *ad = NULL;
            size_t k = records(x, LDNS_SECTION_ADDITIONAL, h->target, t, &ad);
            for (size_t j = 0; j < k; j++)
                add_address(h, &ad[j]);
            free(ad);
        }
    }
    snprintf(hs->domain, sizeof hs->domain, "%s", domain);
    free(srv);
    return KMSDNS_OK;
}

int client_discover(const struct client_setup *s, struct client_hosts *hs, struct kmsdns_diag *d)
{
    memset(hs, 0, sizeof *hs);
    if (!s->has_resolver)
        return kmsdns_diag_set(d, KMSDNS_NOTFOUND, NULL, 0, "%s", s->resolver_error.text);
    if (s->nsearch == 0)
        return kmsdns_diag_set(d, KMSDNS_NOTFOUND, NULL, 0,
                               "no search list: give --domain D (or [client] search); this "
                               "machine's name has no domain");
    size_t n = s->nsearch;
    char(*names)[KMSDNS_NAME_BUF] = calloc(n + 1, sizeof *names);
    uint16_t *types = calloc(n + 1, sizeof *types);
    struct kmsdns_exchange *x = calloc(n + 1, sizeof *x);
    int rc = names != NULL && types != NULL && x != NULL ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        rc = kmsdns_name_join(s->service, s->search[i], names[i]);
        types[i] = LDNS_RR_TYPE_SRV;
    }
    if (rc == KMSDNS_OK)
        rc = ask_all(&s->resolver, names, types, n, x, s->timeout);
    bool answered = false;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        answered |= x[i].rc == KMSDNS_OK;
        if (take_hosts(&x[i], names[i], s->search[i], hs) == KMSDNS_OK)
            break;
    }
    if (x != NULL)
        release(x, n);
    free(names), free(types), free(x);
    if (rc != KMSDNS_OK)
        return kmsdns_diag_set(d, rc, NULL, 0, "cannot query: %s", kmsdns_strerror(rc));
    if (hs->n == 0) {
        char res[KMSDNS_ADDR_TEXT_MAX];
        return kmsdns_diag_set(
            d, answered ? KMSDNS_NOTFOUND : KMSDNS_TIMEOUT, NULL, 0,
            "%s in %zu domain(s) of the search list (first: %s) via %s",
            answered ? "no _vlmcs._tcp SRV record" : "no answer from the resolver", n,
            n > 0 ? s->search[0] : "-", kmsdns_addr_format(&s->resolver, res));
    }
    bool missing = false;
    for (size_t i = 0; i < hs->n; i++)
        missing |= hs->v[i].naddr == 0;
    if (missing)
        resolve_targets(&s->resolver, hs, s->timeout);
    return KMSDNS_OK;
}

void client_hosts_free(struct client_hosts *hs)
{
    free(hs->v);
    memset(hs, 0, sizeof *hs);
}

int client_resolve(const struct client_setup *s, const char *target, uint16_t port,
                   struct client_hosts *hs)
{
    memset(hs, 0, sizeof *hs);
    if ((hs->v = calloc(1, sizeof *hs->v)) == NULL)
        return KMSDNS_NOMEM;
    hs->n = 1;
    snprintf(hs->v[0].target, sizeof hs->v[0].target, "%s", target);
    hs->v[0].port = port;
    hs->v[0].srv.port = port;
    snprintf(hs->v[0].srv.value, sizeof hs->v[0].srv.value, "%s", target);
    if (!s->has_resolver)
        return KMSDNS_NOTFOUND;
    resolve_targets(&s->resolver, hs, s->timeout);
    return hs->v[0].naddr > 0 ? KMSDNS_OK : KMSDNS_NOTFOUND;
}
