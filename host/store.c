/* SPDX-License-Identifier: MIT */
/*
 * SQLite persistence of the counting engine. The whole table (at most 50
 * rows) is rewritten in each commit: simpler than diffing, and the cost is
 * one transaction's fsync either way. The `meta` table identifies the
 * database as ours; anything else is refused.
 *
 * The files are never reached through a symlink: the database and its -wal
 * and -shm sidecars are opened with O_NOFOLLOW (ours here, SQLite's own
 * opens too, and SQLITE_OPEN_NOFOLLOW on a path whose directory is resolved
 * first) and must be regular files. We keep a descriptor of each file for
 * as long as SQLite has it open: it shows, after every commit, whether the
 * file the path names is still the one written to (an `rm` under the
 * running daemon), and it is closed only after sqlite3_close() because
 * closing any descriptor of a file drops the process's POSIX locks on it.
 */
#define _GNU_SOURCE /* realpath */
#include "store.h"

#include "kmsdns/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP_ID "kmsdns-host"
#define SCHEMA_VERSION "1"

/* The three files of a WAL database, in this order everywhere below. */
enum { F_MAIN, F_WAL, F_SHM, F_COUNT };
static const char *const suffix[F_COUNT] = {"", "-wal", "-shm"};

struct kmsdns_store {
    sqlite3 *db;     /* NULL after a failed recovery: the next commit tries again */
    int fd[F_COUNT]; /* ours, -1 when not open; see the file comment */
    struct stat id[F_COUNT];
    unsigned mode;
    long log_limit;
    char path[4096]; /* as given: messages and the identity checks */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries(cmid TEXT PRIMARY KEY, recorded INTEGER NOT NULL,"
    " seq INTEGER NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS log(time INTEGER NOT NULL, name TEXT NOT NULL, cmid TEXT NOT NULL,"
    " edition TEXT NOT NULL, count INTEGER NOT NULL, result TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS log_time ON log(time);";

static int fail(struct kmsdns_diag *d, const char *path, sqlite3 *db, const char *what)
{
    return kmsdns_diag_set(d, KMSDNS_DB, path, 0, "%s: %s", what,
                           db != NULL ? sqlite3_errmsg(db) : "cannot allocate");
}

/* mkdir -p of the database's directory. */
static int make_dir(const char *path, struct kmsdns_diag *d)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return KMSDNS_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST)
            return kmsdns_diag_set(d, KMSDNS_IO, dir, 0, "cannot create: %s", strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return kmsdns_diag_set(d, KMSDNS_IO, dir, 0, "cannot create: %s", strerror(errno));
    return KMSDNS_OK;
}

static void file_path(const kmsdns_store *s, int f, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s", s->path, suffix[f]);
}

/*
 * Opens one of the three files without following a symlink (creating the
 * main one) and checks it is a regular file. An empty file (a new one) gets
 * exactly s->mode whatever the umask. *fd is -1 for a sidecar that does not
 * exist.
 */
static int open_file(const kmsdns_store *s, int f, int *fd, struct stat *st, struct kmsdns_diag *d)
{
    char path[4200];
    file_path(s, f, path, sizeof path);
    int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (f == F_MAIN ? O_CREAT : 0);
    *fd = open(path, flags, (mode_t)s->mode);
    if (*fd < 0 && errno == ENOENT && f != F_MAIN)
        return KMSDNS_OK;
    if (*fd < 0 && errno == ELOOP)
        return kmsdns_diag_set(d, KMSDNS_DB, path, 0,
                               "is a symbolic link: refusing to follow it (the database and its "
                               "-wal and -shm files must be plain files)");
    if (*fd < 0)
        return kmsdns_diag_set(d, KMSDNS_DB, path, 0, "cannot open: %s", strerror(errno));
    int rc = KMSDNS_OK;
    if (fstat(*fd, st) != 0)
        rc = kmsdns_diag_set(d, KMSDNS_DB, path, 0, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(st->st_mode))
        rc = kmsdns_diag_set(d, KMSDNS_DB, path, 0, "is not a regular file: refusing to use it");
    else if (st->st_size == 0 && (st->st_mode & 07777) != s->mode && fchmod(*fd, s->mode) != 0)
        rc = kmsdns_diag_set(d, KMSDNS_DB, path, 0, "cannot chmod: %s", strerror(errno));
    if (rc != KMSDNS_OK) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

/* Once the database is known to be ours: an older file loses the bits s->mode does not grant. */
static int tighten(const kmsdns_store *s, int f, struct kmsdns_diag *d)
{
    const struct stat *st = &s->id[f];
    if (s->fd[f] < 0 || (st->st_mode & ~s->mode & 0777) == 0)
        return KMSDNS_OK;
    if (fchmod(s->fd[f], st->st_mode & s->mode & 0777) == 0)
        return KMSDNS_OK;
    char path[4200];
    file_path(s, f, path, sizeof path);
    return kmsdns_diag_set(d, KMSDNS_DB, path, 0, "cannot chmod: %s", strerror(errno));
}

/* Closes the connection, then (only then: see the file comment) our descriptors. */
static void detach(kmsdns_store *s)
{
    if (s->db != NULL)
        sqlite3_close(s->db);
    s->db = NULL;
    for (int f = 0; f < F_COUNT; f++) {
        if (s->fd[f] >= 0)
            close(s->fd[f]);
        s->fd[f] = -1;
    }
}

/*
 * The path SQLite opens: the directory resolved (it may be reached through
 * symlinks, e.g. /var/run), the file name itself not, so that
 * SQLITE_OPEN_NOFOLLOW refuses a symlink put in its place in the meantime.
 */
static int real_path(const kmsdns_store *s, char *out, size_t cap, struct kmsdns_diag *d)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", s->path);
    char *slash = strrchr(dir, '/');
    const char *base = slash != NULL ? slash + 1 : dir;
    if (slash == dir)
        return snprintf(out, cap, "%s", s->path) < (int)cap
                   ? KMSDNS_OK
                   : kmsdns_diag_set(d, KMSDNS_TOOLONG, s->path, 0, "path too long");
    if (slash != NULL)
        *slash = '\0';
    char *real = realpath(slash != NULL ? dir : ".", NULL);
    if (real == NULL)
        return kmsdns_diag_set(d, KMSDNS_DB, slash != NULL ? dir : ".", 0, "cannot resolve: %s",
                               strerror(errno));
    int n = snprintf(out, cap, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
    free(real);
    return n > 0 && (size_t)n < cap
               ? KMSDNS_OK
               : kmsdns_diag_set(d, KMSDNS_TOOLONG, s->path, 0, "path too long");
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The main file as we checked it, then opened by SQLite without following links. */
static int open_sqlite(kmsdns_store *s, struct kmsdns_diag *d)
{
    char real[4200];
    int rc = real_path(s, real, sizeof real, d);
    if (rc != KMSDNS_OK)
        return rc;
    if (sqlite3_open_v2(real, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK)
        return fail(d, s->path, s->db, "cannot open");
    struct stat st;
    if (lstat(real, &st) != 0 || !same_file(&st, &s->id[F_MAIN]))
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0, "was replaced while being opened");
    return KMSDNS_OK;
}

static const char *meta_get(sqlite3 *db, const char *key, char *buf, size_t cap)
{
    sqlite3_stmt *st = NULL;
    const char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        out = buf;
    }
    sqlite3_finalize(st);
    return out;
}

/*
 * An existing database must carry our identity; this only reads, so a
 * foreign or damaged file is refused before anything (even the journal
 * mode) is written to it. *fresh says the file holds no table yet.
 */
static int check_identity(kmsdns_store *s, bool *fresh, struct kmsdns_diag *d)
{
    char app[64], ver[16];
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (tables < 0)
        return fail(d, s->path, s->db, "not a usable SQLite database");
    *fresh = tables == 0;
    if (*fresh)
        return KMSDNS_OK;
    if (meta_get(s->db, "application", app, sizeof app) == NULL || strcmp(app, APP_ID) != 0)
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0,
                               "not a kmsdns host database (another application's?): refusing to "
                               "touch it; point [host] database elsewhere");
    if (meta_get(s->db, "schema", ver, sizeof ver) == NULL)
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0,
                               "damaged: the schema version is missing from its meta table");
    if (strcmp(ver, SCHEMA_VERSION) != 0)
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0,
                               "database schema %s is not the %s this version knows", ver,
                               SCHEMA_VERSION);
    return KMSDNS_OK;
}

