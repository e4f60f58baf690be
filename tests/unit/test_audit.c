/* SPDX-License-Identifier: MIT */
/* The audit's checks, one by one, on hand-made observations: each problem code
 * exactly when SPEC.md says, one code per cause, statuses the worst of their parts;
 * then the engine's answer walks (verifier/audit_int.h) on hand-made answers;
 * then the whole engine (kmsdns_audit_run) over a scripted transport that
 * answers from zone data (every problem code's path from the wire up), and
 * over c-ares against a loopback server that truncates every UDP answer. */
#include "testrr.h"
#include "testutil.h"

#include "audit_int.h" /* the engine's answer walks */
#include "kmsdns/zone.h"
#include "audit.h"
#include "testobs.h"
#include "kmsdns/error.h"
#include "kmsdns/transport.h"
#include "kmsdns/tsig.h"
#include "kmsdns/tsigkey.h"
#include "transport_stream.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* A server that answered authoritatively with these records; every target has 192.0.2.1. */
static void server(struct kmsdns_server_obs *o, const char *ip, const struct kmsdns_rrdata *v,
                   size_t n, uint32_t serial)
{
    test_server_obs(o, ip, v, n, serial, "192.0.2.1");
}

static struct kmsdns_expectation expect_kms1(void)
{
    struct kmsdns_expectation e = {0};
    e.srv[e.nsrv++] = test_srv("kms1.corp.test", 0, 100, 1688, 0);
    return e;
}

static struct kmsdns_domain_result r;
static struct kmsdns_server_obs o[3];

static void judge(const struct kmsdns_expectation *e, size_t n)
{
    memset(&r, 0, sizeof r);
    assert_int_equal(kmsdns_audit_check("corp.test", e, o, n, &r), KMSDNS_OK);
}

/* The codes of server i, joined by spaces. */
static const char *codes(size_t i)
{
    static char buf[256];
    buf[0] = '\0';
    for (size_t k = 0; k < r.servers[i].nproblems; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? " " : "",
                 r.servers[i].problems[k].code);
    return buf;
}

static int cleanup(void **state)
{
    (void)state;
    kmsdns_domain_result_deinit(&r);
    for (size_t i = 0; i < 3; i++)
        kmsdns_server_obs_deinit(&o[i]);
    return 0;
}

static void test_healthy(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_expectation e = expect_kms1();
    server(&o[0], "192.0.2.53", v, 1, 7);
    server(&o[1], "192.0.2.54", v, 1, 7);
    judge(&e, 2);
    assert_string_equal(codes(0), "");
    assert_string_equal(codes(1), "");
    assert_int_equal(r.status, KMSDNS_SEV_OK);
    assert_string_equal(r.servers[1].server, "192.0.2.54:53");
}

/* --ldap: the server's directory holds kms1's SRV stamped `hours` ago (0:
 * static) in a zone of 7 + 7 days, and the target's A stamped a_hours ago. */
static void ldap_obs(struct kmsdns_server_obs *x, int64_t now, uint32_t hours, uint32_t a_hours)
{
    x->ldap.asked = x->ldap.read = true;
    x->ldap.now = now;
    kmsdns_zone_aging_init(&x->ldap.aging);
    x->ldap.recs = calloc(2, sizeof *x->ldap.recs);
    uint32_t nowh = (uint32_t)(now / 3600 + 3234576);
    x->ldap.recs[0] = (struct kmsdns_ldap_rec){.type = LDNS_RR_TYPE_SRV,
                                               .priority = 0,
                                               .weight = 100,
                                               .port = 1688,
                                               .timestamp = hours ? nowh - hours : 0};
    strcpy(x->ldap.recs[0].owner, "_vlmcs._tcp.corp.test");
    strcpy(x->ldap.recs[0].value, "kms1.corp.test");
    x->ldap.recs[1] =
        (struct kmsdns_ldap_rec){.type = LDNS_RR_TYPE_A, .timestamp = a_hours ? nowh - a_hours : 0};
    strcpy(x->ldap.recs[1].owner, "kms1.corp.test");
    strcpy(x->ldap.recs[1].value, "192.0.2.1");
    x->ldap.nrecs = 2;
}

static void test_ldap_aging(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_expectation e = expect_kms1();
    const int64_t now = 1796166000; /* 2026-12-01T23:00:00Z, a whole hour */
    /* fresh (1 day): nothing; the JSON's ages are known */
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 24, 0);
    judge(&e, 1);
    assert_string_equal(codes(0), "");
    assert_non_null(r.servers[0].ages);
    assert_true(r.servers[0].ages[0].known && r.servers[0].ages[0].dynamic);
    assert_int_equal(r.servers[0].ages[0].stamp, now - 24 * 3600);
    assert_int_equal(r.servers[0].ages[0].eligible, now + 13 * 24 * 3600);
    cleanup(NULL);
    /* 13.5 days: eligible in 12 h -> warning, with both dates */
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 13 * 24 + 12, 0);
    judge(&e, 1);
    assert_string_equal(codes(0), "record-aging");
    assert_int_equal(r.servers[0].problems[0].severity, KMSDNS_SEV_WARNING);
    assert_non_null(strstr(r.servers[0].problems[0].message,
                           "SRV 0 100 1688 kms1.corp.test: timestamp 2026-11-18T11:00:00Z, "
                           "becomes eligible for scavenging at 2026-12-02T11:00:00Z"));
    assert_int_equal(r.status, KMSDNS_SEV_WARNING);
    cleanup(NULL);
    /* exactly 48 h ahead still warns; 49 h does not */
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 12 * 24, 0);
    judge(&e, 1);
    assert_string_equal(codes(0), "record-aging");
    cleanup(NULL);
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 12 * 24 - 1, 0);
    judge(&e, 1);
    assert_string_equal(codes(0), "");
    cleanup(NULL);
    /* exactly 14 days old: already eligible -> critical; 15 days too */
    for (uint32_t h = 14 * 24; h <= 15 * 24; h += 24) {
        server(&o[0], "192.0.2.53", v, 1, 7);
        ldap_obs(&o[0], now, h, 0);
        judge(&e, 1);
        assert_string_equal(codes(0), "record-aging");
        assert_int_equal(r.servers[0].problems[0].severity, KMSDNS_SEV_CRITICAL);
        assert_non_null(strstr(r.servers[0].problems[0].message, "eligible for scavenging since"));
        cleanup(NULL);
    }
    /* shorter intervals from the zone, aging off: named */
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 3, 0);
    o[0].ldap.aging.norefresh = 1, o[0].ldap.aging.refresh = 1;
    judge(&e, 1);
    assert_string_equal(codes(0), "record-aging");
    assert_non_null(
        strstr(r.servers[0].problems[0].message, "(no-refresh 1 h + refresh 1 h; zone aging off)"));
    cleanup(NULL);
    /* a static SRV: record-static, null dates; a dynamic A about to age: record-aging */
    server(&o[0], "192.0.2.53", v, 1, 7);
    ldap_obs(&o[0], now, 0, 15 * 24);
    judge(&e, 1);
    assert_string_equal(codes(0), "record-static record-aging");
    assert_int_equal(r.servers[0].problems[0].severity, KMSDNS_SEV_WARNING);
    assert_true(r.servers[0].ages[0].known && !r.servers[0].ages[0].dynamic);
    assert_non_null(strstr(r.servers[0].problems[1].message, "kms1.corp.test A 192.0.2.1:"));
    assert_int_equal(r.status, KMSDNS_SEV_CRITICAL);
    cleanup(NULL);
    /* a record the directory does not hold (another port): no age, no problem */
    struct kmsdns_rrdata w[] = {test_srv("kms1.corp.test", 0, 100, 1689, 3600)};
    server(&o[0], "192.0.2.53", w, 1, 7);
    ldap_obs(&o[0], now, 0, 0);
    judge(NULL, 1);
    assert_string_equal(codes(0), "");
    assert_false(r.servers[0].ages[0].known);
}

static void test_ldap_error(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_expectation e = expect_kms1();
    server(&o[0], "192.0.2.53", v, 1, 7);
    server(&o[1], "192.0.2.54", NULL, 0, 7);
    o[0].ldap.asked = o[1].ldap.asked = true;
    strcpy(o[0].ldap.error, "SASL GSSAPI bind to ldap/dc1.corp.test: Local error");
    judge(&e, 2);
    /* unknown, and the DNS checks still ran */
    assert_string_equal(codes(0),
                        "ldap-error" /* it serves what the configs expect: the reference */);
    assert_int_equal(r.servers[0].problems[0].severity, KMSDNS_SEV_UNKNOWN);
    assert_non_null(strstr(r.servers[0].problems[0].message, "ldap/dc1.corp.test: Local error"));
    assert_null(r.servers[0].ages);
    assert_string_equal(codes(1), "srv-missing ldap-error srv-inconsistent");
    assert_int_equal(r.status, KMSDNS_SEV_CRITICAL);
    cleanup(NULL);
    /* without --ldap: nothing of it */
    server(&o[0], "192.0.2.53", v, 1, 7);
    judge(&e, 1);
    assert_string_equal(codes(0), "");
    assert_null(r.servers[0].ages);
}

static void test_missing_mismatch_extra(void **state)
{
    (void)state;
    struct kmsdns_expectation e = expect_kms1();
    server(&o[0], "192.0.2.53", NULL, 0, 7);
    judge(&e, 1);
    assert_string_equal(codes(0), "srv-missing");
    kmsdns_domain_result_deinit(&r);
    kmsdns_server_obs_deinit(&o[0]);
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 1, 100, 1689, 3600),
                                test_srv("stale.corp.test", 0, 0, 1688, 3600)};
    server(&o[0], "192.0.2.53", v, 2, 7);
    judge(&e, 1);
    assert_string_equal(codes(0), "srv-mismatch extra-record");
    assert_non_null(strstr(r.servers[0].problems[0].message, "port 1689 (expected 1688)"));
    assert_non_null(strstr(r.servers[0].problems[0].message, "priority 1 (expected 0)"));
    assert_int_equal(r.servers[0].problems[1].severity, KMSDNS_SEV_WARNING);
    assert_int_equal(r.status, KMSDNS_SEV_CRITICAL);
    /* without expectations: no extra-record, no mismatch */
    kmsdns_domain_result_deinit(&r);
    judge(NULL, 1);
    assert_string_equal(codes(0), "");
}

