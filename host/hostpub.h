/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's own publication (the combined host+publisher mode): each
 * run forks a child that publishes this host's records with the library's
 * publish engine and reports one line per record set through a pipe, while
 * the daemon's loop keeps serving clients. A child starts from nothing
 * (fresh Kerberos credentials; no GSS context outlives a run) and exits, so
 * a hung server or KDC can delay a publication but never a client's answer.
 */
#ifndef KMSDNS_HOSTPUB_H
#define KMSDNS_HOSTPUB_H

#include <stdbool.h>
#include <stdint.h>

#include "kmsdns/config.h"
#include "kmsdns/name.h"

/* The outcome for one publish domain (or, is_address, for fqdn's A/AAAA records). */
struct kmsdns_hostpub_result {
    bool is_address;
    char domain[KMSDNS_NAME_BUF];
    char result[32]; /* "ok", or an error word: "refused", "notauth", "timeout", "badsig", ... */
    uint64_t time;   /* unix seconds */
    bool refreshed;  /* the run re-registered records already right (AD aging) at time */
    char message[640];
};

typedef struct kmsdns_hostpub kmsdns_hostpub;

/* NULL when out of memory. Free with kmsdns_hostpub_free(), which kills and reaps a running child.
 */
kmsdns_hostpub *kmsdns_hostpub_new(void);
void kmsdns_hostpub_free(kmsdns_hostpub *p);

/*
 * Starts a run for cfg (the child works on its own copy). *fd is the pipe
 * to watch for kmsdns_hostpub_read(). KMSDNS_INVAL when a run is going on,
 * KMSDNS_SYSTEM when the pipe or the fork fails.
 */
int kmsdns_hostpub_start(kmsdns_hostpub *p, const struct kmsdns_config *cfg, int *fd);

/* Whether a run is going on. */
bool kmsdns_hostpub_running(const kmsdns_hostpub *p);

/*
 * Reads what the child has written and calls on_result for each finished
 * line. Returns true at the end of the run's output: then stop watching the
 * fd and call kmsdns_hostpub_finish().
 */
bool kmsdns_hostpub_read(kmsdns_hostpub *p,
                         void (*on_result)(void *arg, const struct kmsdns_hostpub_result *r),
                         void *arg);

/*
 * Closes the pipe and reaps the child. True when every result was "ok" and
 * the child exited normally after reporting every domain.
 */
bool kmsdns_hostpub_finish(kmsdns_hostpub *p);

/* The error word for a kmsdns_err: "refused" for KMSDNS_REFUSED, "badsig" ... */
const char *kmsdns_hostpub_word(int rc, char *buf, size_t cap);

#endif
