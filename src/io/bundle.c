/* Pack bundles (io/bundle.h): libarchive writes and reads them, libmd hashes them. */
#define _GNU_SOURCE
#include "io/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>

#include "core/pathcheck.h"
#include "core/semver.h"
#include "io/lock.h"
#include "io/manifest.h"
#include "io/out.h"
#include "io/pack_fs.h"
#include "io/store_find.h"

static void sha256_hex(const void *data, size_t len, char hex[65])
{
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    SHA256Update(&ctx, data, len);
    SHA256End(&ctx, hex);
}

void mp_bundle_free(struct mp_bundle *b)
{
    for (size_t i = 0; i < b->nfiles; i++) {
        free(b->files[i].rel);
        free(b->files[i].data);
    }
    for (size_t i = 0; i < b->nrequires; i++) {
        free(b->requires[i].name);
        free(b->requires[i].range);
    }
    free(b->files);
    free(b->requires);
    free(b->name);
    free(b->version);
    free(b->summary);
    free(b->manifest);
    free(b->signature);
    memset(b, 0, sizeof *b);
}

/* ---- MANIFEST text ---- */

struct text {
    char *s;
    size_t len, cap;
    int oom;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->oom || k < 0)
        return;
    if (t->len + (size_t)k + 1 > t->cap) {
        size_t cap = (t->len + (size_t)k + 1) * 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->oom = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)k;
}

/* A summary on one line: controls become blanks. */
static char *one_line(const char *s)
{
    char *c = strdup(s ? s : "");
    for (char *p = c; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return c;
}

static enum mp_status build_manifest(struct mp_bundle *b, mp_error *err)
{
    struct text t = {0};
    add(&t, "mplan-bundle 1\nname %s\nversion %s\n", b->name, b->version);
    if (b->summary && *b->summary)
        add(&t, "summary %s\n", b->summary);
    for (size_t i = 0; i < b->nrequires; i++)
        add(&t, "requires %s %s\n", b->requires[i].name, b->requires[i].range);
    for (size_t i = 0; i < b->nfiles; i++)
        add(&t, "file %s %zu %s\n", b->files[i].sha256, b->files[i].len, b->files[i].rel);
    if (t.oom || !t.s) {
        free(t.s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    free(b->manifest);
    b->manifest = t.s;
    return MP_OK;
}

enum mp_status mp_bundle_make(const char *dir, struct mp_bundle *b, mp_error *err)
{
    memset(b, 0, sizeof *b);
    struct mp_manifest man;
    MP_TRY(mp_manifest_load(dir, &man, err));
    struct mp_pack_files files;
    enum mp_status st = mp_pack_files_hash(dir, &files, err);
    if (st != MP_OK) {
        mp_manifest_free(&man);
        return st;
    }
    b->name = strdup(man.name);
    b->version = strdup(man.version);
    b->summary = one_line(man.summary);
    b->requires = calloc(man.nrequires + 1, sizeof *b->requires);
    b->files = calloc(files.n + 1, sizeof *b->files);
    if (!b->name || !b->version || !b->summary || !b->requires || !b->files)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < man.nrequires; i++, b->nrequires++)
        if (!(b->requires[i].name = strdup(man.req_names[i])) || !(b->requires[i].range = strdup(man.req_ranges[i])))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK && files.n > MP_BUNDLE_MAX_FILES)
        st = mp_fail(err, MP_EINPUT, "%s: %zu files; a bundle holds at most %d", dir, files.n, MP_BUNDLE_MAX_FILES);
    size_t total = 0;
    for (size_t i = 0; st == MP_OK && i < files.n; i++) {
        struct mp_bundle_file *f = &b->files[b->nfiles];
        char why[128];
        if (mp_bundle_path_check(files.v[i].rel, why, sizeof why) != 0) {
            st = mp_fail(err, MP_EINPUT, "%s/%s: cannot go into a bundle: %s", dir, files.v[i].rel, why);
            break;
        }
        char *data;
        if ((st = mp_pack_file_read(dir, files.v[i].rel, MP_BUNDLE_FILE_MAX, &files, &data, &f->len, NULL, err)) != MP_OK)
            break;
        f->data = (unsigned char *)data;
        b->nfiles++;
        if (!(f->rel = strdup(files.v[i].rel)))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        memcpy(f->sha256, files.v[i].sha256, 65);
        if ((total += f->len) > MP_BUNDLE_MAX_BYTES)
            st = mp_fail(err, MP_EINPUT, "%s: more than %u MiB of files; a bundle holds at most that", dir,
                         MP_BUNDLE_MAX_BYTES >> 20);
    }
    mp_pack_files_free(&files);
    mp_manifest_free(&man);
    if (st == MP_OK)
        st = build_manifest(b, err);
    if (st != MP_OK)
        mp_bundle_free(b);
    return st;
}

enum mp_status mp_bundle_sign(struct mp_bundle *b, const char *keyfile, mp_error *err)
{
    char *sig;
    MP_TRY(mp_sign(keyfile, b->manifest, strlen(b->manifest), &sig, err));
    free(b->signature);
    b->signature = sig;
    return mp_signature_check(sig, strlen(sig), b->manifest, strlen(b->manifest), keyfile, &b->signer, err);
}

enum mp_status mp_bundle_attach(struct mp_bundle *b, const char *sigtext, const char *shown, mp_error *err)
{
    struct mp_signer who;
    MP_TRY(mp_signature_check(sigtext, strlen(sigtext), b->manifest, strlen(b->manifest), shown, &who, err));
    char *copy = strdup(sigtext);
    if (!copy)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    free(b->signature);
    b->signature = copy;
    b->signer = who;
    return MP_OK;
}

/* ---- writing ---- */

static int put_entry(struct archive *a, const char *path, const void *data, size_t len)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return -1;
    /* Fixed metadata: the same files give the same bytes on any machine, at any time. */
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 0, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "");
    archive_entry_set_gname(e, "");
    int ok = archive_write_header(a, e) == ARCHIVE_OK &&
             (len == 0 || archive_write_data(a, data, len) == (la_ssize_t)len);
    archive_entry_free(e);
    return ok ? 0 : -1;
}

