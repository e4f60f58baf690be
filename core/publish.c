/* SPDX-License-Identifier: MIT */
/*
 * The publication run, the orchestrator: builds one item per publish domain
 * (and one for the host's addresses), then takes every item through the
 * same steps together — discover, read and plan, GSS and send, wait — so
 * that each step is one concurrent network round, and builds the report.
 * It only sequences: every step lives in its own file (publish_int.h).
 * Each item keeps its own result; one failing domain never stops the others.
 */
#include "publish_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kmsdns_item_status_name(enum kmsdns_item_status s)
{
    static const char *const names[] = {"ok", "failed", "unreachable"};
    return (unsigned)s < 3 ? names[s] : "?";
}

void kmsdns_pub_report_free(struct kmsdns_pub_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nitems; i++) {
        free(r->items[i].want);
        free(r->items[i].current);
    }
    for (size_t i = 0; i < r->nupdates; i++)
        free(r->updates[i].items);
    free(r->items);
    free(r->updates);
    free(r);
}

static int fill_srv_item(struct kmsdns_pub_item *it, const struct kmsdns_config *cfg,
                         const struct kmsdns_publist_entry *e, const char *fqdn)
{
    snprintf(it->domain, sizeof it->domain, "%s", e->domain);
    if (kmsdns_name_join(cfg->dns.service, e->domain, it->owner) != KMSDNS_OK)
        return KMSDNS_TOOLONG;
    it->want = calloc(1, sizeof *it->want);
    if (it->want == NULL)
        return KMSDNS_NOMEM;
    it->nwant = 1;
    struct kmsdns_rrdata *w = it->want;
    snprintf(w->owner, sizeof w->owner, "%s", it->owner);
    w->type = LDNS_RR_TYPE_SRV;
    w->ttl = cfg->dns.ttl;
    w->priority = e->priority;
    w->weight = e->weight;
    w->port = cfg->host.port;
    snprintf(w->value, sizeof w->value, "%s", fqdn);
    return KMSDNS_OK;
}

static int fill_address_item(struct kmsdns_pub_item *it, const struct kmsdns_config *cfg,
                             const char *fqdn)
{
    it->is_address = true;
    snprintf(it->domain, sizeof it->domain, "%s", fqdn);
    snprintf(it->owner, sizeof it->owner, "%s", fqdn);
    it->want = calloc(cfg->host.addresses.n, sizeof *it->want);
    if (it->want == NULL)
        return KMSDNS_NOMEM;
    it->nwant = cfg->host.addresses.n;
    for (size_t i = 0; i < it->nwant; i++) {
        struct kmsdns_rrdata *w = &it->want[i];
        const struct kmsdns_addr *a = &cfg->host.addresses.v[i];
        snprintf(w->owner, sizeof w->owner, "%s", fqdn);
        w->type = kmsdns_addr_family(a) == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
        w->ttl = cfg->dns.ttl;
        kmsdns_addr_ip(a, w->value);
    }
    return KMSDNS_OK;
}

static int build_items(struct kmsdns__pub *p, const char *fqdn, struct kmsdns_diag *diag)
{
    const struct kmsdns_config *cfg = p->cfg;
    struct kmsdns_pub_report *r = p->r;
    size_t ndom = kmsdns_publist_count(cfg->publish.domains);
    /* --fqdn OTHER names another host: its addresses are not ours to touch */
    bool addresses = cfg->host.addresses.n > 0 && p->opts->fqdn == NULL;
    r->items = calloc(ndom + 1, sizeof *r->items);
    p->item_zone = calloc(ndom + 1, sizeof *p->item_zone);
    p->item_cand = calloc(ndom + 1, sizeof *p->item_cand);
    p->prefetch = calloc(ndom + 1, sizeof *p->prefetch);
    p->nprefetch = calloc(ndom + 1, sizeof *p->nprefetch);
    if (r->items == NULL || p->item_zone == NULL || p->item_cand == NULL || p->prefetch == NULL ||
        p->nprefetch == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < ndom; i++) {
        const struct kmsdns_publist_entry *e = kmsdns_publist_get(cfg->publish.domains, i);
        int rc = fill_srv_item(&r->items[r->nitems++], cfg, e, fqdn);
        if (rc != KMSDNS_OK)
            return kmsdns_diag_set(diag, rc, e->source, e->line,
                                   "%s.%s is longer than a domain name may be", cfg->dns.service,
                                   e->domain);
    }
    if (addresses && fill_address_item(&r->items[r->nitems++], cfg, fqdn) != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < r->nitems; i++)
        p->item_zone[i] = SIZE_MAX;
    return KMSDNS_OK;
}

/* The lookups go to [dns] server, else [dns] resolver, else the system's. */
static int choose_lookup_server(struct kmsdns__pub *p, struct kmsdns_diag *diag)
{
    const struct kmsdns_config *cfg = p->cfg;
    if (cfg->dns.has_server || cfg->dns.has_resolver) {
        p->ask = cfg->dns.has_server ? cfg->dns.server : cfg->dns.resolver;
        p->ask_is_server = cfg->dns.has_server;
        return KMSDNS_OK;
    }
    return kmsdns_msg_system_resolver(&p->ask, diag);
}

