/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-publish's work: load the config, run the library's publication,
 * and render the report as text (one line per domain, then a summary) or
 * JSON (the same facts). Nothing here knows DNS; it only prints.
 */
#include "publish.h"

#include "kmsdns/cli.h"
#include "kmsdns/config.h"
#include "kmsdns/log.h"
#include "kmsdns/publish.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The word for what happened to an item (or would, with --plan). */
static const char *action_word(const struct kmsdns_pub_report *r, const struct kmsdns_pub_item *it)
{
    static const char *const done[] = {"unchanged", "added", "replaced", "removed", "refreshed"};
    if (it->status != KMSDNS_ITEM_OK)
        return kmsdns_item_status_name(it->status);
    if (!it->planned)
        return "unknown";
    if (r->plan_only)
        return kmsdns_action_name(it->plan.action);
    return done[it->plan.action];
}

static void print_rrs(const char *label, const struct kmsdns_rrdata *v, size_t n)
{
    char buf[600];
    if (n == 0)
        printf("    %-8s (none)\n", label);
    for (size_t i = 0; i < n; i++)
        printf("    %-8s %s\n", i == 0 ? label : "",
               kmsdns_rrdata_format(&v[i], true, buf, sizeof buf));
}

/* What servers and libraries said goes out redacted and escaped, like log lines. */
static void print_said(const char *label, const char *text)
{
    char clean[1024];
    kmsdns_log_format(clean, sizeof clean, "%s", text);
    printf("    %-8s %s\n", label, clean);
}

static void print_item(const struct kmsdns_pub_report *r, const struct kmsdns_pub_item *it)
{
    char buf[600];
    const struct kmsdns_rrdata *shown = it->nwant ? &it->want[0] : NULL;
    printf("%-28s %-11s", it->domain, action_word(r, it));
    if (shown != NULL && !it->is_address)
        printf(" SRV %u %u %u %s.", shown->priority, shown->weight, shown->port, shown->value);
    else if (it->is_address)
        printf(" A/AAAA of %s", it->owner);
    if (it->zone[0] != '\0')
        printf("  (zone %s%s%s)", it->zone, it->server[0] ? " at " : "", it->server);
    printf("\n");
    if (it->status != KMSDNS_ITEM_OK)
        print_said("error:", it->message);
    if (it->warning[0] != '\0')
        print_said("warning:", it->warning);
    if (it->note[0] != '\0')
        print_said("note:", it->note);
    if (it->status == KMSDNS_ITEM_OK && it->planned && it->plan.nrefresh > 0 &&
        it->plan.action != KMSDNS_ACTION_REFRESH)
        printf("    %-8s %s %zu record%s already right\n",
               "refresh:", r->plan_only ? "would re-register" : "re-registered", it->plan.nrefresh,
               it->plan.nrefresh == 1 ? "" : "s");
    /* the refreshed RRs are the last nrefresh of del (kmsdns_plan_refresh): not "was" */
    size_t changed = it->planned ? it->plan.ndel - it->plan.nrefresh : 0;
    if (!r->plan_only && changed > 0 && it->status == KMSDNS_ITEM_OK)
        for (size_t i = 0; i < changed; i++)
            printf("    %-8s %s\n", i == 0 ? "was:" : "",
                   kmsdns_rrdata_format(&it->plan.del[i], false, buf, sizeof buf));
    if (r->plan_only && it->have_current)
        print_rrs("current:", it->current, it->ncurrent);
}

static void print_plan_updates(const struct kmsdns_pub_report *r, const char *signer)
{
    char buf[600];
    if (r->nupdates == 0) {
        printf("\nNo update would be sent: every record is already right.\n");
        return;
    }
    printf("\nUpdates that would be sent (%s):\n", signer);
    for (size_t u = 0; u < r->nupdates; u++) {
        const struct kmsdns_pub_update *up = &r->updates[u];
        printf("  zone %s at %s; prerequisites: none\n", up->zone, up->server);
        for (size_t k = 0; k < up->nitems; k++) {
            const struct kmsdns_plan *pl = &r->items[up->items[k]].plan;
            for (size_t d = 0; d < pl->ndel; d++)
                printf("    delete %s%s\n",
                       kmsdns_rrdata_format(&pl->del[d], false, buf, sizeof buf),
                       d >= pl->ndel - pl->nrefresh ? "  ; refresh" : "");
            for (size_t a = 0; a < pl->nadd; a++)
                printf("    add    %s%s\n",
                       kmsdns_rrdata_format(&pl->add[a], true, buf, sizeof buf),
                       a >= pl->nadd - pl->nrefresh ? "  ; refresh" : "");
        }
    }
}

