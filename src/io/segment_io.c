#include "io/segment_io.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

static json_t *jnum(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* A number cell: `-` in a table, empty in CSV when absent. */
static void num_cell(mp_table *t, double v, enum mp_format fmt)
{
    if (isnan(v) && fmt == MP_FMT_CSV)
        mp_table_cell(t, "", 1);
    else
        mp_table_num(t, v);
}

static void label_cell(mp_table *t, const struct mp_seg_label *l)
{
    char *s = strndup(l->name, l->len);
    mp_table_cell(t, s ? s : "", 0);
    free(s);
}

static enum mp_status json_out(FILE *fp, json_t *o, mp_error *err)
{
    if (!o)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    int bad = json_dumpf(o, fp, JSON_FLAGS) != 0;
    json_decref(o);
    fputc('\n', fp);
    return bad ? mp_fail(err, MP_EIO, "write failed") : MP_OK;
}

static json_t *summary_json(const mp_seg_summary *s, const size_t *order)
{
    uint64_t rows = mp_seg_rows(s);
    json_t *o = json_object(), *labels = json_array(), *cols = json_array(), *skipped = json_array();
    json_object_set_new(o, "mplan", json_integer(1));
    json_object_set_new(o, "rule", s->rule ? json_string(s->rule) : json_null());
    json_object_set_new(o, "rows", json_integer((json_int_t)rows));
    json_object_set_new(o, "bad_rows", json_integer((json_int_t)s->bad));
    for (size_t c = 0; c < s->ncols; c++) {
        if (mp_seg_numeric(s, c))
            json_array_append_new(cols, json_string(s->cols[c]));
        else if (mp_seg_text(s, c) && mp_seg_total_n(s, c) && (long)c != s->key)
            json_array_append_new(skipped, json_pack("{s:s,s:I}", "column", s->cols[c], "text_values",
                                                     (json_int_t)mp_seg_text(s, c)));
    }
    for (size_t i = 0; i < s->nlabels; i++) {
        size_t l = order[i];
        const struct mp_seg_label *lb = &s->labels[l];
        json_t *sum = json_object(), *mean = json_object();
        for (size_t c = 0; c < s->ncols; c++)
            if (mp_seg_numeric(s, c)) {
                json_object_set_new(sum, s->cols[c], jnum(mp_seg_sum(s, l, c)));
                json_object_set_new(mean, s->cols[c], jnum(mp_seg_mean(s, l, c)));
            }
        json_t *lj = json_object();
        json_object_set_new(lj, "label", json_stringn(lb->name, lb->len));
        json_object_set_new(lj, "count", json_integer((json_int_t)lb->count));
        json_object_set_new(lj, "share", jnum(rows ? (double)lb->count / (double)rows : NAN));
        json_object_set_new(lj, "sum", sum);
        json_object_set_new(lj, "mean", mean);
        json_array_append_new(labels, lj);
    }
    json_t *tsum = json_object(), *tmean = json_object();
    for (size_t c = 0; c < s->ncols; c++)
        if (mp_seg_numeric(s, c)) {
            json_object_set_new(tsum, s->cols[c], jnum(mp_seg_total_sum(s, c)));
            json_object_set_new(tmean, s->cols[c], jnum(mp_seg_total_mean(s, c)));
        }
    json_object_set_new(o, "numeric_columns", cols);
    json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "total", json_pack("{s:I,s:o,s:o}", "count", (json_int_t)rows, "sum", tsum,
                                              "mean", tmean));
    json_object_set_new(o, "not_summed", skipped);
    return o;
}

