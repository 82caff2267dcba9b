#include "io/segment_io.h"

#include "io/esc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_read.h"
#include "io/run_out.h"
#include "io/table.h"

/* Summaries keep full precision in JSON (a round trip gives the same doubles). */
#define JSON_FLAGS (JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

static char *label_text(const struct mp_seg_label *l)
{
    return strndup(l->name, l->len);
}

static void set_label(struct mp_table *t, size_t col, const struct mp_seg_label *l)
{
    char *s = label_text(l);
    if (s)
        mp_table_set(t, col, s);
    else
        t->failed = 1;
    free(s);
}

static enum mp_status table_done(struct mp_table *t, FILE *fp, int csv, mp_error *err)
{
    enum mp_status st = csv ? mp_table_print_csv(t, fp, err) : mp_table_print(t, fp, NULL, err);
    mp_table_free(t);
    if (st == MP_OK && ferror(fp))
        st = mp_fail(err, MP_EIO, "write failed");
    return st;
}

static size_t *label_order(const mp_seg_summary *s, mp_error *err)
{
    size_t *order = calloc(s->nlabels + 1, sizeof *order);
    if (!order)
        mp_fail(err, MP_ENOMEM, "out of memory");
    else
        mp_seg_order(s, order);
    return order;
}

static double share(const mp_seg_summary *s, size_t l)
{
    uint64_t rows = mp_seg_rows(s);
    return rows ? (double)s->labels[l].count / (double)rows : NAN;
}

/* 1 when every label's sum of column c, and the total, is a whole number. */
static int whole_sums(const mp_seg_summary *s, size_t c)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (mp_seg_sum(s, i, c) != floor(mp_seg_sum(s, i, c)))
            return 0;
    return mp_seg_total_sum(s, c) == floor(mp_seg_total_sum(s, c));
}

enum mp_status mp_seg_write_table(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    size_t *order = label_order(s, err);
    if (!order)
        return MP_ENOMEM;
    static const char *const head[] = {"label", "count", "share"};
    struct mp_table t;
    mp_table_init(&t, 3, head);
    for (size_t i = 0; i < s->nlabels; i++) {
        mp_table_add_row(&t);
        set_label(&t, 0, &s->labels[order[i]]);
        mp_table_num(&t, 1, (double)s->labels[order[i]].count, 0);
        mp_table_setf(&t, 2, "%.1f%%", 100 * share(s, order[i]));
    }
    mp_table_add_row(&t);
    mp_table_set(&t, 0, "(all)");
    mp_table_num(&t, 1, (double)mp_seg_rows(s), 0);
    mp_table_set(&t, 2, s->nlabels ? "100.0%" : NULL);
    enum mp_status st = table_done(&t, fp, 0, err);
    size_t nnum = 0;
    for (size_t c = 0; c < s->ncols; c++)
        nnum += (size_t)mp_seg_shown(s, c);
    /* Sums, then means: one row a numeric column, one column a label. */
    for (int mean = 0; mean < 2 && nnum && st == MP_OK; mean++) {
        fputc('\n', fp);
        mp_table_init(&t, s->nlabels + 2, NULL);
        mp_table_set(&t, 0, mean ? "mean" : "sum");
        for (size_t i = 0; i < s->nlabels; i++)
            set_label(&t, i + 1, &s->labels[order[i]]);
        mp_table_set(&t, s->nlabels + 1, "(all)");
        for (size_t c = 0; c < s->ncols; c++) {
            if (!mp_seg_shown(s, c))
                continue;
            mp_table_add_row(&t);
            mp_table_set(&t, 0, s->cols[c]);
            /* a column whose sums are all whole (counts, levels: the sums are exact) shows
             * none of the decimals money needs */
            int dec = mean || !whole_sums(s, c) ? 2 : 0;
            for (size_t i = 0; i < s->nlabels; i++)
                mp_table_num(&t, i + 1, mean ? mp_seg_mean(s, order[i], c) : mp_seg_sum(s, order[i], c), dec);
            mp_table_num(&t, s->nlabels + 1, mean ? mp_seg_total_mean(s, c) : mp_seg_total_sum(s, c), dec);
        }
        st = table_done(&t, fp, 0, err);
    }
    if (st == MP_OK && s->bad)
        fprintf(fp, "\n%s bad row%s skipped\n", MP_NUM((double)s->bad, 0), s->bad == 1 ? "" : "s");
    free(order);
    return st;
}

