/* SPDX-License-Identifier: MIT */
/* TSIG key files: tsig-keygen output, BIND's syntax, refusals with exact
 * FILE:LINE, permissions, and that no message ever holds the secret. */
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/log.h"
#include "kmsdns/text.h"
#include "kmsdns/tsigkey.h"

#include <openssl/evp.h>

static struct kmsdns_diag d;

/* The fixtures' secrets are the bytes 0, 1, 2, ... n-1. */
static void assert_counting_secret(const kmsdns_tsig_key *key, size_t n)
{
    size_t len = 0;
    const uint8_t *s = kmsdns_tsig_key_secret(key, &len);
    assert_int_equal(len, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i], i);
}

static kmsdns_tsig_key *parse_ok(const char *text)
{
    kmsdns_tsig_key *key = NULL;
    kmsdns_diag_init(&d);
    if (kmsdns_tsig_key_parse(text, strlen(text), "f", &key, &d) != KMSDNS_OK)
        fail_msg("refused: %s\n---\n%s", d.text, text);
    assert_non_null(key);
    return key;
}

/* Fails if any 8 characters in a row of `secret` show up in the message. */
static void assert_no_secret(const char *secret)
{
    size_t n = secret != NULL ? strlen(secret) : 0;
    for (size_t i = 0; i + 8 <= n || (i == 0 && n > 0); i++) {
        char part[9];
        snprintf(part, sizeof part, "%.8s", secret + i);
        if (strstr(d.text, part) != NULL)
            fail_msg("message '%s' holds secret text '%s'", d.text, part);
    }
}

/* Refusal of `text` (len bytes) named "f": rc, a message holding `msg`, no secret. */
static void refuse_n(const char *text, size_t len, int rc, const char *msg, const char *secret)
{
    kmsdns_tsig_key *key = (kmsdns_tsig_key *)&d; /* must stay untouched */
    kmsdns_diag_init(&d);
    int got = kmsdns_tsig_key_parse(text, len, "f", &key, &d);
    if (got != rc)
        fail_msg("got %s (%s), want %s\n---\n%s", kmsdns_errname(got), d.text, kmsdns_errname(rc),
                 text);
    assert_ptr_equal(key, (kmsdns_tsig_key *)&d);
    if (strstr(d.text, msg) == NULL)
        fail_msg("message '%s' lacks '%s'", d.text, msg);
    assert_no_secret(secret);
}

static void refuse(const char *text, int rc, const char *msg, const char *secret)
{
    refuse_n(text, strlen(text), rc, msg, secret);
}

/* A key statement with the given algorithm clause and secret, lines 1-4. */
static const char *key_text(const char *alg_clause, const char *secret)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "key \"k\" {\n\t%s\n\tsecret \"%s\";\n};\n", alg_clause, secret);
    return buf;
}

static const char sha256_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

static kmsdns_tsig_key *parse_fixture(const char *name)
{
    char path[600], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/keys/%s", KMSDNS_TEST_DATA, name);
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_text_read_file(path, &data, &len, &d), KMSDNS_OK);
    kmsdns_tsig_key *key = NULL;
    int rc = kmsdns_tsig_key_parse(data, len, name, &key, &d);
    free(data);
    if (rc != KMSDNS_OK)
        return NULL;
    return key;
}

