/* Response curves (docs/model.md 4): values and derivatives worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/curve.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1, fabs((double)(b))))

static void hill_values(void **state)
{
    (void)state;
    struct mp_response r = {.curve = MP_CURVE_HILL, .beta = 60000, .k = 4000, .s = 1};
    double f, d1, d2;
    /* at a = k the hill curve is at half saturation: 30000 */
    mp_curve_eval(&r, 4000, &f, &d1, &d2);
    near(f, 30000);
    /* s = 1: f' = beta k / (a + k)^2 = 60000*4000/8000^2 = 3.75 ; f'' = -2 beta k/(a+k)^3 = -0.0009375 */
    near(d1, 3.75);
    near(d2, -2.0 * 60000 * 4000 / (8000.0 * 8000 * 8000));
    /* s = 2, a = 2k: u = 4, f = beta*4/5 = 48000 ; f' = beta s u / (a (1+u)^2) = 60000*2*4/(8000*25) = 2.4 */
    r.s = 2;
    mp_curve_eval(&r, 8000, &f, &d1, &d2);
    near(f, 48000);
    near(d1, 2.4);
    /* f'' = f' * (s - 1 - (s+1) u) / (a (1+u)) = 2.4 * (1 - 12) / (8000*5) = -0.00066 */
    near(d2, -0.00066);
    /* an S-curve is flat at 0 and not concave */
    mp_curve_eval(&r, 0, &f, &d1, NULL);
    near(f, 0);
    near(d1, 0);
    assert_false(mp_curve_concave(&r));
    r.s = 0.9;
    assert_true(mp_curve_concave(&r));
    mp_curve_eval(&r, 0, NULL, &d1, NULL);
    assert_true(isinf(d1)); /* s < 1: infinitely steep at 0 */
}

static void hill_derivative_matches_difference(void **state)
{
    (void)state;
    struct mp_response r = {.curve = MP_CURVE_HILL, .beta = 15000, .k = 2500, .s = 0.7};
    for (double a = 50; a < 20000; a *= 1.7) {
        double f1, f2, d, dd, g1, g2;
        double h = a * 1e-5;
        mp_curve_eval(&r, a - h, &f1, &g1, NULL);
        mp_curve_eval(&r, a + h, &f2, &g2, NULL);
        mp_curve_eval(&r, a, NULL, &d, &dd);
        assert_true(fabs((f2 - f1) / (2 * h) - d) <= 1e-6 * fabs(d));
        assert_true(fabs((g2 - g1) / (2 * h) - dd) <= 1e-5 * fabs(dd));
    }
}

static void exp_and_linear(void **state)
{
    (void)state;
    struct mp_response e = {.curve = MP_CURVE_EXP, .beta = 15000, .k = 4000};
    double f, d1, d2;
    /* a = k ln 2: f = beta/2, f' = beta/(2k), f'' = -beta/(2k^2) */
    mp_curve_eval(&e, 4000 * log(2), &f, &d1, &d2);
    near(f, 7500);
    near(d1, 15000 / 8000.0);
    near(d2, -15000 / (2 * 4000.0 * 4000));
    struct mp_response l = {.curve = MP_CURVE_LINEAR, .roas = 3.5};
    mp_curve_eval(&l, 1000, &f, &d1, &d2);
    near(f, 3500);
    near(d1, 3.5);
    near(d2, 0);
    struct mp_response none = {.curve = MP_CURVE_NONE};
    mp_curve_eval(&none, 1000, &f, &d1, &d2);
    near(f, 0);
}

/* The base the optimiser keeps per period, and evaluation from it: (a/k)^s for hill, e^(-a/k)
 * for exp, 0 for linear; from the right base the same numbers as mp_curve_eval. */
static void base_and_eval_from_it(void **state)
{
    (void)state;
    struct mp_response h = {.curve = MP_CURVE_HILL, .beta = 60000, .k = 4000, .s = 2};
    struct mp_response h1 = {.curve = MP_CURVE_HILL, .beta = 60000, .k = 4000, .s = 1};
    struct mp_response e = {.curve = MP_CURVE_EXP, .beta = 15000, .k = 4000};
    struct mp_response l = {.curve = MP_CURVE_LINEAR, .roas = 3.5};
    near(mp_curve_base(&h, 8000), 4);            /* (8000/4000)^2 */
    near(mp_curve_base(&h, 0), 0);
    near(mp_curve_base(&h1, 2000), 0.5);         /* 2000/4000 */
    near(mp_curve_base(&e, 4000), exp(-1));      /* e^(-4000/4000) */
    near(mp_curve_base(&e, 0), 1);
    near(mp_curve_base(&l, 1000), 0);
    const struct mp_response *all[] = {&h, &h1, &e, &l};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        for (double a = 0; a < 20000; a += 1750) {
            double f, d1, d2, g, g1, g2;
            mp_curve_eval(all[i], a, &f, &d1, &d2);
            mp_curve_eval_base(all[i], a, mp_curve_base(all[i], a), &g, &g1, &g2);
            assert_true(f == g && d1 == g1 && d2 == g2);
        }
    /* 4 from the base gives the hill value at a = 2k: beta u/(1+u) = 48000 */
    double f;
    mp_curve_eval_base(&h, 8000, 4, &f, NULL, NULL);
    near(f, 48000);
}

