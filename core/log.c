/* SPDX-License-Identifier: MIT */
/*
 * Logging with redaction. Every message is formatted into one buffer, every
 * registered secret is blotted out of it, and only then is it written, so no
 * caller can leak a secret by formatting it by mistake. The programs' own
 * messages (kmsdns_cli_error) take the same path. Bytes outside printable
 * ASCII leave as \xNN, so a server's or a file's text cannot drive a terminal.
 */
#include "kmsdns/log.h"
#include "kmsdns/error.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define MAX_SECRETS 64
#define SECRET_MIN 4

static const char redacted[] = "<redacted>";

static struct {
    char ident[64];
    enum kmsdns_log_target target;
    enum kmsdns_log_level max_level;
    FILE *stream;
    bool syslog_open;
    char *secrets[MAX_SECRETS];
    size_t nsecrets;
} lg = {"kmsdns", KMSDNS_LOG_TO_STDERR, KMSDNS_LOG_NOTICE, NULL, false, {NULL}, 0};

static enum kmsdns_log_target resolve_auto(void)
{
    if (isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM") != NULL)
        return KMSDNS_LOG_TO_STDERR;
    return KMSDNS_LOG_TO_SYSLOG;
}

void kmsdns_log_open(const char *ident, enum kmsdns_log_target target,
                     enum kmsdns_log_level max_level)
{
    snprintf(lg.ident, sizeof lg.ident, "%s", ident != NULL ? ident : "kmsdns");
    lg.target = target == KMSDNS_LOG_TO_AUTO ? resolve_auto() : target;
    lg.max_level = max_level;
    if (lg.target == KMSDNS_LOG_TO_SYSLOG && !lg.syslog_open) {
        openlog(lg.ident, LOG_PID, LOG_DAEMON);
        lg.syslog_open = true;
    }
}

void kmsdns_log_set_stream(FILE *stream)
{
    lg.stream = stream;
}

enum kmsdns_log_target kmsdns_log_target(void)
{
    return lg.target;
}

int kmsdns_log_add_secret(const char *secret)
{
    if (secret == NULL || strlen(secret) < SECRET_MIN)
        return KMSDNS_INVAL;
    for (size_t i = 0; i < lg.nsecrets; i++)
        if (strcmp(lg.secrets[i], secret) == 0)
            return KMSDNS_OK;
    if (lg.nsecrets == MAX_SECRETS)
        return KMSDNS_NOMEM;
    char *copy = strdup(secret);
    if (copy == NULL)
        return KMSDNS_NOMEM;
    lg.secrets[lg.nsecrets++] = copy;
    return KMSDNS_OK;
}

/* Length of the longest registered secret starting at p, 0 if none. */
static size_t secret_at(const char *p)
{
    size_t best = 0;
    for (size_t i = 0; i < lg.nsecrets; i++) {
        size_t n = strlen(lg.secrets[i]);
        if (n > best && strncmp(p, lg.secrets[i], n) == 0)
            best = n;
    }
    return best;
}

/* Copies the whole formatted message into out[cap] with every secret
 * replaced; truncation happens only after redaction, so a secret cut by the
 * line limit cannot leave a fragment behind. */
static void redact_into(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    while (*in != '\0' && o + 1 < cap) {
        size_t n = lg.nsecrets > 0 ? secret_at(in) : 0;
        if (n == 0) {
            out[o++] = *in++;
            continue;
        }
        for (const char *r = redacted; *r != '\0' && o + 1 < cap; r++)
            out[o++] = *r;
        in += n;
    }
    out[o] = '\0';
}

const char *kmsdns_log_level_name(enum kmsdns_log_level level)
{
    switch (level) {
    case KMSDNS_LOG_ERR:
        return "error";
    case KMSDNS_LOG_WARNING:
        return "warning";
    case KMSDNS_LOG_NOTICE:
        return "notice";
    case KMSDNS_LOG_INFO:
        return "info";
    case KMSDNS_LOG_DEBUG:
        return "debug";
    }
    return "log";
}

/* Copies in to out[cap] with every byte outside printable ASCII as \xNN, so
 * no message (a server's text, a file's bytes) can drive a terminal. */
static void escape_into(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        if (*p >= 0x20 && *p < 0x7f) {
            if (o + 1 >= cap)
                break;
            out[o++] = (char)*p;
            continue;
        }
        if (o + 4 >= cap)
            break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[*p >> 4];
        out[o++] = hex[*p & 15];
    }
    out[o] = '\0';
}

void kmsdns_log_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
    char small[LOG_LINE_MAX], clean[LOG_LINE_MAX];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    char *full = small;
    if (n >= (int)sizeof small && (full = malloc((size_t)n + 1)) != NULL)
        vsnprintf(full, (size_t)n + 1, fmt, again);
    va_end(again);
    if (full == NULL ||
        n < 0) { /* no memory for the long form: drop it rather than leak a cut secret */
        full = small;
        small[0] = '\0';
    }
    redact_into(full, clean, sizeof clean);
    if (full != small)
        free(full);
    escape_into(clean, out, cap);
}

void kmsdns_log_format(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kmsdns_log_vformat(out, cap, fmt, ap);
    va_end(ap);
}

void kmsdns_log(enum kmsdns_log_level level, const char *fmt, ...)
{
    if (level > lg.max_level)
        return;
    char buf[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    kmsdns_log_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (lg.target == KMSDNS_LOG_TO_SYSLOG) {
        syslog((int)level, "%s", buf);
        return;
    }
    FILE *out = lg.stream != NULL ? lg.stream : stderr;
    fprintf(out, "%s: %s: %s\n", lg.ident, kmsdns_log_level_name(level), buf);
    fflush(out);
}

void kmsdns_log_close(void)
{
    for (size_t i = 0; i < lg.nsecrets; i++) {
        OPENSSL_cleanse(lg.secrets[i], strlen(lg.secrets[i]));
        free(lg.secrets[i]);
        lg.secrets[i] = NULL;
    }
    lg.nsecrets = 0;
    if (lg.syslog_open) {
        closelog();
        lg.syslog_open = false;
    }
}