/* WAL with a full sync per commit, then (for a new file) our identity, then the tables. */
static int prepare(kmsdns_store *s, bool fresh, struct kmsdns_diag *d)
{
    char *err = NULL;
    int rc =
        sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK)
        return fail(d, s->path, s->db, "cannot switch to WAL");
    if (!fresh) { /* loaded already: only what an older file may lack (the log) is added */
        rc = sqlite3_exec(s->db, schema, NULL, NULL, &err);
        sqlite3_free(err);
        return rc == SQLITE_OK ? KMSDNS_OK : fail(d, s->path, s->db, "cannot create the tables");
    }
    /* identity and every table in one transaction: a crash leaves all or nothing */
    rc = sqlite3_exec(s->db, "BEGIN;", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db,
                          "INSERT INTO meta VALUES('application','" APP_ID "'),"
                          "('schema','" SCHEMA_VERSION "'),('capacity','10'),('next_seq','1');"
                          "COMMIT;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
        return fail(d, s->path, s->db, "cannot initialise the database");
    }
    return KMSDNS_OK;
}

/*
 * Our descriptors of the sidecars SQLite now has open (it creates them with
 * the main file's mode), and every file's mode tightened.
 */
static int anchor_sidecars(kmsdns_store *s, struct kmsdns_diag *d)
{
    int rc = KMSDNS_OK;
    for (int f = F_WAL; rc == KMSDNS_OK && f < F_COUNT; f++)
        rc = open_file(s, f, &s->fd[f], &s->id[f], d);
    for (int f = 0; rc == KMSDNS_OK && f < F_COUNT; f++)
        rc = tighten(s, f, d);
    return rc;
}

