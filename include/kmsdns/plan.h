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
    KMSDNS_ACTION_REFRESH, /* already right; re-registered (delete-RR + add-RR of the same
                            * data) so that Active Directory DNS renews its aging timestamp */
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
    size_t nrefresh;      /* RRs among del/add that are refreshed, not changed */
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

/*
 * Refresh of a publish plan made by kmsdns_plan_srv() or
 * kmsdns_plan_addresses() from the same `current` and `want`: every RR of
 * this host that `current` already holds right (SRV: the one equal to
 * want[0]; addresses: each wanted address present) and that the plan does
 * not rewrite anyway gets a delete-RR and an add-RR of exactly the data the
 * server holds, at the RRset's TTL, so nothing changes but the server's
 * aging timestamp; pl->nrefresh counts them. An unchanged plan becomes
 * KMSDNS_ACTION_REFRESH (with nothing held right it stays unchanged); a
 * plan with changes keeps its action and carries the refresh along. Never
 * touches another host's RR. KMSDNS_TOOLONG when the plan would exceed
 * KMSDNS_PLAN_MAX.
 */
int kmsdns_plan_refresh(const struct kmsdns_rrdata *current, size_t n,
                        const struct kmsdns_rrdata *want, size_t nwant, struct kmsdns_plan *pl);

/* "unchanged", "add", "replace", "remove", "refresh" */
const char *kmsdns_action_name(enum kmsdns_action a);

#endif
