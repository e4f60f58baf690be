/* SPDX-License-Identifier: MIT */
/*
 * The publication engine's shared state and its steps. publish.c (the
 * orchestrator) sequences the steps and builds the report; each step has
 * one file and one job, and calls only down, into pubround.c (the helpers
 * every step shares), never sideways into another step nor back up:
 *
 *   publish_zone.c  zone discovery (over zone.c, kmsdns/zone.h)
 *   publish_read.c  reading what the primary holds, planning the change
 *   publish_gss.c   credentials and one TKEY negotiation per server
 *   publish_send.c  sending the UPDATEs: retries, splitting, read-back
 *                   (building them: pubupdate.c; explaining answers:
 *                   pubexplain.c)
 *   publish_wait.c  --wait: polling every server until it serves the result
 *
 * Not part of the library's contract.
 */
#ifndef KMSDNS_PUBLISH_INT_H
#define KMSDNS_PUBLISH_INT_H

#include "kmsdns/gss.h"
#include "kmsdns/publish.h"
#include "kmsdns/tsig.h"
#include "kmsdns/tsigkey.h"
#include "kmsdns/zone.h"
#include "round.h"

#include <ldns/ldns.h>

#define KMSDNS__MAX_SERVERS 16 /* candidate addresses kept per zone */

/* What the AD probe (_ldap._tcp.dc._msdcs.<zone> SRV, publish_read.c) found. */
enum kmsdns__ad { KMSDNS__AD_UNKNOWN, KMSDNS__AD_NO, KMSDNS__AD_YES };

struct kmsdns__zone {
    char name[KMSDNS_NAME_BUF];
    char mname[KMSDNS_NAME_BUF];
    struct kmsdns_addr cand[KMSDNS__MAX_SERVERS]; /* primary first, then other NS */
    size_t ncand;
    enum kmsdns__ad ad; /* asked only with [dns] refresh = auto */
};

/* One DNS server's GSS-TSIG security context, shared by every zone it takes. */
struct kmsdns__gss_server {
    struct kmsdns_addr addr;
    char mname[KMSDNS_NAME_BUF];    /* names the key and, by default, the principal */
    char key_name[KMSDNS_NAME_BUF]; /* <random>.sig-<mname> */
    const char *alg;                /* "gss-tsig" or "gss.microsoft.com" */
    kmsdns_gss_ctx *ctx;
    struct kmsdns_tsig_signer signer;
    bool ready;        /* context established, signer usable */
    bool renegotiated; /* BADKEY already led to a new context once */
    int rc;            /* why it could not be set up */
    char message[640];
    unsigned tkeys; /* TKEY round trips made */
};

/* One run; owned by kmsdns_publish_run(), which frees everything in it. */
struct kmsdns__pub {
    const struct kmsdns_config *cfg;
    const struct kmsdns_publish_opts *opts;
    struct kmsdns_pub_report *r;
    struct kmsdns__round round; /* the transport, its timeouts, --tcp */
    struct kmsdns_addr ask;     /* where SOA, NS and address lookups go */
    bool ask_is_server;         /* [dns] server: nothing else is asked */
    kmsdns_tsig_key *key;       /* auth = tsig */
    struct kmsdns_tsig_signer signer;
    bool gss; /* auth = gss-tsig */
    kmsdns_gss_cred *cred;
    int cred_rc;
    char cred_message[640];
    struct kmsdns__gss_server *servers;
    size_t nservers;
    struct kmsdns__zone *zones;
    size_t nzones;
    size_t *item_zone; /* per item: index into zones, or SIZE_MAX */
    size_t *item_cand; /* per item: index into its zone's cand */
    /* With [dns] server, the reads go out with the first SOA round: the
     * answers wait here (per item, up to 2) until the read step. */
    struct kmsdns__query (*prefetch)[2];
    unsigned char *nprefetch;
};

/* ---- the steps, called only by publish.c ----------------------------------- */

/* publish_zone.c: each item's zone, primary and candidate servers (p->zones). */
int kmsdns__discover(struct kmsdns__pub *p);

/* publish_read.c: what the chosen server holds, and the plan for each item;
 * where refresh applies (opts->refresh, [dns] refresh = yes, or auto on a
 * zone whose server is AD DNS), the plan also re-registers what is right. */
int kmsdns__read(struct kmsdns__pub *p);

/* publish_gss.c: makes sure every server of updates [first, nupdates) has a
 * GSS context; the items of a server that cannot get one are failed with the
 * reason. kmsdns__gss_free releases every context and the credentials. */
int kmsdns__gss_prepare(struct kmsdns__pub *p, size_t first);
void kmsdns__gss_free(struct kmsdns__pub *p);

/* publish_send.c: kmsdns__send_group puts the items with changes into
 * updates (one per zone and server; *first: the first new one);
 * kmsdns__send_round sends updates [*first, nupdates) at once, reads back
 * the answers that proved nothing, and groups what must go again (split,
 * or after a new GSS context) as updates from the new *first. */
int kmsdns__send_group(struct kmsdns__pub *p, size_t *first);
int kmsdns__send_round(struct kmsdns__pub *p, size_t *first);

/* publish_wait.c: polls every server of each zone until it serves the result. */
int kmsdns__wait(struct kmsdns__pub *p);

#endif
