/* The buffers of one byte range of a segmentation pass: its `--labels` lines, kept in a
 * temporary file until the ranges are joined in file order, and the (key, label, line) list
 * the flow between two snapshots matches. Lua-free: the row binding fills them, the
 * runner joins them. */
#ifndef MPLAN_IO_SEG_BUF_H
#define MPLAN_IO_SEG_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/status.h"

/* `--labels` lines of one range, in a temporary file until the ranges are joined. */
struct seg_labout {
    int fd;
    char *buf;
    size_t len;
    int err;                   /* errno of a failed write */
    uint64_t score_line, plain_line; /* first row with / without a score (0: none) */
};

/* A buffer and an unlinked temporary file in `dir`. The caller owns it:
 * mp_segment_labout_free (safe on NULL). NULL with err set when it cannot be made. */
struct seg_labout *mp_segment_labout_new(const char *dir, mp_error *err);
void mp_segment_labout_free(struct seg_labout *o);
/* Append a CSV field, quoted when it must be, whole however long. */
void mp_segment_labout_field(struct seg_labout *o, const char *p, size_t n);
/* Write the buffer to the file: 0, or -1 with o->err set (now or by an earlier write). */
int mp_segment_labout_flush(struct seg_labout *o);

/* A growing list of (key, label, line), for the flow. */
struct seg_keyvec {
    char *bytes;
    size_t nbytes, capbytes;
    struct seg_keyrow {
        size_t off;
        uint32_t len, label;
        uint64_t line;
    } *rows;
    size_t n, cap;
};

/* Note (key, label, line) of a row for the flow: 0, or -1 when out of memory. */
int mp_segment_keyvec_add(struct seg_keyvec *v, const char *key, size_t len, uint32_t label, uint64_t line);
/* Free a calloc'd list and what it holds (safe on NULL). */
void mp_segment_keyvec_free(struct seg_keyvec *v);

#endif
