/* mplan eval SCRIPT.lua [PLAN.yaml]: run a script in the rule sandbox, for exploring. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/esc.h"
#include "io/lock.h"
#include "lua/lhost.h"

static const char eval_help[] =
    "usage: mplan eval SCRIPT.lua [PLAN.yaml] [--max-steps N] [--max-mem BYTES] [--timeout S]\n"
    "\n"
    "Run a Lua script in the same sandbox as rule packs and print what it returns, one\n"
    "value a line (tables as readable text). With a plan, the global `plan` is the plan\n"
    "object of lua-api.md (read-only: strategies alone change plans) and the plan's limits\n"
    "apply. `require` finds modules beside the script and mplan's library (mplan.util,\n"
    "mplan.inspect); print and mplan.log write to stderr.\n"
    "\n"
    "      --max-steps N      instructions per script call (default 1e9)\n"
    "      --max-mem BYTES    memory, e.g. 64M (default 512M)\n"
    "      --timeout S        seconds, e.g. 2 or 500ms (default 10)\n"
    "  -v, --verbose          add the Lua traceback to error messages\n"
    "  -h, --help             this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan, 4 the script failed (error or limit), 5 I/O\n";

struct eval_opts {
    const char *script, *plan;
    struct cli_scripts sc;
};

static int parse(int argc, char **argv, struct eval_opts *o)
{
    memset(o, 0, sizeof *o);
    int rc = cli_parse_script_args(argc, argv, "eval", eval_help, &o->sc);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage("eval", "which script? give SCRIPT.lua");
    if (argc - optind > 2)
        return cli_usage("eval", "expected SCRIPT.lua [PLAN.yaml], got %d arguments", argc - optind);
    o->script = argv[optind];
    o->plan = optind + 1 < argc ? argv[optind + 1] : NULL;
    return -1;
}

struct eval_ctx {
    const char *script, *dir;
    int with_plan;
};

/* Inside the protected call: the environment, `plan`, the script, then each result that is
 * not a string made text by mplan.inspect (under the same limits). */
static int eval_protected(lua_State *L)
{
    const struct eval_ctx *c = lua_touserdata(L, 1);
    mp_host_push_script_env(mp_host_of(L), c->dir, c->dir);
    if (c->with_plan) {
        mp_lua_push_plan(L);
        lua_setfield(L, 2, "plan");
    }
    mp_lua_load_file(L, c->script, c->script, 2);
    lua_call(L, 0, LUA_MULTRET);
    int n = lua_gettop(L) - 2;
    lua_getfield(L, 2, "require");
    lua_pushliteral(L, "mplan.inspect");
    lua_call(L, 1, 1);
    for (int i = 3; i < 3 + n; i++) {
        if (lua_type(L, i) == LUA_TSTRING)
            continue; /* printed as it is */
        lua_pushvalue(L, -1);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        lua_replace(L, i);
    }
    lua_pop(L, 1);
    return n;
}

int cmd_eval(int argc, char **argv)
{
    struct eval_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_host *host = NULL;
    enum mp_status st = MP_OK;
    /* A missing script is an I/O error, not the script's (access: a FIFO must not block). */
    if (access(o.script, R_OK) != 0) {
        mp_fail(&err, MP_EIO, "%s: %s", o.script, strerror(errno));
        return cli_fail(&err);
    }
    if (o.plan && (st = mp_plan_load(o.plan, &plan, &err)) != MP_OK)
        goto done;
    if (plan && (st = mp_lock_verify(plan, &err)) != MP_OK) /* as every command with a plan */
        goto done;
    if ((st = mp_host_new(&o.sc.limits, &host, &err)) != MP_OK)
        goto done;
    mp_host_set_verbose(host, o.sc.verbose);
    mp_host_apply_plan_limits(host, plan);
    mp_host_bind(host, plan, 0);

    char *dir = strdup(o.script);
    if (!dir) {
        st = mp_fail(&err, MP_ENOMEM, "out of memory");
        goto done;
    }
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = 0; /* "/x.lua" -> "/" */
    struct eval_ctx ctx = {o.script, dir, plan != NULL};
    lua_State *L = mp_host_state(host);
    int base = lua_gettop(L);
    lua_pushcfunction(L, eval_protected);
    lua_pushlightuserdata(L, &ctx);
    st = mp_lua_call(host, 1, LUA_MULTRET, NULL, MP_HOOK_SCRIPT, o.script, &err);
    free(dir);
    if (st != MP_OK)
        goto done;
    /* On a terminal the values (which may quote the plan's files) are escaped; into a pipe or
     * file they go byte for byte, as data. */
    int tty = isatty(STDOUT_FILENO);
    for (int i = base + 1; i <= lua_gettop(L); i++) {
        if (tty)
            mp_esc_fputs(lua_tostring(L, i), MP_ESC_TEXT, stdout);
        else
            fputs(lua_tostring(L, i), stdout);
        putchar('\n');
    }
    lua_settop(L, base);
    if (fflush(stdout) != 0)
        st = mp_fail(&err, MP_EIO, "stdout: write failed");

done:
    mp_host_free(host);
    mp_plan_free(plan);
    return st == MP_OK ? 0 : cli_fail(&err);
}