enum mp_status mp_bundle_write(struct mp_bundle *b, const char *path, mp_error *err)
{
    struct mp_out out;
    MP_TRY(mp_out_open(&out, path, err));
    struct archive *a = archive_write_new();
    if (!a) {
        mp_out_abort(&out);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    /* pax restricted: plain ustar headers unless a name needs more; gzip without a time
     * stamp or file name in its header. */
    int ok = archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
             archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
             archive_write_set_filter_option(a, "gzip", "timestamp", NULL) == ARCHIVE_OK &&
             archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
             archive_write_open_FILE(a, out.fp) == ARCHIVE_OK;
    ok = ok && put_entry(a, "MANIFEST", b->manifest, strlen(b->manifest)) == 0;
    if (ok && b->signature)
        ok = put_entry(a, "SIGNATURE", b->signature, strlen(b->signature)) == 0;
    for (size_t i = 0; ok && i < b->nfiles; i++) {
        char name[MP_BUNDLE_PATH_MAX + 8];
        snprintf(name, sizeof name, "files/%s", b->files[i].rel);
        ok = put_entry(a, name, b->files[i].data, b->files[i].len) == 0;
    }
    ok = archive_write_close(a) == ARCHIVE_OK && ok;
    enum mp_status st = ok ? MP_OK : mp_fail(err, MP_EIO, "%s: cannot write the bundle: %s", path,
                                            archive_error_string(a) ? archive_error_string(a) : "libarchive failed");
    archive_write_free(a);
    if (st == MP_OK && fflush(out.fp) != 0)
        st = mp_fail(err, MP_EIO, "%s: write failed", path);
    st = mp_out_finish(&out, st, err);
    if (st == MP_OK) {
        char *data;
        size_t len;
        if (mp_file_read(path, MP_BUNDLE_MAX_BYTES, &data, &len, err) == MP_OK) {
            sha256_hex(data, len, b->sha256);
            free(data);
        }
    }
    return st;
}

/* ---- reading ---- */

/* One line of MANIFEST: its word and the rest. */
static enum mp_status parse_manifest(struct mp_bundle *b, const char *shown, mp_error *err)
{
    const char *p = b->manifest;
    if (strncmp(p, "mplan-bundle 1\n", 15) != 0)
        return mp_fail(err, MP_EINPUT, "%s: MANIFEST is not an mplan bundle manifest (version 1)", shown);
    p += 15;
    size_t cap = 0, rcap = 0;
    for (int line = 2; *p; line++) {
        size_t k = strcspn(p, "\n");
        if (p[k] != '\n')
            return mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: the last line lacks its newline", shown, line);
        char *l = strndup(p, k);
        if (!l)
            return mp_fail(err, MP_ENOMEM, "out of memory");
        p += k + 1;
        char *sp = strchr(l, ' ');
        enum mp_status st = MP_OK;
        if (!sp) {
            st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: expected 'WORD VALUE'", shown, line);
        } else {
            *sp = 0;
            char *v = sp + 1, **slot = !strcmp(l, "name") ? &b->name : !strcmp(l, "version") ? &b->version
                                                        : !strcmp(l, "summary")           ? &b->summary
                                                                                          : NULL;
            if (slot) {
                if (*slot)
                    st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: '%s' given twice", shown, line, l);
                else if (!(*slot = strdup(v)))
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
            } else if (!strcmp(l, "requires")) {
                char *r = strchr(v, ' ');
                if (!r || !mp_semver_range_valid(r + 1)) {
                    st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: expected 'requires NAME RANGE'", shown, line);
                } else {
                    if (b->nrequires == rcap) {
                        struct mp_bundle_req *q = realloc(b->requires, (rcap = rcap ? 2 * rcap : 4) * sizeof *q);
                        if (!q) {
                            free(l);
                            return mp_fail(err, MP_ENOMEM, "out of memory");
                        }
                        b->requires = q;
                    }
                    struct mp_bundle_req *q = &b->requires[b->nrequires++];
                    q->name = strndup(v, (size_t)(r - v));
                    q->range = strdup(r + 1);
                    if (!q->name || !q->range)
                        st = mp_fail(err, MP_ENOMEM, "out of memory");
                }
            } else if (!strcmp(l, "file")) {
                char sha[65], rel[MP_BUNDLE_PATH_MAX + 2];
                unsigned long long size;
                int used = 0;
                char why[128];
                if (sscanf(v, "%64[0-9a-f] %llu %256s%n", sha, &size, rel, &used) != 3 || v[used] || strlen(sha) != 64) {
                    st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: expected 'file SHA256 SIZE PATH'", shown, line);
                } else if (mp_bundle_path_check(rel, why, sizeof why) != 0) {
                    st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: '%s': %s", shown, line, rel, why);
                } else if (b->nfiles >= MP_BUNDLE_MAX_FILES) {
                    st = mp_fail(err, MP_EINPUT, "%s: more than %d files; a bundle holds at most that", shown,
                                 MP_BUNDLE_MAX_FILES);
                } else if (b->nfiles && strcmp(b->files[b->nfiles - 1].rel, rel) >= 0) {
                    st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: '%s' out of order or listed twice", shown, line, rel);
                } else {
                    if (b->nfiles == cap) {
                        struct mp_bundle_file *f = realloc(b->files, (cap = cap ? 2 * cap : 16) * sizeof *f);
                        if (!f) {
                            free(l);
                            return mp_fail(err, MP_ENOMEM, "out of memory");
                        }
                        b->files = f;
                    }
                    struct mp_bundle_file *f = &b->files[b->nfiles++];
                    memset(f, 0, sizeof *f);
                    memcpy(f->sha256, sha, 65);
                    f->len = (size_t)size; /* the size promised; the bytes must agree */
                    if (!(f->rel = strdup(rel)))
                        st = mp_fail(err, MP_ENOMEM, "out of memory");
                }
            } else {
                st = mp_fail(err, MP_EINPUT, "%s: MANIFEST:%d: unknown line '%s'", shown, line, l);
            }
        }
        free(l);
        if (st != MP_OK)
            return st;
    }
    struct mp_semver v;
    if (!b->name || !b->version)
        return mp_fail(err, MP_EINPUT, "%s: MANIFEST lacks 'name' or 'version'", shown);
    if (mp_semver_parse(b->version, &v) != 0)
        return mp_fail(err, MP_EINPUT, "%s: MANIFEST: version '%s' is not a semantic version", shown, b->version);
    for (const char *c = b->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return mp_fail(err, MP_EINPUT, "%s: MANIFEST: '%s' is not a pack name", shown, b->name);
    return MP_OK;
}

static const char *type_name(mode_t t)
{
    switch (t) {
    case AE_IFLNK: return "a symbolic link";
    case AE_IFDIR: return "a directory";
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a FIFO";
    case AE_IFSOCK: return "a socket";
    default: return "not a regular file";
    }
}

struct raw {
    char *path;
    unsigned char *data;
    size_t len;
};

static int cmp_raw(const void *a, const void *b)
{
    return strcmp(((const struct raw *)a)->path, ((const struct raw *)b)->path);
}

/* Every entry of the archive, checked and read, bounded in count and in bytes actually
 * unpacked (a header's size is not trusted). */
static enum mp_status read_entries(const void *data, size_t len, const char *shown, struct raw **out,
                                   size_t *nout, mp_error *err)
{
    *out = NULL;
    *nout = 0;
    struct archive *a = archive_read_new();
    if (!a)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    enum mp_status st = MP_OK;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
        st = mp_fail(err, MP_EINPUT, "%s: not a pack bundle (a gzip'd tar): %s", shown, archive_error_string(a));
    size_t n = 0, cap = 0, total = 0;
    struct raw *v = NULL;
    struct archive_entry *e;
    while (st == MP_OK) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            st = mp_fail(err, MP_EINPUT, "%s: damaged bundle: %s", shown, archive_error_string(a));
            break;
        }
        const char *path = archive_entry_pathname(e);
        char why[128];
        if (!path) {
            st = mp_fail(err, MP_EINPUT, "%s: an entry without a name", shown);
            break;
        }
        if (mp_bundle_path_check(path, why, sizeof why) != 0) {
            char shown_path[80];
            snprintf(shown_path, sizeof shown_path, "%s", path);
            for (char *c = shown_path; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                    *c = '?';
            st = mp_fail(err, MP_EINPUT, "%s: entry '%s' refused: %s", shown, shown_path, why);
            break;
        }
        if (archive_entry_hardlink(e)) {
            st = mp_fail(err, MP_EINPUT, "%s: entry '%s' refused: a hard link; a bundle holds regular files only",
                         shown, path);
            break;
        }
        mode_t type = archive_entry_filetype(e);
        if (type != AE_IFREG) {
            st = mp_fail(err, MP_EINPUT, "%s: entry '%s' refused: %s; a bundle holds regular files only", shown,
                         path, type_name(type));
            break;
        }
        if (strcmp(path, "MANIFEST") != 0 && strcmp(path, "SIGNATURE") != 0 && strncmp(path, "files/", 6) != 0) {
            st = mp_fail(err, MP_EINPUT, "%s: entry '%s' refused: not MANIFEST, SIGNATURE or under files/", shown, path);
            break;
        }
        if (n == MP_BUNDLE_MAX_FILES + 2) {
            st = mp_fail(err, MP_EINPUT, "%s: more than %d files; a bundle holds at most that", shown, MP_BUNDLE_MAX_FILES);
            break;
        }
        if (n == cap) {
            struct raw *w = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w);
            if (!w) {
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            v = w;
        }
        struct raw *f = &v[n++];
        memset(f, 0, sizeof *f);
        if (!(f->path = strdup(path))) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        size_t fcap = 0;
        for (;;) {
            unsigned char buf[65536];
            la_ssize_t got = archive_read_data(a, buf, sizeof buf);
            if (got < 0) {
                st = mp_fail(err, MP_EINPUT, "%s: damaged entry '%s': %s", shown, path, archive_error_string(a));
                break;
            }
            if (got == 0)
                break;
            if (f->len + (size_t)got > MP_BUNDLE_FILE_MAX) {
                st = mp_fail(err, MP_EINPUT, "%s: entry '%s' is larger than %u MiB unpacked; refused", shown, path,
                             MP_BUNDLE_FILE_MAX >> 20);
                break;
            }
            if ((total += (size_t)got) > MP_BUNDLE_MAX_BYTES) {
                st = mp_fail(err, MP_EINPUT, "%s: more than %u MiB unpacked; refused (a bundle holds at most that)",
                             shown, MP_BUNDLE_MAX_BYTES >> 20);
                break;
            }
            if (f->len + (size_t)got > fcap) {
                size_t c = (f->len + (size_t)got) * 2;
                unsigned char *d = realloc(f->data, c);
                if (!d) {
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
                    break;
                }
                f->data = d;
                fcap = c;
            }
            memcpy(f->data + f->len, buf, (size_t)got);
            f->len += (size_t)got;
        }
    }
    archive_read_free(a);
    if (st == MP_OK && n > 1) {
        qsort(v, n, sizeof *v, cmp_raw);
        for (size_t i = 1; i < n; i++)
            if (strcmp(v[i].path, v[i - 1].path) == 0) {
                st = mp_fail(err, MP_EINPUT, "%s: entry '%s' appears twice; refused", shown, v[i].path);
                break;
            }
    }
    *out = v;
    *nout = n;
    return st;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct mp_bundle_file *)a)->rel, ((const struct mp_bundle_file *)b)->rel);
}

