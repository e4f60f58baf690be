/* SPDX-License-Identifier: MIT */
/*
 * The --ldap reader. Per DNS server, once per run: a TCP connection to port
 * 389 of its address, an anonymous read of the rootDSE (defaultNamingContext,
 * dnsHostName), then a second connection, named by that host name, bound
 * with SASL GSSAPI: the service principal is ldap/<host> (SASL told not to
 * canonicalise), which a bare address would never match. Each domain then
 * costs a few base-object searches: the zone's dNSProperty and the nodes'
 * dnsRecord, decoded by dnsrecord.c. With a keytab, the credentials live in
 * a MEMORY ccache the GSS library is pointed at only around our binds
 * (gss_krb5_ccache_name); nothing is written to disk. Whatever fails is
 * kept as that server's error (ldap-error) and the audit goes on.
 */
#include "audit_ldap.h"
#include "kmsdns/clock.h"
#include "kmsdns/error.h"
#include "kmsdns/gss.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gssapi/gssapi_krb5.h>
#include <ldap.h>
#include <openldap.h>
#include <poll.h>
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS 64

struct session {
    struct kmsdns_addr addr;
    LDAP *ld;       /* bound, or NULL */
    char base[512]; /* defaultNamingContext */
    char error[256];
};

struct kmsdns_ldap {
    unsigned timeout_ms;
    kmsdns_gss_cred *cred; /* with a keytab: its ticket in a memory cache */
    char cred_error[256];  /* credentials could not be had: every read says so */
    struct session s[MAX_SESSIONS];
    size_t n;
};

/* What a server said, made safe to print: printable ASCII, cut to cap. */
static void clean(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    for (; src != NULL && *src != '\0' && o + 1 < cap; src++)
        dst[o++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
    dst[o] = '\0';
}

/* ---- credentials ------------------------------------------------------------- */

/* The keytab's ticket in a private memory cache (kmsdns/gss.h, as GSS-TSIG
 * gets it); on failure every read reports why. */
static void creds_from_keytab(kmsdns_ldap *l, const char *keytab, const char *principal,
                              const char *fqdn)
{
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_gss_cred_acquire(keytab, principal, fqdn != NULL ? fqdn : "", &l->cred, &d) !=
        KMSDNS_OK)
        clean(l->cred_error, sizeof l->cred_error, d.text);
}

kmsdns_ldap *kmsdns_ldap_new(const char *keytab, const char *principal, const char *fqdn,
                             unsigned timeout_ms)
{
    kmsdns_ldap *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->timeout_ms = timeout_ms ? timeout_ms : 3000;
    if (keytab != NULL && keytab[0] != '\0')
        creds_from_keytab(l, keytab, principal, fqdn);
    return l;
}

void kmsdns_ldap_free(kmsdns_ldap *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->s[i].ld != NULL)
            ldap_unbind_ext_s(l->s[i].ld, NULL, NULL);
    kmsdns_gss_cred_free(l->cred);
    free(l);
}

/* ---- connections ------------------------------------------------------------- */

