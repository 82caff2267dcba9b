/* Rule-pack manifests: pack.yaml (docs/plan-format.md) read and checked, and the parameter values a
 * pack runs with. Lua-free: `mplan pack check|info|lock` read manifests without a host. */
#include "core/numfmt.h"
#include "io/manifest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/semver.h"
#include "io/pack_fs.h"
#include "io/yaml_doc.h"

const char *mp_hook_kind_name(enum mp_hook_kind kind)
{
    static const char *const names[] = {"allocator", "strategy", "segmenter", "kpi", "metric", "fit_transform",
                                        "init", "script"};
    return (unsigned)kind <= MP_HOOK_SCRIPT ? names[kind] : "?";
}

static const char *const kind_keys[] = {"allocators", "strategies", "segmenters", "kpis", "metrics",
                                        "fit_transforms", NULL};

const char *mp_manifest_kind_key(enum mp_hook_kind kind)
{
    return (int)kind < MP_HOOK_KINDS ? kind_keys[kind] : "?";
}

/* ---- pack.yaml ---- */

static int all_of(const char *s, const char *extra, int first_digit_ok)
{
    if (!*s || (!first_digit_ok && *s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return 0;
    return 1;
}

/* MAJOR.MINOR.PATCH[-pre][+build], numbers without leading zeros (semver.org). */
static int is_semver(const char *s)
{
    for (int part = 0; part < 3; part++) {
        if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
        if (part < 2 && *s++ != '.')
            return 0;
    }
    for (char sep = '-'; *s; sep = '+') {
        if (*s != sep && !(sep == '-' && *s == '+'))
            return 0;
        if (*s == '+')
            sep = '+';
        s++;
        if (!*s)
            return 0;
        while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
               *s == '.' || (*s == '-'))
            s++;
        if (sep == '+' && *s)
            return 0;
    }
    return 1;
}

/* Does API version major.minor satisfy a range such as ">=1.0", ">=1.0, <2" or "1"? */
static int api_satisfies(const char *range, int major, int minor, int *bad)
{
    int ok = 1;
    *bad = 0;
    const char *s = range;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        char op[3] = "";
        size_t n = strspn(s, "<>=");
        if (n > 2) {
            *bad = 1;
            return 0;
        }
        memcpy(op, s, n);
        op[n] = 0;
        s += n;
        char *end;
        long want_major = strtol(s, &end, 10), want_minor = 0;
        if (end == s) {
            *bad = 1;
            return 0;
        }
        s = end;
        if (*s == '.') {
            want_minor = strtol(s + 1, &end, 10);
            if (end == s + 1) {
                *bad = 1;
                return 0;
            }
            s = end;
        }
        if (*s && *s != ' ' && *s != ',') {
            *bad = 1;
            return 0;
        }
        long cmp = major != want_major ? major - want_major : minor - want_minor;
        if (!*op || !strcmp(op, "=") || !strcmp(op, "=="))
            ok = ok && (n ? cmp == 0 : major == want_major); /* "1" means any 1.x */
        else if (!strcmp(op, ">="))
            ok = ok && cmp >= 0;
        else if (!strcmp(op, ">"))
            ok = ok && cmp > 0;
        else if (!strcmp(op, "<="))
            ok = ok && cmp <= 0;
        else if (!strcmp(op, "<"))
            ok = ok && cmp < 0;
        else {
            *bad = 1;
            return 0;
        }
    }
    if (s == range)
        *bad = 1;
    return ok;
}

struct provided {
    const char *name;
    const struct mp_ynode *node;
    size_t seq; /* order in the file */
};

