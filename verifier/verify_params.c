/* SPDX-License-Identifier: MIT */
/* kmsdns-verify's command line. Misuse exits 3 (UNKNOWN): 2 means CRITICAL to monitoring. */
#include "verify.h"

#include "kmsdns/cli.h"
#include "kmsdns/error.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Misuse prints this one line after its message; --help the whole synopsis. */
static const char usage[] = "usage: kmsdns-verify [-c FILE]... [--domain D]... [OPTION]... "
                            "(kmsdns-verify --help lists them)\n";

static const char synopsis[] =
    "usage: kmsdns-verify [-c FILE]... [--domain D]... [--domains-from FILE]\n"
    "                     [--server ADDR[:PORT]]... [--ns] [--resolver ADDR[:PORT]]\n"
    "                     [--max-inflight N] [--qps N] [--timeout MS] [--retries N]\n"
    "                     [--tsig-key FILE] [--client-view] [--probe none|tcp|rpc]\n"
    "                     [--ldap] [--time-limit SECONDS] [--dnssec-warn HOURS]\n"
    "                     [--output FILE]\n"
    "                     [--format text|json|nagios|prometheus|html]\n"
    "                     [--warning RANGE] [--critical RANGE]\n";

static void help(void)
{
    printf("kmsdns-verify - audit the _vlmcs._tcp SRV records of KMS hosts, and their\n"
           "targets' A/AAAA, across every DNS server that serves them\n\n%s\n"
           "  -c, --config FILE      a KMS host's config: its [host] fqdn, port and addresses\n"
           "                         are expected in every [publish] domain (repeatable: the\n"
           "                         union of all hosts)\n"
           "      --domain D         also check D, without expectations (repeatable)\n"
           "      --domains-from F   domains from F, one per line; '#' starts a comment\n"
           "      --server A[:P]     ask exactly these servers (repeatable); default: every\n"
           "                         authoritative server (NS) of each zone\n"
           "      --ns               with --server: ask the zone's NS too\n"
           "      --resolver A[:P]   where zones and NS are looked up (default: the first\n"
           "                         config's [dns] resolver, else /etc/resolv.conf)\n"
           "      --max-inflight N   queries in flight per server (default 32)\n"
           "      --qps N            at most N queries per second in all (default: no cap)\n"
           "      --timeout MS       per try (default 1000; c-ares doubles it per round)\n"
           "      --retries N        tries after the first before a server is unreachable\n"
           "                         (default 2)\n"
           "      --tsig-key FILE    sign the queries to the servers with this BIND key file;\n"
           "                         an answer that does not verify is tsig-error\n"
           "      --client-view      also ask the resolver as a client would (recursion, no AA\n"
           "                         expected): one more entry per domain, \"view\": \"client\"\n"
           "      --probe P          none (default), tcp (connect to each target address on\n"
           "                         the SRV port) or rpc (also a DCE/RPC bind for the KMS\n"
           "                         interface, which must be acknowledged); probe-failed\n"
           "      --ldap             AD DNS: read each record's aging timestamp and the zone's\n"
           "                         aging settings from each server's LDAP (port 389, SASL\n"
           "                         GSSAPI with the first config's [dns] keytab + principal,\n"
           "                         else your ccache): record-aging, record-static, ldap-error\n"
           "      --time-limit S     the whole audit ends after S seconds: what is not\n"
           "                         answered by then is server-unreachable (UNKNOWN when\n"
           "                         nothing was); probes and --ldap reads stop too\n"
           "      --dnssec-warn H    signed zones: dnssec-expiring when the best RRSIG over an\n"
           "                         RRset expires within H hours (default 72; 0: only once\n"
           "                         expired, which is dnssec-bogus)\n"
           "      --format F         text (default), json, nagios (one status line and\n"
           "                         perfdata), prometheus (node_exporter textfile) or html\n"
           "                         (one self-contained page)\n"
           "      --output FILE      write the report to FILE atomically (a temporary file\n"
           "                         renamed into place), e.g. for the textfile collector\n"
           "      --warning RANGE, --critical RANGE\n"
           "                         nagios: Nagios ranges over the audit's duration in\n"
           "                         seconds (10 over 10; 10: under 10; ~:10 over 10; 10:20\n"
           "                         outside 10..20; @10:20 inside); a match raises the status\n"
           "  -h, --help, -V, --version\n\n"
           "Problems: srv-missing, srv-mismatch, target-dot, target-cname,\n"
           "target-no-address, address-mismatch, srv-inconsistent (critical);\n"
           "extra-record, serial-mismatch, ttl-inconsistent, server-not-authoritative,\n"
           "srv-misnamed (an SRV at a near miss of _vlmcs._tcp, asked only when missing),\n"
           "server-unreachable (warning; unknown when no server answered); tsig-error\n"
           "(critical, with --tsig-key); probe-failed (critical, with --probe);\n"
           "record-aging (warning; critical once eligible for scavenging), record-static\n"
           "(warning), ldap-error (unknown), with --ldap. Signed zones (a DNSKEY RRset\n"
           "on the server; RRSIGs checked against it, no chain of trust): dnssec-unsigned,\n"
           "dnssec-bogus (critical), dnssec-expiring (warning).\n"
           "Exit status (monitoring plugins): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the\n"
           "worst wins: critical > unknown > warning > ok. Usage and config errors: 3.\n",
           synopsis);
}

