/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's event loop. One pass: wait on epoll, accept and read what
 * is ready, record every complete REQUEST in the engine (which gives each
 * its count), commit the whole pass's requests in one store transaction,
 * and only then write the answers. Fast clients thus share one fsync (the
 * group commit), and no answer ever reports a state a crash could lose.
 *
 * Every open connection sits in one list ordered by deadline: 5 s from the
 * connect to read the line, 5 s from the answer's first write to take it.
 * Deadlines are always "now + 5 s" when set, so appending keeps the list
 * sorted; the head is both the next to expire and the one evicted when the
 * connection cap is reached. Connections closed during a pass are freed
 * after it, since a later event of the same pass may still point at them.
 */
#define _GNU_SOURCE /* accept4 */
#include "hostsrv_int.h"

#include "kmsdns/addr.h"
#include "kmsdns/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define ACCEPTS_PER_EVENT 64
#define PRUNE_EVERY_S 3600u
#define FD_RESERVE 32 /* descriptors kept for the store, the log and the listeners */

enum hs_state { READING, RPC, QUEUED, WRITING, DRAINING, CLOSED };

struct hs_conn {
    enum hs_kind kind;
    enum hs_state state;
    int fd;
    bool loopback, linked;
    enum kmsdns_hp_verb verb; /* of a queued line */
    uint64_t deadline;        /* monotonic ms */
    struct hs_conn *prev, *next, *qnext;
    char *out; /* the answer: small or malloc'd */
    size_t outlen, outoff;
    char peer[KMSDNS_ADDR_TEXT_MAX];
    struct kmsdns_hostproto_reader rd; /* the line, or the DCE/RPC PDU */
    char small[160];
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the deadline list ------------------------------------------------------ */

static void unlink_conn(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (!c->linked)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        s->tail = c->prev;
    c->prev = c->next = NULL;
    c->linked = false;
}

/* (Re)starts c's 5 s deadline and puts it at the tail. */
static void arm(kmsdns_hostsrv *s, struct hs_conn *c)
{
    unlink_conn(s, c);
    c->deadline = mono_ms() + KMSDNS_HOSTSRV_READ_TIMEOUT_MS;
    c->prev = s->tail;
    if (s->tail != NULL)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    c->linked = true;
}

static void close_conn(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (c->state == CLOSED)
        return;
    unlink_conn(s, c);
    close(c->fd);
    c->fd = -1;
    c->state = CLOSED;
    s->nconns--;
    c->qnext = s->dead;
    s->dead = c;
}

static void free_dead(kmsdns_hostsrv *s)
{
    while (s->dead != NULL) {
        struct hs_conn *c = s->dead;
        s->dead = c->qnext;
        if (c->out != c->small)
            free(c->out);
        free(c);
    }
}

/* ---- answering --------------------------------------------------------------- */

static void watch(kmsdns_hostsrv *s, struct hs_conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        close_conn(s, c);
}

/*
 * The answer is out: half-close, and close at once unless the peer sent
 * bytes we did not read (closing over unread bytes resets the connection,
 * which can destroy our answer before the peer reads it). Those are
 * drained until the peer closes or the deadline.
 */
static void finish(kmsdns_hostsrv *s, struct hs_conn *c)
{
    int pending = 0;
    shutdown(c->fd, SHUT_WR);
    if (ioctl(c->fd, FIONREAD, &pending) != 0 || pending == 0) {
        close_conn(s, c);
        return;
    }
    c->state = DRAINING;
    arm(s, c);
    watch(s, c, EPOLLIN);
}

static void flush(kmsdns_hostsrv *s, struct hs_conn *c)
{
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->state != WRITING) {
                c->state = WRITING;
                arm(s, c);
                watch(s, c, EPOLLOUT);
            }
            return;
        }
        if (w < 0) {
            close_conn(s, c);
            return;
        }
        c->outoff += (size_t)w;
    }
    finish(s, c);
}

/* Sends buf[0..len), which c keeps (buf is c->small or malloc'd). */
static void send_owned(kmsdns_hostsrv *s, struct hs_conn *c, char *buf, size_t len)
{
    if (c->out != NULL && c->out != c->small && c->out != buf)
        free(c->out);
    c->out = buf;
    c->outlen = len;
    c->outoff = 0;
    flush(s, c);
}

