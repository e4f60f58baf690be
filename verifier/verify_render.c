/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify's reports. text and json stream each domain as it comes;
 * nagios keeps counts, the worst problem and its long output (a temporary
 * file); prometheus writes its per-domain families to
 * temporary files so each family's samples stay together; html keeps the
 * (small) matrix in memory. With --output the report goes through
 * kmsdns_atomic (a mkstemp file beside the target, renamed into place only
 * when complete).
 */
#include "verify.h"

#include "kmsdns/atomicfile.h"
#include "audit.h"
#include "kmsdns/cli.h"
#include "kmsdns/version.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cell {
    char server[KMSDNS_ADDR_TEXT_MAX];
    enum kmsdns_severity status;
};

struct row {
    char domain[KMSDNS_NAME_BUF];
    enum kmsdns_severity status;
    struct cell *cells;
    size_t ncells;
    char *problems; /* "<li>" lines, escaped */
};

struct render {
    const struct verify_params *p;
    FILE *out;
    kmsdns_atomic *file; /* with --output */
    bool colour, progress;
    unsigned long n;
    unsigned count[4];
    enum kmsdns_severity worst;
    unsigned long per_code[24][4];
    FILE *prom_domain, *prom_server, *prom_records, *prom_problem;
    FILE *nagios_long; /* one long-output line per problem, in output order */
    unsigned long nproblems;
    bool have_worst;
    struct { /* the first of the worst problems, for the status line */
        char domain[KMSDNS_NAME_BUF], server[KMSDNS_ADDR_TEXT_MAX], target[KMSDNS_NAME_BUF];
        const char *code;
        enum kmsdns_severity severity;
    } worst_problem;
    struct row *rows;
    size_t nrows;
    time_t started;
};

static const char *const codes[] = {
    "srv-missing",     "srv-mismatch",     "extra-record",       "srv-inconsistent",
    "serial-mismatch", "ttl-inconsistent", "target-no-address",  "address-mismatch",
    "target-cname",    "target-dot",       "server-unreachable", "server-not-authoritative",
    "tsig-error",      "probe-failed",     "record-aging",       "record-static",
    "ldap-error",      "srv-misnamed",     "dnssec-unsigned",    "dnssec-bogus",
    "dnssec-expiring"};
#define NCODES (sizeof codes / sizeof codes[0])

/* A severity as kmsdns-verify's exit code, which the Prometheus gauges
 * reuse: the plugin convention orders unknown above critical's number. */
static int severity_exit(enum kmsdns_severity s)
{
    switch (s) {
    case KMSDNS_SEV_OK:
        return VERIFY_EXIT_OK;
    case KMSDNS_SEV_WARNING:
        return VERIFY_EXIT_WARNING;
    case KMSDNS_SEV_CRITICAL:
        return VERIFY_EXIT_CRITICAL;
    case KMSDNS_SEV_UNKNOWN:
        break;
    }
    return VERIFY_EXIT_UNKNOWN;
}

static void count_problems(struct render *r, const struct kmsdns_problem *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < NCODES; c++)
            if (strcmp(p[i].code, codes[c]) == 0)
                r->per_code[c][p[i].severity]++;
}

/* ---- text and json ---------------------------------------------------------- */

static const char *paint(const struct render *r, enum kmsdns_severity s)
{
    static const char *const c[] = {"\033[32m", "\033[33m", "\033[35m", "\033[31m"};
    return r->colour ? c[s] : "";
}

static void text_row(struct render *r, const char *domain, const char *server,
                     enum kmsdns_severity st, const struct kmsdns_problem *p, size_t n)
{
    fprintf(r->out, "%-30s %-24s %s%-8s%s", domain, server, paint(r, st), kmsdns_severity_name(st),
            r->colour ? "\033[0m" : "");
    for (size_t i = 0; i < n; i++)
        fprintf(r->out, "%*s%s: %s\n", i ? 65 : 1, "", p[i].code, p[i].message);
    if (n == 0)
        fprintf(r->out, "\n");
}

static json_t *problems_json(const struct kmsdns_problem *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "code", p[i].code, "severity",
                                           kmsdns_severity_name(p[i].severity), "message",
                                           p[i].message));
    return a;
}

