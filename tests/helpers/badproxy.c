/* SPDX-License-Identifier: MIT */
/*
 * A deliberately misbehaving UDP proxy for integration tests: it relays DNS
 * messages between a client and a real server on loopback, and mangles the
 * server's answers to UPDATEs (and only those) the way no real server here
 * would: stripped or corrupted TSIG, garbage, silence, a spoofed answer
 * first. Queries pass untouched, so discovery and reads stay real.
 *
 * usage: badproxy LISTEN_PORT SERVER_PORT MODE
 *   MODE: pass | strip-tsig | bad-mac | garbage (cut short) | drop | spoof-first
 *         | badkey-once (the first UPDATE's TSIG key name is altered on its way
 *           to the server, which then answers BADKEY)
 *         | echo-mac (the answer's TSIG MAC is replaced by the request's own,
 *           as Windows DNS does for SRV updates: the answer proves nothing)
 *         | no-gss-tsig (a TKEY over TCP asking for "gss-tsig" gets FORMERR)
 * TCP is relayed untouched (one message per connection), for TKEY.
 * Handles one message at a time; runs until killed. With BADPROXY_DUMP=DIR
 * set, every answer is also written to DIR (seeds for the fuzz corpus).
 */
#include "helper_io.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX 65535

static int sock_on(unsigned short port, int type)
{
    int fd = socket(AF_INET, type, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("badproxy: bind");
        exit(1);
    }
    if (type == SOCK_STREAM)
        listen(fd, 16);
    return fd;
}

/* Each piece of a message may take 3 s at most. */
#define PIECE_MS 3000

/* True when the message holds the uncompressed name "gss-tsig." (a TKEY asking for it). */
static int asks_gss_tsig(const unsigned char *m, size_t n)
{
    static const unsigned char alg[] = "\x08gss-tsig";
    for (size_t i = 12; i + sizeof alg <= n; i++)
        if (memcmp(m + i, alg, sizeof alg) == 0) /* sizeof includes the root label */
            return 1;
    return 0;
}

/* Relays one length-prefixed message and its answer between a client and the
 * server; with `no_gss_tsig`, a TKEY for "gss-tsig" gets FORMERR instead, as
 * from a server that knows only "gss.microsoft.com". */
static void relay_tcp(int lfd, unsigned short server, int no_gss_tsig)
{
    static unsigned char m[MAX + 2];
    int c = accept(lfd, NULL, NULL), s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(server)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = c >= 0 && s >= 0 && read_full(c, m, 2, PIECE_MS) == 0 &&
             read_full(c, m + 2, (size_t)(m[0] << 8 | m[1]), PIECE_MS) == 0;
    size_t n = (size_t)(m[0] << 8 | m[1]);
    if (ok && no_gss_tsig && n >= 12 && asks_gss_tsig(m + 2, n)) {
        m[0] = 0, m[1] = 12;                       /* a bare header: */
        m[4] |= 0x80;                              /* QR */
        m[5] = (unsigned char)((m[5] & 0xF0) | 1); /* FORMERR */
        memset(m + 6, 0, 8);
        send(c, m, 14, MSG_NOSIGNAL);
    } else if (ok && connect(s, (struct sockaddr *)&a, sizeof a) == 0 && send(s, m, 2 + n, 0) > 0 &&
               read_full(s, m, 2, PIECE_MS) == 0 &&
               read_full(s, m + 2, (size_t)(m[0] << 8 | m[1]), PIECE_MS) == 0) {
        send(c, m, 2 + (size_t)(m[0] << 8 | m[1]), MSG_NOSIGNAL);
    }
    if (c >= 0)
        close(c);
    if (s >= 0)
        close(s);
}

/* Relays q to the server; returns the answer length, or -1 without one in 3 s. */
static ssize_t ask(unsigned short server, const unsigned char *q, size_t n, unsigned char *ans)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(server)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ssize_t r = -1;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && send(fd, q, n, 0) >= 0) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 3000) == 1)
            r = recv(fd, ans, MAX, 0);
    }
    if (fd >= 0)
        close(fd);
    return r;
}

/* Offset of the last RR when it is a TSIG RR, else 0 (a simple walk, enough for tests). */
static size_t last_tsig(const unsigned char *m, size_t n)
{
    size_t off = 12, last = 0;
    unsigned counts = (unsigned)(m[4] << 8 | m[5]);
    unsigned rrs = (unsigned)(m[6] << 8 | m[7]) + (unsigned)(m[8] << 8 | m[9]) +
                   (unsigned)(m[10] << 8 | m[11]);
    for (unsigned i = 0; i < counts + rrs; i++) {
        size_t start = off;
        while (off < n && m[off] != 0 && (m[off] & 0xC0) != 0xC0)
            off += 1 + m[off];
        off += off < n && (m[off] & 0xC0) == 0xC0 ? 2 : 1;
        if (i < counts) {
            off += 4;
            continue;
        }
        if (off + 10 > n)
            return 0;
        unsigned type = (unsigned)(m[off] << 8 | m[off + 1]);
        size_t rdlen = (size_t)(m[off + 8] << 8 | m[off + 9]);
        off += 10 + rdlen;
        last = type == 250 ? start : 0;
    }
    return last;
}