static void send_copy(kmsdns_hostsrv *s, struct hs_conn *c, const void *data, size_t len)
{
    char *buf = len <= sizeof c->small ? c->small : malloc(len);
    if (buf == NULL) {
        close_conn(s, c);
        return;
    }
    memcpy(buf, data, len);
    send_owned(s, c, buf, len);
}

static void send_err(kmsdns_hostsrv *s, struct hs_conn *c, const char *code, const char *msg)
{
    size_t n = kmsdns_hostproto_err(c->small, sizeof c->small, code, msg);
    if (n == 0) {
        close_conn(s, c);
        return;
    }
    send_owned(s, c, c->small, n);
}

/* ---- recording a request ------------------------------------------------------ */

static void take_snapshot(kmsdns_hostsrv *s)
{
    if (s->snap.taken)
        return;
    const struct kmsdns_entry *v = kmsdns_engine_entries(s->engine, &s->snap.n);
    memcpy(s->snap.v, v, s->snap.n * sizeof *v);
    s->snap.capacity = kmsdns_engine_capacity(s->engine);
    s->snap.next_seq = kmsdns_engine_next_seq(s->engine);
    s->snap.taken = true;
}

static struct kmsdns_log_row *new_row(kmsdns_hostsrv *s)
{
    if (s->nrows == s->caprows) {
        size_t cap = s->caprows > 0 ? 2 * s->caprows : 64;
        void *v = realloc(s->rows, cap * sizeof *s->rows);
        if (v == NULL)
            return NULL;
        s->rows = v;
        s->caprows = cap;
    }
    struct kmsdns_log_row *r = &s->rows[s->nrows++];
    memset(r, 0, sizeof *r);
    return r;
}

static void enqueue(kmsdns_hostsrv *s, struct hs_conn *c, enum kmsdns_hp_verb verb)
{
    unlink_conn(s, c);
    c->state = QUEUED;
    c->verb = verb;
    c->qnext = NULL;
    if (s->qtail != NULL)
        s->qtail->qnext = c;
    else
        s->queue = c;
    s->qtail = c;
}

/* The answer line for the engine's verdict on req, into c->small; the log row's result. */
static const char *verdict(struct hs_conn *c, const struct kmsdns_hostproto_req *req, int rc,
                           const struct kmsdns_answer *a)
{
    char msg[96];
    if (rc == KMSDNS_NOTFOUND) {
        snprintf(msg, sizeof msg, "edition '%s' is not in the protocol v1 table", req->edition);
        c->outlen = kmsdns_hostproto_err(c->small, sizeof c->small, "unknown-edition", msg);
        return "unknown-edition";
    }
    if (rc == KMSDNS_RANGE) {
        snprintf(msg, sizeof msg, "edition '%s' needs key group %s or above", req->edition,
                 kmsdns_key_group_name(kmsdns_edition_find(req->edition)->group));
        c->outlen = kmsdns_hostproto_err(c->small, sizeof c->small, "edition-not-covered", msg);
        return "edition-not-covered";
    }
    struct kmsdns_hostproto_answer ok = {a->count,    a->threshold, a->activated,
                                         a->validity, a->renewal,   a->retry};
    c->outlen = kmsdns_hostproto_ok(c->small, sizeof c->small, &ok);
    return a->activated ? "activated" : "not-activated";
}

/* Records a REQUEST in the engine and the batch; answered after the commit. */
static void record(kmsdns_hostsrv *s, struct hs_conn *c, const struct kmsdns_hostproto_req *req)
{
    struct kmsdns_log_row *row = new_row(s);
    if (row == NULL) {
        send_err(s, c, "internal", "out of memory");
        return;
    }
    take_snapshot(s);
    struct kmsdns_answer a = {0};
    uint64_t now = (uint64_t)time(NULL);
    int rc = kmsdns_engine_request(s->engine, req->cmid, req->edition, now, &a);
    row->time = now;
    snprintf(row->name, sizeof row->name, "%s", req->name);
    snprintf(row->cmid, sizeof row->cmid, "%s", req->cmid);
    snprintf(row->edition, sizeof row->edition, "%s", req->edition);
    row->count = rc == KMSDNS_OK ? a.count : 0;
    row->result = verdict(c, req, rc, &a);
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: name=%s cmid=%s edition=%s: %s, count %u", c->peer, req->name,
               req->cmid, req->edition, row->result, row->count);
    c->out = c->small;
    enqueue(s, c, KMSDNS_HP_REQUEST);
}

