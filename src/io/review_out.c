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

int mp_review_campaign_period(const mp_plan *plan, int t)
{
    return t + 1 + plan->spent.periods;
}

int mp_review_quiet_channel(const mp_review *rv, size_t c)
{
    const mp_kpis *p = &rv->plan_channel[c], *a = &rv->actual_channel[c];
    return !(p->spend > 0) && !(a->spend > 0) && !(p->gmv > 0) && !(a->gmv > 0);
}

/* Off plan on KPI id, doing better (1), worse (-1), or neither (spend, or not off: 0). */
static int performance(const struct mp_review_view *v, size_t c, enum mp_kpi_id id)
{
    if (!(v->rv->off[c] & (1u << id)) || id == MP_KPI_SPEND)
        return 0;
    double p = mp_kpi_value(&v->rv->plan_channel[c], v->plan->margin, id);
    double a = mp_kpi_value(&v->rv->actual_channel[c], v->plan->margin, id);
    return a > p ? 1 : -1;
}

static int kpi_decimals(const char *kpi)
{
    int id = mp_kpi_lookup(kpi);
    return id >= 0 && mp_kpi_additive((enum mp_kpi_id)id) ? 0 : 2; /* amounts and counts, or ratios */
}

const char *mp_review_change_text(const mp_review_change *ch, char *buf, size_t n)
{
    char refit[96] = "";
    if (isfinite(ch->roas_plan) && isfinite(ch->roas_refit) && fabs(ch->roas_refit / ch->roas_plan - 1) >= 0.05)
        snprintf(refit, sizeof refit, "refitted ROAS %.2f vs %.2f planned; ", ch->roas_refit, ch->roas_plan);
    double diff = ch->revised - ch->planned;
    switch (ch->why) {
    case MP_CHANGE_SAME: snprintf(buf, n, "%sas planned", refit); break;
    case MP_CHANGE_FIXED: snprintf(buf, n, "fixed spend: not re-allocated"); break;
    case MP_CHANGE_MIN: snprintf(buf, n, "%sdown to its min", refit); break;
    case MP_CHANGE_MAX:
        snprintf(buf, n, "%s%s", refit, diff > 0 ? "up to its max or cap" : "held to what is left of its max");
        break;
    case MP_CHANGE_ALLOCATOR: snprintf(buf, n, "%s%s by the pack's allocator", refit, diff < 0 ? "cut" : "raised"); break;
    case MP_CHANGE_MROAS:
        snprintf(buf, n, "%smROAS %.2f at the planned spend, %s %.2f in the re-allocation", refit, ch->mroas_planned,
                 ch->mroas_planned < ch->mroas_level ? "below" : ch->mroas_planned > ch->mroas_level ? "above" : "vs",
                 ch->mroas_level);
        break;
    }
    return buf;
}

double mp_review_budget_step(const mp_review_goal *g)
{
    double d = g->budget_needed - g->budget_now;
    if (!isfinite(d))
        return NAN;
    if (d == 0)
        return 0;
    double unit = pow(10, floor(log10(fabs(d))) - 1); /* two significant digits, away from 0 */
    return copysign(ceil(fabs(d) / unit) * unit, d);
}

