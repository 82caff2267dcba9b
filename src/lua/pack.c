/* Rule packs: pack.yaml (formats.md), parameter values, and loading a pack into a host:
 * init.lua runs in the pack's own environment under the limits, and what it exports must
 * match what the manifest `provides`. Hooks are then addressed as PACK.NAME. */
#include "lua/pack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "io/pack_fs.h"
#include "io/pack_path.h"
#include "io/yaml_doc.h"
#include "lua/lsandbox.h"

static const char *const kind_keys[] = {"allocators", "strategies", "segmenters", "kpis", NULL};

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
    for (int k = 0; k < 4; k++)
        n += m->nprovides[k];
    if (n < 2)
        return MP_OK;
    struct provided *v = malloc(n * sizeof *v);
    if (!v)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    n = 0;
    for (int k = 0; k < 4; k++) {
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
    for (int k = 0; k < 4; k++) {
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

static enum mp_status load_param(struct mp_ydoc *doc, const char *name, const struct mp_ynode *spec,
                                 struct mp_pack_param *p, mp_error *err)
{
    static const char *const keys[] = {"type", "default", "min", "max", "doc", NULL};
    static const char *const types[] = {"number", "string", "boolean", NULL};
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
        return mp_ydoc_fail(doc, spec, err, "param '%s' needs a 'type' (number, string or boolean)", name);
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
                                       NULL};
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
            MP_TRY(load_param(doc, n->keys[i], n->items[i], &m->params[i], err));
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
    for (int k = 0; ok && st == MP_OK && k < 4; k++)
        for (size_t i = 0; ok && i < m->nprovides[k]; i++)
            ok = keep(&m->arena, &m->provides[k][i]);
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
    if (kind > MP_HOOK_KPI)
        return 0;
    for (size_t i = 0; i < m->nprovides[kind]; i++)
        if (strcmp(m->provides[kind][i], name) == 0)
            return 1;
    return 0;
}

static const char *param_type_name(enum mp_param_type t)
{
    return t == MP_PARAM_NUMBER ? "a number" : t == MP_PARAM_STRING ? "a string" : "true or false";
}

enum mp_status mp_manifest_params(const struct mp_manifest *m, const struct mp_param *overrides,
                                  size_t n, const char *plan_file, struct mp_param *out,
                                  mp_error *err)
{
    for (size_t i = 0; i < m->nparams; i++) {
        const struct mp_pack_param *p = &m->params[i];
        out[i] = (struct mp_param){.name = p->name, .type = p->type, .num = p->num, .str = p->str,
                                   .boolean = p->boolean, .loc = p->loc};
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
            return mp_fail(err, MP_EINPUT, "%sparam '%s' of pack '%s' must be between %g and %g, got %g",
                           at, o->name, m->name, p->min, p->max, o->num);
        out[i] = *o;
    }
    return MP_OK;
}

/* ---- loading into a host ---- */

static struct mp_host_pack *find_pack(mp_host *h, const char *name, size_t len)
{
    for (size_t i = 0; i < h->npacks; i++)
        if (strlen(h->packs[i].man.name) == len && strncmp(h->packs[i].man.name, name, len) == 0)
            return &h->packs[i];
    return NULL;
}

static int params_readonly(lua_State *L)
{
    return luaL_error(L, "params are read-only (set them in the plan's packs: entry)");
}

/* next over the values table (upvalue 1), which the script never gets: writing through
 * the table pairs yields is then impossible. */
static int params_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int params_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, params_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

struct load_ctx {
    const char *dir, *display;
    const struct mp_pack_files *locked;
    const struct mp_param *params;
    size_t nparams;
};

/* Protected part of loading: environment, init.lua, its exports, the params table.
 * Leaves [env, exports, params] on the stack. */
static int load_protected(lua_State *L)
{
    const struct load_ctx *c = lua_touserdata(L, 1);
    mp_sandbox_new_env(L, c->dir, c->display, c->locked);
    lua_pushfstring(L, "%s/init.lua", c->display);
    mp_lua_load_pack_file(L, c->dir, "init.lua", lua_tostring(L, -1), c->locked, 2);
    lua_remove(L, -2);
    lua_call(L, 0, 1); /* [ctx, env, exports] */
    if (!lua_istable(L, -1))
        return luaL_error(L, "init.lua returned %s, expected a table of the functions it exports",
                          luaL_typename(L, -1));
    /* params: a read-only view, so a hook cannot leave state for its next call in it */
    lua_newtable(L);
    lua_createtable(L, 0, (int)c->nparams); /* [ctx, env, exports, proxy, values] */
    for (size_t i = 0; i < c->nparams; i++) {
        const struct mp_param *p = &c->params[i];
        switch (p->type) {
        case MP_PARAM_NUMBER: lua_pushnumber(L, p->num); break;
        case MP_PARAM_STRING: lua_pushstring(L, p->str); break;
        case MP_PARAM_BOOL: lua_pushboolean(L, p->boolean); break;
        }
        lua_setfield(L, -2, p->name);
    }
    lua_newtable(L); /* [.., proxy, values, mt] */
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, params_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, params_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 1);
    lua_rawsetp(L, -2, &mp_params_key);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    return 3;
}

