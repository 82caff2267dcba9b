/* The fit engine: NNLS on problems solved by hand, recovery of the parameters of noiseless
 * histories generated here with the model's formulas written out again, and every warning. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mplan/fit.h"

static void near_rel(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol * fmax(1e-12, fabs(want)))) {
        fprintf(stderr, "%s: got %.17g, want %.17g (tolerance %g relative)\n", what, got, want, tol);
        fail();
    }
}

/* min (x1-1)^2 + (x2+1)^2 + (x1+x2)^2: unconstrained (1, -1); with x2 >= 0 the optimum is on
 * x2 = 0, where d/dx1 (x1-1)^2 + x1^2 = 0 gives x1 = 1/2 (and d/dx2 = 2 + 1 > 0: KKT holds). */
static void nnls_by_hand(void **state)
{
    (void)state;
    const double A[6] = {1, 0, 1, /* column 1 */ 0, 1, 1};
    const double b[3] = {1, -1, 0};
    double x[2];
    const unsigned char free2[2] = {0, 0}, nn2[2] = {0, 1}, all[2] = {1, 1};
    assert_int_equal(mp_fit_nnls(A, 3, 2, b, free2, x), 0);
    near_rel(x[0], 1, 1e-12, "free x1");
    near_rel(x[1], -1, 1e-12, "free x2");
    assert_int_equal(mp_fit_nnls(A, 3, 2, b, nn2, x), 0);
    near_rel(x[0], 0.5, 1e-12, "x1 with x2 >= 0");
    assert_true(x[1] == 0);
    /* both >= 0: the same point (x1 = 1/2 > 0 needs no bound) */
    assert_int_equal(mp_fit_nnls(A, 3, 2, b, all, x), 0);
    near_rel(x[0], 0.5, 1e-12, "x1 both bounded");
    assert_true(x[1] == 0);
}

/* y = 2 + 3 u - v with v's coefficient >= 0 forced to 0: y on (1, u) alone.
 * Rows u = 0,1,2,3, v = 1,0,1,0: least squares of y = a + b u with y = 1,5,7,11 gives
 * b = (sum (u-1.5)(y-6)) / sum (u-1.5)^2 = (7.5+0.5+0.5+7.5)/5 = 3.2, a = 6 - 3.2*1.5 = 1.2; its
 * residuals (-0.2, 0.6, -0.6, 0.2) have v . r = -0.8 < 0, so v stays out. */
static void nnls_drops_a_wrong_sign(void **state)
{
    (void)state;
    const double A[12] = {1, 1, 1, 1, /* u */ 0, 1, 2, 3, /* v */ 1, 0, 1, 0};
    const double b[4] = {1, 5, 7, 11};
    const unsigned char nn[3] = {0, 0, 1};
    double x[3];
    assert_int_equal(mp_fit_nnls(A, 4, 3, b, nn, x), 0);
    near_rel(x[0], 1.2, 1e-12, "intercept");
    near_rel(x[1], 3.2, 1e-12, "slope");
    assert_true(x[2] == 0);
}

/* A column identical to another: the solution is still a least-squares one (the fit is the
 * same), with the duplicate left at 0 rather than split into huge opposite values. */
static void nnls_dependent_columns(void **state)
{
    (void)state;
    const double A[9] = {1, 2, 3, 1, 2, 3, 1, 1, 1};
    const double b[3] = {2, 4, 6};
    double x[3];
    assert_int_equal(mp_fit_nnls(A, 3, 3, b, NULL, x), 0);
    near_rel(x[0] + x[1], 2, 1e-12, "sum of the twins");
    assert_true(fabs(x[2]) < 1e-12);
}

/* ---- generated histories ---- */

static uint64_t rng_state = 12345;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

struct truth {
    enum mp_fit_family fam;
    double beta, k, s, theta;
};

/* The model written out: adstock, curve, sum. */
static void generate(int T, size_t C, const struct truth *tr, double *spend, double level, double trend, double *y)
{
    for (int t = 0; t < T; t++)
        y[t] = level + trend * t / (double)T;
    for (size_t c = 0; c < C; c++) {
        double a = 0;
        for (int t = 0; t < T; t++) {
            double x = spend[c * (size_t)T + (size_t)t];
            a = x + tr[c].theta * a;
            double f = tr[c].fam == MP_FIT_HILL ? tr[c].beta * pow(a, tr[c].s) / (pow(tr[c].k, tr[c].s) + pow(a, tr[c].s))
                       : tr[c].fam == MP_FIT_EXP ? tr[c].beta * (1 - exp(-a / tr[c].k))
                                                 : tr[c].beta * a;
            y[t] += f;
        }
    }
}

