/* `mplan key|trust|pack bundle...`: run the helper mplan-share (cli/share.h), found beside
 * the running mplan (the build directory), in ../libexec/mplan from it (an installed or
 * staged tree), or in the LIBEXECDIR compiled in. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/share.h"

#ifndef MPLAN_LIBEXEC_DIR
#define MPLAN_LIBEXEC_DIR "/usr/local/libexec/mplan"
#endif

int share_exec(const char *group, int argc, char **argv)
{
    char self[PATH_MAX], tried[3][PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(tried[0], sizeof tried[0], "%s/mplan-share", self);
    snprintf(tried[1], sizeof tried[1], "%s/../libexec/mplan/mplan-share", self);
    snprintf(tried[2], sizeof tried[2], "%s/mplan-share", MPLAN_LIBEXEC_DIR);
    /* [helper, group, args..., NULL]: for "pack" argv starts at the subcommand, else argv[0]
     * is the group itself */
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) {
        fprintf(stderr, "mplan: out of memory\n");
        return 5;
    }
    int k = 1;
    args[k++] = (char *)group;
    for (int i = strcmp(group, "pack") == 0 ? 0 : 1; i < argc; i++)
        args[k++] = argv[i];
    fflush(stdout);
    for (int i = 0; i < 3; i++) {
        if (!*self && i < 2)
            continue;
        args[0] = tried[i];
        execv(tried[i], args);
    }
    int saved = errno;
    free(args);
    fprintf(stderr, "mplan: the pack-sharing commands are in mplan-share, which is not at %s, %s or %s (%s); "
                    "reinstall mplan\n", tried[0], tried[1], tried[2], strerror(saved));
    return 5;
}

int share_pack_exec(int argc, char **argv)
{
    return share_exec("pack", argc, argv);
}

int cmd_key(int argc, char **argv)
{
    return share_exec("key", argc, argv);
}

int cmd_trust(int argc, char **argv)
{
    return share_exec("trust", argc, argv);
}
