/* `mplan diff` in and out: a side from a run or from a run's saved JSON, and the comparison
 * as a table, CSV or JSON. */
#ifndef MPLAN_IO_DIFF_IO_H
#define MPLAN_IO_DIFF_IO_H

#include <stdio.h>

#include "core/numfmt.h"
#include "io/run_out.h"
#include "mplan/diff.h"

/* Fill *side from a run (`source` names it in headers), and *units from its plan. */
enum mp_status mp_diff_side_of_run(const struct mp_run_result *r, const char *source, mp_diff_side *side,
                                   enum mp_units *units, mp_error *err);
/* Fill *side from the JSON `mplan run --format json` writes, and *units from its plan.units
 * (plain when absent: runs saved before it was written): MP_EIO when the file cannot be
 * read, MP_EINPUT (with file:line:col, or the missing member) when it is not such a run. */
enum mp_status mp_diff_side_load_json(const char *path, mp_diff_side *side, enum mp_units *units, mp_error *err);

/* 1 when the file starts with '{' (a saved run), 0 otherwise (a plan, or unreadable: the plan
 * loader says why). */
int mp_diff_looks_json(const char *path);

enum mp_diff_by { MP_DIFF_BY_CHANNEL = 1, MP_DIFF_BY_PERIOD = 2, MP_DIFF_BY_BOTH = 3 };

struct mp_diff_view {
    const mp_diff *d;
    enum mp_diff_by by;
    enum mp_units units; /* how tables show amounts (spend, GMV, counts) */
};

enum mp_status mp_diff_write_table(FILE *fp, const struct mp_diff_view *v, mp_error *err);
/* One row per scope and value: scope,key,t_a,t_b,value,a,b,change,change_pct,presence. */
enum mp_status mp_diff_write_csv(FILE *fp, const struct mp_diff_view *v, mp_error *err);
enum mp_status mp_diff_write_json(FILE *fp, const struct mp_diff_view *v, mp_error *err);

#endif
