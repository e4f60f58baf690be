/* SPDX-License-Identifier: MIT */
/*
 * The network steps after discovery: read what the primary holds, send one
 * signed UPDATE per zone and server (retrying a refused batch domain by
 * domain, since an UPDATE is all-or-nothing), and poll until every server
 * serves the result. Each step is one concurrent round over all items.
 */
#include "publish_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct kmsdns_addr *item_server(const struct kmsdns__pub *p, size_t i)
{
    return &p->zones[p->item_zone[i]].cand[p->item_cand[i]];
}

/* ---- read ----------------------------------------------------------------- */

size_t kmsdns__read_queries(const struct kmsdns__pub *p, size_t i, const struct kmsdns_addr *server,
                            struct kmsdns__query *q)
{
    const struct kmsdns_pub_item *it = &p->r->items[i];
    uint16_t types[2] = {LDNS_RR_TYPE_SRV, 0};
    if (it->is_address)
        types[0] = LDNS_RR_TYPE_A, types[1] = LDNS_RR_TYPE_AAAA;
    size_t n = 0;
    for (size_t k = 0; k < 2 && types[k] != 0; k++) {
        q[n] = (struct kmsdns__query){.type = types[k], .server = *server, .tag = i};
        strcpy(q[n++].name, it->owner);
    }
    return n;
}

/* Moves item i's prefetched answers (if any) to q; returns how many. */
static size_t take_prefetch(struct kmsdns__pub *p, size_t i, struct kmsdns__query *q)
{
    size_t n = p->nprefetch != NULL ? p->nprefetch[i] : 0;
    for (size_t k = 0; k < n; k++) {
        q[k] = p->prefetch[i][k];
        p->prefetch[i][k].pkt = NULL;
    }
    if (n > 0)
        p->nprefetch[i] = 0;
    return n;
}

static int append_records(struct kmsdns_pub_item *it, const struct kmsdns__query *q)
{
    struct kmsdns_rrdata *recs = NULL;
    size_t n = 0;
    int rc = kmsdns_msg_records(q->pkt, LDNS_SECTION_ANSWER, it->owner, q->type, &recs, &n);
    if (rc != KMSDNS_OK || n == 0)
        return rc;
    struct kmsdns_rrdata *all = realloc(it->current, (it->ncurrent + n) * sizeof *all);
    if (all == NULL) {
        free(recs);
        return KMSDNS_NOMEM;
    }
    memcpy(all + it->ncurrent, recs, n * sizeof *recs);
    it->current = all;
    it->ncurrent += n;
    free(recs);
    return KMSDNS_OK;
}

/* Takes one answer for item i; returns true when the item should try the next server. */
static bool read_answer(struct kmsdns__pub *p, size_t i, const struct kmsdns__query *q)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    const struct kmsdns__zone *z = &p->zones[p->item_zone[i]];
    char srv[KMSDNS_ADDR_TEXT_MAX];
    kmsdns_addr_format(item_server(p, i), srv);
    if (q->rc == KMSDNS_TIMEOUT || q->rc == KMSDNS_UNREACHABLE || q->rc == KMSDNS_SYSTEM) {
        if (p->item_cand[i] + 1 < z->ncand)
            return true;
        kmsdns__fail(p, i, q->rc,
                     "no answer from %s (server of zone %s, primary %s) when "
                     "reading %s: %s",
                     srv, z->name, z->mname, it->owner, q->detail);
        return false;
    }
    if (q->rc != KMSDNS_OK) {
        kmsdns__fail(p, i, q->rc, "%s: %s", srv, q->detail);
        return false;
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(q->pkt);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
        kmsdns__fail(p, i, kmsdns_msg_rcode_rc(rcode), "%s answered %s when reading %s in zone %s",
                     srv, kmsdns_msg_rcode_name(rcode), it->owner, z->name);
    else if (!ldns_pkt_aa(q->pkt))
        kmsdns__fail(p, i, KMSDNS_NOTAUTH,
                     "%s is not authoritative for zone %s (its answer for "
                     "%s has no AA flag)",
                     srv, z->name, it->owner);
    else if (append_records(it, q) != KMSDNS_OK)
        kmsdns__fail(p, i, KMSDNS_NOMEM, "out of memory");
    return false;
}

