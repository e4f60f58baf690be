/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's exchange with one host (host/client_talk.c) against a
 * loopback listener thread playing the host: an answer line, a close with
 * none or half of one, a line too long, silence past the deadline, a
 * refused connect; then client_ask()'s parsing and client_quote().
 */
#include "testutil.h"

#include "client_talk.h"
#include "kmsdns/addr.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

static const char request[] = "REQUEST v1 cmid=x\n";

/* The host's part: accept one connection, read one line, send reply (NULL:
 * say nothing until the client hangs up), close. */
struct host {
    int lfd;
    const char *reply;
    char got[256];
    pthread_t th;
};

static void *serve(void *arg)
{
    struct host *h = arg;
    int fd = accept(h->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    size_t n = 0;
    while (n + 1 < sizeof h->got && (n == 0 || h->got[n - 1] != '\n')) {
        ssize_t r = recv(fd, h->got + n, sizeof h->got - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    h->got[n] = '\0';
    if (h->reply != NULL) {
        ssize_t w = send(fd, h->reply, strlen(h->reply), MSG_NOSIGNAL);
        (void)w;
    } else {
        char c;
        while (recv(fd, &c, 1, 0) > 0)
            ;
    }
    close(fd);
    return NULL;
}

/* Starts a host answering reply; *a is where it listens. */
static void host_start(struct host *h, const char *reply, struct kmsdns_addr *a)
{
    memset(h, 0, sizeof *h);
    h->reply = reply;
    h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(h->lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(h->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(h->lfd, 4), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(h->lfd, (struct sockaddr *)&sa, &sl), 0);
    memset(a, 0, sizeof *a);
    memcpy(&a->ss, &sa, sizeof sa);
    a->len = sizeof sa;
    assert_int_equal(pthread_create(&h->th, NULL, serve, h), 0);
}

static void host_stop(struct host *h)
{
    pthread_join(h->th, NULL);
    close(h->lfd);
}

/* One client_talk() with buf[cap] and timeout_ms; the answer's length. */
static size_t talk(const char *reply, char *buf, size_t cap, unsigned timeout_ms, const char **why,
                   struct host *h)
{
    struct kmsdns_addr a;
    host_start(h, reply, &a);
    *why = NULL;
    size_t n =
        client_talk(&a, request, strlen(request), buf, cap, kmsdns_now_ms() + timeout_ms, why);
    host_stop(h);
    return n;
}

/* A talk() with buf[cap] that must fail (no answer): the reason it gives. */
static const char *talk_fails(const char *reply, size_t cap, unsigned timeout_ms)
{
    char buf[CLIENT_REPLY_MAX];
    const char *why;
    struct host h;
    assert_true(cap <= sizeof buf);
    assert_int_equal(talk(reply, buf, cap, timeout_ms, &why, &h), 0);
    return why;
}

static void test_answer_line(void **state)
{
    (void)state;
    static const char ok[] = "OK count=3 threshold=25 activated=0 validity=0 renewal=15 retry=15\n";
    char buf[CLIENT_REPLY_MAX];
    const char *why;
    struct host h;
    size_t n = talk(ok, buf, sizeof buf, 2000, &why, &h);
    assert_int_equal(n, strlen(ok));
    assert_memory_equal(buf, ok, n);
    assert_null(why);
    assert_string_equal(h.got, request); /* the line, whole, and nothing else */
}

static void test_closed_without_answer(void **state)
{
    (void)state;
    assert_string_equal(talk_fails("", 64, 2000), "closed without an answer");
    assert_string_equal(talk_fails("OK count=1", 64, 2000), "answer not ended by a newline");
}

static void test_line_too_long(void **state)
{
    (void)state;
    assert_string_equal(talk_fails("OK count=1 threshold=25 activated=0\n", 16, 2000),
                        "answer line too long");
}

static void test_silence_until_the_deadline(void **state)
{
    (void)state;
    uint64_t t0 = kmsdns_now_ms();
    const char *why = talk_fails(NULL, 64, 150);
    uint64_t took = kmsdns_now_ms() - t0;
    assert_string_equal(why, strerror(ETIMEDOUT));
    assert_true(took >= 150);
    assert_true(took < 2000);
}

static void test_refused(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd); /* bound, never listened on, now free: nobody there */
    struct kmsdns_addr a = {.len = sizeof sa};
    memcpy(&a.ss, &sa, sizeof sa);
    char buf[64];
    const char *why = NULL;
    assert_int_equal(
        client_talk(&a, request, strlen(request), buf, sizeof buf, kmsdns_now_ms() + 2000, &why),
        0);
    assert_string_equal(why, strerror(ECONNREFUSED));
}

/* One client_ask() of a host answering reply: whether it read a v1 answer. */
static bool ask(const char *reply, struct kmsdns_hostproto_reply *r, char why[CLIENT_QUOTE_BUF])
{
    struct kmsdns_addr a;
    struct host h;
    host_start(&h, reply, &a);
    bool answered = client_ask(&a, request, strlen(request), 2, r, why);
    host_stop(&h);
    return answered;
}

/* client_ask(): OK and ERR are v1 answers; anything else comes back quoted. */
static void test_ask_parses_or_quotes(void **state)
{
    (void)state;
    struct kmsdns_hostproto_reply r;
    char why[CLIENT_QUOTE_BUF];

    assert_true(ask(
        "OK count=26 threshold=25 activated=1 validity=259200 renewal=10080 retry=120\n", &r, why));
    assert_true(r.ok);
    assert_int_equal(r.answer.count, 26);
    assert_true(r.answer.activated);

    assert_true(ask("ERR edition-not-covered no such edition\n", &r, why));
    assert_false(r.ok);
    assert_string_equal(r.code, "edition-not-covered");

    assert_false(ask("HELLO\x01 world\n", &r, why));
    assert_string_equal(why, "HELLO. world");

    assert_false(ask("", &r, why));
    assert_string_equal(why, "closed without an answer");
}

static void test_quote(void **state)
{
    (void)state;
    char out[CLIENT_QUOTE_BUF], in[200];
    assert_string_equal(client_quote("a\tb\x1b[0m\xc3\xa9z", 10, out), "a.b.[0m..z");
    memset(in, 'x', sizeof in);
    assert_int_equal(strlen(client_quote(in, sizeof in, out)), 80);
    assert_string_equal(client_quote("", 0, out), "");
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_answer_line),
              cmocka_unit_test(test_closed_without_answer),
              cmocka_unit_test(test_line_too_long),
              cmocka_unit_test(test_silence_until_the_deadline),
              cmocka_unit_test(test_refused),
              cmocka_unit_test(test_ask_parses_or_quotes),
              cmocka_unit_test(test_quote),
          })
