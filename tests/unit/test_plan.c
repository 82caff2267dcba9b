/* Periods, phases, demand multipliers and activity (model.md 1-2), worked out on a calendar. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"

#include "core/date.h"
#include "core/model.h"
#include "mplan/channel.h"
#include "mplan/plan.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-12 * fmax(1, fabs((double)(b))))

/* Weeks from Monday 2027-01-04; outbreak 1-14 March; 3w preparation, 2w storage, 1w warm-up,
 * 1w review. Week starts: 1 Jan 4, 2 Jan 11, 3 Jan 18, 4 Jan 25, 5 Feb 1, 6 Feb 8, 7 Feb 15,
 * 8 Feb 22, 9 Mar 1, 10 Mar 8, 11 Mar 15, 12 Mar 22, 13 Mar 29. Warm-up is Feb 22-28,
 * storage Feb 8-21, preparation Jan 18 - Feb 7, review Mar 15-21. */
static const char festival[] =
    "mplan: 1\n"
    "horizon: {start: 2027-01-04, periods: 13, period: week}\n"
    "budget: {total: 100000}\n"
    "season: [1, 1, 1, 1, 1, 1, 1, 1, 1.1, 1, 1, 1, 1]\n"
    "events:\n"
    "  - name: March New Trade Festival\n"
    "    outbreak: 2027-03-01..2027-03-14\n"
    "    phases: {preparation: 3w, storage: 2w, warmup: 1w, review: 1w}\n"
    "    lift: 1.8\n"
    "    spillover: 0.5\n"
    "    warmup_lift: 1.2\n"
    "    channels: [p4p]\n"
    "channels:\n"
    "  - {id: p4p, kind: paid, response: {curve: exp, beta: 1000, k: 100}}\n"
    "  - {id: edm, kind: self, response: {curve: exp, beta: 1000, k: 100}}\n"
    "  - {id: reg, kind: event, response: {curve: exp, beta: 1000, k: 100}}\n"
    "  - {id: vid, kind: paid, response: {curve: exp, beta: 1000, k: 100}, active: [storage, outbreak]}\n"
    "  - {id: win, kind: paid, response: {curve: exp, beta: 1000, k: 100}, active: [2027-01-10..2027-01-20]}\n";

static void phases_of_weeks(void **state)
{
    (void)state;
    mp_plan *p = fx_load(festival);
    static const enum mp_phase want[13] = {
        MP_PHASE_NORMAL, MP_PHASE_NORMAL, MP_PHASE_PREPARATION, MP_PHASE_PREPARATION,
        MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_STORAGE, MP_PHASE_WARMUP,
        MP_PHASE_OUTBREAK, MP_PHASE_OUTBREAK, MP_PHASE_REVIEW, MP_PHASE_NORMAL, MP_PHASE_NORMAL};
    for (int t = 0; t < 13; t++) {
        assert_int_equal(p->phase[t], want[t]);
        assert_int_equal(p->event_of[t], want[t] == MP_PHASE_NORMAL ? -1 : 0);
    }
    char day[11];
    mp_date_format(p->period_start[12], day);
    assert_string_equal(day, "2027-03-29");
    mp_plan_free(p);
}

static void demand_multipliers(void **state)
{
    (void)state;
    mp_plan *p = fx_load(festival);
    /* p4p is listed: full lift 1.8 in outbreak (x season 1.1 in week 9), 1.2 in warm-up;
     * edm is not: 1 + 0.8 * 0.5 = 1.4 in outbreak, 1 + 0.2 * 0.5 = 1.1 in warm-up;
     * reg is kind event: full lift like p4p. */
    near(p->lift[MP_AT(p, 0, 8)], 1.1 * 1.8);
    near(p->lift[MP_AT(p, 0, 9)], 1.8);
    near(p->lift[MP_AT(p, 0, 7)], 1.2);
    near(p->lift[MP_AT(p, 1, 8)], 1.1 * 1.4);
    near(p->lift[MP_AT(p, 1, 9)], 1.4);
    near(p->lift[MP_AT(p, 1, 7)], 1.1);
    near(p->lift[MP_AT(p, 2, 9)], 1.8);
    for (int t = 0; t < 13; t++)
        if (t < 7 || t > 9) {
            near(p->lift[MP_AT(p, 0, t)], 1);
            near(p->lift[MP_AT(p, 1, t)], 1);
        }
    /* the response includes the multiplier: exp at a = k ln 2 gives beta/2 = 500 */
    near(mp_channel_response(p, 1, 9, 100 * log(2)), 1.4 * 500);
    mp_plan_free(p);
}

