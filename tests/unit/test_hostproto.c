/* SPDX-License-Identifier: MIT */
/*
 * Host protocol v1 codec: every bad-request rule of the SPEC, the reader's
 * byte-exact limits and DCE/RPC switch, and the OK/ERR lines byte for byte.
 */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/hostproto.h"

#define CMID "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
#define CMID_UPPER "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
#define BAD_NAME "name is not 1-63 characters of A-Za-z0-9._-"
#define BAD_EDITION "edition is not of the form [a-z0-9-]{1,32}"

static int parse(const char *line, struct kmsdns_hostproto_req *r)
{
    return kmsdns_hostproto_parse(line, strlen(line), r);
}

/* Asserts buf[0..len) is refused with a reason; returns the reason. */
static const char *refused_len(const char *buf, size_t len)
{
    static struct kmsdns_hostproto_req r;
    int rc = kmsdns_hostproto_parse(buf, len, &r);
    if (rc != KMSDNS_SYNTAX)
        fail_msg("accepted (%d): %.*s", rc, (int)len, buf);
    assert_int_equal(r.verb, KMSDNS_HP_NONE);
    assert_true(r.why[0] != '\0');
    return r.why;
}

static const char *refused(const char *line)
{
    return refused_len(line, strlen(line));
}

static void test_request_valid(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "REQUEST v1 cmid=" CMID " edition=win7-enterprise name=pc-01\n",
        "REQUEST v1 cmid=" CMID " name=pc-01 edition=win7-enterprise\n",
        "REQUEST v1 edition=win7-enterprise cmid=" CMID " name=pc-01\n",
        "REQUEST v1 edition=win7-enterprise name=pc-01 cmid=" CMID "\n",
        "REQUEST v1 name=pc-01 cmid=" CMID " edition=win7-enterprise\n",
        "REQUEST v1 name=pc-01 edition=win7-enterprise cmid=" CMID_UPPER "\n",
        "REQUEST v1 name=pc-01 edition=win7-enterprise cmid=3F2504e0-4f89-11D3-9a0C-0305E82c3301\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct kmsdns_hostproto_req r;
        assert_int_equal(parse(lines[i], &r), KMSDNS_OK);
        assert_int_equal(r.verb, KMSDNS_HP_REQUEST);
        assert_string_equal(r.cmid, CMID);
        assert_string_equal(r.edition, "win7-enterprise");
        assert_string_equal(r.name, "pc-01");
        assert_string_equal(r.why, "");
    }
}

static void test_request_limits(void **state)
{
    (void)state;
    struct kmsdns_hostproto_req r;
    char line[256], name[64], edition[33];
    memset(name, 'N', 63);
    name[63] = '\0';
    memset(edition, 'e', 32);
    edition[32] = '\0';
    snprintf(line, sizeof line, "REQUEST v1 cmid=%s edition=%s name=%s\n", CMID, edition, name);
    assert_int_equal(parse(line, &r), KMSDNS_OK);
    assert_string_equal(r.name, name);
    assert_string_equal(r.edition, edition);
    assert_int_equal(parse("REQUEST v1 cmid=" CMID " edition=a name=A.b_c-9\n", &r), KMSDNS_OK);
    assert_string_equal(r.name, "A.b_c-9");
    assert_int_equal(parse("REQUEST v1 cmid=" CMID " edition=0-9 name=x\n", &r), KMSDNS_OK);
}

static void test_status(void **state)
{
    (void)state;
    struct kmsdns_hostproto_req r;
    assert_int_equal(parse("STATUS v1\n", &r), KMSDNS_OK);
    assert_int_equal(r.verb, KMSDNS_HP_STATUS);
    assert_string_equal(r.why, "");
    assert_string_equal(refused("STATUS v1 x=y\n"), "STATUS takes no fields");
    refused("STATUS v1 cmid=" CMID "\n");
    refused("STATUS v2\n");
    refused("STATUS V1\n");
    refused("STATUS\n");
    refused("status v1\n");
}

