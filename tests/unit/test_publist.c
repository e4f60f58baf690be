/* SPDX-License-Identifier: MIT */
/* DnsDomainPublishList: entries, plain lists, .reg exports, hostile inputs. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/publist.h"

static struct kmsdns_diag d;

static void expect(const kmsdns_publist *pl, size_t i, const char *domain, unsigned prio,
                   unsigned weight)
{
    const struct kmsdns_publist_entry *e = kmsdns_publist_get(pl, i);
    assert_non_null(e);
    assert_string_equal(e->domain, domain);
    assert_int_equal(e->priority, prio);
    assert_int_equal(e->weight, weight);
}

static void add_bad(const char *text, int rc, const char *msg)
{
    kmsdns_publist *pl = kmsdns_publist_new();
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_publist_add(pl, text, "f", 3, &d), rc);
    assert_int_equal(kmsdns_publist_count(pl), 0);
    if (strstr(d.text, msg) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", text, d.text, msg);
    kmsdns_publist_free(pl);
}

static void test_entries(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    assert_int_equal(kmsdns_publist_add(pl, "Corp.Example.Test.", "f", 1, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_add(pl, " branch.test , 10 ,50 ", "f", 2, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_add(pl, "max.test,65535,65535", "f", 3, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_count(pl), 3);
    expect(pl, 0, "corp.example.test", 0, 0);
    expect(pl, 1, "branch.test", 10, 50);
    expect(pl, 2, "max.test", 65535, 65535);
    assert_string_equal(kmsdns_publist_get(pl, 1)->source, "f");
    assert_int_equal(kmsdns_publist_get(pl, 1)->line, 2);
    assert_null(kmsdns_publist_get(pl, 3));
    kmsdns_publist_free(pl);
    kmsdns_publist_free(NULL);
}

static void test_entry_refusals(void **state)
{
    (void)state;
    add_bad("", KMSDNS_EMPTY, "f:3: empty");
    add_bad("   ", KMSDNS_EMPTY, "empty");
    add_bad("a.test,1", KMSDNS_SYNTAX, "not domain or domain,priority,weight");
    add_bad("a.test,1,2,3", KMSDNS_SYNTAX, "not domain or");
    add_bad("a.test,65536,0", KMSDNS_RANGE, "priority '65536' for a.test");
    add_bad("a.test,0,65536", KMSDNS_RANGE, "weight '65536'");
    add_bad("a.test,-1,0", KMSDNS_RANGE, "priority '-1'");
    add_bad("a.test,+1,0", KMSDNS_RANGE, "priority '+1'");
    add_bad("a.test,,0", KMSDNS_RANGE, "priority ''");
    add_bad("a.test,1 2,0", KMSDNS_RANGE, "priority (not shown");
    add_bad("a..test,1,0", KMSDNS_NAME, "bad domain name 'a..test'");
    add_bad(",1,2", KMSDNS_NAME, "bad domain name ''");
    add_bad("_vlmcs._tcp.a.test", KMSDNS_NAME, "bad domain name");
}

/* No part of a line that may hold a secret reaches a message. */
static void add_secret_line(const char *text, const char *secret, const char *msg)
{
    kmsdns_publist *pl = kmsdns_publist_new();
    kmsdns_diag_init(&d);
    assert_int_not_equal(kmsdns_publist_add(pl, text, "k.key", 2, &d), KMSDNS_OK);
    if (strstr(d.text, secret) != NULL || strstr(d.text, msg) == NULL)
        fail_msg("'%s': message '%s' shows the secret or lacks '%s'", text, d.text, msg);
    kmsdns_publist_free(pl);
}

static void test_secrets_never_echoed(void **state)
{
    (void)state;
    add_secret_line("\tsecret \"c2VjcmV0LXNlY3JldA==\";", "c2VjcmV0", "looks like a TSIG key file");
    add_secret_line("key \"kms1\" {", "kms1", "looks like a TSIG key file");
    add_secret_line("x \"c2VjcmV0LXNlY3JldA==\";", "c2VjcmV0",
                    "k.key:2: bad domain name (not shown");
    add_secret_line("a.test,c2Vj/cmV0,1", "c2Vj", "priority (not shown");
}

