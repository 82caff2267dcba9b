#include "io/report_html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/curve.h"
#include "core/date.h"
#include "core/model.h"
#include "io/review_out.h"
#include "io/run_out.h"
#include "io/svg.h"
#include "io/table.h"

static const char css[] =
    "body{font:15px/1.45 system-ui,sans-serif;color:#222;margin:0;background:#fafafa}"
    "main{max-width:980px;margin:0 auto;padding:12px 14px 40px;background:#fff}"
    "h1{font-size:1.5em;margin:.4em 0 .1em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}"
    ".sub{color:#555;margin:0 0 1em}.wrap{overflow-x:auto}"
    "table{border-collapse:collapse;font-size:.9em;font-variant-numeric:tabular-nums}"
    "th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}"
    ".bar{display:inline-block;height:.7em;background:#0072B2;vertical-align:middle}"
    ".no{color:#b00020;font-weight:600}.yes{color:#1b7f3b;font-weight:600}.off{background:#fff1f0}"
    ".small{max-width:640px}.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:8px}"
    "svg{max-width:100%;height:auto;display:block}.note{color:#666;font-size:.85em}"
    "@media print{body{background:#fff}main{max-width:none;padding:0}section{break-inside:avoid}"
    "h2{break-after:avoid}}"
    "td.why{white-space:normal;text-align:left;min-width:14em}ul.goals li{margin:.2em 0}";

static void esc(FILE *fp, const char *s)
{
    mp_svg_text(fp, s);
}

/* 1,234,567 */
static void money(FILE *fp, double v)
{
    if (!isfinite(v)) {
        fputs("&ndash;", fp);
        return;
    }
    char raw[MP_NUM_TEXT_MAX], out[MP_NUM_TEXT_MAX + MP_NUM_TEXT_MAX / 3];
    snprintf(raw, sizeof raw, "%.0f", fabs(v));
    size_t n = strlen(raw), o = 0;
    if (v < 0 && strcmp(raw, "0") != 0)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    fputs(out, fp);
}

static void ratio(FILE *fp, double v, int decimals)
{
    if (isinf(v) && v > 0)
        fputs("&infin;", fp); /* an infinite first-unit return (hill s < 1 at 0) */
    else if (isfinite(v))
        fprintf(fp, "%.*f", decimals, v);
    else
        fputs("&ndash;", fp);
}

static void pct(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%+.1f%%", 100 * v);
    else
        fputs("&ndash;", fp);
}

static void summary(FILE *fp, const struct mp_report *r)
{
    const mp_plan *p = r->plan;
    char from[11], to[11];
    mp_date_format(p->period_start[0], from);
    mp_date_format(p->period_start[p->T] - 1, to);
    fputs("<section id=\"summary\"><h1>", fp);
    esc(fp, p->store ? p->store : "Marketing plan");
    fputs("</h1><p class=\"sub\">", fp);
    fprintf(fp, "%s..%s, %d %s%s", from, to, p->T,
            p->unit == MP_UNIT_DAY ? "day" : p->unit == MP_UNIT_WEEK ? "week" : "month", p->T == 1 ? "" : "s");
    if (p->platform) {
        fputs(" on ", fp);
        esc(fp, p->platform);
    }
    fputs(". Budget ", fp);
    money(fp, p->budget_total);
    if (p->currency) {
        fputc(' ', fp);
        esc(fp, p->currency);
    }
    fputs(": reserve ", fp);
    money(fp, p->budget_total * p->reserve);
    fputs(", fixed lines ", fp);
    money(fp, mp_plan_fixed_total(p));
    fputs(", allocated by ", fp);
    esc(fp, p->allocator);
    fputs(" ", fp);
    money(fp, r->allocatable);
    fputs(". Forecast GMV ", fp);
    money(fp, r->fc->total.gmv);
    fputs(", ROAS ", fp);
    ratio(fp, mp_kpi_ratios(&r->fc->total, p->margin).roas, 2);
    if (r->fc->total.organic > 0) { /* marketing's ROAS above; the store's with organic sales */
        fputs(" (channel GMV over spend; with organic sales ", fp);
        ratio(fp, mp_kpi_ratios(&r->fc->total, p->margin).store_roas, 2);
        fputs(")", fp);
    }
    if (p->spent.periods > 0) {
        char a[11], b[11];
        mp_date_format(p->spent.from, a);
        mp_date_format(p->spent.to, b);
        fprintf(fp, ". Revised plan: %d periods already spent (%s..%s), spend ", p->spent.periods, a, b);
        money(fp, p->spent.spend);
        fputs(", GMV ", fp);
        money(fp, p->spent.gmv);
    }
    fputs(".</p>", fp);
    /* S-curves: how close the answer is to the best possible, and each channel's pulse */
    char line[512];
    if (*mp_run_gap_text(line, sizeof line, r->eq)) {
        fputs("<p class=\"note\">", fp);
        esc(fp, line);
        fputs(".</p>", fp);
    }
    int said = 0;
    for (size_t c = 0; c < p->nchannels; c++)
        if (*mp_run_pulse_text(line, sizeof line, p, r->alloc, c)) {
            fputs(said++ ? "<br>" : "<p class=\"note\" id=\"pulse\">S-curve channels: ", fp);
            esc(fp, line);
        }
    fputs(said ? "</p></section>\n" : "</section>\n", fp);
}

