/* What a rule script sees (cli.md "sandbox"): base functions without dofile/loadfile, `load`
 * for text only, string, table, math, utf8, coroutine, os.time/date/clock and mplan; no io,
 * package or debug. Every pack gets its own environment and its own copies of the library
 * tables, so nothing a pack assigns reaches another pack. The library functions that can
 * loop in C for long without running an instruction charge their work to the step budget. */
#include "lua/lsandbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "io/esc.h"

/* Registry keys: addresses of constants, so no mutable global state. */
static const char TEMPLATE_KEY = 'T';
static const char LOADING_KEY = 'L';

#define MAX_SOURCE_BYTES (16u << 20)

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
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_setmetatable(L, 1);
    return 1;
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
    case 1: {
        int k = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
        lua_pushnumber(L, (lua_Number)k + (lua_Number)b / 1024);
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
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 'b')) {
        lua_pushnil(L);
        lua_pushliteral(L, "binary chunks are not allowed in rule scripts");
        return 2;
    }
    int env_given = !lua_isnone(L, 4);
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

void mp_lua_load_file(lua_State *L, const char *path, const char *display, int env)
{
    env = lua_absindex(L, env);
    struct stat st;
    if (stat(path, &st) != 0)
        luaL_error(L, "%s: %s", display, strerror(errno));
    if (!S_ISREG(st.st_mode))
        luaL_error(L, "%s: not a regular file", display);
    if (st.st_size > (off_t)MAX_SOURCE_BYTES)
        luaL_error(L, "%s: larger than %u bytes", display, MAX_SOURCE_BYTES);
    /* The buffer is a userdata, so a Lua error below leaks nothing; the file is open only
     * between calls that cannot raise. */
    size_t size = (size_t)st.st_size;
    char *buf = lua_newuserdatauv(L, size + 1, 0);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        luaL_error(L, "%s: %s", display, strerror(errno));
    size_t n = fread(buf, 1, size, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        luaL_error(L, "%s: read error", display);
    lua_pushfstring(L, "@%s", display);
    if (luaL_loadbufferx(L, buf, n, lua_tostring(L, -1), "t") != LUA_OK) {
        if (strncmp(lua_tostring(L, -1), display, strlen(display)) == 0)
            lua_error(L);
        luaL_error(L, "%s: %s", display, lua_tostring(L, -1));
    }
    lua_pushvalue(L, env);
    lua_setupvalue(L, -2, 1);
    lua_replace(L, -3); /* [fn, chunkname] */
    lua_pop(L, 1);
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
 * directory and that directory's name for messages. */
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
        const char *file = luaL_gsub(L, name, ".", "/");
        lua_pushfstring(L, "%s/%s.lua", dir, file);
        lua_pushfstring(L, "%s/%s.lua", display, file);
        struct stat st;
        if (stat(lua_tostring(L, -2), &st) != 0)
            return luaL_error(L, "module '%s' not found: no file %s", name, lua_tostring(L, -1));
        mp_lua_load_file(L, lua_tostring(L, -2), lua_tostring(L, -1), lua_upvalueindex(2));
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
        "rawequal", "rawget", "rawlen", "rawset", "select", "tonumber", "tostring", "type",
        "_VERSION", NULL};
    static const char *const os_allowed[] = {"time", "date", "clock", NULL};
    static const luaL_Reg own[] = {
        {"pcall", sandbox_pcall}, {"xpcall", sandbox_xpcall},
        {"setmetatable", sandbox_setmetatable}, {"collectgarbage", sandbox_collectgarbage},
        {"print", sandbox_print}, {NULL, NULL}};

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
    lua_setfield(L, -2, "utf8");

    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    pick(L, os_allowed);
    lua_setfield(L, -3, "os");
    lua_pop(L, 1);

    open_mplan(L);
    lua_setfield(L, -2, "mplan");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &TEMPLATE_KEY);
}

void mp_sandbox_new_env(lua_State *L, const char *dir, const char *display)
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
    lua_pushcclosure(L, sandbox_require, 4);
    lua_setfield(L, -2, "require");

    lua_newtable(L);
    lua_pushcfunction(L, env_undefined);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}
