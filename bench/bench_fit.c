/* The fit alone, in one process (bench/fit_bench.py, "speed"): `bench_fit PLAN HISTORY REPS`
 * loads the plan once, then runs what `mplan fit HISTORY --plan PLAN --holdout 0` runs (read
 * the history, set up and fit the store total or every channel: mp_fit_job_run) REPS times,
 * and prints the least CPU time of one run and the fit's sum of squares. It is the same
 * measure as the scipy anchor's (the fit, without a process's start-up), with the file
 * reading counted on mplan's side only. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mplan/plan.h"
#include "run/fit_run.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[3]) < 1) {
        fputs("usage: bench_fit PLAN HISTORY REPS\n", stderr);
        return 2;
    }
    mp_error err = {0};
    mp_plan *plan = NULL;
    if (mp_plan_load(argv[1], &plan, &err) != MP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 3;
    }
    /* the defaults of `mplan fit` (src/cli/cmd_fit.c), with --holdout 0 */
    struct mp_fit_job_opts o = {.history = argv[2], .holdout = 0, .seed = 1, .prior_weight = -1, .prior_spread = -1};
    double best = 1e300, sse = 0;
    for (int r = 0, reps = atoi(argv[3]); r < reps; r++) {
        struct mp_fit_job job;
        double t0 = cpu_now();
        if (mp_fit_job_run(plan, argv[1], &o, &job, &err) != MP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            mp_plan_free(plan);
            return 3;
        }
        double t = cpu_now() - t0;
        best = t < best ? t : best;
        sse = 0;
        for (size_t i = 0; i < job.nfits; i++)
            sse += job.fits[i]->sse;
        mp_fit_job_free(&job);
    }
    printf("%.9f %.17g\n", best, sse);
    mp_plan_free(plan);
    return 0;
}
