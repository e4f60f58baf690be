/* SPDX-License-Identifier: MIT */
/*
 * Process-wide logging to stderr or syslog. Secrets registered with
 * kmsdns_log_add_secret() are replaced by "<redacted>" in every line before
 * it leaves the process, so a secret that slips into a message never reaches
 * a terminal, a journal or a log file. Not thread-safe: kmsdns programs log
 * from one thread.
 */
#ifndef KMSDNS_LOG_H
#define KMSDNS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Levels are syslog's priorities. */
enum kmsdns_log_level {
    KMSDNS_LOG_ERR = 3,
    KMSDNS_LOG_WARNING = 4,
    KMSDNS_LOG_NOTICE = 5,
    KMSDNS_LOG_INFO = 6,
    KMSDNS_LOG_DEBUG = 7,
};

enum kmsdns_log_target {
    KMSDNS_LOG_TO_STDERR,
    KMSDNS_LOG_TO_SYSLOG,
    /* stderr when it is a terminal or systemd's journal (JOURNAL_STREAM), else syslog */
    KMSDNS_LOG_TO_AUTO,
};

/* Starts logging as `ident` (copied), dropping messages above max_level. */
void kmsdns_log_open(const char *ident, enum kmsdns_log_target target,
                     enum kmsdns_log_level max_level);

/* The stream the stderr target writes to (default stderr; NULL restores it). */
void kmsdns_log_set_stream(FILE *stream);

/* Where kmsdns_log_open(…AUTO…) sent the log: STDERR or SYSLOG. */
enum kmsdns_log_target kmsdns_log_target(void);

/* Registers a secret (copied; at least 4 bytes) to be redacted from every
 * message. Returns KMSDNS_OK, KMSDNS_INVAL (too short) or KMSDNS_NOMEM. */
int kmsdns_log_add_secret(const char *secret);

/*
 * Formats a message as every kmsdns line leaves the process: registered
 * secrets replaced by "<redacted>", then every byte outside printable ASCII
 * written as \xNN (no terminal escapes from a server's text), then cut to
 * fit out[cap] (always NUL-terminated). Used by kmsdns_log and the programs'
 * kmsdns_cli_error.
 */
void kmsdns_log_vformat(char *out, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void kmsdns_log_format(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes one message (a trailing newline is added). */
void kmsdns_log(enum kmsdns_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Closes syslog and wipes the registered secrets. Safe to call twice. */
void kmsdns_log_close(void);

/* Name of a level ("error", "warning", ...). */
const char *kmsdns_log_level_name(enum kmsdns_log_level level);

#endif
