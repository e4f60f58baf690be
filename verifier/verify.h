/* SPDX-License-Identifier: MIT */
/* kmsdns-verify's own pieces: its parameters, and the run + rendering. */
#ifndef KMSDNS_VERIFIER_H
#define KMSDNS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>

#include "kmsdns/addr.h"

#define VERIFY_PROG "kmsdns-verify"
#define VERIFY_MAX_LIST 64

enum verify_format { VERIFY_TEXT, VERIFY_JSON };

struct verify_params {
    const char *configs[VERIFY_MAX_LIST];
    size_t nconfigs;
    const char *domains[VERIFY_MAX_LIST * 16];
    size_t ndomains;
    const char *domains_from;
    struct kmsdns_addr servers[VERIFY_MAX_LIST];
    size_t nservers;
    bool ns;
    bool have_resolver;
    struct kmsdns_addr resolver;
    unsigned max_inflight, qps, timeout_ms, retries;
    const char *tsig_key; /* sign the queries to the servers with this BIND key file */
    enum verify_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 3 on misuse). */
int verify_params_parse(int argc, char **argv, struct verify_params *p);

/* Builds the expectations, audits, renders; returns the plugin exit code. */
int verify_exec(const struct verify_params *p);

#endif
