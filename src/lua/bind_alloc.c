/* Allocations in Lua (docs/lua-api.md): mplan.allocation, mplan.equalize, mplan.forecast, reading
 * what an allocator returns, and running an allocator hook. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/lbind.h"
#include "lua/lhost.h"
#include "mplan/channel.h"

/* The spend array lives inside the userdata, so it is GC-owned and counted against the
 * memory limit; nothing to free. */
struct lalloc {
    unsigned gen;
    mp_alloc a;
    double spend[];
};

#define checkalloc(L, i) ((struct lalloc *)luaL_checkudata(L, i, MP_ALLOC_MT))

static struct lalloc *check_alloc(lua_State *L, int arg, mp_plan **plan)
{
    struct lalloc *u = checkalloc(L, arg);
    *plan = mp_lua_plan(L, u->gen);
    return u;
}

/* A new allocation for the bound plan: zero, with fixed spends filled in. */
static struct lalloc *new_alloc(lua_State *L, const mp_plan *plan)
{
    size_t n = plan->nchannels * (size_t)plan->T;
    struct lalloc *u = lua_newuserdatauv(L, sizeof *u + n * sizeof(double), 0);
    u->gen = mp_lua_bound(L)->gen;
    u->a = (mp_alloc){plan->nchannels, plan->T, u->spend};
    memset(u->spend, 0, n * sizeof(double));
    luaL_setmetatable(L, MP_ALLOC_MT);
    mp_alloc *filled = mp_alloc_new(plan); /* the core knows which spends are fixed */
    if (!filled)
        mp_lua_nomem(L);
    memcpy(u->spend, filled->spend, n * sizeof(double));
    mp_alloc_free(filled);
    return u;
}

/* mplan.allocation(plan) -> an empty allocation */
static int mplan_allocation(lua_State *L)
{
    new_alloc(L, mp_lua_check_plan(L, 1));
    return 1;
}

/* alloc:set(ch, t, spend) */
static int alloc_set(lua_State *L)
{
    mp_plan *plan;
    struct lalloc *u = check_alloc(L, 1, &plan);
    size_t c = mp_lua_check_channel(L, 2);
    int t = mp_lua_check_period(L, 3, plan);
    double x = luaL_checknumber(L, 4);
    if (!(x >= 0) || !isfinite(x))
        return luaL_argerror(L, 4, "spend must be a finite number >= 0");
    if (plan->channels[c].mode != MP_MODE_OPTIMISED)
        return luaL_error(L, "alloc:set: channel '%s' has a fixed spend", plan->channels[c].id);
    u->spend[MP_AT(plan, c, t)] = x;
    return 0;
}

/* alloc:get(ch, t) -> spend */
static int alloc_get(lua_State *L)
{
    mp_plan *plan;
    struct lalloc *u = check_alloc(L, 1, &plan);
    size_t c = mp_lua_check_channel(L, 2);
    lua_pushnumber(L, u->spend[MP_AT(plan, c, mp_lua_check_period(L, 3, plan))]);
    return 1;
}

/* alloc:total([ch]) -> spend of one channel, or of all */
static int alloc_total(lua_State *L)
{
    mp_plan *plan;
    struct lalloc *u = check_alloc(L, 1, &plan);
    size_t from = 0, to = plan->nchannels;
    if (!lua_isnoneornil(L, 2)) {
        from = mp_lua_check_channel(L, 2);
        to = from + 1;
    }
    double sum = 0;
    for (size_t c = from; c < to; c++)
        for (int t = 0; t < plan->T; t++)
            sum += u->spend[MP_AT(plan, c, t)];
    lua_pushnumber(L, sum);
    return 1;
}

static int alloc_index(lua_State *L)
{
    mp_plan *plan;
    check_alloc(L, 1, &plan);
    const char *k = luaL_checkstring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(1), k) == LUA_TNIL)
        return luaL_error(L, "allocation has no field '%s' (methods: set, get, total)", k);
    return 1;
}

static int alloc_newindex(lua_State *L)
{
    return luaL_error(L, "allocation fields are read-only (use alloc:set)");
}

