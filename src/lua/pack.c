/* Rule packs in a host: init.lua runs in the pack's own environment under the limits, and
 * what it exports must match what the manifest (io/manifest.c) `provides`. Hooks are then
 * addressed as PACK.NAME. */
#include "io/manifest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "io/pack_path.h"
#include "io/store_find.h"
#include "lua/lsandbox.h"

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
    const struct mp_pack_dep *deps;
    size_t ndeps;
};

void mp_lua_push_param(lua_State *L, const struct mp_param *p)
{
    switch (p->type) {
    case MP_PARAM_NUMBER: lua_pushnumber(L, p->num); break;
    case MP_PARAM_STRING: lua_pushstring(L, p->str); break;
    case MP_PARAM_BOOL: lua_pushboolean(L, p->boolean); break;
    case MP_PARAM_LIST:
        lua_createtable(L, (int)p->nitems, 0);
        for (size_t i = 0; i < p->nitems; i++) {
            mp_lua_push_param(L, &p->items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
}

/* Protected part of loading: environment, init.lua, its exports, the params table.
 * Leaves [env, exports, params] on the stack. */
static int load_protected(lua_State *L)
{
    const struct load_ctx *c = lua_touserdata(L, 1);
    mp_sandbox_new_env(L, c->dir, c->display, c->locked, c->deps, c->ndeps);
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
        mp_lua_push_param(L, p);
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
    for (int k = 0; k < MP_HOOK_KINDS; k++)
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
            while (k < MP_HOOK_KINDS && !mp_manifest_provides(m, (enum mp_hook_kind)k, name))
                k++;
            if (k == MP_HOOK_KINDS) {
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
    for (size_t i = 0; pk->deps && i < pk->man.nrequires; i++) {
        free(pk->deps[i].dir);
        free(pk->deps[i].missing);
    }
    free(pk->deps);
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

    /* The packs it requires: the highest installed version in range of each; one that is
     * missing is an error only when a module of it is required. */
    if (!(pk.deps = calloc(pk.man.nrequires + 1, sizeof *pk.deps))) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < pk.man.nrequires; i++) {
        struct mp_installed got;
        mp_error why;
        struct mp_pack_dep *d = &pk.deps[i];
        d->name = pk.man.req_names[i];
        if (mp_store_resolve(d->name, pk.man.req_ranges[i], NULL, &got, &why) == MP_OK)
            d->dir = strdup(got.dir);
        else
            d->missing = strdup(why.msg);
        if (!d->dir && !d->missing) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            goto fail;
        }
    }
    struct load_ctx ctx = {pk.dir, pk.display, pk.locked, params, pk.man.nparams, pk.deps, pk.man.nrequires};
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
    for (int k = 0; k < MP_HOOK_KINDS; k++) {
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

enum mp_status mp_host_load_pack_args(mp_host *h, const char *dir, const char *const *args, size_t n,
                                      const char **pack_name, mp_error *err)
{
    return mp_host_load_plan_pack_args(h, dir, NULL, 0, args, n, pack_name, err);
}

enum mp_status mp_host_load_plan_pack_args(mp_host *h, const char *dir, const mp_plan *plan, size_t pack_index,
                                           const char *const *args, size_t n, const char **pack_name,
                                           mp_error *err)
{
    const struct mp_pack_ref *ref = plan && pack_index < plan->npacks ? &plan->packs[pack_index] : NULL;
    size_t nplan = ref ? ref->nparams : 0;
    if (!n)
        return load_pack(h, dir, ref ? ref->params : NULL, nplan, plan, pack_index, pack_name, err);
    /* The plan's params first, the --param after: mp_manifest_params applies them in
     * order, so --param wins over the plan, which wins over pack.yaml's defaults. */
    struct mp_manifest man;
    MP_TRY(mp_manifest_load(dir, &man, err));
    struct mp_arena arena = {0};
    struct mp_param *ov = calloc(nplan + n, sizeof *ov);
    enum mp_status st = ov ? mp_manifest_param_args(&man, args, n, "--param", &arena, ov + nplan, err)
                           : mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < nplan; i++)
        ov[i] = ref->params[i];
    if (st == MP_OK)
        st = load_pack(h, dir, ov, nplan + n, plan, pack_index, pack_name, err);
    free(ov);
    mp_arena_free(&arena);
    mp_manifest_free(&man);
    return st;
}

enum mp_status mp_host_load_plan_pack(mp_host *h, const char *dir, const mp_plan *plan,
                                      size_t pack_index, const char **pack_name, mp_error *err)
{
    return mp_host_load_plan_pack_args(h, dir, plan, pack_index, NULL, 0, pack_name, err);
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
        for (int k = 0; k < MP_HOOK_KINDS; k++)
            if (mp_manifest_provides(&pk->man, (enum mp_hook_kind)k, name))
                return mp_fail(err, MP_EINPUT, "%s '%s': pack '%s' provides '%s' as a %s, not as a %s",
                               kname, qualified, pk->man.name, name,
                               mp_hook_kind_name((enum mp_hook_kind)k), kname);
        return mp_fail(err, MP_EINPUT, "%s '%s': pack '%s' provides no %s '%s' (its %s: %s)", kname,
                       qualified, pk->man.name, kname, name, mp_manifest_kind_key(kind),
                       join(list, sizeof list, pk->man.provides[kind], pk->man.nprovides[kind]));
    }
    *pack = pk;
    return MP_OK;
}

enum mp_status mp_host_push_hook(mp_host *h, const char *qualified, enum mp_hook_kind kind,
                                 mp_error *err)
{
    struct mp_host_pack *pk;
    if ((int)kind >= MP_HOOK_KINDS)
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
    /* A test of a loaded pack reaches the packs it requires, as the pack does. */
    const struct mp_host_pack *pk = NULL;
    for (size_t i = 0; i < h->npacks && !pk; i++)
        if (strcmp(h->packs[i].dir, dir) == 0)
            pk = &h->packs[i];
    mp_sandbox_new_env(h->L, dir, display, NULL, pk ? pk->deps : NULL, pk ? pk->man.nrequires : 0);
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
