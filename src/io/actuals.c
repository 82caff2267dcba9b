/* Actuals files (docs/plan-format.md): one row per channel and period, read with the one CSV reader
 * and checked against the plan; every bad row is refused at file:line. */
#include "io/actuals.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/csv.h"
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
    long col[NCOLS];  /* column of each field, -1 when absent */
    mp_error *err;
};

static enum mp_status bad(struct reader *R, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum mp_status bad(struct reader *R, uint64_t line, const char *fmt, ...)
{
    char msg[MP_ERRMSG_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mp_fail(R->err, MP_EINPUT, "%s:%llu: %s", mp_csv_name(R->csv), (unsigned long long)line, msg);
}

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
static enum mp_status period(struct reader *R, const struct mp_csv_field *f, uint64_t line, int *t)
{
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
    if (f->len != 10 || mp_date_parse(buf, &day) != 0)
        return bad(R, line, "period '%s' must be a period number (1..%d) or a period's start date "
                   "(YYYY-MM-DD)", buf, p->T);
    if (day < p->period_start[0] || day >= p->period_start[p->T])
        return bad(R, line, "period %s is outside the horizon", buf);
    for (int k = 0; k < p->T; k++)
        if (day >= p->period_start[k] && day < p->period_start[k + 1]) {
            char start[11];
            mp_date_format(p->period_start[k], start);
            if (day != p->period_start[k])
                return bad(R, line, "%s is not the start of a period (period %d starts %s)", buf, k + 1, start);
            *t = k;
        }
    return MP_OK;
}

static enum mp_status number(struct reader *R, const struct mp_csv_record *rec, int c, double *out)
{
    const struct mp_csv_field *f = &rec->fields[R->col[c]];
    int64_t i;
    int range = 0;
    enum mp_csv_kind kind = mp_csv_number(f->ptr, f->len, &i, out, &range);
    if (kind == MP_CSV_INT)
        *out = (double)i;
    if ((kind != MP_CSV_INT && kind != MP_CSV_REAL) || !isfinite(*out))
        return bad(R, rec->line, "%s must be a number, got '%.*s'", col_names[c], (int)(f->len < 40 ? f->len : 40),
                   f->ptr);
    if (*out < 0)
        return bad(R, rec->line, "%s must be >= 0, got %g", col_names[c], *out);
    return MP_OK;
}

static enum mp_status row(struct reader *R, const struct mp_csv_record *rec)
{
    const mp_plan *p = R->plan;
    const struct mp_csv_field *f = &rec->fields[R->col[COL_CHANNEL]];
    char id[128];
    snprintf(id, sizeof id, "%.*s", (int)(f->len < 127 ? f->len : 127), f->ptr);
    long c = mp_channel_find(p, id);
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
    enum mp_status st = period(R, &rec->fields[R->col[COL_PERIOD]], rec->line, &t);
    if (st != MP_OK)
        return st;
    size_t cell = (size_t)c * (size_t)p->T + (size_t)t;
    if (R->first[cell])
        return bad(R, rec->line, "duplicate row for channel '%s', period %d (first at line %llu)", id, t + 1,
                   (unsigned long long)R->first[cell]);
    mp_kpis k = {0};
    double fav = 0, carts = 0; /* the pool a storage phase builds (favourites and add-to-carts) */
    double *dst[] = {&k.spend, &k.impressions, &k.clicks, &k.orders, &k.gmv, &k.new_customers, &fav, &carts};
    for (int col = COL_SPEND; col < NCOLS; col++)
        if (R->col[col] >= 0 && (st = number(R, rec, col, dst[col - COL_SPEND])) != MP_OK)
            return st;
    if (k.clicks > k.impressions || k.orders > k.clicks)
        return bad(R, rec->line, "channel '%s', period %d: the funnel must narrow (impressions >= clicks >= "
                   "orders), got %g, %g, %g", id, t + 1, k.impressions, k.clicks, k.orders);
    R->first[cell] = rec->line;
    R->act->cell[cell] = k;
    R->act->pool[cell] = fav + carts;
    R->act->seen[cell] = 1;
    if (t + 1 > R->act->done)
        R->act->done = t + 1;
    return MP_OK;
}

enum mp_status mp_actuals_load(const char *path, const mp_plan *plan, mp_actuals **out, mp_error *err)
{
    *out = NULL;
    struct reader R = {.plan = plan, .err = err};
    enum mp_status st = mp_csv_open(path, NULL, &R.csv, err);
    if (st != MP_OK)
        return st;
    R.act = mp_actuals_new(plan);
    R.first = calloc(plan->nchannels * (size_t)plan->T + 1, sizeof *R.first);
    if (!R.act || !R.first)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK)
        st = header(&R);
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R.csv, &rec, err)) == MP_OK && rec.nfields > 0)
        st = row(&R, &rec);
    if (st == MP_OK && R.act->done == 0)
        st = mp_fail(err, MP_EINPUT, "%s: no rows of actuals", mp_csv_name(R.csv));
    mp_csv_close(R.csv);
    free(R.first);
    if (st != MP_OK) {
        mp_actuals_free(R.act);
        return st;
    }
    *out = R.act;
    return MP_OK;
}
