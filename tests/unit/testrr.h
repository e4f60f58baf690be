/* SPDX-License-Identifier: MIT */
/* A hand-made SRV record for the unit tests that plan, audit and select them. */
#ifndef KMSDNS_TESTRR_H
#define KMSDNS_TESTRR_H

#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>

#include "kmsdns/dnsmsg.h"

/* `_vlmcs._tcp.corp.test. TTL IN SRV prio weight port target.` */
static inline struct kmsdns_rrdata test_srv(const char *target, unsigned prio, unsigned weight,
                                            unsigned port, unsigned ttl)
{
    struct kmsdns_rrdata r = {.type = LDNS_RR_TYPE_SRV,
                              .ttl = ttl,
                              .priority = (uint16_t)prio,
                              .weight = (uint16_t)weight,
                              .port = (uint16_t)port};
    snprintf(r.owner, sizeof r.owner, "%s", "_vlmcs._tcp.corp.test");
    snprintf(r.value, sizeof r.value, "%s", target);
    return r;
}

#endif
