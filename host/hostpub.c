/* SPDX-License-Identifier: MIT */
/*
 * The publication child of kmsdns-hostd. The child runs
 * kmsdns_publish_run() and writes one tab-separated line per item to a
 * pipe: `R|A <domain> <word> <unix-time> <refreshed> <message>` (refreshed:
 * 1 when the run re-registered records already right, else 0). It closes every other
 * descriptor first (the listen sockets and the database stay the parent's
 * alone) and leaves with _exit(), so nothing of the parent's state (SQLite,
 * atexit handlers) is touched twice.
 */
#define _GNU_SOURCE /* close_range, pipe2 */
#include "hostpub.h"

#include "kmsdns/error.h"
#include "kmsdns/log.h"
#include "kmsdns/publish.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_FD 3
#define LINE_MAX_ 1024

struct kmsdns_hostpub {
    pid_t pid; /* 0 when no run is going on */
    int fd;
    char buf[LINE_MAX_];
    size_t len;
    unsigned results, failures;
};

kmsdns_hostpub *kmsdns_hostpub_new(void)
{
    kmsdns_hostpub *p = calloc(1, sizeof *p);
    if (p != NULL)
        p->fd = -1;
    return p;
}

bool kmsdns_hostpub_running(const kmsdns_hostpub *p)
{
    return p->pid > 0;
}

const char *kmsdns_hostpub_word(int rc, char *buf, size_t cap)
{
    const char *name = kmsdns_errname(rc);
    if (strncmp(name, "KMSDNS_", 7) == 0)
        name += 7;
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < cap; i++)
        buf[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
    buf[i] = '\0';
    return buf;
}

/* ---- the child ----------------------------------------------------------------- */

/* One result line; tabs and line breaks in the message become spaces. */
static void put_line(FILE *f, bool address, const char *domain, const char *word, uint64_t t,
                     bool refreshed, const char *message)
{
    fprintf(f, "%c\t%s\t%s\t%llu\t%d\t", address ? 'A' : 'R', domain, word, (unsigned long long)t,
            refreshed ? 1 : 0);
    for (const char *m = message; *m != '\0'; m++)
        fputc(*m == '\t' || *m == '\n' || *m == '\r' ? ' ' : *m, f);
    fputc('\n', f);
}

static void report_items(FILE *f, const struct kmsdns_pub_report *rep, uint64_t now)
{
    static const char *const done[] = {"unchanged", "added", "replaced", "removed", "refreshed"};
    char word[32], msg[700];
    for (size_t i = 0; i < rep->nitems; i++) {
        const struct kmsdns_pub_item *it = &rep->items[i];
        if (it->status != KMSDNS_ITEM_OK) {
            put_line(f, it->is_address, it->domain,
                     kmsdns_hostpub_word(it->rc != 0 ? it->rc : KMSDNS_RCODE, word, sizeof word),
                     now, false, it->message);
            continue;
        }
        const char *extra = it->warning[0] != '\0' ? it->warning : it->note;
        snprintf(msg, sizeof msg, "%s at %s%s%s", done[it->plan.action], it->server,
                 extra[0] != '\0' ? "; " : "", extra);
        put_line(f, it->is_address, it->domain, "ok", now, it->applied && it->plan.nrefresh > 0,
                 msg);
    }
}

static _Noreturn void child(const struct kmsdns_config *cfg, int wfd)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (wfd != CHILD_FD && dup2(wfd, CHILD_FD) != CHILD_FD)
        _exit(2);
    close_range(CHILD_FD + 1, ~0u, 0);
    FILE *f = fdopen(CHILD_FD, "w");
    if (f == NULL)
        _exit(2);
    struct kmsdns_publish_opts opts = {0};
    struct kmsdns_pub_report *rep = NULL;
    struct kmsdns_diag d;
    kmsdns_diag_init(&d);
    int rc = kmsdns_publish_run(cfg, &opts, &rep, &d);
    uint64_t now = (uint64_t)time(NULL);
    char word[32];
    if (rc != KMSDNS_OK) {
        for (size_t i = 0; i < kmsdns_publist_count(cfg->publish.domains); i++)
            put_line(f, false, kmsdns_publist_get(cfg->publish.domains, i)->domain,
                     kmsdns_hostpub_word(rc, word, sizeof word), now, false, d.text);
    } else {
        report_items(f, rep, now);
    }
    fflush(f);
    _exit(ferror(f) ? 2 : 0);
}

