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
#include "kmsdns/hostsrv.h"
#include "kmsdns/probe.h"

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

struct hs_domain {
    char *name;
    char result[32];
    uint64_t t;
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
    struct hs_conn *head, *tail;   /* open connections, oldest deadline first */
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
