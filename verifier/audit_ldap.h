/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-verify --ldap: the audit's records as an AD DC's directory holds
 * them (their aging timestamps) and the zone's aging settings, read from
 * the LDAP service of each DNS server over OpenLDAP's libldap with a SASL
 * GSSAPI bind (never a simple bind). Plugs into the audit as its
 * kmsdns_audit_ldap seam.
 */
#ifndef KMSDNS_AUDIT_LDAP_H
#define KMSDNS_AUDIT_LDAP_H

#include "audit.h"

typedef struct kmsdns_ldap kmsdns_ldap;

/*
 * A reader. keytab non-NULL: a ticket for principal (default host/<fqdn>)
 * from the keytab, into a private MEMORY ccache that only this reader's
 * binds use; else the caller's ccache. A failure to get credentials is not
 * returned: every read then reports it (ldap-error). timeout_ms bounds each
 * connect and each LDAP operation. NULL when out of memory. Free with
 * kmsdns_ldap_free().
 */
kmsdns_ldap *kmsdns_ldap_new(const char *keytab, const char *principal, const char *fqdn,
                             unsigned timeout_ms);
void kmsdns_ldap_free(kmsdns_ldap *l);

/* The audit seam over reader l (l must outlive it). */
void kmsdns_ldap_seam(kmsdns_ldap *l, struct kmsdns_audit_ldap *out);

#endif
