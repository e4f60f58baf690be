/* SPDX-License-Identifier: MIT */
/* The planner: only this host's records change, never another host's, TTLs kept. */
#include "testrr.h"
#include "testutil.h"

#include "kmsdns/error.h"
#include "kmsdns/plan.h"

static struct kmsdns_rrdata addr(uint16_t type, const char *ip)
{
    struct kmsdns_rrdata r = {.type = type, .ttl = 3600};
    strcpy(r.owner, "kms1.corp.test");
    strcpy(r.value, ip);
    return r;
}

/* The plan's action and how many RRs it deletes and adds. */
static void expect_plan(const struct kmsdns_plan *pl, enum kmsdns_action action, size_t ndel,
                        size_t nadd)
{
    assert_int_equal(pl->action, action);
    assert_int_equal(pl->ndel, ndel);
    assert_int_equal(pl->nadd, nadd);
}

static void test_add_to_empty_and_shared(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 100, 1688, 3600);
    assert_int_equal(kmsdns_plan_srv(NULL, 0, &want, 3600, false, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_ADD, 0, 1);
    assert_int_equal(pl.add[0].ttl, 3600);
    /* another host's RRset at TTL 600: ours joins at 600, theirs untouched */
    struct kmsdns_rrdata cur[] = {test_srv("kms2.corp.test", 0, 100, 1688, 600)};
    assert_int_equal(kmsdns_plan_srv(cur, 1, &want, 3600, false, &pl), KMSDNS_OK);
    assert_int_equal(pl.action, KMSDNS_ACTION_ADD);
    assert_int_equal(pl.add[0].ttl, 600);
    assert_int_equal(pl.ndel, 0);
    assert_false(pl.ttl_differs);
}

static void test_unchanged_and_ttl_only(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 100, 1688, 3600);
    struct kmsdns_rrdata cur[] = {test_srv("kms2.corp.test", 5, 5, 1688, 600),
                                  test_srv("kms1.corp.test", 0, 100, 1688, 600)};
    assert_int_equal(kmsdns_plan_srv(cur, 2, &want, 3600, false, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_UNCHANGED, 0, 0);
    assert_true(pl.ttl_differs);
    assert_int_equal(pl.current_ttl, 600);
    assert_int_equal(kmsdns_plan_srv(cur, 2, &want, 600, false, &pl), KMSDNS_OK);
    assert_false(pl.ttl_differs);
}