/* Misuse: the message and the usage on stderr, VERIFY_EXIT_UNKNOWN. */
#define misuse(...) kmsdns_cli_misuse(VERIFY_PROG, usage, VERIFY_EXIT_UNKNOWN, __VA_ARGS__)

static const struct kmsdns_cli cli = {VERIFY_PROG, usage, VERIFY_EXIT_UNKNOWN, help};

static int number(const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out)
{
    uint64_t v = 0;
    int rc = kmsdns_cli_uint(&cli, opt, arg, min, max, &v);
    if (rc >= 0)
        return rc;
    *out = (unsigned)v;
    return 0;
}

static int address(const char *opt, const char *arg, struct kmsdns_addr *a)
{
    const char *why = NULL;
    if (kmsdns_addr_parse(arg, 53, KMSDNS_ADDR_PORT_ALLOWED, a, &why) != 0)
        return misuse("%s '%s': %s", opt, arg, why);
    return 0;
}

static int format(const char *arg, struct verify_params *p)
{
    static const char *const names[] = {"text", "json", "nagios", "prometheus", "html"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(arg, names[i]) == 0) {
            p->format = (enum verify_format)i;
            return 0;
        }
    return misuse("--format is text, json, nagios, prometheus or html, not '%s'", arg);
}

/* A Nagios range (nagios --warning / --critical), kept as given for the perfdata. */
static int range(const char *opt, const char *arg, struct verify_range *r, const char **text)
{
    if (verify_range_parse(arg, r) != 0)
        return misuse("%s takes a Nagios range (10, 10:, ~:10, 10:20, @10:20), not '%s'", opt, arg);
    *text = arg;
    return 0;
}

/* --time-limit SECONDS (decimals allowed), as milliseconds. */
static int time_limit(const char *arg, unsigned *ms)
{
    char *end = NULL;
    double v = strtod(arg, &end);
    if (end == arg || *end != '\0' || !(v >= 0.001) || v > 86400)
        return misuse("--time-limit takes seconds (0.001 to 86400), not '%s'", arg);
    *ms = (unsigned)(v * 1000 + 0.5);
    return 0;
}

