/* SPDX-License-Identifier: MIT */
/*
 * Domain-name validation and normalisation. Every name that enters kmsdns
 * from a user (config, publish list, command line) passes through here, so
 * comparisons elsewhere can be plain strcmp on the normal form.
 */
#include "kmsdns/name.h"
#include "kmsdns/error.h"

#include <string.h>

#define LABEL_MAX 63
#define WIRE_MAX 255

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int fail(const char **why, const char *text)
{
    if (why != NULL)
        *why = text;
    return KMSDNS_NAME;
}

/* Checks the label out[start..end) already lowercased. */
static int check_label(const char *label, size_t len, unsigned flags, const char **why)
{
    if (len == 0)
        return fail(why, "empty label (two dots in a row, or a leading dot)");
    if (len > LABEL_MAX)
        return fail(why, "a label is longer than 63 characters");
    size_t first = 0;
    if (label[0] == '_') {
        if (!(flags & KMSDNS_NAME_ALLOW_UNDERSCORE))
            return fail(why, "'_' is not allowed in a host name");
        if (len == 1)
            return fail(why, "a label is only '_'");
        first = 1;
    }
    for (size_t i = first; i < len; i++) {
        if (label[i] == '_')
            return fail(why, "'_' may only start a label");
        if (!is_ldh(label[i]))
            return fail(why, "a label holds a character other than letters, digits and '-'");
    }
    if (label[first] == '-' || label[len - 1] == '-')
        return fail(why, "a label starts or ends with '-'");
    return KMSDNS_OK;
}

int kmsdns_name_normalize(const char *in, unsigned flags, char out[KMSDNS_NAME_BUF],
                          const char **why)
{
    if (in == NULL)
        return fail(why, "no name");
    size_t len = strlen(in);
    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0)
        return fail(why, "empty name");
    /* Presentation length + 2 is the wire length (first length octet, root). */
    if (len + 2 > WIRE_MAX)
        return fail(why, "the name is longer than 255 octets");
    for (size_t i = 0; i < len; i++)
        out[i] = lower(in[i]);
    out[len] = '\0';
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && out[i] != '.')
            continue;
        int rc = check_label(out + start, i - start, flags, why);
        if (rc != KMSDNS_OK)
            return rc;
        start = i + 1;
    }
    return KMSDNS_OK;
}

int kmsdns_name_parent(const char *name, char out[KMSDNS_NAME_BUF])
{
    const char *dot = strchr(name, '.');
    if (dot == NULL || dot[1] == '\0')
        return KMSDNS_NAME;
    size_t n = strlen(dot + 1);
    if (n >= KMSDNS_NAME_BUF)
        return KMSDNS_NAME;
    memcpy(out, dot + 1, n + 1);
    return KMSDNS_OK;
}

int kmsdns_name_join(const char *prefix, const char *domain, char out[KMSDNS_NAME_BUF])
{
    size_t a = strlen(prefix), b = strlen(domain);
    if (a + 1 + b + 2 > WIRE_MAX)
        return KMSDNS_TOOLONG;
    memcpy(out, prefix, a);
    out[a] = '.';
    memcpy(out + a + 1, domain, b + 1);
    return KMSDNS_OK;
}

bool kmsdns_name_is_within(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    if (n == z)
        return strcmp(name, zone) == 0;
    return n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}
