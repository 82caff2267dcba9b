/* Running a plan the way `mplan run` does: the plan's rule packs and strategies, the
 * allocator, the forecast, custom KPIs and goals, in one call; the answer is read through
 * accessors (like sqlite3_column_*) and written as a table, CSV or the JSON of docs/plan-format.md. */
#ifndef MPLAN_RUN_H
#define MPLAN_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/host.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"
#include "mplan/review.h"
#include "mplan/segment.h"
#include "mplan/status.h"
#include "mplan/whatif.h"

typedef struct mp_run mp_run;

/* How rule scripts run; a zeroed struct (or NULL) is what `mplan run` does without flags. */
typedef struct mp_run_opts {
    mp_host_limits limits; /* per call; 0 fields take the plan's `limits:`, then the defaults */
    int verbose;           /* script errors carry the Lua traceback */
    int jobs;              /* threads segmenting `segments: {from:}`; 0: the online CPUs */
} mp_run_opts;

/* Run `plan` (left as it is): check the plan's packs against PLAN.lock when one sits beside
 * the plan, load them into a sandboxed host, size the audience from `segments: {from:}`,
 * apply the strategies in order to a copy of the plan, allocate with equalize or the pack's
 * allocator (its answer checked by mp_alloc_check), forecast, evaluate every custom KPI the
 * packs provide and the goals. On success the caller owns *out: free it with mp_run_free.
 * On failure *out is NULL and err says where (plan file:line:col, or pack and hook). */
MP_API enum mp_status mp_plan_run(const mp_plan *plan, const mp_run_opts *opts, mp_run **out, mp_error *err);
MP_API void mp_run_free(mp_run *run);

/* The plan as it was run: a copy with the strategies applied. Owned by the run. */
MP_API const mp_plan *mp_run_plan(const mp_run *run);

/* ---- channels and periods (c, t 0-based); strings live as long as the run ---- */
MP_API size_t mp_run_channel_count(const mp_run *run);
MP_API const char *mp_run_channel_id(const mp_run *run, size_t c);
MP_API const char *mp_run_channel_name(const mp_run *run, size_t c);
MP_API int mp_run_periods(const mp_run *run);
/* First day of period t as YYYY-MM-DD in buf (returned). */
MP_API const char *mp_run_period_start(const mp_run *run, int t, char buf[11]);
/* Phase of period t ("off", "warmup", "outbreak", ...) and its event (NULL for none). */
MP_API const char *mp_run_period_phase(const mp_run *run, int t);
MP_API const char *mp_run_period_event(const mp_run *run, int t);

/* ---- the allocation ---- */
/* "equalize" or the pack's PACK.NAME. */
MP_API const char *mp_run_allocator(const mp_run *run);
/* B of docs/model.md 7: what the allocator spread. */
MP_API double mp_run_allocatable(const mp_run *run);
/* Objective goal: GMV the budget cannot reach (0 when it can, or for other objectives). */
MP_API double mp_run_shortfall(const mp_run *run);
/* Spend of channel c in period t, fixed lines included. */
MP_API double mp_run_spend(const mp_run *run, size_t c, int t);
/* The whole allocation; owned by the run. */
MP_API const mp_alloc *mp_run_alloc(const mp_run *run);

/* ---- the forecast ---- */
#define MP_RUN_ALL (-1)
/* Any KPI of docs/model.md 6 (additive or ratio; NAN when absent) of a scope: channel c and
 * period t, or MP_RUN_ALL for either. (MP_RUN_ALL, MP_RUN_ALL) is the plan's total and
 * (MP_RUN_ALL, t) a period's, both with baseline GMV and fixed lines; (c, MP_RUN_ALL) is a
 * channel over the horizon and (c, t) one cell. */
MP_API double mp_run_kpi(const mp_run *run, enum mp_kpi_id kpi, long c, int t);
/* Marginal ROAS of channel c: GMV of its next unit of spend. */
MP_API double mp_run_mroas(const mp_run *run, size_t c);
/* The whole forecast; owned by the run. */
MP_API const mp_forecast *mp_run_forecast(const mp_run *run);

/* ---- goals, custom KPIs, warnings: results owned by the run ---- */
MP_API size_t mp_run_goal_count(const mp_run *run);
MP_API const mp_goal_result *mp_run_goal(const mp_run *run, size_t i);
/* Every KPI the packs provide, then those only goals name, as PACK.NAME = value. */
MP_API size_t mp_run_custom_count(const mp_run *run);
MP_API const mp_kpi_custom *mp_run_custom(const mp_run *run, size_t i);
/* Warnings about the plan (loading, strategies), as `mplan run` prints them. */
MP_API size_t mp_run_warning_count(const mp_run *run);
MP_API const char *mp_run_warning(const mp_run *run, size_t i);

/* ---- segments ---- */
/* The audience sizes the plan uses (its `segments:`, or those a customers file gave): label
 * and number of customers, in display order. */
MP_API size_t mp_run_segment_count(const mp_run *run);
MP_API const char *mp_run_segment_label(const mp_run *run, size_t i);
MP_API double mp_run_segment_size(const mp_run *run, size_t i);
/* The summary of `segments: {from:}` (per label counts and sums of every numeric column;
 * read it with the mp_seg_* accessors of mplan/segment.h), or NULL when the plan gives its
 * sizes itself. Owned by the run. */
MP_API const mp_seg_summary *mp_run_segments(const mp_run *run);

/* ---- output ---- */
enum mp_run_format { MP_RUN_TABLE, MP_RUN_CSV, MP_RUN_JSON };
/* Write the run as `mplan run --format table|csv|json` prints it (the same bytes). MP_EIO
 * when writing fails, MP_ENOMEM when JSON cannot be built. */
MP_API enum mp_status mp_run_write(const mp_run *run, FILE *fp, enum mp_run_format format, mp_error *err);

/* ---- review over the same pipeline ---- */
/* The plan for the rest of the horizon as `mplan review` writes it: mp_review_revise of
 * `plan` (as loaded: the plan `planned` ran), then each goal on a pack's KPI that pack.yaml
 * calls additive reduced by what the actuals reached (the KPI run on the spent periods'
 * actual totals), with a warning for each. The caller owns *out: free with mp_plan_free. */
MP_API enum mp_status mp_run_revise(const mp_plan *plan, const mp_run *planned, const mp_actuals *act,
                             const mp_review *rv, mp_plan **out, mp_error *err);

/* ---- what-if over the same pipeline ---- */
/* mp_whatif_run with every scenario run as mp_plan_run runs a plan: the lock checked, the
 * packs loaded once, each scenario's copy given the strategies, the plan's allocator, and
 * goals on PACK.NAME evaluated by the packs. `progress` (may be NULL) is told after each
 * scenario. The caller owns *out: free with mp_whatif_free. */
MP_API enum mp_status mp_plan_whatif(const mp_plan *plan, const mp_run_opts *opts, const mp_whatif_axis *axes,
                              size_t naxes, const mp_whatif_scenario *scenarios, size_t nscenarios,
                              void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                              mp_whatif **out, mp_error *err);

/* mp_whatif_goal_budget with each budget run as mp_plan_whatif runs a scenario: the
 * budget.total at which goal `goal` (an index into the plan's goals) is met, within `tol`;
 * NAN when none up to 16 times the budget (or down to the minimums) meets it. */
MP_API enum mp_status mp_plan_goal_budget(const mp_plan *plan, const mp_run_opts *opts, size_t goal, double tol,
                                          double *budget, mp_error *err);

#endif
