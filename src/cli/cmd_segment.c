/* mplan segment: run a segmenter over a customers file and print the per-label summary, the
 * flow from an earlier snapshot, or a partial summary to merge later. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/segment_io.h"
#include "io/xlsx_out.h"
#include "mplan/segment.h"

static const char usage_text[] =
    "usage: mplan segment CUSTOMERS.csv --pack DIR --rule NAME [options]\n"
    "       mplan segment CUSTOMERS.csv --flow BEFORE.csv --pack DIR --rule NAME [options]\n"
    "       mplan segment --merge PARTIAL... [--format F] [--partial] [-o FILE]\n"
    "\n"
    "Runs the pack's segmenter on every row of CUSTOMERS.csv (\"-\": standard input),\n"
    "streaming, and prints per label the count, share, sum and mean of every numeric column.\n"
    "\n"
    "options:\n"
    "  --pack DIR           rule pack directory\n"
    "  --rule NAME          segmenter the pack exports\n"
    "  --param NAME=VALUE   set a pack param (repeatable)\n"
    "  --labels FILE        write ID,label[,score] for every customer (\"-\": standard\n"
    "                       output, and the summary only with -o)\n"
    "  --flow BEFORE.csv    label-to-label transition matrix from BEFORE.csv to CUSTOMERS.csv\n"
    "  --key COLUMN         customer id column (default: the first)\n"
    "  --jobs N             worker threads (default: the number of online CPUs)\n"
    "  --format F           table, csv, json or xlsx (default: table on a terminal, else\n"
    "                       csv; xlsx needs -o or a file on standard output)\n"
    "  --bom                CSV: start with a UTF-8 byte-order mark (for Excel)\n"
    "  -o, --output FILE    write the output to FILE (atomically)\n"
    "  --partial            print a partial summary for --merge (JSON lines)\n"
    "  --merge              combine the partial summaries named on the command line\n"
    "  --header A,B,...     column names for input without a header row\n"
    "  --columns A,B,...    the numeric columns the summary shows (default: every one)\n"
    "  --skip-bad           skip bad rows (counted and reported) instead of failing\n"
    "  --max-field BYTES    longest field accepted (default 65536)\n"
    "  --max-steps N        instructions per segmenter call (default 1e9)\n"
    "  --max-mem BYTES      memory of the rule scripts (default 512M)\n"
    "  --timeout SECONDS    wall time per segmenter call (default 10; 500ms)\n"
    "  --verbose            Lua traceback with rule errors\n"
    "  -q, --quiet          no progress bar, no warnings\n"
    "\n"
    "exit codes: 0 ok, 2 usage, 3 bad input (CSV: file:line), 4 rule failed, 5 I/O error.\n"
    "See docs/segment.md.\n";

struct progress {
    int on;
    int drawn;
    double t0;        /* first report of the pass being shown ... */
    uint64_t done0;   /* ... and the bytes done then */
    const char *what; /* that pass */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_cb(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    struct progress *p = ctx;
    if (!p->on)
        return;
    if (what != p->what) {
        p->what = what;
        p->t0 = now_s();
        p->done0 = done;
    }
    double mb = (double)done / 1e6, dt = now_s() - p->t0;
    double rate = dt > 0 ? (double)(done - p->done0) / 1e6 / dt : 0;
    if (total) {
        double f = (double)done / (double)total;
        if (f > 1)
            f = 1;
        int bar = (int)(f * 30);
        fprintf(stderr, "\r\033[K%s [%.*s%*s] %3.0f%% %.0f MB/s", what, bar, "##############################",
                30 - bar, "", 100 * f, rate);
    } else {
        fprintf(stderr, "\r\033[K%s %.1f MB %.0f MB/s", what, mb, rate);
    }
    fflush(stderr);
    p->drawn = 1;
}

static void progress_end(struct progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = 0;
}

static void warn_cb(void *ctx, const char *msg)
{
    progress_end(ctx);
    cli_warn("%s", msg);
}