/* A TCP connection to port 389 of a's address within the timeout; -1 with why. */
static int connect_389(const kmsdns_ldap *l, const struct kmsdns_addr *a, char *why, size_t cap)
{
    struct sockaddr_storage ss = a->ss;
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons(389);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(389);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, cap, "socket: %s", strerror(errno));
        return -1;
    }
    int rc = connect(fd, (struct sockaddr *)&ss, a->len);
    if (rc != 0 && errno == EINPROGRESS) {
        struct kmsdns_wait w = {
            .fd = fd, .events = POLLOUT, .deadline = kmsdns_now_ms() + l->timeout_ms};
        int err = 0;
        socklen_t el = sizeof err;
        rc = kmsdns_wait(&w, 1);
        if (rc > 0 && w.expired)
            rc = 0;
        if (rc == 0) {
            snprintf(why, cap, "no connection to port 389 within %u ms", l->timeout_ms);
            close(fd);
            return -1;
        }
        if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
            rc = 0;
        else
            errno = err ? err : errno, rc = -1;
    }
    if (rc != 0) {
        snprintf(why, cap, "connecting to port 389: %s", strerror(errno));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* An LDAPv3 handle over a fresh connection to a, its URL naming `host`. */
static LDAP *open_ld(const kmsdns_ldap *l, const struct kmsdns_addr *a, const char *host, char *why,
                     size_t cap)
{
    int fd = connect_389(l, a, why, cap);
    if (fd < 0)
        return NULL;
    char url[600];
    snprintf(url, sizeof url, "ldap://%s:389", host);
    LDAP *ld = NULL;
    int rc = ldap_init_fd(fd, LDAP_PROTO_TCP, url, &ld);
    if (rc != LDAP_SUCCESS) {
        snprintf(why, cap, "LDAP: %s", ldap_err2string(rc));
        close(fd);
        return NULL;
    }
    int v3 = LDAP_VERSION3;
    struct timeval tv = {l->timeout_ms / 1000, (l->timeout_ms % 1000) * 1000};
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);
    return ld;
}

/* The LDAP error of an operation, with the server's diagnostic, into why. */
static void ld_error(LDAP *ld, int rc, const char *what, char *why, size_t cap)
{
    char *diag = NULL;
    char text[160] = "";
    if (ld != NULL && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == 0 && diag != NULL)
        clean(text, sizeof text, diag);
    ldap_memfree(diag);
    snprintf(why, cap, "%s: %s%s%s", what, ldap_err2string(rc), text[0] ? " - " : "", text);
}

/* One base-object search; the first entry's values of attr (free with
 * ber_bvecfree), or NULL with why (NULL and *missing set when the object
 * does not exist). */
static struct berval **read_attr(const kmsdns_ldap *l, LDAP *ld, const char *dn, const char *attr,
                                 bool *missing, char *why, size_t cap)
{
    char *attrs[] = {(char *)attr, NULL};
    struct timeval tv = {l->timeout_ms / 1000, (l->timeout_ms % 1000) * 1000};
    LDAPMessage *res = NULL;
    *missing = false;
    int rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
                               &tv, 2, &res);
    if (rc != LDAP_SUCCESS) {
        *missing = rc == LDAP_NO_SUCH_OBJECT;
        char what[600];
        snprintf(what, sizeof what, "reading %.500s", dn);
        ld_error(ld, rc, what, why, cap);
        ldap_msgfree(res);
        return NULL;
    }
    LDAPMessage *en = ldap_first_entry(ld, res);
    struct berval **v = en != NULL ? ldap_get_values_len(ld, en, attr) : NULL;
    ldap_msgfree(res);
    if (v == NULL)
        snprintf(why, cap, "%.500s has no %s", dn, attr);
    return v;
}

static int sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
    (void)ld, (void)flags, (void)defaults;
    for (sasl_interact_t *i = in; i->id != SASL_CB_LIST_END; i++) {
        i->result = ""; /* no authorisation identity: the ticket's principal */
        i->len = 0;
    }
    return LDAP_SUCCESS;
}

