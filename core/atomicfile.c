/* SPDX-License-Identifier: MIT */
/*
 * Atomic replacement of a file: mkstemp in the target's directory, fsync,
 * fchmod, rename, fsync of the directory. The one way kmsdns writes state
 * files and reports, so no program writes a predictable temporary name.
 */
#include "kmsdns/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct kmsdns_atomic {
    char *path; /* the target */
    char *tmp;  /* the mkstemp file beside it */
    char *dir;
    FILE *f;
    mode_t mode;
};

static void atomic_free(kmsdns_atomic *a)
{
    if (a->f != NULL)
        fclose(a->f);
    free(a->path);
    free(a->tmp);
    free(a->dir);
    free(a);
}

/* Directory part of path ("." when there is none) and the name after it. */
static int split_path(kmsdns_atomic *a)
{
    const char *slash = strrchr(a->path, '/');
    const char *base = slash != NULL ? slash + 1 : a->path;
    if (slash == NULL)
        a->dir = strdup(".");
    else
        a->dir = strndup(a->path, slash == a->path ? 1 : (size_t)(slash - a->path));
    size_t n = strlen(a->dir) + strlen(base) + sizeof "/..XXXXXX";
    a->tmp = malloc(n);
    if (a->dir == NULL || a->tmp == NULL)
        return KMSDNS_NOMEM;
    snprintf(a->tmp, n, "%s/.%s.XXXXXX", a->dir, base);
    return KMSDNS_OK;
}

int kmsdns_atomic_open(const char *path, mode_t mode, kmsdns_atomic **out, struct kmsdns_diag *d)
{
    *out = NULL;
    kmsdns_atomic *a = calloc(1, sizeof *a);
    if (a == NULL || (a->path = strdup(path)) == NULL || split_path(a) != KMSDNS_OK) {
        if (a != NULL)
            atomic_free(a);
        return kmsdns_diag_set(d, KMSDNS_NOMEM, path, 0, "out of memory");
    }
    a->mode = mode;
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        int err = errno;
        kmsdns_diag_set(d, KMSDNS_IO, path, 0, "cannot create a temporary file in %s: %s", a->dir,
                        strerror(err));
        atomic_free(a);
        return KMSDNS_IO;
    }
    if ((a->f = fdopen(fd, "w")) == NULL) {
        close(fd);
        kmsdns_atomic_abort(a);
        return kmsdns_diag_set(d, KMSDNS_NOMEM, path, 0, "out of memory");
    }
    *out = a;
    return KMSDNS_OK;
}

FILE *kmsdns_atomic_stream(kmsdns_atomic *a)
{
    return a->f;
}

/* A failed step: the temporary file goes, the target stays as it was. */
static int commit_failed(kmsdns_atomic *a, const char *step, int err, struct kmsdns_diag *d)
{
    kmsdns_diag_set(d, KMSDNS_IO, a->path, 0, "cannot write: %s %s: %s", step, a->tmp,
                    strerror(err));
    kmsdns_atomic_abort(a);
    return KMSDNS_IO;
}

int kmsdns_atomic_commit(kmsdns_atomic *a, struct kmsdns_diag *d)
{
    int fd = fileno(a->f);
    if (fflush(a->f) != 0 || ferror(a->f))
        return commit_failed(a, "writing", errno != 0 ? errno : EIO, d);
    if (fsync(fd) != 0)
        return commit_failed(a, "fsync of", errno, d);
    if (fchmod(fd, a->mode) != 0)
        return commit_failed(a, "chmod of", errno, d);
    FILE *f = a->f;
    a->f = NULL;
    if (fclose(f) != 0)
        return commit_failed(a, "closing", errno, d);
    if (rename(a->tmp, a->path) != 0)
        return commit_failed(a, "renaming", errno, d);
    int dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename itself is durable only with its directory */
        (void)fsync(dfd);
        close(dfd);
    }
    atomic_free(a);
    return KMSDNS_OK;
}

void kmsdns_atomic_abort(kmsdns_atomic *a)
{
    if (a == NULL)
        return;
    if (a->f != NULL) {
        fclose(a->f);
        a->f = NULL;
    }
    unlink(a->tmp);
    atomic_free(a);
}
