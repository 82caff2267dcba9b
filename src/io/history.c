/* History files of `mplan fit` (docs/fit.md "History"), read with the one CSV reader:
 *   long:  period,channel,spend[,gmv,impressions,clicks,orders,new_customers] (the actuals' shape)
 *   wide:  period,gmv,<channel>... (store totals, one spend column per channel)
 * `period` is a number (1..N) or a period's first day (YYYY-MM-DD, days, weeks or months apart).
 * Every bad cell is refused at file:line:col (col: the column's number). */
#include "io/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/numfmt.h"
#include "io/csv.h"

struct row {
    int64_t key;   /* period number or day */
    uint64_t line;
    size_t ch;     /* long: channel index */
    double v[6];   /* long: spend, gmv, impressions, clicks, orders, new_customers; wide: see vals */
};

struct reader {
    mp_csv *csv;
    mp_error *err;
    int dated;     /* -1 unknown */
    struct row *rows;
    size_t nrows, caprows;
    double *vals;  /* wide: [nrows * ncols] */
    size_t capvals;
    char last[32]; /* the last period cell read (a long history repeats it for every channel) */
    size_t nlast;  /* its length; 0: none */
    int64_t last_key;
    int last_dated;
};

/* A refusal at a cell (col from 1) or, col 0, a line of the file, worded by the CSV reader
 * as every reader's is. */
#define bad(R, line, col, ...) mp_csv_fail((R)->csv, line, col, (R)->err, __VA_ARGS__)

static enum mp_status cell_number(struct reader *R, const struct mp_csv_record *rec, size_t col, const char *name,
                                  double *out)
{
    const struct mp_csv_field *f = &rec->fields[col];
    int len = (int)(f->len < 40 ? f->len : 40);
    const char *sym, *why;
    enum mp_csv_kind kind = mp_csv_amount(f->ptr, f->len, out, &sym, &why);
    if (kind == MP_CSV_EMPTY)
        return bad(R, rec->line, col + 1, "%s is empty", name);
    if (why)
        return bad(R, rec->line, col + 1, "%s '%.*s': %s", name, len, f->ptr, why);
    if (kind != MP_CSV_REAL)
        return bad(R, rec->line, col + 1, "%s must be a number, got '%.*s'", name, len, f->ptr);
    if (*out < 0)
        return bad(R, rec->line, col + 1, "%s must be >= 0, got %s", name, MP_G(*out));
    if (*out > 1e15)
        return bad(R, rec->line, col + 1, "%s is out of range (at most 1e15), got %s", name, MP_G(*out));
    return MP_OK;
}

/* A GMV cell: a number >= 0, or empty (the period's GMV is missing: NaN, docs/fit.md "History"). */
static enum mp_status cell_gmv(struct reader *R, const struct mp_csv_record *rec, size_t col, double *out)
{
    if (rec->fields[col].len == 0) {
        *out = NAN;
        return MP_OK;
    }
    return cell_number(R, rec, col, "gmv", out);
}

static enum mp_status cell_period(struct reader *R, const struct mp_csv_record *rec, size_t col, int64_t *key)
{
    const struct mp_csv_field *f = &rec->fields[col];
    int len = (int)(f->len < 31 ? f->len : 31); /* the cell as the messages show it */
    int64_t i;
    double d;
    int range = 0, dated;
    if (R->nlast && f->len == R->nlast && memcmp(f->ptr, R->last, f->len) == 0) {
        *key = R->last_key;
        dated = R->last_dated;
    } else if (mp_csv_number(f->ptr, f->len, &i, &d, &range) == MP_CSV_INT) {
        if (i < 1 || i > 100000)
            return bad(R, rec->line, col + 1, "period %.*s must be a number from 1 or a date (YYYY-MM-DD)", len,
                       f->ptr);
        *key = i;
        dated = 0;
    } else {
        int32_t day;
        if (mp_date_parse_export(f->ptr, f->len, &day) != 0)
            return bad(R, rec->line, col + 1, "period '%.*s' must be a period number (1, 2, ...) or a period's "
                       "first day (YYYY-MM-DD)", len, f->ptr);
        *key = day;
        dated = 1;
    }
    if (R->dated >= 0 && R->dated != dated)
        return bad(R, rec->line, col + 1, "period '%.*s': the file mixes period numbers and dates", len, f->ptr);
    R->dated = dated;
    R->nlast = f->len < sizeof R->last ? f->len : 0;
    memcpy(R->last, f->ptr, R->nlast);
    R->last_key = *key;
    R->last_dated = dated;
    return MP_OK;
}

