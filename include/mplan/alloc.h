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

/* Why equalize stopped looking for a better allocation. */
enum mp_equalize_stop {
    MP_STOP_EXACT = 0, /* every optimised curve is concave: the answer is the optimum */
    MP_STOP_GAP = 1,   /* S-curves: the certified gap fell below MP_EQUALIZE_GAP_GOAL */
    MP_STOP_WORK = 2,  /* S-curves: the work limit came first; `gap` says how far it may be */
    MP_STOP_NONE = 3   /* no bound, the gap is unknown (every objective now gets one; kept for its number) */
};

/* The certified gap equalize searches down to with S-curves. */
#define MP_EQUALIZE_GAP_GOAL 1e-4

/* What equalize reports beside the allocation. */
typedef struct mp_equalize_info {
    int iterations;       /* Newton steps (or candidate evaluations for S-curves) */
    int concave;          /* 1 when every optimised curve is concave: the answer is the optimum */
    double objective;     /* value of the plan's objective at the answer */
    double lambda;        /* common marginal GMV of interior channel-periods */
    double shortfall;     /* objective goal: GMV still missing when the budget cannot reach it */
    double bound;         /* no allocation has a higher objective (concave envelope of each
                           * S-curve); = objective when concave; NAN when unknown */
    double gap;           /* certified gap (bound - objective) / |bound|: 0 when concave, NAN
                           * when unknown */
    double shadow;        /* d(optimal GMV)/d(budget): lambda where the budget binds, else 0
                           * (also with nothing to decide) */
    int starts;           /* S-curves: local solves run */
    enum mp_equalize_stop stop;
} mp_equalize_info;

/* 1 when the answer is the optimum: every curve concave, or a certified gap of 0 (to 1e-7,
 * the accuracy of the bound).
 * An S-curve answer within MP_EQUALIZE_GAP_GOAL is near-optimal, not optimal: see `gap`. */
MP_API int mp_equalize_optimal(const mp_equalize_info *info);

/* "exact", "gap", "work limit" or "no bound". */
MP_API const char *mp_equalize_stop_name(enum mp_equalize_stop stop);

/* The built-in allocator (docs/model.md 7): fills the optimised channels of `out` spending at
 * most `budget` under the plan's objective and constraints. `info` may be NULL. */
MP_API enum mp_status mp_alloc_equalize(const mp_plan *plan, double budget, mp_alloc *out,
                                        mp_equalize_info *info, mp_error *err);

/* The same from a warm start: `start` (an allocation of the same plan, say the previous
 * budget of a what-if sweep; NULL: none) is a candidate when it meets every constraint at
 * `budget`, and S-curve searches start from it too, so the answer is never below it.
 * `start` must not be `out`. */
MP_API enum mp_status mp_alloc_equalize_from(const mp_plan *plan, double budget, const mp_alloc *start,
                                             mp_alloc *out, mp_equalize_info *info, mp_error *err);

/* How an S-curve channel (hill s > 1) spends: in pulses or always on, and why. */
typedef struct mp_pulse {
    int scurve;          /* 0: not an S-curve, the rest is 0 */
    int on, off;         /* active periods with spend, without */
    int bursts;          /* runs of consecutive periods with spend */
    double knee;         /* adstock from which the curve returns most per unit: k (s-1)^(1/s);
                          * below it spend buys less than its share */
    double peak;         /* largest adstock of the allocation */
    double low;          /* least adstock of a period with spend (0: none) */
} mp_pulse;

/* The pulse pattern of channel c in `alloc`. */
MP_API mp_pulse mp_alloc_pulse(const mp_plan *plan, const mp_alloc *alloc, size_t c);

/* The highest marketing ROAS any allocation of at most `budget` reaches (over the most-GMV
 * allocation of each total spend), and the total spend where it does: what an unreachable
 * `target_roas` can be lowered to. */
MP_API enum mp_status mp_alloc_best_roas(const mp_plan *plan, double budget, double *roas,
                                         double *spend, mp_error *err);

/* Check an allocation against every constraint of docs/model.md 7; the message names channel,
 * period and constraint. `who` names the allocator in the message. */
MP_API enum mp_status mp_alloc_check(const mp_plan *plan, const mp_alloc *alloc, double budget,
                                     const char *who, mp_error *err);

#endif
