/* SPDX-License-Identifier: MIT */
/*
 * The host core's durable state in SQLite (WAL): the engine's CMID table,
 * capacity and sequence, and the request log (the guide's event 12290:
 * client name, CMID, edition, time, count, result). A reply may be sent only
 * after kmsdns_store_commit() returned OK for the request it reports, so a
 * crash never loses an acknowledged CMID; requests are saved in batches (one
 * transaction for all answered together). A database of another application
 * or a damaged one is refused, never reset.
 */
#ifndef KMSDNS_STORE_H
#define KMSDNS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "kmsdns/engine.h"
#include "kmsdns/error.h"

typedef struct kmsdns_store kmsdns_store;

/*
 * Opens (creating it, and its directory, if missing) the database at path
 * and loads its state into e. KMSDNS_DB with diag naming the file for an
 * unreadable, damaged or foreign database (nothing is changed then).
 */
int kmsdns_store_open(const char *path, kmsdns_engine *e, kmsdns_store **out,
                      struct kmsdns_diag *diag);
void kmsdns_store_close(kmsdns_store *s);

/* One request of a batch, for the log. */
struct kmsdns_log_row {
    uint64_t time;
    char name[64];
    char cmid[37];
    char edition[33];
    unsigned count;
    const char *result; /* "activated", "not-activated", "unknown-edition", ... */
};

/*
 * Makes the engine's current state and the batch's log rows durable in one
 * transaction (synchronous=FULL under WAL). KMSDNS_DB on failure (the
 * batch's replies must then not claim success).
 */
int kmsdns_store_commit(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                        size_t n, struct kmsdns_diag *diag);

/* Deletes log rows older than `before` (unix seconds). */
int kmsdns_store_prune_log(kmsdns_store *s, uint64_t before);

/* Rows in the request log (for tests and STATUS). */
long kmsdns_store_log_count(kmsdns_store *s);

#endif
