/* A/B test statistics (include/mplan/abtest.h, docs/abtest.md). Every function here is
 * checked against scipy and statsmodels by tests/e2e/abtest_ref.sh. */
#include "mplan/abtest.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SQRT2 1.41421356237309504880
#define LN_SQRT_2PI 0.91893853320467274178

/* ---- normal ---- */

double mp_stat_norm_cdf(double x)
{
    return 0.5 * erfc(-x / SQRT2); /* C99 erfc keeps full relative precision in the tail */
}

/* Upper tail Q(z) = P(Z > z). */
static double norm_sf(double z)
{
    return 0.5 * erfc(z / SQRT2);
}

static double norm_pdf(double z)
{
    return exp(-0.5 * z * z - LN_SQRT_2PI);
}

/* Start from Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Halley steps on
 * Q(z) - q, whose derivatives are -pdf and z * pdf: three steps reach double precision. */
double mp_stat_norm_ppf(double p)
{
    if (!(p > 0))
        return p == 0 ? -INFINITY : NAN;
    if (!(p < 1))
        return p == 1 ? INFINITY : NAN;
    double q = p < 0.5 ? p : 1 - p;
    if (p > 0.5 && 1 - q != p)
        q = 1 - p; /* as given */
    double t = sqrt(-2 * log(q));
    double z = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    for (int i = 0; i < 6; i++) {
        double u = (norm_sf(z) - q) / norm_pdf(z); /* -f/f' */
        double step = u / (1 - 0.5 * u * z);       /* Halley */
        z += step;
        if (fabs(step) <= 1e-16 * fabs(z) + 1e-300)
            break;
    }
    return p < 0.5 ? -z : z;
}

/* ---- log gamma and the beta front factor ---- */

/* The Stirling remainder lgamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)], z >= 10, from
 * its asymptotic series (Abramowitz & Stegun 6.1.41); the next term is below 1e-12. */
static double stirling_rem(double z)
{
    double r = 1 / z, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

static double lgam_rem(double z)
{
    return z >= 10 ? stirling_rem(z) : lgamma(z) - ((z - 0.5) * log(z) - z + LN_SQRT_2PI);
}

/* ln(x^a y^b / B(a, b)) with y = 1 - x given separately. With large a or b, lgamma's
 * huge values would cancel; the terms are regrouped around the mode as in DiDonato &
 * Morris (1992, ACM TOMS 708, the "brcomp" function), so the result keeps its relative
 * precision for a and b in the millions. */
static double beta_log_front(double a, double b, double x, double y)
{
    /* ln of a number near 1 from its small complement: log(x) would lose log's argument's
     * rounding times a (5e-10 of a t tail with a million degrees of freedom) */
    double lx = x <= 0.5 ? log(x) : log1p(-y), ly = y <= 0.5 ? log(y) : log1p(-x);
    if (a >= 10 && b >= 10) {
        double s = a + b;
        double la = a * log1p((x * b - y * a) / a); /* a ln(x s / a) */
        double lb = b * log1p((y * a - x * b) / b); /* b ln(y s / b) */
        return la + lb + 0.5 * log(a * b / s) - LN_SQRT_2PI -
               (stirling_rem(a) + stirling_rem(b) - stirling_rem(s));
    }
    if (a < 10 && b >= 10) /* lgamma(b) - lgamma(a + b) without the cancellation */
        return a * lx + b * ly - lgamma(a) + (b - 0.5) * log1p(a / b) + a * log(a + b) - a -
               stirling_rem(b) + lgam_rem(a + b);
    if (a >= 10 && b < 10)
        return beta_log_front(b, a, y, x);
    return a * lx + b * ly - (lgamma(a) + lgamma(b) - lgamma(a + b));
}

/* Continued fraction of the incomplete beta, modified Lentz (Numerical Recipes, 2nd ed.,
 * 6.4 betacf); converges fast for x < (a + 1) / (a + b + 2), in O(sqrt(max(a, b))) steps. */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m < 1000000; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 3e-16)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x exact (callers that know 1 - x better than x pass it). */
static double beta_inc2(double a, double b, double x, double y)
{
    if (x <= 0)
        return 0;
    if (y <= 0)
        return 1;
    double front = exp(beta_log_front(a, b, x, y));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, y) / b;
}

double mp_stat_beta_inc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    return beta_inc2(a, b, x, 1 - x);
}

/* ---- Student's t ---- */

double mp_stat_t_sf(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(df) || df > 1e300)
        return norm_sf(t);
    if (isinf(t))
        return t > 0 ? 0 : 1;
    if (df > 1e6) {
        /* The continued fraction needs ~sqrt(df) steps here; the expansion of the t tail
         * in 1/df around the normal (Abramowitz & Stegun 26.7.5) is exact to double
         * precision for the |t| of any p-value above 1e-30 this far out. */
        double t2 = t * t;
        double g1 = (t2 * t + t) / 4;
        double g2 = (((3 * t2 - 7) * t2 - 5) * t2 - 3) * t / 96; /* (3t^7 - 7t^5 - 5t^3 - 3t) / 96 */
        return norm_sf(t) + norm_pdf(t) * (g1 / df + g2 / (df * df));
    }
    double t2 = t * t, x = df / (df + t2), y = t2 / (df + t2);
    double tail = 0.5 * beta_inc2(0.5 * df, 0.5, x, y); /* P(T > |t|) */
    return t >= 0 ? tail : 1 - tail;
}

