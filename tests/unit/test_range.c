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

/* A threshold, a value, and whether the value alerts. */
static const struct alert_case {
    const char *range;
    double value;
    bool alerts;
} cases[] = {
    /* the Monitoring Plugins guidelines' examples, endpoints included */
    /* "10": outside 0..10 */
    {"10", -1, true},
    {"10", 0, false},
    {"10", 10, false},
    {"10", 10.001, true},
    /* "10:": below 10 */
    {"10:", 9.99, true},
    {"10:", 10, false},
    {"10:", 1e9, false},
    /* "~:10": above 10 */
    {"~:10", -1e9, false},
    {"~:10", 10, false},
    {"~:10", 10.5, true},
    /* "10:20": outside 10..20 */
    {"10:20", 9, true},
    {"10:20", 10, false},
    {"10:20", 20, false},
    {"10:20", 21, true},
    /* "@10:20": inside 10..20 */
    {"@10:20", 9, false},
    {"@10:20", 10, true},
    {"@10:20", 20, true},
    {"@10:20", 20.1, false},
    /* other forms */
    {"0.5", 0.6, true},   /* decimals */
    {"-5:-1", -3, false}, /* negatives */
    {"-5:-1", 0, true},
    {":10", 11, true}, /* empty start: 0 */
    {":10", -1, true},
    {"~:", 1e12, false}, /* no bound at all: never */
    {"@~:", 0, true},    /* inside everything: always */
    {"@5", 0, true},     /* @N: inside 0..N */
    {"@5", 6, false},
};

static void test_alerts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (alerts(cases[i].range, cases[i].value) != cases[i].alerts)
            fail_msg("'%s' with %g: alerts is not %d", cases[i].range, cases[i].value,
                     cases[i].alerts);
}

/* An unset range never alerts. */
static void test_unset(void **state)
{
    (void)state;
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
              cmocka_unit_test(test_alerts),
              cmocka_unit_test(test_unset),
              cmocka_unit_test(test_not_a_range),
          })
