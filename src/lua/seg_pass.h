/* A segmentation pass: what the row binding (src/lua/bind_segment.c: the row object, the
 * per-row call) and the runner above it (src/run/segment_run.c: passes, threads, flow,
 * plans) share. Lua-free: a worker's Lua state is inside the opaque struct seg_slot. */
#ifndef MPLAN_LUA_SEG_PASS_H
#define MPLAN_LUA_SEG_PASS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/model.h"
#include "core/segment.h"
#include "io/csv.h"
#include "io/seg_buf.h"
#include "lua/mem_pool.h"
#include "mplan/segment.h"

#define MP_SEG_LABEL_CACHE 16
/* A line within a range packed as range << MP_SEG_RANGE_SHIFT | line sorts in file order. */
#define MP_SEG_RANGE_SHIFT 40

/* A worker thread: its Lua state and what it knows of the row (src/lua/lsegment.h). */
struct seg_slot;

enum pass_kind { PASS_SEGMENT, PASS_SKETCH };
enum flow_mode { FLOW_NONE, FLOW_COLLECT, FLOW_PROBE };

struct seg_run {
    const mp_segment_opts *o;
    mp_csv *csv;
    const char *path;
    size_t ncols;
    long key;
    int jobs;
    struct seg_slot *slots;
    char *rule;            /* PACK.NAME for messages and partials */
    enum pass_kind pass;
    mp_sketch **sketch;    /* [ncols], frozen; NULL where not computed */
    unsigned char *sketch_want; /* [ncols] columns the sketch pass reads */
    atomic_int restart;    /* a rule asked for quantiles not computed yet */
    enum flow_mode flow;
    const mp_keymap *before; /* FLOW_PROBE */
    size_t nb;               /* labels of the before summary */
    const char *labels_dir;  /* where --labels temporary files go; NULL: no labels */
    const char *what;        /* the pass, for progress */
    struct mp_arena arena;   /* typed param overrides */
    struct mp_param *overrides;
    struct mp_mem_pool pool; /* every worker's host: one memory cap for the pass */
};

/* Everything one byte range of the file adds up to. */
struct seg_state {
    struct seg_slot *slot;
    size_t range;           /* its index among the ranges of the pass */
    mp_seg_summary *sum;
    const void *cptr[MP_SEG_LABEL_CACHE];
    long cidx[MP_SEG_LABEL_CACHE];
    unsigned ncache;
    struct seg_labout *out;
    struct seg_keyvec *keys;    /* FLOW_COLLECT: every row; FLOW_PROBE: rows new in AFTER */
    uint64_t *fcount;       /* FLOW_PROBE: [(nb + 1) * facap] before label x local label */
    size_t facap;
    mp_sketch **sk;         /* PASS_SKETCH: [ncols] */
};

/* ---- bind_segment.c ---- */

/* --param NAME=VALUE strings typed by the pack's manifest, into r->overrides. */
enum mp_status mp_segment_params(struct seg_run *r, mp_error *err);
/* r->jobs worker slots in r->slots: for a segmenting pass each a host with the pack loaded
 * and the row object on its stack; for the quantile pass only the parse buffers. */
enum mp_status mp_segment_slots_open(struct seg_run *r, mp_error *err);
/* Safe when none are open. */
void mp_segment_slots_free(struct seg_run *r);
/* Worker i's slot, for a range state. */
struct seg_slot *mp_segment_slot(struct seg_run *r, int i);
/* Did worker i's rule ask for the quantiles of column c (not computed yet)? */
int mp_segment_slot_wants(const struct seg_run *r, int i, size_t c);
/* The row callback of a pass (state: a struct seg_state). */
enum mp_status mp_segment_row(void *state, const struct mp_csv_record *rec, mp_error *err);

#endif
