/* SPDX-License-Identifier: MIT */
/*
 * Message building and record extraction over ldns. ldns owns the wire
 * grammar; this file only decides what goes in (class NONE deletes, no
 * prerequisites) and turns what comes back into kmsdns_rrdata.
 */
#include "kmsdns/dnsmsg.h"
#include "kmsdns/wire.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IDs come from a pool filled by one RAND_bytes call: a call costs as much
 * as building the query itself, and a run asks hundreds of queries. */
uint16_t kmsdns_msg_random_id(void)
{
    static uint16_t pool[128];
    static size_t left;
    if (left == 0) {
        if (RAND_bytes((unsigned char *)pool, sizeof pool) != 1)
            abort(); /* no randomness: IDs would be guessable; refuse to go on */
        left = sizeof pool / sizeof pool[0];
    }
    return pool[--left];
}

static ldns_rdf *name_rdf(const char *name)
{
    char buf[KMSDNS_NAME_BUF + 1];
    snprintf(buf, sizeof buf, "%s.", name);
    return ldns_dname_new_frm_str(strcmp(name, ".") == 0 ? "." : buf);
}

/* Converts wire from ldns into a malloc'd buffer with `room` spare bytes. */
static int to_wire(const ldns_pkt *pkt, size_t room, uint8_t **wire, size_t *len, size_t *cap)
{
    uint8_t *w = NULL;
    size_t n = 0;
    if (ldns_pkt2wire(&w, pkt, &n) != LDNS_STATUS_OK)
        return KMSDNS_NOMEM;
    uint8_t *big = realloc(w, n + room);
    if (big == NULL) {
        free(w);
        return KMSDNS_NOMEM;
    }
    *wire = big;
    *len = n;
    if (cap != NULL)
        *cap = n + room;
    return KMSDNS_OK;
}

/* A query is a header and one question, built directly: going through
 * ldns_pkt2wire (name compression tables for a single name) cost more than
 * everything else a publication run does per domain. Answers are parsed with
 * ldns. */
int kmsdns_msg_query(const char *name, uint16_t type, bool rd, uint8_t **wire, size_t *len)
{
    uint8_t *w = malloc(KMSDNS_WIRE_HEADER + KMSDNS_NAME_BUF + 4);
    size_t n;
    if (w == NULL)
        return KMSDNS_NOMEM;
    if (kmsdns_wire_put_name(name, w + KMSDNS_WIRE_HEADER, KMSDNS_NAME_BUF, &n) != KMSDNS_OK) {
        free(w);
        return KMSDNS_NAME;
    }
    memset(w, 0, KMSDNS_WIRE_HEADER);
    kmsdns_wire_put_u16(w, kmsdns_msg_random_id());
    w[2] = rd ? 0x01 : 0x00; /* QUERY, RD as asked */
    w[5] = 1;                /* QDCOUNT */
    kmsdns_wire_put_u16(w + KMSDNS_WIRE_HEADER + n, type);
    kmsdns_wire_put_u16(w + KMSDNS_WIRE_HEADER + n + 2, LDNS_RR_CLASS_IN);
    *wire = w;
    *len = KMSDNS_WIRE_HEADER + n + 4;
    return KMSDNS_OK;
}

/* An ldns RR for rr with the given class (TTL 0 for class NONE). */
static ldns_rr *make_rr(const struct kmsdns_rrdata *rr, ldns_rr_class cls)
{
    char text[3 * KMSDNS_NAME_BUF];
    kmsdns_rrdata_format(rr, true, text, sizeof text);
    ldns_rr *out = NULL;
    if (ldns_rr_new_frm_str(&out, text, 0, NULL, NULL) != LDNS_STATUS_OK)
        return NULL;
    ldns_rr_set_class(out, cls);
    if (cls == LDNS_RR_CLASS_NONE)
        ldns_rr_set_ttl(out, 0);
    return out;
}

static int push_all(ldns_rr_list *list, const struct kmsdns_rrdata *v, size_t n, ldns_rr_class c)
{
    for (size_t i = 0; i < n; i++) {
        ldns_rr *rr = make_rr(&v[i], c);
        if (rr == NULL || !ldns_rr_list_push_rr(list, rr)) {
            ldns_rr_free(rr);
            return KMSDNS_NAME;
        }
    }
    return KMSDNS_OK;
}