static void test_bad_cmid(void **state)
{
    (void)state;
    static const char *const cmids[] = {
        "3f2504e0-4f89-11d3-9a0c-0305e82c330",             /* short */
        "3f2504e0-4f89-11d3-9a0c-0305e82c33011",           /* long */
        "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",          /* braces */
        "3f2504e04f8911d39a0c0305e82c3301",                /* no dashes */
        "3f2504e0-4f89-11d3-9a0c-0305e82c330g",            /* not hex */
        "3f2504e-04f89-11d3-9a0c-0305e82c3301",            /* dash misplaced */
        "3f2504e0-4f89-11d3-9a0c+0305e82c3301",            /* another separator */
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301-0000000000", /* extra group */
        "x",
    };
    for (size_t i = 0; i < sizeof cmids / sizeof cmids[0]; i++) {
        char line[200];
        snprintf(line, sizeof line, "REQUEST v1 cmid=%s edition=win7-enterprise name=pc\n",
                 cmids[i]);
        assert_string_equal(refused(line), "cmid is not a UUID");
    }
}

/* Every line the parser refuses with a reason of its own, and that reason. */
static const struct refusal {
    const char *line;
    const char *why;
} refusals[] = {
    /* names and editions */
    {"REQUEST v1 cmid=" CMID " edition=a name=pc/1\n", BAD_NAME},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc@x\n", BAD_NAME},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc=1\n", BAD_NAME},
    {"REQUEST v1 cmid=" CMID " edition=a name=\n", "empty value for 'name'"},
    {"REQUEST v1 cmid=" CMID " edition=Win7-enterprise name=pc\n", BAD_EDITION},
    {"REQUEST v1 cmid=" CMID " edition=win7_enterprise name=pc\n", BAD_EDITION},
    {"REQUEST v1 cmid=" CMID " edition=win7.ent name=pc\n", BAD_EDITION},
    {"REQUEST v1 cmid=" CMID " edition= name=pc\n", "empty value for 'edition'"},
    {"REQUEST v1 cmid= edition=a name=pc\n", "empty value for 'cmid'"},
    /* keys */
    {"REQUEST v1 cmid=" CMID " edition=a name=pc foo=1\n", "unknown key 'foo'"},
    {"REQUEST v1 CMID=" CMID " edition=a name=pc\n", "unknown key 'CMID'"},
    {"REQUEST v1 =x cmid=" CMID " edition=a name=pc\n", "unknown key ''"},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc name=pc\n", "repeated key 'name'"},
    {"REQUEST v1 cmid=" CMID " cmid=" CMID " edition=a name=pc\n", "repeated key 'cmid'"},
    {"REQUEST v1 edition=a name=pc\n", "missing key 'cmid'"},
    {"REQUEST v1 cmid=" CMID " name=pc\n", "missing key 'edition'"},
    {"REQUEST v1 cmid=" CMID " edition=a\n", "missing key 'name'"},
    {"REQUEST v1\n", "missing key 'cmid'"},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc junk\n", "field 'junk' is not key=value"},
    /* spacing */
    {"REQUEST v1 cmid=" CMID "  edition=a name=pc\n",
     "double space (fields are separated by single spaces)"},
    {"REQUEST  v1 cmid=" CMID " edition=a name=pc\n",
     "double space (fields are separated by single spaces)"},
    {" REQUEST v1 cmid=" CMID " edition=a name=pc\n", "leading space"},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc \n", "trailing space"},
    {"STATUS v1 \n", "trailing space"},
    {"REQUEST v1 cmid=" CMID "\tedition=a name=pc\n",
     "tab in line (fields are separated by single spaces)"},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc\r\n",
     "carriage return in line (lines end in a bare newline)"},
    {"STATUS v1\r\n", "carriage return in line (lines end in a bare newline)"},
    {"\n", "empty line"},
    {" \n", "leading space"},
    /* bytes */
    {"REQUEST v1 cmid=" CMID " edition=a name=pc\x80\n", "non-ASCII byte in line"},
    {"REQUEST v1 cmid=" CMID " edition=a name=\xff\n", "non-ASCII byte in line"},
    /* valid UTF-8 is refused too: no field may hold anything but ASCII */
    {"REQUEST v1 cmid=" CMID " edition=a name=caf\xc3\xa9\n", "non-ASCII byte in line"},
    {"REQUEST v1 cmid=" CMID " edition=a name=p\x01\n", "control character in line"},
    {"REQUEST v1 cmid=" CMID " edition=a name=p\x7f\n", "control character in line"},
    {"REQUEST v1 cmid=" CMID " edition=a name=pc", "line does not end in a newline"},
    {"STATUS v1\nSTATUS v1\n", "more than one line"},
    /* verbs and versions */
    {"GET / HTTP/1.0\n", "unknown verb"},
    {"request v1 cmid=" CMID " edition=a name=pc\n", "unknown verb"},
    {"Request v1 cmid=" CMID " edition=a name=pc\n", "unknown verb"},
    {"REQUEST v2 cmid=" CMID " edition=a name=pc\n", "unsupported protocol version"},
    {"REQUEST V1 cmid=" CMID " edition=a name=pc\n", "unsupported protocol version"},
    {"REQUEST v10 cmid=" CMID " edition=a name=pc\n", "unsupported protocol version"},
    {"REQUEST cmid=" CMID " edition=a name=pc\n", "unsupported protocol version"},
    {"REQUEST\n", "missing protocol version"},
    {"REQUESTv1\n", "unknown verb"},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        assert_string_equal(refused(refusals[i].line), refusals[i].why);
}

