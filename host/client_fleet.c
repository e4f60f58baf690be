/* SPDX-License-Identifier: MIT */
/*
 * --fleet N: a rehearsal of N KMS clients before a rollout. Discovery runs
 * once (the SRV RRset is the same for every client); each simulated client
 * then orders the hosts itself as RFC 2782 says, with its own random draw,
 * and asks them in turn until one answers, as Windows clients fail over.
 * Every client has its own CMID and an edition from --mix. Workers (threads,
 * at most --concurrency) run the clients; the draws are made up front, so a
 * --seed makes the whole rehearsal reproducible. The report says, per host,
 * the share the weights promise beside the share observed, the counts at
 * which each threshold was crossed, and who failed over.
 */
#include "client.h"
#include "client_talk.h"

#include "kmsdns/cli.h"
#include "kmsdns/edition.h"
#include "srv.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fleet_client {
    char cmid[KMSDNS_HP_CMID_LEN + 1];
    const char *edition;
    size_t *order; /* hosts in the order this client tries them */
    size_t norder;
    /* results */
    int host; /* index of the host that answered, -1 none */
    bool failed_over;
    struct kmsdns_hostproto_reply r;
    unsigned seq; /* completion order, from 1 */
};

struct fleet {
    const struct client_params *p;
    struct client_hosts hosts;
    struct fleet_client *c;
    size_t n;
    atomic_size_t next;
    atomic_uint done;
};

struct mix_entry {
    char edition[KMSDNS_HP_EDITION_MAX + 1];
    unsigned pct;
};

/* "E=PCT,E=PCT": editions of the table, percentages adding up to 100. */
static int parse_mix(const char *text, struct mix_entry *m, size_t *n)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    unsigned total = 0;
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '='), *end = NULL;
        if (eq == NULL || *n == 16)
            return kmsdns_cli_error(CLIENT_PROG, "--mix: '%s' is not EDITION=PERCENT", t), -1;
        *eq = '\0';
        unsigned long pct = strtoul(eq + 1, &end, 10);
        if (kmsdns_edition_find(t) == NULL || *end != '\0' || eq[1] == '\0' || pct > 100)
            return kmsdns_cli_error(CLIENT_PROG,
                                    "--mix: unknown edition or bad percentage in "
                                    "'%s=%s' (editions: docs/protocol.md)",
                                    t, eq + 1),
                   -1;
        snprintf(m[*n].edition, sizeof m[*n].edition, "%s", t);
        m[(*n)++].pct = (unsigned)pct;
        total += (unsigned)pct;
    }
    if (total != 100)
        return kmsdns_cli_error(CLIENT_PROG, "--mix: the percentages add up to %u, not 100", total),
               -1;
    return 0;
}

/* Exact counts per edition (largest remainders), then shuffled over the clients. */
static void assign_editions(struct fleet *f, const struct mix_entry *m, size_t nm,
                            struct kmsdns_rng *rng)
{
    size_t k = 0, count[16];
    for (size_t i = 0; i < nm; i++) {
        count[i] = f->n * m[i].pct / 100;
        k += count[i];
    }
    for (size_t i = 0; k < f->n; i = (i + 1) % nm)
        if ((f->n * m[i].pct) % 100 != 0 || m[i].pct == 100)
            count[i]++, k++;
    k = 0;
    for (size_t i = 0; i < nm; i++)
        for (size_t j = 0; j < count[i] && k < f->n; j++)
            f->c[k++].edition = m[i].edition;
    for (size_t i = f->n; i > 1; i--) {
        size_t j = (size_t)kmsdns_rng_upto(rng, i - 1);
        const char *t = f->c[i - 1].edition;
        f->c[i - 1].edition = f->c[j].edition;
        f->c[j].edition = t;
    }
}

static void make_cmid(struct kmsdns_rng *rng, char out[KMSDNS_HP_CMID_LEN + 1])
{
    uint64_t a = kmsdns_rng_next(rng), b = kmsdns_rng_next(rng);
    snprintf(out, KMSDNS_HP_CMID_LEN + 1, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffffu, (unsigned)a & 0xfffu,
             (unsigned)((b >> 48) & 0x3fffu) | 0x8000u,
             (unsigned long long)(b & 0xffffffffffffull));
}

/* ---- running ------------------------------------------------------------------------ */

static void run_client(struct fleet *f, struct fleet_client *c, size_t idx)
{
    char line[KMSDNS_HP_LINE_MAX + 1], name[KMSDNS_HP_NAME_MAX + 1], why[CLIENT_QUOTE_BUF];
    snprintf(name, sizeof name, "fleet-%zu", idx + 1);
    size_t n = kmsdns_hostproto_request(line, sizeof line, c->cmid, c->edition, name);
    c->host = -1;
    for (size_t k = 0; n > 0 && k < c->norder && c->host < 0; k++) {
        const struct client_host *h = &f->hosts.v[c->order[k]];
        for (size_t a = 0; a < h->naddr; a++) {
            if (client_ask(&h->addr[a], line, n, f->p->timeout, &c->r, why)) {
                c->host = (int)c->order[k];
                c->failed_over = k > 0;
                c->seq = atomic_fetch_add(&f->done, 1) + 1;
                break;
            }
        }
    }
}

