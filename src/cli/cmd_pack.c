/* mplan pack new|check|test|info|lock: scaffold, validate, test, describe and pin rule packs. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/share.h"
#include "io/esc.h"
#include "io/lock.h"
#include "io/pack_info.h"
#include "io/pack_scaffold.h"
#include "io/manifest.h"
#include "lua/pack_tools.h"
#include "mplan/host.h"

static const char pack_help[] =
    "usage: mplan pack new NAME [--dir DIR] [--kind KINDS]\n"
    "       mplan pack check DIR [LIMITS] [--verbose]\n"
    "       mplan pack test DIR [LIMITS] [--verbose]\n"
    "       mplan pack info DIR [--format table|json]\n"
    "       mplan pack lock PLAN.yaml\n"
    "       mplan pack bundle DIR [-o|--output FILE] [--sign KEY.key]\n"
    "       mplan pack sign FILE --key KEY.key [--detach SIG] | --signature SIG\n"
    "       mplan pack install FILE|URL|NAME[@RANGE] [--index URL] [--allow-unsigned]\n"
    "       mplan pack list | remove NAME[@VERSION] | index DIR\n"
    "       mplan pack search WORD [--index URL] | update [--index URL]\n"
    "\n"
    "  new    scaffold DIR/NAME (DIR defaults to .): pack.yaml, init.lua with one example\n"
    "         hook of each kind in KINDS (a comma list of allocator, strategy, segmenter,\n"
    "         kpi, metric, fit_transform; default the first four), tests/basic.lua and\n"
    "         README.md\n"
    "  check  validate the manifest and its params, load init.lua in the sandbox and\n"
    "         compare the functions it exports with `provides`\n"
    "  test   run DIR/tests/*.lua in the sandbox: 'ok FILE' or 'FAIL FILE: why' each,\n"
    "         then 'N passed, N failed' (docs/packs.md: the `test` helpers)\n"
    "  info   name, version, summary, hooks by kind, params with type, default and range\n"
    "  lock   write PLAN.lock beside the plan: each pack's version and the SHA-256 of\n"
    "         every file; a run of the plan then refuses a pack that changed\n"    "  bundle check and test DIR, then write NAME-VERSION.mpack (reproducible), signed\n"
    "         with --sign\n"
    "  sign   sign a bundle (mplan key new makes keys; mplan trust add trusts them)\n"
    "  install  verify a bundle's signature against the trust list and every entry,\n"
    "         then install it and what it requires into $MPLAN_HOME/packs/NAME/VERSION\n"
    "  list, remove  the installed packs (unsigned ones marked); index  write DIR/index.json\n"
    "  search, update  an index's packs; newer versions of installed ones\n"
    "\n"
    "LIMITS, per script call: --max-steps N (default 1e9), --max-mem BYTES (512M),\n"
    "--timeout S (10). --verbose adds the Lua traceback to error messages.\n"
    "\n"
    "exit: 0 ok, 1 a test failed (search: nothing found), 2 usage, 3 bad manifest, plan or\n"
    "bundle (changed, unsigned or untrusted, a hostile entry, over a limit, a range nothing\n"
    "satisfies, a dependency cycle), 4 rule script, 5 I/O (a download or write failed)\n";

/* "allocator,kpi" -> bit set of (1u << enum mp_hook_kind); 0 when a name is unknown. */
static unsigned parse_kinds(const char *list)
{
    unsigned set = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (int k = MP_HOOK_ALLOCATOR; k < MP_HOOK_KINDS; k++) {
            const char *name = mp_hook_kind_name((enum mp_hook_kind)k);
            if (strlen(name) == n && strncmp(p, name, n) == 0)
                bit = 1u << k;
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
                return cli_usage("pack", "--kind takes a comma list of allocator, strategy, segmenter, kpi, metric, "
                                 "fit_transform, not '%s'",
                                 optarg);
            break;
        case 'h': fputs(pack_help, stdout); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("pack", longopts, argv[optind - 1]);
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

/* Options of check and test: the sandbox limits and --verbose; then exactly one DIR. */
struct run_opts {
    const char *dir;
    struct cli_scripts sc;
    char found[4096]; /* dir, a path or an installed pack's name, found */
};

static int parse_run(int argc, char **argv, struct run_opts *o)
{
    memset(o, 0, sizeof *o);
    int rc = cli_parse_script_args(argc, argv, "pack", pack_help, &o->sc);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return cli_usage("pack", optind >= argc ? "pack %s: which pack? give its directory"
                                                : "pack %s: one pack directory at a time", argv[0]);
    if ((rc = cli_pack_dir(argv[optind], o->found, sizeof o->found)) != 0)
        return rc;
    o->dir = o->found;
    return -1;
}

/* The manifest first, for its pack.yaml:line:col messages; then init.lua in a sandbox,
 * which also compares its exports with `provides`. */
static int pack_check(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_run(argc, argv, &o);
    if (rc >= 0)
        return rc;
    mp_error err = {0};
    struct mp_manifest man;
    enum mp_status st = mp_manifest_load(o.dir, &man, &err);
    if (st != MP_OK)
        return cli_fail(&err);
    if ((st = mp_pack_check(o.dir, &o.sc.limits, o.sc.verbose, &err)) == MP_OK) {
        size_t hooks = 0;
        for (int k = 0; k < MP_HOOK_KINDS; k++)
            hooks += man.nprovides[k];
        printf("ok %s: pack '", o.dir);
        mp_esc_fputs(man.name, MP_ESC_LINE, stdout); /* no memory needed: nothing shown as "?" */
        fputs("' ", stdout);
        mp_esc_fputs(man.version, MP_ESC_LINE, stdout);
        printf(", %zu hook%s, %zu param%s\n", hooks, hooks == 1 ? "" : "s", man.nparams,
               man.nparams == 1 ? "" : "s");
    }
    mp_manifest_free(&man);
    return st == MP_OK ? 0 : cli_fail(&err);
}

static void print_result(void *ud, const char *file, int loaded, const char *failure)
{
    (void)ud;
    (void)loaded;
    fputs(failure ? "FAIL " : "ok ", stdout);
    mp_esc_fputs(file, MP_ESC_LINE, stdout);
    if (failure) {
        fputs(": ", stdout);
        mp_esc_fputs(failure, MP_ESC_LINES, stdout); /* a test's message: no forged "ok" line */
    }
    fputc('\n', stdout);
    fflush(stdout);
}

/* Exit 4 when a test file (or the pack) did not load, 1 when a test failed. */
static int pack_test(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_run(argc, argv, &o);
    if (rc >= 0)
        return rc;
    mp_error err = {0};
    struct mp_pack_test_counts n;
    if (mp_pack_test_run(o.dir, &o.sc.limits, o.sc.verbose, print_result, NULL, &n, &err) != MP_OK)
        return cli_fail(&err);
    printf("%zu passed, %zu failed\n", n.passed, n.failed + n.unloaded);
    return n.unloaded ? mp_exit_code(MP_ESCRIPT) : n.failed ? mp_exit_code(MP_ECHECK) : 0;
}

static int pack_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int json = 0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return cli_usage("pack", "pack info: --format takes table or json, not '%s'", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h': fputs(pack_help, stdout); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("pack", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("pack", optind >= argc ? "pack info: which pack? give its directory"
                                                : "pack info: one pack directory at a time");
    char dir[4096];
    int rc = cli_pack_dir(argv[optind], dir, sizeof dir);
    if (rc != 0)
        return rc;
    mp_error err = {0};
    struct mp_manifest man;
    enum mp_status st = mp_manifest_load(dir, &man, &err);
    if (st == MP_OK)
        st = json ? mp_pack_info_json(stdout, &man, &err) : mp_pack_info_table(stdout, &man, &err);
    mp_manifest_free(&man);
    if (st == MP_OK && (fflush(stdout) != 0 || ferror(stdout)))
        st = mp_fail(&err, MP_EIO, "stdout: write failed");
    return st == MP_OK ? 0 : cli_fail(&err);
}

static int pack_lock(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(pack_help, stdout);
        return 0;
    }
    if (argc != 2)
        return cli_usage("pack", argc < 2 ? "pack lock: which plan? give PLAN.yaml" : "pack lock: one plan at a time");
    mp_error err = {0};
    mp_plan *plan;
    enum mp_status st = mp_plan_load(argv[1], &plan, &err);
    if (st == MP_OK)
        st = mp_lock_write(plan, &err);
    if (st == MP_OK) {
        char lock[PATH_MAX];
        mp_lock_path(argv[1], lock, sizeof lock);
        fprintf(stderr, "mplan: wrote %s (%zu pack%s)\n", lock, plan->npacks, plan->npacks == 1 ? "" : "s");
    }
    mp_plan_free(plan);
    return st == MP_OK ? 0 : cli_fail(&err);
}

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
    {"new", pack_new}, {"check", pack_check}, {"test", pack_test}, {"info", pack_info}, {"lock", pack_lock},
    {"bundle", share_pack_exec}, {"sign", share_pack_exec},   {"install", share_pack_exec},
    {"list", share_pack_exec},   {"remove", share_pack_exec}, {"index", share_pack_exec},
    {"search", share_pack_exec}, {"update", share_pack_exec},
};

int cmd_pack(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("pack", "pack what? new, check, test, info, lock, bundle, sign, install, list, remove, index, search or update");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(pack_help, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    return cli_usage("pack", "no pack command '%s': new, check, test, info, lock, bundle, sign, install, list, remove, index, search or update", argv[1]);
}
