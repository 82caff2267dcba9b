/* mplan report PLAN.yaml [--actuals A.csv] [--history H.csv] -o report.html */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/actuals.h"
#include "io/history.h"
#include "io/report_html.h"
#include "mplan/channel.h"
#include "mplan/run.h"
#include "io/review_out.h"
#include "run/result.h"
#include "run/review_run.h"

static const char report_help[] =
    "usage: mplan report PLAN.yaml [--actuals ACTUALS.csv] [--abtest RESULTS.csv] [--history HISTORY.csv]\n"
    "                   [--threshold R] -o REPORT.html\n"
    "\n"
    "Write the plan as one self-contained HTML page (inline SVG and CSS, no scripts, no\n"
    "network), readable on a phone and printable: allocation by channel over the periods\n"
    "with the event phases shaded, each channel's response curve with the chosen spend and\n"
    "its marginal ROAS, the funnel and audience segments, the KPIs and goal attainment, and\n"
    "with --actuals the plan-vs-actual variance and refits, and what to do with the periods\n"
    "left (changes vs plan, goals at risk, the revised allocation), as mplan review. A plan\n"
    "with experiments: (lift tests) gets an Experiments section: each test beside the plan's\n"
    "forecast of its channel in the window.\n"
    "\n"
    "  -a, --actuals FILE   actuals CSV (docs/plan-format.md)\n"
    "  --abtest FILE        an A/B test's results (as mplan abtest analyze reads them): an\n"
    "                       Experiments section with its lifts, sample-ratio check and verdict\n"
    "  --history FILE       a history as mplan fit reads it: each period as a circle on its\n"
    "                       channel's curve (per-channel GMV; store totals only: said, not drawn;\n"
    "                       a channel on one side only: a warning, its curve without points)\n"
    "  -t, --threshold R    off-plan threshold for the variance (default 0.15)\n"
    "  -o, --output FILE    write there instead of stdout (atomically)\n"
    "  -q, --quiet          no warnings on stderr\n"
    "      --units U        amounts: plain, k (12.35M) or wan (1,234.6万)\n"
    "  -h, --help           this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan, actuals or history, 4 rule script, 5 I/O\n";

CLI_WRITER(report_html, mp_report_write_html, struct mp_report)
static const struct cli_writers report_writers = {.table = report_html};

/* --history: read as mplan fit reads it, its channels matched to the plan's. A channel on one
 * side only is drawn without points (or not at all), with a warning naming it. */
static enum mp_status history_load(const mp_plan *plan, const char *path, int quiet, struct mp_history *h, int **hc,
                                   mp_error *err)
{
    enum mp_status st = mp_history_load(path, h, err);
    if (st != MP_OK)
        return st;
    unsigned char *miss = calloc(plan->nchannels + 1, 1);
    if (!(*hc = calloc(h->C + 1, sizeof **hc)) || !miss) {
        free(miss);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    st = mp_history_match_some(plan, h, *hc, miss, err);
    for (size_t c = 0; st == MP_OK && !quiet && c < h->C; c++)
        if ((*hc)[c] < 0)
            cli_warn("%s:%llu: channel '%s' is in the history but %s the plan %s: ignored", path,
                     (unsigned long long)h->line[c], h->ids[c],
                     mp_channel_lookup(plan, h->ids[c]) < 0 ? "not in" : "has no response curve in", plan->file);
    for (size_t k = 0; st == MP_OK && !quiet && k < plan->nchannels; k++)
        if (miss[k])
            cli_warn("%s: no rows for channel '%s': its curve is drawn without points", path, plan->channels[k].id);
    free(miss);
    return st;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"actuals", required_argument, NULL, 'a'}, {"threshold", required_argument, NULL, 't'},
        {"abtest", required_argument, NULL, 'A'}, {"history", required_argument, NULL, 'H'},
        {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'}, {"quiet", no_argument, NULL, 'q'},
        CLI_UNITS_OPTION,                          {NULL, 0, NULL, 0}};
    const char *output = NULL, *actuals = NULL, *units = NULL, *abtest = NULL, *history = NULL;
    double threshold = 0.15;
    int quiet = 0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":a:t:o:hq", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a': actuals = optarg; break;
        case CLI_OPT_UNITS: units = optarg; break;
        case 'A': abtest = optarg; break;
        case 'H': history = optarg; break;
        case 't':
            if (cli_parse_double(optarg, &threshold) != 0 || threshold < 0)
                return cli_usage("report", "--threshold takes a share >= 0 such as 0.15, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("report", "-o", optarg) >= 0)
                return 2;
            output = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(report_help, stdout); return 0;
        case ':': return cli_usage("report", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("report", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("report", optind >= argc ? "which plan? give PLAN.yaml" : "one plan at a time");

    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_actuals *act = NULL;
    mp_run *run = NULL;
    struct cli_abtest *ab = NULL;
    struct mp_review_bundle b = {0};
    struct mp_history h = {0};
    int *hc = NULL;
    enum mp_status st = mp_plan_load(argv[optind], &plan, &err);
    if (st == MP_OK)
        st = cli_units(plan, units, &err);
    if (st == MP_OK && abtest)
        st = cli_abtest_load(abtest, &ab, &err);
    if (st == MP_OK && history)
        st = history_load(plan, history, quiet, &h, &hc, &err);
    if (st == MP_OK && actuals)
        st = mp_actuals_load(actuals, plan, &act, &err);
    if (st == MP_OK && act) /* the plan, the variance, and what to do with the periods left */
        st = mp_review_bundle_run(plan, NULL, act, threshold, 1, &b, &err);
    else if (st == MP_OK)
        st = mp_plan_run(plan, NULL, &run, &err);
    if (st == MP_OK) {
        struct mp_run_result res, rest = {0};
        mp_run_result_of(act ? b.planned : run, &res);
        if (b.rest)
            mp_run_result_of(b.rest, &rest);
        struct mp_review_view view = {.plan = res.plan, .rv = b.rv, .plan_path = argv[optind], .actuals_path = actuals,
                                      .remaining = b.rest ? &rest : NULL, .stay = b.stay, .actions = b.actions};
        struct mp_report r = {.plan = res.plan, .alloc = res.alloc, .fc = res.fc, .goals = res.goals,
                              .ngoals = res.ngoals, .allocatable = res.allocatable, .rv = b.rv, .actuals_path = actuals,
                              .eq = res.eq, .review = b.actions ? &view : NULL, .abtest = ab ? cli_abtest_view(ab) : NULL,
                              .history = history ? &h : NULL, .history_path = history, .history_channel = hc};
        st = cli_output(output, -1, &report_writers, &r, &err);
    }
    cli_abtest_free(ab);
    free(hc);
    mp_history_free(&h);
    mp_review_bundle_free(&b);
    mp_actuals_free(act);
    mp_run_free(run);
    mp_plan_free(plan);
    return st == MP_OK ? 0 : cli_fail(&err);
}
