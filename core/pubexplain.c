/* SPDX-License-Identifier: MIT */
/*
 * Answer explanation (see pubexplain.h): the TSIG outcome of an UPDATE's
 * answer, or its rcode, turned into the message an admin reads. A TSIG
 * error explains itself; a plain error answer (REFUSED, SERVFAIL) fails
 * either way, so its rcode says more than its signature (AD copies our own
 * TSIG into denials: unverifiable, and beside the point).
 */
#include "pubexplain.h"

#include <stdio.h>
#include <string.h>

void kmsdns__records_text(const char *owner, bool is_address, size_t nitems, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s %s", owner, is_address ? "A/AAAA" : "SRV");
    if (nitems > 1 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " and %zu more", nitems - 1);
}

void kmsdns__who_text(const char *key_name, const char *principal, char *buf, size_t cap)
{
    if (key_name != NULL)
        snprintf(buf, cap, "key '%s'", key_name);
    else if (principal != NULL)
        snprintf(buf, cap, "principal '%s'", principal);
    else
        snprintf(buf, cap, "unsigned updates");
}

static const char *applied_hint(const char *rcode)
{
    return strcmp(rcode, "NOERROR") == 0 ? " (the change may have been applied: check with --plan)"
                                         : "";
}

static void explain_tsig(const struct kmsdns__answer *a, const char *rcode, char *buf, size_t cap)
{
    const char *srv = a->server, *key = a->key_name, *alg = a->alg_name;
    const struct kmsdns_tsig_check *chk = a->chk;
    int trc = a->trc;
    long long diff = (long long)chk->server_time - (long long)a->now;
    if (trc == KMSDNS_BADTIME && chk->has_time)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADTIME: the clocks differ by %lld s (the "
                 "server's is %s ours; TSIG allows %d s); fix the clock (NTP)",
                 srv, rcode, diff < 0 ? -diff : diff, diff < 0 ? "behind" : "ahead of",
                 KMSDNS_TSIG_FUDGE);
    else if (trc == KMSDNS_BADTIME)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADTIME: the clocks differ by more than %d s; "
                 "fix the clock (NTP)",
                 srv, rcode, KMSDNS_TSIG_FUDGE);
    else if (chk->error == KMSDNS_TSIG_BADKEY || (trc == KMSDNS_BADKEY && chk->error == 0))
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADKEY: it does not accept key '%s' (%s) for "
                 "this zone; check the key name and algorithm on both sides",
                 srv, rcode, key, alg);
    else if (chk->error != 0)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADSIG: our signature did not verify there; "
                 "tsig-key does not hold the server's secret for key '%s'",
                 srv, rcode, key);
    else if (trc == KMSDNS_UNSIGNED)
        snprintf(buf, cap,
                 "%s answered %s without a TSIG signature: nothing proves the answer came from "
                 "the server%s",
                 srv, rcode, applied_hint(rcode));
    else
        snprintf(buf, cap,
                 "%s answered %s, but its TSIG signature does not verify with key '%s' (%s)%s", srv,
                 rcode, key, kmsdns_strerror(trc), applied_hint(rcode));
}

static void explain_rcode(const struct kmsdns__answer *a, char *buf, size_t cap)
{
    const char *server = a->server, *recs = a->records, *zone = a->zone, *who = a->who;
    const char *rc = kmsdns_msg_rcode_name(a->rcode);
    switch (a->rcode) {
    case LDNS_RCODE_REFUSED:
        snprintf(buf, cap,
                 "%s refused the update of %s in zone %s: its policy does not let %s "
                 "change this record; with more than one KMS host, the SRV record's permissions "
                 "must allow every host (BIND update-policy / Knot acl / AD: full control of "
                 "_VLMCS._TCP)",
                 server, recs, zone, who);
        break;
    case LDNS_RCODE_NOTAUTH:
        snprintf(buf, cap,
                 "%s answered NOTAUTH to the update of %s: it is not authoritative for "
                 "zone %s, or %s is not allowed to update it",
                 server, recs, zone, who);
        break;
    case LDNS_RCODE_NOTZONE:
        snprintf(buf, cap, "%s answered NOTZONE: %s is not inside zone %s there", server, recs,
                 zone);
        break;
    case LDNS_RCODE_SERVFAIL:
        snprintf(buf, cap,
                 "%s answered SERVFAIL to the update of %s in zone %s: Active Directory DNS "
                 "answers SERVFAIL for a permission denial, so this is probably the record's ACL: "
                 "the first KMS host that created _vlmcs._tcp owns it and the others may only "
                 "read it; grant %s (or a group of all KMS hosts) Full Control on _vlmcs._tcp in "
                 "the zone",
                 server, recs, zone, who);
        break;
    default:
        snprintf(buf, cap, "%s answered %s to the update of %s in zone %s", server, rc, recs, zone);
    }
}

int kmsdns__explain_update(const struct kmsdns__answer *a, char *buf, size_t cap)
{
    if (a->trc != KMSDNS_OK && (a->rcode == LDNS_RCODE_NOERROR || a->chk->error != 0)) {
        explain_tsig(a, kmsdns_msg_rcode_name(a->rcode), buf, cap);
        return a->trc;
    }
    explain_rcode(a, buf, cap);
    if (a->trc != KMSDNS_OK) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, " (the answer's signature could not be verified)");
    }
    return kmsdns_msg_rcode_rc(a->rcode);
}
