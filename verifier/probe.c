/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify's liveness probes of KMS hosts over non-blocking sockets and
 * one poll() loop: every probe connects at once and has its own deadline.
 * The RPC probe then sends one DCE/RPC v5 bind for the KMS interface (the
 * codec is core's rpcbind) and reads one fragment back; nothing else is
 * ever sent.
 */
#include "probe.h"

#include "kmsdns/clock.h"
#include "kmsdns/error.h"
#include "kmsdns/rpcbind.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_LEN KMSDNS_RPC_HDR_LEN
#define MAX_FRAG KMSDNS_RPC_MAX_FRAG

enum phase { CONNECTING, SENDING, RECEIVING, DONE };

struct slot {
    struct kmsdns_probe *p;
    int fd;
    enum phase phase;
    uint32_t call_id;
    uint64_t start, deadline;
    uint8_t *buf; /* RPC: the bind out, then the answer in (MAX_FRAG) */
    size_t have, want;
};

static void finish(struct slot *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends a probe: its result, why and time; the socket and buffer go. */
static void finish(struct slot *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->p->why, sizeof s->p->why, fmt, ap);
    va_end(ap);
    s->p->rc = rc;
    uint64_t t = kmsdns_now_ms() - s->start;
    s->p->ms = t > UINT_MAX ? UINT_MAX : (unsigned)t;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->buf);
    s->buf = NULL;
    s->phase = DONE;
}

/* A failed connect or socket call: refused and unreachable are the host's
 * state, anything else is ours. */
static void fail_errno(struct slot *s, int err)
{
    int rc = KMSDNS_SYSTEM;
    if (err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH || err == ECONNRESET)
        rc = KMSDNS_UNREACHABLE;
    else if (err == ETIMEDOUT)
        rc = KMSDNS_TIMEOUT;
    char text[96];
    snprintf(text, sizeof text, "%s", strerror(err));
    if (text[0] >= 'A' && text[0] <= 'Z') /* "connection refused", as in the other messages */
        text[0] = (char)(text[0] - 'A' + 'a');
    finish(s, rc, "%s", text);
}

/* The peer hung up (FIN or RST) before a whole answer. */
static void fail_closed(struct slot *s)
{
    if (s->phase == RECEIVING && s->have > 0)
        finish(s, KMSDNS_MALFORMED, "closed after %zu bytes of the answer", s->have);
    else
        finish(s, KMSDNS_MALFORMED, "closed without answering the bind");
}

static void send_bind(struct slot *s);

static void connected(struct slot *s, enum kmsdns_probe_kind kind)
{
    if (kind == KMSDNS_PROBE_TCP) {
        finish(s, KMSDNS_OK, "%s", "");
        return;
    }
    s->buf = malloc(MAX_FRAG);
    if (s->buf == NULL) {
        finish(s, KMSDNS_NOMEM, "out of memory");
        return;
    }
    s->want = kmsdns_rpc_bind_build(s->buf, MAX_FRAG, s->call_id);
    s->have = 0;
    s->phase = SENDING;
    send_bind(s);
}

static void start(struct slot *s, enum kmsdns_probe_kind kind, unsigned timeout_ms)
{
    const struct kmsdns_addr *a = &s->p->addr;
    s->start = kmsdns_now_ms();
    s->deadline = s->start + timeout_ms;
    s->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        fail_errno(s, errno);
        return;
    }
    if (connect(s->fd, (const struct sockaddr *)&a->ss, a->len) == 0) {
        connected(s, kind);
        return;
    }
    if (errno == EINPROGRESS)
        s->phase = CONNECTING;
    else
        fail_errno(s, errno);
}

static void send_bind(struct slot *s)
{
    ssize_t w = send(s->fd, s->buf + s->have, s->want - s->have, MSG_NOSIGNAL);
    if (w < 0) {
        if (errno == EPIPE || errno == ECONNRESET)
            fail_closed(s);
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            fail_errno(s, errno);
        return;
    }
    s->have += (size_t)w;
    if (s->have == s->want) {
        s->phase = RECEIVING;
        s->have = 0;
        s->want = HDR_LEN;
    }
}

