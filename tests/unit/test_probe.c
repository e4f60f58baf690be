/* SPDX-License-Identifier: MIT */
/*
 * Probes: the bind PDU byte for byte, the answer parser on good, refusing,
 * wrong and cut answers, and live probes on loopback against sockets this
 * test opens itself (a forked child plays the server where one must answer).
 */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/rpcbind.h"
#include "probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* The bind for call_id 1, checked by hand against the declarations of
 * C706 chapter 12.6 (rpcconn_bind_hdr_t); every integer little-endian, as
 * drep says. */
static const uint8_t bind_call1[72] = {
    /* common header */
    0x05,                   /* rpc_vers 5 */
    0x00,                   /* rpc_vers_minor 0 */
    0x0b,                   /* PTYPE 11: bind */
    0x03,                   /* pfc_flags: PFC_FIRST_FRAG | PFC_LAST_FRAG */
    0x10, 0x00, 0x00, 0x00, /* packed_drep: little-endian, ASCII; IEEE floats */
    0x48, 0x00,             /* frag_length 72 */
    0x00, 0x00,             /* auth_length 0: no verifier */
    0x01, 0x00, 0x00, 0x00, /* call_id 1 */
    /* bind body */
    0xd0, 0x16,             /* max_xmit_frag 5840 */
    0xd0, 0x16,             /* max_recv_frag 5840 */
    0x00, 0x00, 0x00, 0x00, /* assoc_group_id 0: a new association group */
    /* p_cont_list_t */
    0x01,       /* n_context_elem 1 */
    0x00,       /* reserved */
    0x00, 0x00, /* reserved2 */
    /* p_cont_elem_t */
    0x00, 0x00, /* p_cont_id 0 */
    0x01,       /* n_transfer_syn 1 */
    0x00,       /* reserved */
    /* abstract_syntax: the KMS interface 51c82175-844e-4750-b0d8-ec255555bc06 */
    0x75, 0x21, 0xc8, 0x51,                         /* time_low 0x51c82175 */
    0x4e, 0x84,                                     /* time_mid 0x844e */
    0x50, 0x47,                                     /* time_hi_and_version 0x4750 */
    0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06, /* clock_seq, node: as written */
    0x01, 0x00, 0x00, 0x00, /* if_version: major 1 (low u16), minor 0 (high u16) */
    /* transfer_syntaxes[0]: NDR 8a885d04-1ceb-11c9-9fe8-08002b104860 */
    0x04, 0x5d, 0x88, 0x8a,                         /* time_low 0x8a885d04 */
    0xeb, 0x1c,                                     /* time_mid 0x1ceb */
    0xc9, 0x11,                                     /* time_hi_and_version 0x11c9 */
    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, /* clock_seq, node */
    0x02, 0x00, 0x00, 0x00                          /* if_version 2 */
};

/* A bind_ack (rpcconn_bind_ack_hdr_t) for call 1 from a host on port 1688. */
static const uint8_t ack_call1[60] = {
    0x05, 0x00, 0x0c, 0x03,       /* v5.0, PTYPE 12 bind_ack, first|last */
    0x10, 0x00, 0x00, 0x00,       /* drep */
    0x3c, 0x00, 0x00, 0x00,       /* frag_length 60, auth_length 0 */
    0x01, 0x00, 0x00, 0x00,       /* call_id 1 */
    0xd0, 0x16, 0xd0, 0x16,       /* max_xmit_frag, max_recv_frag 5840 */
    0x53, 0x4d, 0x4b, 0x00,       /* assoc_group_id */
    0x05, 0x00,                   /* sec_addr: length 5 ... */
    '1',  '6',  '8',  '8',  0x00, /* ... "1688" and its NUL (24 + 2 + 5 = 31) */
    0x00,                         /* pad2 to a multiple of 4: 32 */
    0x01, 0x00, 0x00, 0x00,       /* p_result_list: n_results 1, 3 reserved */
    0x00, 0x00,                   /* result 0: acceptance */
    0x00, 0x00,                   /* reason 0 */
    0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, /* transfer_syntax NDR ... */
    0x02, 0x00, 0x00, 0x00                          /* ... v2 */
};