static void on_line(kmsdns_hostsrv *s, struct hs_conn *c)
{
    struct kmsdns_hostproto_req req;
    if (kmsdns_hostproto_parse(c->rd.buf, c->rd.len, &req) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_DEBUG, "%s: bad request: %s", c->peer, req.why);
        send_err(s, c, "bad-request", req.why);
    } else if (req.verb == KMSDNS_HP_STATUS && !c->loopback) {
        send_err(s, c, "forbidden", "STATUS is answered on loopback only");
    } else if (req.verb == KMSDNS_HP_STATUS) {
        enqueue(s, c, KMSDNS_HP_STATUS);
    } else {
        record(s, c, &req);
    }
}

/* ---- the batch ----------------------------------------------------------------- */

static void answer_queued(kmsdns_hostsrv *s, struct hs_conn *c, bool saved)
{
    if (c->verb == KMSDNS_HP_STATUS) {
        size_t len = 0;
        char *line = kmsdns__hostsrv_status(s, &len);
        if (line == NULL)
            send_err(s, c, "internal", "out of memory");
        else
            send_owned(s, c, line, len);
    } else if (!saved) {
        send_err(s, c, "internal", "the request could not be saved; try again");
    } else {
        send_owned(s, c, c->small, c->outlen);
    }
}

/* Makes the pass's requests durable, then answers everything queued. */
static void commit_batch(kmsdns_hostsrv *s)
{
    bool saved = true;
    if (s->nrows > 0) {
        struct kmsdns_diag d;
        kmsdns_diag_init(&d);
        if (kmsdns_store_commit(s->store, s->engine, s->rows, s->nrows, &d) != KMSDNS_OK) {
            kmsdns_log(KMSDNS_LOG_ERR, "%s; %zu request(s) refused as internal", d.text, s->nrows);
            if (kmsdns_engine_restore(s->engine, s->snap.capacity, s->snap.next_seq, s->snap.v,
                                      s->snap.n) != KMSDNS_OK)
                kmsdns_log(KMSDNS_LOG_ERR, "cannot roll the CMID table back");
            saved = false;
        } else {
            for (size_t i = 0; i < s->nrows; i++)
                s->requests += strcmp(s->rows[i].result, "activated") == 0 ||
                               strcmp(s->rows[i].result, "not-activated") == 0;
        }
    }
    s->nrows = 0;
    s->snap.taken = false;
    struct hs_conn *q = s->queue;
    s->queue = s->qtail = NULL;
    while (q != NULL) {
        struct hs_conn *c = q;
        q = c->qnext;
        c->qnext = NULL;
        answer_queued(s, c, saved);
    }
}

/* ---- reading ------------------------------------------------------------------- */

/* Takes DCE/RPC bytes; a whole bind PDU (at most 512 bytes) is answered, anything else closed. */
static void rpc_feed(kmsdns_hostsrv *s, struct hs_conn *c, const uint8_t *data, size_t n)
{
    size_t room = sizeof c->rd.buf - c->rd.len;
    memcpy(c->rd.buf + c->rd.len, data, n < room ? n : room);
    c->rd.len += n < room ? n : room;
    if (c->rd.len < 10)
        return;
    const uint8_t *b = (const uint8_t *)c->rd.buf;
    size_t frag = (size_t)b[8] | (size_t)b[9] << 8;
    if (frag < 16 || frag > sizeof c->rd.buf) {
        close_conn(s, c);
        return;
    }
    if (c->rd.len < frag)
        return;
    size_t len = kmsdns_rpc_bind_answer(b, frag, s->cfg->host.port, s->scratch, sizeof s->scratch);
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: DCE/RPC %s", c->peer,
               len == 0              ? "PDU that is not a bind: closed"
               : s->scratch[2] == 12 ? "bind: bind_ack"
                                     : "bind: bind_nak");
    if (len == 0)
        close_conn(s, c);
    else
        send_copy(s, c, s->scratch, len);
}