/* Columns with both numbers and text are left out of the sums: say so. */
static void warn_mixed(const mp_seg_summary *s)
{
    for (size_t c = 0; c < mp_seg_column_count(s); c++)
        if ((long)c != mp_seg_key_column(s) && mp_seg_text(s, c) && mp_seg_total_n(s, c))
            cli_warn("column '%s' not summed: %llu value%s not a number", mp_seg_column_name(s, c),
                     (unsigned long long)mp_seg_text(s, c), mp_seg_text(s, c) == 1 ? " is" : "s are");
}

static int parse_size(const char *s, double *out)
{
    return cli_parse_double(s, out) != 0 || *out < 0 ? -1 : 0;
}

/* Split "a,b,c" into names (the strings point into a copy the caller frees). */
static char **split_names(const char *s, size_t *n, char **copy)
{
    *copy = strdup(s);
    size_t k = 1;
    for (const char *p = s; *p; p++)
        k += *p == ',';
    char **v = calloc(k, sizeof *v);
    if (!*copy || !v) {
        free(v);
        return NULL;
    }
    *n = 0;
    for (char *p = *copy, *t; (t = strsep(&p, ",")) != NULL;)
        v[(*n)++] = t;
    return v;
}

CLI_WRITER(seg_table, mp_seg_write_table, mp_seg_summary)
CLI_WRITER(seg_csv, mp_seg_write_csv, mp_seg_summary)
CLI_WRITER(seg_json, mp_seg_write_json, mp_seg_summary)
CLI_WRITER(seg_partial, mp_seg_write_partial, mp_seg_summary)
CLI_WRITER(flow_table, mp_seg_write_flow_table, struct mp_seg_flow_view)
CLI_WRITER(flow_csv, mp_seg_write_flow_csv, struct mp_seg_flow_view)
CLI_WRITER(flow_json, mp_seg_write_flow_json, struct mp_seg_flow_view)
CLI_WRITER(seg_xlsx, mp_seg_write_xlsx, mp_seg_summary)
CLI_WRITER(flow_xlsx, mp_seg_write_flow_xlsx, struct mp_seg_flow_view)
static const struct cli_writers summary_writers = {seg_table, seg_csv, seg_json, seg_xlsx};
static const struct cli_writers flow_writers = {flow_table, flow_csv, flow_json, flow_xlsx};
static const struct cli_writers partial_writers = {.table = seg_partial};

/* --columns A,B: the summary shows these numeric columns only. MP_EUSAGE names one that is not
 * a numeric column of the file, with those that are. */
static enum mp_status select_columns(mp_seg_summary *s, const char *columns, mp_error *err)
{
    size_t n = 0;
    char *copy = NULL;
    char **names = split_names(columns, &n, &copy);
    long bad = names ? mp_seg_select(s, (const char *const *)names, n) : -2;
    enum mp_status st = MP_OK;
    if (bad == -2) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    } else if (bad >= 0) {
        char list[1024] = "";
        size_t len = 0;
        for (size_t c = 0; c < mp_seg_column_count(s) && len < sizeof list; c++)
            if (mp_seg_numeric(s, c))
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                        mp_seg_column_name(s, c));
        st = mp_fail(err, MP_EUSAGE, "--columns: '%s' is not a numeric column of the file (numeric: %s)",
                     names[bad], len ? list : "none");
    }
    free(names);
    free(copy);
    return st;
}

