/* `mplan pack check` and `pack test`. Each tests/NAME.lua of a pack runs in a fresh
 * sandbox environment, with the global `test` for building plans and params and checking
 * allocations. A file passes when it runs to the end; any error (a failed assert) fails it. */
#include "lua/pack_tools.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "io/pack_fs.h"
#include "io/yaml_doc.h"

#include "lua/lhost.h"
#include "lua/lsandbox.h"
#include "io/manifest.h"
#include "mplan/alloc.h"

#define MP_TEST_PLAN_MT "mplan.test_plan"

/* What the `test` functions need; their upvalue 1 (a light userdata). */
struct test_ctx {
    mp_host *host;
    const char *dir;               /* the pack directory */
    const struct mp_manifest *man; /* the pack's manifest (owned by the host) */
    int plan_ref;                  /* registry reference to the current plan's box */
};

#define CTX(L) ((struct test_ctx *)lua_touserdata(L, lua_upvalueindex(1)))

/* A plan a test loaded, owned by the Lua GC: freed with its box. */
struct plan_box {
    mp_plan *plan;
    size_t charged; /* its bytes, counted against the memory cap until it is freed */
};

static int plan_box_gc(lua_State *L)
{
    struct plan_box *b = luaL_checkudata(L, 1, MP_TEST_PLAN_MT);
    mp_plan_free(b->plan);
    b->plan = NULL;
    mp_host_uncharge_c(mp_host_of(L), b->charged);
    b->charged = 0;
    return 0;
}

/* A box for a plan about to be loaded, left on the stack: should loading raise, the GC
 * still frees what the box holds. */
