/* A pack's fit_transform hook over a history file (lua/fit_transform.h). The file is read
 * into C first (a history is small: one row per period, or per period and channel), so a bad
 * file is the reader's file:line message and not a script error; the hook gets plain tables
 * it may change or replace; its answer is checked with raw reads only (nothing of the pack
 * runs) and written as CSV in the history's own columns. */
#include "lua/fit_transform.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "io/csv.h"
#include "lua/lsandbox.h"

/* The history file as read: ncols names, nrows * ncols cells (NULL: empty). */
struct hist_rows {
    mp_csv *csv;
    size_t ncols, nrows, cap;
    char **cells;
};

static void rows_free(struct hist_rows *r)
{
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    mp_csv_close(r->csv);
}

static enum mp_status rows_read(const char *path, struct hist_rows *r, mp_error *err)
{
    MP_TRY(mp_csv_open(path, NULL, &r->csv, err));
    r->ncols = mp_csv_ncols(r->csv);
    struct mp_csv_record rec;
    enum mp_status st;
    while ((st = mp_csv_next(r->csv, &rec, err)) == MP_OK && rec.nfields) {
        if (r->nrows == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 64;
            char **cells = realloc(r->cells, cap * r->ncols * sizeof *cells);
            if (!cells)
                return mp_fail(err, MP_ENOMEM, "out of memory");
            r->cells = cells;
            r->cap = cap;
        }
        char **row = r->cells + r->nrows++ * r->ncols;
        memset(row, 0, r->ncols * sizeof *row);
        for (size_t c = 0; c < r->ncols; c++)
            if (rec.fields[c].len && !(row[c] = strndup(rec.fields[c].ptr, rec.fields[c].len)))
                return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (st == MP_OK && !r->nrows)
        st = mp_fail(err, MP_EINPUT, "%s: no rows of history", mp_csv_name(r->csv));
    return st;
}

/* The hook's first argument: {{period = 1, channel = "feed", spend = 1200, ...}, ...}. */
static int push_history(lua_State *L, void *ud)
{
    const struct hist_rows *r = ud;
    lua_createtable(L, (int)r->nrows, 0);
    for (size_t i = 0; i < r->nrows; i++) {
        lua_createtable(L, 0, (int)r->ncols);
        for (size_t c = 0; c < r->ncols; c++) {
            const char *s = r->cells[i * r->ncols + c];
            int64_t iv;
            double dv;
            int range;
            switch (s ? mp_csv_classify(s, strlen(s), &iv, &dv, &range) : MP_CSV_EMPTY) {
            case MP_CSV_EMPTY: continue;
            case MP_CSV_INT: lua_pushinteger(L, (lua_Integer)iv); break;
            case MP_CSV_REAL: lua_pushnumber(L, dv); break;
            default: lua_pushstring(L, s); break;
            }
            lua_setfield(L, -2, mp_csv_colname(r->csv, c));
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* ---- the answer ---- */

struct answer {
    lua_State *L;
    const struct hist_rows *r;
    const char *pack, *hook;
    mp_error *err;
};

static enum mp_status refuse(const struct answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum mp_status refuse(const struct answer *a, const char *fmt, ...)
{
    char msg[MP_ERRMSG_MAX - 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mp_fail(a->err, MP_ESCRIPT, "pack '%s': fit_transform '%s' returned %s", a->pack, a->hook, msg);
}

/* The column `key` (a string on the stack) names, or -1. */
static long column_of(const struct hist_rows *r, const char *key)
{
    for (size_t c = 0; c < r->ncols; c++)
        if (strcmp(mp_csv_colname(r->csv, c), key) == 0)
            return (long)c;
    return -1;
}

/* t[key] of the table on top, raw: no metamethod of the pack runs outside its call. */
static int rawfield(lua_State *L, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -2);
}

static int is_label(const char *col)
{
    return strcmp(col, "period") == 0 || strcmp(col, "channel") == 0;
}

/* Row i (1-based) of the answer, the table on top: the history's columns, each a number >= 0
 * (period and channel may be text); gmv may be nil (the period's GMV missing: not fitted). */
static enum mp_status check_row(const struct answer *a, lua_Integer i)
{
    lua_State *L = a->L;
    const struct hist_rows *r = a->r;
    char buf[80];
    if (lua_type(L, -1) != LUA_TTABLE)
        return refuse(a, "%s as row %lld, expected a table of the history's columns",
                      mp_lua_describe(L, -1, buf, sizeof buf), (long long)i);
    size_t seen = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING || column_of(r, lua_tostring(L, -2)) < 0) {
            char kb[80];
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : mp_lua_describe(L, -2, kb, sizeof kb);
            enum mp_status st = refuse(a, "row %lld with a column '%.60s' the history does not have (a fit_transform "
                                       "keeps the history's columns)", (long long)i, k);
            lua_pop(L, 2);
            return st;
        }
        const char *col = lua_tostring(L, -2);
        int t = lua_type(L, -1);
        int ok = t == LUA_TNUMBER ? isfinite(lua_tonumber(L, -1)) && (is_label(col) || lua_tonumber(L, -1) >= 0)
                                  : t == LUA_TSTRING && is_label(col);
        if (!ok) {
            enum mp_status st = refuse(a, "row %lld with %s %s, expected %s", (long long)i, col,
                                       mp_lua_describe(L, -1, buf, sizeof buf),
                                       is_label(col) ? "a number or text" : "a finite number >= 0");
            lua_pop(L, 2);
            return st;
        }
        seen++;
        lua_pop(L, 1);
    }
    for (size_t c = 0; seen < r->ncols && c < r->ncols; c++) {
        const char *col = mp_csv_colname(r->csv, c);
        int missing = rawfield(L, col) == LUA_TNIL && strcmp(col, "gmv") != 0;
        lua_pop(L, 1);
        if (missing)
            return refuse(a, "row %lld without '%s' (every row has each of the history's columns; only gmv may be "
                          "missing)", (long long)i, col);
    }
    return MP_OK;
}

static void put_field(FILE *out, const char *s, size_t n)
{
    if (strcspn(s, ",\"\r\n") == n) {
        fwrite(s, 1, n, out);
        return;
    }
    fputc('"', out);
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '"')
            fputc('"', out);
        fputc(s[k], out);
    }
    fputc('"', out);
}

/* The answer (on top) as CSV: numbers exactly (integers as integers, else 17 digits), a
 * missing gmv empty. Returns the number of rows without gmv. */
static size_t write_rows(const struct answer *a, lua_Integer n, FILE *out)
{
    size_t nogmv = 0;
    lua_State *L = a->L;
    const struct hist_rows *r = a->r;
    for (size_t c = 0; c < r->ncols; c++) {
        const char *name = mp_csv_colname(r->csv, c);
        if (c)
            fputc(',', out);
        put_field(out, name, strlen(name));
    }
    fputc('\n', out);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        for (size_t c = 0; c < r->ncols; c++) {
            if (c)
                fputc(',', out);
            rawfield(L, mp_csv_colname(r->csv, c));
            if (lua_isinteger(L, -1))
                fprintf(out, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, -1));
            else if (lua_type(L, -1) == LUA_TNUMBER)
                fprintf(out, "%.17g", (double)lua_tonumber(L, -1));
            else if (lua_type(L, -1) == LUA_TSTRING) {
                size_t len;
                const char *s = lua_tolstring(L, -1, &len);
                put_field(out, s, len);
            } else {
                nogmv++; /* nil: a missing gmv (check_row), an empty cell */
            }
            lua_pop(L, 1);
        }
        fputc('\n', out);
        lua_pop(L, 1);
    }
    return nogmv;
}