/* One byte over each limit: a name, an edition; a long unknown key is cut in the message. */
static void test_over_the_limits(void **state)
{
    (void)state;
    char line[256], long_name[65], long_edition[34], key[80];
    memset(long_name, 'n', 64);
    long_name[64] = '\0';
    memset(long_edition, 'e', 33);
    long_edition[33] = '\0';
    snprintf(line, sizeof line, "REQUEST v1 cmid=%s edition=a name=%s\n", CMID, long_name);
    assert_string_equal(refused(line), BAD_NAME);
    snprintf(line, sizeof line, "REQUEST v1 cmid=%s edition=%s name=pc\n", CMID, long_edition);
    assert_string_equal(refused(line), BAD_EDITION);
    memset(key, 'k', 79);
    key[79] = '\0';
    snprintf(line, sizeof line, "REQUEST v1 %s=1\n", key);
    assert_true(strlen(refused(line)) < KMSDNS_HP_WHY_MAX);
}

/* What a string cannot hold: a NUL inside the line, and no bytes at all. */
static void test_nul_and_empty(void **state)
{
    (void)state;
    static const char nul[] = "REQUEST v1 cmid=" CMID " edition=a\0 name=pc\n";
    assert_string_equal(refused_len(nul, sizeof nul - 1), "NUL byte in line");
    static const char nul_end[] = "STATUS v1\0\n";
    assert_string_equal(refused_len(nul_end, sizeof nul_end - 1), "NUL byte in line");
    assert_string_equal(refused_len("", 0), "empty input");
}

/* A line of exactly len bytes: 'a's and a final '\n'. */
static void fill_line(char *buf, size_t len)
{
    memset(buf, 'a', len - 1);
    buf[len - 1] = '\n';
}

static void test_parse_length(void **state)
{
    (void)state;
    char buf[600];
    fill_line(buf, 512);
    assert_string_equal(refused_len(buf, 512), "unknown verb"); /* judged on content */
    fill_line(buf, 513);
    assert_string_equal(refused_len(buf, 513), "line longer than 512 bytes");
}

static void test_reader_split(void **state)
{
    (void)state;
    struct kmsdns_hostproto_reader r;
    kmsdns_hostproto_reader_init(&r);
    size_t used;
    const char *a = "REQUEST v1 cmid=" CMID_UPPER " edi";
    const char *b = "tion=win7-enterprise name=pc-01\nSTATUS v1\n";
    assert_int_equal(kmsdns_hostproto_feed(&r, (const uint8_t *)"", 0, &used), KMSDNS_HP_MORE);
    assert_int_equal(used, 0);
    assert_int_equal(kmsdns_hostproto_feed(&r, (const uint8_t *)a, strlen(a), &used),
                     KMSDNS_HP_MORE);
    assert_int_equal(used, strlen(a));
    assert_int_equal(kmsdns_hostproto_feed(&r, (const uint8_t *)b, strlen(b), &used),
                     KMSDNS_HP_LINE);
    assert_int_equal(used, strlen(b) - strlen("STATUS v1\n")); /* the rest is not taken */
    assert_int_equal(r.len, strlen(a) + used);
    assert_int_equal(r.buf[r.len - 1], '\n');
    struct kmsdns_hostproto_req req;
    assert_int_equal(kmsdns_hostproto_parse(r.buf, r.len, &req), KMSDNS_OK);
    assert_string_equal(req.cmid, CMID);
    assert_string_equal(req.name, "pc-01");
    /* the line stays; feeding more takes nothing */
    assert_int_equal(kmsdns_hostproto_feed(&r, (const uint8_t *)"x\n", 2, &used), KMSDNS_HP_LINE);
    assert_int_equal(used, 0);
    /* byte by byte */
    kmsdns_hostproto_reader_init(&r);
    const char *s = "STATUS v1\n";
    for (size_t i = 0; s[i] != '\0'; i++) {
        int rc = kmsdns_hostproto_feed(&r, (const uint8_t *)s + i, 1, &used);
        assert_int_equal(rc, s[i + 1] == '\0' ? KMSDNS_HP_LINE : KMSDNS_HP_MORE);
        assert_int_equal(used, 1);
    }
    assert_int_equal(kmsdns_hostproto_parse(r.buf, r.len, &req), KMSDNS_OK);
    assert_int_equal(req.verb, KMSDNS_HP_STATUS);
}

