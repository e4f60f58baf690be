/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked DNS wire walking for the TSIG code: the response digest is
 * computed over exact bytes, so we need offsets that a parsed ldns_pkt cannot
 * give. Nothing here allocates.
 */
#include "kmsdns/wire.h"
#include "kmsdns/error.h"

#include <stdio.h>
#include <string.h>

#define MAX_POINTERS 64

uint16_t kmsdns_wire_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t kmsdns_wire_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void kmsdns_wire_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void kmsdns_wire_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int put_label_char(char *out, size_t *o, uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        c = (uint8_t)(c - 'A' + 'a');
    int plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    size_t need = plain ? 1 : 4;
    if (*o + need >= KMSDNS_NAME_BUF)
        return KMSDNS_MALFORMED;
    if (plain)
        out[(*o)++] = (char)c;
    else
        *o += (size_t)snprintf(out + *o, 5, "\\%03u", c);
    return KMSDNS_OK;
}

int kmsdns_wire_read_name(const uint8_t *msg, size_t len, size_t *off, char out[KMSDNS_NAME_BUF])
{
    size_t pos = *off, o = 0, end = 0;
    unsigned jumps = 0;
    for (;;) {
        if (pos >= len)
            return KMSDNS_MALFORMED;
        uint8_t l = msg[pos];
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= len || ++jumps > MAX_POINTERS)
                return KMSDNS_MALFORMED;
            if (end == 0)
                end = pos + 2;
            pos = (size_t)((l & 0x3F) << 8 | msg[pos + 1]);
            continue;
        }
        if (l & 0xC0)
            return KMSDNS_MALFORMED;
        if (l == 0)
            break;
        if (pos + 1 + l > len)
            return KMSDNS_MALFORMED;
        if (o > 0) {
            if (o + 1 >= KMSDNS_NAME_BUF)
                return KMSDNS_MALFORMED;
            out[o++] = '.';
        }
        for (size_t i = 0; i < l; i++)
            if (put_label_char(out, &o, msg[pos + 1 + i]) != KMSDNS_OK)
                return KMSDNS_MALFORMED;
        pos += 1 + (size_t)l;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    *off = end != 0 ? end : pos + 1;
    return KMSDNS_OK;
}

int kmsdns_wire_skip_name(const uint8_t *msg, size_t len, size_t *off)
{
    size_t pos = *off;
    for (unsigned labels = 0; labels < 128; labels++) {
        if (pos >= len)
            return KMSDNS_MALFORMED;
        uint8_t l = msg[pos];
        if ((l & 0xC0) == 0xC0) {
            if (pos + 2 > len)
                return KMSDNS_MALFORMED;
            *off = pos + 2;
            return KMSDNS_OK;
        }
        if (l & 0xC0)
            return KMSDNS_MALFORMED;
        pos += 1 + (size_t)l;
        if (l == 0) {
            if (pos > len)
                return KMSDNS_MALFORMED;
            *off = pos;
            return KMSDNS_OK;
        }
    }
    return KMSDNS_MALFORMED;
}

int kmsdns_wire_put_name(const char *name, uint8_t *out, size_t cap, size_t *n)
{
    size_t o = 0;
    if (strcmp(name, ".") != 0) {
        for (const char *p = name; *p != '\0';) {
            const char *dot = strchr(p, '.');
            size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
            if (l == 0 || l > 63 || o + 1 + l + 1 > cap)
                return KMSDNS_TOOLONG;
            out[o++] = (uint8_t)l;
            for (size_t i = 0; i < l; i++) {
                char c = p[i];
                out[o++] = (uint8_t)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
            }
            p += l;
            if (*p == '.')
                p++;
        }
    }
    if (o + 1 > cap || o + 1 > 255)
        return KMSDNS_TOOLONG;
    out[o++] = 0;
    *n = o;
    return KMSDNS_OK;
}

int kmsdns_wire_iter_init(struct kmsdns_wire_iter *it, const uint8_t *msg, size_t len)
{
    memset(it, 0, sizeof *it);
    if (len < KMSDNS_WIRE_HEADER)
        return KMSDNS_MALFORMED;
    it->msg = msg;
    it->len = len;
    it->off = KMSDNS_WIRE_HEADER;
    it->total =
        (unsigned)kmsdns_wire_u16(msg + 6) + kmsdns_wire_u16(msg + 8) + kmsdns_wire_u16(msg + 10);
    for (unsigned i = kmsdns_wire_u16(msg + 4); i > 0; i--) {
        if (kmsdns_wire_skip_name(msg, len, &it->off) != KMSDNS_OK || it->off + 4 > len)
            return KMSDNS_MALFORMED;
        it->off += 4;
    }
    return KMSDNS_OK;
}

int kmsdns_wire_iter_next(struct kmsdns_wire_iter *it, struct kmsdns_wire_rr *rr)
{
    if (it->index == it->total)
        return it->off == it->len ? 0 : KMSDNS_MALFORMED;
    rr->start = it->off;
    rr->index = it->index++;
    size_t off = it->off;
    if (kmsdns_wire_skip_name(it->msg, it->len, &off) != KMSDNS_OK || off + 10 > it->len)
        return KMSDNS_MALFORMED;
    rr->type = kmsdns_wire_u16(it->msg + off);
    rr->rdata = off + 10;
    rr->end = rr->rdata + kmsdns_wire_u16(it->msg + off + 8);
    if (rr->end > it->len)
        return KMSDNS_MALFORMED;
    it->off = rr->end;
    return 1;
}

int kmsdns_wire_last_rr(const uint8_t *msg, size_t len, size_t *rr_off, uint16_t *rr_type)
{
    struct kmsdns_wire_iter it;
    struct kmsdns_wire_rr rr;
    int rc = kmsdns_wire_iter_init(&it, msg, len);
    *rr_off = 0;
    while (rc == KMSDNS_OK && (rc = kmsdns_wire_iter_next(&it, &rr)) == 1) {
        *rr_off = rr.start;
        *rr_type = rr.type;
        rc = KMSDNS_OK;
    }
    return rc == 0 ? KMSDNS_OK : KMSDNS_MALFORMED;
}

bool kmsdns_wire_tsig_placement_ok(const uint8_t *msg, size_t len)
{
    struct kmsdns_wire_iter it;
    struct kmsdns_wire_rr rr;
    int rc = kmsdns_wire_iter_init(&it, msg, len);
    while (rc == KMSDNS_OK && (rc = kmsdns_wire_iter_next(&it, &rr)) == 1) {
        if (rr.type == 250 && rr.index + 1 != it.total)
            return false;
        rc = KMSDNS_OK;
    }
    return rc == 0;
}
