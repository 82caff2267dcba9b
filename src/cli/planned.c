#include "cli/planned.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "mplan/segment.h"

void cli_planned_free(struct cli_planned *p)
{
    free(p->goals);
    free(p->custom);
    mp_forecast_free(p->fc);
    mp_alloc_free(p->alloc);
    mp_plan_free(p->plan);
    mp_host_free(p->host);
    memset(p, 0, sizeof *p);
}

enum mp_status cli_plan_host(const mp_plan *plan, const struct cli_scripts *sc, mp_host **host,
                             mp_error *err)
{
    static const struct cli_scripts defaults = {{0, 0, 0}, 0};
    *host = NULL;
    if (!plan->npacks)
        return MP_OK;
    if (!sc)
        sc = &defaults;
    enum mp_status st = mp_host_new(&sc->limits, host, err); /* the plan's limits fill the 0s */
    if (st == MP_OK) {
        mp_host_set_verbose(*host, sc->verbose);
        if ((st = mp_host_load_plan_packs(*host, plan, err)) != MP_OK) {
            mp_host_free(*host);
            *host = NULL;
        }
    }
    return st;
}

enum mp_status cli_plan_strategies(mp_host *host, mp_plan *plan, mp_error *err)
{
    for (size_t i = 0; i < plan->nstrategies; i++) {
        enum mp_status st = host ? mp_host_run_strategy(host, plan, plan->strategies[i], err)
                                 : mp_fail(err, MP_EINPUT, "%s: strategy '%s': the plan loads no packs", plan->file,
                                           plan->strategies[i]);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

enum mp_status cli_plan_allocate_info(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                                      mp_equalize_info *info, int *have, mp_error *err)
{
    *info = (mp_equalize_info){0};
    *have = 0;
    if (strcmp(plan->allocator, "equalize") != 0)
        return host ? mp_host_run_allocator(host, plan, plan->allocator, budget, out, err)
                    : mp_fail(err, MP_EINPUT, "%s: allocator '%s': the plan loads no packs", plan->file,
                              plan->allocator);
    *have = 1;
    enum mp_status st = mp_alloc_equalize(plan, budget, out, info, err);
    double roas, spend;
    mp_error e2 = {0};
    /* Say how far the target can go: the highest ROAS within the budget. */
    if (st == MP_EINFEASIBLE && plan->objective == MP_OBJ_TARGET_ROAS &&
        mp_alloc_best_roas(plan, budget, &roas, &spend, &e2) == MP_OK && isfinite(roas)) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "; the highest ROAS reachable is %.4g (spending %.0f)",
                 roas, spend);
    }
    return st;
}

enum mp_status cli_plan_allocate(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                                 double *shortfall, mp_error *err)
{
    mp_equalize_info info;
    int have;
    enum mp_status st = cli_plan_allocate_info(host, plan, budget, out, &info, &have, err);
    *shortfall = info.shortfall;
    return st;
}

static int has_custom(const struct cli_planned *p, const char *name)
{
    for (size_t i = 0; i < p->ncustom; i++)
        if (strcmp(p->custom[i].name, name) == 0)
            return 1;
    return 0;
}

static enum mp_status add_custom(struct cli_planned *p, const char *name, mp_error *err)
{
    if (has_custom(p, name))
        return MP_OK;
    mp_kpi_custom *k = &p->custom[p->ncustom++];
    k->name = name;
    if (p->host)
        mp_host_kpi_traits(p->host, name, &k->lower, &k->additive);
    return p->host ? mp_host_run_kpi(p->host, p->plan, p->fc, name, &k->value, err)
                   : mp_fail(err, MP_EINPUT, "%s: goal '%s': the plan loads no packs", p->plan->file, name);
}

