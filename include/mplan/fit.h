/* Response curves from history (docs/fit.md): the estimation engine behind `mplan fit` and
 * `mplan review`'s refit. The model is the plan's own: per period
 *
 *     y[t] = sum_j gamma_j z_j[t] + sum_c beta_c X_c[t]
 *     X_c[t] = w_c[t] g_c(a_c[t]) + (deferred part of earlier periods converting in t)
 *     a_c[t] = x_c[t] + theta_c a_c[t-1]
 *
 * with g the curve at beta = 1 (hill a^s/(k^s + a^s), exp 1 - e^(-a/k), linear a), z the
 * baseline's regressors (level, trend, season, events) and w the demand multipliers. For fixed
 * (k, s, theta) it is linear in (gamma, beta): those are solved by non-negative least squares
 * and only the curve shapes are searched (variable projection, bounded Levenberg-Marquardt). */
#ifndef MPLAN_FIT_H
#define MPLAN_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/plan.h"
#include "mplan/status.h"

enum mp_fit_family { MP_FIT_AUTO, MP_FIT_HILL, MP_FIT_EXP, MP_FIT_LINEAR };
/* A channel's parameters; for a linear curve MP_FIT_BETA holds its roas. */
enum mp_fit_param { MP_FIT_BETA, MP_FIT_K, MP_FIT_S, MP_FIT_THETA, MP_FIT_NPARAM };

#define MP_FIT_THETA_MAX 0.9
#define MP_FIT_S_MIN 0.3
#define MP_FIT_S_MAX 3.0
#define MP_FIT_K_RANGE 20.0  /* k searched within this factor of kref = mean spend (where > 0) / 0.7 */
#define MP_FIT_K_ADSTOCK 3.0 /* store totals: k from the smallest spend / it to it x the largest adstock */
#define MP_FIT_CONVEX_AICC 10.0 /* store totals: s > 1 kept only when it lowers AICc by more than this */
#define MP_FIT_CONVEX_HINT 2.0  /* ... and when it lowered AICc by more than this, the warning says so */
#define MP_FIT_ROAS_LOOSE 0.5   /* a ROAS whose standard error from the history alone is above this share
                                 * of it is warned: the history does not pin it down */
#define MP_FIT_STORE_PRIOR 0.01 /* store totals by default: the first fit's ridge weight ... */
#define MP_FIT_PRIOR_SD 0.4     /* ... then the weight that makes the ridge a prior of this spread */
#define MP_FIT_GUARD_SPEND 1.5  /* --write-plan caps a curve that does not bend within the history
                                 * at this times the history's largest spend in a period */
#define MP_FIT_GUARD_BEND 0.5   /* ... when its marginal ROAS there is at least this share of the
                                 * marginal ROAS at the mean spend */
#define MP_FIT_CORR_WARN 0.9 /* two channels' spends correlated above it: warned */
#define MP_FIT_STARTS_AGREE 2 /* the default search of one channel's curve stops once this many starts
                                 * reach the best minimum (to MP_FIT_AGREE_TOL relative) */
#define MP_FIT_AGREE_TOL 1e-9
#define MP_FIT_CV_MIN 0.1    /* a spend whose coefficient of variation is below it barely varied */

typedef struct mp_fit_channel_in {
    const char *id;
    const double *spend;       /* [T] */
    const double *weight;      /* [T] weight of g(a[t]) in period t (demand multiplier); NULL: 1 */
    const double *defer;       /* [T] weight of g(a[t]) converting in event defer_to[t]'s outbreak
                                * instead (storage deferral); NULL: none */
    double carry0;             /* adstock before period 1 */
    enum mp_fit_family family; /* MP_FIT_AUTO: chosen by AICc among hill, exp, linear */
    int has_prior;             /* prior[] holds the plan's values (a start, the ridge's centre) */
    double prior[MP_FIT_NPARAM];
    unsigned fixed;            /* bit (1u << p): k, s or theta held at prior[p] */
} mp_fit_channel_in;

/* A lift test: the channel's incremental GMV in periods [from, to] (0-based, inclusive),
 * with its interval [lo, hi] at `level` (0.9 or 0.95). */
typedef struct mp_fit_experiment {
    size_t channel;
    int from, to;
    double gmv, lo, hi, level;
} mp_fit_experiment;

typedef struct mp_fit_problem {
    int T;
    const double *y;           /* [T] observed GMV */
    const unsigned char *use;  /* [T] 1 where y is observed; NULL: every period */
    size_t nchannels;
    const mp_fit_channel_in *channels;
    size_t nbase;              /* baseline regressors z_j, [nbase*T] period-major per column */
    const double *base;
    const char *const *base_names;
    const unsigned char *base_nonneg; /* [nbase] 1: gamma_j >= 0; NULL: all free */
    size_t nevents;            /* storage deferral: spread[e*T+t] is the share of event e's */
    const int *defer_to;       /* deferred response converting in t; defer_to[t] the event of t */
    const double *spread;
    size_t nexperiments;
    const mp_fit_experiment *experiments;
    int holdout;               /* last periods kept out of the estimate; < 0: T/8 */
    int starts;                /* deterministic starts; 0: 8 */
    double prior_weight;       /* ridge toward the priors, in units of the total sum of squares */
    double prior_sd;           /* > 0: after a first fit at prior_weight, the ridge's weight is set
                                * to s2 / prior_sd^2 (s2 its residual variance): a prior of this
                                * spread on the scaled deviations, whatever the noise */
    int bootstrap;             /* moving-block bootstrap draws; 0: none */
    uint64_t seed;
    int quick;                 /* one start, no family choice, no holdout: review's refit */
    int store_total;           /* a marketing-mix model of store totals: k within the adstock the
                                * history shows, concave curves unless the data demand s > 1 */
} mp_fit_problem;

