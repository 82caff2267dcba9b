/* The "run a plan" pipeline of include/mplan/run.h: lock, packs, segment sizes, strategies,
 * allocator, forecast, custom KPIs, goals. It sits above the Lua host and talks to it only
 * through include/mplan/host.h; every number comes from the core. */
#include "mplan/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "io/lock.h"
#include "io/run_out.h"
#include "run/result.h"
#include "run/segment_plan.h"

struct mp_run {
    mp_host *host;          /* the plan's packs, NULL when it loads none */
    mp_plan *plan;          /* a copy of the plan, strategies applied */
    double budget;          /* allocatable */
    mp_alloc *alloc;
    mp_forecast *fc;
    mp_kpi_custom *custom;  /* the packs' KPIs, then the goals' PACK.NAME KPIs */
    size_t ncustom;
    mp_goal_result *goals;
    size_t ngoals;
    double shortfall;       /* objective goal: GMV the budget cannot reach */
    mp_equalize_info eq;    /* what equalize reported (allocator equalize only) */
    int have_eq;
    /* A pack's allocator that misses the plan's objective: its value and equalize's (the
     * optimum for concave curves); both NAN when it meets it or the allocator is equalize. */
    double objective_reached, objective_best;
    mp_seg_summary *segments; /* from `segments: {from:}`, else NULL */
};

void mp_run_free(mp_run *run)
{
    if (!run)
        return;
    free(run->goals);
    free(run->custom);
    mp_seg_free(run->segments);
    mp_forecast_free(run->fc);
    mp_alloc_free(run->alloc);
    mp_plan_free(run->plan);
    mp_host_free(run->host); /* last: custom KPI names live in it */
    free(run);
}

/* ---- the steps, shared by a run and each what-if scenario ---- */

/* A host with the plan's packs; *host stays NULL when the plan loads none. */
static enum mp_status plan_host(const mp_plan *plan, const mp_run_opts *opts, mp_host **host, mp_error *err)
{
    static const mp_run_opts defaults = {{0, 0, 0}, 0, 0};
    *host = NULL;
    if (!opts)
        opts = &defaults;
    enum mp_status st = mp_lock_verify(plan, err); /* before any pack code runs */
    if (st != MP_OK || !plan->npacks)
        return st;
    st = mp_host_new(&opts->limits, host, err); /* the plan's limits fill the 0s */
    if (st == MP_OK) {
        mp_host_set_verbose(*host, opts->verbose);
        if ((st = mp_host_load_plan_packs(*host, plan, err)) != MP_OK) {
            mp_host_free(*host);
            *host = NULL;
        }
    }
    return st;
}

static enum mp_status strategies(mp_host *host, mp_plan *plan, mp_error *err)
{
    for (size_t i = 0; i < plan->nstrategies; i++) {
        enum mp_status st = host ? mp_host_run_strategy(host, plan, plan->strategies[i], err)
                                 : mp_fail(err, MP_EINPUT, "%s: strategy '%s': the plan loads no packs", plan->file,
                                           plan->strategies[i]);
        if (st != MP_OK)
            return st;
    }
    return MP_OK;
}

/* "; the highest ROAS reachable is R (spending S)" for a target_roas no allocation meets, in
 * buf ("" when it cannot be worked out). */
static const char *best_roas_text(const mp_plan *plan, double budget, char *buf, size_t n)
{
    double roas, spend;
    mp_error e2 = {0};
    buf[0] = '\0';
    if (mp_alloc_best_roas(plan, budget, &roas, &spend, &e2) == MP_OK && isfinite(roas))
        snprintf(buf, n, "; the highest ROAS reachable is %.4g (spending %s)", roas, MP_NUM(spend, 0));
    return buf;
}

