/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd once it is up: serve clients, keep this host's SRV records
 * published (publish = yes: at start, then every [dns] publish-interval,
 * failures retried with a growing backoff and never fatal), and reload the
 * configuration on SIGHUP. A reload validates the whole new file before
 * anything changes; a bad one is logged and the running configuration
 * stays. What cannot change without a restart (listen, port, database,
 * user) is kept from the running configuration, with a warning.
 */
#include "hostd.h"

#include "kmsdns/config.h"
#include "engine.h"
#include "hostpub.h"
#include "hostsrv.h"
#include "kmsdns/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define RETRY_FIRST_S 30u /* first retry after a failed publication */
#define RETRY_MAX_S 3600u /* the backoff never exceeds this (nor the interval) */
#define LOW_PRIORITY_NICE 10

int hostd_config_load(const char *path, struct kmsdns_config **out, struct kmsdns_diag *d)
{
    *out = NULL;
    struct kmsdns_config *cfg = malloc(sizeof *cfg);
    if (cfg == NULL)
        return kmsdns_diag_set(d, KMSDNS_NOMEM, path, 0, "out of memory");
    int rc = kmsdns_config_load(cfg, path, d);
    if (rc != KMSDNS_OK) {
        free(cfg);
        return rc;
    }
    if (cfg->host.fqdn[0] == '\0')
        rc = kmsdns_diag_set(d, KMSDNS_EMPTY, path, 0, "[host] fqdn is required for kmsdns-hostd");
    else
        rc = hostd_check_user(cfg, d);
    if (rc != KMSDNS_OK) {
        hostd_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return KMSDNS_OK;
}

void hostd_config_free(struct kmsdns_config *cfg)
{
    if (cfg == NULL)
        return;
    kmsdns_config_deinit(cfg);
    free(cfg);
}

void hostd_set_priority(bool low)
{
    if (low && setpriority(PRIO_PROCESS, 0, LOW_PRIORITY_NICE) != 0)
        kmsdns_log(KMSDNS_LOG_WARNING, "low-priority: %s", strerror(errno));
}

/* ---- publication ------------------------------------------------------------- */

static bool listed(const struct kmsdns_config *cfg, const char *domain)
{
    for (size_t i = 0; i < kmsdns_publist_count(cfg->publish.domains); i++)
        if (strcmp(kmsdns_publist_get(cfg->publish.domains, i)->domain, domain) == 0)
            return true;
    return false;
}

/* One domain's outcome: STATUS, and the log in the spirit of events 12294 / 12293. */
static void on_result(void *arg, const struct kmsdns_hostpub_result *r)
{
    struct hostd *h = arg;
    bool ok = strcmp(r->result, "ok") == 0;
    const char *what = r->is_address ? "A/AAAA records of" : "SRV record in";
    if (ok)
        kmsdns_log(KMSDNS_LOG_NOTICE, "published (event 12294): %s %s%s%s", what, r->domain,
                   r->message[0] != '\0' ? ": " : "", r->message);
    else
        kmsdns_log(KMSDNS_LOG_ERR, "publication failed (event 12293): %s %s: %s: %s", what,
                   r->domain, r->result, r->message);
    if (!r->is_address && listed(h->cfg, r->domain) &&
        kmsdns_hostsrv_set_domain(h->srv, r->domain, r->result, r->time) != KMSDNS_OK)
        kmsdns_log(KMSDNS_LOG_ERR, "out of memory");
    else if (!r->is_address && r->refreshed && listed(h->cfg, r->domain))
        kmsdns_hostsrv_set_refreshed(h->srv, r->domain, r->time);
}

static void schedule(struct hostd *h, bool ok)
{
    unsigned interval = h->cfg->dns.publish_interval * 60u;
    unsigned cap = interval < RETRY_MAX_S ? interval : RETRY_MAX_S;
    unsigned wait = ok ? interval : (h->backoff < cap ? h->backoff : cap);
    h->backoff = ok ? RETRY_FIRST_S : (h->backoff * 2 < cap ? h->backoff * 2 : cap);
    h->next_pub = kmsdns_hostsrv_clock_ms() + (uint64_t)wait * 1000u;
    kmsdns_log(ok ? KMSDNS_LOG_INFO : KMSDNS_LOG_WARNING, "next publication in %u s", wait);
}

static void on_pub_readable(void *arg)
{
    struct hostd *h = arg;
    if (!kmsdns_hostpub_read(h->pub, on_result, h))
        return;
    kmsdns_hostsrv_unwatch(h->srv, h->pubfd);
    h->pubfd = -1;
    schedule(h, kmsdns_hostpub_finish(h->pub));
    if (h->republish)
        h->next_pub = kmsdns_hostsrv_clock_ms();
    h->republish = false;
    kmsdns_hostsrv_interrupt(h->srv); /* run() was started without this timer */
}

static void start_publication(struct hostd *h)
{
    h->next_pub = 0;
    if (!h->cfg->host.publish || kmsdns_hostpub_running(h->pub))
        return;
    int fd = -1;
    if (kmsdns_hostpub_start(h->pub, h->cfg, &fd) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_ERR, "cannot start a publication: %s", strerror(errno));
        schedule(h, false);
        return;
    }
    if (kmsdns_hostsrv_watch(h->srv, fd, on_pub_readable, h) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_ERR, "cannot watch the publication: %s", strerror(errno));
        kmsdns_hostpub_finish(h->pub);
        schedule(h, false);
        return;
    }
    h->pubfd = fd;
}

