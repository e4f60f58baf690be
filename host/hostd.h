/* SPDX-License-Identifier: MIT */
/* kmsdns-hostd's own pieces: its parameters, and the start-up + run. */
#ifndef KMSDNS_HOSTD_H
#define KMSDNS_HOSTD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define HOSTD_PROG "kmsdns-hostd"

/* Exit codes. */
#define HOSTD_EXIT_OK 0    /* stopped by SIGTERM or SIGINT */
#define HOSTD_EXIT_FAIL 1  /* could not start (database, listen) or failed running */
#define HOSTD_EXIT_USAGE 2 /* usage or config error */

struct hostd_params {
    const char *config;
    bool foreground, verbose;
    bool check_only; /* -n: check the config, exit 0 or 2 */
};

/* Parses argv. Returns -1 to go on, else the exit code (0 after --help/-V, 2 on misuse). */
int hostd_params_parse(int argc, char **argv, struct hostd_params *p);

/* Loads the config, opens the store, binds, serves until a signal; returns the exit code. */
int hostd_exec(const struct hostd_params *p);

struct kmsdns_config;
struct kmsdns_diag;

/* The running daemon: hostd_exec.c starts it, hostd_run.c serves, publishes and reloads. */
struct hostd {
    const struct hostd_params *params;
    struct kmsdns_config *cfg; /* replaced by a reload */
    struct kmsdns_engine *engine;
    struct kmsdns_store *store;
    struct kmsdns_hostsrv *srv;
    struct kmsdns_hostpub *pub;
    int pubfd;         /* the publication child's pipe, -1 when none runs */
    uint64_t next_pub; /* monotonic ms of the next publication, 0: none */
    unsigned backoff;  /* seconds before retrying a failed publication */
    bool republish;    /* a reload came during a publication: publish again after it */
};

/* Loads and checks a config for the daemon (fqdn set, [host] user usable); free with
 * hostd_config_free(). */
int hostd_config_load(const char *path, struct kmsdns_config **out, struct kmsdns_diag *d);
void hostd_config_free(struct kmsdns_config *cfg);

/* [host] low-priority: nice 10 (slmgr /cpri). */
void hostd_set_priority(bool low);

/* Serves until SIGTERM/SIGINT, publishing (publish = yes) and reloading on SIGHUP; the exit code.
 */
int hostd_serve(struct hostd *h);

/* Tells systemd (Type=notify) our state: "READY=1", "RELOADING=1", "STOPPING=1".
 * Nothing without $NOTIFY_SOCKET. */
void hostd_notify(const char *state);

/* Whether [host] user can be used: a missing account is an error when we run as root. */
int hostd_check_user(const struct kmsdns_config *cfg, struct kmsdns_diag *d);

/* The database files' mode: KMSDNS_STORE_MODE_GROUP with [host] user set, else KMSDNS_STORE_MODE.
 */
unsigned hostd_database_mode(const struct kmsdns_config *cfg);

/* Whose effective ids the process wears while it opens the store. */
struct hostd_access {
    bool active; /* hostd_user_access_begin() switched them */
    uid_t euid;  /* to go back to */
    gid_t egid;
};

/*
 * With [host] user set and running as root: creates the database's
 * directory for that user when it is missing, then makes the user's ids
 * (and groups) the effective ones, root staying the saved set-user-ID, so
 * that the store is opened, and its files created, by that user: root
 * never touches the database, and a symlink planted where it lives gives
 * that user nothing. Nothing to do otherwise (a->active false). Matched by
 * hostd_user_access_end(), before binding.
 */
int hostd_user_access_begin(const struct kmsdns_config *cfg, struct hostd_access *a,
                            struct kmsdns_diag *d);
int hostd_user_access_end(struct hostd_access *a, struct kmsdns_diag *d);

/*
 * With [host] user set and running as root: switches to that user and its
 * groups for good (the store is already open: see hostd_user_access_begin()).
 * Nothing to do without user, or when not root (logged).
 */
int hostd_drop_privileges(const struct kmsdns_config *cfg, struct kmsdns_diag *d);

#endif
