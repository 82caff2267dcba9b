/* Subcommands: each parses its own arguments and returns a process exit code. */
#ifndef MPLAN_CLI_CMD_H
#define MPLAN_CLI_CMD_H

int cmd_run(int argc, char **argv);
int cmd_whatif(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_calendar(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_segment(int argc, char **argv);

#endif
