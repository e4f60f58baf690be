/* SPDX-License-Identifier: MIT */
/*
 * .reg export parsing, limited to what DnsDomainPublishList needs. Format
 * facts: version 5 files store REG_MULTI_SZ as UTF-16LE code units in
 * hex(7):, REGEDIT4 files as 8-bit characters; each string ends with a NUL
 * and the list with an extra NUL; long values wrap with a trailing '\'.
 */
#include "kmsdns/regfile.h"
#include "kmsdns/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char header_v5[] = "Windows Registry Editor Version 5.00";
static const char header_v4[] = "REGEDIT4";
static const char value_name[] = "DnsDomainPublishList";
static const char *const accepted_keys[] = {
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SoftwareProtectionPlatform",
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SL",
};

struct reg_parse {
    struct kmsdns_lines lines;
    const char *source;
    int version; /* 5 or 4 */
    bool in_key;
    unsigned found;
    kmsdns_reg_entry_fn fn;
    void *ctx;
    struct kmsdns_diag *diag;
};

bool kmsdns_reg_is_reg(const char *text)
{
    while (*text == '\r' || *text == '\n' || *text == ' ' || *text == '\t')
        text++;
    return strncmp(text, header_v5, sizeof header_v5 - 1) == 0 ||
           strncmp(text, header_v4, sizeof header_v4 - 1) == 0;
}

/* "[HKEY_LOCAL_MACHINE\<path>]" (or HKLM\) names one of the accepted keys. */
static bool is_accepted_key(const char *line)
{
    size_t n = strlen(line);
    if (n < 2 || line[0] != '[' || line[n - 1] != ']' || line[1] == '-')
        return false;
    const char *p = line + 1;
    size_t plen = n - 2;
    static const char *const roots[] = {"HKEY_LOCAL_MACHINE\\", "HKLM\\"};
    for (size_t r = 0; r < 2; r++) {
        size_t rl = strlen(roots[r]);
        if (plen < rl || strncasecmp(p, roots[r], rl) != 0)
            continue;
        for (size_t k = 0; k < 2; k++) {
            size_t kl = strlen(accepted_keys[k]);
            if (plen - rl == kl && strncasecmp(p + rl, accepted_keys[k], kl) == 0)
                return true;
        }
    }
    return false;
}

static int syntax(struct reg_parse *rp, unsigned line, const char *why)
{
    return kmsdns_diag_set(rp->diag, KMSDNS_SYNTAX, rp->source, line, "%s", why);
}

/* Joins a value line with its '\'-continued lines into a malloc'd string. */
static int logical_line(struct reg_parse *rp, char *first, char **out)
{
    size_t cap = strlen(first) + 1, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return KMSDNS_NOMEM;
    for (char *part = first;;) {
        part = kmsdns_text_trim(part);
        size_t pl = strlen(part);
        bool more = pl > 0 && part[pl - 1] == '\\';
        if (more)
            pl--;
        if (len + pl + 1 > cap) {
            cap = (len + pl + 1) * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                return KMSDNS_NOMEM;
            }
            buf = nb;
        }
        memcpy(buf + len, part, pl);
        len += pl;
        buf[len] = '\0';
        if (!more || (part = kmsdns_lines_next(&rp->lines)) == NULL)
            break;
    }
    *out = buf;
    return KMSDNS_OK;
}

/* Reads the quoted value name at *p (regedit escapes \\ and \"), advancing p
 * past the closing quote. Returns false for an unterminated name. */
static bool value_name_is_ours(char **p, bool *ours)
{
    char name[256];
    size_t n = 0;
    char *s = *p + 1;
    for (; *s != '\0' && *s != '"'; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        if (n < sizeof name - 1)
            name[n++] = *s;
    }
    if (*s != '"')
        return false;
    name[n] = '\0';
    *ours = strcasecmp(name, value_name) == 0;
    *p = s + 1;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses "hh,hh,...": bytes into out (capacity >= strlen(s)/2 + 1). */
static int parse_hex(struct reg_parse *rp, unsigned line, const char *s, unsigned char *out,
                     size_t *n)
{
    *n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return KMSDNS_OK;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (hi < 0 || lo < 0)
            return syntax(rp, line,
                          "DnsDomainPublishList: hex data is not two-digit bytes "
                          "separated by commas (truncated?)");
        out[(*n)++] = (unsigned char)(hi << 4 | lo);
        s += 2;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            return KMSDNS_OK;
        if (*s++ != ',')
            return syntax(rp, line, "DnsDomainPublishList: expected ',' between hex bytes");
    }
}

static int entry_error(struct reg_parse *rp, int rc, unsigned line, unsigned idx, const char *why)
{
    return kmsdns_diag_set(rp->diag, rc, rp->source, line, "DnsDomainPublishList string %u: %s",
                           idx, why);
}

