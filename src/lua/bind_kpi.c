/* KPIs in Lua (docs/model.md 6): KPI tables of a forecast, mplan.kpi, and custom KPI hooks. */
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include <lauxlib.h>

#include "lua/lhost.h"
#include "lua/lsandbox.h"

/* Absent ratios (NAN) are left out: nil in Lua, as null in the JSON output. */
void mp_lua_push_kpis(lua_State *L, const mp_kpis *k, double margin)
{
    lua_createtable(L, 0, MP_KPI_COUNT);
    for (int id = 0; id < MP_KPI_COUNT; id++) {
        double v = mp_kpi_value(k, margin, (enum mp_kpi_id)id);
        if (isnan(v))
            continue;
        lua_pushnumber(L, v);
        lua_setfield(L, -2, mp_kpi_name((enum mp_kpi_id)id));
    }
    if (k->organic > 0) { /* the organic part of gmv, so a pack can tell the two ROAS apart */
        lua_pushnumber(L, k->organic);
        lua_setfield(L, -2, "organic");
    }
}

/* Pushes by_channel then by_period. */
static void push_scopes(lua_State *L, const mp_plan *plan, const mp_forecast *fc)
{
    lua_createtable(L, 0, (int)fc->nchannels); /* [by_channel] */
    for (size_t c = 0; c < fc->nchannels; c++) {
        mp_lua_push_kpis(L, &fc->by_channel[c], plan->margin); /* [by_channel, kpis] */
        if (!isnan(fc->mroas[c])) {
            lua_pushnumber(L, fc->mroas[c]);
            lua_setfield(L, -2, "mroas");
        }
        /* kind and stage let KPI hooks group channels (cost share by dimension) */
        lua_pushstring(L, mp_kind_name(plan->channels[c].kind));
        lua_setfield(L, -2, "kind");
        if (plan->channels[c].stage != MP_STAGE_NONE) {
            lua_pushstring(L, mp_stage_name(plan->channels[c].stage));
            lua_setfield(L, -2, "stage");
        }
        lua_setfield(L, -2, plan->channels[c].id);
    }
    lua_createtable(L, fc->T, 0); /* [by_channel, by_period] */
    for (int t = 0; t < fc->T; t++) {
        mp_lua_push_kpis(L, &fc->by_period[t], plan->margin); /* [.., by_period, kpis] */
        lua_pushinteger(L, t + 1);
        lua_setfield(L, -2, "t");
        lua_rawseti(L, -2, t + 1);
    }
}

void mp_lua_push_forecast(lua_State *L, const mp_plan *plan, const mp_forecast *fc)
{
    lua_createtable(L, 0, 3);
    mp_lua_push_kpis(L, &fc->total, plan->margin); /* [fc, total] */
    lua_setfield(L, -2, "total");
    push_scopes(L, plan, fc); /* [fc, by_channel, by_period] */
    lua_setfield(L, -3, "by_period");
    lua_setfield(L, -2, "by_channel"); /* [fc] */
}

/* mplan.kpi(totals [, margin]) -> every ratio of docs/model.md 6 that is defined; margin
 * defaults to the plan's. */
static int mplan_kpi(lua_State *L)
{
    static const char *const fields[] = {"spend", "impressions", "clicks", "orders", "gmv", "new_customers",
                                         "organic", "organic_orders"};
    luaL_checktype(L, 1, LUA_TTABLE);
    double v[8];
    for (int i = 0; i < 8; i++) {
        int type = lua_getfield(L, 1, fields[i]);
        if (type != LUA_TNIL && type != LUA_TNUMBER)
            return luaL_error(L, "mplan.kpi: '%s' must be a number, got %s", fields[i], luaL_typename(L, -1));
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    mp_kpis k = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
    const mp_plan *plan = mp_lua_bound(L)->plan;
    double margin = luaL_optnumber(L, 2, plan ? plan->margin : NAN);
    mp_lua_push_kpis(L, &k, margin);
    for (int i = 0; i < 8; i++) { /* the ratios only */
        lua_pushnil(L);
        lua_setfield(L, -2, fields[i]);
    }
    return 1;
}

int luaopen_mplan_kpi(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"kpi", mplan_kpi}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}

