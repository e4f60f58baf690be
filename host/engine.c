/* SPDX-License-Identifier: MIT */
/*
 * The counting engine. The table holds at most 50 entries, so plain arrays
 * and linear scans are the clearest form: entries are kept in arrival order
 * (oldest first), which is also the order of expiry and of eviction.
 */
#include "engine.h"
#include "kmsdns/error.h"

#include <stdlib.h>
#include <string.h>

struct kmsdns_engine {
    struct kmsdns_engine_settings s;
    struct kmsdns_entry v[KMSDNS_CAPACITY_CLIENT]; /* oldest first */
    size_t n;
    unsigned capacity;
    uint64_t next_seq;
};

kmsdns_engine *kmsdns_engine_new(const struct kmsdns_engine_settings *s)
{
    kmsdns_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->s = *s;
    e->capacity = KMSDNS_CAPACITY_SERVER;
    e->next_seq = 1;
    return e;
}

void kmsdns_engine_free(kmsdns_engine *e)
{
    free(e);
}

void kmsdns_engine_configure(kmsdns_engine *e, const struct kmsdns_engine_settings *s)
{
    e->s = *s;
}

static void drop(kmsdns_engine *e, size_t i)
{
    memmove(&e->v[i], &e->v[i + 1], (e->n - i - 1) * sizeof e->v[0]);
    e->n--;
}

void kmsdns_engine_expire(kmsdns_engine *e, uint64_t now)
{
    /* arrival order is age order, as long as the clock does not run back */
    for (size_t i = 0; i < e->n;)
        if (now >= e->v[i].recorded && now - e->v[i].recorded >= KMSDNS_ENTRY_LIFETIME)
            drop(e, i);
        else
            i++;
}

static size_t find(const kmsdns_engine *e, const char *cmid)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].cmid, cmid) == 0)
            return i;
    return SIZE_MAX;
}

int kmsdns_engine_request(kmsdns_engine *e, const char *cmid, const char *edition, uint64_t now,
                          struct kmsdns_answer *a)
{
    const struct kmsdns_edition *ed = kmsdns_edition_find(edition);
    if (ed == NULL)
        return KMSDNS_NOTFOUND;
    if (ed->group > e->s.key_group)
        return KMSDNS_RANGE;
    kmsdns_engine_expire(e, now);
    /* the first client edition doubles the highest threshold seen: 10 -> 50, for good */
    if (ed->family == KMSDNS_FAMILY_CLIENT)
        e->capacity = KMSDNS_CAPACITY_CLIENT;
    size_t i = find(e, cmid);
    if (i != SIZE_MAX)
        drop(e, i); /* a renewal: its entry moves to the end, the count does not grow */
    else if (e->n == e->capacity)
        drop(e, 0); /* full: the oldest goes */
    struct kmsdns_entry *x = &e->v[e->n++];
    memset(x, 0, sizeof *x);
    strncpy(x->cmid, cmid, sizeof x->cmid - 1);
    x->recorded = now;
    x->seq = e->next_seq++;
    a->count = (unsigned)e->n;
    a->threshold = kmsdns_threshold(ed->family);
    a->activated = a->count >= a->threshold;
    a->validity = a->activated ? KMSDNS_VALIDITY_MIN : 0;
    a->renewal = e->s.renewal_interval;
    a->retry = e->s.activation_interval;
    return KMSDNS_OK;
}

unsigned kmsdns_engine_count(const kmsdns_engine *e)
{
    return (unsigned)e->n;
}

unsigned kmsdns_engine_capacity(const kmsdns_engine *e)
{
    return e->capacity;
}

const struct kmsdns_entry *kmsdns_engine_entries(const kmsdns_engine *e, size_t *n)
{
    *n = e->n;
    return e->v;
}

uint64_t kmsdns_engine_next_seq(const kmsdns_engine *e)
{
    return e->next_seq;
}

static int by_seq(const void *a, const void *b)
{
    const struct kmsdns_entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int kmsdns_engine_restore(kmsdns_engine *e, unsigned capacity, uint64_t next_seq,
                          const struct kmsdns_entry *v, size_t n)
{
    if ((capacity != KMSDNS_CAPACITY_SERVER && capacity != KMSDNS_CAPACITY_CLIENT) || n > capacity)
        return KMSDNS_INVAL;
    struct kmsdns_entry tmp[KMSDNS_CAPACITY_CLIENT];
    memcpy(tmp, v, n * sizeof *v);
    qsort(tmp, n, sizeof *tmp, by_seq);
    for (size_t i = 0; i < n; i++) {
        if (tmp[i].seq >= next_seq || (i > 0 && tmp[i].seq == tmp[i - 1].seq) ||
            strlen(tmp[i].cmid) != 36)
            return KMSDNS_INVAL;
        for (size_t k = 0; k < i; k++)
            if (strcmp(tmp[k].cmid, tmp[i].cmid) == 0)
                return KMSDNS_INVAL;
    }
    memcpy(e->v, tmp, n * sizeof *tmp);
    e->n = n;
    e->capacity = capacity;
    e->next_seq = next_seq;
    return KMSDNS_OK;
}
