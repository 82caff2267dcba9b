/* Forecast (docs/model.md 3-6): adstock series, response, funnel, marginals and totals by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

#include "core/model.h"
#include "mplan/alloc.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1, fabs((double)(b))))

/* One linear channel (roas 2), theta 0.5, carry-over 100, spend 100, 0, 200:
 *   a = 100 + 0.5*100 = 150, 0 + 75 = 75, 200 + 37.5 = 237.5 ; r = 2a = 300, 150, 475
 *   marginal (backward): g3 = 2, g2 = 2 + 0.5*2 = 3, g1 = 2 + 0.5*3 = 3.5
 *   mroas = (100*3.5 + 0*3 + 200*2) / 300 = 2.5
 * Funnel aov 50, cvr 0.1, ctr 0.02, new_share 0.4: week 1 orders 6, clicks 60, imps 3000.
 * Fixed lines: content 300 over 3 weeks (100 a week) + tools 10 a week; decoration 5 a week.
 * Baseline 1000 a week. */
static const char plan_text[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 3, period: week}\n"
    "budget: {total: 10000, fixed: [{name: content, amount: 300}, {name: tools, per_period: 10}]}\n"
    "baseline: {gmv: 1000}\n"
    "margin: 0.5\n"
    "channels:\n"
    "  - id: ads\n"
    "    kind: paid\n"
    "    response: {curve: linear, roas: 2}\n"
    "    theta: 0.5\n"
    "    carryover: 100\n"
    "    funnel: {aov: 50, cvr: 0.1, ctr: 0.02, new_share: 0.4}\n"
    "  - {id: deco, kind: basic, cost: {fixed: 5}}\n";

