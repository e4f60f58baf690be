/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the unit tests: temp files and the data dir. */
#ifndef KMSDNS_TESTUTIL_H
#define KMSDNS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KMSDNS_TEST_DATA
#error "KMSDNS_TEST_DATA must name tests/data"
#endif

/* A fresh private directory for one test binary; removed by test_rmdir(). */
static inline const char *test_tmpdir(void)
{
    static char dir[] = "/tmp/kmsdns-unit-XXXXXX";
    static int made;
    if (!made) {
        assert_non_null(mkdtemp(dir));
        made = 1;
    }
    return dir;
}

/* Writes len bytes to DIR/name with the given mode; returns the path (static buffer per slot). */
static inline const char *test_write(const char *name, const void *data, size_t len, mode_t mode)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static inline const char *test_write_str(const char *name, const char *text)
{
    return test_write(name, text, strlen(text), 0644);
}

static inline const char *test_data(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", KMSDNS_TEST_DATA, name);
    return p;
}

static inline void test_rmdir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdir());
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_tmpdir());
}

/* The group teardown of a binary that writes below test_tmpdir(): removes it. */
static inline int test_teardown_tmpdir(void **state)
{
    (void)state;
    test_rmdir();
    return 0;
}

/*
 * The main() of a unit-test binary: runs the braced list of
 * cmocka_unit_test() entries that follows setup and teardown (each a group
 * fixture, or NULL) as one group; exits with cmocka's count of failures.
 */
#define TEST_MAIN(setup, teardown, ...)                                                            \
    int main(void)                                                                                 \
    {                                                                                              \
        const struct CMUnitTest tests[] = __VA_ARGS__;                                             \
        return cmocka_run_group_tests(tests, setup, teardown);                                     \
    }

#endif
