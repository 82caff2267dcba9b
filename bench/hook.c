/* Lua host costs (bench/hook.sh): the overhead mp_lua_call adds to a trivial hook call,
 * against a bare lua_pcall of the same function (the anchor), and a Lua allocator against
 * the built-in equalize on one generated plan. Prints a markdown table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "core/model.h"
#include "lua/lhost.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const mp_error *err)
{
    fprintf(stderr, "bench/hook: %s\n", err->msg);
    exit(1);
}

/* Best of `rounds` timings of `n` hook calls, in ns per call. */
static double time_calls(mp_host *h, int fn, long n, int rounds, int limited)
{
    lua_State *L = mp_host_state(h);
    mp_error err;
    double best = INFINITY;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
            lua_pushvalue(L, fn);
            lua_pushvalue(L, fn + 1);
            lua_pushvalue(L, fn + 2);
            if (limited) {
                if (mp_lua_call(h, 2, 1, "bench", MP_HOOK_SEGMENTER, "stage", &err) != MP_OK)
                    die(&err);
            } else if (lua_pcall(L, 2, 1, 1) != LUA_OK) {
                fprintf(stderr, "bench/hook: %s\n", lua_tostring(L, -1));
                exit(1);
            }
            lua_pop(L, 1);
        }
        best = fmin(best, (now() - t0) / (double)n * 1e9);
    }
    return best;
}

/* A plan of C hill-curve channels over T weeks. */
static mp_plan *make_plan(int C, int T)
{
    size_t cap = 4096 + (size_t)C * 200;
    char *y = malloc(cap);
    size_t n = (size_t)snprintf(y, cap, "mplan: 1\nstore: {name: Bench, currency: USD}\n"
                                "horizon: {start: 2027-01-04, periods: %d, period: week}\n"
                                "budget: {total: %d}\nchannels:\n", T, 2000 * C * T / 10);
    for (int c = 0; c < C; c++)
        n += (size_t)snprintf(y + n, cap - n, "  - id: ch%d\n    kind: paid\n"
                              "    response: {curve: hill, beta: %d, k: %d, s: 0.%d}\n",
                              c, 20000 + 1000 * c, 2000 + 150 * c, 5 + c % 5);
    mp_plan *p;
    mp_error err;
    if (mp_plan_load_string("bench.yaml", y, n, &p, &err) != MP_OK)
        die(&err);
    free(y);
    return p;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/pack";
    mp_host *h;
    mp_error err;
    if (mp_host_new(NULL, &h, &err) != MP_OK || mp_host_load_pack_dir(h, dir, NULL, 0, NULL, &err) != MP_OK)
        die(&err);
    lua_State *L = mp_host_state(h);

    /* [.., hook, row, params] kept on the stack as the segmenter does */
    if (mp_host_push_hook(h, "bench.stage", MP_HOOK_SEGMENTER, &err) != MP_OK)
        die(&err);
    int fn = lua_gettop(L);
    lua_newtable(L);
    mp_host_push_params(h, "bench");
    long n = 1000000;
    double bare = time_calls(h, fn, n, 5, 0), ours = time_calls(h, fn, n, 5, 1);
    lua_settop(L, fn - 1);

    int C = 20, T = 52;
    mp_plan *plan = make_plan(C, T);
    double budget = mp_plan_allocatable(plan);
    mp_alloc *a = mp_alloc_new(plan);
    double lua_best = INFINITY, eq_best = INFINITY, lua_gmv = 0, eq_gmv = 0;
    int have_eq = 1;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        if (mp_host_run_allocator(h, plan, "bench.marginal", budget, a, &err) != MP_OK)
            die(&err);
        lua_best = fmin(lua_best, now() - t0);
        t0 = now();
        if (have_eq && mp_alloc_equalize(plan, budget, a, NULL, &err) != MP_OK) {
            fprintf(stderr, "bench/hook: equalize: %s\n", err.msg);
            have_eq = 0;
        }
        eq_best = fmin(eq_best, now() - t0);
    }
    /* the GMV each reaches, so that the times compare like with like */
    mp_forecast *fc;
    if (mp_host_run_allocator(h, plan, "bench.marginal", budget, a, &err) != MP_OK ||
        mp_forecast_run(plan, a, &fc, &err) != MP_OK)
        die(&err);
    lua_gmv = fc->total.gmv;
    mp_forecast_free(fc);
    if (have_eq) {
        if (mp_alloc_equalize(plan, budget, a, NULL, &err) != MP_OK || mp_forecast_run(plan, a, &fc, &err) != MP_OK)
            die(&err);
        eq_gmv = fc->total.gmv;
        mp_forecast_free(fc);
    }

    printf("| Lua host | time | ratio |\n| --- | ---: | ---: |\n");
    printf("| bare `lua_pcall` of a trivial segmenter hook (anchor) | %.0f ns/call | 1.00 |\n", bare);
    printf("| `mp_lua_call`: the same call with limits, handler, error capture | %.0f ns/call | %.2f |\n",
           ours, ours / bare);
    printf("| overhead of `mp_lua_call` | %.0f ns/call | |\n", ours - bare);
    printf("| `equalize` (C), %d channels x %d weeks (anchor) | ", C, T);
    if (have_eq)
        printf("%.1f ms, GMV %.0f | 1.00 |\n", eq_best * 1e3, eq_gmv);
    else
        printf("n/a (not built) | |\n");
    printf("| Lua allocator (equal marginal by bisection, bench/pack), same plan | %.1f ms, GMV %.0f | ",
           lua_best * 1e3, lua_gmv);
    if (have_eq)
        printf("%.1f |\n", lua_best / eq_best);
    else
        printf(" |\n");
    mp_alloc_free(a);
    mp_plan_free(plan);
    mp_host_free(h);
    return 0;
}