/* Bisection on the survival function: slow but sure, and ~60 halvings is plenty. */
double mp_stat_t_ppf(double p, double df)
{
    if (!(p > 0) || !(p < 1) || !(df > 0))
        return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    if (p < 0.5)
        return -mp_stat_t_ppf(1 - p, df);
    if (p == 0.5)
        return 0;
    double q = 1 - p, lo = 0, hi = 1;
    while (mp_stat_t_sf(hi, df) > q && hi < 1e300)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (mp_stat_t_sf(mid, df) > q)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ---- chi-square: the regularized upper incomplete gamma Q(s, x), Numerical Recipes
 * 6.2 (gser below s + 1, the continued fraction gcf above) ---- */

static double gamma_q(double s, double x)
{
    if (x <= 0)
        return 1;
    double lfront = -x + s * log(x) - lgamma(s);
    if (x < s + 1) {
        double ap = s, del = 1 / s, sum = del;
        for (int n = 0; n < 100000; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-17)
                break;
        }
        return 1 - sum * exp(lfront);
    }
    const double tiny = 1e-300;
    double b = x + 1 - s, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - s);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return exp(lfront) * h;
}

double mp_stat_chi2_sf(double x, double k)
{
    if (!(k > 0) || isnan(x))
        return NAN;
    return gamma_q(0.5 * k, 0.5 * x);
}

/* ---- P(X > Y) for two betas ---- */

/* Gauss-Kronrod 7-15 nodes and weights (QUADPACK qk15). */
static const double gk_x[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                               0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                               0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                               0.207784955007898467600689403773245, 0.0};
static const double gk_wk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                                0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                                0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double gk_wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                                0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

struct bpair {
    double a1, b1, a2, b2;
    double pw, lnorm; /* pw > 0: the variable is t with x = t^pw (pw = 1/a1), lnorm = ln(a1 B(a1,b1)) */
};

/* ln B(a, b), with the cancellation of lgamma(b) - lgamma(a + b) for large b avoided as in
 * beta_log_front. */
static double lbeta(double a, double b)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b < 10)
        return lgamma(a) + lgamma(b) - lgamma(a + b);
    return lgamma(a) - (b - 0.5) * log1p(a / b) - a * log(a + b) + a + stirling_rem(b) - lgam_rem(a + b);
}

/* f_X(x) * F_Y(x); with x = t^(1/a), a < 1, the pole of f_X at 0 cancels against dx/dt:
 * f_X(x) dx = (1 - x)^(b - 1) / (a B(a, b)) dt. */
static double bpair_f(const struct bpair *q, double x)
{
    if (q->pw > 0) {
        if (x <= 0 || x >= 1)
            return 0;
        double t = x;
        x = pow(t, q->pw);
        double y = 1 - x;
        if (x <= 0 || y <= 0)
            return 0;
        return exp((q->b1 - 1) * log1p(-x) - q->lnorm) * beta_inc2(q->a2, q->b2, x, y);
    }
    double y = 1 - x;
    if (x <= 0 || y <= 0)
        return 0;
    double pdf = exp(beta_log_front(q->a1, q->b1, x, y) - (x <= 0.5 ? log(x) : log1p(-y)) -
                     (y <= 0.5 ? log(y) : log1p(-x)));
    return pdf == 0 ? 0 : pdf * beta_inc2(q->a2, q->b2, x, y);
}

static double gk15(const struct bpair *q, double lo, double hi, double *errest)
{
    double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    double fc = bpair_f(q, c), k = fc * gk_wk[7], g = fc * gk_wg[3];
    for (int j = 0; j < 7; j++) {
        double f = bpair_f(q, c - h * gk_x[j]) + bpair_f(q, c + h * gk_x[j]);
        k += gk_wk[j] * f;
        if (j & 1)
            g += gk_wg[j / 2] * f;
    }
    *errest = fabs((k - g) * h);
    return k * h;
}

/* Globally adaptive (QUADPACK's qag strategy): split the panel with the largest error
 * estimate until the total error is below 1e-14 absolute or 1e-13 relative, or the panels
 * run out; bounded work whatever the rounding noise of the integrand. */
#define GK_MAXP 2000
struct gk_panel {
    double lo, hi, v, err;
};

static double gk_integrate(const struct bpair *q, const double *cut, size_t ncut)
{
    struct gk_panel p[GK_MAXP];
    size_t n = 0;
    double tot = 0, etot = 0;
    for (size_t i = 0; i + 1 < ncut && n < GK_MAXP; i++)
        if (cut[i + 1] > cut[i]) {
            p[n].lo = cut[i];
            p[n].hi = cut[i + 1];
            p[n].v = gk15(q, p[n].lo, p[n].hi, &p[n].err);
            tot += p[n].v;
            etot += p[n].err;
            n++;
        }
    while (etot > 1e-14 && etot > 1e-13 * fabs(tot) && n + 1 < GK_MAXP) {
        size_t w = 0;
        for (size_t i = 1; i < n; i++)
            if (p[i].err > p[w].err)
                w = i;
        double mid = 0.5 * (p[w].lo + p[w].hi);
        if (!(mid > p[w].lo && mid < p[w].hi))
            break; /* the worst panel cannot be split further */
        struct gk_panel a = {p[w].lo, mid, 0, 0}, b = {mid, p[w].hi, 0, 0};
        a.v = gk15(q, a.lo, a.hi, &a.err);
        b.v = gk15(q, b.lo, b.hi, &b.err);
        tot += a.v + b.v - p[w].v;
        etot += a.err + b.err - p[w].err;
        p[w] = a;
        p[n++] = b;
    }
    tot = 0; /* summed afresh: the running total collected rounding */
    for (size_t i = 0; i < n; i++)
        tot += p[i].v;
    return tot;
}

