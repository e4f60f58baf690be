/* SPDX-License-Identifier: MIT */
/*
 * BIND key files, read the way named and nsupdate read them: a tokenizer that
 * counts lines (comments #, // and C-style; quoted strings may span lines and
 * a backslash escapes the next character), a parser that accepts exactly one
 * `key` statement, and base64 as strict as BIND's (padding required, zero bits
 * before the '=', white space inside the string skipped). Tokens point into
 * the decoded text and are never copied except the secret's base64, which
 * lives in the parser and is wiped, as is every buffer the file passed through.
 * Messages quote a token only when it cannot be a secret (see describe()).
 */
#include "kmsdns/tsigkey.h"
#include "kmsdns/config.h"
#include "kmsdns/log.h"
#include "kmsdns/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECRET_MAX 512
#define B64_MAX ((SECRET_MAX + 2) / 3 * 4) /* 684 characters; 513 bytes unpadded */
#define ALG_NAMES "hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512"

struct kmsdns_tsig_key {
    char name[KMSDNS_NAME_BUF];
    enum kmsdns_tsig_alg alg;
    size_t secret_len;
    uint8_t secret[B64_MAX / 4 * 3]; /* EVP_DecodeBlock writes whole 3-byte groups */
};

static const struct {
    const char *dns, *digest;
} algs[] = {
    [KMSDNS_TSIG_HMAC_MD5] = {"hmac-md5.sig-alg.reg.int", "MD5"},
    [KMSDNS_TSIG_HMAC_SHA1] = {"hmac-sha1", "SHA1"},
    [KMSDNS_TSIG_HMAC_SHA224] = {"hmac-sha224", "SHA224"},
    [KMSDNS_TSIG_HMAC_SHA256] = {"hmac-sha256", "SHA256"},
    [KMSDNS_TSIG_HMAC_SHA384] = {"hmac-sha384", "SHA384"},
    [KMSDNS_TSIG_HMAC_SHA512] = {"hmac-sha512", "SHA512"},
};
#define NALGS (sizeof algs / sizeof algs[0])

const char *kmsdns_tsig_alg_dns_name(enum kmsdns_tsig_alg alg)
{
    return (unsigned)alg < NALGS ? algs[alg].dns : NULL;
}

const char *kmsdns_tsig_alg_digest(enum kmsdns_tsig_alg alg)
{
    return (unsigned)alg < NALGS ? algs[alg].digest : NULL;
}