static void render_text(const struct kmsdns_pub_report *r, const struct kmsdns_config *cfg)
{
    unsigned count[5] = {0}, failed = 0, unreachable = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        const struct kmsdns_pub_item *it = &r->items[i];
        print_item(r, it);
        failed += it->status == KMSDNS_ITEM_FAILED;
        unreachable += it->status == KMSDNS_ITEM_UNREACHABLE;
        if (it->status == KMSDNS_ITEM_OK && it->planned)
            count[it->plan.action]++;
    }
    char signer[KMSDNS_NAME_BUF + 32] = "unsigned";
    if (cfg->dns.auth == KMSDNS_AUTH_TSIG)
        snprintf(signer, sizeof signer, "signed with TSIG");
    else if (cfg->dns.auth == KMSDNS_AUTH_GSS_TSIG)
        snprintf(signer, sizeof signer, "signed with GSS-TSIG after a TKEY negotiation per server");
    if (r->plan_only)
        print_plan_updates(r, signer);
    printf("%s%zu record set%s: %u unchanged, %u %s, %u %s, %u %s, %u %s, %u failed, "
           "%u unreachable; ",
           r->plan_only ? "\nplan: " : "", r->nitems, r->nitems == 1 ? "" : "s", count[0], count[1],
           r->plan_only ? "to add" : "added", count[2], r->plan_only ? "to replace" : "replaced",
           count[3], r->plan_only ? "to remove" : "removed", count[4],
           r->plan_only ? "to refresh" : "refreshed", failed, unreachable);
    if (r->plan_only)
        printf("%zu update%s would be sent\n", r->nupdates, r->nupdates == 1 ? "" : "s");
    else if (r->updates_sent == 0 && failed + unreachable == 0)
        printf("nothing to change, no update sent\n");
    else
        printf("%u update%s sent\n", r->updates_sent, r->updates_sent == 1 ? "" : "s");
}

static json_t *rr_json(const struct kmsdns_rrdata *rr)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "owner", rr->owner, "type",
                          rr->type == LDNS_RR_TYPE_SRV ? "SRV"
                          : rr->type == LDNS_RR_TYPE_A ? "A"
                                                       : "AAAA",
                          "ttl", (json_int_t)rr->ttl);
    if (rr->type == LDNS_RR_TYPE_SRV) {
        json_object_set_new(o, "priority", json_integer(rr->priority));
        json_object_set_new(o, "weight", json_integer(rr->weight));
        json_object_set_new(o, "port", json_integer(rr->port));
        json_object_set_new(o, "target", json_string(rr->value));
    } else {
        json_object_set_new(o, "address", json_string(rr->value));
    }
    return o;
}

static json_t *rrs_json(const struct kmsdns_rrdata *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, rr_json(&v[i]));
    return a;
}

static json_t *item_json(const struct kmsdns_pub_report *r, const struct kmsdns_pub_item *it)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "domain", it->domain, "owner", it->owner,
                          "action", action_word(r, it), "status",
                          kmsdns_item_status_name(it->status), "zone", it->zone);
    json_object_set_new(o, "server", it->server[0] ? json_string(it->server) : json_null());
    json_object_set_new(o, "current",
                        it->have_current ? rrs_json(it->current, it->ncurrent) : json_null());
    json_t *ch = json_array();
    /* a refreshed RR is one change "refresh" (sent as delete-RR + add-RR) */
    size_t nr = it->planned ? it->plan.nrefresh : 0;
    for (size_t i = 0; it->planned && i < it->plan.ndel - nr; i++)
        json_array_append_new(
            ch, json_pack("{s:s, s:o}", "op", "delete", "record", rr_json(&it->plan.del[i])));
    for (size_t i = 0; it->planned && i < it->plan.nadd - nr; i++)
        json_array_append_new(
            ch, json_pack("{s:s, s:o}", "op", "add", "record", rr_json(&it->plan.add[i])));
    for (size_t i = 0; i < nr; i++)
        json_array_append_new(ch, json_pack("{s:s, s:o}", "op", "refresh", "record",
                                            rr_json(&it->plan.add[it->plan.nadd - nr + i])));
    json_object_set_new(o, "changes", ch);
    json_object_set_new(
        o, "error",
        it->status == KMSDNS_ITEM_OK
            ? json_null()
            : json_pack("{s:s, s:s}", "code", kmsdns_errname(it->rc), "message", it->message));
    json_object_set_new(
        o, "refreshed",
        json_boolean(it->planned && it->plan.nrefresh > 0 && (r->plan_only || it->applied)));
    json_object_set_new(o, "ad_dns", json_boolean(it->ad_dns));
    json_object_set_new(o, "note", it->note[0] ? json_string(it->note) : json_null());
    json_object_set_new(o, "warning", it->warning[0] ? json_string(it->warning) : json_null());
    return o;
}

