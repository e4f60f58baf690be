/* SPDX-License-Identifier: MIT */
/* The host store: state survives a reopen, foreign and damaged databases are refused. */
#include "testutil.h"

#include "kmsdns/engine.h"
#include "kmsdns/error.h"
#include "kmsdns/store.h"

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
    if (kmsdns_store_open(path, e, &s, &d) != KMSDNS_OK)
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
    assert_int_equal(kmsdns_store_open(path, f, &s, &d), KMSDNS_OK);
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
    assert_int_equal(kmsdns_store_open(path, e, &s, &d), KMSDNS_DB);
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
    assert_int_equal(kmsdns_store_open(junk, e, &s, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "junk.db"));
    /* ours, but with an inconsistent table: refused, not reset */
    snprintf(path, sizeof path, "%s/damaged.db", test_tmpdir());
    assert_int_equal(kmsdns_store_open(path, e, &s, &d), KMSDNS_OK);
    kmsdns_store_close(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE meta SET value='7' WHERE key='capacity'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(kmsdns_store_open(path, e, &s, &d), KMSDNS_DB);
    assert_non_null(strstr(d.text, "inconsistent"));
    kmsdns_engine_free(e);
}

static int teardown(void **state)
{
    (void)state;
    test_rmdir();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survives_reopen),
        cmocka_unit_test(test_refuses_foreign_and_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
