/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's command line: options, their checks, --help, and the
 * client name a real KMS client always has (its short host name).
 */
#include "client.h"

#include "kmsdns/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: kmsdns-client [-c FILE] [--kms HOST[:PORT]] [--domain D]... [--resolver ADDR[:PORT]]\n"
    "                     [--edition E] [--cmid UUID] [--name N] [--state FILE] [--no-cache]\n"
    "                     [--fleet N [--mix EDITION=PCT,...] [--concurrency C] [--seed S]]\n"
    "                     [--status] [--timeout SECONDS] [--format text|json]\n";

static void help(void)
{
    printf("kmsdns-client - a KMS client for kmsdns host cores: finds a host through DNS\n"
           "as Windows clients do, asks for activation (host protocol v1; see\n"
           "docs/protocol.md), or rehearses a whole fleet\n\n%s\n"
           "  -k, --kms HOST[:PORT]  ask this host, no discovery (slmgr /skms); port 1688\n"
           "                         by default, IPv6 as [ADDR]:PORT\n"
           "  -d, --domain D         search list entry (repeatable); default [client]\n"
           "                         search, else this machine's own domain\n"
           "  -r, --resolver A[:P]   the DNS resolver (default [dns] resolver, else\n"
           "                         /etc/resolv.conf)\n"
           "  -e, --edition E        the edition asked for (default %s)\n"
           "      --cmid UUID        the client machine ID (default: the one in the state\n"
           "                         file, made once as a random UUID)\n"
           "  -n, --name N           the client name the host logs (default: host name)\n"
           "      --state FILE       the state file: CMID and cached host (default\n"
           "                         [client] state, ~/.cache/kmsdns/client.state)\n"
           "      --no-cache         do not use or keep the cached host (slmgr /ckhc)\n"
           "      --fleet N          rehearse N clients (distinct CMIDs), each discovering\n"
           "                         and asking once; report per host\n"
           "      --mix E=PCT,...    the fleet's editions (default: all --edition)\n"
           "      --concurrency C    fleet clients in flight (default %u)\n"
           "      --seed S           a reproducible fleet (host choices and CMIDs)\n"
           "      --status           ask the host for its status (loopback only); without\n"
           "                         --kms, 127.0.0.1 on [host] port (default 1688)\n"
           "      --timeout SECONDS  connect + answer, per address (default %u)\n"
           "      --format F         text (default) or json\n"
           "  -c, --config FILE      the kmsdns config ([client], [dns] resolver/service)\n"
           "  -h, --help             this help\n"
           "  -V, --version          the version\n\n"
           "Discovery: <service>.<domain> SRV in each search-list domain in order (the\n"
           "first with records wins); the lowest priority first, weighted random choice\n"
           "(RFC 2782); a host that does not answer is dropped and another picked. The\n"
           "host that answers is cached and asked first next time; when it fails,\n"
           "discovery runs again.\n\n"
           "Exit status: 0 activated (or --status answered, or --fleet done), 1 answered\n"
           "but not activated, or refused, 2 usage or config error, 3 no host could be\n"
           "found or reached (or what answered does not speak host protocol v1).\n",
           usage, CLIENT_EDITION_DEFAULT, CLIENT_CONCURRENCY_DEFAULT, CLIENT_TIMEOUT_DEFAULT);
}

static const struct kmsdns_cli cli = {CLIENT_PROG, usage, CLIENT_EXIT_USAGE, help};

#define misuse(...) kmsdns_cli_misuse(CLIENT_PROG, usage, CLIENT_EXIT_USAGE, __VA_ARGS__)

#define ANY_CMID "00000000-0000-0000-0000-000000000000"

/* Whether the host would take a REQUEST with these fields (checked by the codec it uses). */
static bool valid(const char *cmid, const char *edition, const char *name)
{
    char line[KMSDNS_HP_LINE_MAX + 1];
    return kmsdns_hostproto_request(line, sizeof line, cmid, edition, name) > 0;
}

/* Copies an option's value once it is valid; misuse otherwise. */
static int set_field(char *dst, size_t cap, bool ok, const char *opt, const char *value,
                     const char *form)
{
    if (!ok)
        return misuse("%s: '%s' is not %s", opt, value, form);
    snprintf(dst, cap, "%s", value);
    return -1;
}