static json_t *update_json(const struct kmsdns_pub_report *r, const struct kmsdns_pub_update *u)
{
    json_t *doms = json_array();
    for (size_t k = 0; k < u->nitems; k++)
        json_array_append_new(doms, json_string(r->items[u->items[k]].domain));
    return json_pack("{s:s, s:s, s:o, s:b, s:s?, s:s?}", "zone", u->zone, "server", u->server,
                     "domains", doms, "sent", u->sent, "rcode", u->rcode[0] ? u->rcode : NULL,
                     "proof", u->proof[0] ? u->proof : NULL);
}

/* The library's outcome as this program's exit code; matched by outcome_word(). */
static int outcome_exit(enum kmsdns_pub_outcome o)
{
    switch (o) {
    case KMSDNS_PUB_SERVER_ERROR:
        return PUBLISH_EXIT_SERVER_ERROR;
    case KMSDNS_PUB_UNREACHABLE:
        return PUBLISH_EXIT_UNREACHABLE;
    case KMSDNS_PUB_DONE:
        break;
    }
    return PUBLISH_EXIT_OK;
}

static const char *outcome_word(enum kmsdns_pub_outcome o)
{
    switch (o) {
    case KMSDNS_PUB_SERVER_ERROR:
        return "failed";
    case KMSDNS_PUB_UNREACHABLE:
        return "unreachable";
    case KMSDNS_PUB_DONE:
        break;
    }
    return "ok";
}

static void render_json(const struct kmsdns_pub_report *r)
{
    json_t *doms = json_array(), *addrs = json_array(), *ups = json_array();
    for (size_t i = 0; i < r->nitems; i++)
        json_array_append_new(r->items[i].is_address ? addrs : doms, item_json(r, &r->items[i]));
    for (size_t u = 0; u < r->nupdates; u++)
        json_array_append_new(ups, update_json(r, &r->updates[u]));
    json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:o, s:o, s:o}", "fqdn",
                          r->fqdn, "mode", r->withdraw ? "withdraw" : "publish", "plan",
                          r->plan_only, "auth", r->auth, "status", outcome_word(r->outcome),
                          "exit_code", outcome_exit(r->outcome), "updates_sent",
                          (int)r->updates_sent, "tkey_exchanges", (int)r->tkey_exchanges, "waited",
                          (int)r->waited, "domains", doms, "addresses", addrs, "updates", ups);
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(o);
}

int publish_exec(const struct publish_params *p)
{
    struct kmsdns_config cfg;
    struct kmsdns_diag diag;
    kmsdns_diag_init(&diag);
    if (kmsdns_config_load(&cfg, p->config, &diag) != KMSDNS_OK) {
        kmsdns_cli_error(PUBLISH_PROG, "%s", diag.text);
        return PUBLISH_EXIT_USAGE;
    }
    struct kmsdns_publish_opts opts = {.withdraw = p->withdraw,
                                       .plan_only = p->plan,
                                       .tcp = p->tcp,
                                       .refresh = p->refresh,
                                       .wait_seconds = p->wait,
                                       .fqdn = p->fqdn[0] ? p->fqdn : NULL};
    struct kmsdns_pub_report *r = NULL;
    int rc = kmsdns_publish_run(&cfg, &opts, &r, &diag);
    if (rc != KMSDNS_OK) {
        kmsdns_cli_error(PUBLISH_PROG, "%s", diag.text);
        kmsdns_config_deinit(&cfg);
        return rc == KMSDNS_NOMEM ? PUBLISH_EXIT_UNREACHABLE : PUBLISH_EXIT_USAGE;
    }
    if (p->format == PUBLISH_JSON)
        render_json(r);
    else
        render_text(r, &cfg);
    int code = outcome_exit(r->outcome);
    kmsdns_pub_report_free(r);
    kmsdns_config_deinit(&cfg);
    return code;
}
