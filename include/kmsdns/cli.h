/* SPDX-License-Identifier: MIT */
/*
 * Conventions every kmsdns program shares: --help to stdout with exit 0,
 * -V for the version, a one-line usage on stderr for misuse, and a check
 * that stdout was really written before exiting.
 */
#ifndef KMSDNS_CLI_H
#define KMSDNS_CLI_H

#include <stdint.h>

/* Prints "PROG: " and the formatted message to stderr, with a newline; the
 * message is redacted and escaped as log lines are (kmsdns_log_vformat). */
void kmsdns_cli_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "PROG: message", then the usage text, to stderr; returns `code`. */
int kmsdns_cli_misuse(const char *prog, const char *usage, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A program's command line as the shared option helpers below need it. The
 * strings are the program's own (static storage); help prints --help to stdout. */
struct kmsdns_cli {
    const char *prog;  /* "kmsdns-hostd" */
    const char *usage; /* the usage lines, each ending in a newline */
    int usage_exit;    /* the exit code for misuse */
    void (*help)(void);
};

/* The getopt_long table entries for --help and --version, which
 * kmsdns_cli_option() answers: the end of every program's option table
 * (no_argument comes from <getopt.h>). */
#define KMSDNS_CLI_OPTIONS_END                                                                     \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},                         \
    {                                                                                              \
        NULL, 0, NULL, 0                                                                           \
    }

/*
 * What getopt_long returned (with an optstring that starts with ':' and
 * opterr 0), handled alike by every program: 'h' prints the help, 'V' the
 * version, and both return 0; ':' (a value missing) and '?' (an unknown
 * option) are misuse and return cli->usage_exit. Returns -1 for any other c:
 * an option of the program's own, for the caller to handle.
 */
int kmsdns_cli_option(const struct kmsdns_cli *cli, int c, char **argv);

/* After getopt_long: misuse for the first operand left (the programs take
 * none), else -1. */
int kmsdns_cli_no_operands(const struct kmsdns_cli *cli, int argc, char **argv);

struct option;

/* One of a program's own options, as kmsdns_cli_parse() hands it over: c as
 * getopt_long returned it, arg its value (NULL for none), ctx the caller's
 * (its params struct). Returns -1 to go on, else the exit code to stop with. */
typedef int kmsdns_cli_option_fn(int c, const char *arg, void *ctx);

/*
 * The getopt_long loop every program runs: opterr 0, then each option of
 * argv in turn, --help, -V and misuse answered by kmsdns_cli_option(), any
 * other handed to option(); then kmsdns_cli_no_operands(). shortopts starts
 * with ':'; opts ends in KMSDNS_CLI_OPTIONS_END. Returns -1 when the caller
 * goes on (to its checks of the options together), else the exit code.
 */
int kmsdns_cli_parse(const struct kmsdns_cli *cli, int argc, char **argv, const char *shortopts,
                     const struct option *opts, kmsdns_cli_option_fn *option, void *ctx);

/* The value arg of option opt (e.g. "--timeout") as a decimal number in
 * [min, max] (kmsdns_parse_uint): -1 with *out set, else misuse
 * ("OPT takes a number from MIN to MAX, not 'ARG'") and *out untouched. */
int kmsdns_cli_uint(const struct kmsdns_cli *cli, const char *opt, const char *arg, uint64_t min,
                    uint64_t max, uint64_t *out);

/* For programs that hold a secret (TSIG key, Kerberos keys): no core dump
 * (RLIMIT_CORE 0) and not dumpable or ptrace-attachable by the same user
 * (PR_SET_DUMPABLE 0), so a hung run's memory never lands on disk. */
void kmsdns_cli_protect_secrets(void);

/* Flushes stdout; returns exit_code, or usage_exit when stdout could not be
 * written (full disk, closed pipe), after saying so on stderr. */
int kmsdns_cli_finish(const char *prog, int exit_code, int failure_exit);

#endif
