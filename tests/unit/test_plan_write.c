/* The plan writer: a plan with every kind of key written and read back gives the same model,
 * and writing that again gives the same text (nothing drifts from one review to the next). */
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

#include "core/date.h"
#include "core/model.h"
#include "io/plan_write.h"

static const char plan_text[] =
    "mplan: 1\n"
    "store: {name: '2027', currency: USD, platform: 'true'}\n" /* names that look like a number, a bool */
    "purpose: brand\n"
    "horizon: {start: 2027-01-04, periods: 10, period: week}\n"
    "spent: {periods: 3, window: 2026-12-14..2027-01-03, spend: 1234.5, gmv: 0.1}\n"
    "budget:\n"
    "  total: 100000\n"
    "  reserve: 0.1\n"
    "  fixed:\n"
    "    - {name: 'content: photos, 3D', amount: 5000}\n"
    "    - {name: tools, per_period: 100}\n"
    "margin: 0.4\n"
    "baseline: {gmv: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n"
    "season: [1, 1, 1.1, 1.2, 1, 1, 1, 1, 0.9, 0.8]\n"
    "objective: {target_roas: 3.5}\n"
    "goals: {gmv: 500000, roas: 4, new_customers: 2500}\n"
    "events:\n"
    "  - name: \"Spring \\\"Fest\\\"\"\n"
    "    outbreak: 2027-02-15..2027-02-21\n"
    "    phases: {preparation: 10d, storage: 2w, warmup: 1w, review: 1m}\n"
    "    lift: 1.8\n"
    "    spillover: 0.25\n"
    "    channels: [p4p]\n"
    "milestones:\n"
    "  - {name: 预售开始, at: '2027-02-01 20:05', owner: 'Li <li@example.cn>', note: 'deposit: 50'}\n"
    "  - {name: '2027', at: 2027-02-10}\n"
    "channels:\n"
    "  - id: p4p\n"
    "    name: P4P keyword ads\n"
    "    kind: paid\n"
    "    stage: interest\n"
    "    response: {curve: hill, beta: 60000.123456789012, k: 4000, s: 0.9}\n"
    "    theta: 0.3\n"
    "    carryover: 250\n"
    "    funnel: {aov: 85, cvr: 0.025, ctr: 0.018, new_share: 0.6}\n"
    "    min: 5000\n"
    "    max: 60000\n"
    "    cap: 8000\n"
    "    active: [storage, warmup, outbreak, 2027-01-04..2027-01-10]\n"
    "    owner: ads team\n"
    "  - id: kol\n"
    "    kind: self\n"
    "    response: {curve: exp, beta: 15000, k: 4000}\n"
    "    spend: [0, 0, 2000, 2000, 0, 0, 0, 0, 0, 500]\n"
    "  - id: search\n"
    "    kind: paid\n"
    "    response: {curve: linear, roas: 2.5}\n"
    "  - id: deco\n"
    "    kind: basic\n"
    "    cost: {fixed: 300}\n"
    "segments: {sizes: {A: 120000, I: 30000}}\n"
    "allocator: pack.alloc\n"
    "strategies: [pack.first, pack.second]\n"
    "limits: {max_steps: 1000000, timeout: 2.5}\n";

static char *write_text(const mp_plan *p)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    assert_non_null(fp);
    mp_error err = {0};
    assert_int_equal(mp_plan_write(fp, p, NULL, "revised\nby a test", &err), MP_OK);
    fclose(fp);
    return buf;
}

