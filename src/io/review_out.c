#include "io/review_out.h"

#include "io/esc.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/table.h"

double mp_variance_pct(double plan, double actual)
{
    return isfinite(plan) && isfinite(actual) && plan != 0 ? actual / plan - 1 : NAN;
}

static const char *method_name(enum mp_refit_method m)
{
    return m == MP_REFIT_LSQ ? "least squares" : m == MP_REFIT_RESCALE ? "rescale" : "kept";
}

/* "gmv -23.1%, roas -18.0%" for the KPIs a channel is off plan on. */
static void off_text(const struct mp_review_view *v, size_t c, char *buf, size_t n)
{
    static const enum mp_kpi_id ids[] = {MP_KPI_SPEND, MP_KPI_GMV, MP_KPI_ROAS};
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof ids / sizeof *ids && o < n; i++)
        if (v->rv->off[c] & (1u << ids[i])) {
            double p = mp_kpi_value(&v->rv->plan_channel[c], v->plan->margin, ids[i]);
            double a = mp_kpi_value(&v->rv->actual_channel[c], v->plan->margin, ids[i]);
            double pct = mp_variance_pct(p, a);
            if (isfinite(pct))
                o += (size_t)snprintf(buf + o, n - o, "%s%s %+.1f%%", o ? ", " : "", mp_kpi_name(ids[i]), 100 * pct);
            else
                o += (size_t)snprintf(buf + o, n - o, "%s%s %s (plan 0)", o ? ", " : "", mp_kpi_name(ids[i]),
                                      MP_AMOUNT(a, ids[i] == MP_KPI_ROAS ? 2 : 0, v->plan->units));
        }
}

/* A compact comparison row: spend, gmv and roas, plan / actual / variance. */
static void compare_row(struct mp_table *tab, size_t k, const mp_kpis *p, const mp_kpis *a, double margin)
{
    static const enum mp_kpi_id ids[] = {MP_KPI_SPEND, MP_KPI_GMV, MP_KPI_ROAS};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        double pv = mp_kpi_value(p, margin, ids[i]), av = mp_kpi_value(a, margin, ids[i]);
        int dec = ids[i] == MP_KPI_ROAS ? 2 : 0;
        mp_table_amount(tab, k++, pv, dec); /* in tab->units: amounts, ratios stay below a thousand */
        mp_table_amount(tab, k++, av, dec);
        double pct = mp_variance_pct(pv, av);
        if (isfinite(pct))
            mp_table_setf(tab, k, "%+.1f%%", 100 * pct);
        k++;
    }
}

static const char *const compare_head[] = {"spend plan", "actual", "var", "gmv plan", "actual", "var",
                                           "roas plan", "actual", "var"};

static enum mp_status table_channels(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    const mp_plan *p = v->plan;
    const char *head[11] = {"channel"};
    memcpy(head + 1, compare_head, sizeof compare_head);
    head[10] = "off plan";
    struct mp_table tab;
    mp_table_init(&tab, 11, head);
    tab.units = p->units;
    mp_table_align(&tab, 10, 1);
    for (size_t c = 0; c < p->nchannels; c++) {
        char off[160];
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, p->channels[c].id);
        compare_row(&tab, 1, &v->rv->plan_channel[c], &v->rv->actual_channel[c], p->margin);
        off_text(v, c, off, sizeof off);
        mp_table_set(&tab, 10, off);
    }
    mp_table_add_row(&tab);
    mp_table_set(&tab, 0, "total");
    compare_row(&tab, 1, &v->rv->plan_total, &v->rv->actual_total, p->margin);
    char title[160];
    snprintf(title, sizeof title, "Plan vs actual by channel (var = actual / plan - 1; off plan: beyond %.0f%%)",
             100 * v->rv->threshold);
    enum mp_status st = mp_table_print(&tab, fp, title, err);
    mp_table_free(&tab);
    return st;
}

static enum mp_status table_periods(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    const char *head[11] = {"t", "start"};
    memcpy(head + 2, compare_head, sizeof compare_head);
    struct mp_table tab;
    mp_table_init(&tab, 11, head);
    tab.units = v->plan->units;
    mp_table_align(&tab, 0, 0);
    mp_table_align(&tab, 1, 1);
    for (int t = 0; t < v->rv->done; t++) {
        char day[11];
        mp_date_format(v->plan->period_start[t], day);
        mp_table_add_row(&tab);
        mp_table_setf(&tab, 0, "%d", t + 1);
        mp_table_set(&tab, 1, day);
        compare_row(&tab, 2, &v->rv->plan_period[t], &v->rv->actual_period[t], v->plan->margin);
    }
    enum mp_status st = mp_table_print(&tab, fp, "Plan vs actual by period", err);
    mp_table_free(&tab);
    return st;
}

