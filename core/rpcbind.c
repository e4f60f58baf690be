/* SPDX-License-Identifier: MIT */
/*
 * The DCE/RPC v5 bind codec for the KMS interface, both sides: the bind the
 * verifier's probe sends and reads the answer to, and the answer
 * kmsdns-hostd gives to a client's bind. Nothing beyond the bind. The PDU layouts
 * are those of DCE 1.1 RPC (C706) chapter 12.6 as MS-RPCE uses them, in the
 * little-endian data representation: integers little-endian, UUIDs with
 * their first three fields little-endian and the last 8 bytes as written.
 */
#include "kmsdns/rpcbind.h"
#include "kmsdns/error.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PTYPE_BIND 11
#define PTYPE_BIND_ACK 12
#define PTYPE_BIND_NAK 13
#define PFC_FIRST_FRAG 0x01
#define PFC_LAST_FRAG 0x02
#define DREP_LE_ASCII_IEEE 0x10

#define HDR_LEN KMSDNS_RPC_HDR_LEN
#define BIND_LEN 72   /* header, 8 bytes of fragment sizes and group, one context */
#define SYNTAX_LEN 20 /* p_syntax_id_t: UUID, then the version as a u32 */
#define RESULT_LEN 24 /* p_result_t: result u16, reason u16, p_syntax_id_t */
#define MAX_FRAG KMSDNS_RPC_MAX_FRAG

/* 51c82175-844e-4750-b0d8-ec255555bc06 v1.0 (major 1 in the low u16). */
static const uint8_t kms_syntax[SYNTAX_LEN] = {0x75, 0x21, 0xc8, 0x51, 0x4e, 0x84, 0x50,
                                               0x47, 0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55,
                                               0xbc, 0x06, 0x01, 0x00, 0x00, 0x00};
/* NDR: 8a885d04-1ceb-11c9-9fe8-08002b104860 v2. */
static const uint8_t ndr_syntax[SYNTAX_LEN] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9,
                                               0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10,
                                               0x48, 0x60, 0x02, 0x00, 0x00, 0x00};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

size_t kmsdns_rpc_bind_build(uint8_t *buf, size_t cap, uint32_t call_id)
{
    if (buf == NULL || cap < BIND_LEN)
        return 0;
    memset(buf, 0, BIND_LEN);
    buf[0] = 5; /* rpc_vers 5, rpc_vers_minor 0 */
    buf[2] = PTYPE_BIND;
    buf[3] = PFC_FIRST_FRAG | PFC_LAST_FRAG;
    buf[4] = DREP_LE_ASCII_IEEE; /* drep[1..3] stay 0 */
    put_le16(buf + 8, BIND_LEN); /* frag_length; auth_length 0 */
    put_le32(buf + 12, call_id);
    put_le16(buf + 16, MAX_FRAG); /* max_xmit_frag */
    put_le16(buf + 18, MAX_FRAG); /* max_recv_frag; assoc_group_id 0: a new group */
    buf[24] = 1;                  /* n_context_elem, then 3 reserved bytes */
    buf[30] = 1;                  /* after p_cont_id 0 (u16): n_transfer_syn, reserved */
    memcpy(buf + 32, kms_syntax, SYNTAX_LEN);
    memcpy(buf + 52, ndr_syntax, SYNTAX_LEN);
    return BIND_LEN;
}

static int bad(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return KMSDNS_MALFORMED;
}

static const char *nak_reason(unsigned r)
{
    static const char *const names[] = {"reason not specified",
                                        "temporary congestion",
                                        "local limit exceeded",
                                        "called paddr unknown",
                                        "protocol version not supported",
                                        "default context not supported",
                                        "user data not readable",
                                        "no psap available",
                                        "authentication type not recognized",
                                        "invalid checksum"};
    return r < sizeof names / sizeof names[0] ? names[r] : "unknown reason";
}

static const char *context_reason(unsigned r)
{
    static const char *const names[] = {"reason not specified", "abstract syntax not supported",
                                        "proposed transfer syntaxes not supported",
                                        "local limit exceeded"};
    return r < sizeof names / sizeof names[0] ? names[r] : "unknown reason";
}