static void raw_free(struct raw *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].data);
    }
    free(v);
}

static char *text_of(const struct raw *r)
{
    if (memchr(r->data, 0, r->len))
        return NULL;
    char *s = malloc(r->len + 1);
    if (s) {
        if (r->len)
            memcpy(s, r->data, r->len);
        s[r->len] = 0;
    }
    return s;
}

enum mp_status mp_bundle_read(const void *data, size_t len, const char *shown, struct mp_bundle *b, mp_error *err)
{
    memset(b, 0, sizeof *b);
    if (len > MP_BUNDLE_MAX_BYTES)
        return mp_fail(err, MP_EINPUT, "%s: larger than %u MiB; refused", shown, MP_BUNDLE_MAX_BYTES >> 20);
    struct raw *v;
    size_t n;
    enum mp_status st = read_entries(data, len, shown, &v, &n, err);
    const struct raw *man = NULL, *sig = NULL;
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        if (!strcmp(v[i].path, "MANIFEST"))
            man = &v[i];
        else if (!strcmp(v[i].path, "SIGNATURE"))
            sig = &v[i];
    }
    if (st == MP_OK && !man)
        st = mp_fail(err, MP_EINPUT, "%s: no MANIFEST: not a pack bundle", shown);
    if (st == MP_OK && (!(b->manifest = text_of(man)) || (sig && !(b->signature = text_of(sig)))))
        st = mp_fail(err, MP_EINPUT, "%s: MANIFEST or SIGNATURE holds a NUL byte", shown);
    if (st == MP_OK)
        st = parse_manifest(b, shown, err);
    /* Every file listed, with its size and digest; nothing else. */
    unsigned char *seen = st == MP_OK ? calloc(b->nfiles + 1, 1) : NULL;
    if (st == MP_OK && !seen)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        if (strncmp(v[i].path, "files/", 6) != 0)
            continue;
        const char *rel = v[i].path + 6;
        struct mp_bundle_file key = {.rel = (char *)rel};
        struct mp_bundle_file *f = bsearch(&key, b->files, b->nfiles, sizeof *b->files, cmp_file);
        if (!f) {
            st = mp_fail(err, MP_EINPUT, "%s: %s is not listed in MANIFEST; refused", shown, rel);
            break;
        }
        char hex[65];
        sha256_hex(v[i].data ? (const void *)v[i].data : "", v[i].len, hex);
        if (v[i].len != f->len || strcmp(hex, f->sha256) != 0) {
            st = mp_fail(err, MP_EINPUT, "%s: %s does not match its SHA-256 in MANIFEST: the bundle was changed or "
                         "damaged; refused", shown, rel);
            break;
        }
        f->data = v[i].data;
        v[i].data = NULL;
        seen[f - b->files] = 1;
    }
    for (size_t i = 0; st == MP_OK && i < b->nfiles; i++)
        if (!seen[i])
            st = mp_fail(err, MP_EINPUT, "%s: %s is listed in MANIFEST but missing; refused", shown, b->files[i].rel);
    free(seen);
    if (st == MP_OK && b->signature)
        st = mp_signature_check(b->signature, strlen(b->signature), b->manifest, strlen(b->manifest), shown,
                                &b->signer, err);
    if (st == MP_OK)
        sha256_hex(data, len, b->sha256);
    raw_free(v, n);
    if (st != MP_OK)
        mp_bundle_free(b);
    return st;
}

