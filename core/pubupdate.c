/* SPDX-License-Identifier: MIT */
/*
 * Update building (see pubupdate.h): collects the planned deletions and
 * additions of a batch and hands them to dnsmsg in one message. Small
 * batches stay on the stack; a large one (hundreds of domains in a zone)
 * goes to the heap.
 */
#include "pubupdate.h"

#include <stdlib.h>
#include <string.h>

#define STACK_RRS (KMSDNS_PLAN_MAX * 4)

int kmsdns__update_build(const char *zone, const struct kmsdns_pub_item *items, const size_t *idx,
                         size_t n, uint8_t **wire, size_t *len, size_t *cap)
{
    struct kmsdns_rrdata del[STACK_RRS], add[STACK_RRS];
    struct kmsdns_rrdata *dv = del, *av = add;
    size_t nd = 0, na = 0, total = 0;
    *wire = NULL;
    for (size_t k = 0; k < n; k++)
        total += items[idx[k]].plan.ndel + items[idx[k]].plan.nadd;
    if (total > STACK_RRS) {
        dv = malloc(total * sizeof *dv);
        av = malloc(total * sizeof *av);
    }
    int rc = dv && av ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t k = 0; rc == KMSDNS_OK && k < n; k++) {
        const struct kmsdns_plan *pl = &items[idx[k]].plan;
        memcpy(dv + nd, pl->del, pl->ndel * sizeof *dv);
        memcpy(av + na, pl->add, pl->nadd * sizeof *av);
        nd += pl->ndel;
        na += pl->nadd;
    }
    if (rc == KMSDNS_OK)
        rc = kmsdns_msg_update(zone, dv, nd, av, na, wire, len, cap);
    if (dv != del)
        free(dv);
    if (av != add)
        free(av);
    return rc;
}
