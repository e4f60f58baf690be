/* SPDX-License-Identifier: MIT */
/*
 * The planner: from what a server holds and what this host should have,
 * the smallest change that touches only this host's records. Pure logic,
 * no I/O. SRV: one RR per publish domain whose target is the host; A/AAAA:
 * the configured addresses of the host, never any other address.
 */
#ifndef KMSDNS_PLAN_H
#define KMSDNS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/dnsmsg.h"

enum kmsdns_action {
    KMSDNS_ACTION_UNCHANGED, /* already right (publish) or nothing there (withdraw) */
    KMSDNS_ACTION_ADD,
    KMSDNS_ACTION_REPLACE, /* delete this host's differing RRs, add the right one */
    KMSDNS_ACTION_REMOVE,
};

/* Records one plan may change: a host has one RR per RRset, a few stale
 * ones at most; more means something else is wrong. */
#define KMSDNS_PLAN_MAX 8

struct kmsdns_plan {
    enum kmsdns_action action;
    struct kmsdns_rrdata del[KMSDNS_PLAN_MAX];
    size_t ndel;
    struct kmsdns_rrdata add[KMSDNS_PLAN_MAX];
    size_t nadd;
    bool ttl_differs;     /* publish: our RR is right but its TTL is not the configured one */
    uint32_t current_ttl; /* the RRset's TTL when it exists */
};

/*
 * SRV plan. `current` is the RRset the server holds (any targets); `want`
 * the host's record (owner, priority, weight, port, target); `ttl` the
 * configured TTL, used only when the RRset does not exist yet (an added RR
 * joins an RRset at its TTL). withdraw: remove every RR whose target is
 * want->value, whatever its port, priority or weight.
 * KMSDNS_TOOLONG when more than KMSDNS_PLAN_MAX RRs would change.
 */
int kmsdns_plan_srv(const struct kmsdns_rrdata *current, size_t n, const struct kmsdns_rrdata *want,
                    uint32_t ttl, bool withdraw, struct kmsdns_plan *out);

/*
 * Address plan for one owner: `current` A and AAAA RRs, `want` the
 * configured addresses (as A/AAAA rrdata). Publish adds the missing ones;
 * withdraw deletes those present. Other addresses are never touched.
 */
int kmsdns_plan_addresses(const struct kmsdns_rrdata *current, size_t n,
                          const struct kmsdns_rrdata *want, size_t nwant, uint32_t ttl,
                          bool withdraw, struct kmsdns_plan *out);

/* "unchanged", "add", "replace", "remove" */
const char *kmsdns_action_name(enum kmsdns_action a);

#endif