/* The rootDSE over an anonymous connection, then the GSSAPI-bound session. */
static void session_open(kmsdns_ldap *l, struct session *s)
{
    char ip[KMSDNS_ADDR_TEXT_MAX], host[KMSDNS_NAME_BUF + 8];
    kmsdns_addr_ip(&s->addr, ip);
    if (s->addr.ss.ss_family == AF_INET6)
        snprintf(host, sizeof host, "[%s]", ip);
    else
        snprintf(host, sizeof host, "%s", ip);
    LDAP *ld = open_ld(l, &s->addr, host, s->error, sizeof s->error);
    if (ld == NULL)
        return;
    bool missing;
    struct berval **nc =
        read_attr(l, ld, "", "defaultNamingContext", &missing, s->error, sizeof s->error);
    struct berval **hn =
        nc != NULL ? read_attr(l, ld, "", "dnsHostName", &missing, s->error, sizeof s->error)
                   : NULL;
    ldap_unbind_ext_s(ld, NULL, NULL);
    char name[KMSDNS_NAME_BUF] = "";
    const char *why = NULL;
    if (hn != NULL && hn[0] != NULL && hn[0]->bv_len < sizeof name) {
        memcpy(name, hn[0]->bv_val, hn[0]->bv_len);
        name[hn[0]->bv_len] = '\0';
        char norm[KMSDNS_NAME_BUF];
        if (kmsdns_name_normalize(name, KMSDNS_NAME_HOST, norm, &why) == 0)
            snprintf(name, sizeof name, "%s", norm);
        else
            name[0] = '\0';
    }
    if (nc != NULL && nc[0] != NULL && nc[0]->bv_len < sizeof s->base) {
        memcpy(s->base, nc[0]->bv_val, nc[0]->bv_len);
        s->base[nc[0]->bv_len] = '\0';
    }
    ber_bvecfree(nc);
    ber_bvecfree(hn);
    if (nc == NULL || hn == NULL)
        return;
    if (name[0] == '\0' || s->base[0] == '\0') {
        snprintf(s->error, sizeof s->error,
                 "the rootDSE names no usable dnsHostName and defaultNamingContext: not an AD DC?");
        return;
    }
    if (l->cred_error[0] != '\0') {
        snprintf(s->error, sizeof s->error, "%s", l->cred_error);
        return;
    }
    ld = open_ld(l, &s->addr, name, s->error, sizeof s->error);
    if (ld == NULL)
        return;
    OM_uint32 minor;
    const char *old = NULL, *ccache = l->cred != NULL ? kmsdns_gss_cred_ccache(l->cred) : NULL;
    if (ccache != NULL)
        gss_krb5_ccache_name(&minor, ccache, &old);
    int rc = ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET,
                                          sasl_interact, NULL);
    if (ccache != NULL)
        gss_krb5_ccache_name(&minor, old, NULL);
    if (rc != LDAP_SUCCESS) {
        char what[400];
        snprintf(what, sizeof what, "SASL GSSAPI bind to ldap/%s", name);
        ld_error(ld, rc, what, s->error, sizeof s->error);
        ldap_unbind_ext_s(ld, NULL, NULL);
        return;
    }
    s->ld = ld;
}

static struct session *session_get(kmsdns_ldap *l, const struct kmsdns_addr *a)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->s[i].addr.len == a->len && memcmp(&l->s[i].addr.ss, &a->ss, a->len) == 0)
            return &l->s[i];
    if (l->n == MAX_SESSIONS)
        return NULL;
    struct session *s = &l->s[l->n++];
    memset(s, 0, sizeof *s);
    s->addr = *a;
    session_open(l, s);
    return s;
}

/* ---- one domain on one server --------------------------------------------------- */

/* The DN of name's node in the zone (names are LDH and '_' only: nothing to escape). */
static void node_dn(const struct session *s, const char *zone, const char *name, char *dn,
                    size_t cap)
{
    size_t nl = strlen(name), zl = strlen(zone);
    char rel[KMSDNS_NAME_BUF];
    if (nl == zl)
        snprintf(rel, sizeof rel, "@");
    else
        snprintf(rel, sizeof rel, "%.*s", (int)(nl - zl - 1), name);
    snprintf(dn, cap, "DC=%s,DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s", rel, zone, s->base);
}

