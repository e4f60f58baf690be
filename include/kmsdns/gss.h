/* SPDX-License-Identifier: MIT */
/*
 * Kerberos credentials and GSS-API security contexts for GSS-TSIG
 * (RFC 3645). Credentials come from a keytab, acquired into a private
 * in-memory cache (nothing is written to the user's ccache), or from the
 * caller's existing ccache. A context is established with SPNEGO and mutual
 * authentication, then signs and verifies TSIG MACs as a
 * kmsdns_tsig_signer. Every failure is translated into a message that names
 * the principal, the realm or the KDC and says what to do.
 */
#ifndef KMSDNS_GSS_H
#define KMSDNS_GSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsdns/error.h"
#include "kmsdns/tsig.h"

typedef struct kmsdns_gss_cred kmsdns_gss_cred;
typedef struct kmsdns_gss_ctx kmsdns_gss_ctx;

/*
 * Acquires credentials. keytab non-NULL: a ticket for `principal` (default
 * host/<fqdn>; without @REALM the default realm) from the keytab, into a
 * memory cache. keytab NULL: the caller's ccache (for `principal` when set).
 * Errors (diag says which and what to do): KMSDNS_KRB5 (no key in the
 * keytab, unknown client, wrong password/key, no or expired credentials,
 * unknown realm), KMSDNS_UNREACHABLE (no KDC answered), KMSDNS_NOMEM.
 * Free with kmsdns_gss_cred_free().
 */
int kmsdns_gss_cred_acquire(const char *keytab, const char *principal, const char *fqdn,
                            kmsdns_gss_cred **out, struct kmsdns_diag *diag);
void kmsdns_gss_cred_free(kmsdns_gss_cred *cred);

/* The private memory cache that holds the keytab's ticket ("MEMORY:..."),
 * for a library that takes a cache by name (SASL GSSAPI); NULL when cred
 * is the caller's ccache. Valid while cred lives. */
const char *kmsdns_gss_cred_ccache(const kmsdns_gss_cred *cred);

/* The client principal ("host/kms1.example.test@EXAMPLE.TEST"); valid while cred lives. */
const char *kmsdns_gss_cred_principal(const kmsdns_gss_cred *cred);

/* The realm to use for the DNS server's principal (the client's realm). */
const char *kmsdns_gss_cred_realm(const kmsdns_gss_cred *cred);

/*
 * Starts a context towards `service` ("DNS/ns1.example.test@EXAMPLE.TEST")
 * and makes the first token (*out, malloc'd; free with free()).
 * KMSDNS_KRB5 / KMSDNS_GSS / KMSDNS_UNREACHABLE with diag. Free the context
 * with kmsdns_gss_ctx_free() (cred must outlive it).
 */
int kmsdns_gss_ctx_new(const kmsdns_gss_cred *cred, const char *service, kmsdns_gss_ctx **ctx,
                       uint8_t **out, size_t *outlen, struct kmsdns_diag *diag);

/*
 * Feeds the server's token. *done is set when the context is established
 * (mutual authentication verified); otherwise *out holds the next token to
 * send (malloc'd, possibly empty).
 */
int kmsdns_gss_ctx_step(kmsdns_gss_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
                        size_t *outlen, bool *done, struct kmsdns_diag *diag);

void kmsdns_gss_ctx_free(kmsdns_gss_ctx *ctx);

/* A TSIG signer over an established context (ctx must outlive it). */
void kmsdns_gss_signer(kmsdns_gss_ctx *ctx, const char *key_name, const char *alg_name,
                       struct kmsdns_tsig_signer *out);

#endif
