/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify's work: turn the -c configs into expectations per domain,
 * stream the domains (configs, --domain, --domains-from) through the
 * library's audit, and render each result as it comes (text table or JSON),
 * so memory stays flat however many domains there are.
 */
#include "verify.h"
#include "verify_list.h"

#include "audit.h"
#include "audit_ldap.h"
#include "kmsdns/cli.h"
#include "kmsdns/config.h"
#include "kmsdns/text.h"
#include "kmsdns/tsigkey.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expected {
    char domain[KMSDNS_NAME_BUF];
    struct kmsdns_expectation e;
};

/* --ldap's credentials: the first config's [dns] keytab and principal. */
struct ldap_creds {
    bool set;
    char *keytab, *principal;
    char fqdn[KMSDNS_NAME_BUF];
};

struct source {
    const struct verify_params *p;
    struct ldap_creds creds;
    struct expected *exp;
    size_t nexp, next_exp, next_dom;
    FILE *list;
    struct verify_list reader;
};

static struct expected *find(struct source *s, const char *domain)
{
    for (size_t i = 0; i < s->nexp; i++)
        if (strcmp(s->exp[i].domain, domain) == 0)
            return &s->exp[i];
    return NULL;
}

/* Adds what one host config expects: its SRV in each publish domain, its addresses. */
static int add_config(struct source *s, const struct kmsdns_config *cfg)
{
    for (size_t i = 0; i < kmsdns_publist_count(cfg->publish.domains); i++) {
        const struct kmsdns_publist_entry *pe = kmsdns_publist_get(cfg->publish.domains, i);
        struct expected *x = find(s, pe->domain);
        if (x == NULL) {
            void *v = realloc(s->exp, (s->nexp + 1) * sizeof *s->exp);
            if (v == NULL)
                return KMSDNS_NOMEM;
            s->exp = v;
            x = &s->exp[s->nexp++];
            memset(x, 0, sizeof *x);
            snprintf(x->domain, sizeof x->domain, "%s", pe->domain);
        }
        struct kmsdns_expectation *e = &x->e;
        if (e->nsrv < sizeof e->srv / sizeof e->srv[0]) {
            struct kmsdns_rrdata *r = &e->srv[e->nsrv++];
            memset(r, 0, sizeof *r);
            r->type = LDNS_RR_TYPE_SRV;
            r->priority = pe->priority, r->weight = pe->weight, r->port = cfg->host.port;
            snprintf(r->value, sizeof r->value, "%s", cfg->host.fqdn);
        }
        if (cfg->host.addresses.n == 0 || e->naddr == sizeof e->addr / sizeof e->addr[0])
            continue;
        snprintf(e->addr[e->naddr].target, sizeof e->addr[0].target, "%s", cfg->host.fqdn);
        for (size_t a = 0; a < cfg->host.addresses.n && a < KMSDNS_AUDIT_ADDRS; a++) {
            struct kmsdns_ip *r = &e->addr[e->naddr].addrs[a];
            memset(r, 0, sizeof *r);
            r->type = kmsdns_addr_family(&cfg->host.addresses.v[a]) == AF_INET ? LDNS_RR_TYPE_A
                                                                               : LDNS_RR_TYPE_AAAA;
            kmsdns_addr_ip(&cfg->host.addresses.v[a], r->value);
            e->addr[e->naddr].n = a + 1;
        }
        e->naddr++;
    }
    return KMSDNS_OK;
}

static int load_configs(struct source *s, struct kmsdns_addr *resolver, bool *have_resolver)
{
    for (size_t i = 0; i < s->p->nconfigs; i++) {
        struct kmsdns_config cfg;
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        if (kmsdns_config_load(&cfg, s->p->configs[i], &d) != KMSDNS_OK) {
            kmsdns_cli_error(VERIFY_PROG, "%s", d.text);
            return VERIFY_EXIT_UNKNOWN;
        }
        int rc = VERIFY_EXIT_OK;
        if (cfg.host.fqdn[0] == '\0') {
            kmsdns_cli_error(VERIFY_PROG, "%s: [host] fqdn is needed to know what to expect",
                             s->p->configs[i]);
            rc = VERIFY_EXIT_UNKNOWN;
        } else if (add_config(s, &cfg) != KMSDNS_OK) {
            kmsdns_cli_error(VERIFY_PROG, "out of memory");
            rc = VERIFY_EXIT_UNKNOWN;
        }
        if (!s->creds.set) {
            s->creds.set = true;
            s->creds.keytab = cfg.dns.keytab != NULL ? strdup(cfg.dns.keytab) : NULL;
            s->creds.principal = cfg.dns.principal != NULL ? strdup(cfg.dns.principal) : NULL;
            snprintf(s->creds.fqdn, sizeof s->creds.fqdn, "%s", cfg.host.fqdn);
        }
        if (!*have_resolver && cfg.dns.has_resolver) {
            *resolver = cfg.dns.resolver;
            *have_resolver = true;
        }
        kmsdns_config_deinit(&cfg);
        if (rc != VERIFY_EXIT_OK)
            return rc;
    }
    return VERIFY_EXIT_OK;
}

