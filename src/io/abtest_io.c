/* A/B test results files, both shapes (abtest_io.h), through the one CSV reader. */
#include "io/abtest_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col_role { ROLE_IGNORED, ROLE_VARIANT, ROLE_VISITORS, ROLE_CONVERSIONS, ROLE_CONVERTED, ROLE_REVENUE,
                ROLE_REVENUE_SQ, ROLE_EXTRA, ROLE_EXTRA_SQ };

struct reader {
    mp_csv *csv;
    const struct mp_ab_read_opts *o;
    struct mp_ab_data *d;
    mp_error *err;
    size_t ncols;
    enum col_role *role; /* [ncols] */
    long *metric;        /* [ncols] the metric a column feeds, -1: none */
    long *sq_of;         /* [ncols] for X_sq: the column of X */
    long variant, visitors, conversions, converted, revenue, revenue_sq;
    int decided;         /* extra columns classified (on the first row) */
    /* per-variant rows: [arm * nmetrics + metric] */
    double *an, *asum, *ass;
    size_t cap;
    double *vals;        /* per-visitor rows: one row's values, [nmetrics] */
    long boot;           /* the metric bootstrapped, -1: none */
};

/* A refusal at a line of the file, worded by the CSV reader as every reader's is. */
#define bad(R, line, ...) mp_csv_fail((R)->csv, line, 0, (R)->err, __VA_ARGS__)

static enum mp_status nomem(struct reader *R)
{
    return mp_fail(R->err, MP_ENOMEM, "%s: out of memory", mp_csv_name(R->csv));
}

static int ends_with_sq(const char *s)
{
    size_t n = strlen(s);
    return n > 3 && strcmp(s + n - 3, "_sq") == 0;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Add a metric (name copied); its cells come later. -1 when out of memory. */
static long add_metric(struct reader *R, const char *name, enum mp_ab_kind kind, int guardrail)
{
    struct mp_ab_data *d = R->d;
    mp_ab_metric_in *m = realloc(d->metrics, (d->nmetrics + 1) * sizeof *m);
    if (!m)
        return -1;
    d->metrics = m;
    char **names = realloc(d->names, (d->nmetrics + 1) * sizeof *names);
    if (!names)
        return -1;
    d->names = names;
    if (!(names[d->nmetrics] = strdup(name)))
        return -1;
    int lower = 0;
    for (size_t i = 0; i < R->o->nlower; i++)
        lower |= strcmp(R->o->lower_is_worse[i], name) == 0;
    m[d->nmetrics] = (mp_ab_metric_in){names[d->nmetrics], kind, guardrail, lower, NULL};
    return (long)d->nmetrics++;
}

static enum mp_status header(struct reader *R)
{
    R->ncols = mp_csv_ncols(R->csv);
    R->role = calloc(R->ncols, sizeof *R->role);
    R->metric = malloc(R->ncols * sizeof *R->metric);
    R->sq_of = malloc(R->ncols * sizeof *R->sq_of);
    if (!R->role || !R->metric || !R->sq_of)
        return nomem(R);
    R->variant = mp_csv_find(R->csv, "variant");
    R->visitors = mp_csv_find(R->csv, "visitors");
    R->conversions = mp_csv_find(R->csv, "conversions");
    R->converted = mp_csv_find(R->csv, "converted");
    R->revenue = mp_csv_find(R->csv, "revenue");
    R->revenue_sq = mp_csv_find(R->csv, "revenue_sq");
    if (R->variant < 0)
        return bad(R, 1, "no 'variant' column (one row per variant: variant,visitors,conversions[,revenue,"
                         "revenue_sq]; one row per visitor: variant,converted[,revenue])");
    if (R->visitors >= 0 && R->converted >= 0)
        return bad(R, 1, "mixed row shapes: both 'visitors' (one row per variant) and 'converted' (one row "
                         "per visitor) columns");
    if (R->visitors < 0 && R->converted < 0)
        return bad(R, 1, "no 'visitors' column (one row per variant) nor 'converted' column (one row per "
                         "visitor)");
    R->d->per_visitor = R->converted >= 0;
    if (!R->d->per_visitor && R->conversions < 0)
        return bad(R, 1, "no 'conversions' column beside 'visitors'");
    if (R->d->per_visitor && R->revenue_sq >= 0)
        return bad(R, 1, "mixed row shapes: 'revenue_sq' belongs to one row per variant, 'converted' to one "
                         "row per visitor");
    if (!R->d->per_visitor && R->o->nrow_metrics)
        return bad(R, 1, "a pack metric needs one row per visitor (variant,converted,...), not one row per "
                         "variant");
    for (size_t c = 0; c < R->ncols; c++) {
        R->metric[c] = R->sq_of[c] = -1;
        long lc = (long)c;
        R->role[c] = lc == R->variant       ? ROLE_VARIANT
                     : lc == R->visitors    ? ROLE_VISITORS
                     : lc == R->conversions ? ROLE_CONVERSIONS
                     : lc == R->converted   ? ROLE_CONVERTED
                     : lc == R->revenue     ? ROLE_REVENUE
                     : lc == R->revenue_sq  ? ROLE_REVENUE_SQ
                                            : ROLE_EXTRA;
    }
    if (!R->d->per_visitor && R->revenue_sq >= 0 && R->revenue < 0)
        return bad(R, 1, "'revenue_sq' without 'revenue'");
    if (R->d->per_visitor && R->conversions >= 0)
        return bad(R, 1, "mixed row shapes: 'conversions' (one row per variant) beside 'converted'");
    /* conversion, revenue, row metrics; guardrails once the first row shows which are numbers */
    long m = add_metric(R, "conversion", MP_AB_PROPORTION, 0);
    if (m < 0)
        return nomem(R);
    R->metric[R->d->per_visitor ? R->converted : R->conversions] = m;
    if (R->revenue >= 0) {
        if ((m = add_metric(R, "revenue", MP_AB_MEAN, 0)) < 0)
            return nomem(R);
        R->metric[R->revenue] = m;
    }
    for (size_t i = 0; i < R->o->nrow_metrics; i++) {
        if (mp_csv_find(R->csv, R->o->row_metrics[i].name) >= 0 ||
            strcmp(R->o->row_metrics[i].name, "conversion") == 0)
            return bad(R, 1, "the pack metric '%s' has the name of a column", R->o->row_metrics[i].name);
        if (add_metric(R, R->o->row_metrics[i].name, MP_AB_MEAN, 0) < 0)
            return nomem(R);
    }
    /* X_sq pairs with X in the per-variant shape */
    for (size_t c = 0; c < R->ncols; c++) {
        const char *name = mp_csv_colname(R->csv, c);
        if (R->role[c] != ROLE_EXTRA || !ends_with_sq(name))
            continue;
        if (R->d->per_visitor)
            return bad(R, 1, "mixed row shapes: a sum of squares column '%s' in a file of one row per visitor",
                       name);
        char base[256];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 3), name);
        long b = mp_csv_find(R->csv, base);
        if (b < 0)
            return bad(R, 1, "column '%s' has no column '%s' to be the sum of squares of", name, base);
        R->role[c] = ROLE_EXTRA_SQ;
        R->sq_of[c] = b;
    }
    return MP_OK;
}