static struct plan_box *new_box(lua_State *L)
{
    struct plan_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->plan = NULL;
    b->charged = 0;
    if (luaL_newmetatable(L, MP_TEST_PLAN_MT)) {
        lua_pushcfunction(L, plan_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* The box on top holds a loaded plan: make it the plan scripts work on (mutable, as in a
 * strategy) and push its plan object. Objects of the previous plan stop working. */
static int use_plan(lua_State *L, struct test_ctx *c, struct plan_box *b)
{
    /* The plan lives in C memory: it counts against the cap, so a test that makes plans
     * in a loop meets the memory limit like any other allocation. */
    size_t bytes = sizeof *b->plan + b->plan->arena.total;
    mp_lua_charge_mem(L, bytes);
    b->charged = bytes;
    luaL_unref(L, LUA_REGISTRYINDEX, c->plan_ref);
    c->plan_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    mp_host_bind(c->host, b->plan, 1);
    mp_lua_push_plan(L);
    return 1;
}

/* test.plan(yaml_text) -> plan */
static int test_plan(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    struct plan_box *b = new_box(L);
    mp_error err = {0};
    enum mp_status st = mp_plan_load_string("test.plan", text, len, &b->plan, &err);
    if (st == MP_ENOMEM)
        return mp_lua_nomem(L);
    if (st != MP_OK)
        return luaL_error(L, "%s", err.msg);
    return use_plan(L, CTX(L), b);
}

/* test.plan_file(name) -> plan, from a file in the pack's tests directory */
static int test_plan_file(lua_State *L)
{
    struct test_ctx *c = CTX(L);
    const char *name = luaL_checkstring(L, 1);
    if (!*name || strchr(name, '/'))
        return luaL_argerror(L, 1, "a file name in the pack's tests directory");
    const char *path = lua_pushfstring(L, "%s/tests/%s", c->dir, name);
    const char *rel = lua_pushfstring(L, "tests/%s", name);
    struct plan_box *b = new_box(L);
    mp_error err = {0};
    char *text;
    size_t len;
    /* Through the pack's one reader: a link out of the pack is refused, naming it. */
    enum mp_status st = mp_pack_file_read(c->dir, rel, MP_YAML_MAX_BYTES, NULL, &text, &len, NULL, &err);
    if (st == MP_OK) {
        st = mp_plan_load_string(path, text, len, &b->plan, &err);
        free(text);
    }
    if (st == MP_ENOMEM)
        return mp_lua_nomem(L);
    if (st != MP_OK)
        return luaL_error(L, "%s", err.msg);
    return use_plan(L, c, b);
}


/* test.params([overrides]) -> the pack's params: pack.yaml's defaults with the overrides
 * checked and applied as a plan's would be. */
static int test_params(lua_State *L)
{
    const struct mp_manifest *m = CTX(L)->man;
    lua_settop(L, 1);
    size_t n = 0;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1))
            n++;
    }
    /* Both arrays in GC-owned memory: a Lua error below leaks nothing. */
    struct mp_param *over = lua_newuserdatauv(L, (n + 1) * sizeof *over, 0);
    struct mp_param *out = lua_newuserdatauv(L, (m->nparams + 1) * sizeof *out, 0);
    lua_newtable(L); /* [overrides, over, out, anchor]: keeps lists' items alive */
    size_t i = 0;
    for (lua_pushnil(L); n && lua_next(L, 1); lua_pop(L, 1), i++) {
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "test.params: names are strings, got a %s", luaL_typename(L, -2));
        over[i] = (struct mp_param){.name = lua_tostring(L, -2)};
        switch (lua_type(L, -1)) {
        case LUA_TNUMBER: over[i].type = MP_PARAM_NUMBER; over[i].num = lua_tonumber(L, -1); break;
        case LUA_TSTRING: over[i].type = MP_PARAM_STRING; over[i].str = lua_tostring(L, -1); break;
        case LUA_TBOOLEAN: over[i].type = MP_PARAM_BOOL; over[i].boolean = lua_toboolean(L, -1); break;
        case LUA_TTABLE: { /* a list: its items in GC-owned memory too (kept by the overrides table) */
            lua_Integer k = luaL_len(L, -1);
            over[i].type = MP_PARAM_LIST;
            over[i].items = lua_newuserdatauv(L, (size_t)(k > 0 ? k : 1) * sizeof *over[i].items, 0);
            lua_rawseti(L, 4, (lua_Integer)i + 1);
            over[i].nitems = (size_t)(k > 0 ? k : 0);
            for (lua_Integer j = 1; j <= k; j++) {
                struct mp_param *it = &over[i].items[j - 1];
                *it = (struct mp_param){0};
                int t = lua_geti(L, -1, j);
                if (t == LUA_TNUMBER) {
                    it->type = MP_PARAM_NUMBER;
                    it->num = lua_tonumber(L, -1);
                } else if (t == LUA_TSTRING) {
                    it->type = MP_PARAM_STRING;
                    it->str = lua_tostring(L, -1); /* alive in the list, itself in the overrides */
                } else if (t == LUA_TBOOLEAN) {
                    it->type = MP_PARAM_BOOL;
                    it->boolean = lua_toboolean(L, -1);
                } else {
                    return luaL_error(L, "test.params: item %d of param '%s' is a %s", (int)j, over[i].name,
                                      luaL_typename(L, -1));
                }
                lua_pop(L, 1);
            }
            break;
        }
        default:
            return luaL_error(L, "test.params: param '%s' is a %s", over[i].name, luaL_typename(L, -1));
        }
    }
    /* The strings stay alive in the overrides table at index 1. mp_manifest_params words its
     * messages after a plan's place: here the test's own line is the place. */
    mp_error err = {0};
    if (mp_manifest_params(m, over, n, "test.params", out, &err) != MP_OK) {
        const char *msg = err.msg, *at = strstr(msg, "test.params:0:0: ");
        return luaL_error(L, "%s", at == msg ? msg + strlen("test.params:0:0: ") : msg);
    }
    lua_createtable(L, 0, (int)m->nparams);
    for (i = 0; i < m->nparams; i++) {
        mp_lua_push_param(L, &out[i]);
        lua_setfield(L, -2, out[i].name);
    }
    return 1;
}

