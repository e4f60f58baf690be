/* SPDX-License-Identifier: MIT */
/*
 * An allocation-failure hook for unit tests. A binary linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
 * (see tests/unit/CMakeLists.txt) routes every allocation made by the
 * objects it links statically (libkmsdns, kmsdns_verify, the test itself)
 * through the wrappers below; shared libraries (libc's own, ldns, inih,
 * cmocka) are untouched. oom_arm(n) makes the n-th allocation from then on
 * fail, once; oom_loop() runs a call with n = 1, 2, ... until a run meets no
 * injected failure, so every allocation the call makes fails once. Leaks are
 * LeakSanitizer's to find (the sanitizer build). Include it in one file of
 * a binary only: it defines the wrappers.
 */
#ifndef KMSDNS_TEST_OOM_H
#define KMSDNS_TEST_OOM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long oom_left; /* 0: disarmed */
static bool oom_hit;           /* the armed failure happened */
static unsigned long oom_n;    /* oom_loop(): the allocation made to fail */

static inline void oom_arm(unsigned long n)
{
    oom_left = n;
    oom_hit = false;
}

/* Disarms; true when the armed failure was injected. */
static inline bool oom_disarm(void)
{
    oom_left = 0;
    return oom_hit;
}

static inline bool oom_fail_now(void)
{
    if (oom_left == 0 || --oom_left > 0)
        return false;
    oom_hit = true;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return oom_fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return oom_fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return oom_fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return oom_fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return oom_fail_now() ? NULL : __real_strndup(s, n);
}

/*
 * Runs call() with the n-th allocation failing, for n = 1, 2, ...: after an
 * injected failure on_fail(rc) runs (assert the error, free what the caller
 * owns); the first run that meets no failure goes to on_ok(rc) and ends the
 * loop. Returns how many runs had a failure injected.
 */
static inline unsigned long oom_loop(int (*call)(void), void (*on_fail)(int rc),
                                     void (*on_ok)(int rc))
{
    for (unsigned long n = 1;; n++) {
        oom_arm(oom_n = n);
        int rc = call();
        if (!oom_disarm()) {
            on_ok(rc);
            return n - 1;
        }
        on_fail(rc);
    }
}

#endif
