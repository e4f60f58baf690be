/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's work for one request: the host by hand (--kms, each of its
 * addresses in turn) or by discovery (the cached host first, then the SRV
 * records in RFC 2782 order), each asked through client_talk.c until one
 * answers, the answer rendered; and --status. --fleet is client_fleet.c's
 * (client_main.c picks one or the other).
 */
#include "client.h"
#include "client_talk.h"

#include "kmsdns/addr.h"
#include "kmsdns/cli.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"
#include "srv.h"

#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define STATUS_MAX 65536u /* longest STATUS line read (many published domains) */

struct target {
    struct kmsdns_addr v[16];
    size_t n;
};

/* HOST[:PORT] as IP literals, else through getaddrinfo; false with *why. */
static bool resolve(const char *kms, struct target *t, char *why, size_t cap)
{
    const char *perr = NULL;
    t->n = 0;
    if (kmsdns_addr_parse(kms, 1688, KMSDNS_ADDR_PORT_ALLOWED, &t->v[0], &perr) == KMSDNS_OK) {
        t->n = 1;
        return true;
    }
    char host[256], port[8] = "1688";
    const char *colon = strrchr(kms, ':');
    size_t hlen = colon != NULL && strchr(kms, ':') == colon ? (size_t)(colon - kms) : strlen(kms);
    if (hlen == 0 || hlen >= sizeof host ||
        (colon != NULL && hlen < strlen(kms) &&
         snprintf(port, sizeof port, "%s", colon + 1) >= 6)) {
        snprintf(why, cap, "'%s' is not HOST[:PORT]", kms);
        return false;
    }
    memcpy(host, kms, hlen);
    host[hlen] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, cap, "%s: %s", host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return false;
    }
    for (struct addrinfo *a = res; a != NULL && t->n < 16; a = a->ai_next) {
        if (a->ai_addrlen > sizeof t->v[0].ss)
            continue;
        memcpy(&t->v[t->n].ss, a->ai_addr, a->ai_addrlen);
        t->v[t->n++].len = a->ai_addrlen;
    }
    freeaddrinfo(res);
    return t->n > 0;
}

/* --kms: each of its addresses in turn; the answer's length and *host, or 0 after saying why. */
static size_t ask(const struct client_params *p, const char *line, size_t n, char *buf, size_t cap,
                  char host[KMSDNS_ADDR_TEXT_MAX])
{
    struct target t;
    char why[300];
    if (!resolve(p->kms, &t, why, sizeof why)) {
        kmsdns_cli_error(CLIENT_PROG, "--kms %s", why);
        return 0;
    }
    uint64_t deadline = kmsdns_now_ms() + (uint64_t)p->timeout * 1000u;
    for (size_t i = 0; i < t.n; i++) {
        const char *fail = NULL;
        kmsdns_addr_format(&t.v[i], host);
        size_t got = client_talk(&t.v[i], line, n, buf, cap, deadline, &fail);
        if (got > 0)
            return got;
        kmsdns_cli_error(CLIENT_PROG, "%s: %s", host, fail);
    }
    return 0;
}

static int dump_json(json_t *o)
{
    int rc = json_dumpf(o, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : -1;
    json_decref(o);
    return rc;
}

static int render_reply(const struct client_params *p, const char *host,
                        const struct kmsdns_hostproto_reply *r)
{
    const struct kmsdns_hostproto_answer *a = &r->answer;
    int code = !r->ok         ? CLIENT_EXIT_NOT_ACTIVATED
               : a->activated ? CLIENT_EXIT_ACTIVATED
                              : CLIENT_EXIT_NOT_ACTIVATED;
    if (p->format == CLIENT_JSON) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "host", host, "cmid", p->cmid, "edition",
                              p->edition, "name", p->name);
        if (r->ok)
            json_object_update_new(
                o, json_pack("{s:s, s:I, s:I, s:b, s:I, s:I, s:I}", "result",
                             a->activated ? "activated" : "not-activated", "count",
                             (json_int_t)a->count, "threshold", (json_int_t)a->threshold,
                             "activated", a->activated, "validity", (json_int_t)a->validity,
                             "renewal", (json_int_t)a->renewal, "retry", (json_int_t)a->retry));
        else
            json_object_update_new(o, json_pack("{s:s, s:s, s:s}", "result", "refused", "error",
                                                r->code, "message", r->message));
        dump_json(o);
    } else if (!r->ok) {
        printf("%s: refused: %s: %s\n", host, r->code, r->message);
    } else if (a->activated) {
        printf("%s: activated (count %u, threshold %u); valid %u min, renew every %u min\n", host,
               a->count, a->threshold, a->validity, a->renewal);
    } else {
        printf("%s: not activated: count %u, threshold %u; retry in %u min\n", host, a->count,
               a->threshold, a->retry);
    }
    return code;
}

