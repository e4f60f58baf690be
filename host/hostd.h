/* SPDX-License-Identifier: MIT */
/* kmsdns-hostd's own pieces: its parameters, and the start-up + run. */
#ifndef KMSDNS_HOSTD_H
#define KMSDNS_HOSTD_H

#include <stdbool.h>

#define HOSTD_PROG "kmsdns-hostd"

/* Exit codes. */
#define HOSTD_EXIT_OK 0    /* stopped by SIGTERM or SIGINT */
#define HOSTD_EXIT_FAIL 1  /* could not start (database, listen) or failed running */
#define HOSTD_EXIT_USAGE 2 /* usage or config error */

struct hostd_params {
    const char *config;
    bool foreground, verbose;
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 2 on misuse). */
int hostd_params_parse(int argc, char **argv, struct hostd_params *p);

/* Loads the config, opens the store, binds, serves until a signal; returns the exit code. */
int hostd_exec(const struct hostd_params *p);

#endif
