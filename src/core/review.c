/* Review (docs/model.md 9): plan vs actual, the refit of each channel's response from its
 * actuals, and the revised plan for the periods that are left. */
#include "mplan/review.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/curve.h"
#include "core/date.h"
#include "core/model.h"
#include "mplan/fit.h"

mp_actuals *mp_actuals_new(const mp_plan *plan)
{
    size_t n = plan->nchannels * (size_t)plan->T + 1;
    mp_actuals *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->nchannels = plan->nchannels;
    a->T = plan->T;
    a->cell = calloc(n, sizeof *a->cell);
    a->seen = calloc(n, 1);
    a->pool = calloc(n, sizeof *a->pool);
    if (!a->cell || !a->seen || !a->pool) {
        mp_actuals_free(a);
        return NULL;
    }
    return a;
}

void mp_actuals_free(mp_actuals *a)
{
    if (!a)
        return;
    free(a->cell);
    free(a->seen);
    free(a->pool);
    free(a);
}

void mp_review_free(mp_review *rv)
{
    if (!rv)
        return;
    free(rv->plan_channel);
    free(rv->actual_channel);
    free(rv->plan_period);
    free(rv->actual_period);
    free(rv->off);
    free(rv->fit);
    free(rv);
}

/* ---- refit ---- */

/* The periods a channel's curve is fitted on: actual GMV y against the shape h = L * g(a)
 * of the plan's curve with beta = 1, at the adstock a its actual spend built. */
struct fitdata {
    const struct mp_channel *ch;
    int n;
    double *y, *a, *L; /* [n] */
};

/* g(a; k) with beta 1 and its derivative by ln k. Both curves depend on a/k only, so
 * dg/dln k = -a g'(a). */
static double shape(const struct mp_response *r, double k, double a, double *dg_dlnk)
{
    struct mp_response unit = *r;
    unit.beta = 1;
    unit.k = k;
    double g = 0, d = 0;
    if (a > 0)
        mp_curve_eval(&unit, a, &g, &d, NULL);
    if (dg_dlnk)
        *dg_dlnk = a > 0 ? -a * d : 0;
    return g;
}

/* Largest standard error of ln k for which a least-squares k is kept. */
#define MP_REFIT_MAX_SE 0.3

/* Sum of squared residuals of beta * L * g(a; k). */
static double sse(const struct fitdata *D, double beta, double k)
{
    double s = 0;
    for (int i = 0; i < D->n; i++) {
        double r = D->y[i] - beta * D->L[i] * shape(&D->ch->resp, k, D->a[i], NULL);
        s += r * r;
    }
    return s;
}

/* The channel's actuals as a problem for the fit engine (mplan fit's, docs/fit.md): its
 * spend in every period done (the adstock runs through periods without a row), GMV where a
 * row was given, the observed weight of each period; theta and s held at the plan's, so
 * beta (or roas) and k are what the periods can pin down. */
struct refit_problem {
    double *spend, *y, *w;
    unsigned char *use;
};

/* Least squares of beta (roas) and k through the engine; 0 when it ran, with *se the
 * standard error of ln k (INFINITY when k is not determined). */
static int lsq(const mp_plan *plan, const mp_actuals *act, size_t c, const struct refit_problem *R, double *beta,
               double *k, double *se)
{
    const struct mp_channel *ch = &plan->channels[c];
    mp_fit_channel_in in = {.id = ch->id, .spend = R->spend, .weight = R->w, .carry0 = ch->carryover,
                            .has_prior = 1,
                            .fixed = (1u << MP_FIT_S) | (1u << MP_FIT_THETA)};
    in.family = ch->resp.curve == MP_CURVE_HILL ? MP_FIT_HILL : ch->resp.curve == MP_CURVE_EXP ? MP_FIT_EXP : MP_FIT_LINEAR;
    in.prior[MP_FIT_BETA] = in.family == MP_FIT_LINEAR ? ch->resp.roas : ch->resp.beta;
    in.prior[MP_FIT_K] = ch->resp.k;
    in.prior[MP_FIT_S] = ch->resp.s;
    in.prior[MP_FIT_THETA] = ch->theta;
    mp_fit_problem pb = {.T = act->done, .y = R->y, .use = R->use, .nchannels = 1, .channels = &in, .quick = 1};
    mp_fit *f = NULL;
    if (mp_fit_run(&pb, &f, NULL) != MP_OK)
        return -1;
    *beta = f->ch[0].p[MP_FIT_BETA];
    if (in.family != MP_FIT_LINEAR) {
        *k = f->ch[0].p[MP_FIT_K];
        *se = isfinite(f->ch[0].se[MP_FIT_K]) && *k > 0 ? f->ch[0].se[MP_FIT_K] / *k : INFINITY;
    }
    mp_fit_free(f);
    (void)plan;
    return isfinite(*beta) ? 0 : -1;
}

