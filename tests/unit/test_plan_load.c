/* The plan loader: a full plan read into the model (every field, and what is derived from it,
 * worked out by hand in the comments), and bad plans refused at the right line:col. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/date.h"
#include "core/model.h"
#include "mplan/kpi.h"

static const char full_plan[] =
    "mplan: 1\n"                                                               /* 1 */
    "store: {name: Acme Outdoor, currency: USD, platform: alibaba.com}\n"      /* 2 */
    "purpose: brand\n"                                                         /* 3 */
    "horizon: {start: 2027-01-04, periods: 10, period: week}\n"                /* 4 */
    "budget:\n"                                                                /* 5 */
    "  total: 100000\n"                                                        /* 6 */
    "  reserve: 0.1\n"                                                         /* 7 */
    "  fixed:\n"                                                               /* 8 */
    "    - {name: content, amount: 5000}\n"                                    /* 9 */
    "    - {name: tools, per_period: 100}\n"                                   /* 10 */
    "margin: 0.4\n"                                                            /* 11 */
    "baseline: {gmv: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n"                       /* 12 */
    "season: [1, 1, 1.1, 1.2, 1, 1, 1, 1, 0.9, 0.8]\n"                         /* 13 */
    "objective: {target_roas: 3.5}\n"                                          /* 14 */
    "goals: {gmv: 500000, roas: 4, new_customers: 2500, roi: -0.1, event-rhythm.gross: 7}\n" /* 15 */
    "events:\n"                                                                /* 16 */
    "  - name: Spring Fest\n"                                                  /* 17 */
    "    outbreak: 2027-02-15..2027-02-21\n"                                   /* 18 */
    "    phases: {preparation: 10d, storage: 2w, warmup: 1w, review: 1m}\n"    /* 19 */
    "    lift: 1.8\n"                                                          /* 20 */
    "    spillover: 0.25\n"                                                    /* 21 */
    "    warmup_lift: 1.2\n"                                                   /* 22 */
    "    channels: [p4p]\n"                                                    /* 23 */
    "channels:\n"                                                              /* 24 */
    "  - id: p4p\n"                                                            /* 25 */
    "    name: P4P keyword ads\n"
    "    kind: paid\n"
    "    stage: interest\n"
    "    response: {curve: hill, beta: 60000, k: 4000, s: 0.9}\n"
    "    theta: 0.3\n"
    "    carryover: 250\n"
    "    funnel: {aov: 85, cvr: 0.025, ctr: 0.018, new_share: 0.6}\n"
    "    min: 5000\n"
    "    max: 60000\n"
    "    cap: 8000\n"
    "    active: [storage, warmup, outbreak, 2027-01-04..2027-01-10]\n"
    "    owner: ads team\n"
    "  - id: kol\n"                                                            /* 38 */
    "    kind: self\n"
    "    response: {curve: exp, beta: 15000, k: 4000}\n"
    "    spend: [0, 0, 2000, 2000, 0, 0, 0, 0, 0, 500]\n"
    "  - id: lin\n"
    "    kind: event\n"
    "    stage: loyalty\n"
    "    response: {curve: linear, roas: 2.5}\n"
    "  - id: decoration\n"
    "    kind: basic\n"
    "    cost: {fixed: 300}\n"
    "segments: {sizes: {A: 120000, I: 30000, P: 8000, L: 2500}}\n"
    "packs:\n"
    "  - {path: ../rules/event-rhythm, params: {outbreak_share: 0.5, mode: fast, strict: true, "
    "label: 'true', n: -2e3}}\n"
    "  - {path: /abs/pack}\n"
    "allocator: event-rhythm.phase_weighted\n"
    "strategies: [event-rhythm.phase_focus, other.x]\n"
    "limits: {max_steps: 1e6, max_mem: 64MiB, timeout: 2.5}\n";

static mp_plan *load_ok(const char *name, const char *text)
{
    mp_plan *p = NULL;
    mp_error err = {0};
    enum mp_status st = mp_plan_load_string(name, text, strlen(text), &p, &err);
    if (st != MP_OK)
        fail_msg("expected the plan to load, got: %s", err.msg);
    assert_non_null(p);
    return p;
}

static int32_t day(int y, int m, int d) { return mp_days_from_civil(y, m, d); }