static void test_reader_limit(void **state)
{
    (void)state;
    struct kmsdns_hostproto_reader r;
    uint8_t buf[1024];
    size_t used;
    /* 512 bytes with the '\n' is a line */
    kmsdns_hostproto_reader_init(&r);
    fill_line((char *)buf, 512);
    assert_int_equal(kmsdns_hostproto_feed(&r, buf, 600, &used), KMSDNS_HP_LINE);
    assert_int_equal(used, 512);
    assert_int_equal(r.len, 512);
    /* 512 bytes without one wait; byte 513 is refused on arrival, '\n' or not */
    static const uint8_t last[] = {'a', '\n'};
    for (size_t i = 0; i < 2; i++) {
        kmsdns_hostproto_reader_init(&r);
        memset(buf, 'a', 512);
        assert_int_equal(kmsdns_hostproto_feed(&r, buf, 300, &used), KMSDNS_HP_MORE);
        assert_int_equal(kmsdns_hostproto_feed(&r, buf, 212, &used), KMSDNS_HP_MORE);
        assert_int_equal(used, 212);
        assert_int_equal(kmsdns_hostproto_feed(&r, last + i, 1, &used), KMSDNS_TOOLONG);
        assert_int_equal(used, 1);
    }
    /* in one piece: the verdict is at byte 513, whatever follows */
    kmsdns_hostproto_reader_init(&r);
    memset(buf, 'a', sizeof buf);
    assert_int_equal(kmsdns_hostproto_feed(&r, buf, sizeof buf, &used), KMSDNS_TOOLONG);
    assert_int_equal(used, 513);
    kmsdns_hostproto_reader_init(&r);
    fill_line((char *)buf, 513);
    assert_int_equal(kmsdns_hostproto_feed(&r, buf, 513, &used), KMSDNS_TOOLONG);
    assert_int_equal(used, 513);
}

static void test_reader_dcerpc(void **state)
{
    (void)state;
    struct kmsdns_hostproto_reader r;
    size_t used = 99;
    static const uint8_t bind[] = {0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00};
    kmsdns_hostproto_reader_init(&r);
    assert_int_equal(kmsdns_hostproto_feed(&r, bind, sizeof bind, &used), KMSDNS_HP_DCERPC);
    assert_int_equal(used, 0);
    assert_int_equal(r.len, 0);
    /* 0x05 later in the stream is just a byte (parse refuses it) */
    kmsdns_hostproto_reader_init(&r);
    assert_int_equal(kmsdns_hostproto_feed(&r, (const uint8_t *)"S", 1, &used), KMSDNS_HP_MORE);
    assert_int_equal(kmsdns_hostproto_feed(&r, bind, sizeof bind, &used), KMSDNS_HP_MORE);
    assert_int_equal(used, sizeof bind);
    /* a zeroed reader works without init */
    struct kmsdns_hostproto_reader z = {0};
    assert_int_equal(kmsdns_hostproto_feed(&z, bind, 1, &used), KMSDNS_HP_DCERPC);
}

