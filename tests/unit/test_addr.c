/* SPDX-License-Identifier: MIT */
/* ADDR[:PORT] parsing and the one printed form. */
#include "testutil.h"

#include "kmsdns/addr.h"
#include "kmsdns/error.h"

static void roundtrip(const char *in, unsigned flags, const char *want)
{
    struct kmsdns_addr a;
    const char *why = NULL;
    char buf[KMSDNS_ADDR_TEXT_MAX];
    if (kmsdns_addr_parse(in, 53, flags, &a, &why) != KMSDNS_OK)
        fail_msg("'%s' refused: %s", in, why);
    assert_string_equal(kmsdns_addr_format(&a, buf), want);
}

static void refused(const char *in, unsigned flags)
{
    struct kmsdns_addr a;
    const char *why = NULL;
    assert_int_equal(kmsdns_addr_parse(in, 53, flags, &a, &why), KMSDNS_ADDRESS);
    assert_non_null(why);
}

static void test_forms(void **state)
{
    (void)state;
    roundtrip("127.0.0.1", KMSDNS_ADDR_PORT_ALLOWED, "127.0.0.1:53");
    roundtrip("127.0.0.1:5353", KMSDNS_ADDR_PORT_ALLOWED, "127.0.0.1:5353");
    roundtrip("[::1]:5353", KMSDNS_ADDR_PORT_ALLOWED, "[::1]:5353");
    roundtrip("[::1]", KMSDNS_ADDR_PORT_ALLOWED, "[::1]:53");
    roundtrip("::1", KMSDNS_ADDR_PORT_ALLOWED, "[::1]:53");
    roundtrip("2001:DB8::10", 0, "[2001:db8::10]:53");
}

static void test_refusals(void **state)
{
    (void)state;
    refused("ns1.example.test", KMSDNS_ADDR_PORT_ALLOWED);
    refused("127.0.0.1:0", KMSDNS_ADDR_PORT_ALLOWED);
    refused("127.0.0.1:65536", KMSDNS_ADDR_PORT_ALLOWED);
    refused("127.0.0.1:53x", KMSDNS_ADDR_PORT_ALLOWED);
    refused("127.0.0.1:53", 0);
    refused("[::1", KMSDNS_ADDR_PORT_ALLOWED);
    refused("[::1]x", KMSDNS_ADDR_PORT_ALLOWED);
    refused("[]:53", KMSDNS_ADDR_PORT_ALLOWED);
    refused("", 0);
    refused("300.1.1.1", 0);
}

static void test_loopback(void **state)
{
    (void)state;
    struct kmsdns_addr a;
    const char *yes[] = {"127.0.0.1", "127.200.1.2", "::1", "::ffff:127.0.0.5"};
    const char *no[] = {"128.0.0.1", "::2", "::ffff:10.0.0.1", "0.0.0.0"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(kmsdns_addr_parse(yes[i], 1, 0, &a, NULL), KMSDNS_OK);
        assert_true(kmsdns_addr_is_loopback(&a));
        assert_int_equal(kmsdns_addr_parse(no[i], 1, 0, &a, NULL), KMSDNS_OK);
        assert_false(kmsdns_addr_is_loopback(&a));
    }
    assert_int_equal(kmsdns_addr_port(&a), 1);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_forms),
              cmocka_unit_test(test_refusals),
              cmocka_unit_test(test_loopback),
          })