/* Equalize, or the pack's allocator (checked against every constraint). */
static enum mp_status allocate(mp_host *host, const mp_plan *plan, double budget, mp_alloc *out,
                               mp_equalize_info *info, int *have, mp_error *err)
{
    *info = (mp_equalize_info){0};
    *have = 0;
    if (strcmp(plan->allocator, "equalize") != 0)
        return host ? mp_host_run_allocator(host, plan, plan->allocator, budget, out, err)
                    : mp_fail(err, MP_EINPUT, "%s: allocator '%s': the plan loads no packs", plan->file,
                              plan->allocator);
    *have = 1;
    enum mp_status st = mp_alloc_equalize(plan, budget, out, info, err);
    /* Say how far the target can go: the highest ROAS within the budget. */
    if (st == MP_EINFEASIBLE && plan->objective == MP_OBJ_TARGET_ROAS) {
        size_t n = strlen(err->msg);
        best_roas_text(plan, budget, err->msg + n, sizeof err->msg - n);
    }
    return st;
}

static enum mp_status custom_kpi(mp_host *host, const mp_plan *plan, const mp_forecast *fc, const char *name,
                                 double *value, mp_error *err)
{
    return host ? mp_host_run_kpi(host, plan, fc, name, value, err)
                : mp_fail(err, MP_EINPUT, "%s: goal '%s': the plan loads no packs", plan->file, name);
}

static int has_custom(const mp_run *r, const char *name)
{
    for (size_t i = 0; i < r->ncustom; i++)
        if (strcmp(r->custom[i].name, name) == 0)
            return 1;
    return 0;
}

/* A custom KPI's value on `fc` and its traits from the pack's manifest (an mp_custom_kpi_fn
 * whose ctx is the host). */
static enum mp_status custom_kpi_of(void *host, const mp_plan *plan, const mp_forecast *fc, mp_kpi_custom *k,
                                    mp_error *err)
{
    if (host)
        mp_host_kpi_traits(host, k->name, &k->lower, &k->additive);
    return custom_kpi(host, plan, fc, k->name, &k->value, err);
}

static enum mp_status add_custom(mp_run *r, const char *name, mp_error *err)
{
    if (has_custom(r, name))
        return MP_OK;
    mp_kpi_custom *k = &r->custom[r->ncustom++];
    k->name = name;
    return custom_kpi_of(r->host, r->plan, r->fc, k, err);
}

enum mp_status mp_run_goals_on(const mp_run *r, const mp_plan *plan, const mp_forecast *fc, mp_goal_result **out,
                               size_t *n, mp_error *err)
{
    return mp_goals_evaluate_by(plan, fc, custom_kpi_of, r->host, out, n, err);
}

