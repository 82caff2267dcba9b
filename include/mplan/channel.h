/* Channel response curves (docs/model.md 3-5). */
#ifndef MPLAN_CHANNEL_H
#define MPLAN_CHANNEL_H

#include <stddef.h>

#include "mplan/export.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"

/* GMV of adstock level `a` for channel c in period t (0-based), demand multiplier included. */
MP_API double mp_channel_response(const mp_plan *plan, size_t c, int t, double a);

/* d response / d a at adstock level a. */
MP_API double mp_channel_marginal(const mp_plan *plan, size_t c, int t, double a);

/* The demand multiplier L[c,t] of docs/model.md 2 (season, event lift, strategies' scale)
 * of channel c in period t (0-based). */
MP_API double mp_channel_demand(const mp_plan *plan, size_t c, int t);

/* d(total GMV) / d x[c,t] with carry-over (docs/model.md 6, mroas): the return of one more
 * unit spent in period t (0-based) given the channel's spend `x` in every period ([T]),
 * starting from its initial adstock `carryover:`. */
MP_API double mp_channel_marginal_carry(const mp_plan *plan, size_t c, const double *x, int t);

/* The funnel of docs/model.md 5 for `spend` taken as the adstock level in period t (no
 * carry-over), as the forecast computes it for a cell. */
MP_API mp_kpis mp_channel_funnel(const mp_plan *plan, size_t c, int t, double spend);

/* 1 if channel c may spend in period t (0-based). */
MP_API int mp_channel_active(const mp_plan *plan, size_t c, int t);

/* Index of the channel with this id, or -1. */
MP_API long mp_channel_find(const mp_plan *plan, const char *id);
/* The channel a file from outside names (actuals, histories): by id, else by its `name:` when
 * exactly one channel has that name (platform exports say 直通车, the plan's id is ztc); -1. */
MP_API long mp_channel_lookup(const mp_plan *plan, const char *text);

#endif
