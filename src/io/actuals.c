/* Actuals files (docs/plan-format.md): rows per channel and period (a period number or a period's
 * start date) or per channel and day (dates inside periods, summed into them, as ad
 * platforms export), read with the one CSV reader and checked against the plan; every bad
 * row is refused at file:line. Amounts may carry a currency sign (¥, ￥, $) and thousands
 * separators (1,234.50); a decimal comma (1.234,50) is refused with the fix named. An empty
 * funnel cell (impressions, clicks, orders, new_customers, favourites, carts) is a missing
 * value: the totals it is part of are unknown (shown as absent), not zero. */
#include "io/actuals.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/csv.h"
#include "io/table.h"
#include "io/yaml_doc.h"
#include "mplan/channel.h"

enum col { COL_PERIOD, COL_CHANNEL, COL_SPEND, COL_IMPRESSIONS, COL_CLICKS, COL_ORDERS, COL_GMV,
           COL_NEW_CUSTOMERS, COL_FAVOURITES, COL_CARTS, NCOLS };

static const char *const col_names[NCOLS] = {"period", "channel", "spend", "impressions", "clicks",
                                             "orders", "gmv", "new_customers", "favourites", "carts"};

struct reader {
    mp_csv *csv;
    const mp_plan *plan;
    mp_actuals *act;
    uint64_t *first;  /* [C*T] line of the row that gave each cell, 0 for none */
    unsigned char *by_day; /* [C*T] 1: the cell is summed from day rows, 0: one period row */
    uint64_t *day_line;    /* [C*D] line of the row for each channel and day of the horizon */
    int daily;             /* some row is dated inside a period, not at its start */
    int32_t last_day;      /* the latest date a row gives */
    uint64_t last_line;
    long col[NCOLS];  /* column of each field, -1 when absent */
    mp_error *err;
};

/* A refusal at a line of the file, worded by the CSV reader as every reader's is. */
#define bad(R, line, ...) mp_csv_fail((R)->csv, line, 0, (R)->err, __VA_ARGS__)

static enum mp_status header(struct reader *R)
{
    for (int c = 0; c < NCOLS; c++)
        R->col[c] = mp_csv_find(R->csv, col_names[c]);
    for (size_t i = 0; i < mp_csv_ncols(R->csv); i++) {
        const char *name = mp_csv_colname(R->csv, i);
        int known = 0;
        for (int c = 0; c < NCOLS; c++)
            known |= strcmp(name, col_names[c]) == 0;
        if (!known) {
            const char *s = mp_suggest(name, col_names, NCOLS);
            return bad(R, 1, "unknown column '%s'%s%s%s (columns: period, channel, spend, impressions, "
                       "clicks, orders, gmv and optionally new_customers, favourites, carts)", name, s ? " (did you mean '" : "",
                       s ? s : "", s ? "'?)" : "");
        }
    }
    for (int c = 0; c < COL_NEW_CUSTOMERS; c++)
        if (R->col[c] < 0)
            return bad(R, 1, "missing column '%s'", col_names[c]);
    R->act->has_new_customers = R->col[COL_NEW_CUSTOMERS] >= 0;
    R->act->has_pool = R->col[COL_FAVOURITES] >= 0 || R->col[COL_CARTS] >= 0;
    return MP_OK;
}

/* A period by number (1..T) or by its start date. */
static enum mp_status period(struct reader *R, const struct mp_csv_field *f, uint64_t line, int *t, int32_t *day_out)
{
    *day_out = INT32_MIN;
    char buf[32];
    int64_t i;
    double d;
    int range = 0;
    const mp_plan *p = R->plan;
    snprintf(buf, sizeof buf, "%.*s", (int)(f->len < 31 ? f->len : 31), f->ptr);
    if (mp_csv_number(f->ptr, f->len, &i, &d, &range) == MP_CSV_INT) {
        if (i < 1 || i > p->T)
            return bad(R, line, "period %s is outside the horizon (1..%d)", buf, p->T);
        *t = (int)i - 1;
        return MP_OK;
    }
    int32_t day;
    if (mp_date_parse_export(f->ptr, f->len, &day) != 0)
        return bad(R, line, "period '%s' must be a period number (1..%d) or a period's start date "
                   "(YYYY-MM-DD)", buf, p->T);
    if (day < p->period_start[0] || day >= p->period_start[p->T])
        return bad(R, line, "period %s is outside the horizon", buf);
    for (int k = 0; k < p->T; k++)
        if (day >= p->period_start[k] && day < p->period_start[k + 1])
            *t = k;
    R->daily |= day != p->period_start[*t];
    *day_out = day;
    return MP_OK;
}