static int option(int c, const char *arg, struct verify_params *p)
{
    switch (c) {
    case 'c':
        if (p->nconfigs == VERIFY_MAX_LIST)
            return misuse("too many -c files (at most %d)", VERIFY_MAX_LIST);
        p->configs[p->nconfigs++] = arg;
        return 0;
    case 'd':
        if (p->ndomains == sizeof p->domains / sizeof p->domains[0])
            return misuse("too many --domain (use --domains-from)");
        p->domains[p->ndomains++] = arg;
        return 0;
    case 'D':
        p->domains_from = arg;
        return 0;
    case 's':
        if (p->nservers == VERIFY_MAX_LIST)
            return misuse("too many --server (at most %d)", VERIFY_MAX_LIST);
        return address("--server", arg, &p->servers[p->nservers++]);
    case 'n':
        p->ns = true;
        return 0;
    case 'r':
        p->have_resolver = true;
        return address("--resolver", arg, &p->resolver);
    case 'm':
        return number("--max-inflight", arg, 1, 4096, &p->max_inflight);
    case 'q':
        return number("--qps", arg, 1, 10000000, &p->qps);
    case 't':
        return number("--timeout", arg, 10, 60000, &p->timeout_ms);
    case 'R':
        return number("--retries", arg, 0, 10, &p->retries);
    case 'p':
        if (strcmp(arg, "none") == 0 || strcmp(arg, "tcp") == 0 || strcmp(arg, "rpc") == 0) {
            p->probe = arg[0] == 'n' ? 0 : arg[0] == 't' ? 1 : 2;
            return 0;
        }
        return misuse("--probe is none, tcp or rpc, not '%s'", arg);
    case 'F':
        return format(arg, p);
    case 'o':
        p->output = arg;
        return 0;
    case 'w':
        return range("--warning", arg, &p->warning, &p->warning_text);
    case 'k':
        return range("--critical", arg, &p->critical, &p->critical_text);
    case 'l':
        return time_limit(arg, &p->time_limit_ms);
    case 'C':
        p->client_view = true;
        return 0;
    case 'T':
        p->tsig_key = arg;
        return 0;
    case 'L':
        p->ldap = true;
        return 0;
    case 'S':
        p->dnssec_warn_set = true;
        return number("--dnssec-warn", arg, 0, 8760, &p->dnssec_warn_h);
    }
    return misuse("internal: option %c", c);
}

/* option() in kmsdns_cli_parse()'s terms: its 0 (go on) is -1 there. */
static int own_option(int c, const char *arg, void *ctx)
{
    int rc = option(c, arg, ctx);
    return rc == 0 ? -1 : rc;
}

int verify_params_parse(int argc, char **argv, struct verify_params *p)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"domain", required_argument, NULL, 'd'},
        {"domains-from", required_argument, NULL, 'D'},
        {"server", required_argument, NULL, 's'},
        {"ns", no_argument, NULL, 'n'},
        {"resolver", required_argument, NULL, 'r'},
        {"max-inflight", required_argument, NULL, 'm'},
        {"qps", required_argument, NULL, 'q'},
        {"timeout", required_argument, NULL, 't'},
        {"retries", required_argument, NULL, 'R'},
        {"probe", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'},
        {"warning", required_argument, NULL, 'w'},
        {"critical", required_argument, NULL, 'k'},
        {"time-limit", required_argument, NULL, 'l'},
        {"client-view", no_argument, NULL, 'C'},
        {"tsig-key", required_argument, NULL, 'T'},
        {"ldap", no_argument, NULL, 'L'},
        {"dnssec-warn", required_argument, NULL, 'S'},
        KMSDNS_CLI_OPTIONS_END,
    };
    memset(p, 0, sizeof *p);
    p->timeout_ms = 1000;
    p->retries = 2;
    int rc = kmsdns_cli_parse(&cli, argc, argv, ":c:hV", opts, own_option, p);
    if (rc >= 0)
        return rc;
    if (p->ns && p->nservers == 0)
        return misuse("--ns goes with --server");
    if (p->nconfigs == 0 && p->ndomains == 0 && p->domains_from == NULL)
        return misuse("nothing to verify: give -c FILE, --domain D or --domains-from F");
    return -1;
}
