/* Forecast: allocation -> adstock -> response -> funnel -> KPIs (docs/model.md 3-6). */
#include "mplan/kpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/curve.h"
#include "core/model.h"
#include "mplan/channel.h"

/* The funnel of docs/model.md 5 for response r; counts stay 0 without a funnel. */
static mp_kpis cell_kpis(const struct mp_channel *ch, double spend, double r)
{
    mp_kpis k = {.spend = spend, .gmv = r};
    if (ch->has_funnel && ch->funnel.aov > 0) {
        k.orders = r / ch->funnel.aov;
        k.new_customers = k.orders * ch->funnel.new_share;
        if (ch->funnel.cvr > 0) {
            k.clicks = k.orders / ch->funnel.cvr;
            if (ch->funnel.ctr > 0)
                k.impressions = k.clicks / ch->funnel.ctr;
        }
    }
    return k;
}

mp_kpis mp_channel_funnel(const mp_plan *plan, size_t c, int t, double spend)
{
    return cell_kpis(&plan->channels[c], spend, mp_channel_response(plan, c, t, spend));
}

void mp_forecast_free(mp_forecast *fc)
{
    if (!fc)
        return;
    free(fc->by_channel);
    free(fc->by_period);
    free(fc->cell);
    free(fc->adstock);
    free(fc->marginal);
    free(fc->mroas);
    free(fc->deferred);
    free(fc);
}

/* 1 when the KPIs a user reads are finite: the sums, and the ratios of the totals, which
 * may be absent (NAN, a zero denominator) but never infinite. In-range plan numbers keep
 * them finite; a custom allocator or strategy may still push them past DBL_MAX, and an
 * infinite GMV would "meet" every goal. */
static int forecast_finite(const mp_plan *plan, const mp_forecast *fc, mp_error *err)
{
    size_t C = fc->nchannels, T = (size_t)fc->T;
    for (size_t k = 0; k < C + T + 1; k++) {
        const mp_kpis *x = k < C ? &fc->by_channel[k] : k < C + T ? &fc->by_period[k - C] : &fc->total;
        for (int j = 0; j < MP_KPI_COUNT; j++) {
            int id = j == 0 ? MP_KPI_GMV : j == MP_KPI_GMV ? 0 : j; /* GMV, the cause, first */
            double v = mp_kpi_value(x, plan->margin, (enum mp_kpi_id)id);
            if (isinf(v) || (isnan(v) && id < MP_KPI_CTR)) {
                char scope[160];
                if (k < C)
                    snprintf(scope, sizeof scope, "channel '%.100s'", plan->channels[k].id);
                else if (k < C + T)
                    snprintf(scope, sizeof scope, "period %zu", k - C + 1);
                else
                    snprintf(scope, sizeof scope, "the total");
                mp_fail(err, MP_EINPUT, "%s: the forecast is not finite (%s of %s is %g): the plan's "
                        "numbers multiply beyond the range of a double", plan->file ? plan->file : "plan",
                        mp_kpi_name((enum mp_kpi_id)id), scope, v);
                return 0;
            }
        }
    }
    return 1;
}

