/* Segmenters over customers files: the row object a segmenter sees and the per-row call;
 * the passes around it (threads, the quantile first pass, the flow) are src/run/segment_run.c.
 *
 * Speed comes from the row object (docs/segment.md, "How it is fast"): one Lua table for
 * the whole run whose __index is a values table. Each row, the columns the rule has read
 * before are stored in the values table with lua_rawset when they changed (numbers parsed
 * once in C, keys interned strings kept on the stack), so a field access is a plain table
 * hit; a column read for the first time goes through a C __index, which also marks it for
 * the following rows. The row table itself stays empty, so writes always fail. */
#include "lua/lsegment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/lhost.h"
#include "io/manifest.h"

/* ---- the host ----
 * Each worker thread has its own mp_host with the pack loaded; the segmenter and its params
 * are pushed once and reused for every row. */

/* Registry key under which a host's state finds its slot (for mplan.quantile). */
static const char SLOT_KEY = 0;

/* --param NAME=VALUE strings, typed by the pack's manifest. */
enum mp_status mp_segment_params(struct seg_run *r, mp_error *err)
{
    const mp_segment_opts *o = r->o;
    if (!o->nparams)
        return MP_OK;
    struct mp_manifest man;
    enum mp_status st = mp_manifest_load(o->pack, &man, err);
    if (st)
        return st;
    r->overrides = calloc(o->nparams, sizeof *r->overrides);
    if (!r->overrides)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    else
        st = mp_manifest_param_args(&man, o->params, o->nparams, o->params_from ? o->params_from : "--param",
                                    &r->arena, r->overrides, err);
    mp_manifest_free(&man);
    return st;
}

/* A host with the pack loaded; leaves [handler, fn, params] on its stack. */
static enum mp_status host_open(struct seg_slot *s, mp_error *err)
{
    struct seg_run *r = s->run;
    enum mp_status st = mp_host_new(&r->o->limits, &s->host, err);
    if (st)
        return st;
    mp_host_set_verbose(s->host, r->o->verbose);
    mp_host_set_pool(s->host, &r->pool);
    lua_State *L = s->L = mp_host_state(s->host);
    lua_pushlightuserdata(L, s);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &SLOT_KEY);
    const char *pack;
    /* A plan's pack is loaded as the plan's (its PLAN.lock applies), else from the dir. */
    st = r->o->lock_plan ? mp_host_load_plan_pack(s->host, r->o->pack, r->o->lock_plan, r->o->lock_pack, &pack, err)
                         : mp_host_load_pack_dir(s->host, r->o->pack, r->overrides, r->o->nparams, &pack, err);
    if (st)
        return st;
    char qualified[512];
    snprintf(qualified, sizeof qualified, "%s.%s", pack, r->o->rule);
    if (!r->rule && !(r->rule = strdup(qualified)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    s->pack = pack;
    st = mp_host_push_hook(s->host, qualified, MP_HOOK_SEGMENTER, err);
    if (st)
        return st;
    mp_host_push_params(s->host, pack);
    return MP_OK;
}

/* Call the segmenter with [fn, row, params] pushed: MP_OK leaves 2 results. */
static enum mp_status host_call(struct seg_slot *s, mp_error *err)
{
    return mp_lua_call(s->host, 2, 2, s->pack, MP_HOOK_SEGMENTER, s->run->o->rule, err);
}

static void host_close(struct seg_slot *s)
{
    mp_host_free(s->host);
    s->host = NULL;
    s->L = NULL;
}

/* ---- the row object ---- */

static void push_field(lua_State *L, const struct seg_slot *s, size_t c)
{
    switch (s->kind[c]) {
    case MP_CSV_EMPTY: lua_pushnil(L); break;
    case MP_CSV_INT: lua_pushinteger(L, s->iv[c]); break;
    case MP_CSV_REAL: lua_pushnumber(L, s->dv[c]); break;
    default: lua_pushlstring(L, s->rec->fields[c].ptr, s->rec->fields[c].len); break;
    }
}

static int row_error_unknown(lua_State *L, struct seg_slot *s, const char *name)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t c = 0; c < s->run->ncols; c++) {
        if (c)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, mp_csv_colname(s->run->csv, c));
    }
    luaL_pushresult(&b);
    return luaL_error(L, "row has no column '%s' (columns: %s)", name, lua_tostring(L, -1));
}

