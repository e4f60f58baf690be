/* SPDX-License-Identifier: MIT */
/*
 * GSS-TSIG's security layer over MIT krb5 and its GSS-API. Secrets never
 * leave this module: keys stay in the keytab and in a MEMORY ccache that
 * dies with the credential; contexts stay opaque behind the TSIG signer.
 * Every krb5 / GSS code is translated here into a message for a DNS admin.
 */
#include "kmsdns/gss.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kmsdns_gss_cred {
    krb5_context kctx;
    krb5_ccache mem;   /* our private cache (keytab case), else NULL */
    char memname[128]; /* its full name, "MEMORY:..." ("" without one) */
    gss_cred_id_t cred;
    char principal[512];
    char realm[256];
};

struct kmsdns_gss_ctx {
    const kmsdns_gss_cred *cred;
    gss_ctx_id_t ctx;
    gss_name_t target;
    char service[512];
    bool done;
};

static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

/* ---- messages --------------------------------------------------------- */

static const char *krb5_advice(krb5_error_code code)
{
    switch (code) {
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
        return "no KDC answered: check the realm's kdc in krb5.conf (KRB5_CONFIG) and that the "
               "KDC runs";
    case KRB5_REALM_UNKNOWN:
        return "the realm is unknown to krb5.conf: check the principal's @REALM and [realms]";
    case KRB5_KT_NOTFOUND:
        return "the keytab holds no key for this principal: check keytab and principal "
               "(klist -k KEYTAB)";
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return "the KDC does not know this client principal";
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return "the KDC does not know the DNS server's principal: set [dns] server-principal "
               "to the name the server's keytab holds";
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        return "the key does not match the KDC's: the keytab is outdated (kvno) or for "
               "another principal";
    case KRB5KRB_AP_ERR_SKEW:
        return "the clocks of this host and the KDC or DNS server differ by more than the "
               "allowed skew (5 minutes by default): fix the clock (NTP)";
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return "the Kerberos ticket has expired: run kinit again (or use a keytab)";
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
        return "no Kerberos credentials: run kinit, or set [dns] keytab and principal";
    }
    return "";
}

static int krb5_fail(krb5_context k, krb5_error_code code, struct kmsdns_diag *diag,
                     const char *what)
{
    const char *text = k != NULL ? krb5_get_error_message(k, code) : "Kerberos error";
    const char *advice = krb5_advice(code);
    int rc = (code == KRB5_KDC_UNREACH || code == KRB5_REALM_CANT_RESOLVE) ? KMSDNS_UNREACHABLE
                                                                           : KMSDNS_KRB5;
    kmsdns_diag_set(diag, rc, NULL, 0, "%s: %s%s%s", what, text, advice[0] ? "; " : "", advice);
    if (k != NULL)
        krb5_free_error_message(k, text);
    return rc;
}

/* The text of a GSS status into buf: the mechanism's (Kerberos) reason when
 * there is one, it says more than the generic major status. */
static void gss_text(OM_uint32 major, OM_uint32 minor, char *buf, size_t cap)
{
    OM_uint32 m, ctx = 0;
    gss_buffer_desc s;
    if (minor != 0 &&
        gss_display_status(&m, minor, GSS_C_MECH_CODE, (gss_OID)gss_mech_krb5, &ctx, &s) == 0) {
        snprintf(buf, cap, "%.*s", (int)s.length, (const char *)s.value);
        gss_release_buffer(&m, &s);
        return;
    }
    size_t o = 0;
    buf[0] = '\0';
    do {
        if (gss_display_status(&m, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &s) != 0)
            break;
        o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%.*s", o ? "; " : "",
                              (int)s.length, (const char *)s.value);
        gss_release_buffer(&m, &s);
    } while (ctx != 0 && o < cap);
}

static int gss_fail(OM_uint32 major, OM_uint32 minor, struct kmsdns_diag *diag, const char *what)
{
    char text[512];
    gss_text(major, minor, text, sizeof text);
    const char *advice = krb5_advice((krb5_error_code)minor);
    int rc = (krb5_error_code)minor == KRB5_KDC_UNREACH ? KMSDNS_UNREACHABLE
             : minor != 0                               ? KMSDNS_KRB5
                                                        : KMSDNS_GSS;
    kmsdns_diag_set(diag, rc, NULL, 0, "%s: %s%s%s", what, text, advice[0] ? "; " : "", advice);
    return rc;
}

