/* `mplan fit` as one call: the files, the problems, the fits (docs/fit.md). */
#include "run/fit_run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/history.h"
#include "lua/fit_transform.h"

static int warn(struct mp_fit_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int warn(struct mp_fit_job *job, const char *fmt, ...)
{
    char(*w)[MP_FIT_JOB_MSG] = realloc(job->warnings, (job->nwarnings + 1) * sizeof *w);
    if (!w)
        return -1;
    job->warnings = w;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w[job->nwarnings++], MP_FIT_JOB_MSG, fmt, ap);
    va_end(ap);
    return 0;
}

void mp_fit_job_free(struct mp_fit_job *job)
{
    for (size_t i = 0; job->fits && i < job->nfits; i++)
        mp_fit_free(job->fits[i]);
    for (size_t i = 0; job->setups && i < job->nfits; i++)
        mp_fit_setup_free(&job->setups[i]);
    free(job->fits);
    free(job->setups);
    free(job->exps);
    free(job->warnings);
    mp_hist_events_free(job->ev, job->nev);
    mp_history_free(&job->h);
    memset(job, 0, sizeof *job);
}

/* Which of the plan's packs is the directory `pack` (the same directory, however named):
 * its index, or plan->npacks for none. */
static size_t plan_pack_index(const mp_plan *plan, const char *pack)
{
    struct stat want, sb;
    if (!plan || stat(pack, &want) != 0)
        return plan ? plan->npacks : 0;
    for (size_t i = 0; i < plan->npacks; i++)
        if (plan->packs[i].found != MP_PACK_NOT_FOUND && stat(plan->packs[i].dir, &sb) == 0 &&
            sb.st_dev == want.st_dev && sb.st_ino == want.st_ino)
            return i;
    return plan->npacks;
}

/* --pack: the history the pack's fit_transform returns, through an anonymous temporary file
 * (gone when closed, whatever happens) into the reader, named "FILE (after PACK.HOOK)". A
 * result the reader refuses (a period missing, a row twice) is the hook's fault: MP_ESCRIPT. */
static enum mp_status load_transformed(const mp_plan *plan, const struct mp_fit_job_opts *o, struct mp_fit_job *job,
                                       mp_error *err)
{
    FILE *tmp = tmpfile();
    if (!tmp)
        return mp_fail(err, MP_EIO, "a temporary file for the transformed history: %s", strerror(errno));
    size_t index = plan_pack_index(plan, o->pack);
    struct mp_fit_transform_opts to = {o->pack, o->transform, o->params, o->nparams,
                                       plan && index < plan->npacks ? plan : NULL, index, o->limits, o->verbose};
    struct mp_fit_transform_info info;
    enum mp_status st = mp_fit_transform_run(&to, o->history, tmp, &info, err);
    if (st == MP_OK) {
        snprintf(job->history_name, sizeof job->history_name, "%s (after %s)", o->history, info.qualified);
        st = mp_history_load_fd(fileno(tmp), job->history_name, &job->h, err);
        if (st == MP_EINPUT) {
            mp_error e2 = *err;
            const char *dot = strchr(info.qualified, '.');
            st = mp_fail(err, MP_ESCRIPT, "pack '%.*s': fit_transform '%s' returned a history that cannot be fitted: %s",
                         (int)(dot - info.qualified), info.qualified, dot + 1, e2.msg);
        }
    }
    fclose(tmp);
    char nogmv[96] = "";
    if (info.rows_nogmv)
        snprintf(nogmv, sizeof nogmv, ", %zu of them without GMV (kept for the carry-over, not fitted)", info.rows_nogmv);
    if (st == MP_OK && warn(job, "%s: %s kept %zu of its %zu rows%s", o->history, info.qualified, info.rows_out,
                            info.rows_in, nogmv) != 0)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    return st;
}

