/* SPDX-License-Identifier: MIT */
/*
 * The host store: state survives a reopen, foreign and damaged databases are
 * refused, the files get their mode whatever the umask and are never reached
 * through a symlink, the request log is bounded, and a database deleted
 * under the store is rebuilt from the engine.
 */
#include "testutil.h"

#include "engine.h"
#include "kmsdns/error.h"
#include "store.h"

#include <errno.h>
#include <sqlite3.h>

static const struct kmsdns_engine_settings settings = {KMSDNS_GROUP_SERVER_C, 120, 10080};

static const char *cmid(unsigned i)
{
    static char b[37];
    snprintf(b, sizeof b, "11111111-2222-4333-8444-%012x", i);
    return b;
}

static void test_survives_reopen(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/sub/dir/host.db", test_tmpdir());
    struct kmsdns_diag d;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    kmsdns_store *s = NULL;
    if (kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d) != KMSDNS_OK)
        fail_msg("open: %s", d.text);
    struct kmsdns_log_row rows[3];
    for (unsigned i = 0; i < 3; i++) {
        struct kmsdns_answer a;
        assert_int_equal(kmsdns_engine_request(e, cmid(i), "win7-enterprise", 100 + i, &a), 0);
        rows[i] =
            (struct kmsdns_log_row){.time = 100 + i, .count = a.count, .result = "not-activated"};
        strcpy(rows[i].name, "pc");
        strcpy(rows[i].cmid, cmid(i));
        strcpy(rows[i].edition, "win7-enterprise");
    }
    assert_int_equal(kmsdns_store_commit(s, e, rows, 3, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_store_log_count(s), 3);
    kmsdns_store_close(s);
    kmsdns_engine_free(e);
    kmsdns_engine *f = kmsdns_engine_new(&settings);
    assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, f, &s, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_engine_count(f), 3);
    assert_int_equal(kmsdns_engine_capacity(f), 50);
    struct kmsdns_answer a;
    assert_int_equal(kmsdns_engine_request(f, cmid(1), "win7-enterprise", 200, &a), KMSDNS_OK);
    assert_int_equal(a.count, 3); /* still known: a renewal */
    assert_int_equal(kmsdns_store_prune_log(s, 102), KMSDNS_OK);
    assert_int_equal(kmsdns_store_log_count(s), 1);
    kmsdns_store_close(s);
    kmsdns_engine_free(f);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void test_refuses_foreign_and_damaged(void **state)
{
    (void)state;
    char path[600];
    struct kmsdns_diag d;
    kmsdns_store *s = NULL;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    snprintf(path, sizeof path, "%s/foreign.db", test_tmpdir());
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    static char before[65536], after[65536];
    size_t nbefore = slurp(path, before, sizeof before);
    assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "not a kmsdns host database"));
    assert_null(s);
    /* the foreign database is untouched, to the byte (not even switched to WAL) */
    assert_int_equal(slurp(path, after, sizeof after), nbefore);
    assert_memory_equal(before, after, nbefore);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL),
                     0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    const char *junk =
        test_write("junk.db", "this is not a database at all, not even close....", 50, 0600);
    assert_int_equal(kmsdns_store_open(junk, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "junk.db"));
    /* ours, but with an inconsistent table: refused, not reset */
    snprintf(path, sizeof path, "%s/damaged.db", test_tmpdir());
    assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_OK);
    kmsdns_store_close(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE meta SET value='7' WHERE key='capacity'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "inconsistent"));
    kmsdns_engine_free(e);
}

/* A store at DIR/name on a fresh engine, its state committed with `n` requests from cmid(first). */
static kmsdns_store *open_with(const char *path, unsigned mode, kmsdns_engine *e)
{
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    kmsdns_store *s = NULL;
    if (kmsdns_store_open(path, mode, e, &s, &d) != KMSDNS_OK)
        fail_msg("open %s: %s", path, d.text);
    return s;
}

static int commit_some(kmsdns_store *s, kmsdns_engine *e, unsigned first, unsigned n,
                       struct kmsdns_diag *d)
{
    struct kmsdns_log_row rows[16];
    assert_true(n <= 16);
    for (unsigned i = 0; i < n; i++) {
        struct kmsdns_answer a;
        assert_int_equal(kmsdns_engine_request(e, cmid(first + i), "win7-enterprise", 1000, &a), 0);
        rows[i] = (struct kmsdns_log_row){.time = 1000, .count = a.count, .result = "x"};
        strcpy(rows[i].name, "pc");
        strcpy(rows[i].cmid, cmid(first + i));
        strcpy(rows[i].edition, "win7-enterprise");
    }
    kmsdns_diag_init(d);
    return kmsdns_store_commit(s, e, rows, n, d);
}

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", test_tmpdir(), name);
}

