/* SPDX-License-Identifier: MIT */
/*
 * hostload: the load generator of bench/hostd. It sends TOTAL host protocol
 * v1 requests, each on a new TCP connection with a CMID of its own
 * (PREFIX-0000-4000-8000-<index as 12 hex digits>), keeping at most
 * CONCURRENCY in flight from one epoll loop, and tries every request exactly
 * once: a dead server makes the rest fail fast instead of looping. In-flight
 * connections form one list in start order; as all share one timeout, its
 * head is always the next to expire. Each acknowledged request ("OK ...
 * count=N") is written to the -o file as soon as it arrives, one write(2) per
 * line, so the file is complete even when the server dies mid-run. The
 * summary is one line on stdout; failures and ERR replies are described on
 * stderr.
 */
#define _GNU_SOURCE /* MSG_NOSIGNAL, SOCK_NONBLOCK */
#include "bench_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "hostload"
#define MAX_EVENTS 256
#define REPLY_MAX 1024 /* a longer reply without a newline is a bad reply */
#define REQ_MAX 192
#define EDITION_MAX 64
#define TOTAL_MAX 100000000ull
#define CONC_MAX 1000000ull
#define INDEX_LIMIT (1ull << 48) /* the CMID's last group has 12 hex digits */
#define FD_RESERVE 16

static const char usage_line[] =
    "usage: " PROG " -a ADDR:PORT -n TOTAL -c CONCURRENCY [-p PREFIX] [-e EDITION]"
    " [-o ACKED_FILE] [-t TIMEOUT_MS] [-s START]\n";

enum outcome { OUT_OK, OUT_ERR, OUT_REFUSED, OUT_RESET, OUT_EOF, OUT_TIMEOUT, OUT_BAD, OUT_SYS };
#define OUTCOMES 8
static const char *const outcome_name[OUTCOMES] = {"ok",  "err",     "refused",   "reset",
                                                   "eof", "timeout", "bad-reply", "error"};

struct opts {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    uint64_t total, start, conc;
    char prefix[9];
    const char *edition;
    const char *acked;
    uint64_t timeout_ms;
};

enum cstate { IDLE, CONNECTING, WRITING, READING };

struct conn {
    int fd;
    enum cstate state;
    uint64_t index;
    uint64_t t0; /* microseconds, CLOCK_MONOTONIC */
    struct conn *prev, *next;
    size_t reqlen, sent, rlen;
    char req[REQ_MAX];
    char reply[REPLY_MAX + 1];
};

struct load {
    const struct opts *o;
    int ep, acked_fd;
    bool acked_failed;
    struct conn *conns;
    uint32_t *free_slots;
    size_t nfree;
    struct conn *head, *tail; /* in flight, oldest first */
    uint64_t next, end, inflight;
    uint64_t count[OUTCOMES];
    uint32_t *lat; /* microseconds, one per OK or ERR reply */
    size_t nlat;
    char first_fail[160], first_err[160];
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- command line ---------------------------------------------------------------- */

static void misuse(const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s\n%s", PROG, msg, arg ? ": " : "", arg ? arg : "", usage_line);
    exit(2);
}

static uint64_t parse_num(const char *s, uint64_t min, uint64_t max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 || v < min || v > max)
        misuse(what, s);
    return (uint64_t)v;
}

static void set_prefix(struct opts *o, const char *s)
{
    if (strlen(s) != 8 || strspn(s, "0123456789abcdefABCDEF") != 8)
        misuse("PREFIX must be 8 hex digits", s);
    for (int i = 0; i < 8; i++)
        o->prefix[i] = (char)tolower((unsigned char)s[i]);
    o->prefix[8] = '\0';
}

