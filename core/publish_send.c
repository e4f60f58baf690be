/* SPDX-License-Identifier: MIT */
/*
 * The sending step: one signed UPDATE per zone and server, all sent at once
 * (one concurrent round); a refused batch is sent again domain by domain,
 * since an UPDATE is all-or-nothing; a forgotten GSS context is negotiated
 * again once; an answer whose signature proves nothing is checked by
 * reading the records back over fresh connections. The messages come from
 * pubupdate.c, the explanations of failed answers from pubexplain.c.
 */
#include "pubexplain.h"
#include "pubround.h"
#include "pubupdate.h"

#include <stdlib.h>
#include <string.h>

static bool has_changes(const struct kmsdns_pub_item *it)
{
    return it->planned && it->plan.ndel + it->plan.nadd > 0;
}

/* Appends a report entry for an UPDATE to the zone and server of item first. */
static struct kmsdns_pub_update *new_update(struct kmsdns__pub *p, size_t first)
{
    struct kmsdns_pub_report *r = p->r;
    void *v = realloc(r->updates, (r->nupdates + 1) * sizeof *r->updates);
    if (v == NULL)
        return NULL;
    r->updates = v;
    struct kmsdns_pub_update *u = &r->updates[r->nupdates++];
    memset(u, 0, sizeof *u);
    u->items = calloc(r->nitems, sizeof *u->items);
    if (u->items == NULL) {
        r->nupdates--;
        return NULL;
    }
    snprintf(u->zone, sizeof u->zone, "%s", r->items[first].zone);
    kmsdns_addr_format(kmsdns__item_server(p, first), u->server);
    return u;
}

/* Groups the items in `todo` by zone and server; `single` puts each alone. */
static int group(struct kmsdns__pub *p, const bool *todo, bool single, size_t first_update)
{
    for (size_t i = 0; i < p->r->nitems; i++) {
        if (!todo[i])
            continue;
        struct kmsdns_pub_update *u = NULL;
        for (size_t k = first_update; !single && k < p->r->nupdates && u == NULL; k++) {
            size_t j = p->r->updates[k].items[0];
            if (p->item_zone[j] == p->item_zone[i] && p->item_cand[j] == p->item_cand[i])
                u = &p->r->updates[k];
        }
        if (u == NULL && (u = new_update(p, i)) == NULL)
            return KMSDNS_NOMEM;
        u->items[u->nitems++] = i;
    }
    return KMSDNS_OK;
}

/* Fails every item of u with its explanation. */
static void fail_explained(struct kmsdns__pub *p, const struct kmsdns_pub_update *u,
                           ldns_pkt_rcode rcode, const struct kmsdns_tsig_signer *sg, int trc,
                           const struct kmsdns_tsig_check *chk)
{
    char msg[640], recs[KMSDNS_NAME_BUF + 64], who[KMSDNS_NAME_BUF + 16];
    const struct kmsdns_pub_item *it = &p->r->items[u->items[0]];
    kmsdns__records_text(it->owner, it->is_address, u->nitems, recs, sizeof recs);
    kmsdns__who_text(p->key != NULL ? p->signer.key_name : NULL,
                     p->cred != NULL ? kmsdns_gss_cred_principal(p->cred) : NULL, who, sizeof who);
    struct kmsdns__answer a = {.server = u->server,
                               .zone = u->zone,
                               .records = recs,
                               .who = who,
                               .key_name = sg != NULL ? sg->key_name : NULL,
                               .alg_name = sg != NULL ? sg->alg_name : NULL,
                               .rcode = rcode,
                               .trc = trc,
                               .chk = chk,
                               .now = kmsdns__now(p)};
    int rc = kmsdns__explain_update(&a, msg, sizeof msg);
    for (size_t k = 0; k < u->nitems; k++)
        kmsdns__fail(p, u->items[k], rc, "%s", msg);
}

static void fail_update(struct kmsdns__pub *p, const struct kmsdns_pub_update *u, int rc,
                        const char *msg)
{
    for (size_t k = 0; k < u->nitems; k++)
        kmsdns__fail(p, u->items[k], rc, "%s", msg);
}