static void goals(FILE *fp, const struct mp_report *r)
{
    if (!r->ngoals)
        return;
    fputs("<section id=\"goals\"><h2>Goals</h2><div class=\"wrap\"><table><tr><th>goal</th><th>target</th>"
          "<th>forecast</th><th>attainment</th><th></th></tr>\n", fp);
    for (size_t i = 0; i < r->ngoals; i++) {
        const mp_goal_result *g = &r->goals[i];
        int dec = mp_kpi_lookup(g->kpi) > MP_KPI_NEW_CUSTOMERS || mp_kpi_lookup(g->kpi) < 0 ? 2 : 0;
        fputs("<tr><td>", fp);
        esc(fp, g->kpi);
        fputs("</td><td>", fp);
        dec ? ratio(fp, g->target, 2) : money(fp, g->target);
        fputs("</td><td>", fp);
        dec ? ratio(fp, g->forecast, 2) : money(fp, g->forecast);
        fputs("</td><td>", fp);
        if (isfinite(g->attainment))
            fprintf(fp, "%.1f%% <span class=\"bar\" style=\"width:%.0fpx\"></span>", 100 * g->attainment,
                    fmin(120, 60 * g->attainment));
        else
            fputs("&ndash;", fp);
        fprintf(fp, "</td><td class=\"%s\">%s</td></tr>\n", g->met ? "yes" : "no", g->met ? "met" : "missed");
    }
    fputs("</table></div></section>\n", fp);
}

static const char *phase_color(enum mp_phase ph)
{
    switch (ph) {
    case MP_PHASE_PREPARATION: return "#efeafc";
    case MP_PHASE_STORAGE: return "#e3f1fb";
    case MP_PHASE_WARMUP: return "#fff0d6";
    case MP_PHASE_OUTBREAK: return "#ffdede";
    case MP_PHASE_REVIEW: return "#e6f4e6";
    default: return "none";
    }
}

static enum mp_status allocation(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    size_t C = p->nchannels, T = (size_t)p->T;
    double *v = calloc(C * T + 1, sizeof *v);
    const char **names = calloc(C + 1, sizeof *names);
    char (*labels)[24] = calloc(T + 1, sizeof *labels);
    const char **lab = calloc(T + 1, sizeof *lab);
    struct mp_svg_band *bands = calloc(T + 1, sizeof *bands);
    char (*band_names)[160] = calloc(T + 1, sizeof *band_names);
    if (!v || !names || !labels || !lab || !bands || !band_names) {
        free(v), free(names), free(labels), free(lab), free(bands), free(band_names);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < C; c++) {
        names[c] = p->channels[c].id;
        memcpy(&v[c * T], &r->alloc->spend[c * T], T * sizeof *v);
    }
    for (size_t t = 0; t < T; t++) {
        snprintf(labels[t], sizeof labels[t], "%zu", t + 1);
        lab[t] = labels[t];
    }
    size_t nb = 0;
    for (size_t t = 0; t < T;) {
        size_t u = t;
        while (u < T && p->phase[u] == p->phase[t] && p->event_of[u] == p->event_of[t])
            u++;
        if (p->phase[t] != MP_PHASE_NORMAL) {
            snprintf(band_names[nb], sizeof band_names[nb], "%s", mp_phase_name(p->phase[t]));
            bands[nb] = (struct mp_svg_band){t, u, band_names[nb], phase_color(p->phase[t])};
            nb++;
        }
        t = u;
    }
    fputs("<section id=\"allocation\"><h2>Allocation</h2>\n", fp);
    struct mp_svg_stack s = {.x = 0, .y = 0, .w = 900, .h = 380, .title = "Spend by channel per period (phases shaded)",
                             .ylabel = "spend", .nbars = T, .nlayers = C, .v = v, .layer_names = names,
                             .bar_labels = lab, .bands = bands, .nbands = nb};
    mp_svg_open(fp, 900, 380, "chart-allocation", "Spend by channel per period");
    mp_svg_stacked_bars(fp, &s);
    mp_svg_close(fp);
    fputs("<p class=\"note\">Periods numbered from the horizon start; shaded: ", fp);
    for (size_t i = 0; i < nb; i++) {
        fprintf(fp, "%s<span style=\"background:%s\">&nbsp;", i ? ", " : "", bands[i].color);
        esc(fp, bands[i].label);
        fprintf(fp, "&nbsp;</span> %zu&ndash;%zu", bands[i].from + 1, bands[i].to);
    }
    fputs(".</p></section>\n", fp);
    free(v), free(names), free(labels), free(lab), free(bands), free(band_names);
    return MP_OK;
}