static void set_edition(struct opts *o, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]))
            misuse("EDITION must be printable ASCII without spaces", s);
    if (n == 0 || n > EDITION_MAX)
        misuse("EDITION must have 1-64 characters", s);
    o->edition = s;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    bool have_a = false, have_n = false, have_c = false;
    int ch;
    *o = (struct opts){.edition = "win7-enterprise", .timeout_ms = 5000};
    set_prefix(o, "0000abcd");
    while ((ch = getopt(argc, argv, "a:n:c:p:e:o:t:s:h")) != -1) {
        switch (ch) {
        case 'a':
            if (!parse_addr(optarg, &o->addr, &o->addrlen))
                misuse("ADDR:PORT must be IPV4:PORT or [IPV6]:PORT", optarg);
            have_a = true;
            break;
        case 'n':
            o->total = parse_num(optarg, 1, TOTAL_MAX, "TOTAL must be 1-100000000");
            have_n = true;
            break;
        case 'c':
            o->conc = parse_num(optarg, 1, CONC_MAX, "CONCURRENCY must be 1-1000000");
            have_c = true;
            break;
        case 'p':
            set_prefix(o, optarg);
            break;
        case 'e':
            set_edition(o, optarg);
            break;
        case 'o':
            o->acked = optarg;
            break;
        case 't':
            o->timeout_ms = parse_num(optarg, 1, 3600000, "TIMEOUT_MS must be 1-3600000");
            break;
        case 's':
            o->start = parse_num(optarg, 0, INDEX_LIMIT - 1, "START must be below 2^48");
            break;
        case 'h':
            fputs(usage_line, stdout);
            exit(0);
        default:
            fputs(usage_line, stderr);
            exit(2);
        }
    }
    if (optind != argc)
        misuse("unexpected argument", argv[optind]);
    if (!have_a || !have_n || !have_c)
        misuse("-a, -n and -c are required", NULL);
    if (o->start + o->total > INDEX_LIMIT)
        misuse("START + TOTAL must not exceed 2^48", NULL);
}

/* Lifts the soft open-files limit to the hard one when CONCURRENCY needs it. */
static void raise_nofile(uint64_t conc)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)(conc + FD_RESERVE);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        fprintf(stderr,
                "%s: CONCURRENCY %" PRIu64 " needs %llu open files; the hard limit is %llu\n", PROG,
                conc, (unsigned long long)need, (unsigned long long)rl.rlim_max);
        exit(2);
    }
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "%s: setrlimit(RLIMIT_NOFILE): %s\n", PROG, strerror(errno));
        exit(2);
    }
}

/* ---- one request ---------------------------------------------------------------- */

static void format_cmid(const struct opts *o, uint64_t index, char out[37])
{
    snprintf(out, 37, "%s-0000-4000-8000-%012" PRIx64, o->prefix, index);
}

static void unlink_conn(struct load *L, struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        L->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        L->tail = c->prev;
    c->prev = c->next = NULL;
}

/* Ends a request: closes its socket (which also leaves epoll) and frees the slot. */
static void finish(struct load *L, struct conn *c, enum outcome out)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = IDLE;
    unlink_conn(L, c);
    L->free_slots[L->nfree++] = (uint32_t)(c - L->conns);
    L->inflight--;
    L->count[out]++;
}

static void fail_errno(struct load *L, struct conn *c, int err)
{
    enum outcome out = OUT_SYS;
    if (err == ECONNREFUSED)
        out = OUT_REFUSED;
    else if (err == ECONNRESET || err == EPIPE)
        out = OUT_RESET;
    if (L->first_fail[0] == '\0')
        snprintf(L->first_fail, sizeof L->first_fail, "request %" PRIu64 ": %s", c->index,
                 strerror(err));
    finish(L, c, out);
}

static void fail_other(struct load *L, struct conn *c, enum outcome out, const char *why)
{
    if (L->first_fail[0] == '\0')
        snprintf(L->first_fail, sizeof L->first_fail, "request %" PRIu64 ": %s", c->index, why);
    finish(L, c, out);
}

