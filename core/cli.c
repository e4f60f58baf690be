/* SPDX-License-Identifier: MIT */
/* Shared command-line conventions for the kmsdns programs. */
#include "kmsdns/cli.h"
#include "kmsdns/log.h"

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
