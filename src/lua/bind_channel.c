/* Channel objects (docs/lua-api.md): fields, the response curve and funnel of the core, and the
 * strategy-only mutators. */
#include <math.h>

#include <lauxlib.h>

#include "lua/lbind.h"
#include "lua/lhost.h"
#include "mplan/channel.h"

struct lchannel {
    unsigned gen;
    size_t c;
};

#define checkchannel(L, i) ((struct lchannel *)luaL_checkudata(L, i, MP_CHANNEL_MT))

void mp_lua_push_channel(lua_State *L, size_t c)
{
    struct lchannel *ch = lua_newuserdatauv(L, sizeof *ch, 0);
    ch->gen = mp_lua_bound(L)->gen;
    ch->c = c;
    luaL_setmetatable(L, MP_CHANNEL_MT);
}

/* The plan and channel of the object at index 1. */
static struct mp_channel *to_channel(lua_State *L, mp_plan **plan, size_t *c)
{
    struct lchannel *ch = checkchannel(L, 1);
    *plan = mp_lua_plan(L, ch->gen);
    *c = ch->c;
    return &(*plan)->channels[ch->c];
}

size_t mp_lua_check_channel(lua_State *L, int arg)
{
    struct lchannel *ch = luaL_testudata(L, arg, MP_CHANNEL_MT);
    if (ch) {
        mp_lua_plan(L, ch->gen);
        return ch->c;
    }
    mp_plan *plan = mp_lua_plan(L, mp_lua_bound(L)->gen);
    const char *id = luaL_checkstring(L, arg);
    long c = mp_channel_find(plan, id);
    if (c < 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "no channel '%s' in the plan", id));
    return (size_t)c;
}

/* A spend argument: a finite number >= 0. */
static double check_spend(lua_State *L, int arg)
{
    double x = luaL_checknumber(L, arg);
    if (!(x >= 0) || !isfinite(x))
        luaL_argerror(L, arg, "spend must be a finite number >= 0");
    return x;
}

/* ch:response(spend, t) -> GMV of that spend in period t, without carry-over */
static int channel_response(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    double x = check_spend(L, 2);
    lua_pushnumber(L, mp_channel_response(plan, c, mp_lua_check_period(L, 3, plan), x));
    return 1;
}

/* ch:marginal(spend, t) -> d response / d spend */
static int channel_marginal(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    double x = check_spend(L, 2);
    lua_pushnumber(L, mp_channel_marginal(plan, c, mp_lua_check_period(L, 3, plan), x));
    return 1;
}

/* ch:demand(t) -> the demand multiplier L[c,t]: season, event lift, strategies' scale */
static int channel_demand(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    lua_pushnumber(L, mp_channel_demand(plan, c, mp_lua_check_period(L, 2, plan)));
    return 1;
}

/* ch:marginal_at(alloc, t) -> d(total GMV)/d spend in period t at the allocation, carry-over
 * (into later periods, and in from `carryover:`) included */
static int channel_marginal_at(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    int t = mp_lua_check_period(L, 3, plan);
    size_t n = plan->nchannels * (size_t)plan->T;
    /* GC-owned: mp_lua_to_alloc's error below leaves no C memory behind */
    double *buf = lua_newuserdatauv(L, (n ? n : 1) * sizeof *buf, 0); /* [ch, alloc, t, buf] */
    mp_alloc a = {plan->nchannels, plan->T, buf};
    mp_error err;
    if (mp_lua_to_alloc(L, 2, plan, "ch:marginal_at", &a, &err) != MP_OK)
        return luaL_error(L, "%s", err.msg);
    lua_pushnumber(L, mp_channel_marginal_carry(plan, c, buf + c * (size_t)plan->T, t));
    return 1;
}

static void push_tags(lua_State *L, const struct mp_channel *ch)
{
    lua_createtable(L, 0, (int)ch->ntags);
    for (size_t i = 0; i < ch->ntags; i++) {
        if (ch->tag_val[i])
            lua_pushstring(L, ch->tag_val[i]);
        else
            lua_pushboolean(L, 1);
        lua_setfield(L, -2, ch->tag_key[i]);
    }
}

