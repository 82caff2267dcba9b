/* Excel workbooks (`--format xlsx`) through libxlsxwriter: numbers stored as numbers with
 * number formats (the plan's currency on money), frozen header rows, attainment coloured.
 * libxlsxwriter writes to a named file, so each writer builds the workbook in a private
 * temporary directory and copies it to `fp`: the bytes still go through the command's one
 * output path (io/out.h, temp file + rename). These writers are linked into the mplan
 * command only, not into libmplan (docs/design.md). */
#ifndef MPLAN_IO_XLSX_OUT_H
#define MPLAN_IO_XLSX_OUT_H

#include <stdio.h>

#include "io/review_out.h"
#include "io/run_out.h"
#include "io/segment_io.h"
#include "io/whatif_out.h"

/* Sheets: Summary (store, horizon, budget line, goals with attainment green or red, custom
 * KPIs, warnings), Allocation (a row per period with start date, phase and event, a column
 * per channel, totals), KPIs (a row per channel: spend, GMV, ROAS, mROAS, funnel, rates). */
enum mp_status mp_run_write_xlsx(FILE *fp, const struct mp_run_result *r, mp_error *err);
/* Scenarios: one row per scenario, the columns of `whatif --format csv`. */
enum mp_status mp_whatif_write_xlsx(FILE *fp, const struct mp_whatif_view *v, mp_error *err);
/* Review: the rows of `review --format csv`; then the revised plan for the periods left as
 * the Summary, Allocation and KPIs sheets of a run. */
enum mp_status mp_review_write_xlsx(FILE *fp, const struct mp_review_view *v, mp_error *err);
/* Segments (a row per label, as the CSV) and Flow (from, to, count, rate). */
enum mp_status mp_seg_write_xlsx(FILE *fp, const mp_seg_summary *s, mp_error *err);
enum mp_status mp_seg_write_flow_xlsx(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err);

#endif