/* A cell's number: plain numbers on the fast path; else as people export amounts (a currency
 * sign, thousands separators: mp_csv_amount). MP_CSV_REAL with *v, MP_CSV_EMPTY, or MP_CSV_TEXT
 * with *why (NULL: not a number at all) and *range. */
static enum mp_csv_kind cell(const struct mp_csv_field *f, double *v, const char **why, int *range)
{
    int64_t iv;
    const char *sym;
    *why = NULL;
    *range = 0;
    switch (mp_csv_classify(f->ptr, f->len, &iv, v, range)) {
    case MP_CSV_INT: *v = (double)iv; return MP_CSV_REAL;
    case MP_CSV_REAL: return MP_CSV_REAL;
    case MP_CSV_EMPTY: return MP_CSV_EMPTY;
    default: return *range ? MP_CSV_TEXT : mp_csv_amount(f->ptr, f->len, v, &sym, why);
    }
}

/* Parse a number of column c of a record; MP_EINPUT with file:line when it is not one. */
static enum mp_status number(struct reader *R, const struct mp_csv_record *rec, size_t c, double *v)
{
    const struct mp_csv_field *f = &rec->fields[c];
    const char *why;
    int range;
    switch (cell(f, v, &why, &range)) {
    case MP_CSV_REAL: return MP_OK;
    case MP_CSV_EMPTY:
        return bad(R, rec->line, "column '%s': empty value (write 0 for none)", mp_csv_colname(R->csv, c));
    default:
        return bad(R, rec->line, "column '%s': %s '%.*s'%s%s", mp_csv_colname(R->csv, c),
                   range ? "number out of range" : "not a number", (int)(f->len > 40 ? 40 : f->len), f->ptr,
                   why ? ": " : "", why ? why : "");
    }
}

