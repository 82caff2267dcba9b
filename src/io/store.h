/* The pack store (docs/packs.md, "Send a pack to another store"): installed packs under
 * $MPLAN_HOME/packs/NAME/VERSION, several versions side by side; indexes of bundles
 * (index.json in a directory or at an HTTP(S) URL); installs with their dependencies. */
#ifndef MPLAN_IO_STORE_H
#define MPLAN_IO_STORE_H

#include <stddef.h>

#include "io/bundle.h"
#include "io/store_find.h"
#include "mplan/status.h"

/* Remove NAME (every version) or one version; *removed counts the versions. */
enum mp_status mp_store_remove(const char *name, const char *version, size_t *removed, mp_error *err);

/* Write DIR/index.json from the bundles (*.mpack) in DIR; *count of them. */
enum mp_status mp_index_write(const char *dir, size_t *count, mp_error *err);

struct mp_index_entry {
    const char *name, *version, *summary, *file, *sha256, *signer, *fpr;
};

struct mp_index {
    void *root;       /* the JSON document, owning the strings */
    char base[4096];  /* where the bundles are */
    char where[4096]; /* the index, as given */
    struct mp_index_entry *v;
    size_t n;
};

/* Read an index: a directory or URL holding index.json, or the index.json itself. */
enum mp_status mp_index_load(const char *where, struct mp_index *ix, mp_error *err);
void mp_index_free(struct mp_index *ix);

/* The index `mplan pack install NAME` uses without --index: $MPLAN_INDEX, else the bundles
 * shipped with mplan (DATADIR/mplan/bundles). */
const char *mp_default_index(void);

struct mp_install_opts {
    const char *index;  /* NULL: the default (for a name) or the bundle's own directory */
    int allow_unsigned; /* install unsigned or untrusted bundles, marked so */
    /* told of each pack installed (dependencies first); dir NULL: installed already */
    void (*done)(void *ud, const struct mp_bundle *b, const char *dir);
    void *ud;
};

/* Install FILE, URL or NAME[@RANGE] and what it requires (resolved from the same source,
 * dependencies already installed kept). Everything is fetched and checked before the first
 * pack is written: a bad bundle, an untrusted signer, a range nothing satisfies or a cycle
 * installs nothing. */
enum mp_status mp_pack_install(const char *what, const struct mp_install_opts *o, mp_error *err);

/* For each installed pack that came from an index, install the highest version that index
 * has when it is newer than every installed one (o->index overrides the recorded index).
 * *updated counts them. */
enum mp_status mp_pack_update(const struct mp_install_opts *o, size_t *updated, mp_error *err);

#endif