int kmsdns_msg_update(const char *zone, const struct kmsdns_rrdata *del, size_t ndel,
                      const struct kmsdns_rrdata *add, size_t nadd, uint8_t **wire, size_t *len,
                      size_t *cap)
{
    ldns_rdf *zone_rdf = name_rdf(zone);
    ldns_rr_list *up = ldns_rr_list_new();
    int rc = zone_rdf != NULL && up != NULL ? KMSDNS_OK : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = push_all(up, del, ndel, LDNS_RR_CLASS_NONE);
    if (rc == KMSDNS_OK)
        rc = push_all(up, add, nadd, LDNS_RR_CLASS_IN);
    if (rc != KMSDNS_OK) {
        ldns_rdf_deep_free(zone_rdf);
        ldns_rr_list_deep_free(up);
        return rc;
    }
    /* The packet takes the zone rdf and clones the list, which stays ours. */
    ldns_pkt *pkt = ldns_update_pkt_new(zone_rdf, LDNS_RR_CLASS_IN, NULL, up, NULL);
    ldns_rr_list_deep_free(up);
    if (pkt == NULL)
        return KMSDNS_NOMEM;
    ldns_pkt_set_id(pkt, kmsdns_msg_random_id());
    rc = to_wire(pkt, KMSDNS_MSG_TSIG_ROOM, wire, len, cap);
    ldns_pkt_free(pkt);
    return rc;
}

int kmsdns_msg_parse(const uint8_t *wire, size_t len, ldns_pkt **pkt)
{
    /* A TSIG RR anywhere but last is malformed (RFC 8945), and ldns 1.8.3
     * leaks all but the last of several: refuse those before ldns sees them. */
    if (!kmsdns_wire_tsig_placement_ok(wire, len))
        return KMSDNS_MALFORMED;
    return ldns_wire2pkt(pkt, wire, len) == LDNS_STATUS_OK ? KMSDNS_OK : KMSDNS_MALFORMED;
}

int kmsdns_msg_rcode_rc(ldns_pkt_rcode rcode)
{
    switch (rcode) {
    case LDNS_RCODE_NOERROR:
        return KMSDNS_OK;
    case LDNS_RCODE_FORMERR:
        return KMSDNS_FORMERR;
    case LDNS_RCODE_SERVFAIL:
        return KMSDNS_SERVFAIL;
    case LDNS_RCODE_NXDOMAIN:
        return KMSDNS_NXDOMAIN;
    case LDNS_RCODE_NOTIMPL:
        return KMSDNS_NOTIMP;
    case LDNS_RCODE_REFUSED:
        return KMSDNS_REFUSED;
    case LDNS_RCODE_YXDOMAIN:
        return KMSDNS_YXDOMAIN;
    case LDNS_RCODE_YXRRSET:
        return KMSDNS_YXRRSET;
    case LDNS_RCODE_NXRRSET:
        return KMSDNS_NXRRSET;
    case LDNS_RCODE_NOTAUTH:
        return KMSDNS_NOTAUTH;
    case LDNS_RCODE_NOTZONE:
        return KMSDNS_NOTZONE;
    }
    return KMSDNS_RCODE;
}

const char *kmsdns_msg_rcode_name(ldns_pkt_rcode rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    return (unsigned)rcode < sizeof names / sizeof names[0] ? names[rcode] : "RCODE?";
}

int kmsdns_msg_rdf_name(const ldns_rdf *rdf, char out[KMSDNS_NAME_BUF])
{
    size_t off = 0;
    if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME ||
        kmsdns_wire_read_name(ldns_rdf_data(rdf), ldns_rdf_size(rdf), &off, out) != KMSDNS_OK) {
        snprintf(out, KMSDNS_NAME_BUF, "?");
        return KMSDNS_NAME;
    }
    return KMSDNS_OK;
}

