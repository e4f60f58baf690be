/* SPDX-License-Identifier: MIT */
/*
 * The few DNS wire-format operations ldns does not give us in the form TSIG
 * needs: walking a message to the byte offset of its last RR, reading a
 * (possibly compressed) name, and writing a name in canonical form
 * (lowercase, uncompressed). Every read is bounds-checked against the
 * message length; compression loops are refused.
 */
#ifndef KMSDNS_WIRE_H
#define KMSDNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/name.h"

#define KMSDNS_WIRE_HEADER 12

/* Big-endian readers and writers; the caller has checked the bounds. */
uint16_t kmsdns_wire_u16(const uint8_t *p);
uint32_t kmsdns_wire_u32(const uint8_t *p);
void kmsdns_wire_put_u16(uint8_t *p, uint16_t v);
void kmsdns_wire_put_u32(uint8_t *p, uint32_t v);

/*
 * Reads the name at *off in msg[0..len) into out (lowercase, no trailing dot,
 * "." for the root; bytes outside [a-z0-9-_] written as \DDD), following
 * compression pointers, and advances *off past the name as stored.
 * KMSDNS_MALFORMED on truncation, a bad label type or a pointer loop.
 */
int kmsdns_wire_read_name(const uint8_t *msg, size_t len, size_t *off, char out[KMSDNS_NAME_BUF]);

/* Advances *off past the name at *off (without decoding). */
int kmsdns_wire_skip_name(const uint8_t *msg, size_t len, size_t *off);

/*
 * Writes a normalised name (kmsdns/name.h form, or "." for the root) in
 * canonical wire form to out[cap]; *n receives the length.
 * KMSDNS_TOOLONG when it does not fit.
 */
int kmsdns_wire_put_name(const char *name, uint8_t *out, size_t cap, size_t *n);

/* A walk over the RRs of a message (all sections after the question). */
struct kmsdns_wire_iter {
    const uint8_t *msg;
    size_t len, off;
    unsigned index, total;
};

struct kmsdns_wire_rr {
    size_t start; /* the owner name */
    size_t rdata; /* RDATA, up to end */
    size_t end;
    uint16_t type;
    unsigned index; /* 0-based, across the sections */
};

/* Starts a walk: checks the header and skips the questions. KMSDNS_MALFORMED if they do not fit. */
int kmsdns_wire_iter_init(struct kmsdns_wire_iter *it, const uint8_t *msg, size_t len);

/* The next RR: 1 with *rr filled, 0 at the end (the counts used every byte),
 * KMSDNS_MALFORMED when the bytes do not add up. */
int kmsdns_wire_iter_next(struct kmsdns_wire_iter *it, struct kmsdns_wire_rr *rr);

/*
 * Walks a whole message: checks that every section's records fit, and gives
 * the offset of the last RR of the message (0 when it has none) and its type.
 * KMSDNS_MALFORMED when the counts do not match the bytes.
 */
int kmsdns_wire_last_rr(const uint8_t *msg, size_t len, size_t *rr_off, uint16_t *rr_type);

/*
 * True when the message holds at most one TSIG RR and it is the last RR
 * (RFC 8945 5.1); false for anything else, malformed bytes included.
 */
bool kmsdns_wire_tsig_placement_ok(const uint8_t *msg, size_t len);

#endif