/* A path as messages show it: "./" and "dir/.." folded away, lexically. The caller owns
 * the result (free); NULL when out of memory. */
static char *display_path(const char *path)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t len = 0, keep = 0; /* keep: length of a prefix ".." cannot fold into */
    if (*path == '/')
        out[len++] = '/', keep = 1;
    for (const char *s = path; *s;) {
        size_t k = strcspn(s, "/");
        if (k == 0 || (k == 1 && s[0] == '.')) {
            /* empty or "." */
        } else if (k == 2 && s[0] == '.' && s[1] == '.' && len > keep) {
            while (len > keep && out[len - 1] != '/')
                len--;
            if (len > keep)
                len--;
        } else {
            if (len > 0 && out[len - 1] != '/')
                out[len++] = '/';
            memcpy(out + len, s, k);
            len += k;
            if (k == 2 && s[0] == '.' && s[1] == '.')
                keep = len;
        }
        s += k;
        while (*s == '/')
            s++;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = 0;
    return out;
}

/* Exports (table at -2) against `provides`: raw reads only, nothing of the pack runs. */
static enum mp_status check_exports(lua_State *L, const struct mp_host_pack *pk, mp_error *err)
{
    const struct mp_manifest *m = &pk->man;
    int exports = lua_absindex(L, -2);
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < m->nprovides[k]; i++) {
            char buf[80];
            lua_pushstring(L, m->provides[k][i]);
            int type = lua_rawget(L, exports);
            const char *what = mp_lua_describe(L, -1, buf, sizeof buf);
            if (type != LUA_TFUNCTION)
                mp_fail(err, MP_EINPUT, "%s: pack '%s' provides %s '%s', but init.lua %s%s%s",
                        m->file, m->name, mp_hook_kind_name((enum mp_hook_kind)k), m->provides[k][i],
                        type == LUA_TNIL ? "does not export it" : "exports it as ",
                        type == LUA_TNIL ? "" : what, type == LUA_TNIL ? "" : ", not a function");
            lua_pop(L, 1);
            if (type != LUA_TFUNCTION)
                return MP_EINPUT;
        }
    lua_pushnil(L);
    while (lua_next(L, exports)) {
        if (lua_type(L, -1) == LUA_TFUNCTION) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                enum mp_status st = mp_fail(err, MP_EINPUT, "%s/init.lua: pack '%s' exports a function "
                                            "under %s key; exports are named", pk->display, m->name,
                                            lua_type(L, -2) == LUA_TNUMBER ? "a number" : "a non-string");
                lua_pop(L, 2);
                return st;
            }
            const char *name = lua_tostring(L, -2);
            int k = 0;
            while (k < 4 && !mp_manifest_provides(m, (enum mp_hook_kind)k, name))
                k++;
            if (k == 4) {
                enum mp_status st = mp_fail(err, MP_EINPUT, "%s/init.lua: pack '%s' exports function "
                                            "'%s', which pack.yaml does not list under provides (list it, "
                                            "or keep it local)", pk->display, m->name, name);
                lua_pop(L, 2);
                return st;
            }
        }
        lua_pop(L, 1);
    }
    return MP_OK;
}

static void pack_free(struct mp_host_pack *pk)
{
    free(pk->dir);
    free(pk->display);
    if (pk->locked)
        mp_pack_files_free(pk->locked);
    free(pk->locked);
    mp_manifest_free(&pk->man);
}