enum mp_status mp_seg_write_csv(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    size_t *order = label_order(s, err);
    if (!order)
        return MP_ENOMEM;
    size_t n = 3;
    for (size_t c = 0; c < s->ncols; c++)
        n += 2 * (size_t)mp_seg_shown(s, c);
    struct mp_table t;
    mp_table_init(&t, n, NULL);
    t.plain = 1;
    mp_table_set(&t, 0, "label");
    mp_table_set(&t, 1, "count");
    mp_table_set(&t, 2, "share");
    for (size_t c = 0, k = 3; c < s->ncols; c++)
        if (mp_seg_shown(s, c)) {
            mp_table_setf(&t, k++, "%s_sum", s->cols[c]);
            mp_table_setf(&t, k++, "%s_mean", s->cols[c]);
        }
    for (size_t i = 0; i < s->nlabels; i++) {
        size_t l = order[i];
        mp_table_add_row(&t);
        set_label(&t, 0, &s->labels[l]);
        mp_table_setf(&t, 1, "%llu", (unsigned long long)s->labels[l].count);
        mp_table_exact(&t, 2, share(s, l));
        for (size_t c = 0, k = 3; c < s->ncols; c++)
            if (mp_seg_shown(s, c)) {
                mp_table_exact(&t, k++, mp_seg_sum(s, l, c));
                mp_table_exact(&t, k++, mp_seg_mean(s, l, c));
            }
    }
    free(order);
    return table_done(&t, fp, 1, err);
}

enum mp_status mp_seg_write_json(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    size_t *order = label_order(s, err);
    if (!order)
        return MP_ENOMEM;
    uint64_t rows = mp_seg_rows(s);
    json_t *o = json_object(), *labels = json_array(), *cols = json_array(), *skipped = json_array();
    int bad = 0; /* any jansson call failed: out of memory */
    bad |= json_object_set_new(o, "mplan", json_integer(1));
    bad |= json_object_set_new(o, "rule", s->rule ? json_string(s->rule) : json_null());
    bad |= json_object_set_new(o, "rows", json_integer((json_int_t)rows));
    bad |= json_object_set_new(o, "bad_rows", json_integer((json_int_t)s->bad));
    for (size_t c = 0; c < s->ncols; c++) {
        if (mp_seg_shown(s, c))
            bad |= json_array_append_new(cols, json_string(s->cols[c]));
        else if (mp_seg_text(s, c) && mp_seg_total_n(s, c) && (long)c != s->key)
            bad |= json_array_append_new(skipped, json_pack("{s:s,s:I}", "column", s->cols[c], "text_values",
                                                     (json_int_t)mp_seg_text(s, c)));
    }
    for (size_t i = 0; i < s->nlabels; i++) {
        size_t l = order[i];
        json_t *sum = json_object(), *mean = json_object(), *n = json_object(), *lj = json_object();
        for (size_t c = 0; c < s->ncols; c++)
            if (mp_seg_shown(s, c)) {
                bad |= json_object_set_new(sum, s->cols[c], mp_json_num(mp_seg_sum(s, l, c)));
                bad |= json_object_set_new(mean, s->cols[c], mp_json_num(mp_seg_mean(s, l, c)));
                bad |= json_object_set_new(n, s->cols[c], json_integer((json_int_t)s->labels[l].acc[c].n));
            }
        bad |= json_object_set_new(lj, "label", json_stringn(s->labels[l].name, s->labels[l].len));
        bad |= json_object_set_new(lj, "count", json_integer((json_int_t)s->labels[l].count));
        bad |= json_object_set_new(lj, "share", mp_json_num(share(s, l)));
        bad |= json_object_set_new(lj, "sum", sum);
        bad |= json_object_set_new(lj, "mean", mean);
        bad |= json_object_set_new(lj, "n", n); /* non-empty values, the divisor of the mean */
        bad |= json_array_append_new(labels, lj);
    }
    json_t *tsum = json_object(), *tmean = json_object();
    for (size_t c = 0; c < s->ncols; c++)
        if (mp_seg_shown(s, c)) {
            bad |= json_object_set_new(tsum, s->cols[c], mp_json_num(mp_seg_total_sum(s, c)));
            bad |= json_object_set_new(tmean, s->cols[c], mp_json_num(mp_seg_total_mean(s, c)));
        }
    bad |= json_object_set_new(o, "numeric_columns", cols);
    bad |= json_object_set_new(o, "labels", labels);
    bad |= json_object_set_new(o, "total", json_pack("{s:I,s:o,s:o}", "count", (json_int_t)rows, "sum", tsum,
                                              "mean", tmean));
    bad |= json_object_set_new(o, "not_summed", skipped);
    free(order);
    return mp_json_print(fp, o, JSON_FLAGS, bad, err);
}

