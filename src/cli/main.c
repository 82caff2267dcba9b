/* mplan: dispatch to a subcommand. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "mplan/version.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "allocate the budget of PLAN.yaml and forecast KPIs and goals"},
    {"whatif", cmd_whatif, "re-allocate PLAN.yaml under other budgets, values or scenarios"},
    {"review", cmd_review, "compare ACTUALS.csv with PLAN.yaml, refit, re-allocate what is left"},
    {"diff", cmd_diff, "compare two plans or saved runs by channel, period and goal"},
    {"fit", cmd_fit, "estimate response curves and carry-over from HISTORY.csv"},
    {"report", cmd_report, "write PLAN.yaml (and actuals) as one self-contained HTML page"},
    {"calendar", cmd_calendar, "write the phases, channel windows and deadlines as iCalendar"},
    {"segment", cmd_segment, "label every customer of a CSV with a segmenter; per-label summary"},
    {"abtest", cmd_abtest, "size an A/B test (design) and read one out (analyze): lift, SRM, sequential"},
    {"eval", cmd_eval, "run a Lua script in the rule sandbox (with a plan): mplan eval x.lua"},
    {"pack", cmd_pack, "rule packs: new, check, test, info, lock, bundle, install... (mplan help pack)"},
    {"key", cmd_key, "make a key pair to sign pack bundles with: mplan key new NAME"},
    {"trust", cmd_trust, "the keys whose pack bundles you install: add, list, remove"},
};

static int usage(FILE *fp)
{
    fprintf(fp, "usage: mplan COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "  %-9s %s\n", "help", "show help for a command: mplan help run");
    fprintf(fp, "\nexit codes: 0 ok, 1 goal or check failed (--strict), 2 usage, 3 bad input,\n"
                "4 rule script failed, 5 I/O error or out of memory. See 'man mplan'.\n");
    return fp == stdout ? 0 : 2;
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Whatever a command printed on stdout (help, version, check results) must have reached it:
 * `mplan help >/dev/full` fails like any other write. */
static int stdout_checked(int rc)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "mplan: standard output: write failed: %s\n", strerror(errno ? errno : EIO));
    return rc ? rc : 5;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("mplan %s\n", mp_version());
        return 0;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return usage(stdout);
    if (strcmp(name, "help") == 0) {
        if (argc < 3)
            return usage(stdout);
        const struct command *cmd = find(argv[2]);
        if (!cmd) {
            fprintf(stderr, "mplan: no command '%s'\n", argv[2]);
            return 2;
        }
        char *args[] = {argv[2], "--help", NULL};
        return cmd->run(2, args);
    }
    const struct command *cmd = find(name);
    if (!cmd) {
        fprintf(stderr, "mplan: no command '%s'\n", name);
        return usage(stderr);
    }
    return cmd->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    return stdout_checked(dispatch(argc, argv));
}
