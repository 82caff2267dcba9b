/* Shared by the subcommands: messages, output formats, option values. */
#ifndef MPLAN_CLI_H
#define MPLAN_CLI_H

#include <stdio.h>

#include "mplan/status.h"

enum cli_format { CLI_TABLE, CLI_CSV, CLI_JSON };

/* Print "mplan: MSG" for err on stderr and return its exit code. */
int cli_fail(const mp_error *err);
/* Print "mplan: MSG" on stderr and return 2 (usage). */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse "table|csv|json"; -1 when it is none of them. */
int cli_format_parse(const char *s);
/* The default format: a table on a terminal, else csv. */
enum cli_format cli_format_default(FILE *fp);
/* Parse a whole number/real argument; 0 on success. */
int cli_parse_double(const char *s, double *out);
/* Print a warning line on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
