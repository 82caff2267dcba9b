/* Plans built in code for unit tests and benchmarks: no loader involved, resolved and ready
 * for the core. Included after <cmocka.h> a failing helper fails the running test; without
 * cmocka (bench/) it aborts. Channels live in one arena array that moves when a channel is
 * added: keep indices, not pointers, across fx_* calls. */
#ifndef MPLAN_TEST_FIXTURE_H
#define MPLAN_TEST_FIXTURE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef fail_msg
#define FX_FAIL(...) fail_msg(__VA_ARGS__)
#else
#include <stdio.h>
#include <stdlib.h>
#define FX_FAIL(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)
#endif
#define FX_CHECK(p) do { if (!(p)) FX_FAIL("fixture: %s failed (out of memory?)", #p); } while (0)

#include "core/date.h"
#include "core/model.h"
#include "mplan/plan.h"

/* A plan from YAML text through the real loader (named "t.yaml" in messages); a plan the
 * loader refuses fails the test with the message and the text. */
static inline mp_plan *fx_load(const char *yaml)
{
    mp_plan *p = NULL;
    mp_error err = {0};
    if (mp_plan_load_string("t.yaml", yaml, strlen(yaml), &p, &err) != MP_OK)
        FX_FAIL("%s\n--- plan:\n%s", err.msg, yaml);
    return p;
}

static inline struct mp_response fx_hill(double beta, double k, double s)
{
    return (struct mp_response){.curve = MP_CURVE_HILL, .beta = beta, .k = k, .s = s};
}

static inline struct mp_response fx_exp(double beta, double k)
{
    return (struct mp_response){.curve = MP_CURVE_EXP, .beta = beta, .k = k};
}

static inline struct mp_response fx_linear(double roas)
{
    return (struct mp_response){.curve = MP_CURVE_LINEAR, .roas = roas};
}

/* T weekly periods from 2027-01-04, budget.total `budget` (no reserve, no fixed lines),
 * baseline 0, season 1, objective gmv, no margin, no events. Add channels, then fx_resolve. */
static inline mp_plan *fx_plan(int T, double budget)
{
    mp_plan *plan = mp_plan_new();
    FX_CHECK(plan);
    struct mp_arena *A = &plan->arena;
    plan->file = mp_arena_strdup(A, "test.yaml");
    plan->store = plan->currency = "";
    plan->start = mp_days_from_civil(2027, 1, 4);
    plan->T = T;
    plan->unit = MP_UNIT_WEEK;
    plan->budget_total = budget;
    plan->margin = NAN;
    plan->baseline = mp_arena_array(A, (size_t)T, sizeof(double));
    plan->season = mp_arena_array(A, (size_t)T, sizeof(double));
    FX_CHECK(plan->baseline);
    FX_CHECK(plan->season);
    for (int t = 0; t < T; t++)
        plan->season[t] = 1;
    plan->objective = MP_OBJ_GMV;
    plan->allocator = "equalize";
    return plan;
}

/* Append a channel (kind paid, optimised, theta 0, no min/max/cap, active everywhere) and
 * return its index. */
static inline size_t fx_channel(mp_plan *plan, const char *id, struct mp_response resp)
{
    size_t n = plan->nchannels;
    struct mp_channel *chs = mp_arena_array(&plan->arena, n + 1, sizeof *chs);
    FX_CHECK(chs);
    if (n)
        memcpy(chs, plan->channels, n * sizeof *chs);
    struct mp_channel *ch = &chs[n];
    ch->id = ch->name = mp_arena_strdup(&plan->arena, id);
    ch->kind = MP_KIND_PAID;
    ch->mode = MP_MODE_OPTIMISED;
    ch->resp = resp;
    ch->min = 0;
    ch->max = INFINITY;
    ch->cap = INFINITY;
    plan->channels = chs;
    plan->nchannels = n + 1;
    return n;
}

/* A channel with fixed spend `spend[t]` per period: forecast, not optimised. */
static inline size_t fx_fixed_spend(mp_plan *plan, const char *id, struct mp_response resp,
                                    const double *spend)
{
    size_t c = fx_channel(plan, id, resp);
    struct mp_channel *ch = &plan->channels[c];
    ch->mode = MP_MODE_FIXED_SPEND;
    ch->spend = mp_arena_array(&plan->arena, (size_t)plan->T, sizeof(double));
    FX_CHECK(ch->spend);
    memcpy(ch->spend, spend, (size_t)plan->T * sizeof(double));
    return c;
}

/* A `cost: {fixed: per_period}` line: spend, no response. */
static inline size_t fx_fixed_cost(mp_plan *plan, const char *id, double per_period)
{
    size_t c = fx_channel(plan, id, (struct mp_response){.curve = MP_CURVE_NONE});
    plan->channels[c].mode = MP_MODE_FIXED_COST;
    plan->channels[c].kind = MP_KIND_BASIC;
    plan->channels[c].fixed_cost = per_period;
    return c;
}

/* Derive phases, lifts and activity; again after changing season, scale or overrides. */
static inline void fx_resolve(mp_plan *plan)
{
    mp_error err = {0};
    enum mp_status st = mp_plan_resolve(plan, &err);
    if (st != MP_OK)
        FX_FAIL("mp_plan_resolve: %s", err.msg);
}

/* Switch channel c off in period t (0-based), as a strategy would, and re-resolve. */
static inline void fx_off(mp_plan *plan, size_t c, int t)
{
    fx_resolve(plan);
    plan->channels[c].override[t] = -1;
    fx_resolve(plan);
}

/* Set the demand multiplier of channel c in period t through its lift scale and re-resolve. */
static inline void fx_scale(mp_plan *plan, size_t c, int t, double scale)
{
    fx_resolve(plan);
    plan->channels[c].scale[t] = scale;
    fx_resolve(plan);
}

#endif
