/* The pack store, indexes and installs (io/store.h). */
#define _GNU_SOURCE
#include "io/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sha2.h>

#include "core/pathcheck.h"
#include "core/semver.h"
#include "io/fetch.h"
#include "io/json_read.h"
#include "io/out.h"
#include "io/pack_fs.h"

#ifndef MPLAN_BUNDLES_DIR
#define MPLAN_BUNDLES_DIR "/usr/local/share/mplan/bundles"
#endif

#define INDEX_MAX (16u << 20)

const char *mp_default_index(void)
{
    const char *env = getenv("MPLAN_INDEX");
    return env && *env ? env : MPLAN_BUNDLES_DIR;
}

enum mp_status mp_store_remove(const char *name, const char *version, size_t *removed, mp_error *err)
{
    struct mp_installed *v;
    size_t n;
    *removed = 0;
    MP_TRY(mp_store_list_of(name, &v, &n, err));
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        if (version && strcmp(v[i].version, version) != 0)
            continue;
        /* Out of sight first (a rename), then deleted: no half-removed pack is ever found. */
        char gone[4200];
        snprintf(gone, sizeof gone, "%.*s/.rm.%s", (int)(strrchr(v[i].dir, '/') - v[i].dir), v[i].dir, v[i].version);
        if (rename(v[i].dir, gone) != 0 || mp_rm_tree(gone) != 0)
            st = mp_fail(err, MP_EIO, "%s: %s", v[i].dir, strerror(errno));
        else
            (*removed)++;
    }
    if (st == MP_OK && !*removed)
        st = version ? mp_fail(err, MP_EINPUT, "pack '%s' %s is not installed ('mplan pack list' shows what is)", name, version)
                     : mp_fail(err, MP_EINPUT, "pack '%s' is not installed ('mplan pack list' shows what is)", name);
    if (st == MP_OK && !version) {
        char root[4000], pdir[4300];
        if (mp_store_home(root, sizeof root) == 0)
            snprintf(pdir, sizeof pdir, "%s/packs/%s", root, name);
        else
            pdir[0] = 0;
        rmdir(pdir);
    }
    free(v);
    return st;
}

