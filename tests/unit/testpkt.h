/* SPDX-License-Identifier: MIT */
/* Building scripted DNS answers with ldns, for the unit tests whose fake
 * transports answer queries (publish, zone). Include after testutil.h. */
#ifndef KMSDNS_TESTPKT_H
#define KMSDNS_TESTPKT_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

#include "kmsdns/transport.h"

/* Appends the RR written in presentation form (default TTL 3600) to section s of p. */
static inline void add_rr(ldns_pkt *p, ldns_pkt_section s, const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL), LDNS_STATUS_OK);
    ldns_pkt_push_rr(p, s, rr);
}

/* Whether q's question name is name (with its trailing dot), in any case. */
static inline bool qname_is(const ldns_pkt *q, const char *name)
{
    char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
    bool same = strcasecmp(s, name) == 0;
    free(s);
    return same;
}

/* Parses exchange x's query into *q and returns an empty authoritative answer
 * to it (same ID, same question); test_reply_send() hands it back. */
static inline ldns_pkt *test_reply_to(const struct kmsdns_exchange *x, ldns_pkt **q)
{
    *q = NULL;
    assert_int_equal(ldns_wire2pkt(q, x->query, x->query_len), LDNS_STATUS_OK);
    ldns_pkt *a = ldns_pkt_new();
    ldns_pkt_set_id(a, ldns_pkt_id(*q));
    ldns_pkt_set_qr(a, true);
    ldns_pkt_set_aa(a, true);
    ldns_rr_list_deep_free(ldns_pkt_question(a));
    ldns_pkt_set_question(a, ldns_rr_list_clone(ldns_pkt_question(*q)));
    ldns_pkt_set_qdcount(a, 1);
    return a;
}

/* Gives exchange x the answer a as wire bytes, then frees a and q. */
static inline void test_reply_send(struct kmsdns_exchange *x, ldns_pkt *a, ldns_pkt *q)
{
    assert_int_equal(ldns_pkt2wire(&x->answer, a, &x->answer_len), LDNS_STATUS_OK);
    ldns_pkt_free(a);
    ldns_pkt_free(q);
}

#endif
