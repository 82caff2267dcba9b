/* Reading a rule pack's files: every file a pack opens (pack.yaml, init.lua, modules, test
 * plans) comes through here, so that no path leaves the pack directory, nothing blocks on a
 * FIFO, and, when a lock applies, the bytes returned are the very bytes whose hash was
 * checked (no second open between the check and the use). */
#ifndef MPLAN_IO_PACK_FS_H
#define MPLAN_IO_PACK_FS_H

#include <stddef.h>

#include "io/lock.h"
#include "mplan/status.h"

/* Largest file a pack may hold open for loading: scripts and manifests. */
#define MP_PACK_FILE_MAX (16u << 20)

/* Read the file `rel` ('/'-separated, relative) of the pack in `dir`. It must resolve inside
 * the directory (symbolic links are followed only while they stay inside it; one that leads
 * out is refused, naming the link), be a regular file (a FIFO or device is refused without
 * being waited on) of at most `max` bytes. With `locked` (the pack's entry of a PLAN.lock)
 * the bytes must hash to the locked SHA-256 of `rel`. On success the caller owns *buf (free;
 * NUL-terminated, *len bytes before the NUL). MP_ENOENT-like absence is MP_EIO with
 * `*missing` set when `missing` is not NULL; a refusal is MP_EINPUT naming `dir/rel`. */
enum mp_status mp_pack_file_read(const char *dir, const char *rel, size_t max,
                                 const struct mp_pack_files *locked, char **buf, size_t *len,
                                 int *missing, mp_error *err);

/* The same for a file given on its own (a script outside any pack): a regular file of at
 * most `max` bytes, opened without blocking. */
enum mp_status mp_file_read(const char *path, size_t max, char **buf, size_t *len,
                            mp_error *err);

/* Is `rel` (a file under `dir`) reached through a symbolic link that leads outside `dir`?
 * Then MP_EINPUT naming the link; MP_OK otherwise (also when it does not exist). */
enum mp_status mp_pack_path_check(const char *dir, const char *rel, mp_error *err);

#endif