const char *mp_review_goal_text(const mp_review_goal *g, char *buf, size_t n)
{
    char t[64], p[64], s[64], a[64], b[64];
    int dec = kpi_decimals(g->kpi);
    mp_fmt_num(g->target, dec, t, sizeof t);
    if (g->outlook == MP_GOAL_REACHED) {
        snprintf(buf, n, "%s %s: already reached in the spent periods", g->kpi, t);
        return buf;
    }
    double att = g->lower ? g->target / g->projected : g->projected / g->target;
    mp_fmt_num(g->projected, dec, p, sizeof p);
    mp_fmt_num(g->stay, dec, s, sizeof s);
    size_t o = (size_t)snprintf(buf, n, "%s projected %s%s against %s", g->kpi, p,
                                g->additive ? "" : " for the remaining periods", t);
    if (isfinite(att) && o < n)
        o += (size_t)snprintf(buf + o, n - o, " (%.1f%%)", 100 * att);
    if (o >= n)
        return buf;
    if (g->outlook == MP_GOAL_ON_TRACK) {
        snprintf(buf + o, n - o, ": on track");
        return buf;
    }
    if (g->outlook == MP_GOAL_CLOSED) {
        snprintf(buf + o, n - o, ": the re-allocation closes it (staying on plan: %s)", s);
        return buf;
    }
    int stay_met = isfinite(g->stay) && (g->lower ? g->stay <= g->target : g->stay >= g->target);
    char extra[96] = "";
    if (g->stay_extra >= 1)
        snprintf(extra, sizeof extra, ", spending %s more than is left", mp_fmt_num(g->stay_extra, 0, a, sizeof a));
    o += (size_t)snprintf(buf + o, n - o, stay_met ? "; staying on plan would meet it (%s%s)"
                                                   : "; re-allocation cannot close it (staying on plan: %s%s)", s, extra);
    double step = mp_review_budget_step(g);
    if (o >= n)
        return buf;
    if (isnan(g->budget_needed))
        snprintf(buf + o, n - o, "; no budget from a fraction of today's to 16 times it would");
    else
        snprintf(buf + o, n - o, "; %s about %s would (budget %s for the remaining periods)",
                 step > 0 ? "adding" : "cutting", mp_fmt_num(fabs(step), 0, a, sizeof a),
                 mp_fmt_num(g->budget_now, 0, b, sizeof b));
    return buf;
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
            /* GMV and ROAS above plan are doing better (up arrow), below worse; spend is neither */
            const char *mark = ids[i] == MP_KPI_SPEND ? "" : a > p ? "\u25b2 " : "\u25bc ";
            if (isfinite(pct))
                o += (size_t)snprintf(buf + o, n - o, "%s%s%s %+.1f%%", o ? ", " : "", mark, mp_kpi_name(ids[i]),
                                      100 * pct);
            else
                o += (size_t)snprintf(buf + o, n - o, "%s%s%s %s (plan 0)", o ? ", " : "", mark, mp_kpi_name(ids[i]),
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
        if (mp_review_quiet_channel(v->rv, c))
            continue;
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
        mp_table_setf(&tab, 0, "%d", mp_review_campaign_period(v->plan, t));
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
    tab.units = v->plan->units;
    for (int id = 0; id < MP_KPI_COUNT; id++) {
        double pv = mp_kpi_value(&v->rv->plan_total, v->plan->margin, (enum mp_kpi_id)id);
        double av = mp_kpi_value(&v->rv->actual_total, v->plan->margin, (enum mp_kpi_id)id);
        int additive = mp_kpi_additive((enum mp_kpi_id)id);
        /* amounts and counts in the plan's units, as the other tables; ratios with 4 decimals */
        void (*cell)(struct mp_table *, size_t, double, int) = additive ? mp_table_amount : mp_table_num;
        int dec = additive ? 0 : 4;
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, mp_kpi_name((enum mp_kpi_id)id));
        cell(&tab, 1, pv, dec);
        cell(&tab, 2, av, dec);
        cell(&tab, 3, av - pv, dec);
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
        if (curve == MP_CURVE_NONE || (f->periods == 0 && mp_review_quiet_channel(v->rv, c)))
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

const char *mp_review_performance_line(const struct mp_review_view *v, int kind, int names, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < v->plan->nchannels && o < n; c++) {
        char item[160];
        size_t k = 0;
        item[0] = '\0';
        for (int id = 0; id < MP_KPI_COUNT && k < sizeof item; id++) {
            if (!(v->rv->off[c] & (1u << id)) || (kind == 0) != (id == MP_KPI_SPEND) ||
                (kind != 0 && performance(v, c, (enum mp_kpi_id)id) != kind))
                continue;
            double pv = mp_kpi_value(&v->rv->plan_channel[c], v->plan->margin, (enum mp_kpi_id)id);
            double av = mp_kpi_value(&v->rv->actual_channel[c], v->plan->margin, (enum mp_kpi_id)id);
            double pct = mp_variance_pct(pv, av);
            k += isfinite(pct) ? (size_t)snprintf(item + k, sizeof item - k, "%s%s %+.1f%%", k ? ", " : "",
                                                  mp_kpi_name((enum mp_kpi_id)id), 100 * pct)
                               : (size_t)snprintf(item + k, sizeof item - k, "%s%s (plan 0)", k ? ", " : "",
                                                  mp_kpi_name((enum mp_kpi_id)id));
        }
        if (item[0])
            o += (size_t)snprintf(buf + o, n - o, "%s%s (%s)", o ? "; " : "",
                                  names ? v->plan->channels[c].name : v->plan->channels[c].id, item);
    }
    return buf;
}

/* Channels off plan, the ones doing worse apart from the ones doing better. */
static void print_performance(FILE *fp, const struct mp_review_view *v)
{
    static const int kinds[] = {-1, 1, 0};
    static const char *const title[] = {"\u25bc Behind plan: ", "\u25b2 Ahead of plan: ", "Spend off plan: "};
    for (int k = 0; k < 3; k++) {
        char line[2048];
        if (mp_review_performance_line(v, kinds[k], 0, line, sizeof line)[0])
            fprintf(fp, "%s%s\n", title[k], line);
    }
}

static enum mp_status table_changes(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    static const char *const head[] = {"channel", "planned", "re-allocated", "change", "var", "reason"};
    const mp_review_actions *a = v->actions;
    struct mp_table tab;
    mp_table_init(&tab, 6, head);
    mp_table_align(&tab, 5, 1);
    for (size_t i = 0; i < a->nchanges; i++) {
        const mp_review_change *ch = &a->change[i];
        char why[200];
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, v->plan->channels[ch->channel].id);
        mp_table_num(&tab, 1, ch->planned, 0);
        mp_table_num(&tab, 2, ch->revised, 0);
        mp_table_num(&tab, 3, ch->revised - ch->planned, 0);
        double pct = mp_variance_pct(ch->planned, ch->revised);
        if (isfinite(pct))
            mp_table_setf(&tab, 4, "%+.1f%%", 100 * pct);
        mp_table_set(&tab, 5, mp_review_change_text(ch, why, sizeof why));
    }
    mp_table_add_row(&tab);
    mp_table_set(&tab, 0, "total");
    mp_table_num(&tab, 1, a->planned, 0);
    mp_table_num(&tab, 2, a->revised, 0);
    mp_table_num(&tab, 3, a->revised - a->planned, 0);
    double pct = mp_variance_pct(a->planned, a->revised);
    if (isfinite(pct))
        mp_table_setf(&tab, 4, "%+.1f%%", 100 * pct);
    char title[200];
    snprintf(title, sizeof title, "Changes vs plan, periods %d..%d (spend the plan gave them, the re-allocation, why)",
             a->first, mp_review_campaign_period(v->plan, v->plan->T - 1));
    enum mp_status st = mp_table_print(&tab, fp, title, err);
    mp_table_free(&tab);
    return st;
}

