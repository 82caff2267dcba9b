/* Scenario files for whatif (src/io/scenario_load.c), checked against the
 * new-trade-festival example plan: any input loads or is refused with file:line:col. */
#include "fuzz.h"

#include "io/scenario_load.h"
#include "mplan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mp_plan *plan = fz_example_plan();
    mp_error err = {0};
    const char *path = fz_file("scenarios.yaml", data, size);
    struct mp_scenarios sc;
    memset(&sc, 0, sizeof sc);
    enum mp_status st = mp_scenarios_load(path, plan, &sc, &err);
    if (st != MP_OK)
        fz_check_refusal(st, &err, "scenarios.yaml", FZ_ALLOW(MP_EINPUT));
    else if (sc.n < 1)
        abort();
    mp_scenarios_free(&sc);
    return 0;
}