static void test_dot_instead_of_missing(void **state)
{
    (void)state;
    struct kmsdns_expectation e = expect_kms1();
    struct kmsdns_rrdata v[] = {test_srv(".", 0, 0, 0, 3600)};
    server(&o[0], "192.0.2.53", v, 1, 7);
    o[0].ntargets = 0; /* "." is never asked for */
    judge(&e, 1);
    assert_string_equal(codes(0), "target-dot");
}

/* Near miss k held n SRV records on server x (kms1 first), as the engine records it. */
static void near_miss(struct kmsdns_server_obs *x, enum kmsdns_near_miss k, size_t n)
{
    x->near[k].asked = x->near[k].answered = true;
    x->near[k].srv = calloc(n + 1, sizeof *x->near[k].srv);
    for (size_t i = 0; i < n; i++)
        x->near[k].srv[i] = test_srv(i ? "kms2.corp.test" : "kms1.corp.test", 0, 100, 1688, 3600);
    x->near[k].nsrv = n;
}

static const char *message(size_t server, size_t k)
{
    assert_true(k < r.servers[server].nproblems);
    return r.servers[server].problems[k].message;
}

static void test_near_miss_names(void **state)
{
    (void)state;
    char n[KMSDNS_NAME_BUF];
    static const char *const want[] = {"_vmlcs._tcp.corp.test", "vlmcs._tcp.corp.test",
                                       "_vlmcs.tcp.corp.test", "_vlmcs._udp.corp.test",
                                       "_vlmcs._tcp.corp.test.corp.test"};
    for (unsigned k = 0; k < KMSDNS_NEAR_MISSES; k++) {
        assert_int_equal(kmsdns_audit_near_miss_name(k, "corp.test", n), KMSDNS_OK);
        assert_string_equal(n, want[k]);
    }
    assert_int_not_equal(kmsdns_audit_near_miss_name(KMSDNS_NEAR_MISSES, "corp.test", n),
                         KMSDNS_OK);
    /* a long domain has every near miss but the doubled origin (past 255 octets) */
    char d[200];
    memset(d, 'a', sizeof d);
    d[60] = d[121] = d[182] = '.';
    strcpy(d + 183, "corp.test");
    assert_int_equal(kmsdns_audit_near_miss_name(KMSDNS_NEAR_UDP, d, n), KMSDNS_OK);
    assert_int_equal(kmsdns_audit_near_miss_name(KMSDNS_NEAR_DOUBLED, d, n), KMSDNS_TOOLONG);
}

/* srv-misnamed: a warning per near miss with records, besides srv-missing. */
static void test_misnamed(void **state)
{
    (void)state;
    struct kmsdns_expectation e = expect_kms1();
    server(&o[0], "192.0.2.53", NULL, 0, 7);
    near_miss(&o[0], KMSDNS_NEAR_TYPO, 1);
    o[0].near[KMSDNS_NEAR_UDP].asked = o[0].near[KMSDNS_NEAR_UDP].answered = true; /* empty */
    near_miss(&o[0], KMSDNS_NEAR_DOUBLED, 1);
    o[0].near[KMSDNS_NEAR_DOUBLED].answered = false; /* asked, no answer: nothing known */
    judge(&e, 1);
    assert_string_equal(codes(0), "srv-missing srv-misnamed");
    assert_int_equal(r.servers[0].problems[1].severity, KMSDNS_SEV_WARNING);
    assert_string_equal(message(0, 1), "this server has an SRV at _vmlcs._tcp.corp.test "
                                       "(kms1.corp.test port 1688): a typo for _vlmcs._tcp? "
                                       "KMS clients ask only for _vlmcs._tcp.corp.test");
    assert_int_equal(r.status, KMSDNS_SEV_CRITICAL); /* the record clients ask for is missing */
    cleanup(NULL);

    /* every kind, in order, without expectations too */
    server(&o[0], "192.0.2.53", NULL, 0, 7);
    for (unsigned k = 0; k < KMSDNS_NEAR_MISSES; k++)
        near_miss(&o[0], k, k == 0 ? 2 : 1);
    judge(NULL, 1);
    assert_string_equal(codes(0), "srv-missing srv-misnamed srv-misnamed srv-misnamed "
                                  "srv-misnamed srv-misnamed");
    assert_non_null(strstr(message(0, 1), "(kms1.corp.test port 1688, +1 more): a typo"));
    assert_non_null(strstr(message(0, 2), "at vlmcs._tcp.corp.test (kms1.corp.test port 1688): "
                                          "the service label without its underscore (_vlmcs)?"));
    assert_non_null(strstr(message(0, 3), "at _vlmcs.tcp.corp.test (kms1.corp.test port 1688): "
                                          "the protocol label without its underscore (_tcp)?"));
    assert_non_null(strstr(message(0, 4), "at _vlmcs._udp.corp.test (kms1.corp.test port 1688): "
                                          "the wrong protocol label (_udp for _tcp)?"));
    assert_non_null(strstr(message(0, 5), "at _vlmcs._tcp.corp.test.corp.test (kms1.corp.test port "
                                          "1688): a zone-file line without its trailing dot"));
    cleanup(NULL);

    /* a "." target is no usable record either: target-dot, then srv-misnamed */
    struct kmsdns_rrdata dot[] = {test_srv(".", 0, 0, 0, 3600)};
    server(&o[0], "192.0.2.53", dot, 1, 7);
    o[0].ntargets = 0;
    near_miss(&o[0], KMSDNS_NEAR_UDP, 1);
    /* a server that serves the record, the client view and a lame server are
     * never judged on near misses, whatever their observation says */
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    server(&o[1], "192.0.2.54", v, 1, 7);
    near_miss(&o[1], KMSDNS_NEAR_TYPO, 1);
    server(&o[2], "192.0.2.1", NULL, 0, 7);
    o[2].client_view = true;
    near_miss(&o[2], KMSDNS_NEAR_TYPO, 1);
    judge(&e, 3);
    assert_string_equal(codes(0), "target-dot srv-misnamed srv-inconsistent");
    assert_string_equal(codes(1), ""); /* the reference: as the configs expect */
    assert_string_equal(codes(2), "srv-missing");
    assert_true(kmsdns_audit_wants_near_misses(&o[0]));
    assert_false(kmsdns_audit_wants_near_misses(&o[1]));
    assert_false(kmsdns_audit_wants_near_misses(&o[2]));
    o[0].aa = false;
    assert_false(kmsdns_audit_wants_near_misses(&o[0]));
}

static void test_targets(void **state)
{
    (void)state;
    struct kmsdns_expectation e = expect_kms1();
    e.addr[0].n = 1;
    strcpy(e.addr[0].target, "kms1.corp.test");
    e.addr[0].addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A};
    strcpy(e.addr[0].addrs[0].value, "192.0.2.10");
    e.naddr = 1;
    struct kmsdns_rrdata v[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    server(&o[0], "192.0.2.53", v, 1, 7);
    judge(&e, 1);
    assert_string_equal(codes(0), "address-mismatch");
    kmsdns_domain_result_deinit(&r);
    o[0].targets[0].cname = true;
    judge(&e, 1);
    assert_string_equal(codes(0), "target-cname"); /* not also no-address or mismatch */
    kmsdns_domain_result_deinit(&r);
    o[0].targets[0].cname = false;
    o[0].targets[0].naddrs = 0;
    judge(&e, 1);
    assert_string_equal(codes(0), "target-no-address");
    kmsdns_domain_result_deinit(&r);
    o[0].targets[0].asked = false; /* the server does not serve the target's zone */
    judge(&e, 1);
    assert_string_equal(codes(0), "");
}

static void test_consistency(void **state)
{
    (void)state;
    struct kmsdns_rrdata a[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_rrdata b[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600),
                                test_srv("kms2.corp.test", 0, 100, 1688, 3600)};
    server(&o[0], "192.0.2.53", a, 1, 7);
    server(&o[1], "192.0.2.54", b, 2, 7);
    judge(NULL, 2);
    assert_string_equal(codes(0), "srv-inconsistent");
    assert_string_equal(codes(1), "srv-inconsistent");
    kmsdns_domain_result_deinit(&r);
    kmsdns_server_obs_deinit(&o[1]);
    struct kmsdns_rrdata c[] = {test_srv("kms1.corp.test", 0, 100, 1688, 600)};
    server(&o[1], "192.0.2.54", c, 1, 8);
    judge(NULL, 2);
    assert_string_equal(codes(0), "ttl-inconsistent serial-mismatch");
    assert_string_equal(codes(1), "ttl-inconsistent serial-mismatch");
    assert_int_equal(r.status, KMSDNS_SEV_WARNING);
}

/* Which servers a disagreement goes on: those differing from the majority,
 * else (two DCs, one lagging) from the one serving what the configs expect,
 * else every differing server. */