static void test_ok_format(void **state)
{
    (void)state;
    char buf[256];
    struct kmsdns_hostproto_answer a = {.count = 26,
                                        .threshold = 25,
                                        .activated = true,
                                        .validity = 259200,
                                        .renewal = 10080,
                                        .retry = 120};
    const char *want =
        "OK count=26 threshold=25 activated=1 validity=259200 renewal=10080 retry=120\n";
    assert_int_equal(kmsdns_hostproto_ok(buf, sizeof buf, &a), strlen(want));
    assert_string_equal(buf, want);
    a = (struct kmsdns_hostproto_answer){.count = 3, .threshold = 25, .renewal = 15, .retry = 15};
    want = "OK count=3 threshold=25 activated=0 validity=0 renewal=15 retry=15\n";
    assert_int_equal(kmsdns_hostproto_ok(buf, sizeof buf, &a), strlen(want));
    assert_string_equal(buf, want);
    /* never cut: room for the line and its NUL, or 0 and "" */
    size_t n = strlen(want);
    assert_int_equal(kmsdns_hostproto_ok(buf, n + 1, &a), n);
    assert_string_equal(buf, want);
    assert_int_equal(kmsdns_hostproto_ok(buf, n, &a), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kmsdns_hostproto_ok(buf, 1, &a), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kmsdns_hostproto_ok(NULL, 0, &a), 0);
    a = (struct kmsdns_hostproto_answer){UINT32_MAX, UINT32_MAX, true,
                                         UINT32_MAX, UINT32_MAX, UINT32_MAX};
    assert_true(kmsdns_hostproto_ok(buf, sizeof buf, &a) > 0);
    assert_string_equal(buf, "OK count=4294967295 threshold=4294967295 activated=1 "
                             "validity=4294967295 renewal=4294967295 retry=4294967295\n");
}

static void test_err_format(void **state)
{
    (void)state;
    char buf[128];
    static const char *const codes[] = {
        "bad-request", "unknown-edition", "edition-not-covered", "forbidden", "busy", "internal"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "ERR %s x\n", codes[i]);
        assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, codes[i], "x"), strlen(want));
        assert_string_equal(buf, want);
    }
    assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, "bad-request", "cmid is not a UUID"),
                     strlen("ERR bad-request cmid is not a UUID\n"));
    assert_string_equal(buf, "ERR bad-request cmid is not a UUID\n");
    /* controls become blanks, non-ASCII '?', trailing and leading blanks go */
    kmsdns_hostproto_err(buf, sizeof buf, "internal", "\r db\nlocked\tnow \xc3\xa9\r\n");
    assert_string_equal(buf, "ERR internal db locked now ??\n");
    /* no message: the code's default text */
    kmsdns_hostproto_err(buf, sizeof buf, "busy", NULL);
    assert_string_equal(buf, "ERR busy busy, try again later\n");
    kmsdns_hostproto_err(buf, sizeof buf, "forbidden", " \n");
    assert_string_equal(buf, "ERR forbidden forbidden\n");
    /* unknown codes are refused */
    assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, "BUSY", "x"), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, "busy now", "x"), 0);
    assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, NULL, "x"), 0);
}

static void test_err_truncation(void **state)
{
    (void)state;
    char buf[64];
    /* "ERR busy " is 9 bytes: one message byte, '\n' and NUL make 12 */
    assert_int_equal(kmsdns_hostproto_err(buf, 12, "busy", "abc"), 11);
    assert_string_equal(buf, "ERR busy a\n");
    assert_int_equal(kmsdns_hostproto_err(buf, 11, "busy", "abc"), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kmsdns_hostproto_err(buf, 14, "busy", "abc"), 13);
    assert_string_equal(buf, "ERR busy abc\n");
    /* a cut never leaves a blank before the '\n' */
    assert_int_equal(kmsdns_hostproto_err(buf, 14, "busy", "ab cd"), 12);
    assert_string_equal(buf, "ERR busy ab\n");
    assert_int_equal(kmsdns_hostproto_err(NULL, 0, "busy", "x"), 0);
    /* a long message fills the buffer exactly */
    char msg[200];
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    assert_int_equal(kmsdns_hostproto_err(buf, sizeof buf, "internal", msg), sizeof buf - 1);
    assert_int_equal(strlen(buf), sizeof buf - 1);
    assert_int_equal(buf[sizeof buf - 2], '\n');
    assert_memory_equal(buf, "ERR internal mmm", 16);
}

