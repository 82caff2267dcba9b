/* Response curves of docs/model.md 4, without the demand multiplier. */
#ifndef MPLAN_CURVE_H
#define MPLAN_CURVE_H

#include "core/model.h"

/* f(a), f'(a) and f''(a) of a response curve at adstock a >= 0. Any output pointer may be
 * NULL. At a = 0 a hill curve with s < 1 has f' = +inf (reported as HUGE_VAL). */
void mp_curve_eval(const struct mp_response *r, double a, double *f, double *d1, double *d2);

/* The one transcendental part of f at adstock a: u = (a/k)^s for hill (0 at a <= 0), exp(-a/k)
 * for exp, 0 otherwise. The optimiser keeps it per period and evaluates again from it. */
double mp_curve_base(const struct mp_response *r, double a);

/* mp_curve_eval with `base` = mp_curve_base(r, a) already known: the same numbers. */
void mp_curve_eval_base(const struct mp_response *r, double a, double base, double *f, double *d1,
                        double *d2);

/* The concave envelope of an S-shaped curve (hill s > 1) on a >= 0: the tangent from the
 * origin up to *knee, the curve after it; *slope = f(knee) / knee = f'(knee). The tangent
 * touches where f(a)/a = f'(a), i.e. 1 + u = s with u = (a/k)^s: knee = k (s - 1)^(1/s),
 * f(knee) = beta (s - 1) / s. Returns 0 (knee and slope 0) for a concave curve. */
int mp_curve_envelope(const struct mp_response *r, double *knee, double *slope);

/* The concave envelope of the curve on the adstocks [lo, hi]: from (lo, *flo = f(lo)) straight
 * with *slope up to *to, the curve after it. Up to the knee's tangent from the origin when
 * lo = 0; for lo > 0 below the inflection point, the tangent from (lo, f(lo)) to the curve;
 * the chord to (hi, f(hi)) when hi comes first. Returns 0 (*to = lo: the curve itself) when
 * f is concave on [lo, hi]. The line from a tangent is made continuous with the curve at *to
 * (its slope is f'(*to) to rounding). */
int mp_curve_envelope_on(const struct mp_response *r, double lo, double hi, double *flo,
                         double *to, double *slope);

/* 1 when the curve is concave on a >= 0 (hill with s <= 1, exp, linear). */
int mp_curve_concave(const struct mp_response *r);

#endif
