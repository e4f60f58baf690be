/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock and kmsdns_wait(): a deadline already passed wins at
 * once, a ready pipe is reported before its deadline, a silent one expires
 * no earlier than its deadline, signals (EINTR) do not end the wait early,
 * and a failing poll() is reported, above the 64 entries kept on the stack.
 */
#include "testutil.h"

#include "kmsdns/clock.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>

static void test_clock_advances(void **state)
{
    (void)state;
    uint64_t a = kmsdns_now_ms();
    usleep(20 * 1000);
    uint64_t b = kmsdns_now_ms();
    assert_true(b >= a + 20);
    assert_true(b < a + 5000);
}

static void test_nothing_to_wait_on(void **state)
{
    (void)state;
    assert_int_equal(kmsdns_wait(NULL, 0), 0);
}

static void test_passed_deadline_wins(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    struct kmsdns_wait w = {
        .fd = p[0], .events = POLLIN, .deadline = kmsdns_now_ms(), .revents = 7};
    assert_int_equal(kmsdns_wait(&w, 1), 1);
    assert_true(w.expired);
    assert_int_equal(w.revents, 0);
    close(p[0]), close(p[1]);
}

static void test_ready_before_deadline(void **state)
{
    (void)state;
    int quiet[2], loud[2];
    assert_int_equal(pipe(quiet), 0);
    assert_int_equal(pipe(loud), 0);
    assert_int_equal(write(loud[1], "x", 1), 1);
    uint64_t t0 = kmsdns_now_ms();
    struct kmsdns_wait w[2] = {{.fd = quiet[0], .events = POLLIN, .deadline = t0 + 5000},
                               {.fd = loud[0], .events = POLLIN, .deadline = t0 + 5000}};
    assert_int_equal(kmsdns_wait(w, 2), 1);
    assert_false(w[0].expired);
    assert_int_equal(w[0].revents, 0);
    assert_false(w[1].expired);
    assert_true(w[1].revents & POLLIN);
    assert_true(kmsdns_now_ms() - t0 < 1000);
    close(quiet[0]), close(quiet[1]), close(loud[0]), close(loud[1]);
}

static void test_nearest_deadline_expires(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    uint64_t t0 = kmsdns_now_ms();
    struct kmsdns_wait w[3] = {{.fd = p[0], .events = POLLIN, .deadline = t0 + 5000},
                               {.fd = -1, .deadline = t0 + 40}, /* a timer alone */
                               {.fd = p[0], .events = POLLIN, .deadline = KMSDNS_NEVER}};
    assert_int_equal(kmsdns_wait(w, 3), 1);
    assert_true(kmsdns_now_ms() >= t0 + 40);
    assert_false(w[0].expired);
    assert_true(w[1].expired);
    assert_false(w[2].expired);
    close(p[0]), close(p[1]);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void test_signals_do_not_end_the_wait(void **state)
{
    (void)state;
    struct sigaction sa = {.sa_handler = on_alarm}, old; /* no SA_RESTART: poll gets EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = {.it_interval = {0, 10000}, .it_value = {0, 10000}}, off = {0};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    uint64_t t0 = kmsdns_now_ms();
    struct kmsdns_wait w = {.fd = p[0], .events = POLLIN, .deadline = t0 + 100};
    int r = kmsdns_wait(&w, 1);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(r, 1);
    assert_true(w.expired);
    assert_true(kmsdns_now_ms() >= t0 + 100);
    assert_true(alarms > 0);
    close(p[0]), close(p[1]);
}

/* More entries than RLIMIT_NOFILE allows: poll() fails with EINVAL. */
static void test_poll_failure_reported(void **state)
{
    (void)state;
    struct rlimit old, low = {.rlim_cur = 16};
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct kmsdns_wait w[100];
    uint64_t t0 = kmsdns_now_ms();
    for (size_t i = 0; i < 100; i++)
        w[i] = (struct kmsdns_wait){.fd = -1, .deadline = t0 + 5000};
    errno = 0;
    int r = kmsdns_wait(w, 100);
    int err = errno;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(r, -1);
    assert_int_equal(err, EINVAL);
    assert_true(kmsdns_now_ms() - t0 < 1000);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_clock_advances),
              cmocka_unit_test(test_nothing_to_wait_on),
              cmocka_unit_test(test_passed_deadline_wins),
              cmocka_unit_test(test_ready_before_deadline),
              cmocka_unit_test(test_nearest_deadline_expires),
              cmocka_unit_test(test_signals_do_not_end_the_wait),
              cmocka_unit_test(test_poll_failure_reported),
          })