static bool equals_nocase(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* The algorithm named by s[0..n), trailing dot allowed; false when unknown. */
static bool alg_lookup(const char *s, size_t n, enum kmsdns_tsig_alg *alg)
{
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (equals_nocase(s, n, "hmac-md5")) {
        *alg = KMSDNS_TSIG_HMAC_MD5;
        return true;
    }
    for (size_t i = 0; i < NALGS; i++) {
        if (equals_nocase(s, n, algs[i].dns)) {
            *alg = (enum kmsdns_tsig_alg)i;
            return true;
        }
    }
    return false;
}

void kmsdns_tsig_key_free(kmsdns_tsig_key *key)
{
    if (key == NULL)
        return;
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

const char *kmsdns_tsig_key_name(const kmsdns_tsig_key *key)
{
    return key->name;
}

enum kmsdns_tsig_alg kmsdns_tsig_key_alg(const kmsdns_tsig_key *key)
{
    return key->alg;
}

const uint8_t *kmsdns_tsig_key_secret(const kmsdns_tsig_key *key, size_t *len)
{
    *len = key->secret_len;
    return key->secret;
}

/* ---- tokenizer ------------------------------------------------------ */

/* Punctuation comes last: next_token() steps over it with one comparison. */
enum tok_kind { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_SEMI };

struct token {
    enum tok_kind kind;
    const char *s; /* WORD, STRING (without quotes): points into the text */
    size_t len;
    unsigned line, end_line; /* where it starts and ends (strings span lines) */
};

struct parser {
    const char *p, *end;
    unsigned line;
    const char *source;
    struct kmsdns_diag *diag;
    struct token tok;   /* the token last read */
    unsigned prev_line; /* end line of the token before it */
    kmsdns_tsig_key *key;
    unsigned key_line, alg_line, secret_line; /* 0: not seen yet */
    char b64[B64_MAX + 1];                    /* the secret without white space */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_punct(char c)
{
    return c == '{' || c == '}' || c == ';';
}

static bool at(const struct parser *p, const char *two)
{
    return p->end - p->p >= 2 && p->p[0] == two[0] && p->p[1] == two[1];
}

static bool comment_starts(const struct parser *p)
{
    return *p->p == '#' || at(p, "//") || at(p, "/*");
}

static void skip_line_comment(struct parser *p)
{
    while (p->p < p->end && *p->p != '\n')
        p->p++;
}

static int skip_block_comment(struct parser *p)
{
    unsigned start = p->line;
    for (p->p += 2; p->p < p->end; p->p++) {
        if (at(p, "*/")) {
            p->p += 2;
            return KMSDNS_OK;
        }
        if (*p->p == '\n')
            p->line++;
    }
    return kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, start,
                           "unterminated comment ('/*' without '*/')");
}

static int skip_blank(struct parser *p)
{
    while (p->p < p->end) {
        if (*p->p == '\n') {
            p->line++;
            p->p++;
        } else if (is_space(*p->p)) {
            p->p++;
        } else if (at(p, "/*")) {
            int rc = skip_block_comment(p);
            if (rc != KMSDNS_OK)
                return rc;
        } else if (comment_starts(p)) {
            skip_line_comment(p);
        } else {
            break;
        }
    }
    return KMSDNS_OK;
}

/* A quoted string; the backslash escape is only honoured to find the end, so
 * the token keeps it (no valid name or secret holds a backslash). */
static int read_string(struct parser *p, struct token *t)
{
    t->kind = TOK_STRING;
    t->s = ++p->p;
    for (; p->p < p->end && *p->p != '"'; p->p++) {
        if (*p->p == '\\' && p->p + 1 < p->end)
            p->p++;
        if (*p->p == '\n')
            p->line++;
    }
    if (p->p == p->end)
        return kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, t->line,
                               "unterminated string (no closing '\"')");
    t->len = (size_t)(p->p++ - t->s);
    return KMSDNS_OK;
}

static void read_word(struct parser *p, struct token *t)
{
    t->kind = TOK_WORD;
    t->s = p->p;
    while (p->p < p->end && !is_space(*p->p) && !is_punct(*p->p) && *p->p != '"' &&
           !comment_starts(p))
        p->p++;
    t->len = (size_t)(p->p - t->s);
}

static int next_token(struct parser *p)
{
    struct token *t = &p->tok;
    p->prev_line = t->end_line;
    int rc = skip_blank(p);
    if (rc != KMSDNS_OK)
        return rc;
    memset(t, 0, sizeof *t);
    t->line = p->line;
    if (p->p == p->end)
        t->kind = TOK_EOF;
    else if (*p->p == '"')
        rc = read_string(p, t);
    else if (is_punct(*p->p))
        t->kind = *p->p == '{' ? TOK_LBRACE : *p->p == '}' ? TOK_RBRACE : TOK_SEMI;
    else
        read_word(p, t);
    if (t->kind >= TOK_LBRACE)
        p->p++;
    t->end_line = p->line;
    return rc;
}

/* ---- messages -------------------------------------------------------- */

/*
 * A word may be quoted in a message only if it cannot be a secret: base64
 * has no '-', '.' or '_', and no generated secret is all lowercase letters.
 * Keywords, algorithm names, key names and most typos pass; the rest is
 * described by kind ("a word", "a quoted string").
 */
static bool quotable(const char *s, size_t n)
{
    bool mark = false, lower = true;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.' && c != '_')
            return false;
        mark |= !alnum;
        lower &= c >= 'a' && c <= 'z';
    }
    return mark || lower;
}

static const char *describe_word(const struct token *t, char *buf, size_t size)
{
    snprintf(buf, size, "'%.*s'", (int)t->len, t->s);
    return buf;
}

/* What the current token is, for "found ..." (buf holds at least 48 bytes). */
static const char *describe(const struct token *t, char *buf, size_t size)
{
    switch (t->kind) {
    case TOK_EOF:
        return "the end of the file";
    case TOK_LBRACE:
        return "'{'";
    case TOK_RBRACE:
        return "'}'";
    case TOK_SEMI:
        return "';'";
    case TOK_STRING:
        return "a quoted string";
    case TOK_WORD:
        break;
    }
    if (t->len > 40 || !quotable(t->s, t->len))
        return "a word";
    return describe_word(t, buf, size);
}

static int unexpected(struct parser *p, const char *expected)
{
    char buf[64];
    return kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, p->tok.line, "expected %s, found %s",
                           expected, describe(&p->tok, buf, sizeof buf));
}

