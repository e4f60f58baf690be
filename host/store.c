/* SPDX-License-Identifier: MIT */
/*
 * SQLite persistence of the counting engine. The whole table (at most 50
 * rows) is rewritten in each commit: simpler than diffing, and the cost is
 * one transaction's fsync either way. The `meta` table identifies the
 * database as ours; anything else is refused.
 */
#include "kmsdns/store.h"

#include <errno.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define APP_ID "kmsdns-host"
#define SCHEMA_VERSION "1"

struct kmsdns_store {
    sqlite3 *db;
    char path[4096];
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

static const char *meta_get(sqlite3 *db, const char *key, char *buf, size_t cap)
{
    sqlite3_stmt *st = NULL;
    const char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
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
    if (meta_get(s->db, "schema", ver, sizeof ver) == NULL || strcmp(ver, SCHEMA_VERSION) != 0)
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
    if (fresh) {
        rc = sqlite3_exec(s->db,
                          "BEGIN;" /* schema and identity in one go */
                          "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                          "INSERT INTO meta VALUES('application','" APP_ID "'),"
                          "('schema','" SCHEMA_VERSION "'),('capacity','10'),('next_seq','1');"
                          "COMMIT;",
                          NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return fail(d, s->path, s->db, "cannot initialise the database");
    }
    rc = sqlite3_exec(s->db, schema, NULL, NULL, &err);
    sqlite3_free(err);
    return rc == SQLITE_OK ? KMSDNS_OK : fail(d, s->path, s->db, "cannot create the tables");
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

int kmsdns_store_open(const char *path, kmsdns_engine *e, kmsdns_store **out,
                      struct kmsdns_diag *diag)
{
    *out = NULL;
    kmsdns_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, path, 0, "out of memory");
    snprintf(s->path, sizeof s->path, "%s", path);
    int rc = make_dir(path, diag);
    if (rc == KMSDNS_OK && sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                           NULL) != SQLITE_OK)
        rc = fail(diag, path, s->db, "cannot open");
    bool fresh = false;
    if (rc == KMSDNS_OK)
        rc = check_identity(s, &fresh, diag);
    if (rc == KMSDNS_OK)
        rc = prepare(s, fresh, diag);
    if (rc == KMSDNS_OK)
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
    sqlite3_close(s->db);
    free(s);
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

int kmsdns_store_commit(kmsdns_store *s, const kmsdns_engine *e, const struct kmsdns_log_row *rows,
                        size_t n, struct kmsdns_diag *diag)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = save_entries(s, e);
    if (rc == SQLITE_OK)
        rc = save_log(s, rows, n);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return KMSDNS_OK;
    int ret = fail(diag, s->path, s->db, "cannot save the requests");
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

int kmsdns_store_prune_log(kmsdns_store *s, uint64_t before)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM log WHERE time < %llu", (unsigned long long)before);
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? KMSDNS_OK : KMSDNS_DB;
}

long kmsdns_store_log_count(kmsdns_store *s)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM log", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
