#include "cli/planned.h"

#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "mplan/segment.h"

void cli_planned_free(struct cli_planned *p)
{
    free(p->goals);
    free(p->custom);
    mp_forecast_free(p->fc);
    mp_alloc_free(p->alloc);
    mp_plan_free(p->plan);
    mp_host_free(p->host);
    memset(p, 0, sizeof *p);
}

enum mp_status cli_plan_host(const mp_plan *plan, const struct cli_scripts *sc, mp_host **host,
                             mp_error *err)
{
    static const struct cli_scripts defaults = {{0, 0, 0}, 0};
    *host = NULL;
    if (!plan->npacks)
        return MP_OK;
    if (!sc)
        sc = &defaults;
    enum mp_status st = mp_host_new(&sc->limits, host, err); /* the plan's limits fill the 0s */
    if (st == MP_OK) {
        mp_host_set_verbose(*host, sc->verbose);
        if ((st = mp_host_load_plan_packs(*host, plan, err)) != MP_OK) {
            mp_host_free(*host);
            *host = NULL;
        }
    }
    return st;
}

enum mp_status cli_plan_strategies(mp_host *host, mp_plan *plan, mp_error *err)
{
    for (size_t i = 0; i < plan->nstrategies; i++) {
        enum mp_status st = host ? mp_host_run_strategy(host, plan, plan->strategies[i], err)
                                 : mp_fail(err, MP_EINPUT, "%s: strategy '%s': the plan loads no packs", plan->file,
                                           plan->strategies[i]);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

enum mp_status cli_plan_allocate(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                                 double *shortfall, mp_error *err)
{
    *shortfall = 0;
    if (strcmp(plan->allocator, "equalize") != 0)
        return host ? mp_host_run_allocator(host, plan, plan->allocator, budget, out, err)
                    : mp_fail(err, MP_EINPUT, "%s: allocator '%s': the plan loads no packs", plan->file,
                              plan->allocator);
    mp_equalize_info info = {0};
    enum mp_status st = mp_alloc_equalize(plan, budget, out, &info, err);
    *shortfall = info.shortfall;
    return st;
}

static int has_custom(const struct cli_planned *p, const char *name)
{
    for (size_t i = 0; i < p->ncustom; i++)
        if (strcmp(p->custom[i].name, name) == 0)
            return 1;
    return 0;
}

static enum mp_status add_custom(struct cli_planned *p, const char *name, mp_error *err)
{
    if (has_custom(p, name))
        return MP_OK;
    mp_kpi_custom *k = &p->custom[p->ncustom++];
    k->name = name;
    return p->host ? mp_host_run_kpi(p->host, p->plan, p->fc, name, &k->value, err)
                   : mp_fail(err, MP_EINPUT, "%s: goal '%s': the plan loads no packs", p->plan->file, name);
}

/* Every KPI the packs provide is reported; goals on PACK.NAME take their value from it. */
static enum mp_status custom_kpis(struct cli_planned *p, mp_error *err)
{
    const mp_plan *plan = p->plan;
    const char **names = NULL;
    size_t nnames = 0;
    enum mp_status st = p->host ? mp_host_kpi_names(p->host, &names, &nnames, err) : MP_OK;
    if (st == MP_OK && nnames + plan->ngoals && !(p->custom = calloc(nnames + plan->ngoals, sizeof *p->custom)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < nnames; i++)
        st = add_custom(p, names[i], err);
    for (size_t i = 0; st == MP_OK && i < plan->ngoals; i++)
        if (strchr(plan->goals[i].kpi, '.'))
            st = add_custom(p, plan->goals[i].kpi, err);
    free(names);
    return st;
}

enum mp_status cli_plan_run(const mp_plan *plan, const struct cli_scripts *sc, struct cli_planned *out,
                            mp_error *err)
{
    memset(out, 0, sizeof *out);
    enum mp_status st = cli_plan_host(plan, sc, &out->host, err);
    if (st != MP_OK)
        return st;
    if (!(out->plan = mp_plan_clone(plan))) {
        cli_planned_free(out);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    /* Audience sizes from a customers file (segments: {from:, segmenter:}), on every core. */
    st = mp_segment_plan(out->plan, 0, sc ? &sc->limits : NULL, err);
    if (st == MP_OK)
        st = cli_plan_strategies(out->host, out->plan, err);
    if (st == MP_OK && !(out->alloc = mp_alloc_new(out->plan)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK) {
        out->budget = mp_plan_allocatable(out->plan);
        st = cli_plan_allocate(out->host, out->plan, out->budget, out->alloc, &out->shortfall, err);
    }
    if (st == MP_OK)
        st = mp_forecast_run(out->plan, out->alloc, &out->fc, err);
    if (st == MP_OK)
        st = custom_kpis(out, err);
    if (st == MP_OK)
        st = mp_goals_evaluate(out->plan, out->fc, out->custom, out->ncustom, &out->goals, &out->ngoals, err);
    if (st != MP_OK)
        cli_planned_free(out);
    return st;
}
