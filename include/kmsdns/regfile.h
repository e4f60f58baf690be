/* SPDX-License-Identifier: MIT */
/*
 * Reader for regedit exports (.reg) of the KMS host's registry key:
 * HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform
 * (or ...\CurrentVersion\SL on Vista / Server 2008). It finds the multi-string
 * value DnsDomainPublishList (hex(7): with '\' continuations) and hands out
 * its strings; every other key and value is ignored.
 */
#ifndef KMSDNS_REGFILE_H
#define KMSDNS_REGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "kmsdns/error.h"

/* True when decoded text starts (after blank lines) with a regedit header:
 * "Windows Registry Editor Version 5.00" or "REGEDIT4". */
bool kmsdns_reg_is_reg(const char *text);

/* Receives one string of the list and the line its value starts on;
 * a non-OK return stops the parse and is returned (fill diag yourself). */
typedef int (*kmsdns_reg_entry_fn)(void *ctx, const char *entry, unsigned line);

/*
 * Parses decoded UTF-8 text (modified in place). Calls fn for each string of
 * each DnsDomainPublishList value under the accepted keys, in order.
 * Errors (diag says "SOURCE:LINE: why"): KMSDNS_SYNTAX (bad header, bad hex,
 * a value of another type), KMSDNS_ENCODING (odd UTF-16, non-ASCII entry),
 * KMSDNS_EMPTY (empty string inside the list), KMSDNS_NOTFOUND (no such value),
 * KMSDNS_NOMEM, or what fn returned.
 */
int kmsdns_reg_parse(char *text, size_t len, const char *source, kmsdns_reg_entry_fn fn, void *ctx,
                     struct kmsdns_diag *diag);

#endif
