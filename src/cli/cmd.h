/* Subcommands: each parses its own arguments and returns a process exit code. */
#ifndef MPLAN_CLI_CMD_H
#define MPLAN_CLI_CMD_H

#include "mplan/status.h"

int cmd_run(int argc, char **argv);
int cmd_whatif(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_calendar(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_abtest(int argc, char **argv);

/* An A/B test read out with `abtest analyze`'s defaults, for the report's Experiments
 * section (cmd_abtest.c). The caller owns *out: cli_abtest_free. */
struct cli_abtest;
struct mp_ab_view;
enum mp_status cli_abtest_load(const char *path, struct cli_abtest **out, mp_error *err);
const struct mp_ab_view *cli_abtest_view(const struct cli_abtest *a);
void cli_abtest_free(struct cli_abtest *a);
int cmd_key(int argc, char **argv);
int cmd_trust(int argc, char **argv);

#endif
