/* The Lua host: a sandboxed interpreter that runs rule packs (docs/lua-api.md, docs/mplan.1). */
#ifndef MPLAN_HOST_H
#define MPLAN_HOST_H

#include <stddef.h>

#include "mplan/alloc.h"
#include "mplan/export.h"
#include "mplan/kpi.h"
#include "mplan/plan.h"
#include "mplan/status.h"

typedef struct mp_host mp_host;

/* Per-call limits for rule scripts; a 0 field takes the default of docs/mplan.1. */
typedef struct mp_host_limits {
    double max_steps; /* instructions, default 1e9 */
    double max_mem;   /* bytes, default 512 MiB */
    double timeout;   /* seconds, default 10 */
} mp_host_limits;

/* What a Lua call is: one of the six hooks a pack exports (pack.yaml `provides`), a pack's
 * init.lua being loaded, or a script outside any pack (mplan eval, pack tests). The hook
 * kinds come first: MP_HOOK_INIT is their count. */
enum mp_hook_kind {
    MP_HOOK_ALLOCATOR, MP_HOOK_STRATEGY, MP_HOOK_SEGMENTER, MP_HOOK_KPI,
    MP_HOOK_METRIC, MP_HOOK_FIT_TRANSFORM,
    MP_HOOK_INIT, MP_HOOK_SCRIPT
};
#define MP_HOOK_KINDS ((int)MP_HOOK_INIT)

/* "allocator", "strategy", "segmenter", "kpi", "metric", "fit_transform", "init", "script". */
MP_API const char *mp_hook_kind_name(enum mp_hook_kind kind);

/* Set one limit from its command-line spelling: `name` is "max-steps" (a count, "1e9"),
 * "max-mem" (bytes, or with a K/M/G or KiB/MiB/GiB suffix: "512M") or "timeout" (seconds,
 * or with an s/ms suffix: "500ms"). MP_EUSAGE with a message when the value is not one. */
MP_API enum mp_status mp_host_limits_set(mp_host_limits *limits, const char *name, const char *value,
                                         mp_error *err);

/* A new sandboxed host. The caller owns *out: free with mp_host_free. */
MP_API enum mp_status mp_host_new(const mp_host_limits *limits, mp_host **out, mp_error *err);
MP_API void mp_host_free(mp_host *host);

/* With verbose on, script error messages carry the Lua traceback. */
MP_API void mp_host_set_verbose(mp_host *host, int verbose);

/* Load the pack in directory `dir` (pack.yaml + init.lua) into the host, with the plan's
 * param overrides (may be NULL). The pack's name is then usable as PACK in PACK.NAME. */
MP_API enum mp_status mp_host_load_pack(mp_host *host, const char *dir, const mp_plan *plan,
                                        size_t pack_index, mp_error *err);

/* Load every pack a plan names (plan `packs:`), paths relative to the plan file. The plan's
 * `limits` fill in the limits mp_host_new left at 0 (flags win over plan keys). */
MP_API enum mp_status mp_host_load_plan_packs(mp_host *host, const mp_plan *plan, mp_error *err);

/* Run the strategy PACK.NAME on the plan (it may change bounds, activity and lifts). */
MP_API enum mp_status mp_host_run_strategy(mp_host *host, mp_plan *plan, const char *qualified, mp_error *err);

/* Run the allocator PACK.NAME; its answer is checked with mp_alloc_check before it is
 * copied into `out`. */
MP_API enum mp_status mp_host_run_allocator(mp_host *host, const mp_plan *plan, const char *qualified,
                                            double budget, mp_alloc *out, mp_error *err);

/* The custom KPIs the loaded packs provide, as "PACK.NAME", in load order. The caller owns
 * *names (free() the array); the strings live as long as the host. */
MP_API enum mp_status mp_host_kpi_names(mp_host *host, const char ***names, size_t *n, mp_error *err);

/* Run the Lua script at `path` outside any pack, in the sandbox rule packs run in (mplan
 * eval): globals as in a pack, `require` finds modules beside the script and mplan's
 * library. With a plan (may be NULL) the global `plan` is the read-only plan object and the
 * plan's limits apply. `emit` gets each value the script returns as text: strings as they
 * are, anything else as mplan.inspect writes it (under the same limits). */
MP_API enum mp_status mp_host_eval_file(mp_host *host, const char *path, mp_plan *plan,
                                 void (*emit)(void *ctx, const char *text), void *ctx, mp_error *err);

/* How the pack's pack.yaml says PACK.NAME reads (`kpis:`): lower is better, adds up over
 * periods. 0 when the host has no such KPI (both then 0). */
MP_API int mp_host_kpi_traits(const mp_host *host, const char *qualified, int *lower, int *additive);

/* Evaluate the custom KPI PACK.NAME on the forecast totals; NAN when the hook returns nil. */
MP_API enum mp_status mp_host_run_kpi(mp_host *host, const mp_plan *plan, const mp_forecast *fc,
                                      const char *qualified, double *value, mp_error *err);

#endif
