/* SPDX-License-Identifier: MIT */
/*
 * The publication engine against a scripted transport (no network): zone
 * discovery through a resolver with the walk up the labels, the primary
 * found from the SOA MNAME and NS, a dead primary skipped for the next
 * server, a refused batch split domain by domain, and the failures that
 * must name their cause; refresh (AD DNS aging): the exact UPDATE it sends,
 * and when it sends none. The addresses below are labels for the script.
 */
#include "testutil.h"
#include "testpkt.h"

#include "kmsdns/error.h"
#include "kmsdns/publish.h"
#include "kmsdns/wire.h"

#include <ldns/ldns.h>

/* What the scripted servers do. */
static struct {
    bool strip_soa_below_apex; /* resolver gives no SOA for names below a.corp.test */
    bool dead_primary;         /* 192.0.2.1 never answers */
    bool no_aa;                /* reads come back without AA */
    const char *refuse_owner;  /* updates touching this owner are REFUSED */
    ldns_pkt_rcode update_rcode;
    bool no_zone;     /* nothing has an SOA */
    unsigned updates; /* UPDATEs received */
    unsigned soa_queries;
    char update_servers[8][KMSDNS_ADDR_TEXT_MAX];
    bool hold_ours;            /* corp.test holds kms1's SRV (beside kms2's) and kms1's A already */
    bool ad;                   /* _ldap._tcp.dc._msdcs.corp.test has a DC: AD DNS */
    unsigned probes;           /* _ldap._tcp.dc._msdcs queries received */
    unsigned rounds;           /* transport batches */
    char update_zone[600];     /* the first UPDATE's zone section, as ldns prints it */
    size_t update_prereqs;     /* its prerequisite RRs */
    char update_section[2048]; /* its update section */
} fx;

static bool mentions(const ldns_pkt *q, const char *owner)
{
    const ldns_rr_list *l = ldns_pkt_authority(q);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(l, i)));
        bool hit = strcasecmp(s, owner) == 0;
        free(s);
        if (hit)
            return true;
    }
    return false;
}

static void answer_query(const ldns_pkt *q, ldns_pkt *a)
{
    ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
    const char *soa = "corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 7 1 1 1 60";
    if (t == LDNS_RR_TYPE_SOA) {
        fx.soa_queries++;
        bool deep = !qname_is(q, "a.corp.test.") && !qname_is(q, "corp.test.");
        if (!fx.no_zone && !(fx.strip_soa_below_apex && deep))
            add_rr(a, qname_is(q, "corp.test.") ? LDNS_SECTION_ANSWER : LDNS_SECTION_AUTHORITY,
                   soa);
    } else if (t == LDNS_RR_TYPE_NS && qname_is(q, "corp.test.")) {
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns1.corp.test.");
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns2.corp.test.");
    } else if (t == LDNS_RR_TYPE_A && qname_is(q, "ns1.corp.test.")) {
        add_rr(a, LDNS_SECTION_ANSWER, "ns1.corp.test. 3600 IN A 192.0.2.1");
    } else if (t == LDNS_RR_TYPE_A && qname_is(q, "ns2.corp.test.")) {
        add_rr(a, LDNS_SECTION_ANSWER, "ns2.corp.test. 3600 IN A 192.0.2.2");
    } else if (t == LDNS_RR_TYPE_SRV && qname_is(q, "_ldap._tcp.dc._msdcs.corp.test.")) {
        fx.probes++;
        if (fx.ad)
            add_rr(a, LDNS_SECTION_ANSWER,
                   "_ldap._tcp.dc._msdcs.corp.test. 600 IN SRV 0 100 389 dc1.corp.test.");
        else
            add_rr(a, LDNS_SECTION_AUTHORITY, soa), ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
    } else if (t == LDNS_RR_TYPE_SRV && fx.hold_ours && qname_is(q, "_vlmcs._tcp.corp.test.")) {
        add_rr(a, LDNS_SECTION_ANSWER,
               "_vlmcs._tcp.corp.test. 600 IN SRV 0 100 1688 kms2.corp.test.");
        add_rr(a, LDNS_SECTION_ANSWER,
               "_vlmcs._tcp.corp.test. 600 IN SRV 0 100 1688 kms1.corp.test.");
    } else if (t == LDNS_RR_TYPE_A && fx.hold_ours && qname_is(q, "kms1.corp.test.")) {
        add_rr(a, LDNS_SECTION_ANSWER, "kms1.corp.test. 600 IN A 192.0.2.10");
    } else if (t == LDNS_RR_TYPE_SRV) {
        ldns_pkt_set_aa(a, !fx.no_aa);
        add_rr(a, LDNS_SECTION_AUTHORITY, soa);
        ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
    }
}

