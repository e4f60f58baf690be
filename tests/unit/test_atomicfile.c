/* SPDX-License-Identifier: MIT */
/* Atomic file writes: whole or not at all, mode as asked, planted links never followed. */
#include "testutil.h"

#include "kmsdns/atomicfile.h"
#include "kmsdns/error.h"

#include <dirent.h>
#include <errno.h>

static struct kmsdns_diag d;

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Entries of the test directory other than . and .. */
static int entries(void)
{
    DIR *dir = opendir(test_tmpdir());
    assert_non_null(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    return n;
}

static const char *path_of(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", test_tmpdir(), name);
    return p;
}

static void test_commit_replaces_with_mode(void **state)
{
    (void)state;
    char target[512];
    snprintf(target, sizeof target, "%s", test_write_str("out.prom", "old\n"));
    mode_t old = umask(077);
    kmsdns_atomic *a = NULL;
    assert_int_equal(kmsdns_atomic_open(target, 0644, &a, &d), KMSDNS_OK);
    fputs("new\n", kmsdns_atomic_stream(a));
    assert_string_equal(slurp(target), "old\n"); /* nothing visible before the commit */
    assert_int_equal(entries(), 2);
    assert_int_equal(kmsdns_atomic_commit(a, &d), KMSDNS_OK);
    umask(old);
    assert_string_equal(slurp(target), "new\n");
    struct stat st;
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644); /* whatever the umask */
    assert_int_equal(entries(), 1);
    unlink(target);
}

static void test_abort_leaves_target(void **state)
{
    (void)state;
    char target[512];
    snprintf(target, sizeof target, "%s", test_write_str("state", "keep\n"));
    kmsdns_atomic *a = NULL;
    assert_int_equal(kmsdns_atomic_open(target, 0600, &a, &d), KMSDNS_OK);
    fputs("half", kmsdns_atomic_stream(a));
    kmsdns_atomic_abort(a);
    kmsdns_atomic_abort(NULL);
    assert_string_equal(slurp(target), "keep\n");
    assert_int_equal(entries(), 1);
    unlink(target);
}

/* A symlink planted at the target is replaced, its victim never written. */
static void test_planted_symlink_not_followed(void **state)
{
    (void)state;
    char victim[512], target[512];
    snprintf(victim, sizeof victim, "%s", test_write_str("victim", "precious\n"));
    snprintf(target, sizeof target, "%s", path_of("report"));
    assert_int_equal(symlink(victim, target), 0);
    /* the old naming scheme's temporary name, planted too */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", target, (long)getpid());
    assert_int_equal(symlink(victim, tmp), 0);
    kmsdns_atomic *a = NULL;
    assert_int_equal(kmsdns_atomic_open(target, 0600, &a, &d), KMSDNS_OK);
    fputs("report\n", kmsdns_atomic_stream(a));
    assert_int_equal(kmsdns_atomic_commit(a, &d), KMSDNS_OK);
    assert_string_equal(slurp(victim), "precious\n");
    struct stat st;
    assert_int_equal(lstat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_string_equal(slurp(target), "report\n");
    unlink(tmp);
    unlink(target);
    unlink(victim);
}

static void test_unwritable_directory(void **state)
{
    (void)state;
    kmsdns_atomic *a = NULL;
    assert_int_equal(kmsdns_atomic_open("/nonexistent-dir/x.prom", 0644, &a, &d), KMSDNS_IO);
    assert_null(a);
    assert_non_null(strstr(d.text, "/nonexistent-dir/x.prom"));
    assert_non_null(strstr(d.text, "in /nonexistent-dir"));
    /* rename onto a directory fails: the temporary file goes, the directory stays */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_of("adir"));
    assert_int_equal(mkdir(dir, 0700), 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/x", dir);
    assert_int_equal(mkdir(inner, 0700), 0);
    assert_int_equal(symlink("/etc/passwd", path_of("adir/x/f")), 0);
    assert_int_equal(kmsdns_atomic_open(inner, 0600, &a, &d), KMSDNS_OK);
    assert_int_equal(kmsdns_atomic_commit(a, &d), KMSDNS_IO);
    assert_non_null(strstr(d.text, "renaming"));
    unlink(path_of("adir/x/f"));
    assert_int_equal(rmdir(inner), 0);
    DIR *dd = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(dd)) != NULL;)
        n += e->d_name[0] != '.' || strlen(e->d_name) > 2;
    closedir(dd);
    assert_int_equal(n, 0); /* no temporary file left behind */
    rmdir(dir);
}

TEST_MAIN(NULL, test_teardown_tmpdir,
          {
              cmocka_unit_test(test_commit_replaces_with_mode),
              cmocka_unit_test(test_abort_leaves_target),
              cmocka_unit_test(test_planted_symlink_not_followed),
              cmocka_unit_test(test_unwritable_directory),
          })
