/* Response curves of model.md 4, without the demand multiplier. */
#ifndef MPLAN_CURVE_H
#define MPLAN_CURVE_H

#include "core/model.h"

/* f(a), f'(a) and f''(a) of a response curve at adstock a >= 0. Any output pointer may be
 * NULL. At a = 0 a hill curve with s < 1 has f' = +inf (reported as HUGE_VAL). */
void mp_curve_eval(const struct mp_response *r, double a, double *f, double *d1, double *d2);

/* 1 when the curve is concave on a >= 0 (hill with s <= 1, exp, linear). */
int mp_curve_concave(const struct mp_response *r);

#endif