static void answer_update(const struct kmsdns_exchange *x, const ldns_pkt *q, ldns_pkt *a)
{
    if (fx.updates < 8)
        kmsdns_addr_format(&x->server, fx.update_servers[fx.updates]);
    if (fx.updates == 0) {
        char *z = ldns_rr_list2str(ldns_pkt_question(q));
        char *u = ldns_rr_list2str(ldns_pkt_authority(q));
        snprintf(fx.update_zone, sizeof fx.update_zone, "%s", z);
        snprintf(fx.update_section, sizeof fx.update_section, "%s", u);
        fx.update_prereqs = ldns_rr_list_rr_count(ldns_pkt_answer(q));
        free(z), free(u);
    }
    fx.updates++;
    ldns_pkt_set_opcode(a, LDNS_PACKET_UPDATE);
    if (fx.refuse_owner != NULL && mentions(q, fx.refuse_owner))
        ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
    else
        ldns_pkt_set_rcode(a, (uint8_t)fx.update_rcode);
}

/* The scripted transport: every exchange answered (or timed out) at once. */
static int scripted_run(void *ctx, struct kmsdns_exchange *x, size_t n,
                        const struct kmsdns_transport_opts *o)
{
    (void)ctx, (void)o;
    fx.rounds++;
    for (size_t i = 0; i < n; i++) {
        kmsdns_exchange_reset(&x[i]);
        char srv[KMSDNS_ADDR_TEXT_MAX];
        kmsdns_addr_format(&x[i].server, srv);
        if (fx.dead_primary && strcmp(srv, "192.0.2.1:53") == 0) {
            x[i].rc = KMSDNS_TIMEOUT;
            snprintf(x[i].detail, sizeof x[i].detail, "no answer after 4 tries");
            continue;
        }
        ldns_pkt *q, *a = test_reply_to(&x[i], &q);
        if (ldns_pkt_get_opcode(q) == LDNS_PACKET_UPDATE)
            answer_update(&x[i], q, a);
        else
            answer_query(q, a);
        test_reply_send(&x[i], a, q);
    }
    return KMSDNS_OK;
}

static const struct kmsdns_transport scripted = {scripted_run, NULL};

static struct kmsdns_pub_report *run_opts(const char *conf_text, bool refresh, bool plan)
{
    struct kmsdns_config cfg;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_config_load_buffer(&cfg, "/t/k.conf", conf_text, strlen(conf_text), &d) != 0)
        fail_msg("config: %s", d.text);
    struct kmsdns_publish_opts o = {.transport = &scripted, .refresh = refresh, .plan_only = plan};
    struct kmsdns_pub_report *r = NULL;
    assert_int_equal(kmsdns_publish_run(&cfg, &o, &r, &d), KMSDNS_OK);
    kmsdns_config_deinit(&cfg);
    return r;
}

static struct kmsdns_pub_report *run(const char *conf_text, int want_rc)
{
    struct kmsdns_config cfg;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_config_load_buffer(&cfg, "/t/k.conf", conf_text, strlen(conf_text), &d) != 0)
        fail_msg("config: %s", d.text);
    struct kmsdns_publish_opts o = {.transport = &scripted};
    struct kmsdns_pub_report *r = NULL;
    assert_int_equal(kmsdns_publish_run(&cfg, &o, &r, &d), want_rc);
    kmsdns_config_deinit(&cfg);
    return r;
}