static void test_tsig_keygen_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *file, *name, *dns, *digest;
        enum kmsdns_tsig_alg alg;
        size_t len;
    } f[] = {
        {"hmac-md5.key", "tsig-key", "hmac-md5.sig-alg.reg.int", "MD5", KMSDNS_TSIG_HMAC_MD5, 16},
        {"hmac-sha1.key", "tsig-key", "hmac-sha1", "SHA1", KMSDNS_TSIG_HMAC_SHA1, 20},
        {"hmac-sha224.key", "tsig-key", "hmac-sha224", "SHA224", KMSDNS_TSIG_HMAC_SHA224, 28},
        {"hmac-sha256.key", "kms1-update", "hmac-sha256", "SHA256", KMSDNS_TSIG_HMAC_SHA256, 32},
        {"hmac-sha384.key", "tsig-key", "hmac-sha384", "SHA384", KMSDNS_TSIG_HMAC_SHA384, 48},
        {"hmac-sha512.key", "tsig-key", "hmac-sha512", "SHA512", KMSDNS_TSIG_HMAC_SHA512, 64},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        kmsdns_tsig_key *key = parse_fixture(f[i].file);
        if (key == NULL)
            fail_msg("%s refused: %s", f[i].file, d.text);
        assert_string_equal(kmsdns_tsig_key_name(key), f[i].name);
        assert_int_equal(kmsdns_tsig_key_alg(key), f[i].alg);
        assert_string_equal(kmsdns_tsig_alg_dns_name(f[i].alg), f[i].dns);
        assert_string_equal(kmsdns_tsig_alg_digest(f[i].alg), f[i].digest);
        /* tsig-keygen makes secrets as long as the digest; OpenSSL knows the name */
        const EVP_MD *md = EVP_get_digestbyname(f[i].digest);
        assert_non_null(md);
        assert_int_equal(EVP_MD_size(md), f[i].len);
        assert_counting_secret(key, f[i].len);
        kmsdns_tsig_key_free(key);
    }
    kmsdns_tsig_key_free(NULL);
}

static void test_confgen_outputs_refused(void **state)
{
    (void)state;
    /* ddns-confgen without -q and rndc-confgen print more than the key. */
    assert_null(parse_fixture("ddns-confgen.out"));
    assert_string_equal(d.text, "ddns-confgen.out:12: expected a key statement, found "
                                "'update-policy'; a key file holds one key statement and "
                                "nothing else (from rndc-confgen or ddns-confgen output, keep "
                                "only key { ... };)");
    assert_null(parse_fixture("rndc.conf"));
    assert_non_null(strstr(d.text, "rndc.conf:7: expected a key statement, found 'options'"));
    assert_no_secret("ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=");
}

static void test_alg_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum kmsdns_tsig_alg alg;
    } ok[] = {
        {"hmac-md5", KMSDNS_TSIG_HMAC_MD5},
        {"hmac-md5.sig-alg.reg.int", KMSDNS_TSIG_HMAC_MD5},
        {"HMAC-MD5.SIG-ALG.REG.INT.", KMSDNS_TSIG_HMAC_MD5},
        {"hmac-md5.", KMSDNS_TSIG_HMAC_MD5},
        {"hmac-sha1", KMSDNS_TSIG_HMAC_SHA1},
        {"Hmac-Sha224.", KMSDNS_TSIG_HMAC_SHA224},
        {"hmac-sha256", KMSDNS_TSIG_HMAC_SHA256},
        {"HMAC-SHA384", KMSDNS_TSIG_HMAC_SHA384},
        {"hmac-sha512.", KMSDNS_TSIG_HMAC_SHA512},
    };
    char clause[128];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        snprintf(clause, sizeof clause, "algorithm \"%s\";", ok[i].name);
        kmsdns_tsig_key *key = parse_ok(key_text(clause, sha256_b64));
        assert_int_equal(kmsdns_tsig_key_alg(key), ok[i].alg);
        kmsdns_tsig_key_free(key);
        /* and back: the DNS name maps to the same algorithm */
        snprintf(clause, sizeof clause, "algorithm %s;", kmsdns_tsig_alg_dns_name(ok[i].alg));
        key = parse_ok(key_text(clause, sha256_b64));
        assert_int_equal(kmsdns_tsig_key_alg(key), ok[i].alg);
        kmsdns_tsig_key_free(key);
    }
    static const char *const bad[] = {
        "",          ".",         "hmac-sha256-128",   "hmac-sha256..", "hmac-md5.sig-alg.reg",
        "hmac-sha3", "gss-tsig",  "gss.microsoft.com", "sha256",        " hmac-sha256",
        "hmac-sha",  "hmac-md5x", "hmac-sha2561"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(clause, sizeof clause, "algorithm \"%s\";", bad[i]);
        const char *text = key_text(clause, sha256_b64);
        kmsdns_tsig_key *key = NULL;
        assert_int_equal(kmsdns_tsig_key_parse(text, strlen(text), "f", &key, &d),
                         KMSDNS_UNSUPPORTED);
        assert_null(key);
    }
    assert_null(kmsdns_tsig_alg_dns_name((enum kmsdns_tsig_alg)6));
    assert_null(kmsdns_tsig_alg_digest((enum kmsdns_tsig_alg) - 1));
}