static void test_disagreement_reference(void **state)
{
    (void)state;
    struct kmsdns_rrdata old[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_rrdata cur[] = {test_srv("kms1.corp.test", 0, 100, 1690, 3600)};
    server(&o[0], "192.0.2.53", cur, 1, 7);
    server(&o[1], "192.0.2.54", old, 1, 7);
    server(&o[2], "192.0.2.55", cur, 1, 7);
    judge(NULL, 3);
    assert_string_equal(codes(0), "");
    assert_string_equal(codes(1), "srv-inconsistent");
    assert_string_equal(codes(2), "");
    assert_non_null(strstr(r.servers[1].problems[0].message, "192.0.2.53:53"));
    assert_non_null(strstr(r.servers[1].problems[0].message, "majority"));
    cleanup(NULL);
    struct kmsdns_expectation e = expect_kms1(); /* kms1 0 100 1688 */
    server(&o[0], "192.0.2.53", cur, 1, 7);
    server(&o[1], "192.0.2.54", old, 1, 7);
    judge(&e, 2);
    assert_string_equal(codes(0), "srv-mismatch srv-inconsistent"); /* the one that lags */
    assert_non_null(strstr(r.servers[0].problems[1].message, "192.0.2.54:53"));
    assert_non_null(strstr(r.servers[0].problems[1].message, "as the configs expect"));
    assert_string_equal(codes(1), "");
    cleanup(NULL);
    server(&o[0], "192.0.2.53", cur, 1, 7);
    server(&o[1], "192.0.2.54", old, 1, 7);
    judge(NULL, 2); /* neither: both */
    assert_string_equal(codes(0), "srv-inconsistent");
    assert_string_equal(codes(1), "srv-inconsistent");
}

/* The zone's primary, when every SOA names it and it was found as that NS
 * name, is the reference of both the SRV RRset and the serial, even in a
 * minority; servers naming different primaries (AD DCs) fall back to the
 * majority. */
static void name_servers(const char *mname)
{
    static const char *const names[] = {"ns1.corp.test", "ns2.corp.test", "ns3.corp.test"};
    for (size_t i = 0; i < 3; i++) {
        strcpy(o[i].name, names[i]);
        strcpy(o[i].primary, mname != NULL ? mname : names[i]);
    }
}

static void test_primary_reference(void **state)
{
    (void)state;
    struct kmsdns_rrdata old[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_rrdata cur[] = {test_srv("kms1.corp.test", 0, 100, 1690, 3600)};
    server(&o[0], "192.0.2.53", cur, 1, 3); /* the primary, updated */
    server(&o[1], "192.0.2.54", old, 1, 2); /* two secondaries that lag */
    server(&o[2], "192.0.2.55", old, 1, 2);
    name_servers("ns1.corp.test");
    judge(NULL, 3);
    assert_string_equal(codes(0), "");
    assert_string_equal(codes(1), "srv-inconsistent serial-mismatch");
    assert_string_equal(codes(2), "srv-inconsistent serial-mismatch");
    assert_string_equal(r.servers[1].problems[0].message,
                        "_vlmcs._tcp.corp.test differs from what the primary 192.0.2.53:53 serves "
                        "(1 record here)");
    assert_string_equal(r.servers[2].problems[1].message,
                        "the zone's SOA serial is 2 here and 3 at the primary 192.0.2.53:53");
    cleanup(NULL);
    /* each names itself (AD): the majority decides, on the serial too */
    server(&o[0], "192.0.2.53", cur, 1, 3);
    server(&o[1], "192.0.2.54", old, 1, 2);
    server(&o[2], "192.0.2.55", old, 1, 2);
    name_servers(NULL);
    judge(NULL, 3);
    assert_string_equal(codes(0), "srv-inconsistent serial-mismatch");
    assert_string_equal(codes(1), "");
    assert_string_equal(r.servers[0].problems[1].message,
                        "the zone's SOA serial is 3 here and 2 at 192.0.2.54:53 (the majority of "
                        "the servers)");
    cleanup(NULL);
    /* the primary did not answer: the majority */
    server(&o[0], "192.0.2.53", cur, 1, 3);
    server(&o[1], "192.0.2.54", old, 1, 2);
    server(&o[2], "192.0.2.55", old, 1, 2);
    name_servers("ns1.corp.test");
    o[0].answered = false;
    judge(NULL, 3);
    assert_string_equal(codes(0), "server-unreachable");
    assert_string_equal(codes(1), "");
    assert_string_equal(codes(2), "");
    cleanup(NULL);
    /* serials 1, 2, 3 with no primary: no majority, every server that differs */
    server(&o[0], "192.0.2.53", cur, 1, 1);
    server(&o[1], "192.0.2.54", cur, 1, 2);
    server(&o[2], "192.0.2.55", cur, 1, 3);
    judge(NULL, 3);
    assert_string_equal(codes(0), "serial-mismatch");
    assert_string_equal(codes(1), "serial-mismatch");
    assert_string_equal(codes(2), "serial-mismatch");
}

/* Each problem names what it is about for the status line: the SRV target
 * for the record's problems, nothing for a whole answer's. */
static void test_problem_targets(void **state)
{
    (void)state;
    struct kmsdns_rrdata other[] = {test_srv("kms9.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_expectation e = expect_kms1();
    server(&o[0], "192.0.2.53", other, 1, 7);
    server(&o[1], "192.0.2.54", other, 1, 8);
    judge(&e, 2);
    assert_string_equal(codes(0), "srv-missing extra-record serial-mismatch");
    assert_string_equal(r.servers[0].problems[0].target, "kms1.corp.test");
    assert_string_equal(r.servers[0].problems[1].target, "kms9.corp.test");
    assert_string_equal(r.servers[0].problems[2].target, "");
}

static void test_reachability(void **state)
{
    (void)state;
    struct kmsdns_rrdata a[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_rrdata b[] = {test_srv("kms2.corp.test", 0, 100, 1688, 3600)};
    server(&o[0], "192.0.2.53", a, 1, 7);
    server(&o[1], "192.0.2.54", b, 1, 9);
    o[1].answered = false; /* dead: out of every comparison */
    strcpy(o[1].why, "Timeout while contacting DNS servers");
    server(&o[2], "192.0.2.55", NULL, 0, 9);
    o[2].rcode = LDNS_RCODE_REFUSED;
    o[2].aa = false;
    judge(NULL, 3);
    assert_string_equal(codes(0), "");
    assert_string_equal(codes(1), "server-unreachable");
    assert_int_equal(r.servers[1].problems[0].severity, KMSDNS_SEV_WARNING);
    assert_string_equal(codes(2), "server-not-authoritative");
    assert_int_equal(r.status, KMSDNS_SEV_WARNING);
    kmsdns_domain_result_deinit(&r);
    o[0].answered = false;
    o[2].answered = false;
    judge(NULL, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(r.servers[i].problems[0].severity, KMSDNS_SEV_UNKNOWN);
    assert_int_equal(r.status, KMSDNS_SEV_UNKNOWN);
}

static void test_severity_order(void **state)
{
    (void)state;
    assert_true(KMSDNS_SEV_CRITICAL > KMSDNS_SEV_UNKNOWN);
    assert_true(KMSDNS_SEV_UNKNOWN > KMSDNS_SEV_WARNING);
    assert_string_equal(kmsdns_severity_name(KMSDNS_SEV_UNKNOWN), "unknown");
}

/* ---- the answer walks ---------------------------------------------------------- */

/* An answer with these records ("section owner ttl IN type rdata", section
 * one of 'A'nswer, 'N' authority), AA as given. Free with ldns_pkt_free(). */
static ldns_pkt *answer(bool aa, ldns_pkt_rcode rcode, const char *const *rrs, size_t n)
{
    ldns_pkt *p = ldns_pkt_new();
    assert_non_null(p);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, aa);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    for (size_t i = 0; i < n; i++) {
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i] + 2, 0, NULL, NULL), LDNS_STATUS_OK);
        ldns_pkt_push_rr(p, rrs[i][0] == 'A' ? LDNS_SECTION_ANSWER : LDNS_SECTION_AUTHORITY, rr);
    }
    return p;
}

/* The zone walks the engine shares with kmsdns-publish (kmsdns/zone.h), as the audit uses them. */
static void test_walk_zone_soa(void **state)
{
    (void)state;
    const char *nx[] = {"N corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 7 1 1 1 1"};
    ldns_pkt *p = answer(false, LDNS_RCODE_NXDOMAIN, nx, 1);
    char zone[KMSDNS_NAME_BUF] = "", primary[KMSDNS_NAME_BUF] = "";
    assert_int_equal(kmsdns_zone_soa_of(p, "_vlmcs._tcp.corp.test", zone, primary, NULL),
                     KMSDNS_ZONE_SOA_FOUND);
    assert_string_equal(zone, "corp.test");
    assert_string_equal(primary, "ns1.corp.test");
    assert_int_equal(kmsdns_zone_soa_of(p, "corp.test", zone, primary, NULL),
                     KMSDNS_ZONE_SOA_FOUND);
    /* not within: the audit's walk goes up past it */
    assert_int_equal(kmsdns_zone_soa_of(p, "corp.test.example", zone, primary, NULL),
                     KMSDNS_ZONE_SOA_UNRELATED);
    assert_int_equal(kmsdns_zone_soa_of(p, "xcorp.test", zone, primary, NULL),
                     KMSDNS_ZONE_SOA_UNRELATED);
    uint32_t serial = 0;
    strcpy(zone, "unchanged");
    assert_false(kmsdns__audit_soa_answer(p, "_vlmcs._tcp.corp.test", &serial, zone, primary));
    assert_string_equal(zone, "unchanged"); /* no authority: no serial, nothing written */
    ldns_pkt_free(p);
    p = answer(true, LDNS_RCODE_NXDOMAIN, nx, 1);
    assert_true(kmsdns__audit_soa_answer(p, "_vlmcs._tcp.corp.test", &serial, zone, primary));
    assert_int_equal(serial, 7);
    assert_string_equal(zone, "corp.test");
    assert_string_equal(primary, "ns1.corp.test");
    strcpy(zone, "unchanged");
    assert_false(kmsdns__audit_soa_answer(p, "xcorp.test", &serial, zone, primary));
    assert_string_equal(zone, "unchanged");
    ldns_pkt_free(p);
    const char *none[] = {"A corp.test. 3600 IN NS ns1.corp.test."};
    p = answer(true, LDNS_RCODE_NOERROR, none, 1);
    assert_int_equal(kmsdns_zone_soa_of(p, "corp.test", zone, primary, NULL), KMSDNS_ZONE_SOA_NONE);
    assert_false(kmsdns__audit_soa_answer(p, "corp.test", &serial, zone, primary));
    ldns_pkt_free(p);
}

static void test_walk_ns(void **state)
{
    (void)state;
    const char *rrs[] = {
        "A corp.test. 3600 IN NS ns1.corp.test.", "A corp.test. 3600 IN A 192.0.2.1",
        "A corp.test. 3600 IN NS NS2.Corp.Test.", "A corp.test. 3600 IN NS ns1.Corp.Test.",
        "N corp.test. 3600 IN NS ns3.corp.test."};
    ldns_pkt *p = answer(false, LDNS_RCODE_NOERROR, rrs, 5);
    /* an NS without RDATA, as ldns reads one off the wire: skipped, not followed */
    ldns_rr *empty = ldns_rr_new();
    ldns_rr_set_owner(empty, ldns_dname_new_frm_str("corp.test."));
    ldns_rr_set_type(empty, LDNS_RR_TYPE_NS);
    ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, empty);
    char ns[KMSDNS__AUDIT_MAX_NS][KMSDNS_NAME_BUF];
    /* each name once, in answer order, the authority section's left out */
    assert_int_equal(kmsdns_zone_ns_names(p, ns, 0, KMSDNS__AUDIT_MAX_NS), 2);
    assert_string_equal(ns[0], "ns1.corp.test");
    assert_string_equal(ns[1], "ns2.corp.test");
    assert_int_equal(kmsdns_zone_ns_names(p, ns, 7, 8), 8); /* appended, up to max */
    assert_string_equal(ns[7], "ns1.corp.test");
    ldns_pkt_free(p);

    const char *addrs[] = {
        "A ns1.corp.test. 3600 IN A 192.0.2.53", "A ns2.corp.test. 3600 IN A 192.0.2.54",
        "A ns1.corp.test. 3600 IN AAAA 2001:db8::53", "A ns1.corp.test. 3600 IN A 192.0.2.55"};
    p = answer(false, LDNS_RCODE_NOERROR, addrs, 4);
    struct kmsdns_addr v[4];
    char text[KMSDNS_ADDR_TEXT_MAX];
    assert_int_equal(kmsdns_zone_ns_addrs(p, "ns1.corp.test", LDNS_RR_TYPE_A, v, 0, 4), 2);
    assert_string_equal(kmsdns_addr_format(&v[0], text), "192.0.2.53:53");
    assert_string_equal(kmsdns_addr_format(&v[1], text), "192.0.2.55:53");
    assert_int_equal(kmsdns_zone_ns_addrs(p, "ns1.corp.test", LDNS_RR_TYPE_AAAA, v, 2, 3), 3);
    assert_string_equal(kmsdns_addr_format(&v[2], text), "[2001:db8::53]:53");
    assert_int_equal(kmsdns_zone_ns_addrs(p, "ns1.corp.test", LDNS_RR_TYPE_A, v, 0, 1), 1);
    assert_int_equal(kmsdns_zone_ns_addrs(p, "ns3.corp.test", LDNS_RR_TYPE_A, v, 0, 4), 0);
    ldns_pkt_free(p);
}

static void test_walk_srv_and_addresses(void **state)
{
    (void)state;
    const char *rrs[] = {"A _vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test.",
                         "A _vlmcs._tcp.corp.test. 3600 IN SRV 0 0 0 .",
                         "A _vlmcs._tcp.corp.test. 3600 IN SRV 5 0 1689 kms1.corp.test.",
                         "A _vlmcs._tcp.corp.test. 3600 IN SRV 10 0 1688 kms2.corp.test.",
                         "A _vlmcs._tcp.other.test. 3600 IN SRV 0 0 1688 kms9.other.test."};
    ldns_pkt *p = answer(true, LDNS_RCODE_NOERROR, rrs, 5);
    struct kmsdns_server_obs *so = &o[0];
    memset(so, 0, sizeof *so);
    kmsdns__audit_srv_answer(so, "_vlmcs._tcp.corp.test", p);
    assert_true(so->answered && so->aa);
    assert_int_equal(so->rcode, LDNS_RCODE_NOERROR);
    assert_int_equal(so->nsrv, 4);
    assert_int_equal(so->ntargets, 2); /* "." and the repeated kms1 not asked */
    assert_string_equal(so->targets[0].name, "kms1.corp.test");
    assert_string_equal(so->targets[1].name, "kms2.corp.test");
    assert_true(so->targets[1].asked && so->targets[1].answered);
    ldns_pkt_free(p);

    const char *a[] = {
        "A kms1.corp.test. 3600 IN CNAME host.corp.test.", "A kms1.corp.test. 3600 IN A 192.0.2.10",
        "A host.corp.test. 3600 IN A 192.0.2.11", "A kms1.corp.test. 3600 IN AAAA 2001:db8::10"};
    p = answer(true, LDNS_RCODE_NOERROR, a, 4);
    struct kmsdns_target_obs *t = &so->targets[0];
    kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_A, false, p);
    kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_AAAA, false, p);
    assert_true(t->cname && t->asked);
    assert_int_equal(t->naddrs, 2);
    assert_string_equal(t->addrs[0].value, "192.0.2.10");
    assert_int_equal(t->addrs[1].type, LDNS_RR_TYPE_AAAA);
    assert_string_equal(t->addrs[1].value, "2001:db8::10");
    ldns_pkt_free(p);
    /* without authority the server does not serve the target's zone; the
     * client view expects none */
    p = answer(false, LDNS_RCODE_NOERROR, a + 1, 1);
    t = &so->targets[1];
    kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_A, true, p);
    assert_true(t->asked);
    assert_int_equal(t->naddrs, 0); /* kms2's answer holds no address of kms2 */
    kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_A, false, p);
    assert_false(t->asked);
    ldns_pkt_free(p);
    p = answer(true, LDNS_RCODE_REFUSED, NULL, 0);
    t->asked = true;
    kmsdns__audit_addr_answer(t, LDNS_RR_TYPE_A, true, p);
    assert_false(t->asked);
    ldns_pkt_free(p);

    /* an answer without authority keeps its records but follows no target */
    kmsdns_server_obs_deinit(so);
    memset(so, 0, sizeof *so);
    p = answer(false, LDNS_RCODE_NOERROR, rrs, 1);
    kmsdns__audit_srv_answer(so, "_vlmcs._tcp.corp.test", p);
    assert_int_equal(so->nsrv, 1);
    assert_int_equal(so->ntargets, 0);
    kmsdns_server_obs_deinit(so);
    memset(so, 0, sizeof *so);
    so->client_view = true; /* ... unless it is the client view */
    kmsdns__audit_srv_answer(so, "_vlmcs._tcp.corp.test", p);
    assert_int_equal(so->ntargets, 1);
    ldns_pkt_free(p);
}

