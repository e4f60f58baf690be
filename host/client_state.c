/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's state file, kept like a Windows client keeps its CMID and
 * cached host: read line by line with strict checks, written atomically.
 */
#include "client_state.h"

#include "kmsdns/atomicfile.h"
#include "kmsdns/number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#define STATE_FILE_MAX 65536

void client_new_cmid(char out[KMSDNS_HP_CMID_LEN + 1])
{
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (uint8_t)(rand() & 0xff);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, KMSDNS_HP_CMID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

/* 1..65535 as client_state_save() writes it (no leading zero); 0 otherwise. */
static int parse_port(const char *s, size_t n)
{
    uint64_t v = 0;
    if (n == 0 || s[0] == '0' || kmsdns_parse_uintn(s, n, 1, 65535, &v) != KMSDNS_OK)
        return 0;
    return (int)v;
}

static void parse_cmid(const char *v, size_t n, struct client_state *st)
{
    char cmid[KMSDNS_HP_CMID_LEN + 1], probe[KMSDNS_HP_LINE_MAX + 1];
    if (n != KMSDNS_HP_CMID_LEN)
        return;
    memcpy(cmid, v, n);
    cmid[n] = '\0';
    /* the protocol codec is the one judge of a CMID's form */
    if (kmsdns_hostproto_request(probe, sizeof probe, cmid, "x", "x") > 0)
        memcpy(st->cmid, cmid, n + 1);
}

static void parse_host(const char *v, size_t n, struct client_state *st)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == ':')
            colon = v + i;
    char name[KMSDNS_NAME_BUF];
    if (colon == NULL || (size_t)(colon - v) >= sizeof name)
        return;
    int port = parse_port(colon + 1, n - (size_t)(colon + 1 - v));
    memcpy(name, v, (size_t)(colon - v));
    name[colon - v] = '\0';
    const char *why = NULL;
    if (port > 0 && kmsdns_name_normalize(name, KMSDNS_NAME_HOST, st->host, &why) == KMSDNS_OK)
        st->port = (uint16_t)port;
    else
        st->host[0] = '\0';
}

void client_state_parse(const char *text, size_t len, struct client_state *st)
{
    memset(st, 0, sizeof *st);
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 5 && memcmp(p, "cmid=", 5) == 0)
            parse_cmid(p + 5, n - 5, st);
        else if (n > 5 && memcmp(p, "host=", 5) == 0)
            parse_host(p + 5, n - 5, st);
        p += n + 1;
    }
}

void client_state_load(const char *path, struct client_state *st)
{
    memset(st, 0, sizeof *st);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char *buf = malloc(STATE_FILE_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, STATE_FILE_MAX + 1, f) : 0;
    if (n <= STATE_FILE_MAX && !ferror(f))
        client_state_parse(buf, n, st);
    free(buf);
    fclose(f);
}

static void make_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
}

int client_state_save(const char *path, const struct client_state *st, struct kmsdns_diag *d)
{
    make_parent(path);
    kmsdns_atomic *a = NULL;
    int rc = kmsdns_atomic_open(path, 0600, &a, d);
    if (rc != KMSDNS_OK)
        return rc;
    FILE *f = kmsdns_atomic_stream(a);
    fprintf(f, "# kmsdns-client state: this machine's CMID and the KMS host that answered last\n");
    if (st->cmid[0] != '\0')
        fprintf(f, "cmid=%s\n", st->cmid);
    if (st->host[0] != '\0')
        fprintf(f, "host=%s:%u\n", st->host, st->port);
    return kmsdns_atomic_commit(a, d);
}