/* Note that the values table now holds column c's value of this row. */
static void hold(struct seg_slot *s, size_t c)
{
    s->held[c] = s->kind[c];
    s->held_iv[c] = s->iv[c];
    s->held_dv[c] = s->dv[c];
}

/* Does the values table already hold this row's value of column c? Numbers compare by
 * bits (-0.0 is not 0.0 to Lua); text is stored every row. */
static int held(const struct seg_slot *s, size_t c)
{
    unsigned k = s->kind[c];
    if (k != s->held[c])
        return 0;
    return k == MP_CSV_EMPTY || (k == MP_CSV_INT && s->iv[c] == s->held_iv[c]) ||
           (k == MP_CSV_REAL && memcmp(&s->dv[c], &s->held_dv[c], sizeof(double)) == 0);
}

/* __index(values, key): a column not in the values table: read for the first time, empty
 * in this row, or no column at all. */
static int row_index(lua_State *L)
{
    struct seg_slot *s = lua_touserdata(L, lua_upvalueindex(1));
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNUMBER) { /* [vals, key, c] */
            size_t c = (size_t)lua_tointeger(L, -1);
            if (s->kind[c] == MP_CSV_EMPTY)
                return 0;
            if (!s->is_touched[c]) {
                s->is_touched[c] = 1;
                s->touched[s->ntouched++] = (uint32_t)c;
            }
            push_field(L, s, c);
            lua_pushvalue(L, 2);
            lua_pushvalue(L, -2);
            lua_rawset(L, 1); /* later reads are plain hits until the value changes */
            hold(s, c);
            return 1;
        }
        const char *k = lua_tostring(L, 2);
        if (strcmp(k, "has") == 0) {
            lua_pushvalue(L, lua_upvalueindex(3));
            return 1;
        }
        return row_error_unknown(L, s, k);
    }
    int isnum;
    lua_Integer i = lua_tointegerx(L, 2, &isnum);
    if (isnum && i >= 1 && (lua_Unsigned)i <= s->run->ncols) {
        size_t c = (size_t)i - 1;
        if (!s->is_ptouched[c]) {
            s->is_ptouched[c] = 1;
            s->ptouched[s->nptouched++] = (uint32_t)c;
        }
        push_field(L, s, c);
        return 1;
    }
    if (isnum)
        return luaL_error(L, "row has no column %I (it has %d)", i, (int)s->run->ncols);
    return luaL_error(L, "row: a column is a name or a position, not a %s", luaL_typename(L, 2));
}

static int row_newindex(lua_State *L)
{
    return luaL_error(L, "row is read-only (copy the values you want to change)");
}

static int row_has(lua_State *L)
{
    struct seg_slot *s = lua_touserdata(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 2);
    lua_pushboolean(L, mp_csv_find(s->run->csv, name) >= 0);
    return 1;
}

static int row_len(lua_State *L)
{
    struct seg_slot *s = lua_touserdata(L, lua_upvalueindex(1));
    lua_pushinteger(L, (lua_Integer)s->run->ncols);
    return 1;
}

/* pairs(row): every column in file order, name -> value. */
static int row_next(lua_State *L)
{
    struct seg_slot *s = lua_touserdata(L, lua_upvalueindex(1));
    size_t c = 0;
    if (!lua_isnil(L, 2)) {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(2));
        c = (size_t)lua_tointeger(L, -1) + 1;
    }
    if (c >= s->run->ncols)
        return 0;
    lua_pushstring(L, mp_csv_colname(s->run->csv, c));
    push_field(L, s, c);
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

static int row_metatable(lua_State *L)
{
    lua_pushliteral(L, "row");
    return 1;
}