static void test_full_plan(void **state)
{
    (void)state;
    mp_plan *p = load_ok("dir/sub/plan.yaml", full_plan);
    assert_string_equal(p->file, "dir/sub/plan.yaml");
    assert_string_equal(p->dir, "dir/sub");
    assert_string_equal(p->store, "Acme Outdoor");
    assert_string_equal(p->currency, "USD");
    assert_string_equal(p->platform, "alibaba.com");
    assert_int_equal(p->purpose, MP_PURPOSE_BRAND);

    assert_int_equal(p->start, day(2027, 1, 4));
    assert_int_equal(p->T, 10);
    assert_int_equal(p->unit, MP_UNIT_WEEK);
    for (int t = 0; t <= 10; t++)
        assert_int_equal(p->period_start[t], day(2027, 1, 4) + 7 * t);

    assert_true(p->budget_total == 100000);
    assert_true(p->reserve == 0.1);
    assert_int_equal(p->nfixed, 2);
    assert_string_equal(p->fixed[0].name, "content");
    assert_true(p->fixed[0].amount == 5000 && p->fixed[0].per_period == 0);
    assert_string_equal(p->fixed[1].name, "tools");
    assert_true(p->fixed[1].amount == 0 && p->fixed[1].per_period == 100);
    /* Fixed: 5000 + 100 * 10 (budget lines) + 300 * 10 (decoration) + 4500 (kol's spend) = 13500;
     * B = 100000 * 0.9 - 13500 = 76500. */
    assert_true(fabs(mp_plan_fixed_total(p) - 13500) < 1e-9);
    assert_true(fabs(mp_plan_allocatable(p) - 76500) < 1e-9);

    assert_true(p->margin == 0.4);
    static const double season[10] = {1, 1, 1.1, 1.2, 1, 1, 1, 1, 0.9, 0.8};
    for (int t = 0; t < 10; t++) {
        assert_true(p->baseline[t] == t + 1);
        assert_true(p->season[t] == season[t]);
    }
    assert_int_equal(p->objective, MP_OBJ_TARGET_ROAS);
    assert_true(p->objective_value == 3.5);

    assert_int_equal(p->ngoals, 5);
    static const char *const kpis[] = {"gmv", "roas", "new_customers", "roi", "event-rhythm.gross"};
    static const double targets[] = {500000, 4, 2500, -0.1, 7};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(p->goals[i].kpi, kpis[i]);
        assert_true(p->goals[i].target == targets[i]);
        assert_int_equal(p->goals[i].loc.line, 15);
    }
    assert_int_equal(p->goals[0].loc.col, 14); /* "goals: {gmv: " is 13 characters */

    assert_int_equal(p->nevents, 1);
    const struct mp_event *ev = &p->events[0];
    assert_string_equal(ev->name, "Spring Fest");
    assert_int_equal(ev->outbreak_from, day(2027, 2, 15));
    assert_int_equal(ev->outbreak_to, day(2027, 2, 21));
    assert_int_equal(ev->len[MP_PHASE_PREPARATION], 10);
    assert_int_equal(ev->len_unit[MP_PHASE_PREPARATION], 'd');
    assert_int_equal(ev->len[MP_PHASE_STORAGE], 2);
    assert_int_equal(ev->len_unit[MP_PHASE_STORAGE], 'w');
    assert_int_equal(ev->len[MP_PHASE_WARMUP], 1);
    assert_int_equal(ev->len_unit[MP_PHASE_WARMUP], 'w');
    assert_int_equal(ev->len[MP_PHASE_REVIEW], 1);
    assert_int_equal(ev->len_unit[MP_PHASE_REVIEW], 'm');
    assert_true(ev->lift == 1.8 && ev->spillover == 0.25 && ev->warmup_lift == 1.2);
    assert_int_equal(ev->nchannels, 1);
    assert_string_equal(ev->channels[0], "p4p");
    assert_int_equal(ev->loc.line, 18);
    assert_int_equal(ev->loc.col, 15);
    /* Worked back from the outbreak (15-21 Feb): warm-up 8-14 Feb, storage 25 Jan - 7 Feb,
     * preparation (10 days) 15-24 Jan, review (1 month) 22 Feb - 21 Mar. */
    assert_int_equal(ev->from[MP_PHASE_WARMUP], day(2027, 2, 8));
    assert_int_equal(ev->from[MP_PHASE_STORAGE], day(2027, 1, 25));
    assert_int_equal(ev->from[MP_PHASE_PREPARATION], day(2027, 1, 15));
    assert_int_equal(ev->to[MP_PHASE_REVIEW], day(2027, 3, 21));
    /* Weeks start 4, 11, 18, 25 Jan, 1, 8, 15, 22 Feb, 1, 8 Mar; a week is in the phase with
     * most of its days (11-17 Jan: 4 normal days, 3 of preparation). */
    static const enum mp_phase phase[10] = {
        MP_PHASE_NORMAL, MP_PHASE_NORMAL, MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_STORAGE,
        MP_PHASE_WARMUP, MP_PHASE_OUTBREAK, MP_PHASE_REVIEW, MP_PHASE_REVIEW, MP_PHASE_REVIEW};
    for (int t = 0; t < 10; t++) {
        assert_int_equal(p->phase[t], phase[t]);
        assert_int_equal(p->event_of[t], phase[t] == MP_PHASE_NORMAL ? -1 : 0);
    }

    assert_int_equal(p->nchannels, 4);
    const struct mp_channel *c = &p->channels[0];
    assert_string_equal(c->id, "p4p");
    assert_string_equal(c->name, "P4P keyword ads");
    assert_string_equal(c->owner, "ads team");
    assert_int_equal(c->kind, MP_KIND_PAID);
    assert_int_equal(c->stage, MP_STAGE_INTEREST);
    assert_int_equal(c->mode, MP_MODE_OPTIMISED);
    assert_int_equal(c->resp.curve, MP_CURVE_HILL);
    assert_true(c->resp.beta == 60000 && c->resp.k == 4000 && c->resp.s == 0.9);
    assert_true(c->theta == 0.3 && c->carryover == 250);
    assert_int_equal(c->has_funnel, 1);
    assert_true(c->funnel.aov == 85 && c->funnel.cvr == 0.025 && c->funnel.ctr == 0.018 &&
                c->funnel.new_share == 0.6);
    assert_true(c->min == 5000 && c->max == 60000 && c->cap == 8000);
    assert_int_equal(c->phases, (1u << MP_PHASE_STORAGE) | (1u << MP_PHASE_WARMUP) | (1u << MP_PHASE_OUTBREAK));
    assert_int_equal(c->nwindows, 1);
    assert_int_equal(c->windows[0][0], day(2027, 1, 4));
    assert_int_equal(c->windows[0][1], day(2027, 1, 10));
    assert_null(c->spend);
    assert_int_equal(c->loc.line, 25);
    /* Active in the window (week 1) and in storage, warm-up and outbreak (weeks 4-7). */
    static const unsigned char p4p_active[10] = {1, 0, 0, 1, 1, 1, 1, 0, 0, 0};
    for (int t = 0; t < 10; t++)
        assert_int_equal(c->active[t], p4p_active[t]);

    c = &p->channels[1];
    assert_string_equal(c->id, "kol");
    assert_string_equal(c->name, "kol"); /* defaults to the id */
    assert_null(c->owner);
    assert_int_equal(c->kind, MP_KIND_SELF);
    assert_int_equal(c->stage, MP_STAGE_NONE);
    assert_int_equal(c->mode, MP_MODE_FIXED_SPEND);
    assert_int_equal(c->resp.curve, MP_CURVE_EXP);
    assert_true(c->resp.beta == 15000 && c->resp.k == 4000);
    assert_true(c->theta == 0 && c->carryover == 0 && c->min == 0);
    assert_true(isinf(c->max) && isinf(c->cap));
    assert_int_equal(c->has_funnel, 0);
    assert_true(c->spend[2] == 2000 && c->spend[3] == 2000 && c->spend[9] == 500 && c->spend[0] == 0);
    for (int t = 0; t < 10; t++)
        assert_int_equal(c->active[t], 1);

    c = &p->channels[2];
    assert_int_equal(c->kind, MP_KIND_EVENT);
    assert_int_equal(c->stage, MP_STAGE_LOYALTY);
    assert_int_equal(c->resp.curve, MP_CURVE_LINEAR);
    assert_true(c->resp.roas == 2.5);
    /* An event channel spends only in periods with a day from preparation (15 Jan) to review
     * (21 Mar): weeks 2 (11-17 Jan) to 10. */
    for (int t = 0; t < 10; t++)
        assert_int_equal(c->active[t], t >= 1);

    c = &p->channels[3];
    assert_string_equal(c->id, "decoration");
    assert_int_equal(c->kind, MP_KIND_BASIC);
    assert_int_equal(c->mode, MP_MODE_FIXED_COST);
    assert_true(c->fixed_cost == 300);
    assert_int_equal(c->resp.curve, MP_CURVE_NONE);

    /* The demand L = season * m (lift adds the storage deferral). Outbreak (week 7, season 1): p4p (listed) and lin (kind event) get the
     * full 1.8, kol and decoration 1 + 0.8 * 0.25 = 1.2. Warm-up (week 6): 1.2 for the full
     * participants, 1 + 0.2 * 0.25 = 1.05 for the others. Else the season alone. */
    static const double full[10] = {1, 1, 1.1, 1.2, 1, 1.2, 1.8, 1, 0.9, 0.8};
    static const double part[10] = {1, 1, 1.1, 1.2, 1, 1.05, 1.2, 1, 0.9, 0.8};
    for (int t = 0; t < 10; t++) {
        assert_true(fabs(p->demand[MP_AT(p, 0, t)] - full[t]) < 1e-12);
        assert_true(fabs(p->demand[MP_AT(p, 1, t)] - part[t]) < 1e-12);
        assert_true(fabs(p->demand[MP_AT(p, 2, t)] - full[t]) < 1e-12);
        assert_true(fabs(p->demand[MP_AT(p, 3, t)] - part[t]) < 1e-12);
    }

    assert_int_equal(p->nsegments, 4);
    assert_string_equal(p->segments[0].label, "A");
    assert_true(p->segments[0].size == 120000);
    assert_string_equal(p->segments[3].label, "L");
    assert_true(p->segments[3].size == 2500);
    assert_null(p->segments_from);

    assert_int_equal(p->npacks, 2);
    const struct mp_pack_ref *pk = &p->packs[0];
    assert_string_equal(pk->path, "../rules/event-rhythm");
    assert_int_equal(pk->nparams, 5);
    assert_string_equal(pk->params[0].name, "outbreak_share");
    assert_int_equal(pk->params[0].type, MP_PARAM_NUMBER);
    assert_true(pk->params[0].num == 0.5);
    assert_int_equal(pk->params[1].type, MP_PARAM_STRING);
    assert_string_equal(pk->params[1].str, "fast");
    assert_int_equal(pk->params[2].type, MP_PARAM_BOOL);
    assert_int_equal(pk->params[2].boolean, 1);
    assert_int_equal(pk->params[3].type, MP_PARAM_STRING); /* 'true' is quoted: a string */
    assert_string_equal(pk->params[3].str, "true");
    assert_int_equal(pk->params[4].type, MP_PARAM_NUMBER);
    assert_true(pk->params[4].num == -2000);
    assert_string_equal(p->packs[1].path, "/abs/pack");
    assert_int_equal(p->packs[1].nparams, 0);
    assert_string_equal(p->allocator, "event-rhythm.phase_weighted");
    assert_int_equal(p->nstrategies, 2);
    assert_string_equal(p->strategies[0], "event-rhythm.phase_focus");
    assert_string_equal(p->strategies[1], "other.x");
    assert_true(p->limits.max_steps == 1e6);
    assert_true(p->limits.max_mem == 64.0 * 1024 * 1024);
    assert_true(p->limits.timeout == 2.5);
    /* the older `channels:` (what it costs kol and decoration) and preparation's 3 days of week 2 */
    assert_int_equal(p->nwarnings, 2);
    assert_non_null(strstr(p->warnings[0], "'events[0].channels': event 'Spring Fest': 'channels' also decides the lift"));
    assert_non_null(strstr(p->warnings[1], "event 'Spring Fest': preparation covers 3 of 7 days of period 2"));
    mp_plan_free(p);
}