/* One channel "x" and the problem around it. */
enum { ONE_MAX_T = 256 };
struct one {
    double spend[ONE_MAX_T], y[ONE_MAX_T], base[ONE_MAX_T];
    unsigned char nonneg[1];
    mp_fit_channel_in ch;
    mp_fit_problem pb;
};

/* A generated history of T periods: spend[t] = amount (lo + width u), u uniform; y from the
 * truth tr over a level (the one baseline column, held non-negative); no holdout. */
static void one_generated(struct one *o, int T, const struct truth *tr, double amount, double lo, double width,
                          double level)
{
    assert_true(T <= ONE_MAX_T);
    memset(o, 0, sizeof *o);
    for (int t = 0; t < T; t++) {
        o->spend[t] = amount * (lo + width * urand());
        o->base[t] = 1;
    }
    generate(T, 1, tr, o->spend, level, 0, o->y);
    o->nonneg[0] = 1;
    o->ch = (mp_fit_channel_in){.id = "x", .spend = o->spend, .family = tr->fam};
    o->pb = (mp_fit_problem){.T = T, .y = o->y, .nchannels = 1, .channels = &o->ch, .nbase = 1, .base = o->base,
                             .base_nonneg = o->nonneg, .holdout = 0};
}

/* A linear channel with the prior beta b0 and theta held at 0, no baseline, one start, no
 * holdout: y = beta x, the closed forms of the ridge tests. The caller fills spend and y. */
static void one_linear_prior(struct one *o, int T, double b0)
{
    assert_true(T <= ONE_MAX_T);
    o->ch = (mp_fit_channel_in){.id = "x", .spend = o->spend, .family = MP_FIT_LINEAR, .has_prior = 1,
                                .prior = {b0, NAN, NAN, 0}, .fixed = 1u << MP_FIT_THETA};
    o->pb = (mp_fit_problem){.T = T, .y = o->y, .nchannels = 1, .channels = &o->ch, .holdout = 0, .starts = 1};
}

static void recovers_noiseless(void **state)
{
    (void)state;
    enum { T = 120, C = 3 };
    const struct truth tr[C] = {{MP_FIT_HILL, 50000, 8000, 1.6, 0.4},
                                {MP_FIT_EXP, 30000, 5000, NAN, 0.2},
                                {MP_FIT_LINEAR, 1.8, NAN, NAN, 0.6}};
    double spend[C * T], y[T], base[2 * T];
    for (size_t c = 0; c < C; c++)
        for (int t = 0; t < T; t++)
            spend[c * T + (size_t)t] = (double)(c + 1) * 2000.0 * (0.2 + 1.8 * urand()) * (urand() < 0.15 ? 0 : 1);
    generate(T, C, tr, spend, 100000, 20000, y);
    for (int t = 0; t < T; t++) {
        base[t] = 1;
        base[T + t] = t / (double)T;
    }
    mp_fit_channel_in ch[C];
    memset(ch, 0, sizeof ch);
    static const char *const ids[C] = {"a", "b", "c"};
    for (size_t c = 0; c < C; c++) {
        ch[c].id = ids[c];
        ch[c].spend = spend + c * T;
        ch[c].family = tr[c].fam;
    }
    static const char *const bn[2] = {"level", "trend"};
    mp_fit_problem pb = {.T = T, .y = y, .nchannels = C, .channels = ch, .nbase = 2, .base = base,
                         .base_names = bn, .holdout = 10, .starts = 8};
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_OK);
    near_rel(f->base_coef[0], 100000, 1e-6, "level");
    near_rel(f->base_coef[1], 20000, 1e-6, "trend");
    for (size_t c = 0; c < C; c++) {
        near_rel(f->ch[c].p[MP_FIT_BETA], tr[c].beta, 1e-6, "beta");
        near_rel(f->ch[c].p[MP_FIT_THETA], tr[c].theta, 1e-6, "theta");
        if (tr[c].fam != MP_FIT_LINEAR)
            near_rel(f->ch[c].p[MP_FIT_K], tr[c].k, 1e-6, "k");
        if (tr[c].fam == MP_FIT_HILL)
            near_rel(f->ch[c].p[MP_FIT_S], tr[c].s, 1e-6, "s");
    }
    assert_true(f->in.r2 > 1 - 1e-10);
    assert_true(f->hold.periods == 10 && f->hold.mape < 1e-6);
    mp_fit_free(f);
}