static int is_number(const struct mp_csv_field *f)
{
    double dv;
    const char *why;
    int range;
    return cell(f, &dv, &why, &range) == MP_CSV_REAL;
}

/* On the first row: an extra column holding a number is a guardrail; one holding text (an
 * id, a date) is not analysed (listed as ignored in the output). */
static enum mp_status decide(struct reader *R, const struct mp_csv_record *rec)
{
    R->decided = 1;
    for (size_t c = 0; c < R->ncols; c++) {
        if (R->role[c] != ROLE_EXTRA)
            continue;
        if (!is_number(&rec->fields[c])) {
            R->role[c] = ROLE_IGNORED;
            char **v = realloc(R->d->ignored, (R->d->nignored + 1) * sizeof *v);
            if (!v)
                return nomem(R);
            R->d->ignored = v;
            if (!(v[R->d->nignored] = strdup(mp_csv_colname(R->csv, c))))
                return nomem(R);
            R->d->nignored++;
            continue;
        }
        const char *name = mp_csv_colname(R->csv, c);
        int has_sq = 0;
        for (size_t k = 0; k < R->ncols; k++)
            has_sq |= R->role[k] == ROLE_EXTRA_SQ && R->sq_of[k] == (long)c;
        enum mp_ab_kind kind = R->d->per_visitor || has_sq ? MP_AB_MEAN : MP_AB_PROPORTION;
        long m = add_metric(R, name, kind, 1);
        if (m < 0)
            return nomem(R);
        R->metric[c] = m;
    }
    if (R->d->per_visitor) {
        size_t nb = R->o->nboot;
        R->boot = mp_ab_data_metric(R->d, R->o->boot_metric ? R->o->boot_metric : "revenue");
        if (R->boot >= 0 && R->d->metrics[R->boot].kind != MP_AB_MEAN)
            R->boot = -1;
        MP_TRY(mp_ab_acc_new(R->d->nmetrics, R->boot, nb, R->o->seed, &R->d->acc, R->err));
        if (!(R->vals = calloc(R->d->nmetrics, sizeof *R->vals)))
            return nomem(R);
    }
    return MP_OK;
}

static long find_arm(const struct mp_ab_data *d, const char *p, size_t n)
{
    for (size_t i = 0; i < d->narms; i++)
        if (strlen(d->arms[i]) == n && memcmp(d->arms[i], p, n) == 0)
            return (long)i;
    return -1;
}

static enum mp_status new_arm(struct reader *R, const struct mp_csv_field *f, uint64_t line)
{
    struct mp_ab_data *d = R->d;
    if (d->narms == R->cap) {
        size_t cap = R->cap ? 2 * R->cap : 4, nm = d->nmetrics;
        char **arms = realloc(d->arms, cap * sizeof *arms);
        if (arms)
            d->arms = arms;
        uint64_t *lines = realloc(d->arm_line, cap * sizeof *lines);
        if (lines)
            d->arm_line = lines;
        if (!arms || !lines)
            return nomem(R);
        if (!d->per_visitor) {
            double *an = realloc(R->an, cap * nm * sizeof *an);
            if (an)
                R->an = an;
            double *as = realloc(R->asum, cap * nm * sizeof *as);
            if (as)
                R->asum = as;
            double *ass = realloc(R->ass, cap * nm * sizeof *ass);
            if (ass)
                R->ass = ass;
            if (!an || !as || !ass)
                return nomem(R);
        }
        R->cap = cap;
    }
    if (!(d->arms[d->narms] = dup_n(f->ptr, f->len)))
        return nomem(R);
    d->arm_line[d->narms++] = line;
    return MP_OK;
}

