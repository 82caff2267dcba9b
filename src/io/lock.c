/* PLAN.lock: hash a pack's files, write the lock, verify a plan's packs against it. */
#include "io/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>
#include <yaml.h>

#include "core/model.h"
#include "io/out.h"
#include "io/pack_fs.h"
#include "io/yaml_doc.h"
#include "io/manifest.h"
#include "io/store_find.h"

#define PATH_BUF 4096

void mp_pack_files_free(struct mp_pack_files *files)
{
    free(files->v);
    mp_arena_free(&files->arena);
    files->v = NULL;
    files->n = 0;
}

struct walk {
    struct mp_pack_files *out;
    size_t cap;
    const char *root;
    mp_error *err;
};

static enum mp_status add_file(struct walk *w, const char *rel)
{
    struct mp_pack_files *f = w->out;
    if (f->n == MP_LOCK_MAX_FILES)
        return mp_fail(w->err, MP_EINPUT, "%s: more than %d files in a pack", w->root, MP_LOCK_MAX_FILES);
    if (f->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        struct mp_pack_file *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return mp_fail(w->err, MP_ENOMEM, "out of memory");
        f->v = v;
        w->cap = cap;
    }
    f->v[f->n++] = (struct mp_pack_file){.rel = rel};
    return MP_OK;
}