/* ---- installing ---- */

int mp_rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[4096];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= sizeof child || mp_rm_tree(child) != 0)
            rc = -1;
    }
    closedir(d);
    return rmdir(path) == 0 ? rc : -1;
}

static int write_file_at(const char *root, const char *rel, const void *data, size_t len)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path)
        return -1;
    /* Parents: names were checked, and the directory is ours and new, so no link is there. */
    for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        int rc = mkdir(path, 0755);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

enum mp_status mp_bundle_install(const struct mp_bundle *b, const char *origin, char *dest, size_t n, mp_error *err)
{
    char home[4000], packs[4096], dir[4200], tmp[4300];
    if (mp_store_home(home, sizeof home) != 0)
        return mp_fail(err, MP_EIO, "no store directory: set MPLAN_HOME or HOME");
    snprintf(packs, sizeof packs, "%s/packs", home);
    snprintf(dir, sizeof dir, "%s/%s", packs, b->name);
    if ((size_t)snprintf(dest, n, "%s/%s", dir, b->version) >= n)
        return mp_fail(err, MP_EIO, "%s: path too long", dir);
    const char *mk[] = {home, packs, dir};
    for (int i = 0; i < 3; i++)
        if (mkdir(mk[i], 0755) != 0 && errno != EEXIST)
            return mp_fail(err, MP_EIO, "%s: %s", mk[i], strerror(errno));
    struct stat sb;
    if (lstat(dest, &sb) == 0)
        return mp_fail(err, MP_EINPUT, "pack '%s' %s is installed already (%s); 'mplan pack remove %s@%s' first to "
                       "replace it", b->name, b->version, dest, b->name, b->version);
    snprintf(tmp, sizeof tmp, "%s/.tmp.%s.XXXXXX", dir, b->version);
    if (!mkdtemp(tmp))
        return mp_fail(err, MP_EIO, "%s: %s", dir, strerror(errno));
    chmod(tmp, 0755);
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < b->nfiles; i++)
        if (write_file_at(tmp, b->files[i].rel, b->files[i].data ? (const void *)b->files[i].data : "", b->files[i].len) != 0)
            st = mp_fail(err, MP_EIO, "%s/%s: %s", tmp, b->files[i].rel, strerror(errno));
    /* What `pack list`, `pack lock` and `pack update` read: the manifest, the signature,
     * the signer as trusted at install time, where it came from. */
    char signer[200] = "";
    if (b->signer.signed_)
        snprintf(signer, sizeof signer, "%s %s %s\n", b->signer.trusted ? "trusted" : "untrusted", b->signer.key.fpr,
                 b->signer.key.name);
    if (st == MP_OK && (write_file_at(tmp, ".manifest", b->manifest, strlen(b->manifest)) != 0 ||
                        (b->signature && write_file_at(tmp, ".signature", b->signature, strlen(b->signature)) != 0) ||
                        (*signer && write_file_at(tmp, ".signer", signer, strlen(signer)) != 0) ||
                        (origin && write_file_at(tmp, ".origin", origin, strlen(origin)) != 0) ||
                        write_file_at(tmp, ".sha256", b->sha256, strlen(b->sha256)) != 0))
        st = mp_fail(err, MP_EIO, "%s: %s", tmp, strerror(errno));
    if (st == MP_OK) {
        /* The pack's own manifest must say what MANIFEST says. */
        struct mp_manifest man;
        if ((st = mp_manifest_load(tmp, &man, err)) == MP_OK) {
            if (strcmp(man.name, b->name) != 0 || strcmp(man.version, b->version) != 0)
                st = mp_fail(err, MP_EINPUT, "bundle %s %s: its pack.yaml says %s %s; refused", b->name, b->version,
                             man.name, man.version);
            mp_manifest_free(&man);
        } else {
            /* the message names the temporary directory: say which bundle */
            char why[MP_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", err ? err->msg : "");
            st = mp_fail(err, st, "bundle %s %s: bad pack.yaml: %s", b->name, b->version, why);
        }
    }
    if (st == MP_OK && rename(tmp, dest) != 0)
        st = errno == EEXIST || errno == ENOTEMPTY
                 ? mp_fail(err, MP_EINPUT, "pack '%s' %s was installed meanwhile (%s)", b->name, b->version, dest)
                 : mp_fail(err, MP_EIO, "%s: %s", dest, strerror(errno));
    if (st != MP_OK)
        mp_rm_tree(tmp);
    return st;
}
