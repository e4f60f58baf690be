/* SPDX-License-Identifier: MIT */
/*
 * Answer explanation, pure: each rcode and TSIG outcome of a failed UPDATE
 * becomes the error code the item fails with and a message that names the
 * server, the records, the key or principal, and what to fix.
 */
#include "testutil.h"

#include "kmsdns/error.h"
#include "pubexplain.h"

static struct kmsdns_tsig_check chk;
static char msg[640];

static struct kmsdns__answer answer(ldns_pkt_rcode rcode, int trc)
{
    return (struct kmsdns__answer){.server = "192.0.2.1:53",
                                   .zone = "corp.test",
                                   .records = "_vlmcs._tcp.corp.test SRV and 1 more",
                                   .who = "key 'kmsdns'",
                                   .key_name = "kmsdns",
                                   .alg_name = "hmac-sha256",
                                   .rcode = rcode,
                                   .trc = trc,
                                   .chk = &chk,
                                   .now = 1000000};
}

static int explain(ldns_pkt_rcode rcode, int trc)
{
    struct kmsdns__answer a = answer(rcode, trc);
    return kmsdns__explain_update(&a, msg, sizeof msg);
}

static int reset(void **state)
{
    (void)state;
    memset(&chk, 0, sizeof chk);
    msg[0] = '\0';
    return 0;
}

static void test_texts(void **state)
{
    (void)state;
    char buf[128];
    kmsdns__records_text("_vlmcs._tcp.corp.test", false, 1, buf, sizeof buf);
    assert_string_equal(buf, "_vlmcs._tcp.corp.test SRV");
    kmsdns__records_text("kms1.corp.test", true, 3, buf, sizeof buf);
    assert_string_equal(buf, "kms1.corp.test A/AAAA and 2 more");
    kmsdns__records_text("_vlmcs._tcp.corp.test", false, 9, buf, 10); /* cut, terminated */
    assert_int_equal(strlen(buf), 9);
    kmsdns__who_text("k", "p@R", buf, sizeof buf);
    assert_string_equal(buf, "key 'k'");
    kmsdns__who_text(NULL, "host/kms1@CORP.TEST", buf, sizeof buf);
    assert_string_equal(buf, "principal 'host/kms1@CORP.TEST'");
    kmsdns__who_text(NULL, NULL, buf, sizeof buf);
    assert_string_equal(buf, "unsigned updates");
}

static void test_refused_names_the_policy(void **state)
{
    (void)state;
    assert_int_equal(explain(LDNS_RCODE_REFUSED, KMSDNS_OK), KMSDNS_REFUSED);
    assert_non_null(strstr(msg, "192.0.2.1:53 refused the update of _vlmcs._tcp.corp.test SRV "
                                "and 1 more in zone corp.test: its policy does not let key "
                                "'kmsdns' change this record"));
    assert_non_null(strstr(msg, "BIND update-policy / Knot acl"));
}

static void test_other_rcodes(void **state)
{
    (void)state;
    assert_int_equal(explain(LDNS_RCODE_SERVFAIL, KMSDNS_OK), KMSDNS_SERVFAIL);
    assert_non_null(strstr(msg, "permission denial, so this is probably the record's ACL"));
    assert_non_null(strstr(msg, "grant key 'kmsdns' (or a group of all KMS hosts) Full Control"));
    assert_int_equal(explain(LDNS_RCODE_NOTAUTH, KMSDNS_OK), KMSDNS_NOTAUTH);
    assert_non_null(strstr(msg, "answered NOTAUTH to the update of"));
    explain(LDNS_RCODE_NOTZONE, KMSDNS_OK);
    assert_string_equal(msg, "192.0.2.1:53 answered NOTZONE: _vlmcs._tcp.corp.test SRV and 1 "
                             "more is not inside zone corp.test there");
    explain(LDNS_RCODE_YXDOMAIN, KMSDNS_OK);
    assert_string_equal(msg, "192.0.2.1:53 answered YXDOMAIN to the update of "
                             "_vlmcs._tcp.corp.test SRV and 1 more in zone corp.test");
}

static void test_badtime_says_how_far(void **state)
{
    (void)state;
    chk.error = KMSDNS_TSIG_BADTIME;
    chk.has_time = true;
    chk.server_time = 1000000 + 400;
    assert_int_equal(explain(LDNS_RCODE_NOTAUTH, KMSDNS_BADTIME), KMSDNS_BADTIME);
    assert_non_null(strstr(msg, "TSIG error BADTIME: the clocks differ by 400 s (the server's is "
                                "ahead of ours; TSIG allows 300 s)"));
    chk.server_time = 1000000 - 1000;
    explain(LDNS_RCODE_NOTAUTH, KMSDNS_BADTIME);
    assert_non_null(strstr(msg, "differ by 1000 s (the server's is behind ours"));
    chk.has_time = false;
    explain(LDNS_RCODE_NOTAUTH, KMSDNS_BADTIME);
    assert_non_null(strstr(msg, "the clocks differ by more than 300 s; fix the clock (NTP)"));
}

static void test_badkey_and_badsig(void **state)
{
    (void)state;
    chk.error = KMSDNS_TSIG_BADKEY;
    assert_int_equal(explain(LDNS_RCODE_NOTAUTH, KMSDNS_BADKEY), KMSDNS_BADKEY);
    assert_non_null(strstr(msg, "TSIG error BADKEY: it does not accept key 'kmsdns' "
                                "(hmac-sha256) for this zone"));
    chk.error = KMSDNS_TSIG_BADSIG;
    assert_int_equal(explain(LDNS_RCODE_NOTAUTH, KMSDNS_BADSIG), KMSDNS_BADSIG);
    assert_non_null(strstr(msg, "TSIG error BADSIG: our signature did not verify there"));
}

static void test_noerror_that_proves_nothing(void **state)
{
    (void)state;
    assert_int_equal(explain(LDNS_RCODE_NOERROR, KMSDNS_UNSIGNED), KMSDNS_UNSIGNED);
    assert_non_null(strstr(msg, "answered NOERROR without a TSIG signature"));
    assert_non_null(strstr(msg, "(the change may have been applied: check with --plan)"));
    assert_int_equal(explain(LDNS_RCODE_NOERROR, KMSDNS_BADSIG), KMSDNS_BADSIG);
    assert_non_null(strstr(msg, "but its TSIG signature does not verify with key 'kmsdns'"));
}

static void test_error_answer_outweighs_its_signature(void **state)
{
    (void)state;
    /* AD copies our own TSIG into denials: the rcode is what matters */
    assert_int_equal(explain(LDNS_RCODE_REFUSED, KMSDNS_BADSIG), KMSDNS_REFUSED);
    assert_non_null(strstr(msg, "refused the update of"));
    assert_non_null(strstr(msg, " (the answer's signature could not be verified)"));
    assert_null(strstr(msg, "applied"));
}

TEST_MAIN(NULL, NULL,
          {
              cmocka_unit_test_setup(test_texts, reset),
              cmocka_unit_test_setup(test_refused_names_the_policy, reset),
              cmocka_unit_test_setup(test_other_rcodes, reset),
              cmocka_unit_test_setup(test_badtime_says_how_far, reset),
              cmocka_unit_test_setup(test_badkey_and_badsig, reset),
              cmocka_unit_test_setup(test_noerror_that_proves_nothing, reset),
              cmocka_unit_test_setup(test_error_answer_outweighs_its_signature, reset),
          })