static void test_every_algorithm_in_a_file(void **state)
{
    (void)state;
    static const struct {
        const char *clause;
        enum kmsdns_tsig_alg alg;
    } c[] = {
        {"algorithm hmac-md5;", KMSDNS_TSIG_HMAC_MD5},
        {"algorithm hmac-md5.sig-alg.reg.int;", KMSDNS_TSIG_HMAC_MD5},
        {"algorithm \"HMAC-MD5.SIG-ALG.REG.INT.\";", KMSDNS_TSIG_HMAC_MD5},
        {"algorithm hmac-sha1;", KMSDNS_TSIG_HMAC_SHA1},
        {"algorithm hmac-sha224;", KMSDNS_TSIG_HMAC_SHA224},
        {"algorithm HMAC-SHA256;", KMSDNS_TSIG_HMAC_SHA256},
        {"algorithm \"hmac-sha384\";", KMSDNS_TSIG_HMAC_SHA384},
        {"ALGORITHM hmac-sha512;", KMSDNS_TSIG_HMAC_SHA512},
        {"", KMSDNS_TSIG_HMAC_SHA256}, /* no algorithm: the default */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        kmsdns_tsig_key *key = parse_ok(key_text(c[i].clause, sha256_b64));
        assert_int_equal(kmsdns_tsig_key_alg(key), c[i].alg);
        assert_string_equal(kmsdns_tsig_key_name(key), "k");
        assert_counting_secret(key, 32);
        kmsdns_tsig_key_free(key);
    }
}

static void test_comments_whitespace_unquoted(void **state)
{
    (void)state;
    kmsdns_tsig_key *key = parse_ok("# shell comment: key \"x\" {\r\n"
                                    "// line comment };\n"
                                    "/* block\n"
                                    "   comment */ KEY /* inline */ Kms1-Update.Corp.Test.\n"
                                    "/*x*/{ algorithm/**/hmac-sha384 ;// trailing\n"
                                    "\tSecret\n"
                                    "\t  \"AAEC AwQF\n"
                                    "\t   BgcI\"#no space before this comment\n"
                                    " ; }\n"
                                    "\n"
                                    ";\n"
                                    "# end");
    assert_string_equal(kmsdns_tsig_key_name(key), "kms1-update.corp.test");
    assert_int_equal(kmsdns_tsig_key_alg(key), KMSDNS_TSIG_HMAC_SHA384);
    assert_counting_secret(key, 9);
    kmsdns_tsig_key_free(key);
    /* unquoted name and secret, no white space at all, underscore label */
    key = parse_ok("key _tsig.kms{algorithm hmac-md5;secret AAECAwQFBgcICQoLDA0ODw==;};");
    assert_string_equal(kmsdns_tsig_key_name(key), "_tsig.kms");
    assert_int_equal(kmsdns_tsig_key_alg(key), KMSDNS_TSIG_HMAC_MD5);
    assert_counting_secret(key, 16);
    kmsdns_tsig_key_free(key);
}

