#define _GNU_SOURCE /* fopencookie, O_PATH */
#include "io/out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- temp files the signal handler removes ----
 * A signal handler can reach nothing but globals, so this list is the one piece of global
 * state: fixed slots (no allocation in the handler), each published with an atomic flag after
 * its name is written, so a handler on any thread sees a whole name or none. */
#define TEMP_SLOTS 16
#define SLOT_FREE 0
#define SLOT_FILLING 1
#define SLOT_USED 2

static struct {
    atomic_int state;
    int dirfd;         /* AT_FDCWD for a path registered by mp_out_remove_on_signal */
    int flags;         /* AT_REMOVEDIR for a directory */
    char name[256];
} temps[TEMP_SLOTS];
static atomic_int handlers_set;
static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void on_signal(int sig)
{
    int saved = errno;
    /* files first, then the directories they were in */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < TEMP_SLOTS; i++)
            if (atomic_load(&temps[i].state) == SLOT_USED && (temps[i].flags == AT_REMOVEDIR) == pass)
                unlinkat(temps[i].dirfd, temps[i].name, temps[i].flags);
    errno = saved;
    /* SA_RESETHAND put the default action back; the signal is blocked until we return, and
     * then it ends the process as it would have without us. */
    raise(sig);
}

/* Only signals left at their default action: one the caller ignores (nohup) stays ignored. */
static void set_handlers(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&handlers_set, &expect, 1))
        return;
    for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) {
        struct sigaction old, sa;
        if (sigaction(caught[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = (int)SA_RESETHAND; /* an unsigned constant, 0x80000000 */
        sigemptyset(&sa.sa_mask);
        sigaction(caught[i], &sa, NULL);
    }
}

static int temp_register(int dirfd, const char *name, int flags)
{
    if (strlen(name) >= sizeof temps[0].name)
        return -1; /* a path too long for a slot: just not cleaned on a signal */
    set_handlers();
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expect = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&temps[i].state, &expect, SLOT_FILLING))
            continue;
        temps[i].dirfd = dirfd;
        temps[i].flags = flags;
        snprintf(temps[i].name, sizeof temps[i].name, "%s", name);
        atomic_store(&temps[i].state, SLOT_USED);
        return i;
    }
    return -1; /* more outputs open at once than slots: still written, just not cleaned on a signal */
}

static void temp_unregister(int slot)
{
    if (slot >= 0)
        atomic_store(&temps[slot].state, SLOT_FREE);
}

int mp_out_remove_on_signal(const char *path, int dir)
{
    return temp_register(AT_FDCWD, path, dir ? AT_REMOVEDIR : 0);
}

void mp_out_forget(int slot)
{
    temp_unregister(slot);
}

/* ---- names ---- */

/* Temp files are ".mplan-tmp.HASH.PID.RAND": short, so a target name of up to NAME_MAX bytes
 * still works; HASH (of the target's name) and PID let a later run find the temps that a
 * killed run left for the same target. */
#define TEMP_PREFIX ".mplan-tmp."

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void temp_name(char *buf, size_t n, uint32_t hash, unsigned attempt)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t r = ((uint64_t)ts.tv_nsec << 16) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)attempt * 0x9E3779B97F4A7C15u) ^
                 (uint64_t)(uintptr_t)buf;
    char rnd[7];
    for (int i = 0; i < 6; i++, r /= 36)
        rnd[i] = digits[r % 36];
    rnd[6] = '\0';
    snprintf(buf, n, TEMP_PREFIX "%08x.%ld.%s", (unsigned)hash, (long)getpid(), rnd);
}

/* Remove temps of this target that a run which no longer exists left (SIGKILL, power loss):
 * ours by owner, theirs by a process id that is gone. */
static void sweep_stale(int dirfd, uint32_t hash)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, TEMP_PREFIX "%08x.", (unsigned)hash);
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return; /* an unreadable directory: nothing swept, nothing lost */
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + strlen(prefix), &end, 10);
        struct stat st;
        if (*end != '.' || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid())
            unlinkat(dirfd, e->d_name, 0);
    }
    closedir(d);
}

/* Follow `path` while it is a symlink; the result is malloc'd (NULL: out of memory, or
 * *loop set after 40 links, as the kernel's limit). A missing target is returned as it is. */