static void remove_db(const char *path)
{
    char p[700];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static unsigned mode_of(const char *path, const char *sfx)
{
    char p[700];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, sfx);
    if (lstat(p, &st) != 0)
        fail_msg("%s: %s", p, strerror(errno));
    return st.st_mode & 07777;
}

/* Item 5 of issue 14: a missing schema row was printed from an uninitialised buffer. */
static void test_missing_schema_row(void **state)
{
    (void)state;
    char path[600];
    path_of(path, sizeof path, "noschema.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "INSERT INTO meta VALUES('application','kmsdns-host'),('capacity','10'),"
                     "('next_seq','1');"
                     "CREATE TABLE entries(cmid TEXT PRIMARY KEY, recorded INTEGER NOT NULL,"
                     " seq INTEGER NOT NULL UNIQUE);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    kmsdns_store *s = NULL;
    struct kmsdns_diag d;
    memset(d.text, 'Z', sizeof d.text); /* what an uninitialised buffer would show */
    d.text[sizeof d.text - 1] = '\0';
    assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_DB);
    assert_null(s);
    assert_non_null(strstr(d.text, "noschema.db"));
    assert_non_null(strstr(d.text, "schema version is missing"));
    for (const char *p = d.text; *p != '\0'; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    kmsdns_engine_free(e);
}

/* The request log keeps the newest rows up to its bound, dropping the oldest first. */
static void test_log_bound(void **state)
{
    (void)state;
    assert_true(KMSDNS_STORE_LOG_MAX >= 100000);
    char path[600];
    path_of(path, sizeof path, "bound.db");
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    kmsdns_store *s = open_with(path, KMSDNS_STORE_MODE, e);
    kmsdns_store_set_log_limit(s, 5);
    struct kmsdns_diag d;
    for (unsigned b = 0; b < 4; b++) {
        assert_int_equal(commit_some(s, e, b * 3, 3, &d), KMSDNS_OK);
        assert_int_equal(kmsdns_store_log_count(s), b == 0 ? 3 : 5);
    }
    kmsdns_store_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT cmid FROM log ORDER BY rowid", -1, &st, NULL),
                     SQLITE_OK);
    for (unsigned i = 7; i < 12; i++) { /* 12 written, the newest 5 kept */
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), cmid(i));
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    kmsdns_engine_free(e);
}

/* New files get exactly the mode asked for, sidecars too, whatever the umask. */
static void test_modes(void **state)
{
    (void)state;
    static const mode_t masks[] = {022, 000, 077};
    static const unsigned modes[] = {KMSDNS_STORE_MODE, KMSDNS_STORE_MODE_GROUP};
    for (size_t m = 0; m < 3; m++) {
        for (size_t k = 0; k < 2; k++) {
            char path[600];
            path_of(path, sizeof path, "mode.db");
            remove_db(path);
            mode_t old = umask(masks[m]);
            kmsdns_engine *e = kmsdns_engine_new(&settings);
            kmsdns_store *s = open_with(path, modes[k], e);
            struct kmsdns_diag d;
            assert_int_equal(commit_some(s, e, 0, 2, &d), KMSDNS_OK);
            umask(old);
            assert_int_equal(mode_of(path, ""), modes[k]);
            assert_int_equal(mode_of(path, "-wal"), modes[k]);
            assert_int_equal(mode_of(path, "-shm"), modes[k]);
            kmsdns_store_close(s);
            kmsdns_engine_free(e);
        }
    }
    /* an existing database readable by others loses that */
    char path[600];
    path_of(path, sizeof path, "mode.db");
    assert_int_equal(chmod(path, 0644), 0);
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    kmsdns_store *s = open_with(path, KMSDNS_STORE_MODE, e);
    assert_int_equal(mode_of(path, ""), 0600);
    kmsdns_store_close(s);
    kmsdns_engine_free(e);
}

