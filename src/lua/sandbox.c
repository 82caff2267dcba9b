/* What a rule script sees (docs/security.md): base functions without dofile/loadfile, `load`
 * for text only, string, table, math, utf8, coroutine, os.time/date/clock and mplan; no io,
 * package or debug. Every pack gets its own environment and its own copies of the library
 * tables, so nothing a pack assigns reaches another pack. The library functions that can
 * loop in C for long without running an instruction charge their work to the step budget. */
#include "lua/lsandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "io/esc.h"
#include "io/pack_fs.h"

/* Registry keys: addresses of constants, so no mutable global state. */
static const char TEMPLATE_KEY = 'T';
const char mp_params_key = 'P';
static const char LOADING_KEY = 'L';

/* ---- calls that must not swallow a limit ---- */

/* After a protected call fails: a tripped limit is raised again, so that a script cannot
 * catch it and go on; any other error becomes `false, err` as in Lua. */
static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
    if (status != LUA_OK && status != LUA_YIELD) {
        if (mp_host_of(L)->tripped)
            return mp_host_raise_limit(L);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sandbox_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1); /* [true, f, args...] */
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

static int sandbox_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* [f, handler, true, f, args...] */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* coroutine.resume and coroutine.close report a coroutine's error as a value: the original
 * (upvalue 1) runs, and a tripped limit is raised again in the resumer. */
static int sandbox_coroutine_call(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    if (mp_host_of(L)->tripped)
        return mp_host_raise_limit(L);
    return lua_gettop(L);
}

/* ---- base functions with a narrower contract ---- */

/* Weak tables are not for rule scripts: a chain of ephemerons (weak-key entries whose
 * values lead to the next key) costs the collector's atomic phase quadratic time in C, where
 * no hook or clock can stop it. A metatable with `__mode` is refused, and no `__mode` can be
 * added to a table once it is a metatable: such tables get a guard `__newindex` (from the
 * protected metatable GUARD_KEY when they have none, else added to their own metatable), and
 * rawset refuses the key. With no weak tables, a full collection is linear in the heap, which
 * the memory limit bounds. */
static const char GUARD_KEY = 'G', USED_KEY = 'U';

static int is_mode_key(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING && strcmp(lua_tostring(L, idx), "__mode") == 0;
}

static int refuse_mode(lua_State *L)
{
    return luaL_error(L, "weak tables (__mode) are not allowed in rule scripts");
}

/* __newindex of the guard: a plain raw set, except for __mode. */
static int guard_newindex(lua_State *L)
{
    if (is_mode_key(L, 2))
        return refuse_mode(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

static int sandbox_rawset(lua_State *L)
{
    if (is_mode_key(L, 2))
        return refuse_mode(L);
    lua_settop(L, 3);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (lua_getmetatable(L, 1)) { /* the params of a pack: read-only */
        int params = lua_rawgetp(L, -1, &mp_params_key) != LUA_TNIL;
        lua_pop(L, 2);
        if (params)
            return luaL_error(L, "params are read-only (set them in the plan's packs: entry)");
    }
    lua_rawset(L, 1);
    return 1;
}

/* Make the table at idx unable to gain __mode by assignment. */
static void guard_metatable(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!lua_getmetatable(L, idx)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        lua_setmetatable(L, idx);
        return;
    }
    lua_pushliteral(L, "__newindex"); /* [mt2, "__newindex"] */
    if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pushliteral(L, "__newindex");
        lua_pushcfunction(L, guard_newindex);
        lua_rawset(L, -4);
    }
    lua_pop(L, 2);
}

/* Is the table at idx a metatable of something (set through setmetatable)? */
static int is_used(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &USED_KEY);
    lua_pushvalue(L, idx);
    int used = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return used;
}

/* A finalizer could run at any later GC step, outside the call whose limits apply to it, or
 * at lua_close; scripts get none. */