static double r_squared(const struct fitdata *D, double ss)
{
    double mean = 0, tot = 0;
    for (int i = 0; i < D->n; i++)
        mean += D->y[i] / D->n;
    for (int i = 0; i < D->n; i++)
        tot += (D->y[i] - mean) * (D->y[i] - mean);
    return D->n >= 2 && tot > 0 ? 1 - ss / tot : NAN;
}

/* A refit that explains its periods worse than their mean says so in its note. */
static void note_poor_fit(mp_refit *f)
{
    if (!(f->r2 < 0))
        return;
    f->note = f->note ? "k not pinned down by these periods: beta rescaled; R^2 below 0: the curve explains "
                        "these periods worse than their mean (something else moved GMV)"
                      : "R^2 below 0: the curve explains these periods worse than their mean (something else "
                        "moved GMV)";
}

/* Fit channel c's response to its actuals: rescale beta through the observed total, and with
 * enough periods fit beta and k by least squares, kept only when k is determined. */
static void refit_response(const mp_plan *plan, const mp_actuals *act, size_t c, const struct refit_problem *R,
                           struct fitdata *D, mp_refit *f)
{
    const struct mp_channel *ch = &plan->channels[c];
    const struct mp_response *r = &ch->resp;
    double ysum = 0, hsum = 0, yh = 0, hh = 0;
    for (int i = 0; i < D->n; i++) {
        double h = r->curve == MP_CURVE_LINEAR ? D->L[i] * D->a[i] : D->L[i] * shape(r, r->k, D->a[i], NULL);
        ysum += D->y[i];
        hsum += h;
        yh += D->y[i] * h;
        hh += h * h;
    }
    if (hsum <= 0)
        return; /* no adstock in any period with actuals: nothing to learn from */
    f->method = MP_REFIT_RESCALE;
    if (r->curve == MP_CURVE_LINEAR) {
        f->roas = ysum / hsum;
        double roas = f->roas, k = 0, se = 0;
        if (D->n >= MP_REFIT_MIN_PERIODS && lsq(plan, act, c, R, &roas, &k, &se) == 0) {
            f->method = MP_REFIT_LSQ;
            f->roas = roas;
        }
        (void)yh;
        (void)hh;
        double ss = 0;
        for (int i = 0; i < D->n; i++) {
            double e = D->y[i] - f->roas * D->L[i] * D->a[i];
            ss += e * e;
        }
        f->r2 = r_squared(D, ss);
        note_poor_fit(f);
        return;
    }
    f->beta = ysum / hsum;
    if (D->n >= MP_REFIT_MIN_PERIODS) {
        double beta = f->beta, k = r->k, se = INFINITY;
        /* When the spend stayed in a narrow band (or never came near saturation) the periods
         * fix only a ridge of (beta, k) pairs: the least-squares answer is then noise, shown
         * by a large standard error of ln k. Keep the rescale unless k is pinned to ~30%. */
        if (lsq(plan, act, c, R, &beta, &k, &se) == 0 && se < MP_REFIT_MAX_SE && k > r->k / 50 && k < r->k * 50 &&
            sse(D, beta, k) <= sse(D, f->beta, r->k)) {
            f->method = MP_REFIT_LSQ;
            f->beta = beta;
            f->k = k;
        } else {
            f->note = "k not pinned down by these periods: beta rescaled";
        }
    }
    f->r2 = r_squared(D, sse(D, f->beta, f->k));
    note_poor_fit(f);
}

