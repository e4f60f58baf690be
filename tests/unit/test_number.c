/* SPDX-License-Identifier: MIT */
/* The one bounded decimal parser: digits only, no overflow, range checked. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/number.h"

#include <stdint.h>

static uint64_t ok(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v = 12345;
    int rc = kmsdns_parse_uint(s, min, max, &v);
    if (rc != KMSDNS_OK)
        fail_msg("'%s' refused: %s", s, kmsdns_errname(rc));
    return v;
}

static void refused(const char *s, uint64_t min, uint64_t max, int want)
{
    uint64_t v = 777;
    assert_int_equal(kmsdns_parse_uint(s, min, max, &v), want);
    assert_int_equal(v, 777); /* untouched on failure */
}

static void test_accepts(void **state)
{
    (void)state;
    assert_int_equal(ok("0", 0, 10), 0);
    assert_int_equal(ok("10", 0, 10), 10);
    assert_int_equal(ok("1", 1, 1), 1);
    assert_int_equal(ok("007", 0, 65535), 7); /* leading zeros are digits */
    assert_int_equal(ok("65535", 0, 65535), 65535);
    assert_int_equal(ok("000000000000000000000000000042", 0, 100), 42);
    assert_true(ok("18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
    assert_true(ok("4294967295", 0, UINT32_MAX) == UINT32_MAX);
}

static void test_syntax(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    " 1",  "1 ",  "+1",  "-1",  "-0",  "0x10",     "1e3",
        "1.0", "1,0", "12a", "a12", "\t1", "1\n", "\xd9\xa1", "99999999999999999999x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i], 0, UINT64_MAX, KMSDNS_SYNTAX);
}

static void test_range(void **state)
{
    (void)state;
    refused("0", 1, 65535, KMSDNS_RANGE);
    refused("65536", 0, 65535, KMSDNS_RANGE);
    refused("9", 10, 20, KMSDNS_RANGE);
    refused("21", 10, 20, KMSDNS_RANGE);
    refused("4294967296", 0, UINT32_MAX, KMSDNS_RANGE);
    refused("18446744073709551616", 0, UINT64_MAX, KMSDNS_RANGE); /* UINT64_MAX + 1 */
    refused("18446744073709551620", 0, UINT64_MAX, KMSDNS_RANGE);
    refused("99999999999999999999999999999999999999", 0, UINT64_MAX, KMSDNS_RANGE);
}

static void test_counted(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(kmsdns_parse_uintn("1234 rest", 4, 0, 9999, &v), KMSDNS_OK);
    assert_int_equal(v, 1234);
    assert_int_equal(kmsdns_parse_uintn("1234", 0, 0, 9999, &v), KMSDNS_SYNTAX);
    assert_int_equal(kmsdns_parse_uintn("12\0"
                                        "4",
                                        4, 0, 9999, &v),
                     KMSDNS_SYNTAX);
    assert_int_equal(kmsdns_parse_uintn("1234", 3, 0, 99, &v), KMSDNS_RANGE);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_accepts),
              cmocka_unit_test(test_syntax),
              cmocka_unit_test(test_range),
              cmocka_unit_test(test_counted),
          })