static int has_warning(char (*w)[MP_FIT_MSG], size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(w[i], text))
            return 1;
    return 0;
}

/* Four channels made to trip each warning: b's spend barely moves (cv 2%), c's copies a's
 * (r = 1), d has no effect (beta at 0); a has no carry-over (theta at 0). */
static void warnings(void **state)
{
    (void)state;
    enum { T = 80, C = 4 };
    double spend[C * T], y[T], base[T];
    const struct truth tr[2] = {{MP_FIT_HILL, 50000, 8000, 1.3, 0}, {MP_FIT_EXP, 20000, 9000 / 0.7, NAN, 0.3}};
    double two[2 * T]; /* b's k and theta are the defaults a barely varying spend keeps */
    for (int t = 0; t < T; t++) {
        two[t] = spend[t] = 6000 * (0.2 + 1.6 * urand());
        two[T + t] = spend[T + t] = 9000 * (1 + 0.02 * (t % 2 ? 1 : -1));
        spend[2 * T + t] = 0.5 * spend[t] + 1; /* r = 1 with a */
        spend[3 * T + t] = 3000 * (0.2 + 1.6 * urand());
        base[t] = 1;
    }
    generate(T, 2, tr, two, 10000, 0, y);
    mp_fit_channel_in ch[C];
    memset(ch, 0, sizeof ch);
    static const char *const ids[C] = {"a", "b", "c", "d"};
    for (size_t c = 0; c < C; c++) {
        ch[c].id = ids[c];
        ch[c].spend = spend + c * T;
        ch[c].family = c == 0 ? MP_FIT_HILL : c == 1 ? MP_FIT_EXP : MP_FIT_LINEAR;
    }
    static const char *const bn[1] = {"level"};
    const unsigned char nn[1] = {1};
    mp_fit_problem pb = {.T = T, .y = y, .nchannels = C, .channels = ch, .nbase = 1, .base = base, .base_names = bn,
                         .base_nonneg = nn, .holdout = 0, .starts = 4};
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_OK);
    assert_true(has_warning(f->ch[1].warnings, f->ch[1].nwarnings, "spend barely varied (coefficient of variation 2.0%)"));
    assert_true(f->ch[1].estimated == (1u << MP_FIT_BETA)); /* k, theta kept */
    assert_true(has_warning(f->warnings, f->nwarnings, "spends of 'a' and 'c' are correlated (r = 1.000)"));
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "spend correlated with 'c'"));
    assert_true(has_warning(f->ch[2].warnings, f->ch[2].nwarnings, "spend correlated with 'a'"));
    assert_true(has_warning(f->ch[3].warnings, f->ch[3].nwarnings, "beta at 0: no effect found"));
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "theta at 0: no carry-over found"));
    assert_false(has_warning(f->ch[3].warnings, f->ch[3].nwarnings, "correlated"));
    mp_fit_free(f);
}

/* Parameters at their upper bounds: a hill curve with s = 3 and theta = 0.9 generated
 * beyond the box (s 4, theta 0.95) is fitted at the bounds and says so. */
static void bounds_warned(void **state)
{
    (void)state;
    const struct truth tr[1] = {{MP_FIT_HILL, 80000, 30000, 4, 0.95}};
    struct one o;
    one_generated(&o, 90, tr, 2000, 0.1, 1.8, 5000);
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    assert_true(f->ch[0].p[MP_FIT_THETA] == MP_FIT_THETA_MAX);
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "theta at its bound 0.9"));
    assert_true(isnan(f->ch[0].se[MP_FIT_THETA]));
    mp_fit_free(f);
}

