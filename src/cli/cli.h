/* Shared by the subcommands: messages, output formats, option values. */
#ifndef MPLAN_CLI_H
#define MPLAN_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "mplan/host.h"
#include "mplan/plan.h"
#include "mplan/status.h"

enum cli_format { CLI_TABLE, CLI_CSV, CLI_JSON, CLI_XLSX };

/* How rule scripts run: limits from flags (0: the plan's `limits:`, then the default)
 * and whether errors carry a traceback. */
struct cli_scripts {
    mp_host_limits limits;
    int verbose;
};

/* getopt_long entries of the options every command that runs rule scripts takes. */
#define CLI_OPT_LIMIT 0x100
#define CLI_SCRIPT_OPTIONS                                                                     \
    {"max-steps", required_argument, NULL, CLI_OPT_LIMIT},                                     \
        {"max-mem", required_argument, NULL, CLI_OPT_LIMIT},                                   \
        {"timeout", required_argument, NULL, CLI_OPT_LIMIT}, {"verbose", no_argument, NULL, 'v'}

/* Apply a CLI_SCRIPT_OPTIONS option (`name` is the long option's name, `arg` its value).
 * 0 when applied; 2 after printing a usage error for `cmd`. */
int cli_script_option(int ch, const char *name, const char *arg, struct cli_scripts *sc, const char *cmd);

/* Parse a command line whose only options are CLI_SCRIPT_OPTIONS and --help. -1 when the
 * command goes on (its operands start at argv[optind]); else the exit code (0 after
 * printing `help`, 2 after a usage error). */
int cli_parse_script_args(int argc, char **argv, const char *cmd, const char *help, struct cli_scripts *sc);

/* The directory of the pack a command names, a path or an installed pack's bare name
 * (docs/packs.md), into buf; 0, or the exit code after printing why there is none. */
int cli_pack_dir(const char *arg, char *buf, size_t size);

/* Print "mplan: MSG" for err on stderr and return its exit code. */
int cli_fail(const mp_error *err);
/* Print "mplan: MSG" on stderr and return 2 (usage). */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for `arg`, an option getopt_long did not know: "unknown option '--fromat'
 * (did you mean '--format'?)" when one of `longopts` is close. Returns 2. */
int cli_unknown_option(const char *cmd, const struct option *longopts, const char *arg);
/* Parse "table|csv|json|xlsx"; -1 when it is none of them. */
int cli_format_parse(const char *s);
/* A writer of one result in one format; `data` is the result (see CLI_WRITER). */
typedef enum mp_status (*cli_write_fn)(FILE *fp, const void *data, mp_error *err);
/* The writers of a result by format; a missing one falls back to `table` (a single-format
 * output such as HTML or iCalendar sets `table` alone), except xlsx: asking a result without
 * an xlsx writer for one is a usage error. */
struct cli_writers {
    cli_write_fn table, csv, json, xlsx;
};
/* Define `name` as a cli_write_fn that calls the typed writer
 * `enum mp_status fn(FILE *, const type *, mp_error *)`. */
#define CLI_WRITER(name, fn, type)                                                             \
    static enum mp_status name(FILE *fp, const void *data, mp_error *err)                     \
    {                                                                                          \
        return fn(fp, (const type *)data, err);                                                \
    }
/* Write `data` to `path` (NULL or "-": standard output) with the writer of `format` (-1: a
 * table on a terminal, else csv): open, write, commit; on any failure no file is left and
 * a failed write is reported as "FILE: write failed: REASON". */
enum mp_status cli_output(const char *path, int format, const struct cli_writers *w, const void *data,
                          mp_error *err);

/* Write `plan` as YAML to `path` ("-": standard output) atomically, with `comment` at the top;
 * relative paths in it (packs) are written relative to the file's directory. */
enum mp_status cli_write_plan(const char *path, const mp_plan *plan, const char *comment, mp_error *err);
/* cli_output with flags: CLI_OUT_BOM puts a UTF-8 byte-order mark before CSV output (Excel
 * then reads it as UTF-8, not as the system's code page). xlsx is refused (a usage error)
 * when it would go to a terminal. */
#define CLI_OUT_BOM 1
enum mp_status cli_output_ex(const char *path, int format, int flags, const struct cli_writers *w,
                             const void *data, mp_error *err);
/* --units plain|k|wan: how large amounts read (the plan's store.locale sets the default). */
#define CLI_OPT_UNITS 0x1B1
#define CLI_UNITS_OPTION {"units", required_argument, NULL, CLI_OPT_UNITS}
/* Apply --units to a loaded plan (NULL: keep the plan's). */
enum mp_status cli_units(mp_plan *plan, const char *units, mp_error *err);
/* getopt_long entries and help lines of the output options every CSV-writing command takes. */
#define CLI_OPT_BOM 0x1B0
#define CLI_BOM_OPTION {"bom", no_argument, NULL, CLI_OPT_BOM}
#define CLI_BOM_HELP "      --bom          CSV: start with a UTF-8 byte-order mark (for Excel)\n"
/* A usage error (2) when an output option's value is empty, else -1. */
int cli_output_arg(const char *cmd, const char *flag, const char *path);
/* Parse a whole number/real argument; 0 on success. */
int cli_parse_double(const char *s, double *out);
/* Print "mplan: MSG" on stderr (escaped like every message). */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a warning line on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