/*
 * The parser behind kmsdns_rpc_bind_parse(), which also says in why[cap]
 * what was wrong (KMSDNS_MALFORMED) or why the bind was refused (KMSDNS_OK
 * with *acked false). Every read is checked against frag_length, and
 * frag_length against len; bytes after the fragment are not looked at. An
 * answer with big-endian integers is refused rather than decoded: C706
 * allows one, but KMS hosts run on little-endian Windows.
 */
static int parse_answer(const uint8_t *b, size_t len, uint32_t call_id, bool *acked, char *why,
                        size_t cap)
{
    *acked = false;
    why[0] = '\0';
    if (b == NULL || len < HDR_LEN)
        return bad(why, cap, "answer of %zu bytes, shorter than a DCE/RPC header", len);
    if (b[0] != 5 || b[1] != 0)
        return bad(why, cap, "not a DCE/RPC v5.0 answer (version %u.%u)", b[0], b[1]);
    if ((b[4] & 0xF0) != DREP_LE_ASCII_IEEE)
        return bad(why, cap, "answer without little-endian integers (drep 0x%02x)", b[4]);
    size_t frag = le16(b + 8);
    if (frag < HDR_LEN || frag > len)
        return bad(why, cap, "fragment length %zu for an answer of %zu bytes", frag, len);
    if ((b[3] & (PFC_FIRST_FRAG | PFC_LAST_FRAG)) != (PFC_FIRST_FRAG | PFC_LAST_FRAG))
        return bad(why, cap, "answer in several fragments (flags 0x%02x)", b[3]);
    if (le32(b + 12) != call_id)
        return bad(why, cap, "answer to call %lu, not %lu", (unsigned long)le32(b + 12),
                   (unsigned long)call_id);

    if (b[2] == PTYPE_BIND_NAK) {
        /* provider_reject_reason, then a list of versions we do not need */
        if (frag < HDR_LEN + 2)
            return bad(why, cap, "bind_nak cut short");
        unsigned r = le16(b + 16);
        snprintf(why, cap, "bind_nak (reason %u: %s)", r, nak_reason(r));
        return KMSDNS_OK;
    }
    if (b[2] != PTYPE_BIND_ACK)
        return bad(why, cap, "PDU type %u, not bind_ack or bind_nak", b[2]);

    /* max_xmit_frag, max_recv_frag, assoc_group_id; then the secondary
     * address (u16 length, that many bytes) and padding to 4 bytes */
    size_t off = HDR_LEN + 8;
    if (off + 2 > frag)
        return bad(why, cap, "bind_ack cut short before its secondary address");
    off += 2 + (size_t)le16(b + off);
    off = (off + 3) & ~(size_t)3;
    /* p_result_list: n_results, 3 reserved bytes, n_results p_result_t */
    if (off + 4 > frag)
        return bad(why, cap, "bind_ack cut short before its results");
    size_t n = b[off];
    off += 4;
    if (n == 0)
        return bad(why, cap, "bind_ack without results");
    if (n * RESULT_LEN > frag - off)
        return bad(why, cap, "bind_ack with %zu results in %zu bytes", n, frag - off);
    /* the first result answers our only context */
    unsigned result = le16(b + off), reason = le16(b + off + 2);
    if (result == 0) {
        if (memcmp(b + off + 4, ndr_syntax, SYNTAX_LEN) != 0)
            return bad(why, cap, "bind_ack accepting a transfer syntax that was not offered");
        *acked = true;
        return KMSDNS_OK;
    }
    if (result == 1 || result == 2) {
        snprintf(why, cap, "KMS interface rejected (%s rejection, reason %u: %s)",
                 result == 1 ? "user" : "provider", reason, context_reason(reason));
        return KMSDNS_OK;
    }
    return bad(why, cap, "bind_ack with result %u for the KMS interface", result);
}

int kmsdns_rpc_bind_read(const uint8_t *buf, size_t len, uint32_t call_id, bool *acked, char *why,
                         size_t cap)
{
    bool a = false;
    int rc = parse_answer(buf, len, call_id, &a, why, cap);
    if (acked != NULL)
        *acked = a;
    return rc;
}

size_t kmsdns_rpc_frag_len(const uint8_t *hdr)
{
    return hdr[0] == 5 ? le16(hdr + 8) : 0;
}

