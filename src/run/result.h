/* A run as the io writers take it (io/run_out.h), for the commands that write a run inside
 * another report (review's remaining plan, the HTML report). */
#ifndef MPLAN_RUN_RESULT_H
#define MPLAN_RUN_RESULT_H

#include "io/run_out.h"
#include "mplan/run.h"

/* Fill *out with pointers into `run` (valid while it lives). */
void mp_run_result_of(const mp_run *run, struct mp_run_result *out);
/* The goals of `plan` on another forecast `fc` of it (staying on the old plan), custom KPIs
 * through the packs `run` loaded. The caller frees *out. */
enum mp_status mp_run_goals_on(const mp_run *run, const mp_plan *plan, const mp_forecast *fc, mp_goal_result **out,
                               size_t *n, mp_error *err);

#endif
