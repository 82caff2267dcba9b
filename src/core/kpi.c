/* KPI names and ratios (docs/model.md 6). */
#include "mplan/kpi.h"

#include <math.h>
#include <string.h>

static const char *const kpi_names[MP_KPI_COUNT] = {
    "spend", "impressions", "clicks", "orders", "gmv", "new_customers",
    "ctr", "cvr", "aov", "cpc", "cpm", "cac", "roas", "roi",
    "channel_gmv", "store_roas", "store_roi", "store_aov"};

const char *mp_kpi_name(enum mp_kpi_id id)
{
    return (unsigned)id < MP_KPI_COUNT ? kpi_names[id] : "?";
}

int mp_kpi_lookup(const char *name)
{
    for (int i = 0; i < MP_KPI_COUNT; i++)
        if (strcmp(kpi_names[i], name) == 0)
            return i;
    return -1;
}

int mp_kpi_higher_is_better(enum mp_kpi_id id)
{
    switch (id) {
    case MP_KPI_SPEND:
    case MP_KPI_CPC:
    case MP_KPI_CPM:
    case MP_KPI_CAC:
        return 0;
    default:
        return 1;
    }
}

int mp_kpi_additive(enum mp_kpi_id id)
{
    return id <= MP_KPI_NEW_CUSTOMERS || id == MP_KPI_CHANNEL_GMV;
}

void mp_kpis_add(mp_kpis *to, const mp_kpis *k)
{
    to->organic += k->organic;
    to->organic_orders += k->organic_orders;
    to->spend += k->spend;
    to->impressions += k->impressions;
    to->clicks += k->clicks;
    to->orders += k->orders;
    to->gmv += k->gmv;
    to->new_customers += k->new_customers;
}

/* num / den, absent (NAN) when the denominator is 0. */
static double ratio(double num, double den)
{
    return den != 0 ? num / den : NAN;
}

mp_ratios mp_kpi_ratios(const mp_kpis *k, double margin)
{
    mp_ratios r;
    r.ctr = ratio(k->clicks, k->impressions);
    r.cvr = ratio(k->orders, k->clicks);
    double paid = k->gmv - k->organic;
    r.aov = ratio(paid, k->orders);
    r.cpc = ratio(k->spend, k->clicks);
    r.cpm = ratio(1000 * k->spend, k->impressions);
    r.cac = ratio(k->spend, k->new_customers);
    r.roas = ratio(paid, k->spend);
    r.roi = isnan(margin) ? NAN : ratio(paid * margin - k->spend, k->spend);
    r.store_roas = ratio(k->gmv, k->spend);
    r.store_roi = isnan(margin) ? NAN : ratio(k->gmv * margin - k->spend, k->spend);
    /* Organic GMV without its orders has no AOV of the same scope. */
    r.store_aov = k->organic > 0 && !(k->organic_orders > 0) ? NAN
                  : ratio(k->gmv, k->orders + k->organic_orders);
    return r;
}

double mp_kpi_value(const mp_kpis *k, double margin, enum mp_kpi_id id)
{
    mp_ratios r = mp_kpi_ratios(k, margin);
    switch (id) {
    case MP_KPI_SPEND: return k->spend;
    case MP_KPI_IMPRESSIONS: return k->impressions;
    case MP_KPI_CLICKS: return k->clicks;
    case MP_KPI_ORDERS: return k->orders;
    case MP_KPI_GMV: return k->gmv;
    case MP_KPI_NEW_CUSTOMERS: return k->new_customers;
    case MP_KPI_CTR: return r.ctr;
    case MP_KPI_CVR: return r.cvr;
    case MP_KPI_AOV: return r.aov;
    case MP_KPI_CPC: return r.cpc;
    case MP_KPI_CPM: return r.cpm;
    case MP_KPI_CAC: return r.cac;
    case MP_KPI_ROAS: return r.roas;
    case MP_KPI_ROI: return r.roi;
    case MP_KPI_CHANNEL_GMV: return k->gmv - k->organic;
    case MP_KPI_STORE_ROAS: return r.store_roas;
    case MP_KPI_STORE_ROI: return r.store_roi;
    case MP_KPI_STORE_AOV: return r.store_aov;
    case MP_KPI_COUNT: break;
    }
    return NAN;
}
