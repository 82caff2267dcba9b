/* What-if sweeps: grid order, scenarios restored between rows, infeasible rows kept, errors
 * located, sorting, the next-unit mROAS, and (with equalize) monotone GMV in the budget. */
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
#include "mplan/whatif.h"

#define near(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * fmax(1, fabs(b)))

/* One week, two exp channels: a (beta 1000, k 500) and b (beta 500, k 250), baseline 100. */
static const char two_exp[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 1, period: week}\n"
    "budget: {total: 1000}\n"
    "baseline: {gmv: 100}\n"
    "goals: {gmv: 1000}\n"
    "channels:\n"
    "  - {id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}\n"
    "  - {id: b, kind: self, response: {curve: exp, beta: 500, k: 250}}\n";

/* The test allocator: everything on channel a; "infeasible" below 150; a script error at 999. */
static enum mp_status all_on_a(void *ctx, const mp_plan *plan, double budget, mp_alloc *out, mp_error *err)
{
    (void)ctx;
    (void)plan;
    if (budget == 999)
        return mp_fail(err, MP_ESCRIPT, "pack/hook: boom");
    if (budget < 150)
        return mp_fail(err, MP_EINFEASIBLE, "below the minimums");
    out->spend[0] = budget;
    out->spend[1] = 0;
    return MP_OK;
}

static int prepared;

static enum mp_status count_and_touch(void *ctx, mp_plan *plan, mp_error *err)
{
    (void)ctx;
    (void)err;
    prepared++;
    /* a strategy that compounds if copies were reused: it must not show in the next scenario */
    plan->channels[1].resp.beta *= 2;
    return MP_OK;
}

static void grid_scenarios_restore(void **state)
{
    (void)state;
    mp_plan *p = fx_load(two_exp);
    const char *kpath[] = {"channels.a.response.k"};
    double kval[] = {250};
    mp_whatif_scenario sc[] = {{"steep", kpath, kval, 1}, {"base", NULL, NULL, 0}};
    mp_whatif_axis ax[] = {{"budget", 200, 400, 3}};
    mp_whatif_hooks hooks = {.allocate = all_on_a};
    mp_whatif *w = NULL;
    mp_error err = {0};
    assert_int_equal(mp_whatif_run(p, ax, 1, sc, 2, &hooks, &w, &err), MP_OK);
    assert_int_equal(w->nrows, 6);
    for (size_t i = 0; i < 6; i++) {
        const mp_whatif_row *r = &w->rows[i];
        double B = 200 + 100 * (double)(i % 3), k = i < 3 ? 250 : 500; /* 'base' after 'steep': restored */
        assert_int_equal(r->scenario, i / 3);
        near(r->axis[0], B);
        near(r->total.gmv, 100 + 1000 * (1 - exp(-B / k)));
        near(r->spend[0], B);
        near(r->attainment[0], r->total.gmv / 1000);
        /* the next unit: on a at 2 e^(-B/500) (k 500) or 4 e^(-B/250), or on b at 500/250 = 2 */
        near(r->mroas, fmax(1000 / k * exp(-B / k), 2));
        assert_int_equal(r->status, MP_OK);
    }
    assert_true(p->channels[0].resp.k == 500 && p->budget_total == 1000); /* the base plan is untouched */
    mp_whatif_free(w);

    /* with a prepare hook every scenario gets a fresh copy: b's doubling never compounds */
    prepared = 0;
    hooks.prepare = count_and_touch;
    mp_whatif_axis one[] = {{"budget", 300, 300, 1}};
    assert_int_equal(mp_whatif_run(p, one, 1, sc, 2, &hooks, &w, &err), MP_OK);
    assert_int_equal(prepared, 2);
    near(w->rows[1].mroas, fmax(2 * exp(-300.0 / 500), 1000.0 / 250)); /* b doubled once: 1000/250 */
    mp_whatif_free(w);
    mp_plan_free(p);
}

