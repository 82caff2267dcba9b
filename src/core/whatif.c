/* What-if sweeps: every scenario at every point of the axis grid, re-allocated with the
 * plan's allocator and forecast. Without a prepare hook one copy of the plan serves every
 * scenario: before each one the values any scenario touches are restored from the base plan,
 * so nothing leaks from one scenario into the next and no plan is copied per scenario. */
#include "mplan/whatif.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/override.h"

/* The distinct paths a sweep changes: scenario keys first, then axes. */
struct paths {
    const char **path;
    size_t n;
};

static long path_index(const struct paths *ps, const char *path)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->path[i], path) == 0)
            return (long)i;
    return -1;
}

static void path_add(struct paths *ps, const char *path)
{
    if (path_index(ps, path) < 0)
        ps->path[ps->n++] = path;
}

struct sweep {
    const mp_plan *base;
    const mp_whatif_axis *axes;
    size_t naxes;
    const mp_whatif_hooks *hooks;
    struct paths ps;
    struct mp_plan_ref *base_refs; /* [ps.n] into the base plan, to restore from */
    struct mp_plan_ref *refs;      /* [ps.n] into the plan being run */
    int resolve;                   /* some path changes the derived model */
    mp_plan *reused;               /* the one copy, without a prepare hook */
};

static double axis_value(const mp_whatif_axis *a, int i)
{
    return a->n <= 1 ? a->from : a->from + (a->to - a->from) * i / (a->n - 1);
}