/*
 * Everything but loading: the directory, our checks of the three files,
 * SQLite's connection, the identity, WAL and the tables. *fresh says the
 * database was new. Undone by detach().
 */
static int attach(kmsdns_store *s, bool *fresh, struct kmsdns_diag *d)
{
    int rc = make_dir(s->path, d);
    /* the sidecars are only checked here; SQLite has not opened them yet, so closing is safe */
    for (int f = F_WAL; rc == KMSDNS_OK && f < F_COUNT; f++) {
        rc = open_file(s, f, &s->fd[f], &s->id[f], d);
        if (s->fd[f] >= 0)
            close(s->fd[f]);
        s->fd[f] = -1;
    }
    if (rc == KMSDNS_OK)
        rc = open_file(s, F_MAIN, &s->fd[F_MAIN], &s->id[F_MAIN], d);
    if (rc == KMSDNS_OK)
        rc = open_sqlite(s, d);
    if (rc == KMSDNS_OK)
        rc = check_identity(s, fresh, d);
    if (rc != KMSDNS_OK)
        detach(s);
    return rc;
}

static int load(kmsdns_store *s, kmsdns_engine *e, struct kmsdns_diag *d)
{
    char cap[16], seq[32];
    if (meta_get(s->db, "capacity", cap, sizeof cap) == NULL ||
        meta_get(s->db, "next_seq", seq, sizeof seq) == NULL)
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0, "damaged: capacity or sequence missing");
    struct kmsdns_entry v[KMSDNS_CAPACITY_CLIENT + 1];
    size_t n = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT cmid, recorded, seq FROM entries", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == KMSDNS_CAPACITY_CLIENT + 1)
            break;
        const unsigned char *c = sqlite3_column_text(st, 0);
        snprintf(v[n].cmid, sizeof v[n].cmid, "%s", c != NULL ? (const char *)c : "");
        v[n].recorded = (uint64_t)sqlite3_column_int64(st, 1);
        v[n].seq = (uint64_t)sqlite3_column_int64(st, 2);
        n++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(d, s->path, s->db, "cannot read the CMID table");
    if (kmsdns_engine_restore(e, (unsigned)strtoul(cap, NULL, 10), strtoull(seq, NULL, 10), v, n) !=
        KMSDNS_OK)
        return kmsdns_diag_set(d, KMSDNS_DB, s->path, 0,
                               "damaged: the CMID table is inconsistent (%zu entries, capacity %s)",
                               n, cap);
    return KMSDNS_OK;
}

int kmsdns_store_open(const char *path, unsigned mode, kmsdns_engine *e, kmsdns_store **out,
                      struct kmsdns_diag *diag)
{
    *out = NULL;
    kmsdns_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, path, 0, "out of memory");
    for (int f = 0; f < F_COUNT; f++)
        s->fd[f] = -1;
    s->mode = mode & 0777;
    s->log_limit = KMSDNS_STORE_LOG_MAX;
    int rc = KMSDNS_OK;
    if (snprintf(s->path, sizeof s->path, "%s", path) >= (int)sizeof s->path)
        rc = kmsdns_diag_set(diag, KMSDNS_TOOLONG, NULL, 0, "[host] database: path too long");
    bool fresh = false;
    if (rc == KMSDNS_OK)
        rc = attach(s, &fresh, diag);
    /* An existing database is read whole before anything is written to it, so
     * one that is refused is left exactly as it was (store.h's promise). */
    if (rc == KMSDNS_OK && !fresh)
        rc = load(s, e, diag);
    if (rc == KMSDNS_OK)
        rc = prepare(s, fresh, diag);
    if (rc == KMSDNS_OK)
        rc = anchor_sidecars(s, diag);
    if (rc == KMSDNS_OK && fresh)
        rc = load(s, e, diag);
    if (rc != KMSDNS_OK) {
        kmsdns_store_close(s);
        return rc;
    }
    *out = s;
    return KMSDNS_OK;
}