static int alloc_tostring(lua_State *L)
{
    mp_plan *plan;
    check_alloc(L, 1, &plan);
    lua_pushfstring(L, "allocation (%d channels x %d periods)", (int)plan->nchannels, plan->T);
    return 1;
}

/* mplan.equalize(plan, budget [, opts]) -> the built-in optimum, or nil and a message */
static int mplan_equalize(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    double budget = luaL_optnumber(L, 2, mp_plan_allocatable(plan));
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_pushnil(L);
        if (lua_next(L, 3))
            return luaL_error(L, "mplan.equalize: unknown option '%s' (it takes none yet)",
                              lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2));
    }
    struct lalloc *u = new_alloc(L, plan);
    mp_error err;
    enum mp_status st = mp_alloc_equalize(plan, budget, &u->a, NULL, &err);
    if (st == MP_ENOMEM)
        return mp_lua_nomem(L);
    if (st != MP_OK) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    return 1;
}

static void free_forecast(void *fc)
{
    mp_forecast_free(fc);
}

/* mplan.forecast(plan, alloc) -> {total=, by_channel=, by_period=} */
static int mplan_forecast(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    mp_error err;
    const mp_alloc *a;
    struct lalloc *u = luaL_testudata(L, 2, MP_ALLOC_MT);
    if (u) {
        mp_lua_plan(L, u->gen);
        a = &u->a;
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        struct lalloc *tmp = new_alloc(L, plan);
        enum mp_status st = mp_lua_to_alloc(L, 2, plan, "mplan.forecast", &tmp->a, &err);
        if (st == MP_ENOMEM)
            return mp_lua_nomem(L);
        if (st != MP_OK)
            return luaL_error(L, "%s", err.msg);
        a = &tmp->a;
    }
    /* The forecast is C memory: keep it in a box the GC frees should a Lua error come
     * before it is freed here. */
    struct mp_lua_box *b = mp_lua_box_new(L, free_forecast); /* [plan, alloc, .., box] */
    mp_forecast *fc = NULL;
    enum mp_status st = mp_forecast_run(plan, a, &fc, &err);
    b->p = fc;
    if (st == MP_ENOMEM)
        return mp_lua_nomem(L);
    if (st != MP_OK) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg); /* [.., box, fail, msg] */
        return 2;
    }
    mp_lua_push_forecast(L, plan, fc); /* [.., box, forecast] */
    mp_lua_box_free(b);
    return 1;
}

/* ---- what an allocator returns ---- */

/* One channel's spends: a table with exactly the keys 1..T, each a number. */
static enum mp_status read_spends(lua_State *L, int tab, const mp_plan *plan, size_t c,
                                  const char *who, double *spend, mp_error *err)
{
    const char *id = plan->channels[c].id;
    char buf[80];
    if (!lua_istable(L, tab))
        return mp_fail(err, MP_ESCRIPT, "%s: channel '%s': expected a table of %d spends (one per "
                       "period), got %s", who, id, plan->T, mp_lua_describe(L, tab, buf, sizeof buf));
    for (int t = 0; t < plan->T; t++) {
        int type = lua_rawgeti(L, tab, t + 1);
        spend[t] = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (type == LUA_TNIL)
            return mp_fail(err, MP_ESCRIPT, "%s: channel '%s', period %d: no spend (give 0 for none)",
                           who, id, t + 1);
        if (type != LUA_TNUMBER) {
            lua_rawgeti(L, tab, t + 1);
            mp_fail(err, MP_ESCRIPT, "%s: channel '%s', period %d: spend is %s, expected a number",
                    who, id, t + 1, mp_lua_describe(L, -1, buf, sizeof buf));
            lua_pop(L, 1);
            return MP_ESCRIPT;
        }
    }
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        lua_pop(L, 1);
        lua_Integer k = lua_tointeger(L, -1);
        if (!lua_isinteger(L, -1) || k < 1 || k > plan->T) {
            mp_fail(err, MP_ESCRIPT, "%s: channel '%s': unexpected key %s (periods are 1..%d)", who,
                    id, mp_lua_describe(L, -1, buf, sizeof buf), plan->T);
            lua_pop(L, 1);
            return MP_ESCRIPT;
        }
    }
    return MP_OK;
}

