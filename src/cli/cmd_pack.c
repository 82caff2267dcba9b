/* mplan pack new|check|test|info|lock: scaffold, validate, test, describe and pin rule packs. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "io/pack_scaffold.h"
#include "mplan/host.h"

static const char pack_help[] =
    "usage: mplan pack new NAME [--dir DIR] [--kind KINDS]\n"
    "       mplan pack check DIR\n"
    "       mplan pack test DIR [--verbose]\n"
    "       mplan pack info DIR [--format table|json]\n"
    "       mplan pack lock PLAN.yaml\n"
    "\n"
    "  new    scaffold DIR/NAME (DIR defaults to .): pack.yaml, init.lua with one example\n"
    "         hook of each kind in KINDS (a comma list of allocator, strategy, segmenter,\n"
    "         kpi; default all four), tests/basic.lua and README.md\n"
    "  check  validate the manifest, the params, that init.lua exports every hook of\n"
    "         `provides` (and nothing else that looks like one) and loads in the sandbox\n"
    "  test   run DIR/tests/*.lua in the sandbox: 'ok FILE' or 'FAIL FILE: why' each,\n"
    "         then 'N passed, N failed'\n"
    "  info   name, version, summary, hooks by kind, params with type, default and range\n"
    "  lock   write PLAN.lock beside the plan: each pack's version and the SHA-256 of\n"
    "         every file; a run of the plan then refuses a pack that changed\n"
    "\n"
    "exit: 0 ok, 1 a test failed, 2 usage, 3 bad manifest or plan, 4 rule script, 5 I/O\n";

/* "allocator,kpi" -> bit set of (1u << enum mp_hook_kind); 0 when a name is unknown. */
static unsigned parse_kinds(const char *list)
{
    static const enum mp_hook_kind kinds[] = {MP_HOOK_ALLOCATOR, MP_HOOK_STRATEGY,
                                              MP_HOOK_SEGMENTER, MP_HOOK_KPI};
    unsigned set = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
            const char *name = mp_hook_kind_name(kinds[i]);
            if (strlen(name) == n && strncmp(p, name, n) == 0)
                bit = 1u << kinds[i];
        }
        if (!bit)
            return 0;
        set |= bit;
        p += n + (p[n] == ',');
    }
    return set;
}

static int pack_new(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'}, {"kind", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    const char *dir = ".";
    unsigned kinds = (1u << MP_HOOK_ALLOCATOR) | (1u << MP_HOOK_STRATEGY) |
                     (1u << MP_HOOK_SEGMENTER) | (1u << MP_HOOK_KPI);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":d:k:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': dir = optarg; break;
        case 'k':
            if (!(kinds = parse_kinds(optarg)))
                return cli_usage("pack", "--kind takes a comma list of allocator, strategy, segmenter, kpi, not '%s'",
                                 optarg);
            break;
        case 'h': fputs(pack_help, stdout); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_usage("pack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("pack", optind >= argc ? "pack new: which name?" : "pack new: one name at a time");
    char made[PATH_MAX];
    mp_error err = {0};
    if (mp_pack_scaffold(dir, argv[optind], kinds, made, &err) != MP_OK)
        return cli_fail(&err);
    fprintf(stderr, "mplan: created %s; try 'mplan pack check %s' and 'mplan pack test %s'\n", made, made, made);
    return 0;
}

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
    {"new", pack_new},
};

int cmd_pack(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("pack", "pack what? new, check, test, info or lock");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(pack_help, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    return cli_usage("pack", "no pack command '%s': new, check, test, info or lock", argv[1]);
}