/* ---- custom KPI hooks ---- */

struct kpi_args {
    const mp_plan *plan;
    const mp_forecast *fc;
};

/* t: the plan's total KPIs, with by_channel, by_period and margin beside them. */
static int push_kpi_args(lua_State *L, void *ud)
{
    const struct kpi_args *a = ud;
    mp_lua_push_kpis(L, &a->fc->total, a->plan->margin);
    push_scopes(L, a->plan, a->fc); /* [t, by_channel, by_period] */
    lua_setfield(L, -3, "by_period");
    lua_setfield(L, -2, "by_channel"); /* [t] */
    if (!isnan(a->plan->margin)) {
        lua_pushnumber(L, a->plan->margin);
        lua_setfield(L, -2, "margin");
    }
    return 1;
}

enum mp_status mp_host_kpi_names(mp_host *host, const char ***names, size_t *n, mp_error *err)
{
    size_t total = 0;
    *names = NULL;
    *n = 0;
    for (size_t i = 0; i < host->npacks; i++)
        total += host->packs[i].man.nprovides[MP_HOOK_KPI];
    if (!total)
        return MP_OK;
    const char **v = calloc(total, sizeof *v);
    if (!v)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; i < host->npacks; i++) {
        struct mp_manifest *m = &host->packs[i].man;
        for (size_t k = 0; k < m->nprovides[MP_HOOK_KPI]; k++) {
            const char *q = mp_arena_printf(&m->arena, "%s.%s", m->name, m->provides[MP_HOOK_KPI][k]);
            if (!q) {
                free(v);
                return mp_fail(err, MP_ENOMEM, "out of memory");
            }
            v[(*n)++] = q;
        }
    }
    *names = v;
    return MP_OK;
}

int mp_host_kpi_traits(const mp_host *host, const char *qualified, int *lower, int *additive)
{
    *lower = *additive = 0;
    const char *dot = strchr(qualified, '.');
    for (size_t i = 0; dot && i < host->npacks; i++) {
        const struct mp_manifest *m = &host->packs[i].man;
        if (strlen(m->name) != (size_t)(dot - qualified) || strncmp(m->name, qualified, (size_t)(dot - qualified)))
            continue;
        for (size_t k = 0; k < m->nprovides[MP_HOOK_KPI]; k++)
            if (strcmp(m->provides[MP_HOOK_KPI][k], dot + 1) == 0) {
                *lower = m->kpi_lower && m->kpi_lower[k];
                *additive = m->kpi_additive && m->kpi_additive[k];
                return 1;
            }
    }
    return 0;
}

enum mp_status mp_host_run_kpi(mp_host *host, const mp_plan *plan, const mp_forecast *fc,
                               const char *qualified, double *value, mp_error *err)
{
    lua_State *L = mp_host_state(host);
    struct kpi_args args = {plan, fc};
    mp_host_bind(host, (mp_plan *)plan, 0); /* read-only: for mplan.kpi's margin */
    enum mp_status st = mp_host_run_hook(host, qualified, MP_HOOK_KPI, push_kpi_args, &args, 1, err);
    mp_host_bind(host, NULL, 0);
    if (st != MP_OK)
        return st;
    int type = lua_type(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (type == LUA_TNIL) {
        *value = NAN;
        return MP_OK;
    }
    if (type != LUA_TNUMBER)
        return mp_fail(err, MP_ESCRIPT, "kpi '%s' returned a %s, expected a number or nil", qualified,
                       lua_typename(L, type));
    if (!isfinite(v))
        return mp_fail(err, MP_ESCRIPT, "kpi '%s' returned %g, expected a finite number (or nil for "
                       "absent)", qualified, v);
    *value = v;
    return MP_OK;
}
