/* SPDX-License-Identifier: MIT */
/*
 * The transport's answer matching: an answer counts only with our ID and our
 * question (name in any case, QTYPE, QCLASS). Pure cases first, then the real
 * transport over loopback UDP against a server thread that answers first with
 * the wrong type and class, then rightly.
 */
#include "testutil.h"

#include "kmsdns/addr.h"
#include "kmsdns/error.h"
#include "kmsdns/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

/* header(12) + "\x03kms\x04test\x00" + type + class */
static const uint8_t query[] = {0xab, 0xcd, 0x00, 0x00, 0,   1,   0,   0,   0, 0, 0,  0, 3,
                                'k',  'm',  's',  4,    't', 'e', 's', 't', 0, 0, 33, 0, 1};

static size_t answer_from(const uint8_t *q, size_t n, uint8_t *a, uint16_t type, uint16_t cls)
{
    memcpy(a, q, n);
    a[2] |= 0x80;
    a[n - 4] = (uint8_t)(type >> 8);
    a[n - 3] = (uint8_t)type;
    a[n - 2] = (uint8_t)(cls >> 8);
    a[n - 1] = (uint8_t)cls;
    return n;
}

static void test_pure_matching(void **state)
{
    (void)state;
    uint8_t a[64];
    size_t n = answer_from(query, sizeof query, a, 33, 1);
    assert_true(kmsdns_transport_answer_matches(query, sizeof query, a, n));
    a[14] = 'M'; /* 0x20 case variation */
    assert_true(kmsdns_transport_answer_matches(query, sizeof query, a, n));
    a[14] = 'x';
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n));
    n = answer_from(query, sizeof query, a, 1, 1);
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n)); /* A, not SRV */
    n = answer_from(query, sizeof query, a, 33, 3);
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n)); /* CH, not IN */
    n = answer_from(query, sizeof query, a, 33, 1);
    a[1] ^= 1;
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n)); /* another ID */
    n = answer_from(query, sizeof query, a, 33, 1);
    a[2] &= 0x7f;
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n)); /* a query */
    n = answer_from(query, sizeof query, a, 33, 1);
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, n - 1)); /* cut */
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, a, 11));
    /* a compressed question (pointer to offset 12) is not our question */
    uint8_t c[] = {0xab, 0xcd, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 33, 0, 1};
    assert_false(kmsdns_transport_answer_matches(query, sizeof query, c, sizeof c));
    /* no question in the answer (some servers on errors): the ID decides */
    uint8_t e[12] = {0xab, 0xcd, 0x80, 0x05};
    assert_true(kmsdns_transport_answer_matches(query, sizeof query, e, sizeof e));
}

struct server {
    int fd;
    int sent;
};

/* Answers the first query three times: wrong type, wrong class, then right. */
static void *serve(void *arg)
{
    struct server *sv = arg;
    uint8_t q[512], a[512];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(sv->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
    if (n < 12)
        return NULL;
    static const uint16_t tc[3][2] = {{1, 1}, {33, 3}, {33, 1}};
    for (int i = 0; i < 3; i++) {
        size_t k = answer_from(q, (size_t)n, a, tc[i][0], tc[i][1]);
        a[3] = (uint8_t)i; /* rcode tells which answer was kept: 0, 1, 2 */
        if (sendto(sv->fd, a, k, 0, (struct sockaddr *)&from, fl) == (ssize_t)k)
            sv->sent++;
        usleep(20000);
    }
    return NULL;
}

static void test_wrong_type_and_class_ignored_on_udp(void **state)
{
    (void)state;
    struct server sv = {.fd = socket(AF_INET, SOCK_DGRAM, 0)};
    assert_true(sv.fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(sv.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(sv.fd, (struct sockaddr *)&sa, &sl), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
    struct kmsdns_exchange x = {.query = query, .query_len = sizeof query};
    assert_int_equal(kmsdns_addr_parse(addr, 53, KMSDNS_ADDR_PORT_ALLOWED, &x.server, NULL),
                     KMSDNS_OK);
    struct kmsdns_transport_opts o = {.timeout_ms = 2000, .retries = 0};
    assert_int_equal(kmsdns_transport_run(&kmsdns_transport_net, &x, 1, &o), KMSDNS_OK);
    pthread_join(th, NULL);
    close(sv.fd);
    assert_int_equal(x.rc, KMSDNS_OK);
    assert_int_equal(x.answer_len, sizeof query);
    assert_int_equal(x.answer[3] & 0x0f, 2); /* the third answer, the only right one */
    assert_int_equal(x.answer[23], 33);      /* QTYPE SRV */
    kmsdns_exchange_reset(&x);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_pure_matching),
              cmocka_unit_test(test_wrong_type_and_class_ignored_on_udp),
          })
