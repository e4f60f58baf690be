/* SPDX-License-Identifier: MIT */
/*
 * The audit's streaming transport over c-ares: one channel per server asked,
 * each query sent raw with ares_send (c-ares 1.18 hides the AA flag and
 * TTLs, so the caller parses the answer itself), all channels' sockets
 * waited on with one poll(). c-ares keeps the per-try timeout (doubling it
 * per round), the retries, the ID/question check and the TCP retry of a
 * truncated answer; the caller keeps the bounds on what is in flight.
 */
#include "transport_stream.h"
#include "kmsdns/error.h"

#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_FDS 1024

struct achan {
    struct kmsdns_addr addr;
    ares_channel ares;
};

struct req;

struct session {
    struct kmsdns_transport_opts o;
    struct req *spare; /* finished requests, kept for the next ones (no malloc per query) */
    struct achan **chans;
    size_t nchans;
    struct achan *last; /* the channel of the last submission: most often the next one's */
};

struct req {
    struct req *next; /* in the spare list */
    struct session *s;
    struct kmsdns_exchange *x;
    kmsdns_exchange_done_fn done;
    void *arg;
};

static int ares_open(void *ctx, const struct kmsdns_transport_opts *o, void **out)
{
    (void)ctx;
    struct session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return KMSDNS_NOMEM;
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        free(s);
        return KMSDNS_SYSTEM;
    }
    s->o = *o;
    *out = s;
    return KMSDNS_OK;
}

