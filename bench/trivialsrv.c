/* SPDX-License-Identifier: MIT */
/*
 * trivialsrv: the baseline of bench/hostd, a trivial accept-reply-close
 * server. It reads one line per connection (at most 512 bytes including the
 * newline, else it closes), writes a fixed host protocol v1 OK answer and
 * closes; it keeps no state and stores nothing, so it shows what one epoll
 * loop on this machine can do with a connection per request. Like
 * kmsdns-hostd, it tries to read a new connection's line as soon as it is
 * accepted, and registers it with epoll only when the line is not there
 * yet. It prints nothing but errors and stops, with exit status 0, on
 * SIGTERM or SIGINT.
 */
#define _GNU_SOURCE /* accept4, MSG_NOSIGNAL */
#include "bench_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "trivialsrv"
#define LINE_MAX_BYTES 512
#define MAX_EVENTS 256
#define ACCEPTS_PER_EVENT 64
#define BACKLOG 4096
#define FD_TABLE_MAX (1u << 20)

static const char usage_line[] = "usage: " PROG " -a ADDR:PORT\n";
static const char answer[] =
    "OK count=1 threshold=25 activated=0 validity=0 renewal=10080 retry=120\n";

struct srv {
    int ep, lfd, sigfd;
    int spare;      /* a descriptor given up to accept and drop a client when out of them */
    uint16_t *seen; /* bytes read so far, by descriptor */
    size_t nseen;
    bool stopping;
};

static void parse_args(int argc, char **argv, struct sockaddr_storage *ss, socklen_t *len)
{
    bool have_a = false;
    int ch;
    while ((ch = getopt(argc, argv, "a:h")) != -1) {
        if (ch == 'h') {
            fputs(usage_line, stdout);
            exit(0);
        }
        if (ch != 'a' || !parse_addr(optarg, ss, len)) {
            if (ch == 'a')
                fprintf(stderr, "%s: ADDR:PORT must be IPV4:PORT or [IPV6]:PORT: %s\n", PROG,
                        optarg);
            fputs(usage_line, stderr);
            exit(2);
        }
        have_a = true;
    }
    if (!have_a || optind != argc) {
        fputs(usage_line, stderr);
        exit(2);
    }
}

/* ---- connections ---------------------------------------------------------------- */

static void drop(struct srv *s, int fd)
{
    s->seen[fd] = 0;
    close(fd); /* also leaves epoll */
}

/* Reads what is there; returns true while the connection waits for more. */
static bool serve(struct srv *s, int fd)
{
    char buf[LINE_MAX_BYTES];
    for (;;) {
        ssize_t n = recv(fd, buf, LINE_MAX_BYTES - s->seen[fd], 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n > 0 && memchr(buf, '\n', (size_t)n) != NULL)
            (void)send(fd, answer, sizeof answer - 1, MSG_NOSIGNAL);
        else if (n > 0 && s->seen[fd] + n < LINE_MAX_BYTES) {
            s->seen[fd] = (uint16_t)(s->seen[fd] + n);
            continue;
        }
        drop(s, fd); /* answered, EOF, error, or 512 bytes without a newline */
        return false;
    }
}

static void add_conn(struct srv *s, int fd)
{
    if ((size_t)fd >= s->nseen) {
        close(fd);
        return;
    }
    s->seen[fd] = 0;
    if (!serve(s, fd)) /* the line is often there already */
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        fprintf(stderr, "%s: epoll_ctl: %s\n", PROG, strerror(errno));
        drop(s, fd);
    }
}

/* Out of descriptors: frees the spare one to accept and close a client. */
static bool shed_one(struct srv *s)
{
    if (s->spare < 0)
        return false;
    close(s->spare);
    int fd = accept(s->lfd, NULL, NULL);
    if (fd >= 0)
        close(fd);
    s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0;
}

static void on_accept(struct srv *s)
{
    for (int k = 0; k < ACCEPTS_PER_EVENT; k++) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && shed_one(s))
            continue;
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fprintf(stderr, "%s: accept: %s\n", PROG, strerror(errno));
            return;
        }
        add_conn(s, fd);
    }
}

/* ---- set-up and loop ------------------------------------------------------------ */

static int open_listener(const struct sockaddr_storage *ss, socklen_t len)
{
    int one = 1;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, BACKLOG) != 0) {
        fprintf(stderr, "%s: listen: %s\n", PROG, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int open_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The per-descriptor table covers the open-files limit, raised to the hard one. */
static size_t fd_table_size(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur != rl.rlim_max && rl.rlim_max != RLIM_INFINITY) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FD_TABLE_MAX ? FD_TABLE_MAX
                                                                      : (size_t)rl.rlim_cur;
}

static int srv_init(struct srv *s, const struct sockaddr_storage *ss, socklen_t len)
{
    *s = (struct srv){.ep = -1, .lfd = -1, .sigfd = -1, .spare = -1};
    s->nseen = fd_table_size();
    if ((s->seen = calloc(s->nseen, sizeof *s->seen)) == NULL) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN}, sev = {.events = EPOLLIN};
    if ((s->sigfd = open_signals()) < 0 || (s->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: set-up: %s\n", PROG, strerror(errno));
        return -1;
    }
    if ((s->lfd = open_listener(ss, len)) < 0)
        return -1;
    lev.data.fd = s->lfd;
    sev.data.fd = s->sigfd;
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &lev) != 0 ||
        epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sigfd, &sev) != 0) {
        fprintf(stderr, "%s: epoll_ctl: %s\n", PROG, strerror(errno));
        return -1;
    }
    return 0;
}

/* Closes what srv_init opened; open client connections just go with the process. */
static void srv_deinit(struct srv *s)
{
    int fds[] = {s->ep, s->lfd, s->sigfd, s->spare};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(s->seen);
}

static int srv_run(struct srv *s)
{
    struct epoll_event evs[MAX_EVENTS];
    while (!s->stopping) {
        int n = epoll_wait(s->ep, evs, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "%s: epoll_wait: %s\n", PROG, strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == s->sigfd)
                s->stopping = true;
            else if (fd == s->lfd)
                on_accept(s);
            else
                (void)serve(s, fd);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    struct srv s;
    parse_args(argc, argv, &ss, &len);
    int rc = srv_init(&s, &ss, len) == 0 && srv_run(&s) == 0 ? 0 : 1;
    srv_deinit(&s);
    return rc;
}