/* test.check(plan, alloc [, budget]) -> true, or false and the message `mplan run` would
 * reject the allocation with; budget defaults to the plan's allocatable budget. */
static int test_check(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    double budget = luaL_optnumber(L, 3, mp_plan_allocatable(plan));
    luaL_checkany(L, 2);
    /* C memory from here to the free: nothing below raises a Lua error. */
    mp_alloc *a = mp_alloc_new(plan);
    if (!a)
        return mp_lua_nomem(L);
    mp_error err = {0};
    enum mp_status st = mp_lua_to_alloc(L, 2, plan, "test.check", a, &err);
    if (st == MP_OK)
        st = mp_alloc_check(plan, a, budget, "test.check", &err);
    mp_alloc_free(a);
    if (st == MP_ENOMEM)
        return mp_lua_nomem(L);
    lua_pushboolean(L, st == MP_OK);
    if (st == MP_OK)
        return 1;
    lua_pushstring(L, err.msg);
    return 2;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* test.quantiles{column = {values...}}: what mplan.quantile sees in this test file, as if
 * `mplan segment` had read a file with these values in those columns (values that are not
 * numbers are left out, as the first pass leaves text out). */
static int test_quantiles(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_newtable(L); /* [fixture, out] */
    lua_pushnil(L);
    while (lua_next(L, 1)) { /* [fixture, out, column, values] */
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "test.quantiles: columns are names, got a %s", luaL_typename(L, -2));
        if (!lua_istable(L, -1))
            return luaL_error(L, "test.quantiles: column '%s' needs a list of values, got a %s",
                              lua_tostring(L, -2), luaL_typename(L, -1));
        lua_Integer n = luaL_len(L, -1);
        struct mp_lua_qfix *q = lua_newuserdatauv(L, sizeof *q + (size_t)(n > 0 ? n : 1) * sizeof(double), 0);
        q->n = 0; /* [fixture, out, column, values, q] */
        for (lua_Integer i = 1; i <= n; i++) {
            int isnum;
            lua_geti(L, -2, i);
            double v = lua_tonumberx(L, -1, &isnum);
            lua_pop(L, 1);
            if (isnum && lua_type(L, -1) != LUA_TSTRING && v == v)
                q->v[q->n++] = v;
        }
        qsort(q->v, q->n, sizeof *q->v, cmp_double);
        lua_pushvalue(L, -3);
        lua_insert(L, -2); /* [fixture, out, column, values, column, q] */
        lua_rawset(L, -5);
        lua_pop(L, 1);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, MP_QFIX_KEY);
    return 0;
}

struct prepare_args {
    struct test_ctx *ctx;
    const char *path, *display;
};

/* Protected: a fresh environment with `test`, and the test file loaded into it. Leaves
 * the file's chunk on the stack. */
static int prepare(lua_State *L)
{
    const struct prepare_args *a = lua_touserdata(L, 1);
    static const luaL_Reg funcs[] = {{"plan", test_plan}, {"plan_file", test_plan_file},
                                     {"params", test_params}, {"check", test_check},
                                     {"quantiles", test_quantiles}, {NULL, NULL}};
    mp_host_push_script_env(a->ctx->host, a->ctx->dir, a->ctx->dir); /* [args, env] */
    luaL_newlibtable(L, funcs);
    lua_pushlightuserdata(L, a->ctx);
    luaL_setfuncs(L, funcs, 1);
    lua_setfield(L, -2, "test");
    mp_lua_load_file(L, a->path, a->display, 2); /* [args, env, chunk] */
    return 1;
}

