/* SPDX-License-Identifier: MIT */
/*
 * The audit engine's signed zones (audit_engine.h): one DNSKEY question per
 * zone and server for the whole run, whatever its number of domains; the
 * RRsets and RRSIGs kept from the answers (none copied for an unsigned
 * zone); and each finished domain's verdicts, made with dnssec.c against
 * the DNSKEYs that server serves.
 */
#include "audit_engine.h"
#include "dnssec.h"
#include "kmsdns/error.h"
#include "kmsdns/name.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t zkeys_bucket(const struct chan *c, const char *zone)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)c;
    for (const char *p = zone; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return (size_t)(h % ZKEYS_BUCKETS);
}

static struct zkeys *zkeys_find(const struct engine *e, const struct chan *c, const char *zone)
{
    if (e->zkeys == NULL)
        return NULL;
    for (struct zkeys *z = e->zkeys[zkeys_bucket(c, zone)]; z != NULL; z = z->next)
        if (z->ch == c && strcmp(z->zone, zone) == 0)
            return z;
    return NULL;
}

/* The entry of zone at c, made when new (not asked yet); NULL when out of memory. */
static struct zkeys *zkeys_get(struct engine *e, struct chan *c, const char *zone)
{
    struct zkeys *z = zkeys_find(e, c, zone);
    if (z != NULL)
        return z;
    if (e->zkeys == NULL && (e->zkeys = calloc(ZKEYS_BUCKETS, sizeof *e->zkeys)) == NULL)
        return NULL;
    if ((z = calloc(1, sizeof *z)) == NULL || (z->zone = strdup(zone)) == NULL) {
        free(z);
        return NULL;
    }
    z->ch = c;
    size_t b = zkeys_bucket(c, zone);
    z->next = e->zkeys[b];
    e->zkeys[b] = z;
    return z;
}

void kmsdns__audit_keys_free(struct engine *e)
{
    for (size_t b = 0; e->zkeys != NULL && b < ZKEYS_BUCKETS; b++)
        for (struct zkeys *z = e->zkeys[b], *n; z != NULL; z = n) {
            n = z->next;
            ldns_rr_list_deep_free(z->keys);
            free(z->wait);
            free(z->zone);
            free(z);
        }
    free(e->zkeys);
    e->zkeys = NULL;
}

/* The server's SOA answer named its zone: the domain waits for that zone's
 * DNSKEY answer from that server, asked by the first domain to get there
 * (got_keys releases the waiting domains). Nothing when it came already. */
void kmsdns__audit_want_keys(struct engine *e, struct slot *s, unsigned server)
{
    const struct kmsdns_server_obs *o = &s->obs[server];
    if (o->client_view || o->zone[0] == '\0')
        return;
    struct zkeys *z = zkeys_get(e, s->chans[server], o->zone);
    if (z == NULL) {
        e->rc = KMSDNS_NOMEM;
        return;
    }
    if (z->done)
        return;
    struct zwait *v = realloc(z->wait, (z->nwait + 1) * sizeof *v);
    if (v == NULL) {
        e->rc = KMSDNS_NOMEM;
        return;
    }
    z->wait = v;
    v[z->nwait++] = (struct zwait){.s = s, .server = server};
    s->pending++;
    if (z->nwait > 1)
        return; /* asked already */
    struct query *q = kmsdns__audit_query_new(e, s, s->chans[server], Q_DNSKEY, z->zone,
                                              LDNS_RR_TYPE_DNSKEY, false, server, 0);
    if (q == NULL) {
        e->rc = KMSDNS_NOMEM;
        return;
    }
    q->zk = z;
    e->rc = kmsdns__audit_enqueue(e, s, s->chans[server], q);
}

/* The DNSKEY answer (p NULL: none came): the zone is signed on that server
 * when it answers with authority and a DNSKEY RRset at the apex; the
 * domains waiting for it may now be judged. */
void kmsdns__audit_got_keys(struct engine *e, struct query *q, const ldns_pkt *p)
{
    struct zkeys *z = q->zk;
    z->done = true;
    if (p != NULL && ldns_pkt_aa(p) && ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR &&
        kmsdns_dnssec_zone_signed(p, z->zone)) {
        if (kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, z->zone, LDNS_RR_TYPE_DNSKEY, &z->keys) ==
            KMSDNS_OK)
            z->zone_signed = true;
        else
            e->rc = KMSDNS_NOMEM;
    }
    for (size_t i = 0; i < z->nwait; i++) {
        struct slot *w = z->wait[i].s;
        if (--w->pending == 0)
            w->done = true;
    }
    free(z->wait);
    z->wait = NULL;
    z->nwait = 0;
}

/* Keeps, for the DNSSEC verdict, the RRset of type at owner in answer p with
 * the RRSIGs over it; none when p holds no such RRset. An answer without any
 * RRSIG (every answer of an unsigned zone) is copied not at all: only the
 * fact that the RRset came is kept. served: p holds an RRset of type at
 * owner, as the caller's walk found. */
