/* Allocations: spend per channel and period, the built-in optimiser and the checker. */
#ifndef MPLAN_ALLOC_H
#define MPLAN_ALLOC_H

#include <stddef.h>

#include "mplan/export.h"
#include "mplan/plan.h"

/* spend[c*T + t] for every channel c and period t (0-based), fixed lines included. */
typedef struct mp_alloc {
    size_t nchannels;
    int T;
    double *spend;
} mp_alloc;

/* A zero allocation shaped for the plan, with fixed-spend and fixed-cost channels filled in.
 * The caller owns it: free with mp_alloc_free. NULL when out of memory. */
MP_API mp_alloc *mp_alloc_new(const mp_plan *plan);
MP_API void mp_alloc_free(mp_alloc *alloc);

/* What equalize reports beside the allocation. */
typedef struct mp_equalize_info {
    int iterations;       /* Newton steps (or candidate evaluations for S-curves) */
    int concave;          /* 1 when every optimised curve is concave: the answer is the optimum */
    double objective;     /* value of the plan's objective at the answer */
    double lambda;        /* common marginal GMV of interior channel-periods */
    double shortfall;     /* objective goal: GMV still missing when the budget cannot reach it */
} mp_equalize_info;

/* The built-in allocator (model.md 7): fills the optimised channels of `out` spending at
 * most `budget` under the plan's objective and constraints. `info` may be NULL. */
MP_API enum mp_status mp_alloc_equalize(const mp_plan *plan, double budget, mp_alloc *out,
                                        mp_equalize_info *info, mp_error *err);

/* The highest marketing ROAS any allocation of at most `budget` reaches (over the most-GMV
 * allocation of each total spend), and the total spend where it does: what an unreachable
 * `target_roas` can be lowered to. */
MP_API enum mp_status mp_alloc_best_roas(const mp_plan *plan, double budget, double *roas,
                                         double *spend, mp_error *err);

/* Check an allocation against every constraint of model.md 7; the message names channel,
 * period and constraint. `who` names the allocator in the message. */
MP_API enum mp_status mp_alloc_check(const mp_plan *plan, const mp_alloc *alloc, double budget,
                                     const char *who, mp_error *err);

#endif
