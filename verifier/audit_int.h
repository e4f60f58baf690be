/* SPDX-License-Identifier: MIT */
/*
 * The audit engine's answer walks (audit.c), kept apart from its c-ares
 * plumbing so that a unit test and a fuzz target can reach them: each reads
 * one parsed answer, which came from the network and may hold anything
 * ldns accepts (records without RDATA, names of any case, repeated RRs), and
 * fills plain data. None of them sends a query or keeps a pointer into the
 * packet unless it says so. Not part of the library's contract.
 */
#ifndef KMSDNS_AUDIT_INT_H
#define KMSDNS_AUDIT_INT_H

#include "audit.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMSDNS__AUDIT_MAX_TARGETS 16 /* distinct targets followed per SRV RRset */
#define KMSDNS__AUDIT_MAX_NS 8       /* NS names followed per zone */

/*
 * A server's SRV answer for owner into o, which must be zeroed but for its
 * address and client_view: answered, rcode, AA and the SRV RRset; when that
 * answer can be judged (authoritative, or the client view; NOERROR or
 * NXDOMAIN), the distinct targets to ask for addresses (at most
 * KMSDNS__AUDIT_MAX_TARGETS, "." left out), each marked asked and answered
 * until its answers say otherwise. o->srv and o->targets are malloc'd: free
 * them with kmsdns_server_obs_deinit().
 */
void kmsdns__audit_srv_answer(struct kmsdns_server_obs *o, const char *owner, const ldns_pkt *p);

/*
 * A server's answer to the SOA question for owner: true when it is
 * authoritative and names owner's zone (kmsdns_zone_soa_of), with the
 * serial, the zone and its primary (the SOA MNAME); false leaves all three.
 */
bool kmsdns__audit_soa_answer(const ldns_pkt *p, const char *owner, uint32_t *serial,
                              char zone[KMSDNS_NAME_BUF], char primary[KMSDNS_NAME_BUF]);

/*
 * A server's A or AAAA (type) answer for target t (t->name set by
 * kmsdns__audit_srv_answer): without authority (unless client_view) or
 * REFUSED, t is marked not asked; otherwise a CNAME anywhere in the answer
 * marks an alias and the addresses of `type` at t->name are added, at most
 * KMSDNS_AUDIT_ADDRS in all. Called once for A and once for AAAA.
 */
void kmsdns__audit_addr_answer(struct kmsdns_target_obs *t, uint16_t type, bool client_view,
                               const ldns_pkt *p);

/*
 * A server's SRV answer for near miss `name` (srv-misnamed) into n: marked
 * answered when it is authoritative NOERROR or NXDOMAIN, and then the SRV
 * records at name (n->srv malloc'd: free with kmsdns_server_obs_deinit()).
 */
void kmsdns__audit_near_answer(struct kmsdns_near_obs *n, const char *name, const ldns_pkt *p);

#endif
