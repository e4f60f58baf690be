/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: kmsdns-hostd's store loading a database file, through the
 * public API only (include/kmsdns/store.h). The input is written to a file
 * in a private temporary directory (under $TMPDIR, else /tmp; nothing else
 * is touched) and opened as the store: sqlite's view of the file, our
 * identity check, the meta values and the CMID table handed to the engine.
 * A refusal must leave the file as it was, byte for byte (the store
 * promises to change nothing in a damaged or foreign database); an accepted
 * database must hold an engine within its capacity, take a commit of that
 * state and load it back unchanged. The directory, the file and sqlite's
 * -wal, -shm and -journal files are removed after every input.
 */
#include "engine.h"
#include "kmsdns/error.h"
#include "store.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kmsdns_engine_settings settings = {KMSDNS_GROUP_SERVER_C, 120, 10080};
static char dir[512], path[600];

/* Removes the database, its sidecars and the directory made by setup(). */
static void cleanup(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[640];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* A fresh directory per input: libFuzzer leaves by _Exit (no atexit) at the
 * end of a run and on a crash, so nothing may outlive one input. */
static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kmsdns-fuzz-store-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        abort();
    }
    snprintf(path, sizeof path, "%s/host.db", dir);
}

static bool write_file(const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
    return off == size;
}

/* True when the file still holds exactly data[0..size). */
static bool unchanged(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    bool same = true;
    size_t off = 0;
    uint8_t buf[4096];
    size_t n;
    while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        same = off + n <= size && memcmp(buf, data + off, n) == 0;
        off += n;
    }
    fclose(f);
    return same && off == size;
}

/* The state an accepted database gave the engine survives a commit and a reopen. */
static void round_trip(kmsdns_store *s, kmsdns_engine *e)
{
    struct kmsdns_diag diag;
    struct kmsdns_log_row row = {.time = 1700000000, .count = kmsdns_engine_count(e)};
    strcpy(row.name, "pc1.corp.test");
    strcpy(row.cmid, "00000000-0000-4000-8000-000000000001");
    strcpy(row.edition, "W10E");
    row.result = "not-activated";
    long logged = kmsdns_store_log_count(s);
    if (kmsdns_store_commit(s, e, &row, 1, &diag) != KMSDNS_OK) {
        kmsdns_store_close(s);
        return; /* a damaged page beyond what the load read: refused, fine */
    }
    if (logged >= 0 && kmsdns_store_log_count(s) != logged + 1)
        __builtin_trap();
    kmsdns_store_close(s);
    kmsdns_engine *again = kmsdns_engine_new(&settings);
    kmsdns_store *s2 = NULL;
    if (again == NULL)
        return;
    if (kmsdns_store_open(path, KMSDNS_STORE_MODE, again, &s2, &diag) == KMSDNS_OK) {
        size_t n1, n2;
        const struct kmsdns_entry *v1 = kmsdns_engine_entries(e, &n1);
        const struct kmsdns_entry *v2 = kmsdns_engine_entries(again, &n2);
        if (n1 != n2 || kmsdns_engine_capacity(e) != kmsdns_engine_capacity(again) ||
            kmsdns_engine_next_seq(e) != kmsdns_engine_next_seq(again))
            __builtin_trap();
        for (size_t i = 0; i < n1; i++) /* field by field: the struct has padding */
            if (strcmp(v1[i].cmid, v2[i].cmid) != 0 || v1[i].recorded != v2[i].recorded ||
                v1[i].seq != v2[i].seq)
                __builtin_trap();
        kmsdns_store_close(s2);
    }
    kmsdns_engine_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    kmsdns_engine *e = kmsdns_engine_new(&settings);
    if (e == NULL || !write_file(data, size)) {
        kmsdns_engine_free(e);
        cleanup();
        return 0;
    }
    kmsdns_store *s = NULL;
    struct kmsdns_diag diag;
    int rc = kmsdns_store_open(path, KMSDNS_STORE_MODE, e, &s, &diag);
    if (rc == KMSDNS_OK) {
        unsigned cap = kmsdns_engine_capacity(e);
        if (s == NULL || (cap != KMSDNS_CAPACITY_SERVER && cap != KMSDNS_CAPACITY_CLIENT) ||
            kmsdns_engine_count(e) > cap)
            __builtin_trap();
        round_trip(s, e);
    } else if (s != NULL || !unchanged(data, size)) {
        __builtin_trap();
    }
    kmsdns_engine_free(e);
    cleanup();
    return 0;
}