/* Each channel's curve: GMV per period at a steady spend x per period (adstock x / (1 - theta)),
 * without event lift; the point is the channel's average spend in the periods it spends. */
static void curves(FILE *fp, const struct mp_report *r)
{
    const mp_plan *p = r->plan;
    size_t T = (size_t)p->T;
    fputs("<section id=\"curves\"><h2>Response curves</h2><p class=\"note\">GMV per period at a steady spend per "
          "period (carry-over included, no event lift). The dot is the plan's average spend in the periods the "
          "channel spends, with its marginal ROAS.</p><div class=\"curves\">\n", fp);
    for (size_t c = 0; c < p->nchannels; c++) {
        const struct mp_channel *ch = &p->channels[c];
        if (ch->resp.curve == MP_CURVE_NONE)
            continue;
        double sum = 0, n = 0;
        for (size_t t = 0; t < T; t++)
            if (r->alloc->spend[c * T + t] > 0) {
                sum += r->alloc->spend[c * T + t];
                n++;
            }
        double chosen = n > 0 ? sum / n : 0, span = fmax(2.2 * chosen, ch->resp.curve == MP_CURVE_LINEAR ? 1000 : 3 * ch->resp.k * (1 - ch->theta));
        double xs[61], ys[61];
        for (int i = 0; i <= 60; i++) {
            xs[i] = span * i / 60;
            mp_curve_eval(&ch->resp, xs[i] / (1 - ch->theta), &ys[i], NULL, NULL);
        }
        double yc;
        mp_curve_eval(&ch->resp, chosen / (1 - ch->theta), &yc, NULL, NULL);
        char label[96], title[200];
        if (isinf(r->fc->mroas[c]) && r->fc->mroas[c] > 0)
            snprintf(label, sizeof label, "%.0f/period, mROAS inf", chosen);
        else if (isfinite(r->fc->mroas[c]))
            snprintf(label, sizeof label, "%.0f/period, mROAS %.2f", chosen, r->fc->mroas[c]);
        else
            snprintf(label, sizeof label, "%.0f/period", chosen);
        snprintf(title, sizeof title, "%s (%s)", ch->name, mp_curve_name(ch->resp.curve));
        struct mp_svg_series s = {.name = ch->id, .x = xs, .y = ys, .n = 61, .color = c};
        struct mp_svg_mark m = {chosen, yc, label};
        struct mp_svg_plot pl = {.x = 0, .y = 0, .w = 360, .h = 250, .title = title, .xlabel = "spend per period",
                                 .ylabel = "GMV per period", .series = &s, .nseries = 1, .marks = &m, .nmarks = n > 0};
        char id[160];
        snprintf(id, sizeof id, "curve-%s", ch->id);
        mp_svg_open(fp, 360, 250, id, title);
        mp_svg_plot_lines(fp, &pl);
        mp_svg_close(fp);
    }
    fputs("</div></section>\n", fp);
}

