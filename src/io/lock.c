/* PLAN.lock: hash a pack's files, write the lock, verify a plan's packs against it. */
#include "io/lock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sha2.h>
#include <yaml.h>

#include "core/model.h"
#include "io/out.h"
#include "io/yaml_doc.h"
#include "lua/pack.h"

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
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
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

/* A pack's directory: its plan path, relative to the plan file's directory. */
static int pack_dir(const mp_plan *plan, const char *path, char *buf, size_t n)
{
    int k = path[0] == '/' || !plan->dir || !*plan->dir
                ? snprintf(buf, n, "%s", path)
                : snprintf(buf, n, "%s/%s", plan->dir, path);
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

static int emit_pack(yaml_emitter_t *em, const char *path, const struct mp_manifest *m,
                     const struct mp_pack_files *files)
{
    int ok = emit_start(em, YAML_MAPPING_START_EVENT) && emit_pair(em, "path", path) &&
             emit_pair(em, "name", m->name) && emit_pair(em, "version", m->version) &&
             emit_scalar(em, "files") && emit_start(em, YAML_MAPPING_START_EVENT);
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
        char dir[PATH_BUF];
        if (pack_dir(plan, plan->packs[i].path, dir, sizeof dir) != 0)
            return mp_fail(err, MP_EIO, "%s: path too long", plan->packs[i].path);
        struct mp_manifest man;
        struct mp_pack_files files;
        enum mp_status st = mp_manifest_load(dir, &man, err);
        if (st != MP_OK)
            return st;
        st = mp_pack_files_hash(dir, &files, err);
        if (st == MP_OK)
            ok = emit_pack(em, plan->packs[i].path, &man, &files);
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
static const char *const pack_keys[] = {"path", "name", "version", "files", NULL};

/* The entry of `packs` whose path is `path`, or NULL; every entry is checked on the way. */
static enum mp_status find_entry(const struct mp_ydoc *doc, const struct mp_ynode *packs,
                                 const char *path, const struct mp_ynode **found, mp_error *err)
{
    *found = NULL;
    for (size_t i = 0; i < packs->n; i++) {
        const struct mp_ynode *e = packs->items[i];
        const char *p;
        enum mp_status st = mp_ynode_expect(doc, e, MP_Y_MAP, "a pack of 'packs'", err);
        if (st == MP_OK)
            st = mp_ymap_check_keys(doc, e, "packs", pack_keys, err);
        if (st == MP_OK)
            st = mp_ynode_string(doc, mp_ymap_get(e, "path"), "'path'", &p, err);
        if (st == MP_OK)
            st = mp_ynode_expect(doc, mp_ymap_get(e, "files"), MP_Y_MAP, "'files'", err);
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

static enum mp_status verify_doc(const mp_plan *plan, const struct mp_ydoc *doc, mp_error *err)
{
    const struct mp_ynode *root = doc->root;
    long long version;
    enum mp_status st = mp_ynode_expect(doc, root, MP_Y_MAP, "the lock file", err);
    if (st == MP_OK)
        st = mp_ymap_check_keys(doc, root, "lock", lock_keys, err);
    if (st == MP_OK)
        st = mp_ynode_int(doc, mp_ymap_get(root, "mplan"), "'mplan'", 1, 1, &version, err);
    const struct mp_ynode *packs = mp_ymap_get(root, "packs");
    if (st == MP_OK)
        st = mp_ynode_expect(doc, packs, MP_Y_SEQ, "'packs'", err);
    char relock[PATH_BUF + 64];
    snprintf(relock, sizeof relock, "run 'mplan pack lock %s'", plan->file);
    for (size_t i = 0; st == MP_OK && i < plan->npacks; i++) {
        const char *path = plan->packs[i].path;
        const struct mp_ynode *entry;
        if ((st = find_entry(doc, packs, path, &entry, err)) != MP_OK)
            break;
        if (!entry)
            return mp_ydoc_fail(doc, packs, err, "pack %s of %s is not in the lock; review it, then %s",
                                path, plan->file, relock);
        char dir[PATH_BUF];
        if (pack_dir(plan, path, dir, sizeof dir) != 0)
            return mp_fail(err, MP_EIO, "%s: path too long", path);
        const struct mp_ynode *name = mp_ymap_get(entry, "name");
        char who[PATH_BUF + 128];
        snprintf(who, sizeof who, "pack '%s' (%s)", name && name->type == MP_Y_SCALAR ? name->str : "?", path);
        struct mp_pack_files now;
        if ((st = mp_pack_files_hash(dir, &now, err)) != MP_OK)
            break;
        st = compare_files(doc, entry, &now, who, relock, err);
        mp_pack_files_free(&now);
    }
    return st;
}

enum mp_status mp_lock_verify(const mp_plan *plan, mp_error *err)
{
    if (!plan->file || plan->npacks == 0)
        return MP_OK;
    char lock[PATH_BUF];
    if (mp_lock_path(plan->file, lock, sizeof lock) != 0)
        return mp_fail(err, MP_EIO, "%s: path too long", plan->file);
    struct stat sb;
    if (stat(lock, &sb) != 0 && errno == ENOENT)
        return MP_OK;
    struct mp_ydoc doc;
    enum mp_status st = mp_ydoc_load_file(lock, &doc, err);
    if (st != MP_OK)
        return st;
    st = verify_doc(plan, &doc, err);
    mp_ydoc_free(&doc);
    return st;
}
