/* SPDX-License-Identifier: MIT */
/*
 * RFC 2782 target selection, as a KMS client picks its host: the lowest
 * priority first; within one priority a weighted random order (weight-0
 * records placed first, so they are chosen only when the random number is
 * 0, or when only weight-0 records are left, then with equal chances); then
 * the next priority.
 * Pure: the random numbers come from a caller's generator, so tests can fix
 * the seed.
 */
#ifndef KMSDNS_SRV_H
#define KMSDNS_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "kmsdns/dnsmsg.h"

/* A small deterministic generator (splitmix64); seed it from the system for real use. */
struct kmsdns_rng {
    uint64_t state;
};

void kmsdns_rng_seed(struct kmsdns_rng *r, uint64_t seed);
/* Seeds from getrandom(2); falls back to the clock. */
void kmsdns_rng_seed_random(struct kmsdns_rng *r);
uint64_t kmsdns_rng_next(struct kmsdns_rng *r);
/* A number in 0..bound, both ends included (unbiased). */
uint64_t kmsdns_rng_upto(struct kmsdns_rng *r, uint64_t bound);

/*
 * Writes to order[0..n) the indices of v[0..n) (SRV records) in the order a
 * client tries them. Records whose target is "." are left out; the number
 * written is returned (0 also when out of memory). order must have room for n.
 */
size_t kmsdns_srv_order(const struct kmsdns_rrdata *v, size_t n, struct kmsdns_rng *rng,
                        size_t *order);

#endif
