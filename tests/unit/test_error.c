/* SPDX-License-Identifier: MIT */
/* The error table: every code named, described and distinct; diag formatting. */
#include "testutil.h"

#include "kmsdns/error.h"

static const int all[] = {
#define X_(name, value, msg) KMSDNS_##name,
    KMSDNS_ERRORS(X_)
#undef X_
};

static void test_names_and_messages_are_distinct(void **state)
{
    (void)state;
    size_t n = sizeof all / sizeof all[0];
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        assert_true(all[i] <= 0);
        assert_string_not_equal(kmsdns_strerror(all[i]), "unknown error");
        assert_string_not_equal(kmsdns_errname(all[i]), "KMSDNS_UNKNOWN");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(all[i], all[j]);
            assert_string_not_equal(kmsdns_errname(all[i]), kmsdns_errname(all[j]));
        }
    }
}

static void test_known_values_never_move(void **state)
{
    (void)state;
    assert_int_equal(KMSDNS_OK, 0);
    assert_int_equal(KMSDNS_NOMEM, -1);
    assert_int_equal(KMSDNS_REFUSED, -16);
    assert_string_equal(kmsdns_errname(KMSDNS_REFUSED), "KMSDNS_REFUSED");
    assert_string_equal(kmsdns_strerror(KMSDNS_OK), "success");
    assert_int_equal(KMSDNS_UNSIGNED, -30);
    assert_int_equal(KMSDNS_NOZONE, -39);
    /* a retired value is not handed to another name */
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_int_not_equal(all[i], -29);
    assert_string_equal(kmsdns_errname(-29), "KMSDNS_UNKNOWN");
}

static void test_unknown_code(void **state)
{
    (void)state;
    assert_string_equal(kmsdns_strerror(12345), "unknown error");
    assert_string_equal(kmsdns_errname(-9999), "KMSDNS_UNKNOWN");
}

static void test_diag_formats_file_and_line(void **state)
{
    (void)state;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    assert_string_equal(d.text, "");
    assert_int_equal(kmsdns_diag_set(&d, KMSDNS_RANGE, "a.conf", 7, "port %d", 70000),
                     KMSDNS_RANGE);
    assert_string_equal(d.text, "a.conf:7: port 70000");
    kmsdns_diag_set(&d, KMSDNS_IO, "a.conf", 0, "gone");
    assert_string_equal(d.text, "a.conf: gone");
    kmsdns_diag_set(&d, KMSDNS_IO, NULL, 3, "plain");
    assert_string_equal(d.text, "plain");
    assert_int_equal(kmsdns_diag_set(NULL, KMSDNS_IO, "x", 1, "y"), KMSDNS_IO);
}

static void test_diag_truncates_safely(void **state)
{
    (void)state;
    struct kmsdns_diag d;
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kmsdns_diag_set(&d, KMSDNS_IO, big, 1, "%s", big);
    assert_int_equal(strlen(d.text), KMSDNS_DIAG_MAX - 1);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_names_and_messages_are_distinct),
              cmocka_unit_test(test_known_values_never_move),
              cmocka_unit_test(test_unknown_code),
              cmocka_unit_test(test_diag_formats_file_and_line),
              cmocka_unit_test(test_diag_truncates_safely),
          })