/* Reads the next domain of --domains-from into out; 0 at the end, -1 on a bad line. */
static int list_next(struct source *s, char out[KMSDNS_NAME_BUF], bool report)
{
    char why[1024];
    int r = verify_list_next(&s->reader, out, why, sizeof why);
    if (r < 0 && report)
        kmsdns_cli_error(VERIFY_PROG, "%s", why);
    return r;
}

/* The whole list is checked before anything is asked: a bad line is a usage error. */
static int check_list(struct source *s)
{
    if (s->p->domains_from == NULL)
        return VERIFY_EXIT_OK;
    s->list = fopen(s->p->domains_from, "r");
    if (s->list == NULL) {
        kmsdns_cli_error(VERIFY_PROG, "%s: cannot open: %s", s->p->domains_from, strerror(errno));
        return VERIFY_EXIT_UNKNOWN;
    }
    verify_list_init(&s->reader, s->list, s->p->domains_from);
    char name[KMSDNS_NAME_BUF];
    int r;
    while ((r = list_next(s, name, true)) == 1)
        ;
    rewind(s->list);
    s->reader.line = 0;
    return r < 0 ? VERIFY_EXIT_UNKNOWN : VERIFY_EXIT_OK;
}

static void source_deinit(struct source *s)
{
    if (s->list != NULL)
        fclose(s->list);
    verify_list_deinit(&s->reader);
    free(s->exp);
    free(s->creds.keytab);
    free(s->creds.principal);
    s->creds.keytab = s->creds.principal = NULL;
}

static bool next_domain(void *ctx, char *domain, const struct kmsdns_expectation **exp)
{
    struct source *s = ctx;
    *exp = NULL;
    if (s->next_exp < s->nexp) {
        struct expected *x = &s->exp[s->next_exp++];
        snprintf(domain, KMSDNS_NAME_BUF, "%s", x->domain);
        *exp = &x->e;
        return true;
    }
    while (s->next_dom < s->p->ndomains) {
        const char *why = NULL;
        if (kmsdns_name_normalize(s->p->domains[s->next_dom++], KMSDNS_NAME_HOST, domain, &why) ==
                KMSDNS_OK &&
            find(s, domain) == NULL)
            return true;
    }
    while (s->list != NULL && list_next(s, domain, false) == 1)
        if (find(s, domain) == NULL)
            return true;
    return false;
}

static int emit(void *ctx, const struct kmsdns_domain_result *r)
{
    return render_domain(ctx, r);
}

int verify_exec(const struct verify_params *p)
{
    struct source src = {.p = p};
    struct kmsdns_audit_opts o = {.servers = p->servers,
                                  .nservers = p->nservers,
                                  .ns = p->ns,
                                  .have_resolver = p->have_resolver,
                                  .resolver = p->resolver,
                                  .timeout_ms = p->timeout_ms,
                                  .tries = p->retries + 1,
                                  .max_inflight = p->max_inflight,
                                  .qps = p->qps,
                                  .client_view = p->client_view,
                                  .probe = p->probe,
                                  .probe_timeout_ms = p->timeout_ms,
                                  .time_limit_ms = p->time_limit_ms,
                                  .dnssec_warn_set = p->dnssec_warn_set,
                                  .dnssec_warn_s = p->dnssec_warn_h * 3600u};
    kmsdns_tsig_key *key = NULL;
    struct kmsdns_tsig_signer signer;
    int rc = load_configs(&src, &o.resolver, &o.have_resolver);
    if (rc == VERIFY_EXIT_OK && p->tsig_key != NULL) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        if (kmsdns_tsig_key_load(p->tsig_key, &key, &d) != KMSDNS_OK) {
            kmsdns_cli_error(VERIFY_PROG, "%s", d.text);
            rc = VERIFY_EXIT_UNKNOWN;
        } else {
            kmsdns_tsig_signer_hmac(key, &signer);
            o.signer = &signer;
        }
    }
    if (rc == VERIFY_EXIT_OK)
        rc = check_list(&src);
    kmsdns_ldap *ldap = NULL;
    struct kmsdns_audit_ldap seam;
    if (rc == VERIFY_EXIT_OK && p->ldap) {
        ldap = kmsdns_ldap_new(src.creds.keytab, src.creds.principal, src.creds.fqdn,
                               p->timeout_ms * (p->retries + 1));
        if (ldap == NULL) {
            kmsdns_cli_error(VERIFY_PROG, "out of memory");
            rc = VERIFY_EXIT_UNKNOWN;
        } else {
            kmsdns_ldap_seam(ldap, &seam);
            o.ldap = &seam;
        }
    }
    struct render *out = rc == VERIFY_EXIT_OK ? render_new(p) : NULL;
    if (out == NULL) {
        source_deinit(&src);
        kmsdns_tsig_key_free(key);
        kmsdns_ldap_free(ldap);
        return rc != VERIFY_EXIT_OK ? rc : VERIFY_EXIT_UNKNOWN;
    }
    struct kmsdns_audit_stats st;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    rc = kmsdns_audit_run(&o, next_domain, &src, emit, out, &st, &d);
    source_deinit(&src);
    kmsdns_tsig_key_free(key);
    kmsdns_ldap_free(ldap);
    if (rc != KMSDNS_OK) {
        render_abort(out);
        kmsdns_cli_error(VERIFY_PROG, "%s", d.text[0] ? d.text : kmsdns_strerror(rc));
        return VERIFY_EXIT_UNKNOWN;
    }
    return render_end(out, &st);
}