/* A bind_nak (rpcconn_bind_nak_hdr_t) for call 1. */
static const uint8_t nak_call1[24] = {
    0x05, 0x00, 0x0d, 0x03, /* v5.0, PTYPE 13 bind_nak, first|last */
    0x10, 0x00, 0x00, 0x00, /* drep */
    0x18, 0x00, 0x00, 0x00, /* frag_length 24, auth_length 0 */
    0x01, 0x00, 0x00, 0x00, /* call_id 1 */
    0x02, 0x00,             /* provider_reject_reason 2: local limit exceeded */
    0x01, 0x05, 0x00,       /* versions: n_protocols 1, 5.0 */
    0x00, 0x00, 0x00        /* padding */
};

/* Offsets in ack_call1. */
#define ACK_SECLEN 24
#define ACK_NRESULTS 32
#define ACK_RESULT 36
#define ACK_REASON 38
#define ACK_SYNTAX 40

/* Parses a private heap copy of exactly len bytes, so ASan sees any read past it. */
static int parse(const uint8_t *m, size_t len, uint32_t call_id, bool *acked)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, m, len);
    int rc = kmsdns_rpc_bind_parse(copy, len, call_id, acked);
    free(copy);
    return rc;
}

static void test_bind_build(void **state)
{
    (void)state;
    uint8_t b[128];
    memset(b, 0xEE, sizeof b);
    assert_int_equal(kmsdns_rpc_bind_build(b, sizeof b, 1), sizeof bind_call1);
    assert_memory_equal(b, bind_call1, sizeof bind_call1);
    assert_int_equal(b[72], 0xEE); /* nothing written past the PDU */
    assert_int_equal(kmsdns_rpc_bind_build(b, sizeof b, 0x04030201), 72);
    assert_memory_equal(b + 12, "\x01\x02\x03\x04", 4);
    assert_memory_equal(b + 16, bind_call1 + 16, 72 - 16);
    for (size_t cap = 0; cap < 72; cap++) {
        memset(b, 0xEE, sizeof b);
        assert_int_equal(kmsdns_rpc_bind_build(b, cap, 1), 0);
        assert_int_equal(b[0], 0xEE);
    }
    assert_int_equal(kmsdns_rpc_bind_build(NULL, 72, 1), 0);
}