/* Item i of r failed with rc, its message saying text. */
static void expect_failure(const struct kmsdns_pub_report *r, size_t i, int rc, const char *text)
{
    assert_int_equal(r->items[i].rc, rc);
    if (strstr(r->items[i].message, text) == NULL)
        fail_msg("item %zu: '%s' lacks '%s'", i, r->items[i].message, text);
}

static const char conf_two[] = "[host]\nfqdn = kms1.corp.test\n[dns]\nresolver = 192.0.2.53\n"
                               "[publish]\ndomain = a.corp.test,1,2\ndomain = corp.test\n";

static int reset(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    return 0;
}

static void test_walk_up_and_dead_primary(void **state)
{
    (void)state;
    fx.strip_soa_below_apex = true;
    fx.dead_primary = true;
    struct kmsdns_pub_report *r = run(conf_two, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_DONE);
    assert_int_equal(r->nitems, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(r->items[i].zone, "corp.test");
        assert_string_equal(r->items[i].server, "192.0.2.2:53");
        assert_true(r->items[i].applied);
        assert_int_equal(r->items[i].plan.action, KMSDNS_ACTION_ADD);
    }
    assert_int_equal(r->items[0].plan.add[0].priority, 1);
    assert_int_equal(r->updates_sent, 1); /* one zone, one UPDATE */
    assert_int_equal(fx.updates, 1);
    assert_string_equal(fx.update_servers[0], "192.0.2.2:53");
    assert_string_equal(r->updates[0].proof, "unsigned");
    kmsdns_pub_report_free(r);
}

static void test_refused_batch_is_split(void **state)
{
    (void)state;
    fx.refuse_owner = "_vlmcs._tcp.a.corp.test.";
    struct kmsdns_pub_report *r = run(conf_two, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_SERVER_ERROR);
    assert_int_equal(fx.updates, 3); /* the batch, then each domain alone */
    assert_int_equal(r->items[0].status, KMSDNS_ITEM_FAILED);
    expect_failure(
        r, 0, KMSDNS_REFUSED,
        "192.0.2.1:53 refused the update of _vlmcs._tcp.a.corp.test SRV in zone corp.test");
    assert_non_null(strstr(r->items[0].message, "unsigned updates"));
    assert_true(r->items[1].applied);
    kmsdns_pub_report_free(r);
}

static void test_servfail_names_the_acl(void **state)
{
    (void)state;
    fx.update_rcode = LDNS_RCODE_SERVFAIL;
    struct kmsdns_pub_report *r = run(conf_two, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_SERVER_ERROR);
    assert_int_equal(fx.updates, 1); /* SERVFAIL is not split: it is no permission answer */
    expect_failure(r, 1, KMSDNS_SERVFAIL,
                   "permission denial, so this is probably the record's ACL");
    assert_non_null(strstr(r->items[1].message, "Full Control on _vlmcs._tcp"));
    kmsdns_pub_report_free(r);
}

static void test_not_authoritative(void **state)
{
    (void)state;
    fx.no_aa = true;
    struct kmsdns_pub_report *r = run(conf_two, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_SERVER_ERROR);
    assert_int_equal(fx.updates, 0);
    expect_failure(r, 0, KMSDNS_NOTAUTH, "is not authoritative for zone corp.test");
    kmsdns_pub_report_free(r);
}

static void test_no_zone(void **state)
{
    (void)state;
    fx.no_zone = true;
    struct kmsdns_pub_report *r = run(conf_two, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_SERVER_ERROR);
    expect_failure(r, 0, KMSDNS_NOZONE,
                   "no zone found for _vlmcs._tcp.a.corp.test at 192.0.2.53:53");
    kmsdns_pub_report_free(r);
}

