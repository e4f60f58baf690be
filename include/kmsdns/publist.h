/* SPDX-License-Identifier: MIT */
/*
 * DnsDomainPublishList: the domains a KMS host publishes its SRV record
 * into, each `domain[,priority,weight]` as in the Windows registry value
 * (spaces around commas tolerated; priority and weight 0..65535, default 0).
 * Entries come from the config, a plain list file or a .reg export; each
 * remembers where it came from so every message can name the file and line.
 * Duplicates and empty entries are refused, never silently merged.
 */
#ifndef KMSDNS_PUBLIST_H
#define KMSDNS_PUBLIST_H

#include <stddef.h>
#include <stdint.h>

#include "kmsdns/error.h"
#include "kmsdns/name.h"

struct kmsdns_publist_entry {
    char domain[KMSDNS_NAME_BUF]; /* normalised (kmsdns/name.h) */
    uint16_t priority;
    uint16_t weight;
    const char *source; /* file it came from; owned by the list */
    unsigned line;      /* 0 when not from a file line (the fqdn default) */
};

typedef struct kmsdns_publist kmsdns_publist;

/* An empty list; NULL when out of memory. Free with kmsdns_publist_free(). */
kmsdns_publist *kmsdns_publist_new(void);
void kmsdns_publist_free(kmsdns_publist *pl);

/*
 * Parses one entry and appends it. `source`/`line` are for messages (source
 * is copied). Errors, with diag "SOURCE:LINE: why": KMSDNS_EMPTY,
 * KMSDNS_SYNTAX (field count), KMSDNS_RANGE (priority/weight), KMSDNS_NAME,
 * KMSDNS_DUPLICATE (names the first occurrence), KMSDNS_NOMEM.
 * On error the list is unchanged.
 */
int kmsdns_publist_add(kmsdns_publist *pl, const char *text, const char *source, unsigned line,
                       struct kmsdns_diag *diag);

/*
 * Appends the entries of a file or buffer: a .reg export when the text starts
 * with a regedit header (UTF-16LE or UTF-8), else a plain list, one entry per
 * line, blank lines and lines starting with '#' or ';' ignored.
 * All or nothing: on any error the list is unchanged.
 */
int kmsdns_publist_load_file(kmsdns_publist *pl, const char *path, struct kmsdns_diag *diag);
int kmsdns_publist_load_buffer(kmsdns_publist *pl, const void *data, size_t len, const char *source,
                               struct kmsdns_diag *diag);

/* When the list is empty, adds the parent domain of fqdn (priority 0, weight
 * 0), as a Windows host publishes only into its own domain. KMSDNS_NAME when
 * fqdn has a single label. A non-empty list is left as it is. */
int kmsdns_publist_default(kmsdns_publist *pl, const char *fqdn, struct kmsdns_diag *diag);

size_t kmsdns_publist_count(const kmsdns_publist *pl);

/* Entry i (< count), valid until the list changes or is freed. */
const struct kmsdns_publist_entry *kmsdns_publist_get(const kmsdns_publist *pl, size_t i);

#endif