/* ---- flow ---- */

static const char *const aipl_steps[][2] = {{"A", "I"}, {"I", "P"}, {"P", "L"}};

static long find_label(const mp_seg_summary *s, const char *name)
{
    for (size_t l = 0; l < s->nlabels; l++)
        if (s->labels[l].len == strlen(name) && memcmp(s->labels[l].name, name, s->labels[l].len) == 0)
            return (long)l;
    return -1;
}

/* Row and column orders: labels in display order, then the new row / the gone column. */
struct flow_order {
    size_t *b, *a;
};

static int flow_order(const struct mp_seg_flow_view *v, struct flow_order *o, mp_error *err)
{
    o->b = calloc(v->flow->nb + 1, sizeof *o->b);
    o->a = calloc(v->flow->na + 1, sizeof *o->a);
    if (!o->b || !o->a) {
        free(o->b);
        free(o->a);
        mp_fail(err, MP_ENOMEM, "out of memory");
        return -1;
    }
    mp_seg_order(v->before, o->b);
    mp_seg_order(v->after, o->a);
    o->b[v->flow->nb] = v->flow->nb;
    o->a[v->flow->na] = v->flow->na;
    return 0;
}

static uint64_t cell(const mp_seg_flow *f, size_t b, size_t a)
{
    return f->count[b * (f->na + 1) + a];
}

