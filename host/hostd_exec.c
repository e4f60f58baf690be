/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's start-up and run: load the config, restore the engine from
 * the store, bind, then serve. Without --foreground the process detaches
 * first and the detached child does the start-up, reporting its outcome
 * through a pipe: the command that started the daemon still prints any
 * start-up error and exits with its code, and exits 0 only once the daemon
 * is listening.
 */
#define _GNU_SOURCE /* pipe2, euidaccess */
#include "hostd.h"

#include "kmsdns/cli.h"
#include "kmsdns/config.h"
#include "engine.h"
#include "kmsdns/publist.h"
#include "hostpub.h"
#include "hostsrv.h"
#include "kmsdns/log.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hostd_deinit(struct hostd *h)
{
    kmsdns_hostpub_free(h->pub);
    kmsdns_hostsrv_free(h->srv);
    kmsdns_store_close(h->store);
    kmsdns_engine_free(h->engine);
    hostd_config_free(h->cfg);
}

/* After a refusal under [host] user's ids: says so when that user cannot write the directory. */
static void hint_directory(const struct kmsdns_config *cfg, struct kmsdns_diag *d)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cfg->host.database);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    if (euidaccess(dir, W_OK | X_OK) == 0)
        return;
    size_t n = strlen(d->text);
    snprintf(d->text + n, sizeof d->text - n,
             " ([host] user '%s', who opens the database, cannot create files in %s: give it "
             "that directory)",
             cfg->host.user, dir);
}

/*
 * The store, opened with [host] user's ids when we are root (see
 * hostd_user_access_begin()), so a refusal for want of rights says whose.
 */
static int open_store(struct hostd *h, struct kmsdns_diag *d)
{
    const struct kmsdns_config *cfg = h->cfg;
    struct hostd_access a;
    int rc = hostd_user_access_begin(cfg, &a, d);
    if (rc != KMSDNS_OK)
        return rc;
    rc = kmsdns_store_open(cfg->host.database, hostd_database_mode(cfg), h->engine, &h->store, d);
    if (rc != KMSDNS_OK && a.active)
        hint_directory(cfg, d);
    struct kmsdns_diag back;
    kmsdns_diag_init(&back);
    if (hostd_user_access_end(&a, &back) != KMSDNS_OK) {
        *d = back;
        return KMSDNS_SYSTEM;
    }
    return rc;
}

/* Engine, store, sockets, then the privilege drop: HOSTD_EXIT_OK or the exit code, d says why. */
static int start(struct hostd *h, struct kmsdns_diag *d)
{
    const struct kmsdns_config *cfg = h->cfg;
    const struct kmsdns_engine_settings es = {cfg->host.key_group, cfg->host.activation_interval,
                                              cfg->host.renewal_interval};
    if ((h->engine = kmsdns_engine_new(&es)) == NULL || (h->pub = kmsdns_hostpub_new()) == NULL) {
        kmsdns_diag_set(d, KMSDNS_NOMEM, NULL, 0, "out of memory");
        return HOSTD_EXIT_FAIL;
    }
    if (open_store(h, d) != KMSDNS_OK ||
        kmsdns_hostsrv_new(cfg, h->engine, h->store, &h->srv, d) != KMSDNS_OK ||
        hostd_drop_privileges(cfg, d) != KMSDNS_OK)
        return HOSTD_EXIT_FAIL;
    hostd_set_priority(cfg->host.low_priority);
    kmsdns_log(KMSDNS_LOG_NOTICE, "%s: count %u, capacity %u, key group %s, publish = %s",
               cfg->host.database, kmsdns_engine_count(h->engine),
               kmsdns_engine_capacity(h->engine), kmsdns_key_group_name(cfg->host.key_group),
               cfg->host.publish ? "yes" : "no");
    return HOSTD_EXIT_OK;
}

/*
 * Serves, then checks once more that the database is still at its path
 * (rebuilding it if it was deleted since the last commit), so that a
 * restart finds everything acknowledged.
 */