enum mp_status mp_review_write_table(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    char win[32];
    window_text(v->plan, 0, v->rv->done - 1, win, sizeof win);
    fputs("Review of ", fp);
    mp_esc_fputs(v->plan_path, MP_ESC_LINE, fp);
    fputs(" against ", fp);
    mp_esc_fputs(v->actuals_path, MP_ESC_LINE, fp);
    int off = v->plan->spent.periods;
    if (off)
        fprintf(fp, ": periods %d..%d of the campaign (%s; this plan's 1..%d of %d, after %d spent)\n\n", off + 1,
                off + v->rv->done, win, v->rv->done, v->plan->T, off);
    else
        fprintf(fp, ": periods 1..%d of %d (%s)\n\n", v->rv->done, v->plan->T, win);
    enum mp_status st = table_channels(fp, v, err);
    if (st == MP_OK)
        print_performance(fp, v);
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
    char n1[64], n2[64], n3[64], n4[64], n5[64], n6[64], win2[32];
    window_text(r, 0, r->T - 1, win2, sizeof win2);
    fprintf(fp, "\nWhat to do with the remaining periods %d..%d (%s): %d periods, budget %s left (%s to allocate)\n",
            v->actions->first, mp_review_campaign_period(v->plan, v->plan->T - 1), win2, r->T,
            mp_fmt_num(r->budget_total, 0, n1, sizeof n1), mp_fmt_num(v->remaining->allocatable, 0, n2, sizeof n2));
    fprintf(fp, "forecast with the refitted curves: staying on plan spends %s for GMV %s; re-allocated spends %s for "
                "GMV %s\n", mp_fmt_num(v->stay->total.spend, 0, n3, sizeof n3),
            mp_fmt_num(v->stay->total.gmv, 0, n4, sizeof n4), mp_fmt_num(v->remaining->fc->total.spend, 0, n5, sizeof n5),
            mp_fmt_num(v->remaining->fc->total.gmv, 0, n6, sizeof n6));
    fputc('\n', fp);
    if ((st = table_changes(fp, v, err)) != MP_OK)
        return st;
    if (v->actions->ngoals)
        fputs("\nGoals of the campaign\n", fp);
    for (size_t i = 0; i < v->actions->ngoals; i++) {
        char text[512];
        const mp_review_goal *g = &v->actions->goal[i];
        fprintf(fp, "%s %s\n", g->outlook == MP_GOAL_AT_RISK ? "!" : "-", mp_review_goal_text(g, text, sizeof text));
    }
    fputc('\n', fp);
    struct mp_run_result rest = *v->remaining;
    rest.t0 = v->actions->first - 1;
    return mp_run_write_table(fp, &rest, err);
}

