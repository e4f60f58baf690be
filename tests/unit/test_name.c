/* SPDX-License-Identifier: MIT */
/* Domain-name validation and normalisation. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/name.h"

static void ok(const char *in, unsigned flags, const char *want)
{
    char out[KMSDNS_NAME_BUF];
    const char *why = NULL;
    int rc = kmsdns_name_normalize(in, flags, out, &why);
    if (rc != KMSDNS_OK)
        fail_msg("'%s' refused: %s", in, why);
    assert_string_equal(out, want);
}

static void bad(const char *in, unsigned flags, const char *why_part)
{
    char out[KMSDNS_NAME_BUF];
    const char *why = NULL;
    assert_int_equal(kmsdns_name_normalize(in, flags, out, &why), KMSDNS_NAME);
    assert_non_null(why);
    if (strstr(why, why_part) == NULL)
        fail_msg("'%s': reason '%s' lacks '%s'", in, why, why_part);
}

static void test_normalises(void **state)
{
    (void)state;
    ok("Corp.Example.TEST.", 0, "corp.example.test");
    ok("a", 0, "a");
    ok("x-1.y2", 0, "x-1.y2");
    ok("_VLMCS._TCP.corp.test", KMSDNS_NAME_ALLOW_UNDERSCORE, "_vlmcs._tcp.corp.test");
    ok("_msdcs.corp.test.", KMSDNS_NAME_ALLOW_UNDERSCORE, "_msdcs.corp.test");
}

static void test_refuses(void **state)
{
    (void)state;
    bad("", 0, "empty name");
    bad(".", 0, "empty name");
    bad("a..b", 0, "empty label");
    bad(".a", 0, "empty label");
    bad("a.b..", 0, "empty label");
    bad("-a.b", 0, "'-'");
    bad("a-.b", 0, "'-'");
    bad("a b.c", 0, "character");
    bad("a\\.b", 0, "character");
    bad("caf\xc3\xa9.test", 0, "character");
    bad("_vlmcs._tcp.corp.test", 0, "host name");
    bad("a_b.test", KMSDNS_NAME_ALLOW_UNDERSCORE, "may only start");
    bad("_.test", KMSDNS_NAME_ALLOW_UNDERSCORE, "only '_'");
    bad(NULL, 0, "no name");
}

static void test_lengths(void **state)
{
    (void)state;
    char label[70], name[300];
    memset(label, 'a', 63);
    label[63] = '\0';
    snprintf(name, sizeof name, "%s.test", label);
    ok(name, 0, name);
    memset(label, 'a', 64);
    label[64] = '\0';
    snprintf(name, sizeof name, "%s.test", label);
    bad(name, 0, "longer than 63");
    /* 4 labels of 63 + 3 dots = 255 chars: 257 octets on the wire. */
    memset(label, 'b', 63);
    label[63] = '\0';
    snprintf(name, sizeof name, "%s.%s.%s.%s", label, label, label, label);
    bad(name, 0, "255 octets");
    /* 253 characters is the longest legal name (255 octets). */
    snprintf(name, sizeof name, "%s.%s.%s.%.61s", label, label, label, label);
    assert_int_equal(strlen(name), 253);
    ok(name, 0, name);
    char want[300];
    strcpy(want, name);
    strcat(name, ".");
    ok(name, 0, want);
}

static void test_parent_join_within(void **state)
{
    (void)state;
    char out[KMSDNS_NAME_BUF];
    assert_int_equal(kmsdns_name_parent("kms1.corp.test", out), KMSDNS_OK);
    assert_string_equal(out, "corp.test");
    assert_int_equal(kmsdns_name_parent("test", out), KMSDNS_NAME);
    assert_int_equal(kmsdns_name_join("_vlmcs._tcp", "corp.test", out), KMSDNS_OK);
    assert_string_equal(out, "_vlmcs._tcp.corp.test");
    char big[250];
    memset(big, 'a', 249);
    big[249] = '\0';
    assert_int_equal(kmsdns_name_join("_vlmcs._tcp", big, out), KMSDNS_TOOLONG);
    assert_true(kmsdns_name_is_within("a.corp.test", "corp.test"));
    assert_true(kmsdns_name_is_within("corp.test", "corp.test"));
    assert_false(kmsdns_name_is_within("acorp.test", "corp.test"));
    assert_false(kmsdns_name_is_within("test", "corp.test"));
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_normalises),
              cmocka_unit_test(test_refuses),
              cmocka_unit_test(test_lengths),
              cmocka_unit_test(test_parent_join_within),
          })
