/* Sharing packs. mplan-share (share_main.c, cmd_share.c) runs `key`, `trust` and pack
 * bundle|sign|install|list|remove|index|search|update; `mplan` runs mplan-share for them
 * (share_exec.c), so that the command everyone runs does not load libarchive, libsodium,
 * libcurl and their dependencies (docs/design.md, "Sharing packs"). */
#ifndef MPLAN_CLI_SHARE_H
#define MPLAN_CLI_SHARE_H

int share_key(int argc, char **argv);
int share_trust(int argc, char **argv);
int share_bundle(int argc, char **argv);
int share_sign(int argc, char **argv);
int share_install(int argc, char **argv);
int share_list(int argc, char **argv);
int share_remove(int argc, char **argv);
int share_index(int argc, char **argv);
int share_search(int argc, char **argv);
int share_update(int argc, char **argv);

/* In mplan: run mplan-share GROUP ARGV... (GROUP "key", "trust" or "pack"); returns only when
 * it cannot be run (exit 5, saying where it was looked for). */
int share_exec(const char *group, int argc, char **argv);
int share_pack_exec(int argc, char **argv);

#endif
