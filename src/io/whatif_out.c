#include "io/whatif_out.h"

#include "io/esc.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "io/run_out.h"
#include "io/svg.h"
#include "io/table.h"

static const char *scenario_name(const struct mp_whatif_view *v, const mp_whatif_row *r)
{
    return v->nscenarios ? v->scenarios[r->scenario].name : NULL;
}

/* Header names in order; the caller frees the array (the names are borrowed or in `names`). */
struct columns {
    const char **head;
    size_t n;
    char **owned;
    size_t nowned;
};

static void columns_free(struct columns *c)
{
    for (size_t i = 0; i < c->nowned; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->head);
}

static void col(struct columns *c, const char *name)
{
    c->head[c->n++] = name;
}

static void colf(struct columns *c, const char *prefix, const char *name)
{
    size_t n = strlen(prefix) + strlen(name) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", prefix, name);
    c->owned[c->nowned++] = s;
    c->head[c->n++] = s ? s : "?";
}

static int columns_init(struct columns *c, size_t max)
{
    memset(c, 0, sizeof *c);
    c->head = calloc(max + 1, sizeof *c->head);
    c->owned = calloc(max + 1, sizeof *c->owned);
    return c->head && c->owned ? 0 : -1;
}

static void axis_cell(struct mp_table *tab, size_t col, const char *path, double v)
{
    if (strcmp(path, "budget") == 0 || strcmp(path, "budget.total") == 0)
        mp_table_amount(tab, col, v, 0);
    else if (tab->plain)
        mp_table_setf(tab, col, "%.10g", v);
    else
        mp_table_set(tab, col, MP_G(v));
}

/* The row of the plan as written: scenario 'base' (the first, when there are scenarios) at
 * the grid point where every axis has the plan's own value. NULL when the grid does not
 * hold that point or its row could not be allocated: no differences then. */
static const mp_whatif_row *base_row(const struct mp_whatif_view *v)
{
    const mp_whatif *w = v->w;
    double own[64];
    if (w->naxes > sizeof own / sizeof *own)
        return NULL;
    for (size_t a = 0; a < w->naxes; a++) {
        mp_error err;
        if (mp_plan_get(v->plan, v->axes[a].path, &own[a], &err) != MP_OK)
            return NULL;
    }
    for (size_t i = 0; i < w->nrows; i++) {
        const mp_whatif_row *r = &w->rows[i];
        int at = r->scenario == 0;
        for (size_t a = 0; at && a < w->naxes; a++)
            at = fabs(r->axis[a] - own[a]) <= 1e-9 * fmax(1, fabs(own[a]));
        if (at)
            return r->status == MP_OK ? r : NULL;
    }
    return NULL;
}

/* A row's GMV and ROAS minus the base row's (NAN without a base or an allocation). */
static void vs_base(const mp_whatif *w, const mp_whatif_row *base, const mp_whatif_row *r, double *gmv, double *roas)
{
    *gmv = *roas = NAN;
    if (!base || r->status != MP_OK)
        return;
    *gmv = r->total.gmv - base->total.gmv;
    *roas = mp_kpi_ratios(&r->total, w->margin).roas - mp_kpi_ratios(&base->total, w->margin).roas;
}

/* A difference for people: its sign, thousands separators ("+1,234,567", "-0.12"; "0" for
 * one that rounds to nothing) and, when `of` > 0, the share of `of` ("+1,234,567 (+8.4%)"). */
static void delta_cell(struct mp_table *tab, size_t col, double d, double of, int decimals)
{
    char num[MP_FMT_MAX], pct[32] = "";
    double unit = decimals ? pow(10, -decimals) : 1;
    if (!isfinite(d)) {
        mp_table_set(tab, col, "-");
        return;
    }
    int zero = fabs(d) < unit / 2;
    mp_fmt_amount(fabs(d), decimals, tab->units, num, sizeof num);
    if (of > 0)
        snprintf(pct, sizeof pct, zero ? " (0.0%%)" : " (%+.1f%%)", 100 * d / of);
    mp_table_setf(tab, col, "%s%s%s", zero ? "" : d < 0 ? "-" : "+", num, pct);
}