/* Funnel ratios of the actuals, where their denominators are positive and they are in range. */
static void refit_funnel(const struct mp_channel *ch, const mp_kpis *k, int has_new, mp_refit *f)
{
    if (!ch->has_funnel || !(k->orders > 0) || !(k->clicks > 0) || !(k->impressions > 0))
        return;
    f->funnel = 1;
    f->aov = k->gmv > 0 ? k->gmv / k->orders : ch->funnel.aov;
    f->cvr = fmin(1, k->orders / k->clicks);
    f->ctr = fmin(1, k->clicks / k->impressions);
    /* fmin(1, NAN) is 1: a missing count keeps the planned share */
    f->new_share = has_new && isfinite(k->new_customers) ? fmin(1, k->new_customers / k->orders) : ch->funnel.new_share;
}

/* The weight of f(a[c,t]) in the GMV observed by the end of period `done`: the part that
 * converts at once, plus the deferred part by the share of its outbreak's days already
 * past (the deferred GMV counted at its spend period: exact for the total, which the
 * rescaling refit uses). */
static double observed_weight(const mp_plan *plan, size_t c, int t, int done)
{
    size_t i = MP_AT(plan, c, t);
    int e = plan->defer_event ? plan->defer_event[t] : -1;
    if (!plan->deferred || e < 0 || !(plan->deferred[i] > 0))
        return plan->lift[i];
    size_t E = plan->nevents;
    int all = 0, past = 0;
    for (int u = 0; u < plan->T; u++) {
        int d = plan->ev_days[((size_t)u * E + (size_t)e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
        all += d;
        past += u < done ? d : 0;
    }
    double share = all ? (double)past / all : 0;
    return plan->lift[i] - plan->deferred[i] * (1 - share);
}

static enum mp_status refit_all(const mp_plan *plan, const mp_actuals *act, mp_review *rv, mp_error *err)
{
    size_t T = (size_t)plan->T;
    int done = act->done;
    struct fitdata D = {0};
    struct refit_problem R = {0};
    D.y = calloc((size_t)done + 1, sizeof *D.y);
    D.a = calloc((size_t)done + 1, sizeof *D.a);
    D.L = calloc((size_t)done + 1, sizeof *D.L);
    R.spend = calloc((size_t)done + 1, sizeof *R.spend);
    R.y = calloc((size_t)done + 1, sizeof *R.y);
    R.w = calloc((size_t)done + 1, sizeof *R.w);
    R.use = calloc((size_t)done + 1, 1);
    if (!D.y || !D.a || !D.L || !R.spend || !R.y || !R.w || !R.use) {
        free(D.y), free(D.a), free(D.L), free(R.spend), free(R.y), free(R.w), free(R.use);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < plan->nchannels; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        mp_refit *f = &rv->fit[c];
        f->beta0 = f->beta = ch->resp.beta;
        f->k0 = f->k = ch->resp.k;
        f->roas0 = f->roas = ch->resp.roas;
        f->r2 = NAN;
        if (ch->resp.curve == MP_CURVE_NONE)
            continue;
        D.ch = ch;
        D.n = 0;
        double a = ch->carryover;
        for (int t = 0; t < done; t++) {
            const mp_kpis *k = &act->cell[c * T + (size_t)t];
            a = k->spend + ch->theta * a;
            R.spend[t] = k->spend;
            R.y[t] = k->gmv;
            R.w[t] = observed_weight(plan, c, t, done);
            R.use[t] = act->seen[c * T + (size_t)t];
            if (!act->seen[c * T + (size_t)t])
                continue; /* no row: spend 0 for the adstock, but no GMV to fit */
            D.y[D.n] = k->gmv;
            D.a[D.n] = a;
            D.L[D.n] = observed_weight(plan, c, t, done);
            D.n++;
        }
        f->periods = D.n;
        refit_response(plan, act, c, &R, &D, f);
        refit_funnel(ch, &rv->actual_channel[c], act->has_new_customers, f);
    }
    free(D.y), free(D.a), free(D.L), free(R.spend), free(R.y), free(R.w), free(R.use);
    return MP_OK;
}

/* ---- variance ---- */

/* Is actual off plan by more than the threshold (relative)? */
static int off_plan(double plan, double actual, double threshold)
{
    if (isnan(plan) || isnan(actual))
        return 0;
    if (plan == 0)
        return actual != 0;
    return fabs(actual / plan - 1) > threshold;
}

enum mp_status mp_review_run(const mp_plan *plan, const mp_forecast *planned, const mp_actuals *act,
                             double threshold, mp_review **out, mp_error *err)
{
    *out = NULL;
    size_t C = plan->nchannels, T = (size_t)plan->T, done = (size_t)act->done;
    mp_review *rv = calloc(1, sizeof *rv);
    if (!rv)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    rv->plan_channel = calloc(C + 1, sizeof *rv->plan_channel);
    rv->actual_channel = calloc(C + 1, sizeof *rv->actual_channel);
    rv->plan_period = calloc(done + 1, sizeof *rv->plan_period);
    rv->actual_period = calloc(done + 1, sizeof *rv->actual_period);
    rv->off = calloc(C + 1, sizeof *rv->off);
    rv->fit = calloc(C + 1, sizeof *rv->fit);
    if (!rv->plan_channel || !rv->actual_channel || !rv->plan_period || !rv->actual_period || !rv->off || !rv->fit) {
        mp_review_free(rv);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    rv->nchannels = C;
    rv->done = act->done;
    rv->threshold = threshold;
    for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < done; t++) {
            const mp_kpis *p = &planned->cell[c * T + t];
            mp_kpis a = act->cell[c * T + t];
            if (!act->has_new_customers)
                a.new_customers = NAN; /* unknown, not zero */
            mp_kpis_add(&rv->plan_channel[c], p);
            mp_kpis_add(&rv->actual_channel[c], &a);
            mp_kpis_add(&rv->plan_period[t], p);
            mp_kpis_add(&rv->actual_period[t], &a);
            mp_kpis_add(&rv->plan_total, p);
            mp_kpis_add(&rv->actual_total, &a);
            rv->spent += a.spend;
            const struct mp_channel *ch = &plan->channels[c];
            enum mp_phase ph = plan->phase[t];
            if (planned->deferred && ch->has_funnel && ch->funnel.aov > 0 && ch->funnel.cvr > 0)
                rv->pool_plan[ph] += planned->deferred[c * T + t] / ch->funnel.aov / ch->funnel.cvr;
            rv->pool_actual[ph] += act->pool[c * T + t];
        }
    for (int ph = 0; ph < MP_PHASE_COUNT; ph++)
        if (!act->has_pool)
            rv->pool_actual[ph] = NAN;
    for (size_t i = 0; i < plan->nfixed; i++)
        rv->spent += (plan->fixed[i].amount / plan->T + plan->fixed[i].per_period) * (double)done;
    static const enum mp_kpi_id watched[] = {MP_KPI_SPEND, MP_KPI_GMV, MP_KPI_ROAS};
    for (size_t c = 0; c < C; c++)
        for (size_t i = 0; i < sizeof watched / sizeof *watched; i++)
            if (off_plan(mp_kpi_value(&rv->plan_channel[c], plan->margin, watched[i]),
                         mp_kpi_value(&rv->actual_channel[c], plan->margin, watched[i]), threshold))
                rv->off[c] |= 1u << watched[i];
    enum mp_status st = refit_all(plan, act, rv, err);
    if (st != MP_OK) {
        mp_review_free(rv);
        return st;
    }
    *out = rv;
    return MP_OK;
}

/* ---- the revised plan ---- */

/* The revised plan is a file people read: money to the cent, fitted parameters to 6
 * significant digits. Rounding the model itself (not just the text) keeps what review
 * re-allocates identical to what `mplan run` does with the written file. */
static double cents(double x)
{
    return round(x * 100) / 100;
}

static double sig6(double x)
{
    if (x == 0 || !isfinite(x))
        return x;
    double scale = pow(10, 5 - floor(log10(fabs(x))));
    return round(x * scale) / scale;
}

/* What was reached of an additive goal by the end of period done: actual channel results,
 * plus the planned baseline for gmv and the budget.fixed lines for spend. New customers
 * without that column are estimated from actual orders and each channel's new_share, to a
 * whole number of people (the revised goal stays a whole number). */
static double reached(const mp_plan *plan, const mp_actuals *act, const mp_review *rv, enum mp_kpi_id id)
{
    double v = mp_kpi_value(&rv->actual_total, plan->margin, id);
    if (id == MP_KPI_GMV)
        for (int t = 0; t < act->done; t++)
            v += plan->baseline[t];
    if (id == MP_KPI_SPEND)
        v = rv->spent;
    if (id == MP_KPI_NEW_CUSTOMERS && !act->has_new_customers) {
        v = 0;
        for (size_t c = 0; c < plan->nchannels; c++)
            v += rv->actual_channel[c].orders * plan->channels[c].funnel.new_share;
        v = round(v);
    }
    return v;
}

static int additive(int id)
{
    return id >= 0 && mp_kpi_additive((enum mp_kpi_id)id);
}

static enum mp_status revise_goals(mp_plan *p, const mp_plan *plan, const mp_actuals *act, const mp_review *rv)
{
    size_t kept = 0;
    for (size_t i = 0; i < p->ngoals; i++) {
        struct mp_goal g = p->goals[i];
        int id = mp_kpi_lookup(g.kpi);
        if (additive(id) && id != MP_KPI_SPEND) {
            double got = reached(plan, act, rv, (enum mp_kpi_id)id);
            if (cents(g.target - got) <= 0) { /* less than a cent left is reached: a goal of 0 is no plan's */
                if (mp_plan_warn(p, "goal %s %s already reached (%s): dropped from the revised plan", g.kpi,
                                 MP_G(g.target), MP_G(got)) != MP_OK)
                    return MP_ENOMEM;
                continue;
            }
            g.target = cents(g.target - got);
        }
        p->goals[kept++] = g;
    }
    p->ngoals = kept;
    if (p->objective == MP_OBJ_GOAL_GMV) {
        double got = reached(plan, act, rv, MP_KPI_GMV);
        if (cents(p->objective_value - got) <= 0) {
            p->objective = MP_OBJ_GMV;
            return mp_plan_warn(p, "objective goal gmv %s already reached (%s): the revised plan maximises gmv",
                                MP_G(plan->objective_value), MP_G(got));
        }
        p->objective_value = cents(p->objective_value - got);
    }
    return MP_OK;
}

/* Budget of the rest: what was not spent; the reserve stays the same amount of money where
 * the plan file's 0..0.5 range and the fixed lines allow. */
static enum mp_status revise_budget(mp_plan *p, const mp_plan *plan, const mp_review *rv, mp_error *err)
{
    double left = plan->budget_total - rv->spent, kept = plan->budget_total * plan->reserve;
    double fixed = mp_plan_fixed_total(p);
    if (left <= fixed)
        return mp_fail(err, MP_EINFEASIBLE, "%s: %s of the budget %s is spent and %s more is committed to fixed "
                       "lines: nothing is left to plan", plan->file, MP_G(rv->spent), MP_G(plan->budget_total),
                       MP_G(fixed));
    double reserve = kept / left;
    if (reserve > 0.5) {
        reserve = 0.5;
        if (mp_plan_warn(p, "the reserve (%s) is more than half of what is left (%s): the revised plan keeps "
                         "back half", MP_G(kept), MP_G(left)) != MP_OK)
            return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    if (left * (1 - reserve) < fixed) {
        reserve = 1 - fixed / left;
        if (mp_plan_warn(p, "the fixed lines need part of the reserve: the revised plan keeps back %s",
                         MP_G(left * reserve)) != MP_OK)
            return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    p->budget_total = cents(left);
    p->reserve = floor(reserve * 1e6) / 1e6; /* down: never below the fixed lines */
    return MP_OK;
}

/* A late review: what is left of the channels' mins may add up to more than the budget
 * left to allocate (the spend went elsewhere). The revised plan then asks each for the same
 * share of what is left, in whole cents, and says so, rather than being infeasible. */
static enum mp_status revise_mins(mp_plan *p)
{
    double sum = 0, budget = mp_plan_allocatable(p);
    for (size_t c = 0; c < p->nchannels; c++)
        if (p->channels[c].mode == MP_MODE_OPTIMISED)
            sum += p->channels[c].min;
    if (sum <= budget || sum <= 0)
        return MP_OK;
    double share = budget > 0 ? budget / sum : 0;
    for (size_t c = 0; c < p->nchannels; c++) {
        struct mp_channel *ch = &p->channels[c];
        if (ch->mode != MP_MODE_OPTIMISED || ch->min <= 0)
            continue;
        double min = floor(ch->min * share * 100) / 100; /* down: the sum stays within the budget */
        if (mp_plan_warn(p, "channel '%s': its min left (%s) no longer fits: the channels' mins add up to %s "
                         "and %s is left to allocate: the revised plan asks for %s",
                         ch->id, MP_NUM(ch->min, 2), MP_NUM(sum, 2), MP_NUM(budget, 2), MP_NUM(min, 2)) != MP_OK)
            return MP_ENOMEM;
        ch->min = min;
    }
    return MP_OK;
}

/* Shift a per-period array of the copy so that it starts at period done+1. */
static void shift(void *arr, size_t size, int done, int left)
{
    if (arr)
        memmove(arr, (char *)arr + size * (size_t)done, size * (size_t)left);
}

/* Storage deferral across the review: what the spent periods' storage and warm-up spend
 * defers to an outbreak still ahead (at the refitted curve and the actual adstock) converts
 * in the revised plan's outbreak periods. Nothing in the revised plan's channels produces it
 * any more, so it joins those periods' baseline (with a warning saying how much). Call after
 * channel c's response is refitted and `baseline` is shifted to the remaining periods. */
static enum mp_status carry_pool(mp_plan *p, const mp_plan *plan, const mp_actuals *act, size_t c, int done)
{
    const struct mp_channel *ch = &p->channels[c];
    size_t E = plan->nevents, T = (size_t)plan->T;
    if (!E || !plan->deferred || ch->resp.curve == MP_CURVE_NONE)
        return MP_OK;
    double a = plan->channels[c].carryover, total = 0;
    for (int t = 0; t < done; t++) {
        a = act->cell[c * T + (size_t)t].spend + ch->theta * a;
        int e = plan->defer_event[t];
        double w = plan->deferred[MP_AT(plan, c, t)];
        if (e < 0 || !(w > 0) || plan->ob_last[e] < done)
            continue;
        int all = 0, ahead = 0;
        for (int u = plan->ob_first[e]; u <= plan->ob_last[e]; u++) {
            int d = plan->ev_days[((size_t)u * E + (size_t)e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
            all += d;
            ahead += u >= done ? d : 0;
        }
        double f;
        mp_curve_eval(&ch->resp, a, &f, NULL, NULL);
        double gmv = w * f;
        for (int u = plan->ob_first[e]; u <= plan->ob_last[e]; u++)
            if (u >= done)
                p->baseline[u - done] += gmv * plan->ev_days[((size_t)u * E + (size_t)e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK] / all;
        total += gmv * ahead / all;
    }
    if (total > 0 && mp_plan_warn(p, "channel '%s': %s GMV its spent storage and warm-up periods defer to an "
                                  "outbreak still ahead is added to the baseline of the outbreak's periods",
                                  ch->id, MP_NUM(total, 2)) != MP_OK)
        return MP_ENOMEM;
    return MP_OK;
}

enum mp_status mp_review_revise(const mp_plan *plan, const mp_actuals *act, const mp_review *rv,
                                mp_plan **out, mp_error *err)
{
    *out = NULL;
    int done = act->done, T = plan->T, left = T - done;
    if (left <= 0)
        return mp_fail(err, MP_EINFEASIBLE, "%s: the actuals cover the whole horizon: nothing is left to plan",
                       plan->file);
    mp_plan *p = mp_plan_clone(plan);
    if (!p)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    p->nwarnings = 0;
    p->start = plan->period_start[done];
    p->T = left;
    shift(p->baseline, sizeof *p->baseline, done, left);
    shift(p->season, sizeof *p->season, done, left);
    for (size_t i = 0; i < p->nfixed; i++) /* spread evenly: the spent periods' share is gone */
        p->fixed[i].amount = cents(p->fixed[i].amount * left / T);

    /* An event whose outbreak is over has nothing left to lift; the loader refuses an outbreak
     * outside the horizon, so it goes (its review periods become normal ones). */
    size_t kept = 0;
    for (size_t e = 0; e < p->nevents; e++) {
        char day[11];
        mp_date_format(p->events[e].outbreak_to, day);
        if (p->events[e].outbreak_to >= p->start)
            p->events[kept++] = p->events[e];
        else if (mp_plan_warn(p, "event '%s' is over (outbreak ended %s): dropped from the revised plan",
                              p->events[e].name, day) != MP_OK)
            goto oom;
    }
    p->nevents = kept;

    for (size_t c = 0; c < p->nchannels; c++) {
        struct mp_channel *ch = &p->channels[c];
        const mp_refit *f = &rv->fit[c];
        double a = ch->carryover, spent = 0;
        for (int t = 0; t < done; t++) {
            double x = act->cell[c * (size_t)T + (size_t)t].spend;
            a = x + ch->theta * a;
            spent += x;
        }
        if (ch->resp.curve != MP_CURVE_NONE)
            ch->carryover = a;
        if (ch->mode == MP_MODE_OPTIMISED) {
            ch->min = fmax(0, ch->min - spent);
            ch->max = fmax(0, ch->max - spent);
        }
        ch->carryover = cents(ch->carryover);
        ch->min = cents(ch->min);
        ch->max = cents(ch->max);
        ch->resp.beta = sig6(f->beta);
        ch->resp.k = sig6(f->k);
        ch->resp.roas = sig6(f->roas);
        if (f->funnel) {
            ch->funnel.aov = cents(f->aov);
            ch->funnel.cvr = sig6(f->cvr);
            ch->funnel.ctr = sig6(f->ctr);
            ch->funnel.new_share = sig6(f->new_share);
        }
        if (carry_pool(p, plan, act, c, done) != MP_OK)
            goto oom;
        shift(ch->spend, sizeof *ch->spend, done, left);
        shift(ch->override, 1, done, left);
        shift(ch->active, 1, done, left);
        shift(ch->scale, sizeof *ch->scale, done, left);
    }

    p->spent.from = plan->spent.periods ? plan->spent.from : plan->start;
    p->spent.to = plan->period_start[done] - 1;
    p->spent.periods = plan->spent.periods + done;
    p->spent.spend = cents(plan->spent.spend + rv->spent);
    p->spent.gmv = cents(plan->spent.gmv + reached(plan, act, rv, MP_KPI_GMV));

    enum mp_status st = revise_goals(p, plan, act, rv);
    if (st != MP_OK)
        goto oom;
    if ((st = revise_budget(p, plan, rv, err)) == MP_OK && (st = revise_mins(p)) != MP_OK)
        goto oom;
    return mp_plan_resolve_into(p, st, out, err);
oom:
    mp_plan_free(p);
    return mp_fail(err, MP_ENOMEM, "out of memory");
}

mp_alloc *mp_review_remaining_alloc(const mp_plan *revised, const mp_alloc *planned, int done)
{
    mp_alloc *a = mp_alloc_new(revised);
    if (!a)
        return NULL;
    size_t T = (size_t)revised->T, T0 = (size_t)planned->T;
    for (size_t c = 0; c < revised->nchannels; c++)
        if (revised->channels[c].mode == MP_MODE_OPTIMISED)
            for (size_t t = 0; t < T; t++)
                a->spend[c * T + t] = planned->spend[c * T0 + (size_t)done + t];
    return a;
}

/* ---- what to do with the rest ---- */

void mp_review_actions_free(mp_review_actions *a)
{
    if (!a)
        return;
    free(a->change);
    free(a->goal);
    free(a);
}

/* Channel c's line: where its money for the remaining periods went, and why. */
static void change_of(const mp_review_inputs *in, size_t c, mp_review_change *ch)
{
    const struct mp_channel *rc = &in->rest->channels[c];
    size_t T = (size_t)in->rest->T, T0 = (size_t)in->planned->T, done = (size_t)in->done;
    double gmv_plan = 0;
    ch->channel = c;
    ch->planned = ch->revised = 0;
    for (size_t t = 0; t < T; t++) {
        ch->planned += in->planned_alloc->spend[c * T0 + done + t];
        gmv_plan += in->planned_fc->cell[c * T0 + done + t].gmv;
        ch->revised += in->rest_alloc->spend[c * T + t];
    }
    const mp_kpis *stay = &in->stay->by_channel[c];
    if (in->stay_plan)
        gmv_plan = in->stay_plan->by_channel[c].gmv;
    ch->roas_plan = ch->planned > 0 ? gmv_plan / ch->planned : NAN;
    ch->roas_refit = stay->spend > 0 ? stay->gmv / stay->spend : NAN;
    ch->mroas_planned = in->stay->mroas[c];
    ch->mroas_level = in->level;
    double diff = ch->revised - ch->planned, tol = fmax(1, 0.005 * fabs(ch->planned));
    if (rc->mode != MP_MODE_OPTIMISED) {
        ch->why = MP_CHANGE_FIXED;
        return;
    }
    if (fabs(diff) <= tol) {
        ch->why = MP_CHANGE_SAME;
        return;
    }
    int capped = 1, any = 0; /* at the cap in every period it may spend */
    for (size_t t = 0; t < T; t++)
        if (rc->active[t]) {
            any = 1;
            capped &= in->rest_alloc->spend[c * T + t] >= rc->cap - tol / (double)T;
        }
    if (ch->revised >= rc->max - tol || (diff > 0 && any && capped))
        ch->why = MP_CHANGE_MAX;
    else if (diff < 0 && ch->revised <= rc->min + tol)
        ch->why = MP_CHANGE_MIN;
    else
        ch->why = isfinite(in->level) ? MP_CHANGE_MROAS : MP_CHANGE_ALLOCATOR;
}

static void goal_of(const mp_review_inputs *in, const struct mp_goal *g, mp_review_goal *o)
{
    int id = mp_kpi_lookup(g->kpi);
    o->kpi = g->kpi;
    o->target = g->target;
    o->lower = id >= 0 && !mp_kpi_higher_is_better((enum mp_kpi_id)id); /* custom KPIs: below */
    o->reached = o->projected = o->stay = o->budget_now = o->budget_needed = NAN;
    o->budget_now = in->rest->budget_total;
    size_t j = 0;
    while (j < in->rest->ngoals && strcmp(in->rest->goals[j].kpi, g->kpi) != 0)
        j++;
    if (j == in->rest->ngoals) { /* the revised plan dropped it: reached in the spent periods */
        o->outlook = MP_GOAL_REACHED;
        o->additive = 1;
        return;
    }
    o->rest_goal = j;
    const mp_goal_result *r = &in->rest_goals[j], *s = &in->stay_goals[j];
    o->lower = r->lower;
    /* The revised plan's target is what is left of an additive goal: the rest was reached. */
    o->additive = (id >= 0 && mp_kpi_additive((enum mp_kpi_id)id) && id != MP_KPI_SPEND) ||
                  in->rest->goals[j].target != g->target;
    double base = 0;
    if (o->additive) {
        o->reached = g->target - in->rest->goals[j].target;
        base = o->reached;
    }
    o->projected = base + r->forecast;
    o->stay = base + s->forecast;
    o->outlook = !r->met ? MP_GOAL_AT_RISK : s->met ? MP_GOAL_ON_TRACK : MP_GOAL_CLOSED;
    /* the plan's allocation of these periods may cost more than is left (money spent ahead) */
    o->stay_extra = fmax(0, in->stay->total.spend - in->rest_fc->total.spend);
}

enum mp_status mp_review_plan_curves(const mp_plan *rest, const mp_plan *planned, mp_plan **out, mp_error *err)
{
    *out = mp_plan_clone(rest);
    if (!*out)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c < rest->nchannels && c < planned->nchannels; c++) {
        (*out)->channels[c].resp = planned->channels[c].resp;
        (*out)->channels[c].funnel = planned->channels[c].funnel;
    }
    return MP_OK;
}

enum mp_status mp_review_actions_new(const mp_review_inputs *in, mp_review_actions **out, mp_error *err)
{
    *out = NULL;
    size_t C = in->rest->nchannels, G = in->planned->ngoals;
    mp_review_actions *a = calloc(1, sizeof *a);
    if (a) {
        a->change = calloc(C + 1, sizeof *a->change);
        a->goal = calloc(G + 1, sizeof *a->goal);
    }
    if (!a || !a->change || !a->goal) {
        mp_review_actions_free(a);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    a->first = in->done + 1 + in->planned->spent.periods;
    for (size_t c = 0; c < C; c++) {
        mp_review_change ch;
        change_of(in, c, &ch);
        if (!(ch.planned >= 0.005) && !(ch.revised >= 0.005))
            continue; /* plans nothing and gets nothing: not news */
        a->change[a->nchanges++] = ch;
        a->planned += ch.planned;
        a->revised += ch.revised;
    }
    for (size_t i = 0; i < G; i++)
        goal_of(in, &in->planned->goals[i], &a->goal[a->ngoals++]);
    *out = a;
    return MP_OK;
}