static void plan_item(struct kmsdns__pub *p, size_t i)
{
    struct kmsdns_pub_item *it = &p->r->items[i];
    uint32_t ttl = p->cfg->dns.ttl;
    int rc = it->is_address ? kmsdns_plan_addresses(it->current, it->ncurrent, it->want, it->nwant,
                                                    ttl, p->opts->withdraw, &it->plan)
                            : kmsdns_plan_srv(it->current, it->ncurrent, it->want, ttl,
                                              p->opts->withdraw, &it->plan);
    if (rc != KMSDNS_OK) {
        kmsdns__fail(p, i, rc, "%s holds more than %d records of this host", it->owner,
                     KMSDNS_PLAN_MAX);
        return;
    }
    it->planned = true;
    if (it->plan.ttl_differs)
        snprintf(it->note, sizeof it->note,
                 "TTL %u differs from the configured %u; not "
                 "rewritten (the RRset's TTL is shared with the other hosts' records)",
                 it->plan.current_ttl, ttl);
}

int kmsdns__read(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    struct kmsdns__query *q = calloc(2 * n + 1, sizeof *q);
    bool *retry = calloc(n + 1, sizeof *retry);
    int rc = q && retry ? KMSDNS_OK : KMSDNS_NOMEM;
    for (bool again = true; rc == KMSDNS_OK && again;) {
        size_t nq = 0;
        for (size_t i = 0; i < n; i++)
            if (kmsdns__alive(p, i) && !p->r->items[i].have_current &&
                (p->nprefetch == NULL || p->nprefetch[i] == 0))
                nq += kmsdns__read_queries(p, i, item_server(p, i), q + nq);
        rc = kmsdns__run_queries(p, q, nq);
        for (size_t i = 0; i < n; i++)
            nq += kmsdns__alive(p, i) ? take_prefetch(p, i, q + nq) : 0;
        memset(retry, 0, n * sizeof *retry);
        for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++)
            retry[q[k].tag] |= read_answer(p, q[k].tag, &q[k]);
        kmsdns__free_queries(q, nq);
        again = false;
        for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
            struct kmsdns_pub_item *it = &p->r->items[i];
            if (retry[i] && kmsdns__alive(p, i)) {
                p->item_cand[i]++;
                free(it->current);
                it->current = NULL;
                it->ncurrent = 0;
                again = true;
            } else if (kmsdns__alive(p, i) && !it->have_current) {
                it->have_current = true;
                kmsdns_addr_format(item_server(p, i), it->server);
                plan_item(p, i);
            }
        }
    }
    free(q);
    free(retry);
    return rc;
}

/* ---- update ------------------------------------------------------------- */

static bool has_changes(const struct kmsdns_pub_item *it)
{
    return it->planned && it->plan.ndel + it->plan.nadd > 0;
}

/* Appends a report entry for an UPDATE carrying items[0..n) of zone z. */
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
    kmsdns_addr_format(item_server(p, first), u->server);
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

static int build_update(struct kmsdns__pub *p, const struct kmsdns_pub_update *u, uint8_t **wire,
                        size_t *len, size_t *cap)
{
    struct kmsdns_rrdata del[KMSDNS_PLAN_MAX * 4], add[KMSDNS_PLAN_MAX * 4];
    struct kmsdns_rrdata *dv = del, *av = add;
    size_t nd = 0, na = 0, total = 0;
    for (size_t k = 0; k < u->nitems; k++) {
        const struct kmsdns_plan *pl = &p->r->items[u->items[k]].plan;
        total += pl->ndel + pl->nadd;
    }
    if (total > KMSDNS_PLAN_MAX * 4) { /* large batches: heap */
        dv = malloc(total * sizeof *dv);
        av = malloc(total * sizeof *av);
    }
    int rc = dv && av ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t k = 0; rc == KMSDNS_OK && k < u->nitems; k++) {
        const struct kmsdns_plan *pl = &p->r->items[u->items[k]].plan;
        memcpy(dv + nd, pl->del, pl->ndel * sizeof *dv);
        memcpy(av + na, pl->add, pl->nadd * sizeof *av);
        nd += pl->ndel;
        na += pl->nadd;
    }
    if (rc == KMSDNS_OK)
        rc = kmsdns_msg_update(u->zone, dv, nd, av, na, wire, len, cap);
    if (dv != del)
        free(dv);
    if (av != add)
        free(av);
    return rc;
}

