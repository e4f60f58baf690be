/* SPDX-License-Identifier: MIT */
/*
 * Host protocol v1 (SPEC "Host protocol v1"), the line codec only: reading a
 * request line off a connection byte by byte, parsing it, and formatting the
 * OK and ERR answer lines. No I/O and no policy: whether an edition exists,
 * whether a peer may ask STATUS, and the STATUS answer belong to the daemon.
 * Every bad-request case of the SPEC comes out of kmsdns_hostproto_parse() or
 * kmsdns_hostproto_feed(); a refused line is answered `ERR bad-request`.
 */
#ifndef KMSDNS_HOSTPROTO_H
#define KMSDNS_HOSTPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMSDNS_HP_LINE_MAX 512   /* a request line, its '\n' included */
#define KMSDNS_HP_CMID_LEN 36    /* 8-4-4-4-12 */
#define KMSDNS_HP_EDITION_MAX 32 /* [a-z0-9-]{1,32} */
#define KMSDNS_HP_NAME_MAX 63    /* [A-Za-z0-9._-]{1,63} */
#define KMSDNS_HP_WHY_MAX 96

/* Results of kmsdns_hostproto_feed() besides KMSDNS_TOOLONG. */
#define KMSDNS_HP_MORE 0   /* no complete line yet: feed more */
#define KMSDNS_HP_LINE 1   /* a complete line is in the reader */
#define KMSDNS_HP_DCERPC 2 /* the first byte is 0x05: a DCE/RPC bind, nothing consumed */

enum kmsdns_hp_verb {
    KMSDNS_HP_NONE = 0,
    KMSDNS_HP_REQUEST = 1, /* REQUEST v1 cmid=... edition=... name=... */
    KMSDNS_HP_STATUS = 2,  /* STATUS v1 */
};

/* A parsed request line; the strings are NUL-terminated copies, caller-owned with the struct. */
struct kmsdns_hostproto_req {
    enum kmsdns_hp_verb verb;                /* KMSDNS_HP_NONE when the line was refused */
    char cmid[KMSDNS_HP_CMID_LEN + 1];       /* canonical: lowercase hex */
    char edition[KMSDNS_HP_EDITION_MAX + 1]; /* form checked only, not looked up */
    char name[KMSDNS_HP_NAME_MAX + 1];
    /* Why the line was refused: a short ASCII message for the ERR line
     * ("cmid is not a UUID", "unknown key 'foo'"); "" on success. */
    char why[KMSDNS_HP_WHY_MAX];
};

/*
 * Parses buf[0..len), exactly one request line including its '\n'.
 * KMSDNS_OK with out->verb and (REQUEST) the three fields, or KMSDNS_SYNTAX
 * (answer `ERR bad-request <out->why>`). out is always fully written.
 */
int kmsdns_hostproto_parse(const char *buf, size_t len, struct kmsdns_hostproto_req *out);

/* What an OK answer to REQUEST carries; intervals in minutes. */
struct kmsdns_hostproto_answer {
    uint32_t count;     /* the count right after this request was recorded */
    uint32_t threshold; /* of this edition's family */
    bool activated;
    uint32_t validity; /* 259200 when activated, 0 otherwise (the caller decides) */
    uint32_t renewal;
    uint32_t retry;
};

/*
 * Writes `OK count=.. threshold=.. activated=0|1 validity=.. renewal=.. retry=..\n`
 * and a NUL to buf. Returns the line's length (NUL excluded), or 0 when the
 * whole line and its NUL do not fit in cap (buf is then "" if cap > 0):
 * a line is never cut.
 */
size_t kmsdns_hostproto_ok(char *buf, size_t cap, const struct kmsdns_hostproto_answer *a);

/*
 * Writes `ERR <code> <message>\n` and a NUL to buf. code must be one of the
 * SPEC's words (bad-request, unknown-edition, edition-not-covered, forbidden,
 * busy, internal); message may be NULL or "" (a default text is used). In
 * the message, control bytes become spaces and non-ASCII bytes '?', so the
 * line stays one ASCII line; trailing blanks are dropped. A message too
 * long for cap is cut. Returns the line's length (NUL excluded), or 0 for an
 * unknown code or when not even one message character fits (buf is then ""
 * if cap > 0).
 */
size_t kmsdns_hostproto_err(char *buf, size_t cap, const char *code, const char *message);

/*
 * Accumulates one request line from a connection. Caller-owned; zero it
 * (or kmsdns_hostproto_reader_init()) before the first feed.
 */
struct kmsdns_hostproto_reader {
    char buf[KMSDNS_HP_LINE_MAX]; /* the line so far; not NUL-terminated */
    size_t len;                   /* bytes in buf */
};

void kmsdns_hostproto_reader_init(struct kmsdns_hostproto_reader *r);

/*
 * Appends data[0..n) up to and including the first '\n'; *used says how many
 * bytes were taken (bytes after the '\n' are left to the caller).
 * KMSDNS_HP_LINE: r->buf[0..r->len) is a complete line, '\n' included, ready
 * for kmsdns_hostproto_parse() (feeding again returns it again, *used 0).
 * KMSDNS_HP_MORE: all n bytes taken, no '\n' yet.
 * KMSDNS_HP_DCERPC: the connection's first byte is 0x05; *used 0.
 * KMSDNS_TOOLONG: the 513th byte arrived without a '\n' before it (*used
 * counts it); answer bad-request and close.
 */
int kmsdns_hostproto_feed(struct kmsdns_hostproto_reader *r, const uint8_t *data, size_t n,
                          size_t *used);

/*
 * The client's side. Writes `REQUEST v1 cmid=.. edition=.. name=..\n` and a
 * NUL to buf; returns the line's length, or 0 (buf "" if cap > 0) when a
 * field is one the host would refuse as bad-request or the line does not fit.
 */
size_t kmsdns_hostproto_request(char *buf, size_t cap, const char *cmid, const char *edition,
                                const char *name);

/* An answer to REQUEST as a client reads it. */
struct kmsdns_hostproto_reply {
    bool ok;
    struct kmsdns_hostproto_answer answer; /* ok: the six values */
    char code[24];                         /* !ok: the error word ("edition-not-covered") */
    char message[KMSDNS_HP_LINE_MAX];      /* !ok: the human message, maybe "" */
};

/*
 * Parses line[0..len), one answer line with its '\n': `OK` with count,
 * threshold, activated (0|1), validity, renewal and retry each exactly once
 * as decimal numbers (other keys are skipped), or `ERR <word> <message>`.
 * KMSDNS_MALFORMED for anything else (control or non-ASCII bytes included).
 */
int kmsdns_hostproto_parse_reply(const char *line, size_t len, struct kmsdns_hostproto_reply *out);

#endif
