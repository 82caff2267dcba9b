/* PLACEHOLDER until the optimiser lands: replaced by the real equalize. */
#include "mplan/alloc.h"

enum mp_status mp_alloc_equalize(const mp_plan *plan, double budget, mp_alloc *out,
                                 mp_equalize_info *info, mp_error *err)
{
    (void)plan;
    (void)budget;
    (void)out;
    (void)info;
    return mp_fail(err, MP_EINTERNAL, "equalize is not built yet");
}
