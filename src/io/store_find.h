/* Installed packs of the store, found by name and version range: the part of the store a
 * run needs (io/store.h installs, removes and indexes), in libmplan without the archive,
 * signature and HTTP libraries (docs/design.md, "Sharing packs"). */
#ifndef MPLAN_IO_STORE_FIND_H
#define MPLAN_IO_STORE_FIND_H

#include <stddef.h>

#include "mplan/status.h"

struct mp_installed {
    char name[128], version[96], dir[4096];
    char signer[128];  /* the signer's name, "" when unsigned */
    char fpr[17];
    int signed_, trusted;
    char origin[1024]; /* the index it came from, "" when installed from a file */
};

/* The store: $MPLAN_HOME, else $XDG_DATA_HOME/mplan, else $HOME/.local/share/mplan. -1
 * when no directory can be named (no HOME) or buf[n] is too small. */
int mp_store_home(char *buf, size_t n);

/* Every installed pack, sorted by name, then version (oldest first). Caller frees *v. */
enum mp_status mp_store_list(struct mp_installed **v, size_t *n, mp_error *err);

/* The installed version of `name` a plan runs: `pinned` (a lock's version) when it is
 * installed and satisfies `range`, else the highest that does. MP_EINPUT when nothing
 * installed satisfies the range (the message lists what is). */
enum mp_status mp_store_resolve(const char *name, const char *range, const char *pinned,
                                struct mp_installed *out, mp_error *err);

/* List the installed versions of `only` (NULL: of every pack). */
enum mp_status mp_store_list_of(const char *only, struct mp_installed **v, size_t *n, mp_error *err);

#endif
