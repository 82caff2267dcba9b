/* The Lua host: what the sandbox contains, the limits, error messages, the bindings (values
 * worked out by hand in the comments), pack manifests and params. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "core/model.h"
#include "lua/lhost.h"
#include "io/manifest.h"
#include "mplan/channel.h"

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1, fabs((double)(b))))

static char root[64]; /* a temporary directory for packs */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A pack directory root/NAME with these pack.yaml and init.lua; returns its path. */
static const char *make_pack(const char *dirname, const char *manifest, const char *init)
{
    static char paths[8][256];
    static int next;
    char *dir = paths[next++ % 8];
    snprintf(dir, 256, "%s/%s", root, dirname);
    mkdir(dir, 0755);
    write_file(dir, "pack.yaml", manifest);
    if (init)
        write_file(dir, "init.lua", init);
    return dir;
}

static mp_host *new_host(double steps, double mem, double timeout)
{
    mp_host_limits lim = {steps, mem, timeout};
    mp_host *h;
    mp_error err;
    assert_int_equal(mp_host_new(&lim, &h, &err), MP_OK);
    return h;
}

/* Run `code` as a script outside any pack (chunk "t.lua"), with the global `plan` when a
 * plan is bound; one result left on the stack. */
static enum mp_status run(mp_host *h, const char *code, mp_error *err)
{
    lua_State *L = mp_host_state(h);
    mp_host_push_script_env(h, root, root);
    if (mp_lua_bound(L)->plan) {
        mp_lua_push_plan(L);
        lua_setfield(L, -2, "plan");
    }
    assert_int_equal(luaL_loadbufferx(L, code, strlen(code), "@t.lua", "t"), LUA_OK);
    lua_pushvalue(L, -2);
    lua_setupvalue(L, -2, 1);
    lua_remove(L, -2);
    return mp_lua_call(h, 0, 1, NULL, MP_HOOK_SCRIPT, "t.lua", err);
}

/* Run code that returns a string; compare it. */
static void want_text(mp_host *h, const char *code, const char *want)
{
    mp_error err = {0};
    enum mp_status st = run(h, code, &err);
    if (st != MP_OK)
        fail_msg("%s", err.msg);
    lua_State *L = mp_host_state(h);
    assert_string_equal(lua_tostring(L, -1), want);
    lua_pop(L, 1);
}