/* The largest adstock of spend[0..T) at carry-over th, from 0 (written out again here). */
static double max_adstock(const double *spend, int T, double th)
{
    double a = 0, m = 0;
    for (int t = 0; t < T; t++) {
        a = spend[t] + th * a;
        m = fmax(m, a);
    }
    return m;
}

/* A store-total fit keeps k within 3x the largest adstock the history shows. The truth's k
 * (60,000) is 30x the mean spend of 2,000, where the curve is nearly a straight line, and
 * beyond 3x the largest adstock (spends below 3,600 at theta 0.2: at most 4,500, so at most
 * 13,500): the per-channel search (k within 20x of kref = 2,000 / 0.7, up to 57,143) goes
 * to its bound; the store-total one stops at 3 x the largest adstock at the theta it found,
 * and both say k is at a bound. */
static void store_total_k_within_adstock(void **state)
{
    (void)state;
    enum { T = 100 };
    const struct truth tr[1] = {{MP_FIT_HILL, 2e6, 60000, 1, 0.2}};
    struct one o;
    one_generated(&o, T, tr, 2000, 0.2, 1.6, 50000);
    o.pb.store_total = 1;
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    double amax = max_adstock(o.spend, T, f->ch[0].p[MP_FIT_THETA]);
    assert_true(amax < 4500);
    near_rel(f->ch[0].p[MP_FIT_K], 3 * amax, 1e-6, "k at 3x the largest adstock");
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "k at a bound of its range (the history's smallest "
                                                                     "spend / 3 to 3x its largest adstock)"));
    mp_fit_free(f);
    o.pb.store_total = 0;
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    assert_true(f->ch[0].p[MP_FIT_K] > 3 * 4500);
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "k at a bound of its search range"));
    mp_fit_free(f);
}

/* A store-total fit starts concave (s <= 1) and takes an S-curve only when AICc drops by more
 * than 10: a noiseless S-curve (s 1.8) is found exactly (the concave fit leaves residuals, the
 * S-curve none); a concave truth (s 0.7) with 5% noise stays at s <= 1. */
static void store_total_concave_unless_demanded(void **state)
{
    (void)state;
    enum { T = 100 };
    const struct truth s_curve[1] = {{MP_FIT_HILL, 60000, 3000, 1.8, 0.3}};
    struct one o;
    one_generated(&o, T, s_curve, 2000, 0.2, 1.6, 50000);
    o.pb.store_total = 1;
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    near_rel(f->ch[0].p[MP_FIT_S], 1.8, 1e-6, "s of the S-curve");
    near_rel(f->ch[0].p[MP_FIT_K], 3000, 1e-6, "k of the S-curve");
    mp_fit_free(f);
    const struct truth concave[1] = {{MP_FIT_HILL, 60000, 3000, 0.7, 0.3}};
    generate(T, 1, concave, o.spend, 50000, 0, o.y);
    for (int t = 0; t < T; t++)
        o.y[t] *= 1 + 0.05 * (2 * urand() - 1) * 1.7320508075688772; /* sd 5% */
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    assert_true(f->ch[0].p[MP_FIT_S] <= 1);
    mp_fit_free(f);
}

/* The bootstrap of a ridge fit draws the ridge's centre too, so its intervals are those of the
 * posterior the ridge stands for. One linear channel, y = beta x (no baseline, theta held at
 * 0), noise sd 20, ridge lambda (beta / 1.5 - 1)^2: for this linear model the posterior of
 * beta has variance s2 / D, D = sum x^2 + lambda / 1.5^2, so the 90% interval is about
 * 2 x 1.645 sqrt(s2 / D) wide; the residual bootstrap alone would give the noise's part
 * s2 sum x^2 / D^2 only, here (sum x^2 / D) = 1/2 of the variance, an interval 0.71 as wide. */