/* ---- credentials ------------------------------------------------------- */

static void fill_names(kmsdns_gss_cred *c, krb5_principal p)
{
    char *name = NULL;
    if (krb5_unparse_name(c->kctx, p, &name) == 0) {
        snprintf(c->principal, sizeof c->principal, "%s", name);
        krb5_free_unparsed_name(c->kctx, name);
    }
    snprintf(c->realm, sizeof c->realm, "%.*s", (int)p->realm.length, p->realm.data);
}

/* The client principal: `principal`, else host/<fqdn> (default realm when none given). */
static int client_name(kmsdns_gss_cred *c, const char *principal, const char *fqdn,
                       krb5_principal *out, struct kmsdns_diag *diag)
{
    char buf[512];
    if (principal == NULL || principal[0] == '\0')
        snprintf(buf, sizeof buf, "host/%s", fqdn);
    else
        snprintf(buf, sizeof buf, "%s", principal);
    krb5_error_code e = krb5_parse_name(c->kctx, buf, out);
    if (e != 0) {
        char what[600];
        snprintf(what, sizeof what, "principal '%s'", buf);
        return krb5_fail(c->kctx, e, diag, what);
    }
    return KMSDNS_OK;
}

static int from_keytab(kmsdns_gss_cred *c, const char *keytab, krb5_principal me,
                       struct kmsdns_diag *diag)
{
    krb5_keytab kt = NULL;
    krb5_creds creds;
    char what[1100], ktname[600];
    memset(&creds, 0, sizeof creds);
    snprintf(ktname, sizeof ktname, "FILE:%s", keytab);
    snprintf(what, sizeof what, "cannot get a ticket for %s from keytab %s", c->principal, keytab);
    krb5_error_code e = krb5_kt_resolve(c->kctx, ktname, &kt);
    if (e == 0)
        e = krb5_get_init_creds_keytab(c->kctx, &creds, me, kt, 0, NULL, NULL);
    if (e == 0)
        e = krb5_cc_new_unique(c->kctx, "MEMORY", NULL, &c->mem);
    if (e == 0)
        e = krb5_cc_initialize(c->kctx, c->mem, me);
    if (e == 0)
        e = krb5_cc_store_cred(c->kctx, c->mem, &creds);
    krb5_free_cred_contents(c->kctx, &creds);
    if (kt != NULL)
        krb5_kt_close(c->kctx, kt);
    if (e != 0)
        return krb5_fail(c->kctx, e, diag, what);
    /* GSS takes the cache by name, for every mechanism SPNEGO may pick. */
    char *full = NULL;
    e = krb5_cc_get_full_name(c->kctx, c->mem, &full);
    if (e != 0)
        return krb5_fail(c->kctx, e, diag, what);
    if (strlen(full) < sizeof c->memname)
        memcpy(c->memname, full, strlen(full) + 1);
    gss_key_value_element_desc el = {"ccache", full};
    gss_key_value_set_desc store = {1, &el};
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc b = {strlen(c->principal), c->principal};
    OM_uint32 minor, major = gss_import_name(&minor, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    if (!GSS_ERROR(major))
        major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                      GSS_C_INITIATE, &store, &c->cred, NULL, NULL);
    gss_release_name(&minor, &name);
    krb5_free_string(c->kctx, full);
    if (GSS_ERROR(major))
        return gss_fail(major, minor, diag, "cannot use the ticket from the keytab");
    return KMSDNS_OK;
}

/* The caller's ccache: its principal (or `me`), checked for a ticket that has not expired. */
static int from_ccache(kmsdns_gss_cred *c, krb5_principal me, struct kmsdns_diag *diag)
{
    krb5_ccache cc = NULL;
    krb5_principal who = NULL;
    krb5_error_code e = krb5_cc_default(c->kctx, &cc);
    if (e == 0)
        e = krb5_cc_get_principal(c->kctx, cc, &who);
    if (cc != NULL)
        krb5_cc_close(c->kctx, cc);
    if (e != 0)
        return krb5_fail(c->kctx, e, diag, "no Kerberos credentials in the default ccache");
    fill_names(c, me != NULL ? me : who);
    krb5_free_principal(c->kctx, who);
    gss_name_t name = GSS_C_NO_NAME;
    OM_uint32 minor, major = 0, life = 0;
    if (me != NULL) {
        gss_buffer_desc b = {strlen(c->principal), c->principal};
        major = gss_import_name(&minor, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    }
    if (!GSS_ERROR(major))
        major = gss_acquire_cred(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_INITIATE,
                                 &c->cred, NULL, &life);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major))
        return gss_fail(major, minor, diag, "cannot use the Kerberos credentials of the ccache");
    if (life == 0)
        return kmsdns_diag_set(diag, KMSDNS_KRB5, NULL, 0,
                               "the Kerberos ticket of %s in the ccache has expired: run kinit "
                               "again (or use a keytab)",
                               c->principal);
    return KMSDNS_OK;
}

