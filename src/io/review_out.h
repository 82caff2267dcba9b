/* Writers for `mplan review`: plan vs actual with variance (table, CSV, JSON), refits, and the
 * re-allocation of what is left. */
#ifndef MPLAN_IO_REVIEW_OUT_H
#define MPLAN_IO_REVIEW_OUT_H

#include <stdio.h>

#include "io/run_out.h"
#include "mplan/review.h"

struct mp_review_view {
    const mp_plan *plan;      /* as planned (strategies applied) */
    const mp_review *rv;
    const char *plan_path, *actuals_path;
    const struct mp_run_result *remaining; /* the revised plan re-allocated; NULL: nothing is left */
    const mp_forecast *stay;  /* the planned allocation of the remaining periods, refitted curves */
    const mp_review_actions *actions; /* changes vs plan and goals; NULL: nothing is left */
};

/* Why channel ch's spend moved, in words ("mROAS 2.31 at the planned spend, 3.80 in the
 * re-allocation"); returns buf. */
const char *mp_review_change_text(const mp_review_change *ch, char *buf, size_t n);
/* A goal's call-out ("new_customers projected 30,017 against 40,000 (75.0%); re-allocation
 * cannot close it (staying on plan: 29,824); about +47,000 budget would ..."); returns buf. */
const char *mp_review_goal_text(const mp_review_goal *g, char *buf, size_t n);
/* The rounded extra budget of a call-out: budget_needed - budget_now rounded away from 0 to
 * two significant digits; NAN when none was found. */
double mp_review_budget_step(const mp_review_goal *g);
/* The channels off plan in one line, "p4p (gmv -19.9%, roas -28.8%); ...": kind -1 those
 * doing worse than plan (GMV or ROAS below), 1 better, 0 spend off plan; "" for none.
 * Channels by id, or by `name:` with `names` (the report, whose tables show names). */
const char *mp_review_performance_line(const struct mp_review_view *v, int kind, int names, char *buf, size_t n);
/* The reviewed plan's period t (0-based) as numbered in its campaign: after the periods a
 * revised plan's `spent:` records. */
int mp_review_campaign_period(const mp_plan *plan, int t);

/* actual / plan - 1, NAN when the plan is 0 or either side is absent. */
double mp_variance_pct(double plan, double actual);
/* 1 for a channel with nothing planned, spent or sold in the reviewed periods: not news, so
 * the variance tables (terminal and report) leave it out. */
int mp_review_quiet_channel(const mp_review *rv, size_t c);

enum mp_status mp_review_write_table(FILE *fp, const struct mp_review_view *v, mp_error *err);
/* One row per scope and KPI: scope,channel,t,kpi,plan,actual,variance,variance_pct,off_plan. */
enum mp_status mp_review_write_csv(FILE *fp, const struct mp_review_view *v, mp_error *err);
enum mp_status mp_review_write_json(FILE *fp, const struct mp_review_view *v, mp_error *err);

#endif