/* Fills rr from an ldns SRV/A/AAAA record; false for anything malformed. */
static bool from_ldns(const ldns_rr *r, struct kmsdns_rrdata *rr)
{
    memset(rr, 0, sizeof *rr);
    rr->type = (uint16_t)ldns_rr_get_type(r);
    rr->ttl = ldns_rr_ttl(r);
    kmsdns_msg_rdf_name(ldns_rr_owner(r), rr->owner);
    if (rr->type == LDNS_RR_TYPE_SRV) {
        if (ldns_rr_rd_count(r) != 4)
            return false;
        rr->priority = ldns_rdf2native_int16(ldns_rr_rdf(r, 0));
        rr->weight = ldns_rdf2native_int16(ldns_rr_rdf(r, 1));
        rr->port = ldns_rdf2native_int16(ldns_rr_rdf(r, 2));
        kmsdns_msg_rdf_name(ldns_rr_rdf(r, 3), rr->value);
        return true;
    }
    const ldns_rdf *a = ldns_rr_rd_count(r) == 1 ? ldns_rr_rdf(r, 0) : NULL;
    int fam = rr->type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
    size_t want = fam == AF_INET ? 4 : 16;
    if (a == NULL || ldns_rdf_size(a) != want)
        return false;
    return inet_ntop(fam, ldns_rdf_data(a), rr->value, sizeof rr->value) != NULL;
}

int kmsdns_msg_records(const ldns_pkt *pkt, ldns_pkt_section section, const char *owner,
                       uint16_t type, struct kmsdns_rrdata **out, size_t *n)
{
    ldns_rr_list *list = ldns_pkt_get_section_clone(pkt, section);
    *out = NULL;
    *n = 0;
    if (list == NULL)
        return KMSDNS_OK;
    size_t count = ldns_rr_list_rr_count(list);
    struct kmsdns_rrdata *v = count ? calloc(count, sizeof *v) : NULL;
    if (count && v == NULL) {
        ldns_rr_list_deep_free(list);
        return KMSDNS_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const ldns_rr *r = ldns_rr_list_rr(list, i);
        if (ldns_rr_get_type(r) != type || ldns_rr_get_class(r) != LDNS_RR_CLASS_IN)
            continue;
        if (from_ldns(r, &v[*n]) && strcmp(v[*n].owner, owner) == 0)
            ++*n;
    }
    ldns_rr_list_deep_free(list);
    if (*n == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    return KMSDNS_OK;
}

bool kmsdns_rrdata_same(const struct kmsdns_rrdata *a, const struct kmsdns_rrdata *b)
{
    return a->type == b->type && a->priority == b->priority && a->weight == b->weight &&
           a->port == b->port && strcmp(a->value, b->value) == 0 && strcmp(a->owner, b->owner) == 0;
}

const char *kmsdns_rrdata_format(const struct kmsdns_rrdata *rr, bool with_ttl, char *buf,
                                 size_t cap)
{
    char ttl[16] = "";
    if (with_ttl)
        snprintf(ttl, sizeof ttl, "%u ", rr->ttl);
    if (rr->type == LDNS_RR_TYPE_SRV)
        snprintf(buf, cap, "%s. %sIN SRV %u %u %u %s%s", rr->owner, ttl, rr->priority, rr->weight,
                 rr->port, rr->value, strcmp(rr->value, ".") == 0 ? "" : ".");
    else
        snprintf(buf, cap, "%s. %sIN %s %s", rr->owner, ttl,
                 rr->type == LDNS_RR_TYPE_A ? "A" : "AAAA", rr->value);
    return buf;
}

int kmsdns_msg_system_resolver(struct kmsdns_addr *out, struct kmsdns_diag *diag)
{
    ldns_resolver *res = NULL;
    if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK || res == NULL ||
        ldns_resolver_nameserver_count(res) == 0) {
        ldns_resolver_deep_free(res);
        return kmsdns_diag_set(diag, KMSDNS_NOTFOUND, NULL, 0,
                               "no resolver given and no nameserver in /etc/resolv.conf");
    }
    char *text = ldns_rdf2str(ldns_resolver_nameservers(res)[0]);
    const char *why = "out of memory";
    int rc = text != NULL ? kmsdns_addr_parse(text, 53, 0, out, &why) : KMSDNS_NOMEM;
    free(text);
    ldns_resolver_deep_free(res);
    if (rc != KMSDNS_OK)
        return kmsdns_diag_set(diag, KMSDNS_ADDRESS, "/etc/resolv.conf", 0,
                               "unusable nameserver: %s", why);
    return KMSDNS_OK;
}
