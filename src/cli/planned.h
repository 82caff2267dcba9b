/* A plan run the way `mplan run` runs it (strategies, allocator, forecast, goals), for the
 * commands that start from the planned allocation: review, report, calendar. */
#ifndef MPLAN_CLI_PLANNED_H
#define MPLAN_CLI_PLANNED_H

#include "mplan/alloc.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"

struct cli_planned {
    mp_plan *plan;        /* a copy of the plan, strategies applied */
    double budget;        /* allocatable */
    mp_alloc *alloc;
    mp_forecast *fc;
    mp_goal_result *goals;
    size_t ngoals;
    double shortfall;     /* objective goal: GMV the budget cannot reach */
};

/* Run `plan` (left as it is). On success free `out` with cli_planned_free. */
enum mp_status cli_plan_run(const mp_plan *plan, struct cli_planned *out, mp_error *err);
/* Forecast and goals of another allocation of the same plan copy (replacing the current ones). */
enum mp_status cli_planned_forecast(struct cli_planned *p, mp_error *err);
void cli_planned_free(struct cli_planned *p);

#endif
