/* SPDX-License-Identifier: MIT */
/* kmsdns-publish's own pieces: its parameters, and the run + rendering. */
#ifndef KMSDNS_PUBLISHER_H
#define KMSDNS_PUBLISHER_H

#include <stdbool.h>

#include "kmsdns/name.h"

#define PUBLISH_PROG "kmsdns-publish"
#define PUBLISH_WAIT_DEFAULT 300u

enum publish_format { PUBLISH_TEXT, PUBLISH_JSON };

struct publish_params {
    const char *config;
    bool plan, withdraw, tcp;
    char fqdn[KMSDNS_NAME_BUF]; /* --fqdn, "" when not given */
    unsigned wait;              /* 0: no --wait */
    enum publish_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 2 on misuse). */
int publish_params_parse(int argc, char **argv, struct publish_params *p);

/* Loads the config, publishes, renders; returns the exit code (0, 1, 2 or 3). */
int publish_exec(const struct publish_params *p);

#endif
