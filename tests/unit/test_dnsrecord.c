/* SPDX-License-Identifier: MIT */
/* The dnsRecord and dNSProperty decoders (verifier/dnsrecord.c): the fields
 * of MS-DNSP 2.3.2.2 and 2.3.2.1 in their byte orders, a blob written by
 * the lab's Samba DC, and every refusal of a value whose lengths lie. */
#include "testutil.h"

#include "dnsrecord.h"

/* A dnsRecord: the 24-byte header (TTL 3600 big-endian, serial 7, rank
 * 0xf0) then data. Returns its length. */
static size_t blob(uint8_t *b, uint16_t type, uint32_t stamp, const uint8_t *data, size_t dlen)
{
    memset(b, 0, KMSDNS_DNSRECORD_HEADER);
    b[0] = (uint8_t)dlen, b[1] = (uint8_t)(dlen >> 8);
    b[2] = (uint8_t)type, b[3] = (uint8_t)(type >> 8);
    b[4] = 5, b[5] = 0xf0;
    b[8] = 7;
    b[12] = 0, b[13] = 0, b[14] = 0x0e, b[15] = 0x10;
    b[20] = (uint8_t)stamp, b[21] = (uint8_t)(stamp >> 8), b[22] = (uint8_t)(stamp >> 16),
    b[23] = (uint8_t)(stamp >> 24);
    memcpy(b + KMSDNS_DNSRECORD_HEADER, data, dlen);
    return KMSDNS_DNSRECORD_HEADER + dlen;
}

/* SRV 0 100 1688 kms1.ad.kmsdns.test as a DNS_COUNT_NAME */
static const uint8_t srv_data[] = {0,   0,   0,   100, 0x06, 0x98, 21,  4,   4,   'k',
                                   'm', 's', '1', 2,   'a',  'd',  6,   'k', 'm', 's',
                                   'd', 'n', 's', 4,   't',  'e',  's', 't', 0};

static void srv(void **state)
{
    (void)state;
    uint8_t b[128];
    struct kmsdns_dnsrecord r;
    const char *why = NULL;
    size_t n = blob(b, 33, 3900000, srv_data, sizeof srv_data);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_int_equal(r.type, 33);
    assert_int_equal(r.ttl, 3600);
    assert_int_equal(r.serial, 7);
    assert_int_equal(r.rank, 0xf0);
    assert_int_equal(r.timestamp, 3900000);
    assert_int_equal(r.priority, 0);
    assert_int_equal(r.weight, 100);
    assert_int_equal(r.port, 1688);
    assert_string_equal(r.target, "kms1.ad.kmsdns.test");
}

static void address(void **state)
{
    (void)state;
    uint8_t b[64], a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    struct kmsdns_dnsrecord r;
    const char *why = NULL;
    size_t n = blob(b, 1, 0, (const uint8_t *)"\x0a\x35\x35\x0b", 4);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_int_equal(r.timestamp, 0);
    assert_int_equal(r.addr_len, 4);
    assert_memory_equal(r.addr, "\x0a\x35\x35\x0b", 4);
    n = blob(b, 28, 1, a6, 16);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_memory_equal(r.addr, a6, 16);
    /* wrong sizes */
    n = blob(b, 1, 0, a6, 5);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
    assert_string_equal(why, "A data is not 4 bytes");
    n = blob(b, 28, 0, a6, 4);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
    /* another type: the header only; a tombstone (type 0) too */
    n = blob(b, 16, 0, (const uint8_t *)"\x03txt", 4);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_int_equal(r.type, 16);
    n = blob(b, 0, 0, (const uint8_t *)"\0\0\0\0\0\0\0\0", 8);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_int_equal(r.type, 0);
}

/* The SRV record kmsdns-publish wrote into the lab's Samba DC (read over
 * LDAP by verify_ldap.sh; also in the fuzz corpus). */
