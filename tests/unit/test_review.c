/* Review: variance worked out by hand, the refit recovering a known curve from noisy actuals,
 * the rescale through the observed total, and the revised plan of the remaining periods. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#include "core/date.h"
#include "core/model.h"
#include "mplan/review.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1, fabs((double)(b))))

static mp_forecast *forecast(const mp_plan *p)
{
    mp_alloc *a = mp_alloc_new(p);
    mp_forecast *fc = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(p, a, &fc, &err), MP_OK);
    mp_alloc_free(a);
    return fc;
}

static void set(mp_actuals *act, size_t c, int t, double spend, double impressions, double clicks, double orders,
                double gmv, double new_customers)
{
    size_t i = c * (size_t)act->T + (size_t)t;
    act->cell[i] = (mp_kpis){spend, impressions, clicks, orders, gmv, new_customers, 0, 0};
    act->seen[i] = 1;
    if (t + 1 > act->done)
        act->done = t + 1;
}

/* A linear channel with fixed spend: the plan's forecast is spend * roas, easy by hand. */
static const char linear_plan[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 4, period: week}\n"
    "budget: {total: 10000, reserve: 0.1, fixed: [{name: tools, amount: 400}]}\n"
    "margin: 0.5\n"
    "baseline: {gmv: 50}\n"
    "goals: {gmv: 9000, orders: 100, roas: 2}\n"
    "channels:\n"
    "  - id: ads\n"
    "    kind: paid\n"
    "    response: {curve: linear, roas: 3}\n"
    "    funnel: {aov: 20, cvr: 0.05, ctr: 0.02, new_share: 0.5}\n"
    "    spend: [1000, 1000, 500, 500]\n"
    "    theta: 0.5\n";

static void variance_by_hand(void **state)
{
    (void)state;
    mp_plan *p = fx_load(linear_plan);
    mp_forecast *fc = forecast(p);
    mp_actuals *act = mp_actuals_new(p);
    /* planned: adstock 1000, 1500 -> gmv 3000, 4500 (roas 3 on the adstock, theta 0.5) */
    set(act, 0, 0, 1100, 70000, 1400, 70, 2800, 30);
    set(act, 0, 1, 900, 80000, 1600, 80, 3400, 40);
    act->has_new_customers = 1;
    mp_review *rv = NULL;
    mp_error err = {0};
    assert_int_equal(mp_review_run(p, fc, act, 0.15, &rv, &err), MP_OK);
    assert_int_equal(rv->done, 2);
    near(rv->plan_channel[0].spend, 2000);
    near(rv->plan_channel[0].gmv, 3000 + 4500);
    near(rv->plan_channel[0].orders, 7500 / 20.0);
    near(rv->actual_channel[0].gmv, 6200);
    near(rv->plan_period[1].gmv, 4500);
    near(rv->actual_period[1].clicks, 1600);
    near(rv->actual_total.new_customers, 70);
    /* roas plan 7500/2000 = 3.75, actual 6200/2000 = 3.1: -17.3%, off plan; spend on plan; gmv -17.3% */
    assert_int_equal(rv->off[0], (1u << MP_KPI_GMV) | (1u << MP_KPI_ROAS));
    /* money spent: channel actuals 2000 plus two weeks of the 400 tools line (100 a week) */
    near(rv->spent, 2200);
    /* two periods: roas rescaled through the total, on the actual adstock 1100, 900 + 550 */
    assert_int_equal(rv->fit[0].method, MP_REFIT_RESCALE);
    near(rv->fit[0].roas, 6200 / (1100 + 1450.0));

    /* the revised plan: weeks 3-4 */
    mp_plan *r = NULL;
    assert_int_equal(mp_review_revise(p, act, rv, &r, &err), MP_OK);
    assert_int_equal(r->T, 2);
    assert_int_equal(r->start, mp_days_from_civil(2027, 1, 18));
    near(r->channels[0].carryover, 1450);                     /* the adstock the actual spend left */
    near(r->channels[0].resp.roas, round(6200 / 2550.0 * 1e5) / 1e5); /* 6 significant digits */
    near(r->channels[0].spend[0], 500);                       /* the fixed spend of week 3 */
    near(r->channels[0].funnel.aov, 41.33);                  /* 6200 / 150 to the cent */
    near(r->channels[0].funnel.cvr, 150 / 3000.0);
    near(r->channels[0].funnel.new_share, round(70 / 150.0 * 1e6) / 1e6);
    near(r->fixed[0].amount, 200);                            /* half the line is left */
    /* budget: 10000 - 2200 spent; the 1000 reserve kept: 1000 / 7800 */
    near(r->budget_total, 7800);
    near(r->reserve, floor(1000 / 7800.0 * 1e6) / 1e6);
    /* goals: gmv less 6200 actual and 100 baseline; orders (150 of 100) reached and dropped;
     * a ratio goal stays as it is */
    assert_int_equal(r->ngoals, 2);
    assert_string_equal(r->goals[0].kpi, "gmv");
    near(r->goals[0].target, 9000 - 6300);
    assert_string_equal(r->goals[1].kpi, "roas");
    near(r->goals[1].target, 2);
    mp_plan_free(r);
    mp_review_free(rv);
    mp_actuals_free(act);
    mp_forecast_free(fc);
    mp_plan_free(p);
}

