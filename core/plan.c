/* SPDX-License-Identifier: MIT */
/*
 * Planning what to send. The rule that shapes everything here: an RRset may
 * be shared with other KMS hosts, so we delete single RRs (class NONE) and
 * only our own, never the RRset; and an RRset has one TTL, so an added RR
 * takes the TTL the RRset already has and a TTL-only difference is reported,
 * not rewritten (two hosts with different ttl settings would otherwise
 * rewrite it forever).
 */
#include "kmsdns/plan.h"
#include "kmsdns/error.h"

#include <string.h>

const char *kmsdns_action_name(enum kmsdns_action a)
{
    static const char *const names[] = {"unchanged", "add", "replace", "remove", "refresh"};
    return (unsigned)a < 5 ? names[a] : "?";
}

static int push(struct kmsdns_rrdata *v, size_t *n, const struct kmsdns_rrdata *rr)
{
    if (*n == KMSDNS_PLAN_MAX)
        return KMSDNS_TOOLONG;
    v[(*n)++] = *rr;
    return KMSDNS_OK;
}

/* TTL for a record joining `current` of the same type (the RRset's), else ttl. */
static uint32_t join_ttl(const struct kmsdns_rrdata *current, size_t n, uint16_t type, uint32_t ttl)
{
    for (size_t i = 0; i < n; i++)
        if (current[i].type == type)
            return current[i].ttl;
    return ttl;
}

int kmsdns_plan_srv(const struct kmsdns_rrdata *current, size_t n, const struct kmsdns_rrdata *want,
                    uint32_t ttl, bool withdraw, struct kmsdns_plan *out)
{
    memset(out, 0, sizeof *out);
    out->current_ttl = join_ttl(current, n, want->type, ttl);
    bool have_exact = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(current[i].value, want->value) != 0)
            continue; /* another host's record: never touched */
        if (!withdraw && !have_exact && kmsdns_rrdata_same(&current[i], want)) {
            have_exact = true;
            continue;
        }
        if (push(out->del, &out->ndel, &current[i]) != KMSDNS_OK)
            return KMSDNS_TOOLONG;
    }
    if (!withdraw && !have_exact) {
        struct kmsdns_rrdata add = *want;
        add.ttl = out->current_ttl;
        push(out->add, &out->nadd, &add);
    }
    out->ttl_differs = !withdraw && have_exact && out->current_ttl != ttl;
    if (withdraw)
        out->action = out->ndel ? KMSDNS_ACTION_REMOVE : KMSDNS_ACTION_UNCHANGED;
    else if (out->nadd == 0)
        out->action = out->ndel ? KMSDNS_ACTION_REPLACE : KMSDNS_ACTION_UNCHANGED;
    else
        out->action = out->ndel ? KMSDNS_ACTION_REPLACE : KMSDNS_ACTION_ADD;
    return KMSDNS_OK;
}

static bool contains(const struct kmsdns_rrdata *v, size_t n, const struct kmsdns_rrdata *rr)
{
    for (size_t i = 0; i < n; i++)
        if (kmsdns_rrdata_same(&v[i], rr))
            return true;
    return false;
}

int kmsdns_plan_addresses(const struct kmsdns_rrdata *current, size_t n,
                          const struct kmsdns_rrdata *want, size_t nwant, uint32_t ttl,
                          bool withdraw, struct kmsdns_plan *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < nwant; i++) {
        bool present = contains(current, n, &want[i]);
        int rc = KMSDNS_OK;
        if (withdraw && present) {
            rc = push(out->del, &out->ndel, &want[i]);
        } else if (!withdraw && !present) {
            struct kmsdns_rrdata add = want[i];
            add.ttl = join_ttl(current, n, add.type, ttl);
            rc = push(out->add, &out->nadd, &add);
        }
        if (rc != KMSDNS_OK)
            return rc;
    }
    if (withdraw)
        out->action = out->ndel ? KMSDNS_ACTION_REMOVE : KMSDNS_ACTION_UNCHANGED;
    else
        out->action = out->nadd ? KMSDNS_ACTION_ADD : KMSDNS_ACTION_UNCHANGED;
    return KMSDNS_OK;
}

/* A refresh deletes and re-adds the RR as the server holds it: an RR of
 * class NONE deletes by data (RFC 2136 2.5.4), and the add keeps the RRset's
 * TTL, so on a server without aging the zone ends as it was. */
int kmsdns_plan_refresh(const struct kmsdns_rrdata *current, size_t n,
                        const struct kmsdns_rrdata *want, size_t nwant, struct kmsdns_plan *pl)
{
    size_t nw = nwant > 0 && want[0].type == LDNS_RR_TYPE_SRV ? 1 : nwant;
    for (size_t w = 0; w < nw; w++) {
        const struct kmsdns_rrdata *held = NULL;
        for (size_t i = 0; i < n && held == NULL; i++)
            if (kmsdns_rrdata_same(&current[i], &want[w]))
                held = &current[i];
        if (held == NULL || contains(pl->del, pl->ndel, held) || contains(pl->add, pl->nadd, held))
            continue;
        if (pl->ndel == KMSDNS_PLAN_MAX || pl->nadd == KMSDNS_PLAN_MAX)
            return KMSDNS_TOOLONG;
        pl->del[pl->ndel++] = *held;
        pl->add[pl->nadd++] = *held;
        pl->nrefresh++;
    }
    if (pl->action == KMSDNS_ACTION_UNCHANGED && pl->nrefresh > 0)
        pl->action = KMSDNS_ACTION_REFRESH;
    return KMSDNS_OK;
}
