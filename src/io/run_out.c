#include "io/run_out.h"

#include "io/esc.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/table.h"

json_t *mp_json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *mp_json_mroas(double v)
{
    return isinf(v) && v > 0 ? json_string("inf") : mp_json_num(v);
}

/* A marginal return in a table: "inf" where the first unit returns without bound. */
static void mroas_cell(struct mp_table *tab, size_t col, double v, int decimals)
{
    if (isinf(v) && v > 0)
        mp_table_set(tab, col, "inf");
    else
        mp_table_num(tab, col, v, decimals);
}

const char *mp_run_gap_text(char *buf, size_t n, const mp_equalize_info *eq)
{
    buf[0] = '\0';
    if (!eq || eq->stop == MP_STOP_EXACT)
        return buf;
    if (eq->stop == MP_STOP_NONE || !isfinite(eq->gap)) {
        snprintf(buf, n, "S-curves: the best of %d local searches; no bound for this objective, so how far it is "
                         "from the best possible is not known", eq->starts);
        return buf;
    }
    char bound[64], gap[64] = "0.01";
    mp_fmt_num(eq->bound, 0, bound, sizeof bound);
    if (100 * eq->gap >= 0.01) /* a smaller gap reads as 0.01%, never as 1.77e-06% */
        mp_fmt_num(100 * eq->gap, 2, gap, sizeof gap);
    snprintf(buf, n, "S-curves: within %s%% of the best possible (no allocation beats %s); %s after %d local "
                     "searches", gap, bound,
             eq->stop == MP_STOP_GAP ? "the gap is below 0.01%" : "stopped at the work limit", eq->starts);
    return buf;
}

const char *mp_run_pulse_text(char *buf, size_t n, const mp_plan *plan, const mp_alloc *alloc, size_t c)
{
    buf[0] = '\0';
    mp_pulse p = mp_alloc_pulse(plan, alloc, c);
    if (!p.scurve)
        return buf;
    const struct mp_channel *ch = &plan->channels[c];
    const char *unit = plan->unit == MP_UNIT_DAY ? "days" : plan->unit == MP_UNIT_WEEK ? "weeks" : "months";
    char knee[64], low[64], peak[64], even[64];
    double total = 0;
    for (int t = 0; t < plan->T; t++)
        total += alloc->spend[MP_AT(plan, c, t)];
    mp_fmt_num(p.knee, 0, knee, sizeof knee);
    mp_fmt_num(p.low, 0, low, sizeof low);
    mp_fmt_num(p.peak, 0, peak, sizeof peak);
    /* the steady adstock of the same total spread over every period it may spend in */
    mp_fmt_num(p.on + p.off > 0 ? total / (p.on + p.off) / (1 - ch->theta) : 0, 0, even, sizeof even);
    if (p.on == 0)
        snprintf(buf, n, "%s: off; below adstock %s its S-curve returns less per unit than above it, and the "
                         "budget is worth more elsewhere", ch->id, knee);
    else if (p.off > 0 && p.low == p.peak)
        snprintf(buf, n, "%s: pulses, on %d of %d %s in %d burst%s (adstock %s when on); spread over all %d "
                         "%s it would sit near %s, and below %s its S-curve returns less per unit", ch->id, p.on,
                 p.on + p.off, unit, p.bursts, p.bursts == 1 ? "" : "s", low, p.on + p.off, unit, even, knee);
    else if (p.off > 0)
        snprintf(buf, n, "%s: pulses, on %d of %d %s in %d burst%s (adstock %s-%s when on); spread over all %d "
                         "%s it would sit near %s, and below %s its S-curve returns less per unit", ch->id, p.on,
                 p.on + p.off, unit, p.bursts, p.bursts == 1 ? "" : "s", low, peak, p.on + p.off, unit, even, knee);
    else
        snprintf(buf, n, "%s: always on, all %d %s (adstock %s-%s, %s the %s from which its S-curve returns most "
                         "per unit)", ch->id, p.on, unit, low, peak, p.low >= p.knee ? "at or above" : "partly below",
                 knee);
    return buf;
}

