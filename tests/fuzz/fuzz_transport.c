/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the transport's answer matching and its TCP framing
 * (core/transport.c). The first byte picks the path: even, the bytes are a
 * UDP answer judged by kmsdns_transport_answer_matches(); odd, they are what
 * a TCP server sends back (length prefixes, messages, garbage) to a real
 * exchange over loopback, served by a thread of this process. Whatever comes
 * back, an exchange that succeeds must hold an answer to its own question.
 */
#include "kmsdns/addr.h"
#include "kmsdns/error.h"
#include "kmsdns/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* _vlmcs._tcp.corp.test SRV IN, ID 0x1234 */
static const uint8_t query[] = {0x12, 0x34, 0x00, 0x00, 0,   1,   0,   0,   0,   0,   0,   0, 6,
                                '_',  'v',  'l',  'm',  'c', 's', 4,   '_', 't', 'c', 'p', 4, 'c',
                                'o',  'r',  'p',  4,    't', 'e', 's', 't', 0,   0,   33,  0, 1};

static int listener = -1;
static struct kmsdns_addr server;

static int listen_once(void)
{
    if (listener >= 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    char text[32];
    snprintf(text, sizeof text, "127.0.0.1:%u", ntohs(sa.sin_port));
    if (kmsdns_addr_parse(text, 53, KMSDNS_ADDR_PORT_ALLOWED, &server, NULL) != KMSDNS_OK)
        return -1;
    listener = fd;
    return 0;
}

struct reply {
    const uint8_t *p;
    size_t n;
};

/* Accepts one exchange, reads its query, sends the fuzz bytes, closes. */
static void *serve(void *arg)
{
    const struct reply *r = arg;
    struct pollfd pfd = {.fd = listener, .events = POLLIN};
    if (poll(&pfd, 1, 1000) != 1)
        return NULL;
    int c = accept(listener, NULL, NULL);
    if (c < 0)
        return NULL;
    uint8_t in[512];
    size_t got = 0;
    struct pollfd cp = {.fd = c, .events = POLLIN};
    while (got < sizeof query + 2 && poll(&cp, 1, 1000) == 1) {
        ssize_t k = recv(c, in + got, sizeof in - got, 0);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    for (size_t off = 0; off < r->n;) { /* in pieces, so the framing sees partial reads */
        size_t k = r->n - off < 7 ? r->n - off : 7;
        if (send(c, r->p + off, k, MSG_NOSIGNAL) != (ssize_t)k)
            break;
        off += k;
    }
    close(c);
    return NULL;
}

static void over_tcp(const uint8_t *data, size_t size)
{
    if (listen_once() != 0)
        return;
    struct reply r = {data, size};
    pthread_t th;
    if (pthread_create(&th, NULL, serve, &r) != 0)
        return;
    struct kmsdns_exchange x = {
        .server = server, .query = query, .query_len = sizeof query, .tcp = true};
    struct kmsdns_transport_opts o = {.timeout_ms = 300, .retries = 0};
    int rc = kmsdns_transport_run(&kmsdns_transport_net, &x, 1, &o);
    pthread_join(th, NULL);
    if (rc == KMSDNS_OK && x.rc == KMSDNS_OK &&
        !kmsdns_transport_answer_matches(query, sizeof query, x.answer, x.answer_len))
        abort();
    kmsdns_exchange_reset(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        over_tcp(data + 1, size - 1);
    else
        (void)kmsdns_transport_answer_matches(query, sizeof query, data + 1, size - 1);
    return 0;
}