static int cmp_provided(const void *a, const void *b)
{
    const struct provided *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* A name may appear once across all kinds: sorted, so 100,000 names take milliseconds, not
 * the pairs of them. The repeat named is the first one in file order. */
static enum mp_status check_unique(struct mp_ydoc *doc, const struct mp_ynode *prov,
                                   const struct mp_manifest *m, mp_error *err)
{
    size_t n = 0;
    for (int k = 0; k < MP_HOOK_KINDS; k++)
        n += m->nprovides[k];
    if (n < 2)
        return MP_OK;
    struct provided *v = malloc(n * sizeof *v);
    if (!v)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    n = 0;
    for (int k = 0; k < MP_HOOK_KINDS; k++) {
        const struct mp_ynode *list = mp_ymap_get(prov, kind_keys[k]);
        for (size_t i = 0; i < m->nprovides[k]; i++, n++)
            v[n] = (struct provided){m->provides[k][i], list->items[i], n};
    }
    qsort(v, n, sizeof *v, cmp_provided);
    const struct provided *repeat = NULL;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i].name, v[i - 1].name) == 0 && (i < 2 || strcmp(v[i - 2].name, v[i].name) != 0) &&
            (!repeat || v[i].seq < repeat->seq))
            repeat = &v[i];
    enum mp_status st = repeat ? mp_ydoc_fail(doc, repeat->node, err, "'%s' is listed twice in 'provides'",
                                              repeat->name)
                               : MP_OK;
    free(v);
    return st;
}

static enum mp_status load_provides(struct mp_ydoc *doc, const struct mp_ynode *prov,
                                    struct mp_manifest *m, mp_error *err)
{
    MP_TRY(mp_ynode_expect(doc, prov, MP_Y_MAP, "'provides'", err));
    MP_TRY(mp_ymap_check_keys(doc, prov, "provides", (const char *const *)kind_keys, err));
    for (int k = 0; k < MP_HOOK_KINDS; k++) {
        const struct mp_ynode *list = mp_ymap_get(prov, kind_keys[k]);
        if (!list || mp_ynode_is_null(list))
            continue;
        char what[64];
        snprintf(what, sizeof what, "'provides.%s'", kind_keys[k]);
        MP_TRY(mp_ynode_expect(doc, list, MP_Y_SEQ, what, err));
        m->provides[k] = mp_arena_array(&m->arena, list->n + 1, sizeof(char *));
        if (!m->provides[k])
            return mp_fail(err, MP_ENOMEM, "out of memory");
        for (size_t i = 0; i < list->n; i++) {
            const char *name;
            MP_TRY(mp_ynode_string(doc, list->items[i], what, &name, err));
            if (!all_of(name, "_", 0))
                return mp_ydoc_fail(doc, list->items[i], err, "%s: '%s' is not a function name "
                                    "([a-z_][a-z0-9_]*)", what, name);
            m->provides[k][m->nprovides[k]++] = name;
        }
    }
    return check_unique(doc, prov, m, err);
}

/* `kpis:` how each KPI the pack provides reads: which way is better, and whether it adds
 * up over periods (so `review --write-plan` reduces a goal on it by what was reached). */
