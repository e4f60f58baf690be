/* SPDX-License-Identifier: MIT */
/*
 * Answer explanation for the publication engine, pure: what a server's
 * answer to an UPDATE (its rcode, and how its TSIG checked out) means, as
 * one error code and one message a DNS admin can act on: which server,
 * which records, which key or principal, and what to fix. Internal to
 * libkmsdns.
 */
#ifndef KMSDNS_PUBEXPLAIN_H
#define KMSDNS_PUBEXPLAIN_H

#include "kmsdns/dnsmsg.h"
#include "kmsdns/tsig.h"

#include <stddef.h>
#include <stdint.h>

/* A failed UPDATE's answer; every string is borrowed for the call. */
struct kmsdns__answer {
    const char *server; /* "[addr]:port" */
    const char *zone;
    const char *records;             /* kmsdns__records_text() */
    const char *who;                 /* kmsdns__who_text() */
    const char *key_name, *alg_name; /* the signer's; used only when trc is not OK */
    ldns_pkt_rcode rcode;
    int trc; /* kmsdns_tsig_verify()'s result; KMSDNS_OK for an unsigned update */
    const struct kmsdns_tsig_check *chk; /* what the verification found; never NULL */
    uint64_t now;                        /* unix seconds, for clock differences */
};

/* Writes why the update failed into buf[cap]; returns the kmsdns_err to fail with. */
int kmsdns__explain_update(const struct kmsdns__answer *a, char *buf, size_t cap);

/* "_vlmcs._tcp.a.test SRV", "kms1.a.test A/AAAA", "... SRV and 2 more". */
void kmsdns__records_text(const char *owner, bool is_address, size_t nitems, char *buf, size_t cap);

/* Who signed: "key 'NAME'" (key_name set), "principal 'P'" (principal set),
 * else "unsigned updates". */
void kmsdns__who_text(const char *key_name, const char *principal, char *buf, size_t cap);

#endif
