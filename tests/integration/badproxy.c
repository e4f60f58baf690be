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
 * Handles one message at a time; runs until killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX 65535

static int udp_on(unsigned short port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("badproxy: bind");
        exit(1);
    }
    return fd;
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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: badproxy LISTEN_PORT SERVER_PORT MODE\n");
        return 2;
    }
    unsigned short listen_port = (unsigned short)atoi(argv[1]);
    unsigned short server = (unsigned short)atoi(argv[2]);
    const char *mode = argv[3];
    int fd = udp_on(listen_port);
    static unsigned char q[MAX], a[MAX];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 12)
            continue;
        ssize_t r = ask(server, q, (size_t)n, a);
        if (r < 12)
            continue;
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