static void test_parse_answers(void **state)
{
    (void)state;
    uint8_t m[128];
    bool acked = false;
    assert_int_equal(parse(ack_call1, sizeof ack_call1, 1, &acked), KMSDNS_OK);
    assert_true(acked);
    /* an empty secondary address: 2 bytes of padding, results at 28 */
    static const uint8_t head[] = {0x05, 0x00, 0x0c, 0x03, 0x10, 0x00, 0x00, 0x00, 0x38, 0x00,
                                   0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0xd0, 0x16, 0xd0, 0x16,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    memcpy(m, head, sizeof head);
    memcpy(m + 28, ack_call1 + ACK_NRESULTS, 28);
    assert_int_equal(parse(m, 56, 7, &acked), KMSDNS_OK);
    assert_true(acked);
    /* bytes after the fragment are not its business */
    memcpy(m, ack_call1, sizeof ack_call1);
    memset(m + sizeof ack_call1, 0xFF, 8);
    assert_int_equal(parse(m, sizeof ack_call1 + 8, 1, &acked), KMSDNS_OK);
    assert_true(acked);
    /* the KMS context rejected (provider rejection, abstract syntax not supported) */
    memcpy(m, ack_call1, sizeof ack_call1);
    m[ACK_RESULT] = 2;
    m[ACK_REASON] = 1;
    memset(m + ACK_SYNTAX, 0, 20);
    acked = true;
    assert_int_equal(parse(m, sizeof ack_call1, 1, &acked), KMSDNS_OK);
    assert_false(acked);
    m[ACK_RESULT] = 1; /* user rejection */
    acked = true;
    assert_int_equal(parse(m, sizeof ack_call1, 1, &acked), KMSDNS_OK);
    assert_false(acked);
    /* bind_nak */
    acked = true;
    assert_int_equal(parse(nak_call1, sizeof nak_call1, 1, &acked), KMSDNS_OK);
    assert_false(acked);
    /* a bind_nak with the reason only, no versions list */
    memcpy(m, nak_call1, 18);
    m[8] = 18;
    acked = true;
    assert_int_equal(parse(m, 18, 1, &acked), KMSDNS_OK);
    assert_false(acked);
}

/* ack_call1 with one byte changed must be refused. */
static void refused_with(size_t at, uint8_t value)
{
    uint8_t m[sizeof ack_call1];
    bool acked = true;
    memcpy(m, ack_call1, sizeof m);
    m[at] = value;
    if (parse(m, sizeof m, 1, &acked) != KMSDNS_MALFORMED)
        fail_msg("byte %zu = 0x%02x accepted", at, value);
    assert_false(acked);
}

static void test_parse_wrong(void **state)
{
    (void)state;
    bool acked = true;
    assert_int_equal(parse(ack_call1, sizeof ack_call1, 2, &acked), KMSDNS_MALFORMED); /* call */
    assert_false(acked);
    assert_int_equal(parse(nak_call1, sizeof nak_call1, 9, &acked), KMSDNS_MALFORMED);
    refused_with(0, 4);                 /* rpc_vers 4 */
    refused_with(1, 1);                 /* rpc_vers_minor 1 */
    refused_with(2, 11);                /* our own bind echoed back */
    refused_with(2, 3);                 /* a fault */
    refused_with(3, 0x01);              /* first fragment of several */
    refused_with(4, 0x00);              /* big-endian drep */
    refused_with(8, 15);                /* frag_length below the header */
    refused_with(8, 61);                /* frag_length past the bytes */
    refused_with(9, 0x01);              /* frag_length 316 */
    refused_with(12, 0x00);             /* call_id 0 */
    refused_with(15, 0x80);             /* call_id 0x80000001 */
    refused_with(ACK_SECLEN, 0xFF);     /* secondary address past the end */
    refused_with(ACK_SECLEN + 1, 0xFF); /* ... far past */
    refused_with(ACK_NRESULTS, 0);      /* no results */
    refused_with(ACK_NRESULTS, 2);      /* two results, room for one */
    refused_with(ACK_NRESULTS, 0xFF);
    refused_with(ACK_RESULT, 3);      /* result not defined for a bind */
    refused_with(ACK_SYNTAX, 0x33);   /* accepts a transfer syntax never offered */
    refused_with(ACK_SYNTAX + 16, 1); /* NDR v1 */
    assert_int_equal(kmsdns_rpc_bind_parse(NULL, 0, 1, &acked), KMSDNS_MALFORMED);
    /* a DNS answer, an HTTP error */
    static const char http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
    assert_int_equal(parse((const uint8_t *)http, sizeof http - 1, 1, &acked), KMSDNS_MALFORMED);
    /* our own bind is no answer */
    assert_int_equal(parse(bind_call1, sizeof bind_call1, 1, &acked), KMSDNS_MALFORMED);
}

static void test_parse_truncations(void **state)
{
    (void)state;
    bool acked;
    for (size_t cut = 0; cut < sizeof ack_call1; cut++) {
        acked = true;
        if (parse(ack_call1, cut, 1, &acked) != KMSDNS_MALFORMED)
            fail_msg("bind_ack cut to %zu bytes accepted", cut);
        assert_false(acked);
    }
    for (size_t cut = 0; cut < sizeof nak_call1; cut++)
        if (parse(nak_call1, cut, 1, &acked) != KMSDNS_MALFORMED)
            fail_msg("bind_nak cut to %zu bytes accepted", cut);
    /* the same cuts with frag_length matching them: still refused, up to
     * the last byte of the result */
    for (size_t cut = 16; cut < sizeof ack_call1; cut++) {
        uint8_t m[sizeof ack_call1];
        memcpy(m, ack_call1, cut);
        m[8] = (uint8_t)cut;
        if (parse(m, cut, 1, &acked) != KMSDNS_MALFORMED)
            fail_msg("bind_ack of %zu bytes (frag_length matching) accepted", cut);
    }
    for (size_t cut = 16; cut < 18; cut++) {
        uint8_t m[sizeof nak_call1];
        memcpy(m, nak_call1, cut);
        m[8] = (uint8_t)cut;
        if (parse(m, cut, 1, &acked) != KMSDNS_MALFORMED)
            fail_msg("bind_nak of %zu bytes (frag_length matching) accepted", cut);
    }
}

/* ---- live probes on loopback ---- */

/* A socket on 127.0.0.1 and a free port, listening or (listening false)
 * closed again, so that connecting to it is refused. */
static int loopback_socket(bool listening, struct kmsdns_addr *a)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    socklen_t l = sizeof sin;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &l), 0);
    memset(a, 0, sizeof *a);
    memcpy(&a->ss, &sin, sizeof sin);
    a->len = sizeof sin;
    if (listening) {
        assert_int_equal(listen(fd, 8), 0);
        return fd;
    }
    close(fd);
    return -1;
}