enum mp_status mp_seg_print(FILE *fp, const mp_seg_summary *s, enum mp_format fmt, mp_error *err)
{
    size_t *order = calloc(s->nlabels ? s->nlabels : 1, sizeof *order);
    if (!order)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    mp_seg_order(s, order);
    uint64_t rows = mp_seg_rows(s);
    size_t nnum = 0;
    for (size_t c = 0; c < s->ncols; c++)
        nnum += (size_t)mp_seg_numeric(s, c);
    enum mp_status st = MP_OK;
    if (fmt == MP_FMT_JSON) {
        st = json_out(fp, summary_json(s, order), err);
    } else if (fmt == MP_FMT_CSV) {
        /* One row a label: label, count, share, then COL_sum, COL_mean per numeric column. */
        mp_table *t = mp_table_new(3 + 2 * nnum);
        mp_table_cell(t, "label", 0);
        mp_table_cell(t, "count", 0);
        mp_table_cell(t, "share", 0);
        for (size_t c = 0; c < s->ncols; c++)
            if (mp_seg_numeric(s, c)) {
                mp_table_cellf(t, 0, "%s_sum", s->cols[c]);
                mp_table_cellf(t, 0, "%s_mean", s->cols[c]);
            }
        for (size_t i = 0; i < s->nlabels; i++) {
            size_t l = order[i];
            label_cell(t, &s->labels[l]);
            mp_table_cellf(t, 1, "%llu", (unsigned long long)s->labels[l].count);
            num_cell(t, rows ? (double)s->labels[l].count / (double)rows : NAN, fmt);
            for (size_t c = 0; c < s->ncols; c++)
                if (mp_seg_numeric(s, c)) {
                    num_cell(t, mp_seg_sum(s, l, c), fmt);
                    num_cell(t, mp_seg_mean(s, l, c), fmt);
                }
        }
        if (!t)
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        else
            mp_table_print_csv(t, fp);
        mp_table_free(t);
    } else {
        /* Counts and shares; then sums and means with one column a label, which stays
         * narrow however many numeric columns the file has. */
        mp_table *t = mp_table_new(3);
        mp_table_cell(t, "label", 0);
        mp_table_cell(t, "count", 1);
        mp_table_cell(t, "share", 1);
        for (size_t i = 0; i < s->nlabels; i++) {
            size_t l = order[i];
            label_cell(t, &s->labels[l]);
            mp_table_cellf(t, 1, "%llu", (unsigned long long)s->labels[l].count);
            mp_table_cellf(t, 1, "%.1f%%", rows ? 100.0 * (double)s->labels[l].count / (double)rows : 0.0);
        }
        mp_table_cell(t, "(all)", 0);
        mp_table_cellf(t, 1, "%llu", (unsigned long long)rows);
        mp_table_cell(t, rows ? "100.0%" : "-", 1);
        mp_table_print(t, fp);
        mp_table_free(t);
        for (int pass = 0; pass < 2 && nnum; pass++) {
            fputc('\n', fp);
            t = mp_table_new(s->nlabels + 2);
            mp_table_cell(t, pass ? "mean" : "sum", 0);
            for (size_t i = 0; i < s->nlabels; i++)
                label_cell(t, &s->labels[order[i]]);
            mp_table_cell(t, "(all)", 1);
            for (size_t c = 0; c < s->ncols; c++) {
                if (!mp_seg_numeric(s, c))
                    continue;
                mp_table_cell(t, s->cols[c], 0);
                for (size_t i = 0; i < s->nlabels; i++) {
                    double v = pass ? mp_seg_mean(s, order[i], c) : mp_seg_sum(s, order[i], c);
                    if (pass && !isnan(v))
                        mp_table_cellf(t, 1, "%.2f", v);
                    else
                        mp_table_num(t, v);
                }
                double v = pass ? mp_seg_total_mean(s, c) : mp_seg_total_sum(s, c);
                if (pass && !isnan(v))
                    mp_table_cellf(t, 1, "%.2f", v);
                else
                    mp_table_num(t, v);
            }
            if (t)
                mp_table_print(t, fp);
            mp_table_free(t);
        }
        if (s->bad)
            fprintf(fp, "\n%llu bad row%s skipped\n", (unsigned long long)s->bad, s->bad == 1 ? "" : "s");
    }
    free(order);
    if (st == MP_OK && ferror(fp))
        st = mp_fail(err, MP_EIO, "write failed");
    return st;
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

enum mp_status mp_seg_print_flow(FILE *fp, const mp_seg_summary *sb, const mp_seg_summary *sa,
                                 const mp_seg_flow *f, const char *key, enum mp_format fmt, mp_error *err)
{
    size_t nb = f->nb, na = f->na, w = na + 1;
    size_t *ob = calloc(nb + 1, sizeof *ob), *oa = calloc(na + 1, sizeof *oa);
    if (!ob || !oa) {
        free(ob);
        free(oa);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    mp_seg_order(sb, ob);
    mp_seg_order(sa, oa);
    ob[nb] = nb; /* the row of new customers last */
    oa[na] = na; /* the column of customers gone last */
    enum mp_status st = MP_OK;
    if (fmt == MP_FMT_JSON) {
        json_t *o = json_object(), *cells = json_array(), *aipl = json_object();
        json_object_set_new(o, "mplan", json_integer(1));
        json_object_set_new(o, "rule", sa->rule ? json_string(sa->rule) : json_null());
        json_object_set_new(o, "key", json_string(key));
        for (size_t i = 0; i <= nb; i++)
            for (size_t j = 0; j <= na; j++) {
                size_t b = ob[i], a = oa[j];
                uint64_t n = f->count[b * w + a];
                if (b == nb && a == na)
                    continue;
                json_t *c = json_object();
                json_object_set_new(c, "from", b == nb ? json_null() : json_stringn(sb->labels[b].name, sb->labels[b].len));
                json_object_set_new(c, "to", a == na ? json_null() : json_stringn(sa->labels[a].name, sa->labels[a].len));
                json_object_set_new(c, "count", json_integer((json_int_t)n));
                json_object_set_new(c, "rate", jnum(mp_seg_flow_rate(f, b, a)));
                json_array_append_new(cells, c);
            }
        for (size_t k = 0; k < 3; k++) {
            long b = find_label(sb, aipl_steps[k][0]), a = find_label(sa, aipl_steps[k][1]);
            if (b >= 0 && a >= 0) {
                char name[8];
                snprintf(name, sizeof name, "%s->%s", aipl_steps[k][0], aipl_steps[k][1]);
                json_object_set_new(aipl, name, jnum(mp_seg_flow_rate(f, (size_t)b, (size_t)a)));
            }
        }
        json_object_set_new(o, "flow", cells);
        json_object_set_new(o, "aipl", aipl);
        json_object_set_new(o, "before_rows", json_integer((json_int_t)mp_seg_rows(sb)));
        json_object_set_new(o, "after_rows", json_integer((json_int_t)mp_seg_rows(sa)));
        st = json_out(fp, o, err);
    } else if (fmt == MP_FMT_CSV) {
        /* Long form: from,to,count,rate; an empty from is a new customer, an empty to one gone. */
        mp_table *t = mp_table_new(4);
        mp_table_cell(t, "from", 0);
        mp_table_cell(t, "to", 0);
        mp_table_cell(t, "count", 0);
        mp_table_cell(t, "rate", 0);
        for (size_t i = 0; i <= nb; i++)
            for (size_t j = 0; j <= na; j++) {
                size_t b = ob[i], a = oa[j];
                if (b == nb && a == na)
                    continue;
                if (b == nb)
                    mp_table_cell(t, "", 0);
                else
                    label_cell(t, &sb->labels[b]);
                if (a == na)
                    mp_table_cell(t, "", 0);
                else
                    label_cell(t, &sa->labels[a]);
                mp_table_cellf(t, 1, "%llu", (unsigned long long)f->count[b * w + a]);
                num_cell(t, mp_seg_flow_rate(f, b, a), fmt);
            }
        if (t)
            mp_table_print_csv(t, fp);
        mp_table_free(t);
    } else {
        for (int pass = 0; pass < 2; pass++) {
            mp_table *t = mp_table_new(na + 3);
            mp_table_cell(t, pass ? "rate" : "from \\ to", 0);
            for (size_t j = 0; j < na; j++)
                label_cell(t, &sa->labels[oa[j]]);
            mp_table_cell(t, "(gone)", 1);
            mp_table_cell(t, pass ? "" : "(all)", 1);
            for (size_t i = 0; i <= nb; i++) {
                size_t b = ob[i];
                if (pass && b == nb)
                    continue;
                if (b == nb)
                    mp_table_cell(t, "(new)", 0);
                else
                    label_cell(t, &sb->labels[b]);
                uint64_t row = 0;
                for (size_t j = 0; j <= na; j++)
                    row += f->count[b * w + oa[j]];
                for (size_t j = 0; j <= na; j++) {
                    size_t a = oa[j];
                    double rate = mp_seg_flow_rate(f, b, a);
                    if (pass && isnan(rate))
                        mp_table_cell(t, "-", 1);
                    else if (pass)
                        mp_table_cellf(t, 1, "%.1f%%", 100.0 * rate);
                    else if (b == nb && a == na)
                        mp_table_cell(t, "", 1);
                    else
                        mp_table_cellf(t, 1, "%llu", (unsigned long long)f->count[b * w + a]);
                }
                if (pass)
                    mp_table_cell(t, "", 1);
                else
                    mp_table_cellf(t, 1, "%llu", (unsigned long long)row);
            }
            if (!pass) {
                mp_table_cell(t, "(all)", 0);
                uint64_t all = 0;
                for (size_t j = 0; j <= na; j++) {
                    uint64_t col = 0;
                    for (size_t i = 0; i <= nb; i++)
                        col += f->count[ob[i] * w + oa[j]];
                    all += col;
                    mp_table_cellf(t, 1, "%llu", (unsigned long long)col);
                }
                mp_table_cellf(t, 1, "%llu", (unsigned long long)all);
            }
            if (t)
                mp_table_print(t, fp);
            mp_table_free(t);
            fputc('\n', fp);
        }
        int any = 0;
        for (size_t k = 0; k < 3; k++) {
            long b = find_label(sb, aipl_steps[k][0]), a = find_label(sa, aipl_steps[k][1]);
            if (b < 0 || a < 0)
                continue;
            uint64_t total = 0;
            for (size_t j = 0; j <= na; j++)
                total += f->count[(size_t)b * w + j];
            fprintf(fp, "%s%s->%s %.1f%% (%llu of %llu)", any ? ", " : "AIPL flow: ", aipl_steps[k][0],
                    aipl_steps[k][1], 100.0 * mp_seg_flow_rate(f, (size_t)b, (size_t)a),
                    (unsigned long long)f->count[(size_t)b * w + (size_t)a], (unsigned long long)total);
            any = 1;
        }
        if (any)
            fputc('\n', fp);
        fprintf(fp, "matched by %s: %llu before, %llu after\n", key, (unsigned long long)mp_seg_rows(sb),
                (unsigned long long)mp_seg_rows(sa));
    }
    free(ob);
    free(oa);
    if (st == MP_OK && ferror(fp))
        st = mp_fail(err, MP_EIO, "write failed");
    return st;
}

/* ---- partial summaries ---- */

static json_t *partial_head(const mp_seg_summary *s)
{
    json_t *o = json_object(), *cols = json_array();
    for (size_t c = 0; c < s->ncols; c++)
        json_array_append_new(cols, json_string(s->cols[c]));
    json_object_set_new(o, "mplan_partial", json_integer(MP_SEG_PARTIAL_VERSION));
    json_object_set_new(o, "rule", s->rule ? json_string(s->rule) : json_null());
    json_object_set_new(o, "columns", cols);
    json_object_set_new(o, "key", s->key >= 0 ? json_string(s->cols[s->key]) : json_null());
    return o;
}

enum mp_status mp_seg_write_partial(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    json_t *meta = partial_head(s);
    json_object_set_new(meta, "bad_rows", json_integer((json_int_t)s->bad));
    enum mp_status st = json_out(fp, meta, err);
    for (size_t l = 0; l < s->nlabels && st == MP_OK; l++) {
        const struct mp_seg_label *lb = &s->labels[l];
        json_t *o = partial_head(s), *n = json_array(), *text = json_array(), *sum = json_array();
        for (size_t c = 0; c < s->ncols; c++) {
            struct mp_xsum x;
            double parts[48];
            mp_seg_exact(s, l, c, &x);
            int k = mp_xsum_parts(&x, parts, 48);
            if (k < 0) {
                json_decref(o);
                json_decref(n);
                json_decref(text);
                json_decref(sum);
                return mp_fail(err, MP_EINPUT, "column '%s': the sum is beyond the largest double", s->cols[c]);
            }
            json_t *pj = json_array();
            for (int i = 0; i < k; i++)
                json_array_append_new(pj, json_real(parts[i]));
            json_array_append_new(sum, pj);
            json_array_append_new(n, json_integer((json_int_t)lb->acc[c].n));
            json_array_append_new(text, json_integer((json_int_t)lb->acc[c].text));
        }
        json_object_set_new(o, "label", json_stringn(lb->name, lb->len));
        json_object_set_new(o, "count", json_integer((json_int_t)lb->count));
        json_object_set_new(o, "n", n);
        json_object_set_new(o, "text", text);
        json_object_set_new(o, "sum", sum);
        st = json_out(fp, o, err);
    }
    return st;
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
    size_t nc = json_array_size(cols);
    const char **names = calloc(nc ? nc : 1, sizeof *names);
    if (!names)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    long k = -1;
    for (size_t c = 0; c < nc; c++) {
        names[c] = json_string_value(json_array_get(cols, c));
        if (!names[c]) {
            free(names);
            return mp_fail(err, MP_EINPUT, "%s: 'columns' must hold strings", where);
        }
        if (json_is_string(key) && strcmp(names[c], json_string_value(key)) == 0)
            k = (long)c;
    }
    mp_seg_summary *s = mp_seg_new(names, nc, k);
    free(names);
    if (!s || (json_is_string(rule) && !(s->rule = strdup(json_string_value(rule))))) {
        mp_seg_free(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    json_t *label = json_object_get(o, "label");
    if (!label) {
        json_t *b = json_object_get(o, "bad_rows");
        s->bad = json_is_integer(b) ? (uint64_t)json_integer_value(b) : 0;
        *out = s;
        return MP_OK;
    }
    json_t *count = json_object_get(o, "count"), *n = json_object_get(o, "n");
    json_t *text = json_object_get(o, "text"), *sum = json_object_get(o, "sum");
    if (!json_is_string(label) || !json_is_integer(count) || json_integer_value(count) < 0 ||
        json_array_size(n) != nc || json_array_size(text) != nc || json_array_size(sum) != nc) {
        mp_seg_free(s);
        return mp_fail(err, MP_EINPUT, "%s: a label line needs label, count, and n, text and sum for "
                       "each of the %zu columns", where, nc);
    }
    long l = mp_seg_label(s, json_string_value(label), json_string_length(label));
    if (l < 0) {
        mp_seg_free(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    struct mp_seg_label *lb = &s->labels[l];
    lb->count = (uint64_t)json_integer_value(count);
    for (size_t c = 0; c < nc; c++) {
        json_t *nj = json_array_get(n, c), *tj = json_array_get(text, c), *pj = json_array_get(sum, c);
        if (!json_is_integer(nj) || !json_is_integer(tj) || !json_is_array(pj) ||
            json_integer_value(nj) < 0 || json_integer_value(tj) < 0) {
            mp_seg_free(s);
            return mp_fail(err, MP_EINPUT, "%s: column '%s': bad n, text or sum", where, s->cols[c]);
        }
        lb->acc[c].n = (uint64_t)json_integer_value(nj);
        lb->acc[c].text = (uint64_t)json_integer_value(tj);
        for (size_t i = 0; i < json_array_size(pj); i++) {
            json_t *v = json_array_get(pj, i);
            if (!json_is_number(v) || !isfinite(json_number_value(v))) {
                mp_seg_free(s);
                return mp_fail(err, MP_EINPUT, "%s: column '%s': sum parts must be numbers", where, s->cols[c]);
            }
            uint64_t keep = lb->acc[c].n;
            if (mp_seg_add_real(&lb->acc[c], json_number_value(v)) != 0) {
                mp_seg_free(s);
                return mp_fail(err, MP_ENOMEM, "out of memory");
            }
            lb->acc[c].n = keep;
        }
    }
    *out = s;
    return MP_OK;
}

enum mp_status mp_seg_read_partial(FILE *fp, const char *name, mp_seg_summary **acc, mp_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long lineno = 0;
    enum mp_status st = MP_OK;
    while (st == MP_OK && (len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        /* Hadoop Streaming may hand lines back as "key<TAB>" with an empty value. */
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == '\t' ||
                           line[len - 1] == ' '))
            line[--len] = 0;
        if (len == 0)
            continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%llu", name, lineno);
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, 0, &je);
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
    if (st == MP_OK && ferror(fp))
        st = mp_fail(err, MP_EIO, "%s: read failed", name);
    return st;
}