static void bootstrap_draws_the_ridge(void **state)
{
    (void)state;
    enum { T = 200 };
    struct one o;
    one_linear_prior(&o, T, 1.5);
    double *spend = o.spend, *y = o.y, sxx = 0;
    for (int t = 0; t < T; t++) {
        spend[t] = 10 + 20 * urand();
        double z = 0;
        for (int i = 0; i < 12; i++)
            z += urand();
        y[t] = 2 * spend[t] + 20 * (z - 6); /* Irwin-Hall: sd 1 */
        sxx += spend[t] * spend[t];
    }
    double mean = 0, tss = 0;
    for (int t = 0; t < T; t++)
        mean += y[t] / T;
    for (int t = 0; t < T; t++)
        tss += (y[t] - mean) * (y[t] - mean);
    double lambda = sxx * 1.5 * 1.5; /* the prior weighs as much as the data: D = 2 sum x^2 */
    o.pb.prior_weight = lambda / tss;
    o.pb.bootstrap = 2000;
    o.pb.seed = 3;
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    double D = sxx + lambda / (1.5 * 1.5), s2 = f->sse / (T - 1);
    /* the estimate: (sum x y + lambda / 1.5) / D */
    double sxy = 0;
    for (int t = 0; t < T; t++)
        sxy += spend[t] * y[t];
    near_rel(f->ch[0].p[MP_FIT_BETA], (sxy + lambda / 1.5) / D, 1e-9, "ridge estimate");
    double width = f->ch[0].ci90[MP_FIT_BETA][1] - f->ch[0].ci90[MP_FIT_BETA][0];
    near_rel(width, 2 * 1.6448536269514722 * sqrt(s2 / D), 0.12, "90% interval of the posterior");
    mp_fit_free(f);
}

/* prior_sd: a first fit at prior_weight gives the residual variance s2, then the ridge's
 * weight becomes s2 / prior_sd^2. Worked out for one linear channel (no baseline, theta held
 * at 0), where each fit is closed-form: beta = (sum x y + L / b0) / (sum x^2 + L / b0^2) with
 * L the weight times the total sum of squares, s2 = sum (y - beta x)^2 / (T - 1). */
static void ridge_follows_the_noise(void **state)
{
    (void)state;
    enum { T = 80 };
    const double b0 = 1.5, w = 0.01, sd = 0.3;
    struct one o;
    one_linear_prior(&o, T, b0);
    double *spend = o.spend, *y = o.y, sxx = 0, sxy = 0, mean = 0, tss = 0;
    for (int t = 0; t < T; t++) {
        spend[t] = 10 + 20 * urand();
        y[t] = 2 * spend[t] + 15 * (urand() - 0.5);
        sxx += spend[t] * spend[t];
        sxy += spend[t] * y[t];
        mean += y[t] / T;
    }
    for (int t = 0; t < T; t++)
        tss += (y[t] - mean) * (y[t] - mean);
    o.pb.prior_weight = w;
    o.pb.prior_sd = sd;
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    double L1 = w * tss, beta1 = (sxy + L1 / b0) / (sxx + L1 / (b0 * b0)), s2 = 0;
    for (int t = 0; t < T; t++)
        s2 += (y[t] - beta1 * spend[t]) * (y[t] - beta1 * spend[t]) / (T - 1);
    double L = s2 / (sd * sd);
    near_rel(f->prior_weight, L / tss, 1e-9, "the weight s2 / sd^2, in units of the total sum of squares");
    near_rel(f->ch[0].p[MP_FIT_BETA], (sxy + L / b0) / (sxx + L / (b0 * b0)), 1e-9, "beta at that weight");
    mp_fit_free(f);
}

/* Too few periods: 3 channels of hill (4 parameters each) and a level need 13 + 2 = 15
 * periods to fit; 14 with a holdout of 2 leaves 12. */
static void too_few_periods(void **state)
{
    (void)state;
    enum { T = 14, C = 3 };
    double spend[C * T], y[T], base[T];
    for (int i = 0; i < C * T; i++)
        spend[i] = 100 + (i * 37 % 50) * 10;
    for (int t = 0; t < T; t++)
        y[t] = base[t] = 1;
    mp_fit_channel_in ch[C];
    memset(ch, 0, sizeof ch);
    for (size_t c = 0; c < C; c++) {
        ch[c].id = "x";
        ch[c].spend = spend + c * T;
        ch[c].family = MP_FIT_HILL;
    }
    mp_fit_problem pb = {.T = T, .y = y, .nchannels = C, .channels = ch, .nbase = 1, .base = base, .holdout = 2};
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_EINPUT);
    assert_null(f);
    assert_non_null(strstr(err.msg, "the model has 13 parameters, so at least 15 periods are needed to fit them, 17 "
                                    "with the holdout of 2 (the history has 14"));
}

