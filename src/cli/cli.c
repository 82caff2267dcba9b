#include "cli/cli.h"

#include "io/esc.h"
#include "io/out.h"
#include "io/pack_path.h"
#include "io/plan_write.h"
#include "io/yaml_doc.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "mplan: " PREFIX MSG on stderr, MSG escaped: it quotes CSV fields, YAML values and pack
 * strings, whose control characters must not reach the terminal. */
static void say(const char *prefix, const char *fmt, va_list ap)
{
    char small[1024], *msg = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL)
        vsnprintf(msg, (size_t)n + 1, fmt, again);
    va_end(again);
    fprintf(stderr, "mplan: %s", prefix);
    mp_esc_fputs(msg ? msg : small, MP_ESC_LINES, stderr);
    fputc('\n', stderr);
    if (msg != small)
        free(msg);
}

static void say_f(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say_f(const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(prefix, fmt, ap);
    va_end(ap);
}

int cli_fail(const mp_error *err)
{
    say_f("", "%s", err->msg[0] ? err->msg : mp_strerror(err->status));
    return mp_exit_code(err->status);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see 'mplan help %s')\n", cmd);
    return 2;
}

void cli_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("warning: ", fmt, ap);
    va_end(ap);
}

int cli_format_parse(const char *s)
{
    if (strcmp(s, "table") == 0)
        return CLI_TABLE;
    if (strcmp(s, "csv") == 0)
        return CLI_CSV;
    if (strcmp(s, "json") == 0)
        return CLI_JSON;
    if (strcmp(s, "xlsx") == 0)
        return CLI_XLSX;
    return -1;
}

enum mp_status cli_output(const char *path, int format, const struct cli_writers *w, const void *data,
                          mp_error *err)
{
    return cli_output_ex(path, format, 0, w, data, err);
}

enum mp_status cli_output_ex(const char *path, int format, int flags, const struct cli_writers *w,
                             const void *data, mp_error *err)
{
    if (format == CLI_XLSX && !w->xlsx)
        return mp_fail(err, MP_EUSAGE, "this output has no xlsx form: use --format table, csv or json");
    struct mp_out out;
    enum mp_status st = mp_out_open(&out, path, err);
    if (st != MP_OK)
        return st;
    if (format == CLI_XLSX && mp_out_isatty(&out)) {
        mp_out_abort(&out);
        return mp_fail(err, MP_EUSAGE, "--format xlsx writes a binary workbook, not text for the terminal: "
                                       "give -o FILE.xlsx, or redirect standard output to a file");
    }
    if (format < 0)
        format = mp_out_isatty(&out) ? CLI_TABLE : CLI_CSV;
    cli_write_fn fn = format == CLI_XLSX   ? w->xlsx
                      : format == CLI_JSON && w->json ? w->json
                      : format == CLI_CSV && w->csv   ? w->csv
                                                      : w->table;
    if (fn == w->csv && (flags & CLI_OUT_BOM))
        fputs("\xEF\xBB\xBF", out.fp);
    return mp_out_finish(&out, fn(out.fp, data, err), err);
}

enum mp_status cli_units(mp_plan *plan, const char *units, mp_error *err)
{
    return units ? mp_plan_set_units(plan, units, err) : MP_OK;
}

int cli_output_arg(const char *cmd, const char *flag, const char *path)
{
    if (*path)
        return -1;
    return cli_usage(cmd, "%s needs a file name (or - for standard output), not an empty one", flag);
}

int cli_unknown_option(const char *cmd, const struct option *longopts, const char *arg)
{
    const char *names[128];
    size_t n = 0;
    for (const struct option *o = longopts; o->name && n < sizeof names / sizeof *names; o++)
        names[n++] = o->name;
    char word[64] = "";
    if (strncmp(arg, "--", 2) == 0)
        snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *s = *word ? mp_suggest(word, names, n) : NULL;
    if (s)
        return cli_usage(cmd, "unknown option '%s' (did you mean '--%s'?)", arg, s);
    return cli_usage(cmd, "unknown option '%s'", arg);
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_script_option(int ch, const char *name, const char *arg, struct cli_scripts *sc, const char *cmd)
{
    mp_error err;
    if (ch == 'v') {
        sc->verbose = 1;
        return 0;
    }
    if (mp_host_limits_set(&sc->limits, name, arg, &err) != MP_OK)
        return cli_usage(cmd, "%s", err.msg);
    return 0;
}

int cli_parse_script_args(int argc, char **argv, const char *cmd, const char *help, struct cli_scripts *sc)
{
    static const struct option longopts[] = {CLI_SCRIPT_OPTIONS, {"help", no_argument, NULL, 'h'},
                                             {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    memset(sc, 0, sizeof *sc);
    optind = 1;
    opterr = 0;
    int ch, idx = 0;
    while ((ch = getopt_long(argc, argv, ":vhq", longopts, &idx)) != -1) {
        switch (ch) {
        case 'q': break; /* accepted as everywhere: these commands print no warnings */
        case CLI_OPT_LIMIT:
        case 'v':
            if (cli_script_option(ch, longopts[idx].name, optarg, sc, cmd))
                return 2;
            break;
        case 'h': fputs(help, stdout); return 0;
        case ':': return cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option(cmd, longopts, argv[optind - 1]);
        }
    }
    return -1;
}

/* A pack directory that is not there: the message names it and, when a directory beside it
 * has a close name (rules/aip for rules/aipl), suggests that one. */
static int missing_pack_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (!*dir)
        snprintf(dir, sizeof dir, "/");
    const char *names[128];
    char store[128][128];
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && n < 128 && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len < sizeof store[n]) {
            memcpy(store[n], e->d_name, len + 1);
            names[n] = store[n];
            n++;
        }
    }
    if (d)
        closedir(d);
    const char *s = *base ? mp_suggest(base, names, n) : NULL;
    mp_error err;
    mp_fail(&err, MP_EIO, "no pack directory %s%s%.*s%s%s", path, s ? " (did you mean " : "",
            s && slash ? (int)(slash - path + 1) : 0, path, s ? s : "", s ? "?)" : "");
    return cli_fail(&err);
}

int cli_pack_dir(const char *arg, char *buf, size_t size)
{
    mp_error err;
    switch (mp_pack_dir(NULL, arg, buf, size)) {
    case MP_PACK_AT_PATH:
        return access(buf, F_OK) == 0 ? 0 : missing_pack_dir(buf);
    case MP_PACK_INSTALLED: return 0;
    case MP_PACK_NOT_FOUND:
        mp_fail(&err, MP_EIO, "no pack '%s': no directory %s here, and none on the rules path %s", arg, arg,
                mp_rules_path());
        break;
    default: mp_fail(&err, MP_EIO, "%s: path too long", arg); break;
    }
    return cli_fail(&err);
}

struct plan_file {
    const mp_plan *plan;
    const char *dir, *comment;
};

static enum mp_status write_yaml(FILE *fp, const void *data, mp_error *err)
{
    const struct plan_file *f = data;
    return mp_plan_write(fp, f->plan, f->dir, f->comment, err);
}

enum mp_status cli_write_plan(const char *path, const mp_plan *plan, const char *comment, mp_error *err)
{
    static const struct cli_writers yaml = {.table = write_yaml};
    char *copy = strdup(path);
    if (!copy)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    struct plan_file f = {plan, dirname(copy), comment};
    enum mp_status st = cli_output(path, -1, &yaml, &f, err);
    free(copy);
    return st;
}