/* "_vlmcs._tcp.a.test SRV" or "_vlmcs._tcp.a.test SRV and 2 more" */
static void records_text(const struct kmsdns__pub *p, const struct kmsdns_pub_update *u, char *buf,
                         size_t cap)
{
    const struct kmsdns_pub_item *it = &p->r->items[u->items[0]];
    int n = snprintf(buf, cap, "%s %s", it->owner, it->is_address ? "A/AAAA" : "SRV");
    if (u->nitems > 1 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " and %zu more", u->nitems - 1);
}

static const char *applied_hint(const char *rcode)
{
    return strcmp(rcode, "NOERROR") == 0 ? " (the change may have been applied: check with --plan)"
                                         : "";
}

static void explain_tsig(const struct kmsdns__pub *p, const struct kmsdns_tsig_signer *sg,
                         const char *srv, const char *rcode, int trc,
                         const struct kmsdns_tsig_check *chk, char *buf, size_t cap)
{
    const char *key = sg->key_name, *alg = sg->alg_name;
    long long diff = (long long)chk->server_time - (long long)kmsdns__now(p);
    if (trc == KMSDNS_BADTIME && chk->has_time)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADTIME: the clocks differ by %lld s (the "
                 "server's is %s ours; TSIG allows %d s); fix the clock (NTP)",
                 srv, rcode, diff < 0 ? -diff : diff, diff < 0 ? "behind" : "ahead of",
                 KMSDNS_TSIG_FUDGE);
    else if (trc == KMSDNS_BADTIME)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADTIME: the clocks differ by more than %d s; "
                 "fix the clock (NTP)",
                 srv, rcode, KMSDNS_TSIG_FUDGE);
    else if (chk->error == KMSDNS_TSIG_BADKEY || (trc == KMSDNS_BADKEY && chk->error == 0))
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADKEY: it does not accept key '%s' (%s) for "
                 "this zone; check the key name and algorithm on both sides",
                 srv, rcode, key, alg);
    else if (chk->error != 0)
        snprintf(buf, cap,
                 "%s answered %s with TSIG error BADSIG: our signature did not verify there; "
                 "tsig-key does not hold the server's secret for key '%s'",
                 srv, rcode, key);
    else if (trc == KMSDNS_UNSIGNED)
        snprintf(buf, cap,
                 "%s answered %s without a TSIG signature: nothing proves the answer came from "
                 "the server%s",
                 srv, rcode, applied_hint(rcode));
    else
        snprintf(buf, cap,
                 "%s answered %s, but its TSIG signature does not verify with key '%s' (%s)%s", srv,
                 rcode, key, kmsdns_strerror(trc), applied_hint(rcode));
}