static char *resolve_links(const char *path, int *loop)
{
    char *p = strdup(path);
    *loop = 0;
    for (int hops = 0; p; hops++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        if (hops == 40) {
            *loop = 1;
            free(p);
            return NULL;
        }
        size_t cap = (size_t)st.st_size + 2 > 4096 ? (size_t)st.st_size + 2 : 4096;
        char *link = malloc(cap);
        ssize_t n = link ? readlink(p, link, cap - 1) : -1;
        if (n < 0) {
            free(link);
            return p; /* changed under us: open it as it is now */
        }
        link[n] = '\0';
        char *slash = strrchr(p, '/');
        if (link[0] == '/' || !slash) {
            free(p);
            p = link;
            continue;
        }
        size_t dirlen = (size_t)(slash - p) + 1;
        char *q = malloc(dirlen + (size_t)n + 1);
        if (q) {
            memcpy(q, p, dirlen);
            memcpy(q + dirlen, link, (size_t)n + 1);
        }
        free(link);
        free(p);
        p = q;
    }
    return NULL;
}

/* ---- the stream ---- */

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
    struct mp_out *out = c;
    size_t done = 0;
    if (out->werr)
        return -1; /* failed or dropped: nothing more reaches the file */
    while (done < n) {
        ssize_t k = write(out->fd, buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (!out->werr)
                out->werr = k < 0 ? errno : EIO;
            return -1;
        }
        done += (size_t)k;
    }
    return (ssize_t)n;
}

static enum mp_status open_stream(struct mp_out *out, mp_error *err)
{
    cookie_io_functions_t io = {.read = NULL, .write = cookie_write, .seek = NULL, .close = NULL};
    out->fp = fopencookie(out, "w", io);
    if (!out->fp)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    setvbuf(out->fp, NULL, _IOFBF, 1 << 16);
    return MP_OK;
}

/* Undo a half-done open. */
static void drop(struct mp_out *out)
{
    if (out->fp) {
        if (!out->werr)
            out->werr = ECANCELED; /* fclose writes no half output to a device or stdout */
        fclose(out->fp);
    }
    out->fp = NULL;
    if (out->atomic && out->tmp[0]) {
        unlinkat(out->dirfd, out->tmp, 0);
        temp_unregister(out->slot);
    }
    if (out->path && out->fd >= 0)
        close(out->fd);
    if (out->dirfd >= 0)
        close(out->dirfd);
    free(out->base);
    out->base = NULL;
    out->fd = out->dirfd = out->slot = -1;
    out->atomic = 0;
    out->tmp[0] = '\0';
}

/* A regular file, or none yet: a temp beside it, with the old file's mode and owner (a new
 * file gets 0666 less the umask, as the shell's `>` would). */
static enum mp_status open_atomic(struct mp_out *out, const struct stat *old, mp_error *err)
{
    uint32_t hash = name_hash(out->base);
    sweep_stale(out->dirfd, hash);
    mode_t mode = old ? 0600 : 0666;
    /* The name is registered before the file exists: a signal between the two finds a name
     * to unlink that is not there yet, never a file nobody will remove. */
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        temp_name(out->tmp, sizeof out->tmp, hash, attempt);
        out->slot = temp_register(out->dirfd, out->tmp, 0);
        out->fd = openat(out->dirfd, out->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (out->fd >= 0)
            break;
        int e = errno;
        temp_unregister(out->slot);
        out->slot = -1;
        errno = e;
        if (e != EEXIST)
            break;
    }
    if (out->fd < 0) {
        int e = errno;
        out->tmp[0] = '\0';
        return mp_fail(err, MP_EIO, "%s: cannot create a file beside it: %s", out->path, strerror(e));
    }
    out->atomic = 1;
    if (old) {
        /* chown may drop set-id bits, so the mode comes after it; not being allowed to give
         * the file to its old owner is what any rename-based save does */
        if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
            fchown(out->fd, old->st_uid, old->st_gid) != 0) {
            /* keep going: the file is ours */
        }
        if (fchmod(out->fd, old->st_mode & 07777) != 0)
            return mp_fail(err, MP_EIO, "%s: cannot keep its mode: %s", out->path, strerror(errno));
    }
    return MP_OK;
}