/* A period whose GMV is missing (NaN) is not fitted but its spend still carries over: the
 * history is generated with every period, then three GMVs are blanked (two after heavy spend,
 * one in the holdout). Dropping those periods instead would restart the adstock there and
 * miss theta; fitting them would make the fit NaN. */
static void missing_gmv_carries_over(void **state)
{
    (void)state;
    enum { T = 90, C = 2, H = 9 };
    const struct truth tr[C] = {{MP_FIT_HILL, 40000, 6000, 1.3, 0.3}, {MP_FIT_LINEAR, 2.5, NAN, NAN, 0.7}};
    double spend[C * T], y[T], truth_y[T], base[2 * T];
    rng_state = 777;
    for (size_t c = 0; c < C; c++)
        for (int t = 0; t < T; t++)
            spend[c * T + (size_t)t] = (double)(c + 1) * 3000.0 * (0.2 + 1.8 * urand());
    spend[1 * T + 30] = spend[1 * T + 31] = 40000; /* the carry-over of the blanked weeks matters */
    generate(T, C, tr, spend, 80000, 15000, y);
    memcpy(truth_y, y, sizeof y);
    y[30] = y[31] = y[T - 3] = NAN;
    for (int t = 0; t < T; t++) {
        base[t] = 1;
        base[T + t] = t / (double)T;
    }
    mp_fit_channel_in ch[C];
    memset(ch, 0, sizeof ch);
    static const char *const ids[C] = {"a", "b"};
    for (size_t c = 0; c < C; c++) {
        ch[c].id = ids[c];
        ch[c].spend = spend + c * T;
        ch[c].family = tr[c].fam;
    }
    mp_fit_problem pb = {.T = T, .y = y, .nchannels = C, .channels = ch, .nbase = 2, .base = base, .holdout = H,
                         .starts = 8, .bootstrap = 20, .seed = 5};
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_OK);
    near_rel(f->base_coef[0], 80000, 1e-6, "level");
    near_rel(f->base_coef[1], 15000, 1e-6, "trend");
    for (size_t c = 0; c < C; c++) {
        near_rel(f->ch[c].p[MP_FIT_BETA], tr[c].beta, 1e-6, "beta");
        near_rel(f->ch[c].p[MP_FIT_THETA], tr[c].theta, 1e-6, "theta");
    }
    near_rel(f->ch[0].p[MP_FIT_K], 6000, 1e-6, "k");
    near_rel(f->ch[0].p[MP_FIT_S], 1.3, 1e-6, "s");
    /* the blanked periods are predicted all the same (the model's value there) */
    near_rel(f->fitted[30], truth_y[30], 1e-6, "prediction at a blanked period");
    near_rel(f->fitted[T - 3], truth_y[T - 3], 1e-6, "prediction at a blanked holdout period");
    assert_int_equal(f->in.periods, T - 3);
    assert_int_equal(f->periods, T - 3);
    assert_int_equal(f->hold.periods, H - 1);
    assert_true(f->in.r2 > 1 - 1e-10 && f->hold.mape < 1e-6 && isfinite(f->dw));
    assert_int_equal(f->ndraws, 20);
    for (int d = 0; d < 20; d++)
        assert_true(isfinite(f->draws[(size_t)d * C * MP_FIT_NPARAM + MP_FIT_BETA]));
    mp_fit_free(f);

    /* With noise: the metrics are those of the periods with GMV, worked out here again. */
    for (int t = 0; t < T; t++)
        if (!isnan(y[t]))
            y[t] *= 1 + 0.05 * (urand() - 0.5);
    pb.bootstrap = 0;
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_OK);
    double mean = 0, ss = 0, tot = 0, ape = 0, lo = INFINITY, hi = -INFINITY, num = 0, prev = NAN;
    int n = 0;
    for (int t = 0; t < T; t++)
        if (!isnan(y[t]))
            mean += y[t], n++;
    mean /= n;
    for (int t = 0; t < T; t++) {
        if (isnan(y[t]))
            continue;
        double r = y[t] - f->fitted[t];
        ss += r * r;
        tot += (y[t] - mean) * (y[t] - mean);
        ape += fabs(r / y[t]);
        lo = fmin(lo, y[t]);
        hi = fmax(hi, y[t]);
        if (!isnan(prev))
            num += (r - prev) * (r - prev);
        prev = r;
    }
    assert_int_equal(n, T - 3);
    near_rel(f->in.r2, 1 - ss / tot, 1e-12, "r2 over the periods with GMV");
    near_rel(f->in.nrmse, sqrt(ss / n) / (hi - lo), 1e-12, "nrmse");
    near_rel(f->in.mape, ape / n, 1e-12, "mape");
    near_rel(f->dw, num / ss, 1e-12, "Durbin-Watson over consecutive periods with GMV");
    mp_fit_metrics in, hold;
    double dw;
    mp_fit_pool(&f, 1, &in, &hold, &dw);
    near_rel(in.r2, f->in.r2, 1e-12, "pooled r2");
    assert_int_equal(in.periods, T - 3);
    assert_int_equal(hold.periods, H - 1);
    near_rel(hold.mape, f->hold.mape, 1e-12, "pooled holdout mape");
    near_rel(dw, f->dw, 1e-12, "pooled Durbin-Watson");
    mp_fit_free(f);

    /* Every GMV missing: nothing to fit, said with the count. */
    for (int t = 0; t < T; t++)
        y[t] = NAN;
    pb.holdout = 0;
    f = NULL;
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_EINPUT);
    assert_null(f);
    assert_non_null(strstr(err.msg, "(the history has 0 with GMV; 90 of its 90 periods have none)"));
}

