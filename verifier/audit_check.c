/* SPDX-License-Identifier: MIT */
/*
 * The audit's judgement, pure: from what each server answered for a domain
 * and what the host configs expect, the problems of SPEC.md — each exactly
 * when its rule says, one code per cause. Servers that did not answer are
 * left out of the comparisons; servers that answered without authority are
 * reported as such and judged no further.
 */
#include "audit.h"
#include "kmsdns/error.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kmsdns_severity_name(enum kmsdns_severity s)
{
    static const char *const names[] = {"ok", "warning", "unknown", "critical"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}

void kmsdns_server_obs_deinit(struct kmsdns_server_obs *o)
{
    free(o->srv);
    free(o->targets);
    free(o->ldap.recs);
    o->srv = NULL;
    o->targets = NULL;
    o->ldap.recs = NULL;
    o->nsrv = o->ntargets = o->ldap.nrecs = 0;
    for (size_t k = 0; k < KMSDNS_NEAR_MISSES; k++) {
        free(o->near[k].srv);
        o->near[k].srv = NULL;
        o->near[k].nsrv = 0;
    }
    for (size_t k = 0; k < o->ndnssec; k++) {
        ldns_rr_list_deep_free(o->dnssec[k].rrset);
        ldns_rr_list_deep_free(o->dnssec[k].sigs);
    }
    free(o->dnssec);
    o->dnssec = NULL;
    o->ndnssec = 0;
}

void kmsdns_domain_result_deinit(struct kmsdns_domain_result *r)
{
    for (size_t i = 0; i < r->nservers; i++) {
        free(r->servers[i].problems);
        free(r->servers[i].ages);
    }
    free(r->servers);
    free(r->problems);
    memset(r, 0, sizeof *r);
}

static int add(struct kmsdns_problem **v, size_t *n, const char *target, const char *code,
               enum kmsdns_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Set when add() could not grow a list: the checks go on (they return
 * nothing), and kmsdns_audit_check() then fails as a whole rather than
 * report a domain with a problem missing. Per thread, like the call. */
static _Thread_local bool add_failed;

static int add(struct kmsdns_problem **v, size_t *n, const char *target, const char *code,
               enum kmsdns_severity sev, const char *fmt, ...)
{
    struct kmsdns_problem *nv = realloc(*v, (*n + 1) * sizeof **v);
    if (nv == NULL) {
        add_failed = true;
        return KMSDNS_NOMEM;
    }
    *v = nv;
    struct kmsdns_problem *p = &nv[(*n)++];
    p->code = code;
    p->severity = sev;
    snprintf(p->target, sizeof p->target, "%s", target != NULL ? target : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    return KMSDNS_OK;
}

/* A problem of a server's answer as a whole; PROBLEM_AT: about one name. */
#define PROBLEM(sr, ...) add(&(sr)->problems, &(sr)->nproblems, NULL, __VA_ARGS__)
#define PROBLEM_AT(sr, target, ...) add(&(sr)->problems, &(sr)->nproblems, target, __VA_ARGS__)

/* A server whose SRV answer can be judged: authoritative NOERROR/NXDOMAIN. */
static bool judged(const struct kmsdns_server_obs *o)
{
    return o->answered && (o->aa || o->client_view) &&
           (o->rcode == LDNS_RCODE_NOERROR || o->rcode == LDNS_RCODE_NXDOMAIN);
}

/* Servers whose answers are compared with each other: not the client view. */
static bool compared(const struct kmsdns_server_obs *o)
{
    return judged(o) && !o->client_view;
}

static const struct kmsdns_target_obs *target_of(const struct kmsdns_server_obs *o, const char *t)
{
    for (size_t i = 0; i < o->ntargets; i++)
        if (strcmp(o->targets[i].name, t) == 0)
            return &o->targets[i];
    return NULL;
}

static bool expected_target(const struct kmsdns_expectation *e, const char *t)
{
    for (size_t i = 0; e != NULL && i < e->nsrv; i++)
        if (strcmp(e->srv[i].value, t) == 0)
            return true;
    return false;
}

/* srv-mismatch names the fields of the first RR of that target that differ. */
static void mismatch(struct kmsdns_server_result *sr, const char *owner,
                     const struct kmsdns_rrdata *want, const struct kmsdns_rrdata *got)
{
    char f[128] = "";
    if (got->port != want->port)
        snprintf(f + strlen(f), sizeof f - strlen(f), "%sport %u (expected %u)", f[0] ? ", " : "",
                 got->port, want->port);
    if (got->priority != want->priority)
        snprintf(f + strlen(f), sizeof f - strlen(f), "%spriority %u (expected %u)",
                 f[0] ? ", " : "", got->priority, want->priority);
    if (got->weight != want->weight)
        snprintf(f + strlen(f), sizeof f - strlen(f), "%sweight %u (expected %u)", f[0] ? ", " : "",
                 got->weight, want->weight);
    PROBLEM_AT(sr, want->value, "srv-mismatch", KMSDNS_SEV_CRITICAL, "%s SRV for %s has %s", owner,
               want->value, f);
}

static void check_expected(struct kmsdns_server_result *sr, const char *owner,
                           const struct kmsdns_expectation *e, const struct kmsdns_server_obs *o)
{
    for (size_t i = 0; e != NULL && i < e->nsrv; i++) {
        const struct kmsdns_rrdata *want = &e->srv[i], *first = NULL;
        bool exact = false;
        for (size_t k = 0; k < o->nsrv; k++) {
            if (strcmp(o->srv[k].value, want->value) != 0)
                continue;
            first = first != NULL ? first : &o->srv[k];
            exact |= o->srv[k].port == want->port && o->srv[k].priority == want->priority &&
                     o->srv[k].weight == want->weight;
        }
        if (first == NULL)
            PROBLEM_AT(sr, want->value, "srv-missing", KMSDNS_SEV_CRITICAL,
                       "%s has no SRV record for %s", owner, want->value);
        else if (!exact)
            mismatch(sr, owner, want, first);
    }
}

static bool same_addrs(const struct kmsdns_ip *a, size_t na, const struct kmsdns_ip *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t k = 0; k < nb && !found; k++)
            found = a[i].type == b[k].type && strcmp(a[i].value, b[k].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

static void list_addrs(const struct kmsdns_ip *v, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "", v[i].value);
    if (n == 0)
        snprintf(buf, cap, "none");
}

static void check_target(struct kmsdns_server_result *sr, const struct kmsdns_expectation *e,
                         const struct kmsdns_target_obs *t)
{
    if (t == NULL || !t->asked || !t->answered)
        return;
    if (t->cname) {
        PROBLEM_AT(sr, t->name, "target-cname", KMSDNS_SEV_CRITICAL,
                   "target %s is an alias (CNAME); RFC 2782 requires the host's own name", t->name);
        return;
    }
    if (t->naddrs == 0) {
        PROBLEM_AT(sr, t->name, "target-no-address", KMSDNS_SEV_CRITICAL,
                   "target %s has neither A nor AAAA on this server", t->name);
        return;
    }
    for (size_t i = 0; e != NULL && i < e->naddr; i++) {
        if (strcmp(e->addr[i].target, t->name) != 0 ||
            same_addrs(t->addrs, t->naddrs, e->addr[i].addrs, e->addr[i].n))
            continue;
        char got[256], want[256];
        list_addrs(t->addrs, t->naddrs, got, sizeof got);
        list_addrs(e->addr[i].addrs, e->addr[i].n, want, sizeof want);
        PROBLEM_AT(sr, t->name, "address-mismatch", KMSDNS_SEV_CRITICAL,
                   "target %s has addresses %s; the host config says %s", t->name, got, want);
    }
}

/* Problems that one server's answer shows by itself. */
static void check_server(struct kmsdns_server_result *sr, const char *owner,
                         const struct kmsdns_expectation *e, const struct kmsdns_server_obs *o)
{

    bool dot = false;
    for (size_t k = 0; k < o->nsrv; k++)
        dot |= strcmp(o->srv[k].value, ".") == 0;
    if (dot)
        PROBLEM(sr, "target-dot", KMSDNS_SEV_CRITICAL,
                "%s has a \".\" target: the service is decidedly not available (RFC 2782)", owner);
    else if (o->nsrv == 0)
        PROBLEM(sr, "srv-missing", KMSDNS_SEV_CRITICAL, "no %s SRV RRset", owner);
    else
        check_expected(sr, owner, e, o);
    for (size_t k = 0; e != NULL && e->nsrv > 0 && k < o->nsrv; k++) {
        bool seen_before = false;
        for (size_t j = 0; j < k; j++)
            seen_before |= strcmp(o->srv[j].value, o->srv[k].value) == 0;
        if (!seen_before && strcmp(o->srv[k].value, ".") != 0 &&
            !expected_target(e, o->srv[k].value))
            PROBLEM_AT(sr, o->srv[k].value, "extra-record", KMSDNS_SEV_WARNING,
                       "%s points to %s, which no host config expects (a stale host?)", owner,
                       o->srv[k].value);
    }
    for (size_t k = 0; k < o->nsrv; k++) {
        bool seen_before = false;
        for (size_t j = 0; j < k; j++)
            seen_before |= strcmp(o->srv[j].value, o->srv[k].value) == 0;
        if (!seen_before && strcmp(o->srv[k].value, ".") != 0)
            check_target(sr, e, target_of(o, o->srv[k].value));
    }
}

/* ---- srv-misnamed: the near misses ---------------------------------------------- */

/* Each near miss: the labels before the domain (the doubled origin: before
 * the domain twice), and what its presence most likely means. */
static const struct {
    const char *prefix;
    const char *hint;
} near_miss[KMSDNS_NEAR_MISSES] = {
    [KMSDNS_NEAR_TYPO] = {"_vmlcs._tcp", "a typo for _vlmcs._tcp?"},
    [KMSDNS_NEAR_SERVICE_UNDERSCORE] = {"vlmcs._tcp",
                                        "the service label without its underscore (_vlmcs)?"},
    [KMSDNS_NEAR_PROTO_UNDERSCORE] = {"_vlmcs.tcp",
                                      "the protocol label without its underscore (_tcp)?"},
    [KMSDNS_NEAR_UDP] = {"_vlmcs._udp", "the wrong protocol label (_udp for _tcp)?"},
    [KMSDNS_NEAR_DOUBLED] = {"_vlmcs._tcp", "a zone-file line without its trailing dot (the "
                                            "origin appended twice)?"},
};

int kmsdns_audit_near_miss_name(enum kmsdns_near_miss k, const char *domain,
                                char out[KMSDNS_NAME_BUF])
{
    if ((unsigned)k >= KMSDNS_NEAR_MISSES)
        return KMSDNS_INVAL;
    if (k != KMSDNS_NEAR_DOUBLED)
        return kmsdns_name_join(near_miss[k].prefix, domain, out);
    char once[KMSDNS_NAME_BUF];
    int rc = kmsdns_name_join(near_miss[k].prefix, domain, once);
    return rc == KMSDNS_OK ? kmsdns_name_join(once, domain, out) : rc;
}

bool kmsdns_audit_wants_near_misses(const struct kmsdns_server_obs *o)
{
    if (o->client_view || !judged(o))
        return false;
    for (size_t k = 0; k < o->nsrv; k++)
        if (strcmp(o->srv[k].value, ".") != 0)
            return false;
    return true;
}

/* srv-misnamed, one per near miss that holds SRV records on this server,
 * where the record clients ask for is missing (srv-missing or target-dot
 * says so too: that record is still what clients need). */
static void check_misnamed(struct kmsdns_server_result *sr, const char *domain, const char *owner,
                           const struct kmsdns_server_obs *o)
{
    if (!kmsdns_audit_wants_near_misses(o))
        return;
    for (unsigned k = 0; k < KMSDNS_NEAR_MISSES; k++) {
        const struct kmsdns_near_obs *n = &o->near[k];
        char name[KMSDNS_NAME_BUF];
        if (!n->answered || n->nsrv == 0 ||
            kmsdns_audit_near_miss_name((enum kmsdns_near_miss)k, domain, name) != KMSDNS_OK)
            continue;
        char more[32] = "";
        if (n->nsrv > 1)
            snprintf(more, sizeof more, ", +%zu more", n->nsrv - 1);
        PROBLEM_AT(sr, name, "srv-misnamed", KMSDNS_SEV_WARNING,
                   "this server has an SRV at %s (%s port %u%s): %s KMS clients ask only for %s",
                   name, n->srv[0].value, n->srv[0].port, more, near_miss[k].hint, owner);
    }
}

/* True when the two RRsets hold the same records (TTL aside). */
static bool same_rrset(const struct kmsdns_server_obs *a, const struct kmsdns_server_obs *b)
{
    if (a->nsrv != b->nsrv)
        return false;
    for (size_t i = 0; i < a->nsrv; i++) {
        bool found = false;
        for (size_t k = 0; k < b->nsrv && !found; k++)
            found = kmsdns_rrdata_same(&a->srv[i], &b->srv[k]);
        if (!found)
            return false;
    }
    return true;
}

static uint32_t rrset_ttl(const struct kmsdns_server_obs *o)
{
    return o->nsrv > 0 ? o->srv[0].ttl : 0;
}

/* Whether o serves every expected SRV with its port, priority and weight, and
 * no other target: what the -c configs say the domain should hold. */
static bool as_expected(const struct kmsdns_server_obs *o, const struct kmsdns_expectation *e)
{
    if (e == NULL || e->nsrv == 0 || o->nsrv != e->nsrv)
        return false;
    for (size_t i = 0; i < e->nsrv; i++) {
        bool found = false;
        for (size_t k = 0; k < o->nsrv && !found; k++)
            found = strcmp(o->srv[k].value, e->srv[i].value) == 0 &&
                    o->srv[k].port == e->srv[i].port && o->srv[k].priority == e->srv[i].priority &&
                    o->srv[k].weight == e->srv[i].weight;
        if (!found)
            return false;
    }
    return true;
}

/* What the others are judged against when the servers of a domain disagree. */
enum ref_kind { REF_NONE, REF_PRIMARY, REF_MAJORITY, REF_EXPECTED };

struct ref {
    ptrdiff_t at; /* the reference server, -1 with REF_NONE */
    enum ref_kind kind;
};

/*
 * The zone's primary among the compared servers: every SOA answer names the
 * same MNAME and one server was found as that NS name. -1 otherwise (with
 * --server nothing has a name; AD DCs each name themselves as MNAME).
 */
static ptrdiff_t primary_server(const struct kmsdns_server_obs *o, size_t n)
{
    const char *mname = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!compared(&o[i]) || !o[i].has_serial || o[i].primary[0] == '\0')
            continue;
        if (mname != NULL && strcmp(mname, o[i].primary) != 0)
            return -1;
        mname = o[i].primary;
    }
    for (size_t i = 0; mname != NULL && i < n; i++)
        if (compared(&o[i]) && strcmp(o[i].name, mname) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/*
 * The server whose SRV RRset the others are judged against: the primary
 * when it answered, else one of the strict majority's, else (two DCs, one
 * lagging) the one group that serves what the -c configs expect; REF_NONE
 * when there is none of these, and every differing server is reported.
 */
static struct ref srv_reference(const struct kmsdns_server_obs *o, size_t n,
                                const struct kmsdns_expectation *e)
{
    ptrdiff_t primary = primary_server(o, n);
    if (primary >= 0)
        return (struct ref){primary, REF_PRIMARY};
    size_t judged = 0;
    for (size_t i = 0; i < n; i++)
        judged += compared(&o[i]);
    ptrdiff_t expected = -1;
    size_t expected_groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (!compared(&o[i]))
            continue;
        size_t same = 0, first = i;
        for (size_t k = 0; k < n; k++)
            if (compared(&o[k]) && same_rrset(&o[i], &o[k])) {
                same++;
                first = k < first ? k : first;
            }
        if (2 * same > judged)
            return (struct ref){(ptrdiff_t)i, REF_MAJORITY};
        if (first == i && as_expected(&o[i], e))
            expected = (ptrdiff_t)i, expected_groups++;
    }
    return expected_groups == 1 ? (struct ref){expected, REF_EXPECTED} : (struct ref){-1, REF_NONE};
}

/* The server whose SOA serial the others are judged against: the primary,
 * else one of the strict majority of the servers that gave a serial. */
static struct ref serial_reference(const struct kmsdns_server_obs *o, size_t n)
{
    ptrdiff_t primary = primary_server(o, n);
    if (primary >= 0 && o[primary].has_serial)
        return (struct ref){primary, REF_PRIMARY};
    size_t with = 0;
    for (size_t i = 0; i < n; i++)
        with += compared(&o[i]) && o[i].has_serial;
    for (size_t i = 0; i < n; i++) {
        size_t same = 0;
        for (size_t k = 0; compared(&o[i]) && o[i].has_serial && k < n; k++)
            same += compared(&o[k]) && o[k].has_serial && o[k].serial == o[i].serial;
        if (2 * same > with)
            return (struct ref){(ptrdiff_t)i, REF_MAJORITY};
    }
    return (struct ref){-1, REF_NONE};
}

/* "the primary 127.0.0.21:53" or "127.0.0.22:53", and why that one, for messages. */
static const char *ref_prefix(struct ref r)
{
    return r.kind == REF_PRIMARY ? "the primary " : "";
}

static const char *ref_reason(struct ref r)
{
    return r.kind == REF_MAJORITY   ? "the majority of the servers"
           : r.kind == REF_EXPECTED ? "as the configs expect"
                                    : NULL;
}

/* srv-inconsistent on a server that differs: from the reference when there is one. */
static void inconsistent(struct kmsdns_server_result *res, const struct kmsdns_server_obs *o,
                         size_t n, size_t i, struct ref ref, const char *owner)
{
    ptrdiff_t other = ref.at;
    for (size_t k = 0; k < n && other < 0; k++)
        if (k != i && compared(&o[k]) && !same_rrset(&o[i], &o[k]))
            other = (ptrdiff_t)k;
    if (other < 0 || same_rrset(&o[i], &o[other]))
        return;
    PROBLEM(&res[i], "srv-inconsistent", KMSDNS_SEV_CRITICAL,
            "%s differs from what %s%s serves (%zu record%s here%s%s)", owner, ref_prefix(ref),
            res[other].server, o[i].nsrv, o[i].nsrv == 1 ? "" : "s", ref_reason(ref) ? "; " : "",
            ref_reason(ref) ? ref_reason(ref) : "");
}

/* serial-mismatch on a server whose serial differs: from the reference when there is one. */
static void serial_differs(struct kmsdns_server_result *res, const struct kmsdns_server_obs *o,
                           size_t n, size_t i, struct ref ref)
{
    ptrdiff_t other = ref.at >= 0 && o[ref.at].has_serial ? ref.at : -1;
    for (size_t k = 0; k < n && other < 0 && ref.kind == REF_NONE; k++)
        if (k != i && compared(&o[k]) && o[k].has_serial && o[k].serial != o[i].serial)
            other = (ptrdiff_t)k;
    if (!o[i].has_serial || other < 0 || o[other].serial == o[i].serial)
        return;
    PROBLEM(&res[i], "serial-mismatch", KMSDNS_SEV_WARNING,
            "the zone's SOA serial is %u here and %u at %s%s%s%s%s", o[i].serial, o[other].serial,
            ref_prefix(ref), res[other].server, ref_reason(ref) ? " (" : "",
            ref_reason(ref) ? ref_reason(ref) : "", ref_reason(ref) ? ")" : "");
}

/* The comparisons between the judged servers of the domain. */
static void compare(struct kmsdns_server_result *res, const struct kmsdns_server_obs *o, size_t n,
                    const char *owner, const struct kmsdns_expectation *e)
{
    struct ref srv_ref = srv_reference(o, n, e), serial_ref = serial_reference(o, n);
    for (size_t i = 0; i < n; i++) {
        if (!compared(&o[i]))
            continue;
        const char *ttl_other = NULL;
        uint32_t other_ttl = 0;
        for (size_t k = 0; k < n && ttl_other == NULL; k++)
            if (k != i && compared(&o[k]) && same_rrset(&o[i], &o[k]) && o[i].nsrv > 0 &&
                rrset_ttl(&o[i]) != rrset_ttl(&o[k]))
                ttl_other = res[k].server, other_ttl = rrset_ttl(&o[k]);
        inconsistent(res, o, n, i, srv_ref, owner);
        if (ttl_other != NULL)
            PROBLEM(&res[i], "ttl-inconsistent", KMSDNS_SEV_WARNING,
                    "%s has TTL %u here and %u at %s", owner, rrset_ttl(&o[i]), other_ttl,
                    ttl_other);
        serial_differs(res, o, n, i, serial_ref);
    }
}

static void reachability(struct kmsdns_server_result *res, const struct kmsdns_server_obs *o,
                         size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= o[i].answered && !o[i].client_view;
    for (size_t i = 0; i < n; i++) {
        if (!o[i].answered)
            PROBLEM(&res[i], "server-unreachable", any ? KMSDNS_SEV_WARNING : KMSDNS_SEV_UNKNOWN,
                    "no answer (%s)%s", o[i].why[0] ? o[i].why : "timeout",
                    any ? "; the other servers were judged" : "; no server of the domain answered");
        else if (o[i].tsig_error[0] != '\0') /* the cause, whatever else the answer says */
            PROBLEM(&res[i], "tsig-error", KMSDNS_SEV_CRITICAL, "%s", o[i].tsig_error);
        else if (!judged(&o[i]))
            PROBLEM(&res[i], "server-not-authoritative", KMSDNS_SEV_WARNING, "%s",
                    o[i].rcode == LDNS_RCODE_REFUSED
                        ? "REFUSED: the server does not serve this zone"
                    : !o[i].aa ? "the answer has no AA flag: not authoritative for this zone"
                               : "answered with an error instead of the records");
    }
}

/* ---- signed zones ---------------------------------------------------------------- */

/* dnssec-unsigned, -bogus, -expiring for each RRset of the audit that a
 * server of a signed zone serves (the verdicts are the engine's, made with
 * dnssec.c against the DNSKEYs this server serves). */
static void check_dnssec(struct kmsdns_server_result *sr, const struct kmsdns_server_obs *o)
{
    if (!o->zone_signed || o->client_view)
        return;
    for (size_t k = 0; k < o->ndnssec; k++) {
        const struct kmsdns_dnssec_obs *d = &o->dnssec[k];
        const char *type = d->type == LDNS_RR_TYPE_SRV ? "SRV"
                           : d->type == LDNS_RR_TYPE_A ? "A"
                                                       : "AAAA";
        if (!d->judged)
            continue;
        switch (d->verdict.verdict) {
        case KMSDNS_DNSSEC_OK:
            break;
        case KMSDNS_DNSSEC_UNSIGNED:
            PROBLEM_AT(sr, d->owner, "dnssec-unsigned", KMSDNS_SEV_CRITICAL,
                       "%s %s at %s is served without RRSIG, but the zone %s is signed (it has a "
                       "DNSKEY RRset there): validating resolvers refuse it",
                       d->owner, type, sr->server, o->zone);
            break;
        case KMSDNS_DNSSEC_BOGUS:
            PROBLEM_AT(sr, d->owner, "dnssec-bogus", KMSDNS_SEV_CRITICAL,
                       "%s %s at %s fails validation, %s: %s", d->owner, type, sr->server,
                       kmsdns_dnssec_reason_name(d->verdict.reason), d->verdict.message);
            break;
        case KMSDNS_DNSSEC_EXPIRING:
            PROBLEM_AT(sr, d->owner, "dnssec-expiring", KMSDNS_SEV_WARNING,
                       "%s %s at %s: %s; re-sign the zone", d->owner, type, sr->server,
                       d->verdict.message);
            break;
        }
    }
}

/* ---- --ldap: aging ------------------------------------------------------------ */

/* When a record stamped `hours` becomes eligible for scavenging in the zone. */
static int64_t eligible_at(const struct kmsdns_zone_aging *z, uint32_t hours)
{
    return kmsdns_dnsrecord_unix(hours) + ((int64_t)z->norefresh + z->refresh) * 3600;
}

/* record-aging for one dynamic record ("what" names it, about target): critical once
 * eligible (a record exactly no-refresh + refresh old counts), warning
 * within KMSDNS_AUDIT_AGING_WARN_S. */
static void aging(struct kmsdns_server_result *sr, const struct kmsdns_ldap_obs *l,
                  const char *target, const char *what, uint32_t hours)
{
    int64_t when = eligible_at(&l->aging, hours);
    if (when - l->now > KMSDNS_AUDIT_AGING_WARN_S)
        return;
    char ts[24], el[24];
    kmsdns_iso8601(kmsdns_dnsrecord_unix(hours), ts);
    kmsdns_iso8601(when, el);
    PROBLEM_AT(
        sr, target, "record-aging", when <= l->now ? KMSDNS_SEV_CRITICAL : KMSDNS_SEV_WARNING,
        "%s: timestamp %s, %s for scavenging %s %s (no-refresh %u h + refresh %u h%s); "
        "the DC may delete it: refresh it (kmsdns-publish, [dns] refresh)",
        what, ts, when <= l->now ? "eligible" : "becomes eligible", when <= l->now ? "since" : "at",
        el, l->aging.norefresh, l->aging.refresh, l->aging.aging ? "" : "; zone aging off");
}

static const struct kmsdns_ldap_rec *ldap_srv(const struct kmsdns_ldap_obs *l, const char *owner,
                                              const struct kmsdns_rrdata *rr)
{
    for (size_t i = 0; i < l->nrecs; i++) {
        const struct kmsdns_ldap_rec *x = &l->recs[i];
        if (x->type == LDNS_RR_TYPE_SRV && strcmp(x->owner, owner) == 0 &&
            strcmp(x->value, rr->value) == 0 && x->port == rr->port &&
            x->priority == rr->priority && x->weight == rr->weight)
            return x;
    }
    return NULL;
}

/* --ldap on one judged server: ldap-error, or each SRV record's age
 * (record-static, record-aging) and the aging of its targets' dynamic
 * A/AAAA. A static A/AAAA is the usual way to register a host and is not
 * reported; a static SRV record outlives the host it names. */
static void check_ldap(struct kmsdns_server_result *sr, const char *owner,
                       const struct kmsdns_server_obs *o)
{
    const struct kmsdns_ldap_obs *l = &o->ldap;
    if (!l->read) {
        PROBLEM(sr, "ldap-error", KMSDNS_SEV_UNKNOWN,
                "the record aging could not be read over LDAP: %s; the DNS checks went on",
                l->error[0] ? l->error : "no answer");
        return;
    }
    sr->ages = calloc(o->nsrv ? o->nsrv : 1, sizeof *sr->ages);
    if (sr->ages == NULL) {
        add_failed = true;
        return;
    }
    for (size_t k = 0; k < o->nsrv; k++) {
        const struct kmsdns_rrdata *rr = &o->srv[k];
        const struct kmsdns_ldap_rec *x = ldap_srv(l, owner, rr);
        if (x == NULL)
            continue;
        struct kmsdns_record_age *a = &sr->ages[k];
        a->known = true;
        a->dynamic = x->timestamp != 0;
        char what[KMSDNS_NAME_BUF * 2 + 48];
        snprintf(what, sizeof what, "%s SRV %u %u %u %s", owner, rr->priority, rr->weight, rr->port,
                 rr->value);
        if (!a->dynamic) {
            PROBLEM_AT(sr, rr->value, "record-static", KMSDNS_SEV_WARNING,
                       "%s is static (timestamp 0): never aged out, it stays after the host is "
                       "gone; let the host publish it dynamically",
                       what);
            continue;
        }
        a->stamp = kmsdns_dnsrecord_unix(x->timestamp);
        a->eligible = eligible_at(&l->aging, x->timestamp);
        aging(sr, l, rr->value, what, x->timestamp);
    }
    for (size_t i = 0; i < l->nrecs; i++) {
        const struct kmsdns_ldap_rec *x = &l->recs[i];
        if (x->type == LDNS_RR_TYPE_SRV || x->timestamp == 0)
            continue;
        char what[KMSDNS_NAME_BUF * 2 + 16];
        snprintf(what, sizeof what, "%s %s %s", x->owner, x->type == LDNS_RR_TYPE_A ? "A" : "AAAA",
                 x->value);
        aging(sr, l, x->owner, what, x->timestamp);
    }
}

static enum kmsdns_severity worst(const struct kmsdns_problem *p, size_t n, enum kmsdns_severity s)
{
    for (size_t i = 0; i < n; i++)
        s = p[i].severity > s ? p[i].severity : s;
    return s;
}

int kmsdns_audit_check(const char *domain, const struct kmsdns_expectation *exp,
                       struct kmsdns_server_obs *obs, size_t nobs, struct kmsdns_domain_result *out)
{
    char owner[KMSDNS_NAME_BUF + 16];
    snprintf(owner, sizeof owner, "_vlmcs._tcp.%s", domain);
    snprintf(out->domain, sizeof out->domain, "%s", domain);
    out->servers = calloc(nobs ? nobs : 1, sizeof *out->servers);
    if (out->servers == NULL)
        return KMSDNS_NOMEM;
    out->nservers = nobs;
    add_failed = false;
    for (size_t i = 0; i < nobs; i++) {
        struct kmsdns_server_result *sr = &out->servers[i];
        kmsdns_addr_format(&obs[i].addr, sr->server);
        sr->answered = obs[i].answered;
        sr->client_view = obs[i].client_view;
        sr->records = obs[i].srv;
        sr->nrecords = judged(&obs[i]) ? obs[i].nsrv : 0;
    }
    reachability(out->servers, obs, nobs);
    for (size_t i = 0; i < nobs; i++)
        if (judged(&obs[i])) {
            check_server(&out->servers[i], owner, exp, &obs[i]);
            check_misnamed(&out->servers[i], domain, owner, &obs[i]);
            check_dnssec(&out->servers[i], &obs[i]);
            if (obs[i].ldap.asked && !obs[i].client_view)
                check_ldap(&out->servers[i], owner, &obs[i]);
        }
    compare(out->servers, obs, nobs, owner, exp);
    if (add_failed) {
        kmsdns_domain_result_deinit(out);
        return KMSDNS_NOMEM;
    }
    out->status = worst(out->problems, out->nproblems, KMSDNS_SEV_OK);
    for (size_t i = 0; i < nobs; i++) {
        struct kmsdns_server_result *sr = &out->servers[i];
        sr->status = worst(sr->problems, sr->nproblems, KMSDNS_SEV_OK);
        out->status = sr->status > out->status ? sr->status : out->status;
    }
    return KMSDNS_OK;
}
