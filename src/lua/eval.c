/* mplan eval: a script outside any pack run in the same sandbox as rule packs. */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/lhost.h"

struct eval_ctx {
    const char *script, *dir;
    int with_plan;
};

/* Inside the protected call: the environment, `plan`, the script, then each result that is
 * not a string made text by mplan.inspect (under the same limits). */
static int eval_protected(lua_State *L)
{
    const struct eval_ctx *c = lua_touserdata(L, 1);
    mp_host_push_script_env(mp_host_of(L), c->dir, c->dir); /* [ctx, env] */
    if (c->with_plan) {
        mp_lua_push_plan(L);                                /* [ctx, env, plan] */
        lua_setfield(L, 2, "plan");                         /* [ctx, env] */
    }
    mp_lua_load_file(L, c->script, c->script, 2);           /* [ctx, env, chunk] */
    lua_call(L, 0, LUA_MULTRET);                            /* [ctx, env, r1..rn] */
    int n = lua_gettop(L) - 2;
    lua_getfield(L, 2, "require");
    lua_pushliteral(L, "mplan.inspect");
    lua_call(L, 1, 1);                                      /* [ctx, env, r1..rn, inspect] */
    for (int i = 3; i < 3 + n; i++) {
        if (lua_type(L, i) == LUA_TSTRING)
            continue; /* printed as it is */
        lua_pushvalue(L, -1);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);                                  /* [..., inspect, text] */
        lua_replace(L, i);
    }
    lua_pop(L, 1);                                          /* [ctx, env, t1..tn] */
    return n;
}

enum mp_status mp_host_eval_file(mp_host *host, const char *path, mp_plan *plan,
                                 void (*emit)(void *ctx, const char *text), void *ctx, mp_error *err)
{
    mp_host_apply_plan_limits(host, plan);
    mp_host_bind(host, plan, 0);
    char *dir = strdup(path);
    if (!dir)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = 0; /* "/x.lua" -> "/" */
    struct eval_ctx ec = {path, dir, plan != NULL};
    lua_State *L = mp_host_state(host);
    int base = lua_gettop(L);
    lua_pushcfunction(L, eval_protected);
    lua_pushlightuserdata(L, &ec);
    enum mp_status st = mp_lua_call(host, 1, LUA_MULTRET, NULL, MP_HOOK_SCRIPT, path, err);
    free(dir);
    if (st != MP_OK)
        return st;
    for (int i = base + 1; i <= lua_gettop(L); i++)
        emit(ctx, lua_tostring(L, i));
    lua_settop(L, base);
    return MP_OK;
}
