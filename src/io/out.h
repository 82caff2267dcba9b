/* Output files. A regular file (or a new one) is written to a temp file beside it and renamed
 * over it on commit, keeping the old file's mode, so a failed or interrupted run never leaves
 * a half-written file; a device, FIFO or socket is written in place (`-o /dev/null` stays a
 * device); a symlink is followed and the file it points to replaced (the link stays). Without
 * a path, or with "-", output goes to standard output. Temp files are removed on SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT, and a later write of the same target removes those a killed
 * run left. Every write error is kept with its errno and reported with the file's name. */
#ifndef MPLAN_IO_OUT_H
#define MPLAN_IO_OUT_H

#include <stdio.h>
#include <sys/types.h>

#include "mplan/status.h"

/* Fill with mp_out_open; `out` must stay at its address until commit or abort (fp writes
 * through it). A zeroed struct is safe to abort. */
struct mp_out {
    FILE *fp;         /* write the output here */
    const char *path; /* as given, for messages; NULL: standard output */
    int fd;           /* what fp writes to */
    int dirfd;        /* the target's directory when replacing atomically, else -1 */
    int atomic;       /* 1: temp file `tmp` in dirfd, renamed to `base` on commit */
    int slot;         /* the temp's place in the signal handler's list, -1: none */
    int werr;         /* errno of the first failed write, 0: none */
    char *base;       /* malloc'd: the target's name in dirfd (symlinks resolved) */
    char tmp[64];
};

/* Open `path` ("-" or NULL: standard output) for writing. "" is a usage error. */
enum mp_status mp_out_open(struct mp_out *out, const char *path, mp_error *err);
/* 1 when the output goes to a terminal (tables are the default there). */
int mp_out_isatty(const struct mp_out *out);
/* The output's name in messages: the path, or "standard output". */
const char *mp_out_name(const struct mp_out *out);
/* Flush, sync, close and rename into place; every step checked. On failure no file is left
 * (the old target stays as it was). */
enum mp_status mp_out_commit(struct mp_out *out, mp_error *err);
/* Drop the output: the temp file is removed (safe after a commit, or twice). */
void mp_out_abort(struct mp_out *out);
/* Commit when `st` is MP_OK, else abort; returns the outcome. A writer that failed because a
 * write failed (a full disk, EIO) is reported as "FILE: write failed: REASON", whatever the
 * writer said (jansson and libyaml report any failure as their own). */
enum mp_status mp_out_finish(struct mp_out *out, enum mp_status st, mp_error *err);

/* A writer's own scratch files (the xlsx workbook's directory): `path` is removed on the
 * signals above as the temp files are (dir 1: a directory, removed after the files registered
 * in it), until mp_out_forget(slot). -1 when no slot is free or the path is longer than 255
 * bytes: it is then just not removed on a signal (mp_out_forget(-1) is a no-op). */
int mp_out_remove_on_signal(const char *path, int dir);
void mp_out_forget(int slot);

#endif
