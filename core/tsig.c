/* SPDX-License-Identifier: MIT */
/*
 * RFC 8945 TSIG over wire bytes. The digest is: (for responses) the request
 * MAC with its 2-byte length, the message without its TSIG RR (ARCOUNT one
 * less, the original ID), then the TSIG variables: key name and algorithm in
 * canonical form, class ANY, TTL 0, time signed, fudge, error, other data.
 * The MAC comes from a signer: HMAC over libcrypto (kmsdns_tsig_signer_hmac)
 * or a GSS-API MIC (the gss module), for TSIG and GSS-TSIG alike.
 */
#include "kmsdns/tsig.h"
#include "kmsdns/wire.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_TSIG 250
#define CLASS_ANY 255
#define OTHER_MAX 64

/* The TSIG variables of RFC 8945 section 4.3.3. */
struct tsig_vars {
    char key_name[KMSDNS_NAME_BUF];
    char alg_name[KMSDNS_NAME_BUF];
    uint64_t time_signed;
    uint16_t fudge, error, other_len;
    uint8_t other[OTHER_MAX];
};

static int hmac_mac(void *ctx, const uint8_t *data, size_t len, uint8_t *out, size_t *outlen)
{
    const kmsdns_tsig_key *key = ctx;
    size_t klen;
    const uint8_t *secret = kmsdns_tsig_key_secret(key, &klen);
    const EVP_MD *md = EVP_get_digestbyname(kmsdns_tsig_alg_digest(kmsdns_tsig_key_alg(key)));
    unsigned int n = 0;
    if (md == NULL || HMAC(md, secret, (int)klen, data, len, out, &n) == NULL)
        return KMSDNS_UNSUPPORTED;
    *outlen = n;
    return KMSDNS_OK;
}

static int hmac_check(void *ctx, const uint8_t *data, size_t len, const uint8_t *mac, size_t maclen)
{
    uint8_t want[KMSDNS_TSIG_MAC_MAX];
    size_t wlen = 0;
    int rc = hmac_mac(ctx, data, len, want, &wlen);
    if (rc != KMSDNS_OK)
        return rc;
    bool ok = wlen == maclen && CRYPTO_memcmp(want, mac, maclen) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok ? KMSDNS_OK : KMSDNS_BADSIG;
}

void kmsdns_tsig_signer_hmac(const kmsdns_tsig_key *key, struct kmsdns_tsig_signer *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->key_name, sizeof out->key_name, "%s", kmsdns_tsig_key_name(key));
    snprintf(out->alg_name, sizeof out->alg_name, "%s",
             kmsdns_tsig_alg_dns_name(kmsdns_tsig_key_alg(key)));
    out->mac = hmac_mac;
    out->check = hmac_check;
    out->ctx = (void *)key;
}

static void put_u48(uint8_t *p, uint64_t v)
{
    kmsdns_wire_put_u16(p, (uint16_t)(v >> 32));
    kmsdns_wire_put_u32(p + 2, (uint32_t)v);
}

static uint64_t get_u48(const uint8_t *p)
{
    return (uint64_t)kmsdns_wire_u16(p) << 32 | kmsdns_wire_u32(p + 2);
}

/* Appends the digest form of the TSIG variables to buf at *o (room checked by caller). */
static int put_vars(const struct tsig_vars *v, uint8_t *buf, size_t cap, size_t *o)
{
    size_t n;
    if (kmsdns_wire_put_name(v->key_name, buf + *o, cap - *o, &n) != KMSDNS_OK)
        return KMSDNS_TOOLONG;
    *o += n;
    if (*o + 6 > cap)
        return KMSDNS_TOOLONG;
    kmsdns_wire_put_u16(buf + *o, CLASS_ANY);
    kmsdns_wire_put_u32(buf + *o + 2, 0);
    *o += 6;
    if (kmsdns_wire_put_name(v->alg_name, buf + *o, cap - *o, &n) != KMSDNS_OK)
        return KMSDNS_TOOLONG;
    *o += n;
    if (*o + 12 + v->other_len > cap)
        return KMSDNS_TOOLONG;
    put_u48(buf + *o, v->time_signed);
    kmsdns_wire_put_u16(buf + *o + 6, v->fudge);
    kmsdns_wire_put_u16(buf + *o + 8, v->error);
    kmsdns_wire_put_u16(buf + *o + 10, v->other_len);
    memcpy(buf + *o + 12, v->other, v->other_len);
    *o += 12 + v->other_len;
    return KMSDNS_OK;
}