/* The concave envelope of an S-curve, worked by hand. Hill beta 1000, k 100:
 *   s = 2: f(a)/a = 1000 a / (a^2 + 100^2) is largest where a^2 = 100^2: knee 100,
 *          f(100) = 500, slope 5 (= f'(100) = 1000*2*1/(100*4) = 5: a tangent);
 *   s = 3: f(a)/a = 1000 a^2 / (a^3 + 100^3), largest where 2 (a^3 + 1e6) = 3 a^3, a^3 = 2e6:
 *          knee 125.99210498948732, f = 1000*2/3, slope 666.666.../125.992... = 5.2913368...
 * Concave curves have none. */
static void envelope_by_hand(void **state)
{
    (void)state;
    struct mp_response r = {.curve = MP_CURVE_HILL, .beta = 1000, .k = 100, .s = 2};
    double knee, slope, f, d1;
    assert_int_equal(mp_curve_envelope(&r, &knee, &slope), 1);
    near(knee, 100);
    near(slope, 5);
    r.s = 3;
    assert_int_equal(mp_curve_envelope(&r, &knee, &slope), 1);
    near(knee, cbrt(2e6));
    near(slope, 2000.0 / 3 / cbrt(2e6));
    mp_curve_eval(&r, knee, &f, &d1, NULL);
    near(f, slope * knee); /* on the curve */
    near(d1, slope);       /* and tangent to it */
    for (double a = 1; a < 1000; a *= 1.1) {
        mp_curve_eval(&r, a, &f, NULL, NULL);
        assert_true(f <= slope * a * (1 + 1e-12)); /* the line lies above the curve */
    }
    r.s = 1;
    assert_int_equal(mp_curve_envelope(&r, &knee, &slope), 0);
    assert_true(knee == 0 && slope == 0);
    struct mp_response e = {.curve = MP_CURVE_EXP, .beta = 1000, .k = 100};
    assert_int_equal(mp_curve_envelope(&e, &knee, &slope), 0);
}

/* The envelope on [lo, hi] (branch and bound's nodes), hill beta 1000, k 100, s 2:
 * f(a) = 1000 a^2 / (100^2 + a^2), inflection 100/sqrt(3) = 57.735.
 *   [0, 300]: the envelope from the origin, tangent at the knee 100 (slope 5);
 *   [0, 60]:  the chord to (60, f(60) = 264.70588...), slope 4.4117647...;
 *   [20, 300]: the tangent from (20, f(20) = 38.461538...) touches where
 *             f(t) - f(20) = f'(t) (t - 20): t = 81.98039027185570, slope f'(t) = 5.864441839993063
 *             (scipy's brentq on that equation, xtol 1e-14);
 *   [20, 70]: the chord (f(70) - f(20)) / 50 = 5.807950438822923 (70 < t);
 *   [60, 300]: concave there (60 > 57.735): none. */
static void envelope_on_by_hand(void **state)
{
    (void)state;
    struct mp_response r = {.curve = MP_CURVE_HILL, .beta = 1000, .k = 100, .s = 2};
    double fl, to, slope, f;
    assert_int_equal(mp_curve_envelope_on(&r, 0, 300, &fl, &to, &slope), 1);
    near(fl, 0);
    near(to, 100);
    near(slope, 5);
    assert_int_equal(mp_curve_envelope_on(&r, 0, 60, &fl, &to, &slope), 1);
    near(to, 60);
    near(slope, 1000.0 * 3600 / 13600 / 60);
    assert_int_equal(mp_curve_envelope_on(&r, 20, 300, &fl, &to, &slope), 1);
    near(fl, 1000.0 * 400 / 10400);
    near(to, 81.98039027185570);
    near(slope, 5.864441839993063);
    for (double a = 20; a < 300; a += 0.5) { /* above the curve, and the curve after the tangent */
        mp_curve_eval(&r, a, &f, NULL, NULL);
        assert_true(a >= to || fl + slope * (a - 20) >= f * (1 - 1e-12));
    }
    assert_int_equal(mp_curve_envelope_on(&r, 20, 70, &fl, &to, &slope), 1);
    near(to, 70);
    near(slope, 5.807950438822923);
    assert_int_equal(mp_curve_envelope_on(&r, 60, 300, &fl, &to, &slope), 0);
    near(to, 60);
    struct mp_response e = {.curve = MP_CURVE_EXP, .beta = 1000, .k = 100};
    assert_int_equal(mp_curve_envelope_on(&e, 0, 300, &fl, &to, &slope), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hill_values),
        cmocka_unit_test(envelope_by_hand),
        cmocka_unit_test(envelope_on_by_hand),
        cmocka_unit_test(hill_derivative_matches_difference),
        cmocka_unit_test(exp_and_linear),
        cmocka_unit_test(base_and_eval_from_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