/* What to do with the items of an update after its answer. */
enum after { AFTER_DONE, AFTER_SPLIT, AFTER_RENEGOTIATE, AFTER_READ_BACK };

/* A GSS context the server forgot (BADKEY on an update) is renegotiated once. */
static bool renegotiate(struct kmsdns__pub *p, const struct kmsdns_pub_update *u,
                        const struct kmsdns_tsig_check *chk)
{
    struct kmsdns__gss_server *s =
        p->gss ? kmsdns__gss_server_for(p, kmsdns__item_server(p, u->items[0])) : NULL;
    if (s == NULL || chk->error != KMSDNS_TSIG_BADKEY || s->renegotiated)
        return false;
    s->renegotiated = true;
    s->ready = false;
    return true;
}

/* A verified NOERROR: every item of u is applied; variant: the server signed
 * the Active Directory way. */
static void mark_applied(struct kmsdns__pub *p, struct kmsdns_pub_update *u,
                         const struct kmsdns_tsig_signer *sg, bool variant)
{
    snprintf(u->proof, sizeof u->proof, "%s",
             sg == NULL ? "unsigned"
             : variant  ? "tsig-variant"
                        : "tsig-verified");
    for (size_t k = 0; k < u->nitems; k++) {
        struct kmsdns_pub_item *it = &p->r->items[u->items[k]];
        it->applied = true;
        if (variant)
            snprintf(it->note, sizeof it->note,
                     "%s signed its answer the Active Directory way (our MAC digested without "
                     "its length prefix); it still proves the server holds the key",
                     u->server);
    }
}

