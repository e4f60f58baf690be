/* SPDX-License-Identifier: MIT */
/*
 * The publish list: parsing of registry-syntax entries, duplicate detection
 * (a hash of normalised domains, so 100 000 entries stay linear), and loading
 * from plain or .reg files with all-or-nothing semantics.
 */
#include "kmsdns/publist.h"
#include "kmsdns/number.h"
#include "kmsdns/regfile.h"
#include "kmsdns/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_LINE_MAX 1024

struct kmsdns_publist {
    struct kmsdns_publist_entry *v;
    size_t n, cap;
    size_t *slots; /* open addressing: index+1 of an entry, 0 = empty */
    size_t nslots;
    char **sources;
    size_t nsources;
};

kmsdns_publist *kmsdns_publist_new(void)
{
    return calloc(1, sizeof(kmsdns_publist));
}

void kmsdns_publist_free(kmsdns_publist *pl)
{
    if (pl == NULL)
        return;
    for (size_t i = 0; i < pl->nsources; i++)
        free(pl->sources[i]);
    free(pl->sources);
    free(pl->slots);
    free(pl->v);
    free(pl);
}

size_t kmsdns_publist_count(const kmsdns_publist *pl)
{
    return pl->n;
}

const struct kmsdns_publist_entry *kmsdns_publist_get(const kmsdns_publist *pl, size_t i)
{
    return i < pl->n ? &pl->v[i] : NULL;
}

static size_t hash_name(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Slot holding `domain`, or the empty slot where it would go. */
static size_t *find_slot(const kmsdns_publist *pl, const char *domain)
{
    size_t mask = pl->nslots - 1;
    for (size_t i = hash_name(domain) & mask;; i = (i + 1) & mask) {
        size_t *s = &pl->slots[i];
        if (*s == 0 || strcmp(pl->v[*s - 1].domain, domain) == 0)
            return s;
    }
}

/* Truncates the list back to n entries (undo of a failed load) and rebuilds
 * the hash in place, so undoing never needs memory. */
static void truncate_to(kmsdns_publist *pl, size_t n)
{
    pl->n = n;
    if (pl->slots == NULL)
        return;
    memset(pl->slots, 0, pl->nslots * sizeof *pl->slots);
    for (size_t i = 0; i < n; i++)
        *find_slot(pl, pl->v[i].domain) = i + 1;
}

/* Rebuilds the hash for entries [0, n) with room for at least `want` entries. */
static int rehash(kmsdns_publist *pl, size_t want)
{
    size_t ns = 16;
    while (ns < want * 2)
        ns *= 2;
    size_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return KMSDNS_NOMEM;
    free(pl->slots);
    pl->slots = slots;
    pl->nslots = ns;
    truncate_to(pl, pl->n);
    return KMSDNS_OK;
}

static int reserve(kmsdns_publist *pl)
{
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 8;
        void *v = realloc(pl->v, cap * sizeof *pl->v);
        if (v == NULL)
            return KMSDNS_NOMEM;
        pl->v = v;
        pl->cap = cap;
    }
    if ((pl->n + 1) * 2 > pl->nslots)
        return rehash(pl, pl->n + 1);
    return KMSDNS_OK;
}

/* Interns `source` so entries can point at it for the list's lifetime. */
static const char *intern_source(kmsdns_publist *pl, const char *source)
{
    if (source == NULL)
        return NULL;
    for (size_t i = pl->nsources; i-- > 0;)
        if (strcmp(pl->sources[i], source) == 0)
            return pl->sources[i];
    char **s = realloc(pl->sources, (pl->nsources + 1) * sizeof *s);
    if (s == NULL)
        return NULL;
    pl->sources = s;
    if ((s[pl->nsources] = strdup(source)) == NULL)
        return NULL;
    return s[pl->nsources++];
}

