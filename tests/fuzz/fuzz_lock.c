/* PLAN.lock files (src/io/lock.c), beside a plan that uses the kpi-extra and aipl packs of
 * rules/: any input verifies or is refused with plan.lock:line:col. */
#include "fuzz.h"

#include "io/lock.h"
#include "mplan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mp_plan *plan;
    mp_error err = {0};
    if (!plan) {
        char text[3 * PATH_MAX];
        int n = snprintf(text, sizeof text,
                         "mplan: 1\n"
                         "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
                         "budget: {total: 1000}\n"
                         "baseline: {gmv: 100}\n"
                         "channels:\n"
                         "  - {id: a, kind: paid, response: {curve: hill, beta: 5000, k: 400}}\n"
                         "packs:\n"
                         "  - {path: %s/rules/kpi-extra}\n"
                         "  - {path: %s/rules/aipl}\n",
                         fz_root(), fz_root());
        const char *path = fz_file("plan.yaml", (const uint8_t *)text, (size_t)n);
        if (mp_plan_load(path, &plan, &err) != MP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            abort();
        }
    }
    fz_file("plan.lock", data, size);
    enum mp_status st = mp_lock_verify(plan, &err);
    if (st != MP_OK)
        fz_check_refusal(st, &err, "plan.lock", FZ_ALLOW(MP_EINPUT));
    return 0;
}