static int setup_auth(struct kmsdns__pub *p, struct kmsdns_diag *diag)
{
    const struct kmsdns_config *cfg = p->cfg;
    snprintf(p->r->auth, sizeof p->r->auth, "%s", kmsdns_auth_name(cfg->dns.auth));
    p->gss = cfg->dns.auth == KMSDNS_AUTH_GSS_TSIG; /* credentials wait for the first update */
    if (cfg->dns.auth != KMSDNS_AUTH_TSIG)
        return KMSDNS_OK;
    int rc = kmsdns_tsig_key_load(cfg->dns.tsig_key, &p->key, diag);
    if (rc == KMSDNS_OK)
        kmsdns_tsig_signer_hmac(p->key, &p->signer);
    return rc;
}

static void set_outcome(struct kmsdns_pub_report *r)
{
    bool failed = false, unreachable = false;
    for (size_t i = 0; i < r->nitems; i++) {
        failed |= r->items[i].status == KMSDNS_ITEM_FAILED;
        unreachable |= r->items[i].status == KMSDNS_ITEM_UNREACHABLE;
    }
    r->outcome = failed        ? KMSDNS_PUB_SERVER_ERROR
                 : unreachable ? KMSDNS_PUB_UNREACHABLE
                               : KMSDNS_PUB_DONE;
}

static int prepare(struct kmsdns__pub *p, struct kmsdns_diag *diag)
{
    const char *fqdn = p->opts->fqdn != NULL ? p->opts->fqdn : p->cfg->host.fqdn;
    if (fqdn[0] == '\0')
        return kmsdns_diag_set(diag, KMSDNS_INVAL, p->cfg->path, 0,
                               "[host] fqdn is required to publish or withdraw");
    snprintf(p->r->fqdn, sizeof p->r->fqdn, "%s", fqdn);
    p->r->withdraw = p->opts->withdraw;
    p->r->plan_only = p->opts->plan_only;
    p->round = (struct kmsdns__round){
        .t = p->opts->transport != NULL ? p->opts->transport : &kmsdns_transport_net,
        .topts = {p->cfg->dns.timeout * 1000u, p->cfg->dns.retries, 0},
        .tcp = p->opts->tcp};
    int rc = setup_auth(p, diag);
    if (rc == KMSDNS_OK)
        rc = choose_lookup_server(p, diag);
    if (rc == KMSDNS_OK)
        rc = build_items(p, fqdn, diag);
    return rc;
}

/* Groups the changes into updates, then sends them round by round: each
 * round's servers get their GSS contexts first; split or renegotiated
 * batches come back as new updates for the next round. */
static int send_all(struct kmsdns__pub *p)
{
    size_t first = 0;
    int rc = kmsdns__send_group(p, &first);
    while (rc == KMSDNS_OK && !p->opts->plan_only && first < p->r->nupdates) {
        rc = kmsdns__gss_prepare(p, first);
        if (rc == KMSDNS_OK)
            rc = kmsdns__send_round(p, &first);
    }
    return rc;
}

int kmsdns_publish_run(const struct kmsdns_config *cfg, const struct kmsdns_publish_opts *opts,
                       struct kmsdns_pub_report **out, struct kmsdns_diag *diag)
{
    struct kmsdns__pub p = {.cfg = cfg, .opts = opts};
    *out = NULL;
    p.r = calloc(1, sizeof *p.r);
    int rc = p.r != NULL ? prepare(&p, diag) : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = kmsdns__discover(&p);
    if (rc == KMSDNS_OK)
        rc = kmsdns__read(&p);
    if (rc == KMSDNS_OK)
        rc = send_all(&p); /* with plan_only: groups the updates, sends nothing */
    if (rc == KMSDNS_OK && !opts->plan_only && opts->wait_seconds > 0)
        rc = kmsdns__wait(&p);
    kmsdns_tsig_key_free(p.key);
    for (size_t i = 0; i < p.nservers; i++)
        p.r->tkey_exchanges += p.servers[i].tkeys;
    kmsdns__gss_free(&p);
    free(p.zones);
    free(p.item_zone);
    free(p.item_cand);
    for (size_t i = 0; p.prefetch != NULL && i < p.r->nitems; i++)
        kmsdns__queries_free(p.prefetch[i], p.nprefetch[i]);
    free(p.prefetch);
    free(p.nprefetch);
    if (rc != KMSDNS_OK) {
        if (diag != NULL && diag->text[0] == '\0')
            kmsdns_diag_set(diag, rc, NULL, 0, "%s", kmsdns_strerror(rc));
        kmsdns_pub_report_free(p.r);
        return rc;
    }
    set_outcome(p.r);
    *out = p.r;
    return KMSDNS_OK;
}
