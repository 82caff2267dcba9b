/* KPIs (docs/model.md 6) and the forecast that produces them. */
#ifndef MPLAN_KPI_H
#define MPLAN_KPI_H

#include <stddef.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/plan.h"

/* The additive KPIs of one scope: a channel, a period, a channel-period or the plan.
 * gmv is every sale of the scope, organic (baseline) GMV included; `organic` is that part
 * and `organic_orders` the orders the baseline gives (0 when it gives none); orders,
 * clicks, impressions and new customers are the channels' only. */
typedef struct mp_kpis {
    double spend, impressions, clicks, orders, gmv, new_customers;
    double organic, organic_orders;
} mp_kpis;

/* The ratios of a scope; NAN marks an absent ratio (denominator 0, or no margin).
 * roas, roi and aov are marketing's: channel GMV (gmv - organic) over spend and channel
 * orders; the store_ ones include organic sales (docs/model-notes.md, "ROAS"). */
typedef struct mp_ratios {
    double ctr, cvr, aov, cpc, cpm, cac, roas, roi;
    double store_roas, store_roi, store_aov;
} mp_ratios;

/* Numbers are stable: new KPIs are added before MP_KPI_COUNT. */
enum mp_kpi_id {
    MP_KPI_SPEND, MP_KPI_IMPRESSIONS, MP_KPI_CLICKS, MP_KPI_ORDERS, MP_KPI_GMV,
    MP_KPI_NEW_CUSTOMERS, MP_KPI_CTR, MP_KPI_CVR, MP_KPI_AOV, MP_KPI_CPC, MP_KPI_CPM,
    MP_KPI_CAC, MP_KPI_ROAS, MP_KPI_ROI, MP_KPI_CHANNEL_GMV, MP_KPI_STORE_ROAS, MP_KPI_STORE_ROI,
    MP_KPI_STORE_AOV, MP_KPI_COUNT
};

/* Name as in docs/model.md 6 ("gmv", "roas", ...). */
MP_API const char *mp_kpi_name(enum mp_kpi_id id);
/* The id of a KPI name, or -1. */
MP_API int mp_kpi_lookup(const char *name);
/* 1 when a larger value is better (gmv, roas), 0 when smaller is (cac, cpc, spend). */
MP_API int mp_kpi_higher_is_better(enum mp_kpi_id id);
/* 1 when the KPI adds up over periods (spend, gmv, orders...), 0 for ratios. */
MP_API int mp_kpi_additive(enum mp_kpi_id id);

/* Add the additive KPIs of k into to. */
MP_API void mp_kpis_add(mp_kpis *to, const mp_kpis *k);

/* Ratios of a scope; `margin` NAN leaves roi absent. */
MP_API mp_ratios mp_kpi_ratios(const mp_kpis *k, double margin);
/* Any KPI of a scope by id (NAN when absent). */
MP_API double mp_kpi_value(const mp_kpis *k, double margin, enum mp_kpi_id id);

/* The forecast of an allocation (docs/model.md 3-6). */
typedef struct mp_forecast {
    size_t nchannels;
    int T;
    mp_kpis total;       /* baseline and fixed budget lines included */
    mp_kpis *by_channel; /* [C] */
    mp_kpis *by_period;  /* [T], baseline and fixed lines included */
    mp_kpis *cell;       /* [C*T] */
    double *adstock;     /* [C*T] */
    double *marginal;    /* [C*T] d(total gmv) / d spend[c,t], carry-over included */
    double *mroas;       /* [C] docs/model.md 6, see docs/model-notes.md */
    double fixed_lines;  /* budget.fixed over the horizon */
    /* Storage deferral (docs/model-notes.md): [C*T] GMV of the spend in a cell that converts
     * at the outbreak (already counted in the outbreak's cells), and by the phase of the
     * period where the money was spent: that GMV and the pool of visitors (clicks) waiting. */
    double *deferred;
    double deferred_gmv[8], pool[8];
} mp_forecast;

/* Forecast `alloc`. The caller owns the result: free with mp_forecast_free. */
MP_API enum mp_status mp_forecast_run(const mp_plan *plan, const mp_alloc *alloc,
                                      mp_forecast **out, mp_error *err);
MP_API void mp_forecast_free(mp_forecast *fc);

/* Goal attainment: forecast / target (target / forecast for lower-is-better KPIs). */
typedef struct mp_goal_result {
    const char *kpi;
    double target, forecast, attainment; /* forecast/attainment NAN when absent */
    int met;
    int lower; /* lower is better: attainment is target / forecast */
} mp_goal_result;

/* The value of a custom KPI (PACK.NAME) computed by a rule pack; NAN when it returned nil. */
typedef struct mp_kpi_custom {
    const char *name;
    double value;
    int lower;    /* lower is better (pack.yaml `kpis: {NAME: {better: lower}}`) */
    int additive; /* adds up over periods (`additive: true`) */
} mp_kpi_custom;

/* Where custom KPIs come from: fill kpi->value (NAN when the pack returns nil) and its
 * traits kpi->lower and kpi->additive for the KPI kpi->name (PACK.NAME) on the forecast
 * `fc` of `plan`. */
typedef enum mp_status (*mp_custom_kpi_fn)(void *ctx, const mp_plan *plan, const mp_forecast *fc,
                                           mp_kpi_custom *kpi, mp_error *err);

/* Evaluate the plan's goals on the forecast totals; `custom` gives the values of PACK.NAME
 * KPIs. The caller owns *out (an array of *n results): free it with free(). */
MP_API enum mp_status mp_goals_evaluate(const mp_plan *plan, const mp_forecast *fc,
                                        const mp_kpi_custom *custom, size_t ncustom,
                                        mp_goal_result **out, size_t *n, mp_error *err);
/* The same, asking `kpi` (with `ctx`) for each custom KPI a goal names; NULL leaves those
 * goals without a forecast. */
MP_API enum mp_status mp_goals_evaluate_by(const mp_plan *plan, const mp_forecast *fc, mp_custom_kpi_fn kpi,
                                           void *ctx, mp_goal_result **out, size_t *n, mp_error *err);

#endif
