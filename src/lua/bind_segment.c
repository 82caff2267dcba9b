/* Segmenters over customers files: the row object a segmenter sees, the per-row loop, and
 * the passes around it (threads, the quantile first pass, the flow between snapshots).
 *
 * Speed comes from the row object (see docs/segment.md, "How it is fast"): one plain Lua
 * table reused for every row. Each row, the columns the rule has read before are stored in
 * it with lua_rawset (numbers parsed once in C, keys interned strings kept on the stack), so
 * a field access is a plain table hit; a column read for the first time goes through
 * __index, which also marks it for the following rows. */
#include "mplan/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core/model.h"
#include "core/segment.h"
#include "io/csv.h"
#include "io/out.h"
#include "lua/lhost.h"
#include "lua/pack.h"

#define LABEL_CACHE 16

/* Stack slots of a worker's Lua state while a pass runs (slot 1 is the host's handler). */
enum { S_FN = 2, S_PARAMS, S_ROW, S_KEYS };

struct run;

/* A worker thread's Lua state and what it knows of the row being segmented. */
struct slot {
    struct run *run;
    mp_host *host;
    lua_State *L;
    const char *pack;    /* its name, owned by the host */
    const struct mp_csv_record *rec;
    unsigned char *kind; /* [ncols] enum mp_csv_kind of the current row */
    int64_t *iv;         /* [ncols] */
    double *dv;          /* [ncols] */
    uint32_t *touched, *ptouched;  /* columns read by name, by position */
    size_t ntouched, nptouched;
    unsigned char *is_touched, *is_ptouched;
    unsigned char *want; /* [ncols] quantiles asked for and not computed yet */
    int wanted;
};

/* A growing list of (key, label, line), for the flow. */
struct keyvec {
    char *bytes;
    size_t nbytes, capbytes;
    struct keyrow {
        size_t off;
        uint32_t len, label;
        uint64_t line;
    } *rows;
    size_t n, cap;
};

/* `--labels` lines of one range, in a temporary file until the ranges are joined. */
struct labout {
    int fd;
    char *buf;
    size_t len;
    int err;                   /* errno of a failed write */
    uint64_t score_line, plain_line; /* first row with / without a score (0: none) */
};

enum pass_kind { PASS_SEGMENT, PASS_SKETCH };
enum flow_mode { FLOW_NONE, FLOW_COLLECT, FLOW_PROBE };

struct run {
    const mp_segment_opts *o;
    mp_csv *csv;
    const char *path;
    size_t ncols;
    long key;
    int jobs;
    struct slot *slots;
    char *rule;            /* PACK.NAME for messages and partials */
    enum pass_kind pass;
    mp_sketch **sketch;    /* [ncols], frozen; NULL where not computed */
    unsigned char *sketch_want; /* [ncols] columns the sketch pass reads */
    atomic_int restart;    /* a rule asked for quantiles not computed yet */
    enum flow_mode flow;
    const mp_keymap *before; /* FLOW_PROBE */
    size_t nb;               /* labels of the before summary */
    const char *labels_dir;  /* where --labels temporary files go; NULL: no labels */
    const char *what;        /* the pass, for progress */
    struct mp_arena arena;   /* typed param overrides */
    struct mp_param *overrides;
};

/* Everything one byte range of the file adds up to. */
struct state {
    struct slot *slot;
    mp_seg_summary *sum;
    const void *cptr[LABEL_CACHE];
    long cidx[LABEL_CACHE];
    unsigned ncache;
    struct labout *out;
    struct keyvec *keys;    /* FLOW_COLLECT: every row; FLOW_PROBE: rows new in AFTER */
    uint64_t *fcount;       /* FLOW_PROBE: [(nb + 1) * facap] before label x local label */
    size_t facap;
    mp_sketch **sk;         /* PASS_SKETCH: [ncols] */
};

/* ---- the host ----
 * Each worker thread has its own mp_host with the pack loaded; the segmenter and its params
 * are pushed once and reused for every row. */

/* Registry key under which a host's state finds its slot (for mplan.quantile). */
static const char SLOT_KEY = 0;