/* Push the row object, its values table and the column names on the slot's stack:
 * [handler, fn, params, row, values, names...]. The row itself stays empty: every read falls
 * through to the values table (a plain table hit for a column read before), and every
 * write reaches __newindex and fails, so nothing a rule does can leak into the next row. */
static enum mp_status row_setup(struct seg_slot *s, mp_error *err)
{
    lua_State *L = s->L;
    size_t n = s->run->ncols;
    if (!lua_checkstack(L, (int)n + 20))
        return mp_fail(err, MP_ENOMEM, "too many columns for the Lua stack");
    lua_newtable(L);                    /* the row */
    lua_createtable(L, (int)n, (int)n); /* its values */
    lua_createtable(L, 0, (int)n);      /* name -> column index */
    for (size_t c = 0; c < n; c++) {
        lua_pushinteger(L, (lua_Integer)c);
        lua_setfield(L, -2, mp_csv_colname(s->run->csv, c));
    }
    lua_newtable(L); /* the values' metatable: [row, vals, names, vmt] */
    lua_pushlightuserdata(L, s);
    lua_pushvalue(L, -3);
    lua_pushlightuserdata(L, s);
    lua_pushcclosure(L, row_has, 1);
    lua_pushcclosure(L, row_index, 3);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -3);
    lua_newtable(L); /* the row's metatable: [row, vals, names, rmt] */
    static const struct {
        const char *name;
        lua_CFunction fn;
    } mm[] = {{"__newindex", row_newindex}, {"__len", row_len}, {"__pairs", row_pairs}};
    for (size_t i = 0; i < sizeof mm / sizeof *mm; i++) {
        lua_pushlightuserdata(L, s);
        lua_pushvalue(L, -3);
        lua_pushcclosure(L, mm[i].fn, 2);
        lua_setfield(L, -2, mm[i].name);
    }
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "row");
    lua_setfield(L, -2, "__name");
    lua_pushcfunction(L, row_metatable); /* getmetatable(row) gives "row", not the values */
    lua_call(L, 0, 1);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -4);
    lua_pop(L, 1); /* [fn, params, row, vals] */
    for (size_t c = 0; c < n; c++)
        lua_pushstring(L, mp_csv_colname(s->run->csv, c));
    return MP_OK;
}

/* The slot of the segment run this state belongs to; NULL in a pack test that gave
 * test.quantiles fixtures; else a Lua error. */
static struct seg_slot *quantile_slot(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &SLOT_KEY);
    struct seg_slot *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    int fixtures = lua_getfield(L, LUA_REGISTRYINDEX, MP_QFIX_KEY) == LUA_TTABLE;
    lua_pop(L, 1);
    if (!s && !fixtures)
        luaL_error(L, "mplan.quantile works in segmenters that 'mplan segment' runs (in pack "
                   "tests, give the values with test.quantiles{column = {...}})");
    return s;
}

static void push_value(lua_State *L, double q)
{
    if (isnan(q))
        lua_pushnil(L);
    else if (q == floor(q) && fabs(q) < 9007199254740992.0)
        lua_pushinteger(L, (lua_Integer)q);
    else
        lua_pushnumber(L, q);
}

/* The p-quantile of a test.quantiles column: the least value with at least a fraction p of
 * the values at or below it (rank ceil(p n)), as the first pass computes it exactly. */
static void push_fixture_quantile(lua_State *L, const char *name, lua_Number p)
{
    lua_getfield(L, LUA_REGISTRYINDEX, MP_QFIX_KEY);
    lua_getfield(L, -1, name); /* [.., fixtures, q] */
    const struct mp_lua_qfix *q = lua_touserdata(L, -1);
    if (!q)
        luaL_error(L, "mplan.quantile: test.quantiles gave no column '%s'", name);
    lua_pop(L, 2);
    if (q->n == 0) {
        lua_pushnil(L);
        return;
    }
    size_t k = (size_t)ceil(p * (double)q->n);
    push_value(L, q->v[k ? k - 1 : 0]);
}

