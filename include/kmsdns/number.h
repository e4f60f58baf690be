/* SPDX-License-Identifier: MIT */
/*
 * The one decimal parser of the suite: config values, publish-list
 * priorities and weights, ports, protocol fields and program options all
 * read unsigned numbers the same strict way. Digits only (no sign, no
 * spaces, no "0x"), leading zeros allowed, no overflow, range checked.
 */
#ifndef KMSDNS_NUMBER_H
#define KMSDNS_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses the NUL-terminated s as a decimal number in [min, max]. Returns
 * KMSDNS_OK with *out set; KMSDNS_SYNTAX when s is empty or holds anything
 * but the digits 0-9; KMSDNS_RANGE when s is all digits but the value lies
 * outside [min, max] (a value past UINT64_MAX included). *out is left as it
 * was on failure. Callers write their own message for each case.
 */
int kmsdns_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The same over the n bytes at s, which need not be NUL-terminated. */
int kmsdns_parse_uintn(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out);

#endif