int cmd_segment(int argc, char **argv)
{
    mp_segment_opts o = {0};
    struct progress prog = {0};
    const char *input = NULL, *flow = NULL, *outpath = NULL, *header = NULL, *columns = NULL;
    const char **params = calloc((size_t)argc, sizeof *params);
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    int fmt = -1, partial = 0, merge = 0, quiet = 0, bom = 0, rc;
    if (!params || !inputs) {
        free(params);
        free(inputs);
        fprintf(stderr, "mplan: out of memory\n");
        return 5;
    }
    enum { O_PACK = 0x200, O_RULE, O_PARAM, O_LABELS, O_FLOW, O_KEY, O_HEADER, O_MAXFIELD, O_PARTIAL,
           O_MERGE, O_SKIPBAD, O_COLUMNS };
    static const struct option longopts[] = {
        {"pack", required_argument, NULL, O_PACK},       {"rule", required_argument, NULL, O_RULE},
        {"param", required_argument, NULL, O_PARAM},     {"labels", required_argument, NULL, O_LABELS},
        {"flow", required_argument, NULL, O_FLOW},       {"key", required_argument, NULL, O_KEY},
        {"header", required_argument, NULL, O_HEADER},   {"jobs", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, 'f'},        {"output", required_argument, NULL, 'o'},
        {"max-field", required_argument, NULL, O_MAXFIELD}, {"partial", no_argument, NULL, O_PARTIAL},
        {"merge", no_argument, NULL, O_MERGE},           {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"columns", required_argument, NULL, O_COLUMNS},
        {"quiet", no_argument, NULL, 'q'},               {"help", no_argument, NULL, 'h'},
        CLI_SCRIPT_OPTIONS,                              CLI_BOM_OPTION,
        {NULL, 0, NULL, 0}};
    struct cli_scripts sc = {0};
    optind = 1;
    opterr = 0;
    int ch, idx = 0;
    double v;
    rc = -1;
    while (rc < 0 && (ch = getopt_long(argc, argv, ":j:f:o:qvh", longopts, &idx)) != -1) {
        switch (ch) {
        case O_PACK: o.pack = optarg; break;
        case O_RULE: o.rule = optarg; break;
        case O_PARAM: params[o.nparams++] = optarg; break;
        case O_LABELS:
            rc = cli_output_arg("segment", "--labels", optarg);
            o.labels = optarg;
            break;
        case O_FLOW: flow = optarg; break;
        case O_KEY: o.key = optarg; break;
        case O_HEADER: header = optarg; break;
        case O_COLUMNS: columns = optarg; break;
        case 'j':
            if (cli_parse_double(optarg, &v) != 0 || v < 1 || v > 256 || v != floor(v))
                rc = cli_usage("segment", "--jobs %s: expected a whole number from 1 to 256", optarg);
            else
                o.jobs = (int)v;
            break;
        case 'f':
            if ((fmt = cli_format_parse(optarg)) < 0)
                rc = cli_usage("segment", "--format %s: expected table, csv, json or xlsx", optarg);
            break;
        case 'o':
            rc = cli_output_arg("segment", "-o", optarg);
            outpath = optarg;
            break;
        case O_MAXFIELD:
            if (parse_size(optarg, &v) != 0 || v < 1 || v > 1e9)
                rc = cli_usage("segment", "--max-field %s: expected bytes from 1 to 1e9", optarg);
            else
                o.max_field = (size_t)v;
            break;
        case O_PARTIAL: partial = 1; break;
        case O_MERGE: merge = 1; break;
        case O_SKIPBAD: o.skip_bad = 1; break;
        case CLI_OPT_BOM: bom = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); rc = 0; break;
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, &sc, "segment"))
                rc = 2;
            break;
        case ':': rc = cli_usage("segment", "%s needs a value", argv[optind - 1]); break;
        default: rc = cli_unknown_option("segment", longopts, argv[optind - 1]); break;
        }
    }
    if (rc >= 0)
        goto done;
    for (int i = optind; i < argc; i++)
        inputs[ninputs++] = argv[i];
    o.limits = sc.limits;
    o.verbose = sc.verbose;
    o.params = params;
    if (merge) {
        if (!ninputs || o.pack || o.rule || flow || o.labels) {
            rc = cli_usage("segment", ninputs ? "--merge takes partial summaries only (no --pack, --rule, --flow, --labels)"
                                              : "--merge needs partial summaries to combine");
            goto done;
        }
    } else if (ninputs != 1 || !o.pack || !o.rule) {
        rc = cli_usage("segment", ninputs > 1 ? "one customers file at a time (or --merge)"
                                              : "needs CUSTOMERS.csv, --pack DIR and --rule NAME");
        goto done;
    } else {
        input = inputs[0];
    }
    if (partial && flow) {
        rc = cli_usage("segment", "--partial and --flow do not go together");
        goto done;
    }
    if (columns && (partial || flow)) {
        rc = cli_usage("segment", "--columns chooses the summary's columns: not with %s (%s)",
                       partial ? "--partial" : "--flow", partial ? "a partial summary keeps every column for --merge"
                                                                 : "the flow counts customers, it sums no column");
        goto done;
    }
    if (o.labels && strcmp(o.labels, "-") == 0 && outpath && strcmp(outpath, "-") == 0) {
        rc = cli_usage("segment", "--labels - and -o - would both write to standard output");
        goto done;
    }
    /* --pack DIR or an installed pack's name. */
    char pack_dir[4096];
    if (o.pack && (rc = cli_pack_dir(o.pack, pack_dir, sizeof pack_dir)) != 0)
        goto done;
    if (o.pack)
        o.pack = pack_dir;
    rc = -1;
    /* Labels on standard output (a Hadoop mapper that labels rows): the summary only with -o. */
    int summary_out = !(o.labels && strcmp(o.labels, "-") == 0) || outpath;

    char *names_copy = NULL;
    char **names = NULL;
    if (header) {
        /* Without the names the first data row would be read as the header: stop. */
        if (!(names = split_names(header, &o.nnames, &names_copy))) {
            free(names_copy);
            mp_error oom;
            mp_fail(&oom, MP_ENOMEM, "--header: out of memory");
            rc = cli_fail(&oom);
            goto done;
        }
        o.names = (const char *const *)names;
    }
    prog.on = !quiet && isatty(2);
    prog.t0 = now_s();
    o.progress = progress_cb;
    o.warn = quiet ? NULL : warn_cb;
    o.ctx = &prog;

    mp_error err = {0};
    enum mp_status st = MP_OK;
    mp_seg_summary *s = NULL, *sb = NULL;
    mp_seg_flow *fl = NULL;
    if (merge) {
        for (size_t i = 0; i < ninputs && st == MP_OK; i++) {
            int is_stdin = strcmp(inputs[i], "-") == 0;
            FILE *fp = is_stdin ? stdin : fopen(inputs[i], "r");
            if (!fp) {
                st = mp_fail(&err, MP_EIO, "%s: cannot open: %s", inputs[i], strerror(errno));
                break;
            }
            st = mp_seg_read_partial(fp, is_stdin ? "<stdin>" : inputs[i], &s, &err);
            if (!is_stdin)
                fclose(fp);
        }
        if (st == MP_OK && !s)
            st = mp_fail(&err, MP_EINPUT, "%s: no partial summary in the input", inputs[0]);
    } else if (flow) {
        st = mp_segment_flow(flow, input, &o, &sb, &s, &fl, &err);
    } else {
        st = mp_segment_run(input, &o, &s, &err);
    }
    progress_end(&prog);
    if (st == MP_OK && !quiet)
        warn_mixed(s);
    if (st == MP_OK && columns)
        st = select_columns(s, columns, &err);
    if (st == MP_OK && summary_out) {
        long key = mp_seg_key_column(s);
        struct mp_seg_flow_view view = {sb, s, fl, key >= 0 ? mp_seg_column_name(s, (size_t)key) : ""};
        if (partial)
            st = cli_output(outpath, -1, &partial_writers, s, &err);
        else if (flow)
            st = cli_output_ex(outpath, fmt, bom ? CLI_OUT_BOM : 0, &flow_writers, &view, &err);
        else
            st = cli_output_ex(outpath, fmt, bom ? CLI_OUT_BOM : 0, &summary_writers, s, &err);
    }
    rc = st == MP_OK ? 0 : cli_fail(&err);
    mp_seg_free(s);
    mp_seg_free(sb);
    mp_seg_flow_free(fl);
    free(names);
    free(names_copy);
done:
    free(params);
    free(inputs);
    return rc;
}