/* ---- indexes ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum mp_status mp_index_write(const char *dir, size_t *count, mp_error *err)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return mp_fail(err, MP_EIO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    enum mp_status st = MP_OK;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 7 || strcmp(e->d_name + len - 6, ".mpack") != 0)
            continue;
        if (n == cap) {
            char **w = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *w);
            if (!w) {
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            names = w;
        }
        if (!(names[n++] = strdup(e->d_name))) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    json_t *packs = json_array(), *root = json_pack("{s:i, s:o}", "mplan-index", 1, "packs", packs);
    if (!root)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        char path[4300], *data;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct mp_bundle b;
        if ((st = mp_file_read(path, MP_BUNDLE_MAX_BYTES, &data, &len, err)) != MP_OK)
            break;
        st = mp_bundle_read(data, len, path, &b, err);
        free(data);
        if (st != MP_OK)
            break;
        json_t *req = json_object(), *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", b.name, "version", b.version,
                                                     "summary", b.summary ? b.summary : "", "file", names[i],
                                                     "sha256", b.sha256, "requires", req);
        for (size_t k = 0; o && req && k < b.nrequires; k++)
            if (json_object_set_new(req, b.requires[k].name, json_string(b.requires[k].range)) != 0)
                o = NULL;
        json_t *signer = b.signer.signed_ ? json_pack("{s:s, s:s}", "name", b.signer.key.name, "fingerprint", b.signer.key.fpr)
                                          : json_null();
        if (!o || !signer || json_object_set_new(o, "signer", signer) != 0 || json_array_append_new(packs, o) != 0)
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        mp_bundle_free(&b);
        (*count)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (st == MP_OK) {
        char path[4300];
        snprintf(path, sizeof path, "%s/index.json", dir);
        struct mp_out out;
        if ((st = mp_out_open(&out, path, err)) == MP_OK) {
            if (json_dumpf(root, out.fp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 || fputc('\n', out.fp) == EOF)
                st = mp_fail(err, MP_EIO, "%s: write failed", path);
            st = mp_out_finish(&out, st, err);
        }
    }
    json_decref(root);
    return st;
}

static const char *get_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum mp_status mp_index_load(const char *where, struct mp_index *ix, mp_error *err)
{
    memset(ix, 0, sizeof *ix);
    snprintf(ix->where, sizeof ix->where, "%s", where);
    size_t wl = strlen(where);
    char file[4200];
    if (wl > 5 && strcmp(where + wl - 5, ".json") == 0) {
        const char *slash = strrchr(where, '/');
        snprintf(ix->base, sizeof ix->base, "%.*s", slash ? (int)(slash - where) : 1, slash ? where : ".");
        snprintf(file, sizeof file, "%s", where);
    } else {
        while (wl > 1 && where[wl - 1] == '/')
            wl--;
        snprintf(ix->base, sizeof ix->base, "%.*s", (int)wl, where);
        snprintf(file, sizeof file, "%s/index.json", ix->base);
    }
    char *text;
    size_t len;
    MP_TRY(mp_fetch(file, INDEX_MAX, &text, &len, err));
    json_error_t je;
    int oom;
    json_t *root = mp_json_loadb(text, len, JSON_REJECT_DUPLICATES, &je, &oom);
    free(text);
    if (oom)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!root)
        return mp_fail(err, MP_EINPUT, "%s:%d:%d: not an index: %s", file, je.line, je.column, je.text);
    ix->root = root;
    json_t *packs = json_object_get(root, "packs");
    if (!json_is_object(root) || !json_is_integer(json_object_get(root, "mplan-index")) || !json_is_array(packs)) {
        mp_index_free(ix);
        return mp_fail(err, MP_EINPUT, "%s: not an mplan index (written by 'mplan pack index DIR')", file);
    }
    if (!(ix->v = calloc(json_array_size(packs) + 1, sizeof *ix->v))) {
        mp_index_free(ix);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < json_array_size(packs); i++) {
        json_t *o = json_array_get(packs, i), *s = json_object_get(o, "signer");
        struct mp_index_entry *x = &ix->v[ix->n];
        x->name = get_str(o, "name");
        x->version = get_str(o, "version");
        x->summary = get_str(o, "summary");
        x->file = get_str(o, "file");
        x->sha256 = get_str(o, "sha256");
        x->signer = json_is_object(s) ? get_str(s, "name") : NULL;
        x->fpr = json_is_object(s) ? get_str(s, "fingerprint") : NULL;
        struct mp_semver v;
        char why[128];
        if (!x->name || !x->version || !x->file || !x->sha256 || mp_semver_parse(x->version, &v) != 0 ||
            strchr(x->file, '/') || mp_bundle_path_check(x->file, why, sizeof why) != 0 || strlen(x->sha256) != 64) {
            mp_index_free(ix);
            return mp_fail(err, MP_EINPUT, "%s: pack %zu of the index lacks name, version, file or sha256, or one is "
                           "malformed", file, i + 1);
        }
        if (!x->summary)
            x->summary = "";
        ix->n++;
    }
    return MP_OK;
}

void mp_index_free(struct mp_index *ix)
{
    json_decref(ix->root);
    free(ix->v);
    ix->root = NULL;
    ix->v = NULL;
    ix->n = 0;
}

/* ---- installing ---- */

struct job {
    const struct mp_install_opts *o;
    struct mp_index ix;   /* the source of dependencies, loaded on first need */
    int ix_loaded;
    const char *ix_where; /* NULL: none known */
    struct mp_bundle *todo; /* dependencies first */
    size_t n, cap;
    const char *stack[64];
    size_t depth;
    mp_error *err;
};

static enum mp_status trusted_enough(const struct mp_bundle *b, const char *shown, int allow, mp_error *err)
{
    if (b->signer.signed_ && b->signer.trusted)
        return MP_OK;
    if (allow)
        return MP_OK;
    if (!b->signer.signed_)
        return mp_fail(err, MP_EINPUT, "%s: pack '%s' %s is not signed; refused (install it anyway with "
                       "--allow-unsigned; it is then marked unsigned in 'mplan pack list')", shown, b->name, b->version);
    return mp_fail(err, MP_EINPUT, "%s: pack '%s' %s is signed by '%s' (key %s), which is not in your trust list; "
                   "refused (trust the key with 'mplan trust add %s.pub' if you know it is theirs)", shown, b->name,
                   b->version, b->signer.key.name, b->signer.key.fpr, b->signer.key.name);
}

