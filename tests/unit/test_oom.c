/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure, everywhere it can happen: the config load, the publish
 * list (plain and .reg), the TSIG key parser, the host protocol codec and the
 * audit's checks each run with their 1st, 2nd, ... allocation failing until a
 * run needs no more. Every failure must be KMSDNS_NOMEM with nothing handed
 * out; the sanitizer build's LeakSanitizer proves nothing was left behind.
 */
#include "oom.h"
#include "testrr.h"
#include "testutil.h"

#include "audit.h"
#include "testobs.h"
#include "kmsdns/config.h"
#include "kmsdns/error.h"
#include "kmsdns/hostproto.h"
#include "kmsdns/publist.h"
#include "kmsdns/tsigkey.h"

static struct kmsdns_diag d;

/* An injected failure is reported as such, with a message. */
static void want_nomem(int rc)
{
    if (rc != KMSDNS_NOMEM || d.text[0] == '\0')
        fail_msg("allocation %lu failed, the call returned %s ('%s')", oom_n, kmsdns_errname(rc),
                 d.text);
}

static void want_ok(int rc)
{
    if (rc != KMSDNS_OK)
        fail_msg("refused without an injected failure: %s (%s)", kmsdns_errname(rc), d.text);
}

/* ---- config ----------------------------------------------------------------- */

static struct kmsdns_config cfg;
static const char *cfg_path;

static int config_call(void)
{
    kmsdns_diag_init(&d);
    return kmsdns_config_load(&cfg, cfg_path, &d);
}

static void config_fail(int rc)
{
    want_nomem(rc);
    assert_null(cfg.path); /* nothing half-loaded */
}

static void config_ok(int rc)
{
    want_ok(rc);
    assert_int_equal(kmsdns_publist_count(cfg.publish.domains), 4);
    assert_int_equal(cfg.client.nsearch, 2);
    kmsdns_config_deinit(&cfg);
}

static void test_config_load(void **state)
{
    (void)state;
    test_write("k.key", "key", 3, 0640);
    test_write_str("list.txt", "# list\nextra.test,5,6\nmore.test\n");
    cfg_path = test_write_str(
        "k.conf",
        "[host]\nfqdn = kms1.corp.test\nport = 1689\naddresses = 192.0.2.10, 2001:db8::10\n"
        "key-group = server-a\ndatabase = state/host.db\nlisten = 127.0.0.1, ::1\n"
        "user = kmsdns\n[dns]\nresolver = [::1]:5353\nserver = 127.0.0.1\nauth = tsig\n"
        "tsig-key = k.key\nprincipal = host/kms1.corp.test\n"
        "server-principal = DNS/ns1.corp.test\n[publish]\ndomain = corp.test\n"
        "domain = branch.test, 1, 2\nlist-file = list.txt\n"
        "[client]\nsearch = corp.test, branch.test\nstate = /tmp/st\n");
    unsigned long n = oom_loop(config_call, config_fail, config_ok);
    assert_true(n > 5);
}

/* ---- publish list --------------------------------------------------------------- */

static const char *list_data;
static size_t list_len;
static const char *list_source;

/* A fresh diagnostic and an empty list; NULL, said in d, when there is no memory for it. */
static kmsdns_publist *new_list(void)
{
    kmsdns_diag_init(&d);
    kmsdns_publist *pl = kmsdns_publist_new();
    if (pl == NULL)
        kmsdns_diag_set(&d, KMSDNS_NOMEM, NULL, 0, "out of memory");
    return pl;
}

static int publist_call(void)
{
    kmsdns_publist *pl = new_list();
    if (pl == NULL)
        return KMSDNS_NOMEM;
    int rc = kmsdns_publist_load_buffer(pl, list_data, list_len, list_source, &d);
    if (rc == KMSDNS_OK)
        rc = kmsdns_publist_add(pl, "added.test,3,4", "cfg", 7, &d);
    if (rc == KMSDNS_OK && kmsdns_publist_count(pl) < 2)
        rc = KMSDNS_INVAL;
    kmsdns_publist_free(pl);
    return rc;
}

static int default_call(void)
{
    kmsdns_publist *pl = new_list();
    if (pl == NULL)
        return KMSDNS_NOMEM;
    int rc = kmsdns_publist_default(pl, "kms1.corp.test", &d);
    kmsdns_publist_free(pl);
    return rc;
}

static void nothing_more(int rc)
{
    want_ok(rc);
}

static void test_publist_load(void **state)
{
    (void)state;
    static const char plain[] =
        "# plain list\ncorp.test\nbranch.test,10,50\n\nthird.test , 1 , 2\n";
    list_data = plain;
    list_len = sizeof plain - 1;
    list_source = "plain.txt";
    assert_true(oom_loop(publist_call, want_nomem, nothing_more) > 3);

    static char reg[65536];
    FILE *f = fopen(test_data("spp-utf16le.reg"), "rb");
    assert_non_null(f);
    list_len = fread(reg, 1, sizeof reg, f);
    fclose(f);
    list_data = reg;
    list_source = "spp-utf16le.reg";
    assert_true(oom_loop(publist_call, want_nomem, nothing_more) > 3);

    assert_true(oom_loop(default_call, want_nomem, nothing_more) > 0);
}

/* ---- TSIG key ---------------------------------------------------------------------- */

static kmsdns_tsig_key *key;

static int tsigkey_call(void)
{
    static const char text[] = "# from tsig-keygen\nkey \"kms1-update.corp.test\" {\n"
                               "\talgorithm hmac-sha256;\n"
                               "\tsecret \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\";\n};\n";
    kmsdns_diag_init(&d);
    key = NULL;
    return kmsdns_tsig_key_parse(text, sizeof text - 1, "k.key", &key, &d);
}