static int sandbox_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int t = lua_type(L, 2);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
        return luaL_error(L, "__gc metamethods are not allowed in rule scripts");
    lua_settop(L, 2);
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__mode");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return refuse_mode(L);
        lua_pop(L, 1);
    }
    int guarded = 0; /* t's metatable is the guard: the script may replace it */
    if (lua_getmetatable(L, 1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        guarded = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    if (!guarded && luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    if (t == LUA_TNIL && is_used(L, 1)) {
        lua_pop(L, 1);
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY); /* a metatable keeps its guard */
    } else if (t == LUA_TTABLE && is_used(L, 1)) {
        guard_metatable(L, 2);
    }
    lua_setmetatable(L, 1);
    if (t == LUA_TTABLE) {
        if (!is_used(L, 2)) {
            lua_rawgetp(L, LUA_REGISTRYINDEX, &USED_KEY);
            lua_pushvalue(L, 2);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
            lua_pop(L, 1);
        }
        lua_getmetatable(L, 1);
        guard_metatable(L, -1);
        lua_pop(L, 1);
    }
    lua_settop(L, 1);
    return 1;
}

/* The registry tables of the guard (set up once per state). */
static void open_guard(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, guard_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
    /* Metatables in use, held weakly (by the host: keys map to true, no chains). */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &USED_KEY);
}

/* Only what cannot stop the collector or change its pacing for the other packs. */
static int sandbox_collectgarbage(lua_State *L)
{
    static const char *const opts[] = {"collect", "count", "step", NULL};
    const char *opt = luaL_optstring(L, 1, "collect");
    int o;
    for (o = 0; opts[o] && strcmp(opts[o], opt) != 0; o++)
        ;
    if (!opts[o])
        return luaL_error(L, "collectgarbage('%s') is not allowed in rule scripts", opt);
    switch (o) {
    case 0:
        lua_gc(L, LUA_GCCOLLECT);
        mp_lua_charge(L, 0); /* a full collection of a big heap takes long: look at the clock */
        lua_pushinteger(L, 0);
        return 1;
    case 1: { /* what this call holds beyond its start: the state's heap is other packs' too */
        mp_host *h = mp_host_of(L);
        size_t mine = h->mem > h->call_mem ? h->mem - h->call_mem : 0;
        lua_pushnumber(L, (lua_Number)mine / 1024);
        return 1;
    }
    default:
        lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, (int)luaL_optinteger(L, 2, 0)));
        mp_lua_charge(L, 0);
        return 1;
    }
}

/* "WHO: TEXT" on stderr, escaped: a pack's text must not drive the terminal or forge a
 * line of mplan's own. */
static void say(const char *who, const char *text)
{
    mp_esc_fputs(who, MP_ESC_LINE, stderr);
    fputs(": ", stderr);
    mp_esc_fputs(text ? text : "", MP_ESC_LINES, stderr);
    fputc('\n', stderr);
}

/* print goes to stderr like mplan.log: stdout carries mplan's own output. */
static int sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    char who[160];
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    say(mp_lua_who(L, who, sizeof who), lua_tostring(L, -1));
    return 0;
}

/* mplan.log(fmt, ...): string.format (upvalue 1), then as print. */
static int sandbox_log(lua_State *L)
{
    char who[160];
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    say(mp_lua_who(L, who, sizeof who), lua_tostring(L, -1));
    return 0;
}

/* load(chunk [, name [, mode [, env]]]): strings only (a reader function could swallow
 * errors), text only, and the pack's environment (upvalue 1) when none is given. */
static int sandbox_load(lua_State *L)
{
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_argerror(L, 1, "string expected (rule scripts load text chunks only)");
    const char *s = lua_tolstring(L, 1, &len);
    int env_given = !lua_isnone(L, 4);
    lua_settop(L, 4);
    /* A chunk name of the script's is shown as [load "NAME"]: never as a file ("@x.lua")
     * or as text of its choosing ("=x.lua:5:"), so it cannot pass for another file. */
    const char *name = lua_isnoneornil(L, 2) ? "=(load)"
                       : lua_pushfstring(L, "=[load \"%s\"]", luaL_checkstring(L, 2));
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 'b')) {
        lua_pushnil(L);
        lua_pushliteral(L, "binary chunks are not allowed in rule scripts");
        return 2;
    }
    mp_lua_charge(L, (double)len); /* the lexer runs in C: a 100 MB comment is one call */
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushvalue(L, env_given ? 4 : lua_upvalueindex(1));
    lua_setupvalue(L, -2, 1);
    return 1;
}

