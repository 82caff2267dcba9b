/* Benchmark problems for equalize (bench/alloc.sh). `bench_alloc NAME [REPS]` builds problem
 * NAME deterministically, times mp_alloc_equalize over REPS calls (default: as many as fit
 * in half a second of CPU) and prints the problem and the answer as plain lines, so that
 * bench/alloc_slsqp.py solves the very same problem with scipy's SLSQP and scores both
 * answers with its own model code. `bench_alloc` alone lists the problem names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/unit/fixture.h"
#include "mplan/alloc.h"

struct spec {
    const char *name;
    int C, T;
    int carry;       /* theta in [0.1, 0.6] instead of 0 */
    int constrained; /* inactive periods, caps, mins and maxes */
    int scurve;      /* hill shapes up to 2.5 instead of at most 1; 2: every curve a hill with s in 1.2..3 */
    enum mp_objective objective;
    unsigned long long seed;
};

static const struct spec specs[] = {
    {"5x4", 5, 4, 0, 0, 0, MP_OBJ_GMV, 1},
    {"10x8-carry", 10, 8, 1, 0, 0, MP_OBJ_GMV, 2},
    {"20x13-carry", 20, 13, 1, 0, 0, MP_OBJ_GMV, 3},
    {"20x13-carry-constrained", 20, 13, 1, 1, 0, MP_OBJ_GMV, 4},
    {"20x13-carry-profit", 20, 13, 1, 0, 0, MP_OBJ_PROFIT, 5},
    {"20x13-carry-roas", 20, 13, 1, 0, 0, MP_OBJ_TARGET_ROAS, 6},
    {"20x13-carry-scurve", 20, 13, 1, 0, 1, MP_OBJ_GMV, 7},
    {"40x13-carry", 40, 13, 1, 0, 0, MP_OBJ_GMV, 8},
    {"100x52-carry", 100, 52, 1, 0, 0, MP_OBJ_GMV, 9},
    {"100x52-carry-constrained", 100, 52, 1, 1, 0, MP_OBJ_GMV, 10},
    {"100x52-carry-scurve", 100, 52, 1, 0, 1, MP_OBJ_GMV, 11},
};

/* splitmix64: the same stream on every machine. */
static double uniform(unsigned long long *s, double lo, double hi)
{
    unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) / 9007199254740992.0;
}

static mp_plan *build(const struct spec *sp, double *budget)
{
    unsigned long long s = sp->seed;
    int C = sp->C, T = sp->T;
    *budget = 3000.0 * C * T;
    mp_plan *plan = fx_plan(T, *budget);
    plan->objective = sp->objective;
    plan->objective_value = 12; /* target_roas: binding here (the most GMV has ROAS 10.5) */
    plan->margin = 0.3;
    for (int c = 0; c < C; c++) {
        char id[16];
        snprintf(id, sizeof id, "ch%d", c);
        double beta = uniform(&s, 10000, 100000), k = uniform(&s, 2000, 15000);
        struct mp_response r = sp->scurve == 2 ? fx_hill(beta, k, uniform(&s, 1.2, 3))
                               : uniform(&s, 0, 1) < 0.5 ? fx_exp(beta, k)
                                                       : fx_hill(beta, k, uniform(&s, 0.6, sp->scurve ? 2.5 : 1.0));
        size_t i = fx_channel(plan, id, r);
        struct mp_channel *ch = &plan->channels[i];
        ch->theta = sp->carry ? uniform(&s, 0.1, 0.6) : 0;
        ch->carryover = sp->carry ? uniform(&s, 0, 2000) : 0;
        if (sp->constrained) {
            ch->cap = uniform(&s, 0.5, 3) * 3000;
            if (c % 4 == 0)
                ch->min = 0.5 * ch->cap * T * uniform(&s, 0, 0.5);
            if (c % 4 == 1)
                ch->max = 3000.0 * T * uniform(&s, 0.3, 0.8);
        }
    }
    fx_resolve(plan);
    for (int c = 0; c < C; c++)
        for (int t = 0; t < T; t++) {
            /* a season, an event around 60% of the horizon, and channel-level noise */
            double L = (1 + 0.2 * sin(2 * M_PI * t / 13.0)) * uniform(&s, 0.8, 1.2);
            if (t >= (6 * T) / 10 && t < (6 * T) / 10 + 1 + T / 13)
                L *= 1.8;
            plan->channels[c].scale[t] = L;
            if (sp->constrained && c % 3 == 2 && uniform(&s, 0, 1) < 0.3)
                plan->channels[c].override[t] = -1;
        }
    fx_resolve(plan);
    return plan;
}

