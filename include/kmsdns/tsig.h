/* SPDX-License-Identifier: MIT */
/*
 * TSIG (RFC 8945) composition and verification on wire-format messages, for
 * any MAC: HMAC over a TSIG key here, a GSS-API MIC for GSS-TSIG (RFC 3645).
 * A signer supplies the key name, the algorithm name and two operations;
 * this module owns the exact bytes that are signed and checked.
 */
#ifndef KMSDNS_TSIG_H
#define KMSDNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/error.h"
#include "kmsdns/name.h"
#include "kmsdns/tsigkey.h"

#define KMSDNS_TSIG_MAC_MAX 512
#define KMSDNS_TSIG_FUDGE 300

/* TSIG error field values (RFC 8945 and RFC 2930). */
enum {
    KMSDNS_TSIG_BADSIG = 16,
    KMSDNS_TSIG_BADKEY = 17,
    KMSDNS_TSIG_BADTIME = 18,
    KMSDNS_TSIG_BADTRUNC = 22,
};

struct kmsdns_tsig_signer {
    char key_name[KMSDNS_NAME_BUF]; /* normalised */
    char alg_name[KMSDNS_NAME_BUF]; /* normalised: "hmac-sha256", "gss-tsig" */
    /* Computes the MAC of data into out (room KMSDNS_TSIG_MAC_MAX). */
    int (*mac)(void *ctx, const uint8_t *data, size_t len, uint8_t *out, size_t *outlen);
    /* KMSDNS_OK when mac is data's MAC, else KMSDNS_BADSIG. */
    int (*check)(void *ctx, const uint8_t *data, size_t len, const uint8_t *mac, size_t maclen);
    void *ctx;
    /* GSS-TSIG: the answer may name either GSS algorithm (the MAC is checked
     * under alg_name, the one negotiated), and the AD variants are tried. */
    bool gss_variants;
};

/* A signer over an HMAC key (key must outlive the signer). */
void kmsdns_tsig_signer_hmac(const kmsdns_tsig_key *key, struct kmsdns_tsig_signer *out);

/* What signing a request leaves behind to verify its response with. */
struct kmsdns_tsig_request {
    uint8_t mac[KMSDNS_TSIG_MAC_MAX];
    size_t mac_len;
    uint16_t id;
    uint64_t time_signed;
};

/*
 * Appends a TSIG RR to the message msg[0..*len) (capacity cap), signed at
 * `now` with fudge KMSDNS_TSIG_FUDGE, and bumps ARCOUNT. Names in the TSIG RR
 * are written uncompressed. Returns KMSDNS_OK, KMSDNS_TOOLONG (no room), or
 * the signer's error.
 */
int kmsdns_tsig_sign(const struct kmsdns_tsig_signer *s, uint8_t *msg, size_t *len, size_t cap,
                     uint64_t now, struct kmsdns_tsig_request *req);

/* How a response's MAC was proven (or why it proves nothing). */
enum kmsdns_tsig_variant {
    KMSDNS_TSIG_STRICT,    /* RFC 8945 to the letter */
    KMSDNS_TSIG_NO_PREFIX, /* the request MAC digested without its 2-byte length (AD) */
    KMSDNS_TSIG_ECHOED,    /* the "MAC" is our own request MAC echoed back: proves nothing */
};

/* What verification found, beside the return code. */
struct kmsdns_tsig_check {
    enum kmsdns_tsig_variant variant; /* meaningful when the return is OK or ECHOED */
    uint16_t error;                   /* the response's TSIG error field */
    bool has_time;                    /* server_time is known (BADTIME answers carry it) */
    uint64_t server_time;
    uint64_t time_signed;
};

/*
 * Verifies the TSIG of a response to `req` at `now`. Returns KMSDNS_OK
 * (chk->variant says how); KMSDNS_UNSIGNED (no TSIG RR); for a gss_variants
 * signer, KMSDNS_BADSIG with chk->variant KMSDNS_TSIG_ECHOED when the answer
 * only echoes our own MAC (it proves nothing: check by other means); KMSDNS_BADKEY / KMSDNS_BADSIG
 * / KMSDNS_BADTIME when the server reported that TSIG error (chk->error) or our check failed
 * (chk->error 0: another key name or algorithm is BADKEY, a wrong MAC BADSIG,
 * a time outside the fudge BADTIME); KMSDNS_MALFORMED.
 */
int kmsdns_tsig_verify(const struct kmsdns_tsig_signer *s, const struct kmsdns_tsig_request *req,
                       const uint8_t *msg, size_t len, uint64_t now, struct kmsdns_tsig_check *chk);

#endif
