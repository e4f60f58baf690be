/* SPDX-License-Identifier: MIT */
/* What the C helpers of bench/hostd (hostload, trivialsrv) share: reading ADDR:PORT. */
#ifndef KMSDNS_BENCH_ADDR_H
#define KMSDNS_BENCH_ADDR_H

#include "kmsdns/addr.h"
#include "kmsdns/error.h"

#include <stdbool.h>
#include <sys/socket.h>

/* ADDR:PORT or [ADDR]:PORT, read by the library's parser (a port is required):
 * true with *ss and *len set. */
static inline bool parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    struct kmsdns_addr a;
    if (kmsdns_addr_parse(s, 0, KMSDNS_ADDR_PORT_ALLOWED, &a, NULL) != KMSDNS_OK ||
        kmsdns_addr_port(&a) == 0)
        return false;
    *ss = a.ss;
    *len = a.len;
    return true;
}

#endif
