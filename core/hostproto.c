/* SPDX-License-Identifier: MIT */
/*
 * Host protocol v1 line codec: the request reader, the request parser and
 * the OK/ERR formatters. Pure functions over caller buffers, so the daemon
 * keeps the sockets and the unit tests and fuzzer drive the exact code that
 * judges untrusted lines. The rules are the SPEC's, to the letter; anything
 * they do not allow is bad-request.
 */
#include "kmsdns/hostproto.h"
#include "kmsdns/error.h"
#include "kmsdns/number.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tok {
    const char *p;
    size_t n;
};

static bool tok_is(struct tok t, const char *s)
{
    return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

/* Takes the token at *s (up to the next space or end); false when none is left. */
static bool next_tok(const char **s, const char *end, struct tok *t)
{
    if (*s >= end)
        return false;
    const char *sp = memchr(*s, ' ', (size_t)(end - *s));
    t->p = *s;
    t->n = (size_t)((sp ? sp : end) - *s);
    *s = sp ? sp + 1 : end;
    return true;
}

static int refuse(struct kmsdns_hostproto_req *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int refuse(struct kmsdns_hostproto_req *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    out->verb = KMSDNS_HP_NONE;
    out->cmid[0] = out->edition[0] = out->name[0] = '\0';
    return KMSDNS_SYNTAX;
}

/*
 * The byte-level rules, before any token is looked at. Lines end in '\n'
 * alone, so '\r' is refused like any other control byte. Every valid field
 * is ASCII, so a byte >= 0x80 is refused whether or not it is part of valid
 * UTF-8: "é" cannot be valid here any more than a stray 0xFF, and both are
 * bad-request, which is what the SPEC asks of non-UTF-8.
 */
static const char *bad_bytes(const char *buf, size_t len)
{
    if (len == 0)
        return "empty input";
    if (len > KMSDNS_HP_LINE_MAX)
        return "line longer than 512 bytes";
    if (buf[len - 1] != '\n')
        return "line does not end in a newline";
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\0')
            return "NUL byte in line";
        if (c == '\n')
            return "more than one line";
        if (c == '\r')
            return "carriage return in line (lines end in a bare newline)";
        if (c == '\t')
            return "tab in line (fields are separated by single spaces)";
        if (c < 0x20 || c == 0x7f)
            return "control character in line";
        if (c >= 0x80)
            return "non-ASCII byte in line";
        if (c == ' ' && buf[i + 1] == ' ')
            return "double space (fields are separated by single spaces)";
    }
    if (len == 1)
        return "empty line";
    if (buf[0] == ' ')
        return "leading space";
    if (buf[len - 2] == ' ')
        return "trailing space";
    return NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 8-4-4-4-12 hex digits, any case; written lowercase to out. */
static bool take_cmid(struct tok v, char *out)
{
    if (v.n != KMSDNS_HP_CMID_LEN)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? v.p[i] != '-' : !is_hex(v.p[i]))
            return false;
        out[i] = (v.p[i] >= 'A' && v.p[i] <= 'F') ? (char)(v.p[i] - 'A' + 'a') : v.p[i];
    }
    out[v.n] = '\0';
    return true;
}

static bool take_edition(struct tok v, char *out)
{
    if (v.n < 1 || v.n > KMSDNS_HP_EDITION_MAX)
        return false;
    for (size_t i = 0; i < v.n; i++)
        if (!is_lower_alnum(v.p[i]) && v.p[i] != '-')
            return false;
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return true;
}

static bool take_name(struct tok v, char *out)
{
    if (v.n < 1 || v.n > KMSDNS_HP_NAME_MAX)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return true;
}

enum { F_CMID = 1, F_EDITION = 2, F_NAME = 4, F_ALL = 7 };

/* One key=value field of REQUEST into out; *seen collects the keys met so far. */
static int take_field(struct tok f, unsigned *seen, struct kmsdns_hostproto_req *out)
{
    const char *eq = memchr(f.p, '=', f.n);
    if (eq == NULL)
        return refuse(out, "field '%.*s' is not key=value", f.n > 32 ? 32 : (int)f.n, f.p);
    struct tok k = {f.p, (size_t)(eq - f.p)};
    struct tok v = {eq + 1, f.n - k.n - 1};
    unsigned bit = tok_is(k, "cmid")      ? F_CMID
                   : tok_is(k, "edition") ? F_EDITION
                   : tok_is(k, "name")    ? F_NAME
                                          : 0;
    if (bit == 0)
        return refuse(out, "unknown key '%.*s'", k.n > 32 ? 32 : (int)k.n, k.p);
    if (*seen & bit)
        return refuse(out, "repeated key '%.*s'", (int)k.n, k.p);
    *seen |= bit;
    if (v.n == 0)
        return refuse(out, "empty value for '%.*s'", (int)k.n, k.p);
    if (bit == F_CMID && !take_cmid(v, out->cmid))
        return refuse(out, "cmid is not a UUID");
    if (bit == F_EDITION && !take_edition(v, out->edition))
        return refuse(out, "edition is not of the form [a-z0-9-]{1,32}");
    if (bit == F_NAME && !take_name(v, out->name))
        return refuse(out, "name is not 1-63 characters of A-Za-z0-9._-");
    return KMSDNS_OK;
}

