#define _GNU_SOURCE
/* Sharing packs: mplan key new, mplan trust add|list|remove, and mplan pack bundle|sign|
 * install|list|remove|index|search|update (docs/packs.md, "Send a pack to another store").
 * Built into the helper mplan-share (share_main.c), which `mplan` runs for these commands. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/share.h"
#include "io/bundle.h"
#include "io/esc.h"
#include "io/out.h"
#include "io/pack_fs.h"
#include "io/store.h"
#include "io/trust.h"
#include "lua/pack_tools.h"

static const char key_help[] =
    "usage: mplan key new NAME\n"
    "\n"
    "  new    write an Ed25519 key pair: NAME.key (secret, mode 0600; keep it to yourself)\n"
    "         and NAME.pub (give it to the stores that will install your packs)\n"
    "\n"
    "exit: 0 ok, 2 usage, 5 a file exists or cannot be written\n";

static const char trust_help[] =
    "usage: mplan trust add KEY.pub\n"
    "       mplan trust list\n"
    "       mplan trust remove NAME|KEY.pub|FINGERPRINT\n"
    "\n"
    "The keys whose signatures `mplan pack install` accepts, kept in $MPLAN_HOME/trust\n"
    "(default ~/.local/share/mplan/trust), besides the keys shipped with mplan.\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 not a key, or a name taken by another key, 5 I/O\n";

static int help_or(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return 1;
        }
    return 0;
}

int share_key(int argc, char **argv)
{
    if (help_or(argc, argv, key_help))
        return 0;
    if (argc < 2 || strcmp(argv[1], "new") != 0)
        return cli_usage("key", argc < 2 ? "key what? new NAME" : "no key command '%s': new", argv[1]);
    if (argc != 3)
        return cli_usage("key", "key new: give one NAME");
    mp_error err = {0};
    if (mp_key_new(argv[2], &err) != MP_OK)
        return cli_fail(&err);
    struct mp_pubkey k;
    char pub[PATH_MAX];
    snprintf(pub, sizeof pub, "%s.pub", argv[2]);
    if (mp_key_load_public(pub, &k, &err) != MP_OK)
        return cli_fail(&err);
    printf("wrote %s.key (secret) and %s (public), key %s fingerprint %s\n", argv[2], pub, k.name, k.fpr);
    return 0;
}

static void print_key(void *ud, const struct mp_pubkey *k, int shipped)
{
    (void)ud;
    printf("%-24s %s%s\n", k->name, k->fpr, shipped ? "  (shipped with mplan)" : "");
}

int share_trust(int argc, char **argv)
{
    if (help_or(argc, argv, trust_help))
        return 0;
    if (argc < 2)
        return cli_usage("trust", "trust what? add, list or remove");
    mp_error err = {0};
    struct mp_pubkey k;
    if (strcmp(argv[1], "add") == 0 && argc == 3) {
        if (mp_trust_add(argv[2], &k, &err) != MP_OK)
            return cli_fail(&err);
        printf("trusted %s, key fingerprint %s\n", k.name, k.fpr);
        return 0;
    }
    if (strcmp(argv[1], "list") == 0 && argc == 2)
        return mp_trust_list(print_key, NULL, &err) == MP_OK ? 0 : cli_fail(&err);
    if (strcmp(argv[1], "remove") == 0 && argc == 3) {
        if (mp_trust_remove(argv[2], &k, &err) != MP_OK)
            return cli_fail(&err);
        printf("no longer trusted: %s, key fingerprint %s\n", k.name, k.fpr);
        return 0;
    }
    if (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "remove") == 0)
        return cli_usage("trust", "trust %s: give one key", argv[1]);
    if (strcmp(argv[1], "list") == 0)
        return cli_usage("trust", "trust list takes no arguments");
    return cli_usage("trust", "no trust command '%s': add, list or remove", argv[1]);
}

/* ---- pack bundle|sign ---- */

static void quiet_result(void *ud, const char *file, int loaded, const char *failure)
{
    (void)loaded;
    if (failure) {
        fprintf(stderr, "FAIL %s: ", file);
        mp_esc_fputs(failure, MP_ESC_LINES, stderr);
        fputc('\n', stderr);
        ++*(size_t *)ud;
    }
}

static void say_signed(const struct mp_bundle *b, const char *file)
{
    printf("wrote %s: pack '%s' %s, %zu file%s, sha256 %s", file, b->name, b->version, b->nfiles,
           b->nfiles == 1 ? "" : "s", b->sha256);
    if (b->signature)
        printf(", signed by %s (%s)", b->signer.key.name, b->signer.key.fpr);
    else
        fputs(", unsigned", stdout);
    putchar('\n');
}