enum mp_status mp_seg_write_flow_table(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err)
{
    const mp_seg_flow *f = v->flow;
    struct flow_order o;
    if (flow_order(v, &o, err))
        return MP_ENOMEM;
    enum mp_status st = MP_OK;
    for (int rate = 0; rate < 2 && st == MP_OK; rate++) {
        struct mp_table t;
        mp_table_init(&t, f->na + 3 - (size_t)rate, NULL);
        mp_table_set(&t, 0, rate ? "rate" : "from \\ to");
        for (size_t j = 0; j < f->na; j++)
            set_label(&t, j + 1, &v->after->labels[o.a[j]]);
        mp_table_set(&t, f->na + 1, "(gone)");
        if (!rate)
            mp_table_set(&t, f->na + 2, "(all)");
        for (size_t i = 0; i <= f->nb; i++) {
            size_t b = o.b[i];
            if (rate && b == f->nb)
                continue; /* new customers had no label to leave */
            mp_table_add_row(&t);
            if (b == f->nb)
                mp_table_set(&t, 0, "(new)");
            else
                set_label(&t, 0, &v->before->labels[b]);
            uint64_t row = 0;
            for (size_t j = 0; j <= f->na; j++) {
                size_t a = o.a[j];
                row += cell(f, b, a);
                if (rate)
                    mp_table_setf(&t, j + 1, "%.1f%%", 100 * mp_seg_flow_rate(f, b, a));
                else if (!(b == f->nb && a == f->na))
                    mp_table_num(&t, j + 1, (double)cell(f, b, a), 0);
            }
            if (rate && isnan(mp_seg_flow_rate(f, b, 0)))
                for (size_t j = 0; j <= f->na; j++)
                    mp_table_set(&t, j + 1, NULL);
            if (!rate)
                mp_table_num(&t, f->na + 2, (double)row, 0);
        }
        if (!rate) {
            mp_table_add_row(&t);
            mp_table_set(&t, 0, "(all)");
            uint64_t all = 0;
            for (size_t j = 0; j <= f->na; j++) {
                uint64_t col = 0;
                for (size_t i = 0; i <= f->nb; i++)
                    col += cell(f, o.b[i], o.a[j]);
                all += col;
                mp_table_num(&t, j + 1, (double)col, 0);
            }
            mp_table_num(&t, f->na + 2, (double)all, 0);
        }
        st = table_done(&t, fp, 0, err);
        fputc('\n', fp);
    }
    int any = 0;
    for (size_t k = 0; k < 3 && st == MP_OK; k++) {
        long b = find_label(v->before, aipl_steps[k][0]), a = find_label(v->after, aipl_steps[k][1]);
        if (b < 0 || a < 0)
            continue;
        uint64_t total = 0;
        for (size_t j = 0; j <= f->na; j++)
            total += cell(f, (size_t)b, j);
        fprintf(fp, "%s%s->%s %.1f%% (%s of %s)", any ? ", " : "AIPL flow: ", aipl_steps[k][0],
                aipl_steps[k][1], 100 * mp_seg_flow_rate(f, (size_t)b, (size_t)a),
                MP_NUM((double)cell(f, (size_t)b, (size_t)a), 0), MP_NUM((double)total, 0));
        any = 1;
    }
    if (any)
        fputc('\n', fp);
    fputs("customers matched by ", fp);
    mp_esc_fputs(v->key, MP_ESC_LINE, fp); /* a column name from the CSV */
    fprintf(fp, ": %s before, %s after\n", MP_NUM((double)mp_seg_rows(v->before), 0),
            MP_NUM((double)mp_seg_rows(v->after), 0));
    free(o.b);
    free(o.a);
    if (st == MP_OK && ferror(fp))
        st = mp_fail(err, MP_EIO, "write failed");
    return st;
}

enum mp_status mp_seg_write_flow_csv(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err)
{
    const mp_seg_flow *f = v->flow;
    struct flow_order o;
    if (flow_order(v, &o, err))
        return MP_ENOMEM;
    static const char *const head[] = {"from", "to", "count", "rate"};
    struct mp_table t;
    mp_table_init(&t, 4, head);
    t.plain = 1;
    for (size_t i = 0; i <= f->nb; i++)
        for (size_t j = 0; j <= f->na; j++) {
            size_t b = o.b[i], a = o.a[j];
            if (b == f->nb && a == f->na)
                continue;
            mp_table_add_row(&t);
            if (b < f->nb)
                set_label(&t, 0, &v->before->labels[b]);
            if (a < f->na)
                set_label(&t, 1, &v->after->labels[a]);
            mp_table_setf(&t, 2, "%llu", (unsigned long long)cell(f, b, a));
            mp_table_exact(&t, 3, mp_seg_flow_rate(f, b, a));
        }
    free(o.b);
    free(o.a);
    return table_done(&t, fp, 1, err);
}