static void test_all_servers_dead(void **state)
{
    (void)state;
    fx.dead_primary = true;
    static const char conf[] = "[host]\nfqdn = kms1.corp.test\n[dns]\nserver = 192.0.2.1\n"
                               "[publish]\ndomain = corp.test\n";
    struct kmsdns_pub_report *r = run(conf, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_UNREACHABLE);
    assert_int_equal(r->items[0].status, KMSDNS_ITEM_UNREACHABLE);
    assert_non_null(strstr(r->items[0].message, "no answer from 192.0.2.1:53"));
    kmsdns_pub_report_free(r);
}

static void test_server_set_zone_from_the_read(void **state)
{
    (void)state;
    static const char conf[] = "[host]\nfqdn = kms1.corp.test\n[dns]\nserver = 192.0.2.2\n"
                               "auth = none\n[publish]\ndomain = a.corp.test\ndomain = corp.test\n";
    struct kmsdns_pub_report *r = run(conf, KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_DONE);
    assert_int_equal(fx.soa_queries, 0); /* the NXDOMAIN answers named the zone */
    assert_string_equal(r->items[0].zone, "corp.test");
    assert_int_equal(fx.updates, 1);
    kmsdns_pub_report_free(r);
}

static void test_refusals_before_sending(void **state)
{
    (void)state;
    struct kmsdns_config cfg;
    struct kmsdns_diag d;
    static const char nofqdn[] = "[publish]\ndomain = corp.test\n";
    assert_int_equal(kmsdns_config_load_buffer(&cfg, "/t/k.conf", nofqdn, sizeof nofqdn - 1, &d),
                     0);
    struct kmsdns_publish_opts o = {.transport = &scripted};
    struct kmsdns_pub_report *r = NULL;
    assert_int_equal(kmsdns_publish_run(&cfg, &o, &r, &d), KMSDNS_INVAL);
    assert_null(r);
    assert_non_null(strstr(d.text, "fqdn is required"));
    kmsdns_config_deinit(&cfg);
    assert_int_equal(fx.updates, 0);
}

/* kms1's SRV (0 100 1688, beside kms2's) and A record are already right in corp.test. */
#define CONF_REFRESH(extra)                                                                        \
    "[host]\nfqdn = kms1.corp.test\naddresses = 192.0.2.10\n[dns]\nresolver = 192.0.2.53\n" extra  \
    "\n[publish]\ndomain = corp.test,0,100\n"

/* On AD DNS (the probe finds a DC), auto refreshes: ONE UPDATE for the zone,
 * no prerequisites, delete-RR + add-RR of exactly kms1's SRV and A as held
 * (their TTL 600), nothing of kms2's; and the probe rode with the reads. */
static void test_refresh_on_ad(void **state)
{
    (void)state;
    fx.hold_ours = fx.ad = true;
    struct kmsdns_pub_report *r = run(CONF_REFRESH(""), KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_DONE);
    assert_int_equal(fx.probes, 1);
    assert_int_equal(fx.updates, 1);
    assert_int_equal(r->updates_sent, 1);
    assert_string_equal(fx.update_zone, "corp.test.\tIN\tSOA\n");
    assert_int_equal(fx.update_prereqs, 0);
    assert_string_equal(fx.update_section,
                        "_vlmcs._tcp.corp.test.\t0\tNONE\tSRV\t0 100 1688 kms1.corp.test.\n"
                        "kms1.corp.test.\t0\tNONE\tA\t192.0.2.10\n"
                        "_vlmcs._tcp.corp.test.\t600\tIN\tSRV\t0 100 1688 kms1.corp.test.\n"
                        "kms1.corp.test.\t600\tIN\tA\t192.0.2.10\n");
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(r->items[i].plan.action, KMSDNS_ACTION_REFRESH);
        assert_int_equal(r->items[i].plan.nrefresh, 1);
        assert_true(r->items[i].applied);
        assert_true(r->items[i].ad_dns);
    }
    unsigned rounds_auto = fx.rounds;
    kmsdns_pub_report_free(r);
    /* the same run with refresh = yes asks no probe, in as many rounds */
    reset(NULL);
    fx.hold_ours = fx.ad = true;
    r = run(CONF_REFRESH("refresh = yes"), KMSDNS_OK);
    assert_int_equal(fx.probes, 0);
    assert_int_equal(fx.updates, 1);
    assert_int_equal(fx.rounds, rounds_auto); /* the probe cost no round of its own */
    kmsdns_pub_report_free(r);
}