static void beta_moments(double a, double b, double *m, double *s)
{
    *m = a / (a + b);
    *s = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* P(X > Y) = integral of f_X F_Y over [0,1], cut at points around where X's mass and Y's
 * step lie (so no panel is mostly empty), each panel adaptive Gauss-Kronrod. The variable
 * integrated is one whose density stays finite when possible (a shape below 1 puts a pole
 * at an end): P(X > Y) = 1 - P(Y > X). */
double mp_stat_beta_prob_greater(double a1, double b1, double a2, double b2)
{
    if (!(a1 > 0 && b1 > 0 && a2 > 0 && b2 > 0))
        return NAN;
    int flip = (a1 < 1 || b1 < 1) && a2 >= 1 && b2 >= 1;
    struct bpair q = flip ? (struct bpair){a2, b2, a1, b1, 0, 0} : (struct bpair){a1, b1, a2, b2, 0, 0};
    /* Both have a pole: P(X > Y) = P(1 - Y > 1 - X) moves a pole at 1 to 0, where the
     * substitution x = t^(1/a) removes it. */
    int mirror = 0;
    if (q.a1 < 1 || q.b1 < 1) {
        if (q.b1 < 1) {
            q = (struct bpair){q.b2, q.a2, q.b1, q.a1, 0, 0}; /* X' = 1 - Y > Y' = 1 - X */
            mirror = 1;
            /* now the variable 1 - Y may have no pole: only 1 - X (= Y') does */
            if (q.a1 < 1 || q.b1 < 1) {
                q = (struct bpair){q.a2, q.b2, q.a1, q.b1, 0, 0};
                mirror = 2; /* P(X > Y) = 1 - P(Y' > X') with Y' = 1 - X, pole at 0 */
            }
        }
        if (q.a1 < 1) {
            q.pw = 1 / q.a1;
            q.lnorm = log(q.a1) + lbeta(q.a1, q.b1);
        }
    }
    double m1, s1, m2, s2;
    beta_moments(q.a1, q.b1, &m1, &s1);
    beta_moments(q.a2, q.b2, &m2, &s2);
    static const double k[] = {-40, -20, -10, -5, -2, 0, 2, 5, 10, 20, 40};
    double cut[2 * sizeof k / sizeof *k + 2];
    size_t n = 0;
    cut[n++] = 0;
    cut[n++] = 1;
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        double c1 = m1 + k[i] * s1, c2 = m2 + k[i] * s2;
        if (c1 > 0 && c1 < 1)
            cut[n++] = q.pw > 0 ? pow(c1, q.a1) : c1;
        if (c2 > 0 && c2 < 1 && fabs(k[i]) <= 10)
            cut[n++] = q.pw > 0 ? pow(c2, q.a1) : c2;
    }
    qsort(cut, n, sizeof *cut, cmp_double);
    double sum = gk_integrate(&q, cut, n);
    if (sum < 0)
        sum = 0;
    if (sum > 1)
        sum = 1;
    if (mirror == 2)
        sum = 1 - sum;
    return flip ? 1 - sum : sum;
}

/* ---- one comparison ---- */

mp_ab_ci mp_stat_wilson(double x, double n, double alpha)
{
    if (!(n > 0))
        return (mp_ab_ci){NAN, NAN};
    double z = mp_stat_norm_ppf(1 - alpha / 2), z2 = z * z, p = x / n;
    double den = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / den;
    double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den;
    return (mp_ab_ci){centre - half, centre + half};
}

mp_ab_ci mp_stat_newcombe(double x1, double n1, double x2, double n2, double alpha)
{
    mp_ab_ci w1 = mp_stat_wilson(x1, n1, alpha), w2 = mp_stat_wilson(x2, n2, alpha);
    double p1 = x1 / n1, p2 = x2 / n2, d = p1 - p2;
    double dl = sqrt((p1 - w1.lo) * (p1 - w1.lo) + (w2.hi - p2) * (w2.hi - p2));
    double du = sqrt((w1.hi - p1) * (w1.hi - p1) + (p2 - w2.lo) * (p2 - w2.lo));
    return (mp_ab_ci){d - dl, d + du};
}

mp_ab_ci mp_stat_ratio_ci(double x1, double n1, double x2, double n2, double alpha)
{
    double c1 = x1 + 0.5, m1 = n1 + 0.5, c2 = x2 + 0.5, m2 = n2 + 0.5;
    double lr = log((c1 / m1) / (c2 / m2));
    double se = sqrt(1 / c1 - 1 / m1 + 1 / c2 - 1 / m2);
    double z = mp_stat_norm_ppf(1 - alpha / 2);
    return (mp_ab_ci){exp(lr - z * se), exp(lr + z * se)};
}