enum mp_status mp_out_open(struct mp_out *out, const char *path, mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->fd = out->dirfd = out->slot = -1;
    if (!path || strcmp(path, "-") == 0) {
        out->fd = STDOUT_FILENO;
        return open_stream(out, err);
    }
    if (!*path)
        return mp_fail(err, MP_EUSAGE, "an empty output file name: give a file, or - for standard output");
    out->path = path;
    int loop;
    char *real = resolve_links(path, &loop);
    if (!real)
        return loop ? mp_fail(err, MP_EIO, "%s: %s", path, strerror(ELOOP)) : mp_fail(err, MP_ENOMEM, "out of memory");
    char *slash = strrchr(real, '/');
    const char *dir = ".";
    if (slash) {
        *slash = '\0';
        dir = slash == real ? "/" : real;
    }
    const char *base = slash ? slash + 1 : real;
    enum mp_status st = MP_OK;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        st = mp_fail(err, MP_EIO, "%s: is a directory", path);
    } else if (!(out->base = strdup(base))) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    } else {
#ifdef O_PATH
        out->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
#else
        out->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif
        if (out->dirfd < 0)
            st = mp_fail(err, MP_EIO, "%s: cannot open its directory: %s", path, strerror(errno));
    }
    free(real);
    struct stat sb;
    if (st == MP_OK && fstatat(out->dirfd, out->base, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            st = open_atomic(out, NULL, err);
        else
            st = mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    } else if (st == MP_OK && S_ISDIR(sb.st_mode)) {
        st = mp_fail(err, MP_EIO, "%s: is a directory", path);
    } else if (st == MP_OK && S_ISREG(sb.st_mode)) {
        st = open_atomic(out, &sb, err);
    } else if (st == MP_OK) {
        /* a device, FIFO or socket: written in place (opening a FIFO waits for its reader) */
        out->fd = openat(out->dirfd, out->base, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (out->fd < 0)
            st = mp_fail(err, MP_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (st == MP_OK)
        st = open_stream(out, err);
    if (st != MP_OK)
        drop(out);
    return st;
}

int mp_out_isatty(const struct mp_out *out)
{
    return out->fp && isatty(out->fd);
}

const char *mp_out_name(const struct mp_out *out)
{
    return out->path ? out->path : "standard output";
}

enum mp_status mp_out_commit(struct mp_out *out, mp_error *err)
{
    if (!out->fp)
        return MP_OK;
    const char *name = mp_out_name(out);
    int bad = fflush(out->fp) != 0 || ferror(out->fp) || out->werr;
    int e = out->werr ? out->werr : errno;
    fclose(out->fp); /* writes nothing more: flushed above, and the cookie closes no fd */
    out->fp = NULL;
    const char *what = "write failed";
    /* fsync only means something for a file (a terminal or pipe refuses it); close reports
     * what NFS and some disks keep until then */
    if (!bad && out->atomic && fsync(out->fd) != 0)
        bad = 1, e = errno;
    if (out->path) {
        if (close(out->fd) != 0 && !bad)
            bad = 1, e = errno;
        out->fd = -1;
    }
    if (!bad && out->atomic && renameat(out->dirfd, out->tmp, out->dirfd, out->base) != 0)
        bad = 1, e = errno, what = "cannot replace it";
    if (!bad && out->atomic) {
        temp_unregister(out->slot);
        out->tmp[0] = '\0';
    }
    drop(out);
    return bad ? mp_fail(err, MP_EIO, "%s: %s: %s", name, what, strerror(e ? e : EIO)) : MP_OK;
}

void mp_out_abort(struct mp_out *out)
{
    if (out->fp)
        drop(out);
}

enum mp_status mp_out_finish(struct mp_out *out, enum mp_status st, mp_error *err)
{
    if (st == MP_OK)
        return mp_out_commit(out, err);
    if (out->fp) {
        fflush(out->fp);
        if (out->werr)
            st = mp_fail(err, MP_EIO, "%s: write failed: %s", mp_out_name(out), strerror(out->werr));
    }
    mp_out_abort(out);
    return st;
}
