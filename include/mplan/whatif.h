/* What-if: change plan values by path and sweep scenarios (docs/model.md 7, docs/mplan.1 `whatif`). */
#ifndef MPLAN_WHATIF_H
#define MPLAN_WHATIF_H

#include <stddef.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"
#include "mplan/status.h"

/* Set the numeric plan value named by `path` ("budget", "budget.reserve",
 * "channels.p4p.response.k", "events[0].lift", "goals.gmv", "season[3]", ...; the full
 * list is in docs/whatif-review.md) to `value`, checked against the range the plan file
 * allows. Then call mp_plan_resolve. The message names the path, not a file: callers
 * prefix where the path came from. */
MP_API enum mp_status mp_plan_set(mp_plan *plan, const char *path, double value, mp_error *err);

/* The current value of `path` (the first one for paths that set several, like
 * "baseline.gmv"). */
MP_API enum mp_status mp_plan_get(const mp_plan *plan, const char *path, double *value, mp_error *err);

/* One axis of a sweep: `n` values from `from` to `to`, evenly spaced, both ends included
 * (n = 1: just `from`). `path` is "budget" or any path of mp_plan_set. */
typedef struct mp_whatif_axis {
    const char *path;
    double from, to;
    int n;
} mp_whatif_axis;

/* A named set of overrides (a scenario of a --scenario file). */
typedef struct mp_whatif_scenario {
    const char *name;
    const char *const *paths;
    const double *values;
    size_t n;
} mp_whatif_scenario;

/* How each scenario is prepared and allocated; any member may be NULL. */
typedef struct mp_whatif_hooks {
    /* Run on a fresh copy of each scenario's plan after its overrides, before allocating
     * (rule-pack strategies). Without it one copy of the plan is reused for every scenario. */
    enum mp_status (*prepare)(void *ctx, mp_plan *plan, mp_error *err);
    /* Allocate `budget`; NULL means the built-in equalize. */
    enum mp_status (*allocate)(void *ctx, const mp_plan *plan, double budget, mp_alloc *out,
                               mp_error *err);
    /* The value and traits of a custom KPI (PACK.NAME) a goal names, from the scenario's
     * forecast; NULL leaves such goals without a forecast. */
    mp_custom_kpi_fn custom_kpi;
    /* Told after each scenario (for a progress bar). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *ctx;
} mp_whatif_hooks;

/* One scenario's answer. A scenario whose constraints admit no allocation (a budget below
 * the channels' minimums) is kept with status MP_EINFEASIBLE and `why`; its numbers are NAN. */
typedef struct mp_whatif_row {
    size_t scenario;     /* index into the scenarios given, 0 when none were */
    const double *axis;  /* [naxes] this row's value on each axis */
    mp_kpis total;       /* KPIs of the whole plan (baseline and fixed lines included) */
    double allocatable;  /* B of docs/model.md 7 */
    double mroas;        /* GMV of the next unit of budget, where it brings most (docs) */
    double shortfall;    /* objective goal: GMV the budget cannot reach */
    const double *spend; /* [nchannels] spend of each channel over the horizon */
    const double *attainment; /* [ngoals] as mp_goal_result.attainment */
    const double *forecast;   /* [ngoals] the goal KPI's forecast */
    size_t goals_met;
    enum mp_status status;
    char *why;           /* message when status != MP_OK (owned by the mp_whatif) */
} mp_whatif_row;

typedef struct mp_whatif {
    size_t nrows, naxes, nchannels, ngoals;
    mp_whatif_row *rows; /* scenario-major; within a scenario the first axis varies slowest */
    double margin;       /* of the base plan, for ratios of the totals */
    void *mem;           /* backing store of the rows' arrays */
} mp_whatif;

/* Run every scenario (the base plan alone when nscenarios is 0) at every point of the grid
 * of `axes` (one point when naxes is 0) and forecast each. Stops at the first error that is
 * not an infeasible scenario. The caller owns *out: free with mp_whatif_free. */
MP_API enum mp_status mp_whatif_run(const mp_plan *plan, const mp_whatif_axis *axes, size_t naxes,
                                    const mp_whatif_scenario *scenarios, size_t nscenarios,
                                    const mp_whatif_hooks *hooks, mp_whatif **out, mp_error *err);
MP_API void mp_whatif_free(mp_whatif *w);

/* Reorder the rows by a KPI of the totals (an mp_kpi_id), best first (mp_kpi_higher_is_better),
 * or by "mroas" when kpi is -1; absent values last; ties keep their order. */
MP_API void mp_whatif_sort(mp_whatif *w, int kpi);

/* The budget.total (the reserve share kept) at which goal `goal` of `plan` is met, by
 * bisection on single-budget sweeps of mp_whatif_run with `hooks`: upwards from the plan's
 * budget up to 16 times it, or, for a goal that more money moves away from (a ratio such as
 * roas), downwards to where the channels' minimums and the fixed lines stop it. The answer
 * is within `tol` (money) of the edge, on the side that meets the goal: the least budget that
 * meets it going up, the most going down. *budget is the plan's own budget when it already
 * meets the goal and NAN when no budget in that range does. */
MP_API enum mp_status mp_whatif_goal_budget(const mp_plan *plan, size_t goal, const mp_whatif_hooks *hooks,
                                            double tol, double *budget, mp_error *err);

#endif