double mp_stat_prop_ztest(double x1, double n1, double x2, double n2)
{
    double pp = (x1 + x2) / (n1 + n2);
    double se = sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2));
    if (!(se > 0))
        return 1;
    double z = (x1 / n1 - x2 / n2) / se;
    return erfc(fabs(z) / SQRT2);
}

mp_ab_welch mp_stat_welch(double n1, double mean1, double var1, double n2, double mean2, double var2,
                          double alpha)
{
    mp_ab_welch w = {.diff = mean1 - mean2};
    double u1 = var1 / n1, u2 = var2 / n2;
    w.se = sqrt(u1 + u2);
    w.df = (u1 + u2) * (u1 + u2) / (u1 * u1 / (n1 - 1) + u2 * u2 / (n2 - 1));
    if (!(w.se > 0) || !(n1 > 1) || !(n2 > 1)) {
        w.t = w.p = w.df = NAN;
        w.ci = w.rel_ci = (mp_ab_ci){NAN, NAN};
        return w;
    }
    w.t = w.diff / w.se;
    w.p = 2 * mp_stat_t_sf(fabs(w.t), w.df);
    double tq = mp_stat_t_ppf(1 - alpha / 2, w.df);
    w.ci = (mp_ab_ci){w.diff - tq * w.se, w.diff + tq * w.se};
    if (mean2 != 0) {
        double r = mean1 / mean2;
        double se_r = sqrt(u1 / (mean2 * mean2) + r * r * u2 / (mean2 * mean2));
        double z = mp_stat_norm_ppf(1 - alpha / 2);
        w.rel_ci = (mp_ab_ci){r - z * se_r - 1, r + z * se_r - 1};
    } else {
        w.rel_ci = (mp_ab_ci){NAN, NAN};
    }
    return w;
}

double mp_stat_prob_beat(double x_test, double n_test, double x_ctrl, double n_ctrl, double prior_a,
                         double prior_b)
{
    return mp_stat_beta_prob_greater(prior_a + x_test, prior_b + n_test - x_test, prior_a + x_ctrl,
                                     prior_b + n_ctrl - x_ctrl);
}

/* E[max(C - T, 0)] = E[C; C > T] - E[T; C > T], and x f_Beta(a,b)(x) = a / (a + b) *
 * f_Beta(a+1,b)(x), so both terms are P(X > Y) of shifted betas. */
double mp_stat_expected_loss(double x_test, double n_test, double x_ctrl, double n_ctrl, double prior_a,
                             double prior_b)
{
    double at = prior_a + x_test, bt = prior_b + n_test - x_test;
    double ac = prior_a + x_ctrl, bc = prior_b + n_ctrl - x_ctrl;
    double loss = ac / (ac + bc) * mp_stat_beta_prob_greater(ac + 1, bc, at, bt) -
                  at / (at + bt) * mp_stat_beta_prob_greater(ac, bc, at + 1, bt);
    return loss > 0 ? loss : 0;
}

/* Without allocating (a handful of variants: O(n^2) is nothing): p_(k) the k-th smallest
 * (ties in index order), the adjusted value is the running max of (n - k) p_(k), capped at 1. */
static size_t holm_rank(const double *p, size_t n, size_t j)
{
    size_t r = 0;
    for (size_t l = 0; l < n; l++)
        r += p[l] < p[j] || (p[l] == p[j] && l < j);
    return r;
}

void mp_stat_holm(const double *p, double *p_adj, size_t n)
{
    double tmp[64];
    const double *v = p;
    if (p == p_adj && n <= 64) { /* in place: keep the inputs */
        memcpy(tmp, p, n * sizeof *tmp);
        v = tmp;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            p_adj[i] = NAN;
            continue;
        }
        size_t ri = holm_rank(v, n, i);
        double run = 0;
        for (size_t j = 0; j < n; j++) {
            if (isnan(v[j]))
                continue;
            size_t rj = holm_rank(v, n, j);
            if (rj <= ri && v[j] * (double)(n - rj) > run)
                run = v[j] * (double)(n - rj);
        }
        p_adj[i] = fmin(1, run);
    }
}

double mp_stat_srm(const double *visitors, const double *shares, size_t n, double *chi2)
{
    double tot = 0, wsum = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        tot += visitors[i];
        wsum += shares ? shares[i] : 1;
    }
    for (size_t i = 0; i < n; i++) {
        double e = tot * (shares ? shares[i] : 1) / wsum;
        c += (visitors[i] - e) * (visitors[i] - e) / e;
    }
    if (chi2)
        *chi2 = c;
    return n < 2 ? 1 : mp_stat_chi2_sf(c, (double)(n - 1));
}

/* Lambda = sqrt(V / (V + tau2)) exp(diff^2 tau2 / (2 V (V + tau2))), the likelihood ratio of
 * the normal mixture against no effect (Johari, Pekelis & Walsh 2017, eq. 11); p = 1/Lambda
 * capped at 1. */
