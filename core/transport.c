/* SPDX-License-Identifier: MIT */
/*
 * Concurrent DNS exchanges over non-blocking sockets and one poll() loop.
 * Each exchange owns one socket at a time: UDP (connected, so ICMP errors
 * surface as ECONNREFUSED) or TCP with the 2-byte length framing of RFC 1035.
 * A UDP answer must come from the server, carry the query's ID and question
 * (name, type and class); anything else is ignored, as a resolver would. A
 * TCP answer that does not match is an error: nobody else can be on the line. A truncated UDP
 * answer restarts the exchange over TCP.
 */
#include "kmsdns/transport.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"
#include "kmsdns/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* UDP exchanges in flight: enough to keep a server's workers busy, few
 * enough that its receive buffer does not overflow (measured on named: 64
 * fine, 200 lost packets and stalled a whole retry timeout). */
#define DEFAULT_INFLIGHT 32
#define TCP_INFLIGHT 8
#define UDP_MAX 65535

enum phase { IDLE, SENDING, RECEIVING, DONE };

struct slot {
    struct kmsdns_exchange *x;
    int fd;
    enum phase phase;
    bool tcp;
    uint64_t deadline;
    uint8_t *buf; /* TCP: length prefix + query out, answer in */
    size_t have, want;
};

void kmsdns_exchange_reset(struct kmsdns_exchange *x)
{
    free(x->answer);
    x->answer = NULL;
    x->answer_len = 0;
    x->rc = KMSDNS_OK;
    x->used_tcp = false;
    x->tries = 0;
    x->detail[0] = '\0';
}

int kmsdns_transport_run(const struct kmsdns_transport *t, struct kmsdns_exchange *x, size_t n,
                         const struct kmsdns_transport_opts *opts)
{
    return t->run(t->ctx, x, n, opts);
}

static void close_slot(struct slot *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->buf);
    s->buf = NULL;
}

static void finish(struct slot *s, int rc, const char *detail)
{
    s->x->rc = rc;
    if (detail != NULL)
        snprintf(s->x->detail, sizeof s->x->detail, "%s", detail);
    close_slot(s);
    s->phase = DONE;
}

