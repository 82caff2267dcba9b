/* The Lua host: one sandboxed state per mp_host, its limits, and the one way into Lua
 * (mp_lua_call). Model: Redis's script_lua.c (a host protecting itself from scripts), with
 * limits that a script cannot catch and carry on past. No global state: hosts on several
 * threads at once are fine. */
#include "lua/lsandbox.h"

#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#define DEFAULT_STEPS 1e9
#define DEFAULT_MEM (512.0 * 1024 * 1024)
#define DEFAULT_TIMEOUT 10.0
/* How much a script may allocate between two looks at the clock from the allocator: a loop
 * of big allocations runs few instructions, so the count hook alone would look too late. */
#define CLOCK_BYTES (1u << 20)
/* Longest piece of a script's error text kept in a message. */
#define ERRTEXT_MAX 600

double mp_host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

mp_host *mp_host_of(lua_State *L)
{
    return *(mp_host **)lua_getextraspace(L);
}

lua_State *mp_host_state(mp_host *host) { return host->L; }

void mp_host_set_verbose(mp_host *host, int verbose) { host->verbose = verbose; }

/* ---- limits ---- */

static void trip(mp_host *h, enum mp_limit which)
{
    if (!h->tripped)
        h->tripped = which;
}

/* The limit error object is the host itself as a light userdata: raising it allocates
 * nothing, which matters when memory is what ran out. */
int mp_host_raise_limit(lua_State *L)
{
    lua_pushlightuserdata(L, mp_host_of(L));
    return lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    mp_host *h = mp_host_of(L);
    (void)ar;
    if (!h->in_call)
        return;
    if (!h->tripped) {
        h->steps += lua_gethookcount(L);
        if (h->steps >= h->max_steps)
            trip(h, MP_LIMIT_STEPS);
        else if (mp_host_now() > h->deadline)
            trip(h, MP_LIMIT_TIME);
        else {
            double left = h->max_steps - h->steps;
            if (left < MP_HOOK_EVERY)
                lua_sethook(L, count_hook, LUA_MASKCOUNT, (int)left);
            return;
        }
    }
    /* Tripped: fail at every instruction of this thread, so that no pcall, coroutine or
     * __close handler can catch the error and go on. */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    mp_host_raise_limit(L);
}

void mp_lua_charge(lua_State *L, double units)
{
    mp_host *h = mp_host_of(L);
    if (!h->in_call)
        return;
    if (units > 0)
        h->steps += units;
    if (h->steps >= h->max_steps)
        trip(h, MP_LIMIT_STEPS);
    else if (mp_host_now() > h->deadline)
        trip(h, MP_LIMIT_TIME);
    if (h->tripped)
        mp_host_raise_limit(L);
}

int mp_lua_nomem(lua_State *L)
{
    mp_host *h = mp_host_of(L);
    if (!h->in_call)
        return luaL_error(L, "out of memory");
    trip(h, MP_LIMIT_OOM);
    return mp_host_raise_limit(L);
}

/* Every byte the state holds is counted; inside a call the total is capped, and once the
 * cap (or any limit) trips every growth fails until the call ends. Frees and shrinks never
 * fail: Lua relies on that. Outside calls only mplan's own C code allocates. */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    mp_host *h = ud;
    size_t old = ptr ? osize : 0; /* for a new block osize is the object's type */
    if (nsize == 0) {
        free(ptr);
        h->mem -= old;
        atomic_fetch_sub(&h->pool->used, old);
        return NULL;
    }
    if (nsize <= old) {
        void *p = realloc(ptr, nsize);
        if (!p)
            return ptr; /* a shrink that failed: the old block still serves, and Lua counts on it */
        h->mem -= old - nsize;
        atomic_fetch_sub(&h->pool->used, old - nsize);
        return p;
    }
    /* Growth: counted in the pool first (other threads see it at once), undone on failure,
     * so several threads together cannot pass the cap. */
    size_t grow = nsize - old;
    size_t before = atomic_fetch_add(&h->pool->used, grow);
    if (h->in_call) {
        if (h->tripped || (double)(before + grow) > h->max_mem) {
            atomic_fetch_sub(&h->pool->used, grow);
            trip(h, MP_LIMIT_MEM);
            return NULL;
        }
        h->clock_bytes += grow;
        if (h->clock_bytes > CLOCK_BYTES) {
            h->clock_bytes = 0;
            if (mp_host_now() > h->deadline) {
                atomic_fetch_sub(&h->pool->used, grow);
                trip(h, MP_LIMIT_TIME);
                return NULL;
            }
        }
    }
    void *p = realloc(ptr, nsize);
    if (p) {
        h->mem += grow;
    } else {
        atomic_fetch_sub(&h->pool->used, grow);
        if (h->in_call)
            trip(h, MP_LIMIT_OOM);
    }
    return p;
}

