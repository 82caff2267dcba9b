/* mplan run PLAN.yaml: strategies -> allocator -> forecast -> goals -> output. */
#include <getopt.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/table.h"
#include "mplan/run.h"

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

static enum mp_status run_table(FILE *fp, const void *run, mp_error *err)
{
    return mp_run_write(run, fp, MP_RUN_TABLE, err);
}

static enum mp_status run_csv(FILE *fp, const void *run, mp_error *err)
{
    return mp_run_write(run, fp, MP_RUN_CSV, err);
}

static enum mp_status run_json(FILE *fp, const void *run, mp_error *err)
{
    return mp_run_write(run, fp, MP_RUN_JSON, err);
}

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
    mp_run *run = NULL;
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK) {
        mp_run_opts ro = {.limits = o.sc.limits, .verbose = o.sc.verbose};
        st = mp_plan_run(plan, &ro, &run, &err);
    }
    if (st != MP_OK)
        goto done;

    st = cli_output(o.output, o.format, &run_writers, run, &err);
    if (st == MP_OK && !o.quiet)
        for (size_t i = 0; i < mp_run_warning_count(run); i++)
            cli_warn("%s: %s", o.plan, mp_run_warning(run, i));
    if (st == MP_OK && o.strict) { /* exit 1, and one line saying why (for scripts that write -o) */
        char line[1024], a[64], b[64];
        size_t n = 0, used = 0;
        for (size_t i = 0; i < mp_run_goal_count(run); i++) {
            const mp_goal_result *g = mp_run_goal(run, i);
            if (g->met)
                continue;
            int dec = fabs(g->target) < 100 ? 2 : 0;
            int w = snprintf(line + used, sizeof line - used, "%s%s (%s of %s)", n++ ? ", " : "", g->kpi,
                             mp_fmt_num(g->forecast, dec, a, sizeof a), mp_fmt_num(g->target, dec, b, sizeof b));
            if (w > 0 && (size_t)w < sizeof line - used)
                used += (size_t)w;
        }
        if (n) {
            rc = 1;
            cli_say("%s: %zu goal%s missed: %s", o.plan, n, n == 1 ? "" : "s", line);
        }
    }

done:
    if (st != MP_OK)
        rc = cli_fail(&err);
    else if (rc < 0)
        rc = 0;
    mp_run_free(run);
    mp_plan_free(plan);
    return rc;
}
