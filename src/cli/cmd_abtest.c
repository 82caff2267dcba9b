/* mplan abtest design | analyze: size an A/B test, and read one out (docs/abtest.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/abtest_io.h"
#include "io/abtest_out.h"
#include "lua/pack_metric.h"
#include "mplan/abtest.h"

static const char usage_text[] =
    "usage: mplan abtest design --baseline RATE --mde EFFECT [options]\n"
    "       mplan abtest analyze RESULTS.csv [options]\n"
    "\n"
    "design: visitors per arm (and days) a test needs, and a table against the MDE.\n"
    "  --baseline RATE      control's conversion rate (0.021 or 2.1%), or revenue per visitor\n"
    "  --mde EFFECT         smallest lift worth detecting: 8% (relative) or 0.0017 (absolute)\n"
    "  --power P            default 0.8\n"
    "  --alpha A            two-sided, default 0.05 (split over the comparisons with --variants > 2)\n"
    "  --variants K         arms, control included (default 2)\n"
    "  --traffic N[/day]    visitors a day over all arms: prints the days needed\n"
    "  --metric conversion|revenue, --sd X   revenue per visitor needs its standard deviation\n"
    "  --svg FILE           visitors per arm against MDE as an SVG chart\n"
    "\n"
    "analyze: RESULTS.csv (\"-\": standard input) is one row per variant\n"
    "  (variant,visitors,conversions[,revenue,revenue_sq]) or one row per visitor\n"
    "  (variant,converted[,revenue]); further numeric columns are guardrails.\n"
    "  --control NAME       the control variant (default: 'control' or 'A' if present, else the first)\n"
    "  --metric NAME        primary metric: conversion (default), revenue or a guardrail column\n"
    "  --alpha A            two-sided level, default 0.05\n"
    "  --split 50/50        planned traffic split for the sample-ratio check (default equal)\n"
    "  --horizon N          planned visitors per arm (from design): no verdict before it;\n"
    "                       with --sequential, the size the mixing variance is tuned for\n"
    "  --sequential         always-valid p-values and confidence sequences (mSPRT): look any time\n"
    "  --prior beta(A,B)    prior of the conversion rates (default beta(1,1))\n"
    "  --bootstrap N        bootstrap replicates for revenue per visitor (per-visitor rows;\n"
    "                       default 1000, 0: none)\n"
    "  --seed N             bootstrap seed (default 1)\n"
    "  --lower-is-worse COL a guardrail whose drop is the bad way (repeatable; default: a rise)\n"
    "  --pack DIR|NAME      a rule pack whose metric hooks (pack.yaml provides.metrics) give\n"
    "                       each visitor a number, analysed as revenue is; --metric NAME\n"
    "                       (or PACK.NAME) makes one the primary metric (per-visitor rows)\n"
    "  --param NAME=VALUE   set a param of the pack (repeatable)\n"
    "  --max-steps N, --max-mem BYTES, --timeout SECS, --verbose   limits of each hook call\n"
    "\n"
    "both:\n"
    "  -f, --format F       table, csv or json (default: table on a terminal, else csv)\n"
    "  -o, --output FILE    write there (atomically)\n"
    "\n"
    "exit codes: 0 ok, 2 usage, 3 bad input (file:line), 4 a pack's metric failed (an error,\n"
    "a limit, not a number: pack and hook named), 5 I/O.\n"
    "See docs/abtest.md.\n";

enum {
    OPT_BASELINE = 0x200, OPT_MDE, OPT_POWER, OPT_ALPHA, OPT_VARIANTS, OPT_TRAFFIC, OPT_METRIC, OPT_SD, OPT_SVG,
    OPT_CONTROL, OPT_SPLIT, OPT_HORIZON, OPT_SEQ, OPT_PRIOR, OPT_BOOT, OPT_SEED, OPT_LOWER, OPT_PACK, OPT_PARAM, OPT_FORMAT
};

/* "2.1%" -> 0.021 (*pct = 1), "0.021" -> 0.021. */
static int parse_rate(const char *s, double *v, int *pct)
{
    char buf[64];
    size_t n = strlen(s);
    *pct = n > 0 && s[n - 1] == '%';
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    if (*pct)
        buf[n - 1] = '\0';
    if (cli_parse_double(buf, v))
        return -1;
    if (*pct)
        *v /= 100;
    return 0;
}

