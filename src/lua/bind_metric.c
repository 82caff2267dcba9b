/* A pack's metrics over per-visitor rows (lua/pack_metric.h). One host for the whole file;
 * the hooks, their params and the row object stay on its stack, so a row costs one rawset
 * per column and one protected call per metric.
 *
 * The row is read-only as a segmenter's is (docs/lua-api.md "Segmenters"): an empty table
 * whose __index is a values table refilled each row, and whose __newindex fails, so nothing
 * a metric does leaks into the next row. row.col, row[i], #row, pairs(row), row:has(name);
 * an unknown column is an error that lists the header. */
#include "lua/pack_metric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/lsandbox.h"

struct metric_hook {
    struct mp_pack_metrics *owner;
    const char *name; /* owned by the host's manifest */
    int fn;           /* its stack slot */
};

struct mp_pack_metrics {
    mp_host *host;
    lua_State *L;
    const char *pack;
    size_t n;
    struct metric_hook *hooks;      /* [n] */
    struct mp_ab_row_metric *rows;  /* [n] */
    int params;                     /* stack slots: params, then the hooks, then the row's */
    int row, vals, keys;            /* 0 until the first row: the row, its values, column names */
    const mp_csv *csv;              /* the file the row object was made for */
    size_t ncols;
    uint64_t filled;                /* the line whose values the values table holds */
};

/* ---- the row object ---- */

/* upvalue 1: the names table ({name = i, [i] = name}), 2: the row's has(). */
static int row_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
            return 0; /* a column, empty in this row */
        if (strcmp(lua_tostring(L, 2), "has") == 0) {
            lua_pushvalue(L, lua_upvalueindex(2));
            return 1;
        }
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        lua_Integer n = (lua_Integer)luaL_len(L, lua_upvalueindex(1));
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1)
                luaL_addstring(&b, ", ");
            lua_rawgeti(L, lua_upvalueindex(1), i);
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        return luaL_error(L, "row has no column '%s' (columns: %s)", lua_tostring(L, 2), lua_tostring(L, -1));
    }
    int isnum;
    lua_Integer i = lua_tointegerx(L, 2, &isnum);
    if (isnum && lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TSTRING) {
        lua_rawget(L, 1);
        return 1;
    }
    if (isnum)
        return luaL_error(L, "row has no column %I (it has %I)", i, (lua_Integer)luaL_len(L, lua_upvalueindex(1)));
    return luaL_error(L, "row: a column is a name or a position, not a %s", luaL_typename(L, 2));
}

static int row_newindex(lua_State *L)
{
    return luaL_error(L, "row is read-only (copy the values you want to change)");
}

/* upvalue 1: the names table. */
static int row_has(lua_State *L)
{
    luaL_checkstring(L, 2);
    lua_pushvalue(L, 2);
    lua_pushboolean(L, lua_rawget(L, lua_upvalueindex(1)) == LUA_TNUMBER);
    return 1;
}

static int row_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)luaL_len(L, lua_upvalueindex(1)));
    return 1;
}

/* pairs(row): every column in file order. upvalues: the names table, the values table. */
static int row_next(lua_State *L)
{
    lua_Integer i = 1;
    if (!lua_isnil(L, 2)) {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
        i = lua_tointeger(L, -1) + 1;
    }
    if (lua_rawgeti(L, lua_upvalueindex(1), i) != LUA_TSTRING)
        return 0;
    lua_pushvalue(L, -1);
    lua_rawget(L, lua_upvalueindex(2));
    return 2;
}

static int row_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushcclosure(L, row_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Protected: push [row, values, name...] for the columns of `csv` (light userdata 1). */
static int row_make(lua_State *L)
{
    const mp_csv *csv = lua_touserdata(L, 1);
    size_t n = mp_csv_ncols(csv);
    luaL_checkstack(L, (int)n + 16, "too many columns");
    lua_settop(L, 0);
    lua_newtable(L); /* 1: row */
    lua_newtable(L); /* 2: values */
    lua_createtable(L, (int)n, (int)n); /* 3: names */
    for (size_t c = 0; c < n; c++) {
        lua_pushstring(L, mp_csv_colname(csv, c));
        lua_pushvalue(L, -1);
        lua_rawseti(L, 3, (lua_Integer)c + 1);
        lua_pushinteger(L, (lua_Integer)c + 1);
        lua_rawset(L, 3);
    }
    lua_newtable(L); /* 4: the values' metatable */
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 3);
    lua_pushcclosure(L, row_has, 1);
    lua_pushcclosure(L, row_index, 2);
    lua_setfield(L, 4, "__index");
    lua_setmetatable(L, 2);
    lua_newtable(L); /* 4: the row's metatable */
    lua_pushcfunction(L, row_newindex);
    lua_setfield(L, 4, "__newindex");
    lua_pushvalue(L, 3);
    lua_pushcclosure(L, row_len, 1);
    lua_setfield(L, 4, "__len");
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, row_pairs, 2);
    lua_setfield(L, 4, "__pairs");
    lua_pushvalue(L, 2);
    lua_setfield(L, 4, "__index");
    lua_pushliteral(L, "row");
    lua_setfield(L, 4, "__metatable");
    lua_setmetatable(L, 1);
    lua_remove(L, 3); /* [row, values] */
    for (size_t c = 0; c < n; c++)
        lua_pushstring(L, mp_csv_colname(csv, c));
    return (int)n + 2;
}

