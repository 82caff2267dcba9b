/* A/B test statistics: values worked out by hand or in closed form, and A/A simulations
 * (same true rate in both arms): the fixed-horizon test rejects at about alpha, peeking at
 * it inflates that, and the mSPRT p-value stays at or below alpha whatever the peeking.
 * The comparison with statsmodels/scipy on generated cases is tests/e2e/abtest_ref.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "mplan/abtest.h"

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.17g, expected %.17g (tolerance %g)", what, got, want, tol);
}

static void distributions(void **state)
{
    (void)state;
    near(mp_stat_norm_ppf(0.975), 1.959963984540054, 1e-14, "z 0.975");
    near(mp_stat_norm_cdf(-1.959963984540054), 0.025, 1e-15, "Phi(-z)");
    near(mp_stat_chi2_sf(3.841458820694124, 1), 0.05, 1e-14, "chi2(1) at its 95% point");
    near(mp_stat_chi2_sf(2, 2), exp(-1), 1e-15, "chi2(2) tail is exp(-x/2)");
    /* t with 1 df is Cauchy: P(T > 1) = 1/4; with 2 df P(T > t) = (1 - t/sqrt(t^2+2)) / 2 */
    near(mp_stat_t_sf(1, 1), 0.25, 1e-14, "Cauchy tail");
    near(mp_stat_t_sf(3, 2), 0.5 * (1 - 3 / sqrt(11)), 1e-14, "t(2) tail");
    near(mp_stat_t_ppf(0.75, 1), 1, 1e-12, "Cauchy quartile");
    near(mp_stat_beta_inc(2, 1, 0.3), 0.09, 1e-15, "I_x(2,1) = x^2");
    /* X ~ Beta(a,1), Y ~ Beta(b,1): P(X > Y) = a / (a + b) */
    near(mp_stat_beta_prob_greater(3, 1, 2, 1), 0.6, 1e-12, "P(Beta(3,1) > Beta(2,1))");
    near(mp_stat_beta_prob_greater(57, 943, 57, 943), 0.5, 1e-12, "equal betas");
    /* with poles at both ends: Beta(1/2, 1) vs Beta(1/2, 1) is 1/2 too */
    near(mp_stat_beta_prob_greater(0.5, 1, 0.5, 1), 0.5, 1e-9, "Jeffreys-like poles");
}

static void comparisons(void **state)
{
    (void)state;
    double z = 1.959963984540054, z2 = z * z;
    mp_ab_ci w = mp_stat_wilson(0, 10, 0.05);
    near(w.lo, 0, 1e-15, "Wilson 0/10 lo");
    near(w.hi, z2 / (10 + z2), 1e-15, "Wilson 0/10 hi");
    double p[3] = {0.01, 0.04, 0.03}, adj[3];
    mp_stat_holm(p, adj, 3);
    near(adj[0], 0.03, 1e-15, "Holm smallest x3");
    near(adj[1], 0.06, 1e-15, "Holm largest carries the running max");
    near(adj[2], 0.06, 1e-15, "Holm middle x2");
    double chi2, vis[2] = {5000, 5200};
    double srm = mp_stat_srm(vis, NULL, 2, &chi2);
    near(chi2, 20000.0 / 5100, 1e-12, "SRM chi-square by hand");
    near(srm, mp_stat_chi2_sf(20000.0 / 5100, 1), 1e-15, "SRM p");
    /* Welch with equal n and variances: df = 2(n - 1) */
    mp_ab_welch wl = mp_stat_welch(10, 5, 4, 10, 3, 4, 0.05);
    near(wl.df, 18, 1e-12, "Welch df");
    near(wl.t, 2 / sqrt(0.8), 1e-12, "Welch t");
    /* design: Cohen's h of 0.5 vs 0.4 */
    near(mp_stat_cohen_h(0.5, 0.4), 2 * asin(sqrt(0.5)) - 2 * asin(sqrt(0.4)), 1e-15, "Cohen's h");
}

/* ---- A/A simulations ---- */

static uint64_t rs;
static double unif(void)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
}

static double binom(int n, double p)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += unif() < p;
    return k;
}

#define SIMS 2000
#define ALPHA 0.05

/* Fixed horizon, read once: the false-positive rate is alpha within the binomial band
 * (3 standard errors of SIMS draws). */