static int expect_semi(struct parser *p, const char *after)
{
    int rc = next_token(p);
    if (rc == KMSDNS_OK && p->tok.kind != TOK_SEMI)
        rc = kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, p->prev_line,
                             "missing ';' after %s", after);
    return rc;
}

static bool is_word(const struct parser *p, const char *word)
{
    return p->tok.kind == TOK_WORD && equals_nocase(p->tok.s, p->tok.len, word);
}

static bool is_value(const struct parser *p)
{
    return p->tok.kind == TOK_WORD || p->tok.kind == TOK_STRING;
}

static int duplicate(struct parser *p, const char *what, unsigned first)
{
    return kmsdns_diag_set(p->diag, KMSDNS_DUPLICATE, p->source, p->tok.line,
                           "%s given twice (first at line %u)", what, first);
}

/* ---- the key statement ------------------------------------------------ */

/*
 * TSIG key names are domain names; they get kmsdns_name_normalize()'s rules
 * with KMSDNS_NAME_ALLOW_UNDERSCORE: LDH labels, '_' only at a label's start.
 * BIND itself takes any text, so "my_key" works there and not here.
 */
static int parse_name(struct parser *p)
{
    int rc = next_token(p);
    if (rc != KMSDNS_OK)
        return rc;
    if (!is_value(p))
        return unexpected(p, "the key name after 'key'");
    const struct token *t = &p->tok;
    char in[KMSDNS_NAME_BUF];
    const char *why = "the name is longer than 255 octets";
    if (t->len < sizeof in) {
        memcpy(in, t->s, t->len);
        in[t->len] = '\0';
        if (kmsdns_name_normalize(in, KMSDNS_NAME_ALLOW_UNDERSCORE, p->key->name, &why) ==
            KMSDNS_OK)
            return KMSDNS_OK;
    }
    if (t->len < sizeof in && quotable(t->s, t->len))
        return kmsdns_diag_set(p->diag, KMSDNS_NAME, p->source, t->line, "bad key name '%s': %s",
                               in, why ? why : "not a domain name");
    return kmsdns_diag_set(p->diag, KMSDNS_NAME, p->source, t->line, "bad key name: %s",
                           why ? why : "not a domain name");
}

/* True when s[0..n) is a supported name followed by "-digits" (hmac-sha256-128). */
static bool is_truncated(const char *s, size_t n)
{
    enum kmsdns_tsig_alg alg;
    size_t d = n;
    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
        d--;
    return d < n && d > 1 && s[d - 1] == '-' && alg_lookup(s, d - 1, &alg);
}

/* The token after the keyword of a clause seen first at *seen_line (0: not
 * yet): refuses a second such clause, records this one's line, and reads
 * its value; `wanted` names the value in the message when it is missing. */
static int clause_value(struct parser *p, const char *keyword, unsigned *seen_line,
                        const char *wanted)
{
    if (*seen_line != 0)
        return duplicate(p, keyword, *seen_line);
    *seen_line = p->tok.line;
    int rc = next_token(p);
    if (rc != KMSDNS_OK)
        return rc;
    if (!is_value(p))
        return unexpected(p, wanted);
    return KMSDNS_OK;
}