static enum mp_status row_setup(struct mp_pack_metrics *m, const mp_csv *csv, mp_error *err)
{
    lua_State *L = m->L;
    lua_settop(L, m->params + (int)m->n); /* an earlier file's row goes */
    m->ncols = mp_csv_ncols(csv);
    lua_pushcfunction(L, row_make);
    lua_pushlightuserdata(L, (void *)csv);
    enum mp_status st = mp_lua_call(m->host, 1, (int)m->ncols + 2, m->pack, MP_HOOK_INIT, m->pack, err);
    if (st != MP_OK)
        return st;
    /* room above the row for a call: its function, arguments and result, a field's key and value */
    if (!lua_checkstack(L, 8))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    m->row = m->params + (int)m->n + 1;
    m->vals = m->row + 1;
    m->keys = m->row + 2;
    m->csv = csv;
    m->filled = 0;
    return MP_OK;
}

/* The values table gets this record's fields: numbers as numbers, text as strings, an
 * empty field as nil. */
static void row_fill(struct mp_pack_metrics *m, const struct mp_csv_record *rec)
{
    lua_State *L = m->L;
    for (size_t c = 0; c < m->ncols; c++) {
        const struct mp_csv_field *f = &rec->fields[c];
        int64_t iv;
        double dv;
        int range;
        lua_pushvalue(L, m->keys + (int)c);
        switch (mp_csv_classify(f->ptr, f->len, &iv, &dv, &range)) {
        case MP_CSV_EMPTY: lua_pushnil(L); break;
        case MP_CSV_INT: lua_pushinteger(L, (lua_Integer)iv); break;
        case MP_CSV_REAL: lua_pushnumber(L, dv); break;
        default: lua_pushlstring(L, f->ptr, f->len); break;
        }
        lua_rawset(L, m->vals);
    }
    m->filled = rec->line;
}

/* ---- the metric call ---- */

static enum mp_status metric_row(void *ctx, const mp_csv *csv, const struct mp_csv_record *rec, double *value,
                                 mp_error *err)
{
    struct metric_hook *k = ctx;
    struct mp_pack_metrics *m = k->owner;
    lua_State *L = m->L;
    if (m->csv != csv)
        MP_TRY(row_setup(m, csv, err));
    if (m->filled != rec->line)
        row_fill(m, rec);
    lua_pushvalue(L, k->fn);
    lua_pushvalue(L, m->row);
    lua_pushvalue(L, m->params);
    MP_TRY(mp_lua_call(m->host, 2, 1, m->pack, MP_HOOK_METRIC, k->name, err));
    enum mp_status st = MP_OK;
    if (lua_type(L, -1) == LUA_TNUMBER && isfinite(lua_tonumber(L, -1))) {
        *value = lua_tonumber(L, -1);
    } else {
        char buf[80];
        const char *what = mp_lua_describe(L, -1, buf, sizeof buf);
        if (lua_type(L, -1) == LUA_TNUMBER)
            what = isnan(lua_tonumber(L, -1)) ? "nan" : lua_tonumber(L, -1) > 0 ? "inf" : "-inf";
        st = mp_fail(err, MP_ESCRIPT, "pack '%s': metric '%s' returned %s, expected a finite number (the "
                     "metric's value for this visitor)", m->pack, k->name, what);
    }
    lua_pop(L, 1);
    return st;
}

/* ---- open and free ---- */

void mp_pack_metrics_free(struct mp_pack_metrics *m)
{
    if (!m)
        return;
    mp_host_free(m->host);
    free(m->hooks);
    free(m->rows);
    free(m);
}

const char *mp_pack_metrics_pack(const struct mp_pack_metrics *m)
{
    return m->pack;
}

const struct mp_ab_row_metric *mp_pack_metrics_list(const struct mp_pack_metrics *m, size_t *n)
{
    *n = m->n;
    return m->rows;
}

enum mp_status mp_pack_metrics_open(const char *dir, const char *const *params, size_t nparams,
                                    const mp_host_limits *limits, int verbose, struct mp_pack_metrics **out,
                                    mp_error *err)
{
    *out = NULL;
    struct mp_pack_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = mp_host_new(limits, &m->host, err);
    if (st == MP_OK) {
        mp_host_set_verbose(m->host, verbose);
        st = mp_host_load_pack_args(m->host, dir, params, nparams, &m->pack, err);
    }
    const struct mp_manifest *man = st == MP_OK ? &m->host->packs[m->host->npacks - 1].man : NULL;
    if (st == MP_OK && !(m->n = man->nprovides[MP_HOOK_METRIC]))
        st = mp_fail(err, MP_EINPUT, "%s: pack '%s' provides no metric (list its metric hooks under provides.metrics)",
                     man->file, m->pack);
    if (st == MP_OK) {
        m->L = mp_host_state(m->host);
        m->hooks = calloc(m->n, sizeof *m->hooks);
        m->rows = calloc(m->n, sizeof *m->rows);
        if (!m->hooks || !m->rows || !lua_checkstack(m->L, (int)m->n + 8))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (st == MP_OK) {
        mp_host_push_params(m->host, m->pack);
        m->params = lua_gettop(m->L);
    }
    for (size_t i = 0; st == MP_OK && i < m->n; i++) {
        char qualified[512];
        const char *name = man->provides[MP_HOOK_METRIC][i];
        snprintf(qualified, sizeof qualified, "%s.%s", m->pack, name);
        st = mp_host_push_hook(m->host, qualified, MP_HOOK_METRIC, err);
        m->hooks[i] = (struct metric_hook){m, name, m->params + 1 + (int)i};
        m->rows[i] = (struct mp_ab_row_metric){name, metric_row, &m->hooks[i]};
    }
    if (st != MP_OK) {
        mp_pack_metrics_free(m);
        return st;
    }
    *out = m;
    return MP_OK;
}