static enum mp_status take_answer(const struct answer *a, FILE *out, struct mp_fit_transform_info *info)
{
    lua_State *L = a->L;
    char buf[80];
    if (lua_type(L, -1) != LUA_TTABLE)
        return refuse(a, "%s, expected a list of rows", mp_lua_describe(L, -1, buf, sizeof buf));
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n == 0)
        return refuse(a, "no rows (a history needs at least one)");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        enum mp_status st = check_row(a, i);
        lua_pop(L, 1);
        if (st != MP_OK)
            return st;
    }
    info->rows_nogmv = write_rows(a, n, out);
    info->rows_out = (size_t)n;
    if (fflush(out) != 0 || ferror(out))
        return mp_fail(a->err, MP_EIO, "writing the transformed history: %s", strerror(errno));
    return MP_OK;
}

/* ---- the hook ---- */

/* The hook to run: o->hook (NAME or PACK.NAME), or the pack's only fit_transform. */
static enum mp_status pick_hook(mp_host *h, const char *pack, const char *want, char *qualified, size_t n,
                                mp_error *err)
{
    const struct mp_manifest *m = &h->packs[h->npacks - 1].man;
    size_t plen = strlen(pack);
    if (want && strncmp(want, pack, plen) == 0 && want[plen] == '.')
        want += plen + 1;
    size_t k = m->nprovides[MP_HOOK_FIT_TRANSFORM];
    if (!want && k != 1) {
        char list[400] = "";
        for (size_t i = 0, o = 0; i < k && o < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", m->provides[MP_HOOK_FIT_TRANSFORM][i]);
        return k ? mp_fail(err, MP_EUSAGE, "pack '%s' provides %zu fit_transforms (%s): name one with --transform",
                           pack, k, list)
                 : mp_fail(err, MP_EINPUT, "%s: pack '%s' provides no fit_transform (list the hook under "
                           "provides.fit_transforms)", m->file, pack);
    }
    snprintf(qualified, n, "%s.%s", pack, want ? want : m->provides[MP_HOOK_FIT_TRANSFORM][0]);
    return MP_OK;
}

enum mp_status mp_fit_transform_run(const struct mp_fit_transform_opts *o, const char *path, FILE *out,
                                    struct mp_fit_transform_info *info, mp_error *err)
{
    memset(info, 0, sizeof *info);
    struct hist_rows rows = {0};
    mp_host *h = NULL;
    const char *pack = NULL;
    enum mp_status st = rows_read(path, &rows, err);
    if (st == MP_OK && (st = mp_host_new(&o->limits, &h, err)) == MP_OK) {
        mp_host_set_verbose(h, o->verbose);
        st = mp_host_load_plan_pack_args(h, o->pack, o->plan, o->plan_pack, o->params, o->nparams, &pack, err);
    }
    if (st == MP_OK)
        st = pick_hook(h, pack, o->hook, info->qualified, sizeof info->qualified, err);
    if (st == MP_OK)
        st = mp_host_run_hook(h, info->qualified, MP_HOOK_FIT_TRANSFORM, push_history, &rows, 1, err);
    if (st == MP_OK) {
        struct answer a = {mp_host_state(h), &rows, pack, strchr(info->qualified, '.') + 1, err};
        info->rows_in = rows.nrows;
        st = take_answer(&a, out, info);
        lua_pop(a.L, 1);
    }
    mp_host_free(h);
    rows_free(&rows);
    return st;
}
