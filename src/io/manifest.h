/* Rule-pack manifests (docs/packs.md): pack.yaml read and checked without running
 * anything. Lua-free (src/io), for `mplan pack check|info|lock` as much as for the host. */
#ifndef MPLAN_IO_MANIFEST_H
#define MPLAN_IO_MANIFEST_H

#include <stddef.h>

#include "core/arena.h"
#include "core/model.h"
#include "io/yaml_doc.h"
#include "mplan/host.h"

/* The mplan API version packs are checked against (pack.yaml `mplan: ">=1.0"`). */
#define MP_API_MAJOR 1
#define MP_API_MINOR 0

/* A declared parameter: its type, default and (numbers) bounds. */
struct mp_pack_param {
    const char *name, *doc; /* doc may be NULL */
    enum mp_param_type type;
    double num, min, max;   /* min/max: -INFINITY/INFINITY when absent */
    const char *str;
    int boolean;
    struct mp_param *items; /* type list: the default's items */
    size_t nitems;
    struct mp_loc loc;
};

struct mp_manifest {
    struct mp_arena arena;  /* owns everything below */
    const char *file;       /* path of pack.yaml, for messages */
    const char *name, *version, *summary, *api;
    const char **provides[MP_HOOK_KINDS]; /* by enum mp_hook_kind (allocator..fit_transform) */
    size_t nprovides[MP_HOOK_KINDS];
    /* `kpis: {NAME: {better: lower, additive: true}}`, one each per provides.kpis entry:
     * 1 where lower is better, 1 where the KPI adds up over periods (default 0, 0). */
    unsigned char *kpi_lower, *kpi_additive;
    struct mp_pack_param *params;
    size_t nparams;
    /* `requires: {aipl: "^1.0"}`: the packs (by name) and version ranges it depends on. */
    const char **req_names, **req_ranges;
    size_t nrequires;
};

/* Read DIR/pack.yaml. On success the caller owns m: free with mp_manifest_free. MP_EINPUT
 * with `pack.yaml:LINE:COL: ...` for a bad manifest, MP_EIO when it cannot be read. */
enum mp_status mp_manifest_load(const char *dir, struct mp_manifest *m, mp_error *err);
/* The same with the pack's locked files (io/lock.h mp_lock_pack; NULL: no lock): the bytes
 * read must be the locked ones. */
struct mp_pack_files;
enum mp_status mp_manifest_load_locked(const char *dir, const struct mp_pack_files *locked,
                                       struct mp_manifest *m, mp_error *err);
/* Safe on a zeroed or freed manifest. */
void mp_manifest_free(struct mp_manifest *m);

/* The key of `provides` that lists hooks of `kind`: "allocators", "strategies", ... */
const char *mp_manifest_kind_key(enum mp_hook_kind kind);

/* Does the manifest list `name` under `kind`? */
int mp_manifest_provides(const struct mp_manifest *m, enum mp_hook_kind kind, const char *name);

/* A param value from YAML: a number, true/false, a string, or (`lists`) a sequence of
 * those, strings copied into `arena`. `what` names the value in messages. */
enum mp_status mp_param_read(const struct mp_ydoc *doc, const struct mp_ynode *v, const char *what,
                             int lists, struct mp_arena *arena, struct mp_param *par, mp_error *err);

/* The parameter values a pack runs with: its defaults with the plan's overrides applied,
 * type- and range-checked. `plan_file` names the plan in messages (overrides carry their
 * line:col). `out` gets m->nparams values, in manifest order. */
enum mp_status mp_manifest_params(const struct mp_manifest *m, const struct mp_param *overrides,
                                  size_t n, const char *plan_file, struct mp_param *out,
                                  mp_error *err);

/* `--param NAME=VALUE` strings (`from` names them in messages: "--param", a plan file) as
 * overrides of m's params: a number (in its min..max), true/false, a list (NAME=a,b,c; items
 * that read as numbers are numbers), or text. out[i] for args[i], strings in `arena`.
 * MP_EUSAGE naming the argument for an unknown param or a value of the wrong type. */
enum mp_status mp_manifest_param_args(const struct mp_manifest *m, const char *const *args, size_t n,
                                     const char *from, struct mp_arena *arena, struct mp_param *out, mp_error *err);

#endif