void mp_host_set_pool(mp_host *h, struct mp_mem_pool *pool)
{
    atomic_fetch_sub(&h->pool->used, h->mem);
    atomic_fetch_add(&pool->used, h->mem);
    h->pool = pool;
}

/* Add C bytes to the pool; nonzero (and nothing added) when that passes the cap. */
static int charge_c(mp_host *h, size_t bytes)
{
    size_t before = atomic_fetch_add(&h->pool->used, bytes);
    if ((double)(before + bytes) > h->max_mem) {
        atomic_fetch_sub(&h->pool->used, bytes);
        return -1;
    }
    return 0;
}

void mp_host_uncharge_c(mp_host *h, size_t bytes)
{
    atomic_fetch_sub(&h->pool->used, bytes);
}

void mp_lua_charge_mem(lua_State *L, size_t bytes)
{
    mp_host *h = mp_host_of(L);
    if (!h->in_call) {
        atomic_fetch_add(&h->pool->used, bytes);
        return;
    }
    if (h->tripped || charge_c(h, bytes) != 0) {
        trip(h, MP_LIMIT_MEM);
        mp_host_raise_limit(L);
    }
}

/* An error outside any protected call: only a real out-of-memory in mplan's own C code
 * gets here (scripts always run protected). Lua aborts when this returns. */
static int host_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "mplan: Lua host: %s\n", msg ? msg : "unprotected error");
    return 0;
}

/* ---- messages ---- */

/* A count as "1e9" or "2.5e7": the shortest form that reads back exactly. */
static void format_count(char *buf, size_t n, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    char *e = strchr(buf, 'e');
    if (e) { /* e+09 -> e9 */
        char *d = e + 1;
        if (*d == '+')
            d++;
        if (*d == '-')
            *++e = *d++;
        while (*d == '0' && d[1])
            d++;
        memmove(e + 1, d, strlen(d) + 1);
    }
}

static void format_bytes(char *buf, size_t n, double v)
{
    static const char *const units[] = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < 3; i++) {
        double unit = (double)(1u << (10 * (3 - i)));
        if (v >= unit && fmod(v, unit) == 0) {
            snprintf(buf, n, "%.0f %s", v / unit, units[i]);
            return;
        }
    }
    snprintf(buf, n, "%.0f bytes", v);
}

static void format_limit(const mp_host *h, char *buf, size_t n)
{
    char v[48];
    switch (h->tripped) {
    case MP_LIMIT_STEPS:
        format_count(v, sizeof v, h->max_steps);
        snprintf(buf, n, "instruction limit (%s steps) exceeded (raise it with --max-steps or the plan's "
                         "limits.max_steps)", v);
        break;
    case MP_LIMIT_MEM:
        format_bytes(v, sizeof v, h->max_mem);
        snprintf(buf, n, "memory limit (%s) exceeded (raise it with --max-mem or the plan's limits.max_mem)", v);
        break;
    case MP_LIMIT_TIME:
        snprintf(buf, n, "time limit (%g s) exceeded (raise it with --timeout or the plan's limits.timeout)",
                 h->timeout);
        break;
    case MP_LIMIT_OOM:
        snprintf(buf, n, "out of memory");
        break;
    case MP_LIMIT_NONE:
        snprintf(buf, n, "no limit");
        break;
    }
}