/* --param NAME=VALUE strings, typed by the pack's manifest. */
static enum mp_status typed_params(struct run *r, mp_error *err)
{
    const mp_segment_opts *o = r->o;
    if (!o->nparams)
        return MP_OK;
    struct mp_manifest man;
    enum mp_status st = mp_manifest_load(o->pack, &man, err);
    if (st)
        return st;
    const char *from = o->params_from ? o->params_from : "--param";
    r->overrides = calloc(o->nparams, sizeof *r->overrides);
    if (!r->overrides)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < o->nparams; i++) {
        const char *a = o->params[i], *eq = strchr(a, '=');
        if (!eq) {
            st = mp_fail(err, MP_EUSAGE, "%s %s: expected NAME=VALUE", from, a);
            break;
        }
        size_t k = 0;
        while (k < man.nparams && (strlen(man.params[k].name) != (size_t)(eq - a) ||
                                   strncmp(man.params[k].name, a, (size_t)(eq - a)) != 0))
            k++;
        if (k == man.nparams) {
            st = mp_fail(err, MP_EUSAGE, "%s %s: pack '%s' has no param '%.*s'%s", from, a, man.name,
                         (int)(eq - a), a, man.nparams ? "" : " (it takes none)");
            break;
        }
        const struct mp_pack_param *p = &man.params[k];
        struct mp_param *q = &r->overrides[i];
        q->name = mp_arena_strdup(&r->arena, p->name);
        q->type = p->type;
        const char *v = eq + 1;
        char *end;
        if (p->type == MP_PARAM_NUMBER) {
            q->num = strtod(v, &end);
            if (!*v || *end || !isfinite(q->num))
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' is a number", from, a, p->name);
            else if (q->num < p->min || q->num > p->max)
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' must be between %g and %g", from, a,
                             p->name, p->min, p->max);
        } else if (p->type == MP_PARAM_BOOL) {
            q->boolean = strcmp(v, "true") == 0;
            if (!q->boolean && strcmp(v, "false") != 0)
                st = mp_fail(err, MP_EUSAGE, "%s %s: param '%s' is true or false", from, a, p->name);
        } else {
            q->str = mp_arena_strdup(&r->arena, v);
        }
        if (st == MP_OK && (!q->name || (p->type == MP_PARAM_STRING && !q->str)))
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    }
    mp_manifest_free(&man);
    return st;
}

/* A host with the pack loaded; leaves [handler, fn, params] on its stack. */
static enum mp_status host_open(struct slot *s, mp_error *err)
{
    struct run *r = s->run;
    enum mp_status st = mp_host_new(&r->o->limits, &s->host, err);
    if (st)
        return st;
    mp_host_set_verbose(s->host, r->o->verbose);
    lua_State *L = s->L = mp_host_state(s->host);
    lua_pushlightuserdata(L, s);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &SLOT_KEY);
    const char *pack;
    st = mp_host_load_pack_dir(s->host, r->o->pack, r->overrides, r->o->nparams, &pack, err);
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
static enum mp_status host_call(struct slot *s, mp_error *err)
{
    return mp_lua_call(s->host, 2, 2, s->pack, MP_HOOK_SEGMENTER, s->run->o->rule, err);
}

static void host_close(struct slot *s)
{
    mp_host_free(s->host);
    s->host = NULL;
    s->L = NULL;
}

/* ---- the row object ---- */

static void push_field(lua_State *L, const struct slot *s, size_t c)
{
    switch (s->kind[c]) {
    case MP_CSV_EMPTY: lua_pushnil(L); break;
    case MP_CSV_INT: lua_pushinteger(L, s->iv[c]); break;
    case MP_CSV_REAL: lua_pushnumber(L, s->dv[c]); break;
    default: lua_pushlstring(L, s->rec->fields[c].ptr, s->rec->fields[c].len); break;
    }
}

static int row_error_unknown(lua_State *L, struct slot *s, const char *name)
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

/* __index(row, key): a column read for the first time in this row. */
static int row_index(lua_State *L)
{
    struct slot *s = lua_touserdata(L, lua_upvalueindex(1));
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNUMBER) { /* [row, key, c] */
            size_t c = (size_t)lua_tointeger(L, -1);
            if (!s->is_touched[c]) {
                s->is_touched[c] = 1;
                s->touched[s->ntouched++] = (uint32_t)c;
            }
            push_field(L, s, c);
            lua_pushvalue(L, 2);
            lua_pushvalue(L, -2);
            lua_rawset(L, 1); /* later reads in this row are plain hits */
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
    struct slot *s = lua_touserdata(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 2);
    lua_pushboolean(L, mp_csv_find(s->run->csv, name) >= 0);
    return 1;
}

static int row_len(lua_State *L)
{
    struct slot *s = lua_touserdata(L, lua_upvalueindex(1));
    lua_pushinteger(L, (lua_Integer)s->run->ncols);
    return 1;
}

/* pairs(row): every column in file order, name -> value. */
static int row_next(lua_State *L)
{
    struct slot *s = lua_touserdata(L, lua_upvalueindex(1));
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

/* Push the row table and the column names on the slot's stack: [fn, params, row, keys...]. */
static enum mp_status row_setup(struct slot *s, mp_error *err)
{
    lua_State *L = s->L;
    size_t n = s->run->ncols;
    if (!lua_checkstack(L, (int)n + 20))
        return mp_fail(err, MP_ENOMEM, "too many columns for the Lua stack");
    lua_createtable(L, (int)n, (int)n); /* the row */
    lua_createtable(L, 0, (int)n);      /* name -> column index */
    for (size_t c = 0; c < n; c++) {
        lua_pushinteger(L, (lua_Integer)c);
        lua_setfield(L, -2, mp_csv_colname(s->run->csv, c));
    }
    lua_newtable(L); /* metatable: [row, names, mt] */
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
    lua_pushlightuserdata(L, s);
    lua_pushvalue(L, -3);
    lua_pushlightuserdata(L, s);
    lua_pushcclosure(L, row_has, 1);
    lua_pushcclosure(L, row_index, 3);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "row");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -3);
    lua_pop(L, 1); /* [fn, params, row] */
    for (size_t c = 0; c < n; c++)
        lua_pushstring(L, mp_csv_colname(s->run->csv, c));
    return MP_OK;
}

