/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's exchange with one host address: a non-blocking connect,
 * one line sent, one answer line read; every wait (connect, write, read)
 * counts against the one deadline the caller gives, through the library's
 * kmsdns_wait(). Nothing here prints: the callers say what failed.
 */
#include "client_talk.h"

#include "kmsdns/clock.h"
#include "kmsdns/error.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits for events on fd until the deadline; false with errno on timeout or error. */
static bool wait_for(int fd, short events, uint64_t deadline)
{
    struct kmsdns_wait w = {.fd = fd, .events = events, .deadline = deadline};
    if (kmsdns_wait(&w, 1) < 0)
        return false;
    if (w.expired)
        return errno = ETIMEDOUT, false;
    return true;
}

/* A connected non-blocking socket, or -1 with errno. */
static int connect_to(const struct kmsdns_addr *a, uint64_t deadline)
{
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int err = 0;
    socklen_t el = sizeof err;
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
        return fd;
    if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline) &&
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
        return fd;
    if (err != 0)
        errno = err;
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

/* Sends line, reads one answer line into buf; its length, or 0 with errno / *why. */
static size_t talk(int fd, const char *line, size_t n, char *buf, size_t cap, uint64_t deadline,
                   const char **why)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);
        if (w > 0)
            off += (size_t)w;
        else if (!(w < 0 && (errno == EAGAIN || errno == EINTR)) ||
                 !wait_for(fd, POLLOUT, deadline))
            return 0;
    }
    size_t got = 0;
    while (got == 0 || buf[got - 1] != '\n') {
        if (got == cap)
            return *why = "answer line too long", 0;
        ssize_t r = recv(fd, buf + got, cap - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            return *why = got == 0 ? "closed without an answer" : "answer not ended by a newline",
                   0;
        else if (!(errno == EAGAIN || errno == EINTR) || !wait_for(fd, POLLIN, deadline))
            return 0;
    }
    return got;
}

size_t client_talk(const struct kmsdns_addr *a, const char *line, size_t n, char *buf, size_t cap,
                   uint64_t deadline_ms, const char **why)
{
    const char *proto = NULL;
    int fd = connect_to(a, deadline_ms);
    size_t got = fd >= 0 ? talk(fd, line, n, buf, cap, deadline_ms, &proto) : 0;
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (got == 0)
        *why = proto != NULL ? proto : strerror(err);
    return got;
}

bool client_ask(const struct kmsdns_addr *a, const char *line, size_t n, unsigned timeout_s,
                struct kmsdns_hostproto_reply *r, char why[CLIENT_QUOTE_BUF])
{
    char buf[CLIENT_REPLY_MAX];
    const char *fail = NULL;
    size_t got = client_talk(a, line, n, buf, sizeof buf,
                             kmsdns_now_ms() + (uint64_t)timeout_s * 1000u, &fail);
    if (got > 0 && kmsdns_hostproto_parse_reply(buf, got, r) == KMSDNS_OK)
        return true;
    if (got > 0)
        client_quote(buf, got - 1, why);
    else
        snprintf(why, CLIENT_QUOTE_BUF, "%s", fail);
    return false;
}

const char *client_quote(const char *s, size_t n, char out[CLIENT_QUOTE_BUF])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 80; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.';
    out[k] = '\0';
    return out;
}
