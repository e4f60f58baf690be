/* SPDX-License-Identifier: MIT */
/*
 * Update building for the publication engine, pure: the plans of a batch of
 * items become one RFC 2136 UPDATE message for their zone. No network, no
 * signing (the sender signs what this writes). Internal to libkmsdns.
 */
#ifndef KMSDNS_PUBUPDATE_H
#define KMSDNS_PUBUPDATE_H

#include "kmsdns/publish.h"

/*
 * Writes the UPDATE of zone carrying the plans of items[idx[0..n)] (every
 * deletion, then every addition, in that order) into *wire: malloc'd with
 * room for a TSIG RR (*cap its whole size); free with free(). KMSDNS_NOMEM,
 * or kmsdns_msg_update()'s error, with *wire NULL.
 */
int kmsdns__update_build(const char *zone, const struct kmsdns_pub_item *items, const size_t *idx,
                         size_t n, uint8_t **wire, size_t *len, size_t *cap);

#endif
