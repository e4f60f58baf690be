/* SPDX-License-Identifier: MIT */
/*
 * RFC 2782's selection algorithm, to the letter of its "Usage rules": for
 * each priority in ascending order, repeatedly arrange the not yet ordered
 * records with the weight-0 ones first, take a random number in
 * 0..sum(weights), and select the first record whose running sum is >= it.
 * The arrangement is otherwise random ("any order"), so records of equal
 * weight, weight 0 included, have equal chances.
 */
#include "srv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void kmsdns_rng_seed(struct kmsdns_rng *r, uint64_t seed)
{
    r->state = seed;
}

void kmsdns_rng_seed_random(struct kmsdns_rng *r)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
    }
    r->state = seed;
}

uint64_t kmsdns_rng_next(struct kmsdns_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t kmsdns_rng_upto(struct kmsdns_rng *r, uint64_t bound)
{
    if (bound == UINT64_MAX)
        return kmsdns_rng_next(r);
    uint64_t span = bound + 1, limit = UINT64_MAX - UINT64_MAX % span, x;
    do
        x = kmsdns_rng_next(r);
    while (x >= limit);
    return x % span;
}

/* Orders the records of one priority, given by their indices in idx[0..k), into out. */
static size_t order_priority(const struct kmsdns_rrdata *v, size_t *idx, size_t k,
                             struct kmsdns_rng *rng, size_t *out)
{
    size_t done = 0;
    for (size_t i = k; i > 1; i--) { /* "any order": a random one, so equal weights are equal */
        size_t j = (size_t)kmsdns_rng_upto(rng, i - 1), t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
    while (k > 0) {
        /* weight-0 records first, the others after, in their current order */
        size_t z = 0;
        for (size_t i = 0; i < k; i++)
            if (v[idx[i]].weight == 0) {
                size_t t = idx[i];
                memmove(idx + z + 1, idx + z, (i - z) * sizeof *idx);
                idx[z++] = t;
            }
        uint64_t sum = 0;
        for (size_t i = 0; i < k; i++)
            sum += v[idx[i]].weight;
        uint64_t pick = kmsdns_rng_upto(rng, sum), run = 0;
        size_t i = 0;
        for (; i < k; i++) {
            run += v[idx[i]].weight;
            if (run >= pick)
                break;
        }
        out[done++] = idx[i];
        memmove(idx + i, idx + i + 1, (k - i - 1) * sizeof *idx);
        k--;
    }
    return done;
}

size_t kmsdns_srv_order(const struct kmsdns_rrdata *v, size_t n, struct kmsdns_rng *rng,
                        size_t *order)
{
    size_t done = 0;
    bool *taken = calloc(n + 1, sizeof *taken);
    size_t *idx = calloc(n + 1, sizeof *idx);
    if (taken == NULL || idx == NULL)
        n = 0; /* out of memory: nothing to try */
    for (size_t i = 0; i < n; i++)
        taken[i] = strcmp(v[i].value, ".") == 0;
    for (;;) {
        int best = -1;
        for (size_t i = 0; i < n; i++)
            if (!taken[i] && (best < 0 || v[i].priority < v[best].priority))
                best = (int)i;
        if (best < 0)
            break;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!taken[i] && v[i].priority == v[best].priority) {
                idx[k++] = i;
                taken[i] = true;
            }
        done += order_priority(v, idx, k, rng, order + done);
    }
    free(taken);
    free(idx);
    return done;
}