/* mplan.quantile(column, p): the p-quantile of a numeric column over the whole input. */
static int l_quantile(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_Number p = luaL_checknumber(L, 2);
    luaL_argcheck(L, p >= 0 && p <= 1, 2, "p must be within [0, 1]");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &SLOT_KEY);
    struct slot *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!s)
        return luaL_error(L, "mplan.quantile works in segmenters that 'mplan segment' runs");
    long c = mp_csv_find(s->run->csv, name);
    if (c < 0)
        return row_error_unknown(L, s, name);
    const mp_sketch *sk = s->run->sketch ? s->run->sketch[c] : NULL;
    if (!sk) {
        /* Not computed: note it and go on with a stand-in; this pass is thrown away and the
         * quantiles computed in a first pass before the next. */
        s->want[c] = 1;
        s->wanted = 1;
        lua_pushnumber(L, 0);
        return 1;
    }
    int exact;
    double q = mp_sketch_quantile(sk, p, &exact);
    if (isnan(q))
        lua_pushnil(L);
    else if (q == floor(q) && fabs(q) < 9007199254740992.0)
        lua_pushinteger(L, (lua_Integer)q);
    else
        lua_pushnumber(L, q);
    return 1;
}

int luaopen_mplan_segment(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"quantile", l_quantile}, {NULL, NULL}};
    luaL_newlib(L, funcs);
    return 1;
}

/* ---- slots ---- */

static void slot_free(struct slot *s)
{
    host_close(s);
    free(s->kind);
    free(s->iv);
    free(s->dv);
    free(s->touched);
    free(s->ptouched);
    free(s->is_touched);
    free(s->is_ptouched);
    free(s->want);
    memset(s, 0, sizeof *s);
}

static enum mp_status slot_open(struct run *r, struct slot *s, mp_error *err)
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
    if (!s->kind || !s->iv || !s->dv || !s->touched || !s->ptouched || !s->is_touched ||
        !s->is_ptouched || !s->want)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (r->pass == PASS_SKETCH)
        return MP_OK;
    enum mp_status st = host_open(s, err);
    return st ? st : row_setup(s, err);
}

static void slots_free(struct run *r)
{
    for (int i = 0; r->slots && i < r->jobs; i++)
        slot_free(&r->slots[i]);
    free(r->slots);
    r->slots = NULL;
}

static enum mp_status slots_open(struct run *r, mp_error *err)
{
    r->slots = calloc((size_t)r->jobs, sizeof *r->slots);
    if (!r->slots)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (int i = 0; i < r->jobs; i++) {
        enum mp_status st = slot_open(r, &r->slots[i], err);
        if (st) {
            slots_free(r);
            return st;
        }
    }
    return MP_OK;
}

/* ---- per-range output ---- */

static int labout_flush(struct labout *o)
{
    size_t off = 0;
    while (off < o->len) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            o->err = errno;
            break;
        }
        off += (size_t)n;
    }
    o->len = 0;
    return o->err ? -1 : 0;
}

#define LABOUT_BUF 65536

/* Append a CSV field, quoted when it must be. */
static void labout_field(struct labout *o, const char *p, size_t n)
{
    if (o->len + 2 * n + 4 > LABOUT_BUF)
        labout_flush(o);
    if (2 * n + 4 > LABOUT_BUF)
        n = (LABOUT_BUF - 4) / 2; /* fields are at most max_field; labels are short */
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        return;
    }
    o->buf[o->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            o->buf[o->len++] = '"';
        o->buf[o->len++] = p[i];
    }
    o->buf[o->len++] = '"';
}

static void labout_free(struct labout *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    free(o->buf);
    free(o);
}