/* Every KPI the packs provide is reported; goals on PACK.NAME take their value from it. */
static enum mp_status custom_kpis(mp_run *r, mp_error *err)
{
    const mp_plan *plan = r->plan;
    const char **names = NULL;
    size_t nnames = 0;
    enum mp_status st = r->host ? mp_host_kpi_names(r->host, &names, &nnames, err) : MP_OK;
    if (st == MP_OK && nnames + plan->ngoals && !(r->custom = calloc(nnames + plan->ngoals, sizeof *r->custom)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < nnames; i++)
        st = add_custom(r, names[i], err);
    for (size_t i = 0; st == MP_OK && i < plan->ngoals; i++)
        if (strchr(plan->goals[i].kpi, '.'))
            st = add_custom(r, plan->goals[i].kpi, err);
    free(names);
    return st;
}

/* The plan's objective of an allocation: GMV (gmv), profit, GMV under the ROAS target, or
 * minus the spend that reaches the goal; -INFINITY when a target or goal is not met. */
static double objective_value(const mp_plan *plan, const mp_forecast *fc)
{
    const mp_kpis *k = &fc->total;
    mp_ratios q = mp_kpi_ratios(k, plan->margin);
    switch (plan->objective) {
    case MP_OBJ_GMV: return k->gmv;
    case MP_OBJ_PROFIT: return plan->margin * k->gmv - k->spend;
    case MP_OBJ_TARGET_ROAS: return q.roas >= plan->objective_value * (1 - 1e-9) ? k->gmv : -INFINITY;
    case MP_OBJ_GOAL_GMV: return k->gmv >= plan->objective_value * (1 - 1e-9) ? -k->spend : -INFINITY;
    }
    return NAN;
}

/* A pack's allocator answers the plan's objective only if it says so: compare it with
 * equalize's answer on the same plan and budget, and say when it falls short. */
static enum mp_status check_objective(mp_run *p, mp_error *err)
{
    p->objective_reached = p->objective_best = NAN;
    if (strcmp(p->plan->allocator, "equalize") == 0)
        return MP_OK;
    mp_alloc *best = mp_alloc_new(p->plan);
    mp_forecast *fb = NULL;
    mp_error e2 = {0};
    if (!best)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = mp_alloc_equalize(p->plan, p->budget, best, NULL, &e2);
    if (st == MP_OK)
        st = mp_forecast_run(p->plan, best, &fb, &e2);
    double got = objective_value(p->plan, p->fc), opt = st == MP_OK ? objective_value(p->plan, fb) : NAN;
    mp_forecast_free(fb);
    mp_alloc_free(best);
    if (st == MP_ENOMEM)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    /* equalize finds no allocation that meets a target or goal: the allocator is not to blame,
     * but a ROAS target it misses is (equalize refuses such a plan; a goal gmv out of reach
     * has its own warning) */
    if (!isfinite(opt) && !isfinite(got) && p->plan->objective == MP_OBJ_TARGET_ROAS) {
        char reach[160];
        mp_ratios q = mp_kpi_ratios(&p->fc->total, p->plan->margin);
        return mp_plan_warn(p->plan, "allocator '%s' does not meet the plan's objective target_roas %s: its ROAS "
                            "is %.2f, and no allocation can%s", p->plan->allocator,
                            MP_G(p->plan->objective_value), q.roas,
                            best_roas_text(p->plan, p->budget, reach, sizeof reach)) == MP_OK
                   ? MP_OK : mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (!isfinite(opt) || !(got < opt - 1e-6 * fmax(1, fabs(opt))))
        return MP_OK;
    p->objective_reached = got;
    p->objective_best = opt;
    char obj[64];
    switch (p->plan->objective) {
    case MP_OBJ_GMV: snprintf(obj, sizeof obj, "gmv"); break;
    case MP_OBJ_PROFIT: snprintf(obj, sizeof obj, "profit"); break;
    case MP_OBJ_TARGET_ROAS: snprintf(obj, sizeof obj, "target_roas %s", MP_G(p->plan->objective_value)); break;
    case MP_OBJ_GOAL_GMV: snprintf(obj, sizeof obj, "goal gmv %s", MP_G(p->plan->objective_value)); break;
    }
    enum mp_status w;
    if (!isfinite(got))
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: its allocation does not "
                         "meet the target", p->plan->allocator, obj);
    else if (p->plan->objective == MP_OBJ_GOAL_GMV)
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: it spends %s where "
                         "%s reaches the goal (equalize)", p->plan->allocator, obj, MP_NUM(-got, 0), MP_NUM(-opt, 0));
    else
        w = mp_plan_warn(p->plan, "allocator '%s' misses the plan's objective %s: %s where the optimum "
                         "is %s (equalize), %.2f%% less", p->plan->allocator, obj, MP_NUM(got, 0), MP_NUM(opt, 0),
                         100 * (opt - got) / fabs(opt));
    return w == MP_OK ? MP_OK : mp_fail(err, MP_ENOMEM, "out of memory");
}

/* An objective `goal: {gmv: G}` is a goal too: a row of its own, and a warning when the
 * budget cannot reach it (so --strict exits 1). */
static enum mp_status objective_row(mp_run *p, mp_error *err)
{
    if (p->plan->objective != MP_OBJ_GOAL_GMV)
        return MP_OK;
    mp_goal_result *g = realloc(p->goals, (p->ngoals + 1) * sizeof *g);
    if (!g)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    p->goals = g;
    mp_goal_result *r = &g[p->ngoals++];
    r->kpi = "objective: gmv";
    r->target = p->plan->objective_value;
    r->forecast = p->fc->total.gmv;
    r->attainment = r->target != 0 ? r->forecast / r->target : NAN;
    r->met = !(p->shortfall > 0);
    if (!r->met && mp_plan_warn(p->plan, "objective goal gmv %s is out of reach within the budget: "
                                "%s GMV short (the plan spends all it may)", MP_NUM(r->target, 0),
                                MP_NUM(p->shortfall, 0)) != MP_OK)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    return MP_OK;
}