static double run_number(mp_host *h, const char *code)
{
    mp_error err = {0};
    if (run(h, code, &err) != MP_OK)
        fail_msg("%s", err.msg);
    lua_State *L = mp_host_state(h);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Run code expected to fail; err.msg must equal `want`. */
/* What a tripped limit's message says to raise it. */
#define RAISE_STEPS " (raise it with --max-steps or the plan's limits.max_steps)"
#define RAISE_MEM " (raise it with --max-mem or the plan's limits.max_mem)"
#define RAISE_TIME " (raise it with --timeout or the plan's limits.timeout)"

static void want_error(mp_host *h, const char *code, const char *want)
{
    mp_error err = {0};
    lua_State *L = mp_host_state(h);
    int top = lua_gettop(L);
    assert_int_equal(run(h, code, &err), MP_ESCRIPT);
    assert_string_equal(err.msg, want);
    assert_int_equal(lua_gettop(L), top); /* nothing left behind */
}

static const char plan_yaml[] =
    "mplan: 1\n"
    "store: {name: Test Shop, currency: USD}\n"
    "horizon: {start: 2027-01-04, periods: 4, period: week}\n"
    "budget: {total: 10000}\n"
    "margin: 0.3\n"
    "goals: {gmv: 50000}\n"
    "events:\n"
    "  - name: Fest\n"
    "    outbreak: 2027-01-18..2027-01-24\n"
    "    phases: {warmup: 1w}\n"
    "    lift: 2\n"
    "    spillover: 0.5\n"
    "channels:\n"
    "  - id: p4p\n"
    "    kind: paid\n"
    "    response: {curve: hill, beta: 60000, k: 4000, s: 1}\n"
    "    funnel: {aov: 80, cvr: 0.025, ctr: 0.02, new_share: 0.5}\n"
    "  - id: root\n"
    "    kind: paid\n"
    "    response: {curve: hill, beta: 60000, k: 4000, s: 0.5}\n"
    "  - id: deco\n"
    "    kind: basic\n"
    "    cost: {fixed: 100}\n";

static mp_plan *test_plan(void)
{
    mp_plan *p;
    mp_error err;
    if (mp_plan_load_string("plan.yaml", plan_yaml, strlen(plan_yaml), &p, &err) != MP_OK)
        fail_msg("%s", err.msg);
    return p;
}

/* ---- the sandbox ---- */

static void sandbox_globals(void **state)
{
    (void)state;
    mp_host *h = new_host(0, 0, 0);
    want_text(h,
        "local n = {} for k in pairs(_G) do n[#n + 1] = k end table.sort(n)"
        " return table.concat(n, ' ')",
        "_G _VERSION assert collectgarbage coroutine error getmetatable ipairs load math mplan next "
        "os pairs pcall print rawequal rawget rawlen rawset require select setmetatable string "
        "table tonumber tostring type utf8 xpcall");
    want_text(h, "local n = {} for k in pairs(os) do n[#n + 1] = k end table.sort(n)"
                     " return table.concat(n, ' ')", "clock date time");
    want_text(h, "return tostring(string.dump)", "nil");
    want_text(h, "return tostring(getmetatable(''))", "false");
    want_error(h, "return io", "t.lua:1: undefined global 'io'");
    want_error(h, "return dofile", "t.lua:1: undefined global 'dofile'");
    want_error(h, "return load(function() return nil end)",
                 "t.lua:1: bad argument #1 to 'load' (string expected (rule scripts load text chunks only))");
    want_text(h, "local f, e = load('\\27Lua', 'x', 'b') return e",
                  "binary chunks are not allowed in rule scripts");
    want_text(h, "local f, e = load('\\27Lua') return e", "attempt to load a binary chunk (mode is 't')");
    /* load gives the chunk the script's environment unless told otherwise */
    want_text(h, "x = 'mine' return load('return x')()", "mine");
    want_error(h, "setmetatable({}, {__gc = print})",
                 "t.lua:1: __gc metamethods are not allowed in rule scripts");
    want_error(h, "collectgarbage('stop')",
                 "t.lua:1: collectgarbage('stop') is not allowed in rule scripts");
    want_text(h, "return require('mplan.util').clamp(7, 0, 5) .. ''", "5");
    want_error(h, "require('../etc/passwd')",
                 "t.lua:1: bad argument #1 to 'require' (module names are [a-z0-9_] words joined by dots)");
    mp_host_free(h);
}

/* A pack cannot change what another pack sees: globals, library tables, string methods. */
static void packs_are_isolated(void **state)
{
    (void)state;
    const char *a = make_pack("iso-a", "name: iso-a\nversion: 1.0.0\nmplan: '>=1.0'\n"
                              "provides: {kpis: [k]}\n",
                              "string.upper = nil; table.concat = nil; shared = 1; math.randomseed(7)\n"
                              "return {k = function() return 1 end}\n");
    const char *b = make_pack("iso-b", "name: iso-b\nversion: 1.0.0\nmplan: '>=1.0'\n"
                              "provides: {kpis: [k]}\n",
                              "local M = {}\n"
                              "function M.k() return ('x'):upper() == 'X' and string.upper('y') == 'Y' "
                              "and table.concat({1, 2}) == '12' and rawget(_G, 'shared') == nil "
                              "and 1 or 0 end\n"
                              "return M\n");
    mp_host *h = new_host(0, 0, 0);
    mp_error err;
    const char *name;
    assert_int_equal(mp_host_load_pack_dir(h, a, NULL, 0, &name, &err), MP_OK);
    assert_string_equal(name, "iso-a");
    assert_int_equal(mp_host_load_pack_dir(h, b, NULL, 0, &name, &err), MP_OK);
    mp_plan *plan = test_plan();
    mp_alloc *alloc = mp_alloc_new(plan);
    mp_forecast *fc;
    assert_int_equal(mp_forecast_run(plan, alloc, &fc, &err), MP_OK);
    double v;
    assert_int_equal(mp_host_run_kpi(h, plan, fc, "iso-b.k", &v, &err), MP_OK);
    near(v, 1);
    /* the same pack loaded twice is refused */
    assert_int_equal(mp_host_load_pack_dir(h, a, NULL, 0, &name, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "a pack named 'iso-a' is already loaded"));
    mp_forecast_free(fc);
    mp_alloc_free(alloc);
    mp_plan_free(plan);
    mp_host_free(h);
}

/* ---- limits ---- */

static void step_limit(void **state)
{
    (void)state;
    mp_host *h = new_host(1e5, 0, 0);
    /* A numeric for loop runs one FORLOOP instruction per turn: 2e4 turns fit in 1e5 steps,
     * 2e5 do not. */
    near(run_number(h, "local n = 0 for i = 1, 20000 do n = n + 1 end return n"), 20000);
    want_error(h, "for i = 1, 200000 do end", "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    want_error(h, "while true do end", "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    /* catching the limit does not help: it is raised again */
    want_error(h, "while true do pcall(function() while true do end end) end",
                 "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    want_error(h, "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
                 "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    want_error(h, "local ok while true do ok = xpcall(function() while true do end end, function(m) return m end) end",
                 "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    /* work done in C is charged too */
    want_error(h, "return string.rep('', math.maxinteger)", "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    want_error(h, "return table.move({}, 1, 1e12, 2)", "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    want_error(h, "return (string.rep('a', 3000)):find('.-.-.-b')",
                 "t.lua: instruction limit (1e5 steps) exceeded" RAISE_STEPS);
    /* each call starts with a fresh budget */
    near(run_number(h, "local n = 0 for i = 1, 20000 do n = n + 1 end return n"), 20000);
    mp_host_free(h);
}

static void memory_limit(void **state)
{
    (void)state;
    mp_host *h = new_host(0, 8 << 20, 0);
    want_error(h, "local t = {} for i = 1, 1e9 do t[i] = {} end", "t.lua: memory limit (8 MiB) exceeded" RAISE_MEM);
    want_error(h, "local s = 'x' while true do s = s .. s end", "t.lua: memory limit (8 MiB) exceeded" RAISE_MEM);
    /* sticky: a script that catches the failure keeps failing */
    want_error(h, "local keep = {} while true do pcall(function() keep[#keep + 1] = string.rep('x', 1e6) end) end",
                 "t.lua: memory limit (8 MiB) exceeded" RAISE_MEM);
    /* and the host is fine afterwards: garbage of the failed calls is gone */
    near(run_number(h, "local t = {} for i = 1, 1000 do t[i] = i end return #t"), 1000);
    mp_host_free(h);
}

static void time_limit(void **state)
{
    (void)state;
    mp_host *h = new_host(1e12, 0, 0.2);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    want_error(h, "while true do end", "t.lua: time limit (0.2 s) exceeded" RAISE_TIME);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
    assert_true(took >= 0.2 && took < 1.5);
    mp_host_free(h);
}

static void limits_from_flags(void **state)
{
    (void)state;
    mp_host_limits lim = {0};
    mp_error err;
    assert_int_equal(mp_host_limits_set(&lim, "max-steps", "1e7", &err), MP_OK);
    assert_int_equal(mp_host_limits_set(&lim, "max-mem", "64M", &err), MP_OK);
    assert_int_equal(mp_host_limits_set(&lim, "timeout", "500ms", &err), MP_OK);
    near(lim.max_steps, 1e7);
    near(lim.max_mem, 64.0 * 1048576);
    near(lim.timeout, 0.5);
    assert_int_equal(mp_host_limits_set(&lim, "max-mem", "1GiB", &err), MP_OK);
    near(lim.max_mem, 1073741824.0);
    assert_int_equal(mp_host_limits_set(&lim, "max-mem", "12 parsecs", &err), MP_EUSAGE);
    assert_string_equal(err.msg, "--max-mem: expected bytes such as 512M or 1GiB, got '12 parsecs'");
    assert_int_equal(mp_host_limits_set(&lim, "timeout", "-1", &err), MP_EUSAGE);
    assert_int_equal(mp_host_limits_set(&lim, "max-steps", "0", &err), MP_EUSAGE);
}

/* Several hosts on several threads at once (the segmenter runs one per worker). */
static void *thread_body(void *arg)
{
    double *out = arg;
    mp_host *h;
    mp_error err;
    mp_host_limits lim = {2e6, 0, 0};
    if (mp_host_new(&lim, &h, &err) != MP_OK)
        return NULL;
    lua_State *L = mp_host_state(h);
    mp_host_push_script_env(h, ".", ".");
    const char *code = "local s = 0 for i = 1, 100000 do s = s + i end return s";
    luaL_loadbufferx(L, code, strlen(code), "=t", "t");
    lua_pushvalue(L, -2);
    lua_setupvalue(L, -2, 1);
    lua_remove(L, -2);
    if (mp_lua_call(h, 0, 1, NULL, MP_HOOK_SCRIPT, "t", &err) == MP_OK)
        out[0] = lua_tonumber(L, -1);
    lua_settop(L, 1);
    /* and a limit trips on this host only */
    mp_host_push_script_env(h, ".", ".");
    luaL_loadbufferx(L, "while true do end", 17, "=t", "t");
    lua_pushvalue(L, -2);
    lua_setupvalue(L, -2, 1);
    lua_remove(L, -2);
    out[1] = mp_lua_call(h, 0, 1, NULL, MP_HOOK_SCRIPT, "t", &err);
    mp_host_free(h);
    return NULL;
}

static void hosts_on_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    double out[4][2] = {{0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_body, out[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        near(out[i][0], 5000050000.0); /* 100000 * 100001 / 2 */
        near(out[i][1], MP_ESCRIPT);
    }
}

/* ---- error messages ---- */

static void error_objects(void **state)
{
    (void)state;
    mp_host *h = new_host(1e6, 0, 0);
    want_error(h, "local x\nreturn x < 1", "t.lua:2: attempt to compare nil with number");
    want_error(h, "error('plain', 0)", "t.lua:1: plain");
    want_error(h, "\nerror({})", "t.lua:2: (error object is a table value)");
    want_error(h, "error(nil)", "t.lua:1: (error object is a nil value)");
    want_error(h, "error(42)", "t.lua:1: 42");
    want_error(h, "error(setmetatable({}, {__tostring = function() return 'custom' end}))",
                 "t.lua:1: custom");
    want_error(h, "error(setmetatable({}, {__tostring = function() error('again') end}))",
                 "t.lua:1: (error object is a table value whose __tostring failed)");
    want_error(h, "error(setmetatable({}, {__tostring = function() return {} end}))",
                 "t.lua:1: (error object is a table value whose __tostring failed)");
    /* a __tostring that loops ends at the limit */
    want_error(h, "error(setmetatable({}, {__tostring = function() while true do end end}))",
                 "t.lua: instruction limit (1e6 steps) exceeded" RAISE_STEPS);
    /* a huge message is cut short */
    mp_error err;
    assert_int_equal(run(h, "error(string.rep('x', 100000))", &err), MP_ESCRIPT);
    assert_true(strlen(err.msg) < 700);
    assert_non_null(strstr(err.msg, "t.lua:1: xxxxxxxxxx"));
    assert_non_null(strstr(err.msg, "xxxxxxxxxx ...(100009 bytes)... xxxxxxxxxx"));
    /* verbose adds the traceback */
    mp_host_set_verbose(h, 1);
    assert_int_equal(run(h, "local function inner() error('deep') end\ninner()", &err), MP_ESCRIPT);
    assert_non_null(strstr(err.msg, "t.lua:1: deep\nstack traceback:"));
    assert_non_null(strstr(err.msg, "t.lua:1: in function 'inner'"));
    mp_host_free(h);
}

static const char demo_manifest[] =
    "name: demo\n"
    "version: 1.2.0\n"
    "summary: test pack\n"
    "mplan: '>=1.0'\n"
    "provides:\n"
    "  allocators: [even, bad, table_form]\n"
    "  strategies: [focus, broken]\n"
    "  kpis: [gross]\n"
    "params:\n"
    "  share: {type: number, default: 0.5, min: 0, max: 1, doc: share of the budget}\n"
    "  label: {type: string, default: hi}\n"
    "  on: {type: boolean, default: true}\n";

static const char demo_init[] =
    "local M = {}\n"                                                    /* 1 */
    "function M.even(plan, budget, params)\n"                           /* 2 */
    "  local a = mplan.allocation(plan)\n"                              /* 3 */
    "  for _, ch in ipairs(plan:channels()) do\n"                       /* 4 */
    "    if not ch.fixed then\n"                                        /* 5 */
    "      for t = 1, plan.periods do a:set(ch, t, budget * params.share / 8) end\n"
    "    end\n"                                                         /* 7 */
    "  end\n"                                                           /* 8 */
    "  return a\n"                                                      /* 9 */
    "end\n"                                                             /* 10 */
    "function M.bad(plan, budget, params)\n"                            /* 11 */
    "  return load('return ' .. params.label)()\n"                      /* 12 */
    "end\n"                                                             /* 13 */
    "function M.table_form(plan, budget)\n"                             /* 14 */
    "  return {p4p = {1000, 1000, 1000, 1000}, root = {0, 0, 500, 0}}\n" /* 15 */
    "end\n"                                                             /* 16 */
    "function M.focus(plan, params)\n"                                  /* 17 */
    "  plan:channel('p4p'):scale_lift(1, 2)\n"                          /* 18 */
    "  plan:channel('root'):set_active(2, false)\n"                     /* 19 */
    "  plan:channel('root'):set_bounds{max = 3000, cap = 1500}\n"       /* 20 */
    "end\n"                                                             /* 21 */
    "function M.broken(plan, params)\n"                                 /* 22 */
    "  local x = plan:period(1).event\n"                                /* 23 */
    "  return x < 1\n"                                                  /* 24 */
    "end\n"                                                             /* 25 */
    "function M.gross(t, params)\n"                                     /* 26 */
    "  return t.gmv * t.margin - t.spend\n"                             /* 27 */
    "end\n"                                                             /* 28 */
    "return M\n";

static void hook_errors_name_pack_and_hook(void **state)
{
    (void)state;
    const char *dir = make_pack("demo", demo_manifest, demo_init);
    mp_host *h = new_host(1e6, 0, 0);
    mp_error err;
    assert_int_equal(mp_host_load_pack_dir(h, dir, NULL, 0, NULL, &err), MP_OK);
    mp_plan *plan = test_plan();
    char want[600];
    assert_int_equal(mp_host_run_strategy(h, plan, "demo.broken", &err), MP_ESCRIPT);
    snprintf(want, sizeof want, "%s/init.lua:24: in strategy 'broken': attempt to compare nil with number", dir);
    assert_string_equal(err.msg, want);
    assert_int_equal(mp_host_run_strategy(h, plan, "demo.nope", &err), MP_EINPUT);
    assert_string_equal(err.msg, "strategy 'demo.nope': pack 'demo' provides no strategy 'nope' "
                                 "(its strategies: focus, broken)");
    assert_int_equal(mp_host_run_strategy(h, plan, "demo.even", &err), MP_EINPUT);
    assert_string_equal(err.msg, "strategy 'demo.even': pack 'demo' provides 'even' as a allocator, "
                                 "not as a strategy");
    assert_int_equal(mp_host_run_strategy(h, plan, "other.x", &err), MP_EINPUT);
    assert_string_equal(err.msg, "strategy 'other.x': no pack 'other' is loaded (loaded packs: demo)");
    mp_plan_free(plan);
    mp_host_free(h);
}

/* ---- bindings ---- */

static void channel_bindings(void **state)
{
    (void)state;
    mp_host *h = new_host(0, 0, 0);
    mp_plan *plan = test_plan();
    mp_host_bind(h, plan, 0);
#define P ""
    /* hill s=1, beta 60000, k 4000: r(4000) = 60000 * 4000 / 8000 = 30000;
     * r'(a) = beta k / (a + k)^2 = 60000 * 4000 / 8000^2 = 3.75 */
    near(run_number(h, P "return plan:channel('p4p'):response(4000, 1)"), 30000);
    near(run_number(h, P "return plan:channel('p4p'):marginal(4000, 1)"), 3.75);
    /* period 3 is the outbreak (2027-01-18): without full_lift every channel takes the
     * whole lift 2 -> 60000 */
    near(run_number(h, P "return plan:channel('p4p'):response(4000, 3)"), 60000);
    /* s = 0.5: r(1000) = 60000 sqrt(1000) / (sqrt(1000) + sqrt(4000)) = 60000 / 3 */
    near(run_number(h, P "return plan:channel('root'):response(1000, 1)"), 20000);
    /* funnel of 30000 GMV: orders 30000/80 = 375, clicks 375/0.025 = 15000,
     * impressions 15000/0.02 = 750000, new 187.5 */
    near(run_number(h, P "local f = plan:channel('p4p'):funnel(4000, 1) "
                         "return f.orders + f.clicks * 1e3 + f.impressions * 1e9 + f.new_customers / 1e3"),
         375 + 15000e3 + 750000e9 + 0.1875);
    want_text(h, P "local p = plan:period(2) return p.start .. ' ' .. p.phase .. ' ' .. p.t",
                  "2027-01-11 warmup 2");
    want_text(h, P "local p = plan:period(3) return p.event .. ' ' .. p.phase", "Fest outbreak");
    want_text(h, P "return plan.store .. ' ' .. plan.currency .. ' ' .. plan.periods", "Test Shop USD 4");
    /* allocatable: 10000 - fixed cost 100 x 4 periods = 9600 */
    near(run_number(h, P "return plan.allocatable"), 9600);
    near(run_number(h, P "return plan.goals.gmv"), 50000);
    want_text(h, P "return plan:channel('deco').kind .. tostring(plan:channel('deco').fixed)", "basictrue");
    want_text(h, P "local c, e = plan:channel('nope') return e", "no channel 'nope' in the plan");
    want_error(h, P "return plan.budjet", "t.lua:1: plan has no field 'budjet'");
    want_error(h, P "return plan:channel('p4p').betta", "t.lua:1: channel has no field 'betta'");
    want_error(h, P "plan.store = 'x'",
                 "t.lua:1: plan fields are read-only (strategies change channels through "
                 "ch:set_bounds, ch:set_active and ch:scale_lift)");
    want_error(h, P "plan:channel('p4p'):set_active(1, false)",
                 "t.lua:1: ch:set_active: only a strategy may change the plan");
    want_error(h, P "return plan:channel('p4p'):response(100, 5)",
                 "t.lua:1: bad argument #2 to 'response' (period 5 out of range 1..4)");
    want_error(h, P "return plan:channel('p4p'):response(-1, 1)",
                 "t.lua:1: bad argument #1 to 'response' (spend must be a finite number >= 0)");
    /* mplan.kpi: spend 100, gmv 400, clicks 10 -> cpc 10, roas 4; margin 0.3 of the plan:
     * roi = (400 * 0.3 - 100) / 100 = 0.2; no impressions -> ctr absent */
    want_text(h, "local k = mplan.kpi{spend = 100, gmv = 400, clicks = 10} "
                     "return k.cpc .. ' ' .. k.roas .. ' ' .. k.roi .. ' ' .. tostring(k.ctr)",
                  "10.0 4.0 0.2 nil");
    /* objects die with the call's binding: one kept in the environment is stale next time */
    lua_State *L = mp_host_state(h);
    mp_host_push_script_env(h, root, root);
    int env = lua_gettop(L);
    const char *calls[] = {"kept = ...", "return kept.store"};
    mp_error err;
    for (int i = 0; i < 2; i++) {
        luaL_loadbufferx(L, calls[i], strlen(calls[i]), "@t.lua", "t");
        lua_pushvalue(L, env);
        lua_setupvalue(L, -2, 1);
        mp_lua_push_plan(L);
        if (i == 0)
            assert_int_equal(mp_lua_call(h, 1, 0, NULL, MP_HOOK_SCRIPT, "t.lua", &err), MP_OK);
        mp_host_bind(h, plan, 0);
    }
    assert_int_equal(mp_lua_call(h, 1, 0, NULL, MP_HOOK_SCRIPT, "t.lua", &err), MP_ESCRIPT);
    assert_string_equal(err.msg, "t.lua:1: plan object used after the call that received it ended");
    lua_settop(L, env - 1);
    mp_host_bind(h, NULL, 0);
    mp_plan_free(plan);
    mp_host_free(h);
#undef P
}

static void strategy_and_allocators(void **state)
{
    (void)state;
    const char *dir = make_pack("demo", demo_manifest, demo_init);
    mp_host *h = new_host(1e7, 0, 0);
    mp_error err;
    assert_int_equal(mp_host_load_pack_dir(h, dir, NULL, 0, NULL, &err), MP_OK);
    mp_plan *plan = test_plan();
    assert_int_equal(mp_host_run_strategy(h, plan, "demo.focus", &err), MP_OK);
    /* scale_lift(1, 2): L[p4p, 1] = 1 * 2; set_active(2, false); bounds */
    near(plan->lift[MP_AT(plan, 0, 0)], 2);
    near(mp_channel_response(plan, 0, 0, 4000), 60000);
    assert_int_equal(plan->channels[1].active[1], 0);
    assert_int_equal(plan->channels[1].active[0], 1);
    near(plan->channels[1].max, 3000);
    near(plan->channels[1].cap, 1500);

    mp_alloc *a = mp_alloc_new(plan);
    /* even: 9600 * 0.5 / 8 = 600 per optimised cell; root is off in period 2 -> check fails */
    assert_int_equal(mp_host_run_allocator(h, plan, "demo.even", 9600, a, &err), MP_ESCRIPT);
    assert_string_equal(err.msg, "allocator 'demo.even': channel 'root', period 2: spend 600 while "
                                 "the channel is inactive (phase warmup)");
    /* table form: p4p 4000 in total, root 500 in period 3; deco keeps its fixed 100 */
    assert_int_equal(mp_host_run_allocator(h, plan, "demo.table_form", 9600, a, &err), MP_OK);
    near(a->spend[MP_AT(plan, 0, 2)], 1000);
    near(a->spend[MP_AT(plan, 1, 2)], 500);
    near(a->spend[MP_AT(plan, 2, 3)], 100);

    struct { const char *code, *want; } bad[] = {
        {"5", "allocator 'demo.bad': returned the number 5, expected an allocation "
              "(mplan.allocation(plan), or a table {[channel id] = {spend per period}})"},
        {"nil", "allocator 'demo.bad': returned nil, expected an allocation (mplan.allocation(plan), "
                "or a table {[channel id] = {spend per period}})"},
        {"{p4p = {1, 2, 3}}", "allocator 'demo.bad': channel 'p4p', period 4: no spend (give 0 for none)"},
        {"{p4p = {1, 2, 'x', 4}}", "allocator 'demo.bad': channel 'p4p', period 3: spend is the string 'x', "
                                   "expected a number"},
        {"{p4p = {1, 2, 3, 4, 5}}", "allocator 'demo.bad': channel 'p4p': unexpected key the number 5 "
                                    "(periods are 1..4)"},
        {"{tv = {1, 2, 3, 4}}", "allocator 'demo.bad': the result names channel 'tv', which the plan "
                                "does not have"},
        {"{p4p = {1, -2, 3, 4}}", "allocator 'demo.bad': channel 'p4p', period 2: spend -2 is negative"},
        {"{p4p = {1, 0/0, 3, 4}}", "allocator 'demo.bad': channel 'p4p', period 2: spend is not a finite number"},
        {"(function() local t = {} t.p4p = t return t end)()",
         "allocator 'demo.bad': channel 'p4p', period 1: no spend (give 0 for none)"},
        {"{p4p = 7}", "allocator 'demo.bad': channel 'p4p': expected a table of 4 spends (one per period), "
                      "got the number 7"},
        {"{p4p = {9000, 0, 0, 0}}", "allocator 'demo.bad': total spend 9,000 breaks the budget 5,000"},
    };
    mp_host_free(h);
    /* each wrong answer through a fresh host, the expression given as the param `label` */
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mp_param label = {.name = "label", .type = MP_PARAM_STRING, .str = bad[i].code};
        h = new_host(1e7, 0, 0);
        assert_int_equal(mp_host_load_pack_dir(h, dir, &label, 1, NULL, &err), MP_OK);
        assert_int_equal(mp_host_run_allocator(h, plan, "demo.bad", 5000, a, &err), MP_ESCRIPT);
        assert_string_equal(err.msg, bad[i].want);
        mp_host_free(h);
    }
    mp_alloc_free(a);
    mp_plan_free(plan);
}

/* ---- pack manifests and params ---- */

/* Load a pack made of this manifest (and a trivial init.lua); err.msg must equal `want`
 * with DIR replaced by the pack's directory. */
static void want_manifest_error(const char *manifest, const char *init, enum mp_status status,
                                const char *want)
{
    const char *dir = make_pack("bad", manifest, init ? init : "return {}\n");
    mp_host *h = new_host(1e6, 0, 0);
    mp_error err;
    assert_int_equal(mp_host_load_pack_dir(h, dir, NULL, 0, NULL, &err), status);
    char expect[700];
    size_t used = 0;
    for (const char *w = want; *w && used < sizeof expect - 1;) {
        if (strncmp(w, "DIR", 3) == 0) {
            used += (size_t)snprintf(expect + used, sizeof expect - used, "%s", dir);
            w += 3;
        } else {
            expect[used++] = *w++;
        }
    }
    expect[used] = 0;
    assert_string_equal(err.msg, expect);
    mp_host_free(h);
}

#define HEAD "name: bad\nversion: 1.0.0\nmplan: '>=1.0'\n"

static void manifest_errors(void **state)
{
    (void)state;
    want_manifest_error("name: bad\nverison: 1.0.0\nmplan: '>=1.0'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:2:1: unknown key 'verison' in 'pack' (did you mean 'version'?)");
    want_manifest_error("name: Bad_Pack\nversion: 1.0.0\nmplan: '>=1.0'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:1:7: 'name' must be [a-z0-9-]+, got 'Bad_Pack'");
    want_manifest_error("name: bad\nversion: 1.2\nmplan: '>=1.0'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:2:10: 'version' must be a semantic version such as 1.2.0, got '1.2'");
    want_manifest_error("name: bad\nversion: 1.0.0\nmplan: '>=2.0'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:3:8: pack 'bad' needs mplan API >=2.0; this mplan has API 1.0");
    want_manifest_error("name: bad\nversion: 1.0.0\nmplan: 'soon'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:3:8: 'mplan' must be a version range such as \">=1.0\" or "
                        "\">=1.0, <2\", got 'soon'");
    want_manifest_error("name: bad\nversion: 1.0.0\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:1:1: missing 'mplan' (the API versions the pack works with, e.g. \">=1.0\")");
    want_manifest_error(HEAD "provides: {alocators: [x]}\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:4:12: unknown key 'alocators' in 'provides' (did you mean 'allocators'?)");
    want_manifest_error(HEAD "provides: {kpis: [a, a]}\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:4:22: 'a' is listed twice in 'provides'");
    want_manifest_error(HEAD "params:\n  share: {type: number, default: 2, min: 0, max: 1}\n", NULL,
                        MP_EINPUT, "DIR/pack.yaml:5:34: 'params.share.default' must be between 0 and 1, got 2 (a share is a fraction: write 0.02 for 2%)");
    want_manifest_error(HEAD "params:\n  share: {type: numbr, default: 2}\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:5:17: 'params.share.type' must be number, string, boolean or list, got 'numbr' "
                        "(did you mean 'number'?)");
    want_manifest_error(HEAD "params:\n  share: {type: string}\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:5:10: param 'share' needs a 'default'");
    want_manifest_error(HEAD "params:\n  share: {type: string, default: x, min: 1}\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:5:42: param 'share': min and max apply to numbers only");
    /* exports against provides */
    want_manifest_error(HEAD "provides: {strategies: [focus]}\n", "return {}\n", MP_EINPUT,
                        "DIR/pack.yaml: pack 'bad' provides strategy 'focus', but init.lua does not export it");
    want_manifest_error(HEAD "provides: {strategies: [focus]}\n", "return {focus = 1}\n", MP_EINPUT,
                        "DIR/pack.yaml: pack 'bad' provides strategy 'focus', but init.lua exports it as "
                        "the number 1, not a function");
    want_manifest_error(HEAD, "return {helper = function() end}\n", MP_EINPUT,
                        "DIR/init.lua: pack 'bad' exports function 'helper', which pack.yaml does not "
                        "list under provides (list it, or keep it local)");
    want_manifest_error(HEAD, "return 42\n", MP_ESCRIPT,
                        "pack 'bad': while loading: init.lua returned number, expected a table of the "
                        "functions it exports");
    want_manifest_error(HEAD, "local x = nil\nreturn x.y\n", MP_ESCRIPT,
                        "DIR/init.lua:2: while loading: attempt to index a nil value (local 'x')");
    want_manifest_error(HEAD, "return {\n", MP_ESCRIPT,
                        "DIR/init.lua:2: while loading: unexpected symbol near <eof>"); /* as lua5.4 says */
    want_manifest_error(HEAD, "while true do end\n", MP_ESCRIPT,
                        "pack 'bad': while loading: instruction limit (1e6 steps) exceeded" RAISE_STEPS);
    want_manifest_error(HEAD, "return require('missing')\n", MP_ESCRIPT,
                        "DIR/init.lua:1: while loading: module 'missing' not found: no file DIR/missing.lua");
}

/* Versions and API ranges that load, and one that does not. */
static void manifest_versions(void **state)
{
    (void)state;
    static const char *const good[][2] = {
        {"1.2.3-alpha.1+build.5", ">=1.0, <2"}, {"0.0.1", "1"}, {"10.20.30+meta", ">=0.9"},
        {"1.0.0-rc-1", "==1.0"}, {"2.0.0", ">0.5 <=1.0"}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char manifest[200];
        snprintf(manifest, sizeof manifest, "name: v%zu\nversion: %s\nmplan: '%s'\n", i, good[i][0], good[i][1]);
        const char *dir = make_pack("versions", manifest, "return {}\n");
        mp_host *h = new_host(0, 0, 0);
        mp_error err;
        if (mp_host_load_pack_dir(h, dir, NULL, 0, NULL, &err) != MP_OK)
            fail_msg("%s %s: %s", good[i][0], good[i][1], err.msg);
        mp_host_free(h);
    }
    want_manifest_error("name: bad\nversion: 01.2.3\nmplan: '1'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:2:10: 'version' must be a semantic version such as 1.2.0, got '01.2.3'");
    want_manifest_error("name: bad\nversion: 1.2.3-\nmplan: '1'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:2:10: 'version' must be a semantic version such as 1.2.0, got '1.2.3-'");
    want_manifest_error("name: bad\nversion: 1.0.0\nmplan: '<1.0'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:3:8: pack 'bad' needs mplan API <1.0; this mplan has API 1.0");
    want_manifest_error("name: bad\nversion: 1.0.0\nmplan: '2'\n", NULL, MP_EINPUT,
                        "DIR/pack.yaml:3:8: pack 'bad' needs mplan API 2; this mplan has API 1.0");
}

static void param_overrides(void **state)
{
    (void)state;
    const char *dir = make_pack("params", "name: params\nversion: 0.1.0\nmplan: '>=1.0'\n"
                                "provides: {kpis: [show]}\n"
                                "params:\n"
                                "  share: {type: number, default: 0.5, min: 0, max: 1}\n"
                                "  label: {type: string, default: hi}\n"
                                "  on: {type: boolean, default: true}\n",
                                "return {show = function(t, p) return p.share * 100 + (p.on and 1 or 0) "
                                "+ #p.label * 1000 end}\n");
    char yaml[2048];
    /* one plan per case: the pack with these params, and a goal on its KPI */
    struct { const char *params; enum mp_status st; const char *want; double value; } cases[] = {
        {"{}", MP_OK, NULL, 51 + 2000},                       /* defaults: 0.5*100 + 1 + 2*1000 */
        {"{share: 0.25, on: false, label: four}", MP_OK, NULL, 25 + 0 + 4000},
        {"{share: 1.5}", MP_EINPUT, " param 'share' of pack 'params' must be between 0 and 1, got 1.5", 0},
        {"{share: high}", MP_EINPUT, " param 'share' of pack 'params' must be a number", 0},
        {"{lable: x}", MP_EINPUT, " pack 'params' has no param 'lable' (did you mean 'label'?)", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(yaml, sizeof yaml, "%.*spacks:\n  - {path: %s, params: %s}\n",
                 (int)(strstr(plan_yaml, "channels:") - plan_yaml), plan_yaml, dir, cases[i].params);
        strcat(yaml, strstr(plan_yaml, "channels:"));
        mp_plan *plan;
        mp_error err;
        if (mp_plan_load_string("plan.yaml", yaml, strlen(yaml), &plan, &err) != MP_OK)
            fail_msg("%s", err.msg);
        mp_host *h = new_host(0, 0, 0);
        assert_int_equal(mp_host_load_plan_packs(h, plan, &err), cases[i].st);
        if (cases[i].st == MP_OK) {
            mp_alloc *a = mp_alloc_new(plan);
            mp_forecast *fc;
            double v;
            assert_int_equal(mp_forecast_run(plan, a, &fc, &err), MP_OK);
            assert_int_equal(mp_host_run_kpi(h, plan, fc, "params.show", &v, &err), MP_OK);
            near(v, cases[i].value);
            mp_forecast_free(fc);
            mp_alloc_free(a);
        } else {
            /* the override's value is on line 14 ("packs:" is line 13), after
             * "  - {path: DIR, params: {" (22 + |DIR| characters) and a 5-letter key and ": " */
            char want[300], at[300];
            snprintf(at, sizeof at, "plan.yaml:14:%zu:", strlen(dir) + 30);
            snprintf(want, sizeof want, "%s%s", at, cases[i].want);
            assert_string_equal(err.msg, want);
        }
        mp_host_free(h);
        mp_plan_free(plan);
    }
    /* an override with no place in a file (the segmenter's command line) names none */
    struct mp_param share = {.name = "share", .type = MP_PARAM_NUMBER, .num = 2};
    mp_host *h = new_host(0, 0, 0);
    mp_error err;
    assert_int_equal(mp_host_load_pack_dir(h, dir, &share, 1, NULL, &err), MP_EINPUT);
    assert_string_equal(err.msg, "param 'share' of pack 'params' must be between 0 and 1, got 2");
    mp_host_free(h);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/mplan-test-host-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sandbox_globals),
        cmocka_unit_test(packs_are_isolated),
        cmocka_unit_test(step_limit),
        cmocka_unit_test(memory_limit),
        cmocka_unit_test(time_limit),
        cmocka_unit_test(limits_from_flags),
        cmocka_unit_test(hosts_on_threads),
        cmocka_unit_test(error_objects),
        cmocka_unit_test(hook_errors_name_pack_and_hook),
        cmocka_unit_test(channel_bindings),
        cmocka_unit_test(strategy_and_allocators),
        cmocka_unit_test(manifest_errors),
        cmocka_unit_test(manifest_versions),
        cmocka_unit_test(param_overrides),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