static void infeasible_rows_and_errors(void **state)
{
    (void)state;
    mp_plan *p = fx_load(two_exp);
    mp_whatif_axis ax[] = {{"budget", 100, 300, 3}};
    mp_whatif_hooks hooks = {.allocate = all_on_a};
    mp_whatif *w = NULL;
    mp_error err = {0};
    assert_int_equal(mp_whatif_run(p, ax, 1, NULL, 0, &hooks, &w, &err), MP_OK);
    assert_int_equal(w->rows[0].status, MP_EINFEASIBLE);
    assert_string_equal(w->rows[0].why, "budget=100: below the minimums");
    assert_true(isnan(w->rows[0].total.gmv) && isnan(w->rows[0].spend[0]) && isnan(w->rows[0].mroas));
    assert_int_equal(w->rows[1].status, MP_OK);

    /* sorting: best gmv first, the infeasible row last; cac is lower-is-better (here absent) */
    mp_whatif_sort(w, MP_KPI_GMV);
    near(w->rows[0].axis[0], 300.0);
    near(w->rows[1].axis[0], 200.0);
    near(w->rows[2].axis[0], 100.0);
    mp_whatif_sort(w, MP_KPI_SPEND); /* less spend is better */
    near(w->rows[0].axis[0], 200.0);
    mp_whatif_free(w);

    /* any other failure stops the sweep, its message saying which scenario */
    mp_whatif_axis bad[] = {{"budget", 999, 999, 1}};
    assert_int_equal(mp_whatif_run(p, bad, 1, NULL, 0, &hooks, &w, &err), MP_ESCRIPT);
    assert_string_equal(err.msg, "budget=999: pack/hook: boom");
    assert_null(w);
    /* axes are checked up front */
    mp_whatif_axis twice[] = {{"budget", 1, 2, 2}, {"budget", 1, 2, 2}};
    assert_int_equal(mp_whatif_run(p, twice, 2, NULL, 0, &hooks, &w, &err), MP_EUSAGE);
    mp_whatif_axis range[] = {{"budget.reserve", 0.2, 0.9, 2}};
    assert_int_equal(mp_whatif_run(p, range, 1, NULL, 0, &hooks, &w, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "'budget.reserve' must be in [0, 0.5], got 0.9"));
    mp_plan_free(p);
}

/* A concave plan (hill s <= 1 with carry-over, exp) across an event: more budget never lowers
 * the optimum GMV, and the next unit of budget never brings more. */
static void monotone_with_equalize(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 8, period: week}\n"
                      "budget: {total: 50000, reserve: 0.1}\n"
                      "events: [{name: Fest, outbreak: 2027-02-08..2027-02-14, phases: {warmup: 1w}, lift: 1.8}]\n"
                      "channels:\n"
                      "  - {id: p4p, kind: paid, response: {curve: hill, beta: 20000, k: 3000, s: 0.9}, theta: 0.3, cap: 6000}\n"
                      "  - {id: video, kind: paid, response: {curve: hill, beta: 9000, k: 2000, s: 0.7}, theta: 0.5}\n"
                      "  - {id: edm, kind: self, response: {curve: exp, beta: 5000, k: 800}, max: 6000}\n");
    mp_whatif_axis ax[] = {{"budget", 5000, 120000, 24}};
    mp_whatif *w = NULL;
    mp_error err = {0};
    enum mp_status st = mp_whatif_run(p, ax, 1, NULL, 0, NULL, &w, &err);
    if (st == MP_EINTERNAL && strstr(err.msg, "not built yet")) {
        mp_plan_free(p);
        skip(); /* the optimiser has not landed on this branch */
    }
    assert_int_equal(st, MP_OK);
    for (size_t i = 1; i < w->nrows; i++) {
        assert_true(w->rows[i].total.gmv >= w->rows[i - 1].total.gmv * (1 - 1e-9));
        assert_true(w->rows[i].mroas <= w->rows[i - 1].mroas * (1 + 1e-6));
    }
    mp_whatif_free(w);
    mp_plan_free(p);
}

/* S-curve plans (hill s 1.2-3, carry-over, caps, an event): a budget sweep never loses GMV
 * as the budget grows, whichever way the axis runs and wherever the budget axis sits in a
 * grid. Before sweeps were warm-started, cold solves found a worse local optimum at a larger
 * budget on such plans. */
