/* SPDX-License-Identifier: MIT */
/* A hand-made server observation for the unit tests of the audit's checks.
 * Include after testutil.h and audit.h; free with kmsdns_server_obs_deinit(). */
#ifndef KMSDNS_TESTOBS_H
#define KMSDNS_TESTOBS_H

#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A server at addr that answered authoritatively with v[0..n) (NXDOMAIN when
 * n is 0), zone serial `serial`, every target with the one A record ip. */
static inline void test_server_obs(struct kmsdns_server_obs *o, const char *addr,
                                   const struct kmsdns_rrdata *v, size_t n, uint32_t serial,
                                   const char *ip)
{
    memset(o, 0, sizeof *o);
    kmsdns_addr_parse(addr, 53, 0, &o->addr, NULL);
    o->answered = o->aa = true;
    o->rcode = n ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN;
    o->srv = calloc(n + 1, sizeof *o->srv);
    assert_non_null(o->srv);
    if (n > 0)
        memcpy(o->srv, v, n * sizeof *v);
    o->nsrv = n;
    o->has_serial = true;
    o->serial = serial;
    o->targets = calloc(8, sizeof *o->targets);
    assert_non_null(o->targets);
    for (size_t i = 0; i < n; i++) {
        struct kmsdns_target_obs *t = &o->targets[o->ntargets++];
        snprintf(t->name, sizeof t->name, "%s", v[i].value);
        t->asked = t->answered = true;
        t->addrs[0] = (struct kmsdns_ip){.type = LDNS_RR_TYPE_A};
        snprintf(t->addrs[0].value, sizeof t->addrs[0].value, "%s", ip);
        t->naddrs = 1;
    }
}

#endif
