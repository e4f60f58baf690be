/* SPDX-License-Identifier: MIT */
/*
 * TSIG: our signatures checked by ldns's independent implementation, ldns's
 * response signatures checked by ours, and every way a response can fail.
 */
#include "testutil.h"

#include "kmsdns/dnsmsg.h"
#include "kmsdns/error.h"
#include "kmsdns/tsig.h"
#include "kmsdns/tsigkey.h"
#include "kmsdns/wire.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <time.h>

static const char key_text[] = "key \"kmsdns-test\" {\n\talgorithm hmac-sha256;\n"
                               "\tsecret \"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==\";\n};\n";
static const char key_b64[] = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";

static kmsdns_tsig_key *key;
static struct kmsdns_tsig_signer signer;

static int setup(void **state)
{
    (void)state;
    struct kmsdns_diag d;
    assert_int_equal(kmsdns_tsig_key_parse(key_text, sizeof key_text - 1, "t", &key, &d),
                     KMSDNS_OK);
    kmsdns_tsig_signer_hmac(key, &signer);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kmsdns_tsig_key_free(key);
    return 0;
}

/* A signed update for corp.test and its request state. */
static uint8_t *signed_update(size_t *len, struct kmsdns_tsig_request *req, uint64_t now)
{
    struct kmsdns_rrdata add = {.type = LDNS_RR_TYPE_SRV, .ttl = 3600, .port = 1688};
    strcpy(add.owner, "_vlmcs._tcp.corp.test");
    strcpy(add.value, "kms1.corp.test");
    uint8_t *wire;
    size_t cap;
    assert_int_equal(kmsdns_msg_update("corp.test", NULL, 0, &add, 1, &wire, len, &cap), KMSDNS_OK);
    assert_int_equal(kmsdns_tsig_sign(&signer, wire, len, cap, now, req), KMSDNS_OK);
    return wire;
}

static void test_request_verifies_with_ldns(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len;
    uint8_t *wire = signed_update(&len, &req, (uint64_t)time(NULL));
    ldns_pkt *pkt = NULL;
    assert_int_equal(ldns_wire2pkt(&pkt, wire, len), LDNS_STATUS_OK);
    assert_non_null(ldns_pkt_tsig(pkt));
    assert_int_equal(req.mac_len, 32);
    assert_true(ldns_pkt_tsig_verify(pkt, wire, len, "kmsdns-test.", key_b64, NULL));
    /* a flipped byte in the body no longer verifies */
    wire[20] ^= 1;
    assert_false(ldns_pkt_tsig_verify(pkt, wire, len, "kmsdns-test.", key_b64, NULL));
    ldns_pkt_free(pkt);
    free(wire);
}

/* ldns answers the request and signs its response; returns the wire. */
static uint8_t *ldns_response(const struct kmsdns_tsig_request *req, ldns_pkt_rcode rcode,
                              size_t *len)
{
    ldns_pkt *resp = ldns_pkt_new();
    ldns_pkt_set_id(resp, req->id);
    ldns_pkt_set_qr(resp, true);
    ldns_pkt_set_opcode(resp, LDNS_PACKET_UPDATE);
    ldns_pkt_set_rcode(resp, (uint8_t)rcode);
    uint8_t prefixed[2 + KMSDNS_TSIG_MAC_MAX];
    kmsdns_wire_put_u16(prefixed, (uint16_t)req->mac_len);
    memcpy(prefixed + 2, req->mac, req->mac_len);
    ldns_rdf *mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2 + req->mac_len, prefixed);
    assert_int_equal(ldns_pkt_tsig_sign(resp, "kmsdns-test.", key_b64, 300, "hmac-sha256.", mac),
                     LDNS_STATUS_OK);
    uint8_t *wire = NULL;
    assert_int_equal(ldns_pkt2wire(&wire, resp, len), LDNS_STATUS_OK);
    ldns_rdf_deep_free(mac);
    ldns_pkt_free(resp);
    return wire;
}