enum mp_status mp_host_charge_c(mp_host *h, size_t bytes, const char *pack, enum mp_hook_kind kind,
                                const char *name, mp_error *err)
{
    if (charge_c(h, bytes) == 0)
        return MP_OK;
    char v[48];
    format_bytes(v, sizeof v, h->max_mem);
    if (pack)
        return mp_fail(err, MP_ESCRIPT, "pack '%s': in %s '%s': memory limit (%s) exceeded by its "
                       "results", pack, mp_hook_kind_name(kind), name, v);
    return mp_fail(err, MP_ESCRIPT, "%s: memory limit (%s) exceeded", name, v);
}

/* "in strategy 'phase_focus'", "while loading", or nothing for a script. */
static void format_context(const mp_host *h, char *buf, size_t n)
{
    if (h->kind == MP_HOOK_INIT)
        snprintf(buf, n, ": while loading");
    else if (h->kind == MP_HOOK_SCRIPT || !h->name)
        buf[0] = 0;
    else
        snprintf(buf, n, ": in %s '%s'", mp_hook_kind_name(h->kind), h->name);
}

/* "pack 'x'" or, outside any pack, the script's name. */
static void format_owner(const mp_host *h, char *buf, size_t n)
{
    if (h->pack)
        snprintf(buf, n, "pack '%s'", h->pack);
    else
        snprintf(buf, n, "%s", h->name ? h->name : "script");
}

/* printf at the end of the traceback buffer; a full buffer stays full. */
static void trace_add(mp_host *h, size_t *used, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void trace_add(mp_host *h, size_t *used, const char *fmt, ...)
{
    if (*used >= sizeof h->trace - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(h->trace + *used, sizeof h->trace - *used, fmt, ap);
    va_end(ap);
    if (k > 0)
        *used = *used + (size_t)k < sizeof h->trace ? *used + (size_t)k : sizeof h->trace - 1;
}

/* The traceback of the erring thread, written straight into the host's buffer so that it
 * works when memory is exhausted. */
static void record_traceback(mp_host *h, lua_State *L)
{
    lua_Debug ar;
    size_t used = 0;
    trace_add(h, &used, "stack traceback:");
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Slnt", &ar);
        if (ar.currentline > 0 && ar.name)
            trace_add(h, &used, "\n\t%s:%d: in function '%s'", ar.short_src, ar.currentline, ar.name);
        else if (ar.currentline > 0 && *ar.what == 'm')
            trace_add(h, &used, "\n\t%s:%d: in main chunk", ar.short_src, ar.currentline);
        else if (ar.currentline > 0)
            trace_add(h, &used, "\n\t%s:%d: in function <%s:%d>", ar.short_src, ar.currentline,
                      ar.short_src, ar.linedefined);
        else if (ar.name) /* unnamed C frames are mplan's own entry points: noise */
            trace_add(h, &used, "\n\t[C]: in function '%s'", ar.name);
        if (ar.istailcall)
            trace_add(h, &used, "\n\t(...tail calls...)");
    }
}

/* The message handler (stack slot 1): note where the error happened, for error objects
 * that carry no position, and the traceback. Leaves the error object as it is. */
static int message_handler(lua_State *L)
{
    mp_host *h = mp_host_of(L);
    lua_Debug ar;
    h->where[0] = 0;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            snprintf(h->where, sizeof h->where, "%s:%d", ar.short_src, ar.currentline);
            break;
        }
    }
    if (h->verbose)
        record_traceback(h, L);
    return 1;
}

static int tostring_protected(lua_State *L)
{
    luaL_tolstring(L, 1, NULL);
    return 1;
}

/* The error object on top as text in buf: strings as they are (cut when huge),
 * objects through a protected __tostring, anything else by its type. */
