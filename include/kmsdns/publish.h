/* SPDX-License-Identifier: MIT */
/*
 * The publication engine behind kmsdns-publish and kmsdns-hostd: for every
 * domain of the publish list, find the zone and its primary, read what it
 * holds, plan the change to this host's records only, send one signed
 * RFC 2136 update per zone, verify the answer, and (optionally) wait until
 * every authoritative server serves the result. All domains are worked on
 * at once, one network round per step, so N zones cost a few round trips,
 * not N.
 */
#ifndef KMSDNS_PUBLISH_H
#define KMSDNS_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"
#include "kmsdns/config.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/plan.h"
#include "kmsdns/transport.h"

struct kmsdns_publish_opts {
    bool withdraw;         /* remove this host's records instead of publishing */
    const char *fqdn;      /* target instead of [host] fqdn (withdraw --fqdn), or NULL */
    bool plan_only;        /* read and plan, send no update */
    bool refresh;          /* refresh this run whatever [dns] refresh says (--refresh) */
    bool tcp;              /* every query and update over TCP */
    unsigned wait_seconds; /* > 0: poll the authoritative servers up to this long */
    const struct kmsdns_transport *transport; /* NULL: the network */
    uint64_t (*clock)(void);                  /* unix seconds; NULL: time(NULL) */
};

enum kmsdns_item_status {
    KMSDNS_ITEM_OK,
    KMSDNS_ITEM_FAILED,      /* a server answered with an error, or the answer proved nothing */
    KMSDNS_ITEM_UNREACHABLE, /* no server could be asked */
};

/* One publish domain's SRV record, or the host's A/AAAA records. */
struct kmsdns_pub_item {
    bool is_address;
    char domain[KMSDNS_NAME_BUF];      /* the publish domain, or fqdn for addresses */
    char owner[KMSDNS_NAME_BUF];       /* _vlmcs._tcp.<domain>, or fqdn */
    char zone[KMSDNS_NAME_BUF];        /* "" until found */
    char server[KMSDNS_ADDR_TEXT_MAX]; /* the server read and updated; "" if none */
    struct kmsdns_rrdata *want;        /* SRV: 1 record; addresses: one per configured address */
    size_t nwant;
    struct kmsdns_rrdata *current; /* what the server held before */
    size_t ncurrent;
    bool have_current;       /* current was read */
    struct kmsdns_plan plan; /* plan.nrefresh > 0: it re-registers records already right */
    bool planned;
    bool ad_dns;  /* the zone's server answered as Active Directory DNS (refresh = auto) */
    bool applied; /* the update carrying the plan was answered NOERROR, verified */
    enum kmsdns_item_status status;
    int rc;            /* kmsdns_err of the failure */
    char message[640]; /* why it failed, for a DNS admin */
    char note[256];    /* e.g. a TTL-only difference, the wait result */
    char warning[256]; /* succeeded, with something an admin should know */
};

/* One UPDATE message (sent, or planned with --plan). */
struct kmsdns_pub_update {
    char zone[KMSDNS_NAME_BUF];
    char server[KMSDNS_ADDR_TEXT_MAX];
    size_t *items; /* indices into the report's items */
    size_t nitems;
    bool sent;
    char rcode[16]; /* the answer's rcode, "" if none */
    char proof[32]; /* "tsig-verified", "unsigned" (auth none), "" */
};

/* How a run went as a whole; a server's error outweighs an unreachable
 * server. Programs map it to their own exit codes. */
enum kmsdns_pub_outcome {
    KMSDNS_PUB_DONE = 0,         /* every item as planned */
    KMSDNS_PUB_SERVER_ERROR = 1, /* at least one server answered an error */
    KMSDNS_PUB_UNREACHABLE = 2,  /* none failed, but some server could not be asked */
};

struct kmsdns_pub_report {
    char fqdn[KMSDNS_NAME_BUF];
    bool withdraw, plan_only;
    char auth[16];
    struct kmsdns_pub_item *items;
    size_t nitems;
    struct kmsdns_pub_update *updates;
    size_t nupdates;
    unsigned updates_sent;
    unsigned tkey_exchanges; /* GSS-TSIG: TKEY round trips (one per server, per GSS step) */
    unsigned waited;         /* seconds spent in --wait */
    enum kmsdns_pub_outcome outcome;
};

/*
 * Runs a publication (or withdrawal, or plan) for cfg. On KMSDNS_OK *out
 * holds the per-item results (free with kmsdns_pub_report_free()); the
 * report's outcome says how it went. Errors before anything is sent
 * (no fqdn, unreadable key, unsupported auth): diag says why, *out NULL.
 */
int kmsdns_publish_run(const struct kmsdns_config *cfg, const struct kmsdns_publish_opts *opts,
                       struct kmsdns_pub_report **out, struct kmsdns_diag *diag);

void kmsdns_pub_report_free(struct kmsdns_pub_report *r);

const char *kmsdns_item_status_name(enum kmsdns_item_status s);

#endif
