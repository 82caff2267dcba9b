/* Allocation objects and the constraint check every allocator's answer goes through. */
#include "mplan/alloc.h"

#include <math.h>
#include <stdlib.h>

#include "core/allocate.h"
#include "core/model.h"

mp_alloc *mp_alloc_new(const mp_plan *plan)
{
    size_t C = plan->nchannels, T = (size_t)plan->T;
    mp_alloc *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->nchannels = C;
    a->T = plan->T;
    a->spend = calloc(C * T + 1, sizeof *a->spend);
    if (!a->spend) {
        free(a);
        return NULL;
    }
    for (size_t c = 0; c < C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        for (size_t t = 0; t < T; t++) {
            if (ch->mode == MP_MODE_FIXED_SPEND)
                a->spend[c * T + t] = ch->spend[t];
            else if (ch->mode == MP_MODE_FIXED_COST)
                a->spend[c * T + t] = ch->fixed_cost;
        }
    }
    return a;
}

void mp_alloc_free(mp_alloc *alloc)
{
    if (!alloc)
        return;
    free(alloc->spend);
    free(alloc);
}

/* Slack for rounding in sums: one part in 1e9 of the budget, at least 1e-6. */
static double tolerance(double budget)
{
    return fmax(1e-6, 1e-9 * fabs(budget));
}

enum mp_status mp_alloc_check(const mp_plan *plan, const mp_alloc *alloc, double budget,
                              const char *who, mp_error *err)
{
    size_t C = plan->nchannels, T = (size_t)plan->T;
    double tol = tolerance(budget), total = 0;
    if (alloc->nchannels != C || alloc->T != plan->T)
        return mp_fail(err, MP_ESCRIPT, "allocator '%s': allocation is shaped %zux%d, plan has %zu channels x %d periods",
                       who, alloc->nchannels, alloc->T, C, plan->T);
    for (size_t c = 0; c < C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        double sum = 0;
        for (size_t t = 0; t < T; t++) {
            double x = alloc->spend[c * T + t];
            if (!isfinite(x))
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend is not a finite number",
                               who, ch->id, t + 1);
            if (ch->mode != MP_MODE_OPTIMISED) {
                double want = ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[t] : ch->fixed_cost;
                if (fabs(x - want) > tol)
                    return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %s breaks fixed spend %s",
                                   who, ch->id, t + 1, MP_G(x), MP_G(want));
                continue;
            }
            if (x < 0)
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %s is negative",
                               who, ch->id, t + 1, MP_G(x));
            if (x > 0 && !ch->active[t])
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %s while the channel is inactive (phase %s)",
                               who, ch->id, t + 1, MP_G(x), mp_phase_name(plan->phase[t]));
            if (x > ch->cap + tol)
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %s breaks cap %s",
                               who, ch->id, t + 1, MP_G(x), MP_G(ch->cap));
            sum += x;
        }
        if (ch->mode != MP_MODE_OPTIMISED)
            continue;
        /* A share of the budget is no slack for a min far below it (a budget of 1e13 would
         * let a min of 2,000 go unspent): the min's own share, when that is smaller. */
        if (sum < ch->min - fmin(tol, fmax(1e-6, 1e-9 * ch->min)))
            return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s': total %s breaks min %s",
                           who, ch->id, MP_G(sum), MP_G(ch->min));
        if (sum > ch->max + tol)
            return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s': total %s breaks max %s",
                           who, ch->id, MP_G(sum), MP_G(ch->max));
        total += sum;
    }
    if (total > budget + tol)
        return mp_fail(err, MP_ESCRIPT, "allocator '%s': total spend %s breaks the budget %s",
                       who, MP_G(total), MP_G(budget));
    return MP_OK;
}

/* Marketing ROAS of the most-GMV allocation of spend b: (channel GMV) / (b + fixed spend). */
static double roas_at(mp_plan *gmv_plan, double b, mp_alloc *a, double *organic_fixed)
{
    mp_equalize_info info = {0};
    mp_error err = {0};
    if (mp_alloc_equalize_quick(gmv_plan, b, a, &info, &err) != MP_OK)
        return NAN;
    double spend = organic_fixed[1];
    for (size_t c = 0; c < gmv_plan->nchannels; c++)
        if (gmv_plan->channels[c].mode == MP_MODE_OPTIMISED)
            for (int t = 0; t < gmv_plan->T; t++)
                spend += a->spend[MP_AT(gmv_plan, c, t)];
    return spend > 0 ? (info.objective - organic_fixed[0]) / spend : NAN;
}

enum mp_status mp_alloc_best_roas(const mp_plan *plan, double budget, double *roas, double *spend,
                                  mp_error *err)
{
    *roas = *spend = NAN;
    mp_plan *q = mp_plan_clone(plan);
    mp_alloc *a = q ? mp_alloc_new(q) : NULL;
    if (!a) {
        mp_plan_free(q);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    q->objective = MP_OBJ_GMV;
    double of[2] = {0, mp_plan_fixed_total(plan)}, lo = 0;
    for (int t = 0; t < plan->T; t++)
        of[0] += plan->baseline[t];
    for (size_t c = 0; c < plan->nchannels; c++)
        if (plan->channels[c].mode == MP_MODE_OPTIMISED)
            lo += plan->channels[c].min;
    /* ROAS(b) = (C + G*(b)) / (F + b) with G* concave is quasi-concave: a golden-section
     * search finds its top (for S-curves, the top of the local optima found). */
    double hi = budget, g = (sqrt(5) - 1) / 2;
    if (!(hi > lo))
        lo = hi = fmax(budget, 0);
    lo = fmax(lo, 1e-9 * hi);
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = roas_at(q, x1, a, of), f2 = roas_at(q, x2, a, of);
    for (int it = 0; it < 60 && hi - lo > 1e-9 * fmax(1, budget); it++) {
        if (!(f1 < f2)) {
            hi = x2, x2 = x1, f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = roas_at(q, x1, a, of);
        } else {
            lo = x1, x1 = x2, f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = roas_at(q, x2, a, of);
        }
    }
    double ends[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        double f = roas_at(q, ends[i], a, of);
        if (f > *roas || isnan(*roas)) {
            *roas = f;
            *spend = ends[i] + of[1];
        }
    }
    if (f1 > *roas) {
        *roas = f1;
        *spend = x1 + of[1];
    }
    mp_alloc_free(a);
    mp_plan_free(q);
    return MP_OK;
}
