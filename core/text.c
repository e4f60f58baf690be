/* SPDX-License-Identifier: MIT */
/*
 * Text decoding for files users hand us. regedit writes UTF-16LE with a BOM;
 * editors write UTF-8, sometimes with a BOM. Decoding happens once, here,
 * with exact line numbers in every refusal.
 */
#include "kmsdns/text.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int kmsdns_text_read_file(const char *path, char **data, size_t *len, struct kmsdns_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return kmsdns_diag_set(diag, KMSDNS_IO, path, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(KMSDNS_TEXT_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, path, 0, "out of memory");
    }
    size_t n = fread(buf, 1, KMSDNS_TEXT_FILE_MAX + 1, f);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    int rc = KMSDNS_OK;
    if (err != 0)
        rc = kmsdns_diag_set(diag, KMSDNS_IO, path, 0, "cannot read: %s", strerror(err));
    else if (n > KMSDNS_TEXT_FILE_MAX)
        rc = kmsdns_diag_set(diag, KMSDNS_TOOLONG, path, 0, "file larger than %u bytes",
                             KMSDNS_TEXT_FILE_MAX);
    if (rc != KMSDNS_OK) {
        OPENSSL_cleanse(buf, n); /* the file may hold a secret */
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return KMSDNS_OK;
}

/* Appends code point cp as UTF-8 to out (room is guaranteed by the caller). */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int refuse(struct kmsdns_diag *diag, const char *source, unsigned line, const char *why)
{
    return kmsdns_diag_set(diag, KMSDNS_ENCODING, source, line, "%s", why);
}

/* Decodes UTF-16LE units in p[0..n) (n even) into out; counts lines for errors. */
static int utf16le_to_utf8(const unsigned char *p, size_t n, const char *source, char *out,
                           size_t *outlen, struct kmsdns_diag *diag)
{
    size_t o = 0;
    unsigned line = 1;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t u = (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8);
        if (u >= 0xDC00 && u <= 0xDFFF)
            return refuse(diag, source, line, "invalid UTF-16: unpaired low surrogate");
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t v = i + 3 < n ? ((uint32_t)p[i + 2] | ((uint32_t)p[i + 3] << 8)) : 0;
            if (v < 0xDC00 || v > 0xDFFF)
                return refuse(diag, source, line, "invalid UTF-16: unpaired high surrogate");
            u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            i += 2;
        }
        if (u == 0)
            return refuse(diag, source, line, "NUL character in text");
        if (u == '\n')
            line++;
        o += put_utf8(out + o, u);
    }
    out[o] = '\0';
    *outlen = o;
    return KMSDNS_OK;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t min, cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0)
        len = 2, min = 0x80, cp = p[0] & 0x1F;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3, min = 0x800, cp = p[0] & 0x0F;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4, min = 0x10000, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static int check_utf8(const unsigned char *p, size_t n, const char *source,
                      struct kmsdns_diag *diag)
{
    unsigned line = 1;
    for (size_t i = 0; i < n;) {
        if (p[i] == '\0')
            return refuse(diag, source, line, "NUL byte in text");
        if (p[i] == '\n')
            line++;
        size_t l = utf8_seq_len(p + i, n - i);
        if (l == 0)
            return refuse(diag, source, line, "invalid UTF-8");
        i += l;
    }
    return KMSDNS_OK;
}

static bool looks_utf16le(const unsigned char *p, size_t len)
{
    return len >= 2 && p[0] != 0 && p[1] == 0;
}

int kmsdns_text_decode(const void *data, size_t len, const char *source, char **out, size_t *outlen,
                       struct kmsdns_diag *diag)
{
    const unsigned char *p = data;
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return refuse(diag, source, 1,
                      "UTF-16BE text is not supported (save as UTF-16LE or UTF-8)");
    bool utf16 = false;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        p += 2, len -= 2, utf16 = true;
    } else if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3, len -= 3;
    } else if (looks_utf16le(p, len)) {
        utf16 = true;
    }
    if (utf16 && len % 2 != 0)
        return refuse(diag, source, 0, "UTF-16 text with an odd number of bytes (truncated?)");
    /* UTF-16 → UTF-8 grows at most 3/2 per unit (BMP) or 4/4 (pairs). */
    size_t cap = utf16 ? len / 2 * 3 + 1 : len + 1;
    char *buf = malloc(cap);
    if (buf == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, source, 0, "out of memory");
    int rc;
    if (utf16) {
        rc = utf16le_to_utf8(p, len, source, buf, outlen, diag);
    } else {
        rc = check_utf8(p, len, source, diag);
        if (rc == KMSDNS_OK) {
            memcpy(buf, p, len);
            buf[len] = '\0';
            *outlen = len;
        }
    }
    if (rc != KMSDNS_OK) {
        OPENSSL_cleanse(buf, cap); /* partly decoded text may hold a secret */
        free(buf);
        return rc;
    }
    *out = buf;
    return KMSDNS_OK;
}

void kmsdns_lines_init(struct kmsdns_lines *it, char *text, size_t len)
{
    it->next = text;
    it->end = text + len;
    it->lineno = 0;
}

char *kmsdns_lines_next(struct kmsdns_lines *it)
{
    if (it->next == NULL || it->next >= it->end)
        return NULL;
    char *line = it->next;
    char *nl = memchr(line, '\n', (size_t)(it->end - line));
    if (nl != NULL) {
        *nl = '\0';
        it->next = nl + 1;
    } else {
        it->next = it->end;
    }
    size_t l = strlen(line);
    if (l > 0 && line[l - 1] == '\r')
        line[l - 1] = '\0';
    it->lineno++;
    return line;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *kmsdns_text_trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool kmsdns_text_echo_safe(const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && strchr("-_.*+", c) == NULL)
            return false;
    }
    return true;
}

bool kmsdns_text_looks_like_key(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return strncmp(line, "key ", 4) == 0 || strncmp(line, "key\t", 4) == 0 ||
           strncmp(line, "secret", 6) == 0 || strncmp(line, "algorithm", 9) == 0 ||
           strstr(line, "secret \"") != NULL;
}
