/* SPDX-License-Identifier: MIT */
/*
 * TSIG keys from BIND key files (what tsig-keygen and ddns-confgen write):
 *
 *     key "kms1-update" {
 *         algorithm hmac-sha256;
 *         secret "base64...";
 *     };
 *
 * The secret never leaves this module except as bytes handed to the HMAC;
 * loading registers its base64 text with the log's redaction, and freeing
 * wipes it.
 */
#ifndef KMSDNS_TSIGKEY_H
#define KMSDNS_TSIGKEY_H

#include <stddef.h>
#include <stdint.h>

#include "kmsdns/error.h"
#include "kmsdns/name.h"

enum kmsdns_tsig_alg {
    KMSDNS_TSIG_HMAC_MD5,
    KMSDNS_TSIG_HMAC_SHA1,
    KMSDNS_TSIG_HMAC_SHA224,
    KMSDNS_TSIG_HMAC_SHA256,
    KMSDNS_TSIG_HMAC_SHA384,
    KMSDNS_TSIG_HMAC_SHA512,
};

typedef struct kmsdns_tsig_key kmsdns_tsig_key;

/*
 * Parses the text of a key file holding exactly one `key` statement.
 * Accepted: comments (#, //, C-style), any white space and line breaks,
 * `algorithm` names hmac-md5 (only when written out), hmac-sha1, hmac-sha224,
 * hmac-sha256 (the default when the statement has no algorithm), hmac-sha384,
 * hmac-sha512 (case-insensitive; a trailing ".sig-alg.reg.int" on hmac-md5 too).
 * Errors, diag "SOURCE:LINE: why": KMSDNS_SYNTAX, KMSDNS_NAME (key name),
 * KMSDNS_UNSUPPORTED (algorithm), KMSDNS_EMPTY (no key or empty secret),
 * KMSDNS_DUPLICATE (two keys, or a statement given twice), KMSDNS_ENCODING
 * (bad base64), KMSDNS_NOMEM. *out is set only on success; free with
 * kmsdns_tsig_key_free().
 *
 * In detail: `text` is raw file bytes, decoded as kmsdns_text_decode() does
 * (so KMSDNS_ENCODING also means a NUL byte or invalid UTF-8/UTF-16).
 * The key name follows kmsdns_name_normalize() with
 * KMSDNS_NAME_ALLOW_UNDERSCORE ('_' only at the start of a label, unlike
 * BIND, which takes any text). Truncated algorithms (hmac-sha256-128) are
 * KMSDNS_UNSUPPORTED. The secret is base64 as BIND reads it (white space
 * inside is skipped, '=' padding required, zero bits before it); a missing
 * secret is KMSDNS_EMPTY, one over 512 bytes KMSDNS_TOOLONG. On success the
 * secret's base64 (without white space) is registered with
 * kmsdns_log_add_secret(); when the log's list is full the parse fails with
 * KMSDNS_NOMEM rather than hand out an unredacted key. Messages never hold
 * the secret, nor any token that could be it.
 */
int kmsdns_tsig_key_parse(const char *text, size_t len, const char *source, kmsdns_tsig_key **out,
                          struct kmsdns_diag *diag);

/* Reads and parses a key file (refusing files others may read, as config does:
 * kmsdns_config_check_secret_file()). Adds KMSDNS_IO, KMSDNS_PERM and
 * KMSDNS_TOOLONG (file too large) to the errors above; diag names the path. */
int kmsdns_tsig_key_load(const char *path, kmsdns_tsig_key **out, struct kmsdns_diag *diag);

/* Wipes the secret and frees; NULL is fine. */
void kmsdns_tsig_key_free(kmsdns_tsig_key *key);

/* The key name, normalised (lowercase, no trailing dot); valid while key lives. */
const char *kmsdns_tsig_key_name(const kmsdns_tsig_key *key);

enum kmsdns_tsig_alg kmsdns_tsig_key_alg(const kmsdns_tsig_key *key);

/* The secret bytes and their length; valid while key lives. Never log them. */
const uint8_t *kmsdns_tsig_key_secret(const kmsdns_tsig_key *key, size_t *len);

/* The algorithm's DNS name without trailing dot ("hmac-sha256",
 * "hmac-md5.sig-alg.reg.int"), and its OpenSSL digest name ("SHA256").
 * Static strings; NULL for a value outside the enum. */
const char *kmsdns_tsig_alg_dns_name(enum kmsdns_tsig_alg alg);
const char *kmsdns_tsig_alg_digest(enum kmsdns_tsig_alg alg);

#endif
