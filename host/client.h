/* SPDX-License-Identifier: MIT */
/* kmsdns-client's own pieces: its parameters, and one exchange with a host + rendering. */
#ifndef KMSDNS_CLIENT_H
#define KMSDNS_CLIENT_H

#include <stdbool.h>

#include "kmsdns/hostproto.h"

#define CLIENT_PROG "kmsdns-client"
#define CLIENT_EDITION_DEFAULT "win7-enterprise"
#define CLIENT_TIMEOUT_DEFAULT 5u /* seconds for connect + answer */

/* Exit codes (SPEC "Command-line contract"). */
#define CLIENT_EXIT_ACTIVATED 0     /* or --status answered */
#define CLIENT_EXIT_NOT_ACTIVATED 1 /* answered below threshold, or refused */
#define CLIENT_EXIT_USAGE 2
#define CLIENT_EXIT_UNREACHABLE 3 /* no host could be reached, or it did not speak v1 */

enum client_format { CLIENT_TEXT, CLIENT_JSON };

struct client_params {
    const char *config;
    const char *kms;                   /* HOST[:PORT] */
    char cmid[KMSDNS_HP_CMID_LEN + 1]; /* "" until chosen */
    char edition[KMSDNS_HP_EDITION_MAX + 1];
    char name[KMSDNS_HP_NAME_MAX + 1]; /* "" until chosen */
    bool status;
    unsigned timeout;
    enum client_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 2 on misuse). */
int client_params_parse(int argc, char **argv, struct client_params *p);

/* Fills the CMID and name not given: this machine's stable CMID and short host name. */
int client_params_defaults(struct client_params *p);

/* One exchange with --kms and its rendering; returns the exit code. */
int client_exec(const struct client_params *p);

#endif
