/* mplan fit HISTORY.csv: response curves and carry-over estimated from a store's history. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "run/fit_run.h"
#include "mplan/fit.h"
#include "mplan/plan.h"

static const char fit_help[] =
    "usage: mplan fit HISTORY.csv [--plan PLAN.yaml] [--write-plan OUT.yaml] [--holdout N]\n"
    "                 [--bootstrap N] [--seed N] [--starts N]\n"
    "                 [--prior-spread S | --prior-weight W]\n"
    "                 [--events FILE] [--total-gmv FILE] [--experiments FILE]\n"
    "                 [--pack DIR|NAME [--transform NAME]]\n"
    "                 [--format table|csv|json] [-o FILE]\n"
    "\n"
    "Estimate each channel's response curve (hill, exp or linear) and carry-over (theta) from\n"
    "the store's history, with the plan's own model (docs/fit.md). HISTORY.csv is either\n"
    "  per channel:  period,channel,spend,gmv[,impressions,clicks,orders,new_customers]\n"
    "  store totals: period,gmv,<channel>,<channel>... (one spend column per channel)\n"
    "with `period` a number (1, 2, ...) or the period's first day (YYYY-MM-DD).\n"
    "\n"
    "  -p, --plan FILE        channels, curve families, priors and events from this plan\n"
    "  -w, --write-plan FILE  write the plan with the fitted response:, theta: (and funnel:)\n"
    "                         (needs --plan; atomically)\n"
    "      --holdout N        keep the last N periods out of the estimate and report the\n"
    "                         forecast error on them (default 1/8 of the history; 0: none)\n"
    "      --bootstrap N      N moving-block bootstrap refits: 90% intervals, and the draws\n"
    "                         in --write-plan for 'mplan run --uncertainty'\n"
    "      --seed N           the bootstrap's seed (default 1)\n"
    "      --starts N         deterministic starts of the search (default 8)\n"
    "      --prior-spread S   how far the plan's curves may be off: a ridge toward them of\n"
    "                         this spread (beta within about S x 100%, k within e^S);\n"
    "                         default: store totals 0.4, per channel none (docs/fit.md)\n"
    "      --prior-weight W   a ridge of fixed weight instead, in units of the total sum of\n"
    "                         squares (0: none)\n"
    "      --events FILE      event,from,to: the outbreaks in the history (default: the\n"
    "                         plan's events moved by whole years)\n"
    "      --total-gmv FILE   period,gmv: store GMV for a per-channel history without gmv\n"
    "      --experiments FILE channel,from,to,gmv|roas,lo,hi[,level]: lift tests that\n"
    "                         calibrate the fit (see docs/fit.md)\n"
    "      --pack DIR|NAME    a rule pack whose fit_transform hook cleans the history's rows\n"
    "                         first (drops a stock-out's weeks, ...)\n"
    "      --transform NAME   which fit_transform of the pack, NAME or PACK.NAME (default:\n"
    "                         its only one)\n"
    "      --param NAME=VALUE set a param of the pack (repeatable; over the plan's packs: entry)\n"
    "      --max-steps N, --max-mem BYTES, --timeout SECS, --verbose   the hook's limits\n"
    "  -f, --format FMT       table (default on a terminal), csv, json\n"
    "  -o, --output FILE      write there instead of stdout (atomically)\n"
    "  -q, --quiet            no warnings on stderr\n"
    "  -h, --help             this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad history, plan or too few periods (file:line), 4 the\n"
    "fit_transform failed (an error, a limit, rows that are not a history: pack and hook\n"
    "named), 5 I/O\n";

enum { OPT_HOLDOUT = 0x200, OPT_BOOT, OPT_SEED, OPT_STARTS, OPT_PRIOR, OPT_SPREAD, OPT_EVENTS, OPT_TOTAL, OPT_EXP, OPT_PACK,
       OPT_TRANSFORM, OPT_PARAM };

#define MAX_PARAMS 64

struct fit_opts {
    const char *history, *plan, *write_plan, *output, *events, *total, *experiments, *pack, *transform;
    struct cli_scripts sc;
    char pack_dir[4096];
    const char *params[MAX_PARAMS];
    size_t nparams;
    int holdout, bootstrap, starts, format, quiet;
    uint64_t seed;
    double prior_weight, prior_spread;
};

static int int_arg(const char *flag, const char *s, int lo, int hi, int *out)
{
    double v;
    if (cli_parse_double(s, &v) != 0 || v != floor(v) || v < lo || v > hi)
        return cli_usage("fit", "%s takes a whole number from %d to %d, not '%s'", flag, lo, hi, s);
    *out = (int)v;
    return -1;
}

static int parse(int argc, char **argv, struct fit_opts *o)
{
    static const struct option longopts[] = {
        {"plan", required_argument, NULL, 'p'},          {"write-plan", required_argument, NULL, 'w'},
        {"holdout", required_argument, NULL, OPT_HOLDOUT}, {"bootstrap", required_argument, NULL, OPT_BOOT},
        {"seed", required_argument, NULL, OPT_SEED},     {"starts", required_argument, NULL, OPT_STARTS},
        {"prior-weight", required_argument, NULL, OPT_PRIOR}, {"prior-spread", required_argument, NULL, OPT_SPREAD},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"total-gmv", required_argument, NULL, OPT_TOTAL}, {"experiments", required_argument, NULL, OPT_EXP},
        {"format", required_argument, NULL, 'f'},        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},               {"help", no_argument, NULL, 'h'},
        {"pack", required_argument, NULL, OPT_PACK},     {"transform", required_argument, NULL, OPT_TRANSFORM},
        {"param", required_argument, NULL, OPT_PARAM},
        CLI_SCRIPT_OPTIONS,                              {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = -1;
    o->holdout = -1;
    o->seed = 1;
    o->prior_weight = -1;
    o->prior_spread = -1;
    optind = 1;
    opterr = 0;
    int ch, rc, idx = 0;
    double v;
    while ((ch = getopt_long(argc, argv, ":p:w:f:o:qvh", longopts, &idx)) != -1) {
        switch (ch) {
        case 'p': o->plan = optarg; break;
        case 'w':
            if (cli_output_arg("fit", "--write-plan", optarg) >= 0)
                return 2;
            o->write_plan = optarg;
            break;
        case OPT_HOLDOUT:
            if ((rc = int_arg("--holdout", optarg, 0, 100000, &o->holdout)) >= 0)
                return rc;
            break;
        case OPT_BOOT:
            if ((rc = int_arg("--bootstrap", optarg, 0, 100000, &o->bootstrap)) >= 0)
                return rc;
            break;
        case OPT_STARTS:
            if ((rc = int_arg("--starts", optarg, 1, 1000, &o->starts)) >= 0)
                return rc;
            break;
        case OPT_SEED:
            if (cli_parse_double(optarg, &v) != 0 || v != floor(v) || v < 0 || v > 9007199254740992.0)
                return cli_usage("fit", "--seed takes a whole number >= 0, not '%s'", optarg);
            o->seed = (uint64_t)v;
            break;
        case OPT_PRIOR:
            if (cli_parse_double(optarg, &o->prior_weight) != 0 || !(o->prior_weight >= 0) || o->prior_weight > 1e6)
                return cli_usage("fit", "--prior-weight takes a number from 0 to 1e6, not '%s'", optarg);
            break;
        case OPT_SPREAD:
            if (cli_parse_double(optarg, &o->prior_spread) != 0 || !(o->prior_spread > 0) || o->prior_spread > 100)
                return cli_usage("fit", "--prior-spread takes a number above 0, up to 100, not '%s'", optarg);
            break;
        case OPT_EVENTS: o->events = optarg; break;
        case OPT_TOTAL: o->total = optarg; break;
        case OPT_EXP: o->experiments = optarg; break;
        case 'f':
            if ((o->format = cli_format_parse(optarg)) < 0)
                return cli_usage("fit", "--format takes table, csv or json, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("fit", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case OPT_PACK: o->pack = optarg; break;
        case OPT_TRANSFORM: o->transform = optarg; break;
        case OPT_PARAM:
            if (o->nparams == MAX_PARAMS)
                return cli_usage("fit", "too many --param");
            o->params[o->nparams++] = optarg;
            break;
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, &o->sc, "fit"))
                return 2;
            break;
        case 'h': fputs(fit_help, stdout); return 0;
        case ':': return cli_usage("fit", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("fit", longopts, argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage("fit", "give one HISTORY.csv");
    if (o->prior_weight >= 0 && o->prior_spread > 0)
        return cli_usage("fit", "give --prior-spread or --prior-weight, not both (a spread sets the ridge's weight "
                         "from the noise)");
    if (o->write_plan && !o->plan)
        return cli_usage("fit", "--write-plan needs --plan (the plan to write the fitted curves into)");
    if ((o->transform || o->nparams) && !o->pack)
        return cli_usage("fit", "%s is for the hook of --pack: give the pack", o->transform ? "--transform" : "--param");
    if (o->pack && (rc = cli_pack_dir(o->pack, o->pack_dir, sizeof o->pack_dir)) != 0)
        return rc;
    if (o->pack)
        o->pack = o->pack_dir;
    o->history = argv[optind];
    return -1;
}

CLI_WRITER(fit_table, mp_fit_write_table, struct mp_fit_view)
CLI_WRITER(fit_csv, mp_fit_write_csv, struct mp_fit_view)
CLI_WRITER(fit_json, mp_fit_write_json, struct mp_fit_view)
static const struct cli_writers fit_writers = {.table = fit_table, .csv = fit_csv, .json = fit_json};

static enum mp_status write_plan(const struct fit_opts *o, const mp_plan *fitted, mp_error *err)
{
    char comment[1024];
    snprintf(comment, sizeof comment, "Fitted by mplan fit: %s with the history %s.\n"
             "The channels' response:, theta: (and funnel:) are estimated from the history (docs/fit.md).",
             o->plan, o->history);
    return cli_write_plan(o->write_plan, fitted, comment, err);
}

int cmd_fit(int argc, char **argv)
{
    struct fit_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    mp_error err = {0};
    mp_plan *plan = NULL, *fitted = NULL;
    struct mp_fit_job job;
    memset(&job, 0, sizeof job);
    struct mp_fit_job_opts jo = {.history = o.history, .events = o.events, .total = o.total,
                                 .experiments = o.experiments, .holdout = o.holdout, .bootstrap = o.bootstrap,
                                 .starts = o.starts, .seed = o.seed, .prior_weight = o.prior_weight,
                                 .prior_spread = o.prior_spread,
                                 .pack = o.pack, .transform = o.transform, .params = o.params,
                                 .nparams = o.nparams, .limits = o.sc.limits,
                                 .verbose = o.sc.verbose};
    enum mp_status st = MP_OK;
    if (o.plan)
        st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK)
        st = mp_fit_job_run(plan, o.plan, &jo, &job, &err);
    if (st != MP_OK)
        goto done;
    if (o.write_plan) {
        if (!(fitted = mp_fit_job_plan(&job, plan))) {
            st = mp_fail(&err, MP_ENOMEM, "out of memory");
            goto done;
        }
        if ((st = write_plan(&o, fitted, &err)) != MP_OK)
            goto done;
    }
    st = cli_output(o.output, o.format, &fit_writers, &job.view, &err);
    /* a table on the terminal has the fits' own warnings under "Warnings:" already */
    int shown = (!o.output || strcmp(o.output, "-") == 0) && isatty(STDOUT_FILENO) &&
                (o.format < 0 || o.format == CLI_TABLE);
    for (size_t i = 0; st == MP_OK && !o.quiet && i < job.nwarnings; i++)
        if (!shown || i < job.fit_warn[0] || i >= job.fit_warn[1])
            cli_warn("%s", job.warnings[i]);
done:
    rc = st == MP_OK ? 0 : st == MP_EUSAGE ? cli_usage("fit", "%s", err.msg) : cli_fail(&err);
    mp_fit_job_free(&job);
    mp_plan_free(fitted);
    mp_plan_free(plan);
    return rc;
}
