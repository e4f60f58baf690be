/* SPDX-License-Identifier: MIT */
/*
 * Decoders for Active Directory's DNS attributes (MS-DNSP 2.3.2.1 and
 * 2.3.2.2), fed by kmsdns-verify's LDAP reader (audit_ldap.c) with whatever
 * a DC returned. Little-endian but for the TTL and the RR data, which keep
 * network order. Every read goes through rd8/rd16/rd32, which check the
 * bounds first.
 */
#include "dnsrecord.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct cur {
    const uint8_t *p;
    size_t len, off;
};

static bool rd8(struct cur *c, uint8_t *v)
{
    if (c->len - c->off < 1)
        return false;
    *v = c->p[c->off++];
    return true;
}

static bool rd16(struct cur *c, bool big, uint16_t *v)
{
    if (c->len - c->off < 2)
        return false;
    const uint8_t *b = c->p + c->off;
    *v = big ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
    c->off += 2;
    return true;
}

static bool rd32(struct cur *c, bool big, uint32_t *v)
{
    if (c->len - c->off < 4)
        return false;
    const uint8_t *b = c->p + c->off;
    *v = big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
             : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
    c->off += 4;
    return true;
}

static bool name_byte(uint8_t b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' ||
           b == '_';
}

/* A DNS_COUNT_NAME (MS-DNSP 2.2.2.2.2): a length byte (of the labels and
 * their terminating zero), a label count, the labels, a zero. It must fill
 * the rest of the data exactly. Lowercased, without trailing dot. */
static const char *count_name(struct cur *c, char out[KMSDNS_NAME_BUF])
{
    uint8_t rawlen, count, n, z;
    if (!rd8(c, &rawlen) || !rd8(c, &count))
        return "the SRV target is cut short";
    size_t start = c->off, o = 0;
    if (c->len - c->off != rawlen)
        return "the SRV target's length byte disagrees with the record's length";
    for (unsigned i = 0; i < count; i++) {
        if (!rd8(c, &n) || n == 0 || c->len - c->off < n)
            return "an SRV target label runs past the record";
        if (n > 63)
            return "an SRV target label is longer than 63 octets";
        if (o + (i > 0) + n > 253)
            return "the SRV target is longer than 255 octets";
        if (i > 0)
            out[o++] = '.';
        for (unsigned k = 0; k < n; k++) {
            uint8_t b = c->p[c->off++];
            if (!name_byte(b))
                return "an SRV target label holds a byte other than a letter, digit, '-' or '_'";
            out[o++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
    }
    if (!rd8(c, &z) || z != 0)
        return "the SRV target has no terminating zero where its label count says";
    if (c->off - start != rawlen)
        return "the SRV target's length byte disagrees with its labels";
    out[o] = '\0';
    if (o == 0) {
        snprintf(out, KMSDNS_NAME_BUF, ".");
        return NULL;
    }
    /* the rest of kmsdns's rules for names: no label starting or ending with '-', ... */
    char norm[KMSDNS_NAME_BUF];
    const char *why = NULL;
    if (kmsdns_name_normalize(out, KMSDNS_NAME_ALLOW_UNDERSCORE, norm, &why) != 0)
        return "the SRV target is not a valid host name";
    snprintf(out, KMSDNS_NAME_BUF, "%s", norm);
    return NULL;
}

int kmsdns_dnsrecord_decode(const uint8_t *v, size_t len, struct kmsdns_dnsrecord *out,
                            const char **why)
{
    struct cur c = {v, len, 0};
    uint16_t dlen;
    uint8_t version;
    uint32_t reserved;
    memset(out, 0, sizeof *out);
    if (len < KMSDNS_DNSRECORD_HEADER) {
        *why = "shorter than the 24-byte header";
        return -1;
    }
    rd16(&c, false, &dlen);
    rd16(&c, false, &out->type);
    rd8(&c, &version);
    rd8(&c, &out->rank);
    rd16(&c, false, &out->flags);
    rd32(&c, false, &out->serial);
    rd32(&c, true, &out->ttl);
    rd32(&c, false, &reserved);
    rd32(&c, false, &out->timestamp);
    if ((size_t)dlen != len - KMSDNS_DNSRECORD_HEADER) {
        *why = "its data length disagrees with its size";
        return -1;
    }
    if (version != 5) {
        *why = "not version 5";
        return -1;
    }
    struct cur d = {v + KMSDNS_DNSRECORD_HEADER, dlen, 0};
    switch (out->type) {
    case KMSDNS_DNSRECORD_SRV:
        if (!rd16(&d, true, &out->priority) || !rd16(&d, true, &out->weight) ||
            !rd16(&d, true, &out->port)) {
            *why = "SRV data shorter than priority, weight and port";
            return -1;
        }
        *why = count_name(&d, out->target);
        return *why == NULL ? 0 : -1;
    case KMSDNS_DNSRECORD_A:
    case KMSDNS_DNSRECORD_AAAA:
        out->addr_len = out->type == KMSDNS_DNSRECORD_A ? 4 : 16;
        if (dlen != out->addr_len) {
            *why = out->type == KMSDNS_DNSRECORD_A ? "A data is not 4 bytes"
                                                   : "AAAA data is not 16 bytes";
            return -1;
        }
        memcpy(out->addr, d.p, out->addr_len);
        return 0;
    }
    return 0;
}

void kmsdns_zone_aging_init(struct kmsdns_zone_aging *z)
{
    z->aging = false;
    z->norefresh = z->refresh = 168;
}

/* DataLength, NameLength, Flag, Version, Id (each 4 bytes), the data, the name. */
int kmsdns_dnsprop_apply(const uint8_t *v, size_t len, struct kmsdns_zone_aging *z,
                         const char **why)
{
    struct cur c = {v, len, 0};
    uint32_t dlen, namelen, flag, version, id, value;
    if (!rd32(&c, false, &dlen) || !rd32(&c, false, &namelen) || !rd32(&c, false, &flag) ||
        !rd32(&c, false, &version) || !rd32(&c, false, &id)) {
        *why = "shorter than the 20-byte property header";
        return -1;
    }
    if (dlen > c.len - c.off) {
        *why = "the property's data runs past its value";
        return -1;
    }
    if (dlen != 4)
        return 0; /* not one of ours, or Samba's empty form of a property */
    rd32(&c, false, &value);
    switch (id) {
    case KMSDNS_DNSPROP_AGING_STATE:
        z->aging = value != 0;
        break;
    case KMSDNS_DNSPROP_NOREFRESH:
        z->norefresh = value;
        break;
    case KMSDNS_DNSPROP_REFRESH:
        z->refresh = value;
        break;
    }
    return 0;
}

int64_t kmsdns_dnsrecord_unix(uint32_t hours)
{
    /* 1601-01-01 to 1970-01-01: 11644473600 s = 3234576 h */
    return ((int64_t)hours - 3234576) * 3600;
}

void kmsdns_iso8601(int64_t t, char buf[24])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 24, "?");
}
