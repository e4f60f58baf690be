/* SPDX-License-Identifier: MIT */
/* Socket reading shared by the integration test helpers (badproxy, rpclistener). */
#ifndef KMSDNS_HELPER_IO_H
#define KMSDNS_HELPER_IO_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Reads exactly n bytes into b from fd, waiting at most ms for each piece; 0 on
 * success, -1 on a timeout, an error or the peer closing first. */
static inline int read_full(int fd, void *b, size_t n, int ms)
{
    for (size_t got = 0; got < n;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, ms) != 1)
            return -1;
        ssize_t r = recv(fd, (uint8_t *)b + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

#endif