int kmsdns__audit_keep_rrset(struct kmsdns_server_obs *o, const ldns_pkt *p, const char *owner,
                             uint16_t type, bool served)
{
    if (!served)
        return KMSDNS_OK;
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    bool sigs = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && !sigs; i++)
        sigs = ldns_rr_get_type(ldns_rr_list_rr(ans, i)) == LDNS_RR_TYPE_RRSIG;
    struct kmsdns_dnssec_obs d = {.type = type};
    snprintf(d.owner, sizeof d.owner, "%s", owner);
    if (sigs) {
        if (kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, owner, type, &d.rrset) != KMSDNS_OK ||
            kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ANSWER, owner, type, &d.sigs) != KMSDNS_OK) {
            ldns_rr_list_deep_free(d.rrset);
            return KMSDNS_NOMEM;
        }
        if (ldns_rr_list_rr_count(d.rrset) == 0 || ldns_rr_list_rr_count(d.sigs) == 0) {
            ldns_rr_list_deep_free(d.rrset);
            ldns_rr_list_deep_free(d.sigs);
            d.rrset = d.sigs = NULL;
        }
    }
    struct kmsdns_dnssec_obs *v = realloc(o->dnssec, (o->ndnssec + 1) * sizeof *v);
    if (v == NULL) {
        ldns_rr_list_deep_free(d.rrset);
        ldns_rr_list_deep_free(d.sigs);
        return KMSDNS_NOMEM;
    }
    o->dnssec = v;
    v[o->ndnssec++] = d;
    return KMSDNS_OK;
}

/* Whether the RRsets a server serves for slot s need keeping for a verdict:
 * not where its zone is known already to be unsigned there (the usual
 * case), so an unsigned zone's answers cost no copy at all. */
bool kmsdns__audit_wants_rrsets(const struct engine *e, const struct slot *s, unsigned server)
{
    const struct kmsdns_server_obs *o = &s->obs[server];
    if (o->client_view)
        return false;
    const struct zkeys *z = o->zone[0] ? zkeys_find(e, s->chans[server], o->zone) : NULL;
    return z == NULL || !z->done || z->zone_signed;
}

/* Whether a target's RRset was signed by another zone than the SRV's: a
 * child zone the same server serves (kms1.hq.corp.test in hq.corp.test),
 * whose DNSKEYs were not asked. Such an RRset is not judged. */
static bool signed_elsewhere(const struct kmsdns_dnssec_obs *d, const char *zone)
{
    bool other = false;
    for (size_t i = 0; d->sigs != NULL && i < ldns_rr_list_rr_count(d->sigs); i++) {
        char signer[KMSDNS_NAME_BUF];
        const ldns_rdf *n = ldns_rr_rrsig_signame(ldns_rr_list_rr(d->sigs, i));
        if (n == NULL || kmsdns_msg_rdf_name(n, signer) != KMSDNS_OK)
            continue;
        if (strcmp(signer, zone) == 0)
            return false;
        other |= kmsdns_name_is_within(signer, zone);
    }
    return other;
}

/* The verdicts of a finished domain: on each server where its zone is
 * signed, every RRset kept that lies in the zone, at the time of judging. */
void kmsdns__audit_judge_dnssec(struct engine *e, struct slot *s)
{
    time_t now = time(NULL);
    uint32_t warn = e->o->dnssec_warn_set ? e->o->dnssec_warn_s : KMSDNS_DNSSEC_WARN_DEFAULT;
    for (size_t i = 0; i < s->nobs; i++) {
        struct kmsdns_server_obs *o = &s->obs[i];
        const struct zkeys *z = o->client_view ? NULL : zkeys_find(e, s->chans[i], o->zone);
        if (z == NULL || !z->zone_signed)
            continue;
        o->zone_signed = true;
        for (size_t k = 0; k < o->ndnssec; k++) {
            struct kmsdns_dnssec_obs *d = &o->dnssec[k];
            if (!kmsdns_name_is_within(d->owner, o->zone) ||
                (d->type != LDNS_RR_TYPE_SRV && signed_elsewhere(d, o->zone)))
                continue;
            if (d->rrset == NULL) {
                d->verdict = (struct kmsdns_dnssec_result){.verdict = KMSDNS_DNSSEC_UNSIGNED};
                snprintf(d->verdict.message, sizeof d->verdict.message, "no RRSIG");
                d->judged = true;
            } else if (kmsdns_dnssec_check(d->rrset, d->sigs, z->keys, o->zone, now, warn,
                                           &d->verdict) == KMSDNS_OK) {
                d->judged = true;
            } else {
                e->rc = KMSDNS_NOMEM;
            }
        }
    }
}