/* Uniform in (0, 1) from a fixed-seed linear congruential generator, then Box-Muller. */
static uint64_t seed = 20270104;

static double uniform(void)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(seed >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    return sqrt(-2 * log(uniform())) * cos(2 * 3.14159265358979323846 * uniform());
}

/* Actuals made from a known hill curve (beta 50000, k 4000, s 0.9, carry-over 0.3) with 5%
 * noise over 8 weeks; the plan believed beta 60000 and k 5000. */
static void refit_recovers_beta(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 10, period: week}\n"
                      "budget: {total: 100000}\n"
                      "channels:\n"
                      "  - {id: p4p, kind: paid, response: {curve: hill, beta: 60000, k: 5000, s: 0.9}, theta: 0.3}\n");
    static const double spend[8] = {1000, 6000, 2500, 9000, 500, 4000, 12000, 3000};
    mp_forecast *fc = forecast(p);
    mp_actuals *act = mp_actuals_new(p);
    double a = 0;
    for (int t = 0; t < 8; t++) {
        a = spend[t] + 0.3 * a;
        double u = pow(a / 4000, 0.9), gmv = 50000 * u / (1 + u) * (1 + 0.05 * gauss());
        set(act, 0, t, spend[t], 0, 0, 0, gmv, 0);
    }
    mp_review *rv = NULL;
    mp_error err = {0};
    assert_int_equal(mp_review_run(p, fc, act, 0.15, &rv, &err), MP_OK);
    const mp_refit *f = &rv->fit[0];
    assert_int_equal(f->method, MP_REFIT_LSQ);
    assert_int_equal(f->periods, 8);
    if (!(fabs(f->beta / 50000 - 1) < 0.05))
        fail_msg("beta %g is not within 5%% of 50000 (k %g)", f->beta, f->k);
    assert_true(fabs(f->k / 4000 - 1) < 0.15);
    assert_true(f->r2 > 0.9);

    /* with 3 periods only beta is rescaled through the observed total: sum y / sum g(a; k = 5000) */
    mp_actuals *few = mp_actuals_new(p);
    double sy = 0, sg = 0;
    a = 0;
    for (int t = 0; t < 3; t++) {
        a = spend[t] + 0.3 * a;
        double y = act->cell[t].gmv, u = pow(a / 5000, 0.9);
        set(few, 0, t, spend[t], 0, 0, 0, y, 0);
        sy += y;
        sg += u / (1 + u);
    }
    mp_review *rv3 = NULL;
    assert_int_equal(mp_review_run(p, fc, few, 0.15, &rv3, &err), MP_OK);
    assert_int_equal(rv3->fit[0].method, MP_REFIT_RESCALE);
    near(rv3->fit[0].beta, sy / sg);
    near(rv3->fit[0].k, 5000);
    mp_review_free(rv3);
    mp_actuals_free(few);
    mp_review_free(rv);
    mp_actuals_free(act);
    mp_forecast_free(fc);
    mp_plan_free(p);
}

/* An event whose outbreak is over leaves the revised plan; an additive goal already reached
 * is dropped; what a channel spent comes off its min and max. */