static void infeasible_note(FILE *fp, const struct mp_whatif_view *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->w->nrows; i++)
        if (v->w->rows[i].status != MP_OK && n++ < 5)
        {
            fprintf(fp, "%s ", n == 1 ? "\nno allocation:" : "              ");
            mp_esc_fputs(v->w->rows[i].why ? v->w->rows[i].why : "infeasible", MP_ESC_LINE, fp); /* may quote a pack */
            fputc('\n', fp);
        }
    if (n > 5)
        fprintf(fp, "               (and %zu more)\n", n - 5);
}

enum mp_status mp_whatif_write_table(FILE *fp, const struct mp_whatif_view *v, mp_error *err)
{
    const mp_whatif *w = v->w;
    const mp_plan *p = v->plan;
    static const char *const kpis[] = {"spend", "gmv", "roas", "mroas", "orders", "new", "cac"};
    size_t nk = sizeof kpis / sizeof *kpis;
    struct columns c;
    const mp_whatif_row *base = base_row(v);
    if (columns_init(&c, 3 + w->naxes + nk + w->ngoals + w->nchannels) != 0) {
        columns_free(&c);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (v->nscenarios)
        col(&c, "scenario");
    for (size_t a = 0; a < w->naxes; a++)
        col(&c, v->axes[a].path);
    size_t first_kpi = c.n;
    for (size_t i = 0; i < nk; i++)
        col(&c, kpis[i]);
    size_t first_delta = c.n;
    if (base) {
        col(&c, "Δ GMV vs base");
        col(&c, "Δ ROAS vs base");
    }
    for (size_t g = 0; g < w->ngoals; g++)
        colf(&c, "goal% ", p->goals[g].kpi);
    size_t first_channel = c.n;
    for (size_t ch = 0; ch < w->nchannels; ch++)
        if (p->channels[ch].mode == MP_MODE_OPTIMISED)
            col(&c, p->channels[ch].id);
    struct mp_table tab;
    mp_table_init(&tab, c.n, c.head);
    tab.units = p->units;
    if (v->nscenarios)
        mp_table_align(&tab, 0, 1);
    mp_table_align(&tab, 0, v->nscenarios != 0);
    for (size_t i = 0; i < w->nrows; i++) {
        const mp_whatif_row *r = &w->rows[i];
        mp_ratios q = mp_kpi_ratios(&r->total, w->margin);
        size_t k = 0;
        mp_table_add_row(&tab);
        if (v->nscenarios)
            mp_table_set(&tab, k++, scenario_name(v, r));
        for (size_t a = 0; a < w->naxes; a++)
            axis_cell(&tab, k++, v->axes[a].path, r->axis[a]);
        k = first_kpi;
        mp_table_amount(&tab, k++, r->total.spend, 0);
        mp_table_amount(&tab, k++, r->total.gmv, 0);
        mp_table_num(&tab, k++, q.roas, 2);
        if (isinf(r->mroas) && r->mroas > 0) /* an infinite first-unit return */
            mp_table_set(&tab, k++, "inf");
        else
            mp_table_num(&tab, k++, r->mroas, 2);
        mp_table_amount(&tab, k++, r->total.orders, 0);
        mp_table_amount(&tab, k++, r->total.new_customers, 0);
        mp_table_num(&tab, k++, q.cac, 2);
        if (base == r) { /* the row the others are compared with */
            mp_table_set(&tab, first_delta, "(base)");
            mp_table_set(&tab, first_delta + 1, "(base)");
            k = first_delta + 2;
        } else if (base) {
            double dg, dr;
            vs_base(w, base, r, &dg, &dr);
            delta_cell(&tab, first_delta, dg, base->total.gmv, 0);
            delta_cell(&tab, first_delta + 1, dr, 0, 2);
            k = first_delta + 2;
        }
        for (size_t g = 0; g < w->ngoals; g++)
            mp_table_num(&tab, k++, 100 * r->attainment[g], 1);
        k = first_channel;
        for (size_t ch = 0; ch < w->nchannels; ch++)
            if (p->channels[ch].mode == MP_MODE_OPTIMISED)
                mp_table_amount(&tab, k++, r->spend[ch], 0);
    }
    enum mp_status st = mp_table_print(&tab, fp, "What-if: total KPIs, goal attainment (%) and spend per "
                                                 "optimised channel", err);
    mp_table_free(&tab);
    columns_free(&c);
    if (st == MP_OK)
        infeasible_note(fp, v);
    return st;
}

enum mp_status mp_whatif_write_csv(FILE *fp, const struct mp_whatif_view *v, mp_error *err)
{
    const mp_whatif *w = v->w;
    const mp_plan *p = v->plan;
    struct columns c;
    const mp_whatif_row *base = base_row(v);
    if (columns_init(&c, 7 + w->naxes + MP_KPI_COUNT + w->ngoals + w->nchannels) != 0) {
        columns_free(&c);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (v->nscenarios)
        col(&c, "scenario");
    for (size_t a = 0; a < w->naxes; a++)
        col(&c, v->axes[a].path);
    for (int id = 0; id < MP_KPI_COUNT; id++)
        col(&c, mp_kpi_name((enum mp_kpi_id)id));
    col(&c, "mroas");
    col(&c, "allocatable");
    col(&c, "goals_met");
    col(&c, "gmv_vs_base");
    col(&c, "roas_vs_base");
    for (size_t g = 0; g < w->ngoals; g++)
        colf(&c, "attainment_", p->goals[g].kpi);
    for (size_t ch = 0; ch < w->nchannels; ch++)
        colf(&c, "spend_", p->channels[ch].id);
    col(&c, "status");
    struct mp_table tab;
    mp_table_init(&tab, c.n, c.head);
    tab.plain = 1;
    for (size_t i = 0; i < w->nrows; i++) {
        const mp_whatif_row *r = &w->rows[i];
        size_t k = 0;
        mp_table_add_row(&tab);
        if (v->nscenarios)
            mp_table_set(&tab, k++, scenario_name(v, r));
        for (size_t a = 0; a < w->naxes; a++)
            mp_table_setf(&tab, k++, "%.10g", r->axis[a]);
        for (int id = 0; id < MP_KPI_COUNT; id++) {
            int ratio = !mp_kpi_additive((enum mp_kpi_id)id);
            mp_table_num(&tab, k++, mp_kpi_value(&r->total, w->margin, (enum mp_kpi_id)id), ratio ? 6 : 2);
        }
        if (isinf(r->mroas) && r->mroas > 0)
            mp_table_set(&tab, k++, "inf");
        else
            mp_table_num(&tab, k++, r->mroas, 6);
        mp_table_num(&tab, k++, r->allocatable, 2);
        if (r->status == MP_OK)
            mp_table_setf(&tab, k, "%zu", r->goals_met);
        k++;
        double dg, dr;
        vs_base(w, base, r, &dg, &dr);
        mp_table_num(&tab, k++, dg, 2);
        mp_table_num(&tab, k++, dr, 6);
        for (size_t g = 0; g < w->ngoals; g++)
            mp_table_num(&tab, k++, r->attainment[g], 6);
        for (size_t ch = 0; ch < w->nchannels; ch++)
            mp_table_num(&tab, k++, r->spend[ch], 2);
        mp_table_set(&tab, k, r->status == MP_OK ? "ok" : "infeasible");
    }
    enum mp_status st = mp_table_print_csv(&tab, fp, err);
    mp_table_free(&tab);
    columns_free(&c);
    return st;
}

enum mp_status mp_whatif_write_json(FILE *fp, const struct mp_whatif_view *v, mp_error *err)
{
    const mp_whatif *w = v->w;
    const mp_plan *p = v->plan;
    json_t *root = json_object(), *axes = json_array(), *rows = json_array();
    const mp_whatif_row *base = base_row(v);
    int bad = 0; /* any jansson call failed: out of memory */
    bad |= json_object_set_new(root, "mplan", json_integer(1));
    for (size_t a = 0; a < w->naxes; a++)
        bad |= json_array_append_new(axes, json_pack("{s:s, s:f, s:f, s:i}", "path", v->axes[a].path, "from",
                                              v->axes[a].from, "to", v->axes[a].to, "n", v->axes[a].n));
    bad |= json_object_set_new(root, "axes", axes);
    for (size_t i = 0; i < w->nrows; i++) {
        const mp_whatif_row *r = &w->rows[i];
        json_t *row = json_object(), *ax = json_object(), *goals = json_array(), *spend = json_object();
        if (v->nscenarios)
            bad |= json_object_set_new(row, "scenario", json_string(scenario_name(v, r)));
        for (size_t a = 0; a < w->naxes; a++)
            bad |= json_object_set_new(ax, v->axes[a].path, json_real(r->axis[a]));
        bad |= json_object_set_new(row, "axes", ax);
        bad |= json_object_set_new(row, "status", json_string(r->status == MP_OK ? "ok" : "infeasible"));
        if (r->why)
            bad |= json_object_set_new(row, "why", json_string(r->why));
        bad |= json_object_set_new(row, "kpis", mp_json_kpis(&r->total, w->margin));
        bad |= json_object_set_new(row, "mroas", mp_json_mroas(r->mroas));
        bad |= json_object_set_new(row, "allocatable", mp_json_num(r->allocatable));
        double dg, dr;
        vs_base(w, base, r, &dg, &dr);
        bad |= json_object_set_new(row, "gmv_vs_base", mp_json_num(dg));
        bad |= json_object_set_new(row, "roas_vs_base", mp_json_num(dr));
        for (size_t g = 0; g < w->ngoals; g++)
            bad |= json_array_append_new(goals, json_pack("{s:s, s:o, s:o}", "kpi", p->goals[g].kpi, "forecast",
                                                   mp_json_num(r->forecast[g]), "attainment",
                                                   mp_json_num(r->attainment[g])));
        bad |= json_object_set_new(row, "goals", goals);
        for (size_t ch = 0; ch < w->nchannels; ch++)
            bad |= json_object_set_new(spend, p->channels[ch].id, mp_json_num(r->spend[ch]));
        bad |= json_object_set_new(row, "spend", spend);
        bad |= json_array_append_new(rows, row);
    }
    bad |= json_object_set_new(root, "rows", rows);
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}

/* ---- SVG ---- */

#define MAX_SERIES 12

enum mp_status mp_whatif_write_svg(FILE *fp, const struct mp_whatif_view *v, size_t xaxis, mp_error *err)
{
    const mp_whatif *w = v->w;
    size_t nx = (size_t)v->axes[xaxis].n, nseries = w->nrows / nx, per_scenario = w->nrows / (v->nscenarios ? v->nscenarios : 1);
    if (nseries > MAX_SERIES)
        nseries = MAX_SERIES;
    double *mem = calloc(4 * nseries * nx + 1, sizeof *mem);
    struct mp_svg_series *s = calloc(3 * nseries + 1, sizeof *s);
    char (*names)[160] = calloc(nseries + 1, sizeof *names);
    if (!mem || !s || !names) {
        free(mem), free(s), free(names);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    double *X = mem, *G = X + nseries * nx, *R = G + nseries * nx, *M = R + nseries * nx;
    for (size_t i = 0; i < nseries * nx; i++)
        G[i] = R[i] = M[i] = NAN;
    /* a row's series: its scenario and its place on every axis but x, in mixed radix */
    for (size_t i = 0; i < w->nrows; i++) {
        const mp_whatif_row *r = &w->rows[i];
        size_t rest = i % per_scenario, series = 0, stride = 1, xi = 0;
        for (size_t a = w->naxes; a-- > 0;) { /* the rows' odometer: the last axis is fastest */
            size_t n = (size_t)v->axes[a].n, idx = rest % n;
            rest /= n;
            if (a == xaxis) {
                xi = idx;
                continue;
            }
            series += idx * stride;
            stride *= n;
        }
        series += r->scenario * (per_scenario / nx);
        if (series >= nseries)
            continue;
        size_t k = series * nx + xi;
        X[k] = r->axis[xaxis];
        G[k] = r->total.gmv;
        R[k] = mp_kpi_ratios(&r->total, w->margin).roas;
        M[k] = r->mroas;
        if (xi == 0) {
            size_t o = 0;
            names[series][0] = '\0';
            if (v->nscenarios)
                o += (size_t)snprintf(names[series], sizeof names[series], "%s", scenario_name(v, r));
            for (size_t a = 0; a < w->naxes && o < sizeof names[series]; a++)
                if (a != xaxis)
                    o += (size_t)snprintf(names[series] + o, sizeof names[series] - o, "%s%s=%s", o ? ", " : "",
                                          v->axes[a].path, MP_G(r->axis[a]));
        }
    }
    for (size_t i = 0; i < nseries; i++) {
        s[i] = (struct mp_svg_series){.name = names[i], .x = X + i * nx, .y = G + i * nx, .n = nx, .color = i};
        s[nseries + 2 * i] = (struct mp_svg_series){.name = names[i], .x = X + i * nx, .y = R + i * nx, .n = nx,
                                                    .color = i};
        s[nseries + 2 * i + 1] = (struct mp_svg_series){.name = NULL, .x = X + i * nx, .y = M + i * nx, .n = nx,
                                                        .color = i, .dashed = 1};
    }
    int legend = nseries > 1;
    const char *xl = v->axes[xaxis].path;
    char t1[200], t2[200];
    snprintf(t1, sizeof t1, "Total GMV vs %s%s", xl, w->nrows / nx > MAX_SERIES ? " (first 12 lines)" : "");
    snprintf(t2, sizeof t2, "ROAS (solid) and marginal ROAS (dashed) vs %s", xl);
    double h1 = 300 + (legend ? 16.0 * (double)((nseries + 2) / 3) : 0);
    mp_svg_open(fp, 720, 2 * h1, "whatif", t1);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", fp);
    /* Reference lines: the plan's GMV goal; the ROAS at which a unit of spend pays for itself
     * (1 / margin), where the marginal ROAS crossing it says the next budget loses money. */
    struct mp_svg_hline goal = {NAN, NULL}, even = {NAN, NULL};
    char goal_label[80], even_label[80];
    for (size_t g = 0; g < v->plan->ngoals; g++)
        if (strcmp(v->plan->goals[g].kpi, "gmv") == 0) {
            goal.y = v->plan->goals[g].target;
            snprintf(goal_label, sizeof goal_label, "goal %s", MP_NUM(goal.y, 0));
            goal.label = goal_label;
        }
    if (w->margin > 0) {
        even.y = 1 / w->margin;
        snprintf(even_label, sizeof even_label, "break-even %s (1 / margin)", MP_NUM(even.y, 2));
        even.label = even_label;
    }
    struct mp_svg_plot a = {.x = 0, .y = 0, .w = 720, .h = h1, .title = t1, .xlabel = xl, .ylabel = "GMV",
                            .series = s, .nseries = nseries, .legend = legend, .hlines = &goal,
                            .nhlines = goal.label != NULL};
    mp_svg_plot_lines(fp, &a);
    struct mp_svg_plot b = {.x = 0, .y = h1, .w = 720, .h = h1, .title = t2, .xlabel = xl,
                            .ylabel = "GMV per unit spent", .series = s + nseries, .nseries = 2 * nseries,
                            .legend = legend, .hlines = &even, .nhlines = even.label != NULL};
    mp_svg_plot_lines(fp, &b);
    mp_svg_close(fp);
    free(mem), free(s), free(names);
    return MP_OK;
}