/* Every KPI the packs provide is reported; goals on PACK.NAME take their value from it. */
static enum mp_status custom_kpis(struct cli_planned *p, mp_error *err)
{
    const mp_plan *plan = p->plan;
    const char **names = NULL;
    size_t nnames = 0;
    enum mp_status st = p->host ? mp_host_kpi_names(p->host, &names, &nnames, err) : MP_OK;
    if (st == MP_OK && nnames + plan->ngoals && !(p->custom = calloc(nnames + plan->ngoals, sizeof *p->custom)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < nnames; i++)
        st = add_custom(p, names[i], err);
    for (size_t i = 0; st == MP_OK && i < plan->ngoals; i++)
        if (strchr(plan->goals[i].kpi, '.'))
            st = add_custom(p, plan->goals[i].kpi, err);
    free(names);
    return st;
}

/* The plan's objective of an allocation: GMV (gmv), profit, GMV under the ROAS target, or
 * minus the spend that reaches the goal; -INFINITY when a target or goal is not met. */
static double objective_value(const mp_plan *plan, const mp_forecast *fc)
{
    const mp_kpis *k = &fc->total;
    mp_ratios q = mp_kpi_ratios(k, plan->margin);
    switch (plan->objective) {
    case MP_OBJ_GMV: return k->gmv;
    case MP_OBJ_PROFIT: return plan->margin * k->gmv - k->spend;
    case MP_OBJ_TARGET_ROAS: return q.roas >= plan->objective_value * (1 - 1e-9) ? k->gmv : -INFINITY;
    case MP_OBJ_GOAL_GMV: return k->gmv >= plan->objective_value * (1 - 1e-9) ? -k->spend : -INFINITY;
    }
    return NAN;
}

/* A pack's allocator answers the plan's objective only if it says so: compare it with
 * equalize's answer on the same plan and budget, and say when it falls short. */
static enum mp_status check_objective(struct cli_planned *p, mp_error *err)
{
    p->objective_reached = p->objective_best = NAN;
    if (strcmp(p->plan->allocator, "equalize") == 0)
        return MP_OK;
    mp_alloc *best = mp_alloc_new(p->plan);
    mp_forecast *fb = NULL;
    mp_error e2 = {0};
    if (!best)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = mp_alloc_equalize(p->plan, p->budget, best, NULL, &e2);
    if (st == MP_OK)
        st = mp_forecast_run(p->plan, best, &fb, &e2);
    double got = objective_value(p->plan, p->fc), opt = st == MP_OK ? objective_value(p->plan, fb) : NAN;
    mp_forecast_free(fb);
    mp_alloc_free(best);
    if (st == MP_ENOMEM)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    /* equalize finds no allocation that meets a target or goal: nothing can be missed */
    if (!isfinite(opt) || !(got < opt - 1e-6 * fmax(1, fabs(opt))))
        return MP_OK;
    p->objective_reached = got;
    p->objective_best = opt;
    char obj[64];
    switch (p->plan->objective) {
    case MP_OBJ_GMV: snprintf(obj, sizeof obj, "gmv"); break;
    case MP_OBJ_PROFIT: snprintf(obj, sizeof obj, "profit"); break;
    case MP_OBJ_TARGET_ROAS: snprintf(obj, sizeof obj, "target_roas %g", p->plan->objective_value); break;
    case MP_OBJ_GOAL_GMV: snprintf(obj, sizeof obj, "goal gmv %g", p->plan->objective_value); break;
    }
    enum mp_status w;
    if (!isfinite(got))
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: its allocation does not "
                         "meet the target", p->plan->allocator, obj);
    else if (p->plan->objective == MP_OBJ_GOAL_GMV)
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: it spends %.0f where "
                         "%.0f reaches the goal (equalize)", p->plan->allocator, obj, -got, -opt);
    else
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: %.0f where the optimum "
                         "is %.0f (equalize), %.2f%% less", p->plan->allocator, obj, got, opt,
                         100 * (opt - got) / fabs(opt));
    return w == MP_OK ? MP_OK : mp_fail(err, MP_ENOMEM, "out of memory");
}

/* An objective `goal: {gmv: G}` is a goal too: a row of its own, and a warning when the
 * budget cannot reach it (so --strict exits 1). */
static enum mp_status objective_row(struct cli_planned *p, mp_error *err)
{
    if (p->plan->objective != MP_OBJ_GOAL_GMV)
        return MP_OK;
    mp_goal_result *g = realloc(p->goals, (p->ngoals + 1) * sizeof *g);
    if (!g)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    p->goals = g;
    mp_goal_result *r = &g[p->ngoals++];
    r->kpi = "objective: gmv";
    r->target = p->plan->objective_value;
    r->forecast = p->fc->total.gmv;
    r->attainment = r->target != 0 ? r->forecast / r->target : NAN;
    r->met = !(p->shortfall > 0);
    if (!r->met && mp_plan_warn(p->plan, "objective goal gmv %.0f is out of reach within the budget: "
                                "%.0f GMV short (the plan spends all it may)", r->target, p->shortfall) != MP_OK)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    return MP_OK;
}

enum mp_status cli_plan_run(const mp_plan *plan, const struct cli_scripts *sc, struct cli_planned *out,
                            mp_error *err)
{
    memset(out, 0, sizeof *out);
    enum mp_status st = cli_plan_host(plan, sc, &out->host, err);
    if (st != MP_OK)
        return st;
    if (!(out->plan = mp_plan_clone(plan))) {
        cli_planned_free(out);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    /* Audience sizes from a customers file (segments: {from:, segmenter:}), on every core. */
    st = mp_segment_plan(out->plan, 0, sc ? &sc->limits : NULL, err);
    if (st == MP_OK)
        st = cli_plan_strategies(out->host, out->plan, err);
    if (st == MP_OK && !(out->alloc = mp_alloc_new(out->plan)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK) {
        out->budget = mp_plan_allocatable(out->plan);
        st = cli_plan_allocate_info(out->host, out->plan, out->budget, out->alloc, &out->eq, &out->have_eq, err);
        out->shortfall = out->eq.shortfall;
    }
    if (st == MP_OK)
        st = mp_forecast_run(out->plan, out->alloc, &out->fc, err);
    if (st == MP_OK)
        st = check_objective(out, err);
    if (st == MP_OK)
        st = custom_kpis(out, err);
    if (st == MP_OK)
        st = mp_goals_evaluate(out->plan, out->fc, out->custom, out->ncustom, &out->goals, &out->ngoals, err);
    if (st == MP_OK)
        st = objective_row(out, err);
    if (st != MP_OK)
        cli_planned_free(out);
    return st;
}
