/* SPDX-License-Identifier: MIT */
/* The counting engine, rule by rule, with simulated time: the guide's own example,
 * thresholds, capacity 10 -> 50, 30-day expiry, renewals, eviction, key groups. */
#include "testutil.h"

#include "engine.h"
#include "kmsdns/error.h"

#define DAY 86400u

static const struct kmsdns_engine_settings settings = {KMSDNS_GROUP_SERVER_C, 120, 10080};

static const char *cmid(unsigned i)
{
    static char buf[8][37];
    static unsigned slot;
    char *b = buf[slot++ % 8];
    snprintf(b, 37, "00000000-0000-4000-8000-%012x", i);
    return b;
}

static struct kmsdns_answer ask(kmsdns_engine *e, unsigned i, const char *edition, uint64_t now)
{
    struct kmsdns_answer a;
    assert_int_equal(kmsdns_engine_request(e, cmid(i), edition, now, &a), KMSDNS_OK);
    return a;
}

static void test_guide_example(void **state)
{
    (void)state;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    uint64_t t = 1000000;
    for (unsigned i = 1; i <= 3; i++) {
        struct kmsdns_answer a = ask(e, i, "win7-enterprise", t++);
        assert_int_equal(a.count, i);
        assert_int_equal(a.threshold, 25);
        assert_false(a.activated);
        assert_int_equal(a.validity, 0);
        assert_int_equal(a.retry, 120);
        assert_int_equal(a.renewal, 10080);
    }
    struct kmsdns_answer a = ask(e, 4, "ws2008r2-standard", t++);
    assert_int_equal(a.count, 4);
    assert_int_equal(a.threshold, 5);
    assert_false(a.activated);
    a = ask(e, 5, "ws2008r2-enterprise", t++);
    assert_int_equal(a.count, 5);
    assert_true(a.activated); /* the 5th activates a server edition */
    assert_int_equal(a.validity, 259200);
    a = ask(e, 6, "win7-professional", t++);
    assert_int_equal(a.count, 6);
    assert_false(a.activated); /* ... but not a client */
    for (unsigned i = 7; i <= 24; i++)
        assert_false(ask(e, i, "win7-professional", t++).activated);
    a = ask(e, 25, "win7-professional", t++);
    assert_int_equal(a.count, 25);
    assert_true(a.activated); /* the 25th activates clients */
    kmsdns_engine_free(e);
}

static void test_capacity(void **state)
{
    (void)state;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    uint64_t t = 1000;
    assert_int_equal(kmsdns_engine_capacity(e), 10);
    for (unsigned i = 1; i <= 12; i++)
        ask(e, i, "ws2008-datacenter", t++);
    assert_int_equal(kmsdns_engine_count(e), 10); /* full at 10: the oldest went */
    size_t n;
    const struct kmsdns_entry *v = kmsdns_engine_entries(e, &n);
    assert_string_equal(v[0].cmid, cmid(3));
    /* a client edition while the table holds 10: capacity 50 first, then recorded (11) */
    struct kmsdns_answer a = ask(e, 100, "win7-enterprise", t++);
    assert_int_equal(kmsdns_engine_capacity(e), 50);
    assert_int_equal(a.count, 11);
    for (unsigned i = 200; i < 260; i++)
        ask(e, i, "ws2008-web", t++);
    assert_int_equal(kmsdns_engine_count(e), 50);
    assert_int_equal(kmsdns_engine_capacity(e), 50); /* never shrinks */
    v = kmsdns_engine_entries(e, &n);
    assert_string_equal(v[0].cmid, cmid(210)); /* eviction in arrival order */
    kmsdns_engine_free(e);
}

static void test_renewal_and_expiry(void **state)
{
    (void)state;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    uint64_t t = 5000000;
    ask(e, 1, "ws2008-standard", t);
    ask(e, 2, "ws2008-standard", t + 1);
    ask(e, 3, "ws2008-standard", t + 2);
    /* a renewal: same count, its entry now the newest */
    struct kmsdns_answer a = ask(e, 1, "ws2008-standard", t + 10 * DAY);
    assert_int_equal(a.count, 3);
    size_t n;
    assert_string_equal(kmsdns_engine_entries(e, &n)[2].cmid, cmid(1));
    /* a renewal with an edition of the other family: still a renewal; capacity follows */
    a = ask(e, 1, "win7-enterprise", t + 11 * DAY);
    assert_int_equal(a.count, 3);
    assert_int_equal(kmsdns_engine_capacity(e), 50);
    /* 2 and 3 were not renewed within 30 days: gone, the count falls by one each */
    a = ask(e, 4, "ws2008-standard", t + 30 * DAY + 2);
    assert_int_equal(a.count, 2);
    /* one second short of 30 days an entry still counts */
    kmsdns_engine_expire(e, t + 11 * DAY + KMSDNS_ENTRY_LIFETIME - 1);
    assert_int_equal(kmsdns_engine_count(e), 2);
    kmsdns_engine_expire(e, t + 11 * DAY + KMSDNS_ENTRY_LIFETIME);
    assert_int_equal(kmsdns_engine_count(e), 1);
    kmsdns_engine_free(e);
}