#define MIN_PLAN                                                                              \
    "mplan: 1\n"                                                                              \
    "horizon: {start: 2027-01-04, periods: 4, period: month}\n"                              \
    "budget: {total: 1000}\n"                                                                 \
    "channels: [{id: a, kind: paid, response: {curve: hill, beta: 1000, k: 500}}]\n"

static void test_defaults(void **state)
{
    (void)state;
    mp_plan *p = load_ok("plan.yaml", MIN_PLAN);
    assert_string_equal(p->dir, ".");
    assert_null(p->store);
    assert_null(p->currency);
    assert_null(p->platform);
    assert_int_equal(p->purpose, MP_PURPOSE_NONE);
    assert_int_equal(p->unit, MP_UNIT_MONTH);
    /* Monthly periods from 4 Jan: 4 Feb, 4 Mar, 4 Apr, and 4 May ends the horizon. */
    assert_int_equal(p->period_start[1], day(2027, 2, 4));
    assert_int_equal(p->period_start[4], day(2027, 5, 4));
    assert_true(p->reserve == 0);
    assert_int_equal(p->nfixed, 0);
    assert_true(isnan(p->margin));
    assert_int_equal(p->objective, MP_OBJ_GMV);
    assert_string_equal(p->allocator, "equalize");
    assert_int_equal(p->ngoals + p->nevents + p->nsegments + p->npacks + p->nstrategies, 0);
    assert_true(p->limits.max_steps == 0 && p->limits.max_mem == 0 && p->limits.timeout == 0);
    const struct mp_channel *c = &p->channels[0];
    assert_string_equal(c->name, "a");
    assert_true(c->resp.s == 1);
    assert_true(c->theta == 0 && c->carryover == 0 && c->min == 0 && isinf(c->max) && isinf(c->cap));
    assert_int_equal(c->phases, 0);
    assert_int_equal(c->nwindows, 0);
    for (int t = 0; t < 4; t++) {
        assert_true(p->baseline[t] == 0);
        assert_true(p->season[t] == 1);
        assert_true(p->lift[MP_AT(p, 0, t)] == 1);
        assert_int_equal(p->phase[t], MP_PHASE_NORMAL);
        assert_int_equal(c->active[t], 1);
    }
    assert_true(mp_plan_allocatable(p) == 1000);
    mp_plan_free(p);

    /* Event defaults: lift 1, spillover 0.5, warm-up lift 1, no phases but the outbreak. */
    p = load_ok("/plan.yaml", MIN_PLAN "events: [{name: E, outbreak: 2027-02-04..2027-02-10}]\n"
                              "objective: {goal: {gmv: 9000}}\nbaseline: {gmv: 50}\n");
    assert_string_equal(p->dir, "/");
    assert_true(p->events[0].lift == 1 && p->events[0].spillover == 0.5 && p->events[0].warmup_lift == 1);
    /* the outbreak's 7 days are 7 of the 28 of the month from 4 Feb: labelled normal, its days
     * counted */
    assert_int_equal(p->phase[1], MP_PHASE_NORMAL);
    assert_int_equal(p->phase_days[1 * MP_PHASE_COUNT + MP_PHASE_OUTBREAK], 7);
    assert_int_equal(p->phase_days[1 * MP_PHASE_COUNT + MP_PHASE_NORMAL], 21);
    assert_int_equal(p->phase[0], MP_PHASE_NORMAL);
    assert_int_equal(p->phase[2], MP_PHASE_NORMAL);
    assert_int_equal(p->objective, MP_OBJ_GOAL_GMV);
    assert_true(p->objective_value == 9000);
    assert_true(p->baseline[3] == 50);
    mp_plan_free(p);

    p = load_ok("p.yaml", MIN_PLAN "objective: profit\nmargin: 1\nsegments: {from: c.csv, segmenter: aipl.stage}\n"
                          "limits: {max_mem: 1073741824}\n");
    assert_int_equal(p->objective, MP_OBJ_PROFIT);
    assert_string_equal(p->segments_from, "c.csv");
    assert_string_equal(p->segments_segmenter, "aipl.stage");
    assert_true(p->limits.max_mem == 1073741824.0);
    mp_plan_free(p);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_plan_loadXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs(full_plan, fp);
    fclose(fp);
    mp_plan *p = NULL;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(path, &p, &err), MP_OK);
    assert_string_equal(p->file, path);
    assert_string_equal(p->dir, "/tmp");
    assert_int_equal(p->nchannels, 4);
    mp_plan_free(p);
    unlink(path);
    p = (mp_plan *)&err; /* must be reset to NULL */
    assert_int_equal(mp_plan_load("/nonexistent/plan.yaml", &p, &err), MP_EIO);
    assert_null(p);
    assert_string_equal(err.msg, "/nonexistent/plan.yaml: cannot open: No such file or directory");
}