enum mp_status mp_lua_to_alloc(lua_State *L, int idx, const mp_plan *plan, const char *who,
                               mp_alloc *out, mp_error *err)
{
    idx = lua_absindex(L, idx);
    size_t n = plan->nchannels * (size_t)plan->T;
    char buf[80];
    if (out->nchannels != plan->nchannels || out->T != plan->T)
        return mp_fail(err, MP_EINTERNAL, "%s: allocation shaped for another plan", who);
    struct lalloc *u = luaL_testudata(L, idx, MP_ALLOC_MT);
    if (u) {
        if (u->gen != mp_lua_bound(L)->gen)
            return mp_fail(err, MP_ESCRIPT, "%s: returned an allocation made in an earlier call", who);
        memcpy(out->spend, u->spend, n * sizeof(double));
        return MP_OK;
    }
    if (!lua_istable(L, idx))
        return mp_fail(err, MP_ESCRIPT, "%s: returned %s, expected an allocation (mplan.allocation(plan), "
                       "or a table {[channel id] = {spend per period}})", who, mp_lua_describe(L, idx, buf, sizeof buf));
    mp_alloc *filled = mp_alloc_new(plan);
    if (!filled)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    memcpy(out->spend, filled->spend, n * sizeof(double));
    mp_alloc_free(filled);
    lua_pushnil(L);
    while (lua_next(L, idx)) { /* [.., key, value] */
        long c = lua_type(L, -2) == LUA_TSTRING ? mp_channel_find(plan, lua_tostring(L, -2)) : -2;
        enum mp_status st = MP_OK;
        if (c == -2)
            st = mp_fail(err, MP_ESCRIPT, "%s: the result has a key that is %s; keys are channel ids",
                         who, mp_lua_describe(L, -2, buf, sizeof buf));
        else if (c < 0)
            st = mp_fail(err, MP_ESCRIPT, "%s: the result names channel '%s', which the plan does not have",
                         who, lua_tostring(L, -2));
        else
            st = read_spends(L, lua_gettop(L), plan, (size_t)c, who, &out->spend[MP_AT(plan, c, 0)], err);
        if (st != MP_OK) {
            lua_pop(L, 2);
            return st;
        }
        lua_pop(L, 1);
    }
    return MP_OK;
}

/* ---- running an allocator ---- */

static int push_allocator_args(lua_State *L, void *ud)
{
    mp_lua_push_plan(L);
    lua_pushnumber(L, *(const double *)ud);
    return 2;
}

enum mp_status mp_host_run_allocator(mp_host *host, const mp_plan *plan, const char *qualified,
                                     double budget, mp_alloc *out, mp_error *err)
{
    lua_State *L = mp_host_state(host);
    char who[300];
    snprintf(who, sizeof who, "allocator '%s'", qualified);
    /* The binding is read-only: a const plan is never written through it. */
    mp_host_bind(host, (mp_plan *)plan, 0);
    enum mp_status st = mp_host_run_hook(host, qualified, MP_HOOK_ALLOCATOR, push_allocator_args,
                                         &budget, 1, err);
    if (st == MP_OK) {
        st = mp_lua_to_alloc(L, -1, plan, who, out, err);
        lua_pop(L, 1);
    }
    mp_host_bind(host, NULL, 0);
    if (st != MP_OK)
        return st;
    return mp_alloc_check(plan, out, budget, qualified, err);
}

int luaopen_mplan_alloc(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set", alloc_set}, {"get", alloc_get}, {"total", alloc_total}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__newindex", alloc_newindex}, {"__tostring", alloc_tostring}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"allocation", mplan_allocation}, {"equalize", mplan_equalize},
        {"forecast", mplan_forecast}, {NULL, NULL}};
    mp_lua_class(L, MP_ALLOC_MT, methods, meta, alloc_index);
    luaL_newlib(L, funcs);
    return 1;
}
