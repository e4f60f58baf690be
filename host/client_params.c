/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-client's command line: options, their checks, --help, and the
 * defaults for what a real KMS client always has: a CMID that stays the same
 * across runs on one machine (so a second run is a renewal, as on Windows)
 * and its short host name.
 */
#include "client.h"

#include "kmsdns/cli.h"
#include "kmsdns/config.h"
#include "kmsdns/version.h"

#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char usage[] =
    "usage: kmsdns-client [-c FILE] --kms HOST[:PORT] [--edition E] [--cmid UUID]\n"
    "                     [--name N] [--status] [--timeout SECONDS] [--format text|json]\n";

static void help(void)
{
    printf("kmsdns-client - ask a kmsdns KMS host core for activation, as a KMS client\n"
           "does, or for its status (host protocol v1; see docs/protocol.md)\n\n%s\n"
           "  -k, --kms HOST[:PORT]  the host to ask (port 1688 when not given; IPv6 as\n"
           "                         [ADDR]:PORT)\n"
           "  -e, --edition E        the edition asked for (default %s); the ids are\n"
           "                         listed in docs/protocol.md\n"
           "      --cmid UUID        the client machine ID (default: one derived from\n"
           "                         /etc/machine-id, the same on every run here)\n"
           "  -n, --name N           the client name logged by the host (default: this\n"
           "                         machine's short host name)\n"
           "      --status           ask for the host's status instead (answered on\n"
           "                         loopback only)\n"
           "      --timeout SECONDS  for the connect and the answer together (default %u)\n"
           "      --format F         text (default) or json\n"
           "  -c, --config FILE      the kmsdns config (checked; see kmsdns.conf(5))\n"
           "  -h, --help             this help\n"
           "  -V, --version          the version\n\n"
           "Discovery through DNS (--domain, --resolver, the [client] search list, the\n"
           "cached host in --state, --no-cache) and fleet rehearsal (--fleet, --mix) are\n"
           "not available in this version: give --kms.\n\n"
           "Exit status: 0 activated (or --status answered), 1 answered but not activated,\n"
           "or refused, 2 usage or config error, 3 no host could be reached (or what\n"
           "answered does not speak host protocol v1).\n",
           usage, CLIENT_EDITION_DEFAULT, CLIENT_TIMEOUT_DEFAULT);
}

#define misuse(...) kmsdns_cli_misuse(CLIENT_PROG, usage, CLIENT_EXIT_USAGE, __VA_ARGS__)

/* An option of the SPEC's contract that this version does not have yet. */
static int later(const char *opt)
{
    return misuse("%s is not available in this version of kmsdns-client (no discovery or fleet "
                  "rehearsal yet); give --kms HOST[:PORT]",
                  opt);
}

static int check_config(const char *path)
{
    struct kmsdns_config cfg;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_config_load(&cfg, path, &d) != KMSDNS_OK) {
        kmsdns_cli_error(CLIENT_PROG, "%s", d.text);
        return CLIENT_EXIT_USAGE;
    }
    kmsdns_config_deinit(&cfg);
    return -1;
}

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

static int parse_timeout(const char *arg, unsigned *out)
{
    char *end = NULL;
    unsigned long v = strtoul(arg, &end, 10);
    if (*arg < '0' || *arg > '9' || *end != '\0' || v == 0 || v > 300)
        return misuse("--timeout takes seconds from 1 to 300, not '%s'", arg);
    *out = (unsigned)v;
    return -1;
}

static int option(int c, const char *arg, char **argv, struct client_params *p)
{
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
        return parse_timeout(arg, &p->timeout);
    case 'F':
        if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
            return misuse("--format is text or json, not '%s'", arg);
        p->format = strcmp(arg, "json") == 0 ? CLIENT_JSON : CLIENT_TEXT;
        return -1;
    case 'L':
        return later(argv[optind - 1]);
    case 'h':
        help();
        return CLIENT_EXIT_ACTIVATED;
    case 'V':
        printf("%s (%s)\n", CLIENT_PROG, kmsdns_version());
        return CLIENT_EXIT_ACTIVATED;
    case ':':
        return misuse("%s needs a value", argv[optind - 1]);
    default:
        return misuse("unknown option '%s'", argv[optind - 1]);
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
        {"domain", required_argument, NULL, 'L'},
        {"resolver", required_argument, NULL, 'L'},
        {"state", required_argument, NULL, 'L'},
        {"no-cache", no_argument, NULL, 'L'},
        {"fleet", required_argument, NULL, 'L'},
        {"mix", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(p, 0, sizeof *p);
    snprintf(p->edition, sizeof p->edition, "%s", CLIENT_EDITION_DEFAULT);
    p->timeout = CLIENT_TIMEOUT_DEFAULT;
    opterr = 0;
    int c, rc;
    while ((c = getopt_long(argc, argv, ":c:k:e:n:hV", opts, NULL)) != -1)
        if ((rc = option(c, optarg, argv, p)) >= 0)
            return rc;
    if (optind < argc)
        return misuse("unexpected argument '%s'", argv[optind]);
    if (p->config != NULL && (rc = check_config(p->config)) >= 0)
        return rc;
    if (p->kms == NULL)
        return misuse("--kms HOST[:PORT] is required (this version has no DNS discovery)");
    return -1;
}

/* 16 bytes as a UUID of version 8 (RFC 9562: application-defined), lowercase. */
static void format_uuid(uint8_t b[16], char out[KMSDNS_HP_CMID_LEN + 1])
{
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x80);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, KMSDNS_HP_CMID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

/* This machine's CMID: a hash of its machine-id (never the id itself), else random. */
static void default_cmid(char out[KMSDNS_HP_CMID_LEN + 1])
{
    uint8_t digest[EVP_MAX_MD_SIZE], b[16];
    char id[128] = "";
    unsigned dlen = 0;
    FILE *f = fopen("/etc/machine-id", "r");
    if (f == NULL)
        f = fopen("/var/lib/dbus/machine-id", "r");
    if (f != NULL) {
        if (fgets(id, sizeof id, f) == NULL)
            id[0] = '\0';
        fclose(f);
    }
    id[strcspn(id, "\n")] = '\0';
    char input[160];
    int n = snprintf(input, sizeof input, "kmsdns-client cmid %s", id);
    if (id[0] != '\0' && EVP_Digest(input, (size_t)n, digest, &dlen, EVP_sha256(), NULL) == 1)
        memcpy(b, digest, sizeof b);
    else if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        memset(b, 0x5a, sizeof b); /* not reached on Linux >= 3.17 */
    format_uuid(b, out);
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
    if (p->cmid[0] == '\0')
        default_cmid(p->cmid);
    if (p->name[0] == '\0')
        default_name(p->name);
    return -1;
}