/* --ldap: "timestamp" and "eligible_for_scavenging_at", null when static. */
static void age_json(json_t *ro, const struct kmsdns_record_age *a)
{
    char ts[24], el[24];
    kmsdns_iso8601(a->stamp, ts);
    kmsdns_iso8601(a->eligible, el);
    json_object_set_new(ro, "timestamp", a->dynamic ? json_string(ts) : json_null());
    json_object_set_new(ro, "eligible_for_scavenging_at",
                        a->dynamic ? json_string(el) : json_null());
}

static json_t *domain_json(const struct kmsdns_domain_result *d)
{
    json_t *servers = json_array();
    for (size_t i = 0; i < d->nservers; i++) {
        const struct kmsdns_server_result *s = &d->servers[i];
        json_t *recs = json_array();
        for (size_t k = 0; k < s->nrecords; k++) {
            const struct kmsdns_rrdata *rr = &s->records[k];
            json_t *ro = json_pack("{s:i, s:i, s:i, s:s, s:I}", "priority", rr->priority, "weight",
                                   rr->weight, "port", rr->port, "target", rr->value, "ttl",
                                   (json_int_t)rr->ttl);
            if (s->ages != NULL && s->ages[k].known)
                age_json(ro, &s->ages[k]);
            json_array_append_new(recs, ro);
        }
        json_t *so = json_pack("{s:s, s:s, s:o, s:o}", "server", s->server, "status",
                               kmsdns_severity_name(s->status), "records", recs, "problems",
                               problems_json(s->problems, s->nproblems));
        if (s->client_view)
            json_object_set_new(so, "view", json_string("client"));
        json_array_append_new(servers, so);
    }
    return json_pack("{s:s, s:s, s:o, s:o}", "domain", d->domain, "status",
                     kmsdns_severity_name(d->status), "servers", servers, "problems",
                     problems_json(d->problems, d->nproblems));
}

/* ---- prometheus ---------------------------------------------------------- */

/* A label value with \\, " and newlines escaped (exposition format). */
static void prom_label(FILE *f, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*v, f);
    }
}

/* The domain's problem lists in output order: list 0 is the domain's own
 * (server "-"), list i the problems of server i - 1. */
static const struct kmsdns_problem *problem_list(const struct kmsdns_domain_result *d, size_t i,
                                                 size_t *n, const char **server)
{
    if (i == 0) {
        *n = d->nproblems, *server = "-";
        return d->problems;
    }
    *n = d->servers[i - 1].nproblems, *server = d->servers[i - 1].server;
    return d->servers[i - 1].problems;
}

/* Whether a problem with this server, code and severity comes before list i, item k. */
static bool problem_seen(const struct kmsdns_domain_result *d, size_t i, size_t k)
{
    size_t n, m;
    const char *server, *sv;
    const struct kmsdns_problem *p = problem_list(d, i, &n, &server);
    for (size_t j = 0; j <= i; j++) {
        const struct kmsdns_problem *q = problem_list(d, j, &m, &sv);
        for (size_t l = 0; l < (j < i ? m : k); l++)
            if (strcmp(sv, server) == 0 && strcmp(q[l].code, p[k].code) == 0 &&
                q[l].severity == p[k].severity)
                return true;
    }
    return false;
}

/* One kmsdns_verify_problem sample per distinct (server, code, severity) of
 * the domain: two hosts missing on one server are one series, which must
 * not be exposed twice. server is "" for the domain's own problems. */
static void prom_problems(struct render *r, const struct kmsdns_domain_result *d)
{
    for (size_t i = 0; i <= d->nservers; i++) {
        size_t n;
        const char *server;
        const struct kmsdns_problem *p = problem_list(d, i, &n, &server);
        for (size_t k = 0; k < n; k++) {
            if (problem_seen(d, i, k))
                continue;
            fputs("kmsdns_verify_problem{domain=\"", r->prom_problem);
            prom_label(r->prom_problem, d->domain);
            fputs("\",server=\"", r->prom_problem);
            prom_label(r->prom_problem, i == 0 ? "" : server);
            fprintf(r->prom_problem, "\",code=\"%s\",severity=\"%s\"} 1\n", p[k].code,
                    kmsdns_severity_name(p[k].severity));
        }
    }
}