/* A target's addresses stop at KMSDNS_AUDIT_ADDRS, A and AAAA together. */
static void test_walk_address_cap(void **state)
{
    (void)state;
    char buf[10][64];
    const char *rrs[10];
    for (int i = 0; i < 10; i++) {
        snprintf(buf[i], sizeof buf[i], "A kms1.corp.test. 60 IN A 192.0.2.%d", i + 1);
        rrs[i] = buf[i];
    }
    ldns_pkt *p = answer(true, LDNS_RCODE_NOERROR, rrs, 10);
    struct kmsdns_target_obs t = {.name = "kms1.corp.test", .asked = true, .answered = true};
    kmsdns__audit_addr_answer(&t, LDNS_RR_TYPE_A, false, p);
    kmsdns__audit_addr_answer(&t, LDNS_RR_TYPE_A, false, p);
    assert_int_equal(t.naddrs, KMSDNS_AUDIT_ADDRS);
    assert_string_equal(t.addrs[KMSDNS_AUDIT_ADDRS - 1].value, "192.0.2.8");
    assert_false(t.cname);
    ldns_pkt_free(p);
}

/* A near miss's answer: its SRV records when it is authoritative NOERROR or NXDOMAIN. */
static void test_walk_near_miss(void **state)
{
    (void)state;
    const char *rrs[] = {"A _vmlcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test.",
                         "A _vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms2.corp.test."};
    struct kmsdns_near_obs n = {.asked = true};
    ldns_pkt *p = answer(true, LDNS_RCODE_NOERROR, rrs, 2);
    kmsdns__audit_near_answer(&n, "_vmlcs._tcp.corp.test", p);
    assert_true(n.answered);
    assert_int_equal(n.nsrv, 1); /* only the records at the name asked */
    assert_string_equal(n.srv[0].value, "kms1.corp.test");
    free(n.srv);
    n = (struct kmsdns_near_obs){.asked = true};
    kmsdns__audit_near_answer(&n, "vlmcs._tcp.corp.test", p);
    assert_true(n.answered);
    assert_int_equal(n.nsrv, 0);
    assert_null(n.srv);
    ldns_pkt_free(p);
    /* without authority, or REFUSED: not answered, records ignored */
    p = answer(false, LDNS_RCODE_NOERROR, rrs, 1);
    kmsdns__audit_near_answer(&n, "_vmlcs._tcp.corp.test", p);
    assert_false(n.answered);
    assert_null(n.srv);
    ldns_pkt_free(p);
    p = answer(true, LDNS_RCODE_REFUSED, rrs, 1);
    kmsdns__audit_near_answer(&n, "_vmlcs._tcp.corp.test", p);
    assert_false(n.answered);
    assert_null(n.srv);
    ldns_pkt_free(p);
}

/* ---- the engine, over scripted answers ------------------------------------------ */

#define FAKE_RRS 24
#define SOA7 "corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 7 1 1 1 60"
#define SRV1 "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test."
#define KMS1 "kms1.corp.test. 3600 IN A 192.0.2.10"

/* A server of the script: what it serves (presentation form) and how it misbehaves. */
struct fake_server {
    const char *addr; /* "192.0.2.53:53" */
    const char *rrs[FAKE_RRS];
    bool dead;     /* never answers */
    bool refused;  /* REFUSED to everything */
    bool no_aa;    /* answers without authority (a resolver, a lame server) */
    bool truncate; /* UDP answers are empty with TC set (the loopback server only) */
};

static struct {
    struct fake_server srv[4];
    unsigned exchanges;
    unsigned with_do[256]; /* queries with the DO bit, per QTYPE */
    unsigned without_do[256];
} fx;

static ldns_rr *rr_of(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
    return rr;
}

