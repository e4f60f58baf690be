/* SPDX-License-Identifier: MIT */
/*
 * Conventions every kmsdns program shares: --help to stdout with exit 0,
 * -V for the version, a one-line usage on stderr for misuse, and a check
 * that stdout was really written before exiting.
 */
#ifndef KMSDNS_CLI_H
#define KMSDNS_CLI_H

/* Prints "PROG: " and the formatted message to stderr, with a newline; the
 * message is redacted and escaped as log lines are (kmsdns_log_vformat). */
void kmsdns_cli_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "PROG: message", then the usage text, to stderr; returns `code`. */
int kmsdns_cli_misuse(const char *prog, const char *usage, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* For programs that hold a secret (TSIG key, Kerberos keys): no core dump
 * (RLIMIT_CORE 0) and not dumpable or ptrace-attachable by the same user
 * (PR_SET_DUMPABLE 0), so a hung run's memory never lands on disk. */
void kmsdns_cli_protect_secrets(void);

/* Flushes stdout; returns exit_code, or usage_exit when stdout could not be
 * written (full disk, closed pipe), after saying so on stderr. */
int kmsdns_cli_finish(const char *prog, int exit_code, int failure_exit);

#endif