static void on_eof(kmsdns_hostsrv *s, struct hs_conn *c)
{
    if (c->state == READING && c->rd.len > 0)
        send_err(s, c, "bad-request", "the connection ended before the line's newline");
    else
        close_conn(s, c);
}

/* Handles one chunk; false when c needs no more input. */
static bool take(kmsdns_hostsrv *s, struct hs_conn *c, const uint8_t *buf, size_t n)
{
    if (c->state == RPC) {
        rpc_feed(s, c, buf, n);
        return c->state == RPC;
    }
    size_t used = 0;
    switch (kmsdns_hostproto_feed(&c->rd, buf, n, &used)) {
    case KMSDNS_HP_MORE:
        return true;
    case KMSDNS_HP_DCERPC:
        c->state = RPC;
        rpc_feed(s, c, buf, n);
        return c->state == RPC;
    case KMSDNS_HP_LINE:
        on_line(s, c);
        return false;
    default: /* KMSDNS_TOOLONG */
        send_err(s, c, "bad-request", "request line longer than 512 bytes");
        return false;
    }
}

static void on_readable(kmsdns_hostsrv *s, struct hs_conn *c)
{
    uint8_t buf[1024];
    while (c->state == READING || c->state == RPC || c->state == DRAINING) {
        ssize_t r = recv(c->fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) { /* EOF, or a reset */
            if (r == 0 && c->state != DRAINING)
                on_eof(s, c);
            else
                close_conn(s, c);
            return;
        }
        if (c->state != DRAINING && !take(s, c, buf, (size_t)r))
            return;
    }
}

/* ---- accepting ------------------------------------------------------------------ */