static int cmp_key(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static struct row *push(struct reader *R)
{
    if (R->nrows == R->caprows) {
        size_t n = R->caprows ? 2 * R->caprows : 256;
        struct row *r = realloc(R->rows, n * sizeof *r);
        if (!r)
            return NULL;
        R->rows = r;
        R->caprows = n;
    }
    struct row *r = &R->rows[R->nrows++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The periods: sorted distinct keys, contiguous (numbers 1..N, or dates a day, a week or a
 * month apart). Fills h->T, h->dated, h->unit, h->start; idx[i] = period of row i. */
static enum mp_status periods(struct reader *R, struct mp_history *h, size_t *idx)
{
    size_t n = R->nrows;
    int64_t *keys = malloc((n + 1) * sizeof *keys);
    if (!keys)
        return mp_fail(R->err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        keys[i] = R->rows[i].key;
    size_t sorted = 1; /* a history's rows usually come in period order */
    while (sorted < n && keys[sorted - 1] <= keys[sorted])
        sorted++;
    if (sorted < n)
        qsort(keys, n, sizeof *keys, cmp_key);
    size_t T = 0;
    for (size_t i = 0; i < n; i++)
        if (!T || keys[T - 1] != keys[i])
            keys[T++] = keys[i];
    h->dated = R->dated == 1;
    enum mp_status st = MP_OK;
    char a[11], b[11];
    if (!h->dated) {
        for (size_t i = 0; i < T && st == MP_OK; i++)
            if (keys[i] != (int64_t)i + 1)
                st = mp_fail(R->err, MP_EINPUT, "%s: period %lld is missing (periods must run 1, 2, ... without a gap; "
                             "the file has %lld after %lld)", mp_csv_name(R->csv), (long long)i + 1, (long long)keys[i],
                             (long long)(i ? keys[i - 1] : 0));
    } else if (T >= 2) {
        int64_t d = keys[1] - keys[0];
        h->unit = d == 1 ? MP_UNIT_DAY : d == 7 ? MP_UNIT_WEEK : MP_UNIT_MONTH;
        if (h->unit == MP_UNIT_MONTH && mp_date_add_months((int32_t)keys[0], 1) != keys[1]) {
            mp_date_format((int32_t)keys[0], a);
            mp_date_format((int32_t)keys[1], b);
            st = mp_fail(R->err, MP_EINPUT, "%s: periods %s and %s are %lld days apart: periods must be days, weeks "
                         "or months", mp_csv_name(R->csv), a, b, (long long)d);
        }
        for (size_t i = 1; i < T && st == MP_OK; i++) {
            int64_t want = h->unit == MP_UNIT_DAY ? keys[i - 1] + 1 : h->unit == MP_UNIT_WEEK ? keys[i - 1] + 7
                                                                     : mp_date_add_months((int32_t)keys[i - 1], 1);
            if (keys[i] != want) {
                mp_date_format((int32_t)want, a);
                mp_date_format((int32_t)keys[i], b);
                static const char *const units[] = {"days", "weeks", "months"};
                st = mp_fail(R->err, MP_EINPUT, "%s: period %s is missing (the periods are %s; the next in the file "
                             "is %s)", mp_csv_name(R->csv), a, units[h->unit], b);
            }
        }
    } else {
        h->unit = MP_UNIT_WEEK;
    }
    if (st == MP_OK) {
        h->T = (int)T;
        h->start = calloc(T + 2, sizeof *h->start);
        if (!h->start)
            st = mp_fail(R->err, MP_ENOMEM, "out of memory");
    }
    if (st == MP_OK) {
        for (size_t i = 0; i < T; i++)
            h->start[i] = (int32_t)keys[i];
        h->start[T] = !h->dated ? (int32_t)T + 1
                      : h->unit == MP_UNIT_DAY ? h->start[T - 1] + 1
                      : h->unit == MP_UNIT_WEEK ? h->start[T - 1] + 7
                                                : mp_date_add_months(h->start[T - 1], 1);
        for (size_t i = 0; i < n; i++) {
            size_t lo = 0, hi = T;
            while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;
                if (keys[mid] <= R->rows[i].key)
                    lo = mid;
                else
                    hi = mid;
            }
            idx[i] = lo;
        }
    }
    free(keys);
    return st;
}

static enum mp_status add_channel(struct mp_history *h, const char *name, size_t len, uint64_t line, size_t *out)
{
    for (size_t c = 0; c < h->C; c++)
        if (strlen(h->ids[c]) == len && memcmp(h->ids[c], name, len) == 0) {
            *out = c;
            return MP_OK;
        }
    char **ids = realloc(h->ids, (h->C + 1) * sizeof *ids);
    if (!ids)
        return MP_ENOMEM;
    h->ids = ids;
    uint64_t *lines = realloc(h->line, (h->C + 1) * sizeof *lines);
    if (!lines)
        return MP_ENOMEM;
    h->line = lines;
    if (!(h->ids[h->C] = strndup(name, len)))
        return MP_ENOMEM;
    h->line[h->C] = line;
    *out = h->C++;
    return MP_OK;
}

enum long_col { L_PERIOD, L_CHANNEL, L_SPEND, L_GMV, L_IMPRESSIONS, L_CLICKS, L_ORDERS, L_NEW, L_NCOLS };
static const char *const long_names[L_NCOLS] = {"period", "channel", "spend", "gmv", "impressions", "clicks",
                                                "orders", "new_customers"};

static enum mp_status read_long(struct reader *R, struct mp_history *h)
{
    long col[L_NCOLS];
    for (int c = 0; c < L_NCOLS; c++)
        col[c] = mp_csv_find(R->csv, long_names[c]);
    for (size_t i = 0; i < mp_csv_ncols(R->csv); i++) {
        const char *name = mp_csv_colname(R->csv, i);
        int known = 0;
        for (int c = 0; c < L_NCOLS; c++)
            known |= strcmp(name, long_names[c]) == 0;
        if (!known)
            return bad(R, 1, i + 1, "unknown column '%s' (a history with a channel column has period, channel, spend "
                       "and optionally gmv, impressions, clicks, orders, new_customers)", name);
    }
    if (col[L_SPEND] < 0)
        return bad(R, 1, 0, "missing column 'spend'");
    int funnel = col[L_IMPRESSIONS] >= 0 && col[L_CLICKS] >= 0 && col[L_ORDERS] >= 0;
    struct mp_csv_record rec;
    enum mp_status st;
    while ((st = mp_csv_next(R->csv, &rec, R->err)) == MP_OK && rec.nfields > 0) {
        struct row *r = push(R);
        if (!r)
            return mp_fail(R->err, MP_ENOMEM, "out of memory");
        r->line = rec.line;
        if ((st = cell_period(R, &rec, (size_t)col[L_PERIOD], &r->key)) != MP_OK)
            return st;
        const struct mp_csv_field *f = &rec.fields[col[L_CHANNEL]];
        if (f->len == 0)
            return bad(R, rec.line, (size_t)col[L_CHANNEL] + 1, "channel is empty");
        if (add_channel(h, f->ptr, f->len, rec.line, &r->ch) != MP_OK)
            return mp_fail(R->err, MP_ENOMEM, "out of memory");
        for (int c = L_SPEND; c < L_NCOLS; c++)
            if (col[c] >= 0 && (st = c == L_GMV ? cell_gmv(R, &rec, (size_t)col[c], &r->v[c - L_SPEND])
                                                : cell_number(R, &rec, (size_t)col[c], long_names[c], &r->v[c - L_SPEND])) != MP_OK)
                return st;
        if (funnel && (r->v[3] > r->v[2] || r->v[4] > r->v[3]))
            return bad(R, rec.line, 0, "the funnel must narrow (impressions >= clicks >= orders), got %s, %s, %s",
                       MP_G(r->v[2]), MP_G(r->v[3]), MP_G(r->v[4]));
    }
    if (st != MP_OK)
        return st;
    if (!R->nrows)
        return mp_fail(R->err, MP_EINPUT, "%s: no rows of history", mp_csv_name(R->csv));
    size_t *idx = calloc(R->nrows + 1, sizeof *idx);
    if (!idx)
        return mp_fail(R->err, MP_ENOMEM, "out of memory");
    if ((st = periods(R, h, idx)) != MP_OK) {
        free(idx);
        return st;
    }
    size_t T = (size_t)h->T, C = h->C;
    uint64_t *first = calloc(C * T + 1, sizeof *first);
    h->spend = calloc(C * T + 1, sizeof *h->spend);
    h->counts = calloc(C * 4 + 1, sizeof *h->counts);
    if (col[L_GMV] >= 0)
        h->gmv = calloc(C * T + 1, sizeof *h->gmv);
    if (!first || !h->spend || !h->counts || (col[L_GMV] >= 0 && !h->gmv)) {
        free(idx), free(first);
        return mp_fail(R->err, MP_ENOMEM, "out of memory");
    }
    h->has_funnel = funnel;
    h->has_new = col[L_NEW] >= 0;
    for (size_t i = 0; i < R->nrows && st == MP_OK; i++) {
        const struct row *r = &R->rows[i];
        size_t cell = r->ch * T + idx[i];
        if (first[cell]) {
            st = bad(R, r->line, 0, "duplicate row for channel '%s' and this period (first at line %llu)", h->ids[r->ch],
                     (unsigned long long)first[cell]);
            break;
        }
        first[cell] = r->line;
        h->spend[cell] = r->v[0];
        if (h->gmv)
            h->gmv[cell] = r->v[1];
        for (int k = 0; k < 4 && !isnan(r->v[1]); k++) /* a period without GMV: not in the funnel's counts */
            h->counts[r->ch * 4 + (size_t)k] += r->v[2 + k];
    }
    free(idx), free(first);
    return st;
}

static enum mp_status read_wide(struct reader *R, struct mp_history *h, int channels)
{
    long pcol = mp_csv_find(R->csv, "period"), gcol = mp_csv_find(R->csv, "gmv");
    if (pcol < 0)
        return bad(R, 1, 0, "missing column 'period'");
    if (gcol < 0)
        return bad(R, 1, 0, "missing column 'gmv' (a store-total history is period,gmv,<channel>...; a per-channel one "
                   "has a channel column)");
    size_t nc = mp_csv_ncols(R->csv);
    size_t *chof = calloc(nc + 1, sizeof *chof);
    if (!chof)
        return mp_fail(R->err, MP_ENOMEM, "out of memory");
    enum mp_status st = MP_OK;
    for (size_t i = 0; i < nc && st == MP_OK; i++) {
        if ((long)i == pcol || (long)i == gcol)
            continue;
        const char *name = mp_csv_colname(R->csv, i);
        if (!channels)
            st = bad(R, 1, i + 1, "unknown column '%s' (a --total-gmv file has period and gmv)", name);
        else if (!name[0])
            st = bad(R, 1, i + 1, "a spend column has no channel name");
        else if (add_channel(h, name, strlen(name), 1, &chof[i]) != MP_OK)
            st = mp_fail(R->err, MP_ENOMEM, "out of memory");
    }
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R->csv, &rec, R->err)) == MP_OK && rec.nfields > 0) {
        struct row *r = push(R);
        if (!r) {
            st = mp_fail(R->err, MP_ENOMEM, "out of memory");
            break;
        }
        r->line = rec.line;
        if (R->nrows * nc > R->capvals) {
            size_t n = R->capvals ? 2 * R->capvals : 256 * nc;
            double *v = realloc(R->vals, n * sizeof *v);
            if (!v) {
                st = mp_fail(R->err, MP_ENOMEM, "out of memory");
                break;
            }
            R->vals = v;
            R->capvals = n;
        }
        double *v = R->vals + (R->nrows - 1) * nc;
        if ((st = cell_period(R, &rec, (size_t)pcol, &r->key)) != MP_OK)
            break;
        for (size_t i = 0; i < nc && st == MP_OK; i++)
            if ((long)i != pcol)
                st = (long)i == gcol ? cell_gmv(R, &rec, i, &v[i]) : cell_number(R, &rec, i, mp_csv_colname(R->csv, i), &v[i]);
    }
    if (st == MP_OK && !R->nrows)
        st = mp_fail(R->err, MP_EINPUT, "%s: no rows of history", mp_csv_name(R->csv));
    size_t *idx = st == MP_OK ? calloc(R->nrows + 1, sizeof *idx) : NULL;
    if (st == MP_OK && !idx)
        st = mp_fail(R->err, MP_ENOMEM, "out of memory");
    if (st == MP_OK)
        st = periods(R, h, idx);
    if (st == MP_OK) {
        size_t T = (size_t)h->T, C = h->C;
        uint64_t *first = calloc(T + 1, sizeof *first);
        h->spend = calloc(C * T + 1, sizeof *h->spend);
        h->total = calloc(T + 1, sizeof *h->total);
        if (!first || !h->spend || !h->total)
            st = mp_fail(R->err, MP_ENOMEM, "out of memory");
        for (size_t r = 0; st == MP_OK && r < R->nrows; r++) {
            size_t t = idx[r];
            if (first[t]) {
                st = bad(R, R->rows[r].line, 0, "duplicate row for this period (first at line %llu)",
                         (unsigned long long)first[t]);
                break;
            }
            first[t] = R->rows[r].line;
            const double *v = R->vals + r * nc;
            h->total[t] = v[gcol];
            for (size_t i = 0; i < nc; i++)
                if ((long)i != pcol && (long)i != gcol)
                    h->spend[chof[i] * T + t] = v[i];
        }
        free(first);
    }
    free(idx);
    free(chof);
    return st;
}

