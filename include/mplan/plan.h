/* A marketing plan: horizon, budget, events and phases, channels, goals. */
#ifndef MPLAN_PLAN_H
#define MPLAN_PLAN_H

#include <stddef.h>

#include "mplan/export.h"
#include "mplan/status.h"

typedef struct mp_plan mp_plan;

/* Read and validate a plan file (docs/plan-format.md). On success the caller owns *out: free it
 * with mp_plan_free. On failure *out is NULL and err names file:line:col. */
MP_API enum mp_status mp_plan_load(const char *path, mp_plan **out, mp_error *err);

/* The same from a buffer; `name` is used in messages. Ownership as mp_plan_load. */
MP_API enum mp_status mp_plan_load_string(const char *name, const char *text, size_t len,
                                          mp_plan **out, mp_error *err);

/* Derive each period's start, phase and event and every channel's demand multiplier
 * (docs/model.md 2); call again after changing events, season or channel lifts. */
MP_API enum mp_status mp_plan_resolve(mp_plan *plan, mp_error *err);

/* A deep copy. The caller owns the result (mp_plan_free); NULL when out of memory. */
MP_API mp_plan *mp_plan_clone(const mp_plan *plan);

MP_API void mp_plan_free(mp_plan *plan);

MP_API size_t mp_plan_channel_count(const mp_plan *plan);
MP_API int mp_plan_periods(const mp_plan *plan);

/* Channel c (0-based): its id ("p4p") and display name (the id when the plan gives none).
 * Strings live as long as the plan. */
MP_API const char *mp_plan_channel_id(const mp_plan *plan, size_t c);
MP_API const char *mp_plan_channel_name(const mp_plan *plan, size_t c);

/* Period t (0-based): its first day as YYYY-MM-DD in buf (returned), its phase ("outbreak",
 * "off", ...) and the event whose phase it is (NULL for none). */
MP_API const char *mp_plan_period_start(const mp_plan *plan, int t, char buf[11]);
MP_API const char *mp_plan_period_phase(const mp_plan *plan, int t);
MP_API const char *mp_plan_period_event(const mp_plan *plan, int t);

/* The plan's gross margin (NAN when it gives none), for the ratios of mp_kpi_value. */
MP_API double mp_plan_margin(const mp_plan *plan);

/* Periods already spent before the horizon (the `spent:` block mplan review writes), or 0. */
MP_API int mp_plan_spent_periods(const mp_plan *plan);

/* Warnings gathered while loading and running the plan, in order; strings live as long as
 * the plan. */
MP_API size_t mp_plan_warning_count(const mp_plan *plan);
MP_API const char *mp_plan_warning(const mp_plan *plan, size_t i);

/* How tables, reports and messages show large amounts: "plain" (12,345,678), "k" (12.35M,
 * 345.7k) or "wan" (1,234.6万, 1.23亿); the plan's store.locale sets the default (wan for
 * Chinese). MP_EUSAGE for any other name. */
MP_API enum mp_status mp_plan_set_units(mp_plan *plan, const char *units, mp_error *err);

/* Fixed lines over the horizon: budget.fixed, cost:fixed channels and fixed `spend:`. */
MP_API double mp_plan_fixed_total(const mp_plan *plan);

/* B of docs/model.md 7: total * (1 - reserve) - fixed lines over the horizon. */
MP_API double mp_plan_allocatable(const mp_plan *plan);

#endif
