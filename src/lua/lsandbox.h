/* Between the files of src/lua only: the sandbox's library set-up and the embedded Lua
 * library. */
#ifndef MPLAN_LSANDBOX_H
#define MPLAN_LSANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "lua/lhost.h"
#include "io/lock.h"
#include "io/manifest.h"

/* Instructions between two runs of the count hook: the granularity of the step and time
 * limits (a time check costs ~20 ns, so ~1% of a thousand instructions). */
#define MP_HOOK_EVERY 1000

/* MP_LIMIT_OOM is no limit but the machine's memory running out (malloc failed): it trips
 * like one, so no script can catch it, and the call fails with MP_ENOMEM. */
enum mp_limit { MP_LIMIT_NONE, MP_LIMIT_STEPS, MP_LIMIT_MEM, MP_LIMIT_TIME, MP_LIMIT_OOM };

/* A loaded pack. */
/* A pack this pack requires (pack.yaml `requires`), found in the store: `require("NAME.mod")`
 * (NAME with '-' written '_') loads mod.lua of that pack, `require("NAME")` its init.lua.
 * `dir` NULL: none installed satisfies the range, and `missing` says so when required. */
struct mp_pack_dep {
    const char *name;
    char *dir, *missing;
};

struct mp_host_pack {
    struct mp_manifest man;
    struct mp_pack_dep *deps; /* [man.nrequires] */
    char *dir, *display; /* where it is, and how its files are named in messages */
    struct mp_pack_files *locked; /* its PLAN.lock entry, or NULL: every file read is checked */
    int env_ref, params_ref; /* registry references */
};

struct mp_host {
    lua_State *L;
    mp_host_limits given; /* as passed to mp_host_new: 0 = take the plan's, then the default */
    double max_steps, max_mem, timeout; /* in force */
    int verbose;

    /* The call in progress (mp_lua_call). */
    int in_call;
    enum mp_limit tripped; /* sticky until the call ends: every allocation then fails */
    enum mp_limit last_limit; /* the limit the last mp_lua_call hit (MP_LIMIT_NONE: none) */
    double steps;          /* instructions charged so far */
    double deadline;       /* monotonic seconds */
    size_t mem;            /* bytes the state holds */
    size_t call_mem;       /* ... when the call began (collectgarbage('count') is relative) */
    struct mp_mem_pool own_pool, *pool; /* the cap is on pool->used: all hosts of a run */
    size_t clock_bytes;    /* allocated since the allocator last looked at the clock */
    const char *pack, *name;
    const char *loading; /* display path of the pack being loaded (init.lua), else NULL */
    enum mp_hook_kind kind;
    char where[LUA_IDSIZE + 24]; /* innermost Lua frame of the last error */
    char trace[640];             /* its traceback, when verbose */

    struct mp_lua_bound bound;
    int hooks_ref; /* registry: {[kind] = {["pack.name"] = function}} */
    struct mp_host_pack *packs;
    size_t npacks;
};

/* Monotonic clock in seconds. */
double mp_host_now(void);

/* mplan's Lua library (the .lua files of lua/), embedded at build time by
 * src/lua/embed.sh; the list ends with a NULL name. `require("mplan.util")` finds
 * lua/util.lua. */
struct mp_lua_module {
    const char *name, *file;
    const unsigned char *src;
    size_t len;
};
extern const struct mp_lua_module mp_lua_library[];

/* Open the allowed libraries, patch what a script must not misuse (the string metatable,
 * string.rep, pattern matching, table functions that loop in C) and keep the template every
 * environment is copied from. Called once per state, inside a protected call. */
void mp_sandbox_open(lua_State *L);

/* Push a fresh environment: the sandbox globals, its own copies of the library tables,
 * `require` limited to `dir` (named `display` in messages), the packs of deps[ndeps] and
 * mplan's library. */
void mp_sandbox_new_env(lua_State *L, const char *dir, const char *display,
                        const struct mp_pack_files *locked, const struct mp_pack_dep *deps, size_t ndeps);

/* The pattern functions string.find, match, gmatch and gsub, with their work charged to the
 * call's instruction budget (lpattern.c). */
int mp_str_find(lua_State *L);
int mp_str_match(lua_State *L);
int mp_str_gmatch(lua_State *L);
int mp_str_gsub(lua_State *L);

/* Marks the metatable of a pack's params table (its address is the key): rawset refuses
 * such tables, as their __newindex does. */
extern const char mp_params_key;

/* The limit error: raised from the count hook, the allocator path and mp_lua_charge. */
int mp_host_raise_limit(lua_State *L);

#endif
