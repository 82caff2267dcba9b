/* Output files written atomically: a temp file beside the target, renamed on commit, so a
 * failed run never leaves a half-written file. Without a path, output goes to stdout. */
#ifndef MPLAN_IO_OUT_H
#define MPLAN_IO_OUT_H

#include <stdio.h>

#include "mplan/status.h"

struct mp_out {
    FILE *fp;
    const char *path; /* NULL for stdout */
    char tmp[4096];
};

/* Open `path` ("-" or NULL: stdout) for writing. */
enum mp_status mp_out_open(struct mp_out *out, const char *path, mp_error *err);
/* Flush, close and rename into place. */
enum mp_status mp_out_commit(struct mp_out *out, mp_error *err);
/* Drop the temp file (safe to call after a commit or twice). */
void mp_out_abort(struct mp_out *out);

#endif