static void explain_rcode(const struct kmsdns__pub *p, const struct kmsdns_pub_update *u,
                          ldns_pkt_rcode rcode, char *buf, size_t cap)
{
    char recs[KMSDNS_NAME_BUF + 64], who[KMSDNS_NAME_BUF + 16];
    records_text(p, u, recs, sizeof recs);
    if (p->key != NULL)
        snprintf(who, sizeof who, "key '%s'", p->signer.key_name);
    else if (p->cred != NULL)
        snprintf(who, sizeof who, "principal '%s'", kmsdns_gss_cred_principal(p->cred));
    else
        snprintf(who, sizeof who, "unsigned updates");
    const char *rc = kmsdns_msg_rcode_name(rcode);
    switch (rcode) {
    case LDNS_RCODE_REFUSED:
        snprintf(buf, cap,
                 "%s refused the update of %s in zone %s: its policy does not let %s "
                 "change this record; with more than one KMS host, the SRV record's permissions "
                 "must allow every host (BIND update-policy / Knot acl / AD: full control of "
                 "_VLMCS._TCP)",
                 u->server, recs, u->zone, who);
        break;
    case LDNS_RCODE_NOTAUTH:
        snprintf(buf, cap,
                 "%s answered NOTAUTH to the update of %s: it is not authoritative for "
                 "zone %s, or %s is not allowed to update it",
                 u->server, recs, u->zone, who);
        break;
    case LDNS_RCODE_NOTZONE:
        snprintf(buf, cap, "%s answered NOTZONE: %s is not inside zone %s there", u->server, recs,
                 u->zone);
        break;
    case LDNS_RCODE_SERVFAIL:
        snprintf(buf, cap,
                 "%s answered SERVFAIL to the update of %s in zone %s: Active Directory DNS "
                 "answers SERVFAIL for a permission denial, so this is probably the record's ACL: "
                 "the first KMS host that created _vlmcs._tcp owns it and the others may only "
                 "read it; grant %s (or a group of all KMS hosts) Full Control on _vlmcs._tcp in "
                 "the zone",
                 u->server, recs, u->zone, who);
        break;
    default:
        snprintf(buf, cap, "%s answered %s to the update of %s in zone %s", u->server, rc, recs,
                 u->zone);
    }
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
        p->gss ? kmsdns__gss_server_for(p, item_server(p, u->items[0])) : NULL;
    if (s == NULL || chk->error != KMSDNS_TSIG_BADKEY || s->renegotiated)
        return false;
    s->renegotiated = true;
    s->ready = false;
    return true;
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
        bool variant = sg != NULL && chk.variant == KMSDNS_TSIG_NO_PREFIX;
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
        return AFTER_DONE;
    }
    if (rcode == LDNS_RCODE_NOERROR && trc == KMSDNS_BADSIG && chk.variant == KMSDNS_TSIG_ECHOED)
        return AFTER_READ_BACK; /* the answer proves nothing: the records must */
    if (renegotiate(p, u, &chk))
        return AFTER_RENEGOTIATE;
    if (denied && u->nitems > 1)
        return AFTER_SPLIT;
    /* A TSIG error explains itself; a plain error answer (REFUSED, SERVFAIL)
     * fails either way, so its rcode says more than its signature (AD copies
     * our own TSIG into denials: unverifiable, and beside the point). */
    if (trc != KMSDNS_OK && (rcode == LDNS_RCODE_NOERROR || chk.error != 0)) {
        explain_tsig(p, sg, u->server, u->rcode, trc, &chk, msg, sizeof msg);
        fail_update(p, u, trc, msg);
        return AFTER_DONE;
    }
    explain_rcode(p, u, rcode, msg, sizeof msg);
    if (trc != KMSDNS_OK) {
        size_t used = strlen(msg);
        snprintf(msg + used, sizeof msg - used, " (the answer's signature could not be verified)");
    }
    fail_update(p, u, kmsdns_msg_rcode_rc(rcode), msg);
    return AFTER_DONE;
}

static bool any_alive(const struct kmsdns__pub *p, const struct kmsdns_pub_update *u)
{
    for (size_t k = 0; k < u->nitems; k++)
        if (kmsdns__alive(p, u->items[k]))
            return true;
    return false;
}

/* Sends updates [first, nupdates) at once; marks the items to send again:
 * split[i] alone, again[i] with a new GSS context. */