int kmsdns_rpc_bind_parse(const uint8_t *buf, size_t len, uint32_t call_id, bool *acked)
{
    char why[128];
    bool a;
    int rc = parse_answer(buf, len, call_id, &a, why, sizeof why);
    if (acked != NULL)
        *acked = a;
    return rc;
}

/* ---- the host side ---- */

static void answer_header(uint8_t *out, uint8_t ptype, size_t n, uint32_t call_id)
{
    memset(out, 0, HDR_LEN);
    out[0] = 5;
    out[2] = ptype;
    out[3] = PFC_FIRST_FRAG | PFC_LAST_FRAG;
    out[4] = DREP_LE_ASCII_IEEE;
    put_le16(out + 8, (uint16_t)n);
    put_le32(out + 12, call_id);
}

/* bind_ack header fields up to the result list: fragment sizes, a group and
 * the secondary address (our port), padded to 4. Returns the offset reached. */
static size_t ack_prefix(uint8_t *out, unsigned short port)
{
    char sec[8];
    size_t seclen = (size_t)snprintf(sec, sizeof sec, "%u", port) + 1;
    put_le16(out + 16, MAX_FRAG);
    put_le16(out + 18, MAX_FRAG);
    put_le32(out + 20, 0x00010000u);
    put_le16(out + 24, (uint16_t)seclen);
    memcpy(out + 26, sec, seclen);
    size_t o = 26 + seclen;
    for (; o % 4 != 0; o++)
        out[o] = 0;
    return o;
}

/*
 * Writes one p_result_t per context of the bind at req+28 into res: the
 * first KMS v1.0 context offering NDR accepted, every other one rejected by
 * the provider (reason 1: abstract syntax, 2: transfer syntaxes), as
 * Windows answers a bind for an interface it does not serve. Returns the
 * number of contexts, or -1 when the bytes do not add up; *any_accepted says
 * whether one was accepted.
 */
static int context_results(const uint8_t *req, size_t len, uint8_t *res, bool *any_accepted)
{
    unsigned nctx = req[24];
    size_t off = 28;
    bool accepted = false;
    for (unsigned c = 0; c < nctx; c++, res += RESULT_LEN) {
        if (off + 4 + SYNTAX_LEN > len)
            return -1;
        unsigned ntr = req[off + 2];
        bool kms = memcmp(req + off + 4, kms_syntax, SYNTAX_LEN) == 0, ndr = false;
        off += 4 + SYNTAX_LEN;
        if (off + (size_t)ntr * SYNTAX_LEN > len)
            return -1;
        for (unsigned t = 0; t < ntr; t++, off += SYNTAX_LEN)
            ndr |= memcmp(req + off, ndr_syntax, SYNTAX_LEN) == 0;
        bool accept = kms && ndr && !accepted;
        put_le16(res, accept ? 0 : 2);
        put_le16(res + 2, accept ? 0 : kms ? 2 : 1);
        if (accept)
            memcpy(res + 4, ndr_syntax, SYNTAX_LEN);
        else
            memset(res + 4, 0, SYNTAX_LEN);
        accepted |= accept;
    }
    *any_accepted = accepted;
    return (int)nctx;
}

size_t kmsdns_rpc_bind_answer(const uint8_t *req, size_t len, unsigned short port, uint8_t *out,
                              size_t cap)
{
    if (len < 28 || req[0] != 5 || req[1] != 0 || req[2] != PTYPE_BIND ||
        (req[4] & 0xF0) != DREP_LE_ASCII_IEEE || le16(req + 8) != len ||
        cap < KMSDNS_RPC_ANSWER_MAX)
        return 0;
    uint32_t call_id = le32(req + 12);
    size_t o = ack_prefix(out, port);
    bool accepted = false;
    int n = context_results(req, len, out + o + 4, &accepted);
    if (n < 0)
        return 0;
    if (!accepted) { /* SPEC: any bind we do not serve gets a bind_nak, reason 0, versions 5.0 */
        answer_header(out, PTYPE_BIND_NAK, 24, call_id);
        memset(out + 16, 0, 8);
        out[18] = 1;
        out[19] = 5;
        return 24;
    }
    out[o] = (uint8_t)n; /* n_results, then 3 reserved bytes */
    memset(out + o + 1, 0, 3);
    size_t total = o + 4 + (size_t)n * RESULT_LEN;
    answer_header(out, PTYPE_BIND_ACK, total, call_id);
    return total;
}