static enum mp_status table_total(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    static const char *const head[] = {"kpi", "plan", "actual", "variance", "var"};
    struct mp_table tab;
    mp_table_init(&tab, 5, head);
    for (int id = 0; id < MP_KPI_COUNT; id++) {
        double pv = mp_kpi_value(&v->rv->plan_total, v->plan->margin, (enum mp_kpi_id)id);
        double av = mp_kpi_value(&v->rv->actual_total, v->plan->margin, (enum mp_kpi_id)id);
        int dec = id > MP_KPI_NEW_CUSTOMERS ? 4 : 0;
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, mp_kpi_name((enum mp_kpi_id)id));
        mp_table_num(&tab, 1, pv, dec);
        mp_table_num(&tab, 2, av, dec);
        mp_table_num(&tab, 3, av - pv, dec);
        double pct = mp_variance_pct(pv, av);
        if (isfinite(pct))
            mp_table_setf(&tab, 4, "%+.1f%%", 100 * pct);
    }
    enum mp_status st = mp_table_print(&tab, fp, "Plan vs actual in total, every KPI (channels only: no baseline, "
                                                 "no budget.fixed lines)", err);
    mp_table_free(&tab);
    return st;
}

static enum mp_status table_refit(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    static const char *const head[] = {"channel", "curve", "method", "periods", "beta plan", "beta fit",
                                       "k plan", "k fit", "r2", "note"};
    const mp_plan *p = v->plan;
    struct mp_table tab;
    mp_table_init(&tab, 10, head);
    mp_table_align(&tab, 1, 1);
    mp_table_align(&tab, 2, 1);
    mp_table_align(&tab, 9, 1);
    for (size_t c = 0; c < p->nchannels; c++) {
        const mp_refit *f = &v->rv->fit[c];
        enum mp_curve curve = p->channels[c].resp.curve;
        if (curve == MP_CURVE_NONE)
            continue;
        int linear = curve == MP_CURVE_LINEAR;
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, p->channels[c].id);
        mp_table_set(&tab, 1, mp_curve_name(curve));
        mp_table_set(&tab, 2, method_name(f->method));
        mp_table_setf(&tab, 3, "%d", f->periods);
        mp_table_num(&tab, 4, linear ? f->roas0 : f->beta0, linear ? 3 : 0);
        mp_table_num(&tab, 5, linear ? f->roas : f->beta, linear ? 3 : 0);
        mp_table_num(&tab, 6, linear ? NAN : f->k0, 0);
        mp_table_num(&tab, 7, linear ? NAN : f->k, 0);
        mp_table_num(&tab, 8, f->r2, 3);
        mp_table_set(&tab, 9, f->note ? f->note : linear ? "(beta, k columns: roas)" : "");
    }
    enum mp_status st = mp_table_print(&tab, fp, "Refitted response of each channel (docs/model.md 9)", err);
    mp_table_free(&tab);
    return st;
}

static void window_text(const mp_plan *p, int from, int to, char *buf, size_t n)
{
    char a[11], b[11];
    mp_date_format(p->period_start[from], a);
    mp_date_format(p->period_start[to + 1] - 1, b);
    snprintf(buf, n, "%s..%s", a, b);
}

enum mp_status mp_review_write_table(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    char win[32];
    window_text(v->plan, 0, v->rv->done - 1, win, sizeof win);
    fputs("Review of ", fp);
    mp_esc_fputs(v->plan_path, MP_ESC_LINE, fp);
    fputs(" against ", fp);
    mp_esc_fputs(v->actuals_path, MP_ESC_LINE, fp);
    fprintf(fp, ": periods 1..%d of %d (%s)\n\n", v->rv->done, v->plan->T, win);
    enum mp_status st = table_channels(fp, v, err);
    fputc('\n', fp);
    if (st == MP_OK)
        st = table_periods(fp, v, err);
    fputc('\n', fp);
    if (st == MP_OK)
        st = table_total(fp, v, err);
    fputc('\n', fp);
    if (st == MP_OK)
        st = table_refit(fp, v, err);
    for (int ph = 0; st == MP_OK && ph < MP_PHASE_COUNT; ph++)
        if (v->rv->pool_plan[ph] > 0 || v->rv->pool_actual[ph] > 0) {
            char a[32], b[32];
            fprintf(fp, "%s pool (visitors whose purchase waits for the outbreak): planned %s, actual "
                    "favourites + carts %s\n", mp_phase_name((enum mp_phase)ph),
                    mp_fmt_num(v->rv->pool_plan[ph], 0, a, sizeof a),
                    isnan(v->rv->pool_actual[ph]) ? "- (no favourites/carts columns)"
                                                  : mp_fmt_num(v->rv->pool_actual[ph], 0, b, sizeof b));
        }
    if (st != MP_OK || !v->remaining)
        return st;
    const mp_plan *r = v->remaining->plan;
    double stay = v->stay->total.gmv, re = v->remaining->fc->total.gmv;
    enum mp_units u = v->plan->units;
    fprintf(fp, "\nThe remaining periods %d..%d: %d periods, budget %s left (%s to allocate)\n",
            v->rv->done + 1, v->plan->T, r->T, MP_AMOUNT(r->budget_total, 0, u),
            MP_AMOUNT(v->remaining->allocatable, 0, u));
    fprintf(fp, "forecast with the refitted curves: staying on plan spends %s for GMV %s; re-allocated "
                "spends %s for GMV %s\n\n", MP_AMOUNT(v->stay->total.spend, 0, u), MP_AMOUNT(stay, 0, u),
            MP_AMOUNT(v->remaining->fc->total.spend, 0, u), MP_AMOUNT(re, 0, u));
    return mp_run_write_table(fp, v->remaining, err);
}