static int serve_and_sync(struct hostd *h)
{
    int code = hostd_serve(h);
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    if (kmsdns_store_verify(h->store, h->engine, &d) != KMSDNS_OK) {
        kmsdns_log(KMSDNS_LOG_ERR, "%s", d.text);
        code = HOSTD_EXIT_FAIL;
    }
    return code;
}

/* The detached child tells its parent how the start went: one byte of exit code, then why. */
static void report(int fd, int code, const char *why)
{
    unsigned char c = (unsigned char)code;
    if (write(fd, &c, 1) == 1 && code != HOSTD_EXIT_OK)
        (void)write(fd, why, strlen(why));
    close(fd);
}

/* The parent's side: waits for the child's report and returns the exit code to use. */
static int await_report(int fd)
{
    char buf[KMSDNS_DIAG_MAX + 1];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (n == 0) {
        kmsdns_cli_error(HOSTD_PROG, "the daemon died while starting (see the system log)");
        return HOSTD_EXIT_FAIL;
    }
    if (buf[0] != HOSTD_EXIT_OK)
        kmsdns_cli_error(HOSTD_PROG, "%s", buf + 1);
    return (unsigned char)buf[0];
}

static void detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
}

/* Runs the server in the foreground. */
static int serve(struct hostd *h)
{
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    int code = start(h, &d);
    if (code != HOSTD_EXIT_OK) {
        kmsdns_cli_error(HOSTD_PROG, "%s", d.text);
        return code;
    }
    return serve_and_sync(h);
}

static int daemonize_and_serve(struct hostd *h, const struct hostd_params *p)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        kmsdns_cli_error(HOSTD_PROG, "pipe: %s", strerror(errno));
        return HOSTD_EXIT_FAIL;
    }
    pid_t pid = fork();
    if (pid < 0) {
        kmsdns_cli_error(HOSTD_PROG, "fork: %s", strerror(errno));
        return HOSTD_EXIT_FAIL;
    }
    if (pid > 0) {
        close(pfd[1]);
        return await_report(pfd[0]);
    }
    close(pfd[0]);
    setsid();
    kmsdns_log_open(HOSTD_PROG, KMSDNS_LOG_TO_SYSLOG,
                    p->verbose ? KMSDNS_LOG_DEBUG : KMSDNS_LOG_INFO);
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    int code = start(h, &d);
    if (code != HOSTD_EXIT_OK) {
        kmsdns_log(KMSDNS_LOG_ERR, "%s", d.text);
        report(pfd[1], code, d.text);
        return code;
    }
    if (chdir("/") != 0)
        kmsdns_log(KMSDNS_LOG_WARNING, "chdir /: %s", strerror(errno));
    detach_stdio();
    report(pfd[1], HOSTD_EXIT_OK, "");
    return serve_and_sync(h);
}

/* -n: the config as the daemon would take it, and nothing else. */
static int check_only(const struct hostd *h)
{
    printf("%s: %s: configuration OK (publish = %s, %zu domain(s), listen on port %u)\n",
           HOSTD_PROG, h->cfg->path, h->cfg->host.publish ? "yes" : "no",
           kmsdns_publist_count(h->cfg->publish.domains), h->cfg->host.port);
    return HOSTD_EXIT_OK;
}

int hostd_exec(const struct hostd_params *p)
{
    struct hostd h = {.params = p, .pubfd = -1};
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    kmsdns_log_open(HOSTD_PROG, KMSDNS_LOG_TO_STDERR,
                    p->verbose ? KMSDNS_LOG_DEBUG : KMSDNS_LOG_INFO);
    int code = HOSTD_EXIT_OK;
    if (hostd_config_load(p->config, &h.cfg, &d) != KMSDNS_OK) {
        kmsdns_cli_error(HOSTD_PROG, "%s", d.text);
        code = HOSTD_EXIT_USAGE;
    } else if (p->check_only) {
        code = check_only(&h);
    } else if (p->foreground) {
        code = serve(&h);
    } else {
        code = daemonize_and_serve(&h, p);
    }
    hostd_deinit(&h);
    kmsdns_log_close();
    return code;
}
