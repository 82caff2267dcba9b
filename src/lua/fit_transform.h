/* A pack's fit_transform hook (docs/fit.md "Cleaning the history with a pack"): the rows of
 * a history file go to the hook, which returns the rows to fit (a stock-out's weeks dropped,
 * a mislabelled channel renamed); the result is checked and written as CSV for the history
 * reader, which then checks it as it checks a file. Lua-free, for the run layer. */
#ifndef MPLAN_LUA_FIT_TRANSFORM_H
#define MPLAN_LUA_FIT_TRANSFORM_H

#include <stddef.h>
#include <stdio.h>

#include "mplan/host.h"
#include "mplan/plan.h"
#include "mplan/status.h"

struct mp_fit_transform_opts {
    const char *pack;    /* the pack's directory */
    const char *hook;    /* the fit_transform to run; NULL: the pack's only one */
    const char *const *params; /* "NAME=VALUE" overrides of the pack's params (--param) */
    size_t nparams;
    /* The plan whose packs[plan_pack] is this pack (NULL: none): loaded as the plan's, so
     * its packs: params (under --param) and PLAN.lock apply, as in mplan run. */
    const mp_plan *plan;
    size_t plan_pack;
    mp_host_limits limits;
    int verbose;
};

/* What ran, for messages: "PACK.HOOK", the rows before and after, and how many of those
 * after have no gmv (the period's GMV missing: kept for the carry-over, not fitted). */
struct mp_fit_transform_info {
    char qualified[256];
    size_t rows_in, rows_out, rows_nogmv;
};

/* Read the history file `path` (any columns; numbers as numbers, text as text), run the
 * hook on its rows and write the rows it returns to `out` as CSV, same header. MP_ESCRIPT
 * naming pack and hook for an error, a limit or a result that is not rows of the history's
 * columns with numbers >= 0 (every column but period and channel; gmv may be nil); MP_EINPUT for a bad
 * file or a pack without such a hook. */
enum mp_status mp_fit_transform_run(const struct mp_fit_transform_opts *o, const char *path, FILE *out,
                                    struct mp_fit_transform_info *info, mp_error *err);

#endif