static enum mp_status load_bundle(const char *where, struct mp_bundle *b, const char *want_sha, mp_error *err)
{
    char *data;
    size_t len;
    memset(b, 0, sizeof *b);
    MP_TRY(mp_fetch(where, MP_BUNDLE_MAX_BYTES, &data, &len, err));
    /* Checked before anything of it is parsed. */
    if (want_sha) {
        char hex[65];
        SHA2_CTX ctx;
        SHA256Init(&ctx);
        SHA256Update(&ctx, (const unsigned char *)data, len);
        SHA256End(&ctx, hex);
        if (strcmp(hex, want_sha) != 0) {
            free(data);
            return mp_fail(err, MP_EINPUT, "%s: its SHA-256 is not the one the index lists: the bundle was changed "
                           "after the index was written; refused", where);
        }
    }
    enum mp_status st = mp_bundle_read(data, len, where, b, err);
    free(data);
    return st;
}

static enum mp_status need_index(struct job *j)
{
    if (j->ix_loaded)
        return MP_OK;
    if (!j->ix_where)
        return mp_fail(j->err, MP_EINPUT, "no index to find dependencies in: give --index URL");
    MP_TRY(mp_index_load(j->ix_where, &j->ix, j->err));
    j->ix_loaded = 1;
    return MP_OK;
}

/* The best entry of the index for name@range, or an error listing what it has. */
static enum mp_status pick(struct job *j, const char *name, const char *range, const struct mp_index_entry **out)
{
    MP_TRY(need_index(j));
    const struct mp_index_entry *best = NULL;
    struct mp_semver bv = {0};
    char have[512] = "";
    for (size_t i = 0; i < j->ix.n; i++) {
        const struct mp_index_entry *x = &j->ix.v[i];
        struct mp_semver v;
        if (strcmp(x->name, name) != 0 || mp_semver_parse(x->version, &v) != 0)
            continue;
        if (strlen(have) < sizeof have - 100)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", *have ? ", " : "", x->version);
        if (mp_semver_satisfies(range, &v) == 1 && (!best || mp_semver_cmp(&v, &bv) > 0)) {
            best = x;
            bv = v;
        }
    }
    if (!best)
        return *have ? mp_fail(j->err, MP_EINPUT, "no version of pack '%s' satisfies '%s' (%s has %s)", name, range,
                               j->ix.where, have)
                     : mp_fail(j->err, MP_EINPUT, "no pack '%s' in the index %s", name, j->ix.where);
    *out = best;
    return MP_OK;
}

static enum mp_status add_bundle(struct job *j, struct mp_bundle *b, const char *shown);

static enum mp_status from_index(struct job *j, const char *name, const char *range)
{
    const struct mp_index_entry *x = NULL;
    MP_TRY(pick(j, name, range, &x));
    char url[8400];
    snprintf(url, sizeof url, "%s/%s", j->ix.base, x->file);
    struct mp_bundle b;
    MP_TRY(load_bundle(url, &b, x->sha256, j->err));
    if (strcmp(b.name, x->name) != 0 || strcmp(b.version, x->version) != 0) {
        enum mp_status st = mp_fail(j->err, MP_EINPUT, "%s: holds pack '%s' %s, not '%s' %s as the index says", url,
                                    b.name, b.version, x->name, x->version);
        mp_bundle_free(&b);
        return st;
    }
    return add_bundle(j, &b, url);
}

static int installed_satisfies(const char *name, const char *range)
{
    struct mp_installed got;
    return mp_store_resolve(name, range, NULL, &got, NULL) == MP_OK;
}