/* Builds [prior MAC] + message + variables in a malloc'd buffer. */
static int digest_input(const uint8_t *prior, size_t prior_len, const uint8_t *msg, size_t len,
                        const struct tsig_vars *v, uint8_t **out, size_t *outlen)
{
    size_t cap = (prior != NULL ? 2 + prior_len : 0) + len + 2 * 256 + 32 + OTHER_MAX;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return KMSDNS_NOMEM;
    size_t o = 0;
    if (prior != NULL) {
        kmsdns_wire_put_u16(buf, (uint16_t)prior_len);
        memcpy(buf + 2, prior, prior_len);
        o = 2 + prior_len;
    }
    memcpy(buf + o, msg, len);
    o += len;
    int rc = put_vars(v, buf, cap, &o);
    if (rc != KMSDNS_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = o;
    return KMSDNS_OK;
}

/* Writes the TSIG RR (owner, type, class, TTL, RDATA) at msg + *len. */
static int append_rr(uint8_t *msg, size_t *len, size_t cap, const struct tsig_vars *v,
                     const uint8_t *mac, size_t mac_len, uint16_t id)
{
    size_t o = *len, n;
    if (kmsdns_wire_put_name(v->key_name, msg + o, cap - o, &n) != KMSDNS_OK)
        return KMSDNS_TOOLONG;
    o += n;
    if (o + 10 > cap)
        return KMSDNS_TOOLONG;
    size_t type_at = o;
    o += 10;
    size_t rd_at = o;
    if (kmsdns_wire_put_name(v->alg_name, msg + o, cap - o, &n) != KMSDNS_OK)
        return KMSDNS_TOOLONG;
    o += n;
    if (o + 16 + mac_len + v->other_len > cap)
        return KMSDNS_TOOLONG;
    put_u48(msg + o, v->time_signed);
    kmsdns_wire_put_u16(msg + o + 6, v->fudge);
    kmsdns_wire_put_u16(msg + o + 8, (uint16_t)mac_len);
    memcpy(msg + o + 10, mac, mac_len);
    o += 10 + mac_len;
    kmsdns_wire_put_u16(msg + o, id);
    kmsdns_wire_put_u16(msg + o + 2, v->error);
    kmsdns_wire_put_u16(msg + o + 4, v->other_len);
    memcpy(msg + o + 6, v->other, v->other_len);
    o += 6 + v->other_len;
    kmsdns_wire_put_u16(msg + type_at, TYPE_TSIG);
    kmsdns_wire_put_u16(msg + type_at + 2, CLASS_ANY);
    kmsdns_wire_put_u32(msg + type_at + 4, 0);
    kmsdns_wire_put_u16(msg + type_at + 8, (uint16_t)(o - rd_at));
    kmsdns_wire_put_u16(msg + 10, (uint16_t)(kmsdns_wire_u16(msg + 10) + 1));
    *len = o;
    return KMSDNS_OK;
}

int kmsdns_tsig_sign(const struct kmsdns_tsig_signer *s, uint8_t *msg, size_t *len, size_t cap,
                     uint64_t now, struct kmsdns_tsig_request *req)
{
    if (*len < KMSDNS_WIRE_HEADER)
        return KMSDNS_INVAL;
    struct tsig_vars v = {.time_signed = now, .fudge = KMSDNS_TSIG_FUDGE};
    memcpy(v.key_name, s->key_name, sizeof v.key_name);
    memcpy(v.alg_name, s->alg_name, sizeof v.alg_name);
    uint8_t *data;
    size_t dlen;
    int rc = digest_input(NULL, 0, msg, *len, &v, &data, &dlen);
    if (rc != KMSDNS_OK)
        return rc;
    rc = s->mac(s->ctx, data, dlen, req->mac, &req->mac_len);
    free(data);
    if (rc != KMSDNS_OK)
        return rc;
    req->id = kmsdns_wire_u16(msg);
    req->time_signed = now;
    return append_rr(msg, len, cap, &v, req->mac, req->mac_len, req->id);
}

/* Parses the TSIG RR at rr; fills v, the MAC and the original ID. */
static int parse_rr(const uint8_t *msg, size_t len, size_t rr, struct tsig_vars *v,
                    const uint8_t **mac, size_t *mac_len, uint16_t *orig_id)
{
    size_t o = rr;
    if (kmsdns_wire_read_name(msg, len, &o, v->key_name) != KMSDNS_OK || o + 10 > len)
        return KMSDNS_MALFORMED;
    size_t rd_end = o + 10 + kmsdns_wire_u16(msg + o + 8);
    if (kmsdns_wire_u16(msg + o + 2) != CLASS_ANY || rd_end > len)
        return KMSDNS_MALFORMED;
    o += 10;
    if (kmsdns_wire_read_name(msg, rd_end, &o, v->alg_name) != KMSDNS_OK || o + 10 > rd_end)
        return KMSDNS_MALFORMED;
    v->time_signed = get_u48(msg + o);
    v->fudge = kmsdns_wire_u16(msg + o + 6);
    *mac_len = kmsdns_wire_u16(msg + o + 8);
    o += 10;
    if (o + *mac_len + 6 > rd_end || *mac_len > KMSDNS_TSIG_MAC_MAX)
        return KMSDNS_MALFORMED;
    *mac = msg + o;
    o += *mac_len;
    *orig_id = kmsdns_wire_u16(msg + o);
    v->error = kmsdns_wire_u16(msg + o + 2);
    v->other_len = kmsdns_wire_u16(msg + o + 4);
    o += 6;
    if (o + v->other_len != rd_end || v->other_len > OTHER_MAX)
        return KMSDNS_MALFORMED;
    memcpy(v->other, msg + o, v->other_len);
    return KMSDNS_OK;
}

static int tsig_error_rc(uint16_t error)
{
    switch (error) {
    case KMSDNS_TSIG_BADKEY:
        return KMSDNS_BADKEY;
    case KMSDNS_TSIG_BADTIME:
        return KMSDNS_BADTIME;
    default:
        return KMSDNS_BADSIG;
    }
}

/* Checks the MAC over the response with its TSIG RR removed; `prefix` says
 * whether the request MAC goes in with its 2-byte length (RFC 8945) or bare. */
static int check_mac(const struct kmsdns_tsig_signer *s, const struct kmsdns_tsig_request *req,
                     const uint8_t *msg, size_t rr, const struct tsig_vars *v, const uint8_t *mac,
                     size_t mac_len, uint16_t orig_id, bool prefix)
{
    size_t extra = prefix ? 0 : req->mac_len;
    uint8_t *body = malloc(rr + extra + 1);
    if (body == NULL)
        return KMSDNS_NOMEM;
    memcpy(body + extra, msg, rr);
    memcpy(body, req->mac, extra);
    kmsdns_wire_put_u16(body + extra, orig_id);
    kmsdns_wire_put_u16(body + extra + 10, (uint16_t)(kmsdns_wire_u16(body + extra + 10) - 1));
    uint8_t *data;
    size_t dlen;
    /* An unsigned request (a TKEY query) leaves no MAC to chain: none is digested. */
    bool chain = prefix && req->mac_len > 0;
    int rc = digest_input(chain ? req->mac : NULL, req->mac_len, body, rr + extra, v, &data, &dlen);
    free(body);
    if (rc != KMSDNS_OK)
        return rc;
    rc = s->check(s->ctx, data, dlen, mac, mac_len);
    free(data);
    return rc;
}

static bool is_gss_alg(const char *a)
{
    return strcmp(a, "gss-tsig") == 0 || strcmp(a, "gss.microsoft.com") == 0;
}

/* Strict first; for GSS-TSIG then the bare request MAC, then the echo check. */
static int prove(const struct kmsdns_tsig_signer *s, const struct kmsdns_tsig_request *req,
                 const uint8_t *msg, size_t rr, const struct tsig_vars *v, const uint8_t *mac,
                 size_t mac_len, uint16_t orig_id, struct kmsdns_tsig_check *chk)
{
    int rc = check_mac(s, req, msg, rr, v, mac, mac_len, orig_id, true);
    chk->variant = KMSDNS_TSIG_STRICT;
    if (rc != KMSDNS_BADSIG || !s->gss_variants || req->mac_len == 0)
        return rc;
    if (check_mac(s, req, msg, rr, v, mac, mac_len, orig_id, false) == KMSDNS_OK) {
        chk->variant = KMSDNS_TSIG_NO_PREFIX;
        return KMSDNS_OK;
    }
    if (mac_len == req->mac_len && CRYPTO_memcmp(mac, req->mac, mac_len) == 0)
        chk->variant = KMSDNS_TSIG_ECHOED;
    return KMSDNS_BADSIG;
}

int kmsdns_tsig_verify(const struct kmsdns_tsig_signer *s, const struct kmsdns_tsig_request *req,
                       const uint8_t *msg, size_t len, uint64_t now, struct kmsdns_tsig_check *chk)
{
    memset(chk, 0, sizeof *chk);
    size_t rr;
    uint16_t type = 0;
    if (kmsdns_wire_last_rr(msg, len, &rr, &type) != KMSDNS_OK)
        return KMSDNS_MALFORMED;
    if (rr == 0 || type != TYPE_TSIG || kmsdns_wire_u16(msg + 10) == 0)
        return KMSDNS_UNSIGNED;
    struct tsig_vars v;
    const uint8_t *mac;
    size_t mac_len;
    uint16_t orig_id;
    if (parse_rr(msg, len, rr, &v, &mac, &mac_len, &orig_id) != KMSDNS_OK)
        return KMSDNS_MALFORMED;
    chk->error = v.error;
    chk->time_signed = v.time_signed;
    if (v.error == KMSDNS_TSIG_BADTIME && v.other_len == 6) {
        chk->has_time = true;
        chk->server_time = get_u48(v.other);
    }
    if (v.error != 0)
        return tsig_error_rc(v.error);
    bool alg_ok = strcmp(v.alg_name, s->alg_name) == 0 ||
                  (s->gss_variants && is_gss_alg(v.alg_name) && is_gss_alg(s->alg_name));
    if (strcmp(v.key_name, s->key_name) != 0 || !alg_ok)
        return KMSDNS_BADKEY;
    /* the MAC was made under the negotiated algorithm, whatever name came back */
    snprintf(v.alg_name, sizeof v.alg_name, "%s", s->alg_name);
    int rc = prove(s, req, msg, rr, &v, mac, mac_len, orig_id, chk);
    if (rc != KMSDNS_OK)
        return rc;
    uint64_t skew = now > v.time_signed ? now - v.time_signed : v.time_signed - now;
    if (skew > v.fudge) {
        chk->has_time = true;
        chk->server_time = v.time_signed;
        return KMSDNS_BADTIME;
    }
    return KMSDNS_OK;
}
