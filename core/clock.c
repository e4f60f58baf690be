/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock and the deadline-bounded poll() every non-blocking
 * loop of the library and the programs uses, so that EINTR, early wake-ups
 * and the "which deadline is next" arithmetic are written once.
 */
#include "kmsdns/clock.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#define STACK_FDS 64

uint64_t kmsdns_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Marks the entries due at now; their count, and *wake the nearest deadline of the others. */
static int mark_expired(struct kmsdns_wait *w, size_t n, uint64_t now, uint64_t *wake)
{
    int due = 0;
    *wake = KMSDNS_NEVER;
    for (size_t i = 0; i < n; i++) {
        if (w[i].deadline <= now) {
            w[i].expired = true;
            due++;
        } else if (w[i].deadline < *wake) {
            *wake = w[i].deadline;
        }
    }
    return due;
}

int kmsdns_wait(struct kmsdns_wait *w, size_t n)
{
    if (n == 0)
        return 0;
    struct pollfd stack[STACK_FDS];
    struct pollfd *pfd = n <= STACK_FDS ? stack : malloc(n * sizeof *pfd);
    if (pfd == NULL)
        return errno = ENOMEM, -1;
    for (size_t i = 0; i < n; i++) {
        w[i].revents = 0;
        w[i].expired = false;
        pfd[i] = (struct pollfd){.fd = w[i].fd, .events = w[i].events};
    }
    int ready;
    for (;;) {
        uint64_t now = kmsdns_now_ms(), wake;
        if ((ready = mark_expired(w, n, now, &wake)) > 0)
            break;
        uint64_t left = wake == KMSDNS_NEVER ? 0 : wake - now;
        int timeout = wake == KMSDNS_NEVER ? -1 : left > INT_MAX ? INT_MAX : (int)left;
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r > 0) {
            for (size_t i = 0; i < n; i++)
                w[i].revents = pfd[i].revents;
            ready = r;
            break;
        }
        if (r < 0 && errno != EINTR) {
            ready = -1;
            break;
        }
    }
    if (pfd != stack) {
        int err = errno;
        free(pfd);
        errno = err;
    }
    return ready;
}