static void adstock_funnel_and_totals(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_alloc *a = mp_alloc_new(p);
    /* the fixed-cost channel is filled in */
    near(a->spend[1 * 3 + 0], 5);
    a->spend[0] = 100;
    a->spend[1] = 0;
    a->spend[2] = 200;
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    near(fc->adstock[0], 150);
    near(fc->adstock[1], 75);
    near(fc->adstock[2], 237.5);
    near(fc->cell[0].gmv, 300);
    near(fc->cell[1].gmv, 150);
    near(fc->cell[2].gmv, 475);
    near(fc->marginal[0], 3.5);
    near(fc->marginal[1], 3);
    near(fc->marginal[2], 2);
    near(fc->mroas[0], 2.5);
    assert_true(isnan(fc->mroas[1])); /* a fixed cost line has no marginal return */
    near(fc->cell[0].orders, 6);
    near(fc->cell[0].clicks, 60);
    near(fc->cell[0].impressions, 3000);
    near(fc->cell[0].new_customers, 2.4);
    /* channel totals: spend 300, gmv 925 ; deco spend 15, gmv 0 */
    near(fc->by_channel[0].spend, 300);
    near(fc->by_channel[0].gmv, 925);
    near(fc->by_channel[1].spend, 15);
    /* week 2: spend 0 + deco 5 + fixed lines 110 ; gmv 150 + baseline 1000 */
    near(fc->by_period[1].spend, 115);
    near(fc->by_period[1].gmv, 1150);
    /* total: spend 300 + 15 + 330 = 645 ; gmv 925 + 3000 = 3925 ; orders 925/50 = 18.5 */
    near(fc->total.spend, 645);
    near(fc->total.gmv, 3925);
    near(fc->total.orders, 18.5);
    near(fc->fixed_lines, 330);
    mp_ratios r = mp_kpi_ratios(&fc->total, p->margin);
    /* roas, roi, aov are marketing's: channel GMV 925 over all spend 645; the store's
     * include the organic 3000; the store's AOV is absent: the baseline gives no orders */
    near(r.roas, 925.0 / 645);
    near(r.roi, (925 * 0.5 - 645) / 645);
    near(r.aov, 50);
    near(r.store_roas, 3925.0 / 645);
    near(r.store_roi, (3925 * 0.5 - 645) / 645);
    assert_true(isnan(r.store_aov));
    near(mp_kpi_value(&fc->total, p->margin, MP_KPI_CHANNEL_GMV), 925);
    near(mp_kpi_value(&fc->total, p->margin, MP_KPI_ROAS), 925.0 / 645);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

/* Baseline orders give the store's AOV: 3000 organic GMV in 3 x 20 orders. */
static void store_aov_of_one_scope(void **state)
{
    (void)state;
    char text[2048];
    const char *at = strstr(plan_text, "baseline: {gmv: 1000}");
    snprintf(text, sizeof text, "%.*sbaseline: {gmv: 1000, orders: 20}%s", (int)(at - plan_text), plan_text,
             at + strlen("baseline: {gmv: 1000}"));
    mp_plan *p = fx_load(text);
    mp_alloc *a = mp_alloc_new(p);
    a->spend[0] = 100;
    a->spend[2] = 200;
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    near(mp_kpi_ratios(&fc->total, p->margin).store_aov, 3925 / (18.5 + 60));
    near(mp_kpi_ratios(&fc->total, p->margin).aov, 50);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

/* Storage deferral: search spends 1000 in storage week t1 (linear roas 2, theta 0): response
 * 2000 x weight. 70% converts in t1 at demand 1; 30% at the outbreak's demand
 * 2.6 x (7 x 1.1 + 4 x 1) / 11, split over the outbreak's days: 7/11 to t4, 4/11 to t5. */
static void storage_converts_at_the_outbreak(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                         "horizon: {start: 2027-10-04, periods: 8, period: week}\n"
                         "budget: {total: 100000}\n"
                         "season: [1, 1, 1, 1, 1.1, 1, 1, 1]\n"
                         "events:\n"
                         "  - name: Double 11\n"
                         "    outbreak: 2027-11-01..2027-11-11\n"
                         "    phases: {storage: 2w, warmup: 1w, review: 1w}\n"
                         "    lift: 2.6\n"
                         "channels:\n"
                         "  - {id: search, kind: paid, response: {curve: linear, roas: 2},\n"
                         "     funnel: {aov: 200, cvr: 0.05, ctr: 0.02, new_share: 0.5},\n"
                         "     spend: [0, 1000, 0, 0, 0, 0, 0, 0]}\n");
    mp_alloc *a = mp_alloc_new(p);
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    double deferred = 2000 * 0.3 * 2.6 * 11.7 / 11;
    near(fc->deferred[1], deferred);
    near(fc->cell[1].gmv, 1400);
    near(fc->by_period[1].gmv, 1400);
    near(fc->by_period[4].gmv, deferred * 7 / 11);
    near(fc->by_period[5].gmv, deferred * 4 / 11);
    near(fc->by_period[4].orders, deferred * 7 / 11 / 200);
    /* the visits stay where the money was spent: clicks of the whole response */
    near(fc->cell[1].clicks, (1400 + deferred) / 200 / 0.05);
    near(fc->by_channel[0].gmv, 1400 + deferred);
    near(fc->deferred_gmv[MP_PHASE_STORAGE], deferred);
    near(fc->pool[MP_PHASE_STORAGE], deferred / 200 / 0.05);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

static void goals_attainment(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 1, period: week}\n"
                      "budget: {total: 100}\n"
                      "goals: {gmv: 400, cac: 20, roas: 3}\n"
                      "channels: [{id: a, kind: paid, response: {curve: linear, roas: 3},"
                      " funnel: {aov: 30, cvr: 0.1, ctr: 0.1, new_share: 0.5}}]\n");
    mp_alloc *a = mp_alloc_new(p);
    a->spend[0] = 100; /* gmv 300, orders 10, new 5, cac 20, roas 3 */
    mp_forecast *fc = NULL;
    mp_goal_result *g = NULL;
    size_t n = 0;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    assert_int_equal(mp_goals_evaluate(p, fc, NULL, 0, &g, &n, &err), MP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(g[0].kpi, "gmv");
    near(g[0].attainment, 0.75);
    assert_false(g[0].met);
    assert_string_equal(g[1].kpi, "cac"); /* lower is better: attainment = target / forecast */
    near(g[1].forecast, 20);
    near(g[1].attainment, 1);
    assert_true(g[1].met);
    assert_true(g[2].met);
    free(g);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

static void check_names_the_broken_constraint(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
                      "budget: {total: 100}\n"
                      "channels:\n"
                      "  - {id: a, kind: paid, response: {curve: linear, roas: 3}, cap: 40, max: 70}\n"
                      "  - {id: b, kind: paid, response: {curve: linear, roas: 3}, active: [2027-01-04..2027-01-05]}\n");
    mp_alloc *a = mp_alloc_new(p);
    mp_error err = {0};
    a->spend[0] = 50;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "channel 'a', period 1: spend 50 breaks cap 40"));
    a->spend[0] = 40;
    a->spend[1] = 40;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "channel 'a': total 80 breaks max 70"));
    a->spend[1] = 30;
    a->spend[3] = 1;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "channel 'b', period 2"));
    assert_non_null(strstr(err.msg, "inactive"));
    a->spend[3] = 0;
    a->spend[2] = 31;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "budget"));
    a->spend[2] = 30;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_OK);
    a->spend[2] = -1;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "negative"));
    a->spend[2] = NAN;
    assert_int_equal(mp_alloc_check(p, a, 100, "x", &err), MP_ESCRIPT);
    mp_alloc_free(a);
    mp_plan_free(p);
}

