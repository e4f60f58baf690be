/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the audit engine's answer walks (verifier/audit_int.h, and the
 * zone walks of kmsdns/zone.h it shares with kmsdns-publish) on one DNS
 * answer, as kmsdns-verify meets it from a resolver or an audited server:
 * the SOA walk step (the zone a name is in, then its parents), the NS names
 * and the nameservers' addresses, the SRV answer and its targets, the SOA
 * serial, each target's A and AAAA (CNAME, authority, REFUSED), for an
 * authoritative server and for the client view. The names asked are the
 * answer's own question (real answers echo it), so every walk can match.
 * The observations built are then judged by kmsdns_audit_check(), with and
 * without expectations, which takes the input on into audit_check.c.
 */
#include "audit_int.h"
#include "kmsdns/error.h"
#include "kmsdns/name.h"
#include "kmsdns/zone.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The question's name, or the SRV owner kmsdns-verify asks for. */
static void question(const ldns_pkt *p, char name[KMSDNS_NAME_BUF])
{
    const ldns_rr_list *q = ldns_pkt_question(p);
    if (ldns_rr_list_rr_count(q) == 0 ||
        kmsdns_msg_rdf_name(ldns_rr_owner(ldns_rr_list_rr(q, 0)), name) != KMSDNS_OK)
        strcpy(name, "_vlmcs._tcp.corp.test");
}

/* The SOA walk over this one answer, from cur up to the root. */
static void walk(const ldns_pkt *p, const char *start)
{
    char cur[KMSDNS_NAME_BUF], zone[KMSDNS_NAME_BUF], primary[KMSDNS_NAME_BUF];
    char parent[KMSDNS_NAME_BUF];
    strcpy(cur, start);
    for (int depth = 0; depth < 130; depth++) {
        enum kmsdns_zone_soa_kind k = kmsdns_zone_soa_of(p, cur, zone, primary, NULL);
        if (k != KMSDNS_ZONE_SOA_NONE &&
            kmsdns_name_is_within(cur, zone) != (k == KMSDNS_ZONE_SOA_FOUND))
            __builtin_trap();
        if (k == KMSDNS_ZONE_SOA_FOUND)
            return;
        if (kmsdns_name_parent(cur, parent) != KMSDNS_OK)
            return;
        strcpy(cur, parent);
    }
    __builtin_trap(); /* a name has at most 127 labels */
}

static void nameservers(const ldns_pkt *p, const char *qname)
{
    char ns[KMSDNS__AUDIT_MAX_NS + 1][KMSDNS_NAME_BUF];
    size_t n = kmsdns_zone_ns_names(p, ns, 0, KMSDNS__AUDIT_MAX_NS);
    if (n > KMSDNS__AUDIT_MAX_NS)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(ns[i], ns[k]) == 0)
                __builtin_trap();
    strcpy(ns[n++], qname);
    for (size_t i = 0; i < n; i++) {
        static const uint16_t types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
        for (size_t t = 0; t < 2; t++) {
            struct kmsdns_addr v[KMSDNS_ZONE_MAX_ADDRS];
            size_t nv = kmsdns_zone_ns_addrs(p, ns[i], types[t], v, 0, KMSDNS_ZONE_MAX_ADDRS);
            if (nv > KMSDNS_ZONE_MAX_ADDRS)
                __builtin_trap();
            for (size_t k = 0; k < nv; k++)
                if (kmsdns_addr_port(&v[k]) != 53 ||
                    kmsdns_addr_family(&v[k]) != (t == 0 ? AF_INET : AF_INET6))
                    __builtin_trap();
        }
    }
}

/* One server's observation built from the answer, as the engine builds it. */
static void observe(struct kmsdns_server_obs *o, const ldns_pkt *p, const char *owner)
{
    kmsdns__audit_srv_answer(o, owner, p);
    if (o->ntargets > KMSDNS__AUDIT_MAX_TARGETS || (o->ntargets > 0 && o->targets == NULL))
        __builtin_trap();
    for (size_t i = 0; i < o->ntargets; i++) {
        struct kmsdns_target_obs *t = &o->targets[i];
        bool named = false;
        for (size_t k = 0; k < o->nsrv; k++)
            named |= strcmp(o->srv[k].value, t->name) == 0;
        if (!named || strcmp(t->name, ".") == 0 || !t->asked || !t->answered)
            __builtin_trap();
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->targets[j].name, t->name) == 0)
                __builtin_trap();
        kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_A, o->client_view, p);
        kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_AAAA, o->client_view, p);
        if (t->naddrs > KMSDNS_AUDIT_ADDRS)
            __builtin_trap();
        for (size_t k = 0; k < t->naddrs; k++)
            if (t->addrs[k].type != LDNS_RR_TYPE_A && t->addrs[k].type != LDNS_RR_TYPE_AAAA)
                __builtin_trap();
    }
    if (!o->client_view)
        o->has_serial = kmsdns__audit_soa_answer(p, owner, &o->serial, o->zone, o->primary);
}

static void judge(struct kmsdns_server_obs *o, size_t n, const char *owner)
{
    const char *domain = strncmp(owner, "_vlmcs._tcp.", 12) == 0 ? owner + 12 : owner;
    struct kmsdns_expectation e = {0};
    e.srv[0] = (struct kmsdns_rrdata){.type = LDNS_RR_TYPE_SRV, .weight = 100, .port = 1688};
    strcpy(e.srv[0].owner, owner);
    strcpy(e.srv[0].value, o[0].ntargets > 0 ? o[0].targets[0].name : "kms1.corp.test");
    e.nsrv = 1;
    strcpy(e.addr[0].target, e.srv[0].value);
    e.addr[0].addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A, .value = "192.0.2.10"};
    e.addr[0].n = 1;
    e.naddr = 1;
    for (int with = 0; with < 2; with++) {
        struct kmsdns_domain_result r = {0};
        if (kmsdns_audit_check(domain, with ? &e : NULL, o, n, &r) == KMSDNS_OK && r.nservers != n)
            __builtin_trap();
        kmsdns_domain_result_deinit(&r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldns_pkt *p = NULL;
    if (kmsdns_msg_parse(data, size, &p) != KMSDNS_OK)
        return 0;
    char qname[KMSDNS_NAME_BUF];
    question(p, qname);
    walk(p, qname);
    nameservers(p, qname);

    /* two servers answering alike but for the serial, and the client view */
    struct kmsdns_server_obs o[3];
    memset(o, 0, sizeof o);
    kmsdns_addr_parse("192.0.2.53", 53, 0, &o[0].addr, NULL);
    kmsdns_addr_parse("192.0.2.54", 53, 0, &o[1].addr, NULL);
    kmsdns_addr_parse("127.0.0.53", 53, 0, &o[2].addr, NULL);
    o[2].client_view = true;
    for (size_t i = 0; i < 3; i++)
        observe(&o[i], p, qname);
    o[1].serial++;
    judge(o, 3, qname);
    for (size_t i = 0; i < 3; i++)
        kmsdns_server_obs_deinit(&o[i]);
    ldns_pkt_free(p);
    return 0;
}
