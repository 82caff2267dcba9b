/* mplan diff A B: compare two plans or two saved runs (original vs revised, this quarter vs
 * last) by channel, period and goal. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/diff_io.h"
#include "mplan/diff.h"
#include "mplan/run.h"
#include "run/result.h"

static const char diff_help[] =
    "usage: mplan diff A B [--by channel|period|both] [--periods date|position]\n"
    "                  [--units plain|k|wan] [--format table|csv|json] [-o FILE]\n"
    "\n"
    "Compare two plans or two runs: A and B are each a plan (YAML: run as 'mplan run' runs\n"
    "it) or a run saved with 'mplan run --format json -o FILE'. Spend, GMV, new customers and\n"
    "ROAS in total, by channel and by period, and the goals, with the change B - A and\n"
    "B / A - 1. Channels and periods present on one side only are shown as such.\n"
    "\n"
    "  -b, --by WHAT         channel, period or both (default both)\n"
    "  -p, --periods HOW     pair periods by start date or by position (week 1 with week 1);\n"
    "                        default: by date when the two share a period start, else by position\n"
    "      --units U         amounts in tables: plain (12,345,678), k (12.35M) or wan\n"
    "                        (1,234.6万); default: A's (its store.locale)\n"
    "  -f, --format FMT      table (default on a terminal), csv (one row per scope and value),\n"
    "                        json\n"
    "  -o, --output FILE     write there instead of stdout (atomically)\n"
    "  -q, --quiet           no warnings on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan or run file, 4 rule script, 5 I/O\n";

struct diff_opts {
    const char *a, *b, *output;
    int format, quiet;
    int units; /* --units, -1: A's */
    enum mp_diff_by by;
    enum mp_diff_align align;
};

static int parse(int argc, char **argv, struct diff_opts *o)
{
    static const struct option longopts[] = {
        {"by", required_argument, NULL, 'b'},     {"periods", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        CLI_UNITS_OPTION,                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = -1;
    o->units = -1;
    o->by = MP_DIFF_BY_BOTH;
    o->align = MP_DIFF_ALIGN_AUTO;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":b:p:f:o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            if (strcmp(optarg, "channel") == 0)
                o->by = MP_DIFF_BY_CHANNEL;
            else if (strcmp(optarg, "period") == 0)
                o->by = MP_DIFF_BY_PERIOD;
            else if (strcmp(optarg, "both") == 0)
                o->by = MP_DIFF_BY_BOTH;
            else
                return cli_usage("diff", "--by takes channel, period or both, not '%s'", optarg);
            break;
        case 'p':
            if (strcmp(optarg, "date") == 0)
                o->align = MP_DIFF_ALIGN_DATE;
            else if (strcmp(optarg, "position") == 0)
                o->align = MP_DIFF_ALIGN_POSITION;
            else
                return cli_usage("diff", "--periods takes date or position, not '%s'", optarg);
            break;
        case 'f':
            if ((o->format = cli_format_parse(optarg)) < 0)
                return cli_usage("diff", "--format takes table, csv or json, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("diff", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case CLI_OPT_UNITS:
            if ((o->units = mp_units_parse(optarg)) < 0)
                return cli_usage("diff", "--units takes plain, k or wan, not '%s'", optarg);
            break;
        case 'h': fputs(diff_help, stdout); return 0;
        case ':': return cli_usage("diff", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("diff", longopts, argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage("diff", "give two plans or saved runs: A and B");
    o->a = argv[optind];
    o->b = argv[optind + 1];
    return -1;
}

CLI_WRITER(diff_table, mp_diff_write_table, struct mp_diff_view)
CLI_WRITER(diff_csv, mp_diff_write_csv, struct mp_diff_view)
CLI_WRITER(diff_json, mp_diff_write_json, struct mp_diff_view)
static const struct cli_writers diff_writers = {.table = diff_table, .csv = diff_csv, .json = diff_json};

/* One side: a saved run as it is, or a plan run now; *units: how its plan shows amounts. */
static enum mp_status load_side(const char *path, int quiet, mp_diff_side *side, enum mp_units *units, mp_error *err)
{
    if (mp_diff_looks_json(path))
        return mp_diff_side_load_json(path, side, units, err);
    mp_plan *plan = NULL;
    mp_run *run = NULL;
    enum mp_status st = mp_plan_load(path, &plan, err);
    if (st == MP_OK)
        st = mp_plan_run(plan, NULL, &run, err);
    if (st == MP_OK) {
        struct mp_run_result res;
        mp_run_result_of(run, &res);
        st = mp_diff_side_of_run(&res, path, side, units, err);
        for (size_t i = 0; st == MP_OK && !quiet && i < mp_run_warning_count(run); i++)
            cli_warn("%s: %s", path, mp_run_warning(run, i));
    }
    mp_run_free(run);
    mp_plan_free(plan);
    return st;
}

int cmd_diff(int argc, char **argv)
{
    struct diff_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    mp_error err = {0};
    mp_diff_side a = {0}, b = {0};
    mp_diff *d = NULL;
    enum mp_units units = MP_UNITS_PLAIN, unused; /* A's decide */
    enum mp_status st = load_side(o.a, o.quiet, &a, &units, &err);
    if (st == MP_OK)
        st = load_side(o.b, o.quiet, &b, &unused, &err);
    if (st == MP_OK)
        st = mp_diff_run(&a, &b, o.align, &d, &err);
    if (st == MP_OK) {
        struct mp_diff_view view = {d, o.by, o.units >= 0 ? (enum mp_units)o.units : units};
        st = cli_output(o.output, o.format, &diff_writers, &view, &err);
    }
    mp_diff_free(d);
    mp_diff_side_clear(&a);
    mp_diff_side_clear(&b);
    return st == MP_OK ? 0 : cli_fail(&err);
}
