/* Plan values by path (mp_plan_set): every kind of path reaches the right number, ranges are
 * those of the plan file, and bad paths say what is wrong. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/model.h"
#include "mplan/whatif.h"

static const char plan_text[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 4, period: week}\n"
    "budget: {total: 10000, reserve: 0.1, fixed: [{name: tools, per_period: 50}]}\n"
    "baseline: {gmv: 100}\n"
    "objective: {target_roas: 3}\n"
    "goals: {gmv: 50000, roas: 4}\n"
    "events:\n"
    "  - {name: Fest, outbreak: 2027-01-18..2027-01-24, phases: {warmup: 1w}, lift: 2, spillover: 0.5, full_lift: []}\n"
    "channels:\n"
    "  - id: p4p\n"
    "    kind: paid\n"
    "    response: {curve: hill, beta: 6000, k: 1000, s: 0.9}\n"
    "    funnel: {aov: 50, cvr: 0.02, ctr: 0.01, new_share: 0.5}\n"
    "    min: 100\n"
    "    max: 9000\n"
    "  - id: kol\n"
    "    kind: self\n"
    "    response: {curve: exp, beta: 3000, k: 800}\n"
    "    spend: [0, 100, 100, 0]\n"
    "  - id: deco\n"
    "    kind: basic\n"
    "    cost: {fixed: 30}\n"
    "segments: {sizes: {A: 1000, I: 100}}\n";

static int setup(void **state)
{
    mp_plan *p = NULL;
    mp_error err = {0};
    if (mp_plan_load_string("t.yaml", plan_text, sizeof plan_text - 1, &p, &err) != MP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    mp_plan_free(*state);
    return 0;
}

static double get(mp_plan *p, const char *path)
{
    double v = NAN;
    mp_error err = {0};
    if (mp_plan_get(p, path, &v, &err) != MP_OK)
        fail_msg("%s", err.msg);
    return v;
}

static void set_ok(mp_plan *p, const char *path, double v)
{
    mp_error err = {0};
    if (mp_plan_set(p, path, v, &err) != MP_OK)
        fail_msg("%s", err.msg);
}

static void set_fails(mp_plan *p, const char *path, double v, const char *msg)
{
    mp_error err = {0};
    assert_int_equal(mp_plan_set(p, path, v, &err), MP_EINPUT);
    if (!strstr(err.msg, msg))
        fail_msg("'%s' lacks '%s'", err.msg, msg);
}

static void every_kind_of_path(void **state)
{
    mp_plan *p = *state;
    set_ok(p, "budget", 20000);
    assert_true(p->budget_total == 20000 && get(p, "budget.total") == 20000);
    set_ok(p, "budget.reserve", 0.2);
    /* B = 20000 * 0.8 - (50 * 4 tools + 30 * 4 deco + 200 kol) = 16000 - 520 */
    assert_true(mp_plan_allocatable(p) == 15480);
    set_ok(p, "budget.fixed[0].per_period", 0);
    assert_true(mp_plan_allocatable(p) == 15680);
    set_ok(p, "channels.p4p.response.k", 3000);
    assert_true(p->channels[0].resp.k == 3000);
    set_ok(p, "channels[0].response.s", 0.5);
    assert_true(p->channels[0].resp.s == 0.5);
    set_ok(p, "channels.p4p.funnel.cvr", 0.03);
    assert_true(p->channels[0].funnel.cvr == 0.03);
    set_ok(p, "channels.kol.spend[1]", 400);
    assert_true(p->channels[1].spend[1] == 400 && p->channels[1].spend[2] == 100);
    set_ok(p, "channels.deco.cost.fixed", 10);
    assert_true(p->channels[2].fixed_cost == 10);
    set_ok(p, "baseline.gmv", 7);
    for (int t = 0; t < 4; t++)
        assert_true(p->baseline[t] == 7);
    set_ok(p, "baseline.gmv[3]", 9);
    assert_true(p->baseline[2] == 7 && p->baseline[3] == 9);
    set_ok(p, "goals.roas", 5);
    assert_true(p->goals[1].target == 5);
    set_ok(p, "objective.target_roas", 2.5);
    assert_true(p->objective_value == 2.5);
    set_ok(p, "segments.sizes.I", 250);
    assert_true(p->segments[1].size == 250);
    set_ok(p, "margin", 0.3);
    assert_true(p->margin == 0.3);

    /* a lift changes the derived multipliers only after mp_plan_resolve: outbreak is period 3 */
    set_ok(p, "events[0].lift", 3);
    mp_error err = {0};
    assert_int_equal(mp_plan_resolve(p, &err), MP_OK);
    assert_true(p->lift[MP_AT(p, 0, 2)] == 1 + (3 - 1) * 0.5); /* p4p: spillover share */
    set_ok(p, "season[2]", 2);
    assert_int_equal(mp_plan_resolve(p, &err), MP_OK);
    assert_true(p->lift[MP_AT(p, 0, 2)] == 2 * 2.0);
}

static void ranges_and_bad_paths(void **state)
{
    mp_plan *p = *state;
    set_fails(p, "budget.reserve", 0.6, "'budget.reserve' must be in [0, 0.5], got 0.6");
    set_fails(p, "channels.p4p.theta", 1, "must be in [0, 1), got 1");
    set_fails(p, "channels.p4p.response.k", 0, "'channels.p4p.response.k' must be in [1e-06, 1e+15], got 0");
    set_fails(p, "channels.p4p.max", 50, "at least the channel's min (100)");
    set_fails(p, "channels.p4p.response.beta", NAN, "must be in (0, 1e+15], got nan");
    set_fails(p, "channels.p4x.theta", 0.1, "no channel 'p4x'");
    set_fails(p, "channels.kol.response.s", 1, "channel 'kol' has exp response curve: it has beta and k");
    set_fails(p, "channels.p4p.spend[0]", 1, "has no fixed 'spend:' list");
    set_fails(p, "channels.kol.spend[4]", 1, "index 4 is outside the horizon (0..3)");
    set_fails(p, "events[1].lift", 2, "the plan has 1 events");
    set_fails(p, "goals.cac", 2, "the plan has no goal 'cac'");
    set_fails(p, "objective.goal.gmv", 2, "the plan's objective is not {goal: {gmv: G}}");
    set_fails(p, "budjet", 1, "no such plan value");
    set_fails(p, "channels..k", 1, "not a plan value path");
    set_fails(p, "events[x].lift", 1, "no event named 'x' (the plan's events: 'Fest')"); /* a name, not an index */
    set_fails(p, "events[].lift", 1, "not a plan value path");
    set_fails(p, "season[x]", 1, "no such plan value");
    /* nothing was changed by the failures */
    assert_true(p->reserve == 0.1 && p->channels[0].resp.k == 1000 && p->channels[0].max == 9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_kind_of_path, setup, teardown),
        cmocka_unit_test_setup_teardown(ranges_and_bad_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
