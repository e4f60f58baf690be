/* SPDX-License-Identifier: MIT */
/*
 * Connections from a chosen loopback source address, for the fairness test
 * of kmsdns-hostd's connection cap (tests/integration/hostd_flood.sh): one
 * process floods the host with idle connections from one address while
 * another, from a second address, behaves like a slow but honest client.
 * hostpoke cannot bind a source address, and the two roles need pacing
 * hostpoke does not have. It does not link libkmsdns, so what it sends is
 * not shaped by our codec.
 *
 * usage: hostflood ADDR PORT --from SRC --flood RATE --for MS
 *          opens RATE idle connections a second from SRC for MS ms, each
 *          held until the host closes it; prints "opened=N closed=K" at
 *          the end, or when SIGTERM ends it early.
 *        hostflood ADDR PORT --from SRC --slow N --wait MS [--timeout MS]
 *          N times in turn: connect from SRC, wait MS ms, send a REQUEST
 *          (a CMID of its own each time), read the answer's first line;
 *          prints "ok=A busy=B other=C" and each other answer on stderr.
 * Exit 0 when it ran, 1 when a connection could not be made, 2 on misuse.
 */
#define _GNU_SOURCE /* IP_BIND_ADDRESS_NO_PORT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HELD_MAX 4096 /* idle connections held at once; far above any cap the tests use */

static struct sockaddr_in dst, src;
static volatile sig_atomic_t stop; /* SIGTERM: the flood ends early and reports */

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_addr(struct sockaddr_in *a, const char *ip, int port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

/*
 * A connected socket from src, or -1. The port is picked at connect time
 * (IP_BIND_ADDRESS_NO_PORT), so thousands of connections from one address
 * do not exhaust the ephemeral ports a bare bind() would reserve.
 */
static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)&src, sizeof src) != 0 ||
        connect(fd, (const struct sockaddr *)&dst, sizeof dst) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Closes every held connection the host has closed or answered; returns how many. */
static int reap(struct pollfd *p, int *n)
{
    int closed = 0;
    if (*n == 0 || poll(p, (nfds_t)*n, 0) <= 0)
        return 0;
    for (int i = 0; i < *n;) {
        if (p[i].revents == 0) {
            i++;
            continue;
        }
        close(p[i].fd);
        p[i] = p[--*n];
        closed++;
    }
    return closed;
}

static int flood(int rate, int for_ms)
{
    static struct pollfd p[HELD_MAX];
    int held = 0, opened = 0, closed = 0;
    long long t0 = ms_now(), end = t0 + for_ms;
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    for (long long now = t0; now < end && !stop; now = ms_now()) {
        closed += reap(p, &held);
        long long due = (now - t0) * rate / 1000; /* connections that should be open by now */
        if (opened >= due || held == HELD_MAX) {
            usleep(1000);
            continue;
        }
        int fd = dial();
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0) {
            fprintf(stderr, "hostflood: connection %d: %s\n", opened, strerror(errno));
            return 1;
        }
        p[held++] = (struct pollfd){.fd = fd, .events = POLLIN};
        opened++;
    }
    closed += reap(p, &held);
    for (int i = 0; i < held; i++)
        close(p[i].fd);
    printf("opened=%d closed=%d\n", opened, closed);
    return 0;
}

/* The answer's first line into line; 0 answered, -1 none before the timeout or EOF. */
static int ask(int fd, int i, int timeout_ms, char *line, size_t cap)
{
    char req[160];
    int n = snprintf(req, sizeof req,
                     "REQUEST v1 cmid=00000000-0000-4000-8000-%012x edition=win7-enterprise "
                     "name=slow%d\n",
                     i + 1, i + 1);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        return -1; /* already evicted and reset */
    size_t got = 0;
    long long end = ms_now() + timeout_ms;
    while (got + 1 < cap && memchr(line, '\n', got) == NULL) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = end - ms_now();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        ssize_t r = recv(fd, line + got, cap - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    line[got] = '\0';
    line[strcspn(line, "\n")] = '\0';
    return got > 0 ? 0 : -1;
}

static int slow(int n, int wait_ms, int timeout_ms)
{
    int ok = 0, busy = 0, other = 0;
    for (int i = 0; i < n; i++) {
        char line[512] = "";
        int fd = dial();
        if (fd < 0) {
            fprintf(stderr, "hostflood: slow connection %d: %s\n", i, strerror(errno));
            return 1;
        }
        usleep((useconds_t)wait_ms * 1000u);
        int rc = ask(fd, i, timeout_ms, line, sizeof line);
        close(fd);
        if (rc == 0 && strncmp(line, "OK ", 3) == 0)
            ok++;
        else if (rc == 0 && strncmp(line, "ERR busy", 8) == 0)
            busy++;
        else
            other++,
                fprintf(stderr, "hostflood: request %d: %s\n", i + 1, rc == 0 ? line : "<none>");
    }
    printf("ok=%d busy=%d other=%d\n", ok, busy, other);
    return 0;
}

int main(int argc, char **argv)
{
    int rate = 0, for_ms = 0, nslow = 0, wait_ms = 0, timeout_ms = 3000;
    const char *from = NULL;
    if (argc < 3 || set_addr(&dst, argv[1], atoi(argv[2])) != 0)
        return fprintf(stderr, "usage: hostflood ADDR PORT --from SRC (--flood RATE --for MS | "
                               "--slow N --wait MS [--timeout MS])\n"),
               2;
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--from") == 0)
            from = v;
        else if (strcmp(k, "--flood") == 0)
            rate = atoi(v);
        else if (strcmp(k, "--for") == 0)
            for_ms = atoi(v);
        else if (strcmp(k, "--slow") == 0)
            nslow = atoi(v);
        else if (strcmp(k, "--wait") == 0)
            wait_ms = atoi(v);
        else if (strcmp(k, "--timeout") == 0)
            timeout_ms = atoi(v);
        else
            return fprintf(stderr, "hostflood: bad argument '%s'\n", k), 2;
    }
    if (from == NULL || set_addr(&src, from, 0) != 0 || (rate > 0) == (nslow > 0))
        return fprintf(stderr, "hostflood: --from SRC and one of --flood or --slow needed\n"), 2;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    return rate > 0 ? flood(rate, for_ms) : slow(nslow, wait_ms, timeout_ms);
}