static void scurve_sweeps_monotone(void **state)
{
    (void)state;
    unsigned long long seed = 14;
    /* the plans drawn after 128 others: with cold solves plan 132 lost 8% GMV from 28,000 to 30,000.
     * Under AddressSanitizer (make test-san) only up to that plan: the same code paths for its
     * memory checks, at a third of the time of the twelve (the release run checks them all). */
#ifdef __SANITIZE_ADDRESS__
    const int rounds = 133;
#else
    const int rounds = 140;
#endif
    for (int round = 0; round < rounds; round++) {
        char text[4096];
        int o = snprintf(text, sizeof text,
                         "mplan: 1\n"
                         "horizon: {start: 2027-01-04, periods: 8, period: week}\n"
                         "budget: {total: 30000}\n"
                         "events: [{name: Fest, outbreak: 2027-02-08..2027-02-14, lift: 1.8}]\n"
                         "channels:\n");
        for (int c = 0; c < 5; c++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            double u1 = (double)(seed >> 11) / 9007199254740992.0;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            double u2 = (double)(seed >> 11) / 9007199254740992.0;
            o += snprintf(text + o, sizeof text - (size_t)o,
                          "  - {id: c%d, kind: paid, response: {curve: hill, beta: %.0f, k: %.0f, s: %.3f}, theta: %.2f, cap: %.0f}\n",
                          c, 20000 + 60000 * u1, 2000 + 6000 * u2, 1.2 + 1.8 * u1 * u2, 0.5 * u2, 3000 + 4000 * u1);
        }
        if (round < 128)
            continue;
        mp_plan *p = fx_load(text);
        mp_whatif_axis up[] = {{"budget", 4000, 40000, 19}}, down[] = {{"budget", 40000, 4000, 19}};
        mp_whatif_axis grid[] = {{"budget", 4000, 40000, 10}, {"channels.c0.response.k", 3000, 5000, 2}};
        mp_whatif *w = NULL;
        mp_error err = {0};
        for (int dir = 0; dir < 2; dir++) {
            assert_int_equal(mp_whatif_run(p, dir ? down : up, 1, NULL, 0, NULL, &w, &err), MP_OK);
            for (size_t i = 1; i < w->nrows; i++) {
                const mp_whatif_row *lo = &w->rows[dir ? i : i - 1], *hi = &w->rows[dir ? i - 1 : i];
                if (!(hi->total.gmv >= lo->total.gmv * (1 - 1e-12)))
                    fail_msg("plan %d: budget %.0f gives GMV %.10g, budget %.0f only %.10g", round, lo->axis[0],
                             lo->total.gmv, hi->axis[0], hi->total.gmv);
            }
            mp_whatif_free(w);
        }
        assert_int_equal(mp_whatif_run(p, grid, 2, NULL, 0, NULL, &w, &err), MP_OK);
        for (size_t i = 2; i < w->nrows; i++) /* rows i - 2 and i: the same k, the next budget */
            if (!(w->rows[i].total.gmv >= w->rows[i - 2].total.gmv * (1 - 1e-12)))
                fail_msg("plan %d, grid row %zu: GMV %.10g below %.10g at a smaller budget", round, i,
                         w->rows[i].total.gmv, w->rows[i - 2].total.gmv);
        mp_whatif_free(w);
        mp_plan_free(p);
    }
}

/* mroas is the budget's shadow price. Two exp channels, one week: a (beta 1000, k 500, max
 * 300) and b (beta 500, k 250). At budget 600 a sits at its max (its own return there,
 * 2 e^(-0.6) = 1.0976, is above b's) and the next unit goes to b at y = 300: 2 e^(-1.2) =
 * 0.60239. The same number comes out of finite differences of the optimal GMV on both sides
 * (600 -/+ 0.01), though a is within the solver's tolerance of its max. At 1,000 with b's max
 * 200 too, both channels are full: the budget no longer binds and the next unit brings 0. */