/* The default search of one channel stops once MP_FIT_STARTS_AGREE starts reach the best
 * minimum: on a noisy hill channel it lands where all 8 starts (--starts 8) do, with the same
 * SSE and parameters. */
static void default_starts_stop_early(void **state)
{
    (void)state;
    enum { T = 104 };
    const struct truth tr[1] = {{MP_FIT_HILL, 60000, 9000, 1.4, 0.4}};
    struct one o;
    one_generated(&o, T, tr, 7000, 0.1, 1.8, 4000);
    for (int t = 0; t < T; t++)
        o.y[t] *= 1 + 0.1 * (urand() - 0.5);
    static const char *const bn[1] = {"level"};
    o.pb.base_names = bn;
    mp_fit *f[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        o.pb.starts = i ? 8 : 0;
        mp_error err = {0};
        assert_int_equal(mp_fit_run(&o.pb, &f[i], &err), MP_OK);
    }
    near_rel(f[0]->sse, f[1]->sse, 1e-9, "SSE of the default search and of all 8 starts");
    for (int p = 0; p < MP_FIT_NPARAM; p++)
        near_rel(f[0]->ch[0].p[p], f[1]->ch[0].p[p], 1e-5, "a parameter");
    mp_fit_free(f[0]);
    mp_fit_free(f[1]);
}

/* A history that cannot tell two channels apart: b spends what a spends +-1%, so their sum's
 * ROAS (2 + 3) shows and each one's does not, while c spends on its own schedule. Linear
 * curves, theta held at 0, no ridge, noise sd 2% on GMV about 55,000: the split's standard
 * error is about sd / (sd(b - a) sqrt(T)) = 1,100 / (58 x 9), about 2, over 50% of a ROAS of
 * 2 or 3; c's is about 1,100 / (2,900 x 9) = 0.04, 3% of 1.5. */
