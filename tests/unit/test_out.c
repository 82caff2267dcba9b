/* Output files: what a user finds on disk after a write, a failed write, a signal, a kill. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/out.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/mplan-test-out.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Names in the directory other than . and .., counted; `only` gets the last one. */
static int entries(char *only, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int k = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        k++;
        if (only)
            snprintf(only, n, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    return k;
}

static void slurp(const char *path, char *buf, size_t n)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t k = fread(buf, 1, n - 1, fp);
    buf[k] = '\0';
    fclose(fp);
}

static void write_text(const char *path, const char *text)
{
    struct mp_out out;
    mp_error err = {0};
    assert_int_equal(mp_out_open(&out, path, &err), MP_OK);
    fputs(text, out.fp);
    assert_int_equal(mp_out_commit(&out, &err), MP_OK);
}

static void test_mode_kept_and_new_file_umask(void **state)
{
    (void)state;
    char path[128], buf[64];
    snprintf(path, sizeof path, "%s/secret.csv", dir);
    FILE *fp = fopen(path, "w");
    fputs("old\n", fp);
    fclose(fp);
    chmod(path, 0600);
    write_text(path, "new\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    slurp(path, buf, sizeof buf);
    assert_string_equal(buf, "new\n");

    mode_t old = umask(027);
    snprintf(path, sizeof path, "%s/fresh.csv", dir);
    write_text(path, "x\n");
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640); /* 0666 less the umask 027 */
    assert_int_equal(entries(NULL, 0), 2);      /* no temp left */
}

static void test_symlink_followed(void **state)
{
    (void)state;
    char target[128], link[128], buf[64];
    snprintf(target, sizeof target, "%s/real.csv", dir);
    snprintf(link, sizeof link, "%s/link.csv", dir);
    write_text(target, "one\n");
    assert_int_equal(symlink("real.csv", link), 0); /* relative, as ln -s writes it */
    write_text(link, "two\n");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    slurp(target, buf, sizeof buf);
    assert_string_equal(buf, "two\n");
}

static void test_long_name(void **state)
{
    (void)state;
    char path[512], name[256], buf[16];
    memset(name, 'n', 255); /* NAME_MAX */
    name[255] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_text(path, "ok\n");
    slurp(path, buf, sizeof buf);
    assert_string_equal(buf, "ok\n");
}

static void test_abort_leaves_nothing_and_keeps_old(void **state)
{
    (void)state;
    char path[128], buf[64];
    snprintf(path, sizeof path, "%s/keep.csv", dir);
    write_text(path, "before\n");
    struct mp_out out;
    mp_error err = {0};
    assert_int_equal(mp_out_open(&out, path, &err), MP_OK);
    fputs("half", out.fp);
    mp_out_abort(&out);
    mp_out_abort(&out); /* twice is safe */
    slurp(path, buf, sizeof buf);
    assert_string_equal(buf, "before\n");
    assert_int_equal(entries(NULL, 0), 1);
}

/* A private device node: a broken build run as root must not replace the machine's own.
 * NULL when this user may not make one (the tests then use nothing else). */
static const char *make_dev(const char *name, unsigned minor, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    return mknod(path, S_IFCHR | 0666, makedev(1, minor)) == 0 ? path : NULL;
}

static void test_device_written_in_place(void **state)
{
    (void)state;
    char path[128];
    if (!make_dev("null", 3, path, sizeof path))
        skip();
    write_text(path, "nothing\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(entries(NULL, 0), 1);
}

static void test_full_disk_named(void **state)
{
    (void)state;
    struct mp_out out;
    mp_error err = {0};
    char path[128], msg[256];
    if (!make_dev("full", 7, path, sizeof path))
        skip();
    snprintf(msg, sizeof msg, "%s: write failed: No space left on device", path);
    assert_int_equal(mp_out_open(&out, path, &err), MP_OK);
    for (int i = 0; i < 100000; i++)
        fputs("0123456789", out.fp);
    assert_int_equal(mp_out_commit(&out, &err), MP_EIO);
    assert_string_equal(err.msg, msg);
    /* a writer that said "out of memory" because its write failed is corrected */
    assert_int_equal(mp_out_open(&out, path, &err), MP_OK);
    fputs("x", out.fp);
    enum mp_status st = mp_fail(&err, MP_ENOMEM, "out of memory while writing JSON");
    assert_int_equal(mp_out_finish(&out, st, &err), MP_EIO);
    assert_string_equal(err.msg, msg);
}

static void test_empty_name_is_usage(void **state)
{
    (void)state;
    struct mp_out out;
    mp_error err = {0};
    assert_int_equal(mp_out_open(&out, "", &err), MP_EUSAGE);
    mp_out_abort(&out);
}

/* A child opens an output, writes, and dies by `sig` with the temp file open. */
static int child_dies(const char *path, int sig)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct mp_out out;
        mp_error err;
        if (mp_out_open(&out, path, &err) != MP_OK)
            _exit(3);
        fputs("partial", out.fp);
        fflush(out.fp);
        raise(sig);
        _exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

static void test_sigterm_removes_temp(void **state)
{
    (void)state;
    char path[128], buf[64];
    snprintf(path, sizeof path, "%s/term.csv", dir);
    write_text(path, "old\n");
    assert_int_equal(child_dies(path, SIGTERM), SIGTERM); /* still dies by the signal */
    assert_int_equal(entries(NULL, 0), 1);
    slurp(path, buf, sizeof buf);
    assert_string_equal(buf, "old\n");
    assert_int_equal(child_dies(path, SIGINT), SIGINT);
    assert_int_equal(entries(NULL, 0), 1);
}

static void test_kill_leftover_swept_by_next_write(void **state)
{
    (void)state;
    char path[128], name[300];
    snprintf(path, sizeof path, "%s/killed.csv", dir);
    assert_int_equal(child_dies(path, SIGKILL), SIGKILL);
    assert_int_equal(entries(name, sizeof name), 1); /* SIGKILL cannot be caught: the temp stays */
    assert_true(strncmp(name, ".mplan-tmp.", 11) == 0);
    char other[128];
    snprintf(other, sizeof other, "%s/other.csv", dir);
    write_text(other, "x\n"); /* another target leaves it alone */
    assert_int_equal(entries(NULL, 0), 2);
    write_text(path, "y\n");
    assert_int_equal(entries(NULL, 0), 2); /* killed.csv and other.csv, the temp gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode_kept_and_new_file_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing_and_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_written_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_name_is_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_removes_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_leftover_swept_by_next_write, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