static enum mp_status history_load(const char *path, const struct mp_csv_opts *opts, struct mp_history *h,
                                   mp_error *err)
{
    memset(h, 0, sizeof *h);
    struct reader R = {.err = err, .dated = -1};
    enum mp_status st = mp_csv_open(path, opts, &R.csv, err);
    if (st != MP_OK)
        return st;
    h->file = path;
    if (mp_csv_find(R.csv, "period") < 0)
        st = bad(&R, 1, 0, "missing column 'period'");
    else if (mp_csv_find(R.csv, "channel") >= 0)
        st = read_long(&R, h);
    else
        st = read_wide(&R, h, 1);
    if (st == MP_OK && h->C == 0)
        st = mp_fail(err, MP_EINPUT, "%s: no channels in the history", mp_csv_name(R.csv));
    mp_csv_close(R.csv);
    free(R.rows);
    free(R.vals);
    if (st != MP_OK)
        mp_history_free(h);
    h->file = path;
    return st;
}

enum mp_status mp_history_load(const char *path, struct mp_history *h, mp_error *err)
{
    struct mp_csv_opts o = {.export_names = 1};
    return history_load(path, &o, h, err);
}

enum mp_status mp_history_load_fd(int fd, const char *name, struct mp_history *h, mp_error *err)
{
    struct mp_csv_opts o = {.from_fd = 1, .fd = fd, .export_names = 1};
    return history_load(name, &o, h, err);
}