static void *worker(void *arg)
{
    struct fleet *f = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&f->next, 1);
        if (i >= f->n)
            return NULL;
        run_client(f, &f->c[i], i);
    }
}

static void run_all(struct fleet *f, unsigned concurrency)
{
    pthread_t t[1024];
    unsigned nt = concurrency < f->n ? concurrency : (unsigned)f->n, started = 0;
    for (; started < nt; started++)
        if (pthread_create(&t[started], NULL, worker, f) != 0)
            break;
    if (started == 0)
        worker(f);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
}

/* ---- the report ------------------------------------------------------------------------ */

struct host_report {
    unsigned served, activated, first_tried_down, last_count;
    unsigned server_at, client_at;   /* the count at which each family first activated */
    unsigned server_seq, client_seq; /* ... and that client's completion number */
};

static unsigned lowest_priority(const struct client_hosts *hs)
{
    unsigned lo = 65535;
    for (size_t i = 0; i < hs->n; i++)
        if (hs->v[i].srv.priority < lo)
            lo = hs->v[i].srv.priority;
    return lo;
}

/* The share of first choices the weights promise (lowest priority only), in percent. */
static double expected_share(const struct client_hosts *hs, size_t i)
{
    unsigned lo = lowest_priority(hs), sum = 0, k = 0;
    for (size_t j = 0; j < hs->n; j++)
        if (hs->v[j].srv.priority == lo)
            sum += hs->v[j].srv.weight, k++;
    if (hs->v[i].srv.priority != lo)
        return 0;
    return sum == 0 ? 100.0 / k : 100.0 * hs->v[i].srv.weight / sum;
}

static void tally(const struct fleet *f, struct host_report *hr, unsigned *refused,
                  unsigned *unanswered)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct fleet_client *c = &f->c[i];
        if (c->host < 0) {
            (*unanswered)++;
            continue;
        }
        if (c->failed_over)
            hr[c->order[0]].first_tried_down++;
        struct host_report *h = &hr[c->host];
        h->served++;
        if (!c->r.ok) {
            (*refused)++;
            continue;
        }
        const struct kmsdns_hostproto_answer *a = &c->r.answer;
        h->activated += a->activated;
        if (a->count > h->last_count)
            h->last_count = a->count;
        bool server = a->threshold == kmsdns_threshold(KMSDNS_FAMILY_SERVER);
        unsigned *at = server ? &h->server_at : &h->client_at;
        unsigned *seq = server ? &h->server_seq : &h->client_seq;
        if (a->activated && (*at == 0 || a->count < *at))
            *at = a->count, *seq = c->seq;
    }
}

static void print_text(const struct fleet *f, const struct host_report *hr, unsigned refused,
                       unsigned unanswered)
{
    printf("fleet: %zu clients, hosts from %s; %u-way concurrency\n\n", f->n, f->hosts.domain,
           f->p->concurrency);
    printf("%-32s %4s %6s %8s %6s %8s %5s %13s %13s %9s\n", "host", "prio", "weight", "expected",
           "served", "observed", "count", "server>=5", "client>=25", "activated");
    unsigned activated = 0, moved = 0;
    for (size_t i = 0; i < f->hosts.n; i++) {
        const struct client_host *h = &f->hosts.v[i];
        char name[KMSDNS_NAME_BUF + 8], s_at[32] = "-", c_at[32] = "-";
        snprintf(name, sizeof name, "%s:%u", h->target, h->port);
        if (hr[i].server_at)
            snprintf(s_at, sizeof s_at, "at %u (#%u)", hr[i].server_at, hr[i].server_seq);
        if (hr[i].client_at)
            snprintf(c_at, sizeof c_at, "at %u (#%u)", hr[i].client_at, hr[i].client_seq);
        printf("%-32s %4u %6u %7.1f%% %6u %7.1f%% %5u %13s %13s %9u%s\n", name, h->srv.priority,
               h->srv.weight, expected_share(&f->hosts, i), hr[i].served,
               100.0 * hr[i].served / (double)f->n, hr[i].last_count, s_at, c_at, hr[i].activated,
               hr[i].first_tried_down > 0 && hr[i].served == 0 ? "  DOWN" : "");
        activated += hr[i].activated;
        moved += hr[i].first_tried_down;
    }
    printf("\nfailover: %u client(s) found their first choice silent and moved on\n", moved);
    printf("activated: %u of %zu; refused: %u; unanswered: %u\n", activated, f->n, refused,
           unanswered);
}