static void loose_roas_warned(void **state)
{
    (void)state;
    enum { T = 80, C = 3 };
    double spend[C * T], y[T], base[T];
    for (int t = 0; t < T; t++) {
        double a = 5000 + 10000 * urand(), b = a * (0.99 + 0.02 * urand()), c = 2000 + 10000 * urand(), z = 0;
        for (int i = 0; i < 12; i++)
            z += urand();
        spend[t] = a, spend[T + t] = b, spend[2 * T + t] = c;
        y[t] = (20000 + 2 * a + 3 * b + 1.5 * c) * (1 + 0.02 * (z - 6)); /* Irwin-Hall: sd 1 */
        base[t] = 1;
    }
    static const char *const ids[C] = {"a", "b", "c"}, *const bn[1] = {"level"};
    mp_fit_channel_in ch[C];
    for (size_t c = 0; c < C; c++)
        ch[c] = (mp_fit_channel_in){.id = ids[c], .spend = spend + c * T, .family = MP_FIT_LINEAR, .has_prior = 1,
                                    .prior = {2, NAN, NAN, 0}, .fixed = 1u << MP_FIT_THETA};
    mp_fit_problem pb = {.T = T, .y = y, .nchannels = C, .channels = ch, .nbase = 1, .base = base,
                         .base_names = bn, .holdout = 0, .starts = 1, .store_total = 1};
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&pb, &f, &err), MP_OK);
    const char *loose = "does not pin its ROAS down";
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, loose));
    assert_true(has_warning(f->ch[1].warnings, f->ch[1].nwarnings, loose));
    assert_true(has_warning(f->ch[0].warnings, f->ch[0].nwarnings, "other curves explain the history about as well"));
    assert_false(has_warning(f->ch[2].warnings, f->ch[2].nwarnings, loose));
    assert_true(has_warning(f->warnings, f->nwarnings, "the history does not pin down the ROAS of 2 of the 3 channels"));
    near_rel(f->ch[0].p[MP_FIT_BETA] + f->ch[1].p[MP_FIT_BETA], 5, 0.05, "the twins' sum");
    mp_fit_free(f);
}

/* The bootstrap measures each lift test again with its own error. One linear channel, y = beta x
 * (theta held at 0, no ridge), noise sd 20, and a test of the whole history measuring sum x
 * times 2 with a standard error sd chosen so it weighs as much as the data (S^2 / sd^2 = sum x^2
 * / 20^2, S = sum x): for this linear model the posterior of beta has variance s2 / (2 sum x^2),
 * a 90% interval 2 x 1.645 sqrt(s2 / (2 sum x^2)) wide; with the test held fixed the draws
 * would show the data's part only, an interval 0.71 as wide. */
static void bootstrap_remeasures_experiments(void **state)
{
    (void)state;
    enum { T = 200 };
    struct one o;
    one_linear_prior(&o, T, 2); /* no prior_weight: the plan's beta is only the start */
    double sxx = 0, sx = 0;
    for (int t = 0; t < T; t++) {
        o.spend[t] = 10 + 20 * urand();
        double z = 0;
        for (int i = 0; i < 12; i++)
            z += urand();
        o.y[t] = 2 * o.spend[t] + 20 * (z - 6); /* Irwin-Hall: sd 1 */
        sxx += o.spend[t] * o.spend[t];
        sx += o.spend[t];
    }
    double sd = sx * 20 / sqrt(sxx), g = 2 * sx;
    mp_fit_experiment x = {.channel = 0, .from = 0, .to = T - 1, .gmv = g, .lo = g - 1.6448536269514722 * sd,
                           .hi = g + 1.6448536269514722 * sd, .level = 0.9};
    o.pb.experiments = &x;
    o.pb.nexperiments = 1;
    o.pb.bootstrap = 2000;
    o.pb.seed = 4;
    mp_fit *f = NULL;
    mp_error err = {0};
    assert_int_equal(mp_fit_run(&o.pb, &f, &err), MP_OK);
    double s2 = f->sse / (T - 1), width = f->ch[0].ci90[MP_FIT_BETA][1] - f->ch[0].ci90[MP_FIT_BETA][0];
    near_rel(width, 2 * 1.6448536269514722 * sqrt(s2 / (2 * sxx)), 0.12, "90% interval with the test's error");
    mp_fit_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nnls_by_hand),
        cmocka_unit_test(nnls_drops_a_wrong_sign),
        cmocka_unit_test(nnls_dependent_columns),
        cmocka_unit_test(recovers_noiseless),
        cmocka_unit_test(warnings),
        cmocka_unit_test(bounds_warned),
        cmocka_unit_test(too_few_periods),
        cmocka_unit_test(missing_gmv_carries_over),
        cmocka_unit_test(store_total_k_within_adstock),
        cmocka_unit_test(store_total_concave_unless_demanded),
        cmocka_unit_test(bootstrap_draws_the_ridge),
        cmocka_unit_test(ridge_follows_the_noise),
        cmocka_unit_test(default_starts_stop_early),
        cmocka_unit_test(loose_roas_warned),
        cmocka_unit_test(bootstrap_remeasures_experiments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
