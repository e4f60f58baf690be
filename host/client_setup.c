/* SPDX-License-Identifier: MIT */
/*
 * Where kmsdns-client's discovery settings come from (SPEC: --domain
 * entries, else [client] search, else the parent domain of this machine's
 * name; --resolver, else [dns] resolver, else /etc/resolv.conf) and where
 * its state file is (client_state.c reads and writes it).
 */
#include "client.h"

#include "kmsdns/cli.h"
#include "kmsdns/config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int add_search(struct client_setup *s, const char *domain)
{
    void *v = realloc(s->search, (s->nsearch + 1) * sizeof *s->search);
    if (v == NULL)
        return -1;
    s->search = v;
    const char *why = NULL;
    if (kmsdns_name_normalize(domain, 0, s->search[s->nsearch], &why) != KMSDNS_OK)
        return -2;
    s->nsearch++;
    return 0;
}

/* The parent domain of this machine's fully qualified name, as a last resort. */
static int own_domain(struct client_setup *s)
{
    char host[256] = "", parent[KMSDNS_NAME_BUF];
    struct addrinfo hints = {.ai_flags = AI_CANONNAME}, *res = NULL;
    if (gethostname(host, sizeof host - 1) != 0)
        return -1;
    if (strchr(host, '.') == NULL && getaddrinfo(host, NULL, &hints, &res) == 0) {
        if (res->ai_canonname != NULL)
            snprintf(host, sizeof host, "%s", res->ai_canonname);
        freeaddrinfo(res);
    }
    if (strchr(host, '.') == NULL || kmsdns_name_parent(host, parent) != KMSDNS_OK)
        return -1;
    return add_search(s, parent);
}

static int fill(const struct client_params *p, const struct kmsdns_config *cfg,
                struct client_setup *s)
{
    const char *why = NULL;
    snprintf(s->service, sizeof s->service, "%s", cfg->dns.service);
    s->own_port = cfg->host.port;
    s->timeout = cfg->dns.timeout;
    for (size_t i = 0; i < p->ndomains; i++)
        if (add_search(s, p->domains[i]) != 0) {
            kmsdns_cli_error(CLIENT_PROG, "--domain: bad domain name '%s'", p->domains[i]);
            return CLIENT_EXIT_USAGE;
        }
    for (size_t i = 0; p->ndomains == 0 && i < cfg->client.nsearch; i++)
        if (add_search(s, cfg->client.search[i]) != 0)
            return CLIENT_EXIT_USAGE;
    if (s->nsearch == 0 && p->kms == NULL && !p->status)
        (void)own_domain(s); /* none: discovery says so. Not for --kms: it may ask DNS */
    kmsdns_diag_init(&s->resolver_error);
    if (p->resolver != NULL) {
        if (kmsdns_addr_parse(p->resolver, 53, KMSDNS_ADDR_PORT_ALLOWED, &s->resolver, &why) !=
            KMSDNS_OK) {
            kmsdns_cli_error(CLIENT_PROG, "--resolver: bad address '%s': %s", p->resolver, why);
            return CLIENT_EXIT_USAGE;
        }
        s->has_resolver = true;
    } else if (cfg->dns.has_resolver) {
        s->resolver = cfg->dns.resolver;
        s->has_resolver = true;
    } else {
        s->has_resolver = kmsdns_msg_system_resolver(&s->resolver, &s->resolver_error) == KMSDNS_OK;
    }
    const char *state = p->state != NULL ? p->state : cfg->client.state;
    char *path = NULL;
    int rc = kmsdns_path_expand_home(state, &path, &why);
    if (rc != KMSDNS_OK || strlen(path) >= sizeof s->state) {
        kmsdns_cli_error(CLIENT_PROG, "state file %s: %s", state,
                         rc == KMSDNS_OK      ? "path too long"
                         : rc == KMSDNS_NOMEM ? "out of memory"
                                              : why);
        free(path);
        return CLIENT_EXIT_USAGE;
    }
    snprintf(s->state, sizeof s->state, "%s", path);
    free(path);
    return -1;
}

int client_setup_init(const struct client_params *p, struct client_setup *s)
{
    memset(s, 0, sizeof *s);
    struct kmsdns_config cfg;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    int rc = p->config != NULL ? kmsdns_config_load(&cfg, p->config, &d) : kmsdns_config_init(&cfg);
    if (rc != KMSDNS_OK) {
        kmsdns_cli_error(CLIENT_PROG, "%s", p->config != NULL ? d.text : "out of memory");
        return CLIENT_EXIT_USAGE;
    }
    rc = fill(p, &cfg, s);
    kmsdns_config_deinit(&cfg);
    if (rc >= 0)
        client_setup_deinit(s);
    return rc;
}

void client_setup_deinit(struct client_setup *s)
{
    free(s->search);
    s->search = NULL;
    s->nsearch = 0;
}