static int numeric(int c, const char *arg, struct client_params *p)
{
    uint64_t v = 0;
    int rc;
    switch (c) {
    case 't':
        rc = kmsdns_cli_uint(&cli, "--timeout", arg, 1, 300, &v);
        p->timeout = (unsigned)v;
        return rc;
    case 'N':
        rc = kmsdns_cli_uint(&cli, "--fleet", arg, 1, CLIENT_FLEET_MAX, &v);
        p->fleet = (unsigned)v;
        return rc;
    case 'C':
        rc = kmsdns_cli_uint(&cli, "--concurrency", arg, 1, 1024, &v);
        p->concurrency = (unsigned)v;
        return rc;
    default: /* 'S' */
        rc = kmsdns_cli_uint(&cli, "--seed", arg, 0, UINT64_MAX, &v);
        p->seed = v;
        p->seeded = true;
        return rc;
    }
}

static int option(int c, const char *arg, void *ctx)
{
    struct client_params *p = ctx;
    switch (c) {
    case 'c':
        p->config = arg;
        return -1;
    case 'k':
        p->kms = arg;
        return -1;
    case 'e':
        return set_field(p->edition, sizeof p->edition, valid(ANY_CMID, arg, "x"), "--edition", arg,
                         "of the form [a-z0-9-]{1,32}");
    case 'u':
        return set_field(p->cmid, sizeof p->cmid, valid(arg, "x", "x"), "--cmid", arg,
                         "a UUID (8-4-4-4-12 hex digits)");
    case 'n':
        return set_field(p->name, sizeof p->name, valid(ANY_CMID, "x", arg), "--name", arg,
                         "1-63 characters of A-Za-z0-9._-");
    case 's':
        p->status = true;
        return -1;
    case 't':
    case 'N':
    case 'C':
    case 'S':
        return numeric(c, arg, p);
    case 'd':
        if (p->ndomains == CLIENT_DOMAINS_MAX)
            return misuse("at most %d --domain", CLIENT_DOMAINS_MAX);
        p->domains[p->ndomains++] = arg;
        return -1;
    case 'r':
        p->resolver = arg;
        return -1;
    case 'T':
        p->state = arg;
        return -1;
    case 'X':
        p->no_cache = true;
        return -1;
    case 'M':
        p->mix = arg;
        return -1;
    case 'F':
        if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
            return misuse("--format is text or json, not '%s'", arg);
        p->format = strcmp(arg, "json") == 0 ? CLIENT_JSON : CLIENT_TEXT;
        return -1;
    default:
        return -1;
    }
}

int client_params_parse(int argc, char **argv, struct client_params *p)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"kms", required_argument, NULL, 'k'},
        {"edition", required_argument, NULL, 'e'},
        {"cmid", required_argument, NULL, 'u'},
        {"name", required_argument, NULL, 'n'},
        {"status", no_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'F'},
        {"domain", required_argument, NULL, 'd'},
        {"resolver", required_argument, NULL, 'r'},
        {"state", required_argument, NULL, 'T'},
        {"no-cache", no_argument, NULL, 'X'},
        {"fleet", required_argument, NULL, 'N'},
        {"mix", required_argument, NULL, 'M'},
        {"concurrency", required_argument, NULL, 'C'},
        {"seed", required_argument, NULL, 'S'},
        KMSDNS_CLI_OPTIONS_END,
    };
    memset(p, 0, sizeof *p);
    snprintf(p->edition, sizeof p->edition, "%s", CLIENT_EDITION_DEFAULT);
    p->timeout = CLIENT_TIMEOUT_DEFAULT;
    p->concurrency = CLIENT_CONCURRENCY_DEFAULT;
    int rc = kmsdns_cli_parse(&cli, argc, argv, ":c:k:e:n:d:r:hV", opts, option, p);
    if (rc >= 0)
        return rc;
    if (p->fleet > 0 && (p->kms != NULL || p->status))
        return misuse("--fleet discovers its hosts: not with --kms or --status");
    if (p->mix != NULL && p->fleet == 0)
        return misuse("--mix goes with --fleet");
    return -1;
}

/* The short host name with anything outside A-Za-z0-9._- dropped; "kmsdns-client" if empty. */
static void default_name(char out[KMSDNS_HP_NAME_MAX + 1])
{
    char host[256] = "";
    size_t n = 0;
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    for (const char *s = host; *s != '\0' && *s != '.' && n < KMSDNS_HP_NAME_MAX; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '_' || *s == '-')
            out[n++] = *s;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, KMSDNS_HP_NAME_MAX + 1, "%s", CLIENT_PROG);
}

int client_params_defaults(struct client_params *p)
{
    if (p->name[0] == '\0')
        default_name(p->name);
    return -1;
}