enum mp_status mp_history_total_load(const char *path, struct mp_history *h, mp_error *err)
{
    struct mp_history tot;
    memset(&tot, 0, sizeof tot);
    struct reader R = {.err = err, .dated = -1};
    struct mp_csv_opts o = {.export_names = 1};
    enum mp_status st = mp_csv_open(path, &o, &R.csv, err);
    if (st != MP_OK)
        return st;
    st = read_wide(&R, &tot, 0);
    if (st == MP_OK && (tot.T != h->T || tot.dated != h->dated || memcmp(tot.start, h->start, (size_t)h->T * sizeof *h->start)))
        st = mp_fail(err, MP_EINPUT, "%s: its periods (%d) are not those of the history %s (%d)", mp_csv_name(R.csv),
                     tot.T, h->file, h->T);
    if (st == MP_OK) {
        free(h->total);
        h->total = tot.total;
        tot.total = NULL;
        free(h->gmv);
        h->gmv = NULL;
    }
    mp_csv_close(R.csv);
    free(R.rows);
    free(R.vals);
    mp_history_free(&tot);
    return st;
}

enum mp_status mp_hist_events_load(const char *path, const struct mp_history *h, struct mp_hist_event **out,
                                   size_t *nout, mp_error *err)
{
    *out = NULL;
    *nout = 0;
    struct reader R = {.err = err, .dated = -1};
    enum mp_status st = mp_csv_open(path, NULL, &R.csv, err);
    if (st != MP_OK)
        return st;
    long cn = mp_csv_find(R.csv, "event"), cf = mp_csv_find(R.csv, "from"), ct = mp_csv_find(R.csv, "to");
    if (cn < 0 || cf < 0 || ct < 0)
        st = bad(&R, 1, 0, "an events file has the columns event, from, to (the outbreak's first and last day)");
    else if (!h->dated)
        st = mp_fail(err, MP_EINPUT, "%s: events need a dated history (%s numbers its periods)", path, h->file);
    struct mp_hist_event *ev = NULL;
    size_t n = 0;
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R.csv, &rec, err)) == MP_OK && rec.nfields > 0) {
        struct mp_hist_event *nv = realloc(ev, (n + 1) * sizeof *nv);
        if (!nv) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        ev = nv;
        memset(&ev[n], 0, sizeof ev[n]);
        const struct mp_csv_field *f = &rec.fields[cn];
        if (!f->len) {
            st = bad(&R, rec.line, (size_t)cn + 1, "event is empty");
            break;
        }
        ev[n].name = strndup(f->ptr, f->len);
        n++;
        if (!ev[n - 1].name) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        long cols[2] = {cf, ct};
        int32_t *dst[2] = {&ev[n - 1].from, &ev[n - 1].to};
        for (int k = 0; k < 2 && st == MP_OK; k++) {
            const struct mp_csv_field *g = &rec.fields[cols[k]];
            char buf[32];
            snprintf(buf, sizeof buf, "%.*s", (int)(g->len < 31 ? g->len : 31), g->ptr);
            if (mp_date_parse_export(g->ptr, g->len, dst[k]) != 0)
                st = bad(&R, rec.line, (size_t)cols[k] + 1, "'%s' must be a date (YYYY-MM-DD)", buf);
        }
        if (st == MP_OK && ev[n - 1].to < ev[n - 1].from)
            st = bad(&R, rec.line, 0, "event '%s' ends before it starts", ev[n - 1].name);
    }
    mp_csv_close(R.csv);
    if (st != MP_OK) {
        mp_hist_events_free(ev, n);
        return st;
    }
    *out = ev;
    *nout = n;
    return MP_OK;
}

