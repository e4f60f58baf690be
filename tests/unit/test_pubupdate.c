/* SPDX-License-Identifier: MIT */
/*
 * Update building, pure: the plans of a batch become one RFC 2136 UPDATE
 * for the zone, every deletion (class NONE, TTL 0) before every addition
 * (class IN), whatever item they came from; a batch larger than the stack
 * buffers gives the same message.
 */
#include "testutil.h"
#include "testrr.h"

#include "kmsdns/error.h"
#include "pubupdate.h"

#include <ldns/ldns.h>

static ldns_pkt *parse(const uint8_t *w, size_t len)
{
    ldns_pkt *p = NULL;
    assert_int_equal(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
    return p;
}

static void test_deletions_then_additions(void **state)
{
    (void)state;
    struct kmsdns_pub_item items[3];
    memset(items, 0, sizeof items);
    items[0].plan.add[0] = test_srv("kms1.corp.test", 0, 0, 1688, 3600);
    items[0].plan.nadd = 1;
    items[1].plan.del[0] = test_srv("kms1.corp.test", 5, 5, 1688, 3600); /* not in the batch */
    items[1].plan.ndel = 1;
    items[2].plan.del[0] = test_srv("kms1.corp.test", 1, 1, 1689, 600);
    items[2].plan.ndel = 1;
    items[2].plan.add[0] = test_srv("kms1.corp.test", 1, 1, 1688, 600);
    items[2].plan.nadd = 1;
    const size_t idx[] = {0, 2};
    uint8_t *w = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(kmsdns__update_build("corp.test", items, idx, 2, &w, &len, &cap), KMSDNS_OK);
    assert_true(cap > len); /* room for the TSIG */
    ldns_pkt *p = parse(w, len);
    assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_UPDATE);
    ldns_rr *zone = ldns_rr_list_rr(ldns_pkt_question(p), 0);
    char *zs = ldns_rdf2str(ldns_rr_owner(zone));
    assert_string_equal(zs, "corp.test.");
    free(zs);
    assert_int_equal(ldns_rr_get_type(zone), LDNS_RR_TYPE_SOA);
    assert_int_equal(ldns_pkt_ancount(p), 0); /* no prerequisites */
    const ldns_rr_list *up = ldns_pkt_authority(p);
    assert_int_equal(ldns_rr_list_rr_count(up), 3);
    const ldns_rr *del = ldns_rr_list_rr(up, 0);
    assert_int_equal(ldns_rr_get_class(del), LDNS_RR_CLASS_NONE);
    assert_int_equal(ldns_rr_ttl(del), 0);
    assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(del, 2)), 1689);
    for (size_t k = 1; k < 3; k++) {
        const ldns_rr *add = ldns_rr_list_rr(up, k);
        assert_int_equal(ldns_rr_get_class(add), LDNS_RR_CLASS_IN);
        assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(add, 2)), 1688);
    }
    assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(up, 1)), 3600);
    assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(up, 2)), 600);
    ldns_pkt_free(p);
    free(w);
}

static void test_large_batch(void **state)
{
    (void)state;
    enum { N = 300 };
    struct kmsdns_pub_item *items = calloc(N, sizeof *items);
    size_t idx[N];
    assert_non_null(items);
    for (size_t i = 0; i < N; i++) {
        items[i].plan.add[0] = test_srv("kms1.corp.test", (unsigned)i, 0, 1688, 3600);
        items[i].plan.nadd = 1;
        idx[i] = i;
    }
    uint8_t *w = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(kmsdns__update_build("corp.test", items, idx, N, &w, &len, &cap), KMSDNS_OK);
    ldns_pkt *p = parse(w, len);
    assert_int_equal(ldns_pkt_nscount(p), N);
    assert_int_equal(
        ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_authority(p), 299), 0)), 299);
    ldns_pkt_free(p);
    free(w);
    free(items);
}

static void test_empty_batch(void **state)
{
    (void)state;
    uint8_t *w = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(kmsdns__update_build("corp.test", NULL, NULL, 0, &w, &len, &cap), KMSDNS_OK);
    ldns_pkt *p = parse(w, len);
    assert_int_equal(ldns_pkt_nscount(p), 0);
    ldns_pkt_free(p);
    free(w);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_deletions_then_additions),
              cmocka_unit_test(test_large_batch),
              cmocka_unit_test(test_empty_batch),
          })