double mp_stat_msprt_p(double diff, double v, double tau2)
{
    if (!(v > 0) || !(tau2 > 0))
        return NAN;
    double llr = 0.5 * log(v / (v + tau2)) + diff * diff * tau2 / (2 * v * (v + tau2));
    return llr <= 0 ? 1 : exp(-llr);
}

/* The set of effects theta for which Lambda(diff - theta) < 1 / alpha. */
mp_ab_ci mp_stat_msprt_ci(double diff, double v, double tau2, double alpha)
{
    if (!(v > 0) || !(tau2 > 0))
        return (mp_ab_ci){NAN, NAN};
    double half = sqrt(v * (v + tau2) / tau2 * (-2 * log(alpha) + log((v + tau2) / v)));
    return (mp_ab_ci){diff - half, diff + half};
}

double mp_stat_msprt_tau2(double s2, double horizon, double alpha)
{
    double l = -2 * log(alpha);
    return s2 * (l + log(1 + l)) / horizon;
}

/* ---- design ---- */

double mp_stat_cohen_h(double p1, double p2)
{
    return 2 * asin(sqrt(p1)) - 2 * asin(sqrt(p2));
}

/* Power of the two-sided normal test with m = |effect| sqrt(n / 2) (equal arms):
 * Q(c - m) + P(Z < -c - m). Increasing in m; solved for m by bisection. */
double mp_ab_sample_size(double effect, double alpha, double power)
{
    if (!(fabs(effect) > 0) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
        return NAN;
    double c = mp_stat_norm_ppf(1 - alpha / 2), lo = 0, hi = 1;
    while (norm_sf(c - hi) + mp_stat_norm_cdf(-c - hi) < power)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (norm_sf(c - mid) + mp_stat_norm_cdf(-c - mid) < power)
            lo = mid;
        else
            hi = mid;
    }
    double m = 0.5 * (lo + hi);
    return 2 * m * m / (effect * effect);
}

/* Visitors per arm for a relative MDE (NAN when the target rate leaves (0,1)). */
static double design_n(const mp_ab_design *d, double mde_rel)
{
    double eff;
    if (d->revenue)
        eff = d->baseline * mde_rel / d->sd;
    else {
        double p2 = d->baseline * (1 + mde_rel);
        if (!(p2 > 0 && p2 < 1))
            return NAN;
        eff = mp_stat_cohen_h(p2, d->baseline);
    }
    return mp_ab_sample_size(eff, d->alpha_each, d->power);
}

enum mp_status mp_ab_design_solve(mp_ab_design *d, mp_error *err)
{
    if (d->variants < 2)
        return mp_fail(err, MP_EUSAGE, "--variants must be 2 or more");
    d->alpha_each = d->alpha / (d->variants - 1);
    double rel = d->mde_rel ? d->mde : d->mde / d->baseline;
    if (d->revenue) {
        if (!(d->sd > 0))
            return mp_fail(err, MP_EUSAGE, "--metric revenue needs --sd, the standard deviation of revenue per "
                                           "visitor");
        d->effect = d->baseline * rel / d->sd;
    } else {
        double p2 = d->baseline * (1 + rel);
        if (!(d->baseline > 0 && d->baseline < 1))
            return mp_fail(err, MP_EUSAGE, "--baseline must be a conversion rate between 0 and 1 (or a percentage)");
        if (!(p2 > 0 && p2 < 1))
            return mp_fail(err, MP_EUSAGE, "baseline %g with MDE %g gives a rate of %g, outside (0, 1)",
                           d->baseline, rel, p2);
        d->effect = mp_stat_cohen_h(p2, d->baseline);
    }
    if (!(fabs(d->effect) > 0))
        return mp_fail(err, MP_EUSAGE, "--mde must not be 0");
    d->n_exact = mp_ab_sample_size(d->effect, d->alpha_each, d->power);
    d->n = ceil(d->n_exact);
    d->days = d->traffic > 0 ? ceil(d->n * d->variants / d->traffic) : NAN;
    static const double grid[] = {0.01, 0.02, 0.03, 0.05, 0.08, 0.10, 0.15, 0.20, 0.30, 0.50};
    d->nrows = 0;
    int placed = 0;
    for (size_t i = 0; i < sizeof grid / sizeof *grid && d->nrows < 15; i++) {
        if (!placed && fabs(rel) <= grid[i] + 1e-12) {
            placed = 1;
            if (fabs(fabs(rel) - grid[i]) > 1e-12) {
                d->rows_mde[d->nrows] = fabs(rel);
                d->rows_n[d->nrows++] = design_n(d, fabs(rel));
            }
        }
        d->rows_mde[d->nrows] = grid[i];
        d->rows_n[d->nrows++] = design_n(d, grid[i]);
    }
    if (!placed) {
        d->rows_mde[d->nrows] = fabs(rel);
        d->rows_n[d->nrows++] = design_n(d, fabs(rel));
    }
    return MP_OK;
}

/* ---- the analysis ---- */