enum mp_status mp_plan_run(const mp_plan *plan, const mp_run_opts *opts, mp_run **out, mp_error *err)
{
    *out = NULL;
    mp_run *r = calloc(1, sizeof *r);
    if (!r)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = plan_host(plan, opts, &r->host, err);
    if (st == MP_OK && !(r->plan = mp_plan_clone(plan)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    /* Audience sizes from a customers file (segments: {from:, segmenter:}). */
    if (st == MP_OK)
        st = mp_segment_plan_keep(r->plan, opts ? opts->jobs : 0, opts ? &opts->limits : NULL, &r->segments, err);
    if (st == MP_OK)
        st = strategies(r->host, r->plan, err);
    if (st == MP_OK && !(r->alloc = mp_alloc_new(r->plan)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    if (st == MP_OK) {
        r->budget = mp_plan_allocatable(r->plan);
        st = allocate(r->host, r->plan, r->budget, r->alloc, &r->eq, &r->have_eq, err);
        r->shortfall = r->eq.shortfall;
    }
    if (st == MP_OK)
        st = mp_forecast_run(r->plan, r->alloc, &r->fc, err);
    if (st == MP_OK)
        st = check_objective(r, err);
    if (st == MP_OK)
        st = custom_kpis(r, err);
    if (st == MP_OK)
        st = mp_goals_evaluate(r->plan, r->fc, r->custom, r->ncustom, &r->goals, &r->ngoals, err);
    if (st == MP_OK)
        st = objective_row(r, err);
    if (st != MP_OK) {
        mp_run_free(r);
        return st;
    }
    *out = r;
    return MP_OK;
}

/* ---- accessors ---- */

const mp_plan *mp_run_plan(const mp_run *run) { return run->plan; }
size_t mp_run_channel_count(const mp_run *run) { return run->plan->nchannels; }
const char *mp_run_channel_id(const mp_run *run, size_t c) { return run->plan->channels[c].id; }
const char *mp_run_channel_name(const mp_run *run, size_t c) { return run->plan->channels[c].name; }
int mp_run_periods(const mp_run *run) { return run->plan->T; }

const char *mp_run_period_start(const mp_run *run, int t, char buf[11])
{
    return mp_plan_period_start(run->plan, t, buf);
}

const char *mp_run_period_phase(const mp_run *run, int t) { return mp_plan_period_phase(run->plan, t); }
const char *mp_run_period_event(const mp_run *run, int t) { return mp_plan_period_event(run->plan, t); }

const char *mp_run_allocator(const mp_run *run) { return run->plan->allocator; }
double mp_run_allocatable(const mp_run *run) { return run->budget; }
double mp_run_shortfall(const mp_run *run) { return run->shortfall; }
const mp_alloc *mp_run_alloc(const mp_run *run) { return run->alloc; }

double mp_run_spend(const mp_run *run, size_t c, int t)
{
    return run->alloc->spend[MP_AT(run->plan, c, t)];
}

double mp_run_kpi(const mp_run *run, enum mp_kpi_id kpi, long c, int t)
{
    const mp_forecast *fc = run->fc;
    const mp_kpis *k = c < 0 && t < 0 ? &fc->total
                       : c < 0        ? &fc->by_period[t]
                       : t < 0        ? &fc->by_channel[c]
                                      : &fc->cell[MP_AT(run->plan, c, t)];
    return mp_kpi_value(k, run->plan->margin, kpi);
}

double mp_run_mroas(const mp_run *run, size_t c) { return run->fc->mroas[c]; }
const mp_forecast *mp_run_forecast(const mp_run *run) { return run->fc; }

size_t mp_run_goal_count(const mp_run *run) { return run->ngoals; }
const mp_goal_result *mp_run_goal(const mp_run *run, size_t i) { return &run->goals[i]; }
size_t mp_run_custom_count(const mp_run *run) { return run->ncustom; }
const mp_kpi_custom *mp_run_custom(const mp_run *run, size_t i) { return &run->custom[i]; }
size_t mp_run_warning_count(const mp_run *run) { return run->plan->nwarnings; }
const char *mp_run_warning(const mp_run *run, size_t i) { return run->plan->warnings[i]; }

size_t mp_run_segment_count(const mp_run *run) { return run->plan->nsegments; }
const char *mp_run_segment_label(const mp_run *run, size_t i) { return run->plan->segments[i].label; }
double mp_run_segment_size(const mp_run *run, size_t i) { return run->plan->segments[i].size; }
const mp_seg_summary *mp_run_segments(const mp_run *run) { return run->segments; }

/* ---- output ---- */

void mp_run_result_of(const mp_run *run, struct mp_run_result *out)
{
    *out = (struct mp_run_result){.plan = run->plan, .alloc = run->alloc, .fc = run->fc, .goals = run->goals,
                                  .ngoals = run->ngoals, .custom = run->custom, .ncustom = run->ncustom,
                                  .allocator = run->plan->allocator, .allocatable = run->budget,
                                  .shortfall = run->shortfall, .objective_missed = !isnan(run->objective_reached),
                                  .objective_reached = run->objective_reached,
                                  .objective_best = run->objective_best, .eq = run->have_eq ? &run->eq : NULL};
}

enum mp_status mp_run_write(const mp_run *run, FILE *fp, enum mp_run_format format, mp_error *err)
{
    struct mp_run_result res;
    mp_run_result_of(run, &res);
    switch (format) {
    case MP_RUN_JSON: return mp_run_write_json(fp, &res, err);
    case MP_RUN_CSV: return mp_run_write_csv(fp, &res, err);
    case MP_RUN_TABLE: return mp_run_write_table(fp, &res, err);
    }
    return mp_fail(err, MP_EUSAGE, "no output format %d", (int)format);
}

/* ---- review ---- */

/* Goals on a pack's KPI that pack.yaml calls additive are reduced by what the actuals
 * reached, as the built-in additive goals are by mp_review_revise: the KPI runs on the
 * actual totals of the spent periods (channels' actuals, the planned baseline). */
static enum mp_status reduce_custom_goals(const mp_run *planned, const mp_actuals *act, const mp_review *rv,
                                          mp_plan *revised, mp_error *err)
{
    const mp_plan *plan = planned->plan;
    if (!planned->host)
        return MP_OK;
    size_t C = plan->nchannels;
    double *nan = malloc((C + 1) * sizeof *nan);
    if (!nan)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c <= C; c++)
        nan[c] = NAN;
    mp_forecast fa = {.nchannels = C, .T = act->done, .total = rv->actual_total,
                      .by_channel = rv->actual_channel, .by_period = rv->actual_period, .mroas = nan};
    for (int t = 0; t < act->done; t++) {
        fa.total.gmv += plan->baseline[t];
        fa.total.organic += plan->baseline[t];
    }
    enum mp_status st = MP_OK;
    size_t kept = 0;
    for (size_t i = 0; st == MP_OK && i < revised->ngoals; i++) {
        struct mp_goal g = revised->goals[i];
        int lower, additive;
        double got;
        if (strchr(g.kpi, '.') && mp_host_kpi_traits(planned->host, g.kpi, &lower, &additive) && additive &&
            (st = mp_host_run_kpi(planned->host, plan, &fa, g.kpi, &got, err)) == MP_OK && isfinite(got)) {
            /* less than a cent left is reached, as for the built-in goals */
            if (!lower && round((g.target - got) * 100) / 100 <= 0) {
                if (mp_plan_warn(revised, "goal %s %s already reached (%s): dropped from the revised plan",
                                 g.kpi, MP_G(g.target), MP_G(got)) != MP_OK)
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
                continue;
            }
            /* what is left of it: more to reach, or (lower is better) less to stay under */
            double left = fmax(0, round((g.target - got) * 100) / 100);
            if (mp_plan_warn(revised, "goal %s %s: %s reached in the spent periods, %s left for the rest",
                             g.kpi, MP_G(g.target), MP_G(got), MP_G(left)) != MP_OK)
                st = mp_fail(err, MP_ENOMEM, "out of memory");
            g.target = left;
        }
        revised->goals[kept++] = g;
    }
    revised->ngoals = kept;
    free(nan);
    return st;
}

enum mp_status mp_run_revise(const mp_plan *plan, const mp_run *planned, const mp_actuals *act,
                             const mp_review *rv, mp_plan **out, mp_error *err)
{
    enum mp_status st = mp_review_revise(plan, act, rv, out, err);
    if (st == MP_OK && (st = reduce_custom_goals(planned, act, rv, *out, err)) != MP_OK) {
        mp_plan_free(*out);
        *out = NULL;
    }
    return st;
}

/* ---- what-if ---- */

struct whatif_ctx {
    mp_host *host;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *ctx;
};

static enum mp_status whatif_prepare(void *ctx, mp_plan *plan, mp_error *err)
{
    return strategies(((struct whatif_ctx *)ctx)->host, plan, err);
}

static enum mp_status whatif_allocate(void *ctx, const mp_plan *plan, double budget, mp_alloc *out, mp_error *err)
{
    mp_equalize_info info;
    int have;
    return allocate(((struct whatif_ctx *)ctx)->host, plan, budget, out, &info, &have, err);
}

static enum mp_status whatif_custom_kpi(void *ctx, const mp_plan *plan, const mp_forecast *fc, mp_kpi_custom *k,
                                        mp_error *err)
{
    return custom_kpi_of(((struct whatif_ctx *)ctx)->host, plan, fc, k, err);
}

static void whatif_progress(void *ctx, size_t done, size_t total)
{
    struct whatif_ctx *w = ctx;
    w->progress(w->ctx, done, total);
}

enum mp_status mp_plan_whatif(const mp_plan *plan, const mp_run_opts *opts, const mp_whatif_axis *axes,
                              size_t naxes, const mp_whatif_scenario *scenarios, size_t nscenarios,
                              void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                              mp_whatif **out, mp_error *err)
{
    *out = NULL;
    struct whatif_ctx w = {NULL, progress, ctx};
    enum mp_status st = plan_host(plan, opts, &w.host, err);
    if (st != MP_OK)
        return st;
    /* Each scenario runs the strategies on its own copy and the pack's allocator, as a run
     * would; without strategies one copy serves every scenario. */
    mp_whatif_hooks hooks = {.prepare = plan->nstrategies ? whatif_prepare : NULL,
                             .allocate = strcmp(plan->allocator, "equalize") != 0 ? whatif_allocate : NULL,
                             .custom_kpi = whatif_custom_kpi,
                             .progress = progress ? whatif_progress : NULL,
                             .ctx = &w};
    st = mp_whatif_run(plan, axes, naxes, scenarios, nscenarios, &hooks, out, err);
    mp_host_free(w.host);
    return st;
}

enum mp_status mp_plan_goal_budget(const mp_plan *plan, const mp_run_opts *opts, size_t goal, double tol,
                                   double *budget, mp_error *err)
{
    *budget = NAN;
    struct whatif_ctx w = {NULL, NULL, NULL};
    enum mp_status st = plan_host(plan, opts, &w.host, err);
    if (st != MP_OK)
        return st;
    mp_whatif_hooks hooks = {.prepare = plan->nstrategies ? whatif_prepare : NULL,
                             .allocate = strcmp(plan->allocator, "equalize") != 0 ? whatif_allocate : NULL,
                             .custom_kpi = whatif_custom_kpi,
                             .ctx = &w};
    st = mp_whatif_goal_budget(plan, goal, &hooks, tol, budget, err);
    mp_host_free(w.host);
    return st;
}