/* The columns whose empty cell is a missing value (the platform did not report it). */
static int may_be_missing(int c)
{
    return c != COL_SPEND && c != COL_GMV;
}

/* The yuan or dollar sign of a value against the plan's currency: a plan in CNY reads ¥, one
 * in USD reads $; NULL when they agree or the plan names no currency with a sign. */
static const char *sign_mismatch(const mp_plan *p, const char *sym)
{
    const char *want = mp_currency_symbol(p->currency);
    if (!*sym || !want)
        return NULL;
    size_t w = strlen(want), s = strlen(sym);
    return w >= s && strcmp(want + w - s, sym) == 0 ? NULL : want;
}

static enum mp_status number(struct reader *R, const struct mp_csv_record *rec, int c, double *out)
{
    const struct mp_csv_field *f = &rec->fields[R->col[c]];
    int len = (int)(f->len < 40 ? f->len : 40);
    const char *sym, *why;
    enum mp_csv_kind kind = mp_csv_amount(f->ptr, f->len, out, &sym, &why);
    if (kind == MP_CSV_EMPTY) {
        if (may_be_missing(c)) {
            *out = NAN; /* not reported: unknown, not zero */
            return MP_OK;
        }
        return bad(R, rec->line, "%s is empty: write 0 when there was none", col_names[c]);
    }
    if (why)
        return bad(R, rec->line, "%s '%.*s': %s", col_names[c], len, f->ptr, why);
    if (kind != MP_CSV_REAL)
        return bad(R, rec->line, "%s must be a number, got '%.*s'", col_names[c], len, f->ptr);
    const char *want = sign_mismatch(R->plan, sym);
    if (want)
        return bad(R, rec->line, "%s '%.*s' is in %s but the plan's currency is %s (%s)", col_names[c], len, f->ptr,
                   strcmp(sym, "$") == 0 ? "dollars" : "yuan", R->plan->currency, want);
    if (*out < 0) {
        char v[MP_FMT_MAX];
        return bad(R, rec->line, "%s must be >= 0, got %s", col_names[c], mp_fmt_exact(v, sizeof v, *out));
    }
    return MP_OK;
}

