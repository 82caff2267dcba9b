/* Plan values by path, found once and then set many times (what-if sweeps). */
#ifndef MPLAN_OVERRIDE_H
#define MPLAN_OVERRIDE_H

#include <stddef.h>

#include "core/model.h"

#define MP_REF_LO_OPEN 1u
#define MP_REF_HI_OPEN 2u

/* Where a path's value lives in one plan: n doubles from p (baseline.gmv sets every
 * period), the range the plan file allows, and whether the derived model (phases, lifts)
 * must be recomputed after a change. Valid as long as the plan is. */
struct mp_plan_ref {
    double *p;
    size_t n;
    double lo, hi;
    unsigned open;
    int resolve;
    const double *floor; /* a value this one may not go below (max >= min), or NULL */
};

/* Find the value `path` names in `plan` (mp_plan_set lists the paths). */
enum mp_status mp_plan_ref_find(mp_plan *plan, const char *path, struct mp_plan_ref *ref, mp_error *err);
/* Check `value` against the ref's range and store it; messages name `path`. */
enum mp_status mp_plan_ref_set(const struct mp_plan_ref *ref, const char *path, double value, mp_error *err);

#endif