/* ---- CSV ---- */

static const char *direction(double plan, double actual)
{
    return actual > plan ? "over" : actual < plan ? "under" : "";
}

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
        if ((off >> id) & 1u)
            mp_table_set(tab, 9, direction(pv, av));
    }
}

static void csv_actions(struct mp_table *tab, const struct mp_review_view *v)
{
    const mp_review_actions *a = v->actions;
    char text[512];
    for (size_t i = 0; i < a->nchanges; i++) {
        const mp_review_change *ch = &a->change[i];
        mp_table_add_row(tab);
        mp_table_set(tab, 0, "change");
        mp_table_set(tab, 1, v->plan->channels[ch->channel].id);
        mp_table_set(tab, 3, "spend");
        mp_table_num(tab, 4, ch->planned, 6);
        mp_table_num(tab, 5, ch->revised, 6);
        mp_table_num(tab, 6, ch->revised - ch->planned, 6);
        mp_table_num(tab, 7, mp_variance_pct(ch->planned, ch->revised), 6);
        mp_table_set(tab, 9, direction(ch->planned, ch->revised));
        mp_table_set(tab, 10, mp_review_change_text(ch, text, sizeof text));
    }
    for (size_t i = 0; i < a->ngoals; i++) {
        const mp_review_goal *g = &a->goal[i];
        mp_table_add_row(tab);
        mp_table_set(tab, 0, "goal");
        mp_table_set(tab, 3, g->kpi);
        mp_table_num(tab, 4, g->target, 6);
        mp_table_num(tab, 5, g->projected, 6);
        mp_table_num(tab, 6, g->projected - g->target, 6);
        mp_table_num(tab, 7, mp_variance_pct(g->target, g->projected), 6);
        mp_table_set(tab, 10, mp_review_goal_text(g, text, sizeof text));
    }
}

