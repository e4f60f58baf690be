/* SPDX-License-Identifier: MIT */
/* The audit's checks, one by one, on hand-made observations: each problem code
 * exactly when SPEC.md says, one code per cause, statuses the worst of their parts. */
#include "testrr.h"
#include "testutil.h"

#include "kmsdns/audit.h"
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
    assert_int_equal(kmsdns_severity_exit(r.status), 0);
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
    assert_int_equal(kmsdns_severity_exit(r.status), 1);
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
    assert_int_equal(kmsdns_severity_exit(r.status), 3);
}

static void test_severity_order(void **state)
{
    (void)state;
    assert_true(KMSDNS_SEV_CRITICAL > KMSDNS_SEV_UNKNOWN);
    assert_true(KMSDNS_SEV_UNKNOWN > KMSDNS_SEV_WARNING);
    assert_string_equal(kmsdns_severity_name(KMSDNS_SEV_UNKNOWN), "unknown");
    assert_int_equal(kmsdns_severity_exit(KMSDNS_SEV_CRITICAL), 2);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