static int parse_request(const char *s, const char *end, struct kmsdns_hostproto_req *out)
{
    unsigned seen = 0;
    struct tok f;
    while (next_tok(&s, end, &f)) {
        int rc = take_field(f, &seen, out);
        if (rc != KMSDNS_OK)
            return rc;
    }
    if (!(seen & F_CMID))
        return refuse(out, "missing key 'cmid'");
    if (!(seen & F_EDITION))
        return refuse(out, "missing key 'edition'");
    if (!(seen & F_NAME))
        return refuse(out, "missing key 'name'");
    out->verb = KMSDNS_HP_REQUEST;
    return KMSDNS_OK;
}

int kmsdns_hostproto_parse(const char *buf, size_t len, struct kmsdns_hostproto_req *out)
{
    memset(out, 0, sizeof *out);
    const char *why = bad_bytes(buf, len);
    if (why != NULL)
        return refuse(out, "%s", why);
    const char *s = buf, *end = buf + len - 1; /* the '\n' is done with */
    struct tok verb, version;
    if (!next_tok(&s, end, &verb) || (!tok_is(verb, "REQUEST") && !tok_is(verb, "STATUS")))
        return refuse(out, "unknown verb");
    if (!next_tok(&s, end, &version))
        return refuse(out, "missing protocol version");
    if (!tok_is(version, "v1"))
        return refuse(out, "unsupported protocol version");
    if (tok_is(verb, "REQUEST"))
        return parse_request(s, end, out);
    if (s < end)
        return refuse(out, "STATUS takes no fields");
    out->verb = KMSDNS_HP_STATUS;
    return KMSDNS_OK;
}

/* Sets buf to "" where there is room for it; the formatters' failure value. */
static size_t nothing(char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    return 0;
}

size_t kmsdns_hostproto_ok(char *buf, size_t cap, const struct kmsdns_hostproto_answer *a)
{
    if (cap == 0)
        return 0;
    int n = snprintf(
        buf, cap, "OK count=%lu threshold=%lu activated=%d validity=%lu renewal=%lu retry=%lu\n",
        (unsigned long)a->count, (unsigned long)a->threshold, a->activated ? 1 : 0,
        (unsigned long)a->validity, (unsigned long)a->renewal, (unsigned long)a->retry);
    if (n < 0 || (size_t)n >= cap)
        return nothing(buf, cap);
    return (size_t)n;
}