static void mroas_is_the_shadow_price(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                         "horizon: {start: 2027-01-04, periods: 1, period: week}\n"
                         "budget: {total: 1000}\n"
                         "channels:\n"
                         "  - {id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}, max: 300}\n"
                         "  - {id: b, kind: self, response: {curve: exp, beta: 500, k: 250}}\n");
    double h = 0.01;
    mp_whatif_axis ax[] = {{"budget", 600 - h, 600 + h, 3}};
    mp_whatif *w = NULL;
    mp_error err = {0};
    assert_int_equal(mp_whatif_run(p, ax, 1, NULL, 0, NULL, &w, &err), MP_OK);
    double want = 2 * exp(-1.2), left = (w->rows[1].total.gmv - w->rows[0].total.gmv) / h,
           right = (w->rows[2].total.gmv - w->rows[1].total.gmv) / h;
    if (!(fabs(w->rows[1].mroas - want) <= 1e-6 && fabs(left - want) <= 1e-4 && fabs(right - want) <= 1e-4))
        fail_msg("mroas %.10g, finite differences %.10g (left) %.10g (right), by hand %.10g", w->rows[1].mroas,
                 left, right, want);
    mp_whatif_free(w);
    mp_error e2 = {0};
    assert_int_equal(mp_plan_set(p, "channels.b.max", 200, &e2), MP_OK);
    mp_whatif_axis full[] = {{"budget", 1000, 1000, 1}};
    assert_int_equal(mp_whatif_run(p, full, 1, NULL, 0, NULL, &w, &err), MP_OK);
    near(w->rows[0].total.gmv, 1000 * (1 - exp(-0.6)) + 500 * (1 - exp(-0.8)));
    assert_true(w->rows[0].mroas == 0);
    mp_whatif_free(w);
    mp_plan_free(p);
}

/* The budget a goal needs, by bisection: with a linear channel (roas 2) and baseline 100, gmv
 * 1,000 needs exactly 450; with one exp channel, roas 1.5 holds up to the budget where
 * 1000 (1 - e^(-B/500)) = 1.5 B, B = 302.92999 (solved by bisection in python to 1e-9); an
 * exp channel never sells more than beta, so gmv 5,000 is out of reach. */
static void goal_budget_by_bisection(void **state)
{
    (void)state;
    mp_error err = {0};
    double B = 0;
    mp_plan *lin = fx_load("mplan: 1\n"
                           "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
                           "budget: {total: 300}\n"
                           "baseline: {gmv: 50}\n"
                           "goals: {gmv: 1000}\n"
                           "channels: [{id: a, kind: paid, response: {curve: linear, roas: 2}}]\n");
    assert_int_equal(mp_whatif_goal_budget(lin, 0, NULL, 1, &B, &err), MP_OK);
    assert_true(B >= 450 && B <= 451);
    lin->budget_total = 600; /* already met: the budget as it is */
    assert_int_equal(mp_whatif_goal_budget(lin, 0, NULL, 1, &B, &err), MP_OK);
    assert_true(B == 600);
    mp_plan_free(lin);

    mp_plan *one = fx_load("mplan: 1\n"
                           "horizon: {start: 2027-01-04, periods: 1, period: week}\n"
                           "budget: {total: 1000}\n"
                           "goals: {roas: 1.5, gmv: 5000}\n"
                           "channels: [{id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}]\n");
    assert_int_equal(mp_whatif_goal_budget(one, 0, NULL, 0.01, &B, &err), MP_OK);
    assert_true(B <= 302.92999 + 1e-4 && B >= 302.92999 - 0.01 - 1e-4);
    assert_int_equal(mp_whatif_goal_budget(one, 1, NULL, 1, &B, &err), MP_OK);
    assert_true(isnan(B));
    assert_int_equal(mp_whatif_goal_budget(one, 2, NULL, 1, &B, &err), MP_EUSAGE);
    mp_plan_free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_scenarios_restore),
        cmocka_unit_test(infeasible_rows_and_errors),
        cmocka_unit_test(monotone_with_equalize),
        cmocka_unit_test(scurve_sweeps_monotone),
        cmocka_unit_test(mroas_is_the_shadow_price),
        cmocka_unit_test(goal_budget_by_bisection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