static void tsigkey_fail(int rc)
{
    want_nomem(rc);
    assert_null(key);
}

static void tsigkey_ok(int rc)
{
    want_ok(rc);
    assert_string_equal(kmsdns_tsig_key_name(key), "kms1-update.corp.test");
    kmsdns_tsig_key_free(key);
}

static void test_tsigkey_parse(void **state)
{
    (void)state;
    assert_true(oom_loop(tsigkey_call, tsigkey_fail, tsigkey_ok) > 0);
}

/* ---- host protocol ------------------------------------------------------------------- */

static int hostproto_call(void)
{
    static const char req[] =
        "REQUEST v1 cmid=0f8fad5b-d9cb-469f-a165-70867728950e edition=win7-pro name=pc-1\n";
    static const char ok[] =
        "OK count=25 threshold=25 activated=1 validity=259200 renewal=10080 retry=120\n";
    kmsdns_diag_init(&d);
    struct kmsdns_hostproto_reader r;
    kmsdns_hostproto_reader_init(&r);
    size_t used = 0;
    int rc = kmsdns_hostproto_feed(&r, (const uint8_t *)req, sizeof req - 1, &used);
    if (rc != KMSDNS_HP_LINE)
        return kmsdns_diag_set(&d, KMSDNS_INVAL, NULL, 0, "feed: %d", rc);
    struct kmsdns_hostproto_req q;
    if ((rc = kmsdns_hostproto_parse((const char *)r.buf, r.len, &q)) != KMSDNS_OK)
        return kmsdns_diag_set(&d, rc, NULL, 0, "parse");
    char line[KMSDNS_HP_LINE_MAX + 1];
    if (kmsdns_hostproto_request(line, sizeof line, q.cmid, q.edition, q.name) == 0)
        return kmsdns_diag_set(&d, KMSDNS_INVAL, NULL, 0, "request");
    struct kmsdns_hostproto_reply a;
    return kmsdns_hostproto_parse_reply(ok, sizeof ok - 1, &a);
}

static void test_hostproto(void **state)
{
    (void)state;
    /* the codec allocates nothing: the first run meets no failure */
    assert_int_equal(oom_loop(hostproto_call, want_nomem, nothing_more), 0);
}

/* ---- the audit's checks ------------------------------------------------------------- */

static struct kmsdns_server_obs obs[4];
static struct kmsdns_domain_result res;
static struct kmsdns_expectation expect;

static int audit_call(void)
{
    memset(&res, 0, sizeof res);
    kmsdns_diag_init(&d);
    int rc = kmsdns_audit_check("corp.test", &expect, obs, 4, &res);
    if (rc != KMSDNS_OK)
        kmsdns_diag_set(&d, rc, NULL, 0, "%s", kmsdns_strerror(rc));
    return rc;
}

static void audit_fail(int rc)
{
    want_nomem(rc);
    /* nothing is handed out on failure */
    assert_null(res.servers);
    assert_null(res.problems);
}

static void audit_ok(int rc)
{
    want_ok(rc);
    assert_int_equal(res.status, KMSDNS_SEV_CRITICAL);
    size_t problems = res.nproblems;
    for (size_t i = 0; i < res.nservers; i++)
        problems += res.servers[i].nproblems;
    assert_true(problems >= 6);
    kmsdns_domain_result_deinit(&res);
}

static void test_audit_check(void **state)
{
    (void)state;
    memset(&expect, 0, sizeof expect);
    expect.srv[expect.nsrv++] = test_srv("kms1.corp.test", 0, 100, 1688, 0);
    expect.srv[expect.nsrv++] = test_srv("kms2.corp.test", 0, 100, 1688, 0);
    snprintf(expect.addr[0].target, sizeof expect.addr[0].target, "kms1.corp.test");
    expect.addr[0].addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A, .value = "192.0.2.1"};
    expect.addr[0].n = 1;
    expect.naddr = 1;
    /* mismatches, extras, inconsistencies, TTL and serial differences, an
     * address mismatch and an unreachable server: many problems, so many
     * allocations */
    struct kmsdns_rrdata a[] = {test_srv("kms1.corp.test", 0, 100, 1688, 3600),
                                test_srv("kms2.corp.test", 0, 100, 1689, 3600),
                                test_srv("old.corp.test", 0, 100, 1688, 3600)};
    struct kmsdns_rrdata b[] = {test_srv("kms1.corp.test", 0, 100, 1688, 600)};
    test_server_obs(&obs[0], "192.0.2.53", a, 3, 7, "192.0.2.9");
    test_server_obs(&obs[1], "192.0.2.54", b, 1, 8, "192.0.2.1");
    test_server_obs(&obs[2], "192.0.2.55", NULL, 0, 9, "192.0.2.1");
    test_server_obs(&obs[3], "192.0.2.56", NULL, 0, 0, "192.0.2.1");
    obs[3].answered = false;
    snprintf(obs[3].why, sizeof obs[3].why, "timeout");
    unsigned long n = oom_loop(audit_call, audit_fail, audit_ok);
    assert_true(n > 6);
    for (size_t i = 0; i < 4; i++)
        kmsdns_server_obs_deinit(&obs[i]);
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test(test_config_load),
              cmocka_unit_test(test_publist_load),
              cmocka_unit_test(test_tsigkey_parse),
              cmocka_unit_test(test_hostproto),
              cmocka_unit_test(test_audit_check),
          })