/* Take b (ownership passes), its dependencies first. */
static enum mp_status add_bundle(struct job *j, struct mp_bundle *b, const char *shown)
{
    enum mp_status st = trusted_enough(b, shown, j->o->allow_unsigned, j->err);
    for (size_t i = 0; st == MP_OK && i < j->depth; i++)
        if (strcmp(j->stack[i], b->name) == 0) {
            char chain[1024] = "";
            for (size_t k = i; k < j->depth; k++)
                snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s -> ", j->stack[k]);
            st = mp_fail(j->err, MP_EINPUT, "dependency cycle: %s%s; refused, nothing installed", chain, b->name);
        }
    if (st == MP_OK && j->depth == sizeof j->stack / sizeof *j->stack)
        st = mp_fail(j->err, MP_EINPUT, "dependencies nested deeper than %zu; refused", j->depth);
    if (st != MP_OK) {
        mp_bundle_free(b);
        return st;
    }
    j->stack[j->depth++] = b->name;
    for (size_t i = 0; st == MP_OK && i < b->nrequires; i++) {
        const struct mp_bundle_req *r = &b->requires[i];
        int planned = 0;
        for (size_t k = 0; k < j->n && !planned; k++) {
            struct mp_semver v;
            planned = strcmp(j->todo[k].name, r->name) == 0 && mp_semver_parse(j->todo[k].version, &v) == 0 &&
                      mp_semver_satisfies(r->range, &v) == 1;
        }
        if (planned || installed_satisfies(r->name, r->range))
            continue;
        /* a pack being resolved right now that is required again: a cycle */
        for (size_t k = 0; st == MP_OK && k < j->depth; k++)
            if (strcmp(j->stack[k], r->name) == 0) {
                char chain[1024] = "";
                for (size_t m = k; m < j->depth; m++)
                    snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s -> ", j->stack[m]);
                st = mp_fail(j->err, MP_EINPUT, "dependency cycle: %s%s; refused, nothing installed", chain, r->name);
            }
        if (st == MP_OK)
            st = from_index(j, r->name, r->range);
        if (st != MP_OK && !strstr(j->err ? j->err->msg : "", "cycle")) {
            char why[MP_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", j->err ? j->err->msg : "");
            st = mp_fail(j->err, st, "pack '%s' %s requires '%s' %s: %s", b->name, b->version, r->name, r->range, why);
        }
    }
    j->depth--;
    if (st == MP_OK && j->n == j->cap) {
        struct mp_bundle *w = realloc(j->todo, (j->cap = j->cap ? 2 * j->cap : 4) * sizeof *w);
        if (!w)
            st = mp_fail(j->err, MP_ENOMEM, "out of memory");
        else
            j->todo = w;
    }
    if (st != MP_OK) {
        mp_bundle_free(b);
        return st;
    }
    j->todo[j->n++] = *b;
    return MP_OK;
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

static enum mp_status run_job(struct job *j, const char *what)
{
    enum mp_status st;
    size_t wl = strlen(what);
    int bundle_ref = mp_is_url(what) || strncmp(what, "file://", 7) == 0 || is_file(what) ||
                     (wl > 6 && strcmp(what + wl - 6, ".mpack") == 0) || strchr(what, '/');
    char dirbuf[4096];
    if (bundle_ref) {
        /* dependencies come from --index, else from the index beside the bundle */
        if (!j->o->index) {
            const char *slash = strrchr(what, '/');
            snprintf(dirbuf, sizeof dirbuf, "%.*s", slash ? (int)(slash - what) : 1, slash ? what : ".");
            j->ix_where = dirbuf;
        }
        struct mp_bundle b;
        if ((st = load_bundle(what, &b, NULL, j->err)) != MP_OK)
            return st;
        return add_bundle(j, &b, what);
    }
    char name[256];
    const char *at = strchr(what, '@');
    snprintf(name, sizeof name, "%.*s", at ? (int)(at - what) : (int)wl, what);
    const char *range = at ? at + 1 : "*";
    if (!mp_semver_range_valid(range))
        return mp_fail(j->err, MP_EUSAGE, "'%s' is not a version range (such as ^1.2 or \">=1.0, <2\")", range);
    return from_index(j, name, range);
}

static enum mp_status commit(struct job *j, const char *origin)
{
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < j->n; i++) {
        char dest[4096];
        const struct mp_bundle *b = &j->todo[i];
        struct mp_installed got;
        if (mp_store_resolve(b->name, b->version, NULL, &got, NULL) == MP_OK) {
            /* That version is there: the same files (nothing to do), or other files under
             * the same version number (refused: a version names one content). */
            char *have = NULL;
            size_t len;
            int same = mp_pack_file_read(got.dir, ".manifest", MP_BUNDLE_MAX_BYTES, NULL, &have, &len, NULL, NULL) ==
                           MP_OK && strcmp(have, b->manifest) == 0;
            free(have);
            if (!same) {
                st = mp_fail(j->err, MP_EINPUT, "pack '%s' %s is installed already with other files (%s); a version "
                             "names one content: 'mplan pack remove %s@%s' first to replace it", b->name, b->version,
                             got.dir, b->name, b->version);
                break;
            }
            if (j->o->done)
                j->o->done(j->o->ud, b, NULL);
            continue;
        }
        st = mp_bundle_install(&j->todo[i], origin, dest, sizeof dest, j->err);
        if (st == MP_OK && j->o->done)
            j->o->done(j->o->ud, &j->todo[i], dest);
    }
    return st;
}

static void job_free(struct job *j)
{
    for (size_t i = 0; i < j->n; i++)
        mp_bundle_free(&j->todo[i]);
    free(j->todo);
    if (j->ix_loaded)
        mp_index_free(&j->ix);
}

/* The absolute form of an index given as a relative directory, so that `pack update` run
 * from elsewhere still finds it. */
static void origin_of(const char *where, char *buf, size_t n)
{
    char real[4096];
    if (!mp_is_url(where) && realpath(where, real))
        snprintf(buf, n, "%s", real);
    else
        snprintf(buf, n, "%s", where);
}

enum mp_status mp_pack_install(const char *what, const struct mp_install_opts *o, mp_error *err)
{
    struct job j = {.o = o, .err = err, .ix_where = o->index};
    int by_name = !(mp_is_url(what) || strncmp(what, "file://", 7) == 0 || is_file(what) || strchr(what, '/') ||
                    strstr(what, ".mpack"));
    if (by_name && !j.ix_where)
        j.ix_where = mp_default_index();
    enum mp_status st = run_job(&j, what);
    char origin[4096] = "";
    if (j.ix_where && (by_name || o->index))
        origin_of(j.ix_where, origin, sizeof origin);
    if (st == MP_OK)
        st = commit(&j, *origin ? origin : NULL);
    job_free(&j);
    return st;
}

enum mp_status mp_pack_update(const struct mp_install_opts *o, size_t *updated, mp_error *err)
{
    struct mp_installed *v;
    size_t n;
    *updated = 0;
    MP_TRY(mp_store_list(&v, &n, err));
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        if (i + 1 < n && strcmp(v[i + 1].name, v[i].name) == 0)
            continue; /* the newest of each name (the list is sorted) */
        const char *where = o->index ? o->index : *v[i].origin ? v[i].origin : NULL;
        if (!where)
            continue;
        struct mp_index ix;
        if ((st = mp_index_load(where, &ix, err)) != MP_OK)
            break;
        struct mp_semver cur, best = {0}, x;
        mp_semver_parse(v[i].version, &cur);
        const char *newer = NULL;
        for (size_t k = 0; k < ix.n; k++)
            if (strcmp(ix.v[k].name, v[i].name) == 0 && mp_semver_parse(ix.v[k].version, &x) == 0 && !x.pre[0] &&
                mp_semver_cmp(&x, &cur) > 0 && (!newer || mp_semver_cmp(&x, &best) > 0)) {
                newer = ix.v[k].version;
                best = x;
            }
        if (newer) {
            char what[512];
            snprintf(what, sizeof what, "%s@=%s", v[i].name, newer);
            struct mp_install_opts oo = *o;
            oo.index = where;
            if ((st = mp_pack_install(what, &oo, err)) == MP_OK)
                (*updated)++;
        }
        mp_index_free(&ix);
    }
    free(v);
    return st;
}