static void test_algorithm_refusals(void **state)
{
    (void)state;
    const char *s = sha256_b64;
    refuse(key_text("algorithm hmac-sha256-128;", s), KMSDNS_UNSUPPORTED,
           "f:2: algorithm 'hmac-sha256-128': truncated MACs are not supported; use one of "
           "hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512",
           s);
    refuse(key_text("algorithm HMAC-MD5-80;", s), KMSDNS_UNSUPPORTED, "truncated", s);
    refuse(key_text("algorithm hmac-sha3-256;", s), KMSDNS_UNSUPPORTED,
           "f:2: unsupported algorithm 'hmac-sha3-256'; use one of hmac-md5, hmac-sha1, "
           "hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512",
           s);
    refuse(key_text("algorithm gss-tsig;", s), KMSDNS_UNSUPPORTED, "'gss-tsig'", s);
    refuse(key_text("algorithm \"\";", s), KMSDNS_UNSUPPORTED,
           "f:2: unsupported algorithm (empty); use one of", s);
    refuse(key_text("algorithm AAECAwQFBgcI;", s), KMSDNS_UNSUPPORTED,
           "f:2: unsupported algorithm (not shown); use one of", "AAECAwQFBgcI");
    refuse(key_text("algorithm;", s), KMSDNS_SYNTAX,
           "f:2: expected an algorithm name after 'algorithm', found ';'", s);
    refuse(key_text("algorithm hmac-sha1; algorithm hmac-sha1;", s), KMSDNS_DUPLICATE,
           "f:2: algorithm given twice (first at line 2)", s);
    refuse(key_text("algorithm hmac-sha1", s), KMSDNS_SYNTAX,
           "f:2: missing ';' after the algorithm", s);
}

static void test_structure_refusals(void **state)
{
    (void)state;
    const char *s = sha256_b64;
    char two[512];
    snprintf(two, sizeof two, "%s\n%s", key_text("", s), key_text("", s));
    refuse(two, KMSDNS_DUPLICATE,
           "f:6: a second key statement (the first is at line 1); a key file holds exactly one key",
           s);
    refuse("key \"k\" {\n\talgorithm hmac-sha256;\n};\n", KMSDNS_EMPTY, "f:1: key k has no secret",
           NULL);
    refuse("key k { };", KMSDNS_EMPTY, "f:1: key k has no secret", NULL);
    refuse("", KMSDNS_EMPTY, "f: no key statement", NULL);
    refuse("# only a comment\n\n/* and another */\n", KMSDNS_EMPTY, "f: no key statement", NULL);
    refuse("key \"k\" {\n secret \"AAAA\";\n secret \"AAAA\";\n};", KMSDNS_DUPLICATE,
           "f:3: secret given twice (first at line 2)", "AAAA");
    /* the ';' BIND requires after '}' */
    kmsdns_tsig_key_free(parse_ok(key_text("", s))); /* control: the same with ';' */
    refuse("key k {\n secret \"AAECAwQF\";\n}\n", KMSDNS_SYNTAX,
           "f:3: missing ';' after '}' of the key statement", "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\";\n}\nkey j {};", KMSDNS_SYNTAX,
           "f:3: missing ';' after '}' of the key statement", "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\"\n};", KMSDNS_SYNTAX, "f:2: missing ';' after the secret",
           "AAECAwQF");
    refuse("key k {\r\n secret\r\n \"AAECAwQF\"\r\n\r\n}\r\n", KMSDNS_SYNTAX,
           "f:3: missing ';' after the secret", "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\";\n", KMSDNS_SYNTAX,
           "f:1: the key statement is not closed (missing '}')", "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\";\n foo bar;\n};", KMSDNS_SYNTAX,
           "f:3: expected algorithm, secret or '}' in the key statement, found 'foo'", "AAECAwQF");
    refuse("key k {\n \"AAECAwQF\";\n};", KMSDNS_SYNTAX,
           "f:2: expected algorithm, secret or '}' in the key statement, found a quoted string",
           "AAECAwQF");
    refuse("key k {\n AAECAwQF;\n};", KMSDNS_SYNTAX,
           "f:2: expected algorithm, secret or '}' in "
           "the key statement, found a word",
           "AAECAwQF");
    refuse("key k {\n secret {};\n};", KMSDNS_SYNTAX,
           "f:2: expected the secret (base64 in quotes) after 'secret', found '{'", NULL);
    refuse("key {\n secret \"AAECAwQF\";\n};", KMSDNS_SYNTAX,
           "f:1: expected the key name after 'key', found '{'", "AAECAwQF");
    refuse("key a b {\n secret \"AAECAwQF\";\n};", KMSDNS_SYNTAX,
           "f:1: expected '{' after the key name, found 'b'", "AAECAwQF");
    refuse("\n\noptions { };\nkey k { secret \"AAECAwQF\"; };", KMSDNS_SYNTAX,
           "f:3: expected a key statement, found 'options'; a key file holds one key statement",
           "AAECAwQF");
    refuse("\"AAECAwQFBgcI\";", KMSDNS_SYNTAX,
           "f:1: expected a key statement, found a quoted string", "AAECAwQFBgcI");
    refuse("}", KMSDNS_SYNTAX, "f:1: expected a key statement, found '}'", NULL);
}

