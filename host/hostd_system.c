/* SPDX-License-Identifier: MIT */
/*
 * kmsdns-hostd's dealings with the system: the systemd readiness protocol
 * (sd_notify(3) is one datagram to $NOTIFY_SOCKET; not worth a libsystemd
 * dependency) and the privileges: the store is opened with [host] user's
 * ids already effective (root never touches the database files, which live
 * in a directory that user can write), the sockets are bound as root, then
 * the drop is for good.
 */
#include "hostd.h"

#include "kmsdns/config.h"
#include "kmsdns/error.h"
#include "kmsdns/log.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

unsigned hostd_database_mode(const struct kmsdns_config *cfg)
{
    const char *user = cfg->host.user;
    return user != NULL && user[0] != '\0' ? KMSDNS_STORE_MODE_GROUP : KMSDNS_STORE_MODE;
}

/*
 * One directory root creates on the way to the database: mkdir, then its
 * owner and mode set through a descriptor that refuses a symlink swapped in
 * for it (the umask would otherwise decide whether the user can pass).
 */
static int make_one_dir(const char *dir, mode_t mode, uid_t uid, gid_t gid, struct kmsdns_diag *d)
{
    if (mkdir(dir, 0700) != 0)
        return errno == EEXIST
                   ? KMSDNS_OK
                   : kmsdns_diag_set(d, KMSDNS_IO, dir, 0, "cannot create: %s", strerror(errno));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return kmsdns_diag_set(d, KMSDNS_IO, dir, 0, "cannot open: %s", strerror(errno));
    int rc = fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0
                 ? kmsdns_diag_set(d, KMSDNS_IO, dir, 0, "cannot set owner and mode: %s",
                                   strerror(errno))
                 : KMSDNS_OK;
    close(fd);
    return rc;
}

/* mkdir -p of the database's directory as root: the missing parents root's 0755, the
 * directory itself the user's 0750. An existing directory is left as it is. */
static int make_database_dir(const char *db, uid_t uid, gid_t gid, struct kmsdns_diag *d)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    struct stat st;
    if (slash == NULL || slash == dir)
        return KMSDNS_OK;
    *slash = '\0';
    if (stat(dir, &st) == 0)
        return KMSDNS_OK;
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = make_one_dir(dir, 0755, 0, 0, d);
        *p = '/';
        if (rc != KMSDNS_OK)
            return rc;
    }
    return make_one_dir(dir, 0750, uid, gid, d);
}

int hostd_user_access_begin(const struct kmsdns_config *cfg, struct hostd_access *a,
                            struct kmsdns_diag *d)
{
    const char *user = cfg->host.user;
    *a = (struct hostd_access){.active = false, .euid = geteuid(), .egid = getegid()};
    if (user == NULL || user[0] == '\0' || geteuid() != 0)
        return KMSDNS_OK;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        return kmsdns_diag_set(d, KMSDNS_NOTFOUND, cfg->path, 0, "[host] user '%s' vanished", user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    int rc = make_database_dir(cfg->host.database, uid, gid, d);
    if (rc != KMSDNS_OK)
        return rc;
    /* groups first: only root may change them */
    if (initgroups(user, gid) != 0 || setegid(gid) != 0 || seteuid(uid) != 0) {
        int err = errno;
        (void)setegid(a->egid);
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, cfg->path, 0,
                               "cannot take the ids of [host] user '%s' to open the database: %s",
                               user, strerror(err));
    }
    a->active = true;
    return KMSDNS_OK;
}

/* The user's supplementary groups stay until the drop replaces them: root needs none to bind. */
int hostd_user_access_end(struct hostd_access *a, struct kmsdns_diag *d)
{
    if (!a->active)
        return KMSDNS_OK;
    a->active = false;
    if (seteuid(a->euid) != 0 || setegid(a->egid) != 0)
        return kmsdns_diag_set(d, KMSDNS_SYSTEM, NULL, 0, "cannot take back root's ids: %s",
                               strerror(errno));
    return KMSDNS_OK;
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
