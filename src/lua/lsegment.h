/* Inside the row binding of `mplan segment` (bind_segment.c): a worker's Lua state. */
#ifndef MPLAN_LSEGMENT_H
#define MPLAN_LSEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "lua/lhost.h"
#include "lua/seg_pass.h"

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

#endif