/* Reading a global nobody set is an error naming it, not a silent nil. */
static int env_undefined(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
    return luaL_error(L, "undefined global (a %s key)", luaL_typename(L, 2));
}

/* ---- library functions whose C loops are charged ---- */

/* Call the original (upvalue 1) with the same arguments. */
static int call_original(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep copies n times: string.rep("", math.maxinteger) would loop for ages. */
static int sandbox_rep(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    if (n > 0)
        mp_lua_charge(L, (double)n);
    return call_original(L);
}

/* Library functions that walk whole string arguments in C (string.upper, string.format, a
 * string.packsize format): one step per byte of every string argument, then the original. */
static int sandbox_bytes(lua_State *L)
{
    double bytes = 0;
    for (int i = 1, n = lua_gettop(L); i <= n; i++)
        if (lua_type(L, i) == LUA_TSTRING)
            bytes += (double)lua_rawlen(L, i);
    mp_lua_charge(L, bytes);
    return call_original(L);
}

/* string.unpack walks its format, not the data it reads at one position. */
static int sandbox_format_bytes(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        mp_lua_charge(L, (double)lua_rawlen(L, 1));
    return call_original(L);
}

/* A byte position argument as utf8's functions read it (negative: from the end). */
static double utf8_pos(lua_State *L, int arg, lua_Integer def, size_t len)
{
    lua_Integer i = luaL_optinteger(L, arg, def);
    return i >= 0 ? (double)i : (double)len + (double)i + 1;
}

/* utf8.len(s, i, j) and utf8.codepoint(s, i, j) walk bytes i..j (utf8.len of 100 MB is one
 * instruction); utf8.offset(s, n) walks n characters. Charged by what they walk, so that a
 * loop over the characters of a long text with codepoint(s, i) stays cheap. */
static int sandbox_utf8_span(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    int is_len = lua_toboolean(L, lua_upvalueindex(2));
    double i = utf8_pos(L, 2, 1, len);
    double j = utf8_pos(L, 3, is_len ? -1 : luaL_optinteger(L, 2, 1), len);
    if (j >= i)
        mp_lua_charge(L, j - i + 1);
    return call_original(L);
}

static int sandbox_utf8_offset(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    mp_lua_charge(L, n < 0 ? -(double)n : (double)n);
    return call_original(L);
}

/* table.insert/remove shift, move copies and sort/concat visit up to #t elements (which
 * __len can make huge) in C. */
static int sandbox_insert(lua_State *L)
{
    if (lua_gettop(L) >= 3)
        mp_lua_charge(L, (double)luaL_len(L, 1) - (double)luaL_checkinteger(L, 2));
    return call_original(L);
}

static int sandbox_remove(lua_State *L)
{
    lua_Integer n = luaL_len(L, 1);
    mp_lua_charge(L, (double)n - (double)luaL_optinteger(L, 2, n));
    return call_original(L);
}

static int sandbox_move(lua_State *L)
{
    mp_lua_charge(L, (double)luaL_checkinteger(L, 3) - (double)luaL_checkinteger(L, 2));
    return call_original(L);
}

static int sandbox_walk(lua_State *L)
{
    mp_lua_charge(L, (double)luaL_len(L, 1));
    return call_original(L);
}

/* Replace lib[name] (table on top) by f with the old function as its upvalue. */
static void wrap(lua_State *L, const char *name, lua_CFunction f)
{
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
}

/* ---- modules: the pack's own files and mplan's library ---- */

/* Compile `buf` as a text chunk named `display` with _ENV the table at `env`, and free
 * buf: nothing between the read and here can raise, so the C buffer never leaks. */
static void load_buffer(lua_State *L, char *buf, size_t len, const char *display, int env)
{
    /* [chunkname] pushed by the caller before reading */
    int status = luaL_loadbufferx(L, buf, len, lua_tostring(L, -1), "t");
    free(buf);
    if (status != LUA_OK) {
        if (strncmp(lua_tostring(L, -1), display, strlen(display)) == 0)
            lua_error(L);
        luaL_error(L, "%s: %s", display, lua_tostring(L, -1));
    }
    lua_pushvalue(L, env);
    lua_setupvalue(L, -2, 1);
    lua_remove(L, -2); /* [fn] */
}

/* A file could not be read: raise its message (err is copied first, so nothing leaks). */
static void raise_read(lua_State *L, const mp_error *err)
{
    if (err->status == MP_ENOMEM)
        mp_lua_nomem(L); /* exit 5, not a script error */
    lua_pushstring(L, err->msg);
    lua_error(L);
}

void mp_lua_load_file(lua_State *L, const char *path, const char *display, int env)
{
    env = lua_absindex(L, env);
    mp_error err = {0};
    char *buf;
    size_t len;
    lua_pushfstring(L, "@%s", display);
    if (mp_file_read(path, MP_PACK_FILE_MAX, &buf, &len, &err) != MP_OK)
        raise_read(L, &err);
    load_buffer(L, buf, len, display, env);
}

void mp_lua_load_pack_file(lua_State *L, const char *dir, const char *rel, const char *display,
                           const struct mp_pack_files *locked, int env)
{
    env = lua_absindex(L, env);
    mp_error err = {0};
    char *buf;
    size_t len;
    lua_pushfstring(L, "@%s", display);
    if (mp_pack_file_read(dir, rel, MP_PACK_FILE_MAX, locked, &buf, &len, NULL, &err) != MP_OK)
        raise_read(L, &err);
    load_buffer(L, buf, len, display, env);
}

/* Module names are [a-z0-9_]+ joined by dots: nothing can name a path outside the pack. */
static int valid_module_name(const char *s)
{
    int part = 0;
    for (; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')
            part++;
        else if (*s == '.' && part)
            part = 0;
        else
            return 0;
    }
    return part > 0;
}

/* require(name): upvalues are the pack's loaded-modules table, its environment, its
 * directory, that directory's name for messages and its locked files (a light userdata,
 * NULL without a lock). */
static int sandbox_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (!valid_module_name(name))
        return luaL_argerror(L, 1, "module names are [a-z0-9_] words joined by dots");
    lua_settop(L, 1);
    lua_getfield(L, lua_upvalueindex(1), name); /* [name, loaded?] */
    if (lua_touserdata(L, -1) == &LOADING_KEY)
        return luaL_error(L, "module '%s' requires itself (through a loop of requires)", name);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    if (strncmp(name, "mplan.", 6) == 0) {
        const struct mp_lua_module *m = mp_lua_library;
        while (m->name && strcmp(m->name, name) != 0)
            m++;
        if (!m->name)
            return luaL_error(L, "module '%s' not found in mplan's library", name);
        lua_pushfstring(L, "@%s", m->file);
        if (luaL_loadbufferx(L, (const char *)m->src, m->len, lua_tostring(L, -1), "t") != LUA_OK)
            return lua_error(L);
        lua_remove(L, -2);
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_setupvalue(L, -2, 1);
    } else {
        const char *dir = lua_tostring(L, lua_upvalueindex(3));
        const char *display = lua_tostring(L, lua_upvalueindex(4));
        const struct mp_pack_files *locked = lua_touserdata(L, lua_upvalueindex(5));
        int env = lua_upvalueindex(2);
        const char *module = name;
        /* A module of a pack this one requires: that pack's file, run in an environment of
         * that pack's own (made once), so its own requires stay inside it. */
        size_t k = strcspn(name, ".");
        lua_pushlstring(L, name, k);
        if (lua_rawget(L, lua_upvalueindex(6)) == LUA_TTABLE) { /* [name, dep] */
            int dep = lua_gettop(L);
            if (lua_getfield(L, dep, "missing") == LUA_TSTRING)
                return luaL_error(L, "module '%s': %s", name, lua_tostring(L, -1));
            lua_pop(L, 1);
            lua_getfield(L, dep, "dir");
            lua_getfield(L, dep, "display");
            dir = lua_tostring(L, -2);
            display = lua_tostring(L, -1);
            locked = NULL;
            module = name[k] ? name + k + 1 : "init";
            if (lua_getfield(L, dep, "env") != LUA_TTABLE) {
                lua_pop(L, 1);
                mp_sandbox_new_env(L, dir, display, NULL, NULL, 0);
                lua_pushvalue(L, -1);
                lua_setfield(L, dep, "env");
            }
            env = lua_gettop(L); /* [name, dep, dir, display, env] */
        }
        const char *file = luaL_gsub(L, module, ".", "/");
        const char *rel = lua_pushfstring(L, "%s.lua", file);
        const char *shown = lua_pushfstring(L, "%s/%s.lua", display, file);
        if (mp_pack_path_check(dir, rel, NULL) == MP_OK) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, rel);
            if (lstat(path, &st) != 0)
                return luaL_error(L, "module '%s' not found: no file %s", name, shown);
        }
        mp_lua_load_pack_file(L, dir, rel, shown, locked, env);
    }
    /* [name, ..., chunk] */
    lua_pushlightuserdata(L, (void *)&LOADING_KEY);
    lua_setfield(L, lua_upvalueindex(1), name);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, lua_upvalueindex(1), name);
    return 1;
}

