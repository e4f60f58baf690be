/* SPDX-License-Identifier: MIT */
/*
 * Nagios threshold ranges, as the Monitoring Plugins development guidelines
 * define them: "10" alerts outside 0..10, "10:" below 10, "~:10" above 10,
 * "10:20" outside 10..20, "@10:20" inside 10..20 (endpoints inclusive).
 * kmsdns-verify's --warning and --critical.
 */
#ifndef KMSDNS_VERIFY_RANGE_H
#define KMSDNS_VERIFY_RANGE_H

#include <stdbool.h>

struct verify_range {
    bool set;
    bool inside;           /* "@": alert inside start..end, else outside */
    bool no_start, no_end; /* "~": -infinity; nothing after ':': +infinity */
    double start, end;
};

/* Parses text into *r (set). 0, or -1 when text is no range (r untouched). */
int verify_range_parse(const char *text, struct verify_range *r);

/* Whether value v alerts against r (never when r is not set). */
bool verify_range_alerts(const struct verify_range *r, double v);

#endif