/* Load the pack in `dir`; for pack `index` of `plan` (plan may be NULL) its lock applies. */
static enum mp_status load_pack(mp_host *h, const char *dir, const struct mp_param *overrides,
                                size_t n, const mp_plan *plan, size_t index,
                                const char **pack_name, mp_error *err)
{
    lua_State *L = h->L;
    const char *plan_file = plan ? plan->file : NULL;
    struct mp_host_pack pk = {.env_ref = LUA_NOREF, .params_ref = LUA_NOREF};
    struct mp_param *params = NULL;
    enum mp_status st = MP_OK;
    if (plan && index < plan->npacks) {
        /* Every command that loads a plan's pack checks its lock here, and keeps the locked
         * hashes: each file is checked again as it is read, so what runs is what was
         * verified, even if the file changes in between. */
        struct mp_pack_files locked;
        int found;
        if ((st = mp_lock_pack(plan, index, &locked, &found, err)) != MP_OK)
            return st;
        if (found && !(pk.locked = malloc(sizeof *pk.locked))) {
            mp_pack_files_free(&locked);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        if (found)
            *pk.locked = locked;
    }
    st = mp_manifest_load_locked(dir, pk.locked, &pk.man, err);
    if (st != MP_OK) {
        pack_free(&pk);
        return st;
    }
    const struct mp_host_pack *dup = find_pack(h, pk.man.name, strlen(pk.man.name));
    if (dup) {
        st = mp_fail(err, MP_EINPUT, "%s: a pack named '%s' is already loaded from %s", pk.man.file,
                     pk.man.name, dup->display);
        goto fail;
    }
    struct mp_host_pack *grown = realloc(h->packs, (h->npacks + 1) * sizeof *grown);
    params = calloc(pk.man.nparams + 1, sizeof *params);
    pk.dir = strdup(dir);
    pk.display = display_path(dir);
    if (grown)
        h->packs = grown;
    if (!grown || !params || !pk.dir || !pk.display) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto fail;
    }
    st = mp_manifest_params(&pk.man, overrides, n, plan_file, params, err);
    if (st != MP_OK)
        goto fail;

    struct load_ctx ctx = {pk.dir, pk.display, pk.locked, params, pk.man.nparams};
    lua_pushcfunction(L, load_protected);
    lua_pushlightuserdata(L, &ctx);
    h->loading = pk.display; /* its files' positions in messages are its own */
    st = mp_lua_call(h, 1, 3, pk.man.name, MP_HOOK_INIT, pk.man.name, err);
    h->loading = NULL;
    if (st != MP_OK)
        goto fail;
    /* [env, exports, params] */
    st = check_exports(L, &pk, err);
    if (st != MP_OK) {
        lua_pop(L, 3);
        goto fail;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->hooks_ref);
    for (int k = 0; k < 4; k++) {
        lua_rawgeti(L, -1, k); /* [env, exports, params, hooks, hooks[k]] */
        for (size_t i = 0; i < pk.man.nprovides[k]; i++) {
            lua_pushfstring(L, "%s.%s", pk.man.name, pk.man.provides[k][i]);
            lua_pushstring(L, pk.man.provides[k][i]);
            lua_rawget(L, -6); /* [.., hooks[k], "pack.name", exports[name]] */
            lua_rawset(L, -3);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    pk.params_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
    pk.env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    free(params);
    h->packs[h->npacks] = pk;
    if (pack_name)
        *pack_name = h->packs[h->npacks].man.name;
    h->npacks++;
    return MP_OK;
fail:
    free(params);
    pack_free(&pk);
    return st;
}

enum mp_status mp_host_load_pack_dir(mp_host *h, const char *dir, const struct mp_param *overrides,
                                     size_t n, const char **pack_name, mp_error *err)
{
    return load_pack(h, dir, overrides, n, NULL, 0, pack_name, err);
}

enum mp_status mp_host_load_plan_pack(mp_host *h, const char *dir, const mp_plan *plan,
                                      size_t pack_index, const char **pack_name, mp_error *err)
{
    const struct mp_pack_ref *ref = plan && pack_index < plan->npacks ? &plan->packs[pack_index] : NULL;
    return load_pack(h, dir, ref ? ref->params : NULL, ref ? ref->nparams : 0, plan, pack_index,
                     pack_name, err);
}

enum mp_status mp_host_load_pack(mp_host *h, const char *dir, const mp_plan *plan,
                                 size_t pack_index, mp_error *err)
{
    return mp_host_load_plan_pack(h, dir, plan, pack_index, NULL, err);
}

enum mp_status mp_host_load_plan_packs(mp_host *h, const mp_plan *plan, mp_error *err)
{
    mp_host_apply_plan_limits(h, plan);
    for (size_t i = 0; i < plan->npacks; i++) {
        const struct mp_pack_ref *ref = &plan->packs[i];
        if (ref->found == MP_PACK_NOT_FOUND)
            return mp_fail(err, MP_EIO, "%s:%d:%d: no pack '%s': no directory %s, and none on the rules path %s",
                           plan->file, ref->loc.line, ref->loc.col, ref->path, ref->dir, mp_rules_path());
        enum mp_status st = mp_host_load_pack(h, ref->dir, plan, i, err);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

/* ---- hooks ---- */

/* "a, b, c" of a list of names into buf. */
static const char *join(char *buf, size_t size, const char *const *names, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        used += k > 0 ? (size_t)k : 0;
    }
    return n ? buf : "none";
}

static enum mp_status find_hook(mp_host *h, const char *qualified, enum mp_hook_kind kind,
                                struct mp_host_pack **pack, mp_error *err)
{
    const char *kname = mp_hook_kind_name(kind), *dot = strchr(qualified, '.');
    char list[512];
    if (!dot)
        return mp_fail(err, MP_EINPUT, "%s '%s': expected PACK.NAME", kname, qualified);
    struct mp_host_pack *pk = find_pack(h, qualified, (size_t)(dot - qualified));
    if (!pk) {
        const char *names[64];
        size_t n;
        for (n = 0; n < h->npacks && n < 64; n++)
            names[n] = h->packs[n].man.name;
        return mp_fail(err, MP_EINPUT, "%s '%s': no pack '%.*s' is loaded (loaded packs: %s)", kname,
                       qualified, (int)(dot - qualified), qualified, join(list, sizeof list, names, n));
    }
    const char *name = dot + 1;
    if (!mp_manifest_provides(&pk->man, kind, name)) {
        for (int k = 0; k < 4; k++)
            if (mp_manifest_provides(&pk->man, (enum mp_hook_kind)k, name))
                return mp_fail(err, MP_EINPUT, "%s '%s': pack '%s' provides '%s' as a %s, not as a %s",
                               kname, qualified, pk->man.name, name,
                               mp_hook_kind_name((enum mp_hook_kind)k), kname);
        return mp_fail(err, MP_EINPUT, "%s '%s': pack '%s' provides no %s '%s' (its %s: %s)", kname,
                       qualified, pk->man.name, kname, name, kind_keys[kind],
                       join(list, sizeof list, pk->man.provides[kind], pk->man.nprovides[kind]));
    }
    *pack = pk;
    return MP_OK;
}

enum mp_status mp_host_push_hook(mp_host *h, const char *qualified, enum mp_hook_kind kind,
                                 mp_error *err)
{
    struct mp_host_pack *pk;
    if (kind > MP_HOOK_KPI)
        return mp_fail(err, MP_EINTERNAL, "'%s': not a hook kind", qualified);
    enum mp_status st = find_hook(h, qualified, kind, &pk, err);
    if (st != MP_OK)
        return st;
    lua_State *L = h->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->hooks_ref);
    lua_rawgeti(L, -1, kind);
    lua_getfield(L, -1, qualified);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return MP_OK;
}

void mp_host_push_params(mp_host *h, const char *pack)
{
    const struct mp_host_pack *pk = find_pack(h, pack, strlen(pack));
    if (pk)
        lua_rawgeti(h->L, LUA_REGISTRYINDEX, pk->params_ref);
    else
        lua_pushnil(h->L);
}

void mp_host_push_script_env(mp_host *h, const char *dir, const char *display)
{
    mp_sandbox_new_env(h->L, dir, display, NULL);
}

struct run_ctx {
    mp_lua_pusher push;
    void *ud;
    int params_ref, nresults;
};

/* Protected part of a hook call: [ctx, hook] -> hook(args..., params). */
static int run_protected(lua_State *L)
{
    const struct run_ctx *c = lua_touserdata(L, 1);
    int nargs = c->push(L, c->ud);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->params_ref);
    lua_call(L, nargs + 1, c->nresults);
    return c->nresults;
}

enum mp_status mp_host_run_hook(mp_host *h, const char *qualified, enum mp_hook_kind kind,
                                mp_lua_pusher push, void *ud, int nresults, mp_error *err)
{
    struct mp_host_pack *pk;
    lua_State *L = h->L;
    enum mp_status st = find_hook(h, qualified, kind, &pk, err);
    if (st != MP_OK)
        return st;
    struct run_ctx ctx = {push, ud, pk->params_ref, nresults};
    lua_pushcfunction(L, run_protected);
    lua_pushlightuserdata(L, &ctx);
    mp_host_push_hook(h, qualified, kind, err);
    return mp_lua_call(h, 2, nresults, pk->man.name, kind, strchr(qualified, '.') + 1, err);
}
