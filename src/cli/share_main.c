/* mplan-share: the pack-sharing commands (cmd_share.c), run by `mplan key|trust|pack ...`
 * (share_exec.c) as `mplan-share key|trust|pack ARGS...`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/share.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct subcommand pack_commands[] = {
    {"bundle", share_bundle}, {"sign", share_sign},   {"install", share_install}, {"list", share_list},
    {"remove", share_remove}, {"index", share_index}, {"search", share_search},   {"update", share_update},
};

static int dispatch(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "key") == 0)
        return share_key(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "trust") == 0)
        return share_trust(argc - 1, argv + 1);
    if (argc >= 3 && strcmp(argv[1], "pack") == 0)
        for (size_t i = 0; i < sizeof pack_commands / sizeof *pack_commands; i++)
            if (strcmp(argv[2], pack_commands[i].name) == 0)
                return pack_commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "mplan-share: run by mplan (mplan key, mplan trust, mplan pack bundle|sign|install|"
                    "list|remove|index|search|update)\n");
    return 2;
}

int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "mplan: standard output: write failed: %s\n", strerror(errno ? errno : EIO));
    return rc ? rc : 5;
}
