/* What every binding file of src/lua uses to hand C to Lua the way Lua's own libraries do
 * (liolib's createmeta, luaL_checkoption): a class, a box for C results, a name picked
 * from a list. Header-only: each is a few lines. */
#ifndef MPLAN_LBIND_H
#define MPLAN_LBIND_H

#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

/* Register the class `tname` (liolib's createmeta): its metatable gets the metamethods
 * `meta`, an __index and a __metatable of `tname`, so getmetatable gives scripts a name
 * and setmetatable refuses. __index is the table of `methods`, or, with `index`, a closure
 * of `index` whose upvalue 1 is that table (fields first, then methods). Either list may
 * be NULL. The stack is left as it was. */
static inline void mp_lua_class(lua_State *L, const char *tname, const luaL_Reg *methods,
                                const luaL_Reg *meta, lua_CFunction index)
{
    luaL_newmetatable(L, tname); /* [mt] */
    if (meta)
        luaL_setfuncs(L, meta, 0);
    if (methods || index) {
        lua_newtable(L); /* [mt, methods] */
        if (methods)
            luaL_setfuncs(L, methods, 0);
        if (index)
            lua_pushcclosure(L, index, 1); /* [mt, index(methods)] */
        lua_setfield(L, -2, "__index");    /* [mt] */
    }
    lua_pushstring(L, tname);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* ---- boxes: C results owned by the Lua GC until C takes them back ---- */

#define MP_BOX_MT "mplan.box"

struct mp_lua_box {
    void *p;
    void (*free)(void *p);
};

static inline int mp_lua_box_gc(lua_State *L)
{
    struct mp_lua_box *b = luaL_checkudata(L, 1, MP_BOX_MT);
    if (b->p && b->free)
        b->free(b->p);
    b->p = NULL;
    return 0;
}

/* Push an empty box that frees what it will hold with `free_fn` when collected: C memory
 * made between here and its release survives no Lua error as a leak. Put the result in
 * box->p at once. */
static inline struct mp_lua_box *mp_lua_box_new(lua_State *L, void (*free_fn)(void *p))
{
    struct mp_lua_box *b = lua_newuserdatauv(L, sizeof *b, 0); /* [.., box] */
    b->p = NULL;
    b->free = free_fn;
    if (luaL_newmetatable(L, MP_BOX_MT)) { /* [.., box, mt] */
        lua_pushcfunction(L, mp_lua_box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, MP_BOX_MT);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2); /* [.., box] */
    return b;
}

/* Free what the box holds now (it stays on the stack, empty). */
static inline void mp_lua_box_free(struct mp_lua_box *b)
{
    if (b->p && b->free)
        b->free(b->p);
    b->p = NULL;
}

/* ---- names from a list ---- */

/* The position of the string at `idx` in the NULL-ended `names`, or -1 when it is not
 * there or not a string: luaL_checkoption's lookup for a name that is not an error yet
 * (a method after the fields, a key with its own message). */
static inline int mp_lua_option(lua_State *L, int idx, const char *const names[])
{
    if (lua_type(L, idx) != LUA_TSTRING)
        return -1;
    const char *s = lua_tostring(L, idx);
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

#endif