static void prom_domain(struct render *r, const struct kmsdns_domain_result *d)
{
    fputs("kmsdns_verify_domain_status{domain=\"", r->prom_domain);
    prom_label(r->prom_domain, d->domain);
    fprintf(r->prom_domain, "\"} %d\n", severity_exit(d->status));
    for (size_t i = 0; i < d->nservers; i++) {
        fputs("kmsdns_verify_server_status{domain=\"", r->prom_server);
        prom_label(r->prom_server, d->domain);
        fputs("\",server=\"", r->prom_server);
        prom_label(r->prom_server, d->servers[i].server);
        fprintf(r->prom_server, "\"} %d\n", severity_exit(d->servers[i].status));
        if (!d->servers[i].answered)
            continue; /* served nothing: no sample, rather than a 0 that looks like srv-missing */
        fputs("kmsdns_verify_srv_records{domain=\"", r->prom_records);
        prom_label(r->prom_records, d->domain);
        fputs("\",server=\"", r->prom_records);
        prom_label(r->prom_records, d->servers[i].server);
        fprintf(r->prom_records, "\"} %zu\n", d->servers[i].nrecords);
    }
    prom_problems(r, d);
}

/* Copies a temporary file's whole content (a family's samples, the long output). */
static void prom_copy(FILE *from, FILE *to)
{
    char buf[8192];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        fwrite(buf, 1, n, to);
}

static void prom_end(struct render *r, const struct kmsdns_audit_stats *st)
{
    FILE *f = r->out;
    fputs("# HELP kmsdns_verify_domain_status Status of each domain's _vlmcs._tcp records "
          "(0 ok, 1 warning, 2 critical, 3 unknown).\n# TYPE kmsdns_verify_domain_status gauge\n",
          f);
    prom_copy(r->prom_domain, f);
    fputs("# HELP kmsdns_verify_server_status Status of each server of each domain "
          "(0 ok, 1 warning, 2 critical, 3 unknown).\n# TYPE kmsdns_verify_server_status gauge\n",
          f);
    prom_copy(r->prom_server, f);
    fputs("# HELP kmsdns_verify_srv_records SRV records each server that answered serves at "
          "_vlmcs._tcp.<domain>.\n# TYPE kmsdns_verify_srv_records gauge\n",
          f);
    prom_copy(r->prom_records, f);
    fputs("# HELP kmsdns_verify_problem A problem found in this audit, per domain, server "
          "(\"\" for the domain's own), code and severity.\n"
          "# TYPE kmsdns_verify_problem gauge\n",
          f);
    prom_copy(r->prom_problem, f);
    fputs("# HELP kmsdns_verify_problems Problems found in this audit, by code and severity.\n"
          "# TYPE kmsdns_verify_problems gauge\n",
          f);
    for (size_t c = 0; c < NCODES; c++)
        for (int s = 1; s < 4; s++)
            if (r->per_code[c][s] > 0)
                fprintf(f, "kmsdns_verify_problems{code=\"%s\",severity=\"%s\"} %lu\n", codes[c],
                        kmsdns_severity_name((enum kmsdns_severity)s), r->per_code[c][s]);
    fprintf(f,
            "# HELP kmsdns_verify_status Worst status of the audit (0 ok, 1 warning, 2 critical, "
            "3 unknown).\n# TYPE kmsdns_verify_status gauge\nkmsdns_verify_status %d\n"
            "# HELP kmsdns_verify_domains Domains audited.\n# TYPE kmsdns_verify_domains gauge\n"
            "kmsdns_verify_domains %lu\n"
            "# HELP kmsdns_verify_queries DNS queries sent by the audit.\n"
            "# TYPE kmsdns_verify_queries gauge\nkmsdns_verify_queries %lu\n"
            "# HELP kmsdns_verify_duration_seconds How long the audit took.\n"
            "# TYPE kmsdns_verify_duration_seconds gauge\nkmsdns_verify_duration_seconds %.3f\n"
            "# HELP kmsdns_verify_last_success_timestamp_seconds When an audit last completed "
            "(whatever it found).\n# TYPE kmsdns_verify_last_success_timestamp_seconds gauge\n"
            "kmsdns_verify_last_success_timestamp_seconds %lld\n",
            severity_exit(r->worst), r->n, st->queries, st->seconds, (long long)time(NULL));
    fputs("# HELP kmsdns_build_info The kmsdns version that wrote this report.\n"
          "# TYPE kmsdns_build_info gauge\nkmsdns_build_info{version=\"",
          f);
    prom_label(f, kmsdns_version());
    fputs("\"} 1\n", f);
}

/* ---- nagios --------------------------------------------------------------------- */

static const char *nagios_word(enum kmsdns_severity s)
{
    static const char *const word[] = {"OK", "WARNING", "UNKNOWN", "CRITICAL"};
    return word[s];
}