static void print_json(const struct fleet *f, const struct host_report *hr, unsigned refused,
                       unsigned unanswered)
{
    json_t *hosts = json_array();
    unsigned activated = 0, moved = 0;
    for (size_t i = 0; i < f->hosts.n; i++) {
        const struct client_host *h = &f->hosts.v[i];
        char name[KMSDNS_NAME_BUF + 8];
        snprintf(name, sizeof name, "%s:%u", h->target, h->port);
        json_t *o =
            json_pack("{s:s, s:i, s:i, s:f, s:i, s:f, s:i, s:i, s:i}", "host", name, "priority",
                      h->srv.priority, "weight", h->srv.weight, "expected_share",
                      expected_share(&f->hosts, i) / 100, "served", hr[i].served, "observed_share",
                      hr[i].served / (double)f->n, "count", hr[i].last_count, "activated",
                      hr[i].activated, "failed_over_from", hr[i].first_tried_down);
        json_object_set_new(o, "server_threshold_at",
                            hr[i].server_at ? json_integer(hr[i].server_at) : json_null());
        json_object_set_new(o, "client_threshold_at",
                            hr[i].client_at ? json_integer(hr[i].client_at) : json_null());
        json_array_append_new(hosts, o);
        activated += hr[i].activated;
        moved += hr[i].first_tried_down;
    }
    json_t *clients = json_array();
    for (size_t i = 0; i < f->n; i++) {
        const struct fleet_client *c = &f->c[i];
        json_t *o = json_pack("{s:s, s:s}", "cmid", c->cmid, "edition", c->edition);
        json_object_set_new(o, "host", c->host >= 0 ? json_integer(c->host) : json_null());
        if (c->host >= 0 && c->r.ok)
            json_object_update_new(o, json_pack("{s:i, s:i, s:b, s:i}", "count", c->r.answer.count,
                                                "threshold", c->r.answer.threshold, "activated",
                                                c->r.answer.activated, "seq", c->seq));
        else if (c->host >= 0)
            json_object_set_new(o, "error", json_string(c->r.code));
        json_array_append_new(clients, o);
    }
    json_t *root =
        json_pack("{s:i, s:s, s:o, s:i, s:i, s:i, s:i, s:o}", "fleet", (int)f->n, "domain",
                  f->hosts.domain, "hosts", hosts, "activated", activated, "refused", refused,
                  "unanswered", unanswered, "failed_over", moved, "clients", clients);
    json_dumpf(root, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(root);
}

/* ---- the whole rehearsal --------------------------------------------------------------- */

static int prepare(struct fleet *f, const struct mix_entry *mix, size_t nm, struct kmsdns_rng *rng)
{
    struct kmsdns_rrdata *rr = calloc(f->hosts.n, sizeof *rr);
    f->c = calloc(f->n, sizeof *f->c);
    if (rr == NULL || f->c == NULL) {
        free(rr);
        kmsdns_cli_error(CLIENT_PROG, "out of memory");
        return CLIENT_EXIT_UNREACHABLE;
    }
    for (size_t i = 0; i < f->hosts.n; i++)
        rr[i] = f->hosts.v[i].srv;
    assign_editions(f, mix, nm, rng);
    for (size_t i = 0; i < f->n; i++) {
        make_cmid(rng, f->c[i].cmid);
        f->c[i].order = calloc(f->hosts.n, sizeof *f->c[i].order);
        if (f->c[i].order != NULL)
            f->c[i].norder = kmsdns_srv_order(rr, f->hosts.n, rng, f->c[i].order);
    }
    free(rr);
    return -1;
}

int client_fleet(const struct client_params *p, const struct client_setup *s)
{
    struct fleet f = {.p = p, .n = p->fleet};
    struct mix_entry mix[16];
    size_t nm = 1;
    if (p->mix != NULL && parse_mix(p->mix, mix, &nm) != 0)
        return CLIENT_EXIT_USAGE;
    if (p->mix == NULL) {
        snprintf(mix[0].edition, sizeof mix[0].edition, "%s", p->edition);
        mix[0].pct = 100;
    }
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (client_discover(s, &f.hosts, &d) != KMSDNS_OK) {
        kmsdns_cli_error(CLIENT_PROG, "%s", d.text);
        return CLIENT_EXIT_UNREACHABLE;
    }
    struct kmsdns_rng rng;
    if (p->seeded)
        kmsdns_rng_seed(&rng, p->seed);
    else
        kmsdns_rng_seed_random(&rng);
    int code = prepare(&f, mix, nm, &rng);
    if (code < 0) {
        run_all(&f, p->concurrency);
        struct host_report *hr = calloc(f.hosts.n, sizeof *hr);
        unsigned refused = 0, unanswered = 0;
        if (hr != NULL) {
            tally(&f, hr, &refused, &unanswered);
            if (p->format == CLIENT_JSON)
                print_json(&f, hr, refused, unanswered);
            else
                print_text(&f, hr, refused, unanswered);
        }
        free(hr);
        code = unanswered == f.n ? CLIENT_EXIT_UNREACHABLE : CLIENT_EXIT_ACTIVATED;
    }
    for (size_t i = 0; f.c != NULL && i < f.n; i++)
        free(f.c[i].order);
    free(f.c);
    client_hosts_free(&f.hosts);
    return code;
}
