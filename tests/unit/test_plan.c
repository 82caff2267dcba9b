/* Periods, phases, demand multipliers and activity (docs/model.md 1-2), worked out on a calendar. */
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
    near(p->demand[MP_AT(p, 0, 8)], 1.1 * 1.8);
    near(p->demand[MP_AT(p, 0, 9)], 1.8);
    near(p->demand[MP_AT(p, 0, 7)], 1.2);
    near(p->demand[MP_AT(p, 1, 8)], 1.1 * 1.4);
    near(p->demand[MP_AT(p, 1, 9)], 1.4);
    near(p->demand[MP_AT(p, 1, 7)], 1.1);
    near(p->demand[MP_AT(p, 2, 9)], 1.8);
    for (int t = 0; t < 13; t++)
        if (t < 7 || t > 9) {
            near(p->demand[MP_AT(p, 0, t)], 1);
            near(p->demand[MP_AT(p, 1, t)], 1);
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

/* Double 11 and Double 12 in weeks from Monday 2027-10-04: starts t0 Oct 4, t1 Oct 11,
 * t2 Oct 18, t3 Oct 25, t4 Nov 1, t5 Nov 8, t6 Nov 15, t7 Nov 22, t8 Nov 29, t9 Dec 6,
 * t10 Dec 13, t11 Dec 20. Double 11: storage Oct 11-24 (t1, t2), warm-up Oct 25-31 (t3),
 * outbreak Nov 1-11 (all of t4, 4 days of t5), review Nov 12-18 (3 days of t5, 4 of t6).
 * Double 12: outbreak Dec 10-12, 3 days of t9. */
static const char doubles[] =
    "mplan: 1\n"
    "horizon: {start: 2027-10-04, periods: 12, period: week}\n"
    "budget: {total: 100000}\n"
    "season: [1, 1, 1, 1, 1.1, 1, 1, 1, 1, 1, 1, 1]\n"
    "events:\n"
    "  - name: Double 11\n"
    "    outbreak: 2027-11-01..2027-11-11\n"
    "    phases: {storage: 2w, warmup: 1w, review: 1w}\n"
    "    lift: 2.6\n"
    "    warmup_lift: 1.2\n"
    "  - name: Double 12\n"
    "    outbreak: 2027-12-10..2027-12-12\n"
    "    lift: 1.8\n"
    "    event_channels: [venue]\n"
    "channels:\n"
    "  - {id: search, kind: paid, response: {curve: linear, roas: 2}}\n"
    "  - {id: venue, kind: event, response: {curve: linear, roas: 2}}\n";

static void days_weight_the_phases(void **state)
{
    (void)state;
    mp_plan *p = fx_load(doubles);
    static const enum mp_phase want[12] = {
        MP_PHASE_NORMAL, MP_PHASE_STORAGE, MP_PHASE_STORAGE, MP_PHASE_WARMUP, MP_PHASE_OUTBREAK,
        MP_PHASE_OUTBREAK, MP_PHASE_REVIEW, MP_PHASE_NORMAL, MP_PHASE_NORMAL, MP_PHASE_NORMAL,
        MP_PHASE_NORMAL, MP_PHASE_NORMAL};
    for (int t = 0; t < 12; t++)
        assert_int_equal(p->phase[t], want[t]);
    /* t5: 4 outbreak days of 7 at 2.6, 3 review days at 1 */
    near(p->demand[MP_AT(p, 0, 5)], 1 + 4.0 / 7 * 1.6);
    near(p->demand[MP_AT(p, 0, 4)], 1.1 * 2.6);
    /* t9: Double 12 lifts 3 of its 7 days (labelled normal: 4 normal days) */
    near(p->demand[MP_AT(p, 0, 9)], 1 + 3.0 / 7 * 0.8);
    assert_int_equal(p->phase_days[9 * MP_PHASE_COUNT + MP_PHASE_OUTBREAK], 3);
    assert_int_equal(p->phase_days[9 * MP_PHASE_COUNT + MP_PHASE_NORMAL], 4);
    near(p->demand[MP_AT(p, 0, 3)], 1.2);
    near(p->demand[MP_AT(p, 0, 8)], 1);
    /* venue belongs to Double 12 only: active in t9, not in Double 11's weeks */
    for (int t = 0; t < 12; t++)
        assert_int_equal(mp_channel_active(p, 1, t), t == 9);
    /* a phase under half a period is warned about: Double 11's review in t5 (3 of 7 days)
     * and Double 12's outbreak in t9 (3 of 7) */
    assert_int_equal(p->nwarnings, 2);
    assert_non_null(strstr(p->warnings[0], "'Double 11': review covers 3 of 7 days of period 6"));
    assert_non_null(strstr(p->warnings[1], "'Double 12': outbreak covers 3 of 7 days of period 10"));
    mp_plan_free(p);
}

/* text with the first `from` replaced by `to`, in buf */
static const char *edit(char *buf, size_t n, const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(buf, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return buf;
}

static void full_lift_and_event_channels(void **state)
{
    (void)state;
    /* No full_lift: every channel takes the whole lift (search 2.6 x season 1.1 in t4). */
    mp_plan *p = fx_load(doubles);
    near(p->demand[MP_AT(p, 0, 4)], 1.1 * 2.6);
    mp_plan_free(p);
    /* The older `channels: [venue]` also cuts search to spillover 0.5: 1 + 1.6 * 0.5 = 1.8,
     * and says so. */
    char text[2048];
    p = fx_load(edit(text, sizeof text, doubles, "event_channels: [venue]", "channels: [venue]"));
    near(p->demand[MP_AT(p, 0, 9)], 1 + 3.0 / 7 * 0.8 * 0.5);
    assert_non_null(strstr(p->warnings[0], "'channels' also decides the lift: 1 channel ('search') gets spillover 0.5 of it (1.4 instead of 1.8)"));
    mp_plan_free(p);
    /* full_lift names who takes it; the others get spillover */
    p = fx_load(edit(text, sizeof text, doubles, "warmup_lift: 1.2", "full_lift: [venue]"));
    near(p->demand[MP_AT(p, 0, 4)], 1.1 * 1.8);
    mp_plan_free(p);
    /* event_channels takes kind: event channels only */
    edit(text, sizeof text, doubles, "[venue]", "[search]");
    mp_plan *bad = NULL;
    mp_error err = {0};
    assert_int_equal(mp_plan_load_string("t.yaml", text, strlen(text), &bad, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "t.yaml:14:22: event 'Double 12': channel 'search' in 'event_channels' is kind paid"));
}

static void storage_defers_to_the_outbreak(void **state)
{
    (void)state;
    mp_plan *p = fx_load(doubles);
    /* The outbreak's demand for search: 2.6 x season averaged over its 11 days
     * (7 at 1.1, 4 at 1) = 2.6 * 11.7 / 11. Storage defers 0.3, warm-up 0.4 by default. */
    double out = 2.6 * 11.7 / 11;
    near(p->lift[MP_AT(p, 0, 1)], 0.7 + 0.3 * out);
    near(p->deferred[MP_AT(p, 0, 1)], 0.3 * out);
    near(p->lift[MP_AT(p, 0, 3)], 0.6 * 1.2 + 0.4 * out);
    near(p->lift[MP_AT(p, 0, 0)], 1);
    near(p->lift[MP_AT(p, 0, 4)], 1.1 * 2.6);
    assert_int_equal(p->defer_event[1], 0);
    mp_plan_free(p);
    /* defer: 0 switches it off, per event or per channel */
    char text[2048];
    p = fx_load(edit(text, sizeof text, doubles, "warmup_lift: 1.2", "defer: {storage: 0}"));
    near(p->lift[MP_AT(p, 0, 1)], 1);
    near(p->lift[MP_AT(p, 0, 3)], 0.6 + 0.4 * out);
    mp_plan_free(p);
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
        cmocka_unit_test(days_weight_the_phases),
        cmocka_unit_test(full_lift_and_event_channels),
        cmocka_unit_test(storage_defers_to_the_outbreak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
