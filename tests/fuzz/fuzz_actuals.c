/* Actuals files for review and report (src/io/actuals.c), read against the
 * new-trade-festival example plan: any input loads or is refused with file:line. */
#include "fuzz.h"

#include "io/actuals.h"
#include "mplan/plan.h"
#include "mplan/review.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mp_plan *plan = fz_example_plan();
    mp_error err = {0};
    const char *path = fz_file("actuals.csv", data, size);
    mp_actuals *a = NULL;
    enum mp_status st = mp_actuals_load(path, plan, &a, &err);
    if (st != MP_OK) {
        fz_check_refusal(st, &err, "actuals.csv", FZ_ALLOW(MP_EINPUT));
        if (a)
            abort();
    }
    mp_actuals_free(a);
    return 0;
}