/* Parses "0..65535" with nothing else (no sign, no spaces inside). */
static bool parse_u16(const char *s, uint16_t *out)
{
    uint64_t v = 0;
    if (kmsdns_parse_uint(s, 0, 65535, &v) != KMSDNS_OK)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* Splits text at commas into at most 3 trimmed fields; returns the count (4 = too many). */
static size_t split_fields(char *text, char *f[3])
{
    size_t n = 0;
    for (char *p = text;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (n == 3)
            return 4;
        f[n++] = kmsdns_text_trim(p);
        if (comma == NULL)
            return n;
        p = comma + 1;
    }
}

/* A field as messages may show it: itself when it cannot be a secret. */
static const char *shown(const char *field, char out[300])
{
    if (kmsdns_text_echo_safe(field))
        snprintf(out, 300, "'%s'", field);
    else
        snprintf(out, 300, "(not shown: it holds characters no domain name has)");
    return out;
}

static int parse_entry(const char *text, const char *source, unsigned line,
                       struct kmsdns_publist_entry *e, struct kmsdns_diag *diag)
{
    char buf[LIST_LINE_MAX], show[300];
    if (strlen(text) >= sizeof buf)
        return kmsdns_diag_set(diag, KMSDNS_TOOLONG, source, line, "publish list entry too long");
    if (kmsdns_text_looks_like_key(text))
        return kmsdns_diag_set(diag, KMSDNS_SYNTAX, source, line,
                               "this looks like a TSIG key file, not a publish list (the line is "
                               "not shown: it may hold the secret)");
    strcpy(buf, text);
    char *f[3];
    size_t nf = split_fields(buf, f);
    if (nf == 1 && *f[0] == '\0')
        return kmsdns_diag_set(diag, KMSDNS_EMPTY, source, line, "empty publish list entry");
    if (nf != 1 && nf != 3)
        return kmsdns_diag_set(diag, KMSDNS_SYNTAX, source, line,
                               "publish list entry with %s fields is not domain or "
                               "domain,priority,weight",
                               nf == 2 ? "2" : "more than 3");
    const char *why = NULL;
    if (kmsdns_name_normalize(f[0], KMSDNS_NAME_HOST, e->domain, &why) != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_NAME, source, line, "bad domain name %s: %s",
                               shown(f[0], show), why);
    e->priority = e->weight = 0;
    if (nf == 3 && !parse_u16(f[1], &e->priority))
        return kmsdns_diag_set(diag, KMSDNS_RANGE, source, line,
                               "priority %s for %s is not a number from 0 to 65535",
                               shown(f[1], show), e->domain);
    if (nf == 3 && !parse_u16(f[2], &e->weight))
        return kmsdns_diag_set(diag, KMSDNS_RANGE, source, line,
                               "weight %s for %s is not a number from 0 to 65535",
                               shown(f[2], show), e->domain);
    e->line = line;
    return KMSDNS_OK;
}

static int duplicate(const struct kmsdns_publist_entry *first, const char *source, unsigned line,
                     struct kmsdns_diag *diag)
{
    if (first->source != NULL && first->line > 0)
        return kmsdns_diag_set(diag, KMSDNS_DUPLICATE, source, line,
                               "domain %s is listed twice (first at %s:%u)", first->domain,
                               first->source, first->line);
    return kmsdns_diag_set(diag, KMSDNS_DUPLICATE, source, line, "domain %s is listed twice",
                           first->domain);
}

int kmsdns_publist_add(kmsdns_publist *pl, const char *text, const char *source, unsigned line,
                       struct kmsdns_diag *diag)
{
    struct kmsdns_publist_entry e;
    int rc = parse_entry(text, source, line, &e, diag);
    if (rc != KMSDNS_OK)
        return rc;
    if (reserve(pl) != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, source, line, "out of memory");
    size_t *slot = find_slot(pl, e.domain);
    if (*slot != 0)
        return duplicate(&pl->v[*slot - 1], source, line, diag);
    e.source = intern_source(pl, source);
    if (source != NULL && e.source == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, source, line, "out of memory");
    pl->v[pl->n] = e;
    *slot = ++pl->n;
    return KMSDNS_OK;
}

static int load_plain(kmsdns_publist *pl, char *text, size_t len, const char *source,
                      struct kmsdns_diag *diag)
{
    struct kmsdns_lines it;
    kmsdns_lines_init(&it, text, len);
    char *line;
    while ((line = kmsdns_lines_next(&it)) != NULL) {
        if (strlen(line) >= LIST_LINE_MAX)
            return kmsdns_diag_set(diag, KMSDNS_TOOLONG, source, it.lineno,
                                   "line longer than %d bytes", LIST_LINE_MAX - 1);
        char *t = kmsdns_text_trim(line);
        if (*t == '\0' || *t == '#' || *t == ';')
            continue;
        int rc = kmsdns_publist_add(pl, t, source, it.lineno, diag);
        if (rc != KMSDNS_OK)
            return rc;
    }
    return KMSDNS_OK;
}

struct reg_ctx {
    kmsdns_publist *pl;
    const char *source;
    struct kmsdns_diag *diag;
};

static int reg_entry(void *ctx, const char *entry, unsigned line)
{
    struct reg_ctx *rc = ctx;
    return kmsdns_publist_add(rc->pl, entry, rc->source, line, rc->diag);
}

int kmsdns_publist_load_buffer(kmsdns_publist *pl, const void *data, size_t len, const char *source,
                               struct kmsdns_diag *diag)
{
    char *text;
    size_t tlen;
    int rc = kmsdns_text_decode(data, len, source, &text, &tlen, diag);
    if (rc != KMSDNS_OK)
        return rc;
    size_t before = pl->n;
    if (kmsdns_reg_is_reg(text)) {
        struct reg_ctx ctx = {pl, source, diag};
        rc = kmsdns_reg_parse(text, tlen, source, reg_entry, &ctx, diag);
        /* the .reg reader's own allocations fail without a message */
        if (rc == KMSDNS_NOMEM && diag != NULL && diag->text[0] == '\0')
            kmsdns_diag_set(diag, rc, source, 0, "out of memory");
    } else {
        rc = load_plain(pl, text, tlen, source, diag);
    }
    free(text);
    if (rc != KMSDNS_OK)
        truncate_to(pl, before);
    return rc;
}

int kmsdns_publist_load_file(kmsdns_publist *pl, const char *path, struct kmsdns_diag *diag)
{
    char *data;
    size_t len;
    int rc = kmsdns_text_read_file(path, &data, &len, diag);
    if (rc != KMSDNS_OK)
        return rc;
    rc = kmsdns_publist_load_buffer(pl, data, len, path, diag);
    free(data);
    return rc;
}

int kmsdns_publist_default(kmsdns_publist *pl, const char *fqdn, struct kmsdns_diag *diag)
{
    if (pl->n > 0)
        return KMSDNS_OK;
    char parent[KMSDNS_NAME_BUF];
    if (kmsdns_name_parent(fqdn, parent) != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_NAME, NULL, 0,
                               "fqdn %s has no parent domain to publish into; list domains "
                               "in [publish]",
                               fqdn);
    return kmsdns_publist_add(pl, parent, NULL, 0, diag);
}
