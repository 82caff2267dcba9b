/* `mplan review` as one pipeline, shared by review and report: run the plan, compare the
 * actuals, revise the plan for the periods left, run it, forecast staying on plan, and work
 * out what to do (changes vs plan, goals at risk and the budget that would meet them). */
#ifndef MPLAN_RUN_REVIEW_RUN_H
#define MPLAN_RUN_REVIEW_RUN_H

#include "mplan/review.h"
#include "mplan/run.h"

struct mp_review_bundle {
    mp_run *planned;         /* the plan as planned */
    mp_review *rv;
    mp_plan *revised;        /* the plan for the periods left (as loaded); NULL: none is left */
    mp_run *rest;            /* `revised` run */
    mp_alloc *stay_alloc;    /* the planned allocation of the periods left */
    mp_forecast *stay;       /* ... forecast on the revised plan (refitted curves) */
    mp_goal_result *stay_goals;
    mp_review_actions *actions; /* NULL when nothing is left */
};

/* Fill *b (zeroed first); on failure what was built is freed. `search`: find the budget
 * each goal at risk needs (one allocation per bisection step). */
enum mp_status mp_review_bundle_run(const mp_plan *plan, const mp_run_opts *opts, const mp_actuals *act,
                                    double threshold, int search, struct mp_review_bundle *b, mp_error *err);
void mp_review_bundle_free(struct mp_review_bundle *b);

#endif