/* CPU time of this process: steadier than wall time on a shared machine. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(const struct spec *sp, int want)
{
    double budget;
    mp_plan *plan = build(sp, &budget);
    mp_alloc *alloc = mp_alloc_new(plan);
    mp_equalize_info info;
    mp_error err;
    if (!alloc) {
        fprintf(stderr, "bench_alloc: out of memory\n");
        return 1;
    }
    /* Repeat (for at least half a second unless told) and report the mean time per call. */
    int reps = 0;
    double t0 = now(), t1;
    do {
        if (mp_alloc_equalize(plan, budget, alloc, &info, &err) != MP_OK) {
            fprintf(stderr, "bench_alloc: %s: %s\n", sp->name, err.msg);
            return 1;
        }
        reps++;
        t1 = now();
    } while (want > 0 ? reps < want : t1 - t0 < 0.5);
    static const char *const objective[] = {"gmv", "profit", "roas", "goal"};
    printf("problem %s %d %d %.17g %s %.17g %.17g\n", sp->name, sp->C, sp->T, budget,
           objective[sp->objective], plan->margin, plan->objective_value);
    for (int c = 0; c < sp->C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        printf("channel %s %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n",
               mp_curve_name(ch->resp.curve), ch->resp.beta, ch->resp.k,
               ch->resp.curve == MP_CURVE_HILL ? ch->resp.s : 1, ch->theta, ch->carryover,
               ch->min, ch->max, ch->cap);
        printf("lift");
        for (int t = 0; t < sp->T; t++)
            printf(" %.17g", plan->lift[MP_AT(plan, c, t)]);
        printf("\nactive");
        for (int t = 0; t < sp->T; t++)
            printf(" %d", ch->active[t]);
        printf("\nspend");
        for (int t = 0; t < sp->T; t++)
            printf(" %.17g", alloc->spend[MP_AT(plan, c, t)]);
        printf("\n");
    }
    printf("certificate %.17g %.17g %d %s\n", info.bound, info.gap, info.starts, mp_equalize_stop_name(info.stop));
    printf("equalize %.9g %d %d %.17g\n", (t1 - t0) / reps, reps, info.iterations, info.objective);
    mp_alloc_free(alloc);
    mp_plan_free(plan);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = sizeof specs / sizeof *specs;
    if (argc < 2) {
        for (size_t i = 0; i < n; i++)
            printf("%s %d\n", specs[i].name, specs[i].C * specs[i].T);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], specs[i].name) == 0)
            return run(&specs[i], argc > 2 ? atoi(argv[2]) : 0);
    /* sc-SEED-CxT: a generated S-curve plan (bench/scurve.sh): every curve a hill with s in
     * 1.2..3, carry-over, caps, mins, maxes, inactive periods and the event; every fourth
     * seed under objective profit. */
    unsigned long long seed;
    int C, T;
    if (sscanf(argv[1], "sc-%llu-%dx%d", &seed, &C, &T) == 3 && C > 0 && T > 0 && C <= 1000 && T <= 520) {
        struct spec sp = {argv[1], C, T, 1, 1, 2, seed % 4 == 3 ? MP_OBJ_PROFIT : MP_OBJ_GMV, 1000 + seed};
        return run(&sp, argc > 2 ? atoi(argv[2]) : 0);
    }
    fprintf(stderr, "bench_alloc: no problem named '%s'\n", argv[1]);
    return 2;
}
