/* A/B tests: designing them and reading them out (docs/abtest.md). Pure math: no I/O, no
 * Lua. The distributions first, then the per-comparison statistics, then the whole analysis
 * of a test (every variant against the control), then the sample size of `abtest design`. */
#ifndef MPLAN_ABTEST_H
#define MPLAN_ABTEST_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/export.h"
#include "mplan/status.h"

/* ---- distributions ---- */

/* Standard normal CDF and its inverse (p in (0,1); +-inf at 0 and 1). */
MP_API double mp_stat_norm_cdf(double x);
MP_API double mp_stat_norm_ppf(double p);
/* Regularized incomplete beta I_x(a, b), a, b > 0, x in [0,1]. */
MP_API double mp_stat_beta_inc(double a, double b, double x);
/* Student's t: upper tail P(T > t) with df degrees of freedom (df may be huge), and the
 * quantile: P(T <= q) = p. */
MP_API double mp_stat_t_sf(double t, double df);
MP_API double mp_stat_t_ppf(double p, double df);
/* Chi-square upper tail P(X > x) with k degrees of freedom. */
MP_API double mp_stat_chi2_sf(double x, double k);
/* P(X > Y) for independent X ~ Beta(a1, b1), Y ~ Beta(a2, b2), by adaptive quadrature to
 * about 1e-12: deterministic, no sampling noise. */
MP_API double mp_stat_beta_prob_greater(double a1, double b1, double a2, double b2);

/* ---- one comparison ---- */

/* A two-sided interval. */
typedef struct mp_ab_ci {
    double lo, hi;
} mp_ab_ci;

/* Wilson score interval of x successes in n trials at level 1 - alpha. */
MP_API mp_ab_ci mp_stat_wilson(double x, double n, double alpha);
/* Newcombe's hybrid score interval (his method 10) of p1 - p2. */
MP_API mp_ab_ci mp_stat_newcombe(double x1, double n1, double x2, double n2, double alpha);
/* The interval of p1 / p2 on the log scale with 0.5 added to each count and each arm's n
 * (statsmodels' "log-adjusted"), defined with zero counts too. */
MP_API mp_ab_ci mp_stat_ratio_ci(double x1, double n1, double x2, double n2, double alpha);
/* Two-sided p-value of the pooled two-proportion z-test (1 when nothing varies). */
MP_API double mp_stat_prop_ztest(double x1, double n1, double x2, double n2);

/* Welch's t-test of mean1 - mean2 from each arm's n, mean and sample variance. */
typedef struct mp_ab_welch {
    double diff, se, df, t, p;
    mp_ab_ci ci;     /* of the difference, at 1 - alpha */
    mp_ab_ci rel_ci; /* of mean1 / mean2 - 1, delta method */
} mp_ab_welch;
MP_API mp_ab_welch mp_stat_welch(double n1, double mean1, double var1, double n2, double mean2, double var2,
                                 double alpha);

/* Bayesian read-out of conversions with a Beta(a, b) prior: P(p_test > p_ctrl) and the
 * expected loss of choosing the test arm, E[max(p_ctrl - p_test, 0)]. */
MP_API double mp_stat_prob_beat(double x_test, double n_test, double x_ctrl, double n_ctrl, double prior_a,
                                double prior_b);
MP_API double mp_stat_expected_loss(double x_test, double n_test, double x_ctrl, double n_ctrl,
                                    double prior_a, double prior_b);

/* Holm's step-down adjustment of n p-values; allocates nothing (p_adj may be p when n <= 64). */
MP_API void mp_stat_holm(const double *p, double *p_adj, size_t n);

/* Sample-ratio mismatch: chi-square goodness of fit of the arms' visitors against the
 * planned shares (NULL: equal; any positive weights, normalised). Returns the p-value. */
MP_API double mp_stat_srm(const double *visitors, const double *shares, size_t n, double *chi2);