/* Plugin output text: a '|' would start perfdata and a newline a line. */
static void nagios_text(FILE *f, const char *s)
{
    for (; *s != '\0'; s++)
        fputc(*s == '|' ? '/' : *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* Each problem as a long-output line; the first of the worst is remembered. */
static void nagios_domain(struct render *r, const struct kmsdns_domain_result *d)
{
    for (size_t i = 0; i <= d->nservers; i++) {
        size_t n;
        const char *server;
        const struct kmsdns_problem *p = problem_list(d, i, &n, &server);
        for (size_t k = 0; k < n; k++, r->nproblems++) {
            fprintf(r->nagios_long, "%s %s %s %s: ", nagios_word(p[k].severity), d->domain, server,
                    p[k].code);
            nagios_text(r->nagios_long, p[k].message);
            fputc('\n', r->nagios_long);
            if (r->have_worst && p[k].severity <= r->worst_problem.severity)
                continue;
            r->have_worst = true;
            snprintf(r->worst_problem.domain, sizeof r->worst_problem.domain, "%s", d->domain);
            snprintf(r->worst_problem.server, sizeof r->worst_problem.server, "%s", server);
            snprintf(r->worst_problem.target, sizeof r->worst_problem.target, "%s", p[k].target);
            r->worst_problem.code = p[k].code;
            r->worst_problem.severity = p[k].severity;
        }
    }
}

/* Nagios: a duration that --critical / --warning alerts on raises the status. */
static enum kmsdns_severity with_thresholds(const struct render *r, double secs)
{
    enum kmsdns_severity s = r->worst;
    if (verify_range_alerts(&r->p->critical, secs) && s < KMSDNS_SEV_CRITICAL)
        s = KMSDNS_SEV_CRITICAL;
    else if (verify_range_alerts(&r->p->warning, secs) && s < KMSDNS_SEV_WARNING)
        s = KMSDNS_SEV_WARNING;
    return s;
}

/* The status line: the first of the worst problems (domain, code, target,
 * server) and how many more, else the counts of domains by status. */
static void nagios_summary(struct render *r)
{
    FILE *f = r->out;
    if (!r->have_worst) {
        fprintf(f, "%lu domains: %u ok, %u warning, %u critical, %u unknown", r->n, r->count[0],
                r->count[1], r->count[3], r->count[2]);
        return;
    }
    nagios_text(f, r->worst_problem.domain);
    fprintf(f, ": %s", r->worst_problem.code);
    if (r->worst_problem.target[0] != '\0')
        fprintf(f, " %s", r->worst_problem.target);
    if (strcmp(r->worst_problem.server, "-") != 0)
        fprintf(f, " at %s", r->worst_problem.server);
    if (r->nproblems > 1)
        fprintf(f, " (+%lu more)", r->nproblems - 1);
}

/* ---- html --------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char *fix_for(const char *code)
{
    static const char *const fix[][2] = {
        {"srv-missing", "publish the host (kmsdns-publish); check replication to this server"},
        {"srv-mismatch", "publish again: the publisher replaces only that host's record"},
        {"extra-record", "retire the stale host: kmsdns-publish --withdraw --fqdn HOST"},
        {"srv-inconsistent", "check zone transfers or AD replication; publish with --wait"},
        {"serial-mismatch", "check NOTIFY and zone transfers, or AD replication"},
        {"ttl-inconsistent", "check zone transfers: the servers hold different data"},
        {"target-no-address", "register the host's A/AAAA ([host] addresses)"},
        {"address-mismatch", "fix the host's address records, or [host] addresses"},
        {"target-cname", "point the SRV record at the host's own name"},
        {"target-dot", "remove the \".\" record and publish the real hosts"},
        {"server-unreachable", "check the server and the network path"},
        {"server-not-authoritative", "fix the NS records (lame delegation) or the --server list"},
        {"tsig-error", "check the key on both sides"},
        {"probe-failed", "check the KMS host is running and reachable on its port"},
        {"record-aging", "refresh the record before the DC scavenges it: kmsdns-publish "
                         "(or kmsdns-hostd) with [dns] refresh = auto"},
        {"record-static", "remove the static record and let the host publish it dynamically"},
        {"ldap-error", "check the DC's LDAP (port 389), the [dns] keytab and principal, "
                       "and that the account may read the zone"},
        {"srv-misnamed", "publish the record at _vlmcs._tcp.<domain> (kmsdns-publish) and "
                         "delete the misnamed one"},
        {"dnssec-unsigned", "re-sign the zone on its signer and check that this server gets "
                            "the signed zone (transfers, inline signing)"},
        {"dnssec-bogus", "re-sign the zone (expired or altered signatures) or publish the "
                         "DNSKEY that signed it"},
        {"dnssec-expiring", "re-sign the zone, or find why the signer stopped re-signing"},
    };
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        if (strcmp(code, fix[i][0]) == 0)
            return fix[i][1];
    return "";
}

/* Appends the domain's problems as escaped <li> lines to row->problems. */
static void html_problems(struct row *w, const char *where, const struct kmsdns_problem *p,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m == NULL)
            return;
        fprintf(m, "<li class=\"%s\"><b>", kmsdns_severity_name(p[i].severity));
        html_text(m, w->domain);
        fputs("</b> ", m);
        html_text(m, where);
        fprintf(m, ": <code>%s</code> ", p[i].code);
        html_text(m, p[i].message);
        fputs(" <span class=\"fix\">Fix: ", m);
        html_text(m, fix_for(p[i].code));
        fputs("</span></li>\n", m);
        fclose(m);
        size_t old = w->problems != NULL ? strlen(w->problems) : 0;
        char *nw = realloc(w->problems, old + len + 1);
        if (nw != NULL) {
            memcpy(nw + old, buf, len + 1);
            w->problems = nw;
        }
        free(buf);
    }
}