static void test_response_from_ldns_verifies(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len, rlen;
    uint64_t now = (uint64_t)time(NULL);
    uint8_t *wire = signed_update(&len, &req, now);
    uint8_t *resp = ldns_response(&req, LDNS_RCODE_NOERROR, &rlen);
    struct kmsdns_tsig_check chk;
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, rlen, now, &chk), KMSDNS_OK);
    assert_int_equal(chk.error, 0);
    /* our clock 400 s ahead: outside the 300 s fudge */
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, rlen, now + 400, &chk),
                     KMSDNS_BADTIME);
    assert_true(chk.has_time);
    /* another request's MAC: BADSIG */
    struct kmsdns_tsig_request other = req;
    other.mac[0] ^= 0xFF;
    assert_int_equal(kmsdns_tsig_verify(&signer, &other, resp, rlen, now, &chk), KMSDNS_BADSIG);
    /* a changed rcode byte: BADSIG */
    resp[3] ^= 0x05;
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, rlen, now, &chk), KMSDNS_BADSIG);
    free(resp);
    free(wire);
}

static void test_unsigned_and_malformed(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len;
    uint8_t *wire = signed_update(&len, &req, 1000);
    struct kmsdns_tsig_check chk;
    uint8_t hdr[12] = {0};
    memcpy(hdr, wire, 2);
    hdr[2] = 0xA8;
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, hdr, sizeof hdr, 1000, &chk),
                     KMSDNS_UNSIGNED);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, hdr, 5, 1000, &chk), KMSDNS_MALFORMED);
    /* our own signed request, cut short: the counts no longer match the bytes */
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, wire, len - 3, 1000, &chk),
                     KMSDNS_MALFORMED);
    free(wire);
}

/* A response carrying a TSIG RR with the given error and no MAC (RFC 8945 5.3.2). */
static size_t error_response(const struct kmsdns_tsig_request *req, uint16_t error,
                             const uint8_t *other, uint16_t olen, uint8_t *out)
{
    size_t o = 12, n;
    memset(out, 0, 12);
    kmsdns_wire_put_u16(out, req->id);
    out[2] = 0xA8; /* QR, opcode UPDATE */
    out[3] = 9;    /* NOTAUTH */
    out[11] = 1;
    kmsdns_wire_put_name("kmsdns-test", out + o, 300, &n);
    o += n;
    kmsdns_wire_put_u16(out + o, 250);
    kmsdns_wire_put_u16(out + o + 2, 255);
    kmsdns_wire_put_u32(out + o + 4, 0);
    size_t rdlen_at = o + 8;
    o += 10;
    size_t rd = o;
    kmsdns_wire_put_name("hmac-sha256", out + o, 300, &n);
    o += n;
    memset(out + o, 0, 6);
    out[o + 5] = 100; /* time signed */
    kmsdns_wire_put_u16(out + o + 6, 300);
    kmsdns_wire_put_u16(out + o + 8, 0); /* MAC size */
    o += 10;
    kmsdns_wire_put_u16(out + o, req->id);
    kmsdns_wire_put_u16(out + o + 2, error);
    kmsdns_wire_put_u16(out + o + 4, olen);
    if (olen > 0)
        memcpy(out + o + 6, other, olen);
    o += 6 + olen;
    kmsdns_wire_put_u16(out + rdlen_at, (uint16_t)(o - rd));
    return o;
}

static void test_server_tsig_errors(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len;
    uint8_t *wire = signed_update(&len, &req, 1000);
    uint8_t resp[512];
    struct kmsdns_tsig_check chk;
    size_t n = error_response(&req, KMSDNS_TSIG_BADKEY, NULL, 0, resp);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, n, 1000, &chk), KMSDNS_BADKEY);
    assert_int_equal(chk.error, 17);
    n = error_response(&req, KMSDNS_TSIG_BADSIG, NULL, 0, resp);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, n, 1000, &chk), KMSDNS_BADSIG);
    static const uint8_t server_time[6] = {0, 0, 0, 0, 0x07, 0xD0}; /* 2000 */
    n = error_response(&req, KMSDNS_TSIG_BADTIME, server_time, 6, resp);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, resp, n, 1000, &chk), KMSDNS_BADTIME);
    assert_true(chk.has_time);
    assert_int_equal(chk.server_time, 2000);
    free(wire);
}

/* How a hand-made response digests the request MAC. */
enum chain { CHAIN_PREFIXED, CHAIN_BARE, CHAIN_ECHO };

/* A NOERROR UPDATE answer to req, its TSIG made here with HMAC-SHA256 over the
 * key's secret: the RR names alg_rr, the digest uses alg_digest, the request
 * MAC chained as `chain` says (CHAIN_ECHO: the MAC field is req's own MAC). */
