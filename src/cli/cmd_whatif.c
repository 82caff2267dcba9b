/* mplan whatif PLAN.yaml: re-allocate and forecast the plan under changed values. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/scenario_load.h"
#include "io/whatif_out.h"
#include "io/xlsx_out.h"
#include "mplan/kpi.h"
#include "mplan/run.h"
#include "mplan/whatif.h"

static const char whatif_help[] =
    "usage: mplan whatif PLAN.yaml [--budget FROM..TO/N] [--set PATH=FROM..TO/N]...\n"
    "                    [--scenario FILE.yaml] [--sort KPI] [--format table|csv|json|xlsx]\n"
    "                    [-o FILE] [--svg FILE]\n"
    "\n"
    "Re-allocate the plan with its allocator under changed values and report, for each\n"
    "scenario, the total KPIs, goal attainment, marginal ROAS (GMV of the next unit of\n"
    "budget) and spend per channel. Several axes make a grid. Where the rows hold the plan\n"
    "as written ('base', at its own value of every axis), each row's GMV and ROAS against it\n"
    "(table: Δ GMV vs base, Δ ROAS vs base; CSV, JSON: gmv_vs_base, roas_vs_base).\n"
    "\n"
    "  -b, --budget RANGE    sweep budget.total: FROM..TO/N is N levels, both ends included;\n"
    "                        a single number is one level\n"
    "  -s, --set PATH=RANGE  sweep any numeric plan value, e.g. channels.p4p.response.k,\n"
    "                        events[0].lift, budget.reserve, goals.gmv (docs/whatif-review.md)\n"
    "      --scenario FILE   named override sets (NAME: {PATH: NUMBER, ...}); the plan as it\n"
    "                        is comes first as 'base'\n"
    "      --sort KPI        order rows by a total KPI (gmv, roas, cac, ...) or mroas, best\n"
    "                        first; default: in grid order\n"
    "  -f, --format FMT      table (default on a terminal), csv (one row per scenario), json,\n"
    "                        xlsx (a workbook; needs -o or a file on standard output)\n"
    "      --bom             CSV: start with a UTF-8 byte-order mark (for Excel)\n"
    "      --units U         amounts in tables: plain, k (12.35M) or wan (1,234.6万)\n"
    "  -o, --output FILE     write there instead of stdout (atomically)\n"
    "      --svg FILE        GMV, ROAS and marginal ROAS along the budget axis (or the first)\n"
    "  -q, --quiet           no progress bar, no warnings\n"
    "  -h, --help            this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan or scenario file (or no scenario can be allocated),\n"
    "      4 rule script, 5 I/O\n";

#define MAX_AXES 8

struct whatif_opts {
    const char *plan, *output, *svg, *scenarios, *units;
    mp_whatif_axis axes[MAX_AXES];
    size_t naxes;
    int format, quiet, sort, sorted, bom;
};

/* "FROM..TO/N" or a single number; 0 on success. */
static int parse_range(const char *s, mp_whatif_axis *a)
{
    char buf[128];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    char *dots = strstr(buf, ".."), *slash = strrchr(buf, '/');
    if (!dots) {
        a->n = 1;
        return cli_parse_double(buf, &a->from) == 0 ? (a->to = a->from, 0) : -1;
    }
    double n;
    if (!slash || slash < dots)
        return -1;
    *dots = *slash = '\0';
    if (cli_parse_double(buf, &a->from) || cli_parse_double(dots + 2, &a->to) || cli_parse_double(slash + 1, &n))
        return -1;
    if (n < 1 || n > 1e6 || n != floor(n) || (n == 1 && a->from != a->to))
        return -1;
    a->n = (int)n;
    return 0;
}

static int add_axis(struct whatif_opts *o, const char *path, const char *range, const char *flag)
{
    if (o->naxes == MAX_AXES)
        return cli_usage("whatif", "at most %d axes", MAX_AXES);
    mp_whatif_axis *a = &o->axes[o->naxes];
    a->path = path;
    if (parse_range(range, a) != 0)
        return cli_usage("whatif", "%s %s: expected FROM..TO/N (N levels, N >= 2 unless FROM = TO) or "
                         "a number, e.g. 50000..200000/16", flag, range);
    o->naxes++;
    return -1;
}

