/* Goal attainment: how far the forecast totals reach each goal of the plan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "mplan/kpi.h"

/* Relative slack so that a goal met exactly by the optimiser is not reported as missed. */
#define MP_GOAL_SLACK 1e-9

enum mp_status mp_goals_evaluate(const mp_plan *plan, const mp_forecast *fc,
                                 const mp_kpi_custom *custom, size_t ncustom,
                                 mp_goal_result **out, size_t *n, mp_error *err)
{
    *out = NULL;
    *n = 0;
    mp_goal_result *res = calloc(plan->ngoals + 1, sizeof *res);
    if (!res)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; i < plan->ngoals; i++) {
        const struct mp_goal *g = &plan->goals[i];
        mp_goal_result *r = &res[i];
        int id = mp_kpi_lookup(g->kpi);
        int higher = 1;
        r->kpi = g->kpi;
        r->target = g->target;
        r->forecast = NAN;
        if (id >= 0) {
            r->forecast = mp_kpi_value(&fc->total, plan->margin, (enum mp_kpi_id)id);
            higher = mp_kpi_higher_is_better((enum mp_kpi_id)id);
        } else {
            for (size_t j = 0; j < ncustom; j++)
                if (strcmp(custom[j].name, g->kpi) == 0) {
                    r->forecast = custom[j].value;
                    higher = !custom[j].lower;
                }
        }
        if (isnan(r->forecast)) {
            r->attainment = NAN;
            r->met = 0;
        } else if (higher) {
            r->attainment = r->target != 0 ? r->forecast / r->target : NAN;
            r->met = r->forecast >= r->target * (1 - MP_GOAL_SLACK) - MP_GOAL_SLACK;
        } else {
            r->attainment = r->forecast != 0 ? r->target / r->forecast : NAN;
            r->met = r->forecast <= r->target * (1 + MP_GOAL_SLACK) + MP_GOAL_SLACK;
        }
        r->lower = !higher;
    }
    *out = res;
    *n = plan->ngoals;
    return MP_OK;
}

enum mp_status mp_goals_evaluate_by(const mp_plan *plan, const mp_forecast *fc, mp_custom_kpi_fn kpi, void *ctx,
                                    mp_goal_result **out, size_t *n, mp_error *err)
{
    mp_kpi_custom *custom = calloc(plan->ngoals + 1, sizeof *custom);
    if (!custom)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    size_t ncustom = 0;
    enum mp_status st = MP_OK;
    for (size_t i = 0; kpi && st == MP_OK && i < plan->ngoals; i++)
        if (strchr(plan->goals[i].kpi, '.')) {
            custom[ncustom].name = plan->goals[i].kpi;
            st = kpi(ctx, plan, fc, &custom[ncustom], err);
            ncustom += st == MP_OK;
        }
    if (st == MP_OK)
        st = mp_goals_evaluate(plan, fc, custom, ncustom, out, n, err);
    free(custom);
    return st;
}
