/* SPDX-License-Identifier: MIT */
/* Building scripted DNS answers with ldns, for the unit tests whose fake
 * transports answer queries (publish, zone). Include after testutil.h. */
#ifndef KMSDNS_TESTPKT_H
#define KMSDNS_TESTPKT_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

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

#endif