/* A symlink or a non-regular file where one of the three files goes is refused, named. */
static void test_refuses_links(void **state)
{
    (void)state;
    static const char *const sfx[] = {"", "-wal", "-shm"};
    const char *target = test_write("precious", "secret", 6, 0600);
    char path[600], link[700];
    path_of(path, sizeof path, "linked.db");
    for (size_t i = 0; i < 3; i++) {
        for (int fifo = 0; fifo < 2; fifo++) {
            remove_db(path);
            kmsdns_engine *e = kmsdns_engine_new(&settings);
            if (i > 0) { /* a real database beside the planted sidecar */
                kmsdns_store *s = open_with(path, KMSDNS_STORE_MODE, e);
                kmsdns_store_close(s);
            }
            snprintf(link, sizeof link, "%s%s", path, sfx[i]);
            unlink(link);
            assert_int_equal(fifo ? mkfifo(link, 0600) : symlink(target, link), 0);
            kmsdns_store *s = NULL;
            struct kmsdns_diag d;
            assert_int_equal(kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &d), KMSDNS_DB);
            assert_null(s);
            assert_non_null(strstr(d.text, link));
            assert_non_null(strstr(d.text, fifo ? "not a regular file" : "symbolic link"));
            kmsdns_engine_free(e);
        }
    }
    char buf[16] = {0};
    FILE *f = fopen(target, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf, f), 6);
    fclose(f);
    assert_string_equal(buf, "secret");
    assert_int_equal(mode_of(target, ""), 0600);
    remove_db(path);
}

/* Reopens path on a fresh engine and returns its count. */
static unsigned count_after_reopen(const char *path)
{
    kmsdns_engine *f = kmsdns_engine_new(&settings);
    kmsdns_store *s = open_with(path, KMSDNS_STORE_MODE, f);
    unsigned n = kmsdns_engine_count(f);
    kmsdns_store_close(s);
    kmsdns_engine_free(f);
    return n;
}

static long log_rows(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM log", -1, &st, NULL), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* A database deleted under the store is rebuilt at its path from the engine at the next commit. */
static void test_rebuilds_deleted(void **state)
{
    (void)state;
    char path[600], p[700];
    path_of(path, sizeof path, "deleted.db");
    remove_db(path);
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    kmsdns_store *s = open_with(path, KMSDNS_STORE_MODE, e);
    struct kmsdns_diag d;
    assert_int_equal(commit_some(s, e, 0, 10, &d), KMSDNS_OK);
    remove_db(path);
    if (commit_some(s, e, 10, 5, &d) != KMSDNS_OK)
        fail_msg("commit after rm: %s", d.text);
    assert_int_equal(kmsdns_store_log_count(s), 5); /* the old log went with the file */
    assert_int_equal(mode_of(path, ""), KMSDNS_STORE_MODE);
    /* deleted after the last commit: kmsdns_store_verify() before closing */
    remove_db(path);
    assert_int_equal(kmsdns_store_verify(s, e, &d), KMSDNS_OK);
    kmsdns_store_close(s);
    assert_int_equal(count_after_reopen(path), 15);
    assert_int_equal(log_rows(path), 0);

    /* only the -wal and -shm deleted: checkpointed and reopened, the log kept too */
    s = open_with(path, KMSDNS_STORE_MODE, e);
    assert_int_equal(commit_some(s, e, 20, 4, &d), KMSDNS_OK);
    snprintf(p, sizeof p, "%s-wal", path);
    assert_int_equal(unlink(p), 0);
    snprintf(p, sizeof p, "%s-shm", path);
    assert_int_equal(unlink(p), 0);
    if (commit_some(s, e, 24, 2, &d) != KMSDNS_OK)
        fail_msg("commit after rm of the sidecars: %s", d.text);
    kmsdns_store_close(s);
    assert_int_equal(count_after_reopen(path), 21);
    assert_int_equal(log_rows(path), 6);

    /* another file put in its place is not written to */
    s = open_with(path, KMSDNS_STORE_MODE, e);
    snprintf(p, sizeof p, "%s.other", path);
    const char *other = test_write("deleted.db.other", "x", 1, 0600);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(commit_some(s, e, 30, 1, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "replaced"));
    kmsdns_store_close(s);
    remove_db(path);
    kmsdns_engine_free(e);
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test(test_survives_reopen),
              cmocka_unit_test(test_refuses_foreign_and_damaged),
              cmocka_unit_test(test_missing_schema_row),
              cmocka_unit_test(test_log_bound),
              cmocka_unit_test(test_modes),
              cmocka_unit_test(test_refuses_links),
              cmocka_unit_test(test_rebuilds_deleted),
          })
