/* SPDX-License-Identifier: MIT */
/*
 * Bounded decimal parsing (number.h). Every byte is checked to be a digit
 * before the range is judged, so "12x" is a syntax error whatever its
 * digits, and the accumulation stops growing once past max, so no length of
 * input can overflow.
 */
#include "kmsdns/number.h"
#include "kmsdns/error.h"

#include <string.h>

int kmsdns_parse_uintn(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
    if (n == 0)
        return KMSDNS_SYNTAX;
    uint64_t v = 0;
    int over = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return KMSDNS_SYNTAX;
        unsigned d = (unsigned)(s[i] - '0');
        if (over || v > (UINT64_MAX - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    if (over || v < min || v > max)
        return KMSDNS_RANGE;
    *out = v;
    return KMSDNS_OK;
}

int kmsdns_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    return kmsdns_parse_uintn(s, strlen(s), min, max, out);
}
