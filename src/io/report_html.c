#include "io/report_html.h"

#include "io/abtest_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/curve.h"
#include "core/date.h"
#include "core/fit_history.h"
#include "core/model.h"
#include "io/review_out.h"
#include "io/run_out.h"
#include "io/svg.h"
#include "io/table.h"

/* One page for a 1280 px desktop, a 390 px phone and paper: charts come in a wide and a
 * narrow drawing (each legible at its own size, the other hidden); on a phone every table
 * turns into one card per row, each cell labelled by its column, so nothing hides behind a
 * sideways scroll; in print nothing scrolls and long cells wrap. */
static const char css[] =
    "body{font:15px/1.45 system-ui,sans-serif;color:#222;margin:0;background:#fafafa}"
    "main{max-width:980px;margin:0 auto;padding:12px 14px 40px;background:#fff}"
    "h1{font-size:1.5em;margin:.4em 0 .1em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}"
    ".sub{color:#555;margin:0 0 1em}.wrap{overflow-x:auto}"
    "table{border-collapse:collapse;font-size:.9em;font-variant-numeric:tabular-nums}"
    "th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left;white-space:normal;min-width:9em}th{background:#f4f4f4}"
    "h3{font-size:1em;margin:1.2em 0 .4em}"
    ".track{display:inline-block;width:120px;vertical-align:middle;position:relative}"
    ".bar{display:inline-block;height:.7em;vertical-align:middle;max-width:100%}"
    ".bar.met{background:#0072B2}.bar.missed{background:repeating-linear-gradient(135deg,#D55E00 0 4px,#f3b38f 4px 7px)}"
    ".track i{position:absolute;left:83.3%;top:-2px;bottom:-2px;border-left:1px dashed #333}"
    ".no{color:#b00020;font-weight:600}.yes{color:#1b7f3b;font-weight:600}.off{background:#fff1f0}"
    ".small{max-width:640px}.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:8px}"
    "svg{max-width:100%;height:auto;display:block}.note{color:#666;font-size:.85em}.narrow{display:none}"
    "@media (max-width:600px){main{padding:8px 10px 30px}.wide{display:none}.narrow{display:block}"
    ".wrap{overflow:visible}table,tbody,tr,td{display:block}tr:first-child{display:none}"
    "tr{border:1px solid #ddd;border-radius:6px;margin:0 0 8px;padding:4px 8px}"
    "td{border:0;padding:2px 0;text-align:right;white-space:normal}td:first-child{min-width:0}"
    "td::before{content:attr(data-label);float:left;color:#555;padding-right:8px}"
    "td:first-child{font-weight:600;text-align:left}td:first-child::before{content:none}}"
    "@media print{body{background:#fff}main{max-width:none;padding:0}section{break-inside:avoid}"
    "h2{break-after:avoid}.wrap{overflow:visible}table{font-size:.75em}th,td{padding:2px 4px;white-space:normal}"
    ".wide{display:block}.narrow{display:none}}"
    "td.why{white-space:normal;text-align:left;min-width:12em}ul.goals li{margin:.2em 0}"
    "#revised th,#changes td:first-child{white-space:normal}";

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
    fputs(MP_NUM(v, 0), fp);
}

/* <td data-label="COLUMN">: the column's name shown beside the value when a phone stacks
 * the row into a card. */
static void td(FILE *fp, const char *column)
{
    fputs("<td data-label=\"", fp);
    esc(fp, column);
    fputs("\">", fp);
}

/* A plan that names things in Chinese is read by a Chinese team: the page says so, and the
 * browser picks CJK fonts and line breaking for it. */
static int has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0xE3 && *p <= 0xE9) /* lead bytes of U+3000..U+9FFF: CJK punctuation, kana, ideographs */
            return 1;
    return 0;
}

static const char *page_lang(const mp_plan *p)
{
    int zh = has_cjk(p->store);
    for (size_t c = 0; !zh && c < p->nchannels; c++)
        zh = has_cjk(p->channels[c].name);
    for (size_t e = 0; !zh && e < p->nevents; e++)
        zh = has_cjk(p->events[e].name);
    return zh ? "zh-CN" : "en";
}

