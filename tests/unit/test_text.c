/* SPDX-License-Identifier: MIT */
/* Text decoding (UTF-8, BOMs, UTF-16LE) and the line iterator. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/text.h"

static char *decode_ok(const void *data, size_t len)
{
    char *out = NULL;
    size_t n = 0;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_text_decode(data, len, "t", &out, &n, &d) != KMSDNS_OK)
        fail_msg("refused: %s", d.text);
    assert_int_equal(strlen(out), n);
    return out;
}

static void decode_bad(const void *data, size_t len, const char *want)
{
    char *out = NULL;
    size_t n = 0;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_text_decode(data, len, "t", &out, &n, &d), KMSDNS_ENCODING);
    assert_null(out);
    if (strstr(d.text, want) == NULL)
        fail_msg("message '%s' lacks '%s'", d.text, want);
}

static void test_utf8(void **state)
{
    (void)state;
    char *s = decode_ok("\xEF\xBB\xBF"
                        "a=b\n",
                        7);
    assert_string_equal(s, "a=b\n");
    free(s);
    s = decode_ok("caf\xC3\xA9 \xF0\x9F\x98\x80", 10);
    assert_string_equal(s, "caf\xC3\xA9 \xF0\x9F\x98\x80");
    free(s);
    s = decode_ok("", 0);
    assert_string_equal(s, "");
    free(s);
}

static void test_utf8_refusals(void **state)
{
    (void)state;
    decode_bad("a\nb\0c", 5, "t:2: NUL byte");
    decode_bad("a\n\n\xC3", 4, "t:3: invalid UTF-8");
    decode_bad("\xC0\x80", 2, "invalid UTF-8");     /* overlong NUL */
    decode_bad("\xED\xA0\x80", 3, "invalid UTF-8"); /* surrogate */
    decode_bad("\xF4\x90\x80\x80", 4, "invalid UTF-8");
    decode_bad("\xFE\xFF\x00\x61", 4, "UTF-16BE");
}

static void test_utf16le(void **state)
{
    (void)state;
    static const unsigned char bom[] = {0xFF, 0xFE, 'a', 0,    '\r', 0,    '\n',
                                        0,    0xE9, 0,   0x3D, 0xD8, 0x00, 0xDE};
    char *s = decode_ok(bom, sizeof bom);
    assert_string_equal(s, "a\r\n\xC3\xA9\xF0\x9F\x98\x80");
    free(s);
    static const unsigned char nobom[] = {'x', 0, '=', 0, '1', 0};
    s = decode_ok(nobom, sizeof nobom);
    assert_string_equal(s, "x=1");
    free(s);
}

static void test_utf16le_refusals(void **state)
{
    (void)state;
    static const unsigned char odd[] = {0xFF, 0xFE, 'a', 0, 'b'};
    decode_bad(odd, sizeof odd, "odd number of bytes");
    static const unsigned char high[] = {0xFF, 0xFE, '\n', 0, 0x3D, 0xD8, 'a', 0};
    decode_bad(high, sizeof high, "t:2: invalid UTF-16: unpaired high surrogate");
    static const unsigned char high_end[] = {0xFF, 0xFE, 0x3D, 0xD8};
    decode_bad(high_end, sizeof high_end, "unpaired high surrogate");
    static const unsigned char low[] = {0xFF, 0xFE, 0x00, 0xDE};
    decode_bad(low, sizeof low, "unpaired low surrogate");
    static const unsigned char nul[] = {0xFF, 0xFE, 'a', 0, 0, 0};
    decode_bad(nul, sizeof nul, "NUL character");
}

static void test_lines(void **state)
{
    (void)state;
    char text[] = "one\r\ntwo\n\nlast";
    struct kmsdns_lines it;
    kmsdns_lines_init(&it, text, strlen(text));
    assert_string_equal(kmsdns_lines_next(&it), "one");
    assert_string_equal(kmsdns_lines_next(&it), "two");
    assert_string_equal(kmsdns_lines_next(&it), "");
    assert_string_equal(kmsdns_lines_next(&it), "last");
    assert_int_equal(it.lineno, 4);
    assert_null(kmsdns_lines_next(&it));
    char sp[] = " \t x y \r";
    assert_string_equal(kmsdns_text_trim(sp), "x y");
}

static void test_read_file(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    struct kmsdns_diag d;
    const char *p = test_write_str("small.txt", "hello");
    assert_int_equal(kmsdns_text_read_file(p, &data, &len, &d), KMSDNS_OK);
    assert_int_equal(len, 5);
    free(data);
    assert_int_equal(kmsdns_text_read_file("/nonexistent/x", &data, &len, &d), KMSDNS_IO);
    assert_non_null(strstr(d.text, "/nonexistent/x: cannot open"));
    char *big = malloc(KMSDNS_TEXT_FILE_MAX + 10);
    memset(big, 'a', KMSDNS_TEXT_FILE_MAX + 10);
    p = test_write("big.txt", big, KMSDNS_TEXT_FILE_MAX + 10, 0644);
    free(big);
    assert_int_equal(kmsdns_text_read_file(p, &data, &len, &d), KMSDNS_TOOLONG);
    assert_non_null(strstr(d.text, "larger than"));
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test(test_utf8),
              cmocka_unit_test(test_utf8_refusals),
              cmocka_unit_test(test_utf16le),
              cmocka_unit_test(test_utf16le_refusals),
              cmocka_unit_test(test_lines),
              cmocka_unit_test(test_read_file),
          })