static void error_text(lua_State *L, int status, char *buf, size_t n)
{
    int type = lua_type(L, -1);
    if (status == LUA_ERRMEM) {
        snprintf(buf, n, "not enough memory");
    } else if (type == LUA_TNUMBER) {
        if (lua_isinteger(L, -1))
            snprintf(buf, n, LUA_INTEGER_FMT, lua_tointeger(L, -1));
        else
            snprintf(buf, n, LUA_NUMBER_FMT, lua_tonumber(L, -1));
    } else if ((type == LUA_TTABLE || type == LUA_TUSERDATA) &&
               luaL_getmetafield(L, -1, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushcfunction(L, tostring_protected);
        lua_pushvalue(L, -2);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING)
            snprintf(buf, n, "%.*s", (int)n - 1, lua_tostring(L, -1));
        else
            snprintf(buf, n, "(error object is a %s value whose __tostring failed)",
                     lua_typename(L, type));
        lua_pop(L, 1);
    } else if (type != LUA_TSTRING) {
        snprintf(buf, n, "(error object is a %s value)", lua_typename(L, type));
    } else {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        /* Cut a huge text in the middle: chained errors put the cause at the end. */
        if (len < n)
            memcpy(buf, s, len + 1);
        else
            snprintf(buf, n, "%.*s ...(%zu bytes)... %s", (int)n / 2, s, len, s + len - (n / 2 - 48));
    }
}

/* Length of a leading "source:line" in an error text ("init.lua:41: msg"), or 0. */
static size_t position_prefix(const char *s)
{
    for (size_t i = 0; s[i] && s[i] != '\n' && i < LUA_IDSIZE + 4; i++) {
        if (s[i] != ':' || s[i + 1] < '0' || s[i + 1] > '9')
            continue;
        size_t j = i + 1;
        while (s[j] >= '0' && s[j] <= '9')
            j++;
        if (s[j] == ':' && s[j + 1] == ' ')
            return j;
    }
    return 0;
}

/* Does the "source:line" prefix of an error text (pos bytes) name a file of the one who
 * failed: the frame where the error was raised, or a file of the pack's directory? An
 * error string can start with anything, so another pack's "file:line:" is not believed. */
static int own_position(const mp_host *h, const char *text, size_t pos)
{
    const char *colon = text + pos;
    while (colon > text && colon[-1] >= '0' && colon[-1] <= '9')
        colon--;
    size_t n = (size_t)(colon - 1 - text); /* the source part, before ":LINE" */
    const char *w = h->where, *wc = strrchr(w, ':');
    if (wc && (size_t)(wc - w) == n && strncmp(w, text, n) == 0)
        return 1;
    size_t l = h->loading ? strlen(h->loading) : 0;
    if (l && n > l + 1 && strncmp(text, h->loading, l) == 0 && text[l] == '/' && !strstr(text, "/../"))
        return 1;
    for (size_t i = 0; h->pack && i < h->npacks; i++) {
        const struct mp_host_pack *pk = &h->packs[i];
        size_t d = strlen(pk->display);
        if (strcmp(pk->man.name, h->pack) == 0 && n > d + 1 && strncmp(text, pk->display, d) == 0 &&
            text[d] == '/' && strstr(text, "/../") == NULL)
            return 1;
    }
    return 0;
}

static void format_error(mp_host *h, lua_State *L, int status, mp_error *err)
{
    char ctx[200], text[ERRTEXT_MAX], owner[160];
    format_context(h, ctx, sizeof ctx);
    format_owner(h, owner, sizeof owner);
    if (!h->tripped)
        error_text(L, status, text, sizeof text);
    /* error_text may run a __tostring that trips a limit: then the limit is the news. */
    if (h->tripped) {
        format_limit(h, text, sizeof text);
        mp_fail(err, h->tripped == MP_LIMIT_OOM ? MP_ENOMEM : MP_ESCRIPT, "%s%s: %s", owner, ctx, text);
    } else {
        size_t pos = position_prefix(text);
        if (pos && !own_position(h, text, pos))
            pos = 0; /* "other/init.lua:5:" in a string: the text, not the place */
        if (pos)
            mp_fail(err, MP_ESCRIPT, "%.*s%s: %s", (int)pos, text, ctx, text + pos + 2);
        else
            mp_fail(err, MP_ESCRIPT, "%s%s: %s", h->where[0] ? h->where : owner, ctx, text);
    }
    if (h->verbose && h->trace[0] && err) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "\n%s", h->trace);
    }
}

/* ---- the one way into Lua ---- */

