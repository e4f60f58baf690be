/* SPDX-License-Identifier: MIT */
/* The error table's two lookups and the diagnostic buffer. */
#include "kmsdns/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kmsdns_strerror(int rc)
{
    switch (rc) {
#define KMSDNS_ERR_MSG_(name, value, msg)                                                          \
    case value:                                                                                    \
        return msg;
        KMSDNS_ERRORS(KMSDNS_ERR_MSG_)
#undef KMSDNS_ERR_MSG_
    }
    return "unknown error";
}

const char *kmsdns_errname(int rc)
{
    switch (rc) {
#define KMSDNS_ERR_NAME_(name, value, msg)                                                         \
    case value:                                                                                    \
        return "KMSDNS_" #name;
        KMSDNS_ERRORS(KMSDNS_ERR_NAME_)
#undef KMSDNS_ERR_NAME_
    }
    return "KMSDNS_UNKNOWN";
}

void kmsdns_diag_init(struct kmsdns_diag *d)
{
    if (d != NULL)
        d->text[0] = '\0';
}

int kmsdns_diag_set(struct kmsdns_diag *d, int rc, const char *file, unsigned line, const char *fmt,
                    ...)
{
    if (d == NULL)
        return rc;
    int n = 0;
    if (file != NULL && line > 0)
        n = snprintf(d->text, sizeof d->text, "%s:%u: ", file, line);
    else if (file != NULL)
        n = snprintf(d->text, sizeof d->text, "%s: ", file);
    if (n < 0 || (size_t)n >= sizeof d->text)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text + n, sizeof d->text - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}