/* The N of a " count=N" token after "OK", or -1. */
static int64_t reply_count(const char *line)
{
    const char *p = strstr(line, " count=");
    if (p == NULL || !isdigit((unsigned char)p[7]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p + 7, &end, 10);
    if (errno != 0 || (*end != ' ' && *end != '\0') || v > INT64_MAX)
        return -1;
    return (int64_t)v;
}

static void write_acked(struct load *L, uint64_t index, int64_t count)
{
    char cmid[37], line[80];
    if (L->acked_fd < 0)
        return;
    format_cmid(L->o, index, cmid);
    int n = snprintf(line, sizeof line, "%s %" PRId64 "\n", cmid, count);
    if (write(L->acked_fd, line, (size_t)n) != n && !L->acked_failed) {
        fprintf(stderr, "%s: %s: %s\n", PROG, L->o->acked, errno ? strerror(errno) : "short write");
        L->acked_failed = true;
    }
}

/* A complete reply line (without its newline) arrived. */
static void on_reply(struct load *L, struct conn *c, char *line)
{
    uint64_t us = now_us() - c->t0;
    int64_t count = strncmp(line, "OK ", 3) == 0 ? reply_count(line) : -1;
    if (count < 0 && strncmp(line, "ERR ", 4) != 0 && strcmp(line, "ERR") != 0) {
        fail_other(L, c, OUT_BAD, "reply is neither OK with count= nor ERR");
        return;
    }
    L->lat[L->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (count >= 0) {
        write_acked(L, c->index, count);
        finish(L, c, OUT_OK);
        return;
    }
    if (L->first_err[0] == '\0')
        snprintf(L->first_err, sizeof L->first_err, "request %" PRIu64 ": %s", c->index, line);
    finish(L, c, OUT_ERR);
}

/* After a send or recv that returned n: 1 when it moved bytes (or n is 0), 0 to
 * try it again (EINTR), -1 to stop for now: the socket would block, or c has
 * failed (fail_errno). */
static int io_went(struct load *L, struct conn *c, ssize_t n)
{
    if (n >= 0)
        return 1;
    if (errno == EINTR)
        return 0;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
        fail_errno(L, c, errno);
    return -1;
}

static void do_write(struct load *L, struct conn *c)
{
    while (c->sent < c->reqlen) {
        ssize_t n = send(c->fd, c->req + c->sent, c->reqlen - c->sent, MSG_NOSIGNAL);
        int went = io_went(L, c, n);
        if (went < 0)
            return;
        if (went > 0)
            c->sent += (size_t)n;
    }
    c->state = READING;
}

static void do_read(struct load *L, struct conn *c)
{
    for (;;) {
        if (c->rlen == REPLY_MAX) {
            fail_other(L, c, OUT_BAD, "reply line too long");
            return;
        }
        ssize_t n = recv(c->fd, c->reply + c->rlen, REPLY_MAX - c->rlen, 0);
        int went = io_went(L, c, n);
        if (went < 0)
            return;
        if (went == 0)
            continue;
        if (n == 0) {
            fail_other(L, c, OUT_EOF, "connection closed without a reply line");
            return;
        }
        char *nl = memchr(c->reply + c->rlen, '\n', (size_t)n);
        c->rlen += (size_t)n;
        if (nl != NULL) {
            *nl = '\0';
            on_reply(L, c, c->reply);
            return;
        }
    }
}

/* Edge-triggered: every event runs the connection as far as it can go. */
static void on_event(struct load *L, struct conn *c, uint32_t ev)
{
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            fail_errno(L, c, err);
            return;
        }
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        c->state = WRITING;
    }
    if (c->state == WRITING)
        do_write(L, c);
    if (c->state == READING)
        do_read(L, c);
}