enum mp_status mp_seg_write_flow_json(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err)
{
    const mp_seg_flow *f = v->flow;
    struct flow_order o;
    if (flow_order(v, &o, err))
        return MP_ENOMEM;
    json_t *root = json_object(), *cells = json_array(), *aipl = json_object();
    int bad = 0; /* any jansson call failed: out of memory */
    bad |= json_object_set_new(root, "mplan", json_integer(1));
    bad |= json_object_set_new(root, "rule", v->after->rule ? json_string(v->after->rule) : json_null());
    bad |= json_object_set_new(root, "key", json_string(v->key));
    bad |= json_object_set_new(root, "before_rows", json_integer((json_int_t)mp_seg_rows(v->before)));
    bad |= json_object_set_new(root, "after_rows", json_integer((json_int_t)mp_seg_rows(v->after)));
    for (size_t i = 0; i <= f->nb; i++)
        for (size_t j = 0; j <= f->na; j++) {
            size_t b = o.b[i], a = o.a[j];
            if (b == f->nb && a == f->na)
                continue;
            const struct mp_seg_label *lb = b < f->nb ? &v->before->labels[b] : NULL;
            const struct mp_seg_label *la = a < f->na ? &v->after->labels[a] : NULL;
            bad |= json_array_append_new(cells, json_pack("{s:o,s:o,s:I,s:o}",
                "from", lb ? json_stringn(lb->name, lb->len) : json_null(),
                "to", la ? json_stringn(la->name, la->len) : json_null(),
                "count", (json_int_t)cell(f, b, a), "rate", mp_json_num(mp_seg_flow_rate(f, b, a))));
        }
    for (size_t k = 0; k < 3; k++) {
        long b = find_label(v->before, aipl_steps[k][0]), a = find_label(v->after, aipl_steps[k][1]);
        if (b >= 0 && a >= 0) {
            char name[8];
            snprintf(name, sizeof name, "%s->%s", aipl_steps[k][0], aipl_steps[k][1]);
            bad |= json_object_set_new(aipl, name, mp_json_num(mp_seg_flow_rate(f, (size_t)b, (size_t)a)));
        }
    }
    bad |= json_object_set_new(root, "flow", cells);
    bad |= json_object_set_new(root, "aipl", aipl);
    free(o.b);
    free(o.a);
    return mp_json_print(fp, root, JSON_FLAGS, bad, err);
}

/* ---- partial summaries ---- */

/* One line each; 17 digits read back as the same doubles, so sums stay exact. */
#define PARTIAL_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

/* The head of a partial line; sets *bad when a jansson call fails. */
static json_t *partial_head(const mp_seg_summary *s, int *bad)
{
    json_t *o = json_object(), *cols = json_array();
    for (size_t c = 0; c < s->ncols; c++)
        *bad |= json_array_append_new(cols, json_string(s->cols[c]));
    *bad |= json_object_set_new(o, "mplan_partial", json_integer(MP_SEG_PARTIAL_VERSION));
    *bad |= json_object_set_new(o, "rule", s->rule ? json_string(s->rule) : json_null());
    *bad |= json_object_set_new(o, "columns", cols);
    *bad |= json_object_set_new(o, "key", s->key >= 0 ? json_string(s->cols[s->key]) : json_null());
    return o;
}

/* The parts of an exact sum as a JSON array: doubles whose exact total it is, and for a sum
 * beyond DBL_MAX, pairs [d, 512] standing for d * 2^512 (docs/segment.md). NULL when even
 * that cannot hold it (beyond 2^1100: more than 2^76 values near DBL_MAX). */
static json_t *sum_parts(const struct mp_xsum *x, int *bad)
{
    double parts[48];
    int k = mp_xsum_parts(x, parts, 48);
    json_t *pj = json_array();
    if (!pj) { /* out of memory: *bad keeps the line from being printed */
        *bad = 1;
        return json_null();
    }
    if (k >= 0) {
        for (int i = 0; i < k; i++)
            *bad |= json_array_append_new(pj, json_real(parts[i]));
        return pj;
    }
    struct mp_xsum low, high;
    double hp[48];
    mp_xsum_split(x, &low, &high);
    int nh = mp_xsum_parts(&high, hp, 48), nl = mp_xsum_parts(&low, parts, 48);
    if (nh < 0 || nl < 0) {
        json_decref(pj);
        return NULL;
    }
    for (int i = 0; i < nh; i++)
        *bad |= json_array_append_new(pj, json_pack("[f,i]", hp[i], 32 * MP_XSUM_SPLIT));
    for (int i = 0; i < nl; i++)
        *bad |= json_array_append_new(pj, json_real(parts[i]));
    return pj;
}