void kmsdns_store_close(kmsdns_store *s)
{
    if (s == NULL)
        return;
    detach(s);
    free(s);
}

void kmsdns_store_set_log_limit(kmsdns_store *s, long max)
{
    s->log_limit = max > 0 ? max : KMSDNS_STORE_LOG_MAX;
}

static int save_entries(kmsdns_store *s, const kmsdns_engine *e)
{
    size_t n;
    const struct kmsdns_entry *v = kmsdns_engine_entries(e, &n);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(s->db, "DELETE FROM entries", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db, "INSERT INTO entries VALUES(?, ?, ?)", -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, v[i].cmid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)v[i].recorded);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)v[i].seq);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    char sql[160];
    snprintf(sql, sizeof sql,
             "UPDATE meta SET value = '%u' WHERE key = 'capacity';"
             "UPDATE meta SET value = '%llu' WHERE key = 'next_seq';",
             kmsdns_engine_capacity(e), (unsigned long long)kmsdns_engine_next_seq(e));
    return rc == SQLITE_OK ? sqlite3_exec(s->db, sql, NULL, NULL, NULL) : rc;
}

static int save_log(kmsdns_store *s, const struct kmsdns_log_row *r, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "INSERT INTO log VALUES(?, ?, ?, ?, ?, ?)", -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)r[i].time);
        sqlite3_bind_text(st, 2, r[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r[i].cmid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r[i].edition, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, (int)r[i].count);
        sqlite3_bind_text(st, 6, r[i].result, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * Keeps the newest log_limit rows. Rowids only grow (a new row takes the
 * largest plus one, and only the oldest rows are ever deleted), so the rows
 * above max(rowid) - limit are the newest, at most limit of them; finding
 * the max and an empty range costs a b-tree descent, not a count.
 */
static int bound_log(kmsdns_store *s)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM log WHERE rowid <= (SELECT max(rowid) FROM log) - %ld",
             s->log_limit);
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* One transaction: the engine's state, the rows, the log's bound. SQLite's code. */
static int write_batch(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                       size_t n)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = save_entries(s, e);
    if (rc == SQLITE_OK)
        rc = save_log(s, rows, n);
    if (rc == SQLITE_OK && n > 0)
        rc = bound_log(s);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* What the paths name now, against the files written to. */
enum health { INTACT, SIDECAR_LOST, MAIN_LOST, REPLACED, UNKNOWN };

/* Compares each open file with what its path names; *err is the errno of UNKNOWN. */
static enum health check_files(const kmsdns_store *s, int *err)
{
    enum health h = INTACT;
    for (int f = 0; f < F_COUNT; f++) {
        if (s->fd[f] < 0)
            continue;
        char path[4200];
        file_path(s, f, path, sizeof path);
        struct stat open, named;
        if (fstat(s->fd[f], &open) != 0) {
            *err = errno;
            return UNKNOWN;
        }
        bool named_ok = lstat(path, &named) == 0;
        if (!named_ok && errno != ENOENT) {
            *err = errno;
            return UNKNOWN;
        }
        if (named_ok && same_file(&open, &named) && open.st_nlink > 0)
            continue;
        if (named_ok) /* the path names another file */
            return f == F_MAIN ? REPLACED : SIDECAR_LOST;
        if (f == F_MAIN)
            return MAIN_LOST;
        h = SIDECAR_LOST;
    }
    return h;
}

/* A deleted database's -wal and -shm, if they survived it: a stale -wal would be replayed
 * into the new database. */
static int remove_orphans(const kmsdns_store *s, struct kmsdns_diag *d)
{
    for (int f = F_WAL; f < F_COUNT; f++) {
        char path[4200];
        file_path(s, f, path, sizeof path);
        if (unlink(path) != 0 && errno != ENOENT)
            return kmsdns_diag_set(d, KMSDNS_DB, path, 0,
                                   "left by the deleted database, cannot be removed: %s",
                                   strerror(errno));
    }
    return KMSDNS_OK;
}

/*
 * Rebuilds the files after check_files() found them lost (or a rebuild
 * failed): closes the connection, which checkpoints into the files still
 * open, so with only a sidecar lost nothing is; for a deleted database
 * removes what is left of it; attaches again (a new database when the path
 * is empty) and writes the engine's whole state, plus rows when the
 * database is new (they went into the deleted one). Logged at error level:
 * something outside changed the files under us.
 */
/* Attached and ready for writes, for a rebuild: what is on disk is rewritten from memory. */
static int attach_for_writes(kmsdns_store *s, bool *fresh, struct kmsdns_diag *d)
{
    int rc = attach(s, fresh, d);
    if (rc == KMSDNS_OK)
        rc = prepare(s, *fresh, d);
    if (rc == KMSDNS_OK)
        rc = anchor_sidecars(s, d);
    if (rc != KMSDNS_OK)
        detach(s);
    return rc;
}

static int rebuild(kmsdns_store *s, const kmsdns_engine *e, enum health h,
                   const struct kmsdns_log_row *rows, size_t n, struct kmsdns_diag *d)
{
    bool checkpointed =
        s->db != NULL &&
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL) == SQLITE_OK;
    detach(s);
    bool fresh = false;
    int rc = h == MAIN_LOST ? remove_orphans(s, d) : KMSDNS_OK;
    if (rc == KMSDNS_OK)
        rc = attach_for_writes(s, &fresh, d);
    if (rc == KMSDNS_OK && write_batch(s, e, fresh ? rows : NULL, fresh ? n : 0) != SQLITE_OK) {
        rc = fail(d, s->path, s->db, "cannot write the rebuilt database");
        detach(s);
    }
    if (rc != KMSDNS_OK)
        return rc;
    size_t cmids = 0;
    kmsdns_engine_entries(e, &cmids);
    if (fresh)
        kmsdns_log(KMSDNS_LOG_ERR,
                   "%s: the database was deleted while in use; created a new one and rewrote "
                   "the %zu CMIDs held in memory (count %u, capacity %u): the request log "
                   "written before now is lost",
                   s->path, cmids, kmsdns_engine_count(e), kmsdns_engine_capacity(e));
    else
        kmsdns_log(KMSDNS_LOG_ERR, "%s: %s; reopened it and rewrote the %zu CMIDs held in memory%s",
                   s->path,
                   h == SIDECAR_LOST ? "its -wal or -shm file was deleted while in use"
                                     : "it could not be written to",
                   cmids,
                   checkpointed ? ": nothing is lost"
                                : "; request log rows since the last checkpoint may be lost");
    return KMSDNS_OK;
}