enum mp_status mp_forecast_run(const mp_plan *plan, const mp_alloc *alloc,
                               mp_forecast **out, mp_error *err)
{
    *out = NULL;
    size_t C = plan->nchannels, T = (size_t)plan->T;
    mp_forecast *fc = calloc(1, sizeof *fc);
    if (!fc)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    fc->nchannels = C;
    fc->T = plan->T;
    fc->by_channel = calloc(C + 1, sizeof *fc->by_channel);
    fc->by_period = calloc(T, sizeof *fc->by_period);
    fc->cell = calloc(C * T + 1, sizeof *fc->cell);
    fc->adstock = calloc(C * T + 1, sizeof *fc->adstock);
    fc->marginal = calloc(C * T + 1, sizeof *fc->marginal);
    fc->mroas = calloc(C + 1, sizeof *fc->mroas);
    fc->deferred = calloc(C * T + 1, sizeof *fc->deferred);
    /* Per event: its outbreak's periods [first, last] and days inside the horizon. */
    size_t E = plan->nevents;
    int (*ob)[3] = calloc(E + 1, sizeof *ob);
    if (!fc->by_channel || !fc->by_period || !fc->cell || !fc->adstock || !fc->marginal || !fc->mroas ||
        !fc->deferred || !ob) {
        free(ob);
        mp_forecast_free(fc);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t e = 0; e < E; e++) {
        ob[e][0] = -1;
        for (size_t t = 0; t < T; t++) {
            int d = plan->ev_days[(t * E + e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
            if (!d)
                continue;
            if (ob[e][0] < 0)
                ob[e][0] = (int)t;
            ob[e][1] = (int)t;
            ob[e][2] += d;
        }
    }

    for (size_t c = 0; c < C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        const double *x = &alloc->spend[c * T];
        double a = ch->carryover;
        for (size_t t = 0; t < T; t++) {
            size_t i = c * T + t;
            a = x[t] + ch->theta * a;
            double f = 0, d = 0;
            mp_curve_eval(&ch->resp, a, &f, &d, NULL);
            double L = plan->lift[i];
            fc->adstock[i] = a;
            mp_kpis k = cell_kpis(ch, x[t], L * f);
            fc->marginal[i] = L != 0 ? L * d : 0; /* the backward pass below adds the carry-over */
            int e = plan->defer_event ? plan->defer_event[t] : -1;
            if (plan->deferred && plan->deferred[i] > 0 && e >= 0 && ob[e][2] > 0) {
                /* Storage deferral: this part converts in the outbreak's periods, by their days;
                 * the visits (impressions, clicks) stay where the money was spent. */
                mp_kpis kd = cell_kpis(ch, 0, plan->deferred[i] * f);
                fc->deferred[i] = kd.gmv;
                /* by phase: storage and warm-up days of the event, each by its share */
                const int *dd = &plan->ev_days[(t * E + (size_t)e) * MP_PHASE_COUNT];
                const struct mp_event *ev = &plan->events[e];
                double ws = dd[MP_PHASE_STORAGE] * mp_event_defer(ev, ch, MP_PHASE_STORAGE);
                double ww = dd[MP_PHASE_WARMUP] * mp_event_defer(ev, ch, MP_PHASE_WARMUP);
                double fs = ws + ww > 0 ? ws / (ws + ww) : 1;
                fc->deferred_gmv[MP_PHASE_STORAGE] += fs * kd.gmv;
                fc->deferred_gmv[MP_PHASE_WARMUP] += (1 - fs) * kd.gmv;
                fc->pool[MP_PHASE_STORAGE] += fs * kd.clicks;
                fc->pool[MP_PHASE_WARMUP] += (1 - fs) * kd.clicks;
                k.gmv -= kd.gmv;
                k.orders -= kd.orders;
                k.new_customers -= kd.new_customers;
                for (int u = ob[e][0]; u <= ob[e][1]; u++) {
                    double w = plan->ev_days[((size_t)u * E + (size_t)e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK] /
                               (double)ob[e][2];
                    mp_kpis *o = &fc->cell[c * T + (size_t)u];
                    o->gmv += w * kd.gmv;
                    o->orders += w * kd.orders;
                    o->new_customers += w * kd.new_customers;
                }
            }
            mp_kpis_add(&fc->cell[i], &k);
        }
        /* d(total gmv)/dx[c,t] = sum over u >= t of L f'(a[c,u]) theta^(u-t). A later period
         * with adstock 0 got nothing from x[c,t] (theta = 0, or theta^(u-t) x underflowed),
         * so its term is 0 there, even where its own first-dollar return is infinite (hill
         * s < 1): `carry` holds the sum over u > t of those terms with a > 0 only. */
        double carry = 0;
        for (size_t t = T; t-- > 0;) {
            size_t i = c * T + t;
            double own = fc->marginal[i];
            fc->marginal[i] = ch->theta > 0 ? own + ch->theta * carry : own;
            carry = (fc->adstock[i] > 0 ? own : 0) + (ch->theta > 0 ? ch->theta * carry : 0);
        }
        /* mroas: the return of one more unit spent in the channel's current pattern; for a
         * channel with no spend, of the best period it may spend in (docs/model-notes.md). */
        double spent = 0, weighted = 0, best = 0;
        for (size_t t = 0; t < T; t++) {
            spent += x[t];
            if (x[t] > 0) /* 0 * inf (hill s < 1 at a = 0) must not poison the sum */
                weighted += x[t] * fc->marginal[c * T + t];
            if (ch->mode == MP_MODE_OPTIMISED && ch->active[t] && fc->marginal[c * T + t] > best)
                best = fc->marginal[c * T + t];
        }
        fc->mroas[c] = ch->resp.curve == MP_CURVE_NONE ? NAN : spent > 0 ? weighted / spent : best;
    }

    free(ob);
    for (size_t c = 0; c < C; c++)
        for (size_t t = 0; t < T; t++) {
            mp_kpis_add(&fc->by_channel[c], &fc->cell[c * T + t]);
            mp_kpis_add(&fc->by_period[t], &fc->cell[c * T + t]);
        }
    for (size_t i = 0; i < plan->nfixed; i++)
        fc->fixed_lines += plan->fixed[i].amount + plan->fixed[i].per_period * plan->T;
    for (size_t t = 0; t < T; t++) {
        for (size_t i = 0; i < plan->nfixed; i++)
            fc->by_period[t].spend += plan->fixed[i].amount / plan->T + plan->fixed[i].per_period;
        fc->by_period[t].gmv += plan->baseline[t];
        fc->by_period[t].organic += plan->baseline[t];
        if (plan->baseline_orders)
            fc->by_period[t].organic_orders += plan->baseline_orders[t];
        mp_kpis_add(&fc->total, &fc->by_period[t]);
    }
    if (!forecast_finite(plan, fc, err)) {
        mp_forecast_free(fc);
        return MP_EINPUT;
    }
    *out = fc;
    return MP_OK;
}
