/* SPDX-License-Identifier: MIT */
/* RFC 2782 selection: priority order, weighted shares over many draws, weight-0 rules. */
#include "testrr.h"
#include "testutil.h"

#include "srv.h"

#include <math.h>

/* Every lower priority comes before any higher one; "." is never tried. */
static void test_priority_order(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("c", 20, 5, 1688, 0), test_srv("a", 0, 0, 1688, 0),
                                test_srv("dot", 5, 9, 1688, 0), test_srv("b", 10, 1, 1688, 0),
                                test_srv("a2", 0, 50, 1688, 0)};
    snprintf(v[2].value, sizeof v[2].value, ".");
    struct kmsdns_rng g;
    kmsdns_rng_seed(&g, 42);
    size_t order[5];
    for (int round = 0; round < 1000; round++) {
        assert_int_equal(kmsdns_srv_order(v, 5, &g, order), 4);
        assert_true(v[order[0]].priority == 0 && v[order[1]].priority == 0);
        assert_string_equal(v[order[2]].value, "b");
        assert_string_equal(v[order[3]].value, "c");
    }
    assert_int_equal(kmsdns_srv_order(v, 0, &g, order), 0);
}

/* |observed - expected| within 5 standard deviations of a binomial count. */
static void assert_share(unsigned got, unsigned draws, double p)
{
    double sd = sqrt(draws * p * (1 - p));
    if (fabs(got - draws * p) > 5 * sd + 1)
        fail_msg("%u of %u draws, expected %.0f +- %.0f", got, draws, draws * p, 5 * sd);
}

/* Over 100,000 draws the first choice follows the weights (RFC 2782: sum+1 outcomes). */
static void test_weighted_shares(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("w10", 0, 10, 1688, 0), test_srv("w30", 0, 30, 1688, 0),
                                test_srv("w60", 0, 60, 1688, 0)};
    struct kmsdns_rng g;
    kmsdns_rng_seed(&g, 2782);
    unsigned first[3] = {0}, second[3] = {0};
    size_t order[3];
    const unsigned draws = 100000;
    for (unsigned i = 0; i < draws; i++) {
        assert_int_equal(kmsdns_srv_order(v, 3, &g, order), 3);
        first[order[0]]++;
        second[order[1]]++;
    }
    /* random in 0..100: a weight's worth of outcomes each, plus outcome 0 for the one that
     * the random arrangement put first (a third of the time each) */
    assert_share(first[0], draws, (10 + 1.0 / 3) / 101);
    assert_share(first[1], draws, (30 + 1.0 / 3) / 101);
    assert_share(first[2], draws, (60 + 1.0 / 3) / 101);
    /* all three are always ordered, each exactly once */
    assert_int_equal(second[0] + second[1] + second[2], draws);
}

/* Weight 0: chosen first only when the random number is 0; all-zero sets are uniform. */
static void test_weight_zero(void **state)
{
    (void)state;
    struct kmsdns_rng g;
    kmsdns_rng_seed(&g, 7);
    size_t order[3];
    const unsigned draws = 100000;
    struct kmsdns_rrdata some[] = {test_srv("w0", 0, 0, 1688, 0), test_srv("w9", 0, 9, 1688, 0)};
    unsigned zero_first = 0;
    for (unsigned i = 0; i < draws; i++) {
        kmsdns_srv_order(some, 2, &g, order);
        zero_first += order[0] == 0;
    }
    assert_share(zero_first, draws, 1.0 / 10); /* random in 0..9: only 0 picks w0 */
    struct kmsdns_rrdata zeros[] = {test_srv("a", 0, 0, 1688, 0), test_srv("b", 0, 0, 1688, 0),
                                    test_srv("c", 0, 0, 1688, 0)};
    unsigned first[3] = {0};
    for (unsigned i = 0; i < draws; i++) {
        assert_int_equal(kmsdns_srv_order(zeros, 3, &g, order), 3);
        first[order[0]]++;
    }
    /* the sum is 0, so the first of the random arrangement is taken: equal chances */
    for (int i = 0; i < 3; i++)
        assert_share(first[i], draws, 1.0 / 3);
}

/* The same seed gives the same order: the fleet rehearsal is reproducible. */
static void test_seeded(void **state)
{
    (void)state;
    struct kmsdns_rrdata v[] = {test_srv("a", 0, 1, 1688, 0), test_srv("b", 0, 1, 1688, 0),
                                test_srv("c", 0, 1, 1688, 0), test_srv("d", 0, 1, 1688, 0)};
    struct kmsdns_rng g1, g2;
    kmsdns_rng_seed(&g1, 99);
    kmsdns_rng_seed(&g2, 99);
    size_t o1[4], o2[4];
    for (int i = 0; i < 100; i++) {
        kmsdns_srv_order(v, 4, &g1, o1);
        kmsdns_srv_order(v, 4, &g2, o2);
        assert_memory_equal(o1, o2, sizeof o1);
    }
    for (int i = 0; i < 1000; i++)
        assert_true(kmsdns_rng_upto(&g1, 6) <= 6);
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test(test_priority_order),
              cmocka_unit_test(test_weighted_shares),
              cmocka_unit_test(test_weight_zero),
              cmocka_unit_test(test_seeded),
          })