static void test_replace_only_ours(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 100, 1689, 3600);
    struct kmsdns_rrdata cur[] = {test_srv("kms2.corp.test", 0, 100, 1688, 3600),
                                  test_srv("kms1.corp.test", 0, 100, 1688, 3600),
                                  test_srv("kms1.corp.test", 9, 9, 1700, 3600)};
    assert_int_equal(kmsdns_plan_srv(cur, 3, &want, 3600, false, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_REPLACE, 2, 1);
    assert_string_equal(pl.del[0].value, "kms1.corp.test");
    assert_int_equal(pl.del[0].port, 1688);
    assert_int_equal(pl.del[1].port, 1700);
    assert_int_equal(pl.add[0].port, 1689);
    /* the right RR plus a stale duplicate of ours: delete the stale one only */
    struct kmsdns_rrdata cur2[] = {test_srv("kms1.corp.test", 0, 100, 1689, 3600),
                                   test_srv("kms1.corp.test", 0, 100, 1688, 3600)};
    assert_int_equal(kmsdns_plan_srv(cur2, 2, &want, 3600, false, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_REPLACE, 1, 0);
    assert_int_equal(pl.del[0].port, 1688);
}

static void test_withdraw(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 0, 1688, 3600);
    struct kmsdns_rrdata cur[] = {test_srv("kms2.corp.test", 0, 0, 1688, 3600),
                                  test_srv("kms1.corp.test", 3, 4, 1999, 3600),
                                  test_srv("kms1.corp.test", 0, 0, 1688, 3600)};
    assert_int_equal(kmsdns_plan_srv(cur, 3, &want, 3600, true, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_REMOVE, 2, 0);
    assert_int_equal(kmsdns_plan_srv(cur, 1, &want, 3600, true, &pl), KMSDNS_OK);
    assert_int_equal(pl.action, KMSDNS_ACTION_UNCHANGED);
}

static void test_addresses(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want[] = {addr(LDNS_RR_TYPE_A, "192.0.2.10"),
                                   addr(LDNS_RR_TYPE_AAAA, "2001:db8::10")};
    struct kmsdns_rrdata cur[] = {addr(LDNS_RR_TYPE_A, "192.0.2.99"),
                                  addr(LDNS_RR_TYPE_AAAA, "2001:db8::10")};
    cur[0].ttl = 300;
    assert_int_equal(kmsdns_plan_addresses(cur, 2, want, 2, 3600, false, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_ADD, 0, 1); /* 192.0.2.99 is not ours to remove */
    assert_string_equal(pl.add[0].value, "192.0.2.10");
    assert_int_equal(pl.add[0].ttl, 300); /* joins the A RRset at its TTL */
    assert_int_equal(kmsdns_plan_addresses(cur, 2, want, 2, 3600, true, &pl), KMSDNS_OK);
    assert_int_equal(pl.action, KMSDNS_ACTION_REMOVE);
    assert_int_equal(pl.ndel, 1);
    assert_string_equal(pl.del[0].value, "2001:db8::10");
    assert_int_equal(kmsdns_plan_addresses(want, 2, want, 2, 3600, false, &pl), KMSDNS_OK);
    assert_int_equal(pl.action, KMSDNS_ACTION_UNCHANGED);
}

static void test_too_many(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 0, 1688, 3600);
    struct kmsdns_rrdata cur[KMSDNS_PLAN_MAX + 1];
    for (size_t i = 0; i < KMSDNS_PLAN_MAX + 1; i++)
        cur[i] = test_srv("kms1.corp.test", 1, 1, (unsigned)(2000 + i), 3600);
    assert_int_equal(kmsdns_plan_srv(cur, KMSDNS_PLAN_MAX + 1, &want, 3600, false, &pl),
                     KMSDNS_TOOLONG);
    assert_string_equal(kmsdns_action_name(KMSDNS_ACTION_REPLACE), "replace");
}

/* Refresh: delete-RR + add-RR of exactly what the server holds of ours
 * (its TTL), nothing of kms2's; a plan with changes carries the refresh of
 * what it does not rewrite. */
static void test_refresh(void **state)
{
    (void)state;
    struct kmsdns_plan pl;
    struct kmsdns_rrdata want = test_srv("kms1.corp.test", 0, 100, 1688, 3600);
    struct kmsdns_rrdata cur[] = {test_srv("kms2.corp.test", 0, 100, 1688, 600),
                                  test_srv("kms1.corp.test", 0, 100, 1688, 600)};
    assert_int_equal(kmsdns_plan_srv(cur, 2, &want, 3600, false, &pl), KMSDNS_OK);
    assert_int_equal(kmsdns_plan_refresh(cur, 2, &want, 1, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_REFRESH, 1, 1);
    assert_string_equal(kmsdns_action_name(pl.action), "refresh");
    assert_int_equal(pl.nrefresh, 1);
    assert_string_equal(pl.del[0].value, "kms1.corp.test");
    assert_true(kmsdns_rrdata_same(&pl.del[0], &pl.add[0]));
    assert_int_equal(pl.add[0].ttl, 600); /* the RRset's TTL, not the configured 3600 */
    /* nothing of ours held: nothing to refresh, the add stays an add */
    assert_int_equal(kmsdns_plan_srv(cur, 1, &want, 3600, false, &pl), KMSDNS_OK);
    assert_int_equal(kmsdns_plan_refresh(cur, 1, &want, 1, &pl), KMSDNS_OK);
    assert_int_equal(pl.action, KMSDNS_ACTION_ADD);
    assert_int_equal(pl.nrefresh, 0);
    assert_int_equal(pl.ndel, 0);
    /* addresses: the held one is refreshed, the missing one added, 192.0.2.99 untouched */
    struct kmsdns_rrdata aw[] = {addr(LDNS_RR_TYPE_A, "192.0.2.10"),
                                 addr(LDNS_RR_TYPE_AAAA, "2001:db8::10")};
    struct kmsdns_rrdata ac[] = {addr(LDNS_RR_TYPE_A, "192.0.2.99"),
                                 addr(LDNS_RR_TYPE_AAAA, "2001:db8::10")};
    assert_int_equal(kmsdns_plan_addresses(ac, 2, aw, 2, 3600, false, &pl), KMSDNS_OK);
    assert_int_equal(kmsdns_plan_refresh(ac, 2, aw, 2, &pl), KMSDNS_OK);
    expect_plan(&pl, KMSDNS_ACTION_ADD, 1, 2);
    assert_int_equal(pl.nrefresh, 1);
    assert_string_equal(pl.del[0].value, "2001:db8::10");
    assert_string_equal(pl.add[0].value, "192.0.2.10");
    assert_string_equal(pl.add[1].value, "2001:db8::10");
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_add_to_empty_and_shared),
              cmocka_unit_test(test_unchanged_and_ttl_only),
              cmocka_unit_test(test_replace_only_ours),
              cmocka_unit_test(test_withdraw),
              cmocka_unit_test(test_addresses),
              cmocka_unit_test(test_too_many),
              cmocka_unit_test(test_refresh),
          })