/* One row per variant. */
static enum mp_status agg_row(struct reader *R, const struct mp_csv_record *rec)
{
    struct mp_ab_data *d = R->d;
    const struct mp_csv_field *vf = &rec->fields[R->variant];
    if (vf->len == 0)
        return bad(R, rec->line, "empty variant name");
    long dup = find_arm(d, vf->ptr, vf->len);
    if (dup >= 0)
        return bad(R, rec->line, "variant '%s' already given on line %llu (one row per variant; for one row "
                   "per visitor use a 'converted' column)", d->arms[dup], (unsigned long long)d->arm_line[dup]);
    double n, x;
    MP_TRY(number(R, rec, (size_t)R->visitors, &n));
    MP_TRY(number(R, rec, (size_t)R->conversions, &x));
    if (n < 0 || x < 0)
        return bad(R, rec->line, "negative count: visitors %.17g, conversions %.17g", n, x);
    if (n != floor(n) || x != floor(x))
        return bad(R, rec->line, "visitors and conversions must be whole numbers");
    if (n == 0)
        return bad(R, rec->line, "variant '%.*s' has zero visitors", (int)vf->len, vf->ptr);
    if (x > n)
        return bad(R, rec->line, "conversions %.17g above visitors %.17g", x, n);
    MP_TRY(new_arm(R, vf, rec->line));
    size_t a = d->narms - 1, nm = d->nmetrics;
    for (size_t m = 0; m < nm; m++) {
        R->an[a * nm + m] = n;
        R->asum[a * nm + m] = 0;
        R->ass[a * nm + m] = NAN;
    }
    R->asum[a * nm] = x;
    for (size_t c = 0; c < R->ncols; c++) {
        double v;
        switch (R->role[c]) {
        case ROLE_REVENUE:
        case ROLE_EXTRA:
            if (R->metric[c] < 0)
                break;
            MP_TRY(number(R, rec, c, &v));
            if (!isfinite(v))
                return bad(R, rec->line, "column '%s': not a finite number", mp_csv_colname(R->csv, c));
            if (d->metrics[R->metric[c]].kind == MP_AB_PROPORTION &&
                (v < 0 || v > n || v != floor(v)))
                return bad(R, rec->line, "column '%s': %.17g is not a count between 0 and visitors %.17g",
                           mp_csv_colname(R->csv, c), v, n);
            R->asum[a * nm + (size_t)R->metric[c]] = v;
            break;
        default: break;
        }
    }
    for (size_t c = 0; c < R->ncols; c++) {
        if (R->role[c] != ROLE_REVENUE_SQ && R->role[c] != ROLE_EXTRA_SQ)
            continue;
        long base = R->role[c] == ROLE_REVENUE_SQ ? R->revenue : R->sq_of[c];
        if (R->metric[base] < 0)
            continue;
        double ss;
        MP_TRY(number(R, rec, c, &ss));
        size_t m = (size_t)R->metric[base];
        double s = R->asum[a * nm + m];
        double m2 = ss - s * s / n;
        /* a sum of squares below sum^2 / n beyond rounding is not one */
        if (!isfinite(ss) || m2 < -1e-9 * (fabs(ss) + 1))
            return bad(R, rec->line, "column '%s': %.17g is below %s^2 / visitors = %.17g: not a sum of squares",
                       mp_csv_colname(R->csv, c), ss, mp_csv_colname(R->csv, (size_t)base), s * s / n);
        R->ass[a * nm + m] = n > 1 ? fmax(m2, 0) / (n - 1) : NAN;
    }
    return MP_OK;
}

/* One row per visitor. */
static enum mp_status visitor_row(struct reader *R, const struct mp_csv_record *rec)
{
    struct mp_ab_data *d = R->d;
    const struct mp_csv_field *vf = &rec->fields[R->variant];
    if (vf->len == 0)
        return bad(R, rec->line, "empty variant name");
    long arm = mp_ab_acc_arm(d->acc, vf->ptr, vf->len);
    if (arm < 0)
        return nomem(R);
    if ((size_t)arm == d->narms)
        MP_TRY(new_arm(R, vf, rec->line));
    double v;
    MP_TRY(number(R, rec, (size_t)R->converted, &v));
    if (v != 0 && v != 1) {
        if (v > 1 && v == floor(v))
            return bad(R, rec->line, "mixed row shapes: converted is %.17g, a count; one row per visitor has 0 "
                       "or 1 here (one row per variant has 'visitors' and 'conversions' columns)", v);
        return bad(R, rec->line, "converted must be 0 or 1, found %.17g", v);
    }
    R->vals[0] = v;
    for (size_t c = 0; c < R->ncols; c++) {
        long m = R->metric[c];
        if (m <= 0)
            continue;
        MP_TRY(number(R, rec, c, &v));
        if (!isfinite(v))
            return bad(R, rec->line, "column '%s': not a finite number", mp_csv_colname(R->csv, c));
        R->vals[m] = v;
    }
    for (size_t i = 0; i < R->o->nrow_metrics; i++) {
        const struct mp_ab_row_metric *rm = &R->o->row_metrics[i];
        mp_error e = {0};
        enum mp_status st = rm->fn(rm->ctx, R->csv, rec, &v, &e);
        if (st != MP_OK)
            return mp_fail(R->err, st, "%s:%llu: %s", mp_csv_name(R->csv), (unsigned long long)rec->line, e.msg);
        if (!isfinite(v))
            return mp_fail(R->err, MP_ESCRIPT, "%s:%llu: metric '%s' returned %g, not a finite number",
                           mp_csv_name(R->csv), (unsigned long long)rec->line, rm->name, v);
        R->vals[(R->revenue >= 0 ? 2 : 1) + i] = v;
    }
    mp_ab_acc_add(d->acc, (size_t)arm, R->vals);
    return MP_OK;
}

