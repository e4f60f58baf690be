/* SPDX-License-Identifier: MIT */
/* kmsdns-verify's own pieces: its parameters, and the run + rendering. */
#ifndef KMSDNS_VERIFIER_H
#define KMSDNS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>

#include "kmsdns/addr.h"
#include "range.h"

#define VERIFY_PROG "kmsdns-verify"
#define VERIFY_MAX_LIST 64

/* kmsdns-verify's exit codes: the monitoring-plugin convention (SPEC.md). */
enum {
    VERIFY_EXIT_OK = 0,
    VERIFY_EXIT_WARNING = 1,
    VERIFY_EXIT_CRITICAL = 2,
    VERIFY_EXIT_UNKNOWN = 3, /* also misuse and anything that stopped the audit */
};

enum verify_format { VERIFY_TEXT, VERIFY_JSON, VERIFY_NAGIOS, VERIFY_PROMETHEUS, VERIFY_HTML };

struct verify_params {
    const char *configs[VERIFY_MAX_LIST];
    size_t nconfigs;
    const char *domains[VERIFY_MAX_LIST * 16];
    size_t ndomains;
    const char *domains_from;
    struct kmsdns_addr servers[VERIFY_MAX_LIST];
    size_t nservers;
    bool ns;
    bool client_view;
    bool ldap; /* --ldap: record aging from each server's directory (AD DNS) */
    int probe; /* 0 none, 1 tcp, 2 rpc */
    bool have_resolver;
    struct kmsdns_addr resolver;
    unsigned max_inflight, qps, timeout_ms, retries;
    const char *tsig_key; /* sign the queries to the servers with this BIND key file */
    const char *output;   /* write the report here, atomically (temp file + rename) */
    /* nagios: Nagios ranges over the audit's duration in seconds, and their text as given */
    struct verify_range warning, critical;
    const char *warning_text, *critical_text;
    unsigned time_limit_ms; /* --time-limit: the whole audit ends by then (0: none) */
    bool dnssec_warn_set;   /* --dnssec-warn given */
    unsigned dnssec_warn_h; /* hours before an RRSIG expires that dnssec-expiring warns */
    enum verify_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (VERIFY_EXIT_OK after --help/-V,
 * VERIFY_EXIT_UNKNOWN on misuse). */
int verify_params_parse(int argc, char **argv, struct verify_params *p);

/* Builds the expectations, audits, renders; returns a VERIFY_EXIT_* code. */
int verify_exec(const struct verify_params *p);

struct kmsdns_domain_result;
struct kmsdns_audit_stats;

/* The report, in the chosen format, to stdout or atomically to --output.
 * render_new prints its own error and returns NULL when the output cannot be
 * opened; render_end finishes (renames --output into place) and returns the
 * exit code; render_abort leaves no file behind. */
struct render *render_new(const struct verify_params *p);
int render_domain(struct render *r, const struct kmsdns_domain_result *d);
int render_end(struct render *r, const struct kmsdns_audit_stats *st);
void render_abort(struct render *r);

#endif
