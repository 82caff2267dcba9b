/* PLAN.lock: file hashing, lock path, and a plan refusing a pack that changed. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/lock.h"
#include "io/pack_fs.h"
#include "mplan/plan.h"

/* SHA-256 of "" and of "x", from `printf '' | sha256sum` and `printf x | sha256sum`. */
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_X "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
/* ... and of pack_yaml below, from printf 'name: p\nversion: 1.0.0\nmplan: ">=1.0"\n' | sha256sum. */
#define SHA_PACK "8eebfd4171d90c481d5a5abe6d1943189acd8db6833d5b7b4a38d4e617b78258"

static const char plan_text[] =
    "mplan: 1\n"
    "store: {name: T, currency: USD}\n"
    "horizon: {start: 2027-01-04, periods: 1, period: week}\n"
    "budget: {total: 100}\n"
    "channels:\n"
    "  - {id: a, kind: paid, response: {curve: linear, roas: 2}}\n"
    "packs:\n"
    "  - {path: rules/p}\n";

static const char pack_yaml[] =
    "name: p\n"
    "version: 1.0.0\n"
    "mplan: \">=1.0\"\n";

struct fixture {
    char root[64];
    char plan[PATH_MAX];
    char lock[PATH_MAX];
};

static void put(const struct fixture *f, const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->root, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void path_of(const struct fixture *f, const char *rel, char *buf)
{
    snprintf(buf, PATH_MAX, "%s/%s", f->root, rel);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->root, "/tmp/mplan-lock-XXXXXX");
    if (!mkdtemp(f->root))
        return -1;
    char dir[PATH_MAX];
    path_of(f, "rules", dir);
    mkdir(dir, 0777);
    path_of(f, "rules/p", dir);
    mkdir(dir, 0777);
    path_of(f, "rules/p/tests", dir);
    mkdir(dir, 0777);
    put(f, "rules/p/init.lua", "x");
    put(f, "rules/p/pack.yaml", pack_yaml);
    put(f, "rules/p/tests/basic.lua", "");
    put(f, "rules/p/.init.lua.swp", "editor state");
    put(f, "plan.yaml", plan_text);
    path_of(f, "plan.yaml", f->plan);
    path_of(f, "plan.lock", f->lock);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    int rc = system(cmd);
    free(f);
    return rc;
}

static void test_hash_sorted_skips_hidden(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX];
    path_of(f, "rules/p", dir);
    struct mp_pack_files files;
    mp_error err = {0};
    assert_int_equal(mp_pack_files_hash(dir, &files, &err), MP_OK);
    assert_int_equal(files.n, 3);
    assert_string_equal(files.v[0].rel, "init.lua");
    assert_string_equal(files.v[0].sha256, SHA_X);
    assert_string_equal(files.v[1].rel, "pack.yaml");
    assert_string_equal(files.v[1].sha256, SHA_PACK);
    assert_string_equal(files.v[2].rel, "tests/basic.lua");
    assert_string_equal(files.v[2].sha256, SHA_EMPTY);
    mp_pack_files_free(&files);
    mp_pack_files_free(&files); /* safe twice */
}

static void test_hash_missing_dir(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX];
    path_of(f, "rules/none", dir);
    struct mp_pack_files files;
    mp_error err = {0};
    assert_int_equal(mp_pack_files_hash(dir, &files, &err), MP_EIO);
    assert_non_null(strstr(err.msg, "rules/none: cannot read directory"));
}

static void test_lock_path(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(mp_lock_path("a/plan.yaml", buf, sizeof buf), 0);
    assert_string_equal(buf, "a/plan.lock");
    assert_int_equal(mp_lock_path("q1.yml", buf, sizeof buf), 0);
    assert_string_equal(buf, "q1.lock");
    assert_int_equal(mp_lock_path("plan", buf, sizeof buf), 0);
    assert_string_equal(buf, "plan.lock");
    assert_int_equal(mp_lock_path(".yaml", buf, sizeof buf), 0);
    assert_string_equal(buf, ".yaml.lock");
    assert_int_equal(mp_lock_path("plan.yaml", buf, 9), -1);
}

/* Load the fixture's plan and lock it as pack 'p' version 1.0.0. */
static mp_plan *locked_plan(const struct fixture *f)
{
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    assert_int_equal(mp_lock_write(plan, &err), MP_OK);
    return plan;
}