/* mSPRT (Johari et al. 2017) with a normal mixture N(0, tau2) over the effect: the
 * always-valid p-value of an estimate `diff` whose variance is `v`, and the confidence
 * sequence around it at level 1 - alpha. */
MP_API double mp_stat_msprt_p(double diff, double v, double tau2);
MP_API mp_ab_ci mp_stat_msprt_ci(double diff, double v, double tau2, double alpha);
/* The mixing variance used by `--sequential`: tau2 = s2 * rho2 with
 * rho2 = (-2 ln alpha + ln(1 - 2 ln alpha)) / horizon, which makes the confidence sequence
 * narrowest after `horizon` visitors per arm (Howard et al. 2021); s2 is the per-visitor
 * variance of the difference (the two arms' variances added). */
MP_API double mp_stat_msprt_tau2(double s2, double horizon, double alpha);

/* ---- the analysis of a test ---- */

enum mp_ab_kind {
    MP_AB_PROPORTION, /* conversions: each visitor 0 or 1 */
    MP_AB_MEAN        /* revenue or another number per visitor */
};

/* One metric of one arm: visitors, sum, and for means the sample variance (NAN: unknown,
 * then no interval); the bootstrap of a mean's lift when per-visitor rows were read. */
typedef struct mp_ab_cell {
    double n, sum, var;
    const double *boot; /* [nboot] replicate means, or NULL */
} mp_ab_cell;

typedef struct mp_ab_metric_in {
    const char *name;
    enum mp_ab_kind kind;
    int guardrail;      /* reported and flagged, not the primary metric */
    int lower_is_worse; /* guardrail direction: a drop is the bad way (default: a rise) */
    const mp_ab_cell *cells; /* [narms] */
} mp_ab_metric_in;

typedef struct mp_ab_opts {
    double alpha;      /* two-sided level, default 0.05 */
    double prior_a, prior_b; /* Beta prior of conversion rates, default 1, 1 */
    const double *split; /* planned shares per arm, NULL: equal */
    double srm_alpha;  /* SRM flagged below this p-value, default 0.001 */
    int sequential;    /* mSPRT p-values and confidence sequences */
    double horizon;    /* planned visitors per arm; 0: not given */
    size_t nboot;      /* bootstrap replicates in each cell's `boot` */
} mp_ab_opts;

/* Every statistic of one metric for one arm (against the control); NAN where it does not
 * apply (the control's lifts, a mean's Bayesian figures). */
typedef struct mp_ab_stat {
    double n, value;      /* visitors; rate or mean */
    mp_ab_ci value_ci;    /* Wilson (rates), t (means) */
    double diff;          /* absolute lift: value - control's */
    mp_ab_ci diff_ci;     /* Newcombe (rates), Welch (means) */
    double rel;           /* relative lift: value / control's - 1 */
    mp_ab_ci rel_ci;      /* log-adjusted ratio (rates), delta method (means) */
    mp_ab_ci boot_ci;     /* percentile bootstrap of the absolute lift (means with rows) */
    mp_ab_ci boot_rel_ci; /* ... and of the relative lift */
    double p, p_holm;     /* two-sided; Holm over the variants of this metric */
    double prob_beat, loss; /* rates: P(beats control), expected loss of choosing it */
    double seq_p;         /* --sequential: always-valid p-value */
    mp_ab_ci seq_ci;      /* --sequential: confidence sequence of the absolute lift */
    int significant;      /* the interval in force excludes 0 */
    int degraded;         /* guardrail moved significantly the bad way */
} mp_ab_stat;

typedef struct mp_ab_result {
    size_t narms, nmetrics, control;
    double srm_chi2, srm_p;
    int srm;              /* 1: mismatch */
    double tau2;          /* --sequential: mixing variance of the primary metric */
    mp_ab_stat *stats;    /* [metric * narms + arm] */
} mp_ab_result;

/* Analyse narms arms (arm `control` the control) over nmetrics metrics; metric 0 is the
 * primary one. MP_EINPUT for impossible data (an arm without visitors, conversions above
 * visitors), naming arm and metric. The caller owns *out: mp_ab_result_free. */