json_t *mp_json_kpis(const mp_kpis *k, double margin)
{
    json_t *o = json_object();
    int bad = !o;
    for (int id = 0; !bad && id < MP_KPI_COUNT; id++)
        bad |= json_object_set_new(o, mp_kpi_name((enum mp_kpi_id)id),
                                   mp_json_num(mp_kpi_value(k, margin, (enum mp_kpi_id)id)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The text of a document, grown by jansson's dump callback. The failure is kept here too:
 * jansson 2.14 can drop a failed write of its own and still report success. */
struct json_text {
    char *buf;
    size_t len, cap;
    int failed;
};

static int json_text_add(const char *s, size_t n, void *ud)
{
    struct json_text *t = ud;
    if (t->failed)
        return -1;
    if (n > t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 4096;
        while (n > cap - t->len)
            cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->failed = 1;
            return -1;
        }
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    return 0;
}

enum mp_status mp_json_print(FILE *fp, json_t *root, size_t flags, int bad, mp_error *err)
{
    /* The whole text first: a failure half-way must not leave half a document. */
    struct json_text t = {NULL, 0, 0, bad || !root};
    if (!t.failed && json_dump_callback(root, json_text_add, &t, flags) != 0)
        t.failed = 1;
    json_decref(root);
    enum mp_status st = MP_OK;
    if (t.failed)
        st = mp_fail(err, MP_ENOMEM, "out of memory while building JSON");
    else if (fwrite(t.buf, 1, t.len, fp) != t.len || fputc('\n', fp) == EOF)
        st = mp_fail(err, MP_EIO, "write failed");
    free(t.buf);
    return st;
}

static const char *event_name(const mp_plan *p, int t)
{
    return p->event_of[t] >= 0 ? p->events[p->event_of[t]].name : NULL;
}

static const char *objective_text(const mp_plan *p, char *buf, size_t n)
{
    switch (p->objective) {
    case MP_OBJ_GMV: return "gmv";
    case MP_OBJ_PROFIT: return "profit";
    case MP_OBJ_TARGET_ROAS: snprintf(buf, n, "target_roas %s", MP_G(p->objective_value)); return buf;
    case MP_OBJ_GOAL_GMV: snprintf(buf, n, "goal gmv %s", MP_AMOUNT(p->objective_value, 0, p->units)); return buf;
    }
    return "?";
}

/* objective profit: the allocatable money the optimum leaves unspent (0 when within rounding). */
static double profit_unspent(const struct mp_run_result *r)
{
    const mp_plan *p = r->plan;
    if (p->objective != MP_OBJ_PROFIT)
        return 0;
    double spent = 0;
    for (size_t c = 0; c < p->nchannels; c++)
        if (p->channels[c].mode == MP_MODE_OPTIMISED)
            spent += r->fc->by_channel[c].spend;
    double left = r->allocatable - spent;
    return left > fmax(0.5, 1e-6 * fabs(r->allocatable)) ? left : 0;
}

enum mp_status mp_run_write_json(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    const mp_forecast *fc = r->fc;
    size_t C = p->nchannels, T = (size_t)p->T;
    char buf[64];
    json_t *root = json_object();
    int bad = 0; /* any jansson call failed: out of memory */
    bad |= json_object_set_new(root, "mplan", json_integer(1));

    json_t *plan = json_object();
    bad |= json_object_set_new(plan, "store", p->store ? json_string(p->store) : json_null());
    bad |= json_object_set_new(plan, "currency", p->currency ? json_string(p->currency) : json_null());
    bad |= json_object_set_new(plan, "units", json_string(mp_units_name(p->units)));
    bad |= json_object_set_new(plan, "periods", json_integer(p->T));
    bad |= json_object_set_new(plan, "budget", json_real(p->budget_total));
    bad |= json_object_set_new(plan, "reserve", json_real(p->budget_total * p->reserve));
    bad |= json_object_set_new(plan, "fixed", json_real(mp_plan_fixed_total(p)));
    bad |= json_object_set_new(plan, "allocatable", json_real(r->allocatable));
    bad |= json_object_set_new(plan, "allocator", json_string(r->allocator));
    bad |= json_object_set_new(plan, "objective", json_string(objective_text(p, buf, sizeof buf)));
    if (r->shortfall > 0)
        bad |= json_object_set_new(plan, "shortfall", json_real(r->shortfall));
    if (r->eq) {
        /* optimal: the exact optimum; gap: certified (bound - objective) / bound, null unknown */
        bad |= json_object_set_new(plan, "optimal", json_boolean(mp_equalize_optimal(r->eq)));
        bad |= json_object_set_new(plan, "gap", mp_json_num(r->eq->gap));
        bad |= json_object_set_new(plan, "bound", mp_json_num(r->eq->bound));
        bad |= json_object_set_new(plan, "search", json_string(mp_equalize_stop_name(r->eq->stop)));
    }
    if (r->objective_missed) {
        double sign = p->objective == MP_OBJ_GOAL_GMV ? -1 : 1; /* goal: the spend, not minus it */
        bad |= json_object_set_new(plan, "objective_missed",
                            json_pack("{s:o, s:o}", "reached", mp_json_num(sign * r->objective_reached),
                                      "optimum", mp_json_num(sign * r->objective_best)));
    }
    if (profit_unspent(r) > 0) {
        bad |= json_object_set_new(plan, "unspent", json_real(profit_unspent(r)));
        bad |= json_object_set_new(plan, "unspent_reason", json_string("every channel is at break-even (marginal ROAS 1/margin)"));
    }
    bad |= json_object_set_new(root, "plan", plan);

    /* Each event's phase windows, as `mplan calendar` shows them: the days the periods'
     * `days` count. */
    json_t *events = json_array();
    for (size_t e = 0; e < p->nevents; e++) {
        const struct mp_event *ev = &p->events[e];
        json_t *phases = json_object();
        for (int ph = MP_PHASE_PREPARATION; ph < MP_PHASE_COUNT; ph++) {
            if (ev->from[ph] > ev->to[ph])
                continue;
            char from[11], to[11];
            mp_date_format(ev->from[ph], from);
            mp_date_format(ev->to[ph], to);
            bad |= json_object_set_new(phases, mp_phase_name((enum mp_phase)ph), json_pack("{s:s, s:s}", "from", from, "to", to));
        }
        bad |= json_array_append_new(events, json_pack("{s:s, s:o}", "name", ev->name, "phases", phases));
    }
    bad |= json_object_set_new(root, "events", events);

    json_t *periods = json_array();
    for (size_t t = 0; t < T; t++) {
        mp_date_format(p->period_start[t], buf);
        const char *ev = event_name(p, (int)t);
        json_t *per = json_pack("{s:i, s:s, s:s, s:o}", "t", (int)t + 1, "start", buf, "phase",
                                mp_phase_name(p->phase[t]), "event", ev ? json_string(ev) : json_null());
        /* Days of each phase in the period, the demand multiplier of each channel (days
         * weighted) and the weight of its response with storage deferral. */
        json_t *days = json_object(), *demand = json_object(), *weight = json_object();
        for (int ph = 0; p->phase_days && ph < MP_PHASE_COUNT; ph++)
            if (p->phase_days[t * MP_PHASE_COUNT + (size_t)ph])
                bad |= json_object_set_new(days, mp_phase_name((enum mp_phase)ph),
                                    json_integer(p->phase_days[t * MP_PHASE_COUNT + (size_t)ph]));
        for (size_t c = 0; c < C; c++) {
            bad |= json_object_set_new(demand, p->channels[c].id, mp_json_num(p->demand[c * T + t]));
            bad |= json_object_set_new(weight, p->channels[c].id, mp_json_num(p->lift[c * T + t]));
        }
        bad |= json_object_set_new(per, "days", days);
        bad |= json_object_set_new(per, "demand", demand);
        bad |= json_object_set_new(per, "weight", weight);
        bad |= json_array_append_new(periods, per);
    }
    bad |= json_object_set_new(root, "periods", periods);

    json_t *alloc = json_array();
    for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < T; t++)
            bad |= json_array_append_new(alloc, json_pack("{s:s, s:i, s:f}", "channel", p->channels[c].id,
                                                   "t", (int)t + 1, "spend", r->alloc->spend[c * T + t]));
    bad |= json_object_set_new(root, "allocation", alloc);

    json_t *kpis = json_object();
    bad |= json_object_set_new(kpis, "total", mp_json_kpis(&fc->total, p->margin));
    json_t *by_channel = json_object();
    for (size_t c = 0; c < C; c++) {
        json_t *k = mp_json_kpis(&fc->by_channel[c], p->margin);
        bad |= json_object_set_new(k, "mroas", mp_json_mroas(fc->mroas[c]));
        mp_pulse pu = mp_alloc_pulse(p, r->alloc, c);
        if (pu.scurve)
            bad |= json_object_set_new(k, "pulse", json_pack("{s:s, s:i, s:i, s:i, s:f, s:f, s:f}", "pattern",
                                                      pu.on == 0 ? "off" : pu.off > 0 ? "pulse" : "always-on",
                                                      "on", pu.on, "off", pu.off, "bursts", pu.bursts, "knee",
                                                      pu.knee, "low", pu.low, "peak", pu.peak));
        bad |= json_object_set_new(by_channel, p->channels[c].id, k);
    }
    bad |= json_object_set_new(kpis, "by_channel", by_channel);
    json_t *by_period = json_array();
    for (size_t t = 0; t < T; t++) {
        json_t *k = mp_json_kpis(&fc->by_period[t], p->margin);
        bad |= json_object_set_new(k, "t", json_integer((json_int_t)t + 1));
        bad |= json_array_append_new(by_period, k);
    }
    bad |= json_object_set_new(kpis, "by_period", by_period);
    json_t *deferred = json_object();
    for (int ph = 0; ph < MP_PHASE_COUNT; ph++)
        if (fc->deferred_gmv[ph] > 0)
            bad |= json_object_set_new(deferred, mp_phase_name((enum mp_phase)ph),
                                json_pack("{s:f, s:f}", "gmv", fc->deferred_gmv[ph], "pool", fc->pool[ph]));
    bad |= json_object_set_new(kpis, "deferred", deferred);
    if (r->ncustom) {
        json_t *custom = json_object();
        for (size_t i = 0; i < r->ncustom; i++)
            bad |= json_object_set_new(custom, r->custom[i].name, mp_json_num(r->custom[i].value));
        bad |= json_object_set_new(kpis, "custom", custom);
    }
    bad |= json_object_set_new(root, "kpis", kpis);

    json_t *goals = json_array();
    for (size_t i = 0; i < r->ngoals; i++) {
        const mp_goal_result *g = &r->goals[i];
        bad |= json_array_append_new(goals, json_pack("{s:s, s:f, s:o, s:o, s:b}", "kpi", g->kpi, "target", g->target,
                                               "forecast", mp_json_num(g->forecast),
                                               "attainment", mp_json_num(g->attainment), "met", g->met));
    }
    bad |= json_object_set_new(root, "goals", goals);

    if (p->nsegments) {
        json_t *segments = json_object();
        for (size_t i = 0; i < p->nsegments; i++)
            bad |= json_object_set_new(segments, p->segments[i].label, json_real(p->segments[i].size));
        bad |= json_object_set_new(root, "segments", segments);
    }

    json_t *warnings = json_array();
    for (size_t i = 0; i < p->nwarnings; i++)
        bad |= json_array_append_new(warnings, json_string(p->warnings[i]));
    bad |= json_object_set_new(root, "warnings", warnings);

    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}

enum mp_status mp_run_write_csv(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    static const char *const head[] = {"channel", "t", "start", "phase", "spend", "adstock", "gmv",
                                       "impressions", "clicks", "orders", "new_customers", "marginal_roas"};
    const mp_plan *p = r->plan;
    size_t T = (size_t)p->T;
    struct mp_table tab;
    mp_table_init(&tab, sizeof head / sizeof *head, head);
    tab.plain = 1;
    char day[11];
    for (size_t c = 0; c < p->nchannels; c++)
        for (size_t t = 0; t < T; t++) {
            size_t i = c * T + t;
            const mp_kpis *k = &r->fc->cell[i];
            mp_table_add_row(&tab);
            mp_table_set(&tab, 0, p->channels[c].id);
            mp_table_setf(&tab, 1, "%zu", t + 1);
            mp_date_format(p->period_start[t], day);
            mp_table_set(&tab, 2, day);
            mp_table_set(&tab, 3, mp_phase_name(p->phase[t]));
            mp_table_num(&tab, 4, k->spend, 2);
            int fixed_cost = p->channels[c].mode == MP_MODE_FIXED_COST;
            int inactive = p->channels[c].mode == MP_MODE_OPTIMISED && !p->channels[c].active[t];
            mp_table_num(&tab, 5, fixed_cost ? NAN : r->fc->adstock[i], 2);
            mp_table_num(&tab, 6, k->gmv, 2);
            mp_table_num(&tab, 7, k->impressions, 0);
            mp_table_num(&tab, 8, k->clicks, 1);
            mp_table_num(&tab, 9, k->orders, 2);
            mp_table_num(&tab, 10, k->new_customers, 2);
            mroas_cell(&tab, 11, fixed_cost || inactive ? NAN : r->fc->marginal[i], 4);
        }
    enum mp_status st = mp_table_print_csv(&tab, fp, err);
    mp_table_free(&tab);
    return st;
}

/* Allocation: a row per period (phase, event, spend per channel, total). */
static enum mp_status table_allocation(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    size_t C = p->nchannels, T = (size_t)p->T;
    size_t ncols = C + 4;
    const char **head = calloc(ncols, sizeof *head);
    if (!head)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    head[0] = "t";
    head[1] = "start";
    head[2] = "phase";
    for (size_t c = 0; c < C; c++)
        head[3 + c] = p->channels[c].id;
    head[ncols - 1] = "total";
    struct mp_table tab;
    mp_table_init(&tab, ncols, head);
    tab.units = p->units;
    free(head);
    mp_table_align(&tab, 0, 0);
    mp_table_align(&tab, 1, 1);
    mp_table_align(&tab, 2, 1);
    char day[11];
    for (size_t t = 0; t < T; t++) {
        mp_table_add_row(&tab);
        mp_table_setf(&tab, 0, "%zu", t + 1 + (size_t)r->t0);
        mp_date_format(p->period_start[t], day);
        mp_table_set(&tab, 1, day);
        mp_table_set(&tab, 2, mp_phase_name(p->phase[t]));
        double sum = 0;
        for (size_t c = 0; c < C; c++) {
            double x = r->alloc->spend[c * T + t];
            sum += x;
            if (x == 0 && p->channels[c].mode == MP_MODE_OPTIMISED && !p->channels[c].active[t])
                mp_table_set(&tab, 3 + c, "."); /* inactive: cannot spend */
            else
                mp_table_amount(&tab, 3 + c, x, 0);
        }
        mp_table_amount(&tab, ncols - 1, sum, 0);
    }
    mp_table_add_row(&tab);
    mp_table_set(&tab, 0, "all");
    double all = 0;
    for (size_t c = 0; c < C; c++) {
        mp_table_amount(&tab, 3 + c, r->fc->by_channel[c].spend, 0);
        all += r->fc->by_channel[c].spend;
    }
    mp_table_amount(&tab, ncols - 1, all, 0);
    enum mp_status st = mp_table_print(&tab, fp, "Allocation (spend per period; '.' = channel inactive)", err);
    mp_table_free(&tab);
    return st;
}

/* A row of the KPI table; with `named`, column 1 holds the channel's name. */
static void kpi_row(struct mp_table *tab, const char *id, const char *name, int named, const mp_kpis *k,
                    double margin, double mroas)
{
    mp_ratios q = mp_kpi_ratios(k, margin);
    size_t o = named ? 1 : 0;
    mp_table_add_row(tab);
    mp_table_set(tab, 0, id);
    if (named) { /* long names cut: the table stays readable on a terminal */
        char clip[128];
        mp_table_set(tab, 1, name ? mp_text_clip(name, 24, clip, sizeof clip) : "");
    }
    mp_table_amount(tab, o + 1, k->spend, 0);
    mp_table_amount(tab, o + 2, k->gmv, 0);
    mp_table_num(tab, o + 3, q.roas, 2);
    mroas_cell(tab, o + 4, mroas, 2);
    mp_table_amount(tab, o + 5, k->impressions, 0);
    mp_table_amount(tab, o + 6, k->clicks, 0);
    mp_table_amount(tab, o + 7, k->orders, 0);
    mp_table_amount(tab, o + 8, k->new_customers, 0);
    mp_table_num(tab, o + 9, q.ctr * 100, 2);
    mp_table_num(tab, o + 10, q.cvr * 100, 2);
    mp_table_num(tab, o + 11, q.cpc, 2);
    mp_table_num(tab, o + 12, q.cac, 2);
    mp_table_num(tab, o + 13, q.roi, 2);
}

static enum mp_status table_kpis(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    static const char *const head[] = {"channel", "name", "spend", "gmv", "roas", "mroas", "impressions", "clicks",
                                       "orders", "new", "ctr%", "cvr%", "cpc", "cac", "roi"};
    const mp_plan *p = r->plan;
    char buf[MP_FMT_MAX];
    /* names where a channel has one of its own (a Chinese team reads 直通车, not ztc) */
    int named = 0;
    for (size_t c = 0; c < p->nchannels; c++)
        named |= strcmp(p->channels[c].name, p->channels[c].id) != 0;
    struct mp_table tab;
    if (named) {
        mp_table_init(&tab, sizeof head / sizeof *head, head);
        mp_table_align(&tab, 1, 1);
    } else {
        const char *unnamed[sizeof head / sizeof *head - 1];
        unnamed[0] = head[0];
        for (size_t i = 2; i < sizeof head / sizeof *head; i++)
            unnamed[i - 1] = head[i];
        mp_table_init(&tab, sizeof unnamed / sizeof *unnamed, unnamed);
    }
    tab.units = p->units;
    for (size_t c = 0; c < p->nchannels; c++)
        kpi_row(&tab, p->channels[c].id, p->channels[c].name, named, &r->fc->by_channel[c], p->margin,
                r->fc->mroas[c]);
    if (r->fc->fixed_lines > 0) {
        mp_kpis fixed = {.spend = r->fc->fixed_lines};
        kpi_row(&tab, "(fixed lines)", NULL, named, &fixed, p->margin, NAN);
    }
    double base = 0;
    for (int t = 0; t < p->T; t++)
        base += p->baseline[t];
    if (base > 0) {
        mp_kpis organic = {.gmv = base, .organic = base};
        kpi_row(&tab, "(baseline)", NULL, named, &organic, p->margin, NAN);
    }
    kpi_row(&tab, "total", NULL, named, &r->fc->total, p->margin, NAN);
    enum mp_status st = mp_table_print(&tab, fp, "KPIs by channel (roas, roi: channel GMV over all spend)", err);
    mp_table_free(&tab);
    mp_ratios q = mp_kpi_ratios(&r->fc->total, p->margin);
    if (st == MP_OK && base > 0) {
        char roas[32], roi[32], aov[32];
        fprintf(fp, "store, organic sales included: gmv %s, store_roas %s, store_roi %s, store_aov %s\n",
                mp_fmt_amount(r->fc->total.gmv, 0, p->units, buf, sizeof buf), mp_fmt_num(q.store_roas, 2, roas, sizeof roas),
                mp_fmt_num(q.store_roi, 2, roi, sizeof roi), mp_fmt_num(q.store_aov, 2, aov, sizeof aov));
    }
    for (int ph = 0; st == MP_OK && ph < MP_PHASE_COUNT; ph++)
        if (r->fc->deferred_gmv[ph] > 0) {
            fprintf(fp, "%s spend: %s GMV converts at the outbreak (pool of %s visitors)\n",
                    mp_phase_name((enum mp_phase)ph), MP_AMOUNT(r->fc->deferred_gmv[ph], 0, p->units),
                    MP_AMOUNT(r->fc->pool[ph], 0, p->units));
        }
    return st;
}

/* Decimals that show a value of unknown scale (a custom KPI) sensibly. */
static int auto_decimals(double v)
{
    double a = fabs(v);
    return a >= 1000 ? 0 : a >= 1 ? 2 : 4;
}

static enum mp_status table_custom(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    static const char *const head[] = {"kpi", "value"};
    struct mp_table tab;
    mp_table_init(&tab, 2, head);
    tab.units = r->plan->units;
    for (size_t i = 0; i < r->ncustom; i++) {
        int dec = auto_decimals(r->custom[i].value);
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, r->custom[i].name);
        if (dec == 0) /* large: money or a count, in the plan's units as the goals are */
            mp_table_amount(&tab, 1, r->custom[i].value, dec);
        else
            mp_table_num(&tab, 1, r->custom[i].value, dec);
    }
    enum mp_status st = mp_table_print(&tab, fp, "Custom KPIs (rule packs)", err);
    mp_table_free(&tab);
    return st;
}

static enum mp_status table_goals(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    static const char *const head[] = {"goal", "target", "forecast", "attainment", "met"};
    struct mp_table tab;
    mp_table_init(&tab, 5, head);
    mp_table_align(&tab, 4, 1);
    tab.units = r->plan->units;
    for (size_t i = 0; i < r->ngoals; i++) {
        const mp_goal_result *g = &r->goals[i];
        int id = mp_kpi_lookup(g->kpi);
        int dec = id < 0 ? auto_decimals(g->target) : mp_kpi_additive((enum mp_kpi_id)id) ? 0 : 2;
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, g->kpi);
        if (dec == 0) { /* money and counts */
            mp_table_amount(&tab, 1, g->target, dec);
            mp_table_amount(&tab, 2, g->forecast, dec);
        } else {
            mp_table_num(&tab, 1, g->target, dec);
            mp_table_num(&tab, 2, g->forecast, dec);
        }
        if (isfinite(g->attainment))
            mp_table_setf(&tab, 3, "%.1f%%", 100 * g->attainment);
        mp_table_set(&tab, 4, g->met ? "yes" : "NO");
    }
    enum mp_status st = mp_table_print(&tab, fp, "Goals", err);
    mp_table_free(&tab);
    return st;
}