/* Line and column (1-based) where `needle` starts in the lock file. */
static void find_in_lock(const struct fixture *f, const char *needle, int *line, int *col)
{
    FILE *fp = fopen(f->lock, "r");
    assert_non_null(fp);
    char buf[512];
    *line = 0;
    for (int n = 1; fgets(buf, sizeof buf, fp); n++) {
        char *p = strstr(buf, needle);
        if (p) {
            *line = n;
            *col = (int)(p - buf) + 1;
            break;
        }
    }
    fclose(fp);
    assert_int_not_equal(*line, 0);
}

static void test_lock_records_files(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan = locked_plan(f);
    int line, col;
    find_in_lock(f, "init.lua: " SHA_X, &line, &col);
    find_in_lock(f, "tests/basic.lua: " SHA_EMPTY, &line, &col);
    find_in_lock(f, "version: 1.0.0", &line, &col);
    find_in_lock(f, "path: rules/p", &line, &col);
    mp_error err = {0};
    assert_int_equal(mp_lock_verify(plan, &err), MP_OK);
    mp_plan_free(plan);
}

static void test_changed_file_refused(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan = locked_plan(f);
    int line, col;
    find_in_lock(f, SHA_X, &line, &col); /* the message points at the old hash */
    put(f, "rules/p/init.lua", "y");
    mp_error err = {0};
    assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
    char want[3 * PATH_MAX];
    snprintf(want, sizeof want,
             "%s:%d:%d: pack 'p' (rules/p): init.lua changed since the lock; review it, then run 'mplan pack lock %s'",
             f->lock, line, col, f->plan);
    assert_string_equal(err.msg, want);
    /* Changing it back makes the pack acceptable again. */
    put(f, "rules/p/init.lua", "x");
    put(f, "rules/p/pack.yaml", pack_yaml);
    assert_int_equal(mp_lock_verify(plan, &err), MP_OK);
    mp_plan_free(plan);
}

static void test_added_and_removed_files_refused(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan = locked_plan(f);
    mp_error err = {0};
    put(f, "rules/p/extra.lua", "");
    assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "pack 'p' (rules/p): extra.lua was added since the lock"));
    char path[PATH_MAX];
    path_of(f, "rules/p/extra.lua", path);
    unlink(path);
    path_of(f, "rules/p/tests/basic.lua", path);
    unlink(path);
    assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
    int line, col;
    find_in_lock(f, "tests/basic.lua", &line, &col);
    char want[3 * PATH_MAX];
    snprintf(want, sizeof want, "%s:%d:%d: pack 'p' (rules/p): tests/basic.lua was removed", f->lock, line, col);
    assert_non_null(strstr(err.msg, want));
    /* Editor files stay outside the pack: a new one changes nothing. */
    put(f, "rules/p/tests/basic.lua", "");
    put(f, "rules/p/.other.swp", "more state");
    assert_int_equal(mp_lock_verify(plan, &err), MP_OK);
    mp_plan_free(plan);
}

static void test_pack_not_locked_refused(void **state)
{
    struct fixture *f = *state;
    put(f, "plan.lock", "mplan: 1\npacks:\n  - {path: rules/other, name: o, version: 1.0.0, files: {}}\n");
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
    char want[3 * PATH_MAX];
    snprintf(want, sizeof want, "%s:3:3: pack rules/p of %s is not in the lock", f->lock, f->plan);
    assert_non_null(strstr(err.msg, want));
    mp_plan_free(plan);
}

static void test_bad_lock_refused(void **state)
{
    struct fixture *f = *state;
    put(f, "plan.lock", "mplan: 1\npackz: []\n");
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
    char want[3 * PATH_MAX];
    snprintf(want, sizeof want, "%s:2:1: unknown key 'packz'", f->lock);
    assert_non_null(strstr(err.msg, want));
    mp_plan_free(plan);
}

/* A lock without a key every lock has is refused at the map that lacks it (was a NULL
 * dereference; found by tests/fuzz/fuzz_lock.c). */
static void test_lock_missing_keys_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const locks[][2] = {
        {"packs: []\n", "1:1: missing 'mplan'"},
        {"mplan: 1\n", "1:1: missing 'packs'"},
        {"mplan: 1\npacks:\n- {name: x, files: {}}\n", "3:3: missing 'path'"},
        {"mplan: 1\npacks:\n- {path: x}\n", "3:3: missing 'files'"},
    };
    for (size_t i = 0; i < sizeof locks / sizeof *locks; i++) {
        put(f, "plan.lock", locks[i][0]);
        mp_plan *plan;
        mp_error err = {0};
        assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
        assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
        char want[3 * PATH_MAX];
        snprintf(want, sizeof want, "%s:%s", f->lock, locks[i][1]);
        if (!strstr(err.msg, want))
            fail_msg("lock %zu: '%s' lacks '%s'", i, err.msg, want);
        mp_plan_free(plan);
    }
}