static int add_rec(struct kmsdns_ldap_obs *out, const struct kmsdns_ldap_rec *r)
{
    struct kmsdns_ldap_rec *v = realloc(out->recs, (out->nrecs + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    out->recs = v;
    v[out->nrecs++] = *r;
    return 0;
}

/* The node's records of the types we audit into out; -1 with out->error. */
static int read_node(const kmsdns_ldap *l, const struct session *s, const char *zone,
                     const char *name, bool must_exist, struct kmsdns_ldap_obs *out)
{
    char dn[1200];
    bool missing;
    node_dn(s, zone, name, dn, sizeof dn);
    struct berval **v =
        read_attr(l, s->ld, dn, "dnsRecord", &missing, out->error, sizeof out->error);
    if (v == NULL) {
        if (missing && !must_exist) {
            out->error[0] = '\0';
            return 0;
        }
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; v[i] != NULL && rc == 0; i++) {
        struct kmsdns_dnsrecord d;
        const char *why = NULL;
        if (kmsdns_dnsrecord_decode((const uint8_t *)v[i]->bv_val, v[i]->bv_len, &d, &why) != 0) {
            snprintf(out->error, sizeof out->error, "a dnsRecord of %.200s: %s", name, why);
            rc = -1;
            break;
        }
        struct kmsdns_ldap_rec r = {.type = d.type, .timestamp = d.timestamp};
        snprintf(r.owner, sizeof r.owner, "%s", name);
        if (d.type == KMSDNS_DNSRECORD_SRV) {
            r.priority = d.priority, r.weight = d.weight, r.port = d.port;
            snprintf(r.value, sizeof r.value, "%s", d.target);
        } else if (d.type == KMSDNS_DNSRECORD_A || d.type == KMSDNS_DNSRECORD_AAAA) {
            inet_ntop(d.type == KMSDNS_DNSRECORD_A ? AF_INET : AF_INET6, d.addr, r.value,
                      sizeof r.value);
        } else {
            continue; /* tombstones, and types the audit does not look at */
        }
        if (add_rec(out, &r) != 0) {
            snprintf(out->error, sizeof out->error, "out of memory");
            rc = -1;
        }
    }
    ber_bvecfree(v);
    return rc;
}

static void read_zone(const kmsdns_ldap *l, const struct session *s, const char *zone,
                      struct kmsdns_ldap_obs *out)
{
    char dn[1200];
    bool missing;
    snprintf(dn, sizeof dn, "DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s", zone, s->base);
    kmsdns_zone_aging_init(&out->aging);
    struct berval **v =
        read_attr(l, s->ld, dn, "dNSProperty", &missing, out->error, sizeof out->error);
    if (v == NULL) {
        if (missing)
            snprintf(out->error, sizeof out->error,
                     "no zone %.200s under CN=MicrosoftDNS,DC=DomainDnsZones,%.200s", zone,
                     s->base);
        return;
    }
    out->read = true;
    for (size_t i = 0; v[i] != NULL; i++) {
        const char *why = NULL;
        if (kmsdns_dnsprop_apply((const uint8_t *)v[i]->bv_val, v[i]->bv_len, &out->aging, &why) !=
            0) {
            snprintf(out->error, sizeof out->error, "a dNSProperty of zone %.200s: %s", zone, why);
            out->read = false;
            break;
        }
    }
    ber_bvecfree(v);
}

static void ldap_read(void *ctx, const struct kmsdns_addr *server, const char *zone,
                      const char *owner, const char *const *targets, size_t ntargets,
                      struct kmsdns_ldap_obs *out)
{
    kmsdns_ldap *l = ctx;
    out->now = (int64_t)time(NULL);
    struct session *s = session_get(l, server);
    if (s == NULL || s->ld == NULL) {
        snprintf(out->error, sizeof out->error, "%s",
                 s != NULL ? s->error : "too many servers for --ldap");
        return;
    }
    read_zone(l, s, zone, out);
    if (!out->read)
        return;
    out->read = read_node(l, s, zone, owner, ntargets > 0, out) == 0;
    for (size_t t = 0; out->read && t < ntargets; t++)
        if (kmsdns_name_is_within(targets[t], zone))
            out->read = read_node(l, s, zone, targets[t], false, out) == 0;
    if (!out->read) {
        free(out->recs);
        out->recs = NULL;
        out->nrecs = 0;
    }
}

void kmsdns_ldap_seam(kmsdns_ldap *l, struct kmsdns_audit_ldap *out)
{
    out->ctx = l;
    out->read = ldap_read;
}
