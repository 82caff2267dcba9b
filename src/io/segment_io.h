/* Writers for `mplan segment`: the per-label summary and the flow between two snapshots as
 * terminal tables, CSV and JSON; and the partial summary that `--partial` writes and
 * `--merge` reads (docs/segment.md). */
#ifndef MPLAN_IO_SEGMENT_IO_H
#define MPLAN_IO_SEGMENT_IO_H

#include <stdio.h>

#include "core/segment.h"
#include "mplan/status.h"

/* Per label: count, share, and the sum and mean of every numeric column. The table puts
 * labels across (it stays narrow however many columns the file has); CSV has one row a
 * label with COL_sum and COL_mean columns, in full precision. */
enum mp_status mp_seg_write_table(FILE *fp, const mp_seg_summary *s, mp_error *err);
enum mp_status mp_seg_write_csv(FILE *fp, const mp_seg_summary *s, mp_error *err);
enum mp_status mp_seg_write_json(FILE *fp, const mp_seg_summary *s, mp_error *err);

/* The transition matrix from `before` to `after`, counts and rates (over everyone in the
 * before label, gone included), with the AIPL flow rates A->I, I->P, P->L called out when
 * those labels are there. `key` names the column customers were matched by. */
struct mp_seg_flow_view {
    const mp_seg_summary *before, *after;
    const mp_seg_flow *flow;
    const char *key;
};
enum mp_status mp_seg_write_flow_table(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err);
/* Long form: from,to,count,rate; from is empty for new customers, to for those gone. */
enum mp_status mp_seg_write_flow_csv(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err);
enum mp_status mp_seg_write_flow_json(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err);

/* The partial summary: JSON lines, each complete on its own, so they survive being sorted
 * and interleaved (Hadoop Streaming) and merge in any order to the same result. */
#define MP_SEG_PARTIAL_VERSION 1
enum mp_status mp_seg_write_partial(FILE *fp, const mp_seg_summary *s, mp_error *err);

/* Read the partial summaries in `fp` (named `name` in messages) and merge them into *acc,
 * creating it from the first line when NULL. The caller owns *acc (mp_seg_free). */
enum mp_status mp_seg_read_partial(FILE *fp, const char *name, mp_seg_summary **acc, mp_error *err);

#endif