/* Handles the answer to update u, signed (or not) by sg. */
static enum after update_answer(struct kmsdns__pub *p, struct kmsdns_pub_update *u,
                                const struct kmsdns_exchange *x,
                                const struct kmsdns_tsig_signer *sg,
                                const struct kmsdns_tsig_request *req)
{
    char msg[640];
    ldns_pkt *pkt = NULL;
    if (x->rc != KMSDNS_OK) {
        snprintf(msg, sizeof msg, "no answer from %s to the update of zone %s: %s", u->server,
                 u->zone, x->detail);
        fail_update(p, u, x->rc, msg);
        return AFTER_DONE;
    }
    if (kmsdns_msg_parse(x->answer, x->answer_len, &pkt) != KMSDNS_OK) {
        snprintf(msg, sizeof msg, "%s sent a malformed answer to the update of zone %s", u->server,
                 u->zone);
        fail_update(p, u, KMSDNS_MALFORMED, msg);
        return AFTER_DONE;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
    ldns_pkt_free(pkt);
    snprintf(u->rcode, sizeof u->rcode, "%s", kmsdns_msg_rcode_name(rcode));
    struct kmsdns_tsig_check chk = {0};
    int trc = sg == NULL
                  ? KMSDNS_OK
                  : kmsdns_tsig_verify(sg, req, x->answer, x->answer_len, kmsdns__now(p), &chk);
    bool denied = rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH;
    if (rcode == LDNS_RCODE_NOERROR && trc == KMSDNS_OK) {
        mark_applied(p, u, sg, sg != NULL && chk.variant == KMSDNS_TSIG_NO_PREFIX);
        return AFTER_DONE;
    }
    if (rcode == LDNS_RCODE_NOERROR && trc == KMSDNS_BADSIG && chk.variant == KMSDNS_TSIG_ECHOED)
        return AFTER_READ_BACK; /* the answer proves nothing: the records must */
    if (renegotiate(p, u, &chk))
        return AFTER_RENEGOTIATE;
    if (denied && u->nitems > 1)
        return AFTER_SPLIT;
    fail_explained(p, u, rcode, sg, trc, &chk);
    return AFTER_DONE;
}

static bool any_alive(const struct kmsdns__pub *p, const struct kmsdns_pub_update *u)
{
    for (size_t k = 0; k < u->nitems; k++)
        if (kmsdns__alive(p, u->items[k]))
            return true;
    return false;
}

/* Builds update u into exchange x, signed by sg (NULL: unsigned); req keeps
 * what verifying the answer needs. x->query is the caller's to free. */
static int write_update(struct kmsdns__pub *p, const struct kmsdns_pub_update *u,
                        const struct kmsdns_tsig_signer *sg, struct kmsdns_exchange *x,
                        struct kmsdns_tsig_request *req)
{
    uint8_t *wire = NULL;
    size_t len = 0, cap = 0;
    int rc = kmsdns__update_build(u->zone, p->r->items, u->items, u->nitems, &wire, &len, &cap);
    if (rc == KMSDNS_OK && sg != NULL)
        rc = kmsdns_tsig_sign(sg, wire, &len, cap, kmsdns__now(p), req);
    *x = (struct kmsdns_exchange){.server = *kmsdns__item_server(p, u->items[0]),
                                  .query = wire,
                                  .query_len = len,
                                  .tcp = p->round.tcp};
    return rc;
}

/* Sends updates [first, nupdates) at once; marks the items to send again:
 * split[i] alone, again[i] with a new GSS context. */
static int send_updates(struct kmsdns__pub *p, size_t first, bool *split, bool *again,
                        bool *read_back)
{
    size_t n = p->r->nupdates - first;
    struct kmsdns_exchange *x = calloc(n + 1, sizeof *x);
    struct kmsdns_tsig_request *req = calloc(n + 1, sizeof *req);
    const struct kmsdns_tsig_signer **sg = calloc(n + 1, sizeof *sg);
    int rc = x && req && sg ? KMSDNS_OK : KMSDNS_NOMEM;
    size_t nx = 0;
    size_t *map = calloc(n + 1, sizeof *map);
    rc = map != NULL ? rc : KMSDNS_NOMEM;
    for (size_t k = 0; rc == KMSDNS_OK && k < n; k++) {
        struct kmsdns_pub_update *u = &p->r->updates[first + k];
        const struct kmsdns_addr *srv = kmsdns__item_server(p, u->items[0]);
        if (!any_alive(p, u))
            continue; /* its server could not be authenticated to */
        sg[nx] = kmsdns__signer_for(p, srv);
        rc = write_update(p, u, sg[nx], &x[nx], &req[nx]);
        map[nx++] = first + k;
    }
    if (rc == KMSDNS_OK)
        rc = kmsdns__round_exchange(&p->round, x, nx);
    for (size_t k = 0; k < nx; k++) {
        struct kmsdns_pub_update *u = &p->r->updates[map[k]];
        enum after next = AFTER_DONE;
        if (rc == KMSDNS_OK) {
            u->sent = true;
            p->r->updates_sent++;
            next = update_answer(p, u, &x[k], sg[k], &req[k]);
        }
        bool *mark = next == AFTER_SPLIT ? split : next == AFTER_RENEGOTIATE ? again : read_back;
        for (size_t j = 0; next != AFTER_DONE && j < u->nitems; j++)
            mark[u->items[j]] = true;
        free((void *)x[k].query);
        kmsdns_exchange_reset(&x[k]);
    }
    free(x), free(req), free(sg), free(map);
    return rc;
}

/* Sets the proof of the update that carried item i. */
static void set_proof(struct kmsdns__pub *p, size_t i, const char *proof)
{
    for (size_t u = p->r->nupdates; u-- > 0;)
        for (size_t k = 0; k < p->r->updates[u].nitems; k++)
            if (p->r->updates[u].items[k] == i && p->r->updates[u].sent) {
                snprintf(p->r->updates[u].proof, sizeof p->r->updates[u].proof, "%s", proof);
                return;
            }
}

/* Judges item i by what the server now serves (rec, n), after an answer that proved nothing. */
static void judge_read_back(struct kmsdns__pub *p, size_t i, const struct kmsdns_rrdata *rec,
                            size_t n, bool answered)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    const char *why = "the server answered NOERROR, but its response signature proves nothing "
                      "(it echoes our own MAC: known Windows DNS behaviour for SRV updates)";
    bool shown = answered && kmsdns__served(it, p->opts->withdraw, rec, n);
    if (shown && !p->cfg->dns.strict_response_signature) {
        it->applied = true;
        set_proof(p, i, "read-back");
        snprintf(it->warning, sizeof it->warning,
                 "applied; server response signature not verifiable (known server behaviour): "
                 "the records were read back over a fresh connection");
    } else if (shown) {
        kmsdns__fail(p, i, KMSDNS_BADSIG,
                     "%s; reading the records back shows the change, but "
                     "strict-response-signature = yes",
                     why);
    } else {
        kmsdns__fail(p, i, KMSDNS_BADSIG, "%s, and reading the records back %s", why,
                     answered ? "does not show the change" : "got no answer");
    }
}

