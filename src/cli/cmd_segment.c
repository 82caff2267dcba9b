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
#include "core/segment.h"
#include "io/out.h"
#include "io/segment_io.h"
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
    "  --labels FILE        write ID,label[,score] for every customer\n"
    "  --flow BEFORE.csv    label-to-label transition matrix from BEFORE.csv to CUSTOMERS.csv\n"
    "  --key COLUMN         customer id column (default: the first)\n"
    "  --jobs N             worker threads (default: the number of online CPUs)\n"
    "  --format F           table, csv or json (default: table on a terminal, else csv)\n"
    "  -o FILE              write the output to FILE (atomically)\n"
    "  --partial            print a partial summary for --merge (JSON lines)\n"
    "  --merge              combine the partial summaries named on the command line\n"
    "  --header A,B,...     column names for input without a header row\n"
    "  --skip-bad           skip bad rows (counted and reported) instead of failing\n"
    "  --max-field BYTES    longest field accepted (default 65536)\n"
    "  --max-steps N        instructions per segmenter call (default 1e9)\n"
    "  --max-mem BYTES      memory of the rule scripts (default 512 MiB)\n"
    "  --timeout SECONDS    wall time per segmenter call (default 10)\n"
    "  --quiet              no progress bar\n"
    "\n"
    "exit codes: 0 ok, 2 usage, 3 bad input (CSV: file:line), 4 rule failed, 5 I/O error.\n"
    "See docs/segment.md.\n";

struct progress {
    int on;
    int drawn;
    double t0;
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
    double mb = (double)done / 1e6, dt = now_s() - p->t0;
    double rate = dt > 0 ? mb / dt : 0;
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
    for (size_t c = 0; c < s->ncols; c++)
        if ((long)c != s->key && mp_seg_text(s, c) && mp_seg_total_n(s, c))
            cli_warn("column '%s' not summed: %llu value%s not a number", s->cols[c],
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

int cmd_segment(int argc, char **argv)
{
    mp_segment_opts o = {0};
    struct progress prog = {0};
    const char *input = NULL, *flow = NULL, *outpath = NULL, *header = NULL;
    const char **params = calloc((size_t)argc, sizeof *params);
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    int fmt = -1, partial = 0, merge = 0, quiet = 0, rc;
    if (!params || !inputs) {
        free(params);
        free(inputs);
        fprintf(stderr, "mplan: out of memory\n");
        return 5;
    }
#define NEED_ARG()                                                                          \
    do {                                                                                    \
        if (i + 1 >= argc) {                                                                \
            rc = cli_usage("segment", "%s needs a value", a);                               \
            goto done;                                                                      \
        }                                                                                   \
    } while (0)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            rc = 0;
            goto done;
        } else if (strcmp(a, "--pack") == 0) {
            NEED_ARG();
            o.pack = argv[++i];
        } else if (strcmp(a, "--rule") == 0) {
            NEED_ARG();
            o.rule = argv[++i];
        } else if (strcmp(a, "--param") == 0) {
            NEED_ARG();
            params[o.nparams++] = argv[++i];
        } else if (strcmp(a, "--labels") == 0) {
            NEED_ARG();
            o.labels = argv[++i];
        } else if (strcmp(a, "--flow") == 0) {
            NEED_ARG();
            flow = argv[++i];
        } else if (strcmp(a, "--key") == 0) {
            NEED_ARG();
            o.key = argv[++i];
        } else if (strcmp(a, "--header") == 0) {
            NEED_ARG();
            header = argv[++i];
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            NEED_ARG();
            if (cli_parse_double(argv[++i], &v) != 0 || v < 1 || v > 256 || v != floor(v)) {
                rc = cli_usage("segment", "--jobs %s: expected a whole number from 1 to 256", argv[i]);
                goto done;
            }
            o.jobs = (int)v;
        } else if (strcmp(a, "--format") == 0) {
            NEED_ARG();
            if ((fmt = cli_format_parse(argv[++i])) < 0) {
                rc = cli_usage("segment", "--format %s: expected table, csv or json", argv[i]);
                goto done;
            }
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            NEED_ARG();
            outpath = argv[++i];
        } else if (strcmp(a, "--max-field") == 0) {
            NEED_ARG();
            if (parse_size(argv[++i], &v) != 0 || v < 1 || v > 1e9) {
                rc = cli_usage("segment", "--max-field %s: expected bytes from 1 to 1e9", argv[i]);
                goto done;
            }
            o.max_field = (size_t)v;
        } else if (strcmp(a, "--max-steps") == 0 || strcmp(a, "--max-mem") == 0 || strcmp(a, "--timeout") == 0) {
            NEED_ARG();
            if (parse_size(argv[++i], &v) != 0 || v == 0) {
                rc = cli_usage("segment", "%s %s: expected a positive number", a, argv[i]);
                goto done;
            }
            if (strcmp(a, "--max-steps") == 0)
                o.limits.max_steps = v;
            else if (strcmp(a, "--max-mem") == 0)
                o.limits.max_mem = v;
            else
                o.limits.timeout = v;
        } else if (strcmp(a, "--partial") == 0) {
            partial = 1;
        } else if (strcmp(a, "--merge") == 0) {
            merge = 1;
        } else if (strcmp(a, "--skip-bad") == 0) {
            o.skip_bad = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = cli_usage("segment", "unknown option %s", a);
            goto done;
        } else {
            inputs[ninputs++] = a;
        }
    }
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

    char *names_copy = NULL;
    char **names = NULL;
    if (header) {
        names = split_names(header, &o.nnames, &names_copy);
        o.names = (const char *const *)names;
    }
    prog.on = !quiet && isatty(2);
    prog.t0 = now_s();
    o.progress = progress_cb;
    o.warn = warn_cb;
    o.ctx = &prog;

    struct mp_out out;
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
    if (st == MP_OK)
        warn_mixed(s);
    if (st == MP_OK)
        st = mp_out_open(&out, outpath, &err);
    if (st == MP_OK) {
        enum cli_format f = fmt >= 0 ? (enum cli_format)fmt : cli_format_default(out.fp);
        struct mp_seg_flow_view view = {sb, s, fl, s->key >= 0 ? s->cols[s->key] : ""};
        if (partial)
            st = mp_seg_write_partial(out.fp, s, &err);
        else if (flow)
            st = f == CLI_JSON  ? mp_seg_write_flow_json(out.fp, &view, &err)
                 : f == CLI_CSV ? mp_seg_write_flow_csv(out.fp, &view, &err)
                                : mp_seg_write_flow_table(out.fp, &view, &err);
        else
            st = f == CLI_JSON  ? mp_seg_write_json(out.fp, s, &err)
                 : f == CLI_CSV ? mp_seg_write_csv(out.fp, s, &err)
                                : mp_seg_write_table(out.fp, s, &err);
        if (st == MP_OK)
            st = mp_out_commit(&out, &err);
        else
            mp_out_abort(&out);
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
#undef NEED_ARG
}