/* Elsewhere (no DC behind _ldap._tcp.dc._msdcs), auto keeps idempotence:
 * nothing to change, nothing sent; refresh = no does not even ask; --refresh
 * and refresh = yes do refresh; --plan shows the refresh and sends nothing. */
static void test_refresh_off_ad(void **state)
{
    (void)state;
    fx.hold_ours = true;
    struct kmsdns_pub_report *r = run(CONF_REFRESH(""), KMSDNS_OK);
    assert_int_equal(fx.probes, 1);
    assert_int_equal(fx.updates, 0);
    assert_int_equal(r->nupdates, 0);
    assert_int_equal(r->items[0].plan.action, KMSDNS_ACTION_UNCHANGED);
    assert_false(r->items[0].ad_dns);
    kmsdns_pub_report_free(r);

    reset(NULL);
    fx.hold_ours = fx.ad = true;
    r = run(CONF_REFRESH("refresh = no"), KMSDNS_OK);
    assert_int_equal(fx.probes, 0);
    assert_int_equal(fx.updates, 0);
    assert_int_equal(r->items[0].plan.action, KMSDNS_ACTION_UNCHANGED);
    kmsdns_pub_report_free(r);

    reset(NULL);
    fx.hold_ours = true;
    r = run_opts(CONF_REFRESH("refresh = no"), true, false); /* --refresh wins */
    assert_int_equal(fx.updates, 1);
    assert_int_equal(r->items[0].plan.action, KMSDNS_ACTION_REFRESH);
    kmsdns_pub_report_free(r);

    reset(NULL);
    fx.hold_ours = fx.ad = true;
    r = run_opts(CONF_REFRESH(""), false, true); /* --plan */
    assert_int_equal(fx.updates, 0);
    assert_int_equal(r->nupdates, 1);
    assert_int_equal(r->items[0].plan.action, KMSDNS_ACTION_REFRESH);
    kmsdns_pub_report_free(r);
}

/* A refused refresh fails like any update; the split tries each domain alone. */
static void test_refresh_refused(void **state)
{
    (void)state;
    fx.hold_ours = fx.ad = true;
    fx.update_rcode = LDNS_RCODE_REFUSED;
    struct kmsdns_pub_report *r = run(CONF_REFRESH(""), KMSDNS_OK);
    assert_int_equal(r->outcome, KMSDNS_PUB_SERVER_ERROR);
    assert_int_equal(r->items[0].status, KMSDNS_ITEM_FAILED);
    assert_int_equal(r->items[0].rc, KMSDNS_REFUSED);
    assert_false(r->items[0].applied);
    kmsdns_pub_report_free(r);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test_setup(test_walk_up_and_dead_primary, reset),
              cmocka_unit_test_setup(test_refused_batch_is_split, reset),
              cmocka_unit_test_setup(test_servfail_names_the_acl, reset),
              cmocka_unit_test_setup(test_not_authoritative, reset),
              cmocka_unit_test_setup(test_no_zone, reset),
              cmocka_unit_test_setup(test_all_servers_dead, reset),
              cmocka_unit_test_setup(test_server_set_zone_from_the_read, reset),
              cmocka_unit_test_setup(test_refusals_before_sending, reset),
              cmocka_unit_test_setup(test_refresh_on_ad, reset),
              cmocka_unit_test_setup(test_refresh_off_ad, reset),
              cmocka_unit_test_setup(test_refresh_refused, reset),
          })