static int parse_algorithm(struct parser *p)
{
    int rc = clause_value(p, "algorithm", &p->alg_line, "an algorithm name after 'algorithm'");
    if (rc != KMSDNS_OK)
        return rc;
    const struct token *t = &p->tok;
    if (!alg_lookup(t->s, t->len, &p->key->alg)) {
        char buf[64];
        const char *name = t->len == 0 ? "(empty)" : "(not shown)";
        if (t->len > 0 && t->len <= 40 && quotable(t->s, t->len))
            name = describe_word(t, buf, sizeof buf);
        if (is_truncated(t->s, t->len))
            return kmsdns_diag_set(p->diag, KMSDNS_UNSUPPORTED, p->source, t->line,
                                   "algorithm %s: truncated MACs are not supported; use one of "
                                   "%s",
                                   name, ALG_NAMES);
        return kmsdns_diag_set(p->diag, KMSDNS_UNSUPPORTED, p->source, t->line,
                               "unsupported algorithm %s; use one of %s", name, ALG_NAMES);
    }
    return expect_semi(p, "the algorithm");
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int bad_char(struct parser *p, unsigned line, char c)
{
    char what[32];
    if (c > 0x20 && c < 0x7f)
        snprintf(what, sizeof what, "'%c'", c);
    else if (c >= 0 && c < 0x20)
        snprintf(what, sizeof what, "control character 0x%02x", (unsigned)c);
    else
        snprintf(what, sizeof what, "a non-ASCII character");
    return kmsdns_diag_set(p->diag, KMSDNS_ENCODING, p->source, line,
                           "secret is not valid base64: %s is not a base64 character%s", what,
                           c == '-' || c == '_' ? " (URL-safe base64 is not accepted)" : "");
}

/* Copies the secret's text into p->b64 without white space, checking the
 * alphabet on the way (so a bad character's line is exact). */
static int strip_secret(struct parser *p, size_t *n)
{
    const struct token *t = &p->tok;
    unsigned line = t->line;
    *n = 0;
    for (size_t i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (c == '\n')
            line++;
        if (is_space(c))
            continue;
        if (c != '=' && b64_value(c) < 0)
            return bad_char(p, line, c);
        if (*n == B64_MAX)
            return kmsdns_diag_set(p->diag, KMSDNS_TOOLONG, p->source, t->line,
                                   "secret is longer than %d bytes", SECRET_MAX);
        p->b64[(*n)++] = c;
    }
    p->b64[*n] = '\0';
    return KMSDNS_OK;
}

/* Padding as BIND wants it: whole 4-character groups, at most two '=' and
 * only at the end, and the bits the '=' cut off all zero. */
static int check_padding(struct parser *p, size_t n, size_t *npad)
{
    const char *s = p->b64;
    const char *why = NULL;
    const char *eq = memchr(s, '=', n);
    *npad = eq != NULL ? n - (size_t)(eq - s) : 0;
    if (strspn(s + n - *npad, "=") != *npad)
        why = "'=' before the end";
    else if (n % 4 != 0)
        why = "its length is not a multiple of 4 (missing '=' padding, or cut short)";
    else if (*npad > 2)
        why = "too much '=' padding";
    else if (*npad > 0 && (b64_value(s[n - *npad - 1]) & (*npad == 1 ? 0x3 : 0xf)) != 0)
        why = "bad padding (the bits before '=' are not zero)";
    if (why == NULL)
        return KMSDNS_OK;
    return kmsdns_diag_set(p->diag, KMSDNS_ENCODING, p->source, p->tok.line,
                           "secret is not valid base64: %s", why);
}

static int decode_secret(struct parser *p)
{
    size_t n, npad;
    int rc = strip_secret(p, &n);
    if (rc != KMSDNS_OK)
        return rc;
    if (n == 0)
        return kmsdns_diag_set(p->diag, KMSDNS_EMPTY, p->source, p->tok.line, "empty secret");
    if ((rc = check_padding(p, n, &npad)) != KMSDNS_OK)
        return rc;
    size_t len = n / 4 * 3 - npad;
    if (len > SECRET_MAX)
        return kmsdns_diag_set(p->diag, KMSDNS_TOOLONG, p->source, p->tok.line,
                               "secret is longer than %d bytes", SECRET_MAX);
    if (EVP_DecodeBlock(p->key->secret, (const unsigned char *)p->b64, (int)n) < 0)
        return kmsdns_diag_set(p->diag, KMSDNS_ENCODING, p->source, p->tok.line,
                               "secret is not valid base64");
    p->key->secret_len = len;
    return KMSDNS_OK;
}

static int parse_secret(struct parser *p)
{
    int rc =
        clause_value(p, "secret", &p->secret_line, "the secret (base64 in quotes) after 'secret'");
    if (rc != KMSDNS_OK)
        return rc;
    if ((rc = decode_secret(p)) != KMSDNS_OK)
        return rc;
    return expect_semi(p, "the secret");
}

/* The clauses between '{' and '}', then the ';' BIND requires after '}'. */
static int parse_body(struct parser *p)
{
    int rc;
    while ((rc = next_token(p)) == KMSDNS_OK && p->tok.kind != TOK_RBRACE) {
        if (is_word(p, "algorithm"))
            rc = parse_algorithm(p);
        else if (is_word(p, "secret"))
            rc = parse_secret(p);
        else if (p->tok.kind == TOK_EOF)
            rc = kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, p->key_line,
                                 "the key statement is not closed (missing '}')");
        else
            rc = unexpected(p, "algorithm, secret or '}' in the key statement");
        if (rc != KMSDNS_OK)
            return rc;
    }
    if (rc != KMSDNS_OK)
        return rc;
    return expect_semi(p, "'}' of the key statement");
}

