/* mplan run PLAN.yaml: strategies -> allocator -> forecast -> goals -> output. */
#include <getopt.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/planned.h"
#include "core/model.h"
#include "io/lock.h"
#include "io/run_out.h"
#include "mplan/host.h"

static const char run_help[] =
    "usage: mplan run PLAN.yaml [--format table|csv|json] [-o FILE] [--strict]\n"
    "\n"
    "Allocate the plan's budget over its channels and periods (strategies, then the\n"
    "allocator: built-in 'equalize' or a rule pack's), forecast the funnel and KPIs\n"
    "per channel, per period and in total, and report goal attainment.\n"
    "\n"
    "  -f, --format FMT   table (default on a terminal), csv (one row per channel and\n"
    "                     period), json (formats.md)\n"
    "  -o, --output FILE  write there instead of stdout (atomically)\n"
    "      --strict       exit 1 when a goal is not met\n"
    "  -q, --quiet        no warnings on stderr\n"
    "      --max-steps N  rule scripts: instructions per call (default 1e9)\n"
    "      --max-mem B    rule scripts: memory, e.g. 64M (default 512M)\n"
    "      --timeout S    rule scripts: seconds per call (default 10)\n"
    "  -v, --verbose      Lua tracebacks in rule script errors\n"
    "  -h, --help         this help\n"
    "\n"
    "exit: 0 ok, 1 goal missed with --strict, 2 usage, 3 bad plan, 4 rule script, 5 I/O\n";

CLI_WRITER(run_table, mp_run_write_table, struct mp_run_result)
CLI_WRITER(run_csv, mp_run_write_csv, struct mp_run_result)
CLI_WRITER(run_json, mp_run_write_json, struct mp_run_result)
static const struct cli_writers run_writers = {run_table, run_csv, run_json};

struct run_opts {
    const char *plan, *output;
    int format, strict, quiet;
    struct cli_scripts sc;
};

static int parse(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"strict", no_argument, NULL, 'S'},       {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         CLI_SCRIPT_OPTIONS,
        {NULL, 0, NULL, 0}};
    int idx = 0;
    memset(o, 0, sizeof *o);
    o->format = -1;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":f:o:qvh", longopts, &idx)) != -1) {
        switch (ch) {
        case 'f':
            if ((o->format = cli_format_parse(optarg)) < 0)
                return cli_usage("run", "--format takes table, csv or json, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("run", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'S': o->strict = 1; break;
        case 'q': o->quiet = 1; break;
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, &o->sc, "run"))
                return 2;
            break;
        case 'h': fputs(run_help, stdout); return 0;
        case ':': return cli_usage("run", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("run", optind >= argc ? "which plan? give PLAN.yaml" : "one plan at a time");
    o->plan = argv[optind];
    return -1;
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    mp_error err = {0};
    mp_plan *plan = NULL;
    struct cli_planned run = {0};
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK)
        st = mp_lock_verify(plan, &err); /* before any pack code runs */
    if (st == MP_OK)
        st = cli_plan_run(plan, &o.sc, &run, &err);
    if (st != MP_OK)
        goto done;

    struct mp_run_result res = {
        .plan = run.plan, .alloc = run.alloc, .fc = run.fc, .goals = run.goals, .ngoals = run.ngoals,
        .custom = run.custom, .ncustom = run.ncustom, .allocator = run.plan->allocator,
        .allocatable = run.budget, .shortfall = run.shortfall,
        .objective_missed = !isnan(run.objective_reached), .objective_reached = run.objective_reached,
        .objective_best = run.objective_best, .eq = run.have_eq ? &run.eq : NULL};
    st = cli_output(o.output, o.format, &run_writers, &res, &err);
    if (st == MP_OK && !o.quiet)
        for (size_t i = 0; i < run.plan->nwarnings; i++)
            cli_warn("%s: %s", o.plan, run.plan->warnings[i]);
    if (st == MP_OK && o.strict)
        for (size_t i = 0; i < run.ngoals; i++)
            if (!run.goals[i].met)
                rc = 1;

done:
    if (st != MP_OK)
        rc = cli_fail(&err);
    else if (rc < 0)
        rc = 0;
    cli_planned_free(&run);
    mp_plan_free(plan);
    return rc;
}
