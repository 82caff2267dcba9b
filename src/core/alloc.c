/* Allocation objects and the constraint check every allocator's answer goes through. */
#include "mplan/alloc.h"

#include <math.h>
#include <stdlib.h>

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
                    return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %.6g breaks fixed spend %.6g",
                                   who, ch->id, t + 1, x, want);
                continue;
            }
            if (x < 0)
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %.6g is negative",
                               who, ch->id, t + 1, x);
            if (x > 0 && !ch->active[t])
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %.6g while the channel is inactive (phase %s)",
                               who, ch->id, t + 1, x, mp_phase_name(plan->phase[t]));
            if (x > ch->cap + tol)
                return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s', period %zu: spend %.6g breaks cap %.6g",
                               who, ch->id, t + 1, x, ch->cap);
            sum += x;
        }
        if (ch->mode != MP_MODE_OPTIMISED)
            continue;
        /* A share of the budget is no slack for a min far below it (a budget of 1e13 would
         * let a min of 2,000 go unspent): the min's own share, when that is smaller. */
        if (sum < ch->min - fmin(tol, fmax(1e-6, 1e-9 * ch->min)))
            return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s': total %.6g breaks min %.6g",
                           who, ch->id, sum, ch->min);
        if (sum > ch->max + tol)
            return mp_fail(err, MP_ESCRIPT, "allocator '%s': channel '%s': total %.6g breaks max %.6g",
                           who, ch->id, sum, ch->max);
        total += sum;
    }
    if (total > budget + tol)
        return mp_fail(err, MP_ESCRIPT, "allocator '%s': total spend %.6g breaks the budget %.6g",
                       who, total, budget);
    return MP_OK;
}