/* ---- the template and the environments copied from it ---- */

static void copy_table(lua_State *L, int from)
{
    from = lua_absindex(L, from);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, from)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

/* Pick `names` of the table on top into a new table, pushed. */
static void pick(lua_State *L, const char *const *names)
{
    lua_newtable(L);
    for (; *names; names++) {
        lua_getfield(L, -2, *names);
        lua_setfield(L, -2, *names);
    }
}

/* The mplan table: the bindings' functions, mplan.log and the API version. */
static void open_mplan(lua_State *L)
{
    static const lua_CFunction opens[] = {luaopen_mplan_plan, luaopen_mplan_channel,
                                          luaopen_mplan_alloc, luaopen_mplan_kpi,
                                          luaopen_mplan_segment};
    lua_newtable(L);
    for (size_t i = 0; i < sizeof opens / sizeof *opens; i++) {
        lua_pushcfunction(L, opens[i]);
        lua_call(L, 0, 1);
        lua_pushnil(L);
        while (lua_next(L, -2)) { /* [mplan, funcs, k, v] */
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -5);
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, -2, "string"); /* [template, mplan, string] */
    lua_getfield(L, -1, "format");
    lua_pushcclosure(L, sandbox_log, 1);
    lua_setfield(L, -3, "log");
    lua_pop(L, 1);
    lua_pushfstring(L, "%d.%d", MP_API_MAJOR, MP_API_MINOR);
    lua_setfield(L, -2, "api");
}

