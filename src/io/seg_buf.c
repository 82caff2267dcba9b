/* --labels buffers and key lists of a segmentation pass (io/seg_buf.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "io/seg_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/table.h"

int mp_segment_labout_flush(struct seg_labout *o)
{
    size_t off = 0;
    while (off < o->len) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            o->err = errno;
            break;
        }
        off += (size_t)n;
    }
    o->len = 0;
    return o->err ? -1 : 0;
}

#define LABOUT_BUF 65536
#define LABOUT_SPARE 96

/* Append n bytes, flushing as the buffer fills; LABOUT_SPARE bytes stay free after them. */
static void labout_put(struct seg_labout *o, const char *p, size_t n)
{
    while (n > 0) {
        if (o->len + LABOUT_SPARE >= LABOUT_BUF)
            mp_segment_labout_flush(o);
        size_t k = LABOUT_BUF - LABOUT_SPARE - o->len;
        k = n < k ? n : k;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
    }
}

/* Whole however long (an id may be longer than the buffer: it then goes out in pieces). */
void mp_segment_labout_field(struct seg_labout *o, const char *p, size_t n)
{
    /* Room for the field quoted (2n + 2) and LABOUT_SPARE bytes after it: the separator, a
     * score and the line end that the caller appends. */
    if (o->len + 2 * n + 2 + LABOUT_SPARE > LABOUT_BUF)
        mp_segment_labout_flush(o);
    int guard = mp_csv_formula_like(p, n); /* as every CSV output: a spreadsheet shows it as text */
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (2 * n + 2 + LABOUT_SPARE > LABOUT_BUF) {
        if (quote)
            labout_put(o, "\"", 1);
        if (guard)
            labout_put(o, "'", 1);
        for (size_t i = 0; i < n;) {
            const char *q = quote ? memchr(p + i, '"', n - i) : NULL;
            size_t e = q ? (size_t)(q - p) + 1 : n;
            labout_put(o, p + i, e - i);
            if (q)
                labout_put(o, "\"", 1); /* doubled */
            i = e;
        }
        if (quote)
            labout_put(o, "\"", 1);
        return;
    }
    if (!quote) {
        if (guard)
            o->buf[o->len++] = '\'';
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        return;
    }
    o->buf[o->len++] = '"';
    if (guard)
        o->buf[o->len++] = '\'';
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            o->buf[o->len++] = '"';
        o->buf[o->len++] = p[i];
    }
    o->buf[o->len++] = '"';
}

void mp_segment_labout_free(struct seg_labout *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    free(o->buf);
    free(o);
}

struct seg_labout *mp_segment_labout_new(const char *dir, mp_error *err)
{
    struct seg_labout *o = calloc(1, sizeof *o);
    if (o)
        o->fd = -1; /* not 0: freeing it before the file is made must not close stdin */
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/.mplan-labels.XXXXXX", dir);
    if (!o || !(o->buf = malloc(LABOUT_BUF))) {
        mp_segment_labout_free(o);
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    /* Unnamed from the start where the file system allows it: nothing for a signal or a kill
     * to leave behind; else named for the instant until the unlink below. */
#ifdef O_TMPFILE
    o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (o->fd >= 0)
        return o;
#endif
    o->fd = mkstemp(tmpl);
    if (o->fd < 0) {
        mp_fail(err, MP_EIO, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        mp_segment_labout_free(o);
        return NULL;
    }
    unlink(tmpl); /* gone when closed, whatever happens */
    return o;
}

int mp_segment_keyvec_add(struct seg_keyvec *v, const char *key, size_t len, uint32_t label, uint64_t line)
{
    if (v->nbytes + len > v->capbytes) {
        size_t cap = v->capbytes ? 2 * v->capbytes : 65536;
        while (cap < v->nbytes + len)
            cap *= 2;
        char *b = realloc(v->bytes, cap);
        if (!b)
            return -1;
        v->bytes = b;
        v->capbytes = cap;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 4096;
        struct seg_keyrow *r = realloc(v->rows, cap * sizeof *r);
        if (!r)
            return -1;
        v->rows = r;
        v->cap = cap;
    }
    memcpy(v->bytes + v->nbytes, key, len);
    v->rows[v->n++] = (struct seg_keyrow){v->nbytes, (uint32_t)len, label, line};
    v->nbytes += len;
    return 0;
}

void mp_segment_keyvec_free(struct seg_keyvec *v)
{
    if (v) {
        free(v->bytes);
        free(v->rows);
    }
    free(v);
}
