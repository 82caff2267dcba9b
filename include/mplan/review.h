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

/* ---- what to do with the rest of the horizon ---- */

/* Why a channel's spend over the remaining periods moved from the plan's. */
enum mp_change_why {
    MP_CHANGE_SAME,      /* within half a percent (or one unit of money) of the plan */
    MP_CHANGE_FIXED,     /* fixed spend or fixed cost: not re-allocated */
    MP_CHANGE_MROAS,     /* its marginal ROAS at the planned spend (refitted curves) is below
                          * (cut) or above (raised) the re-allocation's common level */
    MP_CHANGE_MIN,       /* cut to what is left of its min */
    MP_CHANGE_MAX,       /* raised to its max, or to its cap in every active period */
    MP_CHANGE_ALLOCATOR  /* a pack's allocator decided: no common level to compare with */
};

/* One channel's line of the changes vs plan, over the remaining periods. */
typedef struct mp_review_change {
    size_t channel;          /* index into the plan's channels */
    double planned, revised; /* spend: the plan's allocation of those periods, the re-allocation */
    double roas_plan, roas_refit; /* ROAS of the planned spend with the plan's curves and with the
                                   * refitted ones (NAN when it planned nothing) */
    double mroas_planned;    /* marginal ROAS at the planned spend, refitted curves */
    double mroas_level;      /* the re-allocation's common marginal ROAS (NAN: not known) */
    enum mp_change_why why;
} mp_review_change;

enum mp_goal_outlook {
    MP_GOAL_ON_TRACK, /* met with the re-allocation and staying on plan */
    MP_GOAL_CLOSED,   /* met with the re-allocation only */
    MP_GOAL_AT_RISK,  /* missed with the re-allocation */
    MP_GOAL_REACHED   /* already reached in the spent periods */
};

/* A goal of the campaign after the review. Additive goals (those the revised plan reduced)
 * are projected for the whole campaign: what was reached plus the remaining periods'
 * forecast; ratio goals are the remaining periods' forecast. */
typedef struct mp_review_goal {
    const char *kpi;
    double target;          /* as planned */
    int additive;
    double reached;         /* additive: in the spent periods; NAN otherwise */
    double projected, stay; /* with the re-allocation; staying on plan (NAN: unknown) */
    double stay_extra;      /* what staying on plan spends beyond the re-allocation (> 0: more than is left) */
    int lower;              /* lower is better */
    enum mp_goal_outlook outlook;
    size_t rest_goal;       /* index into the revised plan's goals (not for MP_GOAL_REACHED) */
    /* The remaining plan's budget.total now and the one at which the goal would be met (the
     * same reserve share), found by mp_whatif_goal_budget; NAN when not searched or when no
     * budget meets it. */
    double budget_now, budget_needed;
} mp_review_goal;

typedef struct mp_review_actions {
    size_t nchanges, ngoals;
    mp_review_change *change; /* channels that plan or get money in the remaining periods */
    mp_review_goal *goal;     /* the plan's goals, in its order */
    double planned, revised;  /* the changes' spend in total */
    int first;                /* the first remaining period, numbered as in the campaign */
} mp_review_actions;

/* What review computed, as mp_review_actions_new takes it. `planned_*` is the plan's run
 * (channels as the revised plan's), `rest_*` the revised plan's run and `stay` the plan's
 * allocation of the remaining periods forecast on the revised plan (refitted curves). */
typedef struct mp_review_inputs {
    const mp_plan *planned;
    const mp_alloc *planned_alloc;
    const mp_forecast *planned_fc;
    int done;
    const mp_plan *rest;
    const mp_alloc *rest_alloc;
    const mp_forecast *rest_fc;
    double level;             /* equalize's common marginal ROAS on the rest; NAN otherwise */
    const mp_forecast *stay;
    /* the same allocation forecast with the plan's own curves (mp_review_plan_curves): ROAS
     * before and after the refit on one footing (carry-over, deferred GMV); NULL: the plan's
     * forecast of those periods */
    const mp_forecast *stay_plan;
    const mp_goal_result *rest_goals, *stay_goals; /* [rest->ngoals] each */
} mp_review_inputs;

/* A copy of the revised plan `rest` with the response curves and funnels of `planned` (the
 * same channels): what the remaining periods would give if nothing had been refitted. The
 * caller owns *out (mp_plan_free). */
MP_API enum mp_status mp_review_plan_curves(const mp_plan *rest, const mp_plan *planned, mp_plan **out,
                                            mp_error *err);

/* The changes vs plan per channel and the outlook of each goal (budget_needed left NAN).
 * The caller owns *out: free with mp_review_actions_free. */
MP_API enum mp_status mp_review_actions_new(const mp_review_inputs *in, mp_review_actions **out, mp_error *err);
MP_API void mp_review_actions_free(mp_review_actions *a);

#endif