enum mp_status mp_review_write_csv(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    static const char *const head[] = {"scope", "channel", "t", "kpi", "plan", "actual", "variance", "variance_pct",
                                       "off_plan", "direction", "note"};
    const mp_review *rv = v->rv;
    double m = v->plan->margin;
    struct mp_table tab;
    mp_table_init(&tab, 11, head);
    tab.plain = 1;
    for (size_t c = 0; c < rv->nchannels; c++)
        csv_scope(&tab, "channel", v->plan->channels[c].id, 0, &rv->plan_channel[c], &rv->actual_channel[c], m,
                  rv->off[c]);
    for (int t = 0; t < rv->done; t++)
        csv_scope(&tab, "period", NULL, mp_review_campaign_period(v->plan, t), &rv->plan_period[t],
                  &rv->actual_period[t], m, 0);
    csv_scope(&tab, "total", NULL, 0, &rv->plan_total, &rv->actual_total, m, 0);
    if (v->actions)
        csv_actions(&tab, v);
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
                                                   (int)t + v->actions->first, "spend", r->alloc->spend[c * T + t]));
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
    return json_pack("{s:i, s:i, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "from", v->actions->first, "periods",
                     p->T, "budget", p->budget_total, "reserve", p->reserve, "allocatable", r->allocatable,
                     "stay_on_plan", mp_json_kpis(&v->stay->total, p->margin), "reallocated",
                     mp_json_kpis(&r->fc->total, p->margin), "allocation", alloc, "goals", goals, "warnings",
                     warnings);
}

static const char *const why_name[] = {"same", "fixed", "mroas", "min", "max", "allocator"};
static const char *const outlook_name[] = {"on track", "closed by re-allocation", "at risk", "reached"};

static json_t *json_actions(const struct mp_review_view *v)
{
    const mp_review_actions *a = v->actions;
    json_t *changes = json_array(), *goals = json_array();
    int bad = !changes || !goals;
    char text[512];
    for (size_t i = 0; i < a->nchanges; i++) {
        const mp_review_change *ch = &a->change[i];
        bad |= json_array_append_new(
            changes, json_pack("{s:s, s:s, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "channel",
                               v->plan->channels[ch->channel].id, "name", v->plan->channels[ch->channel].name,
                               "planned", ch->planned, "reallocated", ch->revised, "difference",
                               ch->revised - ch->planned, "difference_pct",
                               mp_json_num(mp_variance_pct(ch->planned, ch->revised)), "roas_plan",
                               mp_json_num(ch->roas_plan), "roas_refit", mp_json_num(ch->roas_refit), "mroas_planned",
                               mp_json_mroas(ch->mroas_planned), "mroas_level", mp_json_num(ch->mroas_level),
                               "reason", why_name[ch->why], "text", mp_review_change_text(ch, text, sizeof text)));
    }
    for (size_t i = 0; i < a->ngoals; i++) {
        const mp_review_goal *g = &a->goal[i];
        double att = g->lower ? g->target / g->projected : g->projected / g->target;
        bad |= json_array_append_new(
            goals, json_pack("{s:s, s:f, s:b, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s}", "kpi", g->kpi, "target",
                             g->target, "additive", g->additive, "reached", mp_json_num(g->reached), "projected",
                             mp_json_num(g->projected), "attainment", mp_json_num(att), "staying_on_plan",
                             mp_json_num(g->stay), "outlook", outlook_name[g->outlook], "budget",
                             mp_json_num(g->budget_now), "budget_needed", mp_json_num(g->budget_needed),
                             "budget_change", mp_json_num(mp_review_budget_step(g)), "text",
                             mp_review_goal_text(g, text, sizeof text)));
    }
    if (bad) {
        json_decref(changes);
        json_decref(goals);
        return NULL;
    }
    return json_pack("{s:i, s:i, s:f, s:f, s:o, s:o}", "first", a->first, "last",
                     mp_review_campaign_period(v->plan, v->plan->T - 1), "planned", a->planned, "reallocated",
                     a->revised, "changes", changes, "goals", goals);
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
            if ((rv->off[c] >> k) & 1u) {
                double pv = mp_kpi_value(&rv->plan_channel[c], p->margin, (enum mp_kpi_id)k);
                double av = mp_kpi_value(&rv->actual_channel[c], p->margin, (enum mp_kpi_id)k);
                bad |= json_array_append_new(off, json_pack("{s:s, s:s, s:s}", "channel", id, "kpi",
                                                            mp_kpi_name((enum mp_kpi_id)k), "direction",
                                                            direction(pv, av)));
            }
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
    bad |= json_object_set_new(root, "actions", v->actions ? json_actions(v) : json_null());
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}