static bool same_addr(const struct kmsdns_addr *a, const struct kmsdns_addr *b)
{
    return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* The server's channel, made on first use. */
static struct achan *chan_get(struct session *s, const struct kmsdns_addr *a)
{
    if (s->last != NULL && same_addr(&s->last->addr, a))
        return s->last;
    for (size_t i = 0; i < s->nchans; i++)
        if (same_addr(&s->chans[i]->addr, a))
            return s->last = s->chans[i];
    struct achan *c = calloc(1, sizeof *c);
    struct achan **v = realloc(s->chans, (s->nchans + 1) * sizeof *v);
    if (v != NULL)
        s->chans = v;
    if (c == NULL || v == NULL) {
        free(c);
        return NULL;
    }
    c->addr = *a;
    struct ares_options opt = {.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_STAYOPEN,
                               .timeout = (int)s->o.timeout_ms,
                               .tries = (int)s->o.retries + 1};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    struct ares_addr_port_node node = {.family = kmsdns_addr_family(a)};
    if (node.family == AF_INET)
        node.addr.addr4 = ((const struct sockaddr_in *)&a->ss)->sin_addr;
    else
        memcpy(&node.addr.addr6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
    node.udp_port = node.tcp_port = kmsdns_addr_port(a);
    if (ares_init_options(&c->ares, &opt, mask) != ARES_SUCCESS) {
        free(c);
        return NULL;
    }
    if (ares_set_servers_ports(c->ares, &node) != ARES_SUCCESS) {
        ares_destroy(c->ares);
        free(c);
        return NULL;
    }
    s->chans[s->nchans++] = c;
    return s->last = c;
}

static int rc_of(int status)
{
    switch (status) {
    case ARES_SUCCESS:
        return KMSDNS_OK;
    case ARES_ETIMEOUT:
        return KMSDNS_TIMEOUT;
    case ARES_ECONNREFUSED:
        return KMSDNS_UNREACHABLE;
    case ARES_EBADRESP:
        return KMSDNS_MALFORMED;
    case ARES_ENOMEM:
        return KMSDNS_NOMEM;
    default:
        return KMSDNS_SYSTEM;
    }
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct req *r = arg;
    struct kmsdns_exchange *x = r->x;
    x->rc = rc_of(status);
    x->tries = (unsigned)timeouts + (status == ARES_ETIMEOUT ? 0u : 1u);
    if (status == ARES_EDESTRUCTION) {
        x->rc = KMSDNS_SYSTEM;
        snprintf(x->detail, sizeof x->detail, "cancelled");
    } else if (status != ARES_SUCCESS) {
        snprintf(x->detail, sizeof x->detail, "%s", ares_strerror(status));
    } else if ((x->answer = malloc(alen > 0 ? (size_t)alen : 1)) == NULL) {
        x->rc = KMSDNS_NOMEM;
        snprintf(x->detail, sizeof x->detail, "out of memory");
    } else {
        memcpy(x->answer, abuf, (size_t)alen);
        x->answer_len = (size_t)alen;
    }
    kmsdns_exchange_done_fn done = r->done;
    void *darg = r->arg;
    if (status == ARES_EDESTRUCTION) {
        free(r);
    } else {
        r->next = r->s->spare;
        r->s->spare = r;
    }
    done(darg, x);
}

static int ares_submit(void *sess, struct kmsdns_exchange *x, kmsdns_exchange_done_fn done,
                       void *arg)
{
    struct session *s = sess;
    struct achan *c = chan_get(s, &x->server);
    struct req *r = s->spare;
    if (r != NULL)
        s->spare = r->next;
    else
        r = malloc(sizeof *r);
    if (c == NULL || r == NULL) {
        free(r);
        return KMSDNS_NOMEM;
    }
    *r = (struct req){.s = s, .x = x, .done = done, .arg = arg};
    kmsdns_exchange_reset(x);
    x->used_tcp = x->tcp;
    ares_send(c->ares, x->query, (int)x->query_len, on_answer, r);
    return KMSDNS_OK;
}

/* Waits for socket activity or a try's timeout, and lets c-ares process it.
 * Its own poll(), not kmsdns_wait(): c-ares hands out the sockets and the
 * one timeout of each channel, and a socket that is ready when a try's
 * timeout also falls due must still be read in the same pass. */
static int ares_wait(void *sess, unsigned timeout_ms)
{
    struct session *s = sess;
    struct pollfd pfd[MAX_FDS];
    struct achan *owner[MAX_FDS];
    size_t n = 0;
    int timeout = timeout_ms > 100000 ? 100000 : (int)timeout_ms;
    for (size_t i = 0; i < s->nchans; i++) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        /* c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit: unsigned here */
        unsigned bits = (unsigned)ares_getsock(s->chans[i]->ares, socks, ARES_GETSOCK_MAXNUM);
        for (unsigned k = 0; k < ARES_GETSOCK_MAXNUM && n < MAX_FDS; k++) {
            short ev = (short)((bits & (1u << k) ? POLLIN : 0) |
                               (bits & (1u << (k + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
            if (ev == 0)
                continue;
            pfd[n] = (struct pollfd){socks[k], ev, 0};
            owner[n++] = s->chans[i];
        }
        struct timeval tv, max = {timeout / 1000, (timeout % 1000) * 1000};
        struct timeval *t = ares_timeout(s->chans[i]->ares, &max, &tv);
        int ms = (int)(t->tv_sec * 1000 + t->tv_usec / 1000);
        timeout = ms < timeout ? ms : timeout;
    }
    if (poll(pfd, n, timeout) < 0 && errno != EINTR)
        return KMSDNS_SYSTEM;
    for (size_t k = 0; k < n; k++)
        if (pfd[k].revents != 0)
            ares_process_fd(owner[k]->ares,
                            pfd[k].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[k].fd
                                                                          : ARES_SOCKET_BAD,
                            pfd[k].revents & POLLOUT ? pfd[k].fd : ARES_SOCKET_BAD);
    for (size_t i = 0; i < s->nchans; i++) /* timeouts */
        ares_process_fd(s->chans[i]->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    return KMSDNS_OK;
}

static void ares_close(void *sess)
{
    struct session *s = sess;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nchans; i++) {
        ares_destroy(s->chans[i]->ares); /* cancels: every callback runs, "cancelled" */
        free(s->chans[i]);
    }
    free(s->chans);
    for (struct req *r = s->spare, *n; r != NULL; r = n) {
        n = r->next;
        free(r);
    }
    free(s);
    ares_library_cleanup();
}

const struct kmsdns_transport_stream kmsdns__transport_ares = {ares_open, ares_submit, ares_wait,
                                                               ares_close, NULL};