/* Opens the socket for one try and starts the connect. */
static int open_try(struct slot *s, const struct kmsdns_transport_opts *o)
{
    struct kmsdns_exchange *x = s->x;
    int type = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
    s->fd = socket(x->server.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return errno;
    if (connect(s->fd, (const struct sockaddr *)&x->server.ss, x->server.len) != 0 &&
        errno != EINPROGRESS)
        return errno;
    x->tries++;
    x->used_tcp = s->tcp;
    s->deadline = kmsdns_now_ms() + o->timeout_ms;
    s->phase = SENDING;
    s->have = 0;
    if (s->tcp) {
        s->want = x->query_len + 2;
        s->buf = malloc(s->want);
        if (s->buf == NULL)
            return ENOMEM;
        kmsdns_wire_put_u16(s->buf, (uint16_t)x->query_len);
        memcpy(s->buf + 2, x->query, x->query_len);
    }
    return 0;
}

static void start(struct slot *s, const struct kmsdns_transport_opts *o)
{
    int err = open_try(s, o);
    if (err == 0)
        return;
    close_slot(s);
    if (err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH)
        finish(s, KMSDNS_UNREACHABLE, strerror(err));
    else
        finish(s, KMSDNS_SYSTEM, strerror(err));
}

/* A try failed without an answer: retry or give up. */
static void retry_or_fail(struct slot *s, const struct kmsdns_transport_opts *o, int rc,
                          const char *why)
{
    close_slot(s);
    if (rc == KMSDNS_TIMEOUT && s->x->tries <= o->retries) {
        start(s, o);
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "%s after %u tr%s", why, s->x->tries, s->x->tries == 1 ? "y" : "ies");
    finish(s, rc, msg);
}

static int io_error_rc(int err)
{
    return (err == ECONNREFUSED || err == ECONNRESET || err == EHOSTUNREACH || err == ENETUNREACH ||
            err == EPIPE)
               ? KMSDNS_UNREACHABLE
               : KMSDNS_SYSTEM;
}

static uint8_t ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool kmsdns_transport_answer_matches(const uint8_t *q, size_t qn, const uint8_t *a, size_t n)
{
    if (n < KMSDNS_WIRE_HEADER || qn < KMSDNS_WIRE_HEADER || !(a[2] & 0x80) || memcmp(a, q, 2) != 0)
        return false;
    if (kmsdns_wire_u16(q + 4) == 0 || kmsdns_wire_u16(a + 4) == 0)
        return true; /* nothing to compare; some servers drop the question on errors */
    size_t qoff = KMSDNS_WIRE_HEADER, aoff = KMSDNS_WIRE_HEADER;
    if (kmsdns_wire_skip_name(q, qn, &qoff) != KMSDNS_OK ||
        kmsdns_wire_skip_name(a, n, &aoff) != KMSDNS_OK || aoff != qoff || qoff + 4 > qn ||
        aoff + 4 > n)
        return false;
    /* Our queries never compress the question, so the answer's name must be
     * the same labels byte for byte, letters in any case (0x20 bits). */
    for (size_t i = KMSDNS_WIRE_HEADER; i < qoff; i++)
        if (ascii_lower(q[i]) != ascii_lower(a[i]))
            return false;
    return memcmp(q + qoff, a + aoff, 4) == 0; /* QTYPE and QCLASS */
}

static void keep_answer(struct slot *s, const uint8_t *a, size_t n,
                        const struct kmsdns_transport_opts *o)
{
    struct kmsdns_exchange *x = s->x;
    if (!s->tcp && (a[2] & 0x02)) { /* TC: start over on TCP */
        close_slot(s);
        s->tcp = true;
        start(s, o);
        return;
    }
    x->answer = malloc(n);
    if (x->answer == NULL) {
        finish(s, KMSDNS_NOMEM, "out of memory");
        return;
    }
    memcpy(x->answer, a, n);
    x->answer_len = n;
    finish(s, KMSDNS_OK, NULL);
}

static void udp_io(struct slot *s, short rev, const struct kmsdns_transport_opts *o, uint8_t *rbuf)
{
    if (s->phase == SENDING) {
        ssize_t w = send(s->fd, s->x->query, s->x->query_len, 0);
        if (w < 0 && errno != EAGAIN) {
            retry_or_fail(s, o, io_error_rc(errno), strerror(errno));
            return;
        }
        if (w >= 0)
            s->phase = RECEIVING;
        return;
    }
    if (!(rev & (POLLIN | POLLERR)))
        return;
    for (;;) {
        ssize_t r = recv(s->fd, rbuf, UDP_MAX, 0);
        if (r < 0 && errno == EAGAIN)
            return;
        if (r < 0) {
            retry_or_fail(s, o, io_error_rc(errno), strerror(errno));
            return;
        }
        if (kmsdns_transport_answer_matches(s->x->query, s->x->query_len, rbuf, (size_t)r)) {
            keep_answer(s, rbuf, (size_t)r, o);
            return;
        }
    }
}

static void tcp_read(struct slot *s, const struct kmsdns_transport_opts *o)
{
    for (;;) {
        ssize_t r = recv(s->fd, s->buf + s->have, s->want - s->have, 0);
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            retry_or_fail(s, o, r == 0 ? KMSDNS_UNREACHABLE : io_error_rc(errno),
                          r == 0 ? "connection closed before the answer" : strerror(errno));
            return;
        }
        s->have += (size_t)r;
        if (s->have < s->want)
            continue;
        if (s->want == 2) { /* the length prefix is in: now the message */
            s->want = kmsdns_wire_u16(s->buf);
            s->have = 0;
            if (s->want < KMSDNS_WIRE_HEADER) {
                finish(s, KMSDNS_MALFORMED, "TCP answer shorter than a DNS header");
                return;
            }
            continue;
        }
        if (memcmp(s->buf, s->x->query, 2) != 0) {
            finish(s, KMSDNS_MALFORMED, "TCP answer with another ID");
            return;
        }
        if (!kmsdns_transport_answer_matches(s->x->query, s->x->query_len, s->buf, s->have)) {
            finish(s, KMSDNS_MALFORMED, "TCP answer to another question (name, type or class)");
            return;
        }
        keep_answer(s, s->buf, s->have, o);
        return;
    }
}

