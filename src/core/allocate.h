/* Inside mplan: equalize without the certificate's most costly part. */
#ifndef MPLAN_CORE_ALLOCATE_H
#define MPLAN_CORE_ALLOCATE_H

#include "mplan/alloc.h"

/* mp_alloc_equalize without branch and bound on S-curve plans (docs/model-notes.md, "Closing
 * the gap"): the answer and bound of the local search alone. For searches that call equalize
 * dozens of times and need no certificate (mp_alloc_best_roas). */
enum mp_status mp_alloc_equalize_quick(const mp_plan *plan, double budget, mp_alloc *out,
                                       mp_equalize_info *info, mp_error *err);

#endif
