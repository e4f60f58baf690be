/* SPDX-License-Identifier: MIT */
/* kmsdns-publish's command line: options, their checks, and --help. */
#include "publish.h"

#include "kmsdns/cli.h"
#include "kmsdns/error.h"
#include "kmsdns/number.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: kmsdns-publish -c FILE [--plan] [--withdraw [--fqdn OTHER]] [--refresh]\n"
    "                      [--tcp] [--wait[=SECONDS]] [--format text|json]\n";

static void help(void)
{
    printf("kmsdns-publish - publish this KMS host's _vlmcs._tcp SRV records with signed\n"
           "DNS updates (RFC 2136) into every domain of its publish list\n\n%s\n"
           "  -c, --config FILE   the kmsdns config ([host] fqdn, port, addresses; [dns];\n"
           "                      [publish] domain / list-file); see kmsdns.conf(5)\n"
           "      --plan          show, per domain, the current records, the change and the\n"
           "                      update that would be sent; send nothing\n"
           "      --withdraw      remove this host's SRV records (any port, priority or\n"
           "                      weight) and the A/AAAA records equal to [host] addresses\n"
           "      --fqdn OTHER    with --withdraw: remove OTHER's SRV records instead\n"
           "                      (a retired host); its addresses are not touched\n"
           "      --refresh       re-register this host's records that are already right\n"
           "                      (delete-RR + add-RR of the same data, one UPDATE per\n"
           "                      zone), whatever [dns] refresh says: Active Directory DNS\n"
           "                      then renews their aging timestamps\n"
           "      --tcp           use TCP for every query and update (default: UDP, TCP on\n"
           "                      truncation)\n"
           "      --wait[=SECS]   after publishing, poll every server of each zone until all\n"
           "                      serve the new records (default limit %u s)\n"
           "      --format F      text (default) or json\n"
           "  -h, --help          this help\n"
           "  -V, --version       the version\n\n"
           "Updates are signed as [dns] auth says: none, tsig (the BIND key file in\n"
           "tsig-key) or gss-tsig (Kerberos from keytab, or the caller's ccache; one TKEY\n"
           "negotiation per server, over TCP). Every answer must prove itself: a verified\n"
           "TSIG, a known server variant, or (for answers that prove nothing) the records\n"
           "read back; see docs/GSS-TSIG.md and docs/AD-DNS.md.\n\n"
           "Only this host's records are ever touched: other hosts' RRs in a shared RRset\n"
           "stay (delete-this-RR + add-this-RR, never delete-RRset). A run with nothing to\n"
           "change sends no update, except where refresh applies ([dns] refresh = auto:\n"
           "zones served by Active Directory DNS, which scavenges records not refreshed;\n"
           "yes; --refresh): there it re-registers this host's own records. A TTL-only\n"
           "difference is reported, never rewritten.\n\n"
           "Exit status: 0 every domain published (or already right), 1 a server answered\n"
           "with an error for some domain, 2 usage or config error (nothing sent), 3 no\n"
           "server could be asked for some domain; 1 wins over 3.\n",
           usage, PUBLISH_WAIT_DEFAULT);
}

static const struct kmsdns_cli cli = {PUBLISH_PROG, usage, PUBLISH_EXIT_USAGE, help};

/* Misuse: the message and the usage on stderr, PUBLISH_EXIT_USAGE. */
#define misuse(...) kmsdns_cli_misuse(PUBLISH_PROG, usage, PUBLISH_EXIT_USAGE, __VA_ARGS__)

/* --wait[=SECONDS]: -1 with *out set, else misuse. */
static int parse_wait(const char *arg, unsigned *out)
{
    if (arg == NULL) {
        *out = PUBLISH_WAIT_DEFAULT;
        return -1;
    }
    uint64_t v = 0;
    if (kmsdns_parse_uint(arg, 1, 86400, &v) != KMSDNS_OK)
        return misuse("--wait takes seconds from 1 to 86400, not '%s'", arg);
    *out = (unsigned)v;
    return -1;
}

static int check(struct publish_params *p)
{
    if (p->config == NULL)
        return misuse("-c FILE is required");
    if (p->fqdn[0] != '\0' && !p->withdraw)
        return misuse("--fqdn goes with --withdraw");
    if (p->refresh && p->withdraw)
        return misuse("--refresh and --withdraw do not go together");
    if (p->wait > 0 && p->plan)
        return misuse("--wait and --plan do not go together (--plan sends nothing)");
    return -1;
}

static int option(int c, const char *arg, void *ctx)
{
    struct publish_params *p = ctx;
    const char *why = NULL;
    switch (c) {
    case 'c':
        p->config = arg;
        break;
    case 'p':
        p->plan = true;
        break;
    case 'W':
        p->withdraw = true;
        break;
    case 't':
        p->tcp = true;
        break;
    case 'r':
        p->refresh = true;
        break;
    case 'f':
        if (kmsdns_name_normalize(arg, KMSDNS_NAME_HOST, p->fqdn, &why) != 0)
            return misuse("--fqdn: bad host name '%s'", arg);
        break;
    case 'w':
        return parse_wait(arg, &p->wait);
    case 'F':
        if (strcmp(arg, "text") == 0)
            p->format = PUBLISH_TEXT;
        else if (strcmp(arg, "json") == 0)
            p->format = PUBLISH_JSON;
        else
            return misuse("--format is text or json, not '%s'", arg);
        break;
    }
    return -1;
}

int publish_params_parse(int argc, char **argv, struct publish_params *p)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"plan", no_argument, NULL, 'p'},
        {"withdraw", no_argument, NULL, 'W'},
        {"fqdn", required_argument, NULL, 'f'},
        {"tcp", no_argument, NULL, 't'},
        {"wait", optional_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'F'},
        {"refresh", no_argument, NULL, 'r'},
        KMSDNS_CLI_OPTIONS_END,
    };
    memset(p, 0, sizeof *p);
    int rc = kmsdns_cli_parse(&cli, argc, argv, ":c:hV", opts, option, p);
    if (rc >= 0)
        return rc;
    return check(p);
}
