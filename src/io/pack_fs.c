/* One way to read a pack's files (io/pack_fs.h). Paths are resolved with realpath and
 * checked against the pack directory, then opened again component by component with
 * openat(O_NOFOLLOW) from the directory itself, so a link swapped in between the check and
 * the open fails instead of leading elsewhere. */
#define _GNU_SOURCE
#include "io/pack_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>

#include "core/model.h"

/* Is `path` `root` itself or inside it? */
static int inside(const char *root, const char *path)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/')
        return 1;
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == 0);
}

enum mp_status mp_pack_path_check(const char *dir, const char *rel, mp_error *err)
{
    char root[PATH_MAX], p[PATH_MAX], res[PATH_MAX];
    if (!realpath(dir, root))
        return mp_fail(err, MP_EIO, "%s: %s", dir, strerror(errno));
    size_t off = 0;
    while (rel[off]) {
        size_t k = strcspn(rel + off, "/");
        if ((size_t)snprintf(p, sizeof p, "%s/%.*s", dir, (int)(off + k), rel) >= sizeof p)
            return mp_fail(err, MP_EINPUT, "%s/%s: path too long", dir, rel);
        struct stat sb;
        if (lstat(p, &sb) != 0)
            return MP_OK; /* absent: the caller says so */
        if (S_ISLNK(sb.st_mode) && (!realpath(p, res) || !inside(root, res))) {
            char target[PATH_MAX];
            ssize_t t = readlink(p, target, sizeof target - 1);
            target[t > 0 ? t : 0] = 0;
            return mp_fail(err, MP_EINPUT, "%s: a symbolic link to '%s', which is outside the pack "
                           "directory %s; a pack's files must be inside it", p, target, dir);
        }
        off += k;
        while (rel[off] == '/')
            off++;
    }
    return MP_OK;
}

/* Read an open descriptor: a regular file of at most max bytes. */
static enum mp_status read_fd(int fd, const char *shown, size_t max, char **buf, size_t *len,
                              mp_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return mp_fail(err, MP_EIO, "%s: %s", shown, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return mp_fail(err, MP_EINPUT, "%s: not a regular file (%s)", shown,
                       S_ISFIFO(sb.st_mode) ? "a FIFO" : S_ISDIR(sb.st_mode) ? "a directory" : "a device or socket");
    if ((unsigned long long)sb.st_size > max)
        return mp_fail(err, MP_EINPUT, "%s: larger than %zu MiB (%lld bytes)", shown, max >> 20,
                       (long long)sb.st_size);
    /* Read up to one byte past the size stat gave: a file growing meanwhile is caught. */
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *b = malloc(cap + 1);
    if (!b)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (;;) {
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(b);
            return mp_fail(err, MP_EIO, "%s: %s", shown, strerror(errno));
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n == cap) {
            free(b);
            return mp_fail(err, MP_EINPUT, "%s: changed while being read", shown);
        }
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return MP_OK;
}

enum mp_status mp_file_read(const char *path, size_t max, char **buf, size_t *len, mp_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    enum mp_status st = read_fd(fd, path, max, buf, len, err);
    close(fd);
    return st;
}

/* Open root/rel (rel below the resolved root) one component at a time, following no link. */
static int open_beneath(const char *root, const char *rel)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char part[NAME_MAX + 1];
    while (fd >= 0 && *rel) {
        size_t k = strcspn(rel, "/");
        if (k > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(part, rel, k);
        part[k] = 0;
        rel += k;
        while (*rel == '/')
            rel++;
        int last = !*rel;
        int next = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY));
        int saved = errno;
        close(fd);
        errno = saved;
        fd = next;
    }
    return fd;
}

static enum mp_status check_locked(const struct mp_pack_files *locked, const char *dir,
                                   const char *rel, const char *buf, size_t len, mp_error *err)
{
    size_t i = 0;
    while (i < locked->n && strcmp(locked->v[i].rel, rel) != 0)
        i++;
    if (i == locked->n)
        return mp_fail(err, MP_EINPUT, "%s/%s: not among the pack's locked files; review it, then "
                       "run 'mplan pack lock' again", dir, rel);
    char hex[65];
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    SHA256Update(&ctx, (const unsigned char *)buf, len);
    SHA256End(&ctx, hex);
    if (strcmp(hex, locked->v[i].sha256) != 0)
        return mp_fail(err, MP_EINPUT, "%s/%s: changed since the lock; review it, then run "
                       "'mplan pack lock' again", dir, rel);
    return MP_OK;
}

enum mp_status mp_pack_file_read(const char *dir, const char *rel, size_t max,
                                 const struct mp_pack_files *locked, char **buf, size_t *len,
                                 int *missing, mp_error *err)
{
    char root[PATH_MAX], path[PATH_MAX], res[PATH_MAX];
    *buf = NULL;
    *len = 0;
    if (missing)
        *missing = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return mp_fail(err, MP_EINPUT, "%s/%s: path too long", dir, rel);
    MP_TRY(mp_pack_path_check(dir, rel, err));
    if (!realpath(dir, root))
        return mp_fail(err, MP_EIO, "%s: %s", dir, strerror(errno));
    if (!realpath(path, res)) {
        if (missing)
            *missing = errno == ENOENT;
        return mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    }
    if (!inside(root, res) || strcmp(root, res) == 0)
        return mp_fail(err, MP_EINPUT, "%s: resolves to %s, outside the pack directory", path, res);
    const char *below = res + strlen(root);
    while (*below == '/')
        below++;
    int fd = open_beneath(root, below);
    if (fd < 0)
        return errno == ELOOP || errno == ENOTDIR
                   ? mp_fail(err, MP_EINPUT, "%s: changed into a symbolic link while being opened", path)
                   : mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    enum mp_status st = read_fd(fd, path, max, buf, len, err);
    close(fd);
    if (st == MP_OK && locked)
        st = check_locked(locked, dir, rel, *buf, *len, err);
    if (st != MP_OK) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return st;
}