MP_API enum mp_status mp_ab_analyze(size_t narms, const char *const *arm_names, size_t control,
                                    const mp_ab_metric_in *metrics, size_t nmetrics, const mp_ab_opts *opts,
                                    mp_ab_result **out, mp_error *err);
MP_API void mp_ab_result_free(mp_ab_result *res);
/* The statistics of metric `metric` for arm `arm`. */
MP_API const mp_ab_stat *mp_ab_result_stat(const mp_ab_result *res, size_t metric, size_t arm);

/* ---- the streaming accumulator for per-visitor rows ---- */

/* Per arm and per numeric column: count, mean and sum of squared deviations (Welford), and
 * for one column a Poisson bootstrap (Chamandy et al. 2012: each row weighs Poisson(1) in
 * each replicate, so it streams in constant memory), seeded, so the same file gives the
 * same interval. */
typedef struct mp_ab_acc mp_ab_acc;
/* `ncols` numbers per row; column `boot_col` is bootstrapped (-1: none) with nboot
 * replicates. The caller owns *out: mp_ab_acc_free. */
MP_API enum mp_status mp_ab_acc_new(size_t ncols, long boot_col, size_t nboot, uint64_t seed, mp_ab_acc **out,
                                    mp_error *err);
MP_API void mp_ab_acc_free(mp_ab_acc *acc);
/* The index of arm `name` (len bytes), added when new; -1 when out of memory. */
MP_API long mp_ab_acc_arm(mp_ab_acc *acc, const char *name, size_t len);
/* Add one visitor of arm `arm`: ncols numbers. */
MP_API void mp_ab_acc_add(mp_ab_acc *acc, size_t arm, const double *values);
MP_API size_t mp_ab_acc_narms(const mp_ab_acc *acc);
MP_API const char *mp_ab_acc_arm_name(const mp_ab_acc *acc, size_t arm);
/* Column `col` of arm `arm` as a cell (n, sum, sample variance, bootstrap means). Finishes
 * the bootstrap on first use; valid until the accumulator is freed. */
MP_API mp_ab_cell mp_ab_acc_cell(mp_ab_acc *acc, size_t arm, size_t col);

/* ---- design ---- */

/* Visitors per arm (not rounded) for a two-sided test at level alpha with the given power
 * to detect the standardised effect `effect` (Cohen's h for rates, difference / sd for
 * means) with equal arms: the normal power equation solved exactly (statsmodels'
 * NormalIndPower). NAN when effect is 0. */
MP_API double mp_ab_sample_size(double effect, double alpha, double power);
/* Cohen's h between rates p1 and p2: 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)). */
MP_API double mp_stat_cohen_h(double p1, double p2);

/* `abtest design`: the inputs, then what mp_ab_design_solve fills in. */
typedef struct mp_ab_design {
    int revenue;       /* metric: 0 conversion, 1 revenue per visitor */
    double baseline;   /* conversion rate, or mean revenue per visitor */
    double sd;         /* revenue: per-visitor standard deviation */
    double mde;        /* minimum detectable effect: relative (mde_rel) or absolute */
    int mde_rel;
    double alpha, power;
    int variants;      /* arms, control included */
    double traffic;    /* visitors per day over all arms, 0: not given */
    /* results */
    double alpha_each; /* per comparison with the control: alpha / (variants - 1) */
    double effect;     /* standardised: Cohen's h, or difference / sd */
    double n_exact, n; /* visitors per arm, exact and rounded up */
    double days;       /* NAN without traffic */
    size_t nrows;      /* the table against MDE: relative MDEs and visitors per arm */
    double rows_mde[16], rows_n[16];
} mp_ab_design;

/* Solve a design. MP_EUSAGE when the inputs admit none (a target rate outside (0,1), no sd
 * for revenue, an MDE of 0, fewer than 2 variants). */
MP_API enum mp_status mp_ab_design_solve(mp_ab_design *d, mp_error *err);

#endif