static enum mp_status load_kpi_traits(struct mp_ydoc *doc, const struct mp_ynode *kpis,
                                      struct mp_manifest *m, mp_error *err)
{
    static const char *const keys[] = {"better", "additive", NULL};
    size_t n = m->nprovides[MP_HOOK_KPI];
    m->kpi_lower = mp_arena_array(&m->arena, n + 1, 1);
    m->kpi_additive = mp_arena_array(&m->arena, n + 1, 1);
    if (!m->kpi_lower || !m->kpi_additive)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!kpis || mp_ynode_is_null(kpis))
        return MP_OK;
    MP_TRY(mp_ynode_expect(doc, kpis, MP_Y_MAP, "'kpis'", err));
    for (size_t i = 0; i < kpis->n; i++) {
        const char *name = kpis->keys[i];
        size_t k = 0;
        while (k < n && strcmp(m->provides[MP_HOOK_KPI][k], name) != 0)
            k++;
        if (k == n)
            return mp_ydoc_fail(doc, kpis->keynodes[i], err, "'kpis.%s': the pack does not list '%s' under "
                                "provides.kpis", name, name);
        char where[128], what[160];
        snprintf(where, sizeof where, "kpis.%.60s", name);
        const struct mp_ynode *t = kpis->items[i], *v;
        snprintf(what, sizeof what, "'%s'", where);
        MP_TRY(mp_ynode_expect(doc, t, MP_Y_MAP, what, err));
        MP_TRY(mp_ymap_check_keys(doc, t, where, keys, err));
        if ((v = mp_ymap_get(t, "better"))) {
            int lower = v->type == MP_Y_SCALAR && strcmp(v->str, "lower") == 0;
            if (!lower && !(v->type == MP_Y_SCALAR && strcmp(v->str, "higher") == 0))
                return mp_ydoc_fail(doc, v, err, "'%s.better' must be higher or lower", where);
            m->kpi_lower[k] = (unsigned char)lower;
        }
        if ((v = mp_ymap_get(t, "additive"))) {
            int b;
            snprintf(what, sizeof what, "'%s.additive'", where);
            MP_TRY(mp_ynode_bool(doc, v, what, &b, err));
            m->kpi_additive[k] = (unsigned char)(b != 0);
        }
    }
    return MP_OK;
}

