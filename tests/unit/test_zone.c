/* SPDX-License-Identifier: MIT */
/*
 * Zone discovery against a scripted transport (no network): the SOA walk
 * up the labels, the primary from the SOA MNAME, the NS names and their
 * addresses (primary first, each once), an authoritative server asked
 * directly, per-name errors that name their cause, exchanges riding along
 * with the first round, and answers that name their zone. The addresses
 * below are labels for the script.
 */
#include "testutil.h"
#include "testpkt.h"

#include "kmsdns/error.h"
#include "kmsdns/zone.h"

#include <ldns/ldns.h>

/* What the scripted resolver does. */
static struct {
    bool strip_soa_below_apex; /* no SOA for names below a.corp.test */
    bool unrelated;            /* the SOA answer is for other.test */
    bool refuse;               /* every query is REFUSED */
    bool dead;                 /* nothing answers */
    unsigned soa, ns, addr, other, rd;
} fx;

static bool within_corp(const ldns_pkt *q)
{
    char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
    size_t n = strlen(s);
    bool in = n >= 10 && strcasecmp(s + n - 10, "corp.test.") == 0;
    free(s);
    return in;
}

static const char soa_rr[] = "corp.test. 3600 IN SOA ns1.corp.test. h.corp.test. 7 1 1 1 60";

static void answer_soa(const ldns_pkt *q, ldns_pkt *a)
{
    fx.soa++;
    bool deep = !qname_is(q, "a.corp.test.") && !qname_is(q, "corp.test.");
    if (fx.unrelated)
        add_rr(a, LDNS_SECTION_AUTHORITY,
               "other.test. 3600 IN SOA ns.other.test. h.other.test. 1 1 1 1 60");
    else if (within_corp(q) && !(fx.strip_soa_below_apex && deep))
        add_rr(a, qname_is(q, "corp.test.") ? LDNS_SECTION_ANSWER : LDNS_SECTION_AUTHORITY, soa_rr);
    else if (!within_corp(q))
        ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN); /* and no SOA: a broken resolver */
}

static void answer(const ldns_pkt *q, ldns_pkt *a)
{
    ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
    fx.rd += ldns_pkt_rd(q);
    if (fx.refuse) {
        ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
    } else if (t == LDNS_RR_TYPE_SOA) {
        answer_soa(q, a);
    } else if (t == LDNS_RR_TYPE_NS) {
        fx.ns++;
        /* ns2 first, the primary again, ns2 twice: the result has each once, primary first */
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns2.corp.test.");
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns1.corp.test.");
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns2.corp.test.");
        add_rr(a, LDNS_SECTION_ANSWER, "corp.test. 3600 IN NS ns3.corp.test.");
    } else if (t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) {
        fx.addr++;
        if (t == LDNS_RR_TYPE_A && qname_is(q, "ns1.corp.test."))
            add_rr(a, LDNS_SECTION_ANSWER, "ns1.corp.test. 3600 IN A 192.0.2.1");
        if (t == LDNS_RR_TYPE_AAAA && qname_is(q, "ns1.corp.test."))
            add_rr(a, LDNS_SECTION_ANSWER, "ns1.corp.test. 3600 IN AAAA 2001:db8::1");
        if (t == LDNS_RR_TYPE_A && qname_is(q, "ns2.corp.test."))
            add_rr(a, LDNS_SECTION_ANSWER, "ns2.corp.test. 3600 IN A 192.0.2.2");
        /* ns3 has no address */
    } else {
        fx.other++;
    }
}

static int scripted_run(void *ctx, struct kmsdns_exchange *x, size_t n,
                        const struct kmsdns_transport_opts *o)
{
    (void)ctx, (void)o;
    for (size_t i = 0; i < n; i++) {
        kmsdns_exchange_reset(&x[i]);
        if (fx.dead) {
            x[i].rc = KMSDNS_TIMEOUT;
            snprintf(x[i].detail, sizeof x[i].detail, "no answer after 4 tries");
            continue;
        }
        ldns_pkt *q, *a = test_reply_to(&x[i], &q);
        answer(q, a);
        test_reply_send(&x[i], a, q);
    }
    return KMSDNS_OK;
}

static const struct kmsdns_transport scripted = {scripted_run, NULL};

static struct kmsdns_zone_opts opts(bool server)
{
    struct kmsdns_zone_opts o = {.transport = &scripted, .ask_is_server = server};
    assert_int_equal(kmsdns_addr_parse("192.0.2.53", 53, 0, &o.ask, NULL), KMSDNS_OK);
    return o;
}

static kmsdns_zone_set *find(const char *const *names, size_t n, struct kmsdns_zone_opts o)
{
    kmsdns_zone_set *s = NULL;
    assert_int_equal(kmsdns_zone_find(names, n, &o, &s), KMSDNS_OK);
    assert_non_null(s);
    return s;
}

