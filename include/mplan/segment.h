/* Segmenting customers files with a rule pack's segmenter (model.md 8, formats.md). */
#ifndef MPLAN_SEGMENT_H
#define MPLAN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/export.h"
#include "mplan/host.h"
#include "mplan/plan.h"
#include "mplan/status.h"

/* Per-label count, share, sum and mean of every numeric column (details: src/core/segment.h). */
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

#endif
