/* From a history and a plan to estimation problems: the plan's model (demand multipliers of
 * its events, day-weighted, and storage deferral) laid on the history's own calendar. */
#include "core/fit_history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/numfmt.h"
#include "mplan/channel.h"

void mp_history_free(struct mp_history *h)
{
    if (!h)
        return;
    for (size_t c = 0; h->ids && c < h->C; c++)
        free(h->ids[c]);
    free(h->ids);
    free(h->line);
    free(h->start);
    free(h->spend);
    free(h->gmv);
    free(h->total);
    free(h->counts);
    memset(h, 0, sizeof *h);
}

void mp_fit_setup_free(struct mp_fit_setup *s)
{
    for (size_t j = 0; s->base_names && j < s->pb.nbase; j++)
        free(s->base_names[j]);
    free(s->base_names);
    free(s->ch);
    free(s->weight);
    free(s->defer);
    free(s->spread);
    free(s->base);
    free(s->y);
    free(s->defer_to);
    free(s->base_nonneg);
    free(s->plan_channel);
    mp_plan_free(s->own_hplan);
    memset(s, 0, sizeof *s);
}

/* The plan on the history's calendar: same channels and events, the events moved by whole
 * years into the history (or to the windows of --events), season 1 (the baseline carries the
 * history's seasonality), no strategies' scaling. */
static enum mp_status history_plan(const mp_plan *plan, const struct mp_history *h, const struct mp_hist_event *ev,
                                   size_t nev, mp_plan **out, mp_error *err)
{
    *out = NULL;
    mp_plan *p = mp_plan_clone(plan);
    if (!p)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    struct mp_arena *A = &p->arena;
    size_t T = (size_t)h->T;
    p->start = h->start[0];
    p->T = h->T;
    p->unit = h->unit;
    p->period_start = NULL;
    p->phase = NULL;
    p->event_of = NULL;
    p->lift = p->demand = p->deferred = NULL;
    p->defer_event = p->phase_days = p->ev_first = p->ev_days = p->ev_list = p->ob_first = p->ob_last = NULL;
    p->baseline = mp_arena_array(A, T, sizeof *p->baseline);
    p->season = mp_arena_array(A, T, sizeof *p->season);
    p->baseline_orders = NULL;
    p->nwarnings = 0;
    if (!p->baseline || !p->season)
        goto oom;
    for (size_t t = 0; t < T; t++)
        p->season[t] = 1;
    for (size_t c = 0; c < p->nchannels; c++) {
        struct mp_channel *ch = &p->channels[c];
        ch->spend = NULL;
        if (ch->mode == MP_MODE_FIXED_SPEND)
            ch->mode = MP_MODE_OPTIMISED;
        ch->override = NULL;
        ch->active = NULL;
        ch->scale = NULL;
    }
    int32_t first = h->start[0], last = h->start[T] - 1;
    size_t cap = nev ? nev : plan->nevents * (size_t)(2 + (last - first) / 365), n = 0;
    struct mp_event *evs = mp_arena_array(A, cap + 1, sizeof *evs);
    if (!evs)
        goto oom;
    if (nev) {
        for (size_t i = 0; i < nev; i++)
            for (size_t e = 0; e < plan->nevents; e++)
                if (strcmp(plan->events[e].name, ev[i].name) == 0 && ev[i].to >= first && ev[i].from <= last) {
                    evs[n] = p->events[e];
                    evs[n].outbreak_from = ev[i].from;
                    evs[n].outbreak_to = ev[i].to;
                    n++;
                }
    } else {
        for (size_t e = 0; e < plan->nevents; e++) {
            const struct mp_event *src = &plan->events[e];
            for (int y = -(2 + (int)((src->outbreak_from - first) / 365)); y <= 1; y++) {
                int32_t f = mp_date_add_months(src->outbreak_from, 12 * y), to = mp_date_add_months(src->outbreak_to, 12 * y);
                if (to < first || f > last || n >= cap)
                    continue;
                evs[n] = p->events[e];
                evs[n].outbreak_from = f;
                evs[n].outbreak_to = to;
                n++;
            }
        }
    }
    p->events = evs;
    p->nevents = n;
    return mp_plan_resolve_into(p, MP_OK, out, err);
oom:
    mp_plan_free(p);
    return mp_fail(err, MP_ENOMEM, "out of memory");
}

