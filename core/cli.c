/* SPDX-License-Identifier: MIT */
/* Shared command-line conventions for the kmsdns programs. */
#include "kmsdns/cli.h"
#include "kmsdns/error.h"
#include "kmsdns/log.h"
#include "kmsdns/number.h"
#include "kmsdns/version.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define CLI_LINE_MAX 4096

/* Every program message goes through the log's redaction and escaping. */
void kmsdns_cli_error(const char *prog, const char *fmt, ...)
{
    char line[CLI_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    kmsdns_log_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", prog, line);
}

int kmsdns_cli_misuse(const char *prog, const char *usage, int code, const char *fmt, ...)
{
    char line[CLI_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    kmsdns_log_vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n%s", prog, line, usage);
    return code;
}

int kmsdns_cli_option(const struct kmsdns_cli *cli, int c, char **argv)
{
    switch (c) {
    case 'h':
        cli->help();
        return 0;
    case 'V':
        printf("%s (%s)\n", cli->prog, kmsdns_version());
        return 0;
    case ':':
        return kmsdns_cli_misuse(cli->prog, cli->usage, cli->usage_exit, "%s needs a value",
                                 argv[optind - 1]);
    case '?':
        return kmsdns_cli_misuse(cli->prog, cli->usage, cli->usage_exit, "unknown option '%s'",
                                 argv[optind - 1]);
    default:
        return -1;
    }
}

int kmsdns_cli_no_operands(const struct kmsdns_cli *cli, int argc, char **argv)
{
    if (optind < argc)
        return kmsdns_cli_misuse(cli->prog, cli->usage, cli->usage_exit, "unexpected argument '%s'",
                                 argv[optind]);
    return -1;
}

int kmsdns_cli_parse(const struct kmsdns_cli *cli, int argc, char **argv, const char *shortopts,
                     const struct option *opts, kmsdns_cli_option_fn *option, void *ctx)
{
    opterr = 0;
    int c, rc;
    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
        if ((rc = kmsdns_cli_option(cli, c, argv)) >= 0)
            return rc;
        if ((rc = option(c, optarg, ctx)) >= 0)
            return rc;
    }
    return kmsdns_cli_no_operands(cli, argc, argv);
}

int kmsdns_cli_uint(const struct kmsdns_cli *cli, const char *opt, const char *arg, uint64_t min,
                    uint64_t max, uint64_t *out)
{
    if (kmsdns_parse_uint(arg, min, max, out) != KMSDNS_OK)
        return kmsdns_cli_misuse(cli->prog, cli->usage, cli->usage_exit,
                                 "%s takes a number from %llu to %llu, not '%s'", opt,
                                 (unsigned long long)min, (unsigned long long)max, arg);
    return -1;
}

void kmsdns_cli_protect_secrets(void)
{
    struct rlimit none = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &none);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int kmsdns_cli_finish(const char *prog, int exit_code, int failure_exit)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        kmsdns_cli_error(prog, "cannot write to standard output");
        return failure_exit;
    }
    return exit_code;
}