/* Push the p-quantile of column `name`, or note that it is wanted (returns 0). */
static int push_quantile(lua_State *L, struct seg_slot *s, const char *name, lua_Number p)
{
    if (!s) {
        push_fixture_quantile(L, name, p);
        return 1;
    }
    long c = mp_csv_find(s->run->csv, name);
    if (c < 0)
        return row_error_unknown(L, s, name), 0;
    const mp_sketch *sk = s->run->sketch ? s->run->sketch[c] : NULL;
    if (!sk) {
        s->want[c] = 1;
        s->wanted = 1;
        return 0;
    }
    int exact;
    push_value(L, mp_sketch_quantile(sk, p, &exact));
    return 1;
}

/* Quantiles not computed yet: this pass is thrown away and a first pass over the file
 * computes every column asked for before the next one. Raising (rather than going on with
 * a stand-in value) keeps made-up numbers away from the rule. */
static int need_first_pass(lua_State *L)
{
    return luaL_error(L, "quantiles are computed in a first pass over the file");
}

/* mplan.quantile(column, p): the p-quantile (0 <= p <= 1) of a numeric column over the
 * non-empty values of the whole input; nil when it has none. */
static int l_quantile(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_Number p = luaL_checknumber(L, 2);
    luaL_argcheck(L, p >= 0 && p <= 1, 2, "p must be within [0, 1]");
    struct seg_slot *s = quantile_slot(L);
    return push_quantile(L, s, name, p) ? 1 : need_first_pass(L);
}

/* mplan.quantiles({columns}, {p...}): {column = {q...}} in one call, so a first pass takes
 * every column at once. */
static int l_quantiles(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    struct seg_slot *s = quantile_slot(L);
    lua_Integer nc = luaL_len(L, 1), np = luaL_len(L, 2);
    lua_createtable(L, 0, (int)nc); /* [cols, probs, out] */
    int missing = 0;
    for (lua_Integer i = 1; i <= nc; i++) {
        lua_geti(L, 1, i);
        const char *name = lua_tostring(L, -1);
        if (!name)
            return luaL_error(L, "mplan.quantiles: column %d is not a name", (int)i);
        lua_createtable(L, (int)np, 0); /* [.., name, qs] */
        for (lua_Integer k = 1; k <= np; k++) {
            lua_geti(L, 2, k);
            int isnum;
            lua_Number p = lua_tonumberx(L, -1, &isnum);
            lua_pop(L, 1);
            if (!isnum || !(p >= 0 && p <= 1)) /* NaN fails both */
                return luaL_error(L, "mplan.quantiles: p %d must be a number within [0, 1]", (int)k);
            if (push_quantile(L, s, name, p))
                lua_rawseti(L, -2, k);
            else
                missing = 1;
        }
        lua_rawset(L, -3);
    }
    return missing ? need_first_pass(L) : 1;
}

int luaopen_mplan_segment(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"quantile", l_quantile}, {"quantiles", l_quantiles}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}

/* ---- slots ---- */

static void slot_free(struct seg_slot *s)
{
    host_close(s);
    free(s->kind);
    free(s->iv);
    free(s->dv);
    free(s->touched);
    free(s->ptouched);
    free(s->is_touched);
    free(s->is_ptouched);
    free(s->held);
    free(s->held_iv);
    free(s->held_dv);
    free(s->want);
    memset(s, 0, sizeof *s);
}

