/* The CSV reader of mplan (RFC 4180): customers files for `segment`, actuals for `review`.
 *
 * A header row is required; records are returned as (pointer, length) fields that stay valid
 * until the next call. Quoted fields may hold commas, quotes ("") and newlines; CRLF and LF
 * line ends are both accepted; a UTF-8 byte-order mark is skipped; blank lines are skipped.
 * A bad record (ragged, unterminated quote, NUL byte, field over the size limit, invalid
 * UTF-8) is an MP_EINPUT error naming file:line of the record's first line; with `skip_bad`
 * the reader counts it, resynchronises at the next line and goes on. Without it nothing is
 * read past the bad record, so a stream without newlines ends at the record limit.
 *
 * Files are read with pread() in a bounded buffer, so memory does not grow with the file. A
 * pass (mp_csv_pass_run) can split a regular file into byte ranges on record boundaries and
 * read them on several threads; the result is the same as reading it whole. */
#ifndef MPLAN_IO_CSV_H
#define MPLAN_IO_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mplan/status.h"

#define MP_CSV_FIELD_MAX (64u * 1024u) /* default limit of one field, bytes */

struct mp_csv_opts {
    size_t max_field; /* 0: MP_CSV_FIELD_MAX */
    int skip_bad;     /* count and skip bad records instead of failing */
    /* Column names for input without a header row (e.g. one split of a file under Hadoop
     * Streaming); a record equal to them, the header of the first split, is skipped. */
    const char *const *names;
    size_t nnames;
    /* With `from_fd`: read the open descriptor `fd` (a copy of it: the caller still closes
     * it; a regular file is read from its start) and name it `path` in messages. */
    int from_fd, fd;
    /* Header names as Chinese ad platforms and shop back-ends export them (日期, 渠道, 花费,
     * 成交金额, ...) read as mplan's (period, channel, spend, gmv, ...): mp_csv_export_name. */
    int export_names;
};

/* mplan's column name for a header as platforms export it ("花费" -> "spend", "GMV" ->
 * "gmv"), or NULL when it is not one of them. */
const char *mp_csv_export_name(const char *header);

/* One record: nfields fields, each `len` bytes at `ptr` (not NUL-terminated; an empty field
 * has len 0). `line` is the record's first line in the file, 1 for the header. */
struct mp_csv_field {
    const char *ptr;
    size_t len;
};

struct mp_csv_record {
    const struct mp_csv_field *fields;
    size_t nfields;
    uint64_t line;
};

typedef struct mp_csv mp_csv;

/* Open `path` ("-": standard input) and read its header. The caller owns *out: free it with
 * mp_csv_close. */
enum mp_status mp_csv_open(const char *path, const struct mp_csv_opts *opts, mp_csv **out,
                           mp_error *err);
void mp_csv_close(mp_csv *csv);

/* Column names from the header, in file order. */
size_t mp_csv_ncols(const mp_csv *csv);
const char *mp_csv_colname(const mp_csv *csv, size_t col);
/* Index of the column named `name`, or -1. */
long mp_csv_find(const mp_csv *csv, const char *name);
/* The file name used in messages ("<stdin>" for "-"). */
const char *mp_csv_name(const mp_csv *csv);
/* An input error at a line of the file, MP_EINPUT: "NAME:LINE:COL: MSG", or "NAME:LINE: MSG"
 * when col is 0 (col counts from 1); the readers built on this one (actuals, histories, A/B
 * results) word their refusals with it, so that all say where alike. */
