/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the publication engine's files (publish.c: the run and
 * the report; publish_zone.c: zone and server discovery; publish_send.c:
 * reads, updates, waits). Not part of the library's contract.
 */
#ifndef KMSDNS_PUBLISH_INT_H
#define KMSDNS_PUBLISH_INT_H

#include "kmsdns/gss.h"
#include "kmsdns/publish.h"
#include "kmsdns/tsig.h"
#include "kmsdns/tsigkey.h"

#include <ldns/ldns.h>

#define KMSDNS__MAX_SERVERS 16

struct kmsdns__zone {
    char name[KMSDNS_NAME_BUF];
    char mname[KMSDNS_NAME_BUF];
    struct kmsdns_addr cand[KMSDNS__MAX_SERVERS]; /* primary first, then other NS */
    size_t ncand;
};

/* One query of a round: filled in, run by kmsdns__run_queries, answered. */
struct kmsdns__query {
    char name[KMSDNS_NAME_BUF];
    uint16_t type;
    bool rd;
    bool tcp; /* over TCP (a fresh connection) whatever --tcp says */
    struct kmsdns_addr server;
    size_t tag; /* the caller's index */
    int rc;     /* transport or parse result */
    char detail[96];
    ldns_pkt *pkt; /* the parsed answer when rc is OK; freed by kmsdns__free_queries */
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

struct kmsdns__pub {
    const struct kmsdns_config *cfg;
    const struct kmsdns_publish_opts *opts;
    struct kmsdns_pub_report *r;
    const struct kmsdns_transport *t;
    struct kmsdns_transport_opts topts;
    struct kmsdns_addr ask; /* where SOA, NS and address lookups go */
    bool ask_is_server;     /* [dns] server: nothing else is asked */
    kmsdns_tsig_key *key;   /* auth = tsig */
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

int kmsdns__run_queries(struct kmsdns__pub *p, struct kmsdns__query *q, size_t n);
void kmsdns__free_queries(struct kmsdns__query *q, size_t n);

/* Marks item i failed (status from rc: unreachable for TIMEOUT/UNREACHABLE/SYSTEM). */
void kmsdns__fail(struct kmsdns__pub *p, size_t i, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool kmsdns__alive(const struct kmsdns__pub *p, size_t i);
uint64_t kmsdns__now(const struct kmsdns__pub *p);

/* The read queries of item i (SRV, or A and AAAA) to server into q; returns how many. */
size_t kmsdns__read_queries(const struct kmsdns__pub *p, size_t i, const struct kmsdns_addr *server,
                            struct kmsdns__query *q);

/* Makes sure every server of updates [first, nupdates) has a GSS context;
 * the items of a server that cannot get one are failed with the reason. */
int kmsdns__gss_prepare(struct kmsdns__pub *p, size_t first);

/* The signer for updates to `server` (NULL: unsigned), and who signs, for messages. */
const struct kmsdns_tsig_signer *kmsdns__signer_for(struct kmsdns__pub *p,
                                                    const struct kmsdns_addr *server);
struct kmsdns__gss_server *kmsdns__gss_server_for(struct kmsdns__pub *p,
                                                  const struct kmsdns_addr *server);
void kmsdns__gss_free(struct kmsdns__pub *p);

int kmsdns__discover(struct kmsdns__pub *p);
int kmsdns__read(struct kmsdns__pub *p);
int kmsdns__update(struct kmsdns__pub *p);
int kmsdns__wait(struct kmsdns__pub *p);

/* True when records v (from a server) are the planned result for item it. */
bool kmsdns__served(const struct kmsdns_pub_item *it, bool withdraw, const struct kmsdns_rrdata *v,
                    size_t n);

#endif