static enum mp_status slot_open(struct seg_run *r, struct seg_slot *s, mp_error *err)
{
    size_t n = r->ncols ? r->ncols : 1;
    memset(s, 0, sizeof *s);
    s->run = r;
    s->kind = calloc(n, 1);
    s->iv = calloc(n, sizeof *s->iv);
    s->dv = calloc(n, sizeof *s->dv);
    s->touched = calloc(n, sizeof *s->touched);
    s->ptouched = calloc(n, sizeof *s->ptouched);
    s->is_touched = calloc(n, 1);
    s->is_ptouched = calloc(n, 1);
    s->want = calloc(n, 1);
    s->held = calloc(n, 1); /* MP_CSV_EMPTY: the values table starts empty */
    s->held_iv = calloc(n, sizeof *s->held_iv);
    s->held_dv = calloc(n, sizeof *s->held_dv);
    if (!s->kind || !s->iv || !s->dv || !s->touched || !s->ptouched || !s->is_touched ||
        !s->is_ptouched || !s->want || !s->held || !s->held_iv || !s->held_dv)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (r->pass == PASS_SKETCH)
        return MP_OK;
    enum mp_status st = host_open(s, err);
    return st ? st : row_setup(s, err);
}


void mp_segment_slots_free(struct seg_run *r)
{
    for (int i = 0; r->slots && i < r->jobs; i++)
        slot_free(&r->slots[i]);
    free(r->slots);
    r->slots = NULL;
}

enum mp_status mp_segment_slots_open(struct seg_run *r, mp_error *err)
{
    r->slots = calloc((size_t)r->jobs, sizeof *r->slots);
    if (!r->slots)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (int i = 0; i < r->jobs; i++) {
        enum mp_status st = slot_open(r, &r->slots[i], err);
        if (st) {
            mp_segment_slots_free(r);
            return st;
        }
    }
    return MP_OK;
}

struct seg_slot *mp_segment_slot(struct seg_run *r, int i) { return &r->slots[i]; }

int mp_segment_slot_wants(const struct seg_run *r, int i, size_t c) { return r->slots[i].want[c]; }

/* Parse every field once: for the summary and for the row object. */
static enum mp_status parse_fields(struct seg_run *r, struct seg_slot *s, const struct mp_csv_record *rec,
                                   mp_error *err)
{
    for (size_t c = 0; c < r->ncols; c++) {
        int range;
        s->kind[c] = (unsigned char)mp_csv_classify_amount(rec->fields[c].ptr, rec->fields[c].len, &s->iv[c],
                                             &s->dv[c], &range);
        if (range)
            return mp_fail(err, MP_EINPUT, "column '%s': number out of range: %.*s",
                           mp_csv_colname(r->csv, c), (int)(rec->fields[c].len > 40 ? 40 : rec->fields[c].len),
                           rec->fields[c].ptr);
    }
    return MP_OK;
}

static enum mp_status sketch_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct seg_state *st = p;
    struct seg_run *r = st->slot->run;
    for (size_t c = 0; c < r->ncols; c++) {
        if (!st->sk[c])
            continue;
        int64_t iv;
        double dv;
        int range;
        enum mp_csv_kind k = mp_csv_classify_amount(rec->fields[c].ptr, rec->fields[c].len, &iv, &dv, &range);
        if (range)
            return mp_fail(err, MP_EINPUT, "column '%s': number out of range", mp_csv_colname(r->csv, c));
        if ((k == MP_CSV_INT && mp_sketch_add(st->sk[c], (double)iv) != 0) ||
            (k == MP_CSV_REAL && mp_sketch_add(st->sk[c], dv) != 0))
            return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    return MP_OK;
}

/* The label index of the string on top of the stack, through a cache of Lua string
 * addresses: short strings are interned, so a label returned again is the same address.
 * Cached strings are kept alive in the registry so an address is never reused. */