typedef struct mp_fit_metrics {
    int periods;
    double r2, nrmse, mape;
} mp_fit_metrics;

#define MP_FIT_MSG 320

typedef struct mp_fit_channel {
    enum mp_fit_family family;
    char reason[MP_FIT_MSG];   /* why this family */
    double p[MP_FIT_NPARAM];   /* estimates */
    double se[MP_FIT_NPARAM];  /* standard errors (NAN where not estimated or at a bound) */
    double ci90[MP_FIT_NPARAM][2]; /* bootstrap 90% intervals (NAN without --bootstrap) */
    unsigned estimated;        /* bit (1u << p): fitted (not held at a prior or absent) */
    unsigned at_bound;         /* bit (1u << p): at a bound */
    double mean_spend, roas_mean, roas_ci90[2], mroas_mean, mroas_ci90[2];
    double spend, contribution, spend_share, effect_share;
    size_t nwarnings;
    char (*warnings)[MP_FIT_MSG];
} mp_fit_channel;

typedef struct mp_fit {
    int T, periods, starts;    /* periods: those the final estimate used */
    int holdout;
    double prior_sd;           /* the ridge's spread, where its weight followed the noise (0: none) */
    double prior_weight;       /* the ridge's final weight, in units of the total sum of squares of the
                                * periods fitted (0: none, or no channel has a prior) */
    double sse;
    mp_fit_metrics in, hold;   /* hold.periods 0: no holdout */
    double dw;                 /* Durbin-Watson of the in-sample residuals */
    size_t nbase;
    double *base_coef, *base_se; /* [nbase] */
    size_t nchannels;
    mp_fit_channel *ch;        /* [C] */
    double *y;                 /* [T] the observations */
    double *fitted;            /* [T] */
    double *hold_pred;         /* [T] the estimate without the holdout, NULL without one */
    double *contrib;           /* [C*T] each channel's GMV per period */
    int ndraws;
    double *draws;             /* [ndraws*C*MP_FIT_NPARAM] bootstrap draws of p */
    size_t nexperiments;
    double *exp_uncal, *exp_cal; /* [nexperiments] the model's GMV in each window, before/after */
    size_t nwarnings;
    char (*warnings)[MP_FIT_MSG];
} mp_fit;

/* Estimate. MP_EINPUT when there are too few periods for the parameters (the message gives
 * the count needed). The caller owns *out: free with mp_fit_free. */
MP_API enum mp_status mp_fit_run(const mp_fit_problem *pb, mp_fit **out, mp_error *err);
MP_API void mp_fit_free(mp_fit *fit);
/* Metrics of the sums of several fits' observations and predictions (per-channel fits of one
 * history, all with the same periods and holdout): in sample, holdout, Durbin-Watson; and each
 * channel's spend and effect shares, against the totals of all n fits. */
MP_API void mp_fit_pool(mp_fit *const *fits, size_t n, mp_fit_metrics *in, mp_fit_metrics *hold, double *dw);
MP_API const char *mp_fit_family_name(enum mp_fit_family f);
/* ROAS and marginal ROAS of the curve p (beta or roas, k, s, theta) at a steady spend x each
 * period, demand 1 (adstock x / (1 - theta)); NAN for x <= 0. */
MP_API void mp_fit_roas_at(enum mp_fit_family fam, const double *p, double x, double *roas, double *mroas);

/* The spread of a plan's forecast under the bootstrap draws of its fitted curves (`draws:`):
 * P10, P50, P90 of total GMV, ROAS and each goal's attainment, and the share of draws in
 * which each goal is met (goals on a pack's KPI: NAN, not evaluated per draw). */
typedef struct mp_uncertainty {
    size_t ndraws;
    double gmv[3], roas[3];
    size_t ngoals;
    const char **goal_kpi;   /* [ngoals] borrowed from the plan */
    double (*goal)[3];       /* [ngoals] attainment P10, P50, P90 */
    double *goal_met;        /* [ngoals] */
} mp_uncertainty;

/* Forecast `alloc` once per draw. MP_EINPUT when no channel has draws. The caller owns *out:
 * free with mp_uncertainty_free. */
MP_API enum mp_status mp_fit_uncertainty(const mp_plan *plan, const mp_alloc *alloc, mp_uncertainty **out,
                                         mp_error *err);
MP_API void mp_uncertainty_free(mp_uncertainty *u);

/* Least squares min |A x - b| with x[j] >= 0 where nonneg[j] (NULL: all), the others free
 * (Lawson and Hanson's active set). A is m x n column-major. 0, or -1 out of memory. */
MP_API int mp_fit_nnls(const double *A, size_t m, size_t n, const double *b, const unsigned char *nonneg,
                       double *x);

#endif