static int html_keep(struct render *r, const struct kmsdns_domain_result *d)
{
    struct row *v = realloc(r->rows, (r->nrows + 1) * sizeof *v);
    if (v == NULL)
        return KMSDNS_NOMEM;
    r->rows = v;
    struct row *w = &v[r->nrows++];
    memset(w, 0, sizeof *w);
    snprintf(w->domain, sizeof w->domain, "%s", d->domain);
    w->status = d->status;
    w->cells = calloc(d->nservers + 1, sizeof *w->cells);
    for (size_t i = 0; w->cells != NULL && i < d->nservers; i++) {
        snprintf(w->cells[i].server, sizeof w->cells[i].server, "%s", d->servers[i].server);
        w->cells[i].status = d->servers[i].status;
        w->ncells++;
    }
    html_problems(w, "(domain)", d->problems, d->nproblems);
    for (size_t i = 0; i < d->nservers; i++)
        html_problems(w, d->servers[i].server, d->servers[i].problems, d->servers[i].nproblems);
    return KMSDNS_OK;
}

static void html_end(struct render *r, const struct kmsdns_audit_stats *st)
{
    FILE *f = r->out;
    const char **servers = NULL;
    size_t ns = 0;
    for (size_t i = 0; i < r->nrows; i++)
        for (size_t k = 0; k < r->rows[i].ncells; k++) {
            size_t j = 0;
            while (j < ns && strcmp(servers[j], r->rows[i].cells[k].server) != 0)
                j++;
            if (j == ns) {
                const char **nv = realloc(servers, (ns + 1) * sizeof *nv);
                if (nv == NULL)
                    continue;
                servers = nv;
                servers[ns++] = r->rows[i].cells[k].server;
            }
        }
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", localtime(&r->started));
    fprintf(
        f,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<title>kmsdns-verify: %s</title>\n<style>\n"
        "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
        "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.3em .6em}\n"
        "td.ok{background:#c8f0c8}td.warning{background:#fff0a0}"
        "td.critical{background:#f4b4b4}td.unknown{background:#d8c8f0}td.none{color:#999}\n"
        "li.critical{color:#900}li.warning{color:#850}li.unknown{color:#537}\n"
        ".fix{color:#444;font-style:italic}\n"
        "@media print{td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
        "</style></head><body>\n<h1>KMS SRV audit: <span id=\"status\" "
        "class=\"%s\">%s</span></h1>\n"
        "<p id=\"scope\">%lu domain%s, %zu server%s, %lu queries in %.2f s; run at %s by %s.</p>\n"
        "<table id=\"matrix\"><thead><tr><th>domain</th>",
        kmsdns_severity_name(r->worst), kmsdns_severity_name(r->worst),
        kmsdns_severity_name(r->worst), r->n, r->n == 1 ? "" : "s", ns, ns == 1 ? "" : "s",
        st->queries, st->seconds, when, kmsdns_version());
    for (size_t j = 0; j < ns; j++) {
        fputs("<th>", f);
        html_text(f, servers[j]);
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct row *w = &r->rows[i];
        fprintf(f, "<tr data-domain=\"%s\"><th class=\"%s\">%s</th>", w->domain,
                kmsdns_severity_name(w->status), w->domain);
        for (size_t j = 0; j < ns; j++) {
            const struct cell *c = NULL;
            for (size_t k = 0; k < w->ncells && c == NULL; k++)
                if (strcmp(w->cells[k].server, servers[j]) == 0)
                    c = &w->cells[k];
            if (c == NULL)
                fputs("<td class=\"none\">-</td>", f);
            else
                fprintf(f, "<td class=\"%s\" data-server=\"%s\">%s</td>",
                        kmsdns_severity_name(c->status), servers[j],
                        kmsdns_severity_name(c->status));
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n<h2>Problems</h2>\n<ul id=\"problems\">\n", f);
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].problems != NULL)
            fputs(r->rows[i].problems, f);
    fputs("</ul>\n</body></html>\n", f);
    free(servers);
}

