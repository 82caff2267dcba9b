/* Fault injection for mplan's out-of-memory paths (SQLite's "fail the Nth allocation").
 * Linked only into build-fi/mplan, with -Wl,--wrap for every allocating libc function
 * mplan's own code calls; jansson is routed here with json_set_alloc_funcs, and the Lua
 * state's allocator (host.c) calls realloc, so it counts too. libyaml has no allocator
 * hook: its allocations are not counted.
 *
 *   MPLAN_FI_FAIL=N    the Nth counted allocation fails (once; later ones succeed, so a
 *                      caller that retries, like Lua's emergency collection, may recover)
 *   MPLAN_FI_COUNT=1   print "mplan-fi: N allocations" on stderr at exit
 *   MPLAN_FI_SWEEP=DIR the sweep (tests/faults/sweep.sh): run the command once clean,
 *                      then once failing each Nth allocation it reached (every
 *                      MPLAN_FI_STRIDE-th, default 1, wider if MPLAN_FI_MAX_RUNS caps the
 *                      number of runs), each in a child forked before
 *                      main (no exec, no sanitizer start-up per run), MPLAN_FI_JOBS at
 *                      once (default 2), outputs in DIR; judge each run (see judge) and
 *                      print one line "runs R count C bad B" and the first bad runs.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *cap, FILE *fp);
int __real_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *fp);
int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

static atomic_ulong count;
static unsigned long fail_at; /* 0: never */

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
    unsigned long n = atomic_fetch_add(&count, 1) + 1;
    return n == fail_at;
}

void *__wrap_malloc(size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(k, n);
}

/* realloc(p, 0) frees (Lua never asks for it; host_alloc calls free) and is not counted. */
void *__wrap_realloc(void *p, size_t n)
{
    if (n && fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strndup(s, n);
}

/* getline allocates its buffer when the line outgrows it; count every call. */
ssize_t __wrap_getline(char **line, size_t *cap, FILE *fp)
{
    if (fail_now()) {
        errno = ENOMEM;
        return -1;
    }
    return __real_getline(line, cap, fp);
}

/* A thread is memory too (its stack): failing to start one must be handled. */
int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (fail_now())
        return EAGAIN;
    return __real_pthread_create(th, attr, fn, arg);
}

/* ---- the sweep: a fork server around main ---- */

int __real_main(int argc, char **argv);
int __wrap_main(int argc, char **argv);

static int count_fd = -1; /* a child writes its allocation count here at exit */

static void send_count(void)
{
    unsigned long n = atomic_load(&count);
    if (write(count_fd, &n, sizeof n) != (ssize_t)sizeof n)
        return;
}

/* Start `argv` failing allocation `n` (0: none) with stdout and stderr in DIR/out.SLOT
 * and DIR/err.SLOT; the child's count arrives on `*pipe_rd` when asked for. */
static pid_t spawn(int argc, char **argv, const char *dir, int slot, unsigned long n, int *pipe_rd)
{
    char out[4096], errp[4096];
    snprintf(out, sizeof out, "%s/out.%d", dir, slot);
    snprintf(errp, sizeof errp, "%s/err.%d", dir, slot);
    int fds[2] = {-1, -1};
    if (pipe_rd && pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0) {
        if (pipe_rd) {
            close(fds[1]);
            *pipe_rd = fds[0];
        }
        return pid;
    }
    if (!freopen(out, "w", stdout) || !freopen(errp, "w", stderr))
        _exit(98);
    fail_at = n;
    if (pipe_rd) {
        close(fds[0]);
        count_fd = fds[1];
        atexit(send_count);
    }
    exit(__real_main(argc, argv));
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    *len = 0;
    if (!fp)
        return NULL;
    size_t cap = 0, k;
    char chunk[65536];
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        char *nb = __real_realloc(buf, cap + k + 1);
        if (!nb)
            break;
        buf = nb;
        memcpy(buf + cap, chunk, k);
        cap += k;
    }
    fclose(fp);
    if (buf)
        buf[cap] = 0;
    else
        buf = __real_calloc(1, 1);
    *len = cap;
    return buf;
}

struct ref {
    char *out, *err;
    size_t nout, nerr;
};

/* Why run `n` (exit status `ws`, outputs in slot files) is wrong, or NULL when it is fine:
 * exit 5 with an "mplan: " message and stdout a prefix of the clean run's, or exit 0 with
 * exactly the clean run's stdout and stderr; a sanitizer report is always wrong. */