static struct labout *labout_new(const char *dir, mp_error *err)
{
    struct labout *o = calloc(1, sizeof *o);
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/.mplan-labels.XXXXXX", dir);
    if (!o || !(o->buf = malloc(LABOUT_BUF))) {
        labout_free(o);
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    o->fd = mkstemp(tmpl);
    if (o->fd < 0) {
        mp_fail(err, MP_EIO, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        labout_free(o);
        return NULL;
    }
    unlink(tmpl); /* gone when closed, whatever happens */
    return o;
}

static int keyvec_add(struct keyvec *v, const char *key, size_t len, uint32_t label, uint64_t line)
{
    if (v->nbytes + len > v->capbytes) {
        size_t cap = v->capbytes ? 2 * v->capbytes : 65536;
        while (cap < v->nbytes + len)
            cap *= 2;
        char *b = realloc(v->bytes, cap);
        if (!b)
            return -1;
        v->bytes = b;
        v->capbytes = cap;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 4096;
        struct keyrow *r = realloc(v->rows, cap * sizeof *r);
        if (!r)
            return -1;
        v->rows = r;
        v->cap = cap;
    }
    memcpy(v->bytes + v->nbytes, key, len);
    v->rows[v->n++] = (struct keyrow){v->nbytes, (uint32_t)len, label, line};
    v->nbytes += len;
    return 0;
}

static void keyvec_free(struct keyvec *v)
{
    if (v) {
        free(v->bytes);
        free(v->rows);
    }
    free(v);
}

/* ---- per-range states (the csv pass callbacks) ---- */

static void state_discard(void *ctx, void *p)
{
    struct run *r = ctx;
    struct state *st = p;
    if (!st)
        return;
    mp_seg_free(st->sum);
    labout_free(st->out);
    keyvec_free(st->keys);
    free(st->fcount);
    if (st->sk)
        for (size_t c = 0; c < r->ncols; c++)
            mp_sketch_free(st->sk[c]);
    free(st->sk);
    free(st);
}

static void *state_open(void *ctx, int slot, mp_error *err)
{
    struct run *r = ctx;
    struct state *st = calloc(1, sizeof *st);
    if (!st) {
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    st->slot = &r->slots[slot];
    const char **cols = malloc((r->ncols ? r->ncols : 1) * sizeof *cols);
    if (cols) {
        for (size_t c = 0; c < r->ncols; c++)
            cols[c] = mp_csv_colname(r->csv, c);
        st->sum = mp_seg_new(cols, r->ncols, r->key);
        free(cols);
    }
    int ok = st->sum != NULL;
    if (ok && r->pass == PASS_SKETCH) {
        ok = (st->sk = calloc(r->ncols ? r->ncols : 1, sizeof *st->sk)) != NULL;
        for (size_t c = 0; ok && c < r->ncols; c++)
            if (r->sketch_want[c])
                ok = (st->sk[c] = mp_sketch_new()) != NULL;
    }
    if (ok && r->flow != FLOW_NONE && r->pass == PASS_SEGMENT)
        ok = (st->keys = calloc(1, sizeof *st->keys)) != NULL;
    if (!ok) {
        state_discard(r, st);
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    if (r->labels_dir && r->pass == PASS_SEGMENT && !(st->out = labout_new(r->labels_dir, err))) {
        state_discard(r, st);
        return NULL;
    }
    return st;
}

static inline enum mp_csv_kind classify(const char *p, size_t n, int64_t *iv, double *dv, int *range)
{
    /* Most fields are empty, text, or short unsigned integers: settle those here. */
    *range = 0;
    if (n == 0)
        return MP_CSV_EMPTY;
    unsigned c0 = (unsigned char)p[0];
    if (c0 - '0' > 9 && c0 != '-' && c0 != '+' && c0 != '.')
        return MP_CSV_TEXT;
    if (n <= 18) {
        uint64_t v = 0;
        size_t i = 0;
        for (; i < n; i++) {
            unsigned d = (unsigned)(unsigned char)p[i] - '0';
            if (d > 9)
                break;
            v = v * 10 + d;
        }
        if (i == n) {
            *iv = (int64_t)v;
            return MP_CSV_INT;
        }
    }
    return mp_csv_number(p, n, iv, dv, range);
}

/* Parse every field once: for the summary and for the row object. */
static enum mp_status parse_fields(struct run *r, struct slot *s, const struct mp_csv_record *rec,
                                   mp_error *err)
{
    for (size_t c = 0; c < r->ncols; c++) {
        int range;
        s->kind[c] = (unsigned char)classify(rec->fields[c].ptr, rec->fields[c].len, &s->iv[c],
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
    struct state *st = p;
    struct run *r = st->slot->run;
    for (size_t c = 0; c < r->ncols; c++) {
        if (!st->sk[c])
            continue;
        int64_t iv;
        double dv;
        int range;
        enum mp_csv_kind k = classify(rec->fields[c].ptr, rec->fields[c].len, &iv, &dv, &range);
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
static long label_index(struct state *st, lua_State *L, mp_error *err)
{
    size_t len;
    const char *name = lua_tolstring(L, -2, &len);
    for (unsigned i = 0; i < st->ncache; i++)
        if (st->cptr[i] == name)
            return st->cidx[i];
    long l = mp_seg_label(st->sum, name, len);
    if (l == -2) {
        mp_fail(err, MP_ESCRIPT, "%s: segmenter returned more than %d distinct labels (a label names a "
                "segment, not a customer)", st->slot->run->rule, MP_SEG_MAX_LABELS);
        return -1;
    }
    if (l < 0) {
        mp_fail(err, MP_ENOMEM, "out of memory");
        return -1;
    }
    if (st->ncache < LABEL_CACHE) {
        lua_pushvalue(L, -2);
        luaL_ref(L, LUA_REGISTRYINDEX);
        st->cptr[st->ncache] = name;
        st->cidx[st->ncache++] = l;
    }
    return l;
}

static void write_label(struct state *st, struct slot *s, const struct mp_csv_record *rec, long l,
                        lua_State *L)
{
    struct labout *o = st->out;
    const struct mp_csv_field *k = &rec->fields[s->run->key];
    labout_field(o, k->ptr, k->len);
    o->buf[o->len++] = ',';
    labout_field(o, st->sum->labels[l].name, st->sum->labels[l].len);
    if (lua_type(L, -1) == LUA_TNUMBER) {
        if (!o->score_line)
            o->score_line = rec->line;
        char num[64];
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

static enum mp_status flow_row(struct state *st, const struct mp_csv_record *rec, long l, mp_error *err)
{
    struct run *r = st->slot->run;
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
            mp_key_mark(e, rec->line);
            return MP_OK;
        }
    }
    if (keyvec_add(st->keys, k->ptr, k->len, (uint32_t)l, rec->line) != 0)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    return MP_OK;
}

/* One customer row: parse, fill the row table, call the segmenter, add to the summary. */
static enum mp_status segment_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct state *st = p;
    struct slot *s = st->slot;
    struct run *r = s->run;
    lua_State *L = s->L;
    enum mp_status status = parse_fields(r, s, rec, err);
    if (status)
        return status;
    s->rec = rec;
    for (size_t i = 0; i < s->ntouched; i++) {
        size_t c = s->touched[i];
        lua_pushvalue(L, S_KEYS + (int)c);
        push_field(L, s, c);
        lua_rawset(L, S_ROW);
    }
    for (size_t i = 0; i < s->nptouched; i++) {
        push_field(L, s, s->ptouched[i]);
        lua_rawseti(L, S_ROW, (lua_Integer)s->ptouched[i] + 1);
    }
    lua_pushvalue(L, S_FN);
    lua_pushvalue(L, S_ROW);
    lua_pushvalue(L, S_PARAMS);
    status = host_call(s, err);
    if (s->wanted) {
        /* The rule asked for quantiles: stop, compute them, run again. */
        if (status == MP_OK)
            lua_pop(L, 2);
        atomic_store(&r->restart, 1);
        return mp_fail(err, MP_EINTERNAL, "restart");
    }
    if (status)
        return status;
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

static enum mp_status pass_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct state *st = p;
    return st->slot->run->pass == PASS_SKETCH ? sketch_row(p, rec, err) : segment_row(p, rec, err);
}

static void pass_tick(void *ctx, uint64_t done, uint64_t total)
{
    struct run *r = ctx;
    if (r->o->progress)
        r->o->progress(r->o->ctx, r->what, done, total);
}

/* ---- passes ---- */

static enum mp_status run_pass(struct run *r, struct mp_csv_pass_result *res, mp_error *err)
{
    struct mp_csv_worker w = {r, state_open, pass_row, state_discard, pass_tick};
    enum mp_status st = mp_csv_pass_run(r->csv, r->jobs, &w, res, err);
    if (st == MP_OK && r->o->warn && res->bad) {
        char msg[MP_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s: %llu bad row%s skipped", mp_csv_name(r->csv),
                 (unsigned long long)res->bad, res->bad == 1 ? "" : "s");
        r->o->warn(r->o->ctx, msg);
        for (size_t i = 0; i < res->nsamples; i++)
            r->o->warn(r->o->ctx, res->bad_samples[i]);
    }
    return st;
}

/* The quantile first pass over the columns the rule asked for. */
static enum mp_status run_sketch(struct run *r, mp_error *err)
{
    if (!r->sketch && !(r->sketch = calloc(r->ncols, sizeof *r->sketch)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!(r->sketch_want = calloc(r->ncols, 1)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (int i = 0; i < r->jobs; i++)
        for (size_t c = 0; c < r->ncols; c++)
            r->sketch_want[c] |= r->slots[i].want[c] && !r->sketch[c];
    slots_free(r);
    r->pass = PASS_SKETCH;
    const char *what = r->what;
    r->what = "quantiles";
    struct mp_csv_pass_result res;
    enum mp_status st = slots_open(r, err);
    if (st == MP_OK)
        st = run_pass(r, &res, err);
    r->what = what;
    r->pass = PASS_SEGMENT;
    if (st == MP_OK) {
        for (size_t c = 0; c < r->ncols && st == MP_OK; c++) {
            if (!r->sketch_want[c])
                continue;
            mp_sketch *m = mp_sketch_new();
            for (size_t i = 0; m && i < res.nstates; i++)
                if (mp_sketch_merge(m, ((struct state *)res.states[i])->sk[c]) != 0) {
                    mp_sketch_free(m);
                    m = NULL;
                }
            if (!m || mp_sketch_freeze(m) != 0) {
                mp_sketch_free(m);
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            r->sketch[c] = m;
        }
        struct mp_csv_worker w = {r, state_open, pass_row, state_discard, pass_tick};
        mp_csv_pass_free(&w, &res);
    }
    slots_free(r);
    free(r->sketch_want);
    r->sketch_want = NULL;
    return st;
}

static void run_free(struct run *r)
{
    slots_free(r);
    if (r->sketch)
        for (size_t c = 0; c < r->ncols; c++)
            mp_sketch_free(r->sketch[c]);
    free(r->sketch);
    free(r->rule);
    free(r->overrides);
    mp_arena_free(&r->arena);
    mp_csv_close(r->csv);
    memset(r, 0, sizeof *r);
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static enum mp_status run_open(struct run *r, const char *path, const mp_segment_opts *o, mp_error *err)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->path = path;
    r->jobs = o->jobs > 0 ? o->jobs : online_cpus();
    struct mp_csv_opts co = {o->max_field, o->skip_bad, o->names, o->nnames};
    enum mp_status st = mp_csv_open(path, &co, &r->csv, err);
    if (st)
        return st;
    r->ncols = mp_csv_ncols(r->csv);
    r->key = 0;
    if (o->key && (r->key = mp_csv_find(r->csv, o->key)) < 0) {
        st = mp_fail(err, MP_EUSAGE, "%s: no key column '%s'", mp_csv_name(r->csv), o->key);
        run_free(r);
        return st;
    }
    if ((st = typed_params(r, err)) != MP_OK) {
        run_free(r);
        return st;
    }
    r->what = mp_csv_name(r->csv);
    return MP_OK;
}

/* Segment the open file; on success *res holds the range states in file order. */
static enum mp_status run_segment(struct run *r, struct mp_csv_pass_result *res, mp_error *err)
{
    for (;;) {
        enum mp_status st = slots_open(r, err);
        if (st)
            return st;
        atomic_store(&r->restart, 0);
        st = run_pass(r, res, err);
        if (st == MP_OK || !atomic_load(&r->restart))
            return st;
        /* A rule asked for quantiles: a first pass over the file computes them. */
        const char *name = mp_csv_name(r->csv);
        if (strcmp(name, "<stdin>") == 0)
            return mp_fail(err, MP_EUSAGE, "%s: segmenter '%s' uses mplan.quantile, which needs a first pass "
                           "over the input: give a file rather than standard input, or pass the edges "
                           "as params", r->rule, r->o->rule);
        st = run_sketch(r, err);
        if (st)
            return st;
    }
}

static enum mp_status merge_states(struct run *r, const struct mp_csv_pass_result *res,
                                   mp_seg_summary **out, mp_error *err)
{
    const char **cols = malloc((r->ncols ? r->ncols : 1) * sizeof *cols);
    if (!cols)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c < r->ncols; c++)
        cols[c] = mp_csv_colname(r->csv, c);
    mp_seg_summary *s = mp_seg_new(cols, r->ncols, r->key);
    free(cols);
    if (!s || !(s->rule = strdup(r->rule))) {
        mp_seg_free(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < res->nstates; i++) {
        enum mp_status st = mp_seg_merge(s, ((struct state *)res->states[i])->sum, err);
        if (st) {
            mp_seg_free(s);
            return st;
        }
    }
    s->bad = res->bad;
    *out = s;
    return MP_OK;
}

/* Join the ranges' label files behind a header into the --labels file. */
static enum mp_status write_labels(struct run *r, const struct mp_csv_pass_result *res, mp_error *err)
{
    uint64_t with = 0, without = 0;
    for (size_t i = 0; i < res->nstates; i++) {
        struct labout *o = ((struct state *)res->states[i])->out;
        if (labout_flush(o) != 0)
            return mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(o->err));
        if (o->score_line && !with)
            with = o->score_line;
        if (o->plain_line && !without)
            without = o->plain_line;
    }
    if (with && without)
        return mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned a score for some rows and not for others "
                       "(%s:%llu has one, %s:%llu not): return one always or never", r->rule, r->o->rule,
                       mp_csv_name(r->csv), (unsigned long long)with, mp_csv_name(r->csv),
                       (unsigned long long)without);
    struct mp_out out;
    enum mp_status st = mp_out_open(&out, r->o->labels, err);
    if (st)
        return st;
    fprintf(out.fp, "%s,label%s\n", mp_csv_colname(r->csv, (size_t)r->key), with ? ",score" : "");
    char *buf = malloc(1 << 20);
    for (size_t i = 0; buf && i < res->nstates && st == MP_OK; i++) {
        struct labout *o = ((struct state *)res->states[i])->out;
        if (lseek(o->fd, 0, SEEK_SET) != 0) {
            st = mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(errno));
            break;
        }
        ssize_t n;
        while ((n = read(o->fd, buf, 1 << 20)) > 0)
            if (fwrite(buf, 1, (size_t)n, out.fp) != (size_t)n) {
                st = mp_fail(err, MP_EIO, "%s: write failed: %s", r->o->labels, strerror(errno));
                break;
            }
        if (n < 0)
            st = mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(errno));
    }
    if (!buf)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    free(buf);
    if (st == MP_OK)
        return mp_out_commit(&out, err);
    mp_out_abort(&out);
    return st;
}

/* The directory of `path`, for temporary files beside it. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static enum mp_status segment_file(struct run *r, const char *path, const mp_segment_opts *o,
                                   enum flow_mode flow, struct mp_csv_pass_result *res,
                                   mp_seg_summary **out, mp_error *err)
{
    memset(res, 0, sizeof *res);
    enum mp_status st = run_open(r, path, o, err);
    if (st)
        return st;
    r->flow = flow;
    char *dir = NULL;
    if (o->labels && flow != FLOW_COLLECT) {
        if (!(dir = dir_of(o->labels))) {
            run_free(r);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        r->labels_dir = dir;
    }
    st = run_segment(r, res, err);
    if (st == MP_OK)
        st = merge_states(r, res, out, err);
    if (st == MP_OK && r->labels_dir) {
        st = write_labels(r, res, err);
        if (st) {
            mp_seg_free(*out);
            *out = NULL;
        }
    }
    if (st != MP_OK) {
        struct mp_csv_worker w = {r, state_open, pass_row, state_discard, pass_tick};
        mp_csv_pass_free(&w, res);
    }
    free(dir);
    r->labels_dir = NULL;
    return st;
}

static void states_free(struct run *r, struct mp_csv_pass_result *res)
{
    struct mp_csv_worker w = {r, state_open, pass_row, state_discard, pass_tick};
    mp_csv_pass_free(&w, res);
}

enum mp_status mp_segment_run(const char *path, const mp_segment_opts *o, mp_seg_summary **out,
                              mp_error *err)
{
    *out = NULL;
    struct run r;
    struct mp_csv_pass_result res;
    enum mp_status st = segment_file(&r, path, o, FLOW_NONE, &res, out, err);
    if (st == MP_OK)
        states_free(&r, &res);
    run_free(&r);
    return st;
}

/* ---- flow ---- */

struct dup {
    uint64_t first, again; /* lines; again 0 when unknown */
    const char *key;
    size_t len;
};

static void note_dup(struct dup *d, uint64_t first, uint64_t again, const char *key, size_t len)
{
    if (!d->key || first < d->first) {
        d->first = first;
        d->again = again;
        d->key = key;
        d->len = len;
    }
}

static enum mp_status dup_error(const struct dup *d, const char *file, const char *keycol, mp_error *err)
{
    if (d->again)
        return mp_fail(err, MP_EINPUT, "%s:%llu: customer %s '%.*s' is also on line %llu", file,
                       (unsigned long long)d->again, keycol, (int)d->len, d->key, (unsigned long long)d->first);
    return mp_fail(err, MP_EINPUT, "%s:%llu: customer %s '%.*s' is on more than one row", file,
                   (unsigned long long)d->first, keycol, (int)d->len, d->key);
}

/* Local label index of a range -> index in the merged summary. */
static uint32_t *label_map(const mp_seg_summary *local, mp_seg_summary *merged)
{
    uint32_t *m = calloc(local->nlabels ? local->nlabels : 1, sizeof *m);
    for (size_t l = 0; m && l < local->nlabels; l++)
        m[l] = (uint32_t)mp_seg_label(merged, local->labels[l].name, local->labels[l].len);
    return m;
}

/* Put every collected key into `map`, in file order, labels mapped to `merged`. */
static enum mp_status put_keys(const struct mp_csv_pass_result *res, mp_seg_summary *merged, mp_keymap *map,
                               struct dup *dup, mp_error *err)
{
    for (size_t i = 0; i < res->nstates; i++) {
        const struct state *st = res->states[i];
        uint32_t *lm = label_map(st->sum, merged);
        if (!lm)
            return mp_fail(err, MP_ENOMEM, "out of memory");
        for (size_t k = 0; k < st->keys->n; k++) {
            const struct keyrow *kr = &st->keys->rows[k];
            int d;
            const char *key = st->keys->bytes + kr->off;
            struct mp_key_entry *e = mp_keymap_put(map, key, kr->len, lm[kr->label], kr->line, &d);
            if (!e) {
                free(lm);
                return mp_fail(err, MP_ENOMEM, "out of memory");
            }
            if (d && !dup->key)
                note_dup(dup, e->line, kr->line, e->key, e->len);
        }
        free(lm);
    }
    return MP_OK;
}

enum mp_status mp_segment_flow(const char *before, const char *after, const mp_segment_opts *o,
                               mp_seg_summary **sb, mp_seg_summary **sa, mp_seg_flow **flow,
                               mp_error *err)
{
    *sb = *sa = NULL;
    *flow = NULL;
    struct run rb, ra;
    struct mp_csv_pass_result resb, resa;
    memset(&resa, 0, sizeof resa);
    mp_keymap *map = mp_keymap_new(), *fresh = mp_keymap_new();
    if (!map || !fresh) {
        mp_keymap_free(map);
        mp_keymap_free(fresh);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    enum mp_status st = segment_file(&rb, before, o, FLOW_COLLECT, &resb, sb, err);
    if (st) {
        run_free(&rb);
        mp_keymap_free(map);
        mp_keymap_free(fresh);
        return st;
    }
    struct dup dup = {0};
    st = put_keys(&resb, *sb, map, &dup, err);
    if (st == MP_OK && dup.key)
        st = dup_error(&dup, mp_csv_name(rb.csv), mp_csv_colname(rb.csv, (size_t)rb.key), err);
    states_free(&rb, &resb);
    run_free(&rb);
    if (st == MP_OK) {
        /* The after pass reads the before map from every thread; nothing writes to it but the
         * atomic marks. */
        struct run *r = &ra;
        st = run_open(r, after, o, err);
        if (st == MP_OK) {
            r->flow = FLOW_PROBE;
            r->before = map;
            r->nb = (*sb)->nlabels;
            char *dir = o->labels ? dir_of(o->labels) : NULL;
            r->labels_dir = dir;
            st = run_segment(r, &resa, err);
            if (st == MP_OK)
                st = merge_states(r, &resa, sa, err);
            if (st == MP_OK && r->labels_dir)
                st = write_labels(r, &resa, err);
            if (st == MP_OK)
                st = put_keys(&resa, *sa, fresh, &dup, err);
            if (st == MP_OK) {
                /* Keys matched twice are repeated in AFTER too. */
                for (size_t i = 0; i < mp_keymap_count(map); i++) {
                    struct mp_key_entry *e = mp_keymap_at(map, i);
                    if (e->seen > 1)
                        note_dup(&dup, e->seen_line, 0, e->key, e->len);
                }
                if (dup.key)
                    st = dup_error(&dup, mp_csv_name(r->csv), mp_csv_colname(r->csv, (size_t)r->key), err);
            }
            mp_seg_flow *f = NULL;
            if (st == MP_OK && !(f = mp_seg_flow_new((*sb)->nlabels, (*sa)->nlabels)))
                st = mp_fail(err, MP_ENOMEM, "out of memory");
            if (st == MP_OK) {
                size_t na = f->na, nb = f->nb;
                for (size_t i = 0; i < resa.nstates && st == MP_OK; i++) {
                    const struct state *s = resa.states[i];
                    uint32_t *lm = label_map(s->sum, *sa);
                    if (!lm) {
                        st = mp_fail(err, MP_ENOMEM, "out of memory");
                        break;
                    }
                    for (size_t b = 0; b < nb; b++)
                        for (size_t a = 0; a < s->facap && a < s->sum->nlabels; a++)
                            f->count[b * (na + 1) + lm[a]] += s->fcount[b * s->facap + a];
                    free(lm);
                }
                for (size_t i = 0; i < mp_keymap_count(fresh); i++)
                    f->count[nb * (na + 1) + mp_keymap_at(fresh, i)->label]++;
                for (size_t i = 0; i < mp_keymap_count(map); i++) {
                    const struct mp_key_entry *e = mp_keymap_at(map, i);
                    if (!e->seen)
                        f->count[e->label * (na + 1) + na]++;
                }
                *flow = f;
            } else {
                mp_seg_flow_free(f);
            }
            states_free(r, &resa);
            free(dir);
            r->labels_dir = NULL;
        }
        run_free(r);
    }
    mp_keymap_free(map);
    mp_keymap_free(fresh);
    if (st) {
        mp_seg_free(*sb);
        mp_seg_free(*sa);
        *sb = *sa = NULL;
    }
    return st;
}

/* ---- plans ---- */

enum mp_status mp_segment_plan(mp_plan *plan, int jobs, mp_error *err)
{
    if (!plan->segments_from)
        return MP_OK;
    const char *seg = plan->segments_segmenter;
    const char *dot = seg ? strchr(seg, '.') : NULL;
    if (!dot)
        return mp_fail(err, MP_EINPUT, "%s: segments.segmenter must be PACK.NAME", plan->file);
    /* The pack named PACK among the plan's packs. */
    const struct mp_pack_ref *ref = NULL;
    for (size_t i = 0; i < plan->npacks && !ref; i++) {
        const char *base = strrchr(plan->packs[i].path, '/');
        base = base ? base + 1 : plan->packs[i].path;
        if (strlen(base) == (size_t)(dot - seg) && strncmp(base, seg, (size_t)(dot - seg)) == 0)
            ref = &plan->packs[i];
    }
    if (!ref)
        return mp_fail(err, MP_EINPUT, "%s: segments.segmenter '%s': no pack '%.*s' in packs:", plan->file, seg,
                       (int)(dot - seg), seg);
    char *from = plan->segments_from[0] == '/' ? mp_arena_strdup(&plan->arena, plan->segments_from)
                                              : mp_arena_printf(&plan->arena, "%s/%s", plan->dir, plan->segments_from);
    char *pack = mp_arena_printf(&plan->arena, "%s/%s", plan->dir, ref->path);
    char **params = calloc(ref->nparams + 1, sizeof *params);
    enum mp_status st = MP_OK;
    if (!from || !pack || !params)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < ref->nparams; i++) {
        const struct mp_param *p = &ref->params[i];
        params[i] = p->type == MP_PARAM_NUMBER ? mp_arena_printf(&plan->arena, "%s=%.17g", p->name, p->num)
                    : p->type == MP_PARAM_BOOL ? mp_arena_printf(&plan->arena, "%s=%s", p->name, p->boolean ? "true" : "false")
                                               : mp_arena_printf(&plan->arena, "%s=%s", p->name, p->str);
        if (!params[i])
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    }
    mp_seg_summary *s = NULL;
    if (st == MP_OK) {
        mp_segment_opts o = {0};
        o.pack = pack;
        o.rule = dot + 1;
        o.params = (const char *const *)params;
        o.nparams = ref->nparams;
        o.jobs = jobs;
        o.params_from = plan->file;
        o.limits = (mp_host_limits){plan->limits.max_steps, plan->limits.max_mem, plan->limits.timeout};
        st = mp_segment_run(from, &o, &s, err);
    }
    if (st == MP_OK) {
        size_t *order = calloc(s->nlabels ? s->nlabels : 1, sizeof *order);
        struct mp_segment_size *sizes = mp_arena_array(&plan->arena, s->nlabels ? s->nlabels : 1, sizeof *sizes);
        if (!order || !sizes) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        } else {
            mp_seg_order(s, order);
            for (size_t i = 0; i < s->nlabels && st == MP_OK; i++) {
                sizes[i].label = mp_arena_strndup(&plan->arena, s->labels[order[i]].name, s->labels[order[i]].len);
                sizes[i].size = (double)s->labels[order[i]].count;
                if (!sizes[i].label)
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
            }
            if (st == MP_OK) {
                plan->segments = sizes;
                plan->nsegments = s->nlabels;
            }
        }
        free(order);
    }
    mp_seg_free(s);
    free(params);
    return st;
}
