/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify --domains-from: one domain per line, '#' starts a comment
 * anywhere, blank lines ignored, surrounding white space trimmed. Lines are
 * read whole (getline), so a long comment is never cut into a "domain", and
 * a line over VERIFY_LIST_LINE_MAX bytes is refused. A bad line is reported
 * as FILE:LINE without its text unless that text cannot hold a secret (a key
 * file given by mistake must not reach the terminal).
 */
#ifndef KMSDNS_VERIFY_LIST_H
#define KMSDNS_VERIFY_LIST_H

#include <stdio.h>

#include "kmsdns/name.h"

#define VERIFY_LIST_LINE_MAX 4096

struct verify_list {
    FILE *f;          /* borrowed; the caller opens and closes it */
    const char *path; /* for messages; borrowed */
    unsigned line;    /* number of the line last read, from 1 */
    char *buf;        /* getline's buffer; free with verify_list_deinit() */
    size_t cap;
};

/* Starts reading f (positioned at its start) as `path`. */
void verify_list_init(struct verify_list *l, FILE *f, const char *path);

/* Frees the line buffer; l can be initialised again. */
void verify_list_deinit(struct verify_list *l);

/*
 * The next domain, normalised, into out: 1 with a domain, 0 at the end,
 * -1 on a bad line with why[cap] = "FILE:LINE: reason".
 */
int verify_list_next(struct verify_list *l, char out[KMSDNS_NAME_BUF], char *why, size_t cap);

/*
 * One line's verdict (the line is modified): 1 with a domain in out, 0 for
 * a blank or comment line, -1 with why[cap] saying what is wrong (no file
 * or line prefix).
 */
int verify_list_line(char *line, size_t len, char out[KMSDNS_NAME_BUF], char *why, size_t cap);

#endif