/* What f answers to the query qw[qn]: the RRs at the name of the asked type
 * (or a CNAME), else the zone's SOA in the authority section, NXDOMAIN when
 * the name holds nothing at all. Into a malloc'd *aw. */
static void fake_answer(const struct fake_server *f, const uint8_t *qw, size_t qn, bool udp,
                        uint8_t **aw, size_t *an)
{
    ldns_pkt *q = NULL;
    assert_int_equal(ldns_wire2pkt(&q, qw, qn), LDNS_STATUS_OK);
    const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    unsigned qt = ldns_rr_get_type(question) & 0xff;
    if (ldns_pkt_edns_do(q))
        fx.with_do[qt]++;
    else
        fx.without_do[qt]++;
    ldns_pkt *a = ldns_pkt_new();
    ldns_pkt_set_id(a, ldns_pkt_id(q));
    ldns_pkt_set_qr(a, true);
    ldns_pkt_set_aa(a, !f->no_aa);
    ldns_rr_list_deep_free(ldns_pkt_question(a));
    ldns_pkt_set_question(a, ldns_rr_list_clone(ldns_pkt_question(q)));
    ldns_pkt_set_qdcount(a, 1);
    if (f->refused) {
        ldns_pkt_set_aa(a, false);
        ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
    } else if (f->truncate && udp) {
        ldns_pkt_set_tc(a, true);
    } else {
        bool exists = false, answered = false;
        for (size_t i = 0; i < FAKE_RRS && f->rrs[i] != NULL; i++) {
            ldns_rr *rr = rr_of(f->rrs[i]);
            bool here = ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(question)) == 0;
            exists |= here;
            /* RRSIGs over the asked type go along when the query sets DO */
            bool sig =
                ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_pkt_edns_do(q) &&
                ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == ldns_rr_get_type(question);
            if (here && (ldns_rr_get_type(rr) == ldns_rr_get_type(question) ||
                         ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME || sig)) {
                ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
                answered = true;
            } else {
                ldns_rr_free(rr);
            }
        }
        for (size_t i = 0; !answered && i < FAKE_RRS && f->rrs[i] != NULL; i++) {
            ldns_rr *rr = rr_of(f->rrs[i]);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
                (ldns_dname_is_subdomain(ldns_rr_owner(question), ldns_rr_owner(rr)) ||
                 ldns_dname_compare(ldns_rr_owner(question), ldns_rr_owner(rr)) == 0)) {
                ldns_pkt_push_rr(a, LDNS_SECTION_AUTHORITY, rr);
                answered = true;
            } else {
                ldns_rr_free(rr);
            }
        }
        if (!exists)
            ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
    }
    assert_int_equal(ldns_pkt2wire(aw, a, an), LDNS_STATUS_OK);
    ldns_pkt_free(a);
    ldns_pkt_free(q);
}

/* The scripted transport: every exchange answered, or timed out, at once. */
static int scripted_run(void *ctx, struct kmsdns_exchange *x, size_t n,
                        const struct kmsdns_transport_opts *to)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        kmsdns_exchange_reset(&x[i]);
        fx.exchanges++;
        char srv[KMSDNS_ADDR_TEXT_MAX];
        kmsdns_addr_format(&x[i].server, srv);
        const struct fake_server *f = NULL;
        for (size_t k = 0; k < 4 && f == NULL; k++)
            if (fx.srv[k].addr != NULL && strcmp(fx.srv[k].addr, srv) == 0)
                f = &fx.srv[k];
        if (f == NULL || f->dead) {
            x[i].rc = KMSDNS_TIMEOUT;
            x[i].tries = to->retries + 1;
            snprintf(x[i].detail, sizeof x[i].detail, "no answer after %u tries", x[i].tries);
            continue;
        }
        x[i].tries = 1;
        fake_answer(f, x[i].query, x[i].query_len, false, &x[i].answer, &x[i].answer_len);
    }
    return KMSDNS_OK;
}

static const struct kmsdns_transport scripted = {scripted_run, NULL};

/* What the engine emitted for one domain, copied (the result is freed after emit). */
struct seen {
    char domain[KMSDNS_NAME_BUF];
    enum kmsdns_severity status;
    char own[256]; /* the domain's own problem codes */
    char own_msg[384];
    size_t nservers;
    struct {
        char server[KMSDNS_ADDR_TEXT_MAX];
        char codes[256];
        char msg[384];  /* the first problem's message */
        char last[384]; /* the last problem's message */
        enum kmsdns_severity sev;
        size_t nrecords;
    } s[4];
};

static struct seen seen[8];
static size_t nseen;
static struct kmsdns_audit_stats stats;
static const char *const *domains;
static size_t ndomains, next_domain;
static const struct kmsdns_expectation *expectation;

static bool next_fn(void *ctx, char *domain, const struct kmsdns_expectation **exp)
{
    (void)ctx;
    if (next_domain == ndomains)
        return false;
    snprintf(domain, KMSDNS_NAME_BUF, "%s", domains[next_domain++]);
    *exp = expectation;
    return true;
}

static void join_codes(char *buf, size_t cap, const struct kmsdns_problem *p, size_t n)
{
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", k ? " " : "", p[k].code);
}

static int emit_fn(void *ctx, const struct kmsdns_domain_result *res)
{
    (void)ctx;
    assert_true(nseen < 8);
    struct seen *v = &seen[nseen++];
    memset(v, 0, sizeof *v);
    snprintf(v->domain, sizeof v->domain, "%s", res->domain);
    v->status = res->status;
    join_codes(v->own, sizeof v->own, res->problems, res->nproblems);
    if (res->nproblems > 0)
        snprintf(v->own_msg, sizeof v->own_msg, "%s", res->problems[0].message);
    v->nservers = res->nservers;
    for (size_t i = 0; i < res->nservers && i < 4; i++) {
        const struct kmsdns_server_result *sr = &res->servers[i];
        snprintf(v->s[i].server, sizeof v->s[i].server, "%s", sr->server);
        join_codes(v->s[i].codes, sizeof v->s[i].codes, sr->problems, sr->nproblems);
        if (sr->nproblems > 0) {
            snprintf(v->s[i].msg, sizeof v->s[i].msg, "%s", sr->problems[0].message);
            snprintf(v->s[i].last, sizeof v->s[i].last, "%s",
                     sr->problems[sr->nproblems - 1].message);
        }
        v->s[i].sev = sr->status;
        v->s[i].nrecords = sr->nrecords;
    }
    return KMSDNS_OK;
}

static struct kmsdns_addr listed[4];

/* Audits `list` with o's settings over the script (unless o names another
 * transport), asking the fake servers 0..nlisted-1 (0: discovery through
 * the resolver 192.0.2.1). */
static void audit(const char *const *list, size_t n, const struct kmsdns_expectation *exp,
                  size_t nlisted, struct kmsdns_audit_opts *ao)
{
    for (size_t i = 0; i < nlisted; i++)
        assert_int_equal(
            kmsdns_addr_parse(fx.srv[i].addr, 53, KMSDNS_ADDR_PORT_ALLOWED, &listed[i], NULL),
            KMSDNS_OK);
    ao->servers = nlisted ? listed : NULL;
    ao->nservers = nlisted;
    if (ao->timeout_ms == 0)
        ao->timeout_ms = 1000;
    if (ao->tries == 0)
        ao->tries = 3;
    if (ao->stream == NULL && ao->transport == NULL)
        ao->transport = &scripted;
    if (nlisted == 0) {
        ao->have_resolver = true;
        assert_int_equal(kmsdns_addr_parse("192.0.2.1", 53, 0, &ao->resolver, NULL), KMSDNS_OK);
    }
    domains = list;
    ndomains = n;
    next_domain = nseen = 0;
    expectation = exp;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_audit_run(ao, next_fn, NULL, emit_fn, NULL, &stats, &d), KMSDNS_OK);
    assert_int_equal(nseen, n);
}

static const char *const corp[] = {"corp.test"};

/* Two servers that serve the same healthy zone, and its targets. */
static void two_healthy(void)
{
    memset(&fx, 0, sizeof fx);
    for (int i = 0; i < 2; i++)
        fx.srv[i] = (struct fake_server){.rrs = {SOA7, SRV1, KMS1}};
    fx.srv[0].addr = "192.0.2.53:53";
    fx.srv[1].addr = "192.0.2.54:53";
}

static void test_engine_healthy_counts(void **state)
{
    (void)state;
    two_healthy();
    struct kmsdns_expectation e = expect_kms1();
    e.srv[0].ttl = 3600;
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, &e, 2, &ao);
    assert_string_equal(seen[0].domain, "corp.test");
    assert_int_equal(seen[0].status, KMSDNS_SEV_OK);
    assert_int_equal(seen[0].nservers, 2);
    assert_string_equal(seen[0].s[1].server, "192.0.2.54:53");
    assert_string_equal(seen[0].s[0].codes, "");
    assert_int_equal(seen[0].s[0].nrecords, 1);
    /* SRV, SOA, A and AAAA of the one target, per server, and the zone's
     * DNSKEY (unsigned here): no more */
    assert_int_equal(stats.queries, 2 * (4 + 1));
    assert_int_equal(fx.exchanges, 2 * (4 + 1));
    assert_int_equal(stats.timeouts, 0);
}

/* srv-misnamed over the wire: the 5 near misses are asked only of a server
 * without a usable record, and their targets are not followed. */
