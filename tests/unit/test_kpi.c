/* KPI ratios (docs/model.md 6), worked out by hand; absent ratios are NAN, never inf. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mplan/kpi.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-12 * fmax(1, fabs((double)(b))))

static void ratios_by_hand(void **state)
{
    (void)state;
    mp_kpis k = {.spend = 1000, .impressions = 200000, .clicks = 4000, .orders = 100, .gmv = 8500,
                 .new_customers = 60};
    mp_ratios r = mp_kpi_ratios(&k, 0.35);
    near(r.ctr, 0.02);          /* 4000 / 200000 */
    near(r.cvr, 0.025);         /* 100 / 4000 */
    near(r.aov, 85);            /* 8500 / 100 */
    near(r.cpc, 0.25);          /* 1000 / 4000 */
    near(r.cpm, 5);             /* 1000 * 1000 / 200000 */
    near(r.cac, 1000.0 / 60);
    near(r.roas, 8.5);
    near(r.roi, (8500 * 0.35 - 1000) / 1000); /* 1.975 */
    near(mp_kpi_value(&k, 0.35, MP_KPI_ROAS), 8.5);
    near(mp_kpi_value(&k, 0.35, MP_KPI_ORDERS), 100);
}

static void absent_ratios(void **state)
{
    (void)state;
    mp_kpis zero = {.gmv = 20000}; /* baseline only: nothing spent, no funnel */
    mp_ratios r = mp_kpi_ratios(&zero, NAN);
    assert_true(isnan(r.ctr) && isnan(r.cvr) && isnan(r.aov) && isnan(r.cpc));
    assert_true(isnan(r.cpm) && isnan(r.cac) && isnan(r.roas));
    assert_true(isnan(r.roi)); /* no margin: roi is never made up */
    mp_kpis k = {.spend = 10, .gmv = 50};
    assert_true(isnan(mp_kpi_ratios(&k, NAN).roi));
    near(mp_kpi_ratios(&k, 0.5).roi, 1.5);
}

static void names(void **state)
{
    (void)state;
    assert_int_equal(mp_kpi_lookup("new_customers"), MP_KPI_NEW_CUSTOMERS);
    assert_int_equal(mp_kpi_lookup("roas"), MP_KPI_ROAS);
    assert_int_equal(mp_kpi_lookup("ROAS"), -1);
    assert_string_equal(mp_kpi_name(MP_KPI_CPM), "cpm");
    assert_false(mp_kpi_higher_is_better(MP_KPI_CAC));
    assert_true(mp_kpi_higher_is_better(MP_KPI_GMV));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ratios_by_hand),
        cmocka_unit_test(absent_ratios),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