static enum mp_status row(struct reader *R, const struct mp_csv_record *rec)
{
    const mp_plan *p = R->plan;
    const struct mp_csv_field *f = &rec->fields[R->col[COL_CHANNEL]];
    char id[128];
    snprintf(id, sizeof id, "%.*s", (int)(f->len < 127 ? f->len : 127), f->ptr);
    long c = mp_channel_lookup(p, id);
    if (c < 0) {
        const char **ids = calloc(p->nchannels + 1, sizeof *ids);
        for (size_t k = 0; ids && k < p->nchannels; k++)
            ids[k] = p->channels[k].id;
        const char *s = ids ? mp_suggest(id, ids, p->nchannels) : NULL;
        enum mp_status st = bad(R, rec->line, "unknown channel '%s'%s%s%s", id, s ? " (did you mean '" : "",
                                s ? s : "", s ? "'?)" : "");
        free(ids);
        return st;
    }
    int t = 0;
    int32_t day;
    enum mp_status st = period(R, &rec->fields[R->col[COL_PERIOD]], rec->line, &t, &day);
    if (st != MP_OK)
        return st;
    size_t cell = (size_t)c * (size_t)p->T + (size_t)t;
    int is_day = day != INT32_MIN;
    if (R->first[cell] && !(is_day && R->by_day[cell]))
        return bad(R, rec->line, "duplicate row for channel '%s', period %d (first at line %llu)%s", id, t + 1,
                   (unsigned long long)R->first[cell],
                   is_day || R->by_day[cell] ? ": give the period as a number or its days as dates, not both" : "");
    if (is_day) {
        /* one row a channel and day */
        size_t D = (size_t)(p->period_start[p->T] - p->period_start[0]);
        if (!R->day_line && !(R->day_line = calloc(p->nchannels * D + 1, sizeof *R->day_line)))
            return mp_fail(R->err, MP_ENOMEM, "out of memory");
        uint64_t *seen = &R->day_line[(size_t)c * D + (size_t)(day - p->period_start[0])];
        if (*seen) {
            char d[11];
            mp_date_format(day, d);
            return bad(R, rec->line, "duplicate row for channel '%s' on %s (first at line %llu)", id, d,
                       (unsigned long long)*seen);
        }
        *seen = rec->line;
        if (day > R->last_day || !R->last_line)
            R->last_day = day, R->last_line = rec->line;
    }
    mp_kpis k = {0};
    double fav = 0, carts = 0; /* the pool a storage phase builds (favourites and add-to-carts) */
    double *dst[] = {&k.spend, &k.impressions, &k.clicks, &k.orders, &k.gmv, &k.new_customers, &fav, &carts};
    for (int col = COL_SPEND; col < NCOLS; col++)
        if (R->col[col] >= 0 && (st = number(R, rec, col, dst[col - COL_SPEND])) != MP_OK)
            return st;
    /* a missing value (NAN) compares false: only known values must narrow */
    if (k.clicks > k.impressions || k.orders > k.clicks || (isnan(k.clicks) && k.orders > k.impressions)) {
        char i[MP_FMT_MAX], cl[MP_FMT_MAX], o[MP_FMT_MAX];
        return bad(R, rec->line, "channel '%s', period %d: the funnel must narrow (impressions >= clicks >= "
                   "orders), got %s, %s, %s", id, t + 1, mp_fmt_num(k.impressions, 0, i, sizeof i),
                   mp_fmt_num(k.clicks, 0, cl, sizeof cl), mp_fmt_num(k.orders, 0, o, sizeof o));
    }
    if (!R->first[cell])
        R->first[cell] = rec->line;
    R->by_day[cell] = (unsigned char)is_day;
    mp_kpis_add(&R->act->cell[cell], &k);
    R->act->pool[cell] += fav + carts;
    R->act->seen[cell] = 1;
    if (t + 1 > R->act->done)
        R->act->done = t + 1;
    return MP_OK;
}

/* Day rows compare whole periods: the period of the latest day must end on it. */
static enum mp_status last_period_whole(struct reader *R)
{
    const mp_plan *p = R->plan;
    if (!R->daily || !R->last_line)
        return MP_OK;
    int t = 0;
    while (t + 1 < p->T && p->period_start[t + 1] <= R->last_day)
        t++;
    int32_t end = p->period_start[t + 1] - 1;
    if (R->last_day == end)
        return MP_OK;
    char last[11], from[11], to[11];
    mp_date_format(R->last_day, last);
    mp_date_format(p->period_start[t], from);
    mp_date_format(end, to);
    return bad(R, R->last_line, "the day rows end on %s, inside period %d (%s..%s): review compares whole "
               "periods, so leave out the rows of period %d until it ends on %s", last, t + 1, from, to, t + 1, to);
}

enum mp_status mp_actuals_load(const char *path, const mp_plan *plan, mp_actuals **out, mp_error *err)
{
    *out = NULL;
    struct reader R = {.plan = plan, .err = err};
    struct mp_csv_opts o = {.export_names = 1};
    enum mp_status st = mp_csv_open(path, &o, &R.csv, err);
    if (st != MP_OK)
        return st;
    R.act = mp_actuals_new(plan);
    R.first = calloc(plan->nchannels * (size_t)plan->T + 1, sizeof *R.first);
    R.by_day = calloc(plan->nchannels * (size_t)plan->T + 1, 1);
    if (!R.act || !R.first || !R.by_day)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK)
        st = header(&R);
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R.csv, &rec, err)) == MP_OK && rec.nfields > 0)
        st = row(&R, &rec);
    if (st == MP_OK && R.act->done == 0)
        st = mp_fail(err, MP_EINPUT, "%s: no rows of actuals", mp_csv_name(R.csv));
    if (st == MP_OK)
        st = last_period_whole(&R);
    mp_csv_close(R.csv);
    free(R.first);
    free(R.by_day);
    free(R.day_line);
    if (st != MP_OK) {
        mp_actuals_free(R.act);
        return st;
    }
    *out = R.act;
    return MP_OK;
}