static void revised_plan_drops_the_past(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 6, period: week}\n"
                      "budget: {total: 6000}\n"
                      "goals: {orders: 10}\n"
                      "events: [{name: Early, outbreak: 2027-01-04..2027-01-10, lift: 2},\n"
                      "         {name: Late, outbreak: 2027-02-01..2027-02-07, lift: 2}]\n"
                      "channels:\n"
                      "  - {id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}, min: 1500, max: 4000,\n"
                      "     funnel: {aov: 10, cvr: 0.1, ctr: 0.1, new_share: 0.5}}\n");
    mp_forecast *fc = forecast(p);
    mp_actuals *act = mp_actuals_new(p);
    set(act, 0, 0, 1000, 1000, 100, 10, 100, 5);
    set(act, 0, 1, 800, 1000, 100, 8, 80, 4);
    act->has_new_customers = 1;
    mp_review *rv = NULL;
    mp_plan *r = NULL;
    mp_error err = {0};
    assert_int_equal(mp_review_run(p, fc, act, 0.15, &rv, &err), MP_OK);
    assert_int_equal(mp_review_revise(p, act, rv, &r, &err), MP_OK);
    assert_int_equal(r->nevents, 1);
    assert_string_equal(r->events[0].name, "Late");
    assert_int_equal(r->phase[2], MP_PHASE_OUTBREAK); /* 2027-02-01 is the third remaining week */
    assert_int_equal(r->ngoals, 0);                   /* 18 orders reached of 10 */
    near(r->channels[0].min, 0);                      /* 1500 - 1800 */
    near(r->channels[0].max, 2200);                   /* 4000 - 1800 */
    near(r->budget_total, 4200);
    assert_int_equal(r->spent.periods, 2);
    near(r->spent.spend, 1800);
    assert_int_equal(r->spent.to, mp_days_from_civil(2027, 1, 17));
    int dropped = 0;
    for (size_t i = 0; i < r->nwarnings; i++)
        dropped += strstr(r->warnings[i], "event 'Early' is over") != NULL ||
                   strstr(r->warnings[i], "goal orders 10 already reached (18)") != NULL;
    assert_int_equal(dropped, 2);
    mp_plan_free(r);

    /* actuals for the whole horizon leave nothing to plan */
    set(act, 0, 5, 0, 0, 0, 0, 0, 0);
    assert_int_equal(mp_review_revise(p, act, rv, &r, &err), MP_EINFEASIBLE);
    assert_null(r);
    mp_review_free(rv);
    mp_actuals_free(act);
    mp_forecast_free(fc);
    mp_plan_free(p);
}

/* Changes vs plan and goal outlooks from allocations and goal results set by hand: a cut
 * channel explained by mROAS, one held at its max, a fixed one, one within half a percent
 * (as planned), one with no money either way left out; an additive goal projected from what
 * the revised target says was reached, a ratio goal that only the re-allocation meets. */