static void assert_addr(const struct kmsdns_addr *a, const char *text)
{
    char buf[KMSDNS_ADDR_TEXT_MAX];
    assert_string_equal(kmsdns_addr_format(a, buf), text);
}

static int reset(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    return 0;
}

static void test_walk_up_ns_and_addresses(void **state)
{
    (void)state;
    fx.strip_soa_below_apex = true;
    const char *names[] = {"_vlmcs._tcp.a.corp.test", "corp.test", "b.a.corp.test"};
    kmsdns_zone_set *s = find(names, 3, opts(false));
    const struct kmsdns_zone *z[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(kmsdns_zone_get(s, i, &z[i], NULL), KMSDNS_OK);
        assert_string_equal(z[i]->name, "corp.test");
        assert_string_equal(z[i]->primary, "ns1.corp.test");
    }
    assert_ptr_equal(z[0], z[1]); /* one zone, shared */
    /* _vlmcs._tcp.a: 3 SOA queries (2 stripped), corp.test 1, b.a 2 */
    assert_int_equal(fx.soa, 6);
    assert_int_equal(fx.ns, 1); /* once per zone, not per name */
    assert_int_equal(z[0]->nns, 3);
    assert_string_equal(z[0]->ns[0].name, "ns1.corp.test");
    assert_int_equal(z[0]->ns[0].naddr, 2);
    assert_addr(&z[0]->ns[0].addr[0], "192.0.2.1:53");
    assert_addr(&z[0]->ns[0].addr[1], "[2001:db8::1]:53");
    assert_string_equal(z[0]->ns[1].name, "ns2.corp.test");
    assert_addr(&z[0]->ns[1].addr[0], "192.0.2.2:53");
    assert_string_equal(z[0]->ns[2].name, "ns3.corp.test");
    assert_int_equal(z[0]->ns[2].naddr, 0);
    assert_int_equal(fx.addr, 6);                      /* A and AAAA of three names */
    assert_int_equal(fx.rd, fx.soa + fx.ns + fx.addr); /* a resolver: RD on everything */
    kmsdns_zone_set_free(s);
}

static void test_per_name_errors(void **state)
{
    (void)state;
    const char *names[] = {"x.nowhere.test", "corp.test"};
    kmsdns_zone_set *s = find(names, 2, opts(false));
    const struct kmsdns_zone *z;
    const char *why;
    assert_int_equal(kmsdns_zone_get(s, 0, &z, &why), KMSDNS_NOZONE);
    assert_null(z);
    assert_string_equal(why, "no zone found for x.nowhere.test at 192.0.2.53:53: no answer "
                             "carried an SOA record");
    assert_int_equal(kmsdns_zone_get(s, 1, &z, &why), KMSDNS_OK);
    assert_string_equal(z->name, "corp.test");
    kmsdns_zone_set_free(s);
}

static void test_unrelated_soa(void **state)
{
    (void)state;
    fx.unrelated = true;
    const char *names[] = {"corp.test"};
    kmsdns_zone_set *s = find(names, 1, opts(false));
    const struct kmsdns_zone *z;
    const char *why;
    assert_int_equal(kmsdns_zone_get(s, 0, &z, &why), KMSDNS_MALFORMED);
    assert_non_null(strstr(why, "with the SOA of unrelated zone other.test"));
    assert_int_equal(fx.ns, 0); /* no zone, nothing more asked */
    kmsdns_zone_set_free(s);
}

static void test_server_refuses_and_no_answer(void **state)
{
    (void)state;
    fx.refuse = true;
    const char *names[] = {"corp.test"};
    kmsdns_zone_set *s = find(names, 1, opts(true));
    const struct kmsdns_zone *z;
    const char *why;
    assert_int_equal(kmsdns_zone_get(s, 0, &z, &why), KMSDNS_REFUSED);
    assert_string_equal(why, "192.0.2.53:53 answered REFUSED to the SOA query for corp.test: "
                             "that server does not serve the zone of this name");
    kmsdns_zone_set_free(s);
    reset(NULL);
    fx.dead = true;
    s = find(names, 1, opts(false));
    assert_int_equal(kmsdns_zone_get(s, 0, &z, &why), KMSDNS_TIMEOUT);
    assert_string_equal(why, "no answer from 192.0.2.53:53 to the SOA query for corp.test (no "
                             "answer after 4 tries)");
    kmsdns_zone_set_free(s);
}