static void test_duplicates_reported(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    assert_int_equal(kmsdns_publist_add(pl, "a.test,1,1", "cfg", 4, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_add(pl, "A.TEST.,2,2", "list", 9, &d), KMSDNS_DUPLICATE);
    assert_string_equal(d.text, "list:9: domain a.test is listed twice (first at cfg:4)");
    assert_int_equal(kmsdns_publist_count(pl), 1);
    kmsdns_publist_free(pl);
}

static void load_ok(const char *file, kmsdns_publist *pl)
{
    kmsdns_diag_init(&d);
    if (kmsdns_publist_load_file(pl, file, &d) != KMSDNS_OK)
        fail_msg("%s refused: %s", file, d.text);
}

static void check_three(const char *file)
{
    kmsdns_publist *pl = kmsdns_publist_new();
    load_ok(test_data(file), pl);
    assert_int_equal(kmsdns_publist_count(pl), 3);
    expect(pl, 0, "corp.example.test", 0, 0);
    expect(pl, 1, "branch.example.test", 10, 50);
    expect(pl, 2, "sales.example.test", 0, 0);
    kmsdns_publist_free(pl);
}

static void test_reg_and_plain_files(void **state)
{
    (void)state;
    check_three("spp-utf16le.reg");
    check_three("spp-utf8.reg");
    check_three("sl-regedit4.reg");
    check_three("sl-utf16le.reg");
    check_three("plain-list.txt");
    kmsdns_publist *pl = kmsdns_publist_new();
    load_ok(test_data("spp-utf16le.reg"), pl);
    assert_int_equal(kmsdns_publist_get(pl, 1)->line, 6); /* the value's first line */
    kmsdns_publist_free(pl);
}

/* A .reg text with the SPP key and the given value line(s). */
static void reg_bad(const char *value, int rc, const char *msg)
{
    char text[4096];
    snprintf(text, sizeof text,
             "Windows Registry Editor Version 5.00\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
             "SoftwareProtectionPlatform]\r\n%s\r\n",
             value);
    kmsdns_publist *pl = kmsdns_publist_new();
    assert_int_equal(kmsdns_publist_add(pl, "keep.test", "cfg", 1, &d), KMSDNS_OK);
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_publist_load_buffer(pl, text, strlen(text), "x.reg", &d), rc);
    if (strstr(d.text, msg) == NULL)
        fail_msg("message '%s' lacks '%s'", d.text, msg);
    /* all or nothing: the earlier entry is all that is left, and still findable */
    assert_int_equal(kmsdns_publist_count(pl), 1);
    assert_int_equal(kmsdns_publist_add(pl, "keep.test", "cfg", 2, &d), KMSDNS_DUPLICATE);
    kmsdns_publist_free(pl);
}

static void test_reg_hostile(void **state)
{
    (void)state;
    /* "a.t" then a second entry that fails only after the first was added */
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e,00,74,00,00,00,2d,00,00,00,00,00",
            KMSDNS_NAME, "x.reg:4: bad domain name '-'");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e,00,7", KMSDNS_SYNTAX, "x.reg:4: ");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e,00,zz,00", KMSDNS_SYNTAX, "hex");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e,00,", KMSDNS_SYNTAX, "truncated");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e", KMSDNS_ENCODING, "odd number");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,2e,00", KMSDNS_SYNTAX, "no terminating NUL");
    reg_bad("\"DnsDomainPublishList\"=hex(7):61,00,00,00,00,00,62,00,00,00,00,00", KMSDNS_EMPTY,
            "empty string inside the list");
    reg_bad("\"DnsDomainPublishList\"=hex(7):e9,00,00,00,00,00", KMSDNS_ENCODING, "non-ASCII");
    reg_bad("\"DnsDomainPublishList\"=\"corp.test\"", KMSDNS_SYNTAX, "REG_MULTI_SZ");
    reg_bad("\"DnsDomainPublishList\"=-", KMSDNS_NOTFOUND, "no DnsDomainPublishList value");
    reg_bad("\"Other\"=dword:1", KMSDNS_NOTFOUND, "no DnsDomainPublishList");
    reg_bad("\"DnsDomainPublishList\"=hex(7):6b,00,65,00,65,00,70,00,2e,00,74,00,65,00,\\\r\n"
            "  73,00,74,00,00,00,00,00",
            KMSDNS_DUPLICATE, "x.reg:4: domain keep.test is listed twice (first at cfg:1)");
    reg_bad("\"DnsDomainPublishList=hex(7):00,00", KMSDNS_SYNTAX, "unterminated value name");
    reg_bad("garbage", KMSDNS_SYNTAX, "x.reg:4: line is neither");
}