/* Run one test file; report it. Returns 0 passed, 1 failed, 2 did not load. */
static int run_file(struct test_ctx *ctx, const char *rel, mp_pack_test_report report, void *ud)
{
    lua_State *L = mp_host_state(ctx->host);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", ctx->dir, rel);
    struct prepare_args args = {ctx, path, path};
    mp_error err = {0};
    int outcome = 0;
    lua_pushcfunction(L, prepare);
    lua_pushlightuserdata(L, &args);
    if (mp_lua_call(ctx->host, 1, 1, NULL, MP_HOOK_SCRIPT, path, &err) != MP_OK)
        outcome = 2;
    else if (mp_lua_call(ctx->host, 0, 0, NULL, MP_HOOK_SCRIPT, path, &err) != MP_OK)
        outcome = 1;
    report(ud, rel, outcome != 2, outcome ? err.msg : NULL);
    /* The file's plan goes with it; the next file starts without one. */
    mp_host_bind(ctx->host, NULL, 0);
    luaL_unref(L, LUA_REGISTRYINDEX, ctx->plan_ref);
    ctx->plan_ref = LUA_NOREF;
    lua_pushnil(L); /* and its quantile fixtures */
    lua_setfield(L, LUA_REGISTRYINDEX, MP_QFIX_KEY);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return outcome;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names tests/NAME.lua, sorted; the caller frees each and the array. */
static enum mp_status list_tests(const char *dir, char ***names, size_t *n, mp_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/tests", dir);
    *names = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? mp_fail(err, MP_EINPUT, "%s: no tests directory (tests/*.lua)", dir)
                               : mp_fail(err, MP_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 0;
    enum mp_status st = MP_OK;
    struct dirent *e;
    while (st == MP_OK && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            char **grown = realloc(*names, cap * sizeof *grown);
            if (!grown) {
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            *names = grown;
        }
        char *rel = malloc(len + sizeof "tests/");
        if (!rel) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        snprintf(rel, len + sizeof "tests/", "tests/%s", e->d_name);
        (*names)[(*n)++] = rel;
    }
    closedir(d);
    if (st == MP_OK && *n == 0)
        st = mp_fail(err, MP_EINPUT, "%s: no test files (tests/*.lua)", dir);
    if (st == MP_OK)
        qsort(*names, *n, sizeof **names, cmp_str);
    return st;
}

/* A host for `dir` with the pack loaded; NULL (and err) when it does not load. */
static mp_host *host_with_pack(const char *dir, const mp_host_limits *limits, int verbose,
                               mp_error *err)
{
    mp_host *host;
    if (mp_host_new(limits, &host, err) != MP_OK)
        return NULL;
    mp_host_set_verbose(host, verbose);
    if (mp_host_load_pack_dir(host, dir, NULL, 0, NULL, err) != MP_OK) {
        mp_host_free(host);
        return NULL;
    }
    return host;
}

enum mp_status mp_pack_check(const char *dir, const mp_host_limits *limits, int verbose,
                             mp_error *err)
{
    mp_host *host = host_with_pack(dir, limits, verbose, err);
    mp_host_free(host);
    return host ? MP_OK : err->status;
}

enum mp_status mp_pack_test_run(const char *dir, const mp_host_limits *limits, int verbose,
                                mp_pack_test_report report, void *ud,
                                struct mp_pack_test_counts *counts, mp_error *err)
{
    memset(counts, 0, sizeof *counts);
    char **names = NULL;
    size_t n = 0;
    mp_host *host = NULL;
    enum mp_status st = list_tests(dir, &names, &n, err);
    if (st == MP_OK && !(host = host_with_pack(dir, limits, verbose, err)))
        st = err->status;
    if (st == MP_OK) {
        struct test_ctx ctx = {host, dir, &host->packs[host->npacks - 1].man, LUA_NOREF};
        for (size_t i = 0; i < n; i++) {
            int outcome = run_file(&ctx, names[i], report, ud);
            counts->passed += outcome == 0;
            counts->failed += outcome == 1;
            counts->unloaded += outcome == 2;
        }
    }
    mp_host_free(host);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}
