/* SPDX-License-Identifier: MIT */
/* kmsdns-publish's own pieces: its parameters, and the run + rendering. */
#ifndef KMSDNS_PUBLISHER_H
#define KMSDNS_PUBLISHER_H

#include <stdbool.h>

#include "kmsdns/name.h"

#define PUBLISH_PROG "kmsdns-publish"
#define PUBLISH_WAIT_DEFAULT 300u

/* kmsdns-publish's exit codes (SPEC.md). */
enum {
    PUBLISH_EXIT_OK = 0,           /* every domain as asked (or nothing to do) */
    PUBLISH_EXIT_SERVER_ERROR = 1, /* a server refused or answered an error */
    PUBLISH_EXIT_USAGE = 2,        /* misuse, bad config or key: nothing was sent */
    PUBLISH_EXIT_UNREACHABLE = 3,  /* no answer from a server, or out of memory */
};

enum publish_format { PUBLISH_TEXT, PUBLISH_JSON };

struct publish_params {
    const char *config;
    bool plan, withdraw, tcp, refresh;
    char fqdn[KMSDNS_NAME_BUF]; /* --fqdn, "" when not given */
    unsigned wait;              /* 0: no --wait */
    enum publish_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (PUBLISH_EXIT_OK after --help/-V,
 * PUBLISH_EXIT_USAGE on misuse). */
int publish_params_parse(int argc, char **argv, struct publish_params *p);

/* Loads the config, publishes, renders; returns a PUBLISH_EXIT_* code. */
int publish_exec(const struct publish_params *p);

#endif