static void test_reg_header_and_encoding(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    static const unsigned char odd[] = {0xFF, 0xFE, 'R', 0, 'E', 0, 'G'};
    assert_int_equal(kmsdns_publist_load_buffer(pl, odd, sizeof odd, "odd.reg", &d),
                     KMSDNS_ENCODING);
    assert_non_null(strstr(d.text, "odd number of bytes"));
    static const unsigned char nul[] = "a.test\nb.test\0\nc.test\n";
    assert_int_equal(kmsdns_publist_load_buffer(pl, nul, sizeof nul - 1, "nul.txt", &d),
                     KMSDNS_ENCODING);
    assert_string_equal(d.text, "nul.txt:2: NUL byte in text");
    assert_int_equal(kmsdns_publist_count(pl), 0);
    kmsdns_publist_free(pl);
}

static void test_plain_hostile(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    char *huge = malloc(1024 * 1024 + 1);
    memset(huge, 'a', 1024 * 1024);
    huge[1024 * 1024] = '\0';
    assert_int_equal(kmsdns_publist_load_buffer(pl, huge, strlen(huge), "huge", &d),
                     KMSDNS_TOOLONG);
    assert_string_equal(d.text, "huge:1: line longer than 1023 bytes");
    /* 1 MB of valid, distinct entries loads, and fast (the duplicate check is hashed) */
    size_t n = 0;
    for (int i = 0; n < 1024 * 1024 - 40; i++)
        n += (size_t)sprintf(huge + n, "d%d.example.test,%d,%d\n", i, i % 65536, i % 7);
    assert_int_equal(kmsdns_publist_load_buffer(pl, huge, n, "big", &d), KMSDNS_OK);
    assert_true(kmsdns_publist_count(pl) > 30000);
    expect(pl, 12345, "d12345.example.test", 12345, 12345 % 7);
    /* the same again: every entry a duplicate, nothing added */
    size_t before = kmsdns_publist_count(pl);
    assert_int_equal(kmsdns_publist_load_buffer(pl, huge, n, "again", &d), KMSDNS_DUPLICATE);
    assert_string_equal(d.text, "again:1: domain d0.example.test is listed twice (first at big:1)");
    assert_int_equal(kmsdns_publist_count(pl), before);
    free(huge);
    kmsdns_publist_free(pl);
}

static void test_default_is_parent_of_fqdn(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    assert_int_equal(kmsdns_publist_default(pl, "kms1", &d), KMSDNS_NAME);
    assert_non_null(strstr(d.text, "no parent domain"));
    assert_int_equal(kmsdns_publist_default(pl, "kms1.corp.example.test", &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_count(pl), 1);
    expect(pl, 0, "corp.example.test", 0, 0);
    assert_int_equal(kmsdns_publist_default(pl, "kms1.other.test", &d), KMSDNS_OK);
    assert_int_equal(kmsdns_publist_count(pl), 1);
    kmsdns_publist_free(pl);
}

static void test_missing_file(void **state)
{
    (void)state;
    kmsdns_publist *pl = kmsdns_publist_new();
    assert_int_equal(kmsdns_publist_load_file(pl, "/nonexistent.reg", &d), KMSDNS_IO);
    assert_non_null(strstr(d.text, "/nonexistent.reg: cannot open"));
    kmsdns_publist_free(pl);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_entries),
              cmocka_unit_test(test_entry_refusals),
              cmocka_unit_test(test_secrets_never_echoed),
              cmocka_unit_test(test_duplicates_reported),
              cmocka_unit_test(test_reg_and_plain_files),
              cmocka_unit_test(test_reg_hostile),
              cmocka_unit_test(test_reg_header_and_encoding),
              cmocka_unit_test(test_plain_hostile),
              cmocka_unit_test(test_default_is_parent_of_fqdn),
              cmocka_unit_test(test_missing_file),
          })