static size_t hand_signed(const struct kmsdns_tsig_request *req, enum chain chain,
                          const char *alg_rr, const char *alg_digest, uint8_t *out)
{
    uint8_t hdr[12] = {0}, vars[600], data[1200];
    kmsdns_wire_put_u16(hdr, req->id);
    hdr[2] = 0xA8;
    size_t v = 0, n, d = 0;
    kmsdns_wire_put_name("kmsdns-test", vars, 300, &n);
    v += n;
    kmsdns_wire_put_u16(vars + v, 255);
    kmsdns_wire_put_u32(vars + v + 2, 0);
    v += 6;
    kmsdns_wire_put_name(alg_digest, vars + v, 300, &n);
    v += n;
    uint64_t t = (uint64_t)time(NULL);
    uint8_t tf[10] = {
        0, 0, (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t, 0x01, 0x2C,
        0, 0};
    memcpy(vars + v, tf, 10);
    kmsdns_wire_put_u16(vars + v + 10, 0);
    v += 12;
    if (chain == CHAIN_PREFIXED)
        kmsdns_wire_put_u16(data, (uint16_t)req->mac_len), d = 2;
    memcpy(data + d, req->mac, req->mac_len);
    d += req->mac_len;
    memcpy(data + d, hdr, 12);
    memcpy(data + d + 12, vars, v);
    d += 12 + v;
    size_t klen;
    const uint8_t *secret = kmsdns_tsig_key_secret(key, &klen);
    uint8_t mac[64];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), secret, (int)klen, data, d, mac, &mlen);
    if (chain == CHAIN_ECHO)
        memcpy(mac, req->mac, req->mac_len), mlen = (unsigned)req->mac_len;
    memcpy(out, hdr, 12);
    out[11] = 1;
    size_t o = 12;
    kmsdns_wire_put_name("kmsdns-test", out + o, 300, &n);
    o += n;
    kmsdns_wire_put_u16(out + o, 250);
    kmsdns_wire_put_u16(out + o + 2, 255);
    kmsdns_wire_put_u32(out + o + 4, 0);
    size_t rdl = o + 8;
    o += 10;
    size_t rd = o;
    kmsdns_wire_put_name(alg_rr, out + o, 300, &n);
    o += n;
    memcpy(out + o, tf, 8);
    kmsdns_wire_put_u16(out + o + 8, (uint16_t)mlen);
    memcpy(out + o + 10, mac, mlen);
    o += 10 + mlen;
    kmsdns_wire_put_u16(out + o, req->id);
    kmsdns_wire_put_u32(out + o + 2, 0);
    o += 6;
    kmsdns_wire_put_u16(out + rdl, (uint16_t)(o - rd));
    return o;
}

static void test_ad_variants(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len;
    uint64_t now = (uint64_t)time(NULL);
    uint8_t *wire = signed_update(&len, &req, now);
    uint8_t r[1024];
    struct kmsdns_tsig_check chk;
    struct kmsdns_tsig_signer gss = signer; /* the HMAC stands in for the GSS MIC */
    gss.gss_variants = true;
    strcpy(gss.alg_name, "gss.microsoft.com");
    /* strict, under the negotiated name */
    size_t n = hand_signed(&req, CHAIN_PREFIXED, "gss.microsoft.com", "gss.microsoft.com", r);
    assert_int_equal(kmsdns_tsig_verify(&gss, &req, r, n, now, &chk), KMSDNS_OK);
    assert_int_equal(chk.variant, KMSDNS_TSIG_STRICT);
    /* the server echoes "gss-tsig" but signed under gss.microsoft.com: verified */
    n = hand_signed(&req, CHAIN_PREFIXED, "gss-tsig", "gss.microsoft.com", r);
    assert_int_equal(kmsdns_tsig_verify(&gss, &req, r, n, now, &chk), KMSDNS_OK);
    /* (a) the request MAC without its length: accepted for GSS, and named */
    n = hand_signed(&req, CHAIN_BARE, "gss-tsig", "gss.microsoft.com", r);
    assert_int_equal(kmsdns_tsig_verify(&gss, &req, r, n, now, &chk), KMSDNS_OK);
    assert_int_equal(chk.variant, KMSDNS_TSIG_NO_PREFIX);
    /* ... but never for plain TSIG, where servers follow the RFC */
    n = hand_signed(&req, CHAIN_BARE, "hmac-sha256", "hmac-sha256", r);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, r, n, now, &chk), KMSDNS_BADSIG);
    n = hand_signed(&req, CHAIN_PREFIXED, "hmac-sha256", "hmac-sha256", r);
    assert_int_equal(kmsdns_tsig_verify(&signer, &req, r, n, now, &chk), KMSDNS_OK);
    /* (b) our own MAC echoed back: proves nothing, said so */
    n = hand_signed(&req, CHAIN_ECHO, "gss-tsig", "gss.microsoft.com", r);
    assert_int_equal(kmsdns_tsig_verify(&gss, &req, r, n, now, &chk), KMSDNS_BADSIG);
    assert_int_equal(chk.variant, KMSDNS_TSIG_ECHOED);
    /* an HMAC name from a GSS server is another key altogether */
    n = hand_signed(&req, CHAIN_PREFIXED, "hmac-sha256", "gss.microsoft.com", r);
    assert_int_equal(kmsdns_tsig_verify(&gss, &req, r, n, now, &chk), KMSDNS_BADKEY);
    free(wire);
}

