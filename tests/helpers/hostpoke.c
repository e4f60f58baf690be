/* SPDX-License-Identifier: MIT */
/*
 * Raw TCP pokes at kmsdns-hostd for the tests: the bytes a well-behaved
 * client would never send, and connections that send nothing at all. It
 * does not link libkmsdns, so what it sends is not shaped by our codec.
 *
 * usage: hostpoke ADDR PORT [--shut] [--timeout MS]       (bytes on stdin)
 *          sends stdin, half-closes with --shut, prints what comes back
 *          until the host closes; stderr says "closed after N ms" or
 *          "timeout". Exit 0 when the host closed, 1 on timeout, 2 when
 *          the connection failed.
 *        hostpoke ADDR PORT --repeat N [--shut]          (bytes on stdin)
 *          the same N times in turn; prints each answer's first line
 *          ("<none>" when closed without one, "<timeout>").
 *        hostpoke ADDR PORT --idle N --hold MS
 *          opens N connections that send nothing, holds them MS ms, and
 *          prints "closed=K of N" (K: those the host closed meanwhile).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage ss;
static socklen_t sslen;

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int target(const char *addr, const char *port)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)atoi(port));
        sslen = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)atoi(port));
        sslen = sizeof *v6;
    } else {
        return -1;
    }
    return 0;
}

/* One exchange; the answer (NUL-terminated) into buf. 0 closed, 1 timeout, 2 no connection. */
static int exchange(const char *data, size_t n, int shut, int timeout_ms, char *buf, size_t cap,
                    size_t *got)
{
    *got = 0;
    buf[0] = '\0';
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
        if (fd >= 0)
            close(fd);
        return 2;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, data + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the host may close while we send (an over-long line) */
        off += (size_t)w;
    }
    if (shut)
        shutdown(fd, SHUT_WR);
    long long deadline = ms_now() + timeout_ms;
    int rc = 1;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - ms_now();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t r = recv(fd, buf + *got, cap - 1 - *got, 0);
        if (r <= 0) {
            rc = 0;
            break;
        }
        *got += (size_t)r;
        buf[*got] = '\0';
    }
    close(fd);
    return rc;
}

static int idle(int n, int hold_ms)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    int opened = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        int fd = socket(ss.ss_family, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
            fprintf(stderr, "hostpoke: connection %d: %s\n", i, strerror(errno));
            if (fd >= 0)
                close(fd);
            break;
        }
        p[opened].fd = fd;
        p[opened++].events = POLLIN;
    }
    long long deadline = ms_now() + hold_ms;
    while (ms_now() < deadline)
        usleep(20000);
    for (int i = 0; i < opened; i++) {
        char c;
        p[i].revents = 0;
        if (poll(&p[i], 1, 0) == 1 && recv(p[i].fd, &c, 1, MSG_DONTWAIT) <= 0)
            closed++;
        else if (p[i].revents != 0)
            closed++; /* answered (ERR busy) then closed */
        close(p[i].fd);
    }
    printf("closed=%d of %d\n", closed, opened);
    free(p);
    return opened == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || target(argv[1], argv[2]) != 0) {
        fprintf(stderr, "usage: hostpoke ADDR PORT [--shut] [--timeout MS] [--repeat N] | --idle N "
                        "--hold MS\n");
        return 2;
    }
    int shut = 0, timeout_ms = 8000, repeat = 0, nidle = 0, hold = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--shut") == 0)
            shut = 1;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc)
            nidle = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = atoi(argv[++i]);
        else
            return fprintf(stderr, "hostpoke: bad argument '%s'\n", argv[i]), 2;
    }
    if (nidle > 0)
        return idle(nidle, hold);
    static char in[1 << 20], buf[1 << 16];
    size_t n = fread(in, 1, sizeof in, stdin);
    size_t got;
    if (repeat == 0) {
        long long t0 = ms_now();
        int rc = exchange(in, n, shut, timeout_ms, buf, sizeof buf, &got);
        fwrite(buf, 1, got, stdout);
        if (rc == 0)
            fprintf(stderr, "closed after %lld ms\n", ms_now() - t0);
        else
            fprintf(stderr, rc == 1 ? "timeout\n" : "hostpoke: cannot connect\n");
        return rc;
    }
    for (int i = 0; i < repeat; i++) {
        int rc = exchange(in, n, shut, timeout_ms, buf, sizeof buf, &got);
        if (rc == 2)
            return fprintf(stderr, "hostpoke: cannot connect (round %d)\n", i), 2;
        buf[strcspn(buf, "\n")] = '\0';
        printf("%s\n", rc == 1 ? "<timeout>" : got == 0 ? "<none>" : buf);
    }
    return 0;
}