CLI_WRITER(design_table, mp_ab_design_write_table, mp_ab_design)
CLI_WRITER(design_csv, mp_ab_design_write_csv, mp_ab_design)
CLI_WRITER(design_json, mp_ab_design_write_json, mp_ab_design)
CLI_WRITER(design_svg, mp_ab_design_write_svg, mp_ab_design)
static const struct cli_writers design_writers = {.table = design_table, .csv = design_csv, .json = design_json};
static const struct cli_writers svg_writers = {.table = design_svg};

CLI_WRITER(ab_table, mp_ab_write_table, struct mp_ab_view)
CLI_WRITER(ab_csv, mp_ab_write_csv, struct mp_ab_view)
CLI_WRITER(ab_json, mp_ab_write_json, struct mp_ab_view)
static const struct cli_writers ab_writers = {.table = ab_table, .csv = ab_csv, .json = ab_json};

static const struct option longopts[] = {
    {"baseline", required_argument, NULL, OPT_BASELINE}, {"mde", required_argument, NULL, OPT_MDE},
    {"power", required_argument, NULL, OPT_POWER},       {"alpha", required_argument, NULL, OPT_ALPHA},
    {"variants", required_argument, NULL, OPT_VARIANTS}, {"traffic", required_argument, NULL, OPT_TRAFFIC},
    {"metric", required_argument, NULL, OPT_METRIC},     {"sd", required_argument, NULL, OPT_SD},
    {"svg", required_argument, NULL, OPT_SVG},           {"control", required_argument, NULL, OPT_CONTROL},
    {"split", required_argument, NULL, OPT_SPLIT},       {"horizon", required_argument, NULL, OPT_HORIZON},
    {"sequential", no_argument, NULL, OPT_SEQ},          {"prior", required_argument, NULL, OPT_PRIOR},
    {"bootstrap", required_argument, NULL, OPT_BOOT},    {"seed", required_argument, NULL, OPT_SEED},
    {"lower-is-worse", required_argument, NULL, OPT_LOWER}, {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},            {"help", no_argument, NULL, 'h'},
    {"pack", required_argument, NULL, OPT_PACK},         {"param", required_argument, NULL, OPT_PARAM},
    CLI_SCRIPT_OPTIONS,
    {NULL, 0, NULL, 0}};

#define MAX_LIST 64

struct args {
    const char *sub, *input, *output, *svg, *metric, *control, *pack;
    struct cli_scripts sc;
    int format;
    /* design */
    double baseline, mde, power, alpha, sd, traffic;
    int mde_rel, variants, have_baseline, have_mde, revenue;
    /* analyze */
    double split[MAX_LIST], horizon, prior_a, prior_b, nboot, seed;
    size_t nsplit, nlower, nparams;
    int sequential;
    const char *lower[MAX_LIST], *params[MAX_LIST];
    unsigned char seen[OPT_FORMAT - OPT_BASELINE + 1];
};

