/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's state file: this machine's CMID and the KMS host that
 * answered last ("cmid=UUID", "host=NAME:PORT" lines; "#" comments). The
 * file is the user's (or root's) own, but it is still input: every line is
 * read whole and checked, and anything malformed is dropped, never trusted.
 */
#ifndef KMSDNS_CLIENT_STATE_H
#define KMSDNS_CLIENT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "kmsdns/error.h"
#include "kmsdns/hostproto.h"
#include "kmsdns/name.h"

struct client_state {
    char cmid[KMSDNS_HP_CMID_LEN + 1]; /* "" when none yet */
    char host[KMSDNS_NAME_BUF];        /* "" when none cached */
    uint16_t port;
};

/* The state in text[len] (need not be NUL-terminated): a malformed line is
 * ignored, so a damaged file yields an empty or partial state. */
void client_state_parse(const char *text, size_t len, struct client_state *st);

/* A missing, unreadable or over-long (> 64 KiB) file is an empty state. */
void client_state_load(const char *path, struct client_state *st);

/* Writes through kmsdns_atomic (mode 0600), creating missing directories 0700. */
int client_state_save(const char *path, const struct client_state *st, struct kmsdns_diag *d);

/* A random (version 4) UUID. */
void client_new_cmid(char out[KMSDNS_HP_CMID_LEN + 1]);

#endif
