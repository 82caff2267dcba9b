/* `mplan fit` as one call (docs/fit.md): read the history (and --total-gmv, --events,
 * --experiments files), fit the store total or each channel, and the fitted plan. */
#ifndef MPLAN_RUN_FIT_RUN_H
#define MPLAN_RUN_FIT_RUN_H

#include <stdint.h>

#include "io/fit_out.h"
#include "mplan/host.h"
#include "mplan/plan.h"

struct mp_fit_job_opts {
    const char *history, *events, *total, *experiments;
    /* --pack: its fit_transform (`transform`, NULL: the only one) cleans the rows first */
    const char *pack, *transform;
    const char *const *params; /* --param NAME=VALUE of the pack */
    size_t nparams;
    mp_host_limits limits;
    int verbose;
    int holdout, bootstrap, starts;
    uint64_t seed;
    double prior_weight;  /* >= 0: a ridge of this fixed weight */
    double prior_spread;  /* > 0: a ridge of this spread (its weight follows the noise); neither: the
                           * default (store totals: the spread MP_FIT_PRIOR_SD; per channel none) */
};

#define MP_FIT_JOB_MSG 512

struct mp_fit_job {
    struct mp_history h;
    struct mp_hist_event *ev;
    size_t nev;
    mp_fit_experiment *exps;
    size_t nexp;
    struct mp_fit_setup *setups;
    mp_fit **fits;
    size_t nfits;
    int per_channel;
    struct mp_fit_view view;        /* what the writers print */
    char (*warnings)[MP_FIT_JOB_MSG]; /* every warning, in order, for stderr */
    size_t nwarnings;
    size_t fit_warn[2];             /* warnings[fit_warn[0] .. fit_warn[1]) are the fits' own, which
                                     * the table prints under "Warnings:" too */
    char history_name[MP_FIT_JOB_MSG]; /* with --pack, h.file: "FILE (after PACK.HOOK)" */
};

/* Run the fit; `plan` may be NULL. On failure the job is freed already. */
enum mp_status mp_fit_job_run(const mp_plan *plan, const char *plan_path, const struct mp_fit_job_opts *o,
                              struct mp_fit_job *job, mp_error *err);
/* The plan with the fitted curves (and draws, funnels); the caller owns it. NULL: out of memory.
 * Where the write-plan guard capped a channel (or would have), a warning joins job->warnings. */
mp_plan *mp_fit_job_plan(struct mp_fit_job *job, const mp_plan *plan);
void mp_fit_job_free(struct mp_fit_job *job);

#endif
