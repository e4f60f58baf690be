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

#include "engine.h"
#include "kmsdns/error.h"

typedef struct kmsdns_store kmsdns_store;

#define KMSDNS_STORE_MODE 0600u       /* the files' mode without [host] user */
#define KMSDNS_STORE_MODE_GROUP 0640u /* with [host] user: its group may read them */

/*
 * Rows the request log keeps at most, oldest dropped first in the commit
 * that goes past it (besides the 30 days kmsdns_store_prune_log() keeps).
 * About 100 MB. A real host stays far below it: 50,000 machines renewing
 * every 7 days write about 215,000 rows in 30 days; a flood reaches it and
 * goes no further.
 */
#define KMSDNS_STORE_LOG_MAX 1000000L

/*
 * Opens (creating it, and its directory, if missing) the database at path
 * and loads its state into e. The database and its -wal and -shm files are
 * never reached through a symlink: a symlink, or anything but a regular
 * file, in their place is refused (KMSDNS_DB, diag naming it). A new file
 * gets exactly `mode` (KMSDNS_STORE_MODE or _GROUP) whatever the umask, the
 * sidecars the same; an existing one loses the permission bits `mode` does
 * not grant. KMSDNS_DB with diag naming the file for an unreadable, damaged
 * or foreign database (nothing is changed then). Free with
 * kmsdns_store_close().
 */
int kmsdns_store_open(const char *path, unsigned mode, kmsdns_engine *e, kmsdns_store **out,
                      struct kmsdns_diag *diag);
void kmsdns_store_close(kmsdns_store *s);

/* Changes the request log's bound (KMSDNS_STORE_LOG_MAX; for tests); max <= 0: the default. */
void kmsdns_store_set_log_limit(kmsdns_store *s, long max);

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
 * transaction (synchronous=FULL under WAL), dropping the oldest log rows
 * past the bound. Then checks that the path still names the files written
 * to: when the database (or a sidecar) was deleted under us, it is rebuilt
 * at the path from the engine's state (every CMID, capacity, sequence; the
 * batch's rows, the older request log being lost) and that is logged at
 * error level; when another file took its place, KMSDNS_DB (nothing is
 * written to it). KMSDNS_DB on failure: the batch's replies must then not
 * claim success, and the next commit tries to rebuild again.
 */
int kmsdns_store_commit(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                        size_t n, struct kmsdns_diag *diag);

/*
 * The check kmsdns_store_commit() ends with, without writing when the files
 * are intact: the last call before closing, so that a database deleted
 * since the last commit is rebuilt from e before the process ends.
 */
int kmsdns_store_verify(kmsdns_store *s, const kmsdns_engine *e, struct kmsdns_diag *diag);

/* Deletes log rows older than `before` (unix seconds); KMSDNS_DB on failure. */
int kmsdns_store_prune_log(kmsdns_store *s, uint64_t before);

/* Rows in the request log (for tests and STATUS); -1 on failure. */
long kmsdns_store_log_count(kmsdns_store *s);

#endif