static enum mp_status read_scalar(const struct mp_ydoc *doc, const struct mp_ynode *v, const char *what,
                                  struct mp_arena *arena, struct mp_param *par, mp_error *err)
{
    int b;
    par->loc = (struct mp_loc){v->line, v->col};
    if (v->type != MP_Y_SCALAR || mp_ynode_is_null(v))
        return mp_ydoc_fail(doc, v, err, "%s must be a number, a string, true or false%s, got %s", what,
                            v->type == MP_Y_SEQ ? " (a list's items)" : "", mp_ynode_describe(v));
    int rc = v->plain ? mp_ynum_parse(v->str, &par->num) : -1;
    if (rc == -2)
        return mp_ydoc_fail(doc, v, err, "%s must be a finite number, got '%s'", what, v->str);
    if (rc == 0) {
        par->type = MP_PARAM_NUMBER;
    } else if (v->plain && mp_ynode_bool(doc, v, what, &b, NULL) == MP_OK) {
        par->type = MP_PARAM_BOOL;
        par->boolean = b;
    } else {
        par->type = MP_PARAM_STRING;
        if (!(par->str = mp_arena_strdup(arena, v->str)))
            return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    return MP_OK;
}

enum mp_status mp_param_read(const struct mp_ydoc *doc, const struct mp_ynode *v, const char *what,
                             int lists, struct mp_arena *arena, struct mp_param *par, mp_error *err)
{
    if (!lists || v->type != MP_Y_SEQ)
        return read_scalar(doc, v, what, arena, par, err);
    par->type = MP_PARAM_LIST;
    par->loc = (struct mp_loc){v->line, v->col};
    if (!(par->items = mp_arena_array(arena, v->n + 1, sizeof *par->items)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->n; i++) {
        char item[320]; /* 'name' -> 'name[i]' */
        size_t len = strlen(what);
        int quoted = len > 1 && what[len - 1] == '\'';
        snprintf(item, sizeof item, "%.*s[%zu]%s", (int)(len - (size_t)quoted > 200 ? 200 : len - (size_t)quoted),
                 what, i, quoted ? "'" : "");
        par->items[i] = (struct mp_param){0};
        MP_TRY(read_scalar(doc, v->items[i], item, arena, &par->items[i], err));
        par->nitems = i + 1;
    }
    return MP_OK;
}

static enum mp_status load_param(struct mp_ydoc *doc, struct mp_arena *arena, const char *name,
                                 const struct mp_ynode *spec, struct mp_pack_param *p, mp_error *err)
{
    static const char *const keys[] = {"type", "default", "min", "max", "doc", NULL};
    static const char *const types[] = {"number", "string", "boolean", "list", NULL};
    char what[160], where[100];
    snprintf(where, sizeof where, "params.%.64s", name);
    p->name = name;
    p->loc = (struct mp_loc){spec->line, spec->col};
    p->min = -INFINITY;
    p->max = INFINITY;
    if (!all_of(name, "_", 0))
        return mp_ydoc_fail(doc, spec, err, "param '%s': names are [a-z_][a-z0-9_]*", name);
    snprintf(what, sizeof what, "'%s'", where);
    MP_TRY(mp_ynode_expect(doc, spec, MP_Y_MAP, what, err));
    MP_TRY(mp_ymap_check_keys(doc, spec, where, keys, err));
    const struct mp_ynode *type = mp_ymap_get(spec, "type"), *def = mp_ymap_get(spec, "default"),
                          *min = mp_ymap_get(spec, "min"), *max = mp_ymap_get(spec, "max"),
                          *docn = mp_ymap_get(spec, "doc");
    if (!type)
        return mp_ydoc_fail(doc, spec, err, "param '%s' needs a 'type' (number, string, boolean or list)", name);
    if (!def)
        return mp_ydoc_fail(doc, spec, err, "param '%s' needs a 'default'", name);
    int t;
    snprintf(what, sizeof what, "'%s.type'", where);
    MP_TRY(mp_ynode_enum(doc, type, what, types, &t, err));
    p->type = (enum mp_param_type)t;
    if (p->type != MP_PARAM_NUMBER && (min || max))
        return mp_ydoc_fail(doc, min ? min : max, err, "param '%s': min and max apply to numbers only", name);
    if (min) {
        snprintf(what, sizeof what, "'%s.min'", where);
        MP_TRY(mp_ynode_number(doc, min, what, -INFINITY, INFINITY, 0, &p->min, err));
    }
    if (max) {
        snprintf(what, sizeof what, "'%s.max'", where);
        MP_TRY(mp_ynode_number(doc, max, what, p->min, INFINITY, 0, &p->max, err));
    }
    snprintf(what, sizeof what, "'%s.default'", where);
    switch (p->type) {
    case MP_PARAM_NUMBER: MP_TRY(mp_ynode_number(doc, def, what, p->min, p->max, 0, &p->num, err)); break;
    case MP_PARAM_STRING: MP_TRY(mp_ynode_string(doc, def, what, &p->str, err)); break;
    case MP_PARAM_BOOL: MP_TRY(mp_ynode_bool(doc, def, what, &p->boolean, err)); break;
    case MP_PARAM_LIST: {
        struct mp_param v = {0};
        MP_TRY(mp_ynode_expect(doc, def, MP_Y_SEQ, what, err));
        MP_TRY(mp_param_read(doc, def, what, 1, arena, &v, err));
        p->items = v.items;
        p->nitems = v.nitems;
        break;
    }
    }
    if (docn) {
        snprintf(what, sizeof what, "'%s.doc'", where);
        MP_TRY(mp_ynode_string(doc, docn, what, &p->doc, err));
    }
    return MP_OK;
}

static enum mp_status load_manifest(struct mp_ydoc *doc, struct mp_manifest *m, mp_error *err)
{
    static const char *const keys[] = {"name", "version", "summary", "mplan", "provides", "params", "kpis",
                                       "requires", NULL};
    const struct mp_ynode *root = doc->root, *n;
    MP_TRY(mp_ynode_expect(doc, root, MP_Y_MAP, "pack.yaml", err));
    MP_TRY(mp_ymap_check_keys(doc, root, "pack", keys, err));
    for (const char *const *k = keys; k < keys + 2; k++)
        if (!mp_ymap_get(root, *k))
            return mp_ydoc_fail(doc, root, err, "missing '%s'", *k);
    n = mp_ymap_get(root, "name");
    MP_TRY(mp_ynode_string(doc, n, "'name'", &m->name, err));
    if (!all_of(m->name, "-", 1))
        return mp_ydoc_fail(doc, n, err, "'name' must be [a-z0-9-]+, got '%s'", m->name);
    n = mp_ymap_get(root, "version");
    MP_TRY(mp_ynode_string(doc, n, "'version'", &m->version, err));
    if (!is_semver(m->version))
        return mp_ydoc_fail(doc, n, err, "'version' must be a semantic version such as 1.2.0, got '%s'",
                            m->version);
    if ((n = mp_ymap_get(root, "summary")))
        MP_TRY(mp_ynode_string(doc, n, "'summary'", &m->summary, err));
    if (!(n = mp_ymap_get(root, "mplan")))
        return mp_ydoc_fail(doc, root, err, "missing 'mplan' (the API versions the pack works with, "
                            "e.g. \">=%d.%d\")", MP_API_MAJOR, MP_API_MINOR);
    MP_TRY(mp_ynode_string(doc, n, "'mplan'", &m->api, err));
    int bad;
    if (!api_satisfies(m->api, MP_API_MAJOR, MP_API_MINOR, &bad))
        return bad ? mp_ydoc_fail(doc, n, err, "'mplan' must be a version range such as \">=1.0\" or "
                                  "\">=1.0, <2\", got '%s'", m->api)
                   : mp_ydoc_fail(doc, n, err, "pack '%s' needs mplan API %s; this mplan has API %d.%d",
                                  m->name, m->api, MP_API_MAJOR, MP_API_MINOR);
    if ((n = mp_ymap_get(root, "provides")))
        MP_TRY(load_provides(doc, n, m, err));
    MP_TRY(load_kpi_traits(doc, mp_ymap_get(root, "kpis"), m, err));
    if ((n = mp_ymap_get(root, "params")) && !mp_ynode_is_null(n)) {
        MP_TRY(mp_ynode_expect(doc, n, MP_Y_MAP, "'params'", err));
        if (!(m->params = mp_arena_array(&m->arena, n->n + 1, sizeof *m->params)))
            return mp_fail(err, MP_ENOMEM, "out of memory");
        m->nparams = n->n;
        for (size_t i = 0; i < n->n; i++)
            MP_TRY(load_param(doc, &m->arena, n->keys[i], n->items[i], &m->params[i], err));
    }
    if ((n = mp_ymap_get(root, "requires")) && !mp_ynode_is_null(n)) {
        MP_TRY(mp_ynode_expect(doc, n, MP_Y_MAP, "'requires'", err));
        m->req_names = mp_arena_array(&m->arena, n->n + 1, sizeof(char *));
        m->req_ranges = mp_arena_array(&m->arena, n->n + 1, sizeof(char *));
        if (!m->req_names || !m->req_ranges)
            return mp_fail(err, MP_ENOMEM, "out of memory");
        for (size_t i = 0; i < n->n; i++) {
            const char *range;
            if (!all_of(n->keys[i], "-", 1))
                return mp_ydoc_fail(doc, n->keynodes[i], err, "'requires': '%s' is not a pack name ([a-z0-9-]+)",
                                    n->keys[i]);
            if (strcmp(n->keys[i], m->name) == 0)
                return mp_ydoc_fail(doc, n->keynodes[i], err, "'requires': pack '%s' cannot require itself",
                                    m->name);
            MP_TRY(mp_ynode_string(doc, n->items[i], "a version range of 'requires'", &range, err));
            if (!mp_semver_range_valid(range))
                return mp_ydoc_fail(doc, n->items[i], err, "'requires.%s' must be a version range such as "
                                    "\"^1.2\" or \">=1.0, <2\", got '%s'", n->keys[i], range);
            m->req_names[i] = n->keys[i];
            m->req_ranges[i] = range;
        }
        m->nrequires = n->n;
    }
    return MP_OK;
}

/* Strings in the manifest point into the YAML document; move them to the manifest's arena
 * so that the document can go. */
static int keep(struct mp_arena *a, const char **s)
{
    return !*s || (*s = mp_arena_strdup(a, *s)) != NULL;
}

enum mp_status mp_manifest_load_locked(const char *dir, const struct mp_pack_files *locked,
                                       struct mp_manifest *m, mp_error *err)
{
    memset(m, 0, sizeof *m);
    struct mp_ydoc doc = {0};
    char *path = mp_arena_printf(&m->arena, "%s/pack.yaml", dir);
    if (!path)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    m->file = path;
    char *text;
    size_t len;
    enum mp_status st = mp_pack_file_read(dir, "pack.yaml", MP_YAML_MAX_BYTES, locked, &text, &len, NULL, err);
    if (st == MP_OK) {
        st = mp_ydoc_load_string(path, text, len, &doc, err);
        free(text);
    }
    if (st == MP_OK)
        st = load_manifest(&doc, m, err);
    int ok = st != MP_OK || (keep(&m->arena, &m->name) && keep(&m->arena, &m->version) &&
                             keep(&m->arena, &m->summary) && keep(&m->arena, &m->api));
    for (int k = 0; ok && st == MP_OK && k < MP_HOOK_KINDS; k++)
        for (size_t i = 0; ok && i < m->nprovides[k]; i++)
            ok = keep(&m->arena, &m->provides[k][i]);
    for (size_t i = 0; ok && st == MP_OK && i < m->nrequires; i++)
        ok = keep(&m->arena, &m->req_names[i]) && keep(&m->arena, &m->req_ranges[i]);
    for (size_t i = 0; ok && st == MP_OK && i < m->nparams; i++)
        ok = keep(&m->arena, &m->params[i].name) && keep(&m->arena, &m->params[i].doc) &&
             keep(&m->arena, &m->params[i].str);
    mp_ydoc_free(&doc);
    if (st == MP_OK && !ok)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st != MP_OK)
        mp_manifest_free(m);
    return st;
}

enum mp_status mp_manifest_load(const char *dir, struct mp_manifest *m, mp_error *err)
{
    return mp_manifest_load_locked(dir, NULL, m, err);
}

void mp_manifest_free(struct mp_manifest *m)
{
    mp_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}

int mp_manifest_provides(const struct mp_manifest *m, enum mp_hook_kind kind, const char *name)
{
    if ((int)kind >= MP_HOOK_KINDS)
        return 0;
    for (size_t i = 0; i < m->nprovides[kind]; i++)
        if (strcmp(m->provides[kind][i], name) == 0)
            return 1;
    return 0;
}

static const char *param_type_name(enum mp_param_type t)
{
    return t == MP_PARAM_NUMBER ? "a number" : t == MP_PARAM_STRING ? "a string"
         : t == MP_PARAM_LIST ? "a list ([a, b, ...])" : "true or false";
}

enum mp_status mp_manifest_params(const struct mp_manifest *m, const struct mp_param *overrides,
                                  size_t n, const char *plan_file, struct mp_param *out,
                                  mp_error *err)
{
    for (size_t i = 0; i < m->nparams; i++) {
        const struct mp_pack_param *p = &m->params[i];
        out[i] = (struct mp_param){.name = p->name, .type = p->type, .num = p->num, .str = p->str,
                                   .boolean = p->boolean, .items = p->items, .nitems = p->nitems,
                                   .loc = p->loc};
    }
    for (size_t j = 0; j < n; j++) {
        const struct mp_param *o = &overrides[j];
        char at[300] = ""; /* "plan.yaml:14:30: ", or nothing for an override with no place */
        if (o->loc.line > 0)
            snprintf(at, sizeof at, "%s:%d:%d: ", plan_file ? plan_file : "plan", o->loc.line, o->loc.col);
        size_t i = 0;
        while (i < m->nparams && strcmp(m->params[i].name, o->name) != 0)
            i++;
        if (i == m->nparams) {
            const char *names[64];
            size_t k;
            for (k = 0; k < m->nparams && k < 64; k++)
                names[k] = m->params[k].name;
            const char *s = mp_suggest(o->name, names, k);
            if (s)
                return mp_fail(err, MP_EINPUT, "%spack '%s' has no param '%s' (did you mean '%s'?)",
                               at, m->name, o->name, s);
            return mp_fail(err, MP_EINPUT, "%spack '%s' has no param '%s'%s", at, m->name,
                           o->name, m->nparams ? "" : " (it takes none)");
        }
        const struct mp_pack_param *p = &m->params[i];
        if (o->type != p->type)
            return mp_fail(err, MP_EINPUT, "%sparam '%s' of pack '%s' must be %s", at, o->name,
                           m->name, param_type_name(p->type));
        if (p->type == MP_PARAM_NUMBER && (o->num < p->min || o->num > p->max))
            return mp_fail(err, MP_EINPUT, "%sparam '%s' of pack '%s' must be between %s and %s, got %s",
                           at, o->name, m->name, MP_G(p->min), MP_G(p->max), MP_G(o->num));
        out[i] = *o;
    }
    return MP_OK;
}

/* ---- --param NAME=VALUE ---- */

enum mp_status mp_manifest_param_args(const struct mp_manifest *m, const char *const *args, size_t n,
                                     const char *from, struct mp_arena *arena, struct mp_param *out, mp_error *err)
{
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < n; i++) {
        const char *a = args[i], *eq = strchr(a, '=');
        if (!eq) {
            st = mp_fail(err, MP_EUSAGE, "%s %s: expected NAME=VALUE", from, a);
            break;
        }
        size_t k = 0;
        while (k < m->nparams && (strlen(m->params[k].name) != (size_t)(eq - a) ||
                                   strncmp(m->params[k].name, a, (size_t)(eq - a)) != 0))
            k++;
        if (k == m->nparams) {
            st = mp_fail(err, MP_EUSAGE, "%s %s: pack '%s' has no param '%.*s'%s", from, a, m->name,
                         (int)(eq - a), a, m->nparams ? "" : " (it takes none)");
            break;
        }
        const struct mp_pack_param *p = &m->params[k];
        struct mp_param *q = &out[i];
        q->name = mp_arena_strdup(arena, p->name);
        q->type = p->type;
        const char *v = eq + 1;
        char *end;
        if (p->type == MP_PARAM_NUMBER) {
            q->num = strtod(v, &end);
            if (!*v || *end || !isfinite(q->num))
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' is a number", from, a, p->name);
            else if (q->num < p->min || q->num > p->max)
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' must be between %s and %s", from, a,
                             p->name, MP_G(p->min), MP_G(p->max));
        } else if (p->type == MP_PARAM_BOOL) {
            q->boolean = strcmp(v, "true") == 0;
            if (!q->boolean && strcmp(v, "false") != 0)
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' is true or false", from, a, p->name);
        } else if (p->type == MP_PARAM_LIST) { /* NAME=a,b,c: numbers where they read as one */
            size_t ni = *v ? 1 : 0;
            for (const char *c = v; *c; c++)
                ni += *c == ',';
            q->nitems = ni;
            if (!(q->items = mp_arena_array(arena, ni + 1, sizeof *q->items)))
                st = mp_fail(err, MP_ENOMEM, "out of memory");
            for (size_t j = 0; st == MP_OK && j < ni; j++) {
                size_t len = strcspn(v, ",");
                struct mp_param *it = &q->items[j];
                *it = (struct mp_param){.type = MP_PARAM_STRING, .str = mp_arena_strndup(arena, v, len)};
                if (!it->str)
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
                else if (len && (it->num = strtod(it->str, &end), !*end && isfinite(it->num)))
                    it->type = MP_PARAM_NUMBER;
                v += len + (v[len] == ',');
            }
        } else {
            q->str = mp_arena_strdup(arena, v);
        }
        if (st == MP_OK && (!q->name || (p->type == MP_PARAM_STRING && !q->str)))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    }
    return st;
}
