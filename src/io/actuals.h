/* Actuals files for `mplan review` (docs/plan-format.md "Actuals"). */
#ifndef MPLAN_IO_ACTUALS_H
#define MPLAN_IO_ACTUALS_H

#include "mplan/review.h"

/* Read `path` against `plan`: unknown channels, periods outside the horizon (by number or
 * start date), negative or non-numeric values, a funnel that widens and duplicate rows are
 * MP_EINPUT at file:line. The caller owns *out: free with mp_actuals_free. */
enum mp_status mp_actuals_load(const char *path, const mp_plan *plan, mp_actuals **out, mp_error *err);

#endif
