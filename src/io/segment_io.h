/* Writing segment summaries and flows (table, CSV, JSON) and the partial-summary format
 * that `--partial` writes and `--merge` reads (docs/segment.md). */
#ifndef MPLAN_IO_SEGMENT_IO_H
#define MPLAN_IO_SEGMENT_IO_H

#include <stdio.h>

#include "core/segment.h"
#include "io/table.h"
#include "mplan/status.h"

/* Per label: count, share, and the sum and mean of every numeric column. */
enum mp_status mp_seg_print(FILE *fp, const mp_seg_summary *s, enum mp_format fmt, mp_error *err);

/* The transition matrix between two snapshots, counts and rates, with the AIPL flow rates
 * (A->I, I->P, P->L) called out when those labels are there. `key` names the match column. */
enum mp_status mp_seg_print_flow(FILE *fp, const mp_seg_summary *before, const mp_seg_summary *after,
                                 const mp_seg_flow *flow, const char *key, enum mp_format fmt,
                                 mp_error *err);

/* The partial summary: JSON lines, each complete on its own, so they survive being sorted
 * and interleaved (Hadoop Streaming) and merge in any order to the same result. */
#define MP_SEG_PARTIAL_VERSION 1
enum mp_status mp_seg_write_partial(FILE *fp, const mp_seg_summary *s, mp_error *err);

/* Read the partial summaries in `fp` (named `name` in messages) and merge them into *acc,
 * creating it from the first line when NULL. The caller owns *acc (mp_seg_free). */
enum mp_status mp_seg_read_partial(FILE *fp, const char *name, mp_seg_summary **acc, mp_error *err);

#endif