/* A bad plan: where (line:col, or "" for none) and a part of the message. */
struct bad {
    const char *text;
    const char *where;
    const char *what;
};

#define H "mplan: 1\nhorizon: {start: 2027-01-04, periods: 4, period: week}\n" /* lines 1-2 */
#define B "budget: {total: 1000}\n"                                             /* line 3 */
#define C "channels: [{id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}]\n"
/* Channel `a` in block style: channels line 4, id 5, kind 6, response 7, the rest from 8. */
#define CH(rest) "channels:\n- id: a\n  kind: paid\n  response: {curve: exp, beta: 1000, k: 500}\n" rest
#define EV(rest) H B C "events:\n- name: X\n" rest /* events line 5, name 6, the rest from 7 */

static const struct bad bad_plans[] = {
    /* budget */
    {H "budget: {total: -5}\n" C, "3:17", "'budget.total' must be between 0 and 1e+15, got -5"},
    {H "budget: {total: .nan}\n" C, "3:17", "'budget.total' must be a number, got '.nan'"},
    {H "budget: {total: 1e400}\n" C, "3:17", "'budget.total' must be a finite number, got '1e400'"},
    {H "budget: {total: '1000'}\n" C, "3:17", "'budget.total' must be a number, got the quoted string \"1000\""},
    {H "budget: {total: 0x10}\n" C, "3:17", "'budget.total' must be a number, got '0x10'"},
    {H "budget:\n  total: 1000\n  reserve: 0.7\n" C, "5:12", "'budget.reserve' must be between 0 and 0.5, got 0.7"},
    {H "budget:\n  total: 1000\n  reserve: -0.1\n" C, "5:12", "'budget.reserve' must be between 0 and 0.5, got -0.1"},
    {H "budget: {reserve: 0.1}\n" C, "3:9", "missing required key 'total' in 'budget'"},
    {H "budget: 5\n" C, "3:9", "'budget' must be a mapping, got '5'"},
    {H "budget: {total: 1000, fixed: [{name: tools, per_period: 400}]}\n" C, "3:17",
     "fixed lines (1,600 over the horizon) exceed the budget after reserve (1,000)"},
    {H "budget: {total: 1000, reserve: 0.5, fixed: [{name: t, per_period: 150}]}\n" C, "3:17",
     "fixed lines (600 over the horizon) exceed the budget after reserve (500)"},
    {H "budget:\n  total: 1000\n  fixed:\n  - {name: x, amount: 1, per_period: 2}\n" C, "6:5",
     "fixed line 'x' needs exactly one of 'amount' (over the horizon) or 'per_period'"},
    {H "budget:\n  total: 1000\n  fixed:\n  - {name: x, amount: -1}\n" C, "6:23",
     "'budget.fixed[0].amount' must be between 0 and 1e+15, got -1"},
    {H "budget:\n  total: 1000\n  fixed:\n  - {name: x, amuont: 1}\n" C, "6:15",
     "unknown key 'amuont' in 'budget.fixed[0]' (did you mean 'amount'?)"},
    /* horizon */
    {"mplan: 1\nhorizon: {start: 2027-02-30, periods: 4, period: week}\n" B C, "2:18",
     "'horizon.start' must be a calendar date YYYY-MM-DD, got '2027-02-30'"},
    {"mplan: 1\nhorizon: {start: 2027-01-04, periods: 0, period: week}\n" B C, "2:39",
     "'horizon.periods' must be a whole number between 1 and 3660, got '0'"},
    {"mplan: 1\nhorizon: {start: 2027-01-04, periods: 4, period: fortnight}\n" B C, "2:50",
     "'horizon.period' must be day, week or month, got 'fortnight'"},
    {"mplan: 1\nhorizon: {start: 2027-01-04, period: week}\n" B C, "2:10",
     "missing required key 'periods' in 'horizon'"},
    {"mplan: 1\n" B C, "1:1", "missing required key 'horizon' in 'plan'"},
    /* demand, objective, goals */
    {H B C "season: [1, 1, 1]\n", "5:9", "'season' must list 4 numbers (one per period), got 3"},
    {H B C "season: [1, 0, 1, 1]\n", "5:13", "'season[1]' must be in (0, 1,000], got 0"},
    {H B C "baseline: {gmv: [1, 2]}\n", "5:17", "'baseline.gmv' must list 4 numbers (one per period), got 2"},
    {H B C "baseline: {gmv: -1}\n", "5:17", "'baseline.gmv' must be between 0 and 1e+15, got -1"},
    {H B C "margin: 0\n", "5:9", "'margin' must be in (0, 1], got 0"},
    {H B C "margin: 1.5\n", "5:9", "'margin' must be in (0, 1], got 1.5"},
    {H B C "objective: profit\n", "5:12", "objective 'profit' needs 'margin' (the gross-margin rate)"},
    {H B C "objective: revenue\n", "5:12",
     "'objective' must be gmv, profit, {target_roas: R} or {goal: {gmv: G}}, got 'revenue'"},
    {H B C "objective: {target_roas: 0}\n", "5:26", "'objective.target_roas' must be in (0, 1,000,000], got 0"},
    {H B C "objective: {goal: {gmv: 0}}\n", "5:25", "'objective.goal.gmv' must be in (0, 1e+15], got 0"},
    {H B C "objective: {goal: {roas: 4}}\n", "5:20", "unknown key 'roas' in 'objective.goal' (expected gmv)"},
    {H B C "goals: {gmv: 1, raos: 4}\n", "5:17", "unknown KPI 'raos' in 'goals' (did you mean 'roas'?)"},
    {H B C "goals: {a.b.c: 4}\n", "5:9", "unknown KPI 'a.b.c' in 'goals' (a KPI of the model"},
    {H B C "goals: {roi: 0.2}\n", "5:9", "goal 'roi' needs 'margin' (the gross-margin rate)"},
    {H B C "goals: {gmv: -1}\n", "5:14", "'goals.gmv' must be between 0 and 1e+15, got -1"},
    {H B C "goals: {gmv: 1, gmv: 2}\n", "5:17", "duplicate key 'gmv' (first at line 5:9)"},
    /* channels */
    {H B CH("  theta: 1\n"), "8:10", "'channels.a.theta' must be in [0, 1), got 1"},
    {H B CH("  theta: -0.5\n"), "8:10", "'channels.a.theta' must be in [0, 1), got -0.5"},
    {H B CH("  carryover: -1\n"), "8:14", "'channels.a.carryover' must be between 0 and 1e+15, got -1"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: hill, beta: 1000, k: 500, s: 0}\n", "7:50",
     "'channels.a.response.s' must be in (0, 10], got 0"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: exp, beta: 1000, k: 0}\n", "7:41",
     "'channels.a.response.k' must be between 1e-06 and 1e+15, got 0"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: exp, k: 5}\n", "7:13",
     "missing required key 'beta' in 'channels.a.response'"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: exp, beta: 1000, k: 500, s: 1}\n", "7:46",
     "unknown key 's' in 'channels.a.response' (expected curve, beta, k)"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: hil, beta: 1}\n", "7:21",
     "'channels.a.response.curve' must be hill, exp or linear, got 'hil' (did you mean 'hill'?)"},
    {H B "channels:\n- id: a\n  kind: paid\n  response: {curve: linear, roas: -1}\n", "7:35",
     "'channels.a.response.roas' must be between 0 and 1,000,000, got -1"},
    {H B CH("  min: 500\n  max: 100\n"), "9:8", "'channels.a.max' must be >= channels.a.min (500), got 100"},
    {H B CH("  min: -1\n"), "8:8", "'channels.a.min' must be between 0 and 1e+15, got -1"},
    {H B CH("  cap: 0\n"), "8:8", "'channels.a.cap' must be in (0, 1e+15], got 0"},
    {H B CH("  theta: [0.3]\n"), "8:10", "'channels.a.theta' must be a number, got a sequence"},
    {H B CH("  funnel: {aov: 85, cvr: 0, ctr: 0.1, new_share: 0.5}\n"), "8:26",
     "'channels.a.funnel.cvr' must be in (0, 1], got 0"},
    {H B CH("  funnel: {aov: 85, cvr: 0.1, ctr: 0.1}\n"), "8:11",
     "missing required key 'new_share' in 'channels.a.funnel'"},
    {H B CH("  active: [storage, outbrake]\n"), "8:21",
     "'channels.a.active[1]' must be normal, preparation, storage, warmup, outbreak or review, got "
     "'outbrake' (did you mean 'outbreak'?)"},
    {H B CH("  active: [2027-02-30..2027-03-01]\n"), "8:12",
     "'channels.a.active[0]': '2027-02-30' is not a calendar date YYYY-MM-DD"},
    {H B CH("  spend: [1, 2, 3]\n"), "8:10", "'channels.a.spend' must list 4 numbers (one per period), got 3"},
    {H B CH("  spend: [1, -2, 3, 4]\n"), "8:14", "'channels.a.spend[1]' must be between 0 and 1e+15, got -2"},
    {H B CH("  cost: {fixed: 5}\n"), "7:13",
     "channel 'a': a 'cost: {fixed: N}' line has no 'response' (it has no response model)"},
    {H B "channels:\n- id: a\n  kind: basic\n  cost: {fixed: -5}\n", "7:17", "'channels.a.cost.fixed' must be between 0 and 1e+15, got -5"},
    {H B "channels:\n- id: a\n  kind: paid\n", "5:3", "channel 'a' needs a 'response' (or 'cost: {fixed: N}'"},
    {H B "channels:\n- id: a\n  response: {curve: exp, beta: 1000, k: 500}\n", "5:3",
     "missing required key 'kind' in 'channels.a'"},
    {H B "channels:\n- id: a\n  kind: piad\n", "6:9",
     "'channels.a.kind' must be basic, paid, event or self, got 'piad' (did you mean 'paid'?)"},
    {H B CH("  stage: purchse\n"), "8:10", "(did you mean 'purchase'?)"},
    {H B CH("  ower: me\n"), "8:3", "unknown key 'ower' in 'channels[0]' (did you mean 'owner'?)"},
    {H B "channels:\n- id: P4P\n", "5:7", "'channels[0].id' must match [a-z0-9_]+, got 'P4P'"},
    {H B "channels:\n- {id: a, kind: paid, response: {curve: exp, beta: 1, k: 5}}\n"
         "- {id: a, kind: self, response: {curve: exp, beta: 1, k: 5}}\n", "6:8",
     "duplicate channel id 'a' (first at line 5)"},
    {H B "channels: []\n", "4:11", "'channels' must list at least one channel"},
    {H B "channels: {a: 1}\n", "4:11", "'channels' must be a sequence, got a mapping"},
    {H B "channels: [5]\n", "4:12", "'channels[0]' must be a mapping, got '5'"},
    {H B, "1:1", "missing required key 'channels' in 'plan'"},
    /* events */
    {EV("  outbreak: 2027-11-01..2027-11-11\n"), "7:13", "event 'X': outbreak window lies outside the horizon (2027-01-04..2027-01-31)"},
    {H B C "events:\n- {name: A, outbreak: 2027-01-11..2027-01-17}\n- {name: B, outbreak: 2027-01-15..2027-01-20}\n",
     "7:23", "event 'B': outbreak overlaps the outbreak of event 'A'"},
    {EV("  outbreak: 2027-01-17..2027-01-11\n"), "7:13",
     "'events[0].outbreak': window ends (2027-01-11) before it starts (2027-01-17)"},
    {EV("  outbreak: 2027-01-17\n"), "7:13", "'events[0].outbreak' must be a window FROM..TO"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  phases: {storage: 2x}\n"), "8:21",
     "'events[0].phases.storage' must be a duration like 10d, 3w or 1m (at most 3660 units), got '2x'"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  phases: {storage: 2}\n"), "8:21",
     "'events[0].phases.storage' must be a duration like 10d, 3w or 1m"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  phases: {storag: 2w}\n"), "8:12",
     "unknown key 'storag' in 'events[0].phases' (did you mean 'storage'?)"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  phases: {outbreak: 2w}\n"), "8:12",
     "unknown key 'outbreak' in 'events[0].phases' (expected preparation, storage, warmup, review)"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  lift: 0\n"), "8:9", "'events[0].lift' must be in (0, 1,000], got 0"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  spillover: 1.5\n"), "8:14",
     "'events[0].spillover' must be between 0 and 1, got 1.5"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  warmup_lift: -1\n"), "8:16", "'events[0].warmup_lift' must be in (0, 1,000], got -1"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  channels: [a, x]\n"), "8:17", "event 'X': no channel 'x' in 'channels'"},
    {H B "channels: [{id: p4p, kind: paid, response: {curve: exp, beta: 1, k: 5}}]\n"
         "events: [{name: X, outbreak: 2027-01-11..2027-01-17, channels: [p4q]}]\n", "5:65",
     "event 'X': no channel 'p4q' in 'channels' (did you mean 'p4p'?)"},
    {EV("  outbreak: 2027-01-11..2027-01-17\n  channels: a\n"), "8:13", "'events[0].channels' must be a sequence, got 'a'"},
    {H B C "events:\n- {outbreak: 2027-01-11..2027-01-17}\n", "6:3", "missing required key 'name' in 'events[0]'"},
    /* segments, packs, rules, limits */
    {H B C "segments: {sizes: {A: 1}, from: c.csv}\n", "5:33",
     "'segments' takes either 'sizes' or 'from' with 'segmenter' (and 'skip_bad'), not both"},
    {H B C "segments: {sizes: {A: -1}}\n", "5:23", "'segments.sizes.A' must be between 0 and 1e+15, got -1"},
    {H B C "segments: {from: c.csv, segmenter: aipl}\n", "5:36",
     "'segments.segmenter' must be PACK.NAME (a rule of a pack), got 'aipl'"},
    {H B C "segments: {from: c.csv}\n", "5:11", "missing required key 'segmenter' in 'segments'"},
    {H B C "packs: [{params: {x: 1}}]\n", "5:9", "missing required key 'path' in 'packs[0]'"},
    {H B C "packs: [{path: p, params: {x: [[1]]}}]\n", "5:32",
     "'packs[0].params.x[0]' must be a number, a string, true or false (a list's items), got a sequence"},
    {H B C "packs: [{path: p, params: {x: {a: 1}}}]\n", "5:31",
     "'packs[0].params.x' must be a number, a string, true or false, got a mapping"},
    {H B C "packs: [{path: p, parms: {}}]\n", "5:19", "unknown key 'parms' in 'packs[0]' (did you mean 'params'?)"},
    {H B C "allocator: greedy\n", "5:12", "'allocator' must be equalize (built in) or PACK.NAME"},
    {H B C "strategies: [a.b.c]\n", "5:14", "'strategies[0]' must be PACK.NAME (a rule of a pack), got 'a.b.c'"},
    {H B C "limits: {max_mem: 5XB}\n", "5:19", "'limits.max_mem' must be a size > 0 in bytes or like 64KiB, 512MiB, 1GiB, got '5XB'"},
    {H B C "limits: {max_mem: 0MiB}\n", "5:19", "'limits.max_mem' must be a size > 0"},
    {H B C "limits: {timeout: 0}\n", "5:19", "'limits.timeout' must be > 0, got 0"},
    {H B C "limits: {max_steps: -1}\n", "5:21", "'limits.max_steps' must be > 0, got -1"},
    /* the document as a whole */
    {"mplan: 2\n" B C, "1:8", "'mplan' must be 1 (the plan format this mplan reads), got '2'"},
    {"mplan: '1'\n" B C, "1:8", "'mplan' must be 1 (the plan format this mplan reads), got the quoted string \"1\""},
    {H B C "budjet: 5\n", "5:1", "unknown key 'budjet' in 'plan' (did you mean 'budget'?)"},
    {H B C "purpose: conversoin\n", "5:10", "'purpose' must be exposure, conversion, brand or retention, got 'conversoin' (did you mean 'conversion'?)"},
    {H B C "store: Acme\n", "5:8", "'store' must be a mapping, got 'Acme'"},
    {H B C "store: {name: [a]}\n", "5:15", "'store.name' must be a string, got a sequence"},
    {H B C "budget: {total: 5}\n", "5:1", "duplicate key 'budget' (first at line 3:1)"},
    {"- a\n- b\n", "1:1", "a plan must be a mapping"},
    {H "budget:\n\ttotal: 1000\n" C, "4:1", "YAML syntax error: found character that cannot start any token (tabs are not allowed"},
    /* In a flow mapping a plain value runs on over lines: "1000 channels", then a stray ':'. */
    {H "budget: {total: 1000\n" C, "4:9",
     "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 3:9)"},
    {"", "1:1", "the file is empty: expected a YAML document"},
    {H B C "---\nmplan: 1\n", "5:1", "a second YAML document: a file holds exactly one"},
    {H B C "x: &a [1, 2]\n", "5:1", "unknown key 'x' in 'plan'"},
    {H B C "season: &s [1, 2, 3, 4]\nbaseline: {gmv: *s}\nmargin: *s\n", "5:9", "'margin' must be a number, got a sequence"},
};