/* Closes the connection with the oldest deadline; false when there is none. */
static bool evict_oldest(kmsdns_hostsrv *s)
{
    struct hs_conn *c = s->head;
    if (c == NULL)
        return false;
    if (c->state == READING) {
        static const char busy[] = "ERR busy too many open connections; try again\n";
        (void)send(c->fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    kmsdns_log(KMSDNS_LOG_DEBUG, "%s: closed to make room (max-connections %u)", c->peer,
               s->max_conns);
    close_conn(s, c);
    return true;
}

static void add_conn(kmsdns_hostsrv *s, int fd, const struct sockaddr_storage *ss, socklen_t sl)
{
    struct hs_conn *c = calloc(1, sizeof *c);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (c == NULL || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        free(c);
        close(fd);
        return;
    }
    struct kmsdns_addr peer = {.len = sl};
    memcpy(&peer.ss, ss, sizeof peer.ss);
    c->kind = HS_CONN;
    c->state = READING;
    c->fd = fd;
    c->loopback = kmsdns_addr_is_loopback(&peer);
    kmsdns_addr_format(&peer, c->peer);
    s->nconns++;
    arm(s, c);
    on_readable(s, c); /* the line is often there already */
}

static void on_accept(kmsdns_hostsrv *s, struct hs_listener *l)
{
    for (int k = 0; k < ACCEPTS_PER_EVENT && !s->stopping; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && evict_oldest(s))
            continue;
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                kmsdns_log(KMSDNS_LOG_WARNING, "accept: %s", strerror(errno));
            return;
        }
        if (s->nconns >= s->max_conns && !evict_oldest(s)) {
            close(fd);
            continue;
        }
        add_conn(s, fd, &ss, sl);
    }
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_signal(kmsdns_hostsrv *s)
{
    struct signalfd_siginfo si;
    while (read(s->sig.fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            s->event = s->event == KMSDNS_HOSTSRV_STOP ? s->event : KMSDNS_HOSTSRV_RELOAD;
            continue;
        }
        kmsdns_log(KMSDNS_LOG_NOTICE, "%s: stopping", strsignal((int)si.ssi_signo));
        s->event = KMSDNS_HOSTSRV_STOP;
        s->stopping = true;
    }
}

static void dispatch(kmsdns_hostsrv *s, const struct epoll_event *ev)
{
    enum hs_kind kind = *(const enum hs_kind *)ev->data.ptr;
    if (kind == HS_SIGNAL) {
        on_signal(s);
    } else if (kind == HS_WATCH) {
        struct hs_watch *w = ev->data.ptr;
        w->cb(w->arg);
    } else if (kind == HS_LISTENER) {
        on_accept(s, ev->data.ptr);
    } else {
        struct hs_conn *c = ev->data.ptr;
        if (c->state == WRITING && (ev->events & (EPOLLERR | EPOLLHUP)) != 0)
            close_conn(s, c);
        else if (c->state == WRITING)
            flush(s, c);
        else if (c->state != CLOSED && c->state != QUEUED)
            on_readable(s, c);
    }
}

static void expire(kmsdns_hostsrv *s)
{
    uint64_t now = mono_ms();
    while (s->head != NULL && s->head->deadline <= now) {
        if (s->head->state == READING || s->head->state == RPC)
            kmsdns_log(KMSDNS_LOG_DEBUG, "%s: no complete request within %u ms: closed",
                       s->head->peer, KMSDNS_HOSTSRV_READ_TIMEOUT_MS);
        close_conn(s, s->head);
    }
}

static void prune(kmsdns_hostsrv *s)
{
    uint64_t now = (uint64_t)time(NULL);
    if (now < s->next_prune)
        return;
    s->next_prune = now + PRUNE_EVERY_S;
    if (kmsdns_store_prune_log(s->store, now - KMSDNS_HOSTSRV_LOG_DAYS * 86400u) != KMSDNS_OK)
        kmsdns_log(KMSDNS_LOG_WARNING, "%s: cannot prune the request log", s->cfg->host.database);
}

/* Until the first connection deadline, the caller's timer, or the next log pruning. */
static int wait_ms(const kmsdns_hostsrv *s, uint64_t until_ms)
{
    uint64_t now = mono_ms(), next = now + PRUNE_EVERY_S * 1000u;
    if (s->head != NULL && s->head->deadline < next)
        next = s->head->deadline;
    if (until_ms != 0 && until_ms < next)
        next = until_ms;
    return next <= now ? 0 : (int)(next - now) + 1;
}

/* Shutting down: a connection still reading is told so, every connection closed. */
static void close_all(kmsdns_hostsrv *s)
{
    static const char bye[] = "ERR busy the host is shutting down; try again\n";
    while (s->head != NULL) {
        if (s->head->state == READING && s->head->rd.len > 0)
            (void)send(s->head->fd, bye, sizeof bye - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close_conn(s, s->head);
    }
    for (unsigned i = 0; i < s->nlisteners; i++)
        if (s->listeners[i].fd >= 0)
            close(s->listeners[i].fd), s->listeners[i].fd = -1;
    free_dead(s);
}

int kmsdns_hostsrv_run(kmsdns_hostsrv *s, uint64_t until_ms, enum kmsdns_hostsrv_event *event)
{
    struct epoll_event ev[MAX_EVENTS];
    s->event = KMSDNS_HOSTSRV_TIMER;
    s->interrupted = false;
    for (;;) {
        prune(s);
        int n = epoll_wait(s->ep, ev, MAX_EVENTS, wait_ms(s, until_ms));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            kmsdns_log(KMSDNS_LOG_ERR, "epoll_wait: %s", strerror(errno));
            commit_batch(s);
            close_all(s);
            return KMSDNS_SYSTEM;
        }
        for (int i = 0; i < n; i++)
            dispatch(s, &ev[i]);
        commit_batch(s);
        expire(s);
        free_dead(s);
        if (s->stopping) {
            close_all(s);
            break;
        }
        if (s->event == KMSDNS_HOSTSRV_RELOAD || s->interrupted ||
            (until_ms != 0 && mono_ms() >= until_ms))
            break;
    }
    *event = s->event;
    return KMSDNS_OK;
}

void kmsdns_hostsrv_interrupt(kmsdns_hostsrv *s)
{
    s->interrupted = true;
}

uint64_t kmsdns_hostsrv_clock_ms(void)
{
    return mono_ms();
}

int kmsdns_hostsrv_watch(kmsdns_hostsrv *s, int fd, void (*cb)(void *arg), void *arg)
{
    for (size_t i = 0; i < HS_WATCH_MAX; i++) {
        struct hs_watch *w = &s->watches[i];
        if (w->fd >= 0)
            continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            return KMSDNS_SYSTEM;
        *w = (struct hs_watch){HS_WATCH, fd, cb, arg};
        return KMSDNS_OK;
    }
    return KMSDNS_RANGE;
}

void kmsdns_hostsrv_unwatch(kmsdns_hostsrv *s, int fd)
{
    for (size_t i = 0; i < HS_WATCH_MAX; i++) {
        if (s->watches[i].fd != fd)
            continue;
        epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
        s->watches[i].fd = -1;
    }
}

static unsigned connection_cap(unsigned wanted);

void kmsdns_hostsrv_set_config(kmsdns_hostsrv *s, const struct kmsdns_config *cfg)
{
    s->cfg = cfg;
    s->max_conns = connection_cap(cfg->host.max_connections);
}

void kmsdns_hostsrv_clear_domains(kmsdns_hostsrv *s)
{
    for (size_t i = 0; i < s->ndomains; i++)
        free(s->domains[i].name);
    s->ndomains = 0;
}

/* ---- life cycle ----------------------------------------------------------------- */

/* The connection cap: max-connections, lowered to what RLIMIT_NOFILE allows. */
static unsigned connection_cap(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (rlim_t)wanted + FD_RESERVE) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + FD_RESERVE) {
        unsigned cap = rl.rlim_cur > 2 * FD_RESERVE ? (unsigned)rl.rlim_cur - FD_RESERVE : 16u;
        kmsdns_log(KMSDNS_LOG_WARNING,
                   "max-connections %u lowered to %u: the open-files limit is %llu", wanted, cap,
                   (unsigned long long)rl.rlim_cur);
        return cap;
    }
    return wanted;
}