/* The client builds only lines the host accepts. */
static void test_request_build(void **state)
{
    (void)state;
    char buf[KMSDNS_HP_LINE_MAX + 1];
    const char *cmid = "0123ABCD-0000-4000-8000-00000000000F";
    size_t n = kmsdns_hostproto_request(buf, sizeof buf, cmid, "win7-enterprise", "pc-1.corp");
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "REQUEST v1 cmid=0123ABCD-0000-4000-8000-00000000000F "
                             "edition=win7-enterprise name=pc-1.corp\n");
    assert_int_equal(kmsdns_hostproto_request(buf, sizeof buf, "x", "win7-enterprise", "a"), 0);
    assert_string_equal(buf, "");
    assert_int_equal(kmsdns_hostproto_request(buf, sizeof buf, cmid, "Win7", "a"), 0);
    assert_int_equal(kmsdns_hostproto_request(buf, sizeof buf, cmid, "win7-enterprise", "a b"), 0);
    assert_int_equal(kmsdns_hostproto_request(buf, sizeof buf, cmid, "win7-enterprise", ""), 0);
    assert_int_equal(kmsdns_hostproto_request(buf, 20, cmid, "win7-enterprise", "a"), 0);
}

static int reply(const char *line, struct kmsdns_hostproto_reply *r)
{
    return kmsdns_hostproto_parse_reply(line, strlen(line), r);
}

/* What the host writes, the client reads back; anything else is malformed. */
static void test_reply_parse(void **state)
{
    (void)state;
    struct kmsdns_hostproto_reply r;
    char line[128];
    const struct kmsdns_hostproto_answer a = {26, 25, true, 259200, 10080, 120};
    kmsdns_hostproto_ok(line, sizeof line, &a);
    assert_int_equal(reply(line, &r), KMSDNS_OK);
    assert_true(r.ok);
    assert_memory_equal(&r.answer, &a, sizeof a);
    /* keys in another order, and a later protocol's extra key, are fine */
    assert_int_equal(reply("OK retry=1 renewal=2 validity=0 activated=0 threshold=5 count=4 "
                           "future=x\n",
                           &r),
                     KMSDNS_OK);
    assert_int_equal(r.answer.count, 4);
    assert_false(r.answer.activated);
    kmsdns_hostproto_err(line, sizeof line, "edition-not-covered", "needs server-c");
    assert_int_equal(reply(line, &r), KMSDNS_OK);
    assert_false(r.ok);
    assert_string_equal(r.code, "edition-not-covered");
    assert_string_equal(r.message, "needs server-c");
    static const char *const bad[] = {
        "",
        "OK count=1 threshold=5 activated=0 validity=0 renewal=1 retry=1", /* no newline */
        "OK count=1 threshold=5 activated=0 validity=0 renewal=1\n",       /* retry missing */
        "OK count=1 count=1 threshold=5 activated=0 validity=0 renewal=1 retry=1\n",
        "OK count=-1 threshold=5 activated=0 validity=0 renewal=1 retry=1\n",
        "OK count=4294967296 threshold=5 activated=0 validity=0 renewal=1 retry=1\n",
        "OK count=1 threshold=5 activated=2 validity=0 renewal=1 retry=1\n",
        "OK count=1 threshold=5 activated= validity=0 renewal=1 retry=1\n",
        "OK count=1 threshold=5 activated=0 validity=0 renewal=1 retry=1 junk\n",
        "OK count=1 threshold=5 activated=0 validity=0 renewal=1 retry=1\r\n",
        "ERR\n",
        "ERR Bad message\n",
        "ERR bad-request caf\xc3\xa9\n",
        "HELLO\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (reply(bad[i], &r) != KMSDNS_MALFORMED)
            fail_msg("accepted: '%s'", bad[i]);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_request_valid),
              cmocka_unit_test(test_request_build),
              cmocka_unit_test(test_reply_parse),
              cmocka_unit_test(test_request_limits),
              cmocka_unit_test(test_status),
              cmocka_unit_test(test_bad_cmid),
              cmocka_unit_test(test_refusals),
              cmocka_unit_test(test_over_the_limits),
              cmocka_unit_test(test_nul_and_empty),
              cmocka_unit_test(test_parse_length),
              cmocka_unit_test(test_reader_split),
              cmocka_unit_test(test_reader_limit),
              cmocka_unit_test(test_reader_dcerpc),
              cmocka_unit_test(test_ok_format),
              cmocka_unit_test(test_err_format),
              cmocka_unit_test(test_err_truncation),
          })