enum mp_status mp_lua_call(mp_host *h, int nargs, int nresults, const char *pack,
                           enum mp_hook_kind kind, const char *name, mp_error *err)
{
    lua_State *L = h->L;
    int base = lua_gettop(L) - nargs - 1;
    if (h->in_call) { /* the counters and the error context belong to the outer call */
        lua_settop(L, base);
        return mp_fail(err, MP_EINTERNAL, "%s: Lua host entered from inside a rule script call",
                       name ? name : "mplan");
    }
    h->pack = pack;
    h->kind = kind;
    h->name = name;
    h->tripped = h->last_limit = MP_LIMIT_NONE;
    h->steps = 0;
    h->clock_bytes = 0;
    h->where[0] = 0;
    h->trace[0] = 0;
    h->deadline = mp_host_now() + h->timeout;
    h->call_mem = h->mem;
    h->in_call = 1;
    lua_sethook(L, count_hook, LUA_MASKCOUNT,
                h->max_steps < MP_HOOK_EVERY ? (int)fmax(1, h->max_steps) : MP_HOOK_EVERY);
    int status = lua_pcall(L, nargs, nresults, 1);
    if (status == LUA_OK && !h->tripped) {
        h->in_call = 0;
        return MP_OK;
    }
    /* Still inside the call: a __tostring of the error object runs under the limits. */
    format_error(h, L, status, err);
    lua_settop(L, base);
    h->in_call = 0;
    enum mp_status st = h->tripped == MP_LIMIT_OOM ? MP_ENOMEM : MP_ESCRIPT;
    h->last_limit = h->tripped;
    if (h->tripped) {
        h->tripped = MP_LIMIT_NONE;
        lua_gc(L, LUA_GCCOLLECT, 0); /* what the failed call left behind */
    }
    return st;
}

int mp_host_limit_hit(const mp_host *h)
{
    return h->last_limit != MP_LIMIT_NONE;
}

/* ---- limits from the command line and the plan ---- */

static double default_limit(double flag, double plan, double def)
{
    return flag > 0 ? flag : plan > 0 ? plan : def;
}

static void apply_limits(mp_host *h, const struct mp_limits *plan)
{
    struct mp_limits none = {0, 0, 0};
    if (!plan)
        plan = &none;
    h->max_steps = default_limit(h->given.max_steps, plan->max_steps, DEFAULT_STEPS);
    h->max_mem = default_limit(h->given.max_mem, plan->max_mem, DEFAULT_MEM);
    h->timeout = default_limit(h->given.timeout, plan->timeout, DEFAULT_TIMEOUT);
}

void mp_host_apply_plan_limits(mp_host *h, const mp_plan *plan)
{
    apply_limits(h, plan ? &plan->limits : NULL);
}

/* A number followed by one of `units` (NULL-terminated, with their factors). */
static int parse_scaled(const char *s, const char *const *units, const double *factors, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v <= 0)
        return -1;
    for (size_t i = 0; units[i]; i++)
        if (strcmp(end, units[i]) == 0) {
            *out = v * factors[i];
            return 0;
        }
    return -1;
}

enum mp_status mp_host_limits_set(mp_host_limits *limits, const char *name, const char *value,
                                  mp_error *err)
{
    static const char *const none[] = {"", NULL};
    static const double one[] = {1};
    static const char *const bytes[] = {"", "K", "KiB", "M", "MiB", "G", "GiB", NULL};
    static const double byte_factors[] = {1, 1024, 1024, 1048576, 1048576, 1073741824, 1073741824};
    static const char *const secs[] = {"", "s", "ms", NULL};
    static const double sec_factors[] = {1, 1, 1e-3};
    double v;
    if (strcmp(name, "max-steps") == 0) {
        if (parse_scaled(value, none, one, &v) != 0 || v < 1)
            return mp_fail(err, MP_EUSAGE, "--max-steps: expected a count such as 1e9, got '%s'", value);
        limits->max_steps = floor(v);
    } else if (strcmp(name, "max-mem") == 0) {
        if (parse_scaled(value, bytes, byte_factors, &v) != 0)
            return mp_fail(err, MP_EUSAGE, "--max-mem: expected bytes such as 512M or 1GiB, got '%s'", value);
        limits->max_mem = floor(v);
    } else if (strcmp(name, "timeout") == 0) {
        if (parse_scaled(value, secs, sec_factors, &v) != 0)
            return mp_fail(err, MP_EUSAGE, "--timeout: expected seconds such as 10 or 500ms, got '%s'", value);
        limits->timeout = v;
    } else {
        return mp_fail(err, MP_EUSAGE, "no limit '%s' (limits: max-steps, max-mem, timeout)", name);
    }
    return MP_OK;
}