static void aa_fixed_horizon(void **state)
{
    (void)state;
    rs = 7;
    int rej = 0;
    for (int s = 0; s < SIMS; s++) {
        double a = binom(4000, 0.05), b = binom(4000, 0.05);
        rej += mp_stat_prop_ztest(b, 4000, a, 4000) < ALPHA;
    }
    double rate = (double)rej / SIMS, band = 3 * sqrt(ALPHA * (1 - ALPHA) / SIMS);
    print_message("A/A fixed horizon: %.4f false wins\n", rate);
    if (fabs(rate - ALPHA) > band)
        fail_msg("A/A fixed horizon: %d of %d rejected (%.4f), outside %.4f +- %.4f", rej, SIMS, rate, ALPHA, band);
}

/* Peeking after every 1,000 visitors (500 per arm) up to 20,000: the fixed-horizon p-value
 * "wins" far more often than alpha; the mSPRT always-valid p-value stays at or below it. */
static void aa_peeking(void **state)
{
    (void)state;
    rs = 11;
    int naive = 0, seq = 0;
    const int sims = 1000, looks = 20, step = 500;
    for (int s = 0; s < sims; s++) {
        double xa = 0, xb = 0, n = 0;
        int nv = 0, sv = 0;
        for (int l = 0; l < looks; l++) {
            xa += binom(step, 0.05);
            xb += binom(step, 0.05);
            n += step;
            nv |= mp_stat_prop_ztest(xb, n, xa, n) < ALPHA;
            double pa = xa / n, pb = xb / n, v = pa * (1 - pa) / n + pb * (1 - pb) / n;
            double tau2 = mp_stat_msprt_tau2(pa * (1 - pa) + pb * (1 - pb), 10000, ALPHA);
            sv |= v > 0 && mp_stat_msprt_p(pb - pa, v, tau2) < ALPHA;
        }
        naive += nv;
        seq += sv;
    }
    double rn = (double)naive / sims, rq = (double)seq / sims;
    print_message("A/A peeking every 1,000 visitors: fixed-horizon p %.3f, mSPRT %.3f false wins\n", rn, rq);
    if (!(rn > 2 * ALPHA))
        fail_msg("peeking at the fixed-horizon p-value should inflate false wins: %.3f", rn);
    /* at or below alpha, allowing the binomial noise of 1000 simulations above it */
    if (!(rq <= ALPHA + 2 * sqrt(ALPHA * (1 - ALPHA) / sims)))
        fail_msg("mSPRT with peeking every 1,000 visitors: %.3f false wins, above alpha %.2f", rq, ALPHA);
}

static void analyze_flags(void **state)
{
    (void)state;
    /* 2.0% vs 2.6% on 20,000 each: significant, B better; a guardrail rising is flagged */
    mp_ab_cell conv[2] = {{20000, 400, NAN, NULL}, {20000, 520, NAN, NULL}};
    mp_ab_cell ret[2] = {{20000, 20000 * 0.10, 0.09, NULL}, {20000, 20000 * 0.13, 0.1131, NULL}};
    mp_ab_metric_in m[2] = {{"conversion", MP_AB_PROPORTION, 0, 0, conv}, {"returns", MP_AB_MEAN, 1, 0, ret}};
    const char *arms[2] = {"A", "B"};
    mp_ab_opts o = {.alpha = 0.05, .prior_a = 1, .prior_b = 1};
    mp_ab_result *r = NULL;
    mp_error err = {0};
    assert_int_equal(mp_ab_analyze(2, arms, 0, m, 2, &o, &r, &err), MP_OK);
    assert_true(mp_ab_result_stat(r, 0, 1)->significant);
    near(mp_ab_result_stat(r, 0, 1)->rel, 0.3, 1e-12, "relative lift 2.6/2.0 - 1");
    assert_true(mp_ab_result_stat(r, 1, 1)->degraded);
    assert_false(r->srm);
    mp_ab_result_free(r);
    conv[1].sum = 20001; /* conversions above visitors */
    assert_int_equal(mp_ab_analyze(2, arms, 0, m, 2, &o, &r, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "variant 'B'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distributions),
        cmocka_unit_test(comparisons),
        cmocka_unit_test(aa_fixed_horizon),
        cmocka_unit_test(aa_peeking),
        cmocka_unit_test(analyze_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