enum mp_status mp_csv_fail(const mp_csv *csv, uint64_t line, size_t col, mp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* 1 when the input is standard input, a pipe or a FIFO: it can be read only once. */
int mp_csv_is_stream(const mp_csv *csv);

/* The next record: MP_OK and rec->nfields > 0, or MP_OK and rec->nfields == 0 at the end.
 * On a bad record, MP_EINPUT with "file:line: what" (or, with skip_bad, the next good one). */
enum mp_status mp_csv_next(mp_csv *csv, struct mp_csv_record *rec, mp_error *err);

/* Bad records skipped so far (skip_bad) and the first few of them as "file:line: what". */
uint64_t mp_csv_bad_count(const mp_csv *csv);
size_t mp_csv_bad_samples(const mp_csv *csv, const char *const **lines);

/* ---- numbers ---- */

enum mp_csv_kind { MP_CSV_EMPTY, MP_CSV_INT, MP_CSV_REAL, MP_CSV_TEXT };

/* Classify a field once: empty; an integer (decimal digits with an optional sign, fitting
 * int64); a real (decimal with '.' or an exponent, or an integer too large for int64); else
 * text. Hex, "inf", "nan" and surrounding blanks are text. A number too large for a double
 * (1e999) is MP_CSV_TEXT with *range set to 1, so callers can reject it instead of silently
 * summing infinity. Reals are rounded exactly as strtod rounds them. */
enum mp_csv_kind mp_csv_number(const char *p, size_t len, int64_t *i, double *d, int *range);

/* An amount as people export it (actuals, history): blanks around, an optional minus, an
 * optional currency sign (¥ ￥ $) and thousands separators (1,234,567.50). MP_CSV_REAL with the
 * value in *out; MP_CSV_EMPTY for an empty cell; else MP_CSV_TEXT, with *why saying what to
 * change when the cell looks like a number written another way (a decimal comma, dots between
 * thousands), NULL when it is simply not one. *sym: the sign's symbol ("¥", "$") or "". */
enum mp_csv_kind mp_csv_amount(const char *p, size_t n, double *out, const char **sym, const char **why);

/* The offset of the first byte of p[0..n) that is not valid UTF-8, or n. */
size_t mp_csv_utf8_check(const char *p, size_t n);

/* mp_csv_number with its common cases inline (empty, text, short integers, decimals like
 * 442.94), for loops that classify every field of every row. Same results. */
static inline enum mp_csv_kind mp_csv_classify(const char *p, size_t n, int64_t *iv, double *dv,
                                               int *range)
{
    static const double pow10_small[] = {1,    1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                         1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    *range = 0;
    if (n == 0)
        return MP_CSV_EMPTY;
    unsigned c0 = (unsigned char)p[0];
    if (c0 - '0' > 9 && c0 != '-' && c0 != '+' && c0 != '.')
        return MP_CSV_TEXT;
    if (n > 16 || c0 - '0' > 9)
        return mp_csv_number(p, n, iv, dv, range);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            break;
        v = v * 10 + d;
    }
    if (i == n) {
        *iv = (int64_t)v;
        return MP_CSV_INT;
    }
    if (p[i] != '.') /* digits then anything but '.' or an exponent (a date) is text */
        return p[i] == 'e' || p[i] == 'E' ? mp_csv_number(p, n, iv, dv, range) : MP_CSV_TEXT;
    size_t dot = i++;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9)
            return mp_csv_number(p, n, iv, dv, range);
        v = v * 10 + d;
    }
    /* At most 15 digits: v < 2^53 and 10^k exact, so one division rounds correctly. */
    *dv = (double)v / pow10_small[n - 1 - dot];
    return MP_CSV_REAL;
}

/* mp_csv_classify, and a text that is an amount as exports write it (a currency sign, thousands
 * separators: "¥1,234.50", "1,234") read as mp_csv_amount reads it: what `mplan segment` reads
 * a customer export with. Only text starting with a sign or holding a comma is looked at again. */
static inline enum mp_csv_kind mp_csv_classify_amount(const char *p, size_t n, int64_t *iv, double *dv,
                                                      int *range)
{
    enum mp_csv_kind k = mp_csv_classify(p, n, iv, dv, range);
    if (k != MP_CSV_TEXT || !(*p == '$' || *p == '\xC2' || *p == '\xEF' || memchr(p, ',', n)))
        return k;
    const char *sym, *why;
    double v;
    if (mp_csv_amount(p, n, &v, &sym, &why) != MP_CSV_REAL)
        return k;
    *dv = v;
    return MP_CSV_REAL;
}

/* ---- parallel passes over a file ---- */

/* What one worker does. Each byte range of the file gets a fresh `state` from open(); row()
 * sees its records in file order. Returning MP_EINPUT from row() makes the record bad
 * (skipped and counted with skip_bad); any other failure stops the pass. The message of a
 * row() failure must not name the file or line: the pass adds them. A record's `line`
 * counts from 1 at the start of its range (where a range starts is known only once the
 * ranges before it are read): the line in the file is res->line_base[range] + line - 1. */
struct mp_csv_worker {
    void *ctx;
    /* A fresh state for range `range` (0.. in file order), read by worker `slot`
     * (0..jobs-1); NULL with err set. A slot reads its ranges one after another on one
     * thread, so per-slot resources need no lock. A range read again gets a fresh state. */
    void *(*open)(void *ctx, int slot, size_t range, mp_error *err);
    enum mp_status (*row)(void *state, const struct mp_csv_record *rec, mp_error *err);
    /* Free a state (also one whose range had to be read again). */
    void (*discard)(void *ctx, void *state);
    /* Called about ten times a second from the calling thread while the pass runs. */
    void (*tick)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
};

struct mp_csv_pass_result {
    void **states;     /* one per range, in file order; the caller discards them */
    uint64_t *line_base; /* [nstates] the file line each range starts at */
    size_t nstates;
    uint64_t rows;     /* good records */
    uint64_t bad;      /* records skipped (skip_bad) */
    char **bad_samples; /* "file:line: what" of the first few bad records */
    size_t nsamples;
    int resplit;       /* ranges read again because a split fell inside a quoted field */
    int redone;        /* ranges read again for any reason (their first states discarded) */
};

/* Read every record of the open file `csv` (just after its header) with up to `jobs`
 * threads, calling `w` per record. A regular file is cut into byte ranges at line starts
 * (several per thread, handed out as threads get free, so a slower core does not hold the
 * pass up); a range whose start turns out not to be a record boundary (a quoted field with a
 * newline across the cut) is read again from the true boundary, so the states returned are
 * exactly those of a sequential read. Standard input is read on one thread. On success the
 * caller owns `res` (mp_csv_pass_free); on failure it is empty and err names file:line. */
enum mp_status mp_csv_pass_run(mp_csv *csv, int jobs, const struct mp_csv_worker *w,
                               struct mp_csv_pass_result *res, mp_error *err);
void mp_csv_pass_free(const struct mp_csv_worker *w, struct mp_csv_pass_result *res);

#endif