/* The budget line's "fixed" holds more than the (fixed lines) row when channels have a fixed
 * cost or spend: say what, so that the allocation's total above "allocatable" adds up. */
static void fixed_note(FILE *fp, const struct mp_run_result *r, const char *sym)
{
    const mp_plan *p = r->plan;
    double lines = r->fc->fixed_lines, chans = mp_plan_fixed_total(p) - lines;
    if (!(chans > 0))
        return;
    char ids[200] = "";
    size_t o = 0, n = 0;
    for (size_t c = 0; c < p->nchannels; c++)
        if (p->channels[c].mode == MP_MODE_FIXED_COST || p->channels[c].mode == MP_MODE_FIXED_SPEND) {
            if (n++ < 4)
                o += (size_t)snprintf(ids + o, sizeof ids - o, "%s%.40s", n > 1 ? ", " : "", p->channels[c].id);
            else if (n == 5)
                o += (size_t)snprintf(ids + o, sizeof ids - o, ", ...");
            o = o < sizeof ids ? o : sizeof ids - 1;
        }
    fprintf(fp, "fixed: %s%s budget lines + %s%s of channels with a fixed cost or spend (%s)\n", sym ? sym : "",
            MP_AMOUNT(lines, 0, p->units), sym ? sym : "", MP_AMOUNT(chans, 0, p->units), ids);
}