enum mp_status mp_seg_write_partial(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    int bad = 0; /* any jansson call failed: out of memory */
    json_t *meta = partial_head(s, &bad);
    bad |= json_object_set_new(meta, "bad_rows", json_integer((json_int_t)s->bad));
    enum mp_status st = mp_json_print(fp, meta, PARTIAL_FLAGS, bad, err);
    for (size_t l = 0; l < s->nlabels && st == MP_OK; l++) {
        const struct mp_seg_label *lb = &s->labels[l];
        json_t *o = partial_head(s, &bad), *n = json_array(), *text = json_array(), *sum = json_array();
        for (size_t c = 0; c < s->ncols; c++) {
            struct mp_xsum x;
            mp_seg_exact(s, l, c, &x);
            json_t *pj = sum_parts(&x, &bad);
            if (!pj) {
                json_decref(o);
                json_decref(n);
                json_decref(text);
                json_decref(sum);
                char nb[128];
                return mp_fail(err, MP_EINPUT, "column '%s': the sum is beyond 2^1100",
                               mp_esc_name(s->cols[c], nb, sizeof nb));
            }
            bad |= json_array_append_new(sum, pj);
            bad |= json_array_append_new(n, json_integer((json_int_t)lb->acc[c].n));
            bad |= json_array_append_new(text, json_integer((json_int_t)lb->acc[c].text));
        }
        bad |= json_object_set_new(o, "label", json_stringn(lb->name, lb->len));
        bad |= json_object_set_new(o, "count", json_integer((json_int_t)lb->count));
        bad |= json_object_set_new(o, "n", n);
        bad |= json_object_set_new(o, "text", text);
        bad |= json_object_set_new(o, "sum", sum);
        st = mp_json_print(fp, o, PARTIAL_FLAGS, bad, err);
    }
    return st;
}

/* A count in a partial: an integer >= 0 (JSON integers stop at 2^63-1). */
static int is_count(const json_t *j)
{
    return json_is_integer(j) && json_integer_value(j) >= 0;
}

/* One part of a column's sum into acc: a finite number, or [d, 512] for d * 2^512. */
static enum mp_status sum_part(struct mp_seg_acc *acc, const json_t *v, const char *where, const char *col,
                               mp_error *err)
{
    int r;
    char nb[128];
    if (json_is_array(v) && json_array_size(v) == 2 && json_is_number(json_array_get(v, 0)) &&
        isfinite(json_number_value(json_array_get(v, 0))) && json_is_integer(json_array_get(v, 1)) &&
        json_integer_value(json_array_get(v, 1)) == 32 * MP_XSUM_SPLIT) {
        r = mp_seg_add_scaled(acc, json_number_value(json_array_get(v, 0)));
    } else if (json_is_number(v) && isfinite(json_number_value(v))) {
        uint64_t keep = acc->n; /* a part is not a value */
        r = mp_seg_add_real(acc, json_number_value(v));
        acc->n = keep;
    } else {
        return mp_fail(err, MP_EINPUT, "%s: column '%s': bad n, text or sum (sum parts must be finite "
                       "numbers or [number, %d] pairs)", where, mp_esc_name(col, nb, sizeof nb), 32 * MP_XSUM_SPLIT);
    }
    if (r == -2)
        return mp_fail(err, MP_EINPUT, "%s: column '%s': bad n, text or sum (a part beyond 2^1100)", where,
                       mp_esc_name(col, nb, sizeof nb));
    return r ? mp_fail(err, MP_ENOMEM, "out of memory") : MP_OK;
}