static double percentile(double *v, size_t n, double q)
{
    /* numpy's default (linear between the order statistics) */
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static void boot_cis(const double *t, const double *c, size_t nb, double alpha, mp_ab_stat *s, double *tmp)
{
    s->boot_ci = s->boot_rel_ci = (mp_ab_ci){NAN, NAN};
    if (!t || !c || nb < 2 || !tmp)
        return;
    for (size_t r = 0; r < nb; r++)
        tmp[r] = t[r] - c[r];
    qsort(tmp, nb, sizeof *tmp, cmp_double);
    s->boot_ci = (mp_ab_ci){percentile(tmp, nb, alpha / 2), percentile(tmp, nb, 1 - alpha / 2)};
    size_t k = 0;
    for (size_t r = 0; r < nb; r++)
        if (c[r] != 0)
            tmp[k++] = t[r] / c[r] - 1;
    if (k == nb) {
        qsort(tmp, nb, sizeof *tmp, cmp_double);
        s->boot_rel_ci = (mp_ab_ci){percentile(tmp, nb, alpha / 2), percentile(tmp, nb, 1 - alpha / 2)};
    }
}

static void stat_clear(mp_ab_stat *s)
{
    const mp_ab_ci none = {NAN, NAN};
    *s = (mp_ab_stat){.value = NAN, .value_ci = none, .diff = NAN, .diff_ci = none, .rel = NAN, .rel_ci = none,
                      .boot_ci = none, .boot_rel_ci = none, .p = NAN, .p_holm = NAN, .prob_beat = NAN,
                      .loss = NAN, .seq_p = NAN, .seq_ci = none};
}

/* One metric, every arm against the control. */
static void analyze_metric(const mp_ab_metric_in *m, size_t narms, size_t control, const mp_ab_opts *o,
                           mp_ab_stat *st, double *tau2_out, double *tmp)
{
    const mp_ab_cell *cc = &m->cells[control];
    double alpha = o->alpha;
    double horizon = o->horizon > 0 ? o->horizon : 10000;
    for (size_t a = 0; a < narms; a++) {
        const mp_ab_cell *c = &m->cells[a];
        mp_ab_stat *s = &st[a];
        stat_clear(s);
        s->n = c->n;
        if (m->kind == MP_AB_PROPORTION) {
            s->value = c->sum / c->n;
            s->value_ci = mp_stat_wilson(c->sum, c->n, alpha);
            if (a == control)
                continue;
            s->diff = s->value - cc->sum / cc->n;
            s->diff_ci = mp_stat_newcombe(c->sum, c->n, cc->sum, cc->n, alpha);
            s->rel = cc->sum > 0 ? s->value / (cc->sum / cc->n) - 1 : NAN;
            mp_ab_ci r = mp_stat_ratio_ci(c->sum, c->n, cc->sum, cc->n, alpha);
            s->rel_ci = (mp_ab_ci){r.lo - 1, r.hi - 1};
            s->p = mp_stat_prop_ztest(c->sum, c->n, cc->sum, cc->n);
            s->prob_beat = mp_stat_prob_beat(c->sum, c->n, cc->sum, cc->n, o->prior_a, o->prior_b);
            s->loss = mp_stat_expected_loss(c->sum, c->n, cc->sum, cc->n, o->prior_a, o->prior_b);
            if (o->sequential) {
                double pt = s->value, pc = cc->sum / cc->n;
                double s2 = pt * (1 - pt) + pc * (1 - pc);
                double v = pt * (1 - pt) / c->n + pc * (1 - pc) / cc->n;
                double tau2 = mp_stat_msprt_tau2(s2, horizon, alpha);
                s->seq_p = v > 0 ? mp_stat_msprt_p(s->diff, v, tau2) : 1;
                s->seq_ci = mp_stat_msprt_ci(s->diff, v, tau2, alpha);
                *tau2_out = tau2;
            }
        } else {
            s->value = c->sum / c->n;
            double sem = sqrt(c->var / c->n);
            double tq = c->n > 1 ? mp_stat_t_ppf(1 - alpha / 2, c->n - 1) : NAN;
            s->value_ci = (mp_ab_ci){s->value - tq * sem, s->value + tq * sem};
            if (a == control)
                continue;
            double mc = cc->sum / cc->n;
            mp_ab_welch w = mp_stat_welch(c->n, s->value, c->var, cc->n, mc, cc->var, alpha);
            s->diff = w.diff;
            s->diff_ci = w.ci;
            s->rel = mc != 0 ? s->value / mc - 1 : NAN;
            s->rel_ci = w.rel_ci;
            s->p = w.p;
            boot_cis(c->boot, cc->boot, o->nboot, alpha, s, tmp);
            if (o->sequential) {
                double v = c->var / c->n + cc->var / cc->n;
                double tau2 = mp_stat_msprt_tau2(c->var + cc->var, horizon, alpha);
                s->seq_p = mp_stat_msprt_p(s->diff, v, tau2);
                s->seq_ci = mp_stat_msprt_ci(s->diff, v, tau2, alpha);
                *tau2_out = tau2;
            }
        }
    }
}

void mp_ab_result_free(mp_ab_result *res)
{
    if (!res)
        return;
    free(res->stats);
    free(res);
}

const mp_ab_stat *mp_ab_result_stat(const mp_ab_result *res, size_t metric, size_t arm)
{
    return &res->stats[metric * res->narms + arm];
}

enum mp_status mp_ab_analyze(size_t narms, const char *const *arm_names, size_t control,
                             const mp_ab_metric_in *metrics, size_t nmetrics, const mp_ab_opts *opts,
                             mp_ab_result **out, mp_error *err)
{
    *out = NULL;
    mp_ab_opts o = *opts;
    if (!(o.alpha > 0 && o.alpha < 1))
        o.alpha = 0.05;
    if (!(o.prior_a > 0) || !(o.prior_b > 0))
        o.prior_a = o.prior_b = 1;
    if (!(o.srm_alpha > 0))
        o.srm_alpha = 0.001;
    if (narms < 2)
        return mp_fail(err, MP_EINPUT, "an A/B test needs at least two variants, found %zu", narms);
    if (control >= narms || nmetrics == 0)
        return mp_fail(err, MP_EINPUT, "no control or no metric");
    for (size_t m = 0; m < nmetrics; m++)
        for (size_t a = 0; a < narms; a++) {
            const mp_ab_cell *c = &metrics[m].cells[a];
            if (!(c->n > 0))
                return mp_fail(err, MP_EINPUT, "variant '%s' has no visitors", arm_names[a]);
            if (metrics[m].kind == MP_AB_PROPORTION && !(c->sum >= 0 && c->sum <= c->n))
                return mp_fail(err, MP_EINPUT, "variant '%s': %s %.17g not between 0 and visitors %.17g",
                               arm_names[a], metrics[m].name, c->sum, c->n);
            if (!isfinite(c->sum))
                return mp_fail(err, MP_EINPUT, "variant '%s': %s is not a finite number", arm_names[a],
                               metrics[m].name);
        }
    mp_ab_result *r = calloc(1, sizeof *r);
    double *tmp = o.nboot ? malloc(o.nboot * sizeof *tmp) : NULL;
    double *pv = malloc(2 * narms * sizeof *pv);
    double *vis = malloc(narms * sizeof *vis);
    if (r)
        r->stats = calloc(narms * nmetrics, sizeof *r->stats);
    if (!r || !r->stats || !pv || !vis || (o.nboot && !tmp)) {
        mp_ab_result_free(r);
        free(tmp);
        free(pv);
        free(vis);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    r->narms = narms;
    r->nmetrics = nmetrics;
    r->control = control;
    r->tau2 = NAN;
    for (size_t m = 0; m < nmetrics; m++) {
        mp_ab_stat *st = &r->stats[m * narms];
        double tau2 = NAN;
        analyze_metric(&metrics[m], narms, control, &o, st, &tau2, tmp);
        if (m == 0)
            r->tau2 = tau2;
        /* Holm over the variants (the control has no test), for p and the always-valid p */
        for (int seq = 0; seq < 2; seq++) {
            size_t k = 0;
            for (size_t a = 0; a < narms; a++)
                if (a != control)
                    pv[k++] = seq ? st[a].seq_p : st[a].p;
            mp_stat_holm(pv, pv + narms, k);
            k = 0;
            for (size_t a = 0; a < narms; a++) {
                if (a == control)
                    continue;
                double adj = pv[narms + k++];
                if (!seq)
                    st[a].p_holm = adj;
                int sig = metrics[m].guardrail ? (seq ? st[a].seq_p : st[a].p) < o.alpha : adj < o.alpha;
                if (seq == (o.sequential != 0))
                    st[a].significant = sig;
            }
        }
        for (size_t a = 0; a < narms; a++)
            if (metrics[m].guardrail && st[a].significant)
                st[a].degraded = metrics[m].lower_is_worse ? st[a].diff < 0 : st[a].diff > 0;
    }
    for (size_t a = 0; a < narms; a++)
        vis[a] = metrics[0].cells[a].n;
    r->srm_p = mp_stat_srm(vis, o.split, narms, &r->srm_chi2);
    r->srm = r->srm_p < o.srm_alpha;
    free(tmp);
    free(pv);
    free(vis);
    *out = r;
    return MP_OK;
}

/* ---- the accumulator ---- */

struct welford {
    double n, sum, mean, m2; /* sum kept apart: counts of conversions stay exact */
};

struct acc_arm {
    char *name;
    size_t len;
    struct welford *w; /* [ncols] */
    double *bw, *bs;   /* [nboot] replicate weights and weighted sums (non-zero values) */
    double *bmean;     /* [nboot] replicate means, made by mp_ab_acc_cell */
    double nzero;      /* rows whose bootstrapped value is 0: weighed in one draw at the end */
    uint64_t rng;
};

struct mp_ab_acc {
    size_t ncols, nboot, narms, cap;
    long boot_col;
    uint64_t seed;
    struct acc_arm *arms;
    size_t last;
    uint32_t pois[16]; /* P(Poisson(1) <= k) * 2^32, k = 0..15 */
};

/* splitmix64 (Steele, Lea & Flood 2014): small state, good enough for resampling weights. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unif(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1p-53;
}

/* Poisson(lam) for the rows of value 0 taken together: Knuth's product of uniforms below
 * 10, else PTRS, the transformed rejection of Hormann (1993) as numpy has it. */
static double rng_poisson(uint64_t *s, double lam)
{
    if (lam <= 0)
        return 0;
    if (lam < 10) {
        double l = exp(-lam), p = 1;
        double k = -1;
        do {
            k++;
            p *= rng_unif(s);
        } while (p > l);
        return k;
    }
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = rng_unif(s) - 0.5, v = rng_unif(s);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr)
            return k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1))
            return k;
    }
}