/* ---- CSV ---- */

static void csv_scope(struct mp_table *tab, const char *scope, const char *channel, int t, const mp_kpis *p,
                      const mp_kpis *a, double margin, unsigned off)
{
    for (int id = 0; id < MP_KPI_COUNT; id++) {
        double pv = mp_kpi_value(p, margin, (enum mp_kpi_id)id), av = mp_kpi_value(a, margin, (enum mp_kpi_id)id);
        mp_table_add_row(tab);
        mp_table_set(tab, 0, scope);
        mp_table_set(tab, 1, channel);
        if (t > 0)
            mp_table_setf(tab, 2, "%d", t);
        mp_table_set(tab, 3, mp_kpi_name((enum mp_kpi_id)id));
        mp_table_num(tab, 4, pv, 6);
        mp_table_num(tab, 5, av, 6);
        mp_table_num(tab, 6, av - pv, 6);
        mp_table_num(tab, 7, mp_variance_pct(pv, av), 6);
        if (channel)
            mp_table_set(tab, 8, (off >> id) & 1u ? "1" : "0");
    }
}

enum mp_status mp_review_write_csv(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    static const char *const head[] = {"scope", "channel", "t", "kpi", "plan", "actual", "variance", "variance_pct",
                                       "off_plan"};
    const mp_review *rv = v->rv;
    double m = v->plan->margin;
    struct mp_table tab;
    mp_table_init(&tab, 9, head);
    tab.plain = 1;
    for (size_t c = 0; c < rv->nchannels; c++)
        csv_scope(&tab, "channel", v->plan->channels[c].id, 0, &rv->plan_channel[c], &rv->actual_channel[c], m,
                  rv->off[c]);
    for (int t = 0; t < rv->done; t++)
        csv_scope(&tab, "period", NULL, t + 1, &rv->plan_period[t], &rv->actual_period[t], m, 0);
    csv_scope(&tab, "total", NULL, 0, &rv->plan_total, &rv->actual_total, m, 0);
    enum mp_status st = mp_table_print_csv(&tab, fp, err);
    mp_table_free(&tab);
    return st;
}

/* ---- JSON ---- */

