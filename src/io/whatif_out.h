/* Writers for `mplan whatif`: a table, CSV (one row per scenario), JSON, and an SVG of
 * GMV and ROAS along one axis. */
#ifndef MPLAN_IO_WHATIF_OUT_H
#define MPLAN_IO_WHATIF_OUT_H

#include <stdio.h>

#include "mplan/whatif.h"

struct mp_whatif_view {
    const mp_plan *plan;
    const mp_whatif *w;
    const mp_whatif_axis *axes; /* [w->naxes] */
    const mp_whatif_scenario *scenarios;
    size_t nscenarios;          /* 0: no scenario column */
};

enum mp_status mp_whatif_write_table(FILE *fp, const struct mp_whatif_view *v, mp_error *err);
/* Columns: [scenario], one per axis named by its path, the KPIs of docs/model.md 6, mroas,
 * allocatable, goals_met, attainment_KPI per goal, spend_CHANNEL per channel, status. */
enum mp_status mp_whatif_write_csv(FILE *fp, const struct mp_whatif_view *v, mp_error *err);
enum mp_status mp_whatif_write_json(FILE *fp, const struct mp_whatif_view *v, mp_error *err);
/* GMV, ROAS and mROAS along axis `xaxis` (rows in grid order), one line per combination of
 * scenario and the other axes. */
enum mp_status mp_whatif_write_svg(FILE *fp, const struct mp_whatif_view *v, size_t xaxis, mp_error *err);

#endif
