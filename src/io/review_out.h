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
};

/* actual / plan - 1, NAN when the plan is 0 or either side is absent. */
double mp_variance_pct(double plan, double actual);

enum mp_status mp_review_write_table(FILE *fp, const struct mp_review_view *v, mp_error *err);
/* One row per scope and KPI: scope,channel,t,kpi,plan,actual,variance,variance_pct,off_plan. */
enum mp_status mp_review_write_csv(FILE *fp, const struct mp_review_view *v, mp_error *err);
enum mp_status mp_review_write_json(FILE *fp, const struct mp_review_view *v, mp_error *err);

#endif