static int parse_args(int argc, char **argv, struct args *A)
{
    const char *cmd = A->sub;
    int ch, idx = 0;
    optind = 2;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":f:o:hv", longopts, &idx)) != -1) {
        double v;
        int pct;
        if (ch == 'f')
            ch = OPT_FORMAT; /* -f, as every command has it */
        if (ch >= OPT_BASELINE && ch <= OPT_FORMAT)
            A->seen[ch - OPT_BASELINE] = 1;
        switch (ch) {
        case OPT_BASELINE:
            if (parse_rate(optarg, &A->baseline, &pct) || !(A->baseline > 0))
                return cli_usage(cmd, "--baseline: '%s' is not a positive number or percentage", optarg);
            A->have_baseline = 1;
            break;
        case OPT_MDE:
            if (parse_rate(optarg, &A->mde, &A->mde_rel) || A->mde == 0)
                return cli_usage(cmd, "--mde: '%s' is not a lift (8%% relative, or 0.0017 absolute)", optarg);
            A->have_mde = 1;
            break;
        case OPT_POWER:
            if (parse_rate(optarg, &A->power, &pct) || !(A->power > 0 && A->power < 1))
                return cli_usage(cmd, "--power: '%s' is not between 0 and 1", optarg);
            break;
        case OPT_ALPHA:
            if (parse_rate(optarg, &A->alpha, &pct) || !(A->alpha > 0 && A->alpha < 1))
                return cli_usage(cmd, "--alpha: '%s' is not between 0 and 1", optarg);
            break;
        case OPT_VARIANTS:
            if (cli_parse_double(optarg, &v) || v < 2 || v > 1000 || v != floor(v))
                return cli_usage(cmd, "--variants: '%s' is not a whole number from 2", optarg);
            A->variants = (int)v;
            break;
        case OPT_TRAFFIC: {
            char buf[64];
            snprintf(buf, sizeof buf, "%s", optarg);
            char *slash = strchr(buf, '/');
            if (slash && strcmp(slash, "/day") != 0 && strcmp(slash, "/d") != 0)
                return cli_usage(cmd, "--traffic: '%s': visitors a day, as 12000 or 12000/day", optarg);
            if (slash)
                *slash = '\0';
            if (cli_parse_double(buf, &A->traffic) || !(A->traffic > 0))
                return cli_usage(cmd, "--traffic: '%s' is not a positive number of visitors a day", optarg);
            break;
        }
        case OPT_METRIC: A->metric = optarg; break;
        case OPT_SD:
            if (cli_parse_double(optarg, &A->sd) || !(A->sd > 0))
                return cli_usage(cmd, "--sd: '%s' is not a positive number", optarg);
            break;
        case OPT_SVG:
            if (cli_output_arg(cmd, "--svg", optarg) >= 0)
                return 2;
            A->svg = optarg;
            break;
        case OPT_CONTROL: A->control = optarg; break;
        case OPT_SPLIT: {
            A->nsplit = 0;
            const char *p = optarg;
            for (;;) {
                char *end;
                double w = strtod(p, &end);
                if (end == p || !(w > 0) || !isfinite(w) || A->nsplit == MAX_LIST)
                    return cli_usage(cmd, "--split: '%s' is not a split like 50/50 or 34/33/33", optarg);
                A->split[A->nsplit++] = w;
                if (*end == '\0')
                    break;
                if (*end != '/' && *end != ':')
                    return cli_usage(cmd, "--split: '%s' is not a split like 50/50 or 34/33/33", optarg);
                p = end + 1;
            }
            break;
        }
        case OPT_HORIZON:
            if (cli_parse_double(optarg, &A->horizon) || !(A->horizon >= 1))
                return cli_usage(cmd, "--horizon: '%s' is not a number of visitors per arm", optarg);
            break;
        case OPT_SEQ: A->sequential = 1; break;
        case OPT_PRIOR: {
            double a, b;
            int k = -1;
            if (sscanf(optarg, "beta(%lf,%lf)%n", &a, &b, &k) != 2 || k < 0 || optarg[k] || !(a > 0) || !(b > 0) ||
                !isfinite(a) || !isfinite(b))
                return cli_usage(cmd, "--prior: '%s' is not beta(A,B) with A, B > 0", optarg);
            A->prior_a = a;
            A->prior_b = b;
            break;
        }
        case OPT_BOOT:
            if (cli_parse_double(optarg, &A->nboot) || A->nboot < 0 || A->nboot > 100000 ||
                A->nboot != floor(A->nboot) || A->nboot == 1)
                return cli_usage(cmd, "--bootstrap: '%s' is not 0 or a number of replicates from 2 to 100000", optarg);
            break;
        case OPT_SEED:
            if (cli_parse_double(optarg, &A->seed) || A->seed < 0 || A->seed != floor(A->seed) || A->seed > 9e15)
                return cli_usage(cmd, "--seed: '%s' is not a whole number", optarg);
            break;
        case OPT_LOWER:
            if (A->nlower == MAX_LIST)
                return cli_usage(cmd, "too many --lower-is-worse");
            A->lower[A->nlower++] = optarg;
            break;
        case OPT_FORMAT:
            if ((A->format = cli_format_parse(optarg)) < 0)
                return cli_usage(cmd, "--format: '%s' is not table, csv or json", optarg);
            break;
        case 'o':
            if (cli_output_arg(cmd, "-o", optarg) >= 0)
                return 2;
            A->output = optarg;
            break;
        case OPT_PACK: A->pack = optarg; break;
        case OPT_PARAM:
            if (A->nparams == MAX_LIST)
                return cli_usage(cmd, "too many --param");
            A->params[A->nparams++] = optarg;
            break;
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, &A->sc, cmd))
                return 2;
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option(cmd, longopts, argv[optind - 1]);
        }
    }
    return -1;
}

