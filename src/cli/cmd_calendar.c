/* mplan calendar PLAN.yaml -o plan.ics: who does what, by when, as an iCalendar file. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/calendar_ics.h"
#include "mplan/run.h"

static const char calendar_help[] =
    "usage: mplan calendar PLAN.yaml [-o FILE.ics]\n"
    "\n"
    "Write the plan's work arrangement as an iCalendar file (RFC 5545) for any calendar\n"
    "app: every phase of every event, each channel's active windows with its planned spend\n"
    "week by week, the plan's 'milestones:' (at a date or a local time), and the deadlines\n"
    "(register for the event at the start of preparation, assets ready at the start of\n"
    "storage, the review meeting), each with a reminder the day before. Every entry invites\n"
    "the owners it concerns; owners with an e-mail address become attendees, team names are\n"
    "named in the description.\n"
    "DTSTAMP is now, or SOURCE_DATE_EPOCH when set.\n"
    "\n"
    "  -o, --output FILE  write there instead of stdout (atomically)\n"
    "  -q, --quiet        accepted as by every command (calendar prints no warnings)\n"
    "  -h, --help         this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 bad plan, 4 rule script, 5 I/O\n";

struct calendar {
    const mp_plan *plan;
    const mp_alloc *alloc;
    time_t stamp;
};

static enum mp_status write_ics(FILE *fp, const void *data, mp_error *err)
{
    const struct calendar *c = data;
    return mp_calendar_write_ics(fp, c->plan, c->alloc, c->stamp, err);
}
static const struct cli_writers calendar_writers = {.table = write_ics};

int cmd_calendar(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    const char *output = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:hq", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            if (cli_output_arg("calendar", "-o", optarg) >= 0)
                return 2;
            output = optarg;
            break;
        case 'q': break; /* nothing is printed on stderr but errors */
        case 'h': fputs(calendar_help, stdout); return 0;
        case ':': return cli_usage("calendar", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("calendar", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("calendar", optind >= argc ? "which plan? give PLAN.yaml" : "one plan at a time");

    /* reproducible builds' convention: a fixed stamp makes the file byte-for-byte repeatable */
    time_t stamp = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    double e;
    if (epoch && cli_parse_double(epoch, &e) == 0 && e >= 0)
        stamp = (time_t)e;

    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_run *run = NULL;
    enum mp_status st = mp_plan_load(argv[optind], &plan, &err);
    if (st == MP_OK)
        st = mp_plan_run(plan, NULL, &run, &err);
    if (st == MP_OK) {
        struct calendar c = {mp_run_plan(run), mp_run_alloc(run), stamp};
        st = cli_output(output, -1, &calendar_writers, &c, &err);
    }
    mp_run_free(run);
    mp_plan_free(plan);
    return st == MP_OK ? 0 : cli_fail(&err);
}