/* After a write: the files are still the path's, or rebuilt there; see kmsdns_store_commit(). */
static int ensure_files(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                        size_t n, struct kmsdns_diag *diag)
{
    int err = 0;
    enum health h = check_files(s, &err);
    switch (h) {
    case INTACT:
        return KMSDNS_OK;
    case REPLACED:
        return kmsdns_diag_set(diag, KMSDNS_DB, s->path, 0,
                               "was replaced by another file while in use: not writing to it; "
                               "restart kmsdns-hostd to use the new one");
    case UNKNOWN:
        return kmsdns_diag_set(diag, KMSDNS_DB, s->path, 0,
                               "cannot tell whether it is still the file written to: %s",
                               strerror(err));
    default:
        return rebuild(s, e, h, rows, n, diag);
    }
}

/* After a failed rebuild: its orphans are gone, whatever the path holds now is kept. */
static int retry_rebuild(kmsdns_store *s, const kmsdns_engine *e, struct kmsdns_diag *diag)
{
    return s->db != NULL ? KMSDNS_OK : rebuild(s, e, UNKNOWN, NULL, 0, diag);
}

int kmsdns_store_commit(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                        size_t n, struct kmsdns_diag *diag)
{
    int rc = retry_rebuild(s, e, diag);
    if (rc != KMSDNS_OK)
        return rc;
    if (write_batch(s, e, rows, n) != SQLITE_OK)
        return fail(diag, s->path, s->db, "cannot save the requests");
    return ensure_files(s, e, rows, n, diag);
}

int kmsdns_store_verify(kmsdns_store *s, const kmsdns_engine *e, struct kmsdns_diag *diag)
{
    int rc = retry_rebuild(s, e, diag);
    return rc != KMSDNS_OK ? rc : ensure_files(s, e, NULL, 0, diag);
}

int kmsdns_store_prune_log(kmsdns_store *s, uint64_t before)
{
    if (s->db == NULL)
        return KMSDNS_DB;
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM log WHERE time < %llu", (unsigned long long)before);
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? KMSDNS_OK : KMSDNS_DB;
}

long kmsdns_store_log_count(kmsdns_store *s)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (s->db != NULL &&
        sqlite3_prepare_v2(s->db, "SELECT count(*) FROM log", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
