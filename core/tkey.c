/* SPDX-License-Identifier: MIT */
/* TKEY query construction and answer parsing for GSS-TSIG negotiation. */
#include "kmsdns/tkey.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/error.h"
#include "kmsdns/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_TKEY 249
#define CLASS_ANY 255

int kmsdns_tkey_query(const char *key_name, const char *alg_name, uint32_t now,
                      const uint8_t *token, size_t token_len, uint8_t **wire, size_t *len,
                      size_t *cap)
{
    if (token_len > 60000)
        return KMSDNS_TOOLONG;
    size_t room = KMSDNS_WIRE_HEADER + 3 * 256 + 32 + token_len + KMSDNS_MSG_TSIG_ROOM;
    uint8_t *w = calloc(1, room);
    size_t o = KMSDNS_WIRE_HEADER, n;
    if (w == NULL)
        return KMSDNS_NOMEM;
    kmsdns_wire_put_u16(w, kmsdns_msg_random_id());
    w[5] = 1;  /* QDCOUNT */
    w[11] = 1; /* ARCOUNT */
    if (kmsdns_wire_put_name(key_name, w + o, 256, &n) != KMSDNS_OK)
        goto bad_name;
    o += n;
    kmsdns_wire_put_u16(w + o, TYPE_TKEY);
    kmsdns_wire_put_u16(w + o + 2, CLASS_ANY);
    o += 4;
    kmsdns_wire_put_name(key_name, w + o, 256, &n); /* fitted once already */
    o += n;
    kmsdns_wire_put_u16(w + o, TYPE_TKEY);
    kmsdns_wire_put_u16(w + o + 2, CLASS_ANY);
    kmsdns_wire_put_u32(w + o + 4, 0);
    size_t rdlen_at = o + 8;
    o += 10;
    size_t rd = o;
    if (kmsdns_wire_put_name(alg_name, w + o, 256, &n) != KMSDNS_OK)
        goto bad_name;
    o += n;
    kmsdns_wire_put_u32(w + o, now);     /* inception */
    kmsdns_wire_put_u32(w + o + 4, now); /* expiration: the server chooses */
    kmsdns_wire_put_u16(w + o + 8, KMSDNS_TKEY_MODE_GSSAPI);
    kmsdns_wire_put_u16(w + o + 10, 0); /* error */
    kmsdns_wire_put_u16(w + o + 12, (uint16_t)token_len);
    if (token_len > 0)
        memcpy(w + o + 14, token, token_len);
    o += 14 + token_len;
    kmsdns_wire_put_u16(w + o, 0); /* other size */
    o += 2;
    kmsdns_wire_put_u16(w + rdlen_at, (uint16_t)(o - rd));
    *wire = w;
    *len = o;
    *cap = room;
    return KMSDNS_OK;
bad_name:
    free(w);
    return KMSDNS_NAME;
}

/* Reads the TKEY RDATA at msg[off..end). */
static int parse_rdata(const uint8_t *msg, size_t off, size_t end, struct kmsdns_tkey_answer *a)
{
    if (kmsdns_wire_read_name(msg, end, &off, a->alg) != KMSDNS_OK || off + 16 > end)
        return KMSDNS_MALFORMED;
    a->inception = kmsdns_wire_u32(msg + off);
    a->expiration = kmsdns_wire_u32(msg + off + 4);
    a->mode = kmsdns_wire_u16(msg + off + 8);
    a->error = kmsdns_wire_u16(msg + off + 10);
    a->key_len = kmsdns_wire_u16(msg + off + 12);
    off += 14;
    if (off + a->key_len + 2 > end)
        return KMSDNS_MALFORMED;
    a->key = msg + off;
    off += a->key_len;
    size_t other = kmsdns_wire_u16(msg + off);
    if (off + 2 + other != end)
        return KMSDNS_MALFORMED;
    a->found = true;
    return KMSDNS_OK;
}

int kmsdns_tkey_parse(const uint8_t *msg, size_t len, struct kmsdns_tkey_answer *a)
{
    struct kmsdns_wire_iter it;
    struct kmsdns_wire_rr rr;
    memset(a, 0, sizeof *a);
    if (kmsdns_wire_iter_init(&it, msg, len) != KMSDNS_OK)
        return KMSDNS_MALFORMED;
    a->id = kmsdns_wire_u16(msg);
    a->rcode = msg[3] & 0x0F;
    int rc;
    while ((rc = kmsdns_wire_iter_next(&it, &rr)) == 1) {
        size_t off = rr.start;
        if (rr.type != TYPE_TKEY || a->found)
            continue;
        if (kmsdns_wire_read_name(msg, len, &off, a->name) != KMSDNS_OK ||
            parse_rdata(msg, rr.rdata, rr.end, a) != KMSDNS_OK)
            return KMSDNS_MALFORMED;
    }
    return rc == 0 ? KMSDNS_OK : KMSDNS_MALFORMED;
}

const char *kmsdns_tkey_error_name(uint16_t error, char buf[16])
{
    static const char *const names[] = {"BADSIG",  "BADKEY",  "BADTIME",
                                        "BADMODE", "BADNAME", "BADALG"};
    if (error >= 16 && error <= 21)
        return names[error - 16];
    snprintf(buf, 16, "error %u", error);
    return buf;
}
