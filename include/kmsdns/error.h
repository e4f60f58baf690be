/* SPDX-License-Identifier: MIT */
/*
 * One error table for the whole library. Every fallible kmsdns function
 * returns a kmsdns_err; KMSDNS_OK is 0 and every failure is negative, so
 * `if (rc < 0)` and `if (rc != KMSDNS_OK)` both work. Values are explicit and
 * never renumbered: scripts and logs may keep them. A kmsdns_diag carries the
 * human message ("FILE:LINE: ...", "zone X at server Y: ...") beside the code.
 */
#ifndef KMSDNS_ERROR_H
#define KMSDNS_ERROR_H

#include <stddef.h>

/* X(name, value, message). Retired values stay unused, never given to a new
 * name: -29 (NOT_YET, "not implemented yet", the stub programs' refusal). */
#define KMSDNS_ERRORS(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(NOMEM, -1, "out of memory")                                                                  \
    X(INVAL, -2, "invalid argument")                                                               \
    X(IO, -3, "input/output error")                                                                \
    X(SYNTAX, -4, "syntax error")                                                                  \
    X(RANGE, -5, "value out of range")                                                             \
    X(NAME, -6, "bad domain name")                                                                 \
    X(PERM, -7, "file permissions too open")                                                       \
    X(TOOLONG, -8, "line or value too long")                                                       \
    X(ENCODING, -9, "bad text encoding")                                                           \
    X(DUPLICATE, -10, "duplicate entry")                                                           \
    X(EMPTY, -11, "empty entry")                                                                   \
    X(NOTFOUND, -12, "not found")                                                                  \
    X(UNKNOWN_KEY, -13, "unknown section or key")                                                  \
    X(ADDRESS, -14, "bad address")                                                                 \
    X(TIMEOUT, -15, "no answer before the timeout")                                                \
    X(REFUSED, -16, "server refused")                                                              \
    X(SERVFAIL, -17, "server failure")                                                             \
    X(NOTAUTH, -18, "server not authoritative or request not authorized")                          \
    X(NOTZONE, -19, "name not in zone")                                                            \
    X(BADSIG, -20, "TSIG signature failure")                                                       \
    X(BADKEY, -21, "TSIG key not recognised")                                                      \
    X(BADTIME, -22, "TSIG time outside the allowed window")                                        \
    X(MALFORMED, -23, "malformed message")                                                         \
    X(GSS, -24, "GSS-API failure")                                                                 \
    X(KRB5, -25, "Kerberos failure")                                                               \
    X(DB, -26, "database error")                                                                   \
    X(UNSUPPORTED, -27, "not supported")                                                           \
    X(SYSTEM, -28, "system error")                                                                 \
    X(UNSIGNED, -30, "response not signed")                                                        \
    X(UNREACHABLE, -31, "server unreachable")                                                      \
    X(NXDOMAIN, -32, "name does not exist")                                                        \
    X(FORMERR, -33, "server could not parse the request")                                          \
    X(NOTIMP, -34, "server does not implement the request")                                        \
    X(YXDOMAIN, -35, "prerequisite failed: name exists")                                           \
    X(YXRRSET, -36, "prerequisite failed: RRset exists")                                           \
    X(NXRRSET, -37, "prerequisite failed: RRset does not exist")                                   \
    X(RCODE, -38, "server answered with an error")                                                 \
    X(NOZONE, -39, "no zone found")

typedef enum kmsdns_err {
#define KMSDNS_ERR_ENUM_(name, value, msg) KMSDNS_##name = (value),
    KMSDNS_ERRORS(KMSDNS_ERR_ENUM_)
#undef KMSDNS_ERR_ENUM_
} kmsdns_err;

/* Human text for rc, static storage; an unknown value gives "unknown error". */
const char *kmsdns_strerror(int rc);

/* Stable symbolic name for rc ("KMSDNS_REFUSED"); unknown gives "KMSDNS_UNKNOWN". */
const char *kmsdns_errname(int rc);

/*
 * The message that goes with a failure: where (file and line, zone and
 * server) and why, ready to print. Caller-owned; kmsdns_diag_init() before
 * use. Functions that take a `struct kmsdns_diag *` fill it on failure only
 * and accept NULL.
 */
#define KMSDNS_DIAG_MAX 1024
struct kmsdns_diag {
    char text[KMSDNS_DIAG_MAX];
};

void kmsdns_diag_init(struct kmsdns_diag *d);

/* Sets d to "FILE:LINE: message" (file NULL: just the message; line 0: "FILE: message").
 * Returns rc so callers can `return kmsdns_diag_set(...)`. d may be NULL. */
int kmsdns_diag_set(struct kmsdns_diag *d, int rc, const char *file, unsigned line, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

#endif