void mp_sandbox_open(lua_State *L)
{
    static const char *const base[] = {"assert", "error", "getmetatable", "ipairs", "next", "pairs",
        "rawequal", "rawget", "rawlen", "select", "tonumber", "tostring", "type",
        "_VERSION", NULL};
    static const char *const os_allowed[] = {"time", "date", "clock", NULL};
    static const luaL_Reg own[] = {
        {"pcall", sandbox_pcall}, {"xpcall", sandbox_xpcall},
        {"setmetatable", sandbox_setmetatable}, {"collectgarbage", sandbox_collectgarbage},
        {"print", sandbox_print}, {"rawset", sandbox_rawset}, {NULL, NULL}};

    open_guard(L);
    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
    pick(L, base); /* [G, template] */
    luaL_setfuncs(L, own, 0);
    lua_remove(L, -2);

    /* The string table behind the shared string metatable is reached only through method
     * calls ("x"):rep(), never by name: scripts get copies and cannot see the metatable. */
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    wrap(L, "rep", sandbox_rep);
    static const char *const walks_bytes[] = {"format", "lower", "upper", "reverse", "pack",
        "packsize", NULL};
    for (const char *const *f = walks_bytes; *f; f++)
        wrap(L, *f, sandbox_bytes);
    wrap(L, "unpack", sandbox_format_bytes);
    static const luaL_Reg patterns[] = {{"find", mp_str_find}, {"match", mp_str_match},
        {"gmatch", mp_str_gmatch}, {"gsub", mp_str_gsub}, {NULL, NULL}};
    luaL_setfuncs(L, patterns, 0);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_setfield(L, -2, "string");

    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
    wrap(L, "insert", sandbox_insert);
    wrap(L, "remove", sandbox_remove);
    wrap(L, "move", sandbox_move);
    wrap(L, "sort", sandbox_walk);
    wrap(L, "concat", sandbox_walk);
    lua_setfield(L, -2, "table");

    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 0);
    wrap(L, "resume", sandbox_coroutine_call);
    wrap(L, "close", sandbox_coroutine_call);
    lua_setfield(L, -2, "coroutine");

    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
    for (int is_len = 0; is_len <= 1; is_len++) {
        const char *f = is_len ? "len" : "codepoint";
        lua_getfield(L, -1, f);
        lua_pushboolean(L, is_len);
        lua_pushcclosure(L, sandbox_utf8_span, 2);
        lua_setfield(L, -2, f);
    }
    wrap(L, "offset", sandbox_utf8_offset);
    lua_setfield(L, -2, "utf8");

    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    pick(L, os_allowed);
    lua_setfield(L, -3, "os");
    lua_pop(L, 1);

    open_mplan(L);
    lua_setfield(L, -2, "mplan");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &TEMPLATE_KEY);
}

