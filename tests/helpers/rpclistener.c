/* SPDX-License-Identifier: MIT */
/*
 * A tiny DCE/RPC listener for probe tests: it answers connection-oriented
 * binds (C706 12.6) the way a KMS host would, or refuses, hangs up or stays
 * silent. It does not link libkmsdns, so the PDUs it writes and reads are a
 * second, independent reading of the layouts core/probe.c uses.
 *
 * usage: rpclistener PORT MODE   (listens on 127.0.0.1:PORT)
 *   MODE: ack    (a bind offering the KMS interface 51c82175-844e-4750-b0d8-
 *                 ec255555bc06 v1.0 gets a bind_ack echoing its call_id, the
 *                 KMS context accepted with NDR v2 when offered; a bind for
 *                 other interfaces only gets a bind_nak)
 *       | nak    (every bind gets a bind_nak, reason 2: local limit exceeded)
 *       | close  (accepts and closes without reading or answering)
 *       | silent (accepts and reads, never answers)
 *       | hostile (reads what comes, answers a host-protocol-looking line full
 *                  of terminal escapes, closes: for what clients print)
 * One connection at a time; runs until killed.
 */
#include "helper_io.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX 65536

static const uint8_t kms_uuid[16] = {0x75, 0x21, 0xc8, 0x51, 0x4e, 0x84, 0x50, 0x47,
                                     0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06};
static const uint8_t ndr_uuid[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                     0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};

static unsigned get16(const uint8_t *p)
{
    return (unsigned)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Reads one PDU (common header, then frag_length in all); its length or 0. */
static size_t read_pdu(int fd, uint8_t *b)
{
    if (read_full(fd, b, 16, 5000) != 0 || b[0] != 5 || get16(b + 8) < 16)
        return 0;
    size_t len = get16(b + 8);
    return read_full(fd, b + 16, len - 16, 5000) == 0 ? len : 0;
}

/* The common header, in the little-endian data representation. */
static void header(uint8_t *o, uint8_t ptype, size_t len, uint32_t call_id)
{
    memset(o, 0, 16);
    o[0] = 5;
    o[2] = ptype;
    o[3] = 0x03; /* first and last fragment */
    o[4] = 0x10;
    put16(o + 8, (unsigned)len);
    put32(o + 12, call_id);
}

static size_t bind_nak(uint8_t *o, uint32_t call_id, unsigned reason)
{
    header(o, 13, 24, call_id);
    put16(o + 16, reason);
    o[18] = 1; /* versions supported: 1, that is 5.0 */
    o[19] = 5;
    o[20] = 0;
    memset(o + 21, 0, 3); /* padding */
    return 24;
}

/*
 * Answers a bind: one result per offered context, the KMS interface
 * accepted (with NDR if offered), others refused; no KMS context at all
 * gets a bind_nak. Returns the answer's length, 0 for a malformed bind.
 */
static size_t answer_bind(const uint8_t *in, size_t len, uint8_t *o, unsigned short port)
{
    uint32_t call_id = get32(in + 12);
    if (in[2] != 11 || len < 28)
        return 0;
    size_t nctx = in[24], off = 28;
    char sec[8];
    int seclen = snprintf(sec, sizeof sec, "%u", port) + 1;
    size_t out = 24;
    put16(o + 16, 5840);     /* max_xmit_frag */
    put16(o + 18, 5840);     /* max_recv_frag */
    put32(o + 20, 0x4b4d53); /* assoc_group_id */
    put16(o + out, (unsigned)seclen);
    memcpy(o + out + 2, sec, (size_t)seclen);
    out += 2 + (size_t)seclen;
    while (out % 4 != 0)
        o[out++] = 0;
    o[out] = (uint8_t)nctx;
    memset(o + out + 1, 0, 3);
    out += 4;
    int kms = 0;
    for (size_t i = 0; i < nctx; i++) {
        if (off + 24 > len)
            return 0;
        size_t nts = in[off + 2];
        const uint8_t *abstract = in + off + 4;
        off += 24;
        if (off + 20 * nts > len)
            return 0;
        int is_kms = memcmp(abstract, kms_uuid, 16) == 0 && get32(abstract + 16) == 1;
        const uint8_t *ndr = NULL;
        for (size_t t = 0; t < nts; t++)
            if (memcmp(in + off + 20 * t, ndr_uuid, 16) == 0 && get32(in + off + 20 * t + 16) == 2)
                ndr = in + off + 20 * t;
        off += 20 * nts;
        kms |= is_kms;
        /* result: 0 acceptance, 2 provider rejection; reason 1 abstract
         * syntax, 2 transfer syntaxes not supported */
        put16(o + out, is_kms && ndr != NULL ? 0 : 2);
        put16(o + out + 2, is_kms && ndr != NULL ? 0 : is_kms ? 2 : 1);
        if (is_kms && ndr != NULL)
            memcpy(o + out + 4, ndr, 20);
        else
            memset(o + out + 4, 0, 20);
        out += 24;
    }
    if (!kms)
        return bind_nak(o, call_id, 0);
    header(o, 12, out, call_id);
    return out;
}

static void serve(int c, const char *mode, unsigned short port)
{
    static uint8_t in[MAX], out[MAX];
    size_t n;
    if (strcmp(mode, "close") == 0)
        return;
    if (strcmp(mode, "hostile") == 0) {
        static const char line[] = "OK count=1 title=\x1b]0;owned\x07 clear=\x1b[2J\x9b"
                                   "2J x=\r\n";
        (void)read_full(c, in, 1, 2000);
        (void)send(c, line, sizeof line - 1, MSG_NOSIGNAL);
        return;
    }
    if (strcmp(mode, "silent") == 0) {
        while (read_full(c, in, 1, 60000) == 0)
            ;
        return;
    }
    while ((n = read_pdu(c, in)) > 0) {
        size_t m = strcmp(mode, "nak") == 0 ? bind_nak(out, get32(in + 12), 2)
                                            : answer_bind(in, n, out, port);
        if (m == 0 || send(c, out, m, MSG_NOSIGNAL) != (ssize_t)m)
            return;
    }
}

int main(int argc, char **argv)
{
    const char *modes[] = {"ack", "nak", "close", "silent", "hostile"};
    int known = 0;
    for (size_t i = 0; argc == 3 && i < sizeof modes / sizeof modes[0]; i++)
        known |= strcmp(argv[2], modes[i]) == 0;
    long port = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
    if (!known || port <= 0 || port > 65535) {
        fprintf(stderr, "usage: rpclistener PORT ack|nak|close|silent|hostile\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
        perror("rpclistener: bind");
        return 1;
    }
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(c, argv[2], (unsigned short)port);
        close(c);
    }
}