static void test_bad_plans(void **state)
{
    (void)state;
    size_t n = sizeof bad_plans / sizeof *bad_plans, failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bad *b = &bad_plans[i];
        mp_plan *p = (mp_plan *)b; /* must come back NULL */
        mp_error err = {0};
        enum mp_status st = mp_plan_load_string("plan.yaml", b->text, strlen(b->text), &p, &err);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "plan.yaml:%s: ", b->where);
        if (st != MP_EINPUT || p != NULL || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
            !strstr(err.msg, b->what)) {
            if (st == MP_OK)
                mp_plan_free(p);
            print_error("bad plan %zu:\n%s\nexpected status 3 and\n  %s...%s\ngot status %d and\n  %s\n\n",
                        i, b->text, prefix, b->what, (int)st, err.msg);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
    assert_true(n >= 40);
}

/* Values at the edge of what is allowed load. */
static void test_edges(void **state)
{
    (void)state;
    /* An outbreak that straddles the horizon's start is inside it (4 Jan is in 1-10 Jan). */
    mp_plan *p = load_ok("p.yaml", H B C "events: [{name: E, outbreak: 2027-01-01..2027-01-10, phases: {review: 1w}}]\n");
    assert_int_equal(p->phase[0], MP_PHASE_OUTBREAK);
    assert_int_equal(p->phase[1], MP_PHASE_REVIEW); /* 11 Jan: review 11-17 Jan */
    assert_int_equal(p->phase[2], MP_PHASE_NORMAL);
    mp_plan_free(p);

    /* Exactly spent: fixed lines equal to the budget after reserve leave B = 0, allowed. */
    p = load_ok("p.yaml", H "budget: {total: 1000, reserve: 0.2, fixed: [{name: t, per_period: 200}]}\n" C);
    assert_true(mp_plan_allocatable(p) == 0);
    mp_plan_free(p);

    /* An alias may stand for a value; the tree shares it. */
    p = load_ok("p.yaml", H B "channels:\n- {id: a, kind: paid, response: &r {curve: exp, beta: 10, k: 2}}\n"
                          "- {id: b, kind: paid, response: *r}\n");
    assert_true(p->channels[1].resp.beta == 10 && p->channels[1].resp.k == 2);
    mp_plan_free(p);
}

