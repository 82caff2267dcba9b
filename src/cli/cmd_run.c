/* mplan run PLAN.yaml: strategies -> allocator -> forecast -> goals -> output. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/model.h"
#include "io/out.h"
#include "io/run_out.h"
#include "mplan/alloc.h"
#include "mplan/host.h"
#include "mplan/kpi.h"

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

struct run_opts {
    const char *plan, *output;
    int format, strict, quiet, verbose;
    mp_host_limits limits;
};

static int parse(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"strict", no_argument, NULL, 'S'},       {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {"verbose", no_argument, NULL, 'v'},
        {"max-steps", required_argument, NULL, 'L'}, {"max-mem", required_argument, NULL, 'L'},
        {"timeout", required_argument, NULL, 'L'},   {NULL, 0, NULL, 0}};
    mp_error err;
    int idx;
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
        case 'o': o->output = optarg; break;
        case 'S': o->strict = 1; break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose = 1; break;
        case 'L':
            if (mp_host_limits_set(&o->limits, longopts[idx].name, optarg, &err) != MP_OK)
                return cli_usage("run", "%s", err.msg);
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
    mp_alloc *alloc = NULL;
    mp_forecast *fc = NULL;
    mp_goal_result *goals = NULL;
    size_t ngoals = 0;
    struct mp_out out = {0};
    mp_equalize_info info = {0};
    mp_host *host = NULL;
    mp_kpi_custom *custom = NULL;
    size_t ncustom = 0;
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st != MP_OK)
        goto done;
    /* Rule packs: strategies change the plan, then a pack's allocator or equalize. */
    if (plan->npacks) {
        if ((st = mp_host_new(&o.limits, &host, &err)) != MP_OK ||
            (st = mp_host_load_plan_packs(host, plan, &err)) != MP_OK)
            goto done;
        mp_host_set_verbose(host, o.verbose);
    }
    for (size_t i = 0; i < plan->nstrategies; i++)
        if ((st = host ? mp_host_run_strategy(host, plan, plan->strategies[i], &err)
                       : mp_fail(&err, MP_EINPUT, "%s: strategy '%s': the plan loads no packs",
                                 o.plan, plan->strategies[i])) != MP_OK)
            goto done;
    double budget = mp_plan_allocatable(plan);
    if (!(alloc = mp_alloc_new(plan))) {
        st = mp_fail(&err, MP_ENOMEM, "out of memory");
        goto done;
    }
    if (strcmp(plan->allocator, "equalize") == 0)
        st = mp_alloc_equalize(plan, budget, alloc, &info, &err);
    else
        st = host ? mp_host_run_allocator(host, plan, plan->allocator, budget, alloc, &err)
                  : mp_fail(&err, MP_EINPUT, "%s: allocator '%s': the plan loads no packs", o.plan,
                            plan->allocator);
    if (st != MP_OK)
        goto done;
    if ((st = mp_forecast_run(plan, alloc, &fc, &err)) != MP_OK)
        goto done;
    /* Goals on custom KPIs (PACK.NAME) take their value from the pack's kpi hook. */
    if (plan->ngoals && !(custom = calloc(plan->ngoals, sizeof *custom))) {
        st = mp_fail(&err, MP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < plan->ngoals; i++) {
        if (!strchr(plan->goals[i].kpi, '.'))
            continue;
        custom[ncustom].name = plan->goals[i].kpi;
        if ((st = host ? mp_host_run_kpi(host, plan, fc, plan->goals[i].kpi, &custom[ncustom].value, &err)
                       : mp_fail(&err, MP_EINPUT, "%s: goal '%s': the plan loads no packs", o.plan,
                                 plan->goals[i].kpi)) != MP_OK)
            goto done;
        ncustom++;
    }
    if ((st = mp_goals_evaluate(plan, fc, custom, ncustom, &goals, &ngoals, &err)) != MP_OK)
        goto done;

    struct mp_run_result res = {
        .plan = plan, .alloc = alloc, .fc = fc, .goals = goals, .ngoals = ngoals,
        .allocator = plan->allocator, .allocatable = budget, .shortfall = info.shortfall};
    if ((st = mp_out_open(&out, o.output, &err)) != MP_OK)
        goto done;
    int format = o.format >= 0 ? o.format : (int)cli_format_default(out.fp);
    st = format == CLI_JSON  ? mp_run_write_json(out.fp, &res, &err)
         : format == CLI_CSV ? mp_run_write_csv(out.fp, &res, &err)
                             : mp_run_write_table(out.fp, &res, &err);
    if (st == MP_OK)
        st = mp_out_commit(&out, &err);
    if (st == MP_OK && !o.quiet)
        for (size_t i = 0; i < plan->nwarnings; i++)
            cli_warn("%s: %s", o.plan, plan->warnings[i]);

done:
    mp_out_abort(&out);
    rc = st == MP_OK ? 0 : cli_fail(&err);
    if (st == MP_OK && o.strict)
        for (size_t i = 0; i < ngoals; i++)
            if (!goals[i].met)
                rc = 1;
    free(goals);
    free(custom);
    mp_host_free(host);
    mp_forecast_free(fc);
    mp_alloc_free(alloc);
    mp_plan_free(plan);
    return rc;
}