void mp_hist_events_free(struct mp_hist_event *ev, size_t n)
{
    for (size_t i = 0; ev && i < n; i++)
        free(ev[i].name);
    free(ev);
}

/* A period of the history by number or first day, for --experiments. */
static enum mp_status exp_period(struct reader *R, const struct mp_history *h, const struct mp_csv_record *rec,
                                 size_t col, int *t)
{
    const struct mp_csv_field *f = &rec->fields[col];
    char buf[32];
    snprintf(buf, sizeof buf, "%.*s", (int)(f->len < 31 ? f->len : 31), f->ptr);
    int64_t i;
    double d;
    int range = 0;
    if (mp_csv_number(f->ptr, f->len, &i, &d, &range) == MP_CSV_INT) {
        if (i < 1 || i > h->T)
            return bad(R, rec->line, col + 1, "period %s is outside the history (1..%d)", buf, h->T);
        *t = (int)i - 1;
        return MP_OK;
    }
    int32_t day;
    if (mp_date_parse_export(f->ptr, f->len, &day) != 0 || !h->dated)
        return bad(R, rec->line, col + 1, "'%s' must be a period number (1..%d)%s", buf, h->T,
                   h->dated ? " or a period's first day (YYYY-MM-DD)" : "");
    for (int k = 0; k < h->T; k++)
        if (day >= h->start[k] && day < h->start[k + 1]) {
            *t = k;
            return MP_OK;
        }
    return bad(R, rec->line, col + 1, "%s is outside the history", buf);
}