/* SIGTERM, SIGINT and SIGHUP are read from a signalfd in the loop. */
static int open_signals(kmsdns_hostsrv *s, struct kmsdns_diag *d)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    s->sig.kind = HS_SIGNAL;
    s->sig.fd = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->sig};
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
        (s->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
        epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sig.fd, &ev) != 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, NULL, 0, "signals: %s", strerror(errno));
    return KMSDNS_OK;
}

int kmsdns_hostsrv_new(const struct kmsdns_config *cfg, kmsdns_engine *e, kmsdns_store *st,
                       kmsdns_hostsrv **out, struct kmsdns_diag *diag)
{
    *out = NULL;
    kmsdns_hostsrv *s = calloc(1, sizeof *s);
    if (s == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    s->cfg = cfg;
    s->engine = e;
    s->store = st;
    s->sig.fd = -1;
    for (size_t i = 0; i < HS_WATCH_MAX; i++)
        s->watches[i].fd = -1;
    s->started = (uint64_t)time(NULL);
    s->max_conns = connection_cap(cfg->host.max_connections);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = s->ep < 0 ? kmsdns_diag_set(diag, KMSDNS_SYSTEM, NULL, 0, "epoll: %s", strerror(errno))
                       : open_signals(s, diag);
    if (rc == KMSDNS_OK)
        rc = kmsdns__hostsrv_bind(s, diag);
    if (rc != KMSDNS_OK) {
        kmsdns_hostsrv_free(s);
        return rc;
    }
    *out = s;
    return KMSDNS_OK;
}

void kmsdns_hostsrv_free(kmsdns_hostsrv *s)
{
    if (s == NULL)
        return;
    while (s->queue != NULL) {
        struct hs_conn *c = s->queue;
        s->queue = c->qnext;
        close_conn(s, c);
    }
    close_all(s);
    if (s->sig.fd >= 0)
        close(s->sig.fd);
    if (s->ep >= 0)
        close(s->ep);
    for (size_t i = 0; i < s->ndomains; i++)
        free(s->domains[i].name);
    free(s->domains);
    free(s->listeners);
    free(s->rows);
    free(s);
}

int kmsdns_hostsrv_set_domain(kmsdns_hostsrv *s, const char *domain, const char *result, uint64_t t)
{
    size_t i = 0;
    while (i < s->ndomains && strcmp(s->domains[i].name, domain) != 0)
        i++;
    if (i == s->ndomains) {
        void *v = realloc(s->domains, (s->ndomains + 1) * sizeof *s->domains);
        if (v == NULL)
            return KMSDNS_NOMEM;
        s->domains = v;
        if ((s->domains[i].name = strdup(domain)) == NULL)
            return KMSDNS_NOMEM;
        s->ndomains++;
    }
    snprintf(s->domains[i].result, sizeof s->domains[i].result, "%s", result);
    s->domains[i].t = t;
    return KMSDNS_OK;
}
