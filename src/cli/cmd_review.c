/* mplan review PLAN.yaml ACTUALS.csv: plan vs actual, refit, re-allocate what is left. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/actuals.h"
#include "io/lock.h"
#include "io/review_out.h"
#include "io/xlsx_out.h"
#include "mplan/review.h"
#include "mplan/run.h"
#include "run/result.h"
#include "run/review_run.h"

static const char review_help[] =
    "usage: mplan review PLAN.yaml ACTUALS.csv [--threshold R] [--write-plan FILE]\n"
    "                    [--format table|csv|json|xlsx] [-o FILE] [--bom]\n"
    "\n"
    "Compare actuals (period,channel,spend,impressions,clicks,orders,gmv[,new_customers])\n"
    "with the plan: every KPI by channel, period and in total, with the channels off plan.\n"
    "Refit each channel's response from its actuals (beta rescaled through the observed\n"
    "total; with 4 or more periods beta and k by least squares), then re-allocate the budget\n"
    "that is left over the periods that are left.\n"
    "\n"
    "  -t, --threshold R     a channel is off plan when its spend, GMV or ROAS differs from\n"
    "                        plan by more than R (default 0.15 = 15%)\n"
    "  -w, --write-plan FILE write the revised plan (atomically): it starts at the first\n"
    "                        remaining period, so 'mplan run FILE' plans only the rest\n"
    "                        (with FILE.lock beside it when PLAN.yaml has a lock)\n"
    "  -f, --format FMT      table (default on a terminal), csv (one row per scope and KPI),\n"
    "                        json, xlsx (a workbook: the review and the revised plan;\n"
    "                        needs -o or a file on standard output)\n"
    "      --bom             CSV: start with a UTF-8 byte-order mark (for Excel)\n"
    "      --units U         amounts in tables: plain, k (12.35M) or wan (1,234.6万)\n"
    "  -o, --output FILE     write there instead of stdout (atomically)\n"
    "  -q, --quiet           no warnings on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan or actuals (file:line), 4 rule script, 5 I/O\n";

struct review_opts {
    const char *plan, *actuals, *output, *write_plan, *units;
    double threshold;
    int format, quiet, bom;
};

static int parse(int argc, char **argv, struct review_opts *o)
{
    static const struct option longopts[] = {
        {"threshold", required_argument, NULL, 't'}, {"write-plan", required_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'f'},    {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
        CLI_BOM_OPTION,                              CLI_UNITS_OPTION,
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = -1;
    o->threshold = 0.15;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":t:w:f:o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            if (cli_parse_double(optarg, &o->threshold) != 0 || o->threshold < 0)
                return cli_usage("review", "--threshold takes a share >= 0 such as 0.15, not '%s'", optarg);
            break;
        case 'w':
            if (cli_output_arg("review", "--write-plan", optarg) >= 0)
                return 2;
            o->write_plan = optarg;
            break;
        case 'f':
            if ((o->format = cli_format_parse(optarg)) < 0)
                return cli_usage("review", "--format takes table, csv, json or xlsx, not '%s'", optarg);
            break;
        case 'o':
            if (cli_output_arg("review", "-o", optarg) >= 0)
                return 2;
            o->output = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case CLI_OPT_BOM: o->bom = 1; break;
        case CLI_OPT_UNITS: o->units = optarg; break;
        case 'h': fputs(review_help, stdout); return 0;
        case ':': return cli_usage("review", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("review", longopts, argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage("review", "give PLAN.yaml and ACTUALS.csv");
    o->plan = argv[optind];
    o->actuals = argv[optind + 1];
    return -1;
}

CLI_WRITER(review_table, mp_review_write_table, struct mp_review_view)
CLI_WRITER(review_csv, mp_review_write_csv, struct mp_review_view)
CLI_WRITER(review_json, mp_review_write_json, struct mp_review_view)
CLI_WRITER(review_xlsx, mp_review_write_xlsx, struct mp_review_view)
static const struct cli_writers review_writers = {review_table, review_csv, review_json, review_xlsx};

static enum mp_status write_plan(const char *path, const mp_plan *revised, const struct review_opts *o,
                                 mp_error *err)
{
    char comment[1024];
    snprintf(comment, sizeof comment,
             "Revised by mplan review: %s with the actuals %s.\n"
             "It plans the %d periods left after %d already spent (see 'spent:'), with refitted\n"
             "responses and what is left of the budget.",
             o->plan, o->actuals, mp_plan_periods(revised), mp_plan_spent_periods(revised));
    enum mp_status st = cli_write_plan(path, revised, comment, err);
    if (st != MP_OK)
        return st;
    /* A locked plan's revision is locked too: the packs were checked against the lock when
     * the plan ran, and the revised plan names them by its own relative paths. */
    char lock[4096];
    if (strcmp(path, "-") == 0 || mp_lock_path(o->plan, lock, sizeof lock) != 0 || access(lock, F_OK) != 0)
        return MP_OK;
    mp_plan *written = NULL;
    if ((st = mp_plan_load(path, &written, err)) == MP_OK)
        st = mp_lock_write(written, err);
    mp_plan_free(written);
    return st;
}

int cmd_review(int argc, char **argv)
{
    struct review_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_actuals *act = NULL;
    struct mp_review_bundle b = {0};
    enum mp_status st = mp_plan_load(o.plan, &plan, &err);
    if (st == MP_OK)
        st = cli_units(plan, o.units, &err);
    if (st == MP_OK)
        st = mp_actuals_load(o.actuals, plan, &act, &err);
    if (st == MP_OK && act->done >= mp_plan_periods(plan) && o.write_plan)
        st = mp_fail(&err, MP_EINFEASIBLE, "%s: the actuals cover the whole horizon: no plan is left to write",
                     o.actuals);
    if (st == MP_OK)
        st = mp_review_bundle_run(plan, NULL, act, o.threshold, 1, &b, &err);
    if (st != MP_OK)
        goto done;
    if (b.revised && o.write_plan && (st = write_plan(o.write_plan, b.revised, &o, &err)) != MP_OK)
        goto done;
    struct mp_run_result remaining = {0};
    if (b.rest)
        mp_run_result_of(b.rest, &remaining);
    struct mp_review_view view = {.plan = mp_run_plan(b.planned), .rv = b.rv, .plan_path = o.plan,
                                  .actuals_path = o.actuals, .remaining = b.rest ? &remaining : NULL, .stay = b.stay,
                                  .actions = b.actions};
    st = cli_output_ex(o.output, o.format, o.bom ? CLI_OUT_BOM : 0, &review_writers, &view, &err);
    if (st == MP_OK && !o.quiet) {
        size_t T = (size_t)mp_plan_periods(plan);
        for (size_t c = 0; c < mp_plan_channel_count(plan); c++) {
            int any = 0;
            for (int t = 0; t < act->done; t++)
                any |= act->seen[c * T + (size_t)t];
            /* a channel that planned nothing for these periods has nothing to report */
            if (!any && b.rv->plan_channel[c].spend > 0)
                cli_warn("%s: no rows for channel '%s': its actuals are taken as zero", o.actuals,
                         mp_plan_channel_id(plan, c));
        }
        for (size_t i = 0; b.revised && i < mp_plan_warning_count(b.revised); i++)
            cli_warn("%s: %s", o.write_plan ? o.write_plan : "revised plan", mp_plan_warning(b.revised, i));
    }
done:
    rc = st == MP_OK ? 0 : cli_fail(&err);
    mp_review_bundle_free(&b);
    mp_actuals_free(act);
    mp_plan_free(plan);
    return rc;
}