static enum mp_fit_family family_of(enum mp_curve c)
{
    return c == MP_CURVE_HILL ? MP_FIT_HILL : c == MP_CURVE_EXP ? MP_FIT_EXP : c == MP_CURVE_LINEAR ? MP_FIT_LINEAR
                                                                                                  : MP_FIT_AUTO;
}

/* Match the history's channels with the plan's, both ways. miss NULL: a channel on one side
 * only is an error; else a history channel the plan lacks (or has without a curve) gets
 * pc[c] = -1, and miss[k] = 1 marks a plan channel with a curve the history lacks. */
static enum mp_status match_channels(const mp_plan *plan, const struct mp_history *h, int *pc, unsigned char *miss,
                                     mp_error *err)
{
    for (size_t c = 0; c < h->C; c++) {
        pc[c] = plan ? (int)mp_channel_lookup(plan, h->ids[c]) : -1;
        if (plan && pc[c] >= 0 && plan->channels[pc[c]].resp.curve == MP_CURVE_NONE) {
            if (!miss)
                return mp_fail(err, MP_EINPUT, "%s:%llu: channel '%s' has no response curve in the plan %s (a fixed "
                               "cost): there is nothing to fit", h->file, (unsigned long long)h->line[c], h->ids[c],
                               plan->file);
            pc[c] = -1;
        } else if (plan && pc[c] < 0 && !miss)
            return mp_fail(err, MP_EINPUT, "%s:%llu: channel '%s' is in the history but not in the plan %s", h->file,
                           (unsigned long long)h->line[c], h->ids[c], plan->file);
    }
    for (size_t k = 0; plan && k < plan->nchannels; k++) {
        const struct mp_channel *ch = &plan->channels[k];
        if (ch->resp.curve == MP_CURVE_NONE)
            continue;
        int found = 0;
        for (size_t c = 0; c < h->C; c++)
            found |= pc[c] == (int)k;
        if (!found && miss)
            miss[k] = 1;
        else if (!found) {
            char where[512];
            return mp_fail(err, MP_EINPUT, "%s: channel '%s' of the plan is not in the history %s",
                           mp_plan_where(plan, ch->loc, where, sizeof where), ch->id, h->file);
        }
    }
    return MP_OK;
}

enum mp_status mp_history_match_some(const mp_plan *plan, const struct mp_history *h, int *pc, unsigned char *miss,
                                     mp_error *err)
{
    enum mp_status st = match_channels(plan, h, pc, miss, err);
    if (st != MP_OK || !plan || !h->dated || h->unit == plan->unit)
        return st;
    static const char *const units[] = {"days", "weeks", "months"};
    return mp_fail(err, MP_EINPUT, "%s: the history's periods are %s, the plan's (%s) %s: theta and the curves are per "
                   "period, so both must use the same", h->file, units[h->unit], plan->file, units[plan->unit]);
}

enum mp_status mp_history_match(const mp_plan *plan, const struct mp_history *h, int *pc, mp_error *err)
{
    return mp_history_match_some(plan, h, pc, NULL, err);
}