static void test_engine_misnamed_counts(void **state)
{
    (void)state;
    struct kmsdns_expectation e = expect_kms1();
    struct kmsdns_audit_opts ao = {0};
    two_healthy(); /* healthy: SRV, SOA, A, AAAA and DNSKEY per server, as before */
    audit(corp, 1, &e, 2, &ao);
    assert_int_equal(stats.queries, 2 * (4 + 1));
    /* missing everywhere: + 5 per server */
    two_healthy();
    fx.srv[0].rrs[1] = "_vmlcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test.";
    fx.srv[1].rrs[1] = "_vlmcs._tcp.corp.test.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test.";
    audit(corp, 1, &e, 2, &ao);
    assert_int_equal(stats.queries, 2 * (2 + 5 + 1));
    assert_int_equal(fx.exchanges, 2 * (2 + 5 + 1));
    assert_string_equal(seen[0].s[0].codes, "srv-missing srv-misnamed");
    assert_string_equal(seen[0].s[1].codes, "srv-missing srv-misnamed");
    assert_non_null(strstr(seen[0].s[0].last, "at _vmlcs._tcp.corp.test (kms1.corp.test port "
                                              "1688): a typo for _vlmcs._tcp?"));
    assert_non_null(strstr(seen[0].s[1].last, "at _vlmcs._tcp.corp.test.corp.test"));
    assert_non_null(strstr(seen[0].s[1].last, "without its trailing dot"));
    assert_int_equal(seen[0].s[1].sev, KMSDNS_SEV_CRITICAL);
    /* missing on one server: only that one is asked; the client view never is */
    two_healthy();
    fx.srv[1].rrs[1] = NULL;
    fx.srv[2] = (struct fake_server){.addr = "192.0.2.1:53", .no_aa = true, .rrs = {SOA7}};
    ao = (struct kmsdns_audit_opts){.client_view = true, .have_resolver = true};
    assert_int_equal(kmsdns_addr_parse("192.0.2.1", 53, 0, &ao.resolver, NULL), KMSDNS_OK);
    audit(corp, 1, &e, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[0].s[1].codes, "srv-missing srv-inconsistent");
    assert_string_equal(seen[0].s[2].codes, "srv-missing");
    assert_int_equal(stats.queries, (4 + 1) + (2 + 5 + 1) + 1);
}

/* The zone's servers found through the resolver: SOA, NS, the NS addresses. */
static void test_engine_discovery(void **state)
{
    (void)state;
    two_healthy();
    fx.srv[2] = (struct fake_server){.addr = "192.0.2.1:53",
                                     .no_aa = true,
                                     .rrs = {SOA7, "corp.test. 3600 IN NS ns1.corp.test.",
                                             "corp.test. 3600 IN NS ns2.corp.test.",
                                             "ns1.corp.test. 3600 IN A 192.0.2.53",
                                             "ns2.corp.test. 3600 IN A 192.0.2.54"}};
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, NULL, 0, &ao);
    assert_int_equal(seen[0].status, KMSDNS_SEV_OK);
    assert_int_equal(seen[0].nservers, 2);
    assert_string_equal(seen[0].s[0].server, "192.0.2.53:53");
    assert_string_equal(seen[0].s[1].server, "192.0.2.54:53");
    /* SOA (the NXDOMAIN names the zone), NS, A and AAAA of 2 NS; 4 + DNSKEY per server */
    assert_int_equal(stats.queries, 1 + 1 + 4 + 2 * (4 + 1));
    /* a resolver that does not answer: the domain's own server-unreachable */
    fx.srv[2].dead = true;
    audit(corp, 1, NULL, 0, &ao);
    assert_int_equal(seen[0].nservers, 0);
    assert_string_equal(seen[0].own, "server-unreachable");
    assert_int_equal(seen[0].status, KMSDNS_SEV_UNKNOWN);
    assert_non_null(
        strstr(seen[0].own_msg, "the resolver did not answer (no answer after 3 tries)"));
    /* a resolver that knows no zone */
    fx.srv[2] = (struct fake_server){.addr = "192.0.2.1:53", .no_aa = true};
    audit(corp, 1, NULL, 0, &ao);
    assert_string_equal(seen[0].own, "server-unreachable");
    assert_non_null(strstr(seen[0].own_msg, "no zone found"));
}

static void test_engine_unreachable(void **state)
{
    (void)state;
    two_healthy();
    fx.srv[1].dead = true;
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[0].s[1].codes, "server-unreachable");
    assert_int_equal(seen[0].s[1].sev, KMSDNS_SEV_WARNING);
    assert_non_null(strstr(seen[0].s[1].msg, "no answer (no answer after 3 tries); the other"));
    assert_int_equal(seen[0].status, KMSDNS_SEV_WARNING);
    assert_int_equal(stats.timeouts, 2 * 3); /* SRV and SOA, every try */
    fx.srv[0].dead = true;
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "server-unreachable");
    assert_int_equal(seen[0].s[0].sev, KMSDNS_SEV_UNKNOWN);
    assert_int_equal(seen[0].s[1].sev, KMSDNS_SEV_UNKNOWN);
    assert_int_equal(seen[0].status, KMSDNS_SEV_UNKNOWN);
    assert_int_equal(stats.queries, 4); /* no targets to follow, no zone to ask DNSKEY of */
}

static void test_engine_not_authoritative(void **state)
{
    (void)state;
    two_healthy();
    fx.srv[0].refused = true;
    fx.srv[1].no_aa = true;
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "server-not-authoritative");
    assert_non_null(strstr(seen[0].s[0].msg, "REFUSED"));
    assert_string_equal(seen[0].s[1].codes, "server-not-authoritative");
    assert_non_null(strstr(seen[0].s[1].msg, "no AA flag"));
    assert_int_equal(seen[0].s[1].nrecords, 0);
    assert_int_equal(stats.queries, 4); /* not judged: no targets asked, no DNSKEY */
}

static void test_engine_disagreement(void **state)
{
    (void)state;
    two_healthy();
    fx.srv[1].rrs[1] = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms2.corp.test.";
    fx.srv[1].rrs[3] = "kms2.corp.test. 3600 IN A 192.0.2.11";
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "srv-inconsistent");
    assert_string_equal(seen[0].s[1].codes, "srv-inconsistent");
    assert_non_null(strstr(seen[0].s[0].msg, "192.0.2.54:53"));
    /* the same records at another TTL, and a zone a serial behind */
    two_healthy();
    fx.srv[1].rrs[0] = "corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 6 1 1 1 60";
    fx.srv[1].rrs[1] = "_vlmcs._tcp.corp.test. 600 IN SRV 0 100 1688 kms1.corp.test.";
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "ttl-inconsistent serial-mismatch");
    assert_string_equal(seen[0].s[1].codes, "ttl-inconsistent serial-mismatch");
    assert_non_null(strstr(seen[0].s[1].msg, "TTL 600 here and 3600 at 192.0.2.53:53"));
    assert_int_equal(seen[0].status, KMSDNS_SEV_WARNING);
}

static void test_engine_expectations(void **state)
{
    (void)state;
    two_healthy();
    struct kmsdns_expectation e = expect_kms1();
    fx.srv[0].rrs[1] = NULL; /* no SRV RRset: NXDOMAIN */
    fx.srv[1].rrs[1] = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1689 kms1.corp.test.";
    fx.srv[1].rrs[3] = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 0 1688 stale.corp.test.";
    fx.srv[1].rrs[4] = "stale.corp.test. 3600 IN A 192.0.2.99";
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, &e, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "srv-missing srv-inconsistent");
    assert_string_equal(seen[0].s[1].codes, "srv-mismatch extra-record srv-inconsistent");
    assert_non_null(strstr(seen[0].s[1].msg, "port 1689 (expected 1688)"));
    assert_int_equal(seen[0].status, KMSDNS_SEV_CRITICAL);
    /* server 1 follows both targets, server 0 asks the 5 near misses; a DNSKEY each */
    assert_int_equal(stats.queries, (2 + 5 + 1) + (2 + 2 * 2 + 1));
}

static void test_engine_targets(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    fx.srv[0] = (struct fake_server){
        .addr = "192.0.2.53:53",
        .rrs = {SOA7, SRV1, "_vlmcs._tcp.corp.test. 3600 IN SRV 0 0 1688 alias.corp.test.",
                "_vlmcs._tcp.corp.test. 3600 IN SRV 0 0 1688 bare.corp.test.",
                "alias.corp.test. 3600 IN CNAME kms1.corp.test.", KMS1,
                "bare.corp.test. 3600 IN TXT \"no address\""}};
    struct kmsdns_expectation e = expect_kms1();
    e.naddr = 1;
    strcpy(e.addr[0].target, "kms1.corp.test");
    e.addr[0].n = 1;
    e.addr[0].addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A};
    strcpy(e.addr[0].addrs[0].value, "192.0.2.20");
    e.srv[e.nsrv++] = test_srv("alias.corp.test", 0, 0, 1688, 0);
    e.srv[e.nsrv++] = test_srv("bare.corp.test", 0, 0, 1688, 0);
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, &e, 1, &ao);
    assert_string_equal(seen[0].s[0].codes, "address-mismatch target-cname target-no-address");
    assert_non_null(strstr(seen[0].s[0].msg, "192.0.2.10; the host config says 192.0.2.20"));
    assert_int_equal(stats.queries, 2 + 3 * 2 + 1);
    /* "." instead of the records: never asked for addresses */
    fx.srv[0].rrs[1] = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 0 0 .";
    fx.srv[0].rrs[2] = fx.srv[0].rrs[3] = NULL;
    audit(corp, 1, NULL, 1, &ao);
    assert_string_equal(seen[0].s[0].codes, "target-dot");
    assert_int_equal(stats.queries, 2 + 5 + 1); /* no usable record: the near misses */
}

static void test_engine_tsig_error(void **state)
{
    (void)state;
    two_healthy();
    static const char key_text[] = "key \"audit\" { algorithm hmac-sha256; "
                                   "secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n";
    kmsdns_tsig_key *key = NULL;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    assert_int_equal(kmsdns_tsig_key_parse(key_text, sizeof key_text - 1, "t.key", &key, &d),
                     KMSDNS_OK);
    struct kmsdns_tsig_signer signer;
    kmsdns_tsig_signer_hmac(key, &signer);
    struct kmsdns_audit_opts ao = {.signer = &signer};
    audit(corp, 1, NULL, 2, &ao); /* the script never signs its answers */
    assert_string_equal(seen[0].s[0].codes, "tsig-error");
    assert_non_null(strstr(seen[0].s[0].msg, "the signed SRV query's answer: not signed"));
    assert_int_equal(seen[0].status, KMSDNS_SEV_CRITICAL);
    kmsdns_tsig_key_free(key);
}