/* Collect the regular files under root/rel ("" for root itself). */
static enum mp_status walk_dir(struct walk *w, const char *rel, int depth)
{
    char path[PATH_BUF];
    snprintf(path, sizeof path, "%s%s%s", w->root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return mp_fail(w->err, MP_EIO, "%s: cannot read directory: %s", path, strerror(errno));
    enum mp_status st = MP_OK;
    struct dirent *e;
    while (st == MP_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *child = *rel ? mp_arena_printf(&w->out->arena, "%s/%s", rel, e->d_name)
                           : mp_arena_strdup(&w->out->arena, e->d_name);
        if (!child) {
            st = mp_fail(w->err, MP_ENOMEM, "out of memory");
            break;
        }
        char full[PATH_BUF];
        struct stat sb;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", w->root, child) >= sizeof full)
            st = mp_fail(w->err, MP_EIO, "%s/%s: path too long", w->root, child);
        else if (lstat(full, &sb) == 0 && S_ISLNK(sb.st_mode) &&
                 (st = mp_pack_path_check(w->root, child, w->err)) != MP_OK)
            ; /* a link leading out of the pack: refused, named */
        else if (stat(full, &sb) != 0)
            st = mp_fail(w->err, MP_EIO, "%s: %s", full, strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            /* Symbolic links are followed, so the depth limit is what stops a loop. */
            st = depth + 1 > MP_LOCK_MAX_DEPTH
                     ? mp_fail(w->err, MP_EINPUT, "%s: directories nested deeper than %d", full, MP_LOCK_MAX_DEPTH)
                     : walk_dir(w, child, depth + 1);
        else if (S_ISREG(sb.st_mode))
            st = add_file(w, child);
        /* Sockets, fifos and devices are no part of a pack (and opening a fifo would block). */
    }
    closedir(d);
    return st;
}

static int cmp_rel(const void *a, const void *b)
{
    return strcmp(((const struct mp_pack_file *)a)->rel, ((const struct mp_pack_file *)b)->rel);
}

static enum mp_status hash_file(const char *path, char hex[65], mp_error *err)
{
    /* Without blocking: a file swapped for a FIFO after the walk must not hang the run. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return mp_fail(err, MP_EINPUT, "%s: not a regular file", path);
    }
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        SHA256Update(&ctx, buf, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        return mp_fail(err, MP_EIO, "%s: read failed", path);
    SHA256End(&ctx, hex);
    return MP_OK;
}

enum mp_status mp_pack_files_hash(const char *dir, struct mp_pack_files *out, mp_error *err)
{
    memset(out, 0, sizeof *out);
    struct walk w = {.out = out, .root = dir, .err = err};
    enum mp_status st = walk_dir(&w, "", 0);
    if (st == MP_OK && out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_rel);
    for (size_t i = 0; st == MP_OK && i < out->n; i++) {
        char full[PATH_BUF];
        snprintf(full, sizeof full, "%s/%s", dir, out->v[i].rel);
        st = hash_file(full, out->v[i].sha256, err);
    }
    if (st != MP_OK)
        mp_pack_files_free(out);
    return st;
}

int mp_lock_path(const char *plan_file, char *buf, size_t n)
{
    size_t len = strlen(plan_file);
    static const char *const exts[] = {".yaml", ".yml"};
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
        size_t e = strlen(exts[i]);
        if (len > e && strcmp(plan_file + len - e, exts[i]) == 0) {
            len -= e;
            break;
        }
    }
    int k = snprintf(buf, n, "%.*s.lock", (int)len, plan_file);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* ---- writing ---- */

static int emit_scalar(yaml_emitter_t *em, const char *s)
{
    yaml_event_t ev;
    return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, -1, 1, 1,
                                        YAML_ANY_SCALAR_STYLE) &&
           yaml_emitter_emit(em, &ev);
}

static int emit_pair(yaml_emitter_t *em, const char *key, const char *value)
{
    return emit_scalar(em, key) && emit_scalar(em, value);
}

static int emit_start(yaml_emitter_t *em, yaml_event_type_t type)
{
    yaml_event_t ev;
    int ok = type == YAML_MAPPING_START_EVENT
                 ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE)
                 : yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    return ok && yaml_emitter_emit(em, &ev);
}

static int emit_end(yaml_emitter_t *em, yaml_event_type_t type)
{
    yaml_event_t ev;
    int ok = type == YAML_MAPPING_END_EVENT ? yaml_mapping_end_event_initialize(&ev)
                                            : yaml_sequence_end_event_initialize(&ev);
    return ok && yaml_emitter_emit(em, &ev);
}

/* A pack of the store: who signed it ("alice 3f2a...", or "unsigned") and the SHA-256 of
 * the bundle it came from, as recorded at install. */
static void store_meta(const char *dir, const char *name, char *buf, size_t n, const char *none)
{
    char *text;
    size_t len;
    snprintf(buf, n, "%s", none);
    if (mp_pack_file_read(dir, name, 4096, NULL, &text, &len, NULL, NULL) != MP_OK)
        return;
    snprintf(buf, n, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
}

static int emit_pack(yaml_emitter_t *em, const struct mp_pack_ref *ref, const char *dir,
                     const struct mp_manifest *m, const struct mp_pack_files *files)
{
    int ok = emit_start(em, YAML_MAPPING_START_EVENT) && emit_pair(em, "path", ref->path) &&
             emit_pair(em, "name", m->name) && emit_pair(em, "version", m->version);
    if (ok && ref->found == MP_PACK_STORE) {
        char signer[256], bundle[128];
        char raw[256], state[16], fpr[32], who[200];
        store_meta(dir, ".signer", raw, sizeof raw, "unsigned");
        if (sscanf(raw, "%15s %31s %199s", state, fpr, who) == 3)
            snprintf(signer, sizeof signer, "%s (%s)%s", who, fpr, strcmp(state, "trusted") ? ", untrusted" : "");
        else
            snprintf(signer, sizeof signer, "unsigned");
        store_meta(dir, ".sha256", bundle, sizeof bundle, "unknown");
        ok = emit_pair(em, "signer", signer) && emit_pair(em, "bundle", bundle);
    }
    ok = ok && emit_scalar(em, "files") && emit_start(em, YAML_MAPPING_START_EVENT);
    for (size_t i = 0; ok && i < files->n; i++)
        ok = emit_pair(em, files->v[i].rel, files->v[i].sha256);
    return ok && emit_end(em, YAML_MAPPING_END_EVENT) && emit_end(em, YAML_MAPPING_END_EVENT);
}

/* Read each pack's manifest, hash its files and emit the whole document; the emitter's
 * own failures are reported by the caller from em->problem. */
static enum mp_status emit_lock(yaml_emitter_t *em, const mp_plan *plan, int *emit_ok, mp_error *err)
{
    yaml_event_t ev;
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(em, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(em, &ev) &&
             emit_start(em, YAML_MAPPING_START_EVENT) && emit_pair(em, "mplan", "1") &&
             emit_scalar(em, "packs") && emit_start(em, YAML_SEQUENCE_START_EVENT);
    for (size_t i = 0; ok && i < plan->npacks; i++) {
        const struct mp_pack_ref *ref = &plan->packs[i];
        const char *dir = ref->dir;
        struct mp_installed newest;
        /* Locking again takes the newest installed version in range, not the one pinned. */
        if (ref->found == MP_PACK_STORE) {
            MP_TRY(mp_store_resolve(ref->name, ref->range, NULL, &newest, err));
            dir = newest.dir;
        }
        struct mp_manifest man;
        struct mp_pack_files files;
        enum mp_status st = mp_manifest_load(dir, &man, err);
        if (st != MP_OK)
            return st;
        st = mp_pack_files_hash(dir, &files, err);
        if (st == MP_OK)
            ok = emit_pack(em, ref, dir, &man, &files);
        mp_pack_files_free(&files);
        mp_manifest_free(&man);
        if (st != MP_OK)
            return st;
    }
    *emit_ok = ok && emit_end(em, YAML_SEQUENCE_END_EVENT) && emit_end(em, YAML_MAPPING_END_EVENT) &&
               yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(em, &ev) &&
               yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev) &&
               yaml_emitter_flush(em);
    return MP_OK;
}

enum mp_status mp_lock_write(const mp_plan *plan, mp_error *err)
{
    char lock[PATH_BUF];
    if (mp_lock_path(plan->file, lock, sizeof lock) != 0)
        return mp_fail(err, MP_EIO, "%s: path too long", plan->file);
    struct mp_out out;
    enum mp_status st = mp_out_open(&out, lock, err);
    if (st != MP_OK)
        return st;
    fprintf(out.fp, "# Written by `mplan pack lock %s`: the files of each pack as reviewed.\n"
                    "# A run of the plan refuses a pack whose files differ from these.\n",
            plan->file);
    yaml_emitter_t em;
    if (!yaml_emitter_initialize(&em)) {
        mp_out_abort(&out);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    yaml_emitter_set_output_file(&em, out.fp);
    yaml_emitter_set_unicode(&em, 1);
    int emit_ok = 0;
    st = emit_lock(&em, plan, &emit_ok, err);
    if (st == MP_OK && !emit_ok)
        st = mp_fail(err, MP_EIO, "%s: cannot write: %s", lock, em.problem ? em.problem : "YAML emitter failed");
    yaml_emitter_delete(&em);
    return mp_out_finish(&out, st, err);
}

/* ---- verifying ---- */

static const char *const lock_keys[] = {"mplan", "packs", NULL};
static const char *const pack_keys[] = {"path", "name", "version", "signer", "bundle", "files", NULL};

/* map[key], which the lock must have. */
static enum mp_status need(const struct mp_ydoc *doc, const struct mp_ynode *map, const char *key,
                           const struct mp_ynode **out, mp_error *err)
{
    *out = mp_ymap_get(map, key);
    return *out ? MP_OK : mp_ydoc_fail(doc, map, err, "missing '%s'", key);
}

/* The entry of `packs` whose path is `path`, or NULL; every entry is checked on the way. */
static enum mp_status find_entry(const struct mp_ydoc *doc, const struct mp_ynode *packs,
                                 const char *path, const struct mp_ynode **found, mp_error *err)
{
    *found = NULL;
    for (size_t i = 0; i < packs->n; i++) {
        const struct mp_ynode *e = packs->items[i], *n;
        const char *p = NULL;
        enum mp_status st = mp_ynode_expect(doc, e, MP_Y_MAP, "a pack of 'packs'", err);
        if (st == MP_OK)
            st = mp_ymap_check_keys(doc, e, "packs", pack_keys, err);
        if (st == MP_OK && (st = need(doc, e, "path", &n, err)) == MP_OK)
            st = mp_ynode_string(doc, n, "'path'", &p, err);
        if (st == MP_OK && (st = need(doc, e, "files", &n, err)) == MP_OK)
            st = mp_ynode_expect(doc, n, MP_Y_MAP, "'files'", err);
        if (st != MP_OK)
            return st;
        if (!*found && strcmp(p, path) == 0)
            *found = e;
    }
    return MP_OK;
}

/* Compare a pack's files now with its lock entry; name the first file that differs. */
static enum mp_status compare_files(const struct mp_ydoc *doc, const struct mp_ynode *entry,
                                    const struct mp_pack_files *now, const char *who,
                                    const char *relock, mp_error *err)
{
    const struct mp_ynode *files = mp_ymap_get(entry, "files");
    size_t matched = 0;
    for (size_t i = 0; i < now->n; i++) {
        const struct mp_ynode *h = mp_ymap_get(files, now->v[i].rel);
        const char *want;
        if (!h)
            return mp_ydoc_fail(doc, files, err, "%s: %s was added since the lock; review it, then %s",
                                who, now->v[i].rel, relock);
        enum mp_status st = mp_ynode_string(doc, h, "a file's SHA-256", &want, err);
        if (st != MP_OK)
            return st;
        if (strcmp(want, now->v[i].sha256) != 0)
            return mp_ydoc_fail(doc, h, err, "%s: %s changed since the lock; review it, then %s",
                                who, now->v[i].rel, relock);
        matched++;
    }
    if (matched == files->n)
        return MP_OK;
    for (size_t k = 0; k < files->n; k++) {
        size_t i = 0;
        while (i < now->n && strcmp(now->v[i].rel, files->keys[k]) != 0)
            i++;
        if (i == now->n)
            return mp_ydoc_fail(doc, files->keynodes[k], err, "%s: %s was removed since the lock; %s",
                                who, files->keys[k], relock);
    }
    return MP_OK; /* a key listed twice in the lock: every file still matched */
}

/* The plan's lock document. *found is 0 when there is no lock file at all; a lock file that
 * exists but cannot be read (a dangling link, a FIFO, no permission) is an error, never a
 * reason to skip the check. */
static enum mp_status lock_open(const mp_plan *plan, struct mp_ydoc *doc, int *found, mp_error *err)
{
    char lock[PATH_BUF];
    *found = 0;
    memset(doc, 0, sizeof *doc);
    if (!plan->file || plan->npacks == 0)
        return MP_OK;
    if (mp_lock_path(plan->file, lock, sizeof lock) != 0)
        return mp_fail(err, MP_EIO, "%s: path too long", plan->file);
    struct stat sb;
    if (lstat(lock, &sb) != 0 && errno == ENOENT)
        return MP_OK;
    char *text;
    size_t len;
    enum mp_status st = mp_file_read(lock, MP_YAML_MAX_BYTES, &text, &len, err);
    if (st != MP_OK)
        return st;
    st = mp_ydoc_load_string(lock, text, len, doc, err);
    free(text);
    if (st != MP_OK)
        return st;
    const struct mp_ynode *root = doc->root, *n;
    long long version;
    st = mp_ynode_expect(doc, root, MP_Y_MAP, "the lock file", err);
    if (st == MP_OK)
        st = mp_ymap_check_keys(doc, root, "lock", lock_keys, err);
    if (st == MP_OK && (st = need(doc, root, "mplan", &n, err)) == MP_OK)
        st = mp_ynode_int(doc, n, "'mplan'", 1, 1, &version, err);
    if (st == MP_OK && (st = need(doc, root, "packs", &n, err)) == MP_OK)
        st = mp_ynode_expect(doc, n, MP_Y_SEQ, "'packs'", err);
    if (st != MP_OK)
        mp_ydoc_free(doc);
    else
        *found = 1;
    return st;
}

/* Check pack i of the plan against the lock; with `locked`, return its locked files. */
static enum mp_status verify_pack(const mp_plan *plan, const struct mp_ydoc *doc, size_t i,
                                  struct mp_pack_files *locked, mp_error *err)
{
    const struct mp_ynode *packs = mp_ymap_get(doc->root, "packs");
    char relock[PATH_BUF + 64];
    snprintf(relock, sizeof relock, "run 'mplan pack lock %s'", plan->file);
    const char *path = plan->packs[i].path;
    const struct mp_ynode *entry;
    MP_TRY(find_entry(doc, packs, path, &entry, err));
    if (!entry)
        return mp_ydoc_fail(doc, packs, err, "pack %s of %s is not in the lock; review it, then %s",
                            path, plan->file, relock);
    const char *dir = plan->packs[i].dir;
    const struct mp_ynode *name = mp_ymap_get(entry, "name");
    char who[PATH_BUF + 128];
    snprintf(who, sizeof who, "pack '%s' (%s)", name && name->type == MP_Y_SCALAR ? name->str : "?", path);
    const struct mp_ynode *ver = mp_ymap_get(entry, "version");
    if (plan->packs[i].found == MP_PACK_STORE && ver && ver->type == MP_Y_SCALAR &&
        strcmp(ver->str, plan->packs[i].version) != 0)
        return mp_ydoc_fail(doc, ver, err, "%s is locked at version %s, which is not installed (or no longer in "
                            "range); %s would run: install %s@%s, or review it and %s", who, ver->str,
                            plan->packs[i].version, plan->packs[i].name, ver->str, relock);
    struct mp_pack_files now;
    MP_TRY(mp_pack_files_hash(dir, &now, err));
    enum mp_status st = compare_files(doc, entry, &now, who, relock, err);
    mp_pack_files_free(&now);
    if (st != MP_OK || !locked)
        return st;
    /* The locked hashes, against which every file the pack then reads is checked again. */
    const struct mp_ynode *files = mp_ymap_get(entry, "files");
    memset(locked, 0, sizeof *locked);
    if (!(locked->v = calloc(files->n + 1, sizeof *locked->v)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t k = 0; k < files->n; k++) {
        const struct mp_ynode *h = files->items[k];
        if (h->type != MP_Y_SCALAR || strlen(h->str) != 64) {
            mp_pack_files_free(locked);
            return mp_ydoc_fail(doc, h, err, "%s: %s: expected a SHA-256 (64 hex digits)", who, files->keys[k]);
        }
        struct mp_pack_file *f = &locked->v[locked->n++];
        memcpy(f->sha256, h->str, 65);
        if (!(f->rel = mp_arena_strdup(&locked->arena, files->keys[k]))) {
            mp_pack_files_free(locked);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
    }
    return MP_OK;
}

enum mp_status mp_lock_verify(const mp_plan *plan, mp_error *err)
{
    struct mp_ydoc doc;
    int found;
    enum mp_status st = lock_open(plan, &doc, &found, err);
    for (size_t i = 0; st == MP_OK && found && i < plan->npacks; i++)
        st = verify_pack(plan, &doc, i, NULL, err);
    mp_ydoc_free(&doc);
    return st;
}

enum mp_status mp_lock_pack(const mp_plan *plan, size_t pack_index, struct mp_pack_files *locked,
                            int *found, mp_error *err)
{
    struct mp_ydoc doc;
    memset(locked, 0, sizeof *locked);
    enum mp_status st = lock_open(plan, &doc, found, err);
    if (st == MP_OK && *found)
        st = verify_pack(plan, &doc, pack_index, locked, err);
    mp_ydoc_free(&doc);
    return st;
}

int mp_lock_pinned(const char *plan_file, const char *key, char *version, size_t n)
{
    char lock[PATH_BUF];
    struct stat sb;
    if (mp_lock_path(plan_file, lock, sizeof lock) != 0 || lstat(lock, &sb) != 0)
        return -1;
    char *text;
    size_t len;
    struct mp_ydoc doc;
    if (mp_file_read(lock, MP_YAML_MAX_BYTES, &text, &len, NULL) != MP_OK)
        return -1;
    enum mp_status st = mp_ydoc_load_string(lock, text, len, &doc, NULL);
    free(text);
    if (st != MP_OK)
        return -1;
    int rc = -1;
    const struct mp_ynode *packs = doc.root && doc.root->type == MP_Y_MAP ? mp_ymap_get(doc.root, "packs") : NULL;
    for (size_t i = 0; packs && packs->type == MP_Y_SEQ && i < packs->n && rc != 0; i++) {
        const struct mp_ynode *e = packs->items[i];
        if (e->type != MP_Y_MAP)
            continue;
        const struct mp_ynode *p = mp_ymap_get(e, "path"), *v = mp_ymap_get(e, "version");
        if (p && v && p->type == MP_Y_SCALAR && v->type == MP_Y_SCALAR && strcmp(p->str, key) == 0 &&
            strlen(v->str) < n) {
            memcpy(version, v->str, strlen(v->str) + 1);
            rc = 0;
        }
    }
    mp_ydoc_free(&doc);
    return rc;
}