static void actions_by_hand(void **state)
{
    (void)state;
    static const char chans[] =
        "channels:\n"
        "  - {id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}\n"
        "  - {id: b, kind: paid, response: {curve: exp, beta: 500, k: 250}, max: %s}\n"
        "  - {id: f, kind: paid, response: {curve: linear, roas: 1}, spend: %s}\n"
        "  - {id: s, kind: paid, response: {curve: exp, beta: 800, k: 400}}\n"
        "  - {id: z, kind: paid, response: {curve: exp, beta: 300, k: 200}}\n";
    char planned_text[1024], rest_text[1024], c1[512], c2[512];
    snprintf(c1, sizeof c1, chans, "1000", "[50, 50]");
    snprintf(c2, sizeof c2, chans, "150", "[50]");
    snprintf(planned_text, sizeof planned_text,
             "mplan: 1\nhorizon: {start: 2027-01-04, periods: 2, period: week}\nbudget: {total: 2000}\n"
             "goals: {gmv: 1000, roas: 2}\n%s", c1);
    snprintf(rest_text, sizeof rest_text,
             "mplan: 1\nhorizon: {start: 2027-01-11, periods: 1, period: week}\nbudget: {total: 600}\n"
             "goals: {gmv: 600, roas: 2}\n%s", c2);
    mp_plan *planned = fx_load(planned_text), *rest = fx_load(rest_text);
    mp_alloc *pa = mp_alloc_new(planned), *ra = mp_alloc_new(rest);
    /* [channel][t]: a 100, 200 -> 150; b 100, 100 -> 150 (its max); f fixed 50; s 100 -> 100.4; z 0 */
    const double plan_x[] = {100, 200, 100, 100, 50, 50, 100, 100, 0, 0}, rest_x[] = {150, 150, 50, 100.4, 0};
    memcpy(pa->spend, plan_x, sizeof plan_x);
    memcpy(ra->spend, rest_x, sizeof rest_x);
    mp_forecast *pf = NULL, *rf = NULL, *stay = NULL;
    mp_error err = {0};
    assert_int_equal(mp_forecast_run(planned, pa, &pf, &err), MP_OK);
    assert_int_equal(mp_forecast_run(rest, ra, &rf, &err), MP_OK);
    mp_alloc *sa = mp_review_remaining_alloc(rest, pa, 1);
    for (size_t c = 0; c < rest->nchannels; c++) /* fixed spend is the rest plan's own */
        if (rest->channels[c].mode != MP_MODE_OPTIMISED)
            sa->spend[c] = rest_x[c];
    assert_int_equal(mp_forecast_run(rest, sa, &stay, &err), MP_OK);
    mp_goal_result rg[] = {{"gmv", 600, 500, 500.0 / 600, 0, 0}, {"roas", 2, 2.5, 1.25, 1, 0}};
    mp_goal_result sg[] = {{"gmv", 600, 550, 550.0 / 600, 0, 0}, {"roas", 2, 1.5, 0.75, 0, 0}};
    mp_review_inputs in = {.planned = planned, .planned_alloc = pa, .planned_fc = pf, .done = 1, .rest = rest,
                           .rest_alloc = ra, .rest_fc = rf, .level = 0.5, .stay = stay, .rest_goals = rg,
                           .stay_goals = sg};
    mp_review_actions *act = NULL;
    assert_int_equal(mp_review_actions_new(&in, &act, &err), MP_OK);
    assert_int_equal(act->first, 2);
    assert_int_equal(act->nchanges, 4); /* z: nothing planned, nothing given */
    const mp_review_change *ch = act->change;
    assert_int_equal(ch[0].channel, 0);
    assert_int_equal(ch[0].why, MP_CHANGE_MROAS);
    near(ch[0].planned, 200);
    near(ch[0].revised, 150);
    near(ch[0].roas_plan, 1000 * (1 - exp(-200.0 / 500)) / 200); /* the plan's curve at 200 */
    near(ch[0].mroas_planned, 1000.0 / 500 * exp(-200.0 / 500));  /* the rest's curve, no carry-over */
    near(ch[0].mroas_level, 0.5);
    assert_int_equal(ch[1].why, MP_CHANGE_MAX);
    assert_int_equal(ch[2].why, MP_CHANGE_FIXED);
    assert_int_equal(ch[3].why, MP_CHANGE_SAME); /* 0.4 off: within the 1 unit of money */
    near(act->planned, 200 + 100 + 50 + 100);
    near(act->revised, 150 + 150 + 50 + 100.4);
    assert_int_equal(act->ngoals, 2);
    const mp_review_goal *g = act->goal;
    assert_true(g[0].additive);
    near(g[0].reached, 400); /* 1000 planned, 600 left */
    near(g[0].projected, 900);
    near(g[0].stay, 950);
    assert_int_equal(g[0].outlook, MP_GOAL_AT_RISK);
    near(g[0].budget_now, 600);
    assert_true(isnan(g[0].budget_needed));
    assert_false(g[1].additive);
    near(g[1].projected, 2.5);
    assert_int_equal(g[1].outlook, MP_GOAL_CLOSED);
    mp_review_actions_free(act);

    /* a goal the revised plan dropped was reached in the spent periods */
    rest->ngoals = 1;
    rest->goals[0] = rest->goals[1];
    in.rest_goals = rg + 1;
    in.stay_goals = sg + 1;
    assert_int_equal(mp_review_actions_new(&in, &act, &err), MP_OK);
    assert_int_equal(act->goal[0].outlook, MP_GOAL_REACHED);
    assert_int_equal(act->goal[1].outlook, MP_GOAL_CLOSED);
    mp_review_actions_free(act);
    mp_forecast_free(pf);
    mp_forecast_free(rf);
    mp_forecast_free(stay);
    mp_alloc_free(pa);
    mp_alloc_free(ra);
    mp_alloc_free(sa);
    mp_plan_free(planned);
    mp_plan_free(rest);
}

/* GMV that falls while spend rises (6 weeks, a linear channel, no carry-over): least squares
 * through the origin gives roas = sum x y / sum x^2 = 112 / 91, whose residuals leave a sum of
 * squares of about 2.26e8 against 7e7 around the mean: R^2 about -2.2, and the note says so. */
static void refit_worse_than_mean_noted(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-04, periods: 10, period: week}\n"
                      "budget: {total: 100000}\n"
                      "channels:\n"
                      "  - {id: feed, kind: paid, response: {curve: linear, roas: 2}, theta: 0}\n");
    mp_forecast *fc = forecast(p);
    mp_actuals *act = mp_actuals_new(p);
    for (int t = 0; t < 6; t++)
        set(act, 0, t, 1000.0 * (t + 1), 0, 0, 0, 12000 - 2000.0 * t, 0);
    mp_review *rv = NULL;
    mp_error err = {0};
    assert_int_equal(mp_review_run(p, fc, act, 0.15, &rv, &err), MP_OK);
    const mp_refit *f = &rv->fit[0];
    assert_true(f->r2 < -2 && f->r2 > -2.5);
    assert_non_null(f->note);
    assert_non_null(strstr(f->note, "R^2 below 0"));
    mp_review_free(rv);
    mp_actuals_free(act);
    mp_forecast_free(fc);
    mp_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(variance_by_hand),
        cmocka_unit_test(refit_recovers_beta),
        cmocka_unit_test(refit_worse_than_mean_noted),
        cmocka_unit_test(revised_plan_drops_the_past),
        cmocka_unit_test(actions_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