/* ---- the interface ------------------------------------------------------------ */

struct render *render_new(const struct verify_params *p)
{
    struct render *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->p = p;
    r->out = stdout;
    r->started = time(NULL);
    if (p->output != NULL) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        if (kmsdns_atomic_open(p->output, 0644, &r->file, &d) != KMSDNS_OK) {
            kmsdns_cli_error(VERIFY_PROG, "--output %s", d.text);
            free(r);
            return NULL;
        }
        r->out = kmsdns_atomic_stream(r->file);
    }
    r->colour = p->format == VERIFY_TEXT && p->output == NULL && isatty(1);
    r->progress = isatty(2);
    if (p->format == VERIFY_PROMETHEUS) {
        r->prom_domain = tmpfile();
        r->prom_server = tmpfile();
        r->prom_records = tmpfile();
        r->prom_problem = tmpfile();
        if (r->prom_domain == NULL || r->prom_server == NULL || r->prom_records == NULL ||
            r->prom_problem == NULL) {
            kmsdns_cli_error(VERIFY_PROG, "no temporary file: %s", strerror(errno));
            render_abort(r);
            return NULL;
        }
    }
    if (p->format == VERIFY_NAGIOS && (r->nagios_long = tmpfile()) == NULL) {
        kmsdns_cli_error(VERIFY_PROG, "no temporary file: %s", strerror(errno));
        render_abort(r);
        return NULL;
    }
    if (p->format == VERIFY_JSON)
        fputs("{\n  \"domains\": [", r->out);
    else if (p->format == VERIFY_TEXT)
        fprintf(r->out, "%-30s %-24s %-8s %s\n", "DOMAIN", "SERVER", "STATUS", "PROBLEMS");
    return r;
}

int render_domain(struct render *r, const struct kmsdns_domain_result *d)
{
    r->worst = d->status > r->worst ? d->status : r->worst;
    r->count[d->status]++;
    count_problems(r, d->problems, d->nproblems);
    for (size_t i = 0; i < d->nservers; i++)
        count_problems(r, d->servers[i].problems, d->servers[i].nproblems);
    int rc = KMSDNS_OK;
    if (r->p->format == VERIFY_JSON) {
        json_t *o = domain_json(d);
        char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
        json_decref(o);
        fprintf(r->out, "%s\n    %s", r->n ? "," : "", s != NULL ? s : "null");
        free(s);
    } else if (r->p->format == VERIFY_TEXT) {
        if (d->nproblems > 0 || d->nservers == 0)
            text_row(r, d->domain, "-", d->status, d->problems, d->nproblems);
        for (size_t i = 0; i < d->nservers; i++) {
            char label[KMSDNS_ADDR_TEXT_MAX + 16];
            snprintf(label, sizeof label, "%s%s", d->servers[i].server,
                     d->servers[i].client_view ? " (client)" : "");
            text_row(r, d->domain, label, d->servers[i].status, d->servers[i].problems,
                     d->servers[i].nproblems);
        }
    } else if (r->p->format == VERIFY_NAGIOS) {
        nagios_domain(r, d);
    } else if (r->p->format == VERIFY_PROMETHEUS) {
        prom_domain(r, d);
    } else if (r->p->format == VERIFY_HTML) {
        rc = html_keep(r, d);
    }
    r->n++;
    if (r->progress && r->n % 100 == 0)
        fprintf(stderr, "\r%lu domains checked", r->n);
    return rc != KMSDNS_OK ? rc : ferror(r->out) ? KMSDNS_IO : KMSDNS_OK;
}