static int only_for(const struct args *A, const int *opts, size_t n, const char *which)
{
    for (size_t i = 0; i < n; i++)
        if (A->seen[opts[i] - OPT_BASELINE]) {
            const char *name = "?";
            for (const struct option *o = longopts; o->name; o++)
                if (o->val == opts[i])
                    name = o->name;
            return cli_usage(A->sub, "--%s is an option of 'abtest %s'", name, which);
        }
    return -1;
}

static int design(struct args *A)
{
    static const int analyze_only[] = {OPT_CONTROL, OPT_SPLIT, OPT_HORIZON, OPT_SEQ, OPT_PRIOR, OPT_BOOT,
                                       OPT_SEED, OPT_LOWER, OPT_PACK, OPT_PARAM};
    int rc = only_for(A, analyze_only, sizeof analyze_only / sizeof *analyze_only, "analyze");
    if (rc >= 0)
        return rc;
    if (A->input)
        return cli_usage(A->sub, "design takes no file: give --baseline and --mde");
    if (!A->have_baseline || !A->have_mde)
        return cli_usage(A->sub, "design needs --baseline (the control's rate) and --mde (the smallest lift "
                                 "worth detecting)");
    if (A->metric && strcmp(A->metric, "conversion") && strcmp(A->metric, "revenue"))
        return cli_usage(A->sub, "--metric: '%s' is not conversion or revenue", A->metric);
    mp_ab_design d = {.revenue = A->metric && strcmp(A->metric, "revenue") == 0, .baseline = A->baseline,
                      .sd = A->sd, .mde = A->mde, .mde_rel = A->mde_rel, .alpha = A->alpha, .power = A->power,
                      .variants = A->variants, .traffic = A->traffic};
    if (!d.revenue && A->sd > 0)
        return cli_usage(A->sub, "--sd is for --metric revenue");
    mp_error err = {0};
    enum mp_status st = mp_ab_design_solve(&d, &err);
    if (st == MP_EUSAGE)
        return cli_usage(A->sub, "%s", err.msg);
    if (st == MP_OK && A->svg)
        st = cli_output(A->svg, CLI_TABLE, &svg_writers, &d, &err);
    if (st == MP_OK)
        st = cli_output(A->output, A->format, &design_writers, &d, &err);
    return st == MP_OK ? 0 : cli_fail(&err);
}

