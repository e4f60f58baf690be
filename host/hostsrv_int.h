/* SPDX-License-Identifier: MIT */
/*
 * What the three files of the host server share: the server object, its
 * connections and the batch waiting for the store. hostsrv.c runs the loop,
 * hostsrv_listen.c binds the listen sockets, hostsrv_status.c writes the
 * STATUS line. Nothing here is part of the library's contract.
 */
#ifndef KMSDNS_HOSTSRV_INT_H
#define KMSDNS_HOSTSRV_INT_H

#include "kmsdns/hostproto.h"
#include "hostsrv.h"
#include "kmsdns/rpcbind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an epoll event points at: each of these structs starts with one. */
enum hs_kind { HS_LISTENER, HS_CONN, HS_SIGNAL, HS_WATCH };

struct hs_listener {
    enum hs_kind kind;
    int fd;
};

/* A descriptor of the caller's (kmsdns_hostsrv_watch), e.g. a publication child's pipe. */
struct hs_watch {
    enum hs_kind kind;
    int fd;
    void (*cb)(void *arg);
    void *arg;
};
#define HS_WATCH_MAX 4

/* The open connections of one client address (hostsrv.c, "sources"). */
struct hs_source;

/*
 * One kind of error line the loop writes at most once per 10 s (hostsrv.c,
 * "error lines"), e.g. every commit failing on a full disk.
 */
struct hs_errline {
    uint64_t key;        /* hash of text; 0: the slot is free */
    uint64_t last_ms;    /* when a line of this kind was last written */
    size_t held, held_n; /* lines held back since, and the requests they refused */
    char text[200];      /* the error, for the line that reports what was held back */
};
#define HS_ERRLINES 4

struct hs_domain {
    char *name;
    char result[32];
    uint64_t t;
    uint64_t refreshed; /* unix time of the last refresh (AD aging), 0: none yet */
};

struct kmsdns_hostsrv {
    const struct kmsdns_config *cfg;
    kmsdns_engine *engine;
    kmsdns_store *store;
    int ep;
    struct hs_listener sig;
    struct hs_listener *listeners;
    unsigned nlisteners;
    unsigned max_conns, nconns;
    struct hs_conn *head, *tail; /* open connections, oldest deadline first */
    struct {
        struct hs_source **bucket;  /* hash chains by address; nbuckets is a power of two */
        size_t nbuckets, n;         /* n: addresses with a connection open */
        struct hs_source **bycount; /* [k]: ring of the addresses with k open, FIFO */
        unsigned nbycount, most;    /* bycount's length; the largest k in use */
        uint64_t key[2];            /* the hash's secret, so chains cannot be aimed at */
    } src;
    struct hs_conn *queue, *qtail; /* waiting for the batch's commit */
    struct hs_conn *dead;          /* closed this pass, freed after it */
    struct kmsdns_log_row *rows;   /* the batch's request log */
    size_t nrows, caprows;
    struct {
        bool taken;
        struct kmsdns_entry v[KMSDNS_CAPACITY_CLIENT];
        size_t n;
        unsigned capacity;
        uint64_t next_seq;
    } snap; /* the engine before the batch, restored if the commit fails */
    struct hs_errline errlines[HS_ERRLINES];
    struct {
        bool failing;            /* the last commit failed */
        bool due;                /* commits succeed again, not yet said */
        uint64_t since_ms;       /* the first failure not yet reported as over */
        uint64_t said_ms;        /* when "saved again" was last written */
        size_t commits, refused; /* failures, and requests they refused, since then */
    } outage;
    struct hs_domain *domains;
    size_t ndomains;
    uint64_t started, requests, next_prune;
    bool stopping;
    enum kmsdns_hostsrv_event event; /* why run() returns */
    bool interrupted;                /* kmsdns_hostsrv_interrupt() was called */
    struct hs_watch watches[HS_WATCH_MAX];
    uint8_t scratch[KMSDNS_RPC_ANSWER_MAX];
};

/* Binds and listens on every [host] listen address; see kmsdns_hostsrv_new(). */
int kmsdns__hostsrv_bind(kmsdns_hostsrv *s, struct kmsdns_diag *d);

/* The STATUS answer line ('\n' included), malloc'd; NULL when out of memory. */
char *kmsdns__hostsrv_status(const kmsdns_hostsrv *s, size_t *len);

#endif
