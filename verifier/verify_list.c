/* SPDX-License-Identifier: MIT */
/* kmsdns-verify's --domains-from reader: whole lines, FILE:LINE refusals. */
#include "verify_list.h"

#include "kmsdns/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void verify_list_init(struct verify_list *l, FILE *f, const char *path)
{
    memset(l, 0, sizeof *l);
    l->f = f;
    l->path = path;
}

void verify_list_deinit(struct verify_list *l)
{
    free(l->buf);
    l->buf = NULL;
    l->cap = 0;
}

int verify_list_line(char *line, size_t len, char out[KMSDNS_NAME_BUF], char *why, size_t cap)
{
    if (len > VERIFY_LIST_LINE_MAX)
        return snprintf(why, cap, "line longer than %d bytes", VERIFY_LIST_LINE_MAX), -1;
    if (memchr(line, '\0', len) != NULL)
        return snprintf(why, cap, "a NUL byte: this is not a text file of domains"), -1;
    if (kmsdns_text_looks_like_key(line))
        return snprintf(why, cap,
                        "this looks like a TSIG key file, not a list of domains (the line is "
                        "not shown: it may hold the secret)"),
               -1;
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    char *t = kmsdns_text_trim(line);
    if (*t == '\0')
        return 0;
    const char *reason = NULL;
    if (kmsdns_name_normalize(t, KMSDNS_NAME_HOST, out, &reason) == KMSDNS_OK)
        return 1;
    if (kmsdns_text_echo_safe(t))
        snprintf(why, cap, "bad domain name '%s': %s", t, reason);
    else
        snprintf(why, cap, "not a domain name (not shown: it holds characters no domain name has)");
    return -1;
}

int verify_list_next(struct verify_list *l, char out[KMSDNS_NAME_BUF], char *why, size_t cap)
{
    ssize_t n;
    errno = 0;
    while ((n = getline(&l->buf, &l->cap, l->f)) >= 0) {
        l->line++;
        size_t len = (size_t)n;
        if (len > 0 && l->buf[len - 1] == '\n')
            l->buf[--len] = '\0';
        char reason[512];
        int r = verify_list_line(l->buf, len, out, reason, sizeof reason);
        if (r == 0)
            continue;
        if (r < 0)
            snprintf(why, cap, "%s:%u: %s", l->path, l->line, reason);
        return r;
    }
    if (errno != 0 && errno != EINVAL) {
        snprintf(why, cap, "%s: cannot read: %s", l->path, strerror(errno));
        return -1;
    }
    return 0;
}