/* ch:funnel(spend, t) -> {impressions=, clicks=, orders=, gmv=, new_customers=} */
static int channel_funnel(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    double x = check_spend(L, 2);
    mp_kpis k = mp_channel_funnel(plan, c, mp_lua_check_period(L, 3, plan), x);
    lua_createtable(L, 0, 5); /* [ch, spend, t, funnel] */
    lua_pushnumber(L, k.impressions);
    lua_setfield(L, -2, "impressions");
    lua_pushnumber(L, k.clicks);
    lua_setfield(L, -2, "clicks");
    lua_pushnumber(L, k.orders);
    lua_setfield(L, -2, "orders");
    lua_pushnumber(L, k.gmv);
    lua_setfield(L, -2, "gmv");
    lua_pushnumber(L, k.new_customers);
    lua_setfield(L, -2, "new_customers");
    return 1;
}

/* ch:active(t) -> may the channel spend in period t? */
static int channel_active(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    to_channel(L, &plan, &c);
    lua_pushboolean(L, mp_channel_active(plan, c, mp_lua_check_period(L, 2, plan)));
    return 1;
}

/* The channel at index 1, for a mutator: only a strategy may change the plan. */
static struct mp_channel *mutable_channel(lua_State *L, const char *what, mp_plan **plan)
{
    size_t c;
    struct mp_channel *ch = to_channel(L, plan, &c);
    if (!mp_lua_bound(L)->mutable)
        luaL_error(L, "ch:%s: only a strategy may change the plan", what);
    /* Remember who changed it: a plan this makes infeasible names the strategy. */
    char who[160];
    mp_lua_who(L, who, sizeof who);
    if (!ch->changed_by || strcmp(ch->changed_by, who) != 0) {
        const char *copy = mp_arena_strdup(&(*plan)->arena, who);
        if (!copy)
            luaL_error(L, "not enough memory");
        ch->changed_by = copy;
    }
    return ch;
}

/* Derived fields (activity, lifts) follow the change at once, so that the strategy reads
 * what it wrote. */
static void resolve(lua_State *L, mp_plan *plan)
{
    mp_error err;
    enum mp_status st = mp_plan_resolve(plan, &err);
    if (st == MP_ENOMEM)
        mp_lua_nomem(L);
    if (st != MP_OK)
        luaL_error(L, "%s", err.msg);
}

/* ch:set_bounds{min=, max=, cap=}: totals over the horizon and the per-period cap */
static int channel_set_bounds(lua_State *L)
{
    mp_plan *plan;
    struct mp_channel *ch = mutable_channel(L, "set_bounds", &plan);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (ch->mode != MP_MODE_OPTIMISED)
        return luaL_error(L, "ch:set_bounds: channel '%s' has a fixed spend; bounds do not apply", ch->id);
    double v[3] = {ch->min, ch->max, ch->cap};
    static const char *const keys[] = {"min", "max", "cap", NULL};
    lua_pushnil(L);
    while (lua_next(L, 2)) { /* [ch, bounds, key, value] */
        int k = mp_lua_option(L, -2, keys);
        if (k < 0 && lua_type(L, -2) == LUA_TSTRING)
            return luaL_error(L, "ch:set_bounds: unknown key '%s' (expected min, max, cap)",
                              lua_tostring(L, -2));
        if (k < 0)
            return luaL_error(L, "ch:set_bounds: unknown %s key (expected min, max, cap)",
                              luaL_typename(L, -2));
        double x = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(x >= 0) || (k == 0 && !isfinite(x)))
            return luaL_error(L, "ch:set_bounds: %s must be a number >= 0%s", keys[k],
                              k == 0 ? " and finite" : " (math.huge for none)");
        v[k] = x;
        lua_pop(L, 1);
    }
    if (v[0] > v[1])
        return luaL_error(L, "ch:set_bounds: channel '%s': min %f is above max %f", ch->id, v[0], v[1]);
    if (v[2] <= 0)
        return luaL_error(L, "ch:set_bounds: channel '%s': cap must be > 0", ch->id);
    ch->min = v[0];
    ch->max = v[1];
    ch->cap = v[2];
    return 0;
}

/* ch:set_active(t, on): switch the channel on or off in period t */
static int channel_set_active(lua_State *L)
{
    mp_plan *plan;
    struct mp_channel *ch = mutable_channel(L, "set_active", &plan);
    int t = mp_lua_check_period(L, 2, plan);
    luaL_checktype(L, 3, LUA_TBOOLEAN);
    ch->override[t] = lua_toboolean(L, 3) ? 1 : -1;
    resolve(L, plan);
    return 0;
}