/* A KPI as a manager reads it: "new customers", "ROAS"; custom PACK.NAME KPIs as they are. */
static const char *kpi_label(const char *kpi)
{
    static const char *const label[MP_KPI_COUNT] = {
        [MP_KPI_SPEND] = "spend", [MP_KPI_IMPRESSIONS] = "impressions", [MP_KPI_CLICKS] = "clicks",
        [MP_KPI_ORDERS] = "orders", [MP_KPI_GMV] = "GMV", [MP_KPI_NEW_CUSTOMERS] = "new customers",
        [MP_KPI_CTR] = "CTR", [MP_KPI_CVR] = "CVR", [MP_KPI_AOV] = "AOV", [MP_KPI_CPC] = "CPC",
        [MP_KPI_CPM] = "CPM", [MP_KPI_CAC] = "CAC", [MP_KPI_ROAS] = "ROAS", [MP_KPI_ROI] = "ROI",
        [MP_KPI_CHANNEL_GMV] = "channel GMV", [MP_KPI_STORE_ROAS] = "store ROAS",
        [MP_KPI_STORE_ROI] = "store ROI", [MP_KPI_STORE_AOV] = "store AOV"};
    int id = mp_kpi_lookup(kpi);
    return id >= 0 && id < MP_KPI_COUNT && label[id] ? label[id] : kpi;
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

/* ROAS, CPC, CAC: two decimals in every table. */
static void ratio2(FILE *fp, double v)
{
    ratio(fp, v, 2);
}

/* A table cell of one number, put as money, ratio2 or pct write it. */
static void cell(FILE *fp, const char *column, void (*put)(FILE *fp, double v), double v)
{
    td(fp, column);
    put(fp, v);
    fputs("</td>", fp);
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
    double lines = r->fc->fixed_lines, chans = mp_plan_fixed_total(p) - lines;
    fputs(", fixed lines ", fp);
    money(fp, lines);
    if (chans > 0) { /* as run's table says under its budget line */
        fputs(" and fixed-cost channels ", fp);
        money(fp, chans);
    }
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

/* Goals: attainment as a bar on a track whose dashed mark is 100%; a missed goal's bar is
 * hatched orange, a met one solid blue, and the words say it too. */
static void goals(FILE *fp, const struct mp_report *r)
{
    if (!r->ngoals)
        return;
    fputs("<section id=\"goals\"><h2>Goals</h2><div class=\"wrap\"><table><tr><th>goal</th><th>target</th>"
          "<th>forecast</th><th>attainment</th></tr>\n", fp);
    for (size_t i = 0; i < r->ngoals; i++) {
        const mp_goal_result *g = &r->goals[i];
        int id = mp_kpi_lookup(g->kpi);
        int dec = id >= 0 && mp_kpi_additive((enum mp_kpi_id)id) ? 0 : 2;
        fprintf(fp, "<tr class=\"goal %s\"><td title=\"", g->met ? "met" : "missed");
        esc(fp, g->kpi);
        fputs("\">", fp);
        esc(fp, kpi_label(g->kpi));
        fputs("</td>", fp);
        cell(fp, "target", dec ? ratio2 : money, g->target);
        cell(fp, "forecast", dec ? ratio2 : money, g->forecast);
        td(fp, "attainment");
        if (isfinite(g->attainment))
            fprintf(fp, "%.1f%% <span class=\"track\"><span class=\"bar %s\" style=\"width:%.1f%%\"></span><i></i>"
                        "</span> ", 100 * g->attainment, g->met ? "met" : "missed",
                    fmax(0, fmin(100, 100 * g->attainment / 1.2)));
        fprintf(fp, "<span class=\"%s\">%s</span></td></tr>\n", g->met ? "yes" : "no",
                g->met ? "&#10003; met" : "&#10007; missed");
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

/* The period holding a day, clamped to the horizon. */
static size_t period_of(const mp_plan *p, int32_t day)
{
    size_t t = 0;
    while (t + 1 < (size_t)p->T && p->period_start[t + 1] <= day)
        t++;
    return t;
}

/* Spend by channel per period: bars labelled with the periods' start dates, phases shaded,
 * each event named with its outbreak dates above the bars; drawn 900 wide for a desktop and
 * 360 wide for a phone (legible text at each). */
static enum mp_status allocation(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    size_t C = p->nchannels, T = (size_t)p->T, E = p->nevents;
    double *v = calloc(C * T + 1, sizeof *v);
    const char **names = calloc(C + 1, sizeof *names);
    char (*labels)[24] = calloc(T + 1, sizeof *labels);
    const char **lab = calloc(T + 1, sizeof *lab);
    struct mp_svg_band *bands = calloc(T + 1, sizeof *bands);
    char (*band_names)[160] = calloc(T + 1, sizeof *band_names);
    struct mp_svg_band *events = calloc(E + 1, sizeof *events);
    char (*event_names)[200] = calloc(E + 1, sizeof *event_names);
    if (!v || !names || !labels || !lab || !bands || !band_names || !events || !event_names) {
        free(v), free(names), free(labels), free(lab), free(bands), free(band_names), free(events), free(event_names);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < C; c++) {
        names[c] = p->channels[c].name;
        memcpy(&v[c * T], &r->alloc->spend[c * T], T * sizeof *v);
    }
    for (size_t t = 0; t < T; t++) {
        char d[11];
        mp_date_format(p->period_start[t], d);
        if (p->unit == MP_UNIT_MONTH)
            snprintf(labels[t], sizeof labels[t], "%.7s", d);     /* 2027-11 */
        else
            snprintf(labels[t], sizeof labels[t], "%.5s", d + 5); /* 11-08 */
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
    size_t ne = 0;
    for (size_t e = 0; e < E; e++) {
        const struct mp_event *ev = &p->events[e];
        if (ev->outbreak_to < p->period_start[0] || ev->outbreak_from >= p->period_start[T])
            continue;
        char a[11], b[11];
        mp_date_format(ev->outbreak_from, a);
        mp_date_format(ev->outbreak_to, b);
        snprintf(event_names[ne], sizeof event_names[ne], "%s %s..%s", ev->name, a + 5, b + 5);
        events[ne] = (struct mp_svg_band){period_of(p, ev->outbreak_from), period_of(p, ev->outbreak_to) + 1,
                                          event_names[ne], NULL};
        ne++;
    }
    fputs("<section id=\"allocation\"><h2>Allocation</h2>\n", fp);
    static const struct { double w, h; const char *id, *cls; } draw[] = {
        {900, 380, "chart-allocation", "wide"}, {360, 330, "chart-allocation-narrow", "narrow"}};
    for (size_t i = 0; i < 2; i++) {
        struct mp_svg_stack s = {.x = 0, .y = 0, .w = draw[i].w, .h = draw[i].h,
                                 .title = i ? "Spend by channel per period" : "Spend by channel per period (phases shaded)",
                                 .ylabel = "spend", .nbars = T, .nlayers = C, .v = v, .layer_names = names,
                                 .bar_labels = lab, .bands = bands, .nbands = nb, .events = events, .nevents = ne};
        fprintf(fp, "<div class=\"%s\">", draw[i].cls);
        mp_svg_open(fp, draw[i].w, draw[i].h, draw[i].id, "Spend by channel per period");
        mp_svg_stacked_bars(fp, &s);
        mp_svg_close(fp);
        fputs("</div>\n", fp);
    }
    fputs("<p class=\"note\">Bars are labelled with the first day of their period; shaded: ", fp);
    for (size_t i = 0; i < nb; i++) {
        char a[11], b[11];
        mp_date_format(p->period_start[bands[i].from], a);
        mp_date_format(p->period_start[bands[i].to] - 1, b);
        fprintf(fp, "%s<span style=\"background:%s\">&nbsp;", i ? ", " : "", bands[i].color);
        esc(fp, bands[i].label);
        fprintf(fp, "&nbsp;</span> %s..%s", a + 5, b + 5);
    }
    fputs(nb ? ".</p></section>\n" : "no event phases.</p></section>\n", fp);
    free(v), free(names), free(labels), free(lab), free(bands), free(band_names), free(events), free(event_names);
    return MP_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The 10th and 90th percentiles, at each xs[i], of the curves of a channel's bootstrap draws
 * (`draws:`, written by mplan fit --bootstrap): the band of the fitted curve. 0 when it has
 * none (or out of memory). */
static int draw_band(const struct mp_channel *ch, const double *xs, int n, double *lo, double *hi)
{
    size_t N = ch->ndraws;
    double *v = N ? malloc(N * sizeof *v) : NULL;
    if (!v)
        return 0;
    for (int i = 0; i < n; i++) {
        for (size_t d = 0; d < N; d++) {
            const double *p = ch->draws + d * 4;
            struct mp_response resp = ch->resp;
            if (resp.curve == MP_CURVE_LINEAR)
                resp.roas = p[0];
            else {
                resp.beta = p[0];
                resp.k = p[1];
                if (resp.curve == MP_CURVE_HILL)
                    resp.s = p[2];
            }
            mp_curve_eval(&resp, xs[i] / (1 - p[3]), &v[d], NULL, NULL);
        }
        qsort(v, N, sizeof *v, cmp_double);
        double h10 = 0.1 * (double)(N - 1), h90 = 0.9 * (double)(N - 1);
        size_t a = (size_t)h10, b = (size_t)h90;
        lo[i] = v[a] + (h10 - (double)a) * (v[a + 1 < N ? a + 1 : a] - v[a]);
        hi[i] = v[b] + (h90 - (double)b) * (v[b + 1 < N ? b + 1 : b] - v[b]);
    }
    free(v);
    return 1;
}

/* The history's periods of plan channel c at (adstock x (1 - theta), GMV): the adstock
 * a = spend + theta * previous a (0 before the history) placed at the steady spend that builds
 * it, where the curve is drawn. Returns the points (0: no history channel, or no per-channel
 * GMV), -1 out of memory; *xs and *ys are the caller's to free. */
static int history_points(const struct mp_report *r, size_t c, double **xs, double **ys)
{
    const struct mp_history *h = r->history;
    *xs = *ys = NULL;
    if (!h || !h->gmv)
        return 0;
    size_t j = 0, T = (size_t)h->T;
    while (j < h->C && r->history_channel[j] != (int)c)
        j++;
    if (j == h->C)
        return 0;
    *xs = malloc(T * sizeof **xs);
    *ys = malloc(T * sizeof **ys);
    if (!*xs || !*ys)
        return -1;
    double theta = r->plan->channels[c].theta, a = 0;
    for (size_t t = 0; t < T; t++) {
        a = h->spend[j * T + t] + theta * a;
        (*xs)[t] = a * (1 - theta);
        (*ys)[t] = h->gmv[j * T + t];
    }
    return (int)T;
}

static void curves_intro(FILE *fp, const struct mp_report *r)
{
    const mp_plan *p = r->plan;
    fputs("<section id=\"curves\"><h2>Response curves</h2><p class=\"note\">GMV per period at a steady spend per "
          "period (carry-over included, no event lift). The dot is the plan's average spend in the periods the "
          "channel spends, with its marginal ROAS.", fp);
    int banded = 0;
    for (size_t c = 0; c < p->nchannels; c++)
        banded |= p->channels[c].ndraws > 0;
    if (banded)
        fputs(" Dashed: the 10th and 90th percentiles of the curves of the fit's bootstrap draws (mplan fit "
              "--bootstrap), the curve's 80% band.", fp);
    if (r->history && r->history->gmv) {
        fputs(" Circles: the periods of ", fp);
        esc(fp, r->history_path);
        fputs(", each at the channel's GMV that period (event lift included) and the steady spend that builds "
              "that period's carry-over (adstock &times; (1 &minus; theta), adstock = spend + theta &times; the "
              "previous period's).", fp);
    }
    fputs("</p><div class=\"curves\">\n", fp);
}

/* Each channel's curve: GMV per period at a steady spend x per period (adstock x / (1 - theta)),
 * without event lift; the point is the channel's average spend in the periods it spends. */
static enum mp_status curves(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    size_t T = (size_t)p->T;
    curves_intro(fp, r);
    for (size_t c = 0; c < p->nchannels; c++) {
        const struct mp_channel *ch = &p->channels[c];
        if (ch->resp.curve == MP_CURVE_NONE)
            continue;
        double *hx, *hy;
        int nh = history_points(r, c, &hx, &hy);
        if (nh < 0) {
            free(hx);
            free(hy);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        double sum = 0, n = 0;
        for (size_t t = 0; t < T; t++)
            if (r->alloc->spend[c * T + t] > 0) {
                sum += r->alloc->spend[c * T + t];
                n++;
            }
        double chosen = n > 0 ? sum / n : 0, span = fmax(2.2 * chosen, ch->resp.curve == MP_CURVE_LINEAR ? 1000 : 3 * ch->resp.k * (1 - ch->theta));
        for (int i = 0; i < nh; i++) /* the curve under every history point */
            span = fmax(span, hx[i]);
        double xs[61], ys[61];
        for (int i = 0; i <= 60; i++) {
            xs[i] = span * i / 60;
            mp_curve_eval(&ch->resp, xs[i] / (1 - ch->theta), &ys[i], NULL, NULL);
        }
        double yc;
        mp_curve_eval(&ch->resp, chosen / (1 - ch->theta), &yc, NULL, NULL);
        char label[160], title[200], x[64], hname[64];
        mp_fmt_num(chosen, 0, x, sizeof x);
        if (isinf(r->fc->mroas[c]) && r->fc->mroas[c] > 0)
            snprintf(label, sizeof label, "%s/period, mROAS inf", x);
        else if (isfinite(r->fc->mroas[c]))
            snprintf(label, sizeof label, "%s/period, mROAS %.2f", x, r->fc->mroas[c]);
        else
            snprintf(label, sizeof label, "%s/period", x);
        snprintf(hname, sizeof hname, "history (%d %s%s)", nh,
                 p->unit == MP_UNIT_DAY ? "day" : p->unit == MP_UNIT_WEEK ? "week" : "month", nh == 1 ? "" : "s");
        char full[200];
        snprintf(full, sizeof full, "%s (%s)", ch->name, mp_curve_name(ch->resp.curve));
        mp_svg_fit(title, sizeof title, full, 352, 13 * 1.05); /* the title is bold */
        double lo[61], hi[61];
        int band = ch->ndraws > 0 && draw_band(ch, xs, 61, lo, hi);
        struct mp_svg_series s[4] = {{.name = ch->id, .x = xs, .y = ys, .n = 61, .color = c}};
        size_t ns = 1;
        if (band) {
            s[ns++] = (struct mp_svg_series){.x = xs, .y = lo, .n = 61, .color = c, .dashed = 1};
            s[ns++] = (struct mp_svg_series){.x = xs, .y = hi, .n = 61, .color = c, .dashed = 1};
        }
        if (nh > 0)
            s[ns++] = (struct mp_svg_series){.name = hname, .x = hx, .y = hy, .n = (size_t)nh, .color = c, .points = 1};
        struct mp_svg_mark m = {chosen, yc, label};
        struct mp_svg_plot pl = {.x = 0, .y = 0, .w = 360, .h = 250, .title = title, .xlabel = "spend per period",
                                 .ylabel = "GMV per period", .series = s, .nseries = ns, .marks = &m,
                                 .nmarks = n > 0, .legend = nh > 0};
        char id[160];
        snprintf(id, sizeof id, "curve-%s", ch->id);
        fputs("<div>", fp);
        mp_svg_open(fp, 360, 250, id, title);
        mp_svg_plot_lines(fp, &pl);
        mp_svg_close(fp);
        if (r->history && !r->history->gmv) { /* store totals: no attribution to draw */
            fputs("<p class=\"note\">No history points: ", fp);
            esc(fp, r->history_path);
            fputs(" has store totals only, no GMV of this channel.</p>", fp);
        } else if (r->history && nh == 0) {
            fputs("<p class=\"note\">No history points: ", fp);
            esc(fp, r->history_path);
            fputs(" has no rows for this channel.</p>", fp);
        }
        fputs("</div>\n", fp);
        free(hx);
        free(hy);
    }
    fputs("</div></section>\n", fp);
    return MP_OK;
}

/* Horizontal bars drawn 640 wide for a desktop and 360 wide for a phone. */
static void hbars(FILE *fp, const char *id, const char *label, const char *title, const struct mp_svg_hbar *bars,
                  size_t n, int log, const char *value_name, const char *compare_name)
{
    char nid[160];
    snprintf(nid, sizeof nid, "%s-narrow", id);
    for (int narrow = 0; narrow < 2; narrow++) {
        double w = narrow ? 360 : 640;
        fprintf(fp, "<div class=\"%s\">", narrow ? "narrow" : "wide");
        mp_svg_open(fp, w, mp_svg_hbars_height(n), narrow ? nid : id, label);
        mp_svg_hbars(fp, 0, 0, w, title, bars, n, log, value_name, compare_name);
        mp_svg_close(fp);
        fputs("</div>\n", fp);
    }
}

static enum mp_status funnel(FILE *fp, const struct mp_report *r, mp_error *err)
{
    const mp_kpis *k = &r->fc->total;
    mp_ratios q = mp_kpi_ratios(k, r->plan->margin);
    char n1[96], n2[96], n3[96], n4[96], a[64];
    snprintf(n1, sizeof n1, "%s", mp_fmt_num(k->impressions, 0, a, sizeof a));
    snprintf(n2, sizeof n2, "%s (CTR %.2f%%)", mp_fmt_num(k->clicks, 0, a, sizeof a), 100 * q.ctr);
    snprintf(n3, sizeof n3, "%s (CVR %.2f%%)", mp_fmt_num(k->orders, 0, a, sizeof a), 100 * q.cvr);
    snprintf(n4, sizeof n4, "%s (%.0f%% of orders)", mp_fmt_num(k->new_customers, 0, a, sizeof a),
             k->orders > 0 ? 100 * k->new_customers / k->orders : 0.0);
    struct mp_svg_hbar bars[] = {{"impressions", k->impressions, NAN, n1}, {"clicks", k->clicks, NAN, n2},
                                 {"orders", k->orders, NAN, n3}, {"new customers", k->new_customers, NAN, n4}};
    fputs("<section id=\"funnel\"><h2>Funnel and audience</h2><div class=\"small\">\n", fp);
    hbars(fp, "chart-funnel", "Funnel: impressions, clicks, orders", "Funnel over the horizon (log scale)", bars, 4,
          1, "forecast", NULL);
    const mp_plan *p = r->plan;
    if (p->nsegments) {
        struct mp_svg_hbar *seg = calloc(p->nsegments, sizeof *seg);
        char (*notes)[96] = calloc(p->nsegments, sizeof *notes);
        double total = 0;
        for (size_t i = 0; i < p->nsegments; i++)
            total += p->segments[i].size;
        for (size_t i = 0; seg && notes && i < p->nsegments; i++) {
            snprintf(notes[i], sizeof notes[i], "%s (%.1f%%)", mp_fmt_num(p->segments[i].size, 0, a, sizeof a),
                     total > 0 ? 100 * p->segments[i].size / total : 0.0);
            seg[i] = (struct mp_svg_hbar){p->segments[i].label, p->segments[i].size, NAN, notes[i]};
        }
        if (!seg || !notes) {
            free(seg);
            free(notes);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        hbars(fp, "chart-segments", "Audience by segment (AIPL)", "Audience by segment (AIPL)", seg, p->nsegments, 0,
              "customers", NULL);
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
    fputs("</td>", fp);
    cell(fp, "spend", money, k->spend);
    cell(fp, "GMV", money, k->gmv);
    cell(fp, "ROAS", ratio2, q.roas);
    cell(fp, "mROAS", ratio2, mroas);
    cell(fp, "clicks", money, k->clicks);
    cell(fp, "orders", money, k->orders);
    cell(fp, "new customers", money, k->new_customers);
    cell(fp, "CPC", ratio2, q.cpc);
    cell(fp, "CAC", ratio2, q.cac);
    fputs("</tr>\n", fp);
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
    size_t nbars = 0;
    for (size_t c = 0; c < p->nchannels; c++) {
        if (mp_review_quiet_channel(rv, c))
            continue;
        double pv = rv->plan_channel[c].gmv, av = rv->actual_channel[c].gmv, d = mp_variance_pct(pv, av);
        if (isfinite(d))
            snprintf(notes[nbars], sizeof notes[nbars], "%+.1f%%", 100 * d);
        const char *name = p->channels[c].name; /* the name where it fits the label column, else the id */
        bars[nbars] = (struct mp_svg_hbar){mp_svg_text_width(name, 11) <= 100 ? name : p->channels[c].id, pv, av,
                                           notes[nbars]};
        nbars++;
    }
    fputs("<div class=\"small\">", fp);
    hbars(fp, "chart-variance", "GMV plan (blue) vs actual (orange) by channel", "GMV: plan (blue) vs actual (orange)",
          bars, nbars, 0, "plan", "actual");
    fputs("</div>", fp);
    free(bars);
    free(notes);
    fputs("<div class=\"wrap\"><table><tr><th>channel</th><th>spend plan</th><th>actual</th><th>var</th><th>GMV plan"
          "</th><th>actual</th><th>var</th><th>ROAS plan</th><th>actual</th></tr>\n", fp);
    for (size_t c = 0; c <= p->nchannels; c++) {
        int total = c == p->nchannels;
        if (!total && mp_review_quiet_channel(rv, c))
            continue;
        const mp_kpis *pk = total ? &rv->plan_total : &rv->plan_channel[c];
        const mp_kpis *ak = total ? &rv->actual_total : &rv->actual_channel[c];
        fprintf(fp, "<tr%s><td>", !total && rv->off[c] ? " class=\"off\"" : "");
        esc(fp, total ? "total" : p->channels[c].name);
        fputs("</td>", fp);
        cell(fp, "spend plan", money, pk->spend);
        cell(fp, "spend actual", money, ak->spend);
        cell(fp, "spend var", pct, mp_variance_pct(pk->spend, ak->spend));
        cell(fp, "GMV plan", money, pk->gmv);
        cell(fp, "GMV actual", money, ak->gmv);
        cell(fp, "GMV var", pct, mp_variance_pct(pk->gmv, ak->gmv));
        cell(fp, "ROAS plan", ratio2, mp_kpi_ratios(pk, p->margin).roas);
        cell(fp, "ROAS actual", ratio2, mp_kpi_ratios(ak, p->margin).roas);
        fputs("</tr>\n", fp);
    }
    fputs("</table></div>\n", fp);
    /* the refitted curves apart: their before/after pairs would widen the table past a page */
    int any = 0;
    for (size_t c = 0; c < p->nchannels; c++) {
        const mp_refit *f = &rv->fit[c];
        if (f->method == MP_REFIT_NONE)
            continue;
        if (!any++)
            fputs("<h3>Curves refitted on the actuals</h3><div class=\"wrap\"><table><tr><th>channel</th><th>curve</th>"
                  "<th>as planned</th><th>refitted</th></tr>\n", fp);
        int lin = p->channels[c].resp.curve == MP_CURVE_LINEAR;
        fputs("<tr><td>", fp);
        esc(fp, p->channels[c].name);
        fputs("</td>", fp);
        td(fp, "curve");
        fputs(mp_curve_name(p->channels[c].resp.curve), fp);
        for (int after = 0; after < 2; after++) {
            fputs("</td>", fp);
            td(fp, after ? "refitted" : "as planned");
            if (lin) {
                fputs("ROAS ", fp);
                ratio(fp, after ? f->roas : f->roas0, 2);
            } else {
                fputs("beta ", fp);
                money(fp, after ? f->beta : f->beta0);
                fputs(", k ", fp);
                money(fp, after ? f->k : f->k0);
            }
        }
        fputs("</td></tr>\n", fp);
    }
    if (any)
        fputs("</table></div>\n", fp);
    fputs("</section>\n", fp);
    return MP_OK;
}

/* The plan's forecast of channel c over the days [from, to]: GMV and spend, each period
 * weighed by the share of its days inside. *days: the days of the window in the horizon. */
static void window_forecast(const struct mp_report *r, size_t c, int32_t from, int32_t to, double *gmv,
                            double *spend, int32_t *days)
{
    const mp_plan *p = r->plan;
    *gmv = *spend = 0;
    *days = 0;
    for (int t = 0; t < p->T; t++) {
        int32_t a = p->period_start[t], b = p->period_start[t + 1] - 1;
        int32_t lo = a > from ? a : from, hi = b < to ? b : to;
        if (lo > hi)
            continue;
        double w = (double)(hi - lo + 1) / (double)(b - a + 1);
        const mp_kpis *k = &r->fc->cell[c * (size_t)p->T + (size_t)t];
        *gmv += w * k->gmv;
        *spend += w * k->spend;
        *days += hi - lo + 1;
    }
}

static void measured(FILE *fp, const struct mp_experiment *e, double v)
{
    if (e->roas)
        ratio(fp, v, 2);
    else
        money(fp, v);
}

/* The plan's `experiments:`: each lift test's measurement beside what the plan's curve
 * forecasts for that channel in the window's days inside the horizon. */
static void lift_tests(FILE *fp, const struct mp_report *r)
{
    const mp_plan *p = r->plan;
    fputs("<h3>Lift tests in the plan</h3><div class=\"wrap\"><table id=\"lift-tests\"><tr><th>channel</th>"
          "<th>window</th><th>measured</th><th>interval</th><th>plan in the window</th><th>plan vs measured</th>"
          "</tr>\n", fp);
    for (size_t i = 0; i < p->nexperiments; i++) {
        const struct mp_experiment *e = &p->experiments[i];
        char a[11], b[11];
        mp_date_format(e->from, a);
        mp_date_format(e->to, b);
        size_t c = 0;
        while (c < p->nchannels && strcmp(p->channels[c].id, e->channel) != 0)
            c++;
        fputs("<tr><td>", fp);
        esc(fp, c < p->nchannels ? p->channels[c].name : e->channel);
        fputs("</td>", fp);
        td(fp, "window");
        fprintf(fp, "%s..%s</td>", a, b);
        td(fp, "measured");
        fputs(e->roas ? "ROAS " : "GMV ", fp);
        measured(fp, e, e->value);
        fputs("</td>", fp);
        td(fp, "interval");
        measured(fp, e, e->lo);
        fputs("..", fp);
        measured(fp, e, e->hi);
        fprintf(fp, " (%g%%)</td>", 100 * e->level);
        double gmv = NAN, spend = NAN;
        int32_t days = 0;
        if (c < p->nchannels)
            window_forecast(r, c, e->from, e->to, &gmv, &spend, &days);
        double plan = e->roas ? (spend > 0 ? gmv / spend : NAN) : gmv;
        td(fp, "plan in the window");
        if (days == 0 || !isfinite(plan)) {
            fputs(days == 0 ? "outside the horizon</td><td></td></tr>\n" : "&ndash;</td><td></td></tr>\n", fp);
            continue;
        }
        measured(fp, e, plan);
        if (days < e->to - e->from + 1) /* the window runs past the horizon */
            fprintf(fp, " (%d of %d days)", (int)days, (int)(e->to - e->from + 1));
        fputs("</td>", fp);
        int outside = plan < e->lo || plan > e->hi;
        fprintf(fp, "<td data-label=\"plan vs measured\"%s>", outside ? " class=\"no\"" : "");
        pct(fp, plan / e->value - 1);
        fputs(outside ? " (outside the interval: refit the curve with mplan fit)</td></tr>\n"
                      : " (inside the interval)</td></tr>\n", fp);
    }
    fputs("</table></div>\n", fp);
}

/* The A/B test of --abtest: the sample-ratio check, the verdict, each metric's lifts. */
static void abtest_readout(FILE *fp, const struct mp_ab_view *v)
{
    const mp_ab_result *res = v->res;
    char b[2048];
    fputs("<h3>A/B test</h3><p class=\"note\">", fp);
    esc(fp, v->input);
    fprintf(fp, ": %zu variants, control ", v->narms);
    esc(fp, v->arms[v->control]);
    fprintf(fp, "; sample ratio %s (chi-square p = %.4g).</p>\n<p><b>Verdict:</b> ", res->srm ? "MISMATCH" : "ok",
            res->srm_p);
    esc(fp, mp_ab_verdict(v, b, sizeof b));
    fputs("</p>\n", fp);
    for (size_t m = 0; m < v->nmetrics; m++) {
        const mp_ab_metric_in *mi = &v->metrics[m];
        int prop = mi->kind == MP_AB_PROPORTION;
        fputs("<h3>", fp);
        esc(fp, strcmp(mi->name, "revenue") == 0 ? "revenue per visitor" : mi->name);
        fprintf(fp, "%s</h3><div class=\"wrap\"><table><tr><th>variant</th><th>visitors</th><th>%s</th>"
                    "<th>lift</th><th>relative lift (95%% CI)</th><th>p</th>%s</tr>\n",
                m == 0 ? " (primary)" : mi->guardrail ? " (guardrail)" : "", prop ? "rate" : "mean",
                prop ? "<th>P(beat)</th>" : "");
        for (size_t a = 0; a < v->narms; a++) {
            const mp_ab_stat *s = mp_ab_result_stat(res, m, a);
            char n[64];
            fputs("<tr><td>", fp);
            esc(fp, v->arms[a]);
            fprintf(fp, "%s</td><td>%s</td>", a == v->control ? " (control)" : "", mp_fmt_num(s->n, 0, n, sizeof n));
            if (prop)
                fprintf(fp, "<td>%.2f%%</td>", 100 * s->value);
            else
                fprintf(fp, "<td>%s</td>", mp_fmt_num(s->value, 2, n, sizeof n));
            if (a == v->control) {
                fprintf(fp, "<td></td><td></td><td></td>%s</tr>\n", prop ? "<td></td>" : "");
                continue;
            }
            if (prop)
                fprintf(fp, "<td>%+.2f pp (%+.2f..%+.2f)</td>", 100 * s->diff, 100 * s->diff_ci.lo, 100 * s->diff_ci.hi);
            else
                fprintf(fp, "<td>%+.2f (%+.2f..%+.2f)</td>", s->diff, s->diff_ci.lo, s->diff_ci.hi);
            if (isfinite(s->rel) && isfinite(s->rel_ci.lo))
                fprintf(fp, "<td>%+.1f%% (%+.1f%%..%+.1f%%)</td>", 100 * s->rel, 100 * s->rel_ci.lo,
                        100 * s->rel_ci.hi);
            else
                fputs("<td>-</td>", fp);
            fprintf(fp, "<td>%.4g</td>", v->nmetrics && v->narms > 2 ? s->p_holm : s->p);
            if (prop)
                fprintf(fp, "<td>%.1f%%</td>", 100 * s->prob_beat);
            fputs("</tr>\n", fp);
        }
        fputs("</table></div>\n", fp);
    }
}

/* "Experiments": the plan's lift tests and the A/B test of --abtest, whichever there are. */
static void experiments(FILE *fp, const struct mp_report *r)
{
    if (!r->plan->nexperiments && !r->abtest)
        return;
    fputs("<section id=\"experiments\"><h2>Experiments</h2>\n", fp);
    if (r->plan->nexperiments)
        lift_tests(fp, r);
    if (r->abtest)
        abtest_readout(fp, r->abtest);
    fputs("</section>\n", fp);
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
        if (mp_review_performance_line(v, kinds[k], 1, text, sizeof text)[0]) {
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
        esc(fp, v->plan->channels[ch->channel].name);
        fputs("</td>", fp);
        cell(fp, "planned", money, ch->planned);
        cell(fp, "re-allocated", money, ch->revised);
        cell(fp, "change", money, ch->revised - ch->planned);
        fputs("<td class=\"why\" data-label=\"reason\">", fp);
        esc(fp, mp_review_change_text(ch, text, sizeof text));
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div>\n<h3>Revised allocation</h3><div class=\"wrap\"><table id=\"revised\"><tr><th>t</th>"
          "<th>start</th>", fp);
    size_t T = (size_t)rp->T;
    for (size_t c = 0; c < rp->nchannels; c++) {
        fputs("<th>", fp);
        esc(fp, rp->channels[c].name);
        fputs("</th>", fp);
    }
    fputs("<th>total</th></tr>\n", fp);
    for (size_t t = 0; t < T; t++) {
        char day[11];
        double sum = 0;
        mp_date_format(rp->period_start[t], day);
        fprintf(fp, "<tr><td>%d</td>", a->first + (int)t);
        td(fp, "start");
        fprintf(fp, "%s</td>", day);
        for (size_t c = 0; c < rp->nchannels; c++) {
            double x = rest->alloc->spend[c * T + t];
            sum += x;
            cell(fp, rp->channels[c].name, money, x);
        }
        cell(fp, "total", money, sum);
        fputs("</tr>\n", fp);
    }
    fputs("</table></div></section>\n", fp);
}

enum mp_status mp_report_write_html(FILE *fp, const struct mp_report *r, mp_error *err)
{
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", page_lang(r->plan));
    esc(fp, r->plan->store ? r->plan->store : "mplan");
    fprintf(fp, " &mdash; marketing plan</title>\n<style>%s</style></head>\n<body><main>\n", css);
    summary(fp, r);
    goals(fp, r);
    enum mp_status st = allocation(fp, r, err);
    if (st != MP_OK)
        return st;
    if ((st = curves(fp, r, err)) != MP_OK)
        return st;
    st = funnel(fp, r, err);
    if (st != MP_OK)
        return st;
    kpis(fp, r);
    experiments(fp, r);
    if (r->rv && (st = variance(fp, r, err)) != MP_OK)
        return st;
    if (r->review && r->review->actions)
        actions(fp, r);
    fputs("<footer class=\"note\">Made by mplan from ", fp);
    esc(fp, r->plan->file ? r->plan->file : "the plan");
    fputs(".</footer>\n</main></body></html>\n", fp);
    return ferror(fp) ? mp_fail(err, MP_EIO, "report: write failed") : MP_OK;
}