int share_bundle(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"sign", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *outfile = NULL, *key = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': outfile = optarg; break;
        case 's': key = optarg; break;
        case 'h': printf("usage: mplan pack bundle DIR [-o FILE] [--sign KEY.key]\n"); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("pack", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage("pack", "pack bundle: give one pack directory");
    char dir[4096];
    int rc = cli_pack_dir(argv[optind], dir, sizeof dir);
    if (rc)
        return rc;
    mp_error err = {0};
    /* A bundle is what another store will run: its checks and its own tests pass first. */
    mp_host_limits limits = {0};
    if (mp_pack_check(dir, &limits, 0, &err) != MP_OK)
        return cli_fail(&err);
    struct mp_pack_test_counts n;
    size_t shown = 0;
    if (mp_pack_test_run(dir, &limits, 0, quiet_result, &shown, &n, &err) != MP_OK)
        return cli_fail(&err);
    if (n.failed || n.unloaded) {
        mp_fail(&err, n.unloaded ? MP_ESCRIPT : MP_ECHECK, "%s: %zu of the pack's tests failed; no bundle written "
                "('mplan pack test %s' shows them)", dir, n.failed + n.unloaded, argv[optind]);
        return cli_fail(&err);
    }
    struct mp_bundle b;
    if (mp_bundle_make(dir, &b, &err) != MP_OK)
        return cli_fail(&err);
    char def[600];
    snprintf(def, sizeof def, "%s-%s.mpack", b.name, b.version);
    enum mp_status st = key ? mp_bundle_sign(&b, key, &err) : MP_OK;
    if (st == MP_OK)
        st = mp_bundle_write(&b, outfile ? outfile : def, &err);
    if (st == MP_OK)
        say_signed(&b, outfile ? outfile : def);
    mp_bundle_free(&b);
    return st == MP_OK ? 0 : cli_fail(&err);
}

static const char sign_help[] =
    "usage: mplan pack sign FILE --key KEY.key [--detach SIG]\n"
    "       mplan pack sign FILE --signature SIG\n"
    "\n"
    "  --key KEY.key    sign the bundle's MANIFEST with a secret key (mplan key new)\n"
    "  --detach SIG     write the signature to SIG instead of into the bundle\n"
    "  --signature SIG  put a signature made elsewhere into the bundle; it must verify\n";

int share_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'}, {"detach", required_argument, NULL, 'd'},
        {"signature", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *key = NULL, *detach = NULL, *sigfile = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":k:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'k': key = optarg; break;
        case 'd': detach = optarg; break;
        case 's': sigfile = optarg; break;
        case 'h': fputs(sign_help, stdout); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("pack", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1 || !key == !sigfile || (detach && !key))
        return cli_usage("pack", "pack sign: give one bundle and --key KEY.key [--detach SIG], or --signature SIG");
    const char *file = argv[optind];
    mp_error err = {0};
    char *data;
    size_t len;
    struct mp_bundle b;
    enum mp_status st = mp_file_read(file, MP_BUNDLE_MAX_BYTES, &data, &len, &err);
    if (st != MP_OK)
        return cli_fail(&err);
    st = mp_bundle_read(data, len, file, &b, &err);
    free(data);
    if (st != MP_OK)
        return cli_fail(&err);
    if (sigfile) {
        char *sig;
        size_t slen;
        if ((st = mp_file_read(sigfile, 4096, &sig, &slen, &err)) == MP_OK) {
            st = mp_bundle_attach(&b, sig, sigfile, &err);
            free(sig);
        }
    } else {
        st = mp_bundle_sign(&b, key, &err);
    }
    if (st == MP_OK && detach) {
        struct mp_out out;
        if ((st = mp_out_open(&out, detach, &err)) == MP_OK) {
            fputs(b.signature, out.fp);
            if ((st = mp_out_finish(&out, MP_OK, &err)) == MP_OK)
                printf("wrote %s: the signature of %s's MANIFEST by %s (%s)\n", detach, file, b.signer.key.name,
                       b.signer.key.fpr);
        }
    } else if (st == MP_OK && (st = mp_bundle_write(&b, file, &err)) == MP_OK) {
        say_signed(&b, file);
    }
    mp_bundle_free(&b);
    return st == MP_OK ? 0 : cli_fail(&err);
}

/* ---- install, list, remove ---- */

static void said_installed(void *ud, const struct mp_bundle *b, const char *dir)
{
    (void)ud;
    if (!dir) {
        printf("%s %s is installed already\n", b->name, b->version);
        return;
    }
    printf("installed %s %s in %s (%s)\n", b->name, b->version, dir,
           !b->signer.signed_ ? "UNSIGNED" : b->signer.trusted ? b->signer.key.name : "UNTRUSTED signer");
}

/* --index URL and --allow-unsigned; the operands are left from optind. */
static int parse_src(int argc, char **argv, const char *usage, struct mp_install_opts *o)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'}, {"allow-unsigned", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->done = said_installed;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":i:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'i': o->index = optarg; break;
        case 'u': o->allow_unsigned = 1; break;
        case 'h': printf("usage: %s\n", usage); return 0;
        case ':': return cli_usage("pack", "%s needs a value", argv[optind - 1]);
        default: return cli_unknown_option("pack", longopts, argv[optind - 1]);
        }
    }
    return -1;
}

