/* Metrics from a rule pack for `mplan abtest analyze` (docs/abtest.md "Metrics from a pack"):
 * each hook the pack lists under `provides.metrics` runs on every per-visitor row, in the
 * sandbox and under the limits of every hook, and its number is analysed as revenue is.
 * Lua-free, for the command layer. */
#ifndef MPLAN_LUA_PACK_METRIC_H
#define MPLAN_LUA_PACK_METRIC_H

#include <stddef.h>

#include "io/abtest_io.h"
#include "mplan/host.h"
#include "mplan/status.h"

struct mp_pack_metrics;

/* A host with the pack in `dir` loaded, its params overridden by `params[nparams]`
 * ("NAME=VALUE", MP_EUSAGE when one does not fit). MP_EINPUT naming pack.yaml when the pack
 * provides no metric. The caller owns *out: mp_pack_metrics_free. */
enum mp_status mp_pack_metrics_open(const char *dir, const char *const *params, size_t nparams,
                                    const mp_host_limits *limits, int verbose, struct mp_pack_metrics **out,
                                    mp_error *err);
void mp_pack_metrics_free(struct mp_pack_metrics *m);

/* The pack's name (valid until freed). */
const char *mp_pack_metrics_pack(const struct mp_pack_metrics *m);

/* Its metrics, in pack.yaml order, as row metrics for mp_ab_read (io/abtest_io.h): named by
 * the hook's name; each returns the hook's number for a row, or MP_ESCRIPT naming pack and
 * hook (an error, a limit, a result that is not a finite number). Valid until freed. */
const struct mp_ab_row_metric *mp_pack_metrics_list(const struct mp_pack_metrics *m, size_t *n);

#endif