enum mp_status mp_ab_acc_new(size_t ncols, long boot_col, size_t nboot, uint64_t seed, mp_ab_acc **out,
                             mp_error *err)
{
    mp_ab_acc *acc = calloc(1, sizeof *acc);
    if (!acc)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    acc->ncols = ncols;
    acc->boot_col = boot_col >= 0 && (size_t)boot_col < ncols && nboot ? boot_col : -1;
    acc->nboot = acc->boot_col >= 0 ? nboot : 0;
    acc->seed = seed;
    double cum = 0, term = exp(-1.0);
    for (int k = 0; k < 16; k++) {
        cum += term;
        term /= k + 1;
        acc->pois[k] = cum >= 1 ? UINT32_MAX : (uint32_t)(cum * 4294967296.0);
    }
    *out = acc;
    return MP_OK;
}

void mp_ab_acc_free(mp_ab_acc *acc)
{
    if (!acc)
        return;
    for (size_t i = 0; i < acc->narms; i++) {
        free(acc->arms[i].name);
        free(acc->arms[i].w);
        free(acc->arms[i].bw);
        free(acc->arms[i].bs);
        free(acc->arms[i].bmean);
    }
    free(acc->arms);
    free(acc);
}

long mp_ab_acc_arm(mp_ab_acc *acc, const char *name, size_t len)
{
    if (acc->last < acc->narms && acc->arms[acc->last].len == len &&
        memcmp(acc->arms[acc->last].name, name, len) == 0)
        return (long)acc->last;
    for (size_t i = 0; i < acc->narms; i++)
        if (acc->arms[i].len == len && memcmp(acc->arms[i].name, name, len) == 0)
            return (long)(acc->last = i);
    if (acc->narms == acc->cap) {
        size_t cap = acc->cap ? 2 * acc->cap : 4;
        struct acc_arm *v = realloc(acc->arms, cap * sizeof *v);
        if (!v)
            return -1;
        acc->arms = v;
        acc->cap = cap;
    }
    struct acc_arm *a = &acc->arms[acc->narms];
    memset(a, 0, sizeof *a);
    a->name = malloc(len + 1);
    a->w = calloc(acc->ncols ? acc->ncols : 1, sizeof *a->w);
    if (acc->nboot) {
        a->bw = calloc(acc->nboot, sizeof *a->bw);
        a->bs = calloc(acc->nboot, sizeof *a->bs);
    }
    if (!a->name || !a->w || (acc->nboot && (!a->bw || !a->bs))) {
        free(a->name);
        free(a->w);
        free(a->bw);
        free(a->bs);
        return -1;
    }
    memcpy(a->name, name, len);
    a->name[len] = '\0';
    a->len = len;
    /* the arm's stream depends on its name and the seed, not on the order arms appear */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
    a->rng = acc->seed ^ h;
    return (long)(acc->last = acc->narms++);
}