enum mp_status mp_fit_setup_make(const mp_plan *plan, const struct mp_history *h, const struct mp_hist_event *ev,
                                 size_t nev, long channel, const mp_plan *shared, struct mp_fit_setup *s,
                                 mp_error *err)
{
    memset(s, 0, sizeof *s);
    size_t T = (size_t)h->T, C = h->C;
    s->plan_channel = calloc(C + 1, sizeof *s->plan_channel);
    if (!s->plan_channel)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = mp_history_match(plan, h, s->plan_channel, err);
    if (st != MP_OK)
        goto fail;
    if (plan && h->dated) {
        if (shared)
            s->hplan = shared;
        else if ((st = history_plan(plan, h, ev, nev, &s->own_hplan, err)) != MP_OK)
            goto fail;
        else
            s->hplan = s->own_hplan;
    }
    size_t nc = channel >= 0 ? 1 : C;
    size_t E = s->hplan ? s->hplan->nevents : 0;
    s->ch = calloc(nc + 1, sizeof *s->ch);
    s->y = calloc(T + 1, sizeof *s->y);
    if (!s->ch || !s->y)
        goto oom;
    if (s->hplan) {
        s->weight = calloc(nc * T + 1, sizeof *s->weight);
        s->defer = calloc(nc * T + 1, sizeof *s->defer);
        s->defer_to = calloc(T + 1, sizeof *s->defer_to);
        s->spread = calloc(E * T + 1, sizeof *s->spread);
        if (!s->weight || !s->defer || !s->defer_to || !s->spread)
            goto oom;
        const mp_plan *hp = s->hplan;
        for (size_t e = 0; e < E; e++) {
            double all = 0;
            for (size_t t = 0; t < T; t++)
                all += hp->ev_days[(t * E + e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
            for (size_t t = 0; all > 0 && t < T; t++)
                s->spread[e * T + t] = hp->ev_days[(t * E + e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK] / all;
        }
        for (size_t t = 0; t < T; t++) {
            int e = hp->defer_event[t];
            s->defer_to[t] = e >= 0 && hp->ob_first[e] >= 0 ? e : -1;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        size_t c = channel >= 0 ? (size_t)channel : i;
        mp_fit_channel_in *in = &s->ch[i];
        in->id = h->ids[c];
        in->spend = h->spend + c * T;
        in->family = MP_FIT_AUTO;
        int k = s->plan_channel[c];
        if (k >= 0) {
            const struct mp_channel *ch = &plan->channels[k];
            in->family = family_of(ch->resp.curve);
            in->has_prior = 1;
            in->prior[MP_FIT_BETA] = ch->resp.curve == MP_CURVE_LINEAR ? ch->resp.roas : ch->resp.beta;
            in->prior[MP_FIT_K] = ch->resp.k;
            in->prior[MP_FIT_S] = ch->resp.curve == MP_CURVE_HILL ? ch->resp.s : 1;
            in->prior[MP_FIT_THETA] = ch->theta;
            if (s->hplan) {
                const mp_plan *hp = s->hplan;
                double *w = s->weight + i * T, *d = s->defer + i * T;
                for (size_t t = 0; t < T; t++) {
                    size_t at = MP_AT(hp, k, t);
                    int on = s->defer_to[t] >= 0 && hp->deferred[at] > 0;
                    w[t] = on ? hp->lift[at] - hp->deferred[at] : hp->lift[at];
                    d[t] = on ? hp->deferred[at] : 0;
                }
                in->weight = w;
                in->defer = d;
            }
        }
    }
    s->pb.T = h->T;
    s->pb.y = s->y;
    s->pb.nchannels = nc;
    s->pb.channels = s->ch;
    if (s->hplan) {
        s->pb.nevents = E;
        s->pb.defer_to = s->defer_to;
        s->pb.spread = s->spread;
    }
    if (channel >= 0) {
        memcpy(s->y, h->gmv + (size_t)channel * T, T * sizeof *s->y);
        return MP_OK;
    }
    memcpy(s->y, h->total, T * sizeof *s->y);

    /* The baseline: level, trend, yearly season (two harmonics, with a year of history) and
     * each event's outbreak days. */
    int season = h->dated && h->start[T] - h->start[0] >= 365;
    size_t ne = 0;
    const char *names[512];
    if (s->hplan)
        for (size_t e = 0; e < E && ne < 512; e++) {
            int dup = 0;
            for (size_t j = 0; j < ne; j++)
                dup |= strcmp(names[j], s->hplan->events[e].name) == 0;
            if (!dup)
                names[ne++] = s->hplan->events[e].name;
        }
    else
        for (size_t e = 0; e < nev && ne < 512; e++) {
            int dup = 0;
            for (size_t j = 0; j < ne; j++)
                dup |= strcmp(names[j], ev[e].name) == 0;
            if (!dup)
                names[ne++] = ev[e].name;
        }
    size_t nb = (season ? 6u : 2u) + ne;
    s->base = calloc(nb * T + 1, sizeof *s->base);
    s->base_names = calloc(nb + 1, sizeof *s->base_names);
    s->base_nonneg = calloc(nb + 1, 1);
    if (!s->base || !s->base_names || !s->base_nonneg)
        goto oom;
    s->pb.nbase = nb;
    size_t j = 0;
    for (size_t t = 0; t < T; t++) {
        s->base[t] = 1;
        s->base[T + t] = (double)t / (double)T;
    }
    s->base_names[0] = strdup("level");
    s->base_names[1] = strdup("trend");
    s->base_nonneg[0] = 1;
    j = 2;
    if (season)
        for (int k = 1; k <= 2; k++, j += 2) {
            for (size_t t = 0; t < T; t++) {
                double mid = 0.5 * (h->start[t] + h->start[t + 1]), w = 2 * M_PI * k * mid / 365.2425;
                s->base[j * T + t] = sin(w);
                s->base[(j + 1) * T + t] = cos(w);
            }
            char nm[32];
            snprintf(nm, sizeof nm, "season_sin%d", k);
            s->base_names[j] = strdup(nm);
            snprintf(nm, sizeof nm, "season_cos%d", k);
            s->base_names[j + 1] = strdup(nm);
        }
    for (size_t e = 0; e < ne; e++, j++) {
        size_t len = strlen(names[e]) + 8;
        s->base_names[j] = malloc(len);
        if (s->base_names[j])
            snprintf(s->base_names[j], len, "event:%s", names[e]);
        s->base_nonneg[j] = 1;
        for (size_t t = 0; t < T; t++) {
            int days = 0;
            if (s->hplan) {
                for (size_t x = 0; x < E; x++)
                    if (strcmp(s->hplan->events[x].name, names[e]) == 0)
                        days += s->hplan->ev_days[(t * E + x) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
            } else {
                for (size_t x = 0; x < nev; x++)
                    if (strcmp(ev[x].name, names[e]) == 0)
                        for (int32_t d = h->start[t]; d < h->start[t + 1]; d++)
                            days += d >= ev[x].from && d <= ev[x].to;
            }
            s->base[j * T + t] = (double)days / (double)(h->start[t + 1] - h->start[t]);
        }
    }
    for (size_t k = 0; k < nb; k++)
        if (!s->base_names[k])
            goto oom;
    s->pb.base = s->base;
    s->pb.base_names = (const char *const *)s->base_names;
    s->pb.base_nonneg = s->base_nonneg;
    return MP_OK;
oom:
    st = mp_fail(err, MP_ENOMEM, "out of memory");
fail:
    mp_fit_setup_free(s);
    return st;
}

static double round6(double v)
{
    char buf[40];
    if (!isfinite(v) || v == 0)
        return v;
    snprintf(buf, sizeof buf, "%.6g", v);
    return strtod(buf, NULL);
}

/* The write-plan guard (docs/fit.md): a fitted curve that the history does not show bending
 * (its shape not identifiable, or its marginal ROAS at MP_FIT_GUARD_SPEND x the history's
 * largest spend in a period still MP_FIT_GUARD_BEND or more of that at the mean spend) would
 * promise returns beyond the data: cap the channel's spend per period there. Returns 1 and
 * says why in `why` when it capped. */
static int guard_cap(struct mp_channel *ch, const mp_fit_channel *f, const double *spend, int T, int nperiods,
                     char *why, size_t n)
{
    double xmax = 0, r, m_mean, m_far;
    for (int t = 0; t < T; t++)
        xmax = fmax(xmax, spend[t]);
    if (!(xmax > 0) || !(f->estimated & (1u << MP_FIT_BETA)) || ch->mode != MP_MODE_OPTIMISED)
        return 0;
    double cap = round(MP_FIT_GUARD_SPEND * xmax * 100) / 100;
    char a[64], b[64], reason[200];
    unsigned shape = f->family == MP_FIT_LINEAR ? 0 : (1u << MP_FIT_K);
    mp_fit_roas_at(f->family, f->p, f->mean_spend, &r, &m_mean);
    mp_fit_roas_at(f->family, f->p, MP_FIT_GUARD_SPEND * xmax, &r, &m_far);
    if (shape && !(f->estimated & shape))
        snprintf(reason, sizeof reason, "its curve's shape was not identifiable (held, not fitted)");
    else if (m_far >= MP_FIT_GUARD_BEND * m_mean && m_mean > 0)
        snprintf(reason, sizeof reason, "its fitted curve does not bend within the history (marginal ROAS at %gx the "
                 "largest spend %.0f%% of that at the mean spend)", MP_FIT_GUARD_SPEND, 100 * m_far / m_mean);
    else
        return 0;
    if (isfinite(ch->cap) && ch->cap <= cap)
        snprintf(why, n, "%.150s; the plan's cap %s a period already keeps it within %gx the history's largest spend",
                 reason, mp_fmt_num(ch->cap, 0, a, sizeof a), MP_FIT_GUARD_SPEND);
    else if (ch->min > cap * nperiods)
        snprintf(why, n, "%.150s, but its min %s over the plan needs more than %gx the history's largest spend (%s) "
                 "a period: not capped, its spend there is extrapolation", reason, mp_fmt_num(ch->min, 0, a, sizeof a),
                 MP_FIT_GUARD_SPEND, mp_fmt_num(xmax, 0, b, sizeof b));
    else {
        ch->cap = cap;
        snprintf(why, n, "%.150s: the written plan caps its spend at %s a period (%gx the history's largest, %s), "
                 "where the history ends", reason, mp_fmt_num(cap, 0, a, sizeof a), MP_FIT_GUARD_SPEND,
                 mp_fmt_num(xmax, 0, b, sizeof b));
    }
    return 1;
}

mp_plan *mp_fit_apply(const mp_plan *plan, const struct mp_history *h, mp_fit *const *fits, int per_channel,
                      char (*guard)[MP_FIT_MSG])
{
    mp_plan *p = mp_plan_clone(plan);
    if (!p)
        return NULL;
    for (size_t c = 0; c < h->C; c++) {
        long k = mp_channel_lookup(p, h->ids[c]);
        if (k < 0)
            continue;
        const mp_fit_channel *f = per_channel ? &fits[c]->ch[0] : &fits[0]->ch[c];
        struct mp_channel *ch = &p->channels[k];
        switch (f->family) {
        case MP_FIT_HILL:
            ch->resp.curve = MP_CURVE_HILL;
            ch->resp.beta = round6(f->p[MP_FIT_BETA]);
            ch->resp.k = round6(f->p[MP_FIT_K]);
            ch->resp.s = round6(f->p[MP_FIT_S]);
            break;
        case MP_FIT_EXP:
            ch->resp.curve = MP_CURVE_EXP;
            ch->resp.beta = round6(f->p[MP_FIT_BETA]);
            ch->resp.k = round6(f->p[MP_FIT_K]);
            break;
        case MP_FIT_LINEAR:
        case MP_FIT_AUTO:
            ch->resp.curve = MP_CURVE_LINEAR;
            ch->resp.roas = round6(f->p[MP_FIT_BETA]);
            break;
        }
        ch->theta = round6(f->p[MP_FIT_THETA]);
        guard[c][0] = 0;
        guard_cap(ch, f, h->spend + c * (size_t)h->T, h->T, p->T, guard[c], MP_FIT_MSG);
        const mp_fit *F = per_channel ? fits[c] : fits[0];
        size_t nd = F->ndraws > MP_FIT_MAX_DRAWS ? MP_FIT_MAX_DRAWS : (size_t)F->ndraws, C = per_channel ? 1 : h->C;
        size_t ci = per_channel ? 0 : c;
        ch->ndraws = 0;
        ch->draws = nd ? mp_arena_array(&p->arena, nd * 4, sizeof *ch->draws) : NULL;
        if (nd && !ch->draws) {
            mp_plan_free(p);
            return NULL;
        }
        for (size_t d = 0; d < nd; d++)
            for (int j = 0; j < 4; j++) {
                double v = F->draws[(d * C + ci) * MP_FIT_NPARAM + (size_t)j];
                ch->draws[d * 4 + (size_t)j] = j == MP_FIT_THETA ? fmin(round6(v), 0.899999) : round6(v);
            }
        ch->ndraws = nd;
        const double *n = h->counts ? h->counts + c * 4 : NULL;
        double gmv = 0;
        for (int t = 0; h->gmv && t < h->T; t++) /* a missing GMV (NaN) left out, its counts too (io/history.c) */
            if (!isnan(h->gmv[c * (size_t)h->T + (size_t)t]))
                gmv += h->gmv[c * (size_t)h->T + (size_t)t];
        if (per_channel && h->has_funnel && n && n[0] > 0 && n[1] > 0 && n[2] > 0 && gmv > 0) {
            ch->has_funnel = 1;
            ch->funnel.aov = round(gmv / n[2] * 100) / 100;
            ch->funnel.cvr = round6(fmin(1, n[2] / n[1]));
            ch->funnel.ctr = round6(fmin(1, n[1] / n[0]));
            if (h->has_new)
                ch->funnel.new_share = round6(fmin(1, n[3] / n[2]));
        }
    }
    return p;
}

/* The period of the history holding `day`, or -1. */
static int period_of(const struct mp_history *h, int32_t day)
{
    for (int t = 0; t < h->T; t++)
        if (day >= h->start[t] && day < h->start[t + 1])
            return t;
    return -1;
}

enum mp_status mp_fit_plan_experiments(const mp_plan *plan, const struct mp_history *h, mp_fit_experiment **out,
                                       size_t *n, unsigned char **skipped, mp_error *err)
{
    *out = NULL;
    *n = 0;
    *skipped = NULL;
    if (!plan->nexperiments)
        return MP_OK;
    if (!h->dated)
        return mp_fail(err, MP_EINPUT, "%s: the plan's experiments have dates, the history %s numbers its periods "
                       "(give dates, or the experiments with --experiments and period numbers)", plan->file, h->file);
    mp_fit_experiment *x = calloc(plan->nexperiments, sizeof *x);
    unsigned char *skip = calloc(plan->nexperiments, 1);
    if (!x || !skip) {
        free(x), free(skip);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < plan->nexperiments; i++) {
        const struct mp_experiment *e = &plan->experiments[i];
        int from = period_of(h, e->from), to = period_of(h, e->to);
        size_t c = h->C;
        long pe = mp_channel_find(plan, e->channel);
        for (size_t j = 0; j < h->C; j++)
            if (strcmp(h->ids[j], e->channel) == 0 || (pe >= 0 && mp_channel_lookup(plan, h->ids[j]) == pe))
                c = j;
        double spend = 0;
        for (int t = from; c < h->C && from >= 0 && t <= to; t++)
            spend += h->spend[c * (size_t)h->T + (size_t)t];
        if (from < 0 || to < 0 || c == h->C || (e->roas && !(spend > 0))) {
            skip[i] = 1;
            continue;
        }
        double f = e->roas ? spend : 1;
        x[k++] = (mp_fit_experiment){.channel = c, .from = from, .to = to, .gmv = e->value * f, .lo = e->lo * f,
                                     .hi = e->hi * f, .level = e->level};
    }
    *out = x;
    *n = k;
    *skipped = skip;
    return MP_OK;
}
