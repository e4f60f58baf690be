/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the DNSSEC verdicts (verifier/dnssec.h) on one DNS answer, as
 * kmsdns-verify meets them from an audited server: the RRset at the
 * question's name of each type the answer holds there, the RRSIGs over it,
 * and a DNSKEY RRset found anywhere in the message (a seed carries the
 * zone's in ADDITIONAL) for the name and each of its parents as the zone,
 * judged at times taken from the RRSIGs themselves (inception, expiration,
 * one second either side) and at a fixed one, with three warn windows, so
 * that a replay judges the same whatever the clock says. It checks what
 * every verdict promises: UNSIGNED exactly when no RRSIG covers the RRset,
 * a reason exactly when BOGUS, a message always, the inputs unchanged.
 */
#include "dnssec.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/error.h"
#include "kmsdns/name.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const ldns_rr_list *l)
{
    return l != NULL ? ldns_rr_list2str(l) : NULL;
}

static void same_text(char *before, const ldns_rr_list *l)
{
    char *after = text_of(l);
    if ((before == NULL) != (after == NULL) || (before != NULL && strcmp(before, after) != 0))
        __builtin_trap(); /* an input list was changed */
    free(after);
}

static void judge(const ldns_rr_list *set, const ldns_rr_list *sigs, const ldns_rr_list *keys,
                  const char *zone, time_t now, uint32_t warn)
{
    struct kmsdns_dnssec_result r;
    int rc = kmsdns_dnssec_check(set, sigs, keys, zone, now, warn, &r);
    if (rc == KMSDNS_INVAL || rc == KMSDNS_NOMEM)
        return;
    if (rc != KMSDNS_OK || r.message[0] == '\0' ||
        memchr(r.message, '\0', sizeof r.message) == NULL)
        __builtin_trap();
    if ((r.verdict == KMSDNS_DNSSEC_UNSIGNED) != (r.rrsigs == 0))
        __builtin_trap();
    if ((r.verdict == KMSDNS_DNSSEC_BOGUS) != (r.reason != KMSDNS_DNSSEC_NONE))
        __builtin_trap();
    if (r.verdict == KMSDNS_DNSSEC_EXPIRING && r.seconds_left > (int64_t)warn)
        __builtin_trap();
    if (r.verdict == KMSDNS_DNSSEC_OK && r.seconds_left <= (int64_t)warn)
        __builtin_trap();
}

/* Every judgement of the RRset of type at qname, with each zone candidate. */
static void judge_type(const ldns_pkt *p, const char *qname, uint16_t type)
{
    ldns_rr_list *set = NULL, *sigs = NULL;
    if (kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, qname, type, &set) != KMSDNS_OK ||
        kmsdns_dnssec_rrsigs(p, LDNS_SECTION_ANSWER, qname, type, &sigs) != KMSDNS_OK ||
        ldns_rr_list_rr_count(set) == 0) {
        ldns_rr_list_deep_free(set);
        ldns_rr_list_deep_free(sigs);
        return;
    }
    time_t times[2 + 4 * 4] = {1796166000, 0};
    size_t nt = 2;
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs) && nt + 4 <= sizeof times / sizeof *times;
         i++) {
        const ldns_rr *s = ldns_rr_list_rr(sigs, i);
        time_t inc = (time_t)ldns_rdf2native_int32(ldns_rr_rrsig_inception(s));
        time_t exp = (time_t)ldns_rdf2native_int32(ldns_rr_rrsig_expiration(s));
        times[nt++] = inc - 1, times[nt++] = inc, times[nt++] = exp, times[nt++] = exp + 1;
    }
    char zone[KMSDNS_NAME_BUF], parent[KMSDNS_NAME_BUF];
    snprintf(zone, sizeof zone, "%s", qname);
    char *set_text = text_of(set), *sigs_text = text_of(sigs);
    for (int depth = 0; depth < 4; depth++) {
        ldns_rr_list *keys = NULL, *extra = NULL;
        if (kmsdns_dnssec_rrset(p, LDNS_SECTION_ANSWER, zone, LDNS_RR_TYPE_DNSKEY, &keys) ==
                KMSDNS_OK &&
            kmsdns_dnssec_rrset(p, LDNS_SECTION_ADDITIONAL, zone, LDNS_RR_TYPE_DNSKEY, &extra) ==
                KMSDNS_OK) {
            for (size_t i = 0; i < ldns_rr_list_rr_count(extra); i++)
                ldns_rr_list_push_rr(keys, ldns_rr_clone(ldns_rr_list_rr(extra, i)));
            char *keys_text = text_of(keys);
            for (size_t t = 0; t < nt; t++) {
                judge(set, sigs, keys, zone, times[t], 0);
                judge(set, sigs, keys, zone, times[t], KMSDNS_DNSSEC_WARN_DEFAULT);
                judge(set, sigs, keys, zone, times[t], UINT32_MAX);
            }
            judge(set, NULL, keys, zone, times[0], 0);
            judge(set, sigs, NULL, zone, times[0], 0);
            same_text(keys_text, keys);
            free(keys_text);
        }
        ldns_rr_list_deep_free(keys);
        ldns_rr_list_deep_free(extra);
        (void)kmsdns_dnssec_zone_signed(p, zone);
        if (kmsdns_name_parent(zone, parent) != KMSDNS_OK)
            break;
        snprintf(zone, sizeof zone, "%s", parent);
    }
    same_text(set_text, set);
    same_text(sigs_text, sigs);
    free(set_text);
    free(sigs_text);
    ldns_rr_list_deep_free(set);
    ldns_rr_list_deep_free(sigs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldns_pkt *p = NULL;
    if (kmsdns_msg_parse(data, size, &p) != KMSDNS_OK) /* as the engine parses answers */
        return 0;
    char qname[KMSDNS_NAME_BUF] = "_vlmcs._tcp.corp.test";
    const ldns_rr_list *q = ldns_pkt_question(p);
    if (ldns_rr_list_rr_count(q) > 0 &&
        kmsdns_msg_rdf_name(ldns_rr_owner(ldns_rr_list_rr(q, 0)), qname) != KMSDNS_OK)
        strcpy(qname, "_vlmcs._tcp.corp.test");
    static const uint16_t types[] = {LDNS_RR_TYPE_SRV, LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA,
                                     LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_SOA};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        judge_type(p, qname, types[i]);
    ldns_pkt_free(p);
    return 0;
}