static int send_round(struct kmsdns__pub *p, size_t first, bool *split, bool *again,
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
        const struct kmsdns_addr *srv = item_server(p, u->items[0]);
        if (!any_alive(p, u))
            continue; /* its server could not be authenticated to */
        uint8_t *wire = NULL;
        size_t len = 0, cap = 0;
        sg[nx] = kmsdns__signer_for(p, srv);
        rc = build_update(p, u, &wire, &len, &cap);
        if (rc == KMSDNS_OK && sg[nx] != NULL)
            rc = kmsdns_tsig_sign(sg[nx], wire, &len, cap, kmsdns__now(p), &req[nx]);
        x[nx] = (struct kmsdns_exchange){
            .server = *srv, .query = wire, .query_len = len, .tcp = p->opts->tcp};
        map[nx++] = first + k;
    }
    if (rc == KMSDNS_OK)
        rc = kmsdns_transport_run(p->t, x, nx, &p->topts);
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
        size_t k = want[i] ? kmsdns__read_queries(p, i, item_server(p, i), q + nq) : 0;
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
        if (ok && append_records(&got[q[k].tag], &q[k]) != KMSDNS_OK)
            rc = KMSDNS_NOMEM;
    }
    kmsdns__free_queries(q, nq);
    for (size_t i = 0; i < n; i++) {
        if (rc == KMSDNS_OK && want[i])
            judge_read_back(p, i, got[i].current, got[i].ncurrent, answered[i]);
        if (got != NULL)
            free(got[i].current);
    }
    free(q), free(got), free(answered);
    return rc;
}

int kmsdns__update(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    bool *split = calloc(n + 1, sizeof *split), *again = calloc(n + 1, sizeof *again);
    bool *checks = calloc(n + 1, sizeof *checks);
    int rc = split && again && checks ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; i < n; i++)
        split[i] = kmsdns__alive(p, i) && has_changes(&p->r->items[i]);
    size_t first = p->r->nupdates;
    if (rc == KMSDNS_OK)
        rc = group(p, split, false, first);
    while (rc == KMSDNS_OK && !p->opts->plan_only && first < p->r->nupdates) {
        rc = kmsdns__gss_prepare(p, first);
        memset(split, 0, n * sizeof *split);
        memset(again, 0, n * sizeof *again);
        memset(checks, 0, n * sizeof *checks);
        if (rc == KMSDNS_OK)
            rc = send_round(p, first, split, again, checks);
        if (rc == KMSDNS_OK)
            rc = read_back(p, checks);
        first = p->r->nupdates;
        if (rc == KMSDNS_OK)
            rc = group(p, split, true, first);
        if (rc == KMSDNS_OK)
            rc = group(p, again, false, p->r->nupdates);
    }
    free(split);
    free(again);
    free(checks);
    return rc;
}

/* ---- wait --------------------------------------------------------------- */

/* One server asked about one item in a poll. */
struct probe {
    size_t item;
    struct kmsdns_addr server;
    bool answered;
    struct kmsdns_rrdata *v;
    size_t nv;
};

/* True when records v are the planned result for item it. */
bool kmsdns__served(const struct kmsdns_pub_item *it, bool withdraw, const struct kmsdns_rrdata *v,
                    size_t n)
{
    for (size_t w = 0; w < it->nwant; w++) {
        const struct kmsdns_rrdata *want = &it->want[w];
        bool found = false;
        for (size_t k = 0; k < n && !found; k++) {
            bool same_value = v[k].type == want->type && strcmp(v[k].value, want->value) == 0;
            found = withdraw || it->is_address ? same_value : kmsdns_rrdata_same(&v[k], want);
        }
        if (found == withdraw)
            return false;
    }
    return true;
}

static size_t make_probes(struct kmsdns__pub *p, const bool *done, struct probe *pr,
                          struct kmsdns__query *q, size_t *nq)
{
    size_t np = 0;
    *nq = 0;
    for (size_t i = 0; i < p->r->nitems; i++) {
        const struct kmsdns__zone *z = done[i] ? NULL : &p->zones[p->item_zone[i]];
        const struct kmsdns_pub_item *it = &p->r->items[i];
        for (size_t s = 0; z != NULL && s < z->ncand; s++, np++) {
            pr[np] = (struct probe){.item = i, .server = z->cand[s], .answered = true};
            for (int t = 0; t < (it->is_address ? 2 : 1); t++) {
                struct kmsdns__query *x = &q[(*nq)++];
                *x = (struct kmsdns__query){.server = z->cand[s], .tag = np};
                x->type = !it->is_address ? LDNS_RR_TYPE_SRV
                          : t             ? LDNS_RR_TYPE_AAAA
                                          : LDNS_RR_TYPE_A;
                strcpy(x->name, it->owner);
            }
        }
    }
    return np;
}