static void dump(const unsigned char *a, size_t n)
{
    static unsigned seq;
    const char *dir = getenv("BADPROXY_DUMP");
    char path[4096];
    if (dir == NULL)
        return;
    snprintf(path, sizeof path, "%s/answer-%03u", dir, seq++);
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(a, 1, n, f);
        fclose(f);
    }
}

/* Offset just past the name at off. */
static size_t skip_name(const unsigned char *m, size_t off)
{
    while (m[off] != 0 && (m[off] & 0xC0) != 0xC0)
        off += 1 + m[off];
    return off + ((m[off] & 0xC0) == 0xC0 ? 2 : 1);
}

/* Replaces the MAC of the answer's TSIG RR (at at) by the request's (at qt); returns the new
 * length. */
static size_t echo_mac(unsigned char *a, size_t n, size_t at, const unsigned char *q, size_t qt)
{
    size_t ao = skip_name(a, at) + 10, qo = skip_name(q, qt) + 10;
    ao = skip_name(a, ao) + 8; /* past algorithm, time signed, fudge: at MAC size */
    qo = skip_name(q, qo) + 8;
    size_t amac = (size_t)(a[ao] << 8 | a[ao + 1]), qmac = (size_t)(q[qo] << 8 | q[qo + 1]);
    unsigned char tail[64];
    size_t tl = n - (ao + 2 + amac);
    if (tl > sizeof tail)
        return n;
    memcpy(tail, a + ao + 2 + amac, tl);
    memcpy(a + ao, q + qo, 2 + qmac);
    memcpy(a + ao + 2 + qmac, tail, tl);
    size_t nn = ao + 2 + qmac + tl;
    size_t rd = skip_name(a, at) + 8; /* RDLENGTH */
    size_t rdlen = nn - (rd + 2);
    a[rd] = (unsigned char)(rdlen >> 8);
    a[rd + 1] = (unsigned char)rdlen;
    return nn;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: badproxy LISTEN_PORT SERVER_PORT MODE\n");
        return 2;
    }
    unsigned short listen_port = (unsigned short)atoi(argv[1]);
    unsigned short server = (unsigned short)atoi(argv[2]);
    const char *mode = argv[3];
    int fd = sock_on(listen_port, SOCK_DGRAM), tfd = sock_on(listen_port, SOCK_STREAM);
    static unsigned char q[MAX], a[MAX];
    int altered = 0;
    for (;;) {
        struct pollfd p[2] = {{fd, POLLIN, 0}, {tfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 1)
            continue;
        if (p[1].revents & POLLIN)
            relay_tcp(tfd, server, strcmp(mode, "no-gss-tsig") == 0);
        if (!(p[0].revents & POLLIN))
            continue;
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 12)
            continue;
        size_t qt = ((q[2] >> 3) & 0x0F) == 5 ? last_tsig(q, (size_t)n) : 0;
        if (strcmp(mode, "badkey-once") == 0 && qt > 0 && !altered) {
            q[qt + 1] ^= 0x01; /* first character of the key name */
            altered = 1;
        }
        ssize_t r = ask(server, q, (size_t)n, a);
        if (r < 12)
            continue;
        dump(a, (size_t)r);
        int update = ((a[2] >> 3) & 0x0F) == 5;
        size_t tsig = update ? last_tsig(a, (size_t)r) : 0;
        if (update && strcmp(mode, "drop") == 0)
            continue;
        if (update && strcmp(mode, "garbage") == 0)
            r -= 5; /* right ID and question, then records cut short */
        if (update && strcmp(mode, "strip-tsig") == 0 && tsig > 0) {
            r = (ssize_t)tsig;
            a[11]--;
        }
        if (update && strcmp(mode, "echo-mac") == 0 && tsig > 0 && qt > 0)
            r = (ssize_t)echo_mac(a, (size_t)r, tsig, q, qt);
        if (update && strcmp(mode, "bad-mac") == 0 && tsig > 0)
            a[r - 7] ^= 0x5A; /* the last MAC byte (other len 0 follows the ID and error) */
        if (update && strcmp(mode, "spoof-first") == 0) {
            unsigned char spoof[MAX];
            memcpy(spoof, a, (size_t)r);
            spoof[1] ^= 0x01; /* another ID: must be ignored */
            sendto(fd, spoof, (size_t)r, 0, (struct sockaddr *)&from, fl);
        }
        sendto(fd, a, (size_t)r, 0, (struct sockaddr *)&from, fl);
    }
}
