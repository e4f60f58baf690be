/* SPDX-License-Identifier: MIT */
/*
 * Files written whole or not at all, safely in a directory others may write
 * to (a textfile-collector directory, a home shared with root's runs): the
 * data goes to a mkstemp(3) file (O_EXCL, so a planted symlink is never
 * followed) in the target's own directory, is fsync'd, given its mode and
 * renamed over the target (rename replaces a symlink there, never its
 * target). Every file kmsdns writes as state or report goes through here.
 */
#ifndef KMSDNS_ATOMICFILE_H
#define KMSDNS_ATOMICFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "kmsdns/error.h"

typedef struct kmsdns_atomic kmsdns_atomic;

/*
 * Starts writing `path` (copied): creates ".<name>.XXXXXX" beside it with
 * mode 0600. `mode` is what the file gets when committed (0600 for state,
 * 0644 for reports others read). *out is freed by commit or abort.
 * Errors: KMSDNS_IO (diag names the directory and errno), KMSDNS_NOMEM.
 */
int kmsdns_atomic_open(const char *path, mode_t mode, kmsdns_atomic **out, struct kmsdns_diag *d);

/* The stream to write to; owned by a, valid until commit or abort. */
FILE *kmsdns_atomic_stream(kmsdns_atomic *a);

/*
 * Flushes, fsyncs, sets the mode and renames the file into place, then
 * fsyncs the directory; frees a in every case. On any failure the temporary
 * file is removed and the target is left as it was (KMSDNS_IO, diag says
 * which step failed on which file).
 */
int kmsdns_atomic_commit(kmsdns_atomic *a, struct kmsdns_diag *d);

/* Removes the temporary file and frees a; the target is untouched. NULL is fine. */
void kmsdns_atomic_abort(kmsdns_atomic *a);

#endif