/* The Monitoring Plugins layout: status line | perfdata, then the long
 * output (one line per problem), no perfdata after it. */
static int nagios_end(struct render *r, const struct kmsdns_audit_stats *st)
{
    enum kmsdns_severity s = with_thresholds(r, st->seconds);
    unsigned long crit = 0, warn = 0, unk = 0;
    for (size_t c = 0; c < NCODES; c++)
        crit += r->per_code[c][KMSDNS_SEV_CRITICAL], warn += r->per_code[c][KMSDNS_SEV_WARNING],
            unk += r->per_code[c][KMSDNS_SEV_UNKNOWN];
    fprintf(r->out, "KMSDNS %s - ", nagios_word(s));
    nagios_summary(r);
    if (s != r->worst)
        fprintf(r->out, "; audit took %.2f s", st->seconds);
    if (st->time_limit_hit)
        fprintf(r->out, "; --time-limit %g s reached", r->p->time_limit_ms / 1000.0);
    fprintf(r->out,
            " | 'domains'=%lu;;;0; 'domains_ok'=%u;;;0; 'problems_critical'=%lu;;;0; "
            "'problems_warning'=%lu;;;0; 'problems_unknown'=%lu;;;0; 'queries'=%lu;;;0; "
            "'time'=%.3fs;%s;%s;0;\n",
            r->n, r->count[0], crit, warn, unk, st->queries, st->seconds,
            r->p->warning_text != NULL ? r->p->warning_text : "",
            r->p->critical_text != NULL ? r->p->critical_text : "");
    prom_copy(r->nagios_long, r->out);
    return severity_exit(s);
}

static void finish_text_json(struct render *r, const struct kmsdns_audit_stats *st)
{
    if (r->p->format == VERIFY_JSON) {
        fprintf(r->out,
                "\n  ],\n  \"status\": \"%s\",\n  \"stats\": {\"domains\": %lu, \"queries\": %lu, "
                "\"timeouts\": %lu, \"seconds\": %.3f}\n}\n",
                kmsdns_severity_name(r->worst), r->n, st->queries, st->timeouts, st->seconds);
        return;
    }
    fprintf(r->out,
            "\n%lu domain%s: %u ok, %u warning, %u critical, %u unknown; status %s%s%s "
            "(%lu queries in %.2f s)\n",
            r->n, r->n == 1 ? "" : "s", r->count[0], r->count[1], r->count[3], r->count[2],
            paint(r, r->worst), kmsdns_severity_name(r->worst), r->colour ? "\033[0m" : "",
            st->queries, st->seconds);
}

int render_end(struct render *r, const struct kmsdns_audit_stats *st)
{
    if (r->progress)
        fprintf(stderr, "\r%*s\r", 30, "");
    int code = severity_exit(r->worst);
    switch (r->p->format) {
    case VERIFY_TEXT:
    case VERIFY_JSON:
        finish_text_json(r, st);
        break;
    case VERIFY_NAGIOS:
        code = nagios_end(r, st);
        break;
    case VERIFY_PROMETHEUS:
        prom_end(r, st);
        break;
    case VERIFY_HTML:
        html_end(r, st);
        break;
    }
    if (r->file != NULL) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        kmsdns_atomic *file = r->file;
        r->file = NULL;
        r->out = NULL;
        if (kmsdns_atomic_commit(file, &d) != KMSDNS_OK) {
            kmsdns_cli_error(VERIFY_PROG, "--output %s", d.text);
            code = VERIFY_EXIT_UNKNOWN;
        }
    }
    render_abort(r);
    return code;
}

void render_abort(struct render *r)
{
    if (r == NULL)
        return;
    kmsdns_atomic_abort(r->file);
    if (r->prom_domain != NULL)
        fclose(r->prom_domain);
    if (r->prom_server != NULL)
        fclose(r->prom_server);
    if (r->nagios_long != NULL)
        fclose(r->nagios_long);
    if (r->prom_records != NULL)
        fclose(r->prom_records);
    if (r->prom_problem != NULL)
        fclose(r->prom_problem);
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].cells);
        free(r->rows[i].problems);
    }
    free(r->rows);
    free(r);
}
