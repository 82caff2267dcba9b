/* mplan eval SCRIPT.lua [PLAN.yaml]: run a script in the rule sandbox, for exploring. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/esc.h"
#include "io/lock.h"
#include "mplan/host.h"

static const char eval_help[] =
    "usage: mplan eval SCRIPT.lua [PLAN.yaml] [--max-steps N] [--max-mem BYTES] [--timeout S]\n"
    "\n"
    "Run a Lua script in the same sandbox as rule packs and print what it returns, one\n"
    "value a line (tables as readable text). With a plan, the global `plan` is the plan\n"
    "object of docs/lua-api.md (read-only: strategies alone change plans) and the plan's\n"
    "limits apply. `require` finds modules beside the script and mplan's library\n"
    "(mplan.util, mplan.inspect); print and mplan.log write to stderr.\n"
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

/* On a terminal the values (which may quote the plan's files) are escaped; into a pipe or
 * file they go byte for byte, as data. */
static void print_line(void *ctx, const char *text)
{
    if (*(const int *)ctx)
        mp_esc_fputs(text, MP_ESC_TEXT, stdout);
    else
        fputs(text, stdout);
    putchar('\n');
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
    int tty = isatty(STDOUT_FILENO);
    if ((st = mp_host_eval_file(host, o.script, plan, print_line, &tty, &err)) != MP_OK)
        goto done;
    if (fflush(stdout) != 0)
        st = mp_fail(&err, MP_EIO, "stdout: write failed");

done:
    mp_host_free(host);
    mp_plan_free(plan);
    return st == MP_OK ? 0 : cli_fail(&err);
}