static void samba_blob(void **state)
{
    (void)state;
    FILE *f = fopen(KMSDNS_TEST_DATA "/../fuzz/corpus/dnsrecord/samba-srv-kms1", "rb");
    if (f == NULL)
        skip();
    uint8_t b[512];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    struct kmsdns_dnsrecord r;
    const char *why = NULL;
    assert_int_equal(kmsdns_dnsrecord_decode(b + 1, n - 1, &r, &why), 0);
    assert_int_equal(r.type, 33);
    assert_int_equal(r.port, 1688);
    assert_string_equal(r.target, "kms1.ad.kmsdns.test");
    assert_true(r.timestamp > 3730000); /* written by a dynamic update: late 2026 or later */
}

static void refusals(void **state)
{
    (void)state;
    uint8_t b[600], d[300];
    struct kmsdns_dnsrecord r;
    const char *why = NULL;
    size_t n = blob(b, 33, 1, srv_data, sizeof srv_data);
    for (size_t cut = 0; cut < n; cut++) /* every truncation is refused */
        assert_int_equal(kmsdns_dnsrecord_decode(b, cut, &r, &why), -1);
    b[0]++; /* data length one more than there is */
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
    assert_string_equal(why, "its data length disagrees with its size");
    n = blob(b, 33, 1, srv_data, sizeof srv_data);
    b[4] = 4;
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
    assert_string_equal(why, "not version 5");

    /* the DNS_COUNT_NAME's own lengths */
    struct {
        size_t at;
        uint8_t v;
    } lies[] = {
        {6, 22},   /* length byte too large */
        {6, 20},   /* too small */
        {7, 5},    /* more labels than there are */
        {7, 3},    /* fewer: no zero where the count says */
        {8, 5},    /* a label longer than it is */
        {8, 0},    /* an empty label */
        {9, '.'},  /* a dot inside a label */
        {9, 0x80}, /* a byte outside LDH and '_' */
        {9, ' '},  /* white space */
        {28, 1},   /* no terminating zero */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        memcpy(d, srv_data, sizeof srv_data);
        d[lies[i].at] = lies[i].v;
        n = blob(b, 33, 1, d, sizeof srv_data);
        why = NULL;
        assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
        assert_non_null(why);
    }
    /* a label of 64 octets; a name of 256 octets; the root */
    memset(d, 0, sizeof d);
    d[6] = 66, d[7] = 1, d[8] = 64;
    memset(d + 9, 'a', 64);
    n = blob(b, 33, 1, d, 6 + 2 + 66);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
    assert_string_equal(why, "an SRV target label is longer than 63 octets");
    /* the longest name a length byte allows: 255 octets, 253 characters */
    static const uint8_t lens[] = {63, 63, 63, 61};
    size_t o = 8;
    for (int l = 0; l < 4; l++) {
        d[o++] = lens[l];
        memset(d + o, 'b', lens[l]);
        o += lens[l];
    }
    d[o++] = 0;
    d[6] = (uint8_t)(o - 8), d[7] = 4;
    n = blob(b, 33, 1, d, o);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_int_equal(strlen(r.target), 253);
    memset(d, 0, 9);
    d[6] = 1, d[7] = 0;
    n = blob(b, 33, 1, d, 9);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), 0);
    assert_string_equal(r.target, ".");
    n = blob(b, 33, 1, d, 5);
    assert_int_equal(kmsdns_dnsrecord_decode(b, n, &r, &why), -1);
}

/* A dNSProperty value: DataLength, NameLength 1, Flag 0, Version 1, Id, data, name 0. */
static size_t prop(uint8_t *b, uint32_t id, uint32_t dlen, uint32_t value)
{
    memset(b, 0, 32);
    b[0] = (uint8_t)dlen;
    b[4] = 1;
    b[12] = 1;
    b[16] = (uint8_t)id;
    for (int i = 0; i < 4; i++)
        b[20 + i] = (uint8_t)(value >> (8 * i));
    return 20 + dlen + 1;
}

