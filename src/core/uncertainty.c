/* Uncertainty carried into planning (docs/fit.md "Uncertainty"): the plan's allocation
 * forecast again under each bootstrap draw of the fitted curves that `mplan fit --bootstrap`
 * recorded in the plan (`draws:`), and the spread of GMV, ROAS and goal attainment. */
#include "mplan/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "mplan/kpi.h"

void mp_uncertainty_free(mp_uncertainty *u)
{
    if (!u)
        return;
    free(u->goal);
    free(u->goal_met);
    free(u->goal_kpi);
    free(u);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* P10, P50, P90 of v[0..n) (linear interpolation between order statistics); NAN-free input. */
static void percentiles(double *v, size_t n, double out[3])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    if (!k) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    qsort(v, k, sizeof *v, cmp);
    static const double pr[3] = {0.1, 0.5, 0.9};
    for (int j = 0; j < 3; j++) {
        double h = (double)(k - 1) * pr[j];
        size_t lo = (size_t)floor(h), hi = lo + 1 < k ? lo + 1 : lo;
        out[j] = v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
    }
}

enum mp_status mp_fit_uncertainty(const mp_plan *plan, const mp_alloc *alloc, mp_uncertainty **out, mp_error *err)
{
    *out = NULL;
    size_t N = 0;
    for (size_t c = 0; c < plan->nchannels; c++)
        if (plan->channels[c].ndraws)
            N = plan->channels[c].ndraws;
    if (!N)
        return mp_fail(err, MP_EINPUT, "%s: no channel has draws: (run mplan fit --bootstrap N --write-plan to "
                       "record them)", plan->file ? plan->file : "plan");
    size_t G = plan->ngoals;
    mp_plan *p = mp_plan_clone(plan);
    mp_uncertainty *u = calloc(1, sizeof *u);
    double *gmv = calloc(N, sizeof *gmv), *roas = calloc(N, sizeof *roas), *att = calloc(N * (G + 1), sizeof *att);
    enum mp_status st = MP_OK;
    if (!p || !u || !gmv || !roas || !att || !(u->goal = calloc(G + 1, sizeof *u->goal)) ||
        !(u->goal_met = calloc(G + 1, sizeof *u->goal_met)) || !(u->goal_kpi = calloc(G + 1, sizeof *u->goal_kpi))) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    u->ndraws = N;
    u->ngoals = G;
    for (size_t d = 0; d < N && st == MP_OK; d++) {
        for (size_t c = 0; c < p->nchannels; c++) {
            struct mp_channel *ch = &p->channels[c];
            const double *v = plan->channels[c].draws;
            if (!plan->channels[c].ndraws)
                continue;
            v += d * 4;
            if (ch->resp.curve == MP_CURVE_LINEAR)
                ch->resp.roas = v[0];
            else {
                ch->resp.beta = v[0];
                ch->resp.k = v[1];
                if (ch->resp.curve == MP_CURVE_HILL)
                    ch->resp.s = v[2];
            }
            ch->theta = v[3];
        }
        mp_forecast *fc = NULL;
        mp_goal_result *gr = NULL;
        size_t ng = 0;
        if ((st = mp_forecast_run(p, alloc, &fc, err)) != MP_OK)
            break;
        gmv[d] = fc->total.gmv;
        roas[d] = mp_kpi_value(&fc->total, p->margin, MP_KPI_ROAS);
        st = mp_goals_evaluate(p, fc, NULL, 0, &gr, &ng, err);
        for (size_t g = 0; st == MP_OK && g < G && g < ng; g++) {
            att[g * N + d] = gr[g].attainment;
            u->goal_met[g] += gr[g].met ? 1 : 0; /* a count until the end */
        }
        free(gr);
        mp_forecast_free(fc);
    }
    if (st != MP_OK)
        goto done;
    percentiles(gmv, N, u->gmv);
    percentiles(roas, N, u->roas);
    for (size_t g = 0; g < G; g++) {
        u->goal_met[g] /= (double)N;
        percentiles(att + g * N, N, u->goal[g]);
        u->goal_kpi[g] = plan->goals[g].kpi;
    }
    *out = u;
    u = NULL;
done:
    free(gmv), free(roas), free(att);
    mp_uncertainty_free(u);
    mp_plan_free(p);
    return st;
}
