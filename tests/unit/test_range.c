/* SPDX-License-Identifier: MIT */
/* Nagios threshold ranges (verifier/range.h): the guidelines' table, and what is no range. */
#include "testutil.h"

#include "range.h"

static bool alerts(const char *text, double v)
{
    struct verify_range r;
    assert_int_equal(verify_range_parse(text, &r), 0);
    return verify_range_alerts(&r, v);
}

/* The Monitoring Plugins guidelines' examples, endpoints included. */
static void test_guideline_table(void **state)
{
    (void)state;
    /* "10": outside 0..10 */
    assert_true(alerts("10", -1));
    assert_false(alerts("10", 0));
    assert_false(alerts("10", 10));
    assert_true(alerts("10", 10.001));
    /* "10:": below 10 */
    assert_true(alerts("10:", 9.99));
    assert_false(alerts("10:", 10));
    assert_false(alerts("10:", 1e9));
    /* "~:10": above 10 */
    assert_false(alerts("~:10", -1e9));
    assert_false(alerts("~:10", 10));
    assert_true(alerts("~:10", 10.5));
    /* "10:20": outside 10..20 */
    assert_true(alerts("10:20", 9));
    assert_false(alerts("10:20", 10));
    assert_false(alerts("10:20", 20));
    assert_true(alerts("10:20", 21));
    /* "@10:20": inside 10..20 */
    assert_false(alerts("@10:20", 9));
    assert_true(alerts("@10:20", 10));
    assert_true(alerts("@10:20", 20));
    assert_false(alerts("@10:20", 20.1));
}

static void test_forms(void **state)
{
    (void)state;
    assert_true(alerts("0.5", 0.6));   /* decimals */
    assert_false(alerts("-5:-1", -3)); /* negatives */
    assert_true(alerts("-5:-1", 0));
    assert_true(alerts(":10", 11)); /* empty start: 0 */
    assert_true(alerts(":10", -1));
    assert_false(alerts("~:", 1e12)); /* no bound at all: never */
    assert_true(alerts("@~:", 0));    /* inside everything: always */
    assert_true(alerts("@5", 0));     /* @N: inside 0..N */
    assert_false(alerts("@5", 6));
    struct verify_range none = {0};
    assert_false(verify_range_alerts(&none, 1e9));
}

static void test_not_a_range(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "@",   ":",   "abc",   "10:abc", "20:10", "@20:10", "1:2:3", "~",    "10~",
        "~10", "10 ", " 10", "1e999", "nan",    "inf",   "0x10",   "10:~",  "@@10", "10s",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct verify_range r = {.start = 42};
        if (verify_range_parse(bad[i], &r) == 0)
            fail_msg("'%s' parsed as a range", bad[i]);
        assert_false(r.set);
        assert_true(r.start == 42);
    }
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_guideline_table),
              cmocka_unit_test(test_forms),
              cmocka_unit_test(test_not_a_range),
          })
