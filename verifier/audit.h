/* SPDX-License-Identifier: MIT */
/*
 * The audit of _vlmcs._tcp records behind kmsdns-verify: what each server
 * answered for a domain (observations), what the KMS host configs expect,
 * and the problems found, each with a stable code and severity (SPEC.md).
 * The checks are pure functions over observations; the engine (audit_run)
 * gathers the observations over the transport seam (c-ares by default).
 */
#ifndef KMSDNS_AUDIT_H
#define KMSDNS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/addr.h"
#include "kmsdns/config.h"
#include "kmsdns/dnsmsg.h"
#include "kmsdns/transport.h"
#include "kmsdns/tsig.h"

#include "dnsrecord.h"
#include "dnssec.h"

/* Monitoring-plugin order of badness is critical > unknown > warning > ok;
 * the enum is ordered so that a larger value is worse. */
enum kmsdns_severity {
    KMSDNS_SEV_OK = 0,
    KMSDNS_SEV_WARNING = 1,
    KMSDNS_SEV_UNKNOWN = 2,
    KMSDNS_SEV_CRITICAL = 3,
};

/* "ok", "warning", "critical", "unknown" */
const char *kmsdns_severity_name(enum kmsdns_severity s);

struct kmsdns_problem {
    const char *code; /* static: "srv-missing", ... */
    enum kmsdns_severity severity;
    char message[384];
    /* the name it concerns, for a status line: the SRV target (or the RRset
     * owner, the near miss) it is about; "" for a server's or the zone's own */
    char target[KMSDNS_NAME_BUF];
};

/* An address as served or expected: A or AAAA, presentation form. */
struct kmsdns_ip {
    uint16_t type; /* LDNS_RR_TYPE_A or _AAAA */
    char value[KMSDNS_ADDR_TEXT_MAX];
};

#define KMSDNS_AUDIT_ADDRS 8

/* One target's addresses as one server serves them. */
struct kmsdns_target_obs {
    char name[KMSDNS_NAME_BUF];
    bool asked;    /* the server was asked (it serves the target's zone) */
    bool answered; /* an authoritative answer came for A and AAAA */
    bool cname;    /* the target is an alias */
    struct kmsdns_ip addrs[KMSDNS_AUDIT_ADDRS];
    size_t naddrs;
};

/* One record of the audit as a DC holds it in its directory (--ldap). */
struct kmsdns_ldap_rec {
    uint16_t type;               /* LDNS_RR_TYPE_SRV, _A or _AAAA */
    char owner[KMSDNS_NAME_BUF]; /* _vlmcs._tcp.<domain>, or the target for A/AAAA */
    char value[KMSDNS_NAME_BUF]; /* SRV: the target; A/AAAA: the address's text */
    uint16_t priority, weight, port;
    uint32_t timestamp; /* hours since 1601-01-01 UTC; 0: static */
};

/* What one server's LDAP service said about the domain's records (--ldap). */
struct kmsdns_ldap_obs {
    bool asked;      /* --ldap: the server's LDAP was to be read */
    bool read;       /* it was: aging and recs hold what it said */
    char error[256]; /* when asked and not read: why (ldap-error) */
    int64_t now;     /* Unix seconds the judgement compares with (the time of the read) */
    struct kmsdns_zone_aging aging;
    struct kmsdns_ldap_rec *recs; /* malloc'd */
    size_t nrecs;
};

/*
 * The near misses of _vlmcs._tcp.<domain> that admins write (srv-misnamed),
 * in the order they are asked: a typo in the service label, a label without
 * its underscore, the wrong protocol, and the origin appended twice (a
 * zone-file line without its trailing dot).
 */
enum kmsdns_near_miss {
    KMSDNS_NEAR_TYPO = 0,               /* _vmlcs._tcp.<domain> */
    KMSDNS_NEAR_SERVICE_UNDERSCORE = 1, /* vlmcs._tcp.<domain> */
    KMSDNS_NEAR_PROTO_UNDERSCORE = 2,   /* _vlmcs.tcp.<domain> */
    KMSDNS_NEAR_UDP = 3,                /* _vlmcs._udp.<domain> */
    KMSDNS_NEAR_DOUBLED = 4,            /* _vlmcs._tcp.<domain>.<domain> */
    KMSDNS_NEAR_MISSES = 5
};

/* What one server holds at one near miss (asked only when it serves no
 * usable SRV at _vlmcs._tcp.<domain>: kmsdns_audit_wants_near_misses()). */
