/* mplan pack bundle|sign|install|list|remove|index|search|update (cmd_share.c), dispatched by
 * cmd_pack.c. */
#ifndef MPLAN_CLI_SHARE_H
#define MPLAN_CLI_SHARE_H

int share_bundle(int argc, char **argv);
int share_sign(int argc, char **argv);
int share_install(int argc, char **argv);
int share_list(int argc, char **argv);
int share_remove(int argc, char **argv);
int share_index(int argc, char **argv);
int share_search(int argc, char **argv);
int share_update(int argc, char **argv);

#endif
