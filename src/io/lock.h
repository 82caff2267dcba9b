/* PLAN.lock: the version and SHA-256 of every file of each pack a plan uses, so a run can
 * refuse a pack that changed since an analyst reviewed it (`mplan pack lock`). */
#ifndef MPLAN_IO_LOCK_H
#define MPLAN_IO_LOCK_H

#include <stddef.h>

#include "core/arena.h"
#include "mplan/plan.h"
#include "mplan/status.h"

/* A pack's directory walks at most this deep and holds at most this many files. */
#define MP_LOCK_MAX_DEPTH 16
#define MP_LOCK_MAX_FILES 10000

struct mp_pack_file {
    const char *rel;   /* path relative to the pack directory, '/'-separated */
    char sha256[65];   /* lower-case hex */
};

/* Every regular file under a pack directory, sorted by relative path. Names that start
 * with '.' (editor swap files, .git) are not part of a pack and are skipped. */
struct mp_pack_files {
    struct mp_arena arena; /* owns the paths and the array */
    struct mp_pack_file *v;
    size_t n;
};

/* Hash every file under `dir`. On success the caller owns *out's memory: free it with
 * mp_pack_files_free (safe on a zeroed struct). MP_EIO when a file cannot be read. */
enum mp_status mp_pack_files_hash(const char *dir, struct mp_pack_files *out, mp_error *err);
void mp_pack_files_free(struct mp_pack_files *files);

/* The lock file of a plan file: its name with `.yaml`/`.yml` replaced by `.lock` (else
 * `.lock` appended). Returns -1 when buf (of n bytes) is too small. */
int mp_lock_path(const char *plan_file, char *buf, size_t n);

/* Write the plan's lock file atomically (io/out.h): for each pack of plan->packs its
 * path, the name and version of its manifest, and its files. MP_EINPUT for a bad
 * manifest, MP_EIO when a file cannot be read or the lock written. */
enum mp_status mp_lock_write(const mp_plan *plan, mp_error *err);

/* When a lock file sits beside the plan, check that every pack of the plan is locked and
 * that its files are exactly the locked ones; else MP_EINPUT with
 * `plan.lock:9:7: pack 'event-rhythm' (../rules/event-rhythm): init.lua changed since the
 * lock ...`. MP_OK without a lock file. */
enum mp_status mp_lock_verify(const mp_plan *plan, mp_error *err);

/* The same check for pack `pack_index` of the plan alone. When the plan has a lock (*found
 * set), *locked receives the pack's locked files and hashes (free with mp_pack_files_free),
 * so that whoever loads the pack can check every file's bytes as it reads them. A lock file
 * that exists but cannot be read, or lacks a key, is an error, never a skipped check. */
enum mp_status mp_lock_pack(const mp_plan *plan, size_t pack_index, struct mp_pack_files *locked,
                            int *found, mp_error *err);

/* The version the lock beside `plan_file` records for the pack entry `key` (its `path`,
 * "NAME@RANGE" for a pack of the store): 0 and version[n] filled, else -1 (no lock, no
 * such entry, or a lock that cannot be read: mp_lock_verify reports that one). */
int mp_lock_pinned(const char *plan_file, const char *key, char *version, size_t n);

#endif
