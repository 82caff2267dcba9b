/* Installed packs of the store (io/store_find.h). */
#define _GNU_SOURCE
#include "io/store_find.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/semver.h"
#include "io/pack_fs.h"

int mp_store_home(char *buf, size_t n)
{
    const char *home = getenv("MPLAN_HOME"), *xdg = getenv("XDG_DATA_HOME"), *h = getenv("HOME");
    int k;
    if (home && *home)
        k = snprintf(buf, n, "%s", home);
    else if (xdg && *xdg == '/')
        k = snprintf(buf, n, "%s/mplan", xdg);
    else if (h && *h)
        k = snprintf(buf, n, "%s/.local/share/mplan", h);
    else
        return -1;
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

static int packs_dir(char *buf, size_t n)
{
    char home[4000];
    if (mp_store_home(home, sizeof home) != 0)
        return -1;
    int k = snprintf(buf, n, "%s/packs", home);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* A small text file of an installed pack (.signer, .origin), first line, or "". */
static void read_meta(const char *dir, const char *name, char *buf, size_t n)
{
    char *text;
    size_t len;
    buf[0] = 0;
    if (mp_pack_file_read(dir, name, 4096, NULL, &text, &len, NULL, NULL) != MP_OK)
        return;
    snprintf(buf, n, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
}

static int cmp_installed(const void *a, const void *b)
{
    const struct mp_installed *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    struct mp_semver u, v;
    if (mp_semver_parse(x->version, &u) != 0 || mp_semver_parse(y->version, &v) != 0)
        return strcmp(x->version, y->version);
    return mp_semver_cmp(&u, &v);
}

/* Installed versions of `only` (NULL: of every pack). */
enum mp_status mp_store_list_of(const char *only, struct mp_installed **out, size_t *nout, mp_error *err)
{
    *out = NULL;
    *nout = 0;
    char root[4096];
    if (packs_dir(root, sizeof root) != 0)
        return mp_fail(err, MP_EIO, "no store directory: set MPLAN_HOME or HOME");
    DIR *d = opendir(root);
    if (!d)
        return errno == ENOENT ? MP_OK : mp_fail(err, MP_EIO, "%s: %s", root, strerror(errno));
    size_t n = 0, cap = 0;
    struct mp_installed *v = NULL;
    enum mp_status st = MP_OK;
    struct dirent *e;
    while (st == MP_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.' || (only && strcmp(e->d_name, only) != 0) || strlen(e->d_name) >= sizeof v->name)
            continue;
        char pdir[4400];
        if ((size_t)snprintf(pdir, sizeof pdir, "%s/%s", root, e->d_name) >= sizeof v->dir - sizeof v->version)
            continue;
        DIR *vd = opendir(pdir);
        if (!vd)
            continue;
        struct dirent *ve;
        while (st == MP_OK && (ve = readdir(vd))) {
            struct mp_semver sv;
            if (ve->d_name[0] == '.' || mp_semver_parse(ve->d_name, &sv) != 0 || strlen(ve->d_name) >= sizeof v->version)
                continue;
            if (n == cap) {
                struct mp_installed *w = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof *w);
                if (!w) {
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
                    break;
                }
                v = w;
            }
            struct mp_installed *p = &v[n++];
            memset(p, 0, sizeof *p);
            snprintf(p->name, sizeof p->name, "%.127s", e->d_name);
            snprintf(p->version, sizeof p->version, "%.95s", ve->d_name);
            if ((size_t)snprintf(p->dir, sizeof p->dir, "%s/%s", pdir, ve->d_name) >= sizeof p->dir) {
                n--;
                continue;
            }
            char signer[256];
            read_meta(p->dir, ".signer", signer, sizeof signer);
            char state[16] = "", fpr[32] = "", who[200] = "";
            if (*signer && sscanf(signer, "%15s %31s %199s", state, fpr, who) == 3) {
                p->signed_ = 1;
                p->trusted = strcmp(state, "trusted") == 0;
                snprintf(p->fpr, sizeof p->fpr, "%.16s", fpr);
                snprintf(p->signer, sizeof p->signer, "%.127s", who);
            }
            read_meta(p->dir, ".origin", p->origin, sizeof p->origin);
        }
        closedir(vd);
    }
    closedir(d);
    if (st != MP_OK) {
        free(v);
        return st;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_installed);
    *out = v;
    *nout = n;
    return MP_OK;
}

enum mp_status mp_store_list(struct mp_installed **v, size_t *n, mp_error *err)
{
    return mp_store_list_of(NULL, v, n, err);
}

enum mp_status mp_store_resolve(const char *name, const char *range, const char *pinned, struct mp_installed *out,
                                mp_error *err)
{
    struct mp_installed *v;
    size_t n;
    if (!range || !*range)
        range = "*";
    if (!mp_semver_range_valid(range))
        return mp_fail(err, MP_EINPUT, "'%s' is not a version range (such as \"^1.2\" or \">=1.0, <2\")", range);
    MP_TRY(mp_store_list_of(name, &v, &n, err));
    long best = -1;
    struct mp_semver bv = {0};
    for (size_t i = 0; i < n; i++) {
        struct mp_semver s;
        if (mp_semver_parse(v[i].version, &s) != 0 || mp_semver_satisfies(range, &s) != 1)
            continue;
        if (pinned && strcmp(v[i].version, pinned) == 0) {
            best = (long)i;
            break;
        }
        if (best < 0 || mp_semver_cmp(&s, &bv) > 0) {
            best = (long)i;
            bv = s;
        }
    }
    enum mp_status st = MP_OK;
    char home[4000] = "";
    mp_store_home(home, sizeof home);
    if (best >= 0) {
        *out = v[best];
    } else if (n == 0) {
        st = mp_fail(err, MP_EINPUT, "no pack '%s' installed in the store %s; install it with 'mplan pack install %s'",
                     name, home, name);
    } else {
        char have[512] = "";
        for (size_t i = 0; i < n && strlen(have) < sizeof have - 100; i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "", v[i].version);
        st = mp_fail(err, MP_EINPUT, "no installed version of pack '%s' satisfies '%s' (installed: %s)", name, range, have);
    }
    free(v);
    return st;
}