static enum mp_status finish(struct reader *R)
{
    struct mp_ab_data *d = R->d;
    size_t nm = d->nmetrics, na = d->narms;
    if (na < 2)
        return mp_fail(R->err, MP_EINPUT, "%s: %zu variant%s found, an A/B test needs at least two", d->name, na,
                       na == 1 ? "" : "s");
    if (!(d->cells = calloc(nm * na, sizeof *d->cells)))
        return nomem(R);
    for (size_t m = 0; m < nm; m++) {
        d->metrics[m].cells = &d->cells[m * na];
        for (size_t a = 0; a < na; a++) {
            mp_ab_cell *c = &d->cells[m * na + a];
            if (d->per_visitor) {
                *c = mp_ab_acc_cell(d->acc, a, m);
                if (R->o->nboot && (long)m == R->boot && !c->boot)
                    return nomem(R);
            } else {
                *c = (mp_ab_cell){R->an[a * nm + m], R->asum[a * nm + m], R->ass[a * nm + m], NULL};
            }
        }
    }
    return MP_OK;
}

enum mp_status mp_ab_read(const char *path, const struct mp_ab_read_opts *opts, struct mp_ab_data **out,
                          mp_error *err)
{
    *out = NULL;
    struct mp_ab_data *d = calloc(1, sizeof *d);
    if (!d)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    struct reader R = {.o = opts, .d = d, .err = err, .boot = -1};
    struct mp_csv_opts copts = {.max_field = opts->max_field};
    enum mp_status st = mp_csv_open(path, &copts, &R.csv, err);
    if (st == MP_OK && !(d->name = strdup(mp_csv_name(R.csv))))
        st = nomem(&R);
    if (st == MP_OK)
        st = header(&R);
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(R.csv, &rec, err)) == MP_OK && rec.nfields) {
        if (!R.decided && (st = decide(&R, &rec)) != MP_OK)
            break;
        st = d->per_visitor ? visitor_row(&R, &rec) : agg_row(&R, &rec);
        d->rows++;
    }
    if (st == MP_OK && !R.decided)
        st = mp_fail(err, MP_EINPUT, "%s: no rows after the header", d->name);
    if (st == MP_OK)
        st = finish(&R);
    mp_csv_close(R.csv);
    free(R.role);
    free(R.metric);
    free(R.sq_of);
    free(R.an);
    free(R.asum);
    free(R.ass);
    free(R.vals);
    if (st != MP_OK) {
        mp_ab_data_free(d);
        return st;
    }
    *out = d;
    return MP_OK;
}

void mp_ab_data_free(struct mp_ab_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->narms; i++)
        free(d->arms[i]);
    for (size_t i = 0; i < d->nmetrics; i++)
        free(d->names[i]);
    for (size_t i = 0; i < d->nignored; i++)
        free(d->ignored[i]);
    free(d->ignored);
    free(d->arms);
    free(d->arm_line);
    free(d->names);
    free(d->metrics);
    free(d->cells);
    free(d->name);
    mp_ab_acc_free(d->acc);
    free(d);
}

long mp_ab_data_metric(const struct mp_ab_data *d, const char *name)
{
    for (size_t i = 0; i < d->nmetrics; i++)
        if (strcmp(d->metrics[i].name, name) == 0)
            return (long)i;
    return -1;
}

long mp_ab_data_arm(const struct mp_ab_data *d, const char *name)
{
    return find_arm(d, name, strlen(name));
}

const char **mp_ab_data_ignored(const struct mp_ab_data *d, size_t *n)
{
    *n = d->nignored;
    return (const char **)d->ignored;
}
