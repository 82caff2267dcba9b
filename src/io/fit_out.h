/* Writers for `mplan fit` (docs/fit.md "Output"). */
#ifndef MPLAN_IO_FIT_OUT_H
#define MPLAN_IO_FIT_OUT_H

#include <stdio.h>

#include "core/fit_history.h"
#include "mplan/fit.h"

struct mp_fit_view {
    const struct mp_history *h;
    mp_fit *const *fits;        /* one store-total fit, or one per channel (per_channel) */
    int per_channel;
    const char *history_path;
    const char *const *base_names;
    mp_fit_metrics pooled_in, pooled_hold; /* of the store total, or of the channels' sum */
    double pooled_dw;
    const mp_fit_experiment *exps;
    size_t nexp;
};

enum mp_status mp_fit_write_table(FILE *fp, const struct mp_fit_view *v, mp_error *err);
/* scope,channel,name,value,se,ci90_lo,ci90_hi: one row per figure. */
enum mp_status mp_fit_write_csv(FILE *fp, const struct mp_fit_view *v, mp_error *err);
enum mp_status mp_fit_write_json(FILE *fp, const struct mp_fit_view *v, mp_error *err);

/* `mplan run --uncertainty`: P10/P50/P90 of GMV, ROAS and goal attainment. */
/* GMV in `units`, as the run's own tables show amounts (the plan's units). */
enum mp_status mp_uncertainty_write_table(FILE *fp, const mp_uncertainty *u, enum mp_units units, mp_error *err);
/* kpi,p10,p50,p90,met_share,draws */
enum mp_status mp_uncertainty_write_csv(FILE *fp, const mp_uncertainty *u, mp_error *err);
/* {"draws":N,"gmv":{p10,p50,p90},"roas":{..},"goals":[{kpi,p10,p50,p90,met_share}]}; NULL out of memory. */
struct json_t *mp_uncertainty_json(const mp_uncertainty *u);

#endif
