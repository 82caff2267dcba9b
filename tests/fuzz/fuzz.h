/* Shared by the fuzz harnesses (tests/fuzz/run.sh): the input as a file for loaders that
 * take a path, the repository root for seeds and packs, the check every harness makes on a
 * refusal, and, with -DMP_FUZZ_MAIN, a driver that replays files for compilers without
 * libFuzzer. Any crash, leak, sanitizer report or abort() is a finding. */
#ifndef MPLAN_FUZZ_H
#define MPLAN_FUZZ_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mplan/plan.h"
#include "mplan/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir_[PATH_MAX];

static inline void fz_cleanup_(void)
{
    char cmd[PATH_MAX + 16];
    if (fz_dir_[0] && strncmp(fz_dir_, "/tmp/mplan-fuzz-", 16) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir_);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", fz_dir_);
    }
}

/* a + b into buf[n] (paths: too long is a broken set-up, not a finding). */
static inline const char *fz_join(char *buf, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 1 > n)
        abort();
    memcpy(buf, a, la);
    memcpy(buf + la, b, lb + 1);
    return buf;
}

/* This process's scratch directory (made once, removed at exit). */
static inline const char *fz_dir(void)
{
    if (!fz_dir_[0]) {
        snprintf(fz_dir_, sizeof fz_dir_, "/tmp/mplan-fuzz-XXXXXX");
        if (!mkdtemp(fz_dir_))
            abort();
        atexit(fz_cleanup_);
    }
    return fz_dir_;
}

/* Write data to DIR/name and return its path (static buffer). */
static inline const char *fz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[PATH_MAX], dir[PATH_MAX];
    fz_join(path, sizeof path, fz_join(dir, sizeof dir, fz_dir(), "/"), name);
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0)
        abort();
    return path;
}

/* The repository root, where examples/ and rules/ are: $MPLAN_ROOT or the directory the
 * harness runs in (run.sh runs them from the root). */
static inline const char *fz_root(void)
{
    static char root[PATH_MAX];
    if (!root[0]) {
        const char *e = getenv("MPLAN_ROOT");
        if (e)
            snprintf(root, sizeof root, "%s", e);
        else if (!getcwd(root, sizeof root))
            abort();
    }
    return root;
}

/* A refusal must carry one of the allowed statuses and a one-line message that names the
 * input (`where`, e.g. its file name). */
static inline void fz_check_refusal(enum mp_status st, const mp_error *err, const char *where,
                             unsigned allowed)
{
    if (!(allowed & (1u << st)) || !err->msg[0] || strchr(err->msg, '\n') ||
        (where && !strstr(err->msg, where))) {
        fprintf(stderr, "status %d, message without '%s' or not one line: %s\n", (int)st,
                where ? where : "", err->msg);
        abort();
    }
}
#define FZ_ALLOW(st) (1u << (st))

/* The new-trade-festival example plan, loaded once (the harnesses that check input against a
 * plan: actuals, scenarios); a plan that does not load is a broken set-up. */
static inline const mp_plan *fz_example_plan(void)
{
    static mp_plan *plan;
    if (!plan) {
        char path[PATH_MAX];
        mp_error err = {0};
        fz_join(path, sizeof path, fz_root(), "/examples/new-trade-festival/plan.yaml");
        if (mp_plan_load(path, &plan, &err) != MP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            abort();
        }
    }
    return plan;
}

#ifdef MP_FUZZ_MAIN
/* Replay each file given (directories are read by the caller's shell glob). */
int main(int argc, char **argv)
{
    static uint8_t buf[1 << 20];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        size_t len = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, len);
        n++;
    }
    printf("replayed %d inputs\n", n);
    return 0;
}
#endif

#endif
