/* SPDX-License-Identifier: MIT */
/*
 * Nagios threshold ranges (range.h): one parser for --warning and
 * --critical, following the Monitoring Plugins guidelines' table, plus the
 * reference plugins' reading of an empty start (":10" is 0..10).
 */
#include "range.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A finite number filling exactly [s, e). */
static int number(const char *s, const char *e, double *out)
{
    char buf[64];
    size_t n = (size_t)(e - s);
    if (n == 0 || n >= sizeof buf || strchr("0123456789+-.", *s) == NULL)
        return -1; /* strtod would skip leading blanks */
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v) || strchr(buf, 'x') || strchr(buf, 'X'))
        return -1;
    *out = v;
    return 0;
}

int verify_range_parse(const char *text, struct verify_range *out)
{
    struct verify_range r = {.set = true};
    const char *s = text;
    if (*s == '@') {
        r.inside = true;
        s++;
    }
    const char *colon = strchr(s, ':');
    const char *end = s + strlen(s);
    if (colon == NULL) { /* "10": 0..10 */
        if (number(s, end, &r.end) != 0)
            return -1;
    } else if (colon == s && colon[1] == '\0') {
        return -1; /* ":" bounds nothing: a typo, not a range */
    } else {
        if (colon == s + 1 && *s == '~')
            r.no_start = true;
        else if (colon == s)
            r.start = 0;
        else if (number(s, colon, &r.start) != 0)
            return -1;
        if (colon[1] == '\0')
            r.no_end = true;
        else if (number(colon + 1, end, &r.end) != 0)
            return -1;
    }
    if (!r.no_start && !r.no_end && r.start > r.end)
        return -1;
    *out = r;
    return 0;
}

bool verify_range_alerts(const struct verify_range *r, double v)
{
    if (!r->set)
        return false;
    bool in = (r->no_start || v >= r->start) && (r->no_end || v <= r->end);
    return r->inside ? in : !in;
}
