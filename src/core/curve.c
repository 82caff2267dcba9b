#include "core/curve.h"

#include <math.h>

double mp_curve_base(const struct mp_response *r, double a)
{
    switch (r->curve) {
    case MP_CURVE_HILL:
        return a <= 0 ? 0 : r->s == 1 ? a / r->k : pow(a / r->k, r->s);
    case MP_CURVE_EXP:
        return exp(-a / r->k);
    case MP_CURVE_LINEAR:
    case MP_CURVE_NONE:
        break;
    }
    return 0;
}

void mp_curve_eval(const struct mp_response *r, double a, double *f, double *d1, double *d2)
{
    mp_curve_eval_base(r, a, mp_curve_base(r, a), f, d1, d2);
}

void mp_curve_eval_base(const struct mp_response *r, double a, double base, double *f, double *d1,
                        double *d2)
{
    double v = 0, g = 0, h = 0;
    switch (r->curve) {
    case MP_CURVE_HILL:
        if (a <= 0) {
            g = r->s < 1 ? HUGE_VAL : r->s == 1 ? r->beta / r->k : 0;
            h = r->s == 1 ? -2 * r->beta / (r->k * r->k) : r->s < 1 ? -HUGE_VAL : 0;
        } else {
            /* u = (a/k)^s: f = beta u/(1+u), f' = beta s u / (a (1+u)^2),
             * f'' = beta s u (s - 1 - (s+1) u) / (a^2 (1+u)^3) */
            double u = base;
            double q = 1 / (1 + u);
            v = r->beta * u * q;
            g = r->beta * r->s * u * q * q / a;
            h = g * q * (r->s - 1 - (r->s + 1) * u) / a;
        }
        break;
    case MP_CURVE_EXP: {
        double e = base;
        v = r->beta * (1 - e);
        g = r->beta / r->k * e;
        h = -g / r->k;
        break;
    }
    case MP_CURVE_LINEAR:
        v = r->roas * a;
        g = r->roas;
        break;
    case MP_CURVE_NONE:
        break;
    }
    if (f)
        *f = v;
    if (d1)
        *d1 = g;
    if (d2)
        *d2 = h;
}

int mp_curve_concave(const struct mp_response *r)
{
    return r->curve != MP_CURVE_HILL || r->s <= 1;
}

int mp_curve_envelope(const struct mp_response *r, double *knee, double *slope)
{
    *knee = *slope = 0;
    if (mp_curve_concave(r))
        return 0;
    *knee = r->k * pow(r->s - 1, 1 / r->s);
    *slope = r->beta * (r->s - 1) / (r->s * *knee);
    return 1;
}

/* Where f - f(lo) - f'(t) (t - lo) = 0 for t past the inflection point: the tangent from
 * (lo, f(lo)) to a hill curve, lo below the inflection point. That difference rises with t
 * there (its derivative is -f''(t) (t - lo) > 0); it is below 0 at the inflection point and
 * at least 0 at the knee (f(lo)/lo <= f(knee)/knee), so safeguarded Newton steps inside
 * that bracket find it. */
static double tangent_from(const struct mp_response *r, double lo, double infl, double knee)
{
    double a = fmax(infl, lo), b = knee, t = knee, f0;
    mp_curve_eval(r, lo, &f0, NULL, NULL);
    for (int it = 0; it < 100 && b - a > 1e-15 * b; it++) {
        double f, d1, d2;
        mp_curve_eval(r, t, &f, &d1, &d2);
        double g = f - f0 - d1 * (t - lo), dg = -d2 * (t - lo);
        if (g >= 0)
            b = t;
        else
            a = t;
        double nt = dg > 0 ? t - g / dg : NAN;
        if (!(nt > a && nt < b))
            nt = (a + b) / 2;
        if (fabs(nt - t) <= 1e-15 * t)
            return t; /* converged: the difference is 0 to rounding */
        t = nt;
    }
    return b;
}

int mp_curve_envelope_on(const struct mp_response *r, double lo, double hi, double *flo,
                         double *to, double *slope)
{
    double knee, s0, fh, ft;
    mp_curve_eval(r, lo, flo, slope, NULL);
    *to = lo;
    if (!mp_curve_envelope(r, &knee, &s0) || !(hi > lo))
        return 0;
    double infl = r->k * pow((r->s - 1) / (r->s + 1), 1 / r->s);
    if (lo >= infl)
        return 0;
    double t = lo > 0 ? tangent_from(r, lo, infl, knee) : knee;
    if (hi <= t) {
        mp_curve_eval(r, hi, &fh, NULL, NULL);
        *to = hi;
        *slope = (fh - *flo) / (hi - lo);
        return 1;
    }
    mp_curve_eval(r, t, &ft, NULL, NULL);
    *to = t;
    *slope = lo > 0 ? (ft - *flo) / (t - lo) : s0;
    return 1;
}
