/* The plan object scripts receive (docs/lua-api.md "Objects"): read-only fields, its channels and
 * periods; and running a strategy hook on a plan. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "core/date.h"
#include "lua/lbind.h"
#include "lua/lhost.h"
#include "mplan/channel.h"

/* A plan userdata holds no pointer: only the generation of the call it was made in. */
struct lplan {
    unsigned gen;
};

#define checkplan(L, i) ((struct lplan *)luaL_checkudata(L, i, MP_PLAN_MT))

void mp_lua_push_plan(lua_State *L)
{
    struct lplan *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->gen = mp_lua_bound(L)->gen;
    luaL_setmetatable(L, MP_PLAN_MT);
}

mp_plan *mp_lua_check_plan(lua_State *L, int arg)
{
    return mp_lua_plan(L, checkplan(L, arg)->gen);
}

int mp_lua_check_period(lua_State *L, int arg, const mp_plan *plan)
{
    lua_Integer t = luaL_checkinteger(L, arg);
    if (t < 1 || t > plan->T)
        luaL_argerror(L, arg, lua_pushfstring(L, "period %I out of range 1..%d", t, plan->T));
    return (int)t - 1;
}

static void push_date(lua_State *L, int32_t day)
{
    char buf[11];
    mp_date_format(day, buf);
    lua_pushstring(L, buf);
}

static void push_optstring(lua_State *L, const char *s)
{
    if (s && *s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

/* plan:channels() -> array of channel objects, in plan order */
static int plan_channels(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    lua_createtable(L, (int)plan->nchannels, 0); /* [plan, channels] */
    for (size_t c = 0; c < plan->nchannels; c++) {
        mp_lua_push_channel(L, c); /* [plan, channels, ch] */
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

/* plan:channel(id) -> channel, or nil and a message */
static int plan_channel(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    const char *id = luaL_checkstring(L, 2);
    long c = mp_channel_find(plan, id);
    if (c < 0) {
        luaL_pushfail(L);
        lua_pushfstring(L, "no channel '%s' in the plan", id);
        return 2;
    }
    mp_lua_push_channel(L, (size_t)c);
    return 1;
}

/* plan:period(t) -> {t=, start=, phase=, event=, season=} */
static int plan_period(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    int t = mp_lua_check_period(L, 2, plan);
    lua_createtable(L, 0, 5); /* [plan, t, period] */
    lua_pushinteger(L, t + 1);
    lua_setfield(L, -2, "t");
    push_date(L, plan->period_start[t]);
    lua_setfield(L, -2, "start");
    lua_pushstring(L, mp_phase_name(plan->phase[t]));
    lua_setfield(L, -2, "phase");
    push_optstring(L, plan->event_of[t] >= 0 ? plan->events[plan->event_of[t]].name : NULL);
    lua_setfield(L, -2, "event");
    lua_pushnumber(L, plan->season[t]);
    lua_setfield(L, -2, "season");
    return 1;
}

static void push_goals(lua_State *L, const mp_plan *plan)
{
    lua_createtable(L, 0, (int)plan->ngoals);
    for (size_t i = 0; i < plan->ngoals; i++) {
        lua_pushnumber(L, plan->goals[i].target);
        lua_setfield(L, -2, plan->goals[i].kpi);
    }
}

/* plan.objective: {kind = "gmv"|"profit"|"target_roas"|"goal", target_roas = R, gmv = G,
 * margin = m}: what an allocator is asked to reach (equalize's contract, docs/model.md 7). */
static void push_objective(lua_State *L, const mp_plan *plan)
{
    static const char *const kinds[] = {"gmv", "profit", "target_roas", "goal"};
    lua_createtable(L, 0, 3);
    lua_pushstring(L, kinds[plan->objective]);
    lua_setfield(L, -2, "kind");
    if (plan->objective == MP_OBJ_TARGET_ROAS) {
        lua_pushnumber(L, plan->objective_value);
        lua_setfield(L, -2, "target_roas");
    } else if (plan->objective == MP_OBJ_GOAL_GMV) {
        lua_pushnumber(L, plan->objective_value);
        lua_setfield(L, -2, "gmv");
    }
    if (!isnan(plan->margin)) {
        lua_pushnumber(L, plan->margin);
        lua_setfield(L, -2, "margin");
    }
}

/* Fields first, then methods (upvalue 1); anything else is an error naming the field. */
static int plan_index(lua_State *L)
{
    static const char *const fields[] = {"store", "currency", "platform", "purpose", "periods",
                                         "period_unit", "start", "budget", "allocatable",
                                         "margin", "goals", "objective", NULL};
    static const char *const units[] = {"day", "week", "month"};
    mp_plan *plan = mp_lua_check_plan(L, 1);
    const char *k = luaL_checkstring(L, 2);
    switch (mp_lua_option(L, 2, fields)) {
    case 0: push_optstring(L, plan->store); break;
    case 1: push_optstring(L, plan->currency); break;
    case 2: push_optstring(L, plan->platform); break;
    case 3: push_optstring(L, mp_purpose_name(plan->purpose)); break;
    case 4: lua_pushinteger(L, plan->T); break;
    case 5: lua_pushstring(L, units[plan->unit]); break;
    case 6: push_date(L, plan->start); break;
    case 7: lua_pushnumber(L, plan->budget_total); break;
    case 8: lua_pushnumber(L, mp_plan_allocatable(plan)); break;
    case 9:
        if (isnan(plan->margin))
            lua_pushnil(L);
        else
            lua_pushnumber(L, plan->margin);
        break;
    case 10: push_goals(L, plan); break; /* a copy: writing to it changes nothing */
    case 11: push_objective(L, plan); break;
    default:
        if (lua_getfield(L, lua_upvalueindex(1), k) == LUA_TNIL)
            return luaL_error(L, "plan has no field '%s'", k);
    }
    return 1;
}

static int plan_newindex(lua_State *L)
{
    return luaL_error(L, "plan fields are read-only (strategies change channels through "
                      "ch:set_bounds, ch:set_active and ch:scale_lift)");
}

static int plan_tostring(lua_State *L)
{
    mp_plan *plan = mp_lua_check_plan(L, 1);
    lua_pushfstring(L, "plan '%s' (%d periods, %d channels)", plan->store ? plan->store : "?",
                    plan->T, (int)plan->nchannels);
    return 1;
}

int luaopen_mplan_plan(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"channels", plan_channels}, {"channel", plan_channel}, {"period", plan_period},
        {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__newindex", plan_newindex}, {"__tostring", plan_tostring}, {NULL, NULL}};
    mp_lua_class(L, MP_PLAN_MT, methods, meta, plan_index);
    lua_newtable(L);
    return 1;
}

/* ---- running a strategy ---- */

static int push_strategy_args(lua_State *L, void *ud)
{
    (void)ud;
    mp_lua_push_plan(L);
    return 1;
}

enum mp_status mp_host_run_strategy(mp_host *host, mp_plan *plan, const char *qualified, mp_error *err)
{
    mp_host_bind(host, plan, 1);
    enum mp_status st = mp_host_run_hook(host, qualified, MP_HOOK_STRATEGY, push_strategy_args,
                                         NULL, 0, err);
    mp_host_bind(host, NULL, 0);
    if (st != MP_OK)
        return st;
    return mp_plan_resolve(plan, err);
}