static void test_key_groups_and_refusals(void **state)
{
    (void)state;
    struct kmsdns_engine_settings s = settings;
    s.key_group = KMSDNS_GROUP_SERVER_A;
    kmsdns_engine *e = kmsdns_engine_new(&s);
    struct kmsdns_answer a;
    assert_int_equal(kmsdns_engine_request(e, cmid(1), "ws2008r2-datacenter", 1, &a), KMSDNS_RANGE);
    assert_int_equal(kmsdns_engine_request(e, cmid(1), "ws2008-standard", 1, &a), KMSDNS_RANGE);
    assert_int_equal(kmsdns_engine_request(e, cmid(1), "win8-pro", 1, &a), KMSDNS_NOTFOUND);
    assert_int_equal(kmsdns_engine_count(e), 0); /* refusals change nothing */
    assert_int_equal(kmsdns_engine_capacity(e), 10);
    assert_int_equal(ask(e, 1, "hpc-server-2008", 2).count, 1);
    assert_int_equal(ask(e, 2, "vista-business", 3).count, 2);
    s.key_group = KMSDNS_GROUP_CLIENT_VL;
    kmsdns_engine_configure(e, &s);
    assert_int_equal(kmsdns_engine_request(e, cmid(3), "ws2008-web", 4, &a), KMSDNS_RANGE);
    size_t n;
    const struct kmsdns_edition *all = kmsdns_editions(&n);
    assert_int_equal(n, 23);
    assert_string_equal(all[0].id, "vista-business");
    assert_int_equal(kmsdns_edition_find("ws2008r2-itanium")->group, KMSDNS_GROUP_SERVER_C);
    kmsdns_engine_free(e);
}

static void test_restore(void **state)
{
    (void)state;
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    for (unsigned i = 1; i <= 4; i++)
        ask(e, i, "win7-enterprise", 100 + i);
    size_t n;
    const struct kmsdns_entry *v = kmsdns_engine_entries(e, &n);
    struct kmsdns_entry saved[4];
    memcpy(saved, v, sizeof saved);
    kmsdns_engine *f = kmsdns_engine_new(&settings);
    struct kmsdns_entry shuffled[4] = {saved[2], saved[0], saved[3], saved[1]};
    assert_int_equal(kmsdns_engine_restore(f, 50, kmsdns_engine_next_seq(e), shuffled, 4),
                     KMSDNS_OK);
    assert_int_equal(kmsdns_engine_count(f), 4);
    assert_string_equal(kmsdns_engine_entries(f, &n)[0].cmid, cmid(1));
    assert_int_equal(ask(f, 2, "win7-enterprise", 200).count, 4); /* known after restore */
    /* inconsistent stores are refused, nothing changed */
    assert_int_equal(kmsdns_engine_restore(f, 20, 99, saved, 4), KMSDNS_INVAL);
    assert_int_equal(kmsdns_engine_restore(f, 50, 2, saved, 4), KMSDNS_INVAL);
    struct kmsdns_entry dup[2] = {saved[0], saved[0]};
    dup[1].seq = 99;
    assert_int_equal(kmsdns_engine_restore(f, 50, 100, dup, 2), KMSDNS_INVAL);
    assert_int_equal(kmsdns_engine_count(f), 4);
    kmsdns_engine_free(e);
    kmsdns_engine_free(f);
}

/* docs/protocol.md's edition table is this table, row for row, in order. */
static void test_docs_table(void **state)
{
    (void)state;
    FILE *f = fopen(KMSDNS_PROTOCOL_DOC, "r");
    assert_non_null(f);
    size_t n, row = 0;
    const struct kmsdns_edition *all = kmsdns_editions(&n);
    char line[256], want[256];
    while (fgets(line, sizeof line, f) != NULL) {
        bool row_line = strncmp(line, "| `", 3) == 0 &&
                        (strstr(line, "| client |") != NULL || strstr(line, "| server |") != NULL);
        if (!row_line)
            continue;
        assert_true(row < n);
        snprintf(want, sizeof want, "| `%s` | %s | %s |\n", all[row].id,
                 all[row].family == KMSDNS_FAMILY_CLIENT ? "client" : "server",
                 kmsdns_key_group_name(all[row].group));
        assert_string_equal(line, want);
        row++;
    }
    fclose(f);
    assert_int_equal(row, n);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_guide_example),
              cmocka_unit_test(test_capacity),
              cmocka_unit_test(test_renewal_and_expiry),
              cmocka_unit_test(test_key_groups_and_refusals),
              cmocka_unit_test(test_restore),
              cmocka_unit_test(test_docs_table),
          })