/* Splits REG_MULTI_SZ bytes into strings and hands each to the callback. */
static int emit_strings(struct reg_parse *rp, unsigned line, const unsigned char *b, size_t n)
{
    size_t unit = rp->version == 5 ? 2 : 1;
    if (n % unit != 0)
        return kmsdns_diag_set(rp->diag, KMSDNS_ENCODING, rp->source, line,
                               "DnsDomainPublishList: odd number of bytes in UTF-16 data");
    char cur[1024];
    size_t len = 0;
    unsigned idx = 1;
    for (size_t i = 0; i < n; i += unit) {
        uint32_t u = unit == 2 ? (uint32_t)b[i] | ((uint32_t)b[i + 1] << 8) : b[i];
        if (u != 0) {
            if (u >= 0x80)
                return entry_error(rp, KMSDNS_ENCODING, line, idx,
                                   "non-ASCII character (write IDN names in their xn-- form)");
            if (len == sizeof cur - 1)
                return entry_error(rp, KMSDNS_TOOLONG, line, idx, "longer than 1023 characters");
            cur[len++] = (char)u;
            continue;
        }
        if (len == 0) { /* the list's terminator: only padding may follow */
            for (size_t j = i; j < n; j++)
                if (b[j] != 0)
                    return entry_error(rp, KMSDNS_EMPTY, line, idx, "empty string inside the list");
            return KMSDNS_OK;
        }
        cur[len] = '\0';
        int rc = rp->fn(rp->ctx, cur, line);
        if (rc != KMSDNS_OK)
            return rc;
        len = 0;
        idx++;
    }
    if (len > 0)
        return entry_error(rp, KMSDNS_SYNTAX, line, idx,
                           "value is truncated (the last string has no terminating NUL)");
    return KMSDNS_OK;
}

static int handle_value(struct reg_parse *rp, char *line)
{
    unsigned at = rp->lines.lineno;
    char *text;
    int rc = logical_line(rp, line, &text);
    if (rc != KMSDNS_OK)
        return kmsdns_diag_set(rp->diag, rc, rp->source, at, "out of memory");
    char *p = text;
    bool ours = false;
    if (*p == '"' && !value_name_is_ours(&p, &ours))
        rc = syntax(rp, at, "unterminated value name");
    if (rc == KMSDNS_OK && ours && rp->in_key) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '=')
            rc = syntax(rp, at, "expected '=' after the value name");
        else if (strcmp(p, "-") == 0)
            rc = KMSDNS_OK; /* a deletion: the value is not there */
        else if (strncasecmp(p, "hex(7):", 7) != 0)
            rc = syntax(rp, at,
                        "DnsDomainPublishList must be a multi-string value "
                        "(REG_MULTI_SZ, exported as hex(7):)");
        else {
            unsigned char *bytes = malloc(strlen(p) / 2 + 1);
            size_t n = 0;
            rc = bytes == NULL ? KMSDNS_NOMEM : parse_hex(rp, at, p + 7, bytes, &n);
            if (rc == KMSDNS_OK) {
                rp->found++;
                rc = emit_strings(rp, at, bytes, n);
            }
            free(bytes);
        }
    }
    free(text);
    return rc;
}

static int check_header(struct reg_parse *rp)
{
    char *line;
    while ((line = kmsdns_lines_next(&rp->lines)) != NULL) {
        line = kmsdns_text_trim(line);
        if (*line == '\0')
            continue;
        if (strcmp(line, header_v5) == 0)
            rp->version = 5;
        else if (strcmp(line, header_v4) == 0)
            rp->version = 4;
        else
            return syntax(rp, rp->lines.lineno,
                          "not a regedit export (expected "
                          "\"Windows Registry Editor Version 5.00\" "
                          "or \"REGEDIT4\")");
        return KMSDNS_OK;
    }
    return syntax(rp, 0, "empty file");
}

int kmsdns_reg_parse(char *text, size_t len, const char *source, kmsdns_reg_entry_fn fn, void *ctx,
                     struct kmsdns_diag *diag)
{
    struct reg_parse rp = {.source = source, .fn = fn, .ctx = ctx, .diag = diag};
    kmsdns_lines_init(&rp.lines, text, len);
    int rc = check_header(&rp);
    char *line;
    while (rc == KMSDNS_OK && (line = kmsdns_lines_next(&rp.lines)) != NULL) {
        char *t = kmsdns_text_trim(line);
        if (*t == '[')
            rp.in_key = is_accepted_key(t);
        else if (*t == '"' || *t == '@')
            rc = handle_value(&rp, t);
        else if (*t != '\0' && *t != ';')
            rc = syntax(&rp, rp.lines.lineno, "line is neither a [key], a value nor a comment");
    }
    if (rc == KMSDNS_OK && rp.found == 0)
        rc = kmsdns_diag_set(diag, KMSDNS_NOTFOUND, source, 0,
                             "no DnsDomainPublishList value under HKEY_LOCAL_MACHINE\\%s "
                             "(or ...\\CurrentVersion\\SL)",
                             accepted_keys[0]);
    return rc;
}
