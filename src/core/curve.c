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
