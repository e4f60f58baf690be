/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: host protocol v1 request lines, as the daemon meets them.
 * The input is fed to the reader in chunks (sizes taken from the input), the
 * line it yields is parsed, and the whole input is parsed as one line too.
 * An accepted request must survive a round trip; an ERR line built from the
 * input as message must be one ASCII line. The input is also read as an
 * answer line, as kmsdns-client meets it: an accepted OK must format back
 * to a line that parses to the same values.
 */
#include "kmsdns/error.h"
#include "kmsdns/hostproto.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const struct kmsdns_hostproto_req *r)
{
    if (r->verb != KMSDNS_HP_REQUEST)
        return;
    char line[KMSDNS_HP_LINE_MAX];
    int n = snprintf(line, sizeof line, "REQUEST v1 name=%s cmid=%s edition=%s\n", r->name, r->cmid,
                     r->edition);
    struct kmsdns_hostproto_req again;
    if (n < 0 || (size_t)n >= sizeof line ||
        kmsdns_hostproto_parse(line, (size_t)n, &again) != KMSDNS_OK ||
        memcmp(&again, r, sizeof again) != 0)
        __builtin_trap();
}

static void parse_one(const char *buf, size_t len)
{
    struct kmsdns_hostproto_req r;
    int rc = kmsdns_hostproto_parse(buf, len, &r);
    if (rc == KMSDNS_OK) {
        if (r.verb == KMSDNS_HP_NONE || len > KMSDNS_HP_LINE_MAX || buf[len - 1] != '\n')
            __builtin_trap();
        check_accepted(&r);
    } else if (rc != KMSDNS_SYNTAX || r.verb != KMSDNS_HP_NONE || r.why[0] == '\0' ||
               memchr(r.why, '\0', sizeof r.why) == NULL) {
        __builtin_trap();
    }
}

static void read_chunks(const uint8_t *data, size_t size)
{
    struct kmsdns_hostproto_reader r = {0};
    size_t off = 0, step = size > 0 ? (size_t)data[0] % 17 + 1 : 1;
    while (off < size) {
        size_t n = size - off < step ? size - off : step, used;
        int rc = kmsdns_hostproto_feed(&r, data + off, n, &used);
        if (used > n || r.len > KMSDNS_HP_LINE_MAX)
            __builtin_trap();
        off += used;
        if (rc == KMSDNS_HP_LINE) {
            if (r.buf[r.len - 1] != '\n' || memchr(r.buf, '\n', r.len - 1) != NULL)
                __builtin_trap();
            parse_one(r.buf, r.len);
            return;
        }
        if (rc == KMSDNS_HP_DCERPC) {
            if (off != 0 || data[0] != 0x05)
                __builtin_trap();
            return;
        }
        if (rc == KMSDNS_TOOLONG) {
            if (off != KMSDNS_HP_LINE_MAX + 1)
                __builtin_trap();
            return;
        }
        if (rc != KMSDNS_HP_MORE || used != n)
            __builtin_trap();
    }
}

static void err_line(const uint8_t *data, size_t size)
{
    char msg[600], out[128];
    size_t n = size < sizeof msg - 1 ? size : sizeof msg - 1;
    memcpy(msg, data, n);
    msg[n] = '\0';
    size_t len = kmsdns_hostproto_err(out, sizeof out, "bad-request", msg);
    if (len == 0 || len >= sizeof out || out[len] != '\0' || out[len - 1] != '\n')
        __builtin_trap();
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
            __builtin_trap();
}

static void reply_line(const char *buf, size_t len)
{
    struct kmsdns_hostproto_reply r, again;
    if (kmsdns_hostproto_parse_reply(buf, len, &r) != KMSDNS_OK)
        return;
    if (!r.ok) {
        if (r.code[0] == '\0' || memchr(r.message, '\n', sizeof r.message) != NULL)
            __builtin_trap();
        return;
    }
    char line[KMSDNS_HP_LINE_MAX];
    size_t n = kmsdns_hostproto_ok(line, sizeof line, &r.answer);
    if (n == 0 || kmsdns_hostproto_parse_reply(line, n, &again) != KMSDNS_OK ||
        memcmp(&again.answer, &r.answer, sizeof r.answer) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_one((const char *)data, size);
    reply_line((const char *)data, size);
    read_chunks(data, size);
    err_line(data, size);
    return 0;
}
