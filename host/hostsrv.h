/* SPDX-License-Identifier: MIT */
/*
 * The network side of kmsdns-hostd: one epoll loop serving host protocol v1
 * (SPEC "Host protocol v1") and the DCE/RPC bind on the [host] listen
 * addresses. Requests read in one pass of the loop are recorded in the
 * engine, made durable in one store transaction, and only then answered:
 * an acknowledged count is never lost by a crash. Bad-request lines are
 * answered at once; at most [host] max-connections are open, and at the cap
 * the oldest connection of the client address holding the most makes room
 * for a new one (SPEC: fair across addresses); a line not complete 5 s
 * after the connect is dropped without a reply.
 */
#ifndef KMSDNS_HOSTSRV_H
#define KMSDNS_HOSTSRV_H

#include <stdint.h>

#include "kmsdns/config.h"
#include "engine.h"
#include "kmsdns/error.h"
#include "store.h"

#define KMSDNS_HOSTSRV_READ_TIMEOUT_MS 5000u /* SPEC: one deadline for the whole line */
#define KMSDNS_HOSTSRV_LOG_DAYS 30u          /* request log rows kept this long */

typedef struct kmsdns_hostsrv kmsdns_hostsrv;

/*
 * Binds every [host] listen address on [host] port (IPv6 sockets
 * IPV6_V6ONLY, SO_REUSEADDR); an address that cannot be bound is logged and
 * skipped. KMSDNS_SYSTEM with diag naming the addresses when none could be
 * bound. The server uses (does not own) cfg, e and st, which must outlive
 * it. Free with kmsdns_hostsrv_free().
 */
int kmsdns_hostsrv_new(const struct kmsdns_config *cfg, kmsdns_engine *e, kmsdns_store *st,
                       kmsdns_hostsrv **out, struct kmsdns_diag *diag);
void kmsdns_hostsrv_free(kmsdns_hostsrv *s);

/*
 * Records the last publication result for domain (`ok` or an error word)
 * at unix time t, shown in STATUS as domain.<name>=<result>@<t>.
 */
int kmsdns_hostsrv_set_domain(kmsdns_hostsrv *s, const char *domain, const char *result,
                              uint64_t t);

/* Records that domain's records were refreshed at unix time t (after
 * kmsdns_hostsrv_set_domain for it; unknown domains are ignored), shown in
 * STATUS as refreshed.<name>=<t>. Defined in hostsrv_status.c. */
void kmsdns_hostsrv_set_refreshed(kmsdns_hostsrv *s, const char *domain, uint64_t t);

/* Why kmsdns_hostsrv_run() returned. */
enum kmsdns_hostsrv_event {
    KMSDNS_HOSTSRV_STOP,   /* SIGTERM or SIGINT: every connection is closed */
    KMSDNS_HOSTSRV_RELOAD, /* SIGHUP: the caller reloads, then runs again */
    KMSDNS_HOSTSRV_TIMER,  /* until_ms was reached */
};

/*
 * Serves until a signal or until the monotonic time until_ms (0: no timer;
 * see kmsdns_hostsrv_clock_ms()). SIGTERM, SIGINT and SIGHUP are blocked and
 * read through a signalfd: call from the main thread. On every return what
 * was read is committed and answered; on STOP the connections still
 * reading are told `ERR busy` and closed. KMSDNS_SYSTEM when epoll fails.
 */
int kmsdns_hostsrv_run(kmsdns_hostsrv *s, uint64_t until_ms, enum kmsdns_hostsrv_event *event);

/* Makes run() return (KMSDNS_HOSTSRV_TIMER) after the current pass, e.g. from a watch
 * callback that changed the caller's timer. */
void kmsdns_hostsrv_interrupt(kmsdns_hostsrv *s);

/* The monotonic clock run() uses, in milliseconds. */
uint64_t kmsdns_hostsrv_clock_ms(void);

/* Calls cb(arg) from run() whenever fd is readable (at most 4 at once); KMSDNS_RANGE when full. */
int kmsdns_hostsrv_watch(kmsdns_hostsrv *s, int fd, void (*cb)(void *arg), void *arg);
/* Stops watching fd (before the caller closes it). */
void kmsdns_hostsrv_unwatch(kmsdns_hostsrv *s, int fd);

/*
 * Switches to a reloaded config (the caller keeps listen, port and database
 * of the old one: sockets and store stay). cfg must outlive the server or
 * the next call.
 */
void kmsdns_hostsrv_set_config(kmsdns_hostsrv *s, const struct kmsdns_config *cfg);

/* Forgets every domain.<name> result (after the publish list changed). */
void kmsdns_hostsrv_clear_domains(kmsdns_hostsrv *s);

#endif