static const char *judge(int ws, const char *dir, int slot, const struct ref *ref, char *why, size_t n)
{
    char path[4096];
    size_t nout, nerr;
    snprintf(path, sizeof path, "%s/out.%d", dir, slot);
    char *out = slurp(path, &nout);
    snprintf(path, sizeof path, "%s/err.%d", dir, slot);
    char *err = slurp(path, &nerr);
    const char *res = why;
    if (!out || !err)
        snprintf(why, n, "cannot read the outputs");
    else if (strstr(err, "Sanitizer") || strstr(err, "runtime error:"))
        snprintf(why, n, "sanitizer report: %.300s", err);
    else if (!WIFEXITED(ws))
        snprintf(why, n, "killed by signal %d", WTERMSIG(ws));
    else if (WEXITSTATUS(ws) == 0 && (nout != ref->nout || memcmp(out, ref->out, nout) != 0))
        snprintf(why, n, "exit 0 but stdout differs from the clean run");
    else if (WEXITSTATUS(ws) == 0 && (nerr != ref->nerr || memcmp(err, ref->err, nerr) != 0))
        snprintf(why, n, "exit 0 but stderr differs: %.200s", err);
    else if (WEXITSTATUS(ws) == 0)
        res = NULL;
    else if (WEXITSTATUS(ws) != 5)
        snprintf(why, n, "exit %d, expected 5: %.200s", WEXITSTATUS(ws), err);
    else if (strncmp(err, "mplan: ", 7) != 0 && !strstr(err, "\nmplan: "))
        snprintf(why, n, "exit 5 without a message");
    else if (nout > ref->nout || memcmp(out, ref->out, nout) != 0)
        snprintf(why, n, "exit 5 and stdout is not a prefix of the clean run's");
    else
        res = NULL;
    free(out);
    free(err);
    return res;
}

static int sweep(int argc, char **argv, const char *dir)
{
    const char *s = getenv("MPLAN_FI_STRIDE");
    unsigned long stride = s ? strtoul(s, NULL, 10) : 1;
    s = getenv("MPLAN_FI_JOBS");
    int jobs = s ? atoi(s) : 2;
    if (stride < 1)
        stride = 1;
    if (jobs < 1 || jobs > 16)
        jobs = 2;
    /* The clean run: the reference outputs and the count. */
    int rd = -1, ws;
    pid_t pid = spawn(argc, argv, dir, 0, 0, &rd);
    unsigned long total = 0;
    if (pid < 0 || read(rd, &total, sizeof total) != (ssize_t)sizeof total)
        total = 0;
    close(rd);
    waitpid(pid, &ws, 0);
    char path[4096];
    struct ref ref;
    snprintf(path, sizeof path, "%s/out.0", dir);
    ref.out = slurp(path, &ref.nout);
    snprintf(path, sizeof path, "%s/err.0", dir);
    ref.err = slurp(path, &ref.nerr);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0 || !total || !ref.out || !ref.err) {
        printf("the clean run failed (status %d): %.300s\n", ws, ref.err ? ref.err : "");
        return 1;
    }
    /* MPLAN_FI_MAX_RUNS: widen the stride so that the sweep makes at most that many runs. */
    s = getenv("MPLAN_FI_MAX_RUNS");
    unsigned long max_runs = s ? strtoul(s, NULL, 10) : 0;
    if (max_runs && (total + stride - 1) / stride > max_runs)
        stride = (total + max_runs - 1) / max_runs;
    pid_t busy[16] = {0};
    unsigned long at[16];
    unsigned long next = 1, runs = 0, bad = 0;
    char why[512];
    for (;;) {
        for (int j = 0; j < jobs && next <= total; j++)
            if (!busy[j]) {
                at[j] = next;
                busy[j] = spawn(argc, argv, dir, j + 1, next, NULL);
                next += stride;
            }
        pid = wait(&ws);
        if (pid < 0)
            break;
        for (int j = 0; j < jobs; j++)
            if (busy[j] == pid) {
                busy[j] = 0;
                runs++;
                if (judge(ws, dir, j + 1, &ref, why, sizeof why) && ++bad <= 3)
                    printf("N=%lu: %s\n", at[j], why);
            }
    }
    printf("runs %lu count %lu stride %lu bad %lu\n", runs, total, stride, bad);
    free(ref.out);
    free(ref.err);
    return bad ? 1 : 0;
}

int __wrap_main(int argc, char **argv)
{
    const char *dir = getenv("MPLAN_FI_SWEEP");
    return dir ? sweep(argc, argv, dir) : __real_main(argc, argv);
}

static void *json_malloc(size_t n) { return __wrap_malloc(n); }
static void json_free(void *p) { free(p); }

static void report(void)
{
    fprintf(stderr, "mplan-fi: %lu allocations\n", (unsigned long)atomic_load(&count));
}

__attribute__((constructor)) static void fi_init(void)
{
    const char *s = getenv("MPLAN_FI_FAIL");
    if (s)
        fail_at = strtoul(s, NULL, 10);
    s = getenv("MPLAN_FI_COUNT");
    if (s && *s && strcmp(s, "0") != 0)
        atexit(report);
    json_set_alloc_funcs(json_malloc, json_free);
}