/* The SPEC's error words, each with the text used when the caller gives none. */
static const char *default_message(const char *code)
{
    static const char *const table[][2] = {
        {"bad-request", "bad request"},
        {"unknown-edition", "unknown edition"},
        {"edition-not-covered", "edition not covered by this host's key group"},
        {"forbidden", "forbidden"},
        {"busy", "busy, try again later"},
        {"internal", "internal error"},
    };
    for (size_t i = 0; code != NULL && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(code, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* What a message byte becomes on the line: controls are blanks, non-ASCII '?'. */
static char clean(unsigned char c)
{
    if (c < 0x20 || c == 0x7f)
        return ' ';
    return c >= 0x80 ? '?' : (char)c;
}

size_t kmsdns_hostproto_err(char *buf, size_t cap, const char *code, const char *message)
{
    const char *dflt = default_message(code);
    if (dflt == NULL)
        return nothing(buf, cap);
    const char *m = message != NULL ? message : "";
    size_t mlen = strlen(m);
    while (mlen > 0 && clean((unsigned char)*m) == ' ')
        m++, mlen--;
    if (mlen == 0) {
        m = dflt;
        mlen = strlen(dflt);
    }
    size_t clen = strlen(code), head = 4 + clen + 1; /* "ERR <code> " */
    if (cap < head + 3)                              /* one character, '\n', NUL */
        return nothing(buf, cap);
    if (mlen > cap - head - 2)
        mlen = cap - head - 2;
    while (clean((unsigned char)m[mlen - 1]) == ' ') /* m[0] is not blank: stops there */
        mlen--;
    memcpy(buf, "ERR ", 4);
    memcpy(buf + 4, code, clen);
    buf[4 + clen] = ' ';
    for (size_t i = 0; i < mlen; i++)
        buf[head + i] = clean((unsigned char)m[i]);
    buf[head + mlen] = '\n';
    buf[head + mlen + 1] = '\0';
    return head + mlen + 1;
}

void kmsdns_hostproto_reader_init(struct kmsdns_hostproto_reader *r)
{
    r->len = 0;
}

/*
 * Byte by byte so that the verdict falls on the exact byte the SPEC names:
 * byte 513 without a '\n' before it is refused on arrival, and nothing after
 * the '\n' is taken from the caller.
 */
int kmsdns_hostproto_feed(struct kmsdns_hostproto_reader *r, const uint8_t *data, size_t n,
                          size_t *used)
{
    *used = 0;
    if (r->len > 0 && r->buf[r->len - 1] == '\n')
        return KMSDNS_HP_LINE;
    if (r->len == 0 && n > 0 && data[0] == 0x05)
        return KMSDNS_HP_DCERPC;
    for (size_t i = 0; i < n; i++) {
        if (r->len == KMSDNS_HP_LINE_MAX) {
            *used = i + 1;
            return KMSDNS_TOOLONG;
        }
        r->buf[r->len++] = (char)data[i];
        if (data[i] == '\n') {
            *used = i + 1;
            return KMSDNS_HP_LINE;
        }
    }
    *used = n;
    return KMSDNS_HP_MORE;
}

/* ---- the client's side ---------------------------------------------------------- */

size_t kmsdns_hostproto_request(char *buf, size_t cap, const char *cmid, const char *edition,
                                const char *name)
{
    struct kmsdns_hostproto_req check;
    int n = snprintf(buf, cap, "REQUEST v1 cmid=%s edition=%s name=%s\n", cmid, edition, name);
    if (n < 0 || (size_t)n >= cap || kmsdns_hostproto_parse(buf, (size_t)n, &check) != KMSDNS_OK)
        return nothing(buf, cap);
    return (size_t)n;
}

/* A decimal number of at most 10 digits that fits 32 bits. */
static bool take_u32(struct tok v, uint32_t *out)
{
    uint64_t x = 0;
    if (v.n > 10 || kmsdns_parse_uintn(v.p, v.n, 0, UINT32_MAX, &x) != KMSDNS_OK)
        return false;
    *out = (uint32_t)x;
    return true;
}

/* The six keys of an OK answer; other keys are a later protocol's and are skipped. */
static int parse_ok(const char *s, const char *end, struct kmsdns_hostproto_answer *a)
{
    static const char *const keys[] = {"count",    "threshold", "activated",
                                       "validity", "renewal",   "retry"};
    uint32_t *slots[] = {&a->count, &a->threshold, NULL, &a->validity, &a->renewal, &a->retry};
    unsigned seen = 0;
    struct tok f;
    while (next_tok(&s, end, &f)) {
        const char *eq = memchr(f.p, '=', f.n);
        if (eq == NULL)
            return KMSDNS_MALFORMED;
        struct tok k = {f.p, (size_t)(eq - f.p)}, v = {eq + 1, f.n - (size_t)(eq - f.p) - 1};
        for (unsigned i = 0; i < 6; i++) {
            if (!tok_is(k, keys[i]))
                continue;
            uint32_t x;
            if ((seen & (1u << i)) || !take_u32(v, &x) || (slots[i] == NULL && x > 1))
                return KMSDNS_MALFORMED;
            seen |= 1u << i;
            if (slots[i] != NULL)
                *slots[i] = x;
            else
                a->activated = x == 1;
        }
    }
    return seen == 0x3f ? KMSDNS_OK : KMSDNS_MALFORMED;
}

int kmsdns_hostproto_parse_reply(const char *line, size_t len, struct kmsdns_hostproto_reply *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0 || line[len - 1] != '\n')
        return KMSDNS_MALFORMED;
    const char *end = line + len - 1;
    for (const char *p = line; p < end; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            return KMSDNS_MALFORMED;
    const char *s = line;
    struct tok verb, code;
    if (!next_tok(&s, end, &verb))
        return KMSDNS_MALFORMED;
    if (tok_is(verb, "OK")) {
        out->ok = true;
        return parse_ok(s, end, &out->answer);
    }
    if (!tok_is(verb, "ERR") || !next_tok(&s, end, &code) || code.n == 0 ||
        code.n >= sizeof out->code)
        return KMSDNS_MALFORMED;
    for (size_t i = 0; i < code.n; i++)
        if (!is_lower_alnum(code.p[i]) && code.p[i] != '-')
            return KMSDNS_MALFORMED;
    memcpy(out->code, code.p, code.n);
    snprintf(out->message, sizeof out->message, "%.*s", (int)(end - s), s);
    return KMSDNS_OK;
}
