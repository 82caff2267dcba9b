/* mplan run PLAN.yaml: strategies -> allocator -> forecast -> goals -> output. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/fit_out.h"
#include "io/run_out.h"
#include "io/table.h"
#include "io/xlsx_out.h"
#include "mplan/fit.h"
#include "mplan/run.h"
#include "run/result.h"

static const char run_help[] =
    "usage: mplan run PLAN.yaml [--format table|csv|json|xlsx] [-o FILE] [--strict] [--uncertainty]\n"
    "\n"
    "Allocate the plan's budget over its channels and periods (strategies, then the\n"
    "allocator: built-in 'equalize' or a rule pack's), forecast the funnel and KPIs\n"
    "per channel, per period and in total, and report goal attainment.\n"
    "\n"
    "  -f, --format FMT   table (default on a terminal), csv (one row per channel and\n"
    "                     period), json (docs/plan-format.md), xlsx (a workbook: summary,\n"
    "                     allocation, KPIs; needs -o or a file on standard output)\n"
    CLI_BOM_HELP
    "      --units U      amounts in tables: plain (12,345,678), k (12.35M) or wan\n"
    "                     (1,234.6万); default: wan for a Chinese store.locale, else plain\n"
    "  -o, --output FILE  write there instead of stdout (atomically)\n"
    "      --strict       exit 1 when a goal is not met\n"
    "      --uncertainty  P10/P50/P90 of GMV, ROAS and goal attainment of the allocation\n"
    "                     over the bootstrap draws that 'mplan fit' recorded (csv:\n"
    "                     those rows only; json: an \"uncertainty\" object)\n"
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

static enum mp_status run_xlsx(FILE *fp, const void *run, mp_error *err)
{
    struct mp_run_result res;
    mp_run_result_of(run, &res);
    return mp_run_write_xlsx(fp, &res, err);
}

static const struct cli_writers run_writers = {run_table, run_csv, run_json, run_xlsx};

/* --uncertainty: the run and the spread of its forecast under the fitted curves' draws. */
struct run_unc {
    const mp_run *run;
    const mp_uncertainty *u;
};

static enum mp_status unc_table(FILE *fp, const void *data, mp_error *err)
{
    const struct run_unc *r = data;
    MP_TRY(mp_run_write(r->run, fp, MP_RUN_TABLE, err));
    return mp_uncertainty_write_table(fp, r->u, mp_run_plan(r->run)->units, err);
}

static enum mp_status unc_csv(FILE *fp, const void *data, mp_error *err)
{
    return mp_uncertainty_write_csv(fp, ((const struct run_unc *)data)->u, err);
}

/* The run's JSON with an "uncertainty" object added (the run writer's output read back). */
static enum mp_status unc_json(FILE *fp, const void *data, mp_error *err)
{
    const struct run_unc *r = data;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = mp_run_write(r->run, mem, MP_RUN_JSON, err);
    if (fclose(mem) != 0 && st == MP_OK)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    json_t *root = st == MP_OK ? json_loadb(buf, len, 0, NULL) : NULL;
    free(buf);
    if (st != MP_OK)
        return st;
    json_t *u = mp_uncertainty_json(r->u);
    int bad = !root || !u || json_object_set_new(root, "uncertainty", u);
    if (!root)
        json_decref(u);
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}

static const struct cli_writers unc_writers = {.table = unc_table, .csv = unc_csv, .json = unc_json};

struct run_opts {
    const char *plan, *output, *units;
    int format, strict, quiet, bom, uncertainty;
    struct cli_scripts sc;
};

static int parse(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"strict", no_argument, NULL, 'S'},       {"quiet", no_argument, NULL, 'q'},
        {"uncertainty", no_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},         CLI_SCRIPT_OPTIONS, CLI_BOM_OPTION, CLI_UNITS_OPTION,
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
                return cli_usage("run", "--format takes table, csv, json or xlsx, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("run", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'S': o->strict = 1; break;
        case CLI_OPT_BOM: o->bom = 1; break;
        case CLI_OPT_UNITS: o->units = optarg; break;
        case 'U': o->uncertainty = 1; break;
        case 'q': o->quiet = 1; break;
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, &o->sc, "run"))
                return 2;
            break;
        case 'h': fputs(run_help, stdout); return 0;
        case ':': return cli_usage("run", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("run", longopts, argv[optind - 1]);
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
    mp_uncertainty *unc = NULL;
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK)
        st = cli_units(plan, o.units, &err);
    if (st == MP_OK) {
        mp_run_opts ro = {.limits = o.sc.limits, .verbose = o.sc.verbose};
        st = mp_plan_run(plan, &ro, &run, &err);
    }
    if (st == MP_OK && o.uncertainty)
        st = mp_fit_uncertainty(mp_run_plan(run), mp_run_alloc(run), &unc, &err);
    if (st != MP_OK)
        goto done;

    struct run_unc ru = {run, unc};
    if (unc)
        st = cli_output_ex(o.output, o.format, o.bom ? CLI_OUT_BOM : 0, &unc_writers, &ru, &err);
    else
        st = cli_output_ex(o.output, o.format, o.bom ? CLI_OUT_BOM : 0, &run_writers, run, &err);
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
    mp_uncertainty_free(unc);
    mp_run_free(run);
    mp_plan_free(plan);
    return rc;
}