/* Domains come back in input order, whatever the window and bounds. */
static void test_engine_order_and_window(void **state)
{
    (void)state;
    two_healthy();
    fx.srv[0].rrs[3] = "_vlmcs._tcp.a.corp.test. 3600 IN SRV 0 100 1688 kms1.corp.test.";
    static const char *const list[] = {"a.corp.test", "b.corp.test", "corp.test", "c.corp.test",
                                       "d.corp.test"};
    struct kmsdns_audit_opts ao = {.window = 2, .max_inflight = 1};
    audit(list, 5, NULL, 1, &ao);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(seen[i].domain, list[i]);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[1].s[0].codes, "srv-missing");
    assert_string_equal(seen[2].s[0].codes, "");
    /* b, c and d have no record: + 5 near misses each; one DNSKEY for the
     * zone of all five on the one server */
    assert_int_equal(stats.queries, 4 + (2 + 5) + 4 + (2 + 5) + (2 + 5) + 1);
}

/* ---- the engine on signed zones ------------------------------------------------ */

/* A signed corp.test made here (ECDSA P-256): the zone's RRs and their
 * RRSIGs in presentation form, for the fake servers. */
static struct {
    ldns_key_list *keys;
    ldns_rr *dnskey;
    char *text[128]; /* ldns_rr2str'd */
    size_t n;
} zs;

static char *zs_keep(char *t)
{
    assert_true(zs.n < 128);
    t[strcspn(t, "\n")] = '\0';
    return zs.text[zs.n++] = t;
}

/* The RRSIG over the RRset `rr` (one RR) valid from now+from to now+until. */
static const char *zs_sign(const char *rr, long from, long until)
{
    ldns_rr_list *set = ldns_rr_list_new();
    ldns_rr_list_push_rr(set, rr_of(rr));
    ldns_key *k = ldns_key_list_key(zs.keys, 0);
    ldns_key_set_inception(k, (uint32_t)(time(NULL) + from));
    ldns_key_set_expiration(k, (uint32_t)(time(NULL) + until));
    ldns_rr_list *sigs = ldns_sign_public(set, zs.keys);
    assert_non_null(sigs);
    const char *t = zs_keep(ldns_rr2str(ldns_rr_list_rr(sigs, 0)));
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(set);
    return t;
}

static int zs_setup(void **state)
{
    (void)state;
    memset(&zs, 0, sizeof zs);
    ldns_key *k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
    assert_non_null(k);
    ldns_key_set_pubkey_owner(k, ldns_dname_new_frm_str("corp.test."));
    ldns_key_set_flags(k, 257);
    zs.dnskey = ldns_key2rr(k);
    ldns_key_set_keytag(k, ldns_calc_keytag(zs.dnskey));
    zs.keys = ldns_key_list_new();
    ldns_key_list_push_key(zs.keys, k);
    return 0;
}

static int zs_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < zs.n; i++)
        free(zs.text[i]);
    ldns_rr_free(zs.dnskey);
    ldns_key_list_free(zs.keys);
    return 0;
}

#define DAY 86400L

/* Two servers of the signed zone, healthy: SOA, SRV, A, DNSKEY, each signed
 * for 30 days. Slots: 0 SOA, 1 SRV, 2 A, 3 DNSKEY, 4 RRSIG SOA, 5 RRSIG SRV,
 * 6 RRSIG A, 7 RRSIG DNSKEY. */
static void two_signed(void)
{
    const char *key = zs_keep(ldns_rr2str(zs.dnskey));
    const char *rrs[8] = {SOA7,
                          SRV1,
                          KMS1,
                          key,
                          zs_sign(SOA7, -3600, 30 * DAY),
                          zs_sign(SRV1, -3600, 30 * DAY),
                          zs_sign(KMS1, -3600, 30 * DAY)};
    rrs[7] = zs_sign(key, -3600, 30 * DAY);
    memset(&fx, 0, sizeof fx);
    for (int i = 0; i < 2; i++)
        memcpy(fx.srv[i].rrs, rrs, sizeof rrs);
    fx.srv[0].addr = "192.0.2.53:53";
    fx.srv[1].addr = "192.0.2.54:53";
}

static void test_engine_dnssec_healthy(void **state)
{
    (void)state;
    two_signed();
    struct kmsdns_expectation e = expect_kms1();
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, &e, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[0].s[1].codes, "");
    assert_int_equal(seen[0].s[0].nrecords, 1); /* RRSIGs are no records */
    assert_int_equal(seen[0].status, KMSDNS_SEV_OK);
    /* as unsigned: SRV, SOA, A, AAAA and the DNSKEY per server, no more */
    assert_int_equal(stats.queries, 2 * (4 + 1));
    /* DO on SRV, A, AAAA and DNSKEY; the SOA asks for no RRSIG */
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_SRV], 2);
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_A], 2);
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_AAAA], 2);
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_DNSKEY], 2);
    assert_int_equal(fx.without_do[LDNS_RR_TYPE_SOA], 2);
    assert_int_equal(fx.without_do[LDNS_RR_TYPE_SRV] + fx.without_do[LDNS_RR_TYPE_A], 0);
    /* five domains of the zone on one server: one DNSKEY question in all */
    static const char *const five[] = {"corp.test", "a.corp.test", "b.corp.test", "c.corp.test",
                                       "d.corp.test"};
    two_signed();
    audit(five, 5, NULL, 1, &(struct kmsdns_audit_opts){.window = 3});
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_DNSKEY], 1);
    assert_int_equal(stats.queries, 4 + 4 * (2 + 5) + 1);
}

/* Each code on the one server that serves the fault, with what it names. */
static void test_engine_dnssec_codes(void **state)
{
    (void)state;
    struct kmsdns_audit_opts ao = {0};
    /* server 1 serves the SRV without its RRSIG */
    two_signed();
    fx.srv[1].rrs[5] = fx.srv[1].rrs[6];
    fx.srv[1].rrs[6] = fx.srv[1].rrs[7];
    fx.srv[1].rrs[7] = NULL;
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[0].s[1].codes, "dnssec-unsigned");
    assert_int_equal(seen[0].s[1].sev, KMSDNS_SEV_CRITICAL);
    assert_string_equal(seen[0].s[1].msg,
                        "_vlmcs._tcp.corp.test SRV at 192.0.2.54:53 is served without RRSIG, but "
                        "the zone corp.test is signed (it has a DNSKEY RRset there): validating "
                        "resolvers refuse it");
    /* server 0's SRV RRSIG expired a day ago */
    two_signed();
    fx.srv[0].rrs[5] = zs_sign(SRV1, -30 * DAY, -DAY);
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "dnssec-bogus");
    assert_string_equal(seen[0].s[1].codes, "");
    assert_non_null(strstr(seen[0].s[0].msg, "_vlmcs._tcp.corp.test SRV at 192.0.2.53:53 fails "
                                             "validation, expired: RRSIG (key tag "));
    assert_non_null(strstr(seen[0].s[0].msg, ") expired at 20"));
    /* not yet valid */
    two_signed();
    fx.srv[0].rrs[5] = zs_sign(SRV1, DAY, 30 * DAY);
    audit(corp, 1, NULL, 2, &ao);
    assert_non_null(strstr(seen[0].s[0].msg, "fails validation, not yet valid: "));
    /* kms1's A with a signature altered */
    two_signed();
    char *bad = zs_keep(strdup(fx.srv[1].rrs[6]));
    size_t at = strlen(bad) - 8;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    fx.srv[1].rrs[6] = bad;
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[1].codes, "dnssec-bogus");
    assert_non_null(strstr(seen[0].s[1].msg, "kms1.corp.test A at 192.0.2.54:53 fails "
                                             "validation, bad signature: RRSIG (key tag "));
    assert_int_equal(seen[0].status, KMSDNS_SEV_CRITICAL);
    /* the DNSKEY RRset without the key that signed: no matching key */
    two_signed();
    fx.srv[0].rrs[3] = "corp.test. 3600 IN DNSKEY 256 3 13 "
                       "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
                       "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "dnssec-bogus dnssec-bogus");
    assert_non_null(strstr(seen[0].s[0].msg, "no matching DNSKEY: no DNSKEY matching key tag "));
}

static void test_engine_dnssec_expiring(void **state)
{
    (void)state;
    two_signed();
    fx.srv[0].rrs[5] = zs_sign(SRV1, -DAY, DAY); /* 24 h left */
    struct kmsdns_audit_opts ao = {0};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "dnssec-expiring");
    assert_int_equal(seen[0].s[0].sev, KMSDNS_SEV_WARNING);
    assert_int_equal(seen[0].status, KMSDNS_SEV_WARNING);
    assert_non_null(strstr(seen[0].s[0].msg, "_vlmcs._tcp.corp.test SRV at 192.0.2.53:53: RRSIG "));
    assert_non_null(strstr(seen[0].s[0].msg, "; re-sign the zone"));
    assert_true(strstr(seen[0].s[0].msg, ", in 23 h") || strstr(seen[0].s[0].msg, ", in 24 h"));
    /* --dnssec-warn 12: not yet */
    ao = (struct kmsdns_audit_opts){.dnssec_warn_set = true, .dnssec_warn_s = 12 * 3600};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_int_equal(seen[0].status, KMSDNS_SEV_OK);
    /* --dnssec-warn 0: only what has expired */
    ao = (struct kmsdns_audit_opts){.dnssec_warn_set = true, .dnssec_warn_s = 0};
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
}

/* What is not judged: an unsigned zone (no DNSKEY: nothing to say, RRSIGs
 * or not), a target outside the zone, a server that does not answer the
 * DNSKEY question, and the client view. */
