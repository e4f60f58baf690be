/* SPDX-License-Identifier: MIT */
/* The audit's checks, one by one, on hand-made observations: each problem code
 * exactly when SPEC.md says, one code per cause, statuses the worst of their parts;
 * then the engine's answer walks (core/audit_int.h) on hand-made answers. */
#include "testrr.h"
#include "testutil.h"

#include "audit_int.h" /* libkmsdns internals: the answer walks */
#include "audit.h"
#include "kmsdns/error.h"

/* A server that answered authoritatively with these records; every target has 192.0.2.1. */
static void server(struct kmsdns_server_obs *o, const char *ip, const struct kmsdns_rrdata *v,
                   size_t n, uint32_t serial)
{
    memset(o, 0, sizeof *o);
    kmsdns_addr_parse(ip, 53, 0, &o->addr, NULL);
    o->answered = o->aa = true;
    o->rcode = n ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN;
    o->srv = calloc(n + 1, sizeof *o->srv);
    if (n > 0)
        memcpy(o->srv, v, n * sizeof *v);
    o->nsrv = n;
    o->has_serial = true;
    o->serial = serial;
    o->targets = calloc(8, sizeof *o->targets);
    for (size_t i = 0; i < n; i++) {
        struct kmsdns_target_obs *t = &o->targets[o->ntargets++];
        strcpy(t->name, v[i].value);
        t->asked = t->answered = true;
        t->addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A};
        strcpy(t->addrs[0].value, "192.0.2.1");
        t->naddrs = 1;
    }
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

static void test_walk_zone_soa(void **state)
{
    (void)state;
    const char *nx[] = {"N corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 7 1 1 1 1"};
    ldns_pkt *p = answer(false, LDNS_RCODE_NXDOMAIN, nx, 1);
    char zone[KMSDNS_NAME_BUF] = "";
    assert_true(kmsdns__audit_zone_soa(p, "_vlmcs._tcp.corp.test", zone));
    assert_string_equal(zone, "corp.test");
    assert_true(kmsdns__audit_zone_soa(p, "corp.test", zone));
    strcpy(zone, "unchanged");
    assert_false(kmsdns__audit_zone_soa(p, "corp.test.example", zone)); /* not within: go up */
    assert_false(kmsdns__audit_zone_soa(p, "xcorp.test", zone));
    assert_string_equal(zone, "unchanged");
    uint32_t serial = 0;
    assert_false(kmsdns__audit_soa_serial(p, &serial)); /* no authority: no serial */
    ldns_pkt_free(p);
    p = answer(true, LDNS_RCODE_NXDOMAIN, nx, 1);
    assert_true(kmsdns__audit_soa_serial(p, &serial));
    assert_int_equal(serial, 7);
    ldns_pkt_free(p);
    const char *none[] = {"A corp.test. 3600 IN NS ns1.corp.test."};
    p = answer(true, LDNS_RCODE_NOERROR, none, 1);
    assert_false(kmsdns__audit_zone_soa(p, "corp.test", zone));
    assert_false(kmsdns__audit_soa_serial(p, &serial));
    ldns_pkt_free(p);
}

static void test_walk_ns(void **state)
{
    (void)state;
    const char *rrs[] = {
        "A corp.test. 3600 IN NS ns1.corp.test.", "A corp.test. 3600 IN A 192.0.2.1",
        "A corp.test. 3600 IN NS NS2.Corp.Test.", "N corp.test. 3600 IN NS ns3.corp.test."};
    ldns_pkt *p = answer(false, LDNS_RCODE_NOERROR, rrs, 4);
    /* an NS without RDATA, as ldns reads one off the wire: skipped, not followed */
    ldns_rr *empty = ldns_rr_new();
    ldns_rr_set_owner(empty, ldns_dname_new_frm_str("corp.test."));
    ldns_rr_set_type(empty, LDNS_RR_TYPE_NS);
    ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, empty);
    char ns[KMSDNS__AUDIT_MAX_NS][KMSDNS_NAME_BUF];
    assert_int_equal(kmsdns__audit_ns_names(p, ns, 0, KMSDNS__AUDIT_MAX_NS), 2);
    assert_string_equal(ns[0], "ns1.corp.test");
    assert_string_equal(ns[1], "ns2.corp.test");
    assert_int_equal(kmsdns__audit_ns_names(p, ns, 7, 8), 8); /* appended, up to max */
    assert_string_equal(ns[7], "ns1.corp.test");
    ldns_pkt_free(p);

    const char *addrs[] = {"A ns1.corp.test. 3600 IN A 192.0.2.53",
                           "A ns2.corp.test. 3600 IN A 192.0.2.54",
                           "A ns1.corp.test. 3600 IN AAAA 2001:db8::53"};
    p = answer(false, LDNS_RCODE_NOERROR, addrs, 3);
    struct kmsdns_addr *v = NULL;
    size_t n = 0;
    char text[KMSDNS_ADDR_TEXT_MAX];
    assert_int_equal(kmsdns__audit_ns_addrs(p, "ns1.corp.test", LDNS_RR_TYPE_A, &v, &n), KMSDNS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(kmsdns_addr_format(&v[0], text), "192.0.2.53:53");
    free(v);
    assert_int_equal(kmsdns__audit_ns_addrs(p, "ns3.corp.test", LDNS_RR_TYPE_A, &v, &n), KMSDNS_OK);
    assert_int_equal(n, 0);
    assert_null(v);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_healthy, cleanup),
        cmocka_unit_test_teardown(test_missing_mismatch_extra, cleanup),
        cmocka_unit_test_teardown(test_dot_instead_of_missing, cleanup),
        cmocka_unit_test_teardown(test_targets, cleanup),
        cmocka_unit_test_teardown(test_consistency, cleanup),
        cmocka_unit_test_teardown(test_reachability, cleanup),
        cmocka_unit_test(test_severity_order),
        cmocka_unit_test(test_walk_zone_soa),
        cmocka_unit_test(test_walk_ns),
        cmocka_unit_test_teardown(test_walk_srv_and_addresses, cleanup),
        cmocka_unit_test(test_walk_address_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
