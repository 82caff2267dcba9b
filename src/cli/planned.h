/* A plan run the way `mplan run` runs it (rule packs' strategies, the allocator, forecast,
 * custom KPIs, goals), for the commands that start from the planned allocation: whatif,
 * review, report, calendar. */
#ifndef MPLAN_CLI_PLANNED_H
#define MPLAN_CLI_PLANNED_H

#include "cli/cli.h"
#include "mplan/alloc.h"
#include "mplan/host.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"

struct cli_planned {
    mp_host *host;        /* the plan's packs, NULL when it loads none */
    mp_plan *plan;        /* a copy of the plan, strategies applied */
    double budget;        /* allocatable */
    mp_alloc *alloc;
    mp_forecast *fc;
    mp_kpi_custom *custom; /* values of the packs' KPIs and of the goals' PACK.NAME KPIs */
    size_t ncustom;
    mp_goal_result *goals;
    size_t ngoals;
    double shortfall;     /* objective goal: GMV the budget cannot reach */
    mp_equalize_info eq;  /* what equalize reported (allocator equalize only) */
    int have_eq;
    /* A pack's allocator that misses the plan's objective: its value and equalize's (the
     * optimum for concave curves); both NAN when it meets it or the allocator is equalize. */
    double objective_reached, objective_best;
};

/* A host with the plan's packs; *host stays NULL when the plan loads no packs. `sc` may be
 * NULL (the plan's limits, no traceback). */
enum mp_status cli_plan_host(const mp_plan *plan, const struct cli_scripts *sc, mp_host **host,
                             mp_error *err);
/* The plan's strategies, in order. */
enum mp_status cli_plan_strategies(mp_host *host, mp_plan *plan, mp_error *err);
/* The plan's allocator: equalize, or the pack's (checked against every constraint). */
enum mp_status cli_plan_allocate(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                                 double *shortfall, mp_error *err);

/* The same, with what equalize reports in *info (have = 0 for another allocator). */
enum mp_status cli_plan_allocate_info(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                                      mp_equalize_info *info, int *have, mp_error *err);

/* Run `plan` (left as it is). On success free `out` with cli_planned_free. */
enum mp_status cli_plan_run(const mp_plan *plan, const struct cli_scripts *sc, struct cli_planned *out,
                            mp_error *err);
void cli_planned_free(struct cli_planned *p);

#endif