static void tcp_io(struct slot *s, short rev, const struct kmsdns_transport_opts *o)
{
    if (rev & (POLLERR | POLLHUP) && s->phase == SENDING) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        {
            retry_or_fail(s, o, io_error_rc(err ? err : ECONNREFUSED),
                          strerror(err ? err : ECONNREFUSED));
            return;
        }
    }
    if (s->phase == SENDING) {
        ssize_t w = send(s->fd, s->buf + s->have, s->want - s->have, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
            retry_or_fail(s, o, io_error_rc(errno), strerror(errno));
            return;
        }
        s->have += w > 0 ? (size_t)w : 0;
        if (s->have == s->want) {
            free(s->buf);
            s->buf = malloc(UDP_MAX + 2);
            if (s->buf == NULL) {
                finish(s, KMSDNS_NOMEM, "out of memory");
                return;
            }
            s->phase = RECEIVING;
            s->have = 0;
            s->want = 2;
        }
        return;
    }
    if (rev & (POLLIN | POLLHUP | POLLERR))
        tcp_read(s, o);
}

/* Starts idle slots up to the bounds; returns how many are active. TCP has
 * its own, smaller bound: servers keep short listen queues (named: 10), and
 * SYNs dropped from a full queue cost a whole second of retransmission. */
static size_t refill(struct slot *slots, size_t n, size_t *next, size_t bound,
                     const struct kmsdns_transport_opts *o)
{
    size_t active = 0, tcp = 0;
    for (size_t i = 0; i < n; i++) {
        bool busy = slots[i].phase == SENDING || slots[i].phase == RECEIVING;
        active += busy;
        tcp += busy && slots[i].tcp;
    }
    while (active < bound && *next < n) {
        struct slot *s = &slots[*next];
        if (s->tcp && tcp >= TCP_INFLIGHT)
            break;
        (*next)++;
        start(s, o);
        active += s->phase != DONE;
        tcp += s->phase != DONE && s->tcp;
    }
    return active;
}

static int net_run(void *ctx, struct kmsdns_exchange *x, size_t n,
                   const struct kmsdns_transport_opts *o)
{
    (void)ctx;
    struct slot *slots = calloc(n ? n : 1, sizeof *slots);
    struct kmsdns_wait *w = calloc(n ? n : 1, sizeof *w);
    size_t *map = calloc(n ? n : 1, sizeof *map);
    uint8_t *rbuf = malloc(UDP_MAX);
    if (slots == NULL || w == NULL || map == NULL || rbuf == NULL) {
        free(slots), free(w), free(map), free(rbuf);
        return KMSDNS_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        kmsdns_exchange_reset(&x[i]);
        slots[i] = (struct slot){.x = &x[i], .fd = -1, .phase = IDLE, .tcp = x[i].tcp};
    }
    size_t bound = o->max_inflight ? o->max_inflight : DEFAULT_INFLIGHT, next = 0;
    while (refill(slots, n, &next, bound, o) > 0) {
        size_t nw = 0;
        for (size_t i = 0; i < n; i++) {
            struct slot *s = &slots[i];
            if (s->phase != SENDING && s->phase != RECEIVING)
                continue;
            w[nw] = (struct kmsdns_wait){.fd = s->fd,
                                         .events = s->phase == SENDING ? POLLOUT : POLLIN,
                                         .deadline = s->deadline};
            map[nw++] = i;
        }
        if (kmsdns_wait(w, nw) < 0)
            break;
        for (size_t k = 0; k < nw; k++) {
            struct slot *s = &slots[map[k]];
            if (w[k].expired)
                retry_or_fail(s, o, KMSDNS_TIMEOUT, "no answer");
            else if (w[k].revents != 0 && s->tcp)
                tcp_io(s, w[k].revents, o);
            else if (w[k].revents != 0)
                udp_io(s, w[k].revents, o, rbuf);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (slots[i].phase != DONE)
            finish(&slots[i], KMSDNS_SYSTEM, strerror(errno));
    free(slots), free(w), free(map), free(rbuf);
    return KMSDNS_OK;
}

const struct kmsdns_transport kmsdns_transport_net = {net_run, NULL};
