/* SPDX-License-Identifier: MIT */
/*
 * Reading text files the way Windows and Unix admins write them: UTF-8 with
 * or without a BOM, or UTF-16LE as regedit exports (BOM, CRLF). Everything is
 * decoded to NUL-terminated UTF-8 so the parsers above see one encoding.
 */
#ifndef KMSDNS_TEXT_H
#define KMSDNS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "kmsdns/error.h"

/* Largest file kmsdns reads as text (config, publish lists, key files). */
#define KMSDNS_TEXT_FILE_MAX (4u * 1024u * 1024u)

/*
 * Reads `path` whole (at most KMSDNS_TEXT_FILE_MAX bytes) into *data
 * (malloc'd, NUL-terminated, free with free()) and *len.
 * Errors: KMSDNS_IO (with errno text), KMSDNS_TOOLONG, KMSDNS_NOMEM; diag names the file.
 */
int kmsdns_text_read_file(const char *path, char **data, size_t *len, struct kmsdns_diag *diag);

/*
 * Decodes raw bytes to UTF-8: a UTF-8 BOM is dropped, UTF-16LE (with BOM,
 * or recognised by a NUL second byte) is converted. Refuses NUL characters,
 * invalid UTF-8, odd-length or unpaired-surrogate UTF-16, and UTF-16BE.
 * On success *out is malloc'd (free with free()), NUL-terminated, *outlen its
 * length. On failure diag says "SOURCE:LINE: why"; returns KMSDNS_ENCODING or
 * KMSDNS_NOMEM.
 */
int kmsdns_text_decode(const void *data, size_t len, const char *source, char **out, size_t *outlen,
                       struct kmsdns_diag *diag);

/*
 * Line iterator over decoded text. Lines end at "\n" or "\r\n"; the last may
 * lack its newline. The text is modified in place (line ends become NUL).
 */
struct kmsdns_lines {
    char *next;
    char *end;
    unsigned lineno; /* number of the line last returned, from 1 */
};

void kmsdns_lines_init(struct kmsdns_lines *it, char *text, size_t len);

/* The next line without its terminator, or NULL at the end. */
char *kmsdns_lines_next(struct kmsdns_lines *it);

/*
 * Whether a field read from a file may be quoted in a message: at most 255
 * bytes of letters, digits and "-_.*+". A line of a file given by mistake (a
 * TSIG key file passed as a list) may hold a secret and never is.
 */
bool kmsdns_text_echo_safe(const char *s);

/* Whether a line looks like part of a BIND key file ("key ...", "secret ..."),
 * so a list reader can say the file was mixed up instead of quoting it. */
bool kmsdns_text_looks_like_key(const char *line);

/* Strips leading and trailing ASCII white space in place; returns the start. */
char *kmsdns_text_trim(char *s);

#endif
