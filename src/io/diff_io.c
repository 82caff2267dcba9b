#include "io/diff_io.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/json_read.h"
#include "io/table.h"

static const enum mp_kpi_id kpi_of[MP_DIFF_NVALUES] = {MP_KPI_SPEND, MP_KPI_GMV, MP_KPI_NEW_CUSTOMERS, MP_KPI_ROAS};

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void values(const mp_kpis *k, double margin, double *v)
{
    for (int i = 0; i < MP_DIFF_NVALUES; i++)
        v[i] = mp_kpi_value(k, margin, kpi_of[i]);
}

static enum mp_status alloc_side(mp_diff_side *s, size_t C, size_t T, size_t G, mp_error *err)
{
    s->channel = calloc(C + 1, sizeof *s->channel);
    s->period = calloc(T + 1, sizeof *s->period);
    s->goal = calloc(G + 1, sizeof *s->goal);
    return s->channel && s->period && s->goal ? MP_OK : mp_fail(err, MP_ENOMEM, "out of memory");
}

enum mp_status mp_diff_side_of_run(const struct mp_run_result *r, const char *source, mp_diff_side *s,
                                   enum mp_units *units, mp_error *err)
{
    const mp_plan *p = r->plan;
    *units = p->units;
    size_t C = p->nchannels, T = (size_t)p->T;
    memset(s, 0, sizeof *s);
    int bad = !(s->source = dup(source)) || (p->store && !(s->store = dup(p->store))) ||
              (p->currency && !(s->currency = dup(p->currency)));
    if (bad || alloc_side(s, C, T, r->ngoals, err) != MP_OK) {
        mp_diff_side_clear(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    values(&r->fc->total, p->margin, s->total);
    s->spent_periods = p->spent.periods;
    for (size_t c = 0; c < C && !bad; c++, s->nchannels++) {
        mp_diff_item *it = &s->channel[c];
        bad |= !(it->key = dup(p->channels[c].id)) || !(it->name = dup(p->channels[c].name));
        values(&r->fc->by_channel[c], p->margin, it->v);
    }
    for (size_t t = 0; t < T && !bad; t++, s->nperiods++) {
        char day[11];
        mp_date_format(p->period_start[t], day);
        mp_diff_item *it = &s->period[t];
        bad |= !(it->key = dup(day));
        it->t = (int)t + 1;
        values(&r->fc->by_period[t], p->margin, it->v);
    }
    for (size_t i = 0; i < r->ngoals && !bad; i++, s->ngoals++) {
        mp_diff_goal *g = &s->goal[i];
        bad |= !(g->kpi = dup(r->goals[i].kpi));
        g->target = r->goals[i].target;
        g->forecast = r->goals[i].forecast;
        g->met = r->goals[i].met;
    }
    if (bad) {
        mp_diff_side_clear(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    return MP_OK;
}

/* ---- a saved run ---- */

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void json_values(const json_t *k, double *v)
{
    for (int i = 0; i < MP_DIFF_NVALUES; i++)
        v[i] = num(k, mp_kpi_name(kpi_of[i]));
}

enum mp_status mp_diff_side_load_json(const char *path, mp_diff_side *s, enum mp_units *units, mp_error *err)
{
    memset(s, 0, sizeof *s);
    *units = MP_UNITS_PLAIN;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return mp_fail(err, MP_EIO, "%s: cannot open: %s", path, strerror(errno));
    json_error_t je;
    int oom;
    json_t *root = mp_json_loadf(fp, 0, &je, &oom);
    fclose(fp);
    if (oom)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!root)
        return mp_fail(err, MP_EINPUT, "%s:%d:%d: not JSON: %s", path, je.line, je.column, je.text);
    const json_t *plan = json_object_get(root, "plan"), *kpis = json_object_get(root, "kpis");
    const json_t *total = json_object_get(kpis, "total"), *by_channel = json_object_get(kpis, "by_channel");
    const json_t *by_period = json_object_get(kpis, "by_period"), *periods = json_object_get(root, "periods");
    const json_t *goals = json_object_get(root, "goals");
    const char *missing = !json_is_object(plan) ? "plan" : !json_is_object(total) ? "kpis.total"
                        : !json_is_object(by_channel) ? "kpis.by_channel" : !json_is_array(by_period) ? "kpis.by_period"
                        : !json_is_array(periods) ? "periods" : NULL;
    if (missing) {
        json_decref(root);
        return mp_fail(err, MP_EINPUT, "%s: no '%s': not the JSON of 'mplan run --format json'", path, missing);
    }
    size_t C = json_object_size(by_channel), T = json_array_size(periods), G = json_array_size(goals);
    enum mp_status st = alloc_side(s, C, T, G, err);
    int bad = st != MP_OK || !(s->source = dup(path));
    const char *store = json_string_value(json_object_get(plan, "store"));
    const char *currency = json_string_value(json_object_get(plan, "currency"));
    bad |= (store && !(s->store = dup(store))) || (currency && !(s->currency = dup(currency)));
    const char *units_name = json_string_value(json_object_get(plan, "units"));
    int u = units_name ? mp_units_parse(units_name) : -1;
    *units = u < 0 ? MP_UNITS_PLAIN : (enum mp_units)u;
    if (!bad)
        json_values(total, s->total);
    const char *id;
    const json_t *k;
    json_object_foreach((json_t *)by_channel, id, k) {
        if (bad)
            break;
        mp_diff_item *it = &s->channel[s->nchannels++];
        bad |= !(it->key = dup(id)) || !(it->name = dup(id));
        json_values(k, it->v);
    }
    for (size_t t = 0; t < T && !bad; t++) {
        const json_t *per = json_array_get(periods, t), *kp = json_array_get(by_period, t);
        const char *start = json_string_value(json_object_get(per, "start"));
        if (!start || !json_is_object(kp)) {
            json_decref(root);
            mp_diff_side_clear(s);
            return mp_fail(err, MP_EINPUT, "%s: period %zu has no start date or no KPIs", path, t + 1);
        }
        mp_diff_item *it = &s->period[s->nperiods++];
        bad |= !(it->key = dup(start));
        it->t = (int)t + 1;
        json_values(kp, it->v);
    }
    for (size_t i = 0; i < G && !bad; i++) {
        const json_t *g = json_array_get(goals, i);
        const char *kpi = json_string_value(json_object_get(g, "kpi"));
        if (!kpi)
            continue;
        mp_diff_goal *o = &s->goal[s->ngoals++];
        bad |= !(o->kpi = dup(kpi));
        o->target = num(g, "target");
        o->forecast = num(g, "forecast");
        o->met = json_is_true(json_object_get(g, "met"));
    }
    json_decref(root);
    if (bad) {
        mp_diff_side_clear(s);
        return st != MP_OK ? st : mp_fail(err, MP_ENOMEM, "out of memory");
    }
    return MP_OK;
}

/* ---- output ---- */

static const char *presence_name(enum mp_diff_presence p)
{
    return p == MP_DIFF_BOTH ? "both" : p == MP_DIFF_ONLY_A ? "only A" : "only B";
}

/* " (only in A)" after the key of a scope one side lacks. */
static const char *only(enum mp_diff_presence p)
{
    return p == MP_DIFF_BOTH ? "" : p == MP_DIFF_ONLY_A ? " (only in A)" : " (only in B)";
}

static int decimals(int v)
{
    return v == MP_DIFF_ROAS ? 2 : 0;
}

/* A whole amount (spend, GMV, a count) in the table's units; a ratio with its decimals. */
static void cell(struct mp_table *tab, size_t col, double value, int decimals)
{
    if (decimals)
        mp_table_num(tab, col, value, decimals);
    else
        mp_table_amount(tab, col, value, 0);
}

static void pct_cell(struct mp_table *tab, size_t col, double pct)
{
    if (isfinite(pct))
        mp_table_setf(tab, col, "%+.1f%%", 100 * pct);
}

static void side_line(FILE *fp, const char *tag, const mp_diff_side *s)
{
    fprintf(fp, "%s = %s", tag, s->source ? s->source : "-");
    if (s->store)
        fprintf(fp, " (%s%s%s, %zu periods from %s", s->store, s->currency ? ", " : "", s->currency ? s->currency : "",
                s->nperiods, s->nperiods ? s->period[0].key : "-");
    if (s->store && s->spent_periods)
        fprintf(fp, ", after %d spent: a revised plan", s->spent_periods);
    if (s->store)
        fputc(')', fp);
    fputc('\n', fp);
}

static enum mp_status table_total(FILE *fp, const mp_diff *d, enum mp_units units, mp_error *err)
{
    static const char *const head[] = {"", "A", "B", "change", "%"};
    struct mp_table tab;
    mp_table_init(&tab, 5, head);
    tab.units = units;
    for (int v = 0; v < MP_DIFF_NVALUES; v++) {
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, mp_diff_value_name((enum mp_diff_value)v));
        cell(&tab, 1, d->a->total[v], decimals(v));
        cell(&tab, 2, d->b->total[v], decimals(v));
        cell(&tab, 3, d->change[v], decimals(v));
        pct_cell(&tab, 4, d->change_pct[v]);
    }
    enum mp_status st = mp_table_print(&tab, fp, "Total (the whole plan: baseline and fixed lines included)", err);
    mp_table_free(&tab);
    return st;
}

/* spend, gmv and roas of a scope, A / B / change / %, or "only in A" for a one-sided one. */
static void scope_cells(struct mp_table *tab, size_t k, const mp_diff_row *r)
{
    static const int shown[] = {MP_DIFF_SPEND, MP_DIFF_GMV, MP_DIFF_ROAS};
    for (size_t i = 0; i < 3; i++) {
        int v = shown[i];
        cell(tab, k++, r->a ? r->a->v[v] : NAN, decimals(v));
        cell(tab, k++, r->b ? r->b->v[v] : NAN, decimals(v));
        cell(tab, k++, r->change[v], decimals(v));
        pct_cell(tab, k++, r->change_pct[v]);
    }
}

static const char *const scope_head[] = {"spend A", "B", "change", "%", "gmv A", "B", "change", "%",
                                         "roas A", "B", "change", "%"};

static enum mp_status table_channels(FILE *fp, const mp_diff *d, enum mp_units units, mp_error *err)
{
    const char *head[13] = {"channel"};
    memcpy(head + 1, scope_head, sizeof scope_head);
    struct mp_table tab;
    mp_table_init(&tab, 13, head);
    tab.units = units;
    for (size_t i = 0; i < d->nchannels; i++) {
        const mp_diff_row *r = &d->channel[i];
        mp_table_add_row(&tab);
        mp_table_setf(&tab, 0, "%s%s", (r->a ? r->a : r->b)->key, only(r->presence));
        scope_cells(&tab, 1, r);
    }
    enum mp_status st = mp_table_print(&tab, fp, "By channel", err);
    mp_table_free(&tab);
    return st;
}

static enum mp_status table_periods(FILE *fp, const mp_diff *d, enum mp_units units, mp_error *err)
{
    const char *head[15] = {"t A", "t B", "start"};
    memcpy(head + 3, scope_head, sizeof scope_head);
    struct mp_table tab;
    mp_table_init(&tab, 15, head);
    tab.units = units;
    mp_table_align(&tab, 2, 1);
    for (size_t i = 0; i < d->nperiods; i++) {
        const mp_diff_row *r = &d->period[i];
        mp_table_add_row(&tab);
        if (r->a)
            mp_table_setf(&tab, 0, "%d", r->a->t);
        if (r->b)
            mp_table_setf(&tab, 1, "%d", r->b->t);
        if (d->align == MP_DIFF_ALIGN_DATE || !r->b || !r->a || strcmp(r->a->key, r->b->key) == 0)
            mp_table_setf(&tab, 2, "%s%s", (r->a ? r->a : r->b)->key, only(r->presence));
        else
            mp_table_setf(&tab, 2, "%s / %s", r->a->key, r->b->key);
        scope_cells(&tab, 3, r);
    }
    enum mp_status st = mp_table_print(&tab, fp, d->align == MP_DIFF_ALIGN_DATE ? "By period (paired by start date)"
                                                                                : "By period (paired by position)",
                                       err);
    mp_table_free(&tab);
    return st;
}

static int goal_decimals(const char *kpi)
{
    int id = mp_kpi_lookup(kpi);
    return id >= 0 && mp_kpi_additive((enum mp_kpi_id)id) ? 0 : 2;
}

static enum mp_status table_goals(FILE *fp, const mp_diff *d, enum mp_units units, mp_error *err)
{
    static const char *const head[] = {"goal", "target A", "B", "forecast A", "B", "change", "%", "met A", "B"};
    struct mp_table tab;
    mp_table_init(&tab, 9, head);
    tab.units = units;
    for (size_t i = 0; i < d->ngoals; i++) {
        const mp_diff_goal_row *g = &d->goal[i];
        int dec = goal_decimals((g->a ? g->a : g->b)->kpi);
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, (g->a ? g->a : g->b)->kpi);
        cell(&tab, 1, g->a ? g->a->target : NAN, dec);
        cell(&tab, 2, g->b ? g->b->target : NAN, dec);
        cell(&tab, 3, g->a ? g->a->forecast : NAN, dec);
        cell(&tab, 4, g->b ? g->b->forecast : NAN, dec);
        cell(&tab, 5, g->forecast_change, dec);
        pct_cell(&tab, 6, g->forecast_change_pct);
        mp_table_set(&tab, 7, g->a ? (g->a->met ? "yes" : "NO") : "-");
        mp_table_set(&tab, 8, g->b ? (g->b->met ? "yes" : "NO") : "-");
    }
    enum mp_status st = mp_table_print(&tab, fp, "Goals", err);
    mp_table_free(&tab);
    return st;
}

enum mp_status mp_diff_write_table(FILE *fp, const struct mp_diff_view *v, mp_error *err)
{
    const mp_diff *d = v->d;
    fputs("Diff (change = B - A, % = B / A - 1)\n", fp);
    side_line(fp, "A", d->a);
    side_line(fp, "B", d->b);
    if (v->units != MP_UNITS_PLAIN)
        fprintf(fp, "%s\n", mp_units_legend(v->units));
    size_t only = 0;
    for (size_t i = 0; i < d->nperiods; i++)
        only += d->period[i].presence != MP_DIFF_BOTH;
    if (only)
        fprintf(fp, "%zu period%s on one side only: the totals and channels cover each side's own periods\n", only,
                only == 1 ? " is" : "s are");
    fputc('\n', fp);
    enum mp_status st = table_total(fp, d, v->units, err);
    if (st == MP_OK && (v->by & MP_DIFF_BY_CHANNEL)) {
        fputc('\n', fp);
        st = table_channels(fp, d, v->units, err);
    }
    if (st == MP_OK && (v->by & MP_DIFF_BY_PERIOD)) {
        fputc('\n', fp);
        st = table_periods(fp, d, v->units, err);
    }
    if (st == MP_OK && d->ngoals) {
        fputc('\n', fp);
        st = table_goals(fp, d, v->units, err);
    }
    return st;
}

/* ---- CSV ---- */

/* The four values of one scope, a row each. */
static void csv_scope(struct mp_table *tab, const char *scope, const char *key, const mp_diff_row *r, const double *a,
                      const double *b, const double *change, const double *change_pct)
{
    for (int v = 0; v < MP_DIFF_NVALUES; v++) {
        mp_table_add_row(tab);
        mp_table_set(tab, 0, scope);
        mp_table_set(tab, 1, key);
        if (r && r->a && r->a->t)
            mp_table_setf(tab, 2, "%d", r->a->t);
        if (r && r->b && r->b->t)
            mp_table_setf(tab, 3, "%d", r->b->t);
        mp_table_set(tab, 4, mp_diff_value_name((enum mp_diff_value)v));
        mp_table_exact(tab, 5, a ? a[v] : NAN);
        mp_table_exact(tab, 6, b ? b[v] : NAN);
        mp_table_exact(tab, 7, change[v]);
        mp_table_exact(tab, 8, change_pct[v]);
        mp_table_set(tab, 9, r ? presence_name(r->presence) : "both");
    }
}

static void csv_row(struct mp_table *tab, const char *scope, const mp_diff_row *r)
{
    csv_scope(tab, scope, (r->a ? r->a : r->b)->key, r, r->a ? r->a->v : NULL, r->b ? r->b->v : NULL, r->change,
              r->change_pct);
}

enum mp_status mp_diff_write_csv(FILE *fp, const struct mp_diff_view *v, mp_error *err)
{
    static const char *const head[] = {"scope", "key", "t_a", "t_b", "value", "a", "b", "change", "change_pct",
                                       "presence"};
    const mp_diff *d = v->d;
    struct mp_table tab;
    mp_table_init(&tab, 10, head);
    tab.plain = 1;
    csv_scope(&tab, "total", "", NULL, d->a->total, d->b->total, d->change, d->change_pct);
    for (size_t i = 0; (v->by & MP_DIFF_BY_CHANNEL) && i < d->nchannels; i++)
        csv_row(&tab, "channel", &d->channel[i]);
    for (size_t i = 0; (v->by & MP_DIFF_BY_PERIOD) && i < d->nperiods; i++)
        csv_row(&tab, "period", &d->period[i]);
    for (size_t i = 0; i < d->ngoals; i++) {
        const mp_diff_goal_row *g = &d->goal[i];
        const char *kpi = (g->a ? g->a : g->b)->kpi;
        for (int k = 0; k < 3; k++) {
            mp_table_add_row(&tab);
            mp_table_set(&tab, 0, "goal");
            mp_table_set(&tab, 1, kpi);
            mp_table_set(&tab, 4, k == 0 ? "target" : k == 1 ? "forecast" : "met");
            double a = !g->a ? NAN : k == 0 ? g->a->target : k == 1 ? g->a->forecast : g->a->met;
            double b = !g->b ? NAN : k == 0 ? g->b->target : k == 1 ? g->b->forecast : g->b->met;
            mp_table_exact(&tab, 5, a);
            mp_table_exact(&tab, 6, b);
            if (k < 2) {
                mp_table_exact(&tab, 7, isfinite(a) && isfinite(b) ? b - a : NAN);
                mp_table_exact(&tab, 8, isfinite(a) && isfinite(b) && a != 0 ? b / a - 1 : NAN);
            }
            mp_table_set(&tab, 9, presence_name(g->presence));
        }
    }
    enum mp_status st = mp_table_print_csv(&tab, fp, err);
    mp_table_free(&tab);
    return st;
}

/* ---- JSON ---- */

static json_t *json_values_of(const double *a, const double *b, const double *change, const double *change_pct)
{
    json_t *o = json_object();
    int bad = !o;
    for (int v = 0; v < MP_DIFF_NVALUES && !bad; v++)
        bad |= json_object_set_new(o, mp_diff_value_name((enum mp_diff_value)v),
                                   json_pack("{s:o, s:o, s:o, s:o}", "a", mp_json_num(a ? a[v] : NAN), "b",
                                             mp_json_num(b ? b[v] : NAN), "change", mp_json_num(change[v]),
                                             "change_pct", mp_json_num(change_pct[v])));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *json_side(const mp_diff_side *s)
{
    return json_pack("{s:s?, s:s?, s:s?, s:i, s:i}", "source", s->source, "store", s->store, "currency", s->currency,
                     "periods", (int)s->nperiods, "spent_periods", s->spent_periods);
}

static json_t *json_row(const mp_diff_row *r, int period)
{
    const mp_diff_item *it = r->a ? r->a : r->b;
    json_t *o = json_values_of(r->a ? r->a->v : NULL, r->b ? r->b->v : NULL, r->change, r->change_pct);
    int bad = !o;
    if (period) {
        bad |= json_object_set_new(o, "start", json_string(it->key));
        bad |= json_object_set_new(o, "t_a", r->a ? json_integer(r->a->t) : json_null());
        bad |= json_object_set_new(o, "t_b", r->b ? json_integer(r->b->t) : json_null());
    } else {
        bad |= json_object_set_new(o, "channel", json_string(it->key));
    }
    bad |= json_object_set_new(o, "presence", json_string(presence_name(r->presence)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

enum mp_status mp_diff_write_json(FILE *fp, const struct mp_diff_view *v, mp_error *err)
{
    const mp_diff *d = v->d;
    json_t *root = json_object(), *channels = json_array(), *periods = json_array(), *goals = json_array();
    int bad = !root || !channels || !periods || !goals;
    bad |= json_object_set_new(root, "mplan", json_integer(1));
    bad |= json_object_set_new(root, "diff", json_pack("{s:o, s:o, s:s}", "a", json_side(d->a), "b", json_side(d->b),
                                                       "periods_paired_by",
                                                       d->align == MP_DIFF_ALIGN_DATE ? "date" : "position"));
    bad |= json_object_set_new(root, "total", json_values_of(d->a->total, d->b->total, d->change, d->change_pct));
    for (size_t i = 0; (v->by & MP_DIFF_BY_CHANNEL) && i < d->nchannels; i++)
        bad |= json_array_append_new(channels, json_row(&d->channel[i], 0));
    for (size_t i = 0; (v->by & MP_DIFF_BY_PERIOD) && i < d->nperiods; i++)
        bad |= json_array_append_new(periods, json_row(&d->period[i], 1));
    for (size_t i = 0; i < d->ngoals; i++) {
        const mp_diff_goal_row *g = &d->goal[i];
        bad |= json_array_append_new(
            goals, json_pack("{s:s, s:s, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}, s:o, s:o}", "kpi",
                             (g->a ? g->a : g->b)->kpi, "presence", presence_name(g->presence), "target", "a",
                             mp_json_num(g->a ? g->a->target : NAN), "b", mp_json_num(g->b ? g->b->target : NAN),
                             "change", mp_json_num(g->target_change), "forecast", "a",
                             mp_json_num(g->a ? g->a->forecast : NAN), "b", mp_json_num(g->b ? g->b->forecast : NAN),
                             "change", mp_json_num(g->forecast_change), "change_pct",
                             mp_json_num(g->forecast_change_pct), "met_a", g->a ? json_boolean(g->a->met) : json_null(),
                             "met_b", g->b ? json_boolean(g->b->met) : json_null()));
    }
    if (v->by & MP_DIFF_BY_CHANNEL)
        bad |= json_object_set_new(root, "by_channel", channels);
    else
        json_decref(channels);
    if (v->by & MP_DIFF_BY_PERIOD)
        bad |= json_object_set_new(root, "by_period", periods);
    else
        json_decref(periods);
    bad |= json_object_set_new(root, "goals", goals);
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}

int mp_diff_looks_json(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    int c;
    while ((c = getc(fp)) == ' ' || c == '\t' || c == '\r' || c == '\n')
        ;
    fclose(fp);
    return c == '{';
}