static long label_index(struct seg_state *st, lua_State *L, mp_error *err)
{
    size_t len;
    const char *name = lua_tolstring(L, -2, &len);
    for (unsigned i = 0; i < st->ncache; i++)
        if (st->cptr[i] == name)
            return st->cidx[i];
    if (len == 0 || memchr(name, 0, len) || mp_csv_utf8_check(name, len) != len) {
        mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned %s", st->slot->run->rule, st->slot->run->o->rule,
                len ? "a label that is not UTF-8 text" : "an empty label");
        return -1;
    }
    size_t had = st->sum->nlabels;
    long l = mp_seg_label(st->sum, name, len);
    /* A new label is copied into C: its bytes count against the run's memory cap. */
    if (l >= 0 && st->sum->nlabels > had &&
        mp_host_charge_c(st->slot->host, len + 64, st->slot->pack, MP_HOOK_SEGMENTER,
                         st->slot->run->o->rule, err) != MP_OK)
        return -1;
    if (l == -2) {
        mp_fail(err, MP_ESCRIPT, "%s: segmenter returned more than %d distinct labels (a label names a "
                "segment, not a customer)", st->slot->run->rule, MP_SEG_MAX_LABELS);
        return -1;
    }
    if (l < 0) {
        mp_fail(err, MP_ENOMEM, "out of memory");
        return -1;
    }
    if (st->ncache < MP_SEG_LABEL_CACHE) {
        lua_pushvalue(L, -2);
        luaL_ref(L, LUA_REGISTRYINDEX);
        st->cptr[st->ncache] = name;
        st->cidx[st->ncache++] = l;
    }
    return l;
}

static void write_label(struct seg_state *st, struct seg_slot *s, const struct mp_csv_record *rec, long l,
                        lua_State *L)
{
    struct seg_labout *o = st->out;
    const struct mp_csv_field *k = &rec->fields[s->run->key];
    mp_segment_labout_field(o, k->ptr, k->len);
    o->buf[o->len++] = ',';
    mp_segment_labout_field(o, st->sum->labels[l].name, st->sum->labels[l].len);
    if (lua_type(L, -1) == LUA_TNUMBER) {
        if (!o->score_line)
            o->score_line = rec->line;
        char num[64]; /* fits the spare room mp_segment_labout_field leaves */
        int n = lua_isinteger(L, -1) ? snprintf(num, sizeof num, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, -1))
                                     : snprintf(num, sizeof num, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, -1));
        o->buf[o->len++] = ',';
        memcpy(o->buf + o->len, num, (size_t)n);
        o->len += (size_t)n;
    } else if (!o->plain_line) {
        o->plain_line = rec->line;
    }
    o->buf[o->len++] = '\n';
}

static enum mp_status flow_row(struct seg_state *st, const struct mp_csv_record *rec, long l, mp_error *err)
{
    struct seg_run *r = st->slot->run;
    const struct mp_csv_field *k = &rec->fields[r->key];
    if (k->len == 0)
        return mp_fail(err, MP_EINPUT, "the customer key ('%s') is empty", mp_csv_colname(r->csv, (size_t)r->key));
    if (r->flow == FLOW_PROBE) {
        struct mp_key_entry *e = mp_keymap_get(r->before, k->ptr, k->len);
        if (e) {
            if ((size_t)l >= st->facap) {
                size_t cap = st->facap ? 2 * st->facap : 8;
                while (cap <= (size_t)l)
                    cap *= 2;
                uint64_t *fc = calloc((r->nb + 1) * cap, sizeof *fc);
                if (!fc)
                    return mp_fail(err, MP_ENOMEM, "out of memory");
                for (size_t b = 0; b <= r->nb; b++)
                    for (size_t a = 0; a < st->facap; a++)
                        fc[b * cap + a] = st->fcount[b * st->facap + a];
                free(st->fcount);
                st->fcount = fc;
                st->facap = cap;
            }
            st->fcount[e->label * st->facap + (size_t)l]++;
            mp_key_mark(e, (uint64_t)st->range << MP_SEG_RANGE_SHIFT | rec->line);
            return MP_OK;
        }
    }
    if (mp_segment_keyvec_add(st->keys, k->ptr, k->len, (uint32_t)l, rec->line) != 0)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    return MP_OK;
}