/* Reads the common header, then the rest of the fragment it announces. */
static void read_answer(struct slot *s)
{
    for (;;) {
        ssize_t r = recv(s->fd, s->buf + s->have, s->want - s->have, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (r == 0 || (r < 0 && errno == ECONNRESET)) {
            fail_closed(s);
            return;
        }
        if (r < 0) {
            fail_errno(s, errno);
            return;
        }
        s->have += (size_t)r;
        if (s->have < s->want)
            continue;
        if (s->want == HDR_LEN) {
            const uint8_t *b = s->buf;
            size_t frag = kmsdns_rpc_frag_len(b);
            if (b[0] != 5 || frag < HDR_LEN) {
                finish(s, KMSDNS_MALFORMED,
                       "not a DCE/RPC answer (starts %02x %02x %02x %02x %02x %02x %02x %02x)",
                       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
                return;
            }
            if (frag > MAX_FRAG) {
                finish(s, KMSDNS_MALFORMED, "answer of %zu bytes, more than the %u offered", frag,
                       MAX_FRAG);
                return;
            }
            s->want = frag;
            if (s->have < s->want)
                continue;
        }
        bool acked;
        char why[sizeof s->p->why];
        int rc = kmsdns_rpc_bind_read(s->buf, s->have, s->call_id, &acked, why, sizeof why);
        if (rc == KMSDNS_OK)
            finish(s, acked ? KMSDNS_OK : KMSDNS_REFUSED, "%s", why);
        else
            finish(s, KMSDNS_MALFORMED, "%s", why);
        return;
    }
}

static void io(struct slot *s, short rev, enum kmsdns_probe_kind kind)
{
    if (s->phase == CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
            err = errno;
        if (err != 0)
            fail_errno(s, err);
        else if (rev & (POLLERR | POLLHUP))
            fail_errno(s, ECONNREFUSED);
        else
            connected(s, kind);
    } else if (s->phase == SENDING) {
        send_bind(s);
    } else if (s->phase == RECEIVING) {
        read_answer(s);
    }
}

int kmsdns_probe_run(struct kmsdns_probe *v, size_t n, enum kmsdns_probe_kind kind,
                     unsigned timeout_ms)
{
    if (n == 0)
        return KMSDNS_OK;
    if (v == NULL || (kind != KMSDNS_PROBE_TCP && kind != KMSDNS_PROBE_RPC))
        return KMSDNS_INVAL;
    struct slot *slots = calloc(n, sizeof *slots);
    struct kmsdns_wait *w = calloc(n, sizeof *w);
    size_t *map = calloc(n, sizeof *map);
    if (slots == NULL || w == NULL || map == NULL) {
        free(slots), free(w), free(map);
        return KMSDNS_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].rc = KMSDNS_OK;
        v[i].why[0] = '\0';
        v[i].ms = 0;
        slots[i] = (struct slot){.p = &v[i], .fd = -1, .call_id = (uint32_t)(i + 1)};
        start(&slots[i], kind, timeout_ms);
    }
    int rc = KMSDNS_OK;
    for (;;) {
        size_t nw = 0;
        for (size_t i = 0; i < n; i++) {
            struct slot *s = &slots[i];
            if (s->phase == DONE)
                continue;
            w[nw] = (struct kmsdns_wait){.fd = s->fd,
                                         .events = s->phase == RECEIVING ? POLLIN : POLLOUT,
                                         .deadline = s->deadline};
            map[nw++] = i;
        }
        if (nw == 0)
            break;
        if (kmsdns_wait(w, nw) < 0) {
            int err = errno;
            for (size_t i = 0; i < n; i++)
                if (slots[i].phase != DONE)
                    finish(&slots[i], KMSDNS_SYSTEM, "poll: %s", strerror(err));
            rc = KMSDNS_SYSTEM;
            break;
        }
        for (size_t k = 0; k < nw; k++) {
            struct slot *s = &slots[map[k]];
            if (w[k].expired)
                finish(s, KMSDNS_TIMEOUT, "%s",
                       s->phase == CONNECTING ? "no answer to the connect"
                                              : "connected, but no answer to the bind");
            else if (w[k].revents != 0)
                io(s, w[k].revents, kind);
        }
    }
    free(slots), free(w), free(map);
    return rc;
}

/* ---- the host side ------------------------------------------------------------ */

/* The common header of an answer to call_id, ptype, frag_length n. */