struct kmsdns_near_obs {
    bool asked;                /* the query went out */
    bool answered;             /* an authoritative NOERROR or NXDOMAIN came back */
    struct kmsdns_rrdata *srv; /* the SRV records there (malloc'd, NULL when none) */
    size_t nsrv;
};

/* One RRset of the audit (the SRV, a target's A or AAAA) as a server of a
 * signed zone served it: its RRs and the RRSIGs over them from the same
 * answer (both NULL when none came), then the verdict on them. */
struct kmsdns_dnssec_obs {
    char owner[KMSDNS_NAME_BUF];
    uint16_t type;
    ldns_rr_list *rrset, *sigs; /* owned (ldns_rr_list_deep_free) */
    bool judged;                /* verdict holds: the zone is signed there */
    struct kmsdns_dnssec_result verdict;
};

/* What one server answered for one domain. */
struct kmsdns_server_obs {
    struct kmsdns_addr addr;
    bool answered; /* any response to the SRV query, REFUSED included */
    char why[96];  /* when not answered: timeout, connection refused, ... */
    int rcode;     /* of the SRV answer */
    bool aa;
    struct kmsdns_rrdata *srv; /* the SRV RRset at _vlmcs._tcp.<domain> (malloc'd) */
    size_t nsrv;
    bool has_serial;
    uint32_t serial;
    struct kmsdns_target_obs *targets; /* malloc'd */
    size_t ntargets;
    char tsig_error[160]; /* with --tsig-key: why an answer's TSIG failed ("" when all verified) */
    bool client_view;     /* the resolver, as clients see it: no AA expected, not compared */
    char zone[KMSDNS_NAME_BUF];    /* the zone its SOA answer named ("" when none) */
    char primary[KMSDNS_NAME_BUF]; /* that SOA's MNAME: the zone's primary, as it says */
    char name[KMSDNS_NAME_BUF];    /* the NS name it was found as ("" when given by --server) */
    struct kmsdns_ldap_obs ldap;
    struct kmsdns_near_obs near[KMSDNS_NEAR_MISSES]; /* srv-misnamed's near misses */
    /* Signed zones: the zone (named by its SOA answer) has a DNSKEY RRset on
     * this server; then each RRset of the audit that lies in the zone has a
     * verdict in dnssec[] (dnssec-unsigned, -bogus, -expiring). */
    bool zone_signed;
    struct kmsdns_dnssec_obs *dnssec; /* malloc'd */
    size_t ndnssec;
};

/* What the -c configs expect in one domain. */
struct kmsdns_expectation {
    struct kmsdns_rrdata srv[32]; /* value = target, port/priority/weight */
    size_t nsrv;
    /* addresses expected per target, from each config's [host] addresses */
    struct {
        char target[KMSDNS_NAME_BUF];
        struct kmsdns_ip addrs[KMSDNS_AUDIT_ADDRS];
        size_t n;
    } addr[8];
    size_t naddr;
};

/* An SRV record's aging, as its server's LDAP holds it (--ldap). */
struct kmsdns_record_age {
    bool known;       /* the record was found in the directory */
    bool dynamic;     /* timestamp != 0 (else static: never scavenged) */
    int64_t stamp;    /* Unix seconds */
    int64_t eligible; /* when it becomes eligible for scavenging, Unix seconds */
};

struct kmsdns_server_result {
    char server[KMSDNS_ADDR_TEXT_MAX];
    bool client_view;
    enum kmsdns_severity status;
    bool answered;
    struct kmsdns_rrdata *records; /* as served (borrowed from the observation) */
    size_t nrecords;
    struct kmsdns_record_age *ages; /* one per record when read over LDAP, else NULL (malloc'd) */
    struct kmsdns_problem *problems;
    size_t nproblems;
};

struct kmsdns_domain_result {
    char domain[KMSDNS_NAME_BUF];
    enum kmsdns_severity status;
    struct kmsdns_problem *problems; /* the domain's own (no server to ask) */
    size_t nproblems;
    struct kmsdns_server_result *servers;
    size_t nservers;
};

/*
 * Judges one domain: every problem code of SPEC.md, one per cause. `exp`
 * NULL means no expectations (a --domain entry). The result borrows the
 * observations' records; free it with kmsdns_domain_result_deinit().
 */
int kmsdns_audit_check(const char *domain, const struct kmsdns_expectation *exp,
                       struct kmsdns_server_obs *obs, size_t nobs,
                       struct kmsdns_domain_result *out);
void kmsdns_domain_result_deinit(struct kmsdns_domain_result *r);

/* Frees what an observation owns. */
void kmsdns_server_obs_deinit(struct kmsdns_server_obs *o);