/* ch:scale_lift(t, factor): multiply the channel's demand multiplier in period t */
static int channel_scale_lift(lua_State *L)
{
    mp_plan *plan;
    struct mp_channel *ch = mutable_channel(L, "scale_lift", &plan);
    int t = mp_lua_check_period(L, 2, plan);
    double f = luaL_checknumber(L, 3);
    if (!(f >= 0) || !isfinite(f))
        return luaL_argerror(L, 3, "factor must be a finite number >= 0");
    double before = ch->scale[t];
    size_t c = (size_t)(ch - plan->channels);
    ch->scale[t] *= f;
    resolve(L, plan);
    if (!isfinite(plan->lift[MP_AT(plan, c, t)]) || !isfinite(plan->demand[MP_AT(plan, c, t)])) {
        /* finite factors, infinite product */
        ch->scale[t] = before;
        resolve(L, plan);
        return luaL_error(L, "ch:scale_lift: channel '%s', period %d: factor %f makes the lift "
                          "infinite; lifts must stay finite", ch->id, t + 1, f);
    }
    return 0;
}

/* Fields first, then methods (upvalue 1); anything else is an error naming the field. */
static int channel_index(lua_State *L)
{
    static const char *const fields[] = {"id", "name", "kind", "stage", "curve", "fixed",
                                         "min", "max", "cap", "theta", "owner", "carryover",
                                         "tags", NULL};
    mp_plan *plan;
    size_t c;
    const struct mp_channel *ch = to_channel(L, &plan, &c);
    const char *k = luaL_checkstring(L, 2);
    switch (mp_lua_option(L, 2, fields)) {
    case 0: lua_pushstring(L, ch->id); break;
    case 1: lua_pushstring(L, ch->name ? ch->name : ch->id); break;
    case 2: lua_pushstring(L, mp_kind_name(ch->kind)); break;
    case 3:
        if (ch->stage == MP_STAGE_NONE)
            lua_pushnil(L);
        else
            lua_pushstring(L, mp_stage_name(ch->stage));
        break;
    case 4: lua_pushstring(L, mp_curve_name(ch->resp.curve)); break;
    case 5: lua_pushboolean(L, ch->mode != MP_MODE_OPTIMISED); break;
    case 6: lua_pushnumber(L, ch->min); break;
    case 7: lua_pushnumber(L, ch->max); break;
    case 8: lua_pushnumber(L, ch->cap); break;
    case 9: lua_pushnumber(L, ch->theta); break;
    case 10:
        if (ch->owner)
            lua_pushstring(L, ch->owner);
        else
            lua_pushnil(L);
        break;
    case 11: lua_pushnumber(L, ch->carryover); break;
    case 12: push_tags(L, ch); break; /* a copy: writing to it changes nothing */
    default:
        if (lua_getfield(L, lua_upvalueindex(1), k) == LUA_TNIL)
            return luaL_error(L, "channel has no field '%s'", k);
    }
    return 1;
}

static int channel_newindex(lua_State *L)
{
    return luaL_error(L, "channel fields are read-only (strategies use ch:set_bounds)");
}

static int channel_eq(lua_State *L)
{
    const struct lchannel *a = checkchannel(L, 1), *b = checkchannel(L, 2);
    lua_pushboolean(L, a->gen == b->gen && a->c == b->c);
    return 1;
}

static int channel_tostring(lua_State *L)
{
    mp_plan *plan;
    size_t c;
    lua_pushfstring(L, "channel '%s'", to_channel(L, &plan, &c)->id);
    return 1;
}

int luaopen_mplan_channel(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"response", channel_response}, {"marginal", channel_marginal},
        {"funnel", channel_funnel}, {"active", channel_active},
        {"demand", channel_demand}, {"marginal_at", channel_marginal_at},
        {"set_bounds", channel_set_bounds}, {"set_active", channel_set_active},
        {"scale_lift", channel_scale_lift}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__newindex", channel_newindex}, {"__eq", channel_eq}, {"__tostring", channel_tostring},
        {NULL, NULL}};
    mp_lua_class(L, MP_CHANNEL_MT, methods, meta, channel_index);
    lua_newtable(L);
    return 1;
}