void mp_ab_acc_add(mp_ab_acc *acc, size_t arm, const double *values)
{
    struct acc_arm *a = &acc->arms[arm];
    for (size_t c = 0; c < acc->ncols; c++) {
        struct welford *w = &a->w[c];
        double x = values[c];
        w->n += 1;
        w->sum += x;
        double d = x - w->mean;
        w->mean += d / w->n;
        w->m2 += d * (x - w->mean);
    }
    if (acc->nboot) {
        double x = values[acc->boot_col];
        if (x == 0) {
            a->nzero += 1;
            return;
        }
        for (size_t r = 0; r < acc->nboot;) {
            uint64_t u = rng_next(&a->rng);
            for (int half = 0; half < 2 && r < acc->nboot; half++, r++) {
                uint32_t v = (uint32_t)(half ? u >> 32 : u);
                unsigned k = 0;
                while (k < 15 && v >= acc->pois[k])
                    k++;
                a->bw[r] += k;
                a->bs[r] += k * x;
            }
        }
    }
}

size_t mp_ab_acc_narms(const mp_ab_acc *acc)
{
    return acc->narms;
}

const char *mp_ab_acc_arm_name(const mp_ab_acc *acc, size_t arm)
{
    return acc->arms[arm].name;
}

mp_ab_cell mp_ab_acc_cell(mp_ab_acc *acc, size_t arm, size_t col)
{
    struct acc_arm *a = &acc->arms[arm];
    const struct welford *w = &a->w[col];
    mp_ab_cell c = {w->n, w->sum, w->n > 1 ? w->m2 / (w->n - 1) : NAN, NULL};
    if (acc->nboot && (long)col == acc->boot_col) {
        if (!a->bmean && (a->bmean = malloc(acc->nboot * sizeof *a->bmean)) != NULL)
            for (size_t r = 0; r < acc->nboot; r++) {
                double wsum = a->bw[r] + rng_poisson(&a->rng, a->nzero);
                a->bmean[r] = wsum > 0 ? a->bs[r] / wsum : 0;
            }
        c.boot = a->bmean;
    }
    return c;
}