static void activity(void **state)
{
    (void)state;
    mp_plan *p = fx_load(festival);
    for (int t = 0; t < 13; t++) {
        assert_true(mp_channel_active(p, 0, t));
        assert_true(mp_channel_active(p, 1, t));
        /* an event channel spends from preparation (week 3) to review (week 11) */
        assert_int_equal(mp_channel_active(p, 2, t), t >= 2 && t <= 10);
        /* storage weeks 6-7 and outbreak weeks 9-10 */
        assert_int_equal(mp_channel_active(p, 3, t), t == 5 || t == 6 || t == 8 || t == 9);
        /* window Jan 10-20 holds the starts of week 2 (Jan 11) and week 3 (Jan 18) */
        assert_int_equal(mp_channel_active(p, 4, t), t == 1 || t == 2);
    }
    mp_plan_free(p);
}

static void months_and_budget(void **state)
{
    (void)state;
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-01-31, periods: 3, period: month}\n"
                      "budget: {total: 10000, reserve: 0.1, fixed: [{name: tools, per_period: 100},"
                      " {name: content, amount: 600}]}\n"
                      "channels:\n"
                      "  - {id: a, kind: paid, response: {curve: linear, roas: 2}}\n"
                      "  - {id: d, kind: basic, cost: {fixed: 50}}\n"
                      "  - {id: k, kind: self, response: {curve: exp, beta: 10, k: 1}, spend: [10, 20, 30]}\n");
    char day[11];
    mp_date_format(p->period_start[1], day);
    assert_string_equal(day, "2027-02-28"); /* month arithmetic clamps to the month's end */
    mp_date_format(p->period_start[2], day);
    assert_string_equal(day, "2027-03-31");
    /* fixed: 100*3 + 600 + 50*3 + (10+20+30) = 1110; B = 10000*0.9 - 1110 = 7890 */
    near(mp_plan_fixed_total(p), 1110);
    near(mp_plan_allocatable(p), 7890);
    mp_plan_free(p);
}

static void later_event_wins_overlap(void **state)
{
    (void)state;
    /* Daily periods. Event A: outbreak Mar 1-3, review 3d (Mar 4-6). Event B: outbreak
     * Mar 7-8, preparation 2d (Mar 5-6): B's preparation wins Mar 5-6, with warnings. */
    mp_plan *p = fx_load("mplan: 1\n"
                      "horizon: {start: 2027-03-01, periods: 8, period: day}\n"
                      "budget: {total: 1000}\n"
                      "events:\n"
                      "  - {name: A, outbreak: 2027-03-01..2027-03-03, phases: {review: 3d}, lift: 2}\n"
                      "  - {name: B, outbreak: 2027-03-07..2027-03-08, phases: {preparation: 2d}, lift: 2}\n"
                      "channels: [{id: a, kind: paid, response: {curve: linear, roas: 2}}]\n");
    static const enum mp_phase want[8] = {
        MP_PHASE_OUTBREAK, MP_PHASE_OUTBREAK, MP_PHASE_OUTBREAK, MP_PHASE_REVIEW,
        MP_PHASE_PREPARATION, MP_PHASE_PREPARATION, MP_PHASE_OUTBREAK, MP_PHASE_OUTBREAK};
    static const int ev[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    for (int t = 0; t < 8; t++) {
        assert_int_equal(p->phase[t], want[t]);
        assert_int_equal(p->event_of[t], ev[t]);
    }
    /* one warning for the stretch of periods 5-6, not one per period */
    assert_int_equal(p->nwarnings, 1);
    assert_non_null(strstr(p->warnings[0], "period 5"));
    mp_plan_free(p);
}

static void clone_is_deep(void **state)
{
    (void)state;
    mp_plan *p = fx_load(festival);
    mp_plan *q = mp_plan_clone(p);
    assert_non_null(q);
    q->channels[0].resp.beta = 5;
    q->season[0] = 3;
    assert_true(p->channels[0].resp.beta == 1000);
    near(p->season[0], 1);
    assert_string_equal(q->events[0].channels[0], "p4p");
    assert_ptr_not_equal(q->events[0].channels, p->events[0].channels);
    mp_plan_free(p);
    mp_error err = {0};
    assert_int_equal(mp_plan_resolve(q, &err), MP_OK);
    near(q->lift[MP_AT(q, 0, 0)], 3);
    mp_plan_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phases_of_weeks),
        cmocka_unit_test(demand_multipliers),
        cmocka_unit_test(activity),
        cmocka_unit_test(months_and_budget),
        cmocka_unit_test(later_event_wins_overlap),
        cmocka_unit_test(clone_is_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
