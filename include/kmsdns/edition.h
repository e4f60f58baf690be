/* SPDX-License-Identifier: MIT */
/*
 * The editions a KMS client may ask for in host protocol v1: id, family
 * (thresholds 5 for servers, 25 for clients) and the lowest product key
 * group that covers it. Shared by kmsdns-hostd and kmsdns-client.
 */
#ifndef KMSDNS_EDITION_H
#define KMSDNS_EDITION_H

#include <stddef.h>

#include "kmsdns/config.h"

enum kmsdns_family { KMSDNS_FAMILY_CLIENT, KMSDNS_FAMILY_SERVER };

/* One row of the guide's tables 1 and 2: the complete list for protocol v1. */
struct kmsdns_edition {
    const char *id;
    enum kmsdns_family family;
    enum kmsdns_key_group group; /* the lowest key group that covers it */
};

/* The edition with this id, or NULL. */
const struct kmsdns_edition *kmsdns_edition_find(const char *id);

/* Every edition, for documentation and tests; *n receives the count. */
const struct kmsdns_edition *kmsdns_editions(size_t *n);

/* Activation threshold of a family: 5 (server) or 25 (client). */
unsigned kmsdns_threshold(enum kmsdns_family f);

#endif
