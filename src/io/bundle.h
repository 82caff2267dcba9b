/* Pack bundles (docs/packs.md, "Send a pack to another store"): one reproducible .mpack file
 * (a gzip'd tar through libarchive) holding MANIFEST (the pack's name, version, summary,
 * requires and the SHA-256 and size of every file), an optional SIGNATURE (io/trust.h) of
 * the MANIFEST bytes, and the files under files/. Reading one checks every entry before
 * anything is written: names (core/pathcheck.h), types (regular files only: no links, no
 * devices), sizes and counts, and every digest against MANIFEST. */
#ifndef MPLAN_IO_BUNDLE_H
#define MPLAN_IO_BUNDLE_H

#include <stddef.h>

#include "io/trust.h"
#include "mplan/status.h"

#define MP_BUNDLE_MAX_BYTES (64u << 20) /* a bundle file, and all its files unpacked */
#define MP_BUNDLE_MAX_FILES 1000
#define MP_BUNDLE_FILE_MAX (16u << 20)  /* one file unpacked */

struct mp_bundle_file {
    char *rel;
    unsigned char *data;
    size_t len;
    char sha256[65];
};

struct mp_bundle_req {
    char *name, *range;
};

struct mp_bundle {
    char *name, *version, *summary;
    struct mp_bundle_req *requires;
    size_t nrequires;
    char *manifest;  /* the MANIFEST text, NUL-terminated */
    char *signature; /* the SIGNATURE text, NULL when unsigned */
    struct mp_bundle_file *files;
    size_t nfiles;
    char sha256[65]; /* of the .mpack file (after mp_bundle_read or mp_bundle_write) */
    struct mp_signer signer;
};

/* A bundle of the pack in `dir` (every file mp_pack_files_hash lists). Caller frees with
 * mp_bundle_free (safe on a zeroed struct). */
enum mp_status mp_bundle_make(const char *dir, struct mp_bundle *b, mp_error *err);

/* Sign (or sign again) with a secret key file. */
enum mp_status mp_bundle_sign(struct mp_bundle *b, const char *keyfile, mp_error *err);

/* Attach a signature made elsewhere (the SIGNATURE text of a bundle of the same MANIFEST,
 * e.g. a release's committed signature): MP_EINPUT when it does not verify. */
enum mp_status mp_bundle_attach(struct mp_bundle *b, const char *sigtext, const char *shown, mp_error *err);

/* Write the .mpack file atomically: the same bundle gives the same bytes. */
enum mp_status mp_bundle_write(struct mp_bundle *b, const char *path, mp_error *err);

/* Parse and check a bundle held in data[len] (`shown` names it in messages): MP_EINPUT for
 * anything wrong with it. A signature is checked against MANIFEST and b->signer says who
 * made it and whether the trust list holds that key; trusting is the caller's decision. */
enum mp_status mp_bundle_read(const void *data, size_t len, const char *shown, struct mp_bundle *b,
                              mp_error *err);

/* Install into the store as NAME/VERSION: unpacked into a temporary directory beside it,
 * pack.yaml checked against MANIFEST, then renamed into place, so that a failure leaves
 * nothing. `origin` (an index URL or NULL) is kept for `mplan pack update`. dest[n] gets
 * the directory. MP_EINPUT when that version is installed already. */
enum mp_status mp_bundle_install(const struct mp_bundle *b, const char *origin, char *dest, size_t n,
                                 mp_error *err);

void mp_bundle_free(struct mp_bundle *b);

/* Remove a directory tree of the store without following links (io/bundle.c). */
int mp_rm_tree(const char *path);

#endif