static int parse(int argc, char **argv, struct whatif_opts *o)
{
    enum { OPT_SCENARIO = 256, OPT_SORT, OPT_SVG };
    static const struct option longopts[] = {
        {"budget", required_argument, NULL, 'b'},   {"set", required_argument, NULL, 's'},
        {"scenario", required_argument, NULL, OPT_SCENARIO}, {"sort", required_argument, NULL, OPT_SORT},
        {"svg", required_argument, NULL, OPT_SVG},  {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},   {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           CLI_BOM_OPTION, CLI_UNITS_OPTION, {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = -1;
    optind = 1;
    opterr = 0;
    int ch, rc;
    while ((ch = getopt_long(argc, argv, ":b:s:f:o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            if ((rc = add_axis(o, "budget", optarg, "--budget")) >= 0)
                return rc;
            break;
        case 's': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                return cli_usage("whatif", "--set %s: expected PATH=FROM..TO/N or PATH=NUMBER", optarg);
            *eq = '\0';
            if ((rc = add_axis(o, optarg, eq + 1, "--set")) >= 0)
                return rc;
            break;
        }
        case OPT_SCENARIO: o->scenarios = optarg; break;
        case CLI_OPT_BOM: o->bom = 1; break;
        case CLI_OPT_UNITS: o->units = optarg; break;
        case OPT_SORT:
            o->sorted = 1;
            o->sort = strcmp(optarg, "mroas") == 0 ? -1 : mp_kpi_lookup(optarg);
            if (o->sort < 0 && strcmp(optarg, "mroas") != 0)
                return cli_usage("whatif", "--sort takes a KPI (gmv, roas, cac, ...) or mroas, not '%s'", optarg);
            break;
        case OPT_SVG:
            if (cli_output_arg("whatif", "--svg", optarg) >= 0)
                return 2;
            o->svg = optarg;
            break;
        case 'f':
            if ((o->format = cli_format_parse(optarg)) < 0)
                return cli_usage("whatif", "--format takes table, csv, json or xlsx, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("whatif", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case 'h': fputs(whatif_help, stdout); return 0;
        case ':': return cli_usage("whatif", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("whatif", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("whatif", optind >= argc ? "which plan? give PLAN.yaml" : "one plan at a time");
    if (!o->naxes && !o->scenarios)
        return cli_usage("whatif", "nothing to vary: give --budget, --set or --scenario");
    if (o->svg && !o->naxes)
        return cli_usage("whatif", "--svg draws along an axis: give --budget or --set PATH=FROM..TO/N");
    o->plan = argv[optind];
    return -1;
}

/* Every axis path exists and both ends of its range are allowed values. */
static int check_axes(const struct whatif_opts *o, const mp_plan *plan)
{
    for (size_t a = 0; a < o->naxes; a++) {
        const mp_whatif_axis *ax = &o->axes[a];
        mp_plan *copy = mp_plan_clone(plan);
        mp_error err = {0};
        if (!copy) {
            mp_fail(&err, MP_ENOMEM, "out of memory");
            return cli_fail(&err);
        }
        enum mp_status st = mp_plan_set(copy, ax->path, ax->from, &err);
        if (st == MP_OK)
            st = mp_plan_set(copy, ax->path, ax->to, &err);
        mp_plan_free(copy);
        if (st == MP_EINPUT)
            return cli_usage("whatif", "%s: %s", strcmp(ax->path, "budget") ? "--set" : "--budget", err.msg);
        if (st != MP_OK)
            return cli_fail(&err);
    }
    return -1;
}

/* A bar on stderr when it is a terminal: scenarios done of all. */
static void progress(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    if (total < 200 || (done % 50 != 0 && done != total))
        return;
    int width = 40, full = (int)((double)width * (double)done / (double)total);
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu scenarios", full, "########################################",
            width - full, "", done, total);
    if (done == total)
        fputc('\n', stderr);
}

CLI_WRITER(whatif_table, mp_whatif_write_table, struct mp_whatif_view)
CLI_WRITER(whatif_csv, mp_whatif_write_csv, struct mp_whatif_view)
CLI_WRITER(whatif_json, mp_whatif_write_json, struct mp_whatif_view)
CLI_WRITER(whatif_xlsx, mp_whatif_write_xlsx, struct mp_whatif_view)
static const struct cli_writers whatif_writers = {whatif_table, whatif_csv, whatif_json, whatif_xlsx};

/* Along the budget axis when there is one, else the first. */
static enum mp_status whatif_svg(FILE *fp, const void *data, mp_error *err)
{
    const struct mp_whatif_view *v = data;
    size_t xaxis = 0;
    for (size_t a = 0; a < v->w->naxes; a++)
        if (strcmp(v->axes[a].path, "budget") == 0)
            xaxis = a;
    return mp_whatif_write_svg(fp, v, xaxis, err);
}
static const struct cli_writers svg_writers = {.table = whatif_svg};

int cmd_whatif(int argc, char **argv)
{
    struct whatif_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_whatif *w = NULL;
    struct mp_scenarios sc = {0};
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK)
        st = cli_units(plan, o.units, &err);
    if (st != MP_OK)
        goto done;
    if ((rc = check_axes(&o, plan)) >= 0)
        goto out;
    if (o.scenarios && (st = mp_scenarios_load(o.scenarios, plan, &sc, &err)) != MP_OK)
        goto done;
    /* Rule packs: each scenario runs the plan's strategies on its own copy and the pack's
     * allocator, as mplan run would. */
    if ((st = mp_plan_whatif(plan, NULL, o.axes, o.naxes, sc.list, sc.n, !o.quiet && isatty(2) ? progress : NULL,
                             NULL, &w, &err)) != MP_OK)
        goto done;
    size_t ok = 0;
    for (size_t i = 0; i < w->nrows; i++)
        ok += w->rows[i].status == MP_OK;
    if (!ok) {
        st = mp_fail(&err, MP_EINFEASIBLE, "%s: no scenario can be allocated: %s", o.plan,
                     w->rows[0].why ? w->rows[0].why : "infeasible");
        goto done;
    }
    struct mp_whatif_view view = {.plan = plan, .w = w, .axes = o.axes, .scenarios = sc.list, .nscenarios = sc.n};
    if (o.svg && (st = cli_output(o.svg, -1, &svg_writers, &view, &err)) != MP_OK)
        goto done;
    if (o.sorted)
        mp_whatif_sort(w, o.sort);
    st = cli_output_ex(o.output, o.format, o.bom ? CLI_OUT_BOM : 0, &whatif_writers, &view, &err);
    if (st == MP_OK && !o.quiet)
        for (size_t i = 0; i < mp_plan_warning_count(plan); i++)
            cli_warn("%s: %s", o.plan, mp_plan_warning(plan, i));
done:
    rc = st == MP_OK ? 0 : cli_fail(&err);
out:
    mp_whatif_free(w);
    mp_scenarios_free(&sc);
    mp_plan_free(plan);
    return rc;
}