static void test_server_asked_directly(void **state)
{
    (void)state;
    const char *names[] = {"_vlmcs._tcp.corp.test"};
    kmsdns_zone_set *s = find(names, 1, opts(true));
    const struct kmsdns_zone *z;
    assert_int_equal(kmsdns_zone_get(s, 0, &z, NULL), KMSDNS_OK);
    assert_string_equal(z->name, "corp.test");
    assert_string_equal(z->primary, "ns1.corp.test");
    assert_int_equal(z->nns, 0);
    assert_int_equal(fx.ns + fx.addr, 0);
    assert_int_equal(fx.rd, 0); /* an authoritative server: RD clear */
    kmsdns_zone_set_free(s);
}

static void test_ride_along(void **state)
{
    (void)state;
    struct kmsdns_zone_opts o = opts(true);
    struct kmsdns_exchange x[2] = {{.server = o.ask}, {.server = o.ask}};
    uint8_t *w[2];
    size_t len[2];
    assert_int_equal(
        kmsdns_msg_query("_vlmcs._tcp.corp.test", LDNS_RR_TYPE_SRV, false, &w[0], &len[0]),
        KMSDNS_OK);
    assert_int_equal(kmsdns_msg_query("corp.test", LDNS_RR_TYPE_TXT, false, &w[1], &len[1]),
                     KMSDNS_OK);
    for (int i = 0; i < 2; i++)
        x[i].query = w[i], x[i].query_len = len[i];
    o.ride = x;
    o.nride = 2;
    const char *names[] = {"corp.test"};
    kmsdns_zone_set *s = find(names, 1, o);
    assert_int_equal(fx.soa, 1);
    assert_int_equal(fx.other, 2); /* both went out, once */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(x[i].rc, KMSDNS_OK);
        assert_non_null(x[i].answer);
        kmsdns_exchange_reset(&x[i]);
        free(w[i]);
    }
    kmsdns_zone_set_free(s);
}

static ldns_pkt *pkt(bool aa, ldns_pkt_rcode rcode, const char *authority)
{
    ldns_pkt *p = ldns_pkt_new();
    ldns_pkt_set_aa(p, aa);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    if (authority != NULL)
        add_rr(p, LDNS_SECTION_AUTHORITY, authority);
    return p;
}

static void test_answers_that_name_their_zone(void **state)
{
    (void)state;
    char zone[KMSDNS_NAME_BUF], primary[KMSDNS_NAME_BUF];
    const char *owner = "_vlmcs._tcp.a.corp.test";
    ldns_pkt *p = pkt(true, LDNS_RCODE_NXDOMAIN, soa_rr);
    assert_true(kmsdns_zone_named_by(p, owner, zone, primary));
    assert_string_equal(zone, "corp.test");
    assert_string_equal(primary, "ns1.corp.test");
    ldns_pkt_free(p);
    p = pkt(true, LDNS_RCODE_NOERROR, "a.corp.test. 3600 IN NS ns9.corp.test.");
    assert_true(kmsdns_zone_named_by(p, owner, zone, primary));
    assert_string_equal(zone, "a.corp.test");
    assert_string_equal(primary, "ns9.corp.test");
    ldns_pkt_free(p);
    p = pkt(false, LDNS_RCODE_NXDOMAIN, soa_rr); /* not authoritative */
    assert_false(kmsdns_zone_named_by(p, owner, zone, primary));
    ldns_pkt_free(p);
    p = pkt(true, LDNS_RCODE_SERVFAIL, soa_rr);
    assert_false(kmsdns_zone_named_by(p, owner, zone, primary));
    ldns_pkt_free(p);
    p = pkt(true, LDNS_RCODE_NXDOMAIN, "other.test. 3600 IN SOA ns.other.test. h. 1 1 1 1 60");
    assert_false(kmsdns_zone_named_by(p, owner, zone, primary)); /* not above the name */
    ldns_pkt_free(p);
    p = pkt(true, LDNS_RCODE_NOERROR, NULL);
    assert_false(kmsdns_zone_named_by(p, owner, zone, primary));
    ldns_pkt_free(p);
}

static void test_no_names(void **state)
{
    (void)state;
    kmsdns_zone_set *s = find(NULL, 0, opts(false));
    assert_int_equal(fx.soa + fx.ns + fx.addr, 0);
    kmsdns_zone_set_free(s);
    kmsdns_zone_set_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_walk_up_ns_and_addresses, reset),
        cmocka_unit_test_setup(test_per_name_errors, reset),
        cmocka_unit_test_setup(test_unrelated_soa, reset),
        cmocka_unit_test_setup(test_server_refuses_and_no_answer, reset),
        cmocka_unit_test_setup(test_server_asked_directly, reset),
        cmocka_unit_test_setup(test_ride_along, reset),
        cmocka_unit_test_setup(test_answers_that_name_their_zone, reset),
        cmocka_unit_test_setup(test_no_names, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
