/* Segmenting customers files with a rule pack's segmenter (docs/model.md 8, docs/plan-format.md). */
#ifndef MPLAN_SEGMENT_H
#define MPLAN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/export.h"
#include "mplan/host.h"
#include "mplan/plan.h"
#include "mplan/status.h"

/* Per-label count, sum and mean of every numeric column: read it with the mp_seg_* accessors. */
typedef struct mp_seg_summary mp_seg_summary;
/* The label-to-label transition matrix between two snapshots. */
typedef struct mp_seg_flow mp_seg_flow;

typedef struct mp_segment_opts {
    const char *pack;          /* pack directory */
    const char *rule;          /* segmenter exported by the pack */
    const char *const *params; /* "NAME=VALUE" overrides of the pack's params */
    size_t nparams;
    const char *params_from;   /* where they come from, for messages; NULL: "--param" */
    const char *key;           /* id column; NULL: the first column */
    int jobs;                  /* worker threads; 0: the online CPUs */
    int skip_bad;              /* skip (and count) bad rows instead of failing */
    size_t max_field;          /* longest field in bytes; 0: 64 KiB */
    const char *const *names;  /* column names when the input has no header row */
    size_t nnames;
    const char *labels;        /* write `id,label[,score]` per row to this file; NULL: no */
    mp_host_limits limits;
    /* The plan whose pack `pack` is (packs[lock_pack]): loaded as the plan's, so its params
     * and PLAN.lock apply. NULL: a pack directory on its own. */
    const mp_plan *lock_plan;
    size_t lock_pack;
    int verbose;               /* script errors with a Lua traceback */
    /* Called from the calling thread as the work goes on: bytes read of `total` (0 when
     * unknown, as for standard input); `what` names the pass. May be NULL. */
    void (*progress)(void *ctx, const char *what, uint64_t done, uint64_t total);
    /* A warning for the user, such as bad rows skipped (with file:line). May be NULL. */
    void (*warn)(void *ctx, const char *msg);
    void *ctx;
} mp_segment_opts;

/* Segment the customers file `path` ("-": standard input) row by row, streaming, with
 * opts->jobs threads. On success the caller owns *out: free it with mp_seg_free. Bad CSV is
 * MP_EINPUT naming file:line; a failing rule is MP_ESCRIPT naming pack, hook and row. */
MP_API enum mp_status mp_segment_run(const char *path, const mp_segment_opts *opts, mp_seg_summary **out,
                                     mp_error *err);

/* Segment two snapshots and match their customers by the key column. On success the caller
 * owns the two summaries (mp_seg_free) and the flow (mp_seg_flow_free). */
MP_API enum mp_status mp_segment_flow(const char *before, const char *after, const mp_segment_opts *opts,
                                      mp_seg_summary **sbefore, mp_seg_summary **safter,
                                      mp_seg_flow **flow, mp_error *err);

/* Fill the plan's segment sizes (label -> count) from `segments: {from:, segmenter:}`: the
 * file relative to the plan, the segmenter PACK.NAME from one of the plan's packs (its
 * PLAN.lock applies). `limits` are the run's (as given to mp_host_new: 0 takes the plan's,
 * then the default; NULL: all 0). Does nothing when the plan has no `from:`. */
MP_API enum mp_status mp_segment_plan(mp_plan *plan, int jobs, const mp_host_limits *limits,
                                       mp_error *err);

MP_API void mp_seg_free(mp_seg_summary *s);
MP_API void mp_seg_flow_free(mp_seg_flow *f);

/* ---- reading a summary ----
 * Labels are numbered 0..mp_seg_label_count-1 in the order they were first seen; columns
 * 0..mp_seg_column_count-1 as in the file. Strings live as long as the summary. */

/* PACK.NAME of the segmenter, or NULL when unknown. */
MP_API const char *mp_seg_rule(const mp_seg_summary *s);
MP_API size_t mp_seg_label_count(const mp_seg_summary *s);
/* The label's text (NUL-terminated; `len`, when not NULL, gets its length in bytes). */
MP_API const char *mp_seg_label_name(const mp_seg_summary *s, size_t label, size_t *len);
/* Customers (rows) with this label. */
MP_API uint64_t mp_seg_label_rows(const mp_seg_summary *s, size_t label);
/* Total count over the labels. */
MP_API uint64_t mp_seg_rows(const mp_seg_summary *s);
/* Rows skipped as bad (mp_segment_opts.skip_bad). */
MP_API uint64_t mp_seg_bad_rows(const mp_seg_summary *s);
MP_API size_t mp_seg_column_count(const mp_seg_summary *s);
MP_API const char *mp_seg_column_name(const mp_seg_summary *s, size_t c);
/* The customer id column (never summed), or -1 for none. */
MP_API long mp_seg_key_column(const mp_seg_summary *s);
/* 1 when column c is summed: not the key, some numeric value and no text value. */
MP_API int mp_seg_numeric(const mp_seg_summary *s, size_t c);
/* Over all labels: numeric values of column c, and non-empty values that are not numbers. */
MP_API uint64_t mp_seg_total_n(const mp_seg_summary *s, size_t c);
MP_API uint64_t mp_seg_text(const mp_seg_summary *s, size_t c);
/* Exact sum (rounded once) and mean (over the label's numeric values; NAN when none) of
 * column c within a label. */
MP_API double mp_seg_sum(const mp_seg_summary *s, size_t label, size_t c);
MP_API double mp_seg_mean(const mp_seg_summary *s, size_t label, size_t c);
/* Display order of labels, written into order[mp_seg_label_count]: the AIPL stages A, I, P,
 * L first in funnel order, then by count (largest first), then by name. */
MP_API void mp_seg_order(const mp_seg_summary *s, size_t *order);

#endif