static int parse_key(struct parser *p)
{
    p->key_line = p->tok.line;
    int rc = parse_name(p);
    if (rc == KMSDNS_OK && (rc = next_token(p)) == KMSDNS_OK && p->tok.kind != TOK_LBRACE)
        rc = unexpected(p, "'{' after the key name");
    if (rc == KMSDNS_OK)
        rc = parse_body(p);
    if (rc == KMSDNS_OK && p->secret_line == 0)
        rc = kmsdns_diag_set(p->diag, KMSDNS_EMPTY, p->source, p->key_line, "key %s has no secret",
                             p->key->name);
    return rc;
}

static int parse_file(struct parser *p)
{
    int rc;
    char buf[64];
    while ((rc = next_token(p)) == KMSDNS_OK && p->tok.kind != TOK_EOF) {
        if (is_word(p, "key") && p->key_line != 0)
            return kmsdns_diag_set(p->diag, KMSDNS_DUPLICATE, p->source, p->tok.line,
                                   "a second key statement (the first is at line %u); a key "
                                   "file holds exactly one key",
                                   p->key_line);
        if (!is_word(p, "key"))
            return kmsdns_diag_set(p->diag, KMSDNS_SYNTAX, p->source, p->tok.line,
                                   "expected a key statement, found %s; a key file holds one "
                                   "key statement and nothing else (from rndc-confgen or "
                                   "ddns-confgen output, keep only key { ... };)",
                                   describe(&p->tok, buf, sizeof buf));
        if ((rc = parse_key(p)) != KMSDNS_OK)
            return rc;
    }
    if (rc == KMSDNS_OK && p->key_line == 0)
        rc = kmsdns_diag_set(p->diag, KMSDNS_EMPTY, p->source, 0,
                             "no key statement (expected key \"name\" { algorithm ...; "
                             "secret \"...\"; };)");
    return rc;
}

static void wipe_free(void *buf, size_t len)
{
    if (buf == NULL)
        return;
    OPENSSL_cleanse(buf, len);
    free(buf);
}

/* Parses decoded text into p->key; registers the secret for redaction last,
 * so a refused file registers nothing. */
static int parse_text(struct parser *p, const char *text, size_t len)
{
    p->p = text;
    p->end = text + len;
    p->line = 1;
    p->key->alg = KMSDNS_TSIG_HMAC_SHA256;
    int rc = parse_file(p);
    if (rc == KMSDNS_OK && kmsdns_log_add_secret(p->b64) != KMSDNS_OK)
        rc = kmsdns_diag_set(p->diag, KMSDNS_NOMEM, p->source, p->secret_line,
                             "cannot register the secret for redaction in the log");
    return rc;
}

int kmsdns_tsig_key_parse(const char *text, size_t len, const char *source, kmsdns_tsig_key **out,
                          struct kmsdns_diag *diag)
{
    char *utf8;
    size_t ulen;
    int rc = kmsdns_text_decode(text, len, source, &utf8, &ulen, diag);
    if (rc != KMSDNS_OK)
        return rc;
    struct parser *p = calloc(1, sizeof *p);
    kmsdns_tsig_key *key = calloc(1, sizeof *key);
    if (p == NULL || key == NULL) {
        rc = kmsdns_diag_set(diag, KMSDNS_NOMEM, source, 0, "out of memory");
    } else {
        p->source = source;
        p->diag = diag;
        p->key = key;
        rc = parse_text(p, utf8, ulen);
    }
    if (rc == KMSDNS_OK) {
        *out = key;
        key = NULL;
    }
    kmsdns_tsig_key_free(key);
    wipe_free(p, sizeof *p);
    wipe_free(utf8, ulen);
    return rc;
}

int kmsdns_tsig_key_load(const char *path, kmsdns_tsig_key **out, struct kmsdns_diag *diag)
{
    int rc = kmsdns_config_check_secret_file(path, "TSIG key file", NULL, 0, diag);
    if (rc != KMSDNS_OK)
        return rc;
    char *data;
    size_t len;
    if ((rc = kmsdns_text_read_file(path, &data, &len, diag)) != KMSDNS_OK)
        return rc;
    rc = kmsdns_tsig_key_parse(data, len, path, out, diag);
    wipe_free(data, len);
    return rc;
}