/* Reads back, over fresh TCP connections, the items whose answers proved nothing. */
static int read_back(struct kmsdns__pub *p, const bool *want)
{
    size_t n = p->r->nitems, nq = 0;
    struct kmsdns__query *q = calloc(2 * n + 1, sizeof *q);
    struct kmsdns_pub_item *got = calloc(n + 1, sizeof *got);
    bool *answered = calloc(n + 1, sizeof *answered);
    int rc = q && got && answered ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        size_t k = want[i] ? kmsdns__read_queries(p, i, kmsdns__item_server(p, i), q + nq) : 0;
        for (size_t j = 0; j < k; j++)
            q[nq + j].tcp = true;
        nq += k;
        answered[i] = true;
        strcpy(got[i].owner, p->r->items[i].owner);
    }
    if (rc == KMSDNS_OK)
        rc = kmsdns__run_queries(p, q, nq);
    for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++) {
        bool ok = q[k].rc == KMSDNS_OK && ldns_pkt_get_rcode(q[k].pkt) <= LDNS_RCODE_NXDOMAIN &&
                  ldns_pkt_get_rcode(q[k].pkt) != LDNS_RCODE_SERVFAIL &&
                  ldns_pkt_get_rcode(q[k].pkt) != LDNS_RCODE_FORMERR;
        answered[q[k].tag] &= ok;
        if (ok && kmsdns__append_records(&got[q[k].tag].current, &got[q[k].tag].ncurrent,
                                         got[q[k].tag].owner, &q[k]) != KMSDNS_OK)
            rc = KMSDNS_NOMEM;
    }
    kmsdns__queries_free(q, nq);
    for (size_t i = 0; i < n; i++) {
        if (rc == KMSDNS_OK && want[i])
            judge_read_back(p, i, got[i].current, got[i].ncurrent, answered[i]);
        if (got != NULL)
            free(got[i].current);
    }
    free(q), free(got), free(answered);
    return rc;
}

int kmsdns__send_group(struct kmsdns__pub *p, size_t *first)
{
    size_t n = p->r->nitems;
    bool *todo = calloc(n + 1, sizeof *todo);
    if (todo == NULL)
        return KMSDNS_NOMEM;
    for (size_t i = 0; i < n; i++)
        todo[i] = kmsdns__alive(p, i) && has_changes(&p->r->items[i]);
    *first = p->r->nupdates;
    int rc = group(p, todo, false, *first);
    free(todo);
    return rc;
}

int kmsdns__send_round(struct kmsdns__pub *p, size_t *first)
{
    size_t n = p->r->nitems;
    bool *split = calloc(n + 1, sizeof *split), *again = calloc(n + 1, sizeof *again);
    bool *checks = calloc(n + 1, sizeof *checks);
    int rc = split && again && checks ? KMSDNS_OK : KMSDNS_NOMEM;
    if (rc == KMSDNS_OK)
        rc = send_updates(p, *first, split, again, checks);
    if (rc == KMSDNS_OK)
        rc = read_back(p, checks);
    *first = p->r->nupdates;
    if (rc == KMSDNS_OK)
        rc = group(p, split, true, *first);
    if (rc == KMSDNS_OK)
        rc = group(p, again, false, p->r->nupdates);
    free(split);
    free(again);
    free(checks);
    return rc;
}