int kmsdns_hostpub_start(kmsdns_hostpub *p, const struct kmsdns_config *cfg, int *fd)
{
    if (p->pid > 0)
        return KMSDNS_INVAL;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return KMSDNS_SYSTEM;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return KMSDNS_SYSTEM;
    }
    if (pid == 0) {
        close(pfd[0]);
        child(cfg, pfd[1]);
    }
    close(pfd[1]);
    fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
    p->pid = pid;
    p->fd = *fd = pfd[0];
    p->len = 0;
    p->results = p->failures = 0;
    return KMSDNS_OK;
}

/* ---- the parent's side --------------------------------------------------------- */

/* Splits one line; false when it is not one the child writes. */
static bool parse_line(char *line, struct kmsdns_hostpub_result *r)
{
    char *field[6], *save = NULL, *s = line;
    for (int i = 0; i < 5; i++) {
        field[i] = strtok_r(s, "\t", &save);
        s = NULL;
        if (field[i] == NULL)
            return false;
    }
    field[5] = save != NULL ? save : "";
    if ((field[0][0] != 'R' && field[0][0] != 'A') || field[0][1] != '\0' ||
        (strcmp(field[4], "0") != 0 && strcmp(field[4], "1") != 0))
        return false;
    memset(r, 0, sizeof *r);
    r->is_address = field[0][0] == 'A';
    snprintf(r->domain, sizeof r->domain, "%s", field[1]);
    snprintf(r->result, sizeof r->result, "%s", field[2]);
    r->time = strtoull(field[3], NULL, 10);
    r->refreshed = field[4][0] == '1';
    snprintf(r->message, sizeof r->message, "%s", field[5]);
    return true;
}

static void take_lines(kmsdns_hostpub *p,
                       void (*on_result)(void *arg, const struct kmsdns_hostpub_result *r),
                       void *arg)
{
    char *nl;
    while ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
        *nl = '\0';
        struct kmsdns_hostpub_result r;
        if (parse_line(p->buf, &r)) {
            p->results++;
            p->failures += strcmp(r.result, "ok") != 0;
            on_result(arg, &r);
        }
        size_t used = (size_t)(nl - p->buf) + 1;
        memmove(p->buf, p->buf + used, p->len - used);
        p->len -= used;
    }
    if (p->len == sizeof p->buf) /* a line longer than any the child writes */
        p->len = 0;
}

bool kmsdns_hostpub_read(kmsdns_hostpub *p,
                         void (*on_result)(void *arg, const struct kmsdns_hostpub_result *r),
                         void *arg)
{
    for (;;) {
        ssize_t n = read(p->fd, p->buf + p->len, sizeof p->buf - p->len);
        if (n > 0) {
            p->len += (size_t)n;
            take_lines(p, on_result, arg);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    }
}

bool kmsdns_hostpub_finish(kmsdns_hostpub *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    int st = 0;
    bool exited = false;
    if (p->pid > 0) {
        while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
            ;
        exited = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!exited)
            kmsdns_log(KMSDNS_LOG_ERR, "the publication process %s %d",
                       WIFSIGNALED(st) ? "died of signal" : "exited",
                       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
    p->pid = 0;
    return exited && p->results > 0 && p->failures == 0;
}

void kmsdns_hostpub_free(kmsdns_hostpub *p)
{
    if (p == NULL)
        return;
    if (p->pid > 0)
        kill(p->pid, SIGTERM);
    kmsdns_hostpub_finish(p);
    free(p);
}