static void test_name_refusals(void **state)
{
    (void)state;
    const char *s = sha256_b64;
    char text[1024];
    snprintf(text, sizeof text, "\nkey \"my_key\" { secret \"%s\"; };", s);
    refuse(text, KMSDNS_NAME, "f:2: bad key name 'my_key': '_' may only start a label", s);
    snprintf(text, sizeof text, "key \"a..b\" { secret \"%s\"; };", s);
    refuse(text, KMSDNS_NAME, "f:1: bad key name 'a..b': empty label", s);
    snprintf(text, sizeof text, "key \"two words\" { secret \"%s\"; };", s);
    refuse(text, KMSDNS_NAME, "f:1: bad key name: a label holds a character other than", s);
    snprintf(text, sizeof text, "key \"\" { secret \"%s\"; };", s);
    refuse(text, KMSDNS_NAME, "f:1: bad key name: empty name", s);
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    snprintf(text, sizeof text, "key %s { secret \"%s\"; };", longname, s);
    refuse(text, KMSDNS_NAME, "f:1: bad key name: the name is longer than 255 octets", s);
}

static void test_lexer_refusals(void **state)
{
    (void)state;
    refuse("key k {\n secret \"AAECAwQF;\n};\n", KMSDNS_SYNTAX,
           "f:2: unterminated string (no closing '\"')", "AAECAwQF");
    refuse("key \"k", KMSDNS_SYNTAX, "f:1: unterminated string", NULL);
    refuse("key k {\n secret \"AAECAwQF\\\";\n};\n", KMSDNS_SYNTAX, "f:2: unterminated string",
           "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\";\n/* a comment\n that never ends }; *", KMSDNS_SYNTAX,
           "f:3: unterminated comment ('/*' without '*/')", "AAECAwQF");
    refuse("/*/", KMSDNS_SYNTAX, "f:1: unterminated comment", NULL);
    /* a backslash finds the string's end as BIND does, then fails as base64 */
    refuse("key k {\n secret \"AAEC\\\"AwQF\";\n};\n", KMSDNS_ENCODING,
           "f:2: secret is not valid base64: '\\' is not a base64 character", "AwQF\";");
}

