/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's one exchange with a host: connect, send one line, read
 * one answer line, every wait against one deadline. Used by the single
 * request (client_exec.c) and the rehearsal (client_fleet.c) alike.
 */
#ifndef KMSDNS_CLIENT_TALK_H
#define KMSDNS_CLIENT_TALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"
#include "kmsdns/hostproto.h"

#define CLIENT_REPLY_MAX 1024u /* longest answer line to REQUEST read */
#define CLIENT_QUOTE_BUF 84    /* client_quote()'s output: 80 bytes and a NUL, rounded up */

/*
 * Connects to a, sends line[0..n), reads one answer line (with its '\n')
 * into buf[0..cap) before deadline_ms (a kmsdns_now_ms() time). Returns the
 * answer's length, or 0 with *why: what the host did ("closed without an
 * answer", "answer line too long", ...) or strerror() of what failed
 * (ETIMEDOUT when the deadline passed). *why is static text. No shared
 * state: the fleet's threads call it at once.
 */
size_t client_talk(const struct kmsdns_addr *a, const char *line, size_t n, char *buf, size_t cap,
                   uint64_t deadline_ms, const char **why);

/*
 * One REQUEST (line[0..n)) to a within timeout_s seconds and its answer
 * parsed: true with *r when the host spoke host protocol v1 (OK or ERR);
 * false with why[] saying what went wrong: the failure, or the answer line
 * itself (client_quote()) when it was not v1.
 */
bool client_ask(const struct kmsdns_addr *a, const char *line, size_t n, unsigned timeout_s,
                struct kmsdns_hostproto_reply *r, char why[CLIENT_QUOTE_BUF]);

/* s[0..n) printable for a message: at most 80 bytes, controls and non-ASCII as '.'; returns out. */
const char *client_quote(const char *s, size_t n, char out[CLIENT_QUOTE_BUF]);

#endif
