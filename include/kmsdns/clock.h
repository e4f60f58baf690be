/* SPDX-License-Identifier: MIT */
/*
 * The one monotonic clock, and the one wait of the non-blocking poll loops
 * (the DNS transport, the verifier's probes, the client's exchange): a set
 * of sockets, each with its own deadline, waited on until one is ready or
 * the nearest deadline passes.
 */
#ifndef KMSDNS_CLOCK_H
#define KMSDNS_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: for deadlines and durations, never for
 * wall-clock time. */
uint64_t kmsdns_now_ms(void);

/* A deadline that never comes. */
#define KMSDNS_NEVER UINT64_MAX

/* One socket to wait on. */
struct kmsdns_wait {
    int fd;            /* in: the socket; < 0 to wait for the deadline alone */
    short events;      /* in: POLLIN, POLLOUT (poll.h) */
    uint64_t deadline; /* in: a kmsdns_now_ms() time, or KMSDNS_NEVER */
    short revents;     /* out: what poll() reported; 0 when not ready */
    bool expired;      /* out: the deadline came first (revents is then 0) */
};

/*
 * Waits on w[0..n) until an entry is ready or its deadline passes; returns
 * how many entries are ready or expired (> 0), 0 when n is 0, or -1 with
 * errno when poll() fails (or, above 64 entries, no memory for its array).
 * Entries whose deadline has passed on entry are reported expired at once,
 * nothing polled: a deadline wins over readiness. EINTR and early wake-ups
 * wait again for the time left. Blocks for good when every deadline is
 * KMSDNS_NEVER and no fd becomes ready.
 */
int kmsdns_wait(struct kmsdns_wait *w, size_t n);

#endif