enum mp_status mp_fit_job_run(const mp_plan *plan, const char *plan_path, const struct mp_fit_job_opts *o,
                              struct mp_fit_job *job, mp_error *err)
{
    memset(job, 0, sizeof *job);
    struct mp_history *h = &job->h;
    enum mp_status st = o->pack ? load_transformed(plan, o, job, err) : mp_history_load(o->history, h, err);
    if (st == MP_OK && o->total)
        st = mp_history_total_load(o->total, h, err);
    if (st == MP_OK && o->events)
        st = mp_hist_events_load(o->events, h, &job->ev, &job->nev, err);
    if (st == MP_OK && o->experiments)
        st = mp_fit_experiments_load(o->experiments, h, &job->exps, &job->nexp, err);
    else if (st == MP_OK && plan) {
        unsigned char *skipped = NULL;
        st = mp_fit_plan_experiments(plan, h, &job->exps, &job->nexp, &skipped, err);
        for (size_t i = 0; st == MP_OK && skipped && i < plan->nexperiments; i++)
            if (skipped[i] && warn(job, "%s: experiment %zu (channel '%s') is outside the history %s or its channel "
                                   "spent nothing there: not used", plan_path, i + 1, plan->experiments[i].channel,
                                   o->history) != 0)
                st = mp_fail(err, MP_ENOMEM, "out of memory");
        free(skipped);
    }
    if (st == MP_OK && !h->total && !h->gmv)
        st = mp_fail(err, MP_EINPUT, "%s: no gmv column: give per-channel gmv, or the store's GMV with --total-gmv",
                     o->history);
    if (st != MP_OK)
        goto fail;
    job->per_channel = h->total == NULL;
    if (job->per_channel && job->nexp) {
        st = mp_fail(err, MP_EINPUT, "%s: experiments calibrate a store-total fit (per-channel GMV is already each "
                     "channel's own)", o->experiments ? o->experiments : plan_path);
        goto fail;
    }
    job->nfits = job->per_channel ? h->C : 1;
    job->fits = calloc(job->nfits, sizeof *job->fits);
    job->setups = calloc(job->nfits, sizeof *job->setups);
    if (!job->fits || !job->setups) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < job->nfits; i++) {
        if ((st = mp_fit_setup_make(plan, h, job->ev, job->nev, job->per_channel ? (long)i : -1,
                                    i ? job->setups[0].hplan : NULL, &job->setups[i], err)) != MP_OK)
            goto fail;
        mp_fit_problem *pb = &job->setups[i].pb;
        pb->holdout = o->holdout;
        pb->bootstrap = o->bootstrap;
        pb->seed = o->seed;
        pb->starts = o->starts;
        pb->store_total = !job->per_channel;
        double spread = o->prior_spread > 0 ? o->prior_spread : job->per_channel ? 0 : MP_FIT_PRIOR_SD;
        pb->prior_weight = o->prior_weight >= 0 ? o->prior_weight : spread > 0 ? MP_FIT_STORE_PRIOR : 0;
        pb->prior_sd = o->prior_weight >= 0 ? 0 : spread;
        pb->experiments = job->exps;
        pb->nexperiments = job->nexp;
        if ((st = mp_fit_run(pb, &job->fits[i], err)) != MP_OK) {
            if (st == MP_EINPUT) {
                mp_error e2 = *err;
                if (job->per_channel)
                    st = mp_fail(err, st, "%s: channel '%s': %s", o->history, h->ids[i], e2.msg);
                else
                    st = mp_fail(err, st, "%s: %s", o->history, e2.msg);
            }
            goto fail;
        }
    }
    struct mp_fit_view *v = &job->view;
    *v = (struct mp_fit_view){.h = h, .fits = job->fits, .per_channel = job->per_channel, .history_path = o->history,
                              .base_names = job->setups[0].pb.base_names, .exps = job->exps, .nexp = job->nexp};
    if (job->per_channel)
        mp_fit_pool(job->fits, job->nfits, &v->pooled_in, &v->pooled_hold, &v->pooled_dw);
    else {
        v->pooled_in = job->fits[0]->in;
        v->pooled_hold = job->fits[0]->hold;
        v->pooled_dw = job->fits[0]->dw;
    }
    job->fit_warn[0] = job->nwarnings;
    for (size_t i = 0; i < job->nfits; i++)
        for (size_t w = 0; w < job->fits[i]->nwarnings; w++)
            if (warn(job, "%s: %s", o->history, job->fits[i]->warnings[w]) != 0)
                goto oom;
    for (size_t c = 0; c < h->C; c++) {
        const mp_fit_channel *ch = job->per_channel ? &job->fits[c]->ch[0] : &job->fits[0]->ch[c];
        for (size_t w = 0; w < ch->nwarnings; w++)
            if (warn(job, "%s: channel '%s': %s", o->history, h->ids[c], ch->warnings[w]) != 0)
                goto oom;
    }
    job->fit_warn[1] = job->nwarnings;
    return MP_OK;
oom:
    st = mp_fail(err, MP_ENOMEM, "out of memory");
fail:
    mp_fit_job_free(job);
    return st;
}

mp_plan *mp_fit_job_plan(struct mp_fit_job *job, const mp_plan *plan)
{
    char(*guard)[MP_FIT_MSG] = calloc(job->h.C + 1, sizeof *guard);
    mp_plan *p = guard ? mp_fit_apply(plan, &job->h, job->fits, job->per_channel, guard) : NULL;
    for (size_t c = 0; p && c < job->h.C; c++)
        if (guard[c][0] && warn(job, "%s: channel '%s': %s", job->view.history_path, job->h.ids[c], guard[c]) != 0) {
            mp_plan_free(p);
            p = NULL;
        }
    free(guard);
    return p;
}
