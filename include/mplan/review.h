/* Review (docs/model.md 9): plan vs actual, refit of each channel's response, and the plan for
 * what is left of the horizon. */
#ifndef MPLAN_REVIEW_H
#define MPLAN_REVIEW_H

#include <stddef.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"
#include "mplan/status.h"

/* Actual results per channel and period (docs/plan-format.md "Actuals"). */
typedef struct mp_actuals {
    size_t nchannels;
    int T;
    int done;             /* periods 1..done are covered: the last period any row names */
    mp_kpis *cell;        /* [C*T] row-major by channel; zero where no row was given */
    unsigned char *seen;  /* [C*T] 1 where a row was given */
    int has_new_customers; /* the file has a new_customers column */
    double *pool;         /* [C*T] favourites + carts (optional columns), 0 where not given */
    int has_pool;         /* the file has a favourites or a carts column */
} mp_actuals;

/* Empty actuals shaped for the plan. The caller owns it: free with mp_actuals_free. */
MP_API mp_actuals *mp_actuals_new(const mp_plan *plan);
MP_API void mp_actuals_free(mp_actuals *a);

enum mp_refit_method {
    MP_REFIT_NONE,    /* no response curve, or no spend in the actuals: parameters kept */
    MP_REFIT_RESCALE, /* beta (or roas) scaled so the curve passes through the observed total */
    MP_REFIT_LSQ      /* beta and k fitted by least squares (>= MP_REFIT_MIN_PERIODS periods) */
};

#define MP_REFIT_MIN_PERIODS 4

/* One channel's refit. `beta`, `k` are the hill/exp parameters, `roas` the linear one. */
typedef struct mp_refit {
    enum mp_refit_method method;
    double beta0, k0, roas0; /* as planned */
    double beta, k, roas;    /* refitted */
    double r2;               /* of the refitted curve on the actual GMV per period; NAN if unfitted */
    int periods;             /* periods of actuals used */
    const char *note;        /* why a least-squares fit fell back to rescaling, or NULL */
    int funnel;              /* the funnel ratios below come from the actuals */
    double aov, cvr, ctr, new_share;
} mp_refit;

/* Plan vs actual over the periods with actuals. Totals are over channels only: actuals have
 * no row for baseline (organic) GMV or budget.fixed lines, so the plan side leaves them out
 * too. An actual new_customers is NAN (unknown) without that column. */
typedef struct mp_review {
    size_t nchannels;
    int done;
    double threshold;         /* |actual / plan - 1| above it puts a channel off plan */
    mp_kpis plan_total, actual_total;
    mp_kpis *plan_channel, *actual_channel; /* [C] */
    mp_kpis *plan_period, *actual_period;   /* [done] */
    unsigned *off;            /* [C] bit (1u << mp_kpi_id) for spend, gmv, roas off plan */
    mp_refit *fit;            /* [C] */
    double spent;             /* money spent in periods 1..done: actuals plus budget.fixed lines */
    /* The pool storage builds, by the phase of the period (storage deferral, model-notes):
     * planned visitors whose purchase waits for the outbreak, and the actual favourites +
     * carts (NAN without those columns). Indexed by phase (0..5). */
    double pool_plan[8], pool_actual[8];
} mp_review;

/* Compare `act` with `planned` (the forecast of the plan's allocation) and refit every
 * channel. The caller owns *out: free with mp_review_free. */
MP_API enum mp_status mp_review_run(const mp_plan *plan, const mp_forecast *planned, const mp_actuals *act,
                                    double threshold, mp_review **out, mp_error *err);
MP_API void mp_review_free(mp_review *rv);

/* The plan for the rest of the horizon: it starts at period done+1, each channel carries the
 * adstock its actual spend left, holds its refitted response and funnel and what is left of
 * its min/max, the budget is what was not spent (the reserve kept at the same amount where
 * it can be), additive goals are reduced by what was reached, events whose outbreak is over
 * are dropped, and `spent:` records the spent periods. `plan` must be as loaded (before
 * strategies). The caller owns *out (mp_plan_free); warnings explain every adjustment. */
MP_API enum mp_status mp_review_revise(const mp_plan *plan, const mp_actuals *act, const mp_review *rv,
                                       mp_plan **out, mp_error *err);

/* The planned allocation's remaining periods on the revised plan: "stay on plan" to compare
 * with the re-allocation. Caller owns it (mp_alloc_free); NULL when out of memory. */
MP_API mp_alloc *mp_review_remaining_alloc(const mp_plan *revised, const mp_alloc *planned, int done);

#endif
