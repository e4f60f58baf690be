/* SPDX-License-Identifier: MIT */
/*
 * TKEY (RFC 2930) in GSS-API mode (RFC 3645) on the wire. The query is
 * written by hand because its shape matters to servers and ldns compresses
 * the TKEY owner: question `<key name> TKEY ANY`, the TKEY RR in the
 * ADDITIONAL section (class ANY, TTL 0), names uncompressed, mode 3. The
 * answer's TKEY RR is read from the ANSWER section (or ADDITIONAL, as some
 * servers put it), bounds-checked byte by byte.
 */
#ifndef KMSDNS_TKEY_H
#define KMSDNS_TKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/name.h"

#define KMSDNS_TKEY_MODE_GSSAPI 3

/*
 * Builds a TKEY query for key_name / alg_name carrying the GSS token, with a
 * random ID, inception = expiration = now. *wire is malloc'd with room for a
 * TSIG RR (*cap its size). KMSDNS_NAME, KMSDNS_TOOLONG or KMSDNS_NOMEM.
 */
int kmsdns_tkey_query(const char *key_name, const char *alg_name, uint32_t now,
                      const uint8_t *token, size_t token_len, uint8_t **wire, size_t *len,
                      size_t *cap);

struct kmsdns_tkey_answer {
    bool found; /* a TKEY RR was there */
    uint16_t id, rcode;
    char name[KMSDNS_NAME_BUF]; /* the RR's owner (the key name) */
    char alg[KMSDNS_NAME_BUF];
    uint32_t inception, expiration;
    uint16_t mode, error;
    const uint8_t *key; /* points into the message */
    size_t key_len;
};

/*
 * Parses a TKEY answer. KMSDNS_OK (out->found says whether a TKEY RR was
 * there) or KMSDNS_MALFORMED for bytes that do not add up.
 */
int kmsdns_tkey_parse(const uint8_t *msg, size_t len, struct kmsdns_tkey_answer *out);

/* "BADKEY", "BADSIG", "BADTIME", "BADMODE", "BADNAME", "BADALG", or "error N". */
const char *kmsdns_tkey_error_name(uint16_t error, char buf[16]);

#endif
