/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's dealings with the system: the systemd readiness protocol
 * (sd_notify(3) is one datagram to $NOTIFY_SOCKET; not worth a libsystemd
 * dependency) and the privilege drop after the sockets and the store are
 * open.
 */
#include "hostd.h"

#include "kmsdns/config.h"
#include "kmsdns/error.h"
#include "kmsdns/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void hostd_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = path != NULL ? strlen(path) : 0;
    if (n == 0 || n >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@'))
        return;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@') /* an abstract socket */
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
        kmsdns_log(KMSDNS_LOG_WARNING, "sd_notify %s: %s", state, strerror(errno));
    close(fd);
}

int hostd_check_user(const struct kmsdns_config *cfg, struct kmsdns_diag *d)
{
    const char *user = cfg->host.user;
    if (user == NULL || user[0] == '\0' || geteuid() != 0)
        return KMSDNS_OK;
    errno = 0;
    if (getpwnam(user) == NULL)
        return kmsdns_diag_set(d, KMSDNS_NOTFOUND, cfg->path, 0,
                               "[host] user '%s': %s; create the account (e.g. adduser --system "
                               "%s) or leave user empty",
                               user, errno != 0 ? strerror(errno) : "no such account", user);
    return KMSDNS_OK;
}

/* The database and its WAL files belong to the user we become, or a restart could not open them. */
static void give_database(const char *db, uid_t uid, gid_t gid)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char path[4096];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", db, suffix[i]);
        if (chown(path, uid, gid) != 0 && errno != ENOENT)
            kmsdns_log(KMSDNS_LOG_WARNING, "chown %s: %s", path, strerror(errno));
    }
}

int hostd_drop_privileges(const struct kmsdns_config *cfg, struct kmsdns_diag *d)
{
    const char *user = cfg->host.user;
    if (user == NULL || user[0] == '\0')
        return KMSDNS_OK;
    if (geteuid() != 0) {
        kmsdns_log(KMSDNS_LOG_NOTICE, "[host] user = %s: not started as root, running as uid %u",
                   user, (unsigned)geteuid());
        return KMSDNS_OK;
    }
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        return hostd_check_user(cfg, d) != KMSDNS_OK
                   ? KMSDNS_NOTFOUND
                   : kmsdns_diag_set(d, KMSDNS_NOTFOUND, cfg->path, 0, "[host] user '%s' vanished",
                                     user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    give_database(cfg->host.database, uid, gid);
    if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, cfg->path, 0, "cannot become [host] user '%s': %s",
                               user, strerror(errno));
    if (uid != 0 && setuid(0) == 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, cfg->path, 0,
                               "dropped to '%s' but could become root again: refusing to run",
                               user);
    kmsdns_log(KMSDNS_LOG_NOTICE, "running as %s (uid %u, gid %u)", user, (unsigned)uid,
               (unsigned)gid);
    return KMSDNS_OK;
}