static void properties(void **state)
{
    (void)state;
    uint8_t b[32];
    struct kmsdns_zone_aging z;
    const char *why = NULL;
    kmsdns_zone_aging_init(&z);
    assert_false(z.aging);
    assert_int_equal(z.norefresh, 168);
    assert_int_equal(z.refresh, 168);
    assert_int_equal(kmsdns_dnsprop_apply(b, prop(b, 0x40, 4, 1), &z, &why), 0);
    assert_int_equal(kmsdns_dnsprop_apply(b, prop(b, 0x10, 4, 24), &z, &why), 0);
    assert_int_equal(kmsdns_dnsprop_apply(b, prop(b, 0x20, 4, 0x10002), &z, &why), 0);
    assert_true(z.aging);
    assert_int_equal(z.norefresh, 24);
    assert_int_equal(z.refresh, 0x10002);
    /* another property, and Samba's empty form, change nothing */
    assert_int_equal(kmsdns_dnsprop_apply(b, prop(b, 0x01, 4, 9), &z, &why), 0);
    assert_int_equal(kmsdns_dnsprop_apply(b, prop(b, 0x10, 0, 0), &z, &why), 0);
    assert_int_equal(z.norefresh, 24);
    /* lengths that lie */
    for (size_t cut = 0; cut < 20; cut++)
        assert_int_equal(kmsdns_dnsprop_apply(b, cut, &z, &why), -1);
    prop(b, 0x10, 9, 1);
    assert_int_equal(kmsdns_dnsprop_apply(b, 25, &z, &why), -1);
    assert_string_equal(why, "the property's data runs past its value");
    assert_int_equal(z.norefresh, 24);
}

/* The zone properties of the lab's Samba DC as provisioned (aging off,
 * 168 + 168 h): its aging flag holds 0, the refresh interval 168. */
static void samba_properties(void **state)
{
    (void)state;
    static const char *const hex[] = {
        "04000000000000000000000001000000010000000100000000000000",
        "01000000000000000000000001000000020000000200000000",
        "0800000000000000000000000100000008000000000000000000000000000000",
        "0400000000000000000000000100000010000000a800000000000000",
        "0400000000000000000000000100000020000000a800000000000000",
        "04000000000000000000000001000000400000000000000000000000",
        "04000000000000000000000001000000120000000000000000000000",
    };
    struct kmsdns_zone_aging z = {.aging = true, .norefresh = 1, .refresh = 1};
    for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++) {
        uint8_t b[64];
        size_t n = strlen(hex[i]) / 2;
        for (size_t k = 0; k < n; k++)
            sscanf(hex[i] + 2 * k, "%2hhx", &b[k]);
        const char *why = NULL;
        assert_int_equal(kmsdns_dnsprop_apply(b, n, &z, &why), 0);
    }
    assert_false(z.aging);
    assert_int_equal(z.norefresh, 168);
    assert_int_equal(z.refresh, 168);
}

static void times(void **state)
{
    (void)state;
    char buf[24];
    assert_int_equal(kmsdns_dnsrecord_unix(3234576), 0);
    kmsdns_iso8601(kmsdns_dnsrecord_unix(3234576), buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    /* 2026-12-01T23:00:00Z = 1796166000 s = 498935 h after 1970 */
    kmsdns_iso8601(kmsdns_dnsrecord_unix(3234576 + 498935), buf);
    assert_string_equal(buf, "2026-12-01T23:00:00Z");
    kmsdns_iso8601(kmsdns_dnsrecord_unix(0), buf);
    assert_string_equal(buf, "1601-01-01T00:00:00Z");
    kmsdns_iso8601(kmsdns_dnsrecord_unix(UINT32_MAX), buf);
    assert_true(strlen(buf) > 0);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(srv),
              cmocka_unit_test(address),
              cmocka_unit_test(samba_blob),
              cmocka_unit_test(refusals),
              cmocka_unit_test(properties),
              cmocka_unit_test(samba_properties),
              cmocka_unit_test(times),
          })