enum mp_status mp_run_write_table(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    const mp_plan *p = r->plan;
    char from[11], to[11], buf[64];
    mp_date_format(p->period_start[0], from);
    mp_date_format(p->period_start[p->T] - 1, to);
    mp_esc_fputs(p->store ? p->store : "plan", MP_ESC_LINE, fp); /* the plan's words: escaped */
    if (p->currency) {
        fputs(", ", fp);
        mp_esc_fputs(p->currency, MP_ESC_LINE, fp);
    }
    fprintf(fp, "  %s..%s  (%d %s%s)%s%s\n", from, to, p->T,
            p->unit == MP_UNIT_DAY ? "day" : p->unit == MP_UNIT_WEEK ? "week" : "month", p->T == 1 ? "" : "s",
            p->units == MP_UNITS_PLAIN ? "" : "  ", mp_units_legend(p->units));
    struct mp_table b;
    static const char *const head[] = {"budget", "reserve", "fixed", "allocatable", "allocator", "objective"};
    mp_table_init(&b, 6, head);
    mp_table_align(&b, 4, 1);
    mp_table_align(&b, 5, 1);
    mp_table_add_row(&b);
    /* money, with the currency's sign where it has one (¥1,000,000 or ¥100.0万) */
    const char *sym = mp_currency_symbol(p->currency);
    double money[] = {p->budget_total, p->budget_total * p->reserve, mp_plan_fixed_total(p), r->allocatable};
    for (size_t i = 0; i < 4; i++)
        mp_table_setf(&b, i, "%s%s", sym ? sym : "", MP_AMOUNT(money[i], 0, p->units));
    mp_table_set(&b, 4, r->allocator);
    mp_table_set(&b, 5, objective_text(p, buf, sizeof buf));
    enum mp_status st = mp_table_print(&b, fp, NULL, err);
    mp_table_free(&b);
    if (st == MP_OK)
        fixed_note(fp, r, sym);
    if (st == MP_OK && r->shortfall > 0)
        fprintf(fp, "goal not reachable within the budget: %s GMV short\n", MP_AMOUNT(r->shortfall, 0, p->units));
    if (st == MP_OK && r->objective_missed) {
        char best[32];
        if (isfinite(r->objective_reached))
            fprintf(fp, "objective missed: allocator %s reaches %s of it where equalize reaches %s\n", r->allocator,
                    mp_fmt_num(p->objective == MP_OBJ_GOAL_GMV ? -r->objective_reached : r->objective_reached, 0,
                               buf, sizeof buf),
                    mp_fmt_num(p->objective == MP_OBJ_GOAL_GMV ? -r->objective_best : r->objective_best, 0,
                               best, sizeof best));
        else
            fprintf(fp, "objective missed: allocator %s does not meet its target (equalize does)\n", r->allocator);
    }
    double unspent = profit_unspent(r);
    if (st == MP_OK && unspent > 0) {
        char be[32];
        fprintf(fp, "unspent: %s, because every channel is at break-even: one more unit returns less "
                "than 1/margin = %s GMV, so spending it would lower profit\n",
                MP_AMOUNT(unspent, 0, p->units), mp_fmt_num(1 / p->margin, 2, be, sizeof be));
    }
    char line[512];
    if (st == MP_OK && *mp_run_gap_text(line, sizeof line, r->eq))
        fprintf(fp, "%s\n", line);
    /* A table that could not be built ends the output: what is printed stays a prefix. */
    if (st == MP_OK) {
        fputc('\n', fp);
        st = table_allocation(fp, r, err);
    }
    if (st == MP_OK) {
        fputc('\n', fp);
        st = table_kpis(fp, r, err);
    }
    int said = 0;
    for (size_t c = 0; st == MP_OK && c < p->nchannels; c++)
        if (*mp_run_pulse_text(line, sizeof line, p, r->alloc, c)) {
            fprintf(fp, "%s  ", said++ ? "" : "\nS-curve channels (pulse or always-on, and why):\n");
            mp_esc_fputs(line, MP_ESC_LINE, fp); /* it names the channel: the plan's words */
            fputc('\n', fp);
        }
    if (st == MP_OK && r->ncustom) {
        fputc('\n', fp);
        st = table_custom(fp, r, err);
    }
    if (st == MP_OK && r->ngoals) {
        fputc('\n', fp);
        st = table_goals(fp, r, err);
    }
    if (st == MP_OK && p->nsegments) {
        fputs("\nAudience:", fp);
        for (size_t i = 0; i < p->nsegments; i++)
        {
            fputs("  ", fp);
            mp_esc_fputs(p->segments[i].label, MP_ESC_LINE, fp);
            fprintf(fp, " %s", MP_AMOUNT(p->segments[i].size, 0, p->units));
        }
        fprintf(fp, "%s\n", p->segments_from ? "  (segmented from the customers file)" : "");
    }
    return st;
}