/* The label fields of one line into s. */
static enum mp_status partial_label(json_t *o, const char *where, mp_seg_summary *s, json_t *label,
                                    mp_error *err)
{
    size_t nc = s->ncols;
    json_t *count = json_object_get(o, "count"), *n = json_object_get(o, "n");
    json_t *text = json_object_get(o, "text"), *sum = json_object_get(o, "sum");
    if (!json_is_string(label) || !is_count(count) || json_array_size(n) != nc ||
        json_array_size(text) != nc || json_array_size(sum) != nc)
        return mp_fail(err, MP_EINPUT, "%s: a label line needs label, count, and n, text and sum for "
                       "each of the %zu columns", where, nc);
    long l = mp_seg_label(s, json_string_value(label), json_string_length(label));
    if (l < 0)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    struct mp_seg_label *lb = &s->labels[l];
    char nb[128]; /* a column name quoted in a message */
    lb->count = (uint64_t)json_integer_value(count);
    for (size_t c = 0; c < nc; c++) {
        json_t *nj = json_array_get(n, c), *tj = json_array_get(text, c), *pj = json_array_get(sum, c);
        if (!is_count(nj) || !is_count(tj) || !json_is_array(pj))
            return mp_fail(err, MP_EINPUT, "%s: column '%s': bad n, text or sum", where,
                           mp_esc_name(s->cols[c], nb, sizeof nb));
        lb->acc[c].n = (uint64_t)json_integer_value(nj);
        lb->acc[c].text = (uint64_t)json_integer_value(tj);
        /* Each row gives a column at most one value, numeric or not. */
        if (lb->acc[c].n + lb->acc[c].text > lb->count)
            return mp_fail(err, MP_EINPUT, "%s: column '%s': n + text (%llu) exceeds count (%llu)", where,
                           mp_esc_name(s->cols[c], nb, sizeof nb), (unsigned long long)(lb->acc[c].n + lb->acc[c].text),
                           (unsigned long long)lb->count);
        for (size_t i = 0; i < json_array_size(pj); i++)
            MP_TRY(sum_part(&lb->acc[c], json_array_get(pj, i), where, s->cols[c], err));
    }
    return MP_OK;
}