/* Hill s = 0.5 (beta 1000, k 100), no carry-over, spend 100 then 0: the second period has
 * adstock 0 and an infinite first-dollar return, which must not reach the first period
 * (theta = 0 carries nothing to it). Period 1: u = (100/100)^0.5 = 1, f' = beta s u /
 * (a (1+u)^2) = 1000 * 0.5 / (100 * 4) = 1.25, so the marginal there and the channel's
 * mroas (only period 1 spends) are 1.25; period 2's marginal is +inf. */
static void mroas_after_zero_adstock(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                         "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
                         "budget: {total: 1000}\n"
                         "channels:\n"
                         "  - id: ads\n"
                         "    kind: paid\n"
                         "    response: {curve: hill, beta: 1000, k: 100, s: 0.5}\n");
    mp_alloc *a = mp_alloc_new(p);
    a->spend[0] = 100;
    a->spend[1] = 0;
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    near(fc->marginal[0], 1.25);
    assert_true(isinf(fc->marginal[1]) && fc->marginal[1] > 0);
    near(fc->mroas[0], 1.25);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

/* Lifts past the plan ranges (a strategy's scale_lift, a plan built in code) can make GMV
 * overflow: spend 100, 0, 0 with carry-over 100 gives adstock 150, 75, 37.5 and response
 * 300, 150, 75; 300 x 1e307 is infinite, and an infinite GMV would meet every goal. The
 * forecast is refused, naming the KPI and the scope. */
static void infinite_forecast_is_refused(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_alloc *a = mp_alloc_new(p);
    a->spend[0] = 100;
    p->lift[0] = 1e307;
    p->lift[1] = 10; /* week 2 adstock 75: gmv 150 x 10 stays finite */
    p->lift[2] = 1e307;
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_EINPUT);
    assert_null(fc);
    assert_non_null(strstr(err.msg, "t.yaml: the forecast is not finite (gmv of channel 'ads' is inf)"));
    /* within range the same lifts are fine */
    p->lift[0] = p->lift[2] = 1e3;
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    near(fc->by_channel[0].gmv, 300 * 1e3 + 150 * 10 + 75 * 1e3);
    mp_forecast_free(fc);
    mp_alloc_free(a);
    mp_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adstock_funnel_and_totals),
        cmocka_unit_test(mroas_after_zero_adstock),
        cmocka_unit_test(goals_attainment),
        cmocka_unit_test(store_aov_of_one_scope),
        cmocka_unit_test(storage_converts_at_the_outbreak),
        cmocka_unit_test(check_names_the_broken_constraint),
        cmocka_unit_test(infinite_forecast_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