/* One customer row: parse, fill the row table, call the segmenter, add to the summary. */
static enum mp_status segment_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct seg_state *st = p;
    struct seg_slot *s = st->slot;
    struct seg_run *r = s->run;
    lua_State *L = s->L;
    enum mp_status status = parse_fields(r, s, rec, err);
    if (status)
        return status;
    s->rec = rec;
    for (size_t i = 0; i < s->ntouched; i++) {
        size_t c = s->touched[i];
        if (held(s, c))
            continue;
        lua_pushvalue(L, MP_SEG_KEYS + (int)c);
        push_field(L, s, c);
        lua_rawset(L, MP_SEG_VALS);
        hold(s, c);
    }
    for (size_t i = 0; i < s->nptouched; i++) {
        push_field(L, s, s->ptouched[i]);
        lua_rawseti(L, MP_SEG_VALS, (lua_Integer)s->ptouched[i] + 1);
    }
    lua_pushvalue(L, MP_SEG_FN);
    lua_pushvalue(L, MP_SEG_ROW);
    lua_pushvalue(L, MP_SEG_PARAMS);
    status = host_call(s, err);
    if (s->wanted) {
        /* The rule asked for quantiles: stop, compute them, run again. */
        if (status == MP_OK)
            lua_pop(L, 2);
        atomic_store(&r->restart, 1);
        return mp_fail(err, MP_EINTERNAL, "restart");
    }
    /* --skip-bad: a row the rule fails on (text where it wanted a number, ...) is a bad row,
     * counted and sampled with its line like a malformed one; a limit is not (the next
     * row would hit it too). */
    if (status == MP_ESCRIPT && r->o->skip_bad && !mp_host_limit_hit(s->host)) {
        char msg[MP_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return mp_fail(err, MP_EINPUT, "the rule failed: %s", msg);
    }
    if (status)
        return status;
    lua_pushnil(L);
    if (lua_next(L, MP_SEG_ROW)) {
        /* Only rawset can put a key there, and it would shadow that column in later rows. */
        lua_pop(L, 4);
        lua_pushnil(L);
        while (lua_next(L, MP_SEG_ROW)) { /* empty it for whoever reads the error and goes on */
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, MP_SEG_ROW);
        }
        return mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' wrote into the row with rawset (the row is "
                       "read-only and reused for the next row)", r->rule, r->o->rule);
    }
    if (lua_type(L, -2) != LUA_TSTRING) {
        status = mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned %s instead of a label (a string)",
                         r->rule, r->o->rule, luaL_typename(L, -2));
        lua_pop(L, 2);
        return status;
    }
    if (!lua_isnoneornil(L, -1) && lua_type(L, -1) != LUA_TNUMBER) {
        status = mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned a %s as score (a number or nothing)",
                         r->rule, r->o->rule, luaL_typename(L, -1));
        lua_pop(L, 2);
        return status;
    }
    if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1) && !isfinite(lua_tonumber(L, -1))) {
        status = mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned a score of %s (a score must be a "
                         "finite number)", r->rule, r->o->rule,
                         isnan(lua_tonumber(L, -1)) ? "nan" : lua_tonumber(L, -1) > 0 ? "inf" : "-inf");
        lua_pop(L, 2);
        return status;
    }
    long l = label_index(st, L, err);
    if (l < 0) {
        lua_pop(L, 2);
        return err->status;
    }
    if (st->out)
        write_label(st, s, rec, l, L);
    lua_pop(L, 2);

    struct mp_seg_label *lb = &st->sum->labels[l];
    lb->count++;
    for (size_t c = 0; c < r->ncols; c++) {
        int bad = 0;
        switch (s->kind[c]) {
        case MP_CSV_INT: bad = mp_seg_add_int(&lb->acc[c], s->iv[c]); break;
        case MP_CSV_REAL: bad = mp_seg_add_real(&lb->acc[c], s->dv[c]); break;
        case MP_CSV_TEXT: lb->acc[c].text++; break;
        default: break;
        }
        if (bad)
            return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (r->flow != FLOW_NONE)
        return flow_row(st, rec, l, err);
    return MP_OK;
}

enum mp_status mp_segment_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct seg_state *st = p;
    return st->slot->run->pass == PASS_SKETCH ? sketch_row(p, rec, err) : segment_row(p, rec, err);
}
