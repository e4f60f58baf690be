/* SPDX-License-Identifier: MIT */
/*
 * Domain names in presentation form, as kmsdns keeps them everywhere:
 * lowercase, no trailing dot, labels of 1..63 letters, digits and hyphens
 * (not first or last), total wire length at most 255 octets. Service labels
 * such as `_vlmcs` and `_tcp` are allowed where a flag says so.
 */
#ifndef KMSDNS_NAME_H
#define KMSDNS_NAME_H

#include <stdbool.h>
#include <stddef.h>

/* Buffer size that holds any normalised name and its NUL. */
#define KMSDNS_NAME_BUF 256

enum kmsdns_name_flags {
    KMSDNS_NAME_HOST = 0,             /* a host name: LDH labels only */
    KMSDNS_NAME_ALLOW_UNDERSCORE = 1, /* labels may start with '_' (_vlmcs._tcp, _msdcs) */
};

/*
 * Validates `in` and writes its normal form to out[KMSDNS_NAME_BUF].
 * Returns KMSDNS_OK, or KMSDNS_NAME with *why (static text, may be NULL)
 * saying what is wrong.
 */
int kmsdns_name_normalize(const char *in, unsigned flags, char out[KMSDNS_NAME_BUF],
                          const char **why);

/* The parent of a normalised name ("kms1.corp.test" → "corp.test").
 * KMSDNS_NAME when the name has a single label. */
int kmsdns_name_parent(const char *name, char out[KMSDNS_NAME_BUF]);

/* prefix + "." + domain (both normalised) into out; KMSDNS_TOOLONG past 255 octets. */
int kmsdns_name_join(const char *prefix, const char *domain, char out[KMSDNS_NAME_BUF]);

/* True when `name` equals `zone` or lies below it (both normalised). */
bool kmsdns_name_is_within(const char *name, const char *zone);

#endif