/* One line as a summary of its own (one label, or none for the head line). */
static enum mp_status partial_line(json_t *o, const char *where, mp_seg_summary **out, mp_error *err)
{
    json_t *ver = json_object_get(o, "mplan_partial"), *cols = json_object_get(o, "columns");
    json_t *rule = json_object_get(o, "rule"), *key = json_object_get(o, "key");
    if (!json_is_integer(ver))
        return mp_fail(err, MP_EINPUT, "%s: not an mplan partial summary", where);
    if (json_integer_value(ver) != MP_SEG_PARTIAL_VERSION)
        return mp_fail(err, MP_EINPUT, "%s: partial summary version %lld; this mplan reads version %d", where,
                       (long long)json_integer_value(ver), MP_SEG_PARTIAL_VERSION);
    if (!json_is_array(cols))
        return mp_fail(err, MP_EINPUT, "%s: 'columns' must be an array", where);
    if (rule && !json_is_string(rule) && !json_is_null(rule))
        return mp_fail(err, MP_EINPUT, "%s: 'rule' must be a string or null", where);
    if (key && !json_is_string(key) && !json_is_null(key))
        return mp_fail(err, MP_EINPUT, "%s: 'key' must be a column name or null", where);
    size_t nc = json_array_size(cols);
    const char **names = calloc(nc ? nc : 1, sizeof *names);
    if (!names)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    long k = -1;
    enum mp_status st = MP_OK;
    char nb[128];
    for (size_t c = 0; c < nc && st == MP_OK; c++) {
        names[c] = json_string_value(json_array_get(cols, c));
        if (!names[c]) {
            st = mp_fail(err, MP_EINPUT, "%s: 'columns' must hold strings", where);
            break;
        }
        for (size_t d = 0; d < c; d++)
            if (strcmp(names[d], names[c]) == 0)
                st = mp_fail(err, MP_EINPUT, "%s: column '%s' appears twice", where,
                             mp_esc_name(names[c], nb, sizeof nb));
        if (json_is_string(key) && strcmp(names[c], json_string_value(key)) == 0)
            k = (long)c;
    }
    if (st == MP_OK && json_is_string(key) && k < 0)
        st = mp_fail(err, MP_EINPUT, "%s: 'key' names no column", where);
    mp_seg_summary *s = st == MP_OK ? mp_seg_new(names, nc, k) : NULL;
    free(names);
    if (st != MP_OK)
        return st;
    if (!s || (json_is_string(rule) && !(s->rule = strdup(json_string_value(rule))))) {
        mp_seg_free(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    json_t *label = json_object_get(o, "label");
    if (!label) {
        json_t *b = json_object_get(o, "bad_rows");
        if (b && !is_count(b))
            st = mp_fail(err, MP_EINPUT, "%s: 'bad_rows' must be a count (an integer from 0 to 2^63-1)", where);
        else
            s->bad = b ? (uint64_t)json_integer_value(b) : 0;
    } else {
        st = partial_label(o, where, s, label, err);
    }
    if (st != MP_OK) {
        mp_seg_free(s); /* after the message: it may quote s's column names */
        return st;
    }
    *out = s;
    return MP_OK;
}

/* The longest line a partial may have: a label line is about 1.3 kB a column. */
#define PARTIAL_LINE_MAX ((size_t)64 << 20)

/* One line of fp into *buf, NUL-terminated, newline dropped: its length; -1 at the end of
 * the input; -2 on a read error; -3 out of memory; -4 past PARTIAL_LINE_MAX. */
static long read_line(FILE *fp, char **buf, size_t *cap)
{
    size_t len = 0;
    int c = EOF;
    while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
        if (len + 1 >= *cap) {
            if (*cap >= PARTIAL_LINE_MAX)
                return -4;
            size_t ncap = *cap ? 2 * *cap : 4096;
            char *b = realloc(*buf, ncap);
            if (!b)
                return -3;
            *buf = b;
            *cap = ncap;
        }
        (*buf)[len++] = (char)c;
    }
    if (c == EOF && ferror(fp))
        return -2;
    if (c == EOF && len == 0)
        return -1;
    if (!*buf && !(*buf = malloc(*cap = 1)))
        return -3;
    (*buf)[len] = 0;
    return (long)len;
}

enum mp_status mp_seg_read_partial(FILE *fp, const char *name, mp_seg_summary **acc, mp_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    long len;
    unsigned long long lineno = 0;
    enum mp_status st = MP_OK;
    while (st == MP_OK && (len = read_line(fp, &line, &cap)) >= 0) {
        lineno++;
        /* Hadoop Streaming may hand lines back as "key<TAB>" with an empty value. */
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\t' || line[len - 1] == ' '))
            line[--len] = 0;
        if (len == 0)
            continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%llu", name, lineno);
        json_error_t je;
        int oom;
        json_t *o = mp_json_loadb(line, (size_t)len, 0, &je, &oom);
        if (oom) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        if (!json_is_object(o)) {
            json_decref(o);
            st = mp_fail(err, MP_EINPUT, "%s:%d: not an mplan partial summary (%s)", where, je.column, je.text);
            break;
        }
        mp_seg_summary *one = NULL;
        st = partial_line(o, where, &one, err);
        json_decref(o);
        if (st)
            break;
        if (!*acc) {
            *acc = one;
            continue;
        }
        mp_error e = {0};
        if ((st = mp_seg_merge(*acc, one, &e)) != MP_OK)
            mp_fail(err, st, "%s: %s", where, e.msg);
        mp_seg_free(one);
    }
    free(line);
    if (st == MP_OK && len == -4)
        st = mp_fail(err, MP_EINPUT, "%s:%llu: line longer than %zu MiB (not a partial summary)", name,
                     lineno + 1, PARTIAL_LINE_MAX >> 20);
    else if (st == MP_OK && len == -3)
        st = mp_fail(err, MP_ENOMEM, "%s:%llu: out of memory reading a line", name, lineno + 1);
    else if (st == MP_OK && len == -2)
        st = mp_fail(err, MP_EIO, "%s: read failed: %s", name, strerror(errno));
    return st;
}