/*
 * A one-shot server in a child: accepts one connection on lfd, checks that
 * a 72-byte bind arrives, sends `answer` with the bind's call_id copied in
 * (bytes 12..15) when `echo`, and hangs up. answer NULL: hangs up at once,
 * reading nothing. Exits 0 when all went as planned; reaped by reap().
 */
static pid_t serve_once(int lfd, const void *answer, size_t len, bool echo)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    alarm(10);
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
        _exit(1);
    if (answer != NULL) {
        uint8_t in[72], out[256];
        for (size_t got = 0; got < sizeof in;) {
            ssize_t r = recv(c, in + got, sizeof in - got, 0);
            if (r <= 0)
                _exit(2);
            got += (size_t)r;
        }
        if (in[2] != 11 || in[8] != 72 || len > sizeof out)
            _exit(3);
        memcpy(out, answer, len);
        if (echo)
            memcpy(out + 12, in + 12, 4);
        if (send(c, out, len, MSG_NOSIGNAL) != (ssize_t)len)
            _exit(4);
    }
    close(c);
    _exit(0);
}

static void reap(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_tcp_open_and_closed(void **state)
{
    (void)state;
    struct kmsdns_probe p[2];
    memset(p, 0, sizeof p);
    int lfd = loopback_socket(true, &p[0].addr);
    loopback_socket(false, &p[1].addr);
    assert_int_equal(kmsdns_probe_run(p, 2, KMSDNS_PROBE_TCP, 5000), KMSDNS_OK);
    assert_int_equal(p[0].rc, KMSDNS_OK);
    assert_string_equal(p[0].why, "");
    assert_true(p[0].ms < 1000);
    assert_int_equal(p[1].rc, KMSDNS_UNREACHABLE);
    assert_string_equal(p[1].why, "connection refused");
    assert_true(p[1].ms < 1000); /* refused at once, not at the timeout */
    close(lfd);
}

/* One RPC probe against a child answering `answer`; returns the probe. */
static struct kmsdns_probe rpc_against(const void *answer, size_t len, bool echo)
{
    struct kmsdns_probe p;
    memset(&p, 0, sizeof p);
    int lfd = loopback_socket(true, &p.addr);
    pid_t pid = serve_once(lfd, answer, len, echo);
    assert_int_equal(kmsdns_probe_run(&p, 1, KMSDNS_PROBE_RPC, 5000), KMSDNS_OK);
    close(lfd);
    reap(pid);
    assert_true(p.ms < 5000);
    return p;
}

static void test_rpc_answers(void **state)
{
    (void)state;
    struct kmsdns_probe p = rpc_against(ack_call1, sizeof ack_call1, true);
    assert_int_equal(p.rc, KMSDNS_OK);
    assert_string_equal(p.why, "");

    p = rpc_against(nak_call1, sizeof nak_call1, true);
    assert_int_equal(p.rc, KMSDNS_REFUSED);
    assert_string_equal(p.why, "bind_nak (reason 2: local limit exceeded)");

    uint8_t rej[sizeof ack_call1];
    memcpy(rej, ack_call1, sizeof rej);
    rej[ACK_RESULT] = 2;
    rej[ACK_REASON] = 1;
    p = rpc_against(rej, sizeof rej, true);
    assert_int_equal(p.rc, KMSDNS_REFUSED);
    assert_string_equal(p.why,
                        "KMS interface rejected (provider rejection, reason 1: abstract syntax "
                        "not supported)");

    /* an answer to another call */
    uint8_t other[sizeof ack_call1];
    memcpy(other, ack_call1, sizeof other);
    other[12] = 0x63;
    p = rpc_against(other, sizeof other, false);
    assert_int_equal(p.rc, KMSDNS_MALFORMED);
    assert_string_equal(p.why, "answer to call 99, not 1");
}

static void test_rpc_hostile(void **state)
{
    (void)state;
    struct kmsdns_probe p = rpc_against(NULL, 0, false);
    assert_int_equal(p.rc, KMSDNS_MALFORMED);
    assert_string_equal(p.why, "closed without answering the bind");

    static const char http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
    p = rpc_against(http, sizeof http - 1, false);
    assert_int_equal(p.rc, KMSDNS_MALFORMED);
    assert_non_null(strstr(p.why, "not a DCE/RPC answer"));

    /* a header announcing more than the 5840 bytes we offered */
    uint8_t big[sizeof ack_call1];
    memcpy(big, ack_call1, sizeof big);
    big[8] = 0xFF;
    big[9] = 0xFF;
    p = rpc_against(big, sizeof big, true);
    assert_int_equal(p.rc, KMSDNS_MALFORMED);
    assert_string_equal(p.why, "answer of 65535 bytes, more than the 5840 offered");

    /* half an answer, then the server hangs up */
    p = rpc_against(ack_call1, 30, true);
    assert_int_equal(p.rc, KMSDNS_MALFORMED);
    assert_string_equal(p.why, "closed after 30 bytes of the answer");
}

/* Several probes in one batch finish in the time of the slowest: a silent
 * listener (the kernel accepts, nobody reads) times out while an answering
 * child and a closed port are done at once. */
static void test_rpc_batch_and_timeout(void **state)
{
    (void)state;
    struct kmsdns_probe p[3];
    memset(p, 0, sizeof p);
    int silent = loopback_socket(true, &p[0].addr);
    int lfd = loopback_socket(true, &p[1].addr);
    loopback_socket(false, &p[2].addr);
    pid_t pid = serve_once(lfd, ack_call1, sizeof ack_call1, true);
    assert_int_equal(kmsdns_probe_run(p, 3, KMSDNS_PROBE_RPC, 1000), KMSDNS_OK);
    reap(pid);
    close(lfd);
    close(silent);
    assert_int_equal(p[0].rc, KMSDNS_TIMEOUT);
    assert_string_equal(p[0].why, "connected, but no answer to the bind");
    assert_true(p[0].ms >= 1000 && p[0].ms < 3000);
    assert_int_equal(p[1].rc, KMSDNS_OK);
    assert_true(p[1].ms < 1000);
    assert_int_equal(p[2].rc, KMSDNS_UNREACHABLE);
    assert_true(p[2].ms < 1000);
}

static void test_run_arguments(void **state)
{
    (void)state;
    struct kmsdns_probe p;
    memset(&p, 0, sizeof p);
    assert_int_equal(kmsdns_probe_run(NULL, 0, KMSDNS_PROBE_TCP, 100), KMSDNS_OK);
    assert_int_equal(kmsdns_probe_run(NULL, 1, KMSDNS_PROBE_TCP, 100), KMSDNS_INVAL);
    assert_int_equal(kmsdns_probe_run(&p, 1, (enum kmsdns_probe_kind)7, 100), KMSDNS_INVAL);
    /* no address at all: the socket cannot even be made */
    assert_int_equal(kmsdns_probe_run(&p, 1, KMSDNS_PROBE_TCP, 100), KMSDNS_OK);
    assert_int_equal(p.rc, KMSDNS_SYSTEM);
    assert_string_not_equal(p.why, "");
}

/* The host's answer to the recorded bind is the recorded bind_ack, bar the
 * association group number, and the client parser takes it. */
static void test_bind_answer_recorded(void **state)
{
    (void)state;
    uint8_t ans[KMSDNS_RPC_ANSWER_MAX];
    bool acked = false;
    size_t n = kmsdns_rpc_bind_answer(bind_call1, sizeof bind_call1, 1688, ans, sizeof ans);
    assert_int_equal(n, sizeof ack_call1);
    assert_memory_equal(ans, ack_call1, 20);
    assert_memory_equal(ans + 24, ack_call1 + 24, sizeof ack_call1 - 24);
    assert_int_equal(kmsdns_rpc_bind_parse(ans, n, 1, &acked), KMSDNS_OK);
    assert_true(acked);
}

/* Windows clients offer several contexts: each gets its own result, in order. */
static void test_bind_answer_contexts(void **state)
{
    (void)state;
    enum { CTX = 44 }; /* p_cont_elem_t with one transfer syntax */
    uint8_t req[28 + 3 * CTX], ans[KMSDNS_RPC_ANSWER_MAX];
    memcpy(req, bind_call1, 28);
    for (int c = 0; c < 3; c++)
        memcpy(req + 28 + c * CTX, bind_call1 + 28, CTX);
    req[8] = sizeof req;
    req[24] = 3;
    req[28 + 4] ^= 0xFF;        /* context 0: another interface */
    req[28 + CTX + 24] ^= 0xFF; /* context 1: KMS without NDR */
    size_t n = kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans);
    assert_int_equal(n, ACK_NRESULTS + 4 + 3 * 24);
    assert_int_equal(ans[2], 12);
    assert_int_equal(ans[ACK_NRESULTS], 3);
    const uint8_t *r = ans + ACK_RESULT;
    assert_int_equal(r[0], 2); /* provider rejection ... */
    assert_int_equal(r[2], 1); /* ... abstract syntax not supported */
    assert_int_equal(r[24], 2);
    assert_int_equal(r[26], 2); /* ... transfer syntaxes not supported */
    assert_int_equal(r[48], 0); /* acceptance, NDR */
    assert_memory_equal(r + 52, ack_call1 + ACK_SYNTAX, 20);
    req[28 + 2 * CTX + 4] ^= 0xFF; /* no KMS context left: SPEC says bind_nak */
    n = kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans);
    bool acked = true;
    assert_int_equal(n, 24);
    assert_int_equal(ans[2], 13);
    assert_int_equal(kmsdns_rpc_bind_parse(ans, n, 1, &acked), KMSDNS_OK);
    assert_false(acked);
    memcpy(req + 28, bind_call1 + 28, CTX); /* one context: KMS v2.0 */
    req[8] = 28 + CTX;
    req[24] = 1;
    req[28 + 4 + 16] = 2;
    assert_int_equal(kmsdns_rpc_bind_answer(req, 28 + CTX, 1688, ans, sizeof ans), 24);
    assert_int_equal(ans[2], 13);
}