int kmsdns_gss_cred_acquire(const char *keytab, const char *principal, const char *fqdn,
                            kmsdns_gss_cred **out, struct kmsdns_diag *diag)
{
    kmsdns_gss_cred *c = calloc(1, sizeof *c);
    *out = NULL;
    if (c == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    c->cred = GSS_C_NO_CREDENTIAL;
    krb5_error_code e = krb5_init_context(&c->kctx);
    if (e != 0) {
        free(c);
        return krb5_fail(NULL, e, diag, "cannot initialise Kerberos (check krb5.conf)");
    }
    krb5_principal me = NULL;
    int rc = KMSDNS_OK;
    if (keytab != NULL || (principal != NULL && principal[0] != '\0'))
        rc = client_name(c, principal, fqdn, &me, diag);
    if (rc == KMSDNS_OK && me != NULL)
        fill_names(c, me);
    if (rc == KMSDNS_OK)
        rc = keytab != NULL ? from_keytab(c, keytab, me, diag) : from_ccache(c, me, diag);
    if (me != NULL)
        krb5_free_principal(c->kctx, me);
    if (rc != KMSDNS_OK) {
        kmsdns_gss_cred_free(c);
        return rc;
    }
    *out = c;
    return KMSDNS_OK;
}

void kmsdns_gss_cred_free(kmsdns_gss_cred *c)
{
    if (c == NULL)
        return;
    OM_uint32 minor;
    if (c->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &c->cred);
    if (c->mem != NULL)
        krb5_cc_destroy(c->kctx, c->mem);
    krb5_free_context(c->kctx);
    free(c);
}

const char *kmsdns_gss_cred_ccache(const kmsdns_gss_cred *c)
{
    return c->memname[0] != '\0' ? c->memname : NULL;
}

const char *kmsdns_gss_cred_principal(const kmsdns_gss_cred *c)
{
    return c->principal;
}

const char *kmsdns_gss_cred_realm(const kmsdns_gss_cred *c)
{
    return c->realm;
}

/* ---- contexts ----------------------------------------------------------- */

static int copy_token(gss_buffer_t t, uint8_t **out, size_t *outlen)
{
    *outlen = t->length;
    *out = malloc(t->length ? t->length : 1);
    if (*out == NULL)
        return KMSDNS_NOMEM;
    if (t->length)
        memcpy(*out, t->value, t->length);
    return KMSDNS_OK;
}

/*
 * SPNEGO reports a failed first step without the Kerberos reason (the KDC
 * does not know the service, the clocks differ, ...). Asking the krb5
 * mechanism directly yields it; the probe context is thrown away.
 */
static void krb5_cause(kmsdns_gss_ctx *x, OM_uint32 *major, OM_uint32 *minor)
{
    OM_uint32 m, min2 = 0;
    gss_ctx_id_t probe = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = {0, NULL};
    OM_uint32 maj2 = gss_init_sec_context(
        &min2, x->cred->cred, &probe, x->target, (gss_OID)gss_mech_krb5, GSS_C_MUTUAL_FLAG, 0,
        GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    gss_release_buffer(&m, &out);
    if (probe != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &probe, GSS_C_NO_BUFFER);
    if (GSS_ERROR(maj2) && min2 != 0) {
        *major = maj2;
        *minor = min2;
    }
}

/* One call of gss_init_sec_context with the server's token (none the first time). */
static int init_step(kmsdns_gss_ctx *x, const uint8_t *in, size_t inlen, uint8_t **out,
                     size_t *outlen, struct kmsdns_diag *diag)
{
    OM_uint32 minor, flags = 0;
    gss_buffer_desc input = {inlen, (void *)in}, output = {0, NULL};
    OM_uint32 major = gss_init_sec_context(
        &minor, x->cred->cred, &x->ctx, x->target, &spnego_oid,
        GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_INTEG_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
        in != NULL ? &input : GSS_C_NO_BUFFER, NULL, &output, &flags, NULL);
    if (GSS_ERROR(major) && in == NULL)
        krb5_cause(x, &major, &minor);
    if (GSS_ERROR(major)) {
        OM_uint32 m;
        gss_release_buffer(&m, &output); /* keeps minor for the message */
        char what[700];
        snprintf(what, sizeof what, "GSS-API context with %s as %s failed", x->service,
                 x->cred->principal);
        return gss_fail(major, minor, diag, what);
    }
    int rc = copy_token(&output, out, outlen);
    gss_release_buffer(&minor, &output);
    x->done = major == GSS_S_COMPLETE;
    if (rc == KMSDNS_OK && x->done && !(flags & GSS_C_MUTUAL_FLAG))
        return kmsdns_diag_set(diag, KMSDNS_GSS, NULL, 0,
                               "the context with %s was established without mutual "
                               "authentication: the server did not prove its identity",
                               x->service);
    return rc;
}

int kmsdns_gss_ctx_new(const kmsdns_gss_cred *cred, const char *service, kmsdns_gss_ctx **ctx,
                       uint8_t **out, size_t *outlen, struct kmsdns_diag *diag)
{
    kmsdns_gss_ctx *x = calloc(1, sizeof *x);
    *ctx = NULL;
    if (x == NULL)
        return kmsdns_diag_set(diag, KMSDNS_NOMEM, NULL, 0, "out of memory");
    x->cred = cred;
    x->ctx = GSS_C_NO_CONTEXT;
    snprintf(x->service, sizeof x->service, "%s", service);
    gss_buffer_desc b = {strlen(x->service), x->service};
    OM_uint32 minor, major = gss_import_name(&minor, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &x->target);
    int rc = GSS_ERROR(major) ? gss_fail(major, minor, diag, "bad server principal")
                              : init_step(x, NULL, 0, out, outlen, diag);
    if (rc != KMSDNS_OK) {
        kmsdns_gss_ctx_free(x);
        return rc;
    }
    *ctx = x;
    return KMSDNS_OK;
}

int kmsdns_gss_ctx_step(kmsdns_gss_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
                        size_t *outlen, bool *done, struct kmsdns_diag *diag)
{
    int rc = init_step(ctx, in, inlen, out, outlen, diag);
    *done = rc == KMSDNS_OK && ctx->done;
    return rc;
}

void kmsdns_gss_ctx_free(kmsdns_gss_ctx *x)
{
    if (x == NULL)
        return;
    OM_uint32 minor;
    if (x->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &x->ctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &x->target);
    free(x);
}

static int mic_mac(void *c, const uint8_t *data, size_t len, uint8_t *out, size_t *outlen)
{
    kmsdns_gss_ctx *x = c;
    OM_uint32 minor;
    gss_buffer_desc msg = {len, (void *)data}, tok = {0, NULL};
    if (GSS_ERROR(gss_get_mic(&minor, x->ctx, GSS_C_QOP_DEFAULT, &msg, &tok)))
        return KMSDNS_GSS;
    int rc = tok.length <= KMSDNS_TSIG_MAC_MAX ? KMSDNS_OK : KMSDNS_TOOLONG;
    if (rc == KMSDNS_OK) {
        memcpy(out, tok.value, tok.length);
        *outlen = tok.length;
    }
    gss_release_buffer(&minor, &tok);
    return rc;
}

static int mic_check(void *c, const uint8_t *data, size_t len, const uint8_t *mac, size_t maclen)
{
    kmsdns_gss_ctx *x = c;
    OM_uint32 minor;
    gss_buffer_desc msg = {len, (void *)data}, tok = {maclen, (void *)mac};
    OM_uint32 major = gss_verify_mic(&minor, x->ctx, &msg, &tok, NULL);
    return GSS_ERROR(major) ? KMSDNS_BADSIG : KMSDNS_OK;
}

void kmsdns_gss_signer(kmsdns_gss_ctx *ctx, const char *key_name, const char *alg_name,
                       struct kmsdns_tsig_signer *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->key_name, sizeof out->key_name, "%s", key_name);
    snprintf(out->alg_name, sizeof out->alg_name, "%s", alg_name);
    out->mac = mic_mac;
    out->check = mic_check;
    out->ctx = ctx;
    out->gss_variants = true;
}