static void test_engine_dnssec_not_judged(void **state)
{
    (void)state;
    struct kmsdns_audit_opts ao = {0};
    two_healthy();
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_DNSKEY], 2);
    /* RRSIGs but no DNSKEY RRset at the apex: not a signed zone */
    two_signed();
    fx.srv[0].rrs[3] = fx.srv[0].rrs[7] = NULL;
    fx.srv[1].rrs[3] = "sub.corp.test. 3600 IN DNSKEY 256 3 13 "
                       "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
                       "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==";
    fx.srv[1].rrs[5] = NULL;
    audit(corp, 1, NULL, 2, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_string_equal(seen[0].s[1].codes, "");
    /* a target in another (unsigned) zone, served here without RRSIG */
    two_signed();
    const char *out = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms9.other.test.";
    fx.srv[0].rrs[1] = out;
    fx.srv[0].rrs[5] = zs_sign(out, -3600, 30 * DAY);
    fx.srv[0].rrs[8] = "kms9.other.test. 3600 IN A 192.0.2.19";
    audit(corp, 1, NULL, 1, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    /* a target in a child zone the same server serves, signed by that zone's
     * key (whose DNSKEYs were not asked): not judged */
    two_signed();
    ldns_key *child = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
    ldns_key_set_pubkey_owner(child, ldns_dname_new_frm_str("hq.corp.test."));
    ldns_key_set_flags(child, 256);
    ldns_rr *ck = ldns_key2rr(child);
    ldns_key_set_keytag(child, ldns_calc_keytag(ck));
    ldns_key_set_inception(child, (uint32_t)(time(NULL) - 3600));
    ldns_key_set_expiration(child, (uint32_t)(time(NULL) + 30 * DAY));
    ldns_key_list *cl = ldns_key_list_new();
    ldns_key_list_push_key(cl, child);
    const char *hq = "kms1.hq.corp.test. 3600 IN A 192.0.2.12";
    const char *hqsrv = "_vlmcs._tcp.corp.test. 3600 IN SRV 0 100 1688 kms1.hq.corp.test.";
    ldns_rr_list *set = ldns_rr_list_new();
    ldns_rr_list_push_rr(set, rr_of(hq));
    ldns_rr_list *csig = ldns_sign_public(set, cl);
    fx.srv[0].rrs[1] = hqsrv;
    fx.srv[0].rrs[5] = zs_sign(hqsrv, -3600, 30 * DAY);
    fx.srv[0].rrs[8] = hq;
    fx.srv[0].rrs[9] = zs_keep(ldns_rr2str(ldns_rr_list_rr(csig, 0)));
    audit(corp, 1, NULL, 1, &ao);
    assert_string_equal(seen[0].s[0].codes, "");
    /* the same A signed by no one: judged as the zone's own, dnssec-unsigned */
    fx.srv[0].rrs[9] = NULL;
    audit(corp, 1, NULL, 1, &ao);
    assert_string_equal(seen[0].s[0].codes, "dnssec-unsigned");
    assert_non_null(strstr(seen[0].s[0].msg, "kms1.hq.corp.test A at 192.0.2.53:53"));
    ldns_rr_list_deep_free(csig);
    ldns_rr_list_deep_free(set);
    ldns_rr_free(ck);
    ldns_key_list_free(cl);
    /* the client view (a resolver: validation is its job) */
    two_signed();
    fx.srv[2] =
        (struct fake_server){.addr = "192.0.2.1:53", .no_aa = true, .rrs = {SOA7, SRV1, KMS1}};
    ao = (struct kmsdns_audit_opts){.client_view = true, .have_resolver = true};
    assert_int_equal(kmsdns_addr_parse("192.0.2.1", 53, 0, &ao.resolver, NULL), KMSDNS_OK);
    audit(corp, 1, NULL, 2, &ao);
    if (strcmp(seen[0].s[2].codes, "") != 0)
        fail_msg("client view: %s: %s", seen[0].s[2].codes, seen[0].s[2].msg);
    assert_int_equal(fx.with_do[LDNS_RR_TYPE_DNSKEY], 2); /* the audited servers only */
}

/* ---- the engine over c-ares, against a loopback server ------------------------- */

/* Serves f on 127.0.0.1 over UDP and TCP (one port) in a child process; kill it with SIGTERM. */
static pid_t serve_loopback(const struct fake_server *f, uint16_t *port)
{
    int u = -1, t = -1;
    for (int attempt = 0; attempt < 20 && t < 0; attempt++) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t sl = sizeof sa;
        u = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(u >= 0);
        assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof sa), 0);
        assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &sl), 0);
        t = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(t, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(t, 8) != 0) {
            close(t), close(u);
            t = -1;
            continue;
        }
        *port = ntohs(sa.sin_port);
    }
    assert_true(t >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0) {
        close(u), close(t);
        return pid;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a failed test */
    struct pollfd pfd[10] = {{u, POLLIN, 0}, {t, POLLIN, 0}};
    size_t n = 2;
    uint8_t buf[65535 + 2], *aw = NULL;
    size_t an = 0;
    for (;;) {
        if (poll(pfd, n, -1) < 0)
            _exit(1);
        if (pfd[0].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t got = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (got > 0) {
                fake_answer(f, buf, (size_t)got, true, &aw, &an);
                sendto(u, aw, an, 0, (struct sockaddr *)&from, fl);
                free(aw);
            }
        }
        if ((pfd[1].revents & POLLIN) && n < 10) {
            int c = accept(t, NULL, NULL);
            if (c >= 0)
                pfd[n++] = (struct pollfd){c, POLLIN, 0};
        }
        for (size_t k = 2; k < n; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t got = recv(pfd[k].fd, buf, 2, MSG_WAITALL);
            size_t len = got == 2 ? (size_t)buf[0] << 8 | buf[1] : 0;
            if (got != 2 || recv(pfd[k].fd, buf + 2, len, MSG_WAITALL) != (ssize_t)len) {
                close(pfd[k].fd);
                pfd[k--] = pfd[--n];
                continue;
            }
            fake_answer(f, buf + 2, len, false, &aw, &an);
            uint8_t hdr[2] = {(uint8_t)(an >> 8), (uint8_t)an};
            if (send(pfd[k].fd, hdr, 2, MSG_NOSIGNAL) != 2 ||
                send(pfd[k].fd, aw, an, MSG_NOSIGNAL) != (ssize_t)an)
                _exit(1);
            free(aw);
        }
    }
}

/* Every UDP answer truncated: c-ares asks again over TCP, the engine sees
 * whole answers, and the retry is no query of its own. */
static void test_engine_cares_tcp_retry(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    struct fake_server f = {.rrs = {SOA7, SRV1, KMS1}, .truncate = true};
    uint16_t port = 0;
    pid_t pid = serve_loopback(&f, &port);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    fx.srv[0].addr = addr;
    struct kmsdns_expectation e = expect_kms1();
    struct kmsdns_audit_opts ao = {.stream = &kmsdns__transport_ares};
    audit(corp, 1, &e, 1, &ao);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    assert_string_equal(seen[0].s[0].server, addr);
    assert_string_equal(seen[0].s[0].codes, "");
    assert_int_equal(seen[0].s[0].nrecords, 1);
    assert_int_equal(seen[0].status, KMSDNS_SEV_OK);
    assert_int_equal(stats.queries, 4 + 1); /* and the zone's DNSKEY */
    assert_int_equal(stats.timeouts, 0);
    assert_int_equal(fx.exchanges, 0); /* the script was not used */
}

/* A silent loopback port over c-ares: the timeout path, in c-ares's words. */
static void test_engine_cares_timeout(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    int u = socket(AF_INET, SOCK_DGRAM, 0); /* bound, never read: no ICMP, no answer */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &sl), 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
    fx.srv[0].addr = addr;
    struct kmsdns_audit_opts ao = {.stream = &kmsdns__transport_ares, .timeout_ms = 20, .tries = 2};
    audit(corp, 1, NULL, 1, &ao);
    close(u);
    assert_string_equal(seen[0].s[0].codes, "server-unreachable");
    assert_string_equal(seen[0].s[0].msg, "no answer (Timeout while contacting DNS servers); no "
                                          "server of the domain answered");
    assert_int_equal(stats.timeouts, 4); /* SRV and SOA, two tries each */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_healthy, cleanup),
        cmocka_unit_test_teardown(test_ldap_aging, cleanup),
        cmocka_unit_test_teardown(test_ldap_error, cleanup),
        cmocka_unit_test_teardown(test_missing_mismatch_extra, cleanup),
        cmocka_unit_test_teardown(test_dot_instead_of_missing, cleanup),
        cmocka_unit_test(test_near_miss_names),
        cmocka_unit_test_teardown(test_misnamed, cleanup),
        cmocka_unit_test_teardown(test_targets, cleanup),
        cmocka_unit_test_teardown(test_consistency, cleanup),
        cmocka_unit_test_teardown(test_disagreement_reference, cleanup),
        cmocka_unit_test_teardown(test_primary_reference, cleanup),
        cmocka_unit_test_teardown(test_problem_targets, cleanup),
        cmocka_unit_test_teardown(test_reachability, cleanup),
        cmocka_unit_test(test_severity_order),
        cmocka_unit_test(test_walk_zone_soa),
        cmocka_unit_test(test_walk_ns),
        cmocka_unit_test_teardown(test_walk_srv_and_addresses, cleanup),
        cmocka_unit_test(test_walk_address_cap),
        cmocka_unit_test(test_walk_near_miss),
        cmocka_unit_test(test_engine_healthy_counts),
        cmocka_unit_test(test_engine_misnamed_counts),
        cmocka_unit_test(test_engine_discovery),
        cmocka_unit_test(test_engine_unreachable),
        cmocka_unit_test(test_engine_not_authoritative),
        cmocka_unit_test(test_engine_disagreement),
        cmocka_unit_test(test_engine_expectations),
        cmocka_unit_test(test_engine_targets),
        cmocka_unit_test(test_engine_tsig_error),
        cmocka_unit_test(test_engine_order_and_window),
        cmocka_unit_test_setup_teardown(test_engine_dnssec_healthy, zs_setup, zs_teardown),
        cmocka_unit_test_setup_teardown(test_engine_dnssec_codes, zs_setup, zs_teardown),
        cmocka_unit_test_setup_teardown(test_engine_dnssec_expiring, zs_setup, zs_teardown),
        cmocka_unit_test_setup_teardown(test_engine_dnssec_not_judged, zs_setup, zs_teardown),
        cmocka_unit_test(test_engine_cares_tcp_retry),
        cmocka_unit_test(test_engine_cares_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
