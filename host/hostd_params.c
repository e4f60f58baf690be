/* SPDX-License-Identifier: MIT */
/* kmsdns-hostd's command line: options, their checks, and --help. */
#include "hostd.h"

#include "kmsdns/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: kmsdns-hostd -c FILE [-n] [--foreground] [--verbose]\n";

static void help(void)
{
    printf("kmsdns-hostd - the embedded KMS host core: counts KMS clients as a Windows KMS\n"
           "host does and answers them over the open host protocol v1 (it activates\n"
           "nothing; see docs/protocol.md)\n\n%s\n"
           "  -c, --config FILE   the kmsdns config: [host] fqdn (required), port, listen,\n"
           "                      key-group, database, activation-interval,\n"
           "                      renewal-interval, low-priority, max-connections;\n"
           "                      see kmsdns.conf(5)\n"
           "  -n, --check         check the config as the daemon would (fqdn, [host] user)\n"
           "                      and exit: 0 if it is usable, 2 with the reason if not\n"
           "  -f, --foreground    stay in the foreground and log to stderr, which systemd\n"
           "                      hands to the journal (default: detach once listening,\n"
           "                      and log to syslog)\n"
           "  -v, --verbose       also log every request and every refused connection\n"
           "  -h, --help          this help\n"
           "  -V, --version       the version\n\n"
           "With publish = yes it keeps this host's SRV records published in every domain\n"
           "of its publish list ([dns], [publish]; like kmsdns-publish): at start, then\n"
           "every [dns] publish-interval; a failure is logged and retried with backoff,\n"
           "and the last result per domain shows in STATUS.\n\n"
           "Clients send one line per connection (REQUEST v1 cmid=.. edition=.. name=..)\n"
           "and get one line back (OK count=.. threshold=.. activated=0|1 ...). A count is\n"
           "answered only once it is on disk ([host] database, SQLite), so a crash never\n"
           "loses an acknowledged client. STATUS v1 is answered on loopback only; a DCE/RPC\n"
           "bind for the KMS interface gets a bind_ack. kmsdns-client --kms HOST:PORT\n"
           "[--status] drives it by hand.\n\n"
           "SIGHUP: reload the config (checked first: a bad one is logged and the running\n"
           "one stays; listen, port, database and user need a restart). SIGTERM or\n"
           "SIGINT: answer what was read, tell clients still sending ERR busy, stop.\n"
           "With [host] user set and started as root, it opens the database as that\n"
           "user (root never touches it), binds, then drops to that user for good. The\n"
           "database and its -wal and -shm files are created 0600 (0640 with user),\n"
           "never through a symlink; one deleted while it runs is rebuilt from memory.\n\n"
           "Exit status: 0 stopped by a signal, 1 could not start (database refused,\n"
           "no address could be bound) or failed while running, 2 usage or config error.\n",
           usage);
}

static const struct kmsdns_cli cli = {HOSTD_PROG, usage, HOSTD_EXIT_USAGE, help};

#define misuse(...) kmsdns_cli_misuse(HOSTD_PROG, usage, HOSTD_EXIT_USAGE, __VA_ARGS__)

static int option(int c, const char *arg, void *ctx)
{
    struct hostd_params *p = ctx;
    switch (c) {
    case 'c':
        p->config = arg;
        break;
    case 'f':
        p->foreground = true;
        break;
    case 'v':
        p->verbose = true;
        break;
    case 'n':
        p->check_only = true;
        break;
    }
    return -1;
}

int hostd_params_parse(int argc, char **argv, struct hostd_params *p)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"check", no_argument, NULL, 'n'},
        KMSDNS_CLI_OPTIONS_END,
    };
    memset(p, 0, sizeof *p);
    int rc = kmsdns_cli_parse(&cli, argc, argv, ":c:fvnhV", opts, option, p);
    if (rc >= 0)
        return rc;
    if (p->config == NULL)
        return misuse("-c FILE is required");
    return -1;
}