static void start_one(struct load *L)
{
    struct conn *c = &L->conns[L->free_slots[--L->nfree]];
    char cmid[37];
    c->index = L->next++;
    format_cmid(L->o, c->index, cmid);
    c->reqlen = (size_t)snprintf(c->req, sizeof c->req,
                                 "REQUEST v1 cmid=%s edition=%s name=load%" PRIu64 "\n", cmid,
                                 L->o->edition, c->index);
    c->sent = c->rlen = 0;
    c->t0 = now_us();
    c->fd = socket(L->o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->prev = L->tail;
    c->next = NULL;
    *(L->tail != NULL ? &L->tail->next : &L->head) = c;
    L->tail = c;
    L->inflight++;
    c->state = CONNECTING;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u32 = (uint32_t)(c - L->conns)};
    if (c->fd < 0 || epoll_ctl(L->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        fail_errno(L, c, errno);
    else if (connect(c->fd, (const struct sockaddr *)&L->o->addr, L->o->addrlen) == 0)
        on_event(L, c, EPOLLOUT);
    else if (errno != EINPROGRESS)
        fail_errno(L, c, errno);
}

/* ---- the loop ------------------------------------------------------------------- */

static void refill(struct load *L)
{
    while (L->inflight < L->o->conc && L->next < L->end)
        start_one(L);
}

static void expire(struct load *L, uint64_t now)
{
    uint64_t limit = L->o->timeout_ms * 1000u;
    while (L->head != NULL && now - L->head->t0 >= limit)
        fail_other(L, L->head, OUT_TIMEOUT, "no reply line before the timeout");
}

static int wait_ms(const struct load *L, uint64_t now)
{
    if (L->head == NULL)
        return -1;
    uint64_t due = L->head->t0 + L->o->timeout_ms * 1000u;
    return due <= now ? 0 : (int)((due - now + 999) / 1000);
}

static int run(struct load *L)
{
    struct epoll_event evs[MAX_EVENTS];
    refill(L);
    while (L->inflight > 0 || L->next < L->end) {
        int n = epoll_wait(L->ep, evs, MAX_EVENTS, wait_ms(L, now_us()));
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "%s: epoll_wait: %s\n", PROG, strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = &L->conns[evs[i].data.u32];
            if (c->state != IDLE)
                on_event(L, c, evs[i].events);
        }
        expire(L, now_us());
        refill(L);
    }
    return 0;
}

/* ---- set-up and report ----------------------------------------------------------- */

static int load_init(struct load *L, const struct opts *o)
{
    *L = (struct load){.o = o, .ep = -1, .acked_fd = -1, .next = o->start};
    L->end = o->start + o->total;
    L->conns = calloc((size_t)o->conc, sizeof *L->conns);
    L->free_slots = calloc((size_t)o->conc, sizeof *L->free_slots);
    L->lat = calloc((size_t)o->total, sizeof *L->lat);
    if (L->conns == NULL || L->free_slots == NULL || L->lat == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        return -1;
    }
    for (uint64_t i = 0; i < o->conc; i++)
        L->free_slots[L->nfree++] = (uint32_t)(o->conc - 1 - i);
    if ((L->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: epoll_create1: %s\n", PROG, strerror(errno));
        return -1;
    }
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC;
    if (o->acked != NULL && (L->acked_fd = open(o->acked, flags, 0644)) < 0) {
        fprintf(stderr, "%s: %s: %s\n", PROG, o->acked, strerror(errno));
        return -1;
    }
    return 0;
}

static void load_deinit(struct load *L)
{
    if (L->ep >= 0)
        close(L->ep);
    if (L->acked_fd >= 0 && close(L->acked_fd) != 0 && !L->acked_failed) {
        fprintf(stderr, "%s: %s: %s\n", PROG, L->o->acked, strerror(errno));
        L->acked_failed = true;
    }
    free(L->conns);
    free(L->free_slots);
    free(L->lat);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies; 0 when there are none. */
static uint32_t percentile(const struct load *L, unsigned pct)
{
    if (L->nlat == 0)
        return 0;
    size_t rank = (L->nlat * pct + 99) / 100;
    return L->lat[rank > 0 ? rank - 1 : 0];
}

static void report_failures(const struct load *L, uint64_t failed)
{
    if (failed > 0) {
        fprintf(stderr, "%s: %" PRIu64 " failed:", PROG, failed);
        for (int k = OUT_REFUSED; k < OUTCOMES; k++)
            if (L->count[k] > 0)
                fprintf(stderr, " %s=%" PRIu64, outcome_name[k], L->count[k]);
        fprintf(stderr, "; first: %s\n", L->first_fail);
    }
    if (L->count[OUT_ERR] > 0)
        fprintf(stderr, "%s: %" PRIu64 " ERR replies; first: %s\n", PROG, L->count[OUT_ERR],
                L->first_err);
}

static void report(struct load *L, double seconds)
{
    uint64_t answered = L->count[OUT_OK] + L->count[OUT_ERR];
    uint64_t failed = L->o->total - answered;
    qsort(L->lat, L->nlat, sizeof *L->lat, cmp_u32);
    report_failures(L, failed);
    printf("requests=%" PRIu64 " ok=%" PRIu64 " err=%" PRIu64 " failed=%" PRIu64
           " seconds=%.3f rps=%.0f p50_us=%" PRIu32 " p99_us=%" PRIu32 "\n",
           L->o->total, L->count[OUT_OK], L->count[OUT_ERR], failed, seconds,
           seconds > 0 ? (double)answered / seconds : 0.0, percentile(L, 50), percentile(L, 99));
}

int main(int argc, char **argv)
{
    struct opts o;
    struct load L;
    parse_args(argc, argv, &o);
    raise_nofile(o.conc);
    int rc = 1;
    if (load_init(&L, &o) == 0) {
        uint64_t t0 = now_us();
        if (run(&L) == 0) {
            report(&L, (double)(now_us() - t0) / 1e6);
            bool clean = L.count[OUT_OK] == o.total;
            rc = clean ? 0 : 1;
        }
    }
    load_deinit(&L);
    if (L.acked_failed || fflush(stdout) != 0 || ferror(stdout))
        rc = 1;
    return rc;
}
