/* A store's history as `mplan fit` reads it, and the estimation problems made from it with
 * the plan's model on the history's calendar (docs/fit.md "Model"). */
#ifndef MPLAN_CORE_FIT_HISTORY_H
#define MPLAN_CORE_FIT_HISTORY_H

#include <stdint.h>

#include "core/model.h"
#include "mplan/fit.h"

struct mp_history {
    const char *file;
    int T;
    int dated;            /* start[] holds day numbers; else periods are numbered 1..T */
    enum mp_unit unit;    /* when dated */
    int32_t *start;       /* [T+1] */
    size_t C;
    char **ids;           /* [C] channels in order of first appearance */
    uint64_t *line;       /* [C] line (or header column) where each channel first appears */
    double *spend;        /* [C*T] */
    double *gmv;          /* [C*T] per-channel GMV (long format), NULL without */
    double *total;        /* [T] store GMV (wide format or --total-gmv), NULL without */
    double *counts;       /* [C*4] impressions, clicks, orders, new customers over the history */
    int has_funnel, has_new;
};

/* An event window in the history (--events FILE): the outbreak's days, inclusive. */
struct mp_hist_event {
    char *name;
    int32_t from, to;
};

void mp_history_free(struct mp_history *h);

/* pc[c]: the plan's index of history channel c, matched by id or the plan's `name:`
 * (mp_channel_lookup). A history channel missing in the plan (or without a curve there), a
 * plan channel with a curve missing in the history, or dated periods of another unit than
 * the plan's: MP_EINPUT, named. */
enum mp_status mp_history_match(const mp_plan *plan, const struct mp_history *h, int *pc, mp_error *err);

/* The same for drawing what matches (mplan report): a history channel the plan lacks, or has
 * without a curve, gets pc[c] = -1; miss[k] = 1 (miss: plan->nchannels, zeroed by the caller)
 * marks a plan channel with a curve the history lacks. Only the periods' unit is an error. */
enum mp_status mp_history_match_some(const mp_plan *plan, const struct mp_history *h, int *pc, unsigned char *miss,
                                     mp_error *err);

/* A problem and the arrays it points to. */
struct mp_fit_setup {
    mp_fit_problem pb;
    mp_fit_channel_in *ch;
    double *weight, *defer, *spread, *base, *y;
    int *defer_to;
    char **base_names;
    unsigned char *base_nonneg;
    int *plan_channel;    /* [C] the plan's index of each history channel, -1 without a plan */
    const mp_plan *hplan; /* the plan on the history's calendar (own_hplan, or shared) */
    mp_plan *own_hplan;
};

/* The store-total problem (channel c of the history is problem channel c) or, with
 * `channel` >= 0, that channel's own GMV on its curve alone. `plan` may be NULL. Channels of
 * the history missing in the plan and the other way round are MP_EINPUT, named. `shared`: the
 * plan on the history's calendar made by an earlier setup of the same plan and history (the
 * per-channel fits share one), borrowed; NULL: made here. */
enum mp_status mp_fit_setup_make(const mp_plan *plan, const struct mp_history *h, const struct mp_hist_event *ev,
                                 size_t nev, long channel, const mp_plan *shared, struct mp_fit_setup *s,
                                 mp_error *err);
void mp_fit_setup_free(struct mp_fit_setup *s);

/* The plan's `experiments:` on the history's periods (a ROAS times the channel's spend in the
 * window). skipped[i] (caller frees, like *out) is 1 for an experiment outside the history,
 * on a channel it lacks, or a ROAS where the channel spent nothing. */
enum mp_status mp_fit_plan_experiments(const mp_plan *plan, const struct mp_history *h, mp_fit_experiment **out,
                                       size_t *n, unsigned char **skipped, mp_error *err);

#define MP_FIT_MAX_DRAWS 1000 /* bootstrap draws a plan records (the first ones) */
/* A copy of `plan` with each history channel's fitted curve and theta (fits[c] for channel c,
 * or fits[0] channel c for one store-total fit: per_channel says which) and, from per-channel
 * counts, its funnel. A curve the history does not show bending gets a cap at
 * MP_FIT_GUARD_SPEND x the history's largest spend in a period; guard[c] (h->C of them) says
 * why, or is "" (docs/fit.md "What --write-plan writes"). The caller owns the plan
 * (mp_plan_free); NULL out of memory. */
mp_plan *mp_fit_apply(const mp_plan *plan, const struct mp_history *h, mp_fit *const *fits, int per_channel,
                      char (*guard)[MP_FIT_MSG]);

#endif
