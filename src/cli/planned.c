#include "cli/planned.h"

#include <stdlib.h>
#include <string.h>

#include "core/model.h"

void cli_planned_free(struct cli_planned *p)
{
    free(p->goals);
    mp_forecast_free(p->fc);
    mp_alloc_free(p->alloc);
    mp_plan_free(p->plan);
    memset(p, 0, sizeof *p);
}

enum mp_status cli_planned_forecast(struct cli_planned *p, mp_error *err)
{
    free(p->goals);
    mp_forecast_free(p->fc);
    p->goals = NULL;
    p->fc = NULL;
    enum mp_status st = mp_forecast_run(p->plan, p->alloc, &p->fc, err);
    return st != MP_OK ? st : mp_goals_evaluate(p->plan, p->fc, NULL, 0, &p->goals, &p->ngoals, err);
}

enum mp_status cli_plan_run(const mp_plan *plan, struct cli_planned *out, mp_error *err)
{
    memset(out, 0, sizeof *out);
    if (strcmp(plan->allocator, "equalize") != 0 || plan->nstrategies)
        return mp_fail(err, MP_EINPUT, "%s: allocator '%s' and strategies of rule packs are not supported here yet",
                       plan->file, plan->allocator);
    enum mp_status st = MP_ENOMEM;
    if (!(out->plan = mp_plan_clone(plan)) || !(out->alloc = mp_alloc_new(out->plan))) {
        cli_planned_free(out);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    out->budget = mp_plan_allocatable(out->plan);
    mp_equalize_info info = {0};
    st = mp_alloc_equalize(out->plan, out->budget, out->alloc, &info, err);
    out->shortfall = info.shortfall;
    if (st == MP_OK)
        st = cli_planned_forecast(out, err);
    if (st != MP_OK)
        cli_planned_free(out);
    return st;
}