/*
 * The name of near miss k of `domain` (normalised) into out: KMSDNS_OK, or
 * KMSDNS_TOOLONG when it would pass 255 octets (the doubled origin of a
 * long domain), and is then not asked.
 */
int kmsdns_audit_near_miss_name(enum kmsdns_near_miss k, const char *domain,
                                char out[KMSDNS_NAME_BUF]);

/*
 * Whether the server's SRV answer leaves the domain without a usable record
 * there (an authoritative NOERROR/NXDOMAIN with no SRV but ".", the client
 * view aside): only then are the near misses asked and srv-misnamed judged,
 * so that a healthy audit sends no more queries.
 */
bool kmsdns_audit_wants_near_misses(const struct kmsdns_server_obs *o);

/* ---- the engine ---------------------------------------------------------- */

/*
 * --ldap's seam: reads, from the LDAP service of the DNS server at `server`,
 * the records of `owner` (the SRV) and of the targets (A/AAAA) in `zone`,
 * and the zone's aging settings, into *out (asked set, the rest zeroed:
 * read, or error). Called once per judged server and domain.
 */
struct kmsdns_audit_ldap {
    void *ctx;
    void (*read)(void *ctx, const struct kmsdns_addr *server, const char *zone, const char *owner,
                 const char *const *targets, size_t ntargets, struct kmsdns_ldap_obs *out);
};

/* record-aging warns this long before a record becomes eligible for scavenging. */
#define KMSDNS_AUDIT_AGING_WARN_S (48 * 3600)

struct kmsdns_audit_opts {
    const struct kmsdns_addr *servers; /* --server list; NULL/0: the zone's NS */
    size_t nservers;
    bool ns;            /* with servers: also the zone's NS */
    bool have_resolver; /* else the system resolver (/etc/resolv.conf) */
    struct kmsdns_addr resolver;
    unsigned timeout_ms;                     /* per try */
    unsigned tries;                          /* c-ares doubles the timeout per round of tries */
    unsigned max_inflight;                   /* per server (0: 32) */
    unsigned qps;                            /* 0: no cap */
    unsigned window;                         /* domains in progress at once (0: 256) */
    const struct kmsdns_tsig_signer *signer; /* sign the queries to the audited servers, or NULL */
    bool client_view; /* also ask the resolver, as a client would (RD, no AA expected) */
    int probe;        /* 0 none, 1 + enum kmsdns_probe_kind: probe every target address */
    unsigned probe_timeout_ms;
    /* --time-limit: the whole run ends this long after it starts (0: no limit);
     * what is unanswered then completes as a timeout ("time limit reached"),
     * nothing more is sent, and probes and --ldap reads are skipped. */
    unsigned time_limit_ms;
    const struct kmsdns_audit_ldap *ldap; /* --ldap, or NULL */
    /* --dnssec-warn: dnssec-expiring this long before the best RRSIG
     * expires; unset: KMSDNS_DNSSEC_WARN_DEFAULT (72 h). */
    bool dnssec_warn_set;
    uint32_t dnssec_warn_s;
    /* The network seam. stream, when set, is used as it is; else transport,
     * a batch transport (a unit test's script), is run a round at a time;
     * else c-ares, one channel per server (verifier/transport_stream.h). */
    const struct kmsdns_transport_stream *stream;
    const struct kmsdns_transport *transport;
};

struct kmsdns_audit_stats {
    unsigned long queries;
    unsigned long
        timeouts; /* tries that timed out (then retried, or the server declared unreachable) */
    double seconds;
    bool time_limit_hit; /* the run reached o->time_limit_ms */
};

/* The next domain to audit into domain[KMSDNS_NAME_BUF] with its expectation
 * (NULL: none; must stay valid for the whole run); false at the end. */
typedef bool (*kmsdns_audit_next_fn)(void *ctx, char *domain,
                                     const struct kmsdns_expectation **exp);

/* Receives each domain's result, in input order; a non-OK return stops the run. */
typedef int (*kmsdns_audit_emit_fn)(void *ctx, const struct kmsdns_domain_result *r);

/*
 * Audits every domain `next` yields, a window at a time (memory stays flat),
 * over o's transport (c-ares by default, one channel per server). KMSDNS_OK,
 * or an error that stopped the run (diag says why: no resolver, c-ares
 * init, out of memory).
 */
int kmsdns_audit_run(const struct kmsdns_audit_opts *o, kmsdns_audit_next_fn next, void *next_ctx,
                     kmsdns_audit_emit_fn emit, void *emit_ctx, struct kmsdns_audit_stats *stats,
                     struct kmsdns_diag *diag);

#endif