/* ---- life cycle ---- */

static int host_open(lua_State *L)
{
    mp_host *h = mp_host_of(L);
    lua_newtable(L);
    for (int k = MP_HOOK_ALLOCATOR; k < MP_HOOK_KINDS; k++) {
        lua_newtable(L);
        lua_rawseti(L, -2, k);
    }
    h->hooks_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    mp_sandbox_open(L);
    return 0;
}

enum mp_status mp_host_new(const mp_host_limits *limits, mp_host **out, mp_error *err)
{
    *out = NULL;
    mp_host *h = calloc(1, sizeof *h);
    if (!h)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (limits)
        h->given = *limits;
    apply_limits(h, NULL);
    h->pool = &h->own_pool;
    h->L = lua_newstate(host_alloc, h);
    if (!h->L) {
        free(h);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    *(mp_host **)lua_getextraspace(h->L) = h;
    lua_atpanic(h->L, host_panic);
    /* Slot 1 stays the message handler for every later call. */
    lua_pushcfunction(h->L, message_handler);
    lua_pushcfunction(h->L, host_open);
    if (lua_pcall(h->L, 0, 0, 0) != LUA_OK) {
        mp_host_free(h);
        return mp_fail(err, MP_ENOMEM, "Lua host: out of memory while starting");
    }
    *out = h;
    return MP_OK;
}

void mp_host_free(mp_host *h)
{
    if (!h)
        return;
    lua_close(h->L);
    for (size_t i = 0; i < h->npacks; i++) {
        for (size_t k = 0; h->packs[i].deps && k < h->packs[i].man.nrequires; k++) {
            free(h->packs[i].deps[k].dir);
            free(h->packs[i].deps[k].missing);
        }
        free(h->packs[i].deps);
        mp_manifest_free(&h->packs[i].man);
        free(h->packs[i].dir);
        free(h->packs[i].display);
        if (h->packs[i].locked)
            mp_pack_files_free(h->packs[i].locked);
        free(h->packs[i].locked);
    }
    free(h->packs);
    free(h);
}

/* ---- binding support ---- */

const char *mp_lua_describe(lua_State *L, int idx, char *buf, size_t n)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return "nil";
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(buf, n, "the number " LUA_INTEGER_FMT, lua_tointeger(L, idx));
        else
            snprintf(buf, n, "the number %g", lua_tonumber(L, idx));
        return buf;
    case LUA_TSTRING:
        snprintf(buf, n, "the string '%.40s'", lua_tostring(L, idx));
        return buf;
    case LUA_TTABLE: return "a table";
    case LUA_TFUNCTION: return "a function";
    default: return "a userdata";
    }
}

void mp_host_bind(mp_host *h, mp_plan *plan, int mutable)
{
    h->bound.plan = plan;
    h->bound.mutable = mutable;
    h->bound.gen++;
}

struct mp_lua_bound *mp_lua_bound(lua_State *L)
{
    return &mp_host_of(L)->bound;
}

mp_plan *mp_lua_plan(lua_State *L, unsigned gen)
{
    struct mp_lua_bound *b = mp_lua_bound(L);
    if (!b->plan || b->gen != gen)
        luaL_error(L, "plan object used after the call that received it ended");
    return b->plan;
}

const char *mp_lua_who(lua_State *L, char *buf, size_t n)
{
    mp_host *h = mp_host_of(L);
    if (h->pack && (int)h->kind < MP_HOOK_KINDS && h->name)
        snprintf(buf, n, "%s.%s", h->pack, h->name);
    else if (h->pack)
        snprintf(buf, n, "%s", h->pack);
    else
        snprintf(buf, n, "%s", h->name ? h->name : "script");
    return buf;
}
