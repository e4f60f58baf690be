/* SPDX-License-Identifier: MIT */
/*
 * The one INI file every kmsdns program reads (`-c FILE`). Every key of
 * SPEC.md is known to every program, so one file serves them all; anything
 * else is refused as "FILE:LINE: message". Relative paths in the file are
 * taken relative to the file's own directory. Loading is all or nothing: a
 * config with any error is never half-applied.
 */
#ifndef KMSDNS_CONFIG_H
#define KMSDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"
#include "kmsdns/error.h"
#include "kmsdns/name.h"
#include "kmsdns/publist.h"

/* Key groups nest: a host covers every edition of its group and below. */
enum kmsdns_key_group {
    KMSDNS_GROUP_CLIENT_VL = 0,
    KMSDNS_GROUP_SERVER_A = 1,
    KMSDNS_GROUP_SERVER_B = 2,
    KMSDNS_GROUP_SERVER_C = 3,
};

enum kmsdns_auth { KMSDNS_AUTH_NONE, KMSDNS_AUTH_TSIG, KMSDNS_AUTH_GSS_TSIG };

enum kmsdns_gss_alg { KMSDNS_GSS_ALG_AUTO, KMSDNS_GSS_ALG_GSS_TSIG, KMSDNS_GSS_ALG_MICROSOFT };

/* [dns] refresh: re-register records that are already right (AD DNS aging);
 * auto = where the zone's server is recognised as Active Directory DNS. */
enum kmsdns_refresh { KMSDNS_REFRESH_AUTO, KMSDNS_REFRESH_YES, KMSDNS_REFRESH_NO };

/* Bounds of the interval keys, in minutes (SPEC.md: 15 min .. 30 days). */
#define KMSDNS_INTERVAL_MIN 15u
#define KMSDNS_INTERVAL_MAX 43200u

/* Bounds of [host] max-connections. */
#define KMSDNS_MAX_CONNECTIONS_MIN 16u
#define KMSDNS_MAX_CONNECTIONS_MAX 65536u

struct kmsdns_addr_list {
    struct kmsdns_addr *v;
    size_t n;
};

struct kmsdns_config {
    char *path; /* the file loaded */
    struct {
        char fqdn[KMSDNS_NAME_BUF]; /* "" when not set */
        uint16_t port;
        struct kmsdns_addr_list addresses; /* port 0 */
        enum kmsdns_key_group key_group;
        char *database;
        unsigned activation_interval; /* minutes */
        unsigned renewal_interval;    /* minutes */
        bool low_priority;
        bool publish;
        struct kmsdns_addr_list listen; /* port = [host] port */
        char *user;                     /* NULL: no privilege drop */
        unsigned max_connections;       /* hostd: open client connections at most */
    } host;
    struct {
        char service[KMSDNS_NAME_BUF];
        uint32_t ttl;
        bool has_resolver, has_server;
        struct kmsdns_addr resolver, server;
        enum kmsdns_auth auth;
        char *tsig_key; /* absolute path or NULL */
        char *keytab;
        char *principal;
        char *server_principal;
        enum kmsdns_gss_alg gss_algorithm;
        bool strict_response_signature;
        enum kmsdns_refresh refresh;
        unsigned timeout;          /* seconds per try */
        unsigned retries;          /* tries after the first */
        unsigned publish_interval; /* minutes */
    } dns;
    struct {
        kmsdns_publist *domains; /* never empty once fqdn is set (parent default) */
        char *list_file;
    } publish;
    struct {
        char **search; /* normalised domains */
        size_t nsearch;
        char *state; /* "~/" expanded once loaded from a file; the default keeps it */
    } client;
};

/* Fills cfg with SPEC.md's defaults (no file read). Free with kmsdns_config_deinit(). */
int kmsdns_config_init(struct kmsdns_config *cfg);

/*
 * Initialises cfg and loads `path` over the defaults. On failure cfg holds
 * nothing to free and diag says "FILE:LINE: message"; returns KMSDNS_IO,
 * KMSDNS_SYNTAX, KMSDNS_UNKNOWN_KEY, KMSDNS_RANGE, KMSDNS_NAME, KMSDNS_ADDRESS,
 * KMSDNS_PERM, KMSDNS_TOOLONG, KMSDNS_DUPLICATE, KMSDNS_EMPTY, KMSDNS_ENCODING
 * or KMSDNS_NOMEM.
 */
int kmsdns_config_load(struct kmsdns_config *cfg, const char *path, struct kmsdns_diag *diag);

/* Same, from a buffer; `path` names it in messages and anchors relative paths. */
int kmsdns_config_load_buffer(struct kmsdns_config *cfg, const char *path, const void *data,
                              size_t len, struct kmsdns_diag *diag);

void kmsdns_config_deinit(struct kmsdns_config *cfg);

/* Printable names for the enums ("server-c", "gss-tsig", ...). */
const char *kmsdns_key_group_name(enum kmsdns_key_group g);
const char *kmsdns_auth_name(enum kmsdns_auth a);

/*
 * Checks that a secret file (TSIG key, keytab) is a readable regular file
 * that others cannot read; group-readable is allowed. Messages say how to fix.
 * `file`/`line` name the config line that points at it.
 */
/*
 * The one rule for "~" in paths (every path key, and the programs' path
 * options): a leading "~/" is the caller's home ($HOME, else the passwd
 * entry of the real uid); "~user/..." and a bare "~" are refused (write the
 * path in full). *out is malloc'd (free with free()); on failure *why says
 * why and the return is KMSDNS_SYNTAX (refused form), KMSDNS_NOTFOUND (no
 * home) or KMSDNS_NOMEM. Paths without a leading "~" are copied unchanged.
 */
int kmsdns_path_expand_home(const char *path, char **out, const char **why);

int kmsdns_config_check_secret_file(const char *secret_path, const char *what, const char *file,
                                    unsigned line, struct kmsdns_diag *diag);

#endif