enum mp_status mp_fit_experiments_load(const char *path, const struct mp_history *h, mp_fit_experiment **out,
                                       size_t *nout, mp_error *err)
{
    *out = NULL;
    *nout = 0;
    struct reader R = {.err = err, .dated = -1};
    enum mp_status st = mp_csv_open(path, NULL, &R.csv, err);
    if (st != MP_OK)
        return st;
    long cc = mp_csv_find(R.csv, "channel"), cf = mp_csv_find(R.csv, "from"), ct = mp_csv_find(R.csv, "to");
    long cg = mp_csv_find(R.csv, "gmv"), cr = mp_csv_find(R.csv, "roas"), cl = mp_csv_find(R.csv, "lo");
    long ch = mp_csv_find(R.csv, "hi"), cv = mp_csv_find(R.csv, "level");
    if (cc < 0 || cf < 0 || ct < 0 || (cg < 0) == (cr < 0) || cl < 0 || ch < 0)
        st = bad(&R, 1, 0, "an experiments file has the columns channel, from, to, gmv or roas (the incremental GMV or "
                 "ROAS measured), lo, hi (its interval) and optionally level (0.9 or 0.95, default 0.9)");
    mp_fit_experiment *x = NULL;
    size_t n = 0;
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R.csv, &rec, err)) == MP_OK && rec.nfields > 0) {
        mp_fit_experiment *nx = realloc(x, (n + 1) * sizeof *nx);
        if (!nx) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        x = nx;
        mp_fit_experiment *e = &x[n++];
        memset(e, 0, sizeof *e);
        const struct mp_csv_field *f = &rec.fields[cc];
        size_t c = h->C;
        for (size_t k = 0; k < h->C; k++)
            if (strlen(h->ids[k]) == f->len && memcmp(h->ids[k], f->ptr, f->len) == 0)
                c = k;
        if (c == h->C) {
            st = bad(&R, rec.line, (size_t)cc + 1, "channel '%.*s' is not in the history %s", (int)(f->len < 60 ? f->len : 60),
                     f->ptr, h->file);
            break;
        }
        e->channel = c;
        if ((st = exp_period(&R, h, &rec, (size_t)cf, &e->from)) != MP_OK ||
            (st = exp_period(&R, h, &rec, (size_t)ct, &e->to)) != MP_OK)
            break;
        if (e->to < e->from) {
            st = bad(&R, rec.line, (size_t)ct + 1, "the window ends before it starts");
            break;
        }
        double v, lo, hi, level = 0.9;
        long vc = cg >= 0 ? cg : cr;
        if ((st = cell_number(&R, &rec, (size_t)vc, cg >= 0 ? "gmv" : "roas", &v)) != MP_OK ||
            (st = cell_number(&R, &rec, (size_t)cl, "lo", &lo)) != MP_OK ||
            (st = cell_number(&R, &rec, (size_t)ch, "hi", &hi)) != MP_OK)
            break;
        if (cv >= 0 && (st = cell_number(&R, &rec, (size_t)cv, "level", &level)) != MP_OK)
            break;
        if (level != 0.9 && level != 0.95) {
            st = bad(&R, rec.line, (size_t)cv + 1, "level must be 0.9 or 0.95, got %s", MP_G(level));
            break;
        }
        if (!(lo <= v && v <= hi && lo < hi)) {
            st = bad(&R, rec.line, 0, "the interval must contain the estimate and have width: got %s in [%s, %s]",
                     MP_G(v), MP_G(lo), MP_G(hi));
            break;
        }
        if (cr >= 0) { /* incremental ROAS: GMV per unit of the channel's spend in the window */
            double spend = 0;
            for (int t = e->from; t <= e->to; t++)
                spend += h->spend[c * (size_t)h->T + (size_t)t];
            if (!(spend > 0)) {
                st = bad(&R, rec.line, 0, "channel '%s' spent nothing in the window: a ROAS says nothing", h->ids[c]);
                break;
            }
            v *= spend;
            lo *= spend;
            hi *= spend;
        }
        e->gmv = v;
        e->lo = lo;
        e->hi = hi;
        e->level = level;
    }
    mp_csv_close(R.csv);
    if (st != MP_OK) {
        free(x);
        return st;
    }
    if (!n) {
        free(x);
        return mp_fail(err, MP_EINPUT, "%s: no experiments", path);
    }
    *out = x;
    *nout = n;
    return MP_OK;
}