static void test_bad_manifest_writes_no_lock(void **state)
{
    struct fixture *f = *state;
    put(f, "rules/p/pack.yaml", "name: P\nversion: 1.0.0\nmplan: \">=1.0\"\n");
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    assert_int_equal(mp_lock_write(plan, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "rules/p/pack.yaml:1:7: "));
    assert_int_equal(access(f->lock, F_OK), -1);
    mp_plan_free(plan);
}

static void test_no_lock_is_fine(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    assert_int_equal(mp_lock_verify(plan, &err), MP_OK);
    mp_plan_free(plan);
}

/* The locked hashes a loader gets are checked again on the bytes each read returns, so a
 * file changed after mp_lock_pack checked the directory is refused, not loaded. */
static void test_bytes_checked_as_read(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan = locked_plan(f);
    struct mp_pack_files locked;
    int found;
    mp_error err = {0};
    assert_int_equal(mp_lock_pack(plan, 0, &locked, &found, &err), MP_OK);
    assert_int_equal(found, 1);
    assert_int_equal(locked.n, 3);
    char dir[PATH_MAX], *buf;
    size_t len;
    path_of(f, "rules/p", dir);
    assert_int_equal(mp_pack_file_read(dir, "init.lua", 1 << 20, &locked, &buf, &len, NULL, &err), MP_OK);
    assert_int_equal(len, 1);
    assert_memory_equal(buf, "x", 1);
    free(buf);
    put(f, "rules/p/init.lua", "y"); /* after the check, before the use */
    assert_int_equal(mp_pack_file_read(dir, "init.lua", 1 << 20, &locked, &buf, &len, NULL, &err), MP_EINPUT);
    assert_null(buf);
    char want[2 * PATH_MAX];
    snprintf(want, sizeof want, "%s/init.lua: changed since the lock; review it, then run 'mplan pack lock' again", dir);
    assert_string_equal(err.msg, want);
    put(f, "rules/p/new.lua", "return 1");
    assert_int_equal(mp_pack_file_read(dir, "new.lua", 1 << 20, &locked, &buf, &len, NULL, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "new.lua: not among the pack's locked files"));
    mp_pack_files_free(&locked);
    mp_plan_free(plan);
}

/* A link out of the pack is refused by name, a link inside is followed. */
static void test_links_stay_inside(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], link[PATH_MAX], *buf;
    size_t len;
    mp_error err = {0};
    path_of(f, "rules/p", dir);
    path_of(f, "rules/p/out.lua", link);
    assert_int_equal(symlink(f->plan, link), 0);
    assert_int_equal(mp_pack_file_read(dir, "out.lua", 1 << 20, NULL, &buf, &len, NULL, &err), MP_EINPUT);
    char want[4 * PATH_MAX];
    snprintf(want, sizeof want, "%s: a symbolic link to '%s', which is outside the pack directory %s", link, f->plan, dir);
    assert_non_null(strstr(err.msg, want));
    path_of(f, "rules/p/in.lua", link);
    assert_int_equal(symlink("init.lua", link), 0);
    assert_int_equal(mp_pack_file_read(dir, "in.lua", 1 << 20, NULL, &buf, &len, NULL, &err), MP_OK);
    assert_int_equal(len, 1);
    free(buf);
}

/* A lock that is there but cannot be read, or lacks a key, fails closed. */
static void test_lock_fails_closed(void **state)
{
    struct fixture *f = *state;
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(f->plan, &plan, &err), MP_OK);
    char missing[PATH_MAX];
    path_of(f, "nowhere.lock", missing);
    assert_int_equal(symlink(missing, f->lock), 0);
    assert_int_equal(mp_lock_verify(plan, &err), MP_EIO);
    unlink(f->lock);
    static const char *const bad[][2] = {{"mplan: 1\n", "missing 'packs'"}, {"packs: []\n", "missing 'mplan'"},
        {"mplan: 1\npacks: [{name: p}]\n", "missing 'path'"}, {"mplan: 1\npacks: [{path: rules/p}]\n", "missing 'files'"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put(f, "plan.lock", bad[i][0]);
        assert_int_equal(mp_lock_verify(plan, &err), MP_EINPUT);
        assert_non_null(strstr(err.msg, bad[i][1]));
    }
    mp_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_sorted_skips_hidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_missing_dir, setup, teardown),
        cmocka_unit_test(test_lock_path),
        cmocka_unit_test_setup_teardown(test_lock_records_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_added_and_removed_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_not_locked_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lock_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_missing_keys_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_manifest_writes_no_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_lock_is_fine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_checked_as_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_stay_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_fails_closed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