static enum mp_status funnel(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_kpis *k = &r->fc->total;
    mp_ratios q = mp_kpi_ratios(k, r->plan->margin);
    char n1[64], n2[64], n3[64], n4[64];
    snprintf(n1, sizeof n1, "%.0f", k->impressions);
    snprintf(n2, sizeof n2, "%.0f (CTR %.2f%%)", k->clicks, 100 * q.ctr);
    snprintf(n3, sizeof n3, "%.0f (CVR %.2f%%)", k->orders, 100 * q.cvr);
    snprintf(n4, sizeof n4, "%.0f (%.0f%% of orders)", k->new_customers,
             k->orders > 0 ? 100 * k->new_customers / k->orders : 0.0);
    struct mp_svg_hbar bars[] = {{"impressions", k->impressions, NAN, n1}, {"clicks", k->clicks, NAN, n2},
                                 {"orders", k->orders, NAN, n3}, {"new customers", k->new_customers, NAN, n4}};
    fputs("<section id=\"funnel\"><h2>Funnel and audience</h2><div class=\"small\">\n", fp);
    double h = mp_svg_hbars_height(4);
    mp_svg_open(fp, 640, h, "chart-funnel", "Funnel: impressions, clicks, orders");
    mp_svg_hbars(fp, 0, 0, 640, "Funnel over the horizon (log scale)", bars, 4, 1, "forecast", NULL);
    mp_svg_close(fp);
    const mp_plan *p = r->plan;
    if (p->nsegments) {
        struct mp_svg_hbar *seg = calloc(p->nsegments, sizeof *seg);
        char (*notes)[48] = calloc(p->nsegments, sizeof *notes);
        double total = 0;
        for (size_t i = 0; i < p->nsegments; i++)
            total += p->segments[i].size;
        for (size_t i = 0; seg && notes && i < p->nsegments; i++) {
            snprintf(notes[i], sizeof notes[i], "%.0f (%.1f%%)", p->segments[i].size,
                     total > 0 ? 100 * p->segments[i].size / total : 0.0);
            seg[i] = (struct mp_svg_hbar){p->segments[i].label, p->segments[i].size, NAN, notes[i]};
        }
        if (!seg || !notes) {
            free(seg);
            free(notes);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        double hs = mp_svg_hbars_height(p->nsegments);
        mp_svg_open(fp, 640, hs, "chart-segments", "Audience by segment (AIPL)");
        mp_svg_hbars(fp, 0, 0, 640, "Audience by segment (AIPL)", seg, p->nsegments, 0, "customers", NULL);
        mp_svg_close(fp);
        free(seg);
        free(notes);
    }
    fputs("</div></section>\n", fp);
    return MP_OK;
}

static void kpi_row(FILE *fp, const char *name, const mp_kpis *k, double margin, double mroas)
{
    mp_ratios q = mp_kpi_ratios(k, margin);
    fputs("<tr><td>", fp);
    esc(fp, name);
    fputs("</td><td>", fp);
    money(fp, k->spend);
    fputs("</td><td>", fp);
    money(fp, k->gmv);
    fputs("</td><td>", fp);
    ratio(fp, q.roas, 2);
    fputs("</td><td>", fp);
    ratio(fp, mroas, 2);
    fputs("</td><td>", fp);
    money(fp, k->clicks);
    fputs("</td><td>", fp);
    money(fp, k->orders);
    fputs("</td><td>", fp);
    money(fp, k->new_customers);
    fputs("</td><td>", fp);
    ratio(fp, q.cpc, 2);
    fputs("</td><td>", fp);
    ratio(fp, q.cac, 2);
    fputs("</td></tr>\n", fp);
}

static void kpis(FILE *fp, const struct mp_report *r)
{
    const mp_plan *p = r->plan;
    fputs("<section id=\"kpis\"><h2>KPIs by channel</h2><div class=\"wrap\"><table><tr><th>channel</th><th>spend</th>"
          "<th>GMV</th><th>ROAS</th><th>mROAS</th><th>clicks</th><th>orders</th><th>new</th><th>CPC</th>"
          "<th>CAC</th></tr>\n", fp);
    for (size_t c = 0; c < p->nchannels; c++)
        kpi_row(fp, p->channels[c].name, &r->fc->by_channel[c], p->margin, r->fc->mroas[c]);
    kpi_row(fp, "total (baseline and fixed lines included)", &r->fc->total, p->margin, NAN);
    fputs("</table></div></section>\n", fp);
}

static enum mp_status variance(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_review *rv = r->rv;
    const mp_plan *p = r->plan;
    fputs("<section id=\"variance\"><h2>Plan vs actual</h2><p class=\"note\">", fp);
    fprintf(fp, "Periods 1..%d from ", rv->done);
    esc(fp, r->actuals_path ? r->actuals_path : "the actuals");
    fprintf(fp, "; channels off plan by more than %.0f%% are marked.</p>\n", 100 * rv->threshold);
    struct mp_svg_hbar *bars = calloc(p->nchannels + 1, sizeof *bars);
    char (*notes)[64] = calloc(p->nchannels + 1, sizeof *notes);
    if (!bars || !notes) {
        free(bars);
        free(notes);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < p->nchannels; c++) {
        double pv = rv->plan_channel[c].gmv, av = rv->actual_channel[c].gmv, d = mp_variance_pct(pv, av);
        if (isfinite(d))
            snprintf(notes[c], sizeof notes[c], "%+.1f%%", 100 * d);
        bars[c] = (struct mp_svg_hbar){p->channels[c].id, pv, av, notes[c]};
    }
    fputs("<div class=\"small\">", fp);
    double h = mp_svg_hbars_height(p->nchannels);
    mp_svg_open(fp, 640, h, "chart-variance", "GMV plan (blue) vs actual (orange) by channel");
    mp_svg_hbars(fp, 0, 0, 640, "GMV: plan (blue) vs actual (orange)", bars, p->nchannels, 0, "plan", "actual");
    mp_svg_close(fp);
    fputs("</div>", fp);
    free(bars);
    free(notes);
    fputs("<div class=\"wrap\"><table><tr><th>channel</th><th>spend plan</th><th>actual</th><th>var</th><th>GMV plan"
          "</th><th>actual</th><th>var</th><th>ROAS plan</th><th>actual</th><th>refit</th></tr>\n", fp);
    for (size_t c = 0; c <= p->nchannels; c++) {
        int total = c == p->nchannels;
        const mp_kpis *pk = total ? &rv->plan_total : &rv->plan_channel[c];
        const mp_kpis *ak = total ? &rv->actual_total : &rv->actual_channel[c];
        fprintf(fp, "<tr%s><td>", !total && rv->off[c] ? " class=\"off\"" : "");
        esc(fp, total ? "total" : p->channels[c].id);
        fputs("</td><td>", fp);
        money(fp, pk->spend);
        fputs("</td><td>", fp);
        money(fp, ak->spend);
        fputs("</td><td>", fp);
        pct(fp, mp_variance_pct(pk->spend, ak->spend));
        fputs("</td><td>", fp);
        money(fp, pk->gmv);
        fputs("</td><td>", fp);
        money(fp, ak->gmv);
        fputs("</td><td>", fp);
        pct(fp, mp_variance_pct(pk->gmv, ak->gmv));
        fputs("</td><td>", fp);
        ratio(fp, mp_kpi_ratios(pk, p->margin).roas, 2);
        fputs("</td><td>", fp);
        ratio(fp, mp_kpi_ratios(ak, p->margin).roas, 2);
        fputs("</td><td>", fp);
        if (!total && rv->fit[c].method != MP_REFIT_NONE && p->channels[c].resp.curve != MP_CURVE_LINEAR)
            fprintf(fp, "beta %.0f&rarr;%.0f, k %.0f&rarr;%.0f", rv->fit[c].beta0, rv->fit[c].beta, rv->fit[c].k0,
                    rv->fit[c].k);
        else if (!total && rv->fit[c].method != MP_REFIT_NONE)
            fprintf(fp, "roas %.3g&rarr;%.3g", rv->fit[c].roas0, rv->fit[c].roas);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div></section>\n", fp);
    return MP_OK;
}

/* After a review: what to do with the periods left (review_out's texts), and the revised
 * allocation, periods numbered as in the campaign. */
static void actions(FILE *fp, const struct mp_report *r)
{
    const struct mp_review_view *v = r->review;
    const mp_review_actions *a = v->actions;
    const struct mp_run_result *rest = v->remaining;
    const mp_plan *rp = rest->plan;
    char text[2048];
    fprintf(fp, "<section id=\"actions\"><h2>What to do with periods %d..%d</h2><p>", a->first,
            mp_review_campaign_period(v->plan, v->plan->T - 1));
    fputs("Budget left: ", fp);
    money(fp, rp->budget_total);
    fputs(". With the refitted curves, staying on plan spends ", fp);
    money(fp, v->stay->total.spend);
    fputs(" for GMV ", fp);
    money(fp, v->stay->total.gmv);
    fputs("; the re-allocation spends ", fp);
    money(fp, rest->fc->total.spend);
    fputs(" for GMV ", fp);
    money(fp, rest->fc->total.gmv);
    fputs(".</p>\n", fp);
    static const int kinds[] = {-1, 1, 0};
    static const char *const title[] = {"Behind plan", "Ahead of plan", "Spend off plan"};
    for (int k = 0; k < 3; k++)
        if (mp_review_performance_line(v, kinds[k], text, sizeof text)[0]) {
            fprintf(fp, "<p class=\"%s\">%s%s: ", k == 0 ? "no" : k == 1 ? "yes" : "note",
                    k == 0 ? "&#9660; " : k == 1 ? "&#9650; " : "", title[k]);
            esc(fp, text);
            fputs("</p>\n", fp);
        }
    fputs("<ul class=\"goals\">\n", fp);
    for (size_t i = 0; i < a->ngoals; i++) {
        fprintf(fp, "<li%s>", a->goal[i].outlook == MP_GOAL_AT_RISK ? " class=\"no\"" : "");
        esc(fp, mp_review_goal_text(&a->goal[i], text, sizeof text));
        fputs("</li>\n", fp);
    }
    fputs("</ul>\n<div class=\"wrap\"><table id=\"changes\"><tr><th>channel</th><th>planned</th><th>re-allocated</th>"
          "<th>change</th><th>reason</th></tr>\n", fp);
    for (size_t i = 0; i < a->nchanges; i++) {
        const mp_review_change *ch = &a->change[i];
        fputs("<tr><td>", fp);
        esc(fp, v->plan->channels[ch->channel].id);
        fputs("</td><td>", fp);
        money(fp, ch->planned);
        fputs("</td><td>", fp);
        money(fp, ch->revised);
        fputs("</td><td>", fp);
        money(fp, ch->revised - ch->planned);
        fputs("</td><td class=\"why\">", fp);
        esc(fp, mp_review_change_text(ch, text, sizeof text));
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div>\n<div class=\"wrap\"><table id=\"revised\"><tr><th>t</th><th>start</th>", fp);
    size_t T = (size_t)rp->T;
    for (size_t c = 0; c < rp->nchannels; c++) {
        fputs("<th>", fp);
        esc(fp, rp->channels[c].id);
        fputs("</th>", fp);
    }
    fputs("<th>total</th></tr>\n", fp);
    for (size_t t = 0; t < T; t++) {
        char day[11];
        double sum = 0;
        mp_date_format(rp->period_start[t], day);
        fprintf(fp, "<tr><td>%d</td><td>%s</td>", a->first + (int)t, day);
        for (size_t c = 0; c < rp->nchannels; c++) {
            double x = rest->alloc->spend[c * T + t];
            sum += x;
            fputs("<td>", fp);
            money(fp, x);
            fputs("</td>", fp);
        }
        fputs("<td>", fp);
        money(fp, sum);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div></section>\n", fp);
}

enum mp_status mp_report_write_html(FILE *fp, const struct mp_report *r, mp_error *err)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", fp);
    esc(fp, r->plan->store ? r->plan->store : "mplan");
    fprintf(fp, " &mdash; marketing plan</title>\n<style>%s</style></head>\n<body><main>\n", css);
    summary(fp, r);
    goals(fp, r);
    enum mp_status st = allocation(fp, r, err);
    if (st != MP_OK)
        return st;
    curves(fp, r);
    st = funnel(fp, r, err);
    if (st != MP_OK)
        return st;
    kpis(fp, r);
    if (r->rv && (st = variance(fp, r, err)) != MP_OK)
        return st;
    if (r->review && r->review->actions)
        actions(fp, r);
    fputs("<footer class=\"note\">Made by mplan from ", fp);
    esc(fp, r->plan->file ? r->plan->file : "the plan");
    fputs(".</footer>\n</main></body></html>\n", fp);
    return ferror(fp) ? mp_fail(err, MP_EIO, "report: write failed") : MP_OK;
}
