#include "run/review_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/result.h"

void mp_review_bundle_free(struct mp_review_bundle *b)
{
    mp_review_actions_free(b->actions);
    free(b->stay_goals);
    mp_forecast_free(b->stay);
    mp_alloc_free(b->stay_alloc);
    mp_run_free(b->rest);
    mp_plan_free(b->revised);
    mp_review_free(b->rv);
    mp_run_free(b->planned);
    memset(b, 0, sizeof *b);
}

/* The budget each goal at risk needs: the bisection stops within 0.1% of the budget left
 * (at least one unit), close enough for "about". */
static enum mp_status search_budgets(struct mp_review_bundle *b, const mp_run_opts *opts, mp_error *err)
{
    for (size_t i = 0; i < b->actions->ngoals; i++) {
        mp_review_goal *g = &b->actions->goal[i];
        if (g->outlook != MP_GOAL_AT_RISK || !isfinite(g->projected))
            continue;
        double tol = fmax(1, 1e-3 * g->budget_now);
        enum mp_status st = mp_plan_goal_budget(b->revised, opts, g->rest_goal, tol, &g->budget_needed, err);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

enum mp_status mp_review_bundle_run(const mp_plan *plan, const mp_run_opts *opts, const mp_actuals *act,
                                    double threshold, int search, struct mp_review_bundle *b, mp_error *err)
{
    memset(b, 0, sizeof *b);
    enum mp_status st = mp_plan_run(plan, opts, &b->planned, err);
    if (st == MP_OK)
        st = mp_review_run(mp_run_plan(b->planned), mp_run_forecast(b->planned), act, threshold, &b->rv, err);
    if (st != MP_OK || act->done >= mp_plan_periods(plan))
        goto done;
    if ((st = mp_run_revise(plan, b->planned, act, b->rv, &b->revised, err)) != MP_OK ||
        (st = mp_plan_run(b->revised, opts, &b->rest, err)) != MP_OK)
        goto done;
    const mp_plan *rest = mp_run_plan(b->rest);
    size_t ng = 0;
    if (!(b->stay_alloc = mp_review_remaining_alloc(rest, mp_run_alloc(b->planned), act->done))) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = mp_forecast_run(rest, b->stay_alloc, &b->stay, err)) != MP_OK ||
        (st = mp_run_goals_on(b->rest, rest, b->stay, &b->stay_goals, &ng, err)) != MP_OK)
        goto done;
    struct mp_run_result res;
    mp_run_result_of(b->rest, &res);
    mp_goal_result *rest_goals = calloc(res.ngoals + 1, sizeof *rest_goals);
    if (!rest_goals) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < res.ngoals; i++)
        rest_goals[i] = *mp_run_goal(b->rest, i);
    mp_plan *curves = NULL;
    mp_forecast *stay_plan = NULL;
    if ((st = mp_review_plan_curves(rest, mp_run_plan(b->planned), &curves, err)) == MP_OK)
        st = mp_forecast_run(curves, b->stay_alloc, &stay_plan, err);
    mp_plan_free(curves);
    if (st != MP_OK) {
        free(rest_goals);
        goto done;
    }
    mp_review_inputs in = {.planned = mp_run_plan(b->planned), .planned_alloc = mp_run_alloc(b->planned),
                           .planned_fc = mp_run_forecast(b->planned), .done = act->done, .rest = rest,
                           .rest_alloc = res.alloc, .rest_fc = res.fc,
                           .level = res.eq && res.eq->lambda > 0 ? res.eq->lambda : NAN, .stay = b->stay,
                           .stay_plan = stay_plan, .rest_goals = rest_goals, .stay_goals = b->stay_goals};
    st = mp_review_actions_new(&in, &b->actions, err);
    free(rest_goals);
    mp_forecast_free(stay_plan);
    if (st == MP_OK && search)
        st = search_budgets(b, opts, err);
done:
    if (st != MP_OK)
        mp_review_bundle_free(b);
    return st;
}
