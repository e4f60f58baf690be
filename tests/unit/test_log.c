/* SPDX-License-Identifier: MIT */
/* Logging: levels, format, and that registered secrets never reach the output. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/log.h"

static char out[8192];

/* Runs the log into a memory stream and returns what was written. */
static FILE *capture(void)
{
    FILE *f = fmemopen(out, sizeof out, "w");
    assert_non_null(f);
    memset(out, 0, sizeof out);
    kmsdns_log_set_stream(f);
    return f;
}

static void done(FILE *f)
{
    kmsdns_log_set_stream(NULL);
    fclose(f);
}

static void test_levels_and_format(void **state)
{
    (void)state;
    kmsdns_log_open("unit", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_INFO);
    FILE *f = capture();
    kmsdns_log(KMSDNS_LOG_ERR, "zone %s refused", "corp.test");
    kmsdns_log(KMSDNS_LOG_DEBUG, "hidden");
    kmsdns_log(KMSDNS_LOG_INFO, "shown");
    fflush(f);
    assert_string_equal(out, "unit: error: zone corp.test refused\nunit: info: shown\n");
    done(f);
    kmsdns_log_close();
}

static void test_secret_is_redacted_everywhere(void **state)
{
    (void)state;
    kmsdns_log_open("unit", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_DEBUG);
    const char *secret = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
    assert_int_equal(kmsdns_log_add_secret(secret), KMSDNS_OK);
    assert_int_equal(kmsdns_log_add_secret(secret), KMSDNS_OK); /* twice is fine */
    FILE *f = capture();
    kmsdns_log(KMSDNS_LOG_DEBUG, "key %s and again %s%s.", secret, secret, secret);
    fflush(f);
    assert_null(strstr(out, secret));
    assert_null(strstr(out, "c2VjcmV0"));
    assert_string_equal(out, "unit: debug: key <redacted> and again <redacted><redacted>.\n");
    done(f);
    kmsdns_log_close();
    /* After close the secret list is wiped: nothing left to redact. */
    f = capture();
    kmsdns_log(KMSDNS_LOG_ERR, "%s", "plain");
    fflush(f);
    assert_string_equal(out, "unit: error: plain\n");
    done(f);
}

static void test_secret_at_the_end_of_a_full_line(void **state)
{
    (void)state;
    kmsdns_log_open("unit", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_DEBUG);
    const char *secret = "topsecretvalue";
    assert_int_equal(kmsdns_log_add_secret(secret), KMSDNS_OK);
    char pad[5000];
    memset(pad, 'a', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    FILE *f = capture();
    /* The secret straddles the formatting buffer's end: no fragment may survive. */
    kmsdns_log(KMSDNS_LOG_ERR, "%.*s%s", 4090, pad, secret);
    kmsdns_log(KMSDNS_LOG_ERR, "%.*s%s%s", 4080, pad, secret, pad);
    fflush(f);
    assert_null(strstr(out, "topsecret"));
    done(f);
    kmsdns_log_close();
}

static void test_short_secret_refused(void **state)
{
    (void)state;
    assert_int_equal(kmsdns_log_add_secret("ab"), KMSDNS_INVAL);
    assert_int_equal(kmsdns_log_add_secret(NULL), KMSDNS_INVAL);
}

static void test_level_names(void **state)
{
    (void)state;
    assert_string_equal(kmsdns_log_level_name(KMSDNS_LOG_WARNING), "warning");
    assert_string_equal(kmsdns_log_level_name(KMSDNS_LOG_NOTICE), "notice");
}

/* Bytes outside printable ASCII never reach the output raw, after redaction. */
static void test_controls_escaped(void **state)
{
    (void)state;
    kmsdns_log_open("unit", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_INFO);
    assert_int_equal(kmsdns_log_add_secret("s3cr3t-value"), KMSDNS_OK);
    FILE *f = capture();
    kmsdns_log(KMSDNS_LOG_ERR, "host said '%s'",
               "\x1b]0;pwned\x07\r\ns3cr3t-value\xc2\x9b"
               "2J");
    fflush(f);
    assert_string_equal(out, "unit: error: host said '\\x1b]0;pwned\\x07\\x0d\\x0a<redacted>"
                             "\\xc2\\x9b2J'\n");
    done(f);
    char buf[16];
    kmsdns_log_format(buf, sizeof buf, "%s", "abcdefgh\x01\x02\x03");
    assert_string_equal(buf, "abcdefgh\\x01"); /* cut whole escapes only */
    kmsdns_log_close();
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_levels_and_format),
              cmocka_unit_test(test_secret_is_redacted_everywhere),
              cmocka_unit_test(test_secret_at_the_end_of_a_full_line),
              cmocka_unit_test(test_short_secret_refused),
              cmocka_unit_test(test_level_names),
              cmocka_unit_test(test_controls_escaped),
          })