void mp_sandbox_new_env(lua_State *L, const char *dir, const char *display,
                        const struct mp_pack_files *locked, const struct mp_pack_dep *deps, size_t ndeps)
{
    static const char *const libs[] = {"string", "table", "coroutine", "utf8", "os", "mplan", NULL};
    lua_rawgetp(L, LUA_REGISTRYINDEX, &TEMPLATE_KEY);
    copy_table(L, -1); /* [template, env] */
    for (const char *const *lib = libs; *lib; lib++) {
        lua_getfield(L, -2, *lib);
        copy_table(L, -1);
        lua_setfield(L, -3, *lib);
        lua_pop(L, 1);
    }
    lua_remove(L, -2);

    /* A math library of its own: random's state is per pack and seeded the same every
     * run, so a plan gives the same answer twice. */
    lua_pushcfunction(L, luaopen_math);
    lua_call(L, 0, 1);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 20270104);
    lua_call(L, 1, 0);
    lua_setfield(L, -2, "math");

    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, sandbox_load, 1);
    lua_setfield(L, -2, "load");

    lua_newtable(L); /* loaded modules */
    lua_pushvalue(L, -2);
    lua_pushstring(L, dir);
    lua_pushstring(L, display);
    lua_pushlightuserdata(L, (void *)locked);
    lua_createtable(L, 0, (int)ndeps); /* the packs it requires, by module prefix */
    for (size_t i = 0; i < ndeps; i++) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (const char *c = deps[i].name; *c; c++)
            luaL_addchar(&b, *c == '-' ? '_' : *c);
        luaL_pushresult(&b);
        lua_createtable(L, 0, 3); /* [.., deps, prefix, {dir, display, env}] */
        lua_pushstring(L, deps[i].dir ? deps[i].dir : "");
        lua_setfield(L, -2, "dir");
        lua_pushstring(L, deps[i].missing);
        lua_setfield(L, -2, "missing");
        lua_pushfstring(L, "%s (required pack %s)", deps[i].dir, deps[i].name);
        lua_setfield(L, -2, "display");
        lua_rawset(L, -3);
    }
    lua_pushcclosure(L, sandbox_require, 6);
    lua_setfield(L, -2, "require");

    lua_newtable(L);
    lua_pushcfunction(L, env_undefined);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}
