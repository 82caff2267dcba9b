/* PLACEHOLDER: mplan run is being written. */
#include "cli/cmd.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "mplan: run is not built yet\n");
    return 70;
}
