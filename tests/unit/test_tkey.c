/* SPDX-License-Identifier: MIT */
/* TKEY (RFC 2930, GSS mode): the query's exact shape, and the answer parser on good and bad bytes.
 */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/tkey.h"
#include "kmsdns/wire.h"

#include <ldns/ldns.h>

static const uint8_t token[] = {0x60, 0x82, 0x01, 0x02, 0xAA, 0xBB};

static void test_query_shape(void **state)
{
    (void)state;
    uint8_t *w;
    size_t len, cap;
    assert_int_equal(kmsdns_tkey_query("12345.sig-ns1.example.test", "gss-tsig", 1000, token,
                                       sizeof token, &w, &len, &cap),
                     KMSDNS_OK);
    assert_true(cap >= len + 512);
    assert_int_equal(w[2] & 0x01, 0); /* RD=0 */
    assert_int_equal(kmsdns_wire_u16(w + 4), 1);
    assert_int_equal(kmsdns_wire_u16(w + 6), 0);
    assert_int_equal(kmsdns_wire_u16(w + 8), 0);
    assert_int_equal(kmsdns_wire_u16(w + 10), 1); /* the TKEY RR in ADDITIONAL */
    /* the question, then the owner again uncompressed: no 0xC0 pointer anywhere */
    static const uint8_t qname[] = "\x05"
                                   "12345\x07sig-ns1\x07"
                                   "example\x04test";
    assert_memory_equal(w + 12, qname, sizeof qname);
    for (size_t i = 12; i + 1 < len; i++)
        if ((w[i] & 0xC0) == 0xC0 && w[i + 1] == 12)
            fail_msg("compression pointer at %zu", i);
    /* ldns reads it back: TKEY ANY question, TKEY RR class ANY TTL 0 in additional */
    ldns_pkt *p = NULL;
    assert_int_equal(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
    const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
    assert_int_equal(ldns_rr_get_type(q), LDNS_RR_TYPE_TKEY);
    assert_int_equal(ldns_rr_get_class(q), LDNS_RR_CLASS_ANY);
    const ldns_rr *t = ldns_rr_list_rr(ldns_pkt_additional(p), 0);
    assert_int_equal(ldns_rr_get_type(t), LDNS_RR_TYPE_TKEY);
    assert_int_equal(ldns_rr_get_class(t), LDNS_RR_CLASS_ANY);
    assert_int_equal(ldns_rr_ttl(t), 0);
    ldns_pkt_free(p);
    /* our own parser sees mode 3, the times and the token */
    struct kmsdns_tkey_answer a;
    assert_int_equal(kmsdns_tkey_parse(w, len, &a), KMSDNS_OK);
    assert_true(a.found);
    assert_string_equal(a.name, "12345.sig-ns1.example.test");
    assert_string_equal(a.alg, "gss-tsig");
    assert_int_equal(a.mode, 3);
    assert_int_equal(a.inception, 1000);
    assert_int_equal(a.expiration, 1000);
    assert_int_equal(a.key_len, sizeof token);
    assert_memory_equal(a.key, token, sizeof token);
    free(w);
}

/* A TKEY answer as a server sends it: TKEY in ANSWER, with the given error. */
static size_t server_answer(uint16_t error, uint8_t *out)
{
    uint8_t *w;
    size_t len, cap;
    assert_int_equal(
        kmsdns_tkey_query("7.sig-ns1.test", "gss-tsig", 5, token, sizeof token, &w, &len, &cap),
        KMSDNS_OK);
    memcpy(out, w, len);
    free(w);
    out[2] |= 0x80;                  /* QR */
    kmsdns_wire_put_u16(out + 6, 1); /* the RR moves to ANSWER */
    kmsdns_wire_put_u16(out + 10, 0);
    /* error field: after owner, type..rdlen, alg, inception, expiration, mode */
    size_t off = 12;
    kmsdns_wire_skip_name(out, len, &off);
    off += 4;
    kmsdns_wire_skip_name(out, len, &off);
    off += 10;
    kmsdns_wire_skip_name(out, len, &off);
    kmsdns_wire_put_u16(out + off + 10, error);
    return len;
}

static void test_answer_parse_and_errors(void **state)
{
    (void)state;
    uint8_t m[512];
    struct kmsdns_tkey_answer a;
    size_t n = server_answer(0, m);
    assert_int_equal(kmsdns_tkey_parse(m, n, &a), KMSDNS_OK);
    assert_true(a.found);
    assert_int_equal(a.error, 0);
    n = server_answer(17, m);
    assert_int_equal(kmsdns_tkey_parse(m, n, &a), KMSDNS_OK);
    assert_int_equal(a.error, 17);
    char buf[16];
    assert_string_equal(kmsdns_tkey_error_name(17, buf), "BADKEY");
    assert_string_equal(kmsdns_tkey_error_name(21, buf), "BADALG");
    assert_string_equal(kmsdns_tkey_error_name(99, buf), "error 99");
    /* every cut of the message is refused, never read past */
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(kmsdns_tkey_parse(m, cut, &a), KMSDNS_MALFORMED);
    /* a key length pointing past the RDATA */
    uint8_t bad[512];
    memcpy(bad, m, n);
    bad[n - 2 - sizeof token - 2] = 0x7F;
    assert_int_equal(kmsdns_tkey_parse(bad, n, &a), KMSDNS_MALFORMED);
    /* a header alone: no TKEY, not malformed */
    uint8_t hdr[12] = {0, 1, 0x80, 0x03};
    assert_int_equal(kmsdns_tkey_parse(hdr, sizeof hdr, &a), KMSDNS_OK);
    assert_false(a.found);
    assert_int_equal(a.rcode, 3);
}

static void test_query_refusals(void **state)
{
    (void)state;
    uint8_t *w;
    size_t len, cap;
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(kmsdns_tkey_query(big, "gss-tsig", 1, token, sizeof token, &w, &len, &cap),
                     KMSDNS_NAME);
    assert_int_equal(kmsdns_tkey_query("k.test", "gss-tsig", 1, token, 70000, &w, &len, &cap),
                     KMSDNS_TOOLONG);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_query_shape),
              cmocka_unit_test(test_answer_parse_and_errors),
              cmocka_unit_test(test_query_refusals),
          })