/* "scenario 'pessimistic', budget=50000, channels.p4p.response.k=3000" for messages. */
static void describe(const struct sweep *S, const char *scenario, const double *axis, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    if (scenario)
        o += (size_t)snprintf(buf, n, "scenario '%s'", scenario);
    for (size_t a = 0; a < S->naxes && o < n; a++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", o ? ", " : "", S->axes[a].path, MP_G(axis[a]));
    if (o == 0)
        snprintf(buf, n, "base plan");
}

/* Prefix err's message with where it happened ("WHERE: MESSAGE"), truncating the message. */
static void located(mp_error *err, const char *where)
{
    size_t cap = sizeof err->msg, p = strlen(where) + 2, m = strlen(err->msg);
    if (p >= cap)
        return;
    if (p + m >= cap)
        m = cap - 1 - p;
    memmove(err->msg + p, err->msg, m);
    err->msg[p + m] = '\0';
    memcpy(err->msg, where, p - 2);
    memcpy(err->msg + p - 2, ": ", 2);
}

static enum mp_status find_refs(const struct sweep *S, mp_plan *plan, struct mp_plan_ref *refs, mp_error *err)
{
    for (size_t i = 0; i < S->ps.n; i++) {
        enum mp_status st = mp_plan_ref_find(plan, S->ps.path[i], &refs[i], err);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

/* The GMV one more unit of budget brings where it brings most: the largest marginal return
 * of a channel-period that may still grow (active, under its cap and its channel's max), for
 * allocators that report no shadow price (a pack's). A cell or total within the tolerance of
 * mp_alloc_check of its cap or max counts as on it: an answer a hair under a bound cannot
 * take the next unit there. 0 when no cell can grow: more budget brings nothing. */
static double next_unit_return(const mp_plan *plan, double budget, const mp_alloc *alloc, const mp_forecast *fc)
{
    size_t T = (size_t)plan->T;
    double best = 0, tol = fmax(1e-6, 1e-9 * fabs(budget));
    for (size_t c = 0; c < plan->nchannels; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        if (ch->mode != MP_MODE_OPTIMISED || ch->resp.curve == MP_CURVE_NONE)
            continue;
        const double *x = &alloc->spend[c * T];
        double total = 0;
        for (size_t t = 0; t < T; t++)
            total += x[t];
        if (total >= ch->max - tol)
            continue;
        for (size_t t = 0; t < T; t++) {
            double m = fc->marginal[c * T + t];
            if (ch->active[t] && x[t] < ch->cap - tol && !(m <= best))
                best = m;
        }
    }
    return best;
}

/* Allocate with the plan's allocator; the built-in one starts from `warm` too (NULL: none)
 * and reports the budget's shadow price in *shadow (NAN: not known). */
static enum mp_status allocate(const struct sweep *S, const mp_plan *plan, double budget, const mp_alloc *warm,
                               mp_alloc *alloc, double *shortfall, double *shadow, mp_error *err)
{
    *shortfall = 0;
    *shadow = NAN;
    if (S->hooks && S->hooks->allocate)
        return S->hooks->allocate(S->hooks->ctx, plan, budget, alloc, err);
    mp_equalize_info info = {0};
    enum mp_status st = mp_alloc_equalize_from(plan, budget, warm, alloc, &info, err);
    *shortfall = info.shortfall;
    *shadow = info.shadow;
    return st;
}

/* Allocate and forecast one scenario's plan into row. */

/* `warm`: the allocation of the previous budget of the same sweep line (NULL: none); the
 * row's allocation is left in *keep for the next one (NULL when it failed). */
static enum mp_status evaluate(const struct sweep *S, mp_plan *plan, mp_whatif_row *row, double *spend,
                               double *attain, double *fcast, const mp_alloc *warm, mp_alloc **keep,
                               mp_error *err)
{
    *keep = NULL;
    double B = mp_plan_allocatable(plan);
    row->allocatable = B;
    if (B < 0)
        return mp_fail(err, MP_EINFEASIBLE, "fixed lines (%s) exceed the budget after reserve (%s)",
                       MP_G(mp_plan_fixed_total(plan)), MP_G(plan->budget_total * (1 - plan->reserve)));
    for (size_t c = 0; c < plan->nchannels; c++)
        if (plan->channels[c].min > plan->channels[c].max)
            return mp_fail(err, MP_EINFEASIBLE, "channel '%s': min %s is above max %s", plan->channels[c].id,
                           MP_G(plan->channels[c].min), MP_G(plan->channels[c].max));
    mp_alloc *alloc = mp_alloc_new(plan);
    mp_forecast *fc = NULL;
    mp_goal_result *goals = NULL;
    size_t ngoals = 0;
    if (!alloc)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    double shadow;
    enum mp_status st = allocate(S, plan, B, warm, alloc, &row->shortfall, &shadow, err);
    if (st == MP_OK)
        st = mp_forecast_run(plan, alloc, &fc, err);
    if (st == MP_OK)
        st = mp_goals_evaluate_by(plan, fc, S->hooks ? S->hooks->custom_kpi : NULL, S->hooks ? S->hooks->ctx : NULL,
                                  &goals, &ngoals, err);
    if (st == MP_OK) {
        row->total = fc->total;
        /* what the next unit of budget brings: the shadow price where the allocator knows it */
        row->mroas = isnan(shadow) ? next_unit_return(plan, B, alloc, fc) : shadow;
        for (size_t c = 0; c < plan->nchannels; c++)
            spend[c] = fc->by_channel[c].spend;
        for (size_t g = 0; g < ngoals; g++) {
            attain[g] = goals[g].attainment;
            fcast[g] = goals[g].forecast;
            row->goals_met += goals[g].met != 0;
        }
    }
    free(goals);
    mp_forecast_free(fc);
    if (st == MP_OK)
        *keep = alloc;
    else
        mp_alloc_free(alloc);
    return st;
}

/* Set the values of one grid point of one scenario on `plan` (whose refs are S->refs). */
static enum mp_status apply(const struct sweep *S, mp_plan *plan, const mp_whatif_scenario *sc,
                            const double *axis, mp_error *err)
{
    enum mp_status st;
    if (!S->hooks || !S->hooks->prepare)
        for (size_t i = 0; i < S->ps.n; i++)
            memcpy(S->refs[i].p, S->base_refs[i].p, S->refs[i].n * sizeof(double));
    for (size_t i = 0; sc && i < sc->n; i++) {
        long r = path_index(&S->ps, sc->paths[i]);
        if ((st = mp_plan_ref_set(&S->refs[r], sc->paths[i], sc->values[i], err)) != MP_OK)
            return st;
    }
    for (size_t a = 0; a < S->naxes; a++) {
        long r = path_index(&S->ps, S->axes[a].path);
        if ((st = mp_plan_ref_set(&S->refs[r], S->axes[a].path, axis[a], err)) != MP_OK)
            return st;
    }
    if (S->resolve) {
        /* phases are the same in every scenario: keep their warnings from piling up */
        size_t nwarnings = plan->nwarnings;
        st = mp_plan_resolve(plan, err);
        plan->nwarnings = nwarnings;
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

static enum mp_status run_one(struct sweep *S, const mp_whatif_scenario *sc, mp_whatif_row *row,
                              double *spend, double *attain, double *fcast, const mp_alloc *warm,
                              mp_alloc **keep, mp_error *err)
{
    *keep = NULL;
    mp_plan *plan = S->reused;
    enum mp_status st = MP_OK;
    if (S->hooks && S->hooks->prepare) {
        if (!(plan = mp_plan_clone(S->base)))
            return mp_fail(err, MP_ENOMEM, "out of memory");
        st = find_refs(S, plan, S->refs, err);
    }
    if (st == MP_OK)
        st = apply(S, plan, sc, row->axis, err);
    if (st == MP_OK && S->hooks && S->hooks->prepare)
        st = S->hooks->prepare(S->hooks->ctx, plan, err);
    if (st == MP_OK)
        st = evaluate(S, plan, row, spend, attain, fcast, warm, keep, err);
    if (plan != S->reused)
        mp_plan_free(plan);
    return st;
}

void mp_whatif_free(mp_whatif *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nrows; i++)
        free(w->rows[i].why);
    free(w->rows);
    free(w->mem);
    free(w);
}

static enum mp_status check_axes(const mp_whatif_axis *axes, size_t naxes, size_t nscenarios,
                                 size_t *npoints, mp_error *err)
{
    *npoints = nscenarios ? nscenarios : 1;
    for (size_t a = 0; a < naxes; a++) {
        if (axes[a].n < 1)
            return mp_fail(err, MP_EUSAGE, "axis '%s': needs at least 1 level", axes[a].path);
        for (size_t b = 0; b < a; b++)
            if (strcmp(axes[a].path, axes[b].path) == 0)
                return mp_fail(err, MP_EUSAGE, "axis '%s' is given twice", axes[a].path);
        if (*npoints > (size_t)1000000 / (size_t)axes[a].n)
            return mp_fail(err, MP_EUSAGE, "more than 1,000,000 scenarios: narrow the axes");
        *npoints *= (size_t)axes[a].n;
    }
    return MP_OK;
}

enum mp_status mp_whatif_run(const mp_plan *plan, const mp_whatif_axis *axes, size_t naxes,
                             const mp_whatif_scenario *scenarios, size_t nscenarios,
                             const mp_whatif_hooks *hooks, mp_whatif **out, mp_error *err)
{
    *out = NULL;
    size_t nrows, C = plan->nchannels, G = plan->ngoals, maxpaths = naxes;
    enum mp_status st = check_axes(axes, naxes, nscenarios, &nrows, err);
    if (st != MP_OK)
        return st;
    for (size_t s = 0; s < nscenarios; s++)
        maxpaths += scenarios[s].n;
    struct sweep S = {.base = plan, .axes = axes, .naxes = naxes, .hooks = hooks};
    size_t per_row = naxes + C + 2 * G;
    mp_whatif *w = calloc(1, sizeof *w);
    S.ps.path = calloc(maxpaths + 1, sizeof *S.ps.path);
    S.base_refs = calloc(maxpaths + 1, sizeof *S.base_refs);
    S.refs = calloc(maxpaths + 1, sizeof *S.refs);
    if (w) {
        w->rows = calloc(nrows, sizeof *w->rows);
        w->mem = calloc(nrows * per_row + 1, sizeof(double));
    }
    if (!w || !w->rows || !w->mem || !S.ps.path || !S.base_refs || !S.refs) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    w->naxes = naxes;
    w->nchannels = C;
    w->ngoals = G;
    w->margin = plan->margin;
    for (size_t s = 0; s < nscenarios; s++)
        for (size_t i = 0; i < scenarios[s].n; i++)
            path_add(&S.ps, scenarios[s].paths[i]);
    for (size_t a = 0; a < naxes; a++)
        path_add(&S.ps, axes[a].path);
    if ((st = find_refs(&S, (mp_plan *)plan, S.base_refs, err)) != MP_OK)
        goto done;
    for (size_t i = 0; i < S.ps.n; i++)
        S.resolve |= S.base_refs[i].resolve;
    if (!hooks || !hooks->prepare) {
        if (!(S.reused = mp_plan_clone(plan))) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
            goto done;
        }
        if ((st = find_refs(&S, S.reused, S.refs, err)) != MP_OK)
            goto done;
    }

    double *mem = w->mem;
    size_t per_scenario = nrows / (nscenarios ? nscenarios : 1);
    for (size_t i = 0; i < nrows; i++) {
        mp_whatif_row *row = &w->rows[i];
        double *axis = mem, *spend = axis + naxes, *attain = spend + C, *fcast = attain + G;
        mem += per_row;
        row->scenario = i / per_scenario;
        /* odometer: the last axis varies fastest */
        for (size_t a = naxes, rest = i % per_scenario; a-- > 0;) {
            axis[a] = axis_value(&axes[a], (int)(rest % (size_t)axes[a].n));
            rest /= (size_t)axes[a].n;
        }
        row->axis = axis;
        row->spend = spend;
        row->attainment = attain;
        row->forecast = fcast;
    }
    w->nrows = nrows;
    /* Rows that differ only in the budget form a line, run from the smallest budget up, each
     * warm-started from the one before: its allocation is still feasible with more budget, so
     * GMV never falls as the budget grows. Lines run one after the other; rows keep their
     * grid order in the result. */
    size_t nb = 1, stride = 1, bax = naxes;
    for (size_t a = 0; a < naxes; a++)
        if (strcmp(axes[a].path, "budget") == 0 || strcmp(axes[a].path, "budget.total") == 0)
            bax = a;
    if (bax < naxes) {
        nb = (size_t)axes[bax].n;
        for (size_t a = bax + 1; a < naxes; a++)
            stride *= (size_t)axes[a].n;
    }
    int down = bax < naxes && axes[bax].to < axes[bax].from;
    mp_alloc *prev = NULL;
    for (size_t done = 0; done < nrows; done++) {
        size_t line = done / nb, j = done % nb, s = line / (per_scenario / nb), r = line % (per_scenario / nb);
        size_t i = s * per_scenario + (r / stride) * nb * stride + (down ? nb - 1 - j : j) * stride + r % stride;
        mp_whatif_row *row = &w->rows[i];
        double *spend = (double *)w->mem + i * per_row + naxes, *attain = spend + C, *fcast = attain + G;
        const mp_whatif_scenario *sc = nscenarios ? &scenarios[row->scenario] : NULL;
        mp_error e = {0};
        mp_alloc *keep = NULL;
        if (j == 0) {
            mp_alloc_free(prev);
            prev = NULL;
        }
        row->status = run_one(&S, sc, row, spend, attain, fcast, prev, &keep, &e);
        if (keep) {
            mp_alloc_free(prev);
            prev = keep;
        }
        if (row->status != MP_OK) {
            char where[512];
            describe(&S, sc ? sc->name : NULL, row->axis, where, sizeof where);
            if (row->status != MP_EINFEASIBLE) {
                located(&e, where);
                if (err)
                    *err = e;
                st = e.status;
                mp_alloc_free(prev);
                goto done;
            }
            /* kept: a sweep that starts below the channels' minimums is normal */
            located(&e, where);
            row->why = strdup(e.msg);
            row->total = (mp_kpis){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
            row->mroas = NAN;
            for (size_t c = 0; c < C; c++)
                spend[c] = NAN;
            for (size_t g = 0; g < G; g++)
                attain[g] = fcast[g] = NAN;
        }
        if (hooks && hooks->progress)
            hooks->progress(hooks->ctx, done + 1, nrows);
    }
    mp_alloc_free(prev);
    *out = w;
    w = NULL;
done:
    mp_plan_free(S.reused);
    free(S.ps.path);
    free(S.base_refs);
    free(S.refs);
    mp_whatif_free(w);
    return st;
}

/* Sorting: by one KPI, best first, absent and infeasible rows last, stable. */
struct keyed {
    double key;
    size_t index;
    mp_whatif_row row;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int xa = isnan(x->key), ya = isnan(y->key);
    if (xa != ya)
        return xa - ya;
    if (!xa && x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

void mp_whatif_sort(mp_whatif *w, int kpi)
{
    struct keyed *k = malloc((w->nrows + 1) * sizeof *k);
    if (!k)
        return; /* out of memory: the rows keep their grid order */
    int higher = kpi < 0 || mp_kpi_higher_is_better((enum mp_kpi_id)kpi);
    for (size_t i = 0; i < w->nrows; i++) {
        double v = kpi < 0 ? w->rows[i].mroas : mp_kpi_value(&w->rows[i].total, w->margin, (enum mp_kpi_id)kpi);
        k[i] = (struct keyed){.key = higher ? v : -v, .index = i, .row = w->rows[i]};
    }
    qsort(k, w->nrows, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < w->nrows; i++)
        w->rows[i] = k[i].row;
    free(k);
}

/* ---- the budget a goal needs ---- */

/* Is the goal met at budget B? -1: no allocation (infeasible); other errors are returned. */
static enum mp_status goal_met_at(const mp_plan *plan, size_t goal, const mp_whatif_hooks *hooks, double B,
                                  int *met, mp_error *err)
{
    mp_whatif_axis axis = {"budget", B, B, 1};
    mp_whatif *w = NULL;
    enum mp_status st = mp_whatif_run(plan, &axis, 1, NULL, 0, hooks, &w, err);
    if (st != MP_OK)
        return st;
    const mp_whatif_row *r = &w->rows[0];
    /* attainment is forecast/target, or target/forecast for a lower-is-better KPI: >= 1 is met
     * (with the slack of mp_goals_evaluate) */
    *met = r->status != MP_OK ? -1 : r->attainment[goal] >= 1 - 1e-9;
    mp_whatif_free(w);
    return MP_OK;
}

enum mp_status mp_whatif_goal_budget(const mp_plan *plan, size_t goal, const mp_whatif_hooks *hooks, double tol,
                                     double *budget, mp_error *err)
{
    double B = plan->budget_total;
    *budget = NAN;
    if (goal >= plan->ngoals)
        return mp_fail(err, MP_EUSAGE, "no goal %zu", goal);
    int met;
    enum mp_status st = goal_met_at(plan, goal, hooks, B, &met, err);
    if (st != MP_OK || met == 1) {
        if (st == MP_OK)
            *budget = B;
        return st;
    }
    /* up: double until it is met */
    double lo = B, hi = B;
    for (int i = 0; i < 4 && st == MP_OK; i++) {
        hi = 2 * hi;
        if ((st = goal_met_at(plan, goal, hooks, hi, &met, err)) == MP_OK && met == 1)
            break;
        lo = hi;
    }
    int up = st == MP_OK && met == 1;
    if (!up && st == MP_OK) { /* down: halve until it is met or nothing can be allocated */
        hi = B;
        for (int i = 0; i < 12 && st == MP_OK; i++) {
            lo = hi / 2;
            if ((st = goal_met_at(plan, goal, hooks, lo, &met, err)) != MP_OK || met != 0)
                break;
            hi = lo;
        }
        if (st != MP_OK || met != 1)
            return st;
        /* met at lo, missed at hi: the most budget that still meets it */
    }
    /* bisect [lo, hi]: up, missed at lo and met at hi; down, met at lo and missed at hi */
    for (int i = 0; i < 60 && st == MP_OK && hi - lo > tol; i++) {
        double mid = lo + (hi - lo) / 2;
        if ((st = goal_met_at(plan, goal, hooks, mid, &met, err)) != MP_OK)
            break;
        if ((met == 1) == up)
            hi = mid;
        else
            lo = mid;
    }
    if (st == MP_OK)
        *budget = up ? hi : lo;
    return st;
}
