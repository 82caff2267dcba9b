/* Inside the Lua host: for the bindings, the pack loader and the layers that call rule
 * scripts directly (the segmenter's per-row loop, mplan eval, pack tests). May include lua.h;
 * include/mplan/host.h is the Lua-free face of the same host. */
#ifndef MPLAN_LHOST_H
#define MPLAN_LHOST_H

#include <lua.h>

#include "core/model.h"
#include "lua/mem_pool.h"
#include "mplan/host.h"

/* The host's Lua state. Stack slot 1 holds the message handler mp_lua_call uses: push
 * above it and never remove it. */
lua_State *mp_host_state(mp_host *host);

/* The host owning L (any thread of its state). */
mp_host *mp_host_of(lua_State *L);

/* Call the function below the top `nargs` values, under the sandbox limits, like
 * lua_pcall(L, nargs, nresults, handler). On MP_OK the results are on the stack; on failure
 * the function and arguments are gone and err says, for a hook,
 *   rules/x/init.lua:41: in strategy 'phase_focus': attempt to compare nil with number
 *   pack 'x': in allocator 'y': memory limit (512 MiB) exceeded
 * with the traceback appended when the host is verbose. Status MP_ESCRIPT. `pack` may be
 * NULL (a script outside any pack: then `name` is the script's path). Cheap enough to call
 * once per CSV row: it allocates nothing. Not from inside another call (MP_EINTERNAL). */
enum mp_status mp_lua_call(mp_host *host, int nargs, int nresults, const char *pack,
                           enum mp_hook_kind kind, const char *name, mp_error *err);

/* Registry field holding `test.quantiles` fixtures in `mplan pack test`: {column = sorted
 * values (a userdata of struct mp_lua_qfix)}; mplan.quantile reads them outside a segment run. */
#define MP_QFIX_KEY "mplan.quantile_fixture"
struct mp_lua_qfix {
    size_t n;
    double v[];
};

/* Push a pack param's value: a number, string, boolean, or a list (a new sequence table). */
void mp_lua_push_param(lua_State *L, const struct mp_param *p);

/* Did the last mp_lua_call fail on a limit (steps, memory, time) rather than an error the
 * script raised? A row that trips a limit is not skipped as a bad row: the next would too. */
int mp_host_limit_hit(const mp_host *host);

/* Load the pack in `dir` without a plan (the segmenter, pack tests): `overrides` as in a
 * plan's packs[i].params (may be NULL). *pack_name points into the host (valid until
 * mp_host_free). */
enum mp_status mp_host_load_pack_dir(mp_host *host, const char *dir,
                                     const struct mp_param *overrides, size_t n,
                                     const char **pack_name, mp_error *err);

/* The same with `--param NAME=VALUE` strings (mp_manifest_param_args: MP_EUSAGE naming a
 * bad one) as the overrides. */
enum mp_status mp_host_load_pack_args(mp_host *host, const char *dir, const char *const *args, size_t n,
                                      const char **pack_name, mp_error *err);

/* Load pack `index` of `plan` from `dir` as mp_host_load_pack does (the plan's params and
 * PLAN.lock apply), and give its name as mp_host_load_pack_dir does. */
enum mp_status mp_host_load_plan_pack(mp_host *host, const char *dir, const mp_plan *plan,
                                      size_t index, const char **pack_name, mp_error *err);

/* The same with `--param NAME=VALUE` strings over the plan's params (plan NULL: over the
 * pack's defaults alone): --param, then the plan's packs: entry, then pack.yaml. */
enum mp_status mp_host_load_plan_pack_args(mp_host *host, const char *dir, const mp_plan *plan, size_t pack_index,
                                           const char *const *args, size_t n, const char **pack_name,
                                           mp_error *err);

/* Push the hook PACK.NAME, which the pack must list under `kind` in pack.yaml. MP_EINPUT
 * when there is no such pack or hook (nothing pushed). For a per-row loop push it once and
 * lua_pushvalue it each row. */
enum mp_status mp_host_push_hook(mp_host *host, const char *qualified, enum mp_hook_kind kind,
                                 mp_error *err);

/* Run hook PACK.NAME of `kind`: `push` pushes its arguments (inside the protected call) and
 * returns how many; the pack's params follow them. On MP_OK `nresults` results are on the
 * stack. */
typedef int (*mp_lua_pusher)(lua_State *L, void *ud);
enum mp_status mp_host_run_hook(mp_host *host, const char *qualified, enum mp_hook_kind kind,
                                mp_lua_pusher push, void *ud, int nresults, mp_error *err);

/* Push the read-only params table of a loaded pack (nil when there is no such pack). */
void mp_host_push_params(mp_host *host, const char *pack);

/* The pack environment a script outside any pack runs in (mplan eval): globals as in a
 * pack; `require` finds modules in `dir` and mplan's library. `display` is how files in
 * `dir` are named in messages. Pushes the environment table. */
void mp_host_push_script_env(mp_host *host, const char *dir, const char *display);