/* A STATUS value as JSON: a number when it is all digits, else a string. */
static json_t *status_value(const char *v)
{
    size_t n = strlen(v);
    if (n > 0 && n < 16 && strspn(v, "0123456789") == n)
        return json_integer((json_int_t)strtoll(v, NULL, 10));
    return json_string(v);
}

/* One `domain.<name>=<result>@<time>` token into the domains array. */
static void status_domain(json_t *domains, const char *name, const char *v)
{
    const char *at = strrchr(v, '@');
    json_t *d = json_pack("{s:s, s:s#}", "domain", name, "result", v,
                          at != NULL ? (int)(at - v) : (int)strlen(v));
    if (at != NULL)
        json_object_set_new(d, "time", status_value(at + 1));
    json_array_append_new(domains, d);
}

/* Whether line is "OK k=v k=v ..." in printable ASCII: checked whole before
 * anything of it is printed, so a host's bytes never reach the terminal raw. */
static bool status_line_ok(const char *line)
{
    if (strncmp(line, "OK ", 3) != 0)
        return false;
    for (const char *c = line; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            return false;
    for (const char *t = line + 3; *t != '\0';) {
        size_t n = strcspn(t, " ");
        const char *eq = memchr(t, '=', n);
        if (n > 0 && (eq == NULL || eq == t))
            return false;
        t += n + (t[n] == ' ');
    }
    return true;
}

/* "OK k=v k=v ...": every token key=value; false when the line is not that. */
static bool render_status(const struct client_params *p, const char *host, char *line)
{
    if (!status_line_ok(line))
        return false;
    json_t *st = json_object(), *domains = json_array();
    if (p->format == CLIENT_TEXT)
        printf("host %s\n", host);
    char *save = NULL;
    bool ok = true;
    for (char *t = strtok_r(line + 3, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(t, '=');
        if (eq == NULL || eq == t) {
            ok = false;
            break;
        }
        *eq = '\0';
        if (p->format == CLIENT_TEXT)
            printf("  %-22s %s\n", t, eq + 1);
        else if (strncmp(t, "domain.", 7) == 0)
            status_domain(domains, t + 7, eq + 1);
        else
            json_object_set_new(st, t, status_value(eq + 1));
    }
    if (ok && p->format == CLIENT_JSON) {
        json_object_set_new(st, "domains", domains);
        dump_json(json_pack("{s:s, s:o}", "host", host, "status", st));
    } else {
        json_decref(st);
        json_decref(domains);
    }
    return ok;
}

static int do_status(const struct client_params *p)
{
    char host[KMSDNS_ADDR_TEXT_MAX], q[CLIENT_QUOTE_BUF];
    char *buf = malloc(STATUS_MAX + 1);
    if (buf == NULL)
        return kmsdns_cli_error(CLIENT_PROG, "out of memory"), CLIENT_EXIT_UNREACHABLE;
    size_t n = ask(p, "STATUS v1\n", 10, buf, STATUS_MAX, host);
    int code = CLIENT_EXIT_UNREACHABLE;
    struct kmsdns_hostproto_reply r;
    if (n == 0) {
        code = CLIENT_EXIT_UNREACHABLE;
    } else if (kmsdns_hostproto_parse_reply(buf, n, &r) == KMSDNS_OK && !r.ok) {
        kmsdns_cli_error(CLIENT_PROG, "%s: refused: %s: %s", host, r.code, r.message);
        code = CLIENT_EXIT_NOT_ACTIVATED;
    } else {
        buf[n - 1] = '\0';
        code = CLIENT_EXIT_ACTIVATED;
        if (!render_status(p, host, buf)) {
            kmsdns_cli_error(CLIENT_PROG, "%s: not a host protocol v1 answer: '%s'", host,
                             client_quote(buf, n - 1, q));
            code = CLIENT_EXIT_UNREACHABLE;
        }
    }
    free(buf);
    return code;
}

/* Asks the hosts in the given order; true with *r, *host and *which once one speaks v1. */
static bool try_hosts(const struct client_params *p, const struct client_hosts *hs,
                      const size_t *order, size_t norder, const char *line, size_t n,
                      struct kmsdns_hostproto_reply *r, char host[KMSDNS_NAME_BUF + 8],
                      size_t *which)
{
    char addr[KMSDNS_ADDR_TEXT_MAX], why[CLIENT_QUOTE_BUF];
    for (size_t k = 0; k < norder; k++) {
        const struct client_host *h = &hs->v[order[k]];
        snprintf(host, KMSDNS_NAME_BUF + 8, "%s:%u", h->target, h->port);
        if (h->naddr == 0)
            kmsdns_cli_error(CLIENT_PROG, "%s: no address for it; next host", host);
        for (size_t a = 0; a < h->naddr; a++) {
            if (client_ask(&h->addr[a], line, n, p->timeout, r, why)) {
                *which = order[k];
                return true;
            }
            kmsdns_cli_error(CLIENT_PROG, "%s (%s): %s; next %s", host,
                             kmsdns_addr_format(&h->addr[a], addr), why,
                             a + 1 < h->naddr ? "address" : "host");
        }
    }
    return false;
}

/* The cached host first (unless --no-cache), then discovery; true with the answer. */
static bool discover_and_ask(const struct client_params *p, const struct client_setup *s,
                             struct client_state *st, const char *line, size_t n,
                             struct kmsdns_hostproto_reply *r, char host[KMSDNS_NAME_BUF + 8])
{
    struct client_hosts hs;
    size_t which = 0, zero = 0;
    if (!p->no_cache && st->host[0] != '\0') {
        bool ok = client_resolve(s, st->host, st->port, &hs) == KMSDNS_OK &&
                  try_hosts(p, &hs, &zero, 1, line, n, r, host, &which);
        client_hosts_free(&hs);
        if (ok)
            return true;
        kmsdns_cli_error(CLIENT_PROG, "the cached host %s:%u did not answer: discovering again",
                         st->host, st->port);
    }
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (client_discover(s, &hs, &d) != KMSDNS_OK) {
        kmsdns_cli_error(CLIENT_PROG, "%s", d.text);
        return false;
    }
    struct kmsdns_rrdata *rr = calloc(hs.n, sizeof *rr);
    size_t *order = calloc(hs.n, sizeof *order), norder = 0;
    struct kmsdns_rng rng;
    kmsdns_rng_seed_random(&rng);
    for (size_t i = 0; rr != NULL && i < hs.n; i++)
        rr[i] = hs.v[i].srv;
    if (rr != NULL && order != NULL)
        norder = kmsdns_srv_order(rr, hs.n, &rng, order);
    bool ok = try_hosts(p, &hs, order, norder, line, n, r, host, &which);
    if (ok && !p->no_cache) {
        snprintf(st->host, sizeof st->host, "%s", hs.v[which].target);
        st->port = hs.v[which].port;
    }
    if (!ok)
        kmsdns_cli_error(CLIENT_PROG, "no KMS host answered (%zu found in %s)", norder, hs.domain);
    free(rr), free(order);
    client_hosts_free(&hs);
    return ok;
}

static int request(struct client_params *q, const struct client_setup *s)
{
    struct client_state st, before;
    client_state_load(s->state, &st);
    before = st;
    if (q->cmid[0] == '\0') {
        if (st.cmid[0] == '\0')
            client_new_cmid(st.cmid);
        snprintf(q->cmid, sizeof q->cmid, "%s", st.cmid);
    }
    char line[KMSDNS_HP_LINE_MAX + 1], buf[CLIENT_REPLY_MAX], host[KMSDNS_NAME_BUF + 8],
        q84[CLIENT_QUOTE_BUF];
    size_t n = kmsdns_hostproto_request(line, sizeof line, q->cmid, q->edition, q->name);
    struct kmsdns_hostproto_reply r;
    int code = CLIENT_EXIT_UNREACHABLE;
    if (n == 0) {
        kmsdns_cli_error(CLIENT_PROG, "cannot build the request");
        return CLIENT_EXIT_USAGE;
    }
    if (q->kms != NULL) {
        size_t got = ask(q, line, n, buf, sizeof buf, host);
        if (got > 0 && kmsdns_hostproto_parse_reply(buf, got, &r) != KMSDNS_OK)
            kmsdns_cli_error(CLIENT_PROG, "%s: not a host protocol v1 answer: '%s'", host,
                             client_quote(buf, got - 1, q84));
        else if (got > 0)
            code = render_reply(q, host, &r);
    } else if (discover_and_ask(q, s, &st, line, n, &r, host)) {
        code = render_reply(q, host, &r);
    }
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (memcmp(&st, &before, sizeof st) != 0 && client_state_save(s->state, &st, &d) != KMSDNS_OK)
        kmsdns_cli_error(CLIENT_PROG, "warning: %s", d.text);
    return code;
}

/* --status without --kms: this machine's own host core, 127.0.0.1 on [host] port. */
static int own_status(const struct client_params *p, const struct client_setup *s)
{
    char kms[32];
    snprintf(kms, sizeof kms, "127.0.0.1:%u", s->own_port);
    struct client_params q = *p;
    q.kms = kms;
    return do_status(&q);
}

int client_exec(const struct client_params *p, const struct client_setup *s)
{
    struct client_params q = *p;
    if (p->status)
        return p->kms != NULL ? do_status(p) : own_status(p, s);
    return request(&q, s);
}
