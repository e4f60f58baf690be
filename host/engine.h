/* SPDX-License-Identifier: MIT */
/*
 * The KMS host core's counting engine, as the deployment guide describes it:
 * one count shared by every edition, a table of client machine IDs (CMIDs)
 * whose entries live 30 days, renewals that refresh an entry without growing
 * the count, a table that holds twice the highest threshold seen (10, then 50
 * from the first client edition on, never shrinking) and drops its oldest
 * entry when full. Pure: no I/O, the clock is passed in; the store persists
 * what kmsdns_engine_entries() shows and loads it back with _restore().
 */
#ifndef KMSDNS_ENGINE_H
#define KMSDNS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/config.h"
#include "kmsdns/edition.h"

#define KMSDNS_ENTRY_LIFETIME (30u * 24u * 3600u) /* seconds an entry lives unrenewed */
#define KMSDNS_VALIDITY_MIN 259200u               /* 180 days, handed out when activated */
#define KMSDNS_CAPACITY_SERVER 10u
#define KMSDNS_CAPACITY_CLIENT 50u

struct kmsdns_engine_settings {
    enum kmsdns_key_group key_group;
    unsigned activation_interval; /* minutes, handed out as retry */
    unsigned renewal_interval;    /* minutes */
};

struct kmsdns_entry {
    char cmid[37];     /* canonical lowercase UUID */
    uint64_t recorded; /* unix seconds of the last request */
    uint64_t seq;      /* arrival order, strictly increasing */
};

struct kmsdns_answer {
    unsigned count, threshold;
    bool activated;
    unsigned validity, renewal, retry; /* minutes */
};

typedef struct kmsdns_engine kmsdns_engine;

/* An empty engine (capacity 10); NULL when out of memory. Free with kmsdns_engine_free(). */
kmsdns_engine *kmsdns_engine_new(const struct kmsdns_engine_settings *s);
void kmsdns_engine_free(kmsdns_engine *e);

/* Changes the settings (intervals, key group) for the next requests. */
void kmsdns_engine_configure(kmsdns_engine *e, const struct kmsdns_engine_settings *s);

/*
 * Records a request of `cmid` (canonical) for `edition` at `now` and fills
 * *a. KMSDNS_NOTFOUND for an edition not in the table (unknown-edition),
 * KMSDNS_RANGE for one above the host's key group (edition-not-covered):
 * both change nothing. Entries older than 30 days are dropped first.
 */
int kmsdns_engine_request(kmsdns_engine *e, const char *cmid, const char *edition, uint64_t now,
                          struct kmsdns_answer *a);

/* Drops entries older than 30 days at `now` (also done by each request). */
void kmsdns_engine_expire(kmsdns_engine *e, uint64_t now);

unsigned kmsdns_engine_count(const kmsdns_engine *e);
unsigned kmsdns_engine_capacity(const kmsdns_engine *e);

/* The entries, oldest first (valid until the next change), and the next sequence number. */
const struct kmsdns_entry *kmsdns_engine_entries(const kmsdns_engine *e, size_t *n);
uint64_t kmsdns_engine_next_seq(const kmsdns_engine *e);

/*
 * Replaces the state with a stored one (capacity 10 or 50, entries in any
 * order, next_seq above every entry's seq). KMSDNS_INVAL when it is not
 * consistent (a foreign or corrupt store): nothing is changed then.
 */
int kmsdns_engine_restore(kmsdns_engine *e, unsigned capacity, uint64_t next_seq,
                          const struct kmsdns_entry *v, size_t n);

#endif
