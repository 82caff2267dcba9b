/* include/mplan/run.h: a plan run through the library, read by its accessors. Expected
 * numbers worked by hand on linear channels (GMV = roas x spend, no carry-over). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "mplan/run.h"

static void near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* Budget 100 over two weeks; caps make the allocation unique: a 30 + 30, b 20 + 20.
 * GMV: a 3 x 60 = 180, b 2 x 40 = 80, baseline 10 a week: 280 in all. */
static const char plan_text[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
    "budget: {total: 100}\n"
    "baseline: {gmv: 10}\n"
    "goals: {gmv: 300, roas: 2.5}\n"
    "channels:\n"
    "  - {id: a, name: Search ads, kind: paid, theta: 0, response: {curve: linear, roas: 3}, cap: 30}\n"
    "  - {id: b, kind: paid, theta: 0, response: {curve: linear, roas: 2}, cap: 20}\n";

static void run_reads_back(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_run *run = NULL;
    mp_error err = {0};
    assert_int_equal(mp_plan_run(p, NULL, &run, &err), MP_OK);
    assert_int_equal(mp_run_channel_count(run), 2);
    assert_string_equal(mp_run_channel_id(run, 0), "a");
    assert_string_equal(mp_run_channel_name(run, 0), "Search ads");
    assert_string_equal(mp_run_channel_name(run, 1), "b"); /* no name: the id */
    assert_int_equal(mp_run_periods(run), 2);
    char day[11];
    assert_string_equal(mp_run_period_start(run, 1, day), "2027-01-11");
    assert_null(mp_run_period_event(run, 0));
    assert_string_equal(mp_run_allocator(run), "equalize");
    near(mp_run_allocatable(run), 100);
    near(mp_run_shortfall(run), 0);
    near(mp_run_spend(run, 0, 0), 30);
    near(mp_run_spend(run, 1, 1), 20);
    near(mp_run_kpi(run, MP_KPI_GMV, MP_RUN_ALL, MP_RUN_ALL), 280);
    near(mp_run_kpi(run, MP_KPI_SPEND, MP_RUN_ALL, MP_RUN_ALL), 100);
    near(mp_run_kpi(run, MP_KPI_GMV, 0, MP_RUN_ALL), 180);
    near(mp_run_kpi(run, MP_KPI_ROAS, 1, MP_RUN_ALL), 2);
    near(mp_run_kpi(run, MP_KPI_GMV, MP_RUN_ALL, 1), 10 + 90 + 40);
    near(mp_run_kpi(run, MP_KPI_GMV, 1, 0), 40);
    assert_true(isnan(mp_run_kpi(run, MP_KPI_ROI, MP_RUN_ALL, MP_RUN_ALL))); /* no margin */
    assert_int_equal(mp_run_goal_count(run), 2);
    assert_string_equal(mp_run_goal(run, 0)->kpi, "gmv");
    near(mp_run_goal(run, 0)->attainment, 280.0 / 300);
    assert_false(mp_run_goal(run, 0)->met);
    near(mp_run_goal(run, 1)->forecast, 2.6); /* marketing's ROAS: channel GMV 260 / 100 */
    assert_true(mp_run_goal(run, 1)->met);
    assert_int_equal(mp_run_custom_count(run), 0);
    assert_int_equal(mp_run_segment_count(run), 0);
    assert_null(mp_run_segments(run));
    mp_run_free(run);
    mp_plan_free(p);
}

/* A run changes a copy: the plan given stays as loaded, and runs twice the same. */
static void run_leaves_the_plan(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_run *r1 = NULL, *r2 = NULL;
    mp_error err = {0};
    assert_int_equal(mp_plan_run(p, NULL, &r1, &err), MP_OK);
    assert_int_equal(mp_plan_run(p, NULL, &r2, &err), MP_OK);
    assert_ptr_not_equal(mp_run_plan(r1), p);
    assert_true(mp_run_kpi(r1, MP_KPI_GMV, MP_RUN_ALL, MP_RUN_ALL) == mp_run_kpi(r2, MP_KPI_GMV, MP_RUN_ALL, MP_RUN_ALL));
    mp_run_free(r1);
    mp_run_free(r2);
    mp_run_free(NULL);
    mp_plan_free(p);
}

/* A pack allocator or a PACK.NAME goal with no packs loaded: MP_EINPUT naming the plan and
 * the hook; nothing is returned. */
static void run_without_packs_fails(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%sallocator: greedy.alloc\n", plan_text);
    mp_plan *p = NULL;
    mp_error err = {0};
    if (mp_plan_load_string("t.yaml", text, strlen(text), &p, &err) != MP_OK)
        skip(); /* the loader already refuses it */
    mp_run *run = (mp_run *)1;
    assert_int_equal(mp_plan_run(p, NULL, &run, &err), MP_EINPUT);
    assert_null(run);
    assert_string_equal(err.msg, "t.yaml: allocator 'greedy.alloc': the plan loads no packs");
    mp_plan_free(p);
}

/* mp_run_write writes the run's JSON (byte for byte against `mplan run` in e2e/embed.sh). */
static void run_writes_json(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_run *run = NULL;
    mp_error err = {0};
    assert_int_equal(mp_plan_run(p, NULL, &run, &err), MP_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    assert_int_equal(mp_run_write(run, fp, MP_RUN_JSON, &err), MP_OK);
    fclose(fp);
    assert_non_null(strstr(buf, "\"allocator\": \"equalize\""));
    assert_non_null(strstr(buf, "\"gmv\": 280"));
    free(buf);
    mp_run_free(run);
    mp_plan_free(p);
}

/* What-if through the pipeline: budgets 60 and 100 on the same caps. At 60 equalize puts
 * it all on a (roas 3, up to 30 a week): GMV 20 + 180 = 200. */
static void whatif_sweeps_budget(void **state)
{
    (void)state;
    mp_plan *p = fx_load(plan_text);
    mp_whatif *w = NULL;
    mp_error err = {0};
    mp_whatif_axis ax = {"budget", 60, 100, 2};
    assert_int_equal(mp_plan_whatif(p, NULL, &ax, 1, NULL, 0, NULL, NULL, &w, &err), MP_OK);
    assert_int_equal(w->nrows, 2);
    near(w->rows[0].total.gmv, 200);
    near(w->rows[1].total.gmv, 280);
    mp_whatif_free(w);
    mp_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_reads_back),
        cmocka_unit_test(run_leaves_the_plan),
        cmocka_unit_test(run_without_packs_fails),
        cmocka_unit_test(run_writes_json),
        cmocka_unit_test(whatif_sweeps_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
