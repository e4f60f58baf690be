/* SPDX-License-Identifier: MIT */
/* kmsdns-client's own pieces: its parameters, setup, discovery, the request and the fleet
 * (the exchange with one host is client_talk.h). */
#ifndef KMSDNS_CLIENT_H
#define KMSDNS_CLIENT_H

#include <stdbool.h>

#include "kmsdns/addr.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/error.h"
#include "kmsdns/hostproto.h"
#include "kmsdns/name.h"

#include "client_state.h"

#include <stddef.h>
#include <stdint.h>

#define CLIENT_PROG "kmsdns-client"
#define CLIENT_EDITION_DEFAULT "win7-enterprise"
#define CLIENT_TIMEOUT_DEFAULT 5u /* seconds for connect + answer */

/* Exit codes (SPEC "Command-line contract"). */
#define CLIENT_EXIT_ACTIVATED 0     /* or --status answered */
#define CLIENT_EXIT_NOT_ACTIVATED 1 /* answered below threshold, or refused */
#define CLIENT_EXIT_USAGE 2
#define CLIENT_EXIT_UNREACHABLE 3 /* no host could be reached, or it did not speak v1 */

enum client_format { CLIENT_TEXT, CLIENT_JSON };

#define CLIENT_DOMAINS_MAX 32
#define CLIENT_FLEET_MAX 100000u
#define CLIENT_CONCURRENCY_DEFAULT 8u

struct client_params {
    const char *config;
    const char *kms;                         /* HOST[:PORT] */
    const char *domains[CLIENT_DOMAINS_MAX]; /* --domain, in order */
    size_t ndomains;
    const char *resolver; /* --resolver, NULL: [dns] resolver or the system's */
    const char *state;    /* --state, NULL: [client] state */
    bool no_cache;
    unsigned fleet;       /* --fleet N, 0: one request */
    const char *mix;      /* --mix EDITION=PCT,... */
    unsigned concurrency; /* fleet: clients in flight */
    bool seeded;
    uint64_t seed;                     /* --seed: a reproducible fleet */
    char cmid[KMSDNS_HP_CMID_LEN + 1]; /* "" until chosen */
    char edition[KMSDNS_HP_EDITION_MAX + 1];
    char name[KMSDNS_HP_NAME_MAX + 1]; /* "" until chosen */
    bool status;
    unsigned timeout;
    enum client_format format;
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 2 on misuse). */
int client_params_parse(int argc, char **argv, struct client_params *p);

/* Fills the name when not given: this machine's short host name. */
int client_params_defaults(struct client_params *p);

/* What discovery works with, from the options over the config file. */
struct client_setup {
    char service[KMSDNS_NAME_BUF];
    char (*search)[KMSDNS_NAME_BUF]; /* the search list, in order */
    size_t nsearch;
    struct kmsdns_addr resolver;
    bool has_resolver; /* false: resolver_error says why */
    struct kmsdns_diag resolver_error;
    unsigned timeout;  /* seconds per try */
    char state[4096];  /* the state file, "~/" expanded */
    uint16_t own_port; /* [host] port: where --status without --kms asks */
};

/* CLIENT_EXIT_USAGE (message printed) or -1 to go on. Free with client_setup_deinit(). */
int client_setup_init(const struct client_params *p, struct client_setup *s);
void client_setup_deinit(struct client_setup *s);

/* One request (or --status) and its rendering, over the setup; returns the exit code. */
int client_exec(const struct client_params *p, const struct client_setup *s);

/* A discovered KMS host: its SRV record and addresses. */
struct client_host {
    struct kmsdns_rrdata srv;
    char target[KMSDNS_NAME_BUF];
    uint16_t port;
    struct kmsdns_addr addr[8];
    size_t naddr;
};

struct client_hosts {
    struct client_host *v;
    size_t n;
    char domain[KMSDNS_NAME_BUF]; /* where they were found */
};

/* SRV records of the first search-list domain that has any, with addresses. */
int client_discover(const struct client_setup *s, struct client_hosts *hs, struct kmsdns_diag *d);
/* The addresses of one named host (a cached one); hs->n is 1. */
int client_resolve(const struct client_setup *s, const char *target, uint16_t port,
                   struct client_hosts *hs);
void client_hosts_free(struct client_hosts *hs);

/* --fleet: the rehearsal and its report; returns the exit code. */
int client_fleet(const struct client_params *p, const struct client_setup *s);

#endif