static void test_secret_refusals(void **state)
{
    (void)state;
    refuse(key_text("", ""), KMSDNS_EMPTY, "f:3: empty secret", NULL);
    refuse(key_text("", " \t "), KMSDNS_EMPTY, "f:3: empty secret", NULL);
    refuse(key_text("", "AAECAwQF*AAECAwQF"), KMSDNS_ENCODING,
           "f:3: secret is not valid base64: '*' is not a base64 character", "AAECAwQF*AAECAwQF");
    refuse(key_text("", "AAECAwQF-AAECAwQF"), KMSDNS_ENCODING,
           "'-' is not a base64 character (URL-safe base64 is not accepted)", "AAECAwQF-AAECAwQF");
    refuse(key_text("", "AAECAwQF\x01"
                        "AAECAwQF"),
           KMSDNS_ENCODING, "control character 0x01 is not a base64", "AAECAwQF");
    refuse(key_text("", "AAECAwQF\xc3\xa9"
                        "AAECAwQF"),
           KMSDNS_ENCODING, "a non-ASCII character is not a base64", "AAECAwQF");
    kmsdns_tsig_key_free(parse_ok(key_text("", "AAECAwQFBgcICQoLDA0ODw=="))); /* control */
    refuse(key_text("", "AAECAwQFBgcICQoLDA0ODx=="), KMSDNS_ENCODING,
           "f:3: secret is not valid base64: bad padding (the bits before '=' are not zero)",
           "AAECAwQFBgcICQoLDA0ODx==");
    refuse(key_text("", "AAECAwQFBgcICQoLDA0ODxAREhN="), KMSDNS_ENCODING, "bad padding",
           "AAECAwQFBgcICQoLDA0ODxAREhN=");
    refuse(key_text("", "AAECAwQFBgcICQoLDA0ODw"), KMSDNS_ENCODING,
           "f:3: secret is not valid base64: its length is not a multiple of 4",
           "AAECAwQFBgcICQoLDA0ODw");
    refuse(key_text("", "AAECAwQFBgcICQoLDA0ODw="), KMSDNS_ENCODING, "not a multiple of 4",
           "AAECAwQFBgcICQoLDA0ODw=");
    refuse(key_text("", "AAECAwQF=AAECAwQF"), KMSDNS_ENCODING,
           "secret is not valid base64: '=' before the end", "AAECAwQF=AAECAwQF");
    refuse(key_text("", "AAECAwQFBgcI===="), KMSDNS_ENCODING, "too much '=' padding",
           "AAECAwQFBgcI====");
    refuse(key_text("", "===="), KMSDNS_ENCODING, "too much '=' padding", NULL);
    /* the bad character's own line, inside a secret over several lines */
    refuse("key k {\n secret \"AAECAwQF\n  AAECAwQF\n  AAEC!wQF\";\n};", KMSDNS_ENCODING,
           "f:4: secret is not valid base64: '!'", "AAECAwQF");
}

static void test_secret_length_limit(void **state)
{
    (void)state;
    static char b64[4096], text[8192];
    unsigned char raw[1024];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 7 + 1);
    /* 512 bytes is the most accepted; 513 or more is refused */
    EVP_EncodeBlock((unsigned char *)b64, raw, 512);
    kmsdns_tsig_key *key = parse_ok(key_text("", b64));
    size_t len = 0;
    assert_memory_equal(kmsdns_tsig_key_secret(key, &len), raw, 512);
    assert_int_equal(len, 512);
    kmsdns_tsig_key_free(key);
    size_t sizes[] = {513, 514, 515, 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        EVP_EncodeBlock((unsigned char *)b64, raw, (int)sizes[i]);
        snprintf(text, sizeof text, "%s", key_text("", b64));
        refuse(text, KMSDNS_TOOLONG, "f:3: secret is longer than 512 bytes", b64);
    }
}

static void test_text_encoding(void **state)
{
    (void)state;
    static const char nul[] = "key k {\n secret \"AAECAwQF\0AAECAwQF\";\n};\n";
    refuse_n(nul, sizeof nul - 1, KMSDNS_ENCODING, "f:2: NUL byte in text", "AAECAwQF");
    refuse("key k {\n secret \"AAECAwQF\";\n};\n# caf\xe9\n", KMSDNS_ENCODING, "f:4: invalid UTF-8",
           "AAECAwQF");
    /* UTF-16LE with a BOM, as Notepad saves it, is decoded first */
    const char *text = key_text("algorithm hmac-sha256;", sha256_b64);
    size_t n = strlen(text);
    char *u16 = calloc(2 * n + 2, 1);
    assert_non_null(u16);
    u16[0] = (char)0xFF;
    u16[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++)
        u16[2 + 2 * i] = text[i];
    kmsdns_tsig_key *key = NULL;
    assert_int_equal(kmsdns_tsig_key_parse(u16, 2 * n + 2, "f", &key, &d), KMSDNS_OK);
    assert_counting_secret(key, 32);
    kmsdns_tsig_key_free(key);
    free(u16);
}