static json_t *json_compare(const mp_kpis *p, const mp_kpis *a, double margin)
{
    json_t *o = json_object();
    int bad = !o;
    for (int id = 0; !bad && id < MP_KPI_COUNT; id++) {
        double pv = mp_kpi_value(p, margin, (enum mp_kpi_id)id), av = mp_kpi_value(a, margin, (enum mp_kpi_id)id);
        bad |= json_object_set_new(o, mp_kpi_name((enum mp_kpi_id)id),
                            json_pack("{s:o, s:o, s:o, s:o}", "plan", mp_json_num(pv), "actual", mp_json_num(av),
                                      "variance", mp_json_num(av - pv), "variance_pct",
                                      mp_json_num(mp_variance_pct(pv, av))));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *json_remaining(const struct mp_review_view *v)
{
    const struct mp_run_result *r = v->remaining;
    const mp_plan *p = r->plan;
    size_t T = (size_t)p->T;
    json_t *alloc = json_array();
    int bad = 0; /* any jansson call failed: out of memory */
    for (size_t c = 0; c < p->nchannels; c++)
        for (size_t t = 0; t < T; t++)
            bad |= json_array_append_new(alloc, json_pack("{s:s, s:i, s:f}", "channel", p->channels[c].id, "t",
                                                   (int)(t + 1) + v->rv->done, "spend", r->alloc->spend[c * T + t]));
    json_t *goals = json_array();
    for (size_t i = 0; i < r->ngoals; i++)
        bad |= json_array_append_new(goals, json_pack("{s:s, s:f, s:o, s:o, s:b}", "kpi", r->goals[i].kpi, "target",
                                               r->goals[i].target, "forecast", mp_json_num(r->goals[i].forecast),
                                               "attainment", mp_json_num(r->goals[i].attainment), "met",
                                               r->goals[i].met));
    json_t *warnings = json_array();
    for (size_t i = 0; i < p->nwarnings; i++)
        bad |= json_array_append_new(warnings, json_string(p->warnings[i]));
    if (bad) {
        json_decref(alloc);
        json_decref(goals);
        json_decref(warnings);
        return NULL;
    }
    return json_pack("{s:i, s:i, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "from", v->rv->done + 1, "periods",
                     p->T, "budget", p->budget_total, "reserve", p->reserve, "allocatable", r->allocatable,
                     "stay_on_plan", mp_json_kpis(&v->stay->total, p->margin), "reallocated",
                     mp_json_kpis(&r->fc->total, p->margin), "allocation", alloc, "goals", goals, "warnings",
                     warnings);
}

enum mp_status mp_review_write_json(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    const mp_review *rv = v->rv;
    const mp_plan *p = v->plan;
    json_t *root = json_object(), *by_channel = json_object(), *by_period = json_array(), *refit = json_object(),
           *off = json_array();
    int bad = 0; /* any jansson call failed: out of memory */
    bad |= json_object_set_new(root, "mplan", json_integer(1));
    json_t *pool = json_object();
    for (int ph = 0; ph < MP_PHASE_COUNT; ph++)
        if (rv->pool_plan[ph] > 0 || rv->pool_actual[ph] > 0)
            bad |= json_object_set_new(pool, mp_phase_name((enum mp_phase)ph),
                                json_pack("{s:o, s:o}", "plan", mp_json_num(rv->pool_plan[ph]), "actual",
                                          mp_json_num(rv->pool_actual[ph])));
    bad |= json_object_set_new(root, "review", json_pack("{s:s, s:s, s:i, s:i, s:f, s:f}", "plan", v->plan_path, "actuals",
                                                  v->actuals_path, "done", rv->done, "periods", p->T, "threshold",
                                                  rv->threshold, "spent", rv->spent));
    bad |= json_object_set_new(root, "pool", pool);
    for (size_t c = 0; c < rv->nchannels; c++) {
        const char *id = p->channels[c].id;
        bad |= json_object_set_new(by_channel, id, json_compare(&rv->plan_channel[c], &rv->actual_channel[c], p->margin));
        for (int k = 0; k < MP_KPI_COUNT; k++)
            if ((rv->off[c] >> k) & 1u)
                bad |= json_array_append_new(off, json_pack("{s:s, s:s}", "channel", id, "kpi", mp_kpi_name((enum mp_kpi_id)k)));
        const mp_refit *f = &rv->fit[c];
        if (p->channels[c].resp.curve == MP_CURVE_NONE)
            continue;
        json_t *o = json_pack("{s:s, s:i, s:o}", "method", f->method == MP_REFIT_LSQ ? "lsq"
                                                          : f->method == MP_REFIT_RESCALE ? "rescale" : "none",
                              "periods", f->periods, "r2", mp_json_num(f->r2));
        if (p->channels[c].resp.curve == MP_CURVE_LINEAR)
            bad |= json_object_set_new(o, "roas", json_pack("{s:f, s:f}", "plan", f->roas0, "fit", f->roas));
        else {
            bad |= json_object_set_new(o, "beta", json_pack("{s:f, s:f}", "plan", f->beta0, "fit", f->beta));
            bad |= json_object_set_new(o, "k", json_pack("{s:f, s:f}", "plan", f->k0, "fit", f->k));
        }
        if (f->note)
            bad |= json_object_set_new(o, "note", json_string(f->note));
        bad |= json_object_set_new(refit, id, o);
    }
    for (int t = 0; t < rv->done; t++) {
        json_t *o = json_compare(&rv->plan_period[t], &rv->actual_period[t], p->margin);
        bad |= json_object_set_new(o, "t", json_integer(t + 1));
        bad |= json_array_append_new(by_period, o);
    }
    bad |= json_object_set_new(root, "variance", json_pack("{s:o, s:o, s:o}", "by_channel", by_channel, "by_period", by_period,
                                                    "total", json_compare(&rv->plan_total, &rv->actual_total, p->margin)));
    bad |= json_object_set_new(root, "off_plan", off);
    bad |= json_object_set_new(root, "refit", refit);
    bad |= json_object_set_new(root, "remaining", v->remaining ? json_remaining(v) : json_null());
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}
