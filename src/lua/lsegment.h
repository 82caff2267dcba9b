/* Inside `mplan segment`: what the Lua binding (bind_segment.c: the row object, the per-row
 * call) and the runner (segment_run.c: passes, threads, flow, plans) share. */
#ifndef MPLAN_LSEGMENT_H
#define MPLAN_LSEGMENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "core/arena.h"
#include "core/model.h"
#include "core/segment.h"
#include "io/csv.h"
#include "lua/lhost.h"
#include "mplan/segment.h"

#define MP_SEG_LABEL_CACHE 16
/* A line within a range packed as range << MP_SEG_RANGE_SHIFT | line sorts in file order. */
#define MP_SEG_RANGE_SHIFT 40

/* Stack slots of a worker's Lua state while a pass runs (slot 1 is the host's handler):
 * the segmenter, its params, the row object, the values table behind it, column names. */
enum { MP_SEG_FN = 2, MP_SEG_PARAMS, MP_SEG_ROW, MP_SEG_VALS, MP_SEG_KEYS };

struct seg_run;

/* A worker thread's Lua state and what it knows of the row being segmented. */
struct seg_slot {
    struct seg_run *run;
    mp_host *host;
    lua_State *L;
    const char *pack;    /* its name, owned by the host */
    const struct mp_csv_record *rec;
    unsigned char *kind; /* [ncols] enum mp_csv_kind of the current row */
    int64_t *iv;         /* [ncols] */
    double *dv;          /* [ncols] */
    uint32_t *touched, *ptouched;  /* columns read by name, by position */
    size_t ntouched, nptouched;
    unsigned char *is_touched, *is_ptouched;
    /* What the values table holds for each column read by name (MP_CSV_EMPTY: nothing), so
     * a value equal to the previous row's is not stored again. */
    unsigned char *held;
    int64_t *held_iv;
    double *held_dv;
    unsigned char *want; /* [ncols] quantiles asked for and not computed yet */
    int wanted;
};

/* A growing list of (key, label, line), for the flow. */
struct seg_keyvec {
    char *bytes;
    size_t nbytes, capbytes;
    struct seg_keyrow {
        size_t off;
        uint32_t len, label;
        uint64_t line;
    } *rows;
    size_t n, cap;
};

/* `--labels` lines of one range, in a temporary file until the ranges are joined. */
struct seg_labout {
    int fd;
    char *buf;
    size_t len;
    int err;                   /* errno of a failed write */
    uint64_t score_line, plain_line; /* first row with / without a score (0: none) */
};

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
/* A worker's slot: for a segmenting pass a host with the pack loaded and the row object on
 * its stack; for the quantile pass only the parse buffers. */
enum mp_status mp_segment_slot_open(struct seg_run *r, struct seg_slot *s, mp_error *err);
void mp_segment_slot_free(struct seg_slot *s);
/* The row callback of a pass (state: a struct seg_state). */
enum mp_status mp_segment_row(void *state, const struct mp_csv_record *rec, mp_error *err);

/* ---- segment_run.c ---- */

/* Append a CSV field to a range's --labels output, quoted when it must be. */
void mp_segment_labout_field(struct seg_labout *o, const char *p, size_t n);
/* Note (key, label, line) of a row for the flow: 0, or -1 when out of memory. */
int mp_segment_keyvec_add(struct seg_keyvec *v, const char *key, size_t len, uint32_t label, uint64_t line);

#endif