/* Read `path` and push it as a text chunk (no binary chunks) named `display` in messages,
 * with _ENV the table at `env`. Raises a Lua error when unreadable or not compilable: call
 * it inside a protected call. */
void mp_lua_load_file(lua_State *L, const char *path, const char *display, int env);

/* The same for the file `rel` of the pack in `dir` (io/pack_fs.h: it stays inside the pack,
 * and with `locked` its bytes are the locked ones). */
struct mp_pack_files;
void mp_lua_load_pack_file(lua_State *L, const char *dir, const char *rel, const char *display,
                           const struct mp_pack_files *locked, int env);

/* Memory counted for a whole run (lua/mem_pool.h). */
/* Attach `host` to `pool` (which must outlive it); its bytes move over. */
void mp_host_set_pool(mp_host *host, struct mp_mem_pool *pool);
/* Count `bytes` of C memory a hook's results take (labels copied into C) against the cap.
 * Outside a call: MP_ESCRIPT "pack 'x': in segmenter 'y': memory limit (..) exceeded" when
 * over it. */
enum mp_status mp_host_charge_c(mp_host *host, size_t bytes, const char *pack,
                                enum mp_hook_kind kind, const char *name, mp_error *err);
/* The same inside a call, raising the limit error (C memory a script makes: test.plan). */
void mp_lua_charge_mem(lua_State *L, size_t bytes);
/* Give back what was charged once that C memory is freed. */
void mp_host_uncharge_c(mp_host *host, size_t bytes);

/* Take the plan's `limits` for those mp_host_new left at 0 (plan NULL: the defaults). */
void mp_host_apply_plan_limits(mp_host *host, const mp_plan *plan);

/* ---- for the bindings ---- */

/* The plan a hook call works on. Userdata made during a call remember `gen` and refuse to
 * work after it (the plan may be gone); `mutable` only inside a strategy. */
struct mp_lua_bound {
    mp_plan *plan;
    int mutable;
    unsigned gen;
};

/* Bind `plan` for the calls that follow (NULL unbinds); every userdata made before stops
 * working. */
void mp_host_bind(mp_host *host, mp_plan *plan, int mutable);
struct mp_lua_bound *mp_lua_bound(lua_State *L);
/* The bound plan for a userdata made in generation `gen`; raises when that call is over. */
mp_plan *mp_lua_plan(lua_State *L, unsigned gen);

/* A value for messages, without running any script code: "nil", "a table", "the number 5",
 * "the string 'x'" (cut at 40 bytes); buf holds it when needed. */
const char *mp_lua_describe(lua_State *L, int idx, char *buf, size_t n);

/* Who is running, for mplan.log: "pack.hook", "pack" while loading, or the script's path. */
const char *mp_lua_who(lua_State *L, char *buf, size_t n);

/* Charge `units` of work done in C (a long copy, a pattern search) to the call's
 * instruction budget; raises the limit error when it runs out or time is up. */
void mp_lua_charge(lua_State *L, double units);
/* Raise "out of memory" for a C allocation that failed in a binding: inside a call it
 * cannot be caught and the call fails with MP_ENOMEM (exit 5), not as a script error. */
int mp_lua_nomem(lua_State *L);

/* Userdata metatable names and checks (docs/lua-api.md objects). */
#define MP_PLAN_MT "mplan.plan"
#define MP_CHANNEL_MT "mplan.channel"
#define MP_ALLOC_MT "mplan.allocation"

/* Each returns the table of functions it adds to `mplan` and registers its metatables. */
int luaopen_mplan_plan(lua_State *L);
int luaopen_mplan_channel(lua_State *L);
int luaopen_mplan_alloc(lua_State *L);
int luaopen_mplan_kpi(lua_State *L);
int luaopen_mplan_segment(lua_State *L);

/* Push the bound plan / channel c of it as userdata. */
void mp_lua_push_plan(lua_State *L);
/* The plan of a plan object argument (raises for anything else or a stale object). */
mp_plan *mp_lua_check_plan(lua_State *L, int arg);
void mp_lua_push_channel(lua_State *L, size_t c);
/* A channel argument given as a channel object or an id string: its index. */
size_t mp_lua_check_channel(lua_State *L, int arg);
/* A 1-based period argument of `plan`: its 0-based index. */
int mp_lua_check_period(lua_State *L, int arg, const mp_plan *plan);
/* Push the KPI table of a scope (additive KPIs and the ratios that are defined). */
void mp_lua_push_kpis(lua_State *L, const mp_kpis *k, double margin);
/* Push the forecast as mplan.forecast returns it: {total=, by_channel=, by_period=}. */
void mp_lua_push_forecast(lua_State *L, const mp_plan *plan, const mp_forecast *fc);
/* Read the allocation an allocator returned (the value at `idx`) into `out`; no Lua error
 * is raised: a wrong shape is an MP_ESCRIPT message naming `who`. */
enum mp_status mp_lua_to_alloc(lua_State *L, int idx, const mp_plan *plan, const char *who,
                               mp_alloc *out, mp_error *err);

#endif