int share_install(int argc, char **argv)
{
    struct mp_install_opts o;
    int rc = parse_src(argc, argv, "mplan pack install FILE|URL|NAME[@RANGE] [--index URL] [--allow-unsigned]", &o);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return cli_usage("pack", "pack install: give one bundle, URL or NAME[@RANGE]");
    mp_error err = {0};
    return mp_pack_install(argv[optind], &o, &err) == MP_OK ? 0 : cli_fail(&err);
}

int share_list(int argc, char **argv)
{
    if (help_or(argc, argv, "usage: mplan pack list\n"))
        return 0;
    (void)argv;
    if (argc != 1)
        return cli_usage("pack", "pack list takes no arguments");
    mp_error err = {0};
    struct mp_installed *v;
    size_t n;
    if (mp_store_list(&v, &n, &err) != MP_OK)
        return cli_fail(&err);
    for (size_t i = 0; i < n; i++) {
        char who[200];
        if (!v[i].signed_)
            snprintf(who, sizeof who, "UNSIGNED");
        else if (!v[i].trusted)
            snprintf(who, sizeof who, "UNTRUSTED %s (%s)", v[i].signer, v[i].fpr);
        else
            snprintf(who, sizeof who, "signed by %s (%s)", v[i].signer, v[i].fpr);
        printf("%-20s %-10s %s\n", v[i].name, v[i].version, who);
    }
    if (!n) {
        char home[4096] = "?";
        mp_store_home(home, sizeof home);
        fprintf(stderr, "mplan: no packs installed in %s\n", home);
    }
    free(v);
    return 0;
}

int share_remove(int argc, char **argv)
{
    if (help_or(argc, argv, "usage: mplan pack remove NAME[@VERSION]\n"))
        return 0;
    if (argc != 2)
        return cli_usage("pack", "pack remove: give one NAME or NAME@VERSION");
    char name[256];
    const char *at = strchr(argv[1], '@');
    snprintf(name, sizeof name, "%.*s", at ? (int)(at - argv[1]) : (int)strlen(argv[1]), argv[1]);
    mp_error err = {0};
    size_t removed;
    if (mp_store_remove(name, at ? at + 1 : NULL, &removed, &err) != MP_OK)
        return cli_fail(&err);
    printf("removed %s (%zu version%s)\n", argv[1], removed, removed == 1 ? "" : "s");
    return 0;
}

/* ---- index, search, update ---- */

int share_index(int argc, char **argv)
{
    if (help_or(argc, argv, "usage: mplan pack index DIR\n"))
        return 0;
    if (argc != 2)
        return cli_usage("pack", "pack index: give one directory of bundles");
    mp_error err = {0};
    size_t n;
    if (mp_index_write(argv[1], &n, &err) != MP_OK)
        return cli_fail(&err);
    printf("wrote %s/index.json: %zu bundle%s\n", argv[1], n, n == 1 ? "" : "s");
    return 0;
}

int share_search(int argc, char **argv)
{
    struct mp_install_opts o;
    int rc = parse_src(argc, argv, "mplan pack search WORD [--index URL]", &o);
    if (rc >= 0)
        return rc;
    if (optind != argc - 1)
        return cli_usage("pack", "pack search: give one WORD");
    const char *word = argv[optind];
    mp_error err = {0};
    struct mp_index ix;
    if (mp_index_load(o.index ? o.index : mp_default_index(), &ix, &err) != MP_OK)
        return cli_fail(&err);
    size_t hits = 0;
    for (size_t i = 0; i < ix.n; i++) {
        const struct mp_index_entry *x = &ix.v[i];
        if (!strcasestr(x->name, word) && !strcasestr(x->summary, word))
            continue;
        hits++;
        printf("%-20s %-10s ", x->name, x->version);
        mp_esc_fputs(x->signer ? x->signer : "UNSIGNED", MP_ESC_LINE, stdout);
        fputs("  ", stdout);
        mp_esc_fputs(x->summary, MP_ESC_LINE, stdout);
        putchar('\n');
    }
    if (!hits)
        fprintf(stderr, "mplan: nothing in %s matches '%s'\n", ix.where, word);
    mp_index_free(&ix);
    return hits ? 0 : 1;
}

int share_update(int argc, char **argv)
{
    struct mp_install_opts o;
    int rc = parse_src(argc, argv, "mplan pack update [--index URL]", &o);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return cli_usage("pack", "pack update takes no operands");
    mp_error err = {0};
    size_t n;
    if (mp_pack_update(&o, &n, &err) != MP_OK)
        return cli_fail(&err);
    if (!n)
        printf("every installed pack is up to date\n");
    return 0;
}