/* Anything but a whole little-endian bind gets no answer; no contexts a bind_nak. */
static void test_bind_answer_refusals(void **state)
{
    (void)state;
    uint8_t req[sizeof bind_call1], ans[KMSDNS_RPC_ANSWER_MAX];
    bool acked = true;
    memcpy(req, bind_call1, sizeof req);
    for (size_t cut = 0; cut < sizeof req; cut++)
        assert_int_equal(kmsdns_rpc_bind_answer(req, cut, 1688, ans, sizeof ans), 0);
    assert_int_equal(kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, 100), 0);
    req[24] = 2; /* two contexts announced, one present */
    assert_int_equal(kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans), 0);
    req[24] = 0;
    assert_int_equal(kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans), 24);
    assert_int_equal(ans[2], 13);
    assert_int_equal(kmsdns_rpc_bind_parse(ans, 24, 1, &acked), KMSDNS_OK);
    assert_false(acked);
    req[24] = 1;
    req[4] = 0x00; /* big-endian integers */
    assert_int_equal(kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans), 0);
    req[4] = 0x10;
    req[2] = 0; /* a request, not a bind */
    assert_int_equal(kmsdns_rpc_bind_answer(req, sizeof req, 1688, ans, sizeof ans), 0);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_bind_answer_recorded),
              cmocka_unit_test(test_bind_answer_contexts),
              cmocka_unit_test(test_bind_answer_refusals),
              cmocka_unit_test(test_bind_build),
              cmocka_unit_test(test_parse_answers),
              cmocka_unit_test(test_parse_wrong),
              cmocka_unit_test(test_parse_truncations),
              cmocka_unit_test(test_tcp_open_and_closed),
              cmocka_unit_test(test_rpc_answers),
              cmocka_unit_test(test_rpc_hostile),
              cmocka_unit_test(test_rpc_batch_and_timeout),
              cmocka_unit_test(test_run_arguments),
          })