/* A read-out: the data, the metrics with the primary first, the result, and the view the
 * writers (and the report's Experiments section) take. */
struct cli_abtest {
    struct mp_pack_metrics *pm; /* --pack: its metric hooks */
    struct mp_ab_data *d;
    mp_ab_metric_in *ms;
    mp_ab_result *res;
    struct mp_ab_view v;
};

void cli_abtest_free(struct cli_abtest *a)
{
    if (!a)
        return;
    mp_ab_result_free(a->res);
    free(a->ms);
    mp_ab_data_free(a->d);
    mp_pack_metrics_free(a->pm);
    free(a);
}

const struct mp_ab_view *cli_abtest_view(const struct cli_abtest *a)
{
    return &a->v;
}

/* --pack: its metrics for the reader; --metric PACK.NAME is the metric NAME, and a pack
 * metric chosen as primary is the one bootstrapped (as revenue is otherwise). */
static enum mp_status pack_metrics(const struct args *A, struct cli_abtest *a, struct mp_ab_read_opts *ro,
                                   const char **metric, mp_error *err)
{
    MP_TRY(mp_pack_metrics_open(A->pack, A->params, A->nparams, &A->sc.limits, A->sc.verbose, &a->pm, err));
    ro->row_metrics = mp_pack_metrics_list(a->pm, &ro->nrow_metrics);
    const char *pack = mp_pack_metrics_pack(a->pm);
    size_t n = strlen(pack);
    if (strncmp(*metric, pack, n) == 0 && (*metric)[n] == '.')
        *metric += n + 1;
    for (size_t i = 0; i < ro->nrow_metrics; i++)
        if (strcmp(ro->row_metrics[i].name, *metric) == 0)
            ro->boot_metric = *metric;
    return MP_OK;
}

/* Read and analyse A->input as `analyze` does. MP_EUSAGE for an option that does not fit
 * the file (an unknown --metric, a --split of another length). */