static void test_load_permissions(void **state)
{
    (void)state;
    const char *text = key_text("algorithm hmac-sha256;", sha256_b64);
    const char *p = test_write("open.key", text, strlen(text), 0644);
    kmsdns_tsig_key *key = NULL;
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_tsig_key_load(p, &key, &d), KMSDNS_PERM);
    assert_null(key);
    char want[1200];
    snprintf(want, sizeof want,
             "TSIG key file %s is accessible to others (mode 0644); run: chmod o-rwx %s", p, p);
    assert_string_equal(d.text, want);
    p = test_write("group.key", text, strlen(text), 0640);
    assert_int_equal(kmsdns_tsig_key_load(p, &key, &d), KMSDNS_OK);
    assert_string_equal(kmsdns_tsig_key_name(key), "k");
    assert_counting_secret(key, 32);
    kmsdns_tsig_key_free(key);
    /* messages from a loaded file name the file */
    const char *bad = "key k {\n algorithm hmac-sha256;\n secret \"AAECAwQF\"\n};\n";
    p = test_write("bad.key", bad, strlen(bad), 0600);
    assert_int_equal(kmsdns_tsig_key_load(p, &key, &d), KMSDNS_SYNTAX);
    snprintf(want, sizeof want, "%s:3: missing ';' after the secret", p);
    assert_string_equal(d.text, want);
    assert_int_equal(kmsdns_tsig_key_load("/nonexistent/k.key", &key, &d), KMSDNS_IO);
    assert_non_null(strstr(d.text, "/nonexistent/k.key"));
}

static char logbuf[4096];

static void test_secret_redacted_in_log(void **state)
{
    (void)state;
    const char *secret = "c2VjcmV0LWZvci1yZWRhY3Rpb24tdGVzdA==";
    kmsdns_log_open("unit", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_DEBUG);
    FILE *f = fmemopen(logbuf, sizeof logbuf, "w");
    assert_non_null(f);
    kmsdns_log_set_stream(f);
    kmsdns_log(KMSDNS_LOG_ERR, "before: %s", secret);
    kmsdns_tsig_key *key = parse_ok(key_text("", secret));
    kmsdns_log(KMSDNS_LOG_ERR, "after: %s", secret);
    fflush(f);
    kmsdns_log_set_stream(NULL);
    fclose(f);
    kmsdns_tsig_key_free(key);
    char want[256];
    snprintf(want, sizeof want, "unit: error: before: %s\nunit: error: after: <redacted>\n",
             secret);
    assert_string_equal(logbuf, want);
}

static int close_log(void **state)
{
    (void)state;
    kmsdns_log_close(); /* the log keeps 16 secrets; start every test empty */
    return 0;
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test_teardown(test_tsig_keygen_fixtures, close_log),
              cmocka_unit_test_teardown(test_confgen_outputs_refused, close_log),
              cmocka_unit_test_teardown(test_alg_names, close_log),
              cmocka_unit_test_teardown(test_every_algorithm_in_a_file, close_log),
              cmocka_unit_test_teardown(test_comments_whitespace_unquoted, close_log),
              cmocka_unit_test_teardown(test_algorithm_refusals, close_log),
              cmocka_unit_test_teardown(test_structure_refusals, close_log),
              cmocka_unit_test_teardown(test_name_refusals, close_log),
              cmocka_unit_test_teardown(test_lexer_refusals, close_log),
              cmocka_unit_test_teardown(test_secret_refusals, close_log),
              cmocka_unit_test_teardown(test_secret_length_limit, close_log),
              cmocka_unit_test_teardown(test_text_encoding, close_log),
              cmocka_unit_test_teardown(test_load_permissions, close_log),
              cmocka_unit_test_teardown(test_secret_redacted_in_log, close_log),
          })