/* ---- reload -------------------------------------------------------------------- */

static bool same_listen(const struct kmsdns_addr_list *a, const struct kmsdns_addr_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].len != b->v[i].len || memcmp(&a->v[i].ss, &b->v[i].ss, a->v[i].len) != 0)
            return false;
    return true;
}

static bool same_string(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* The settings only a restart can change, taken over from the running config. */
static int keep_restart_only(const struct kmsdns_config *old, struct kmsdns_config *nc)
{
    if (!same_listen(&old->host.listen, &nc->host.listen) || old->host.port != nc->host.port ||
        !same_string(old->host.database, nc->host.database) ||
        !same_string(old->host.user, nc->host.user))
        kmsdns_log(KMSDNS_LOG_WARNING, "reload: [host] listen, port, database and user change "
                                       "only with a restart; keeping the running ones");
    struct kmsdns_addr *v = malloc(old->host.listen.n * sizeof *v);
    char *db = strdup(old->host.database);
    char *user = old->host.user != NULL ? strdup(old->host.user) : NULL;
    if (v == NULL || db == NULL || (old->host.user != NULL && user == NULL)) {
        free(v), free(db), free(user);
        return KMSDNS_NOMEM;
    }
    memcpy(v, old->host.listen.v, old->host.listen.n * sizeof *v);
    free(nc->host.listen.v), free(nc->host.database), free(nc->host.user);
    nc->host.listen.v = v;
    nc->host.listen.n = old->host.listen.n;
    nc->host.database = db;
    nc->host.user = user;
    nc->host.port = old->host.port;
    return KMSDNS_OK;
}

static void reload(struct hostd *h)
{
    struct kmsdns_config *nc = NULL;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    hostd_notify("RELOADING=1");
    if (hostd_config_load(h->params->config, &nc, &d) != KMSDNS_OK ||
        keep_restart_only(h->cfg, nc) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_ERR, "reload refused, the running configuration stays: %s",
                   nc == NULL ? d.text : "out of memory");
        hostd_config_free(nc);
        hostd_notify("READY=1");
        return;
    }
    const struct kmsdns_engine_settings es = {nc->host.key_group, nc->host.activation_interval,
                                              nc->host.renewal_interval};
    kmsdns_engine_configure(h->engine, &es);
    kmsdns_hostsrv_set_config(h->srv, nc);
    kmsdns_hostsrv_clear_domains(h->srv);
    if (nc->host.low_priority && !h->cfg->host.low_priority)
        hostd_set_priority(true);
    else if (!nc->host.low_priority && h->cfg->host.low_priority)
        kmsdns_log(KMSDNS_LOG_WARNING, "low-priority = no: normal priority comes back with a "
                                       "restart");
    hostd_config_free(h->cfg);
    h->cfg = nc;
    h->backoff = RETRY_FIRST_S;
    kmsdns_log(KMSDNS_LOG_NOTICE, "configuration reloaded from %s (publish = %s)", nc->path,
               nc->host.publish ? "yes" : "no");
    if (kmsdns_hostpub_running(h->pub))
        h->republish = nc->host.publish; /* with the new config once the running one ends */
    else if (nc->host.publish)
        start_publication(h);
    else
        h->next_pub = 0;
    hostd_notify("READY=1");
}

/* ---- the loop -------------------------------------------------------------------- */

int hostd_serve(struct hostd *h)
{
    h->pubfd = -1;
    h->backoff = RETRY_FIRST_S;
    hostd_notify("READY=1");
    if (h->cfg->host.publish)
        start_publication(h);
    for (;;) {
        enum kmsdns_hostsrv_event ev;
        if (kmsdns_hostsrv_run(h->srv, h->next_pub, &ev) != KMSDNS_OK)
            return HOSTD_EXIT_FAIL;
        if (ev == KMSDNS_HOSTSRV_STOP)
            break;
        if (ev == KMSDNS_HOSTSRV_RELOAD)
            reload(h);
        else if (h->next_pub != 0 && kmsdns_hostsrv_clock_ms() >= h->next_pub)
            start_publication(h);
    }
    hostd_notify("STOPPING=1");
    if (h->pubfd >= 0)
        kmsdns_hostsrv_unwatch(h->srv, h->pubfd);
    h->pubfd = -1;
    return HOSTD_EXIT_OK;
}