static enum mp_status abtest_load(const struct args *A, struct cli_abtest **out, mp_error *err)
{
    *out = NULL;
    struct cli_abtest *a = calloc(1, sizeof *a);
    if (!a)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    const char *metric = A->metric ? A->metric : "conversion";
    struct mp_ab_read_opts ro = {.nboot = (size_t)A->nboot, .seed = (uint64_t)A->seed, .lower_is_worse = A->lower,
                                 .nlower = A->nlower};
    enum mp_status st = A->pack ? pack_metrics(A, a, &ro, &metric, err) : MP_OK;
    if (st == MP_OK)
        st = mp_ab_read(A->input, &ro, &a->d, err);
    struct mp_ab_data *d = a->d;
    long control = 0, primary = 0;
    if (st == MP_OK) {
        if (A->control) {
            control = mp_ab_data_arm(d, A->control);
            if (control < 0) {
                char list[512];
                size_t o = 0;
                for (size_t i = 0; i < d->narms && o < sizeof list; i++)
                    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", d->arms[i]);
                st = mp_fail(err, MP_EINPUT, "%s: no variant '%s' to be the control (variants: %s)", d->name,
                             A->control, list);
            }
        } else if ((control = mp_ab_data_arm(d, "control")) < 0 && (control = mp_ab_data_arm(d, "A")) < 0) {
            control = 0;
        }
    }
    if (st == MP_OK && (primary = mp_ab_data_metric(d, metric)) < 0) {
        char list[512];
        size_t o = 0;
        for (size_t m = 0; m < d->nmetrics && o < sizeof list; m++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", m ? ", " : "", d->metrics[m].name);
        st = mp_fail(err, MP_EUSAGE, "--metric: no metric '%s' in %s (metrics: %s)", metric, d->name, list);
    }
    if (st == MP_OK && A->nsplit && A->nsplit != d->narms)
        st = mp_fail(err, MP_EUSAGE, "--split gives %zu shares for %zu variants", A->nsplit, d->narms);
    if (st == MP_OK && !(a->ms = malloc(d->nmetrics * sizeof *a->ms)))
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    mp_ab_opts o = {.alpha = A->alpha, .prior_a = A->prior_a, .prior_b = A->prior_b,
                    .split = A->nsplit ? A->split : NULL, .sequential = A->sequential, .horizon = A->horizon};
    if (st == MP_OK) {
        /* the primary metric first; a guardrail chosen as primary is judged as one */
        size_t k = 0;
        a->ms[k++] = d->metrics[primary];
        a->ms[0].guardrail = 0;
        for (size_t m = 0; m < d->nmetrics; m++)
            if ((long)m != primary)
                a->ms[k++] = d->metrics[m];
        o.nboot = d->per_visitor ? (size_t)A->nboot : 0;
        st = mp_ab_analyze(d->narms, (const char *const *)d->arms, (size_t)control, a->ms, d->nmetrics, &o, &a->res,
                           err);
        if (st == MP_EINPUT) { /* name the file */
            char msg[MP_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            mp_fail(err, st, "%s: %s", d->name, msg);
        }
    }
    if (st != MP_OK) {
        cli_abtest_free(a);
        return st;
    }
    size_t nign = 0;
    const char **ignored = mp_ab_data_ignored(d, &nign);
    a->v = (struct mp_ab_view){.input = d->name, .per_visitor = d->per_visitor, .rows = d->rows, .narms = d->narms,
                               .control = (size_t)control, .arms = (const char *const *)d->arms,
                               .nmetrics = d->nmetrics, .metrics = a->ms, .res = a->res, .opts = o,
                               .ignored = ignored, .nignored = nign};
    *out = a;
    return MP_OK;
}

static const struct args default_args = {.sub = "abtest", .format = -1, .power = 0.8, .alpha = 0.05,
                                         .variants = 2, .prior_a = 1, .prior_b = 1, .nboot = 1000, .seed = 1};

enum mp_status cli_abtest_load(const char *path, struct cli_abtest **out, mp_error *err)
{
    struct args A = default_args;
    A.input = path;
    return abtest_load(&A, out, err);
}

static int analyze(struct args *A)
{
    static const int design_only[] = {OPT_BASELINE, OPT_MDE, OPT_POWER, OPT_VARIANTS, OPT_TRAFFIC, OPT_SD,
                                      OPT_SVG};
    int rc = only_for(A, design_only, sizeof design_only / sizeof *design_only, "design");
    if (rc >= 0)
        return rc;
    if (!A->input)
        return cli_usage(A->sub, "which results? give RESULTS.csv (or - for standard input)");
    char pack_dir[4096];
    if (A->pack && (rc = cli_pack_dir(A->pack, pack_dir, sizeof pack_dir)) != 0)
        return rc;
    if (A->pack)
        A->pack = pack_dir;
    mp_error err = {0};
    struct cli_abtest *a = NULL;
    enum mp_status st = abtest_load(A, &a, &err);
    if (st == MP_OK)
        st = cli_output(A->output, A->format, &ab_writers, &a->v, &err);
    cli_abtest_free(a);
    if (st == MP_EUSAGE)
        return cli_usage(A->sub, "%s", err.msg);
    return st == MP_OK ? 0 : cli_fail(&err);
}

int cmd_abtest(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct args A = default_args;
    int design_cmd = strcmp(argv[1], "design") == 0;
    if (!design_cmd && strcmp(argv[1], "analyze") != 0)
        return cli_usage("abtest", "'%s' is not design or analyze", argv[1]);
    int rc = parse_args(argc, argv, &A);
    if (rc >= 0)
        return rc;
    if (optind < argc)
        A.input = argv[optind++];
    if (optind < argc)
        return cli_usage("abtest", "one results file at a time ('%s' is one too many)", argv[optind]);
    return design_cmd ? design(&A) : analyze(&A);
}