static void test_hostile(void **state)
{
    (void)state;
    mp_plan *p = NULL;
    mp_error err = {0};
    const char *bomb =
        "mplan: 1\n"
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
    assert_int_equal(mp_plan_load_string("bomb.yaml", bomb, strlen(bomb), &p, &err), MP_EINPUT);
    assert_null(p);
    assert_non_null(strstr(err.msg, "document too large: more than 1000000 nodes"));

    char deep[300];
    int n = snprintf(deep, sizeof deep, "mplan: 1\nx: ");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_int_equal(mp_plan_load_string("deep.yaml", deep, strlen(deep), &p, &err), MP_EINPUT);
    /* The map is level 1, so the 64th '[' (column 67) is the 65th level. */
    assert_string_equal(err.msg, "deep.yaml:2:67: nesting deeper than 64 levels");

    static const char garbage[] = "mplan: 1\n\x01\x02\x7f\xc3\x28 \x00";
    assert_int_equal(mp_plan_load_string("g.yaml", garbage, sizeof garbage - 1, &p, &err), MP_EINPUT);
    assert_int_equal(strncmp(err.msg, "g.yaml:2:1: ", 12), 0);
    assert_null(p);

    /* Too large a model: 1000 channels x 3660 periods would be 3.66 M cells. */
    const char *big = "mplan: 1\nhorizon: {start: 2027-01-04, periods: 3660, period: day}\n" B C;
    assert_int_equal(mp_plan_load_string("big.yaml", big, strlen(big), &p, &err), MP_OK);
    mp_plan_free(p);
    size_t cap = 64 * 1024, len = 0;
    char *many = malloc(cap);
    len += (size_t)snprintf(many, cap, "mplan: 1\nhorizon: {start: 2027-01-04, periods: 3660, period: day}\n" B "channels:\n");
    for (int c = 0; c < 600; c++)
        len += (size_t)snprintf(many + len, cap - len, "- {id: c%d, kind: basic, cost: {fixed: 0}}\n", c);
    assert_int_equal(mp_plan_load_string("many.yaml", many, len, &p, &err), MP_EINPUT);
    assert_string_equal(err.msg, "many.yaml:5:1: too many channels: 600 channels over 3660 periods "
                                 "(the limits are 1000 channels and 2000000 channel-periods)");
    free(many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_plan),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