/* Asks every server about every unfinished item once; updates done and why. */
static int poll_once(struct kmsdns__pub *p, bool *done, char (*why)[160])
{
    size_t n = p->r->nitems, nq = 0;
    struct probe *pr = calloc(n * KMSDNS__MAX_SERVERS + 1, sizeof *pr);
    struct kmsdns__query *q = calloc(2 * n * KMSDNS__MAX_SERVERS + 1, sizeof *q);
    int rc = pr && q ? KMSDNS_OK : KMSDNS_NOMEM;
    size_t np = rc == KMSDNS_OK ? make_probes(p, done, pr, q, &nq) : 0;
    if (rc == KMSDNS_OK)
        rc = kmsdns__run_queries(p, q, nq);
    for (size_t k = 0; rc == KMSDNS_OK && k < nq; k++) {
        struct probe *b = &pr[q[k].tag];
        struct kmsdns_pub_item fake = {.owner = ""};
        strcpy(fake.owner, p->r->items[b->item].owner);
        if (q[k].rc != KMSDNS_OK)
            b->answered = false;
        else if (append_records(&fake, &q[k]) == KMSDNS_OK && fake.ncurrent > 0) {
            struct kmsdns_rrdata *all = realloc(b->v, (b->nv + fake.ncurrent) * sizeof *all);
            if (all != NULL) {
                memcpy(all + b->nv, fake.current, fake.ncurrent * sizeof *all);
                b->v = all;
                b->nv += fake.ncurrent;
            }
        }
        free(fake.current);
    }
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++)
        done[i] = true;
    for (size_t k = 0; k < np; k++) {
        const struct kmsdns_pub_item *it = &p->r->items[pr[k].item];
        if (rc == KMSDNS_OK &&
            (!pr[k].answered || !kmsdns__served(it, p->opts->withdraw, pr[k].v, pr[k].nv))) {
            char srv[KMSDNS_ADDR_TEXT_MAX];
            done[pr[k].item] = false;
            snprintf(why[pr[k].item], sizeof why[0], "%s %s",
                     kmsdns_addr_format(&pr[k].server, srv),
                     pr[k].answered ? "still serves the old data" : "does not answer");
        }
        free(pr[k].v);
    }
    kmsdns__free_queries(q, nq);
    free(q);
    free(pr);
    return rc;
}

int kmsdns__wait(struct kmsdns__pub *p)
{
    size_t n = p->r->nitems;
    bool *done = calloc(n + 1, sizeof *done);
    char(*why)[160] = calloc(n + 1, sizeof *why);
    int rc = done && why ? KMSDNS_OK : KMSDNS_NOMEM;
    for (size_t i = 0; i < n; i++)
        done[i] = !kmsdns__alive(p, i);
    uint64_t start = kmsdns__now(p);
    while (rc == KMSDNS_OK) {
        rc = poll_once(p, done, why);
        bool all = true;
        for (size_t i = 0; i < n; i++)
            all &= done[i];
        p->r->waited = (unsigned)(kmsdns__now(p) - start);
        if (all || p->r->waited >= p->opts->wait_seconds)
            break;
        sleep(1);
    }
    for (size_t i = 0; rc == KMSDNS_OK && i < n; i++) {
        struct kmsdns_pub_item *it = &p->r->items[i];
        size_t used = strlen(it->note);
        if (kmsdns__alive(p, i) && done[i])
            snprintf(it->note + used, sizeof it->note - used, "%sserved by every server after %u s",
                     used ? "; " : "", p->r->waited);
        else if (kmsdns__alive(p, i))
            kmsdns__fail(p, i, strstr(why[i], "does not answer") ? KMSDNS_TIMEOUT : KMSDNS_RCODE,
                         "after waiting %u s, %s", p->r->waited, why[i]);
    }
    free(done);
    free(why);
    return rc;
}