static void test_tsig_must_be_last_and_alone(void **state)
{
    (void)state;
    struct kmsdns_tsig_request req;
    size_t len;
    uint8_t *wire = signed_update(&len, &req, 1000);
    ldns_pkt *pkt = NULL;
    assert_int_equal(kmsdns_msg_parse(wire, len, &pkt), KMSDNS_OK);
    ldns_pkt_free(pkt);
    /* the same TSIG RR twice: refused before ldns (which would leak the first) */
    size_t rr = 0;
    uint16_t type = 0;
    assert_int_equal(kmsdns_wire_last_rr(wire, len, &rr, &type), KMSDNS_OK);
    uint8_t *two = malloc(len + (len - rr));
    memcpy(two, wire, len);
    memcpy(two + len, wire + rr, len - rr);
    kmsdns_wire_put_u16(two + 10, (uint16_t)(kmsdns_wire_u16(two + 10) + 1));
    assert_false(kmsdns_wire_tsig_placement_ok(two, len + (len - rr)));
    assert_int_equal(kmsdns_msg_parse(two, len + (len - rr), &pkt), KMSDNS_MALFORMED);
    free(two);
    free(wire);
}

static void test_wire_names(void **state)
{
    (void)state;
    uint8_t buf[300];
    size_t n;
    assert_int_equal(kmsdns_wire_put_name("Ab.test", buf, sizeof buf, &n), KMSDNS_OK);
    assert_int_equal(n, 9);
    assert_memory_equal(buf,
                        "\x02"
                        "ab\x04test\x00",
                        9);
    assert_int_equal(kmsdns_wire_put_name(".", buf, sizeof buf, &n), KMSDNS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(kmsdns_wire_put_name("ab.test", buf, 5, &n), KMSDNS_TOOLONG);
    /* a compression pointer loop is refused, a good pointer followed */
    uint8_t msg[] = {2, 'a', 'b', 0xC0, 0x00, 1, 'x', 0xC0, 0x00};
    char out[KMSDNS_NAME_BUF];
    size_t off = 0;
    assert_int_equal(kmsdns_wire_read_name(msg, sizeof msg, &off, out), KMSDNS_MALFORMED);
    uint8_t ok[] = {2, 'A', 'b', 0, 1, 'x', 0xC0, 0x00, 3, 'a', '.', 0xFF, 0};
    off = 4;
    assert_int_equal(kmsdns_wire_read_name(ok, sizeof ok, &off, out), KMSDNS_OK);
    assert_string_equal(out, "x.ab");
    assert_int_equal(off, 8);
    off = 8;
    assert_int_equal(kmsdns_wire_read_name(ok, sizeof ok, &off, out), KMSDNS_OK);
    assert_string_equal(out, "a\\046\\255");
    uint8_t bad[] = {0x80};
    off = 0;
    assert_int_equal(kmsdns_wire_read_name(bad, 1, &off, out), KMSDNS_MALFORMED);
    off = 0;
    assert_int_equal(kmsdns_wire_skip_name(bad, 1, &off), KMSDNS_MALFORMED);
}

TEST_MAIN(setup, teardown,
          {
              cmocka_unit_test(test_request_verifies_with_ldns),
              cmocka_unit_test(test_response_from_ldns_verifies),
              cmocka_unit_test(test_unsigned_and_malformed),
              cmocka_unit_test(test_server_tsig_errors),
              cmocka_unit_test(test_ad_variants),
              cmocka_unit_test(test_tsig_must_be_last_and_alone),
              cmocka_unit_test(test_wire_names),
          })
