/* Response curves of model.md 4, without the demand multiplier. */
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

/* 1 when the curve is concave on a >= 0 (hill with s <= 1, exp, linear). */
int mp_curve_concave(const struct mp_response *r);

#endif
