/* Writers for the result of `mplan run`: terminal tables, CSV, and the JSON of docs/plan-format.md. */
#ifndef MPLAN_IO_RUN_OUT_H
#define MPLAN_IO_RUN_OUT_H

#include <stdio.h>

#include "mplan/alloc.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"

struct mp_run_result {
    const mp_plan *plan;
    const mp_alloc *alloc;
    const mp_forecast *fc;
    const mp_goal_result *goals;
    size_t ngoals;
    const mp_kpi_custom *custom; /* values of custom KPIs (PACK.NAME) */
    size_t ncustom;
    const char *allocator;
    double allocatable;
    double shortfall; /* objective goal: GMV the budget cannot reach; 0 otherwise */
    const mp_equalize_info *eq; /* what equalize reported; NULL for another allocator */
    /* A pack's allocator missed the plan's objective: the objective's value it reached
     * (-inf: a target not met) and equalize's. */
    int objective_missed;
    double objective_reached, objective_best;
    int t0; /* the table numbers periods from t0 + 1 (review's remaining periods, as in the campaign) */
};

/* "within 0.03% of the best possible (...)" for an S-curve answer of equalize; "" when
 * there is nothing to say (a concave plan's answer is exact). */
const char *mp_run_gap_text(char *buf, size_t n, const mp_equalize_info *eq);
/* Channel c's pulse, and why ("pulses: on 5 of 13 weeks in 2 bursts, ..."); "" for a
 * channel without an S-curve. */
const char *mp_run_pulse_text(char *buf, size_t n, const mp_plan *plan, const mp_alloc *alloc, size_t c);
/* A marginal return for JSON: a number, "inf" for an infinite first-dollar return, null
 * when absent. */
struct json_t *mp_json_mroas(double v);

enum mp_status mp_run_write_table(FILE *fp, const struct mp_run_result *r, mp_error *err);
/* One row per channel and period: the tidy form for spreadsheets and pandas. */
enum mp_status mp_run_write_csv(FILE *fp, const struct mp_run_result *r, mp_error *err);
enum mp_status mp_run_write_json(FILE *fp, const struct mp_run_result *r, mp_error *err);

/* The JSON object of one scope's KPIs (docs/model.md 6; absent ratios are null); the caller owns it.
 * Shared with other JSON writers (whatif, review). */
struct json_t;
struct json_t *mp_json_kpis(const mp_kpis *k, double margin);
/* A JSON number, or null for NAN and infinities. */
struct json_t *mp_json_num(double v);
/* Print `root` (the reference is stolen) with jansson's `flags` and a newline, or nothing:
 * MP_ENOMEM when `bad` (a jansson call that built it failed) or when `root` is NULL. */
enum mp_status mp_json_print(FILE *fp, struct json_t *root, size_t flags, int bad, mp_error *err);

#endif