static void round_trip(void **state)
{
    (void)state;
    mp_plan *a = fx_load(plan_text);
    char *text = write_text(a);
    assert_memory_equal(text, "# revised\n# by a test\n", 22);
    mp_plan *b = fx_load(text);

    assert_string_equal(b->store, "2027");
    assert_string_equal(b->platform, "true");
    assert_int_equal(b->purpose, MP_PURPOSE_BRAND);
    assert_int_equal(b->start, a->start);
    assert_int_equal(b->T, 10);
    assert_int_equal(b->unit, MP_UNIT_WEEK);
    assert_int_equal(b->spent.periods, 3);
    assert_int_equal(b->spent.from, mp_days_from_civil(2026, 12, 14));
    assert_int_equal(b->spent.to, mp_days_from_civil(2027, 1, 3));
    assert_true(b->spent.spend == 1234.5 && b->spent.gmv == 0.1);
    assert_true(b->budget_total == 100000 && b->reserve == 0.1);
    assert_int_equal(b->nfixed, 2);
    assert_string_equal(b->fixed[0].name, "content: photos, 3D");
    assert_true(b->fixed[0].amount == 5000 && b->fixed[1].per_period == 100);
    assert_true(b->margin == 0.4);
    for (int t = 0; t < 10; t++) {
        assert_true(b->baseline[t] == t + 1);
        assert_true(b->season[t] == a->season[t]);
    }
    assert_int_equal(b->objective, MP_OBJ_TARGET_ROAS);
    assert_true(b->objective_value == 3.5);
    assert_int_equal(b->ngoals, 3);
    assert_string_equal(b->goals[2].kpi, "new_customers");
    assert_int_equal(b->nevents, 1);
    assert_string_equal(b->events[0].name, "Spring \"Fest\"");
    for (int ph = 0; ph < MP_PHASE_COUNT; ph++) {
        assert_int_equal(b->events[0].from[ph], a->events[0].from[ph]);
        assert_int_equal(b->events[0].to[ph], a->events[0].to[ph]);
    }
    assert_true(b->events[0].lift == 1.8 && b->events[0].spillover == 0.25 && b->events[0].warmup_lift == 1);
    assert_int_equal(b->nmilestones, 2);
    assert_string_equal(b->milestones[0].name, "预售开始");
    assert_int_equal(b->milestones[0].day, mp_days_from_civil(2027, 2, 1));
    assert_int_equal(b->milestones[0].minute, 20 * 60 + 5);
    assert_string_equal(b->milestones[0].owner, "Li <li@example.cn>");
    assert_string_equal(b->milestones[0].note, "deposit: 50");
    assert_string_equal(b->milestones[1].name, "2027");
    assert_int_equal(b->milestones[1].minute, -1);
    assert_null(b->milestones[1].owner);
    assert_int_equal(b->nchannels, 4);
    const struct mp_channel *p4p = &b->channels[0];
    assert_string_equal(p4p->name, "P4P keyword ads");
    assert_string_equal(p4p->owner, "ads team");
    assert_true(p4p->resp.beta == 60000.123456789012); /* every digit survives */
    assert_true(p4p->resp.k == 4000 && p4p->resp.s == 0.9 && p4p->theta == 0.3 && p4p->carryover == 250);
    assert_true(p4p->funnel.cvr == 0.025 && p4p->min == 5000 && p4p->max == 60000 && p4p->cap == 8000);
    assert_int_equal(p4p->phases, a->channels[0].phases);
    assert_int_equal(p4p->nwindows, 1);
    assert_memory_equal(p4p->active, a->channels[0].active, 10);
    assert_int_equal(b->channels[1].mode, MP_MODE_FIXED_SPEND);
    assert_true(b->channels[1].spend[9] == 500 && isinf(b->channels[1].max));
    assert_int_equal(b->channels[2].resp.curve, MP_CURVE_LINEAR);
    assert_true(b->channels[2].resp.roas == 2.5);
    assert_int_equal(b->channels[3].mode, MP_MODE_FIXED_COST);
    assert_true(b->channels[3].fixed_cost == 300);
    assert_int_equal(b->nsegments, 2);
    assert_string_equal(b->allocator, "pack.alloc");
    assert_int_equal(b->nstrategies, 2);
    assert_true(b->limits.max_steps == 1e6 && b->limits.timeout == 2.5);
    for (size_t i = 0; i < 10 * 4; i++)
        assert_true(b->lift[i] == a->lift[i]);

    char *again = write_text(b);
    assert_string_equal(again, text);
    free(again);
    free(text);
    mp_plan_free(a);
    mp_plan_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
