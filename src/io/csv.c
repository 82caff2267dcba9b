/* RFC 4180 reader: see csv.h. A record is first looked for on one line with a byte-class
 * scan (the common case: no quotes); a record holding a quote is parsed again by the full
 * state machine, which may span lines and unescapes into a scratch buffer. */
#include "io/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF_INIT (256u * 1024u)
#define BUF_MIN 4096u /* the least buffer of a small file */
#define RECORD_MIN_MAX (4u * 1024u * 1024u) /* a record may always grow this far */
#define BAD_SAMPLES 10
#define WHAT_MAX 200

/* Byte classes for the one-line scan. */
enum { C_COMMA = 1, C_QUOTE = 2, C_NUL = 4, C_HIGH = 8 };
static unsigned char byte_class[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_init(void)
{
    byte_class[','] = C_COMMA;
    byte_class['"'] = C_QUOTE;
    byte_class[0] = C_NUL;
    for (int c = 0x80; c < 0x100; c++)
        byte_class[c] = C_HIGH;
}

/* A cursor over the records that start in [start, end) of a file or a stream. */
struct reader {
    int fd;
    int stream;        /* read() in order; else pread() at off + len */
    uint64_t off;      /* file offset of buf[0] */
    uint64_t end;      /* records starting here or later belong to the next range */
    char *buf;
    size_t cap, len, cur;
    int eof;
    uint64_t line;     /* line of buf[cur], counted from 1 at the reader's start */
    size_t ncols, max_field, max_record;
    char **cols;       /* column names for messages; NULL while reading the header */
    int header;        /* any number of fields up to ncols (reading the header) */
    int resync;        /* go on after a bad record (skip_bad): only then is it skipped */
    struct mp_csv_field *fields; /* [ncols] */
    size_t *foff;                /* [ncols]: field offsets into scratch (quoted records) */
    char *scratch;
    size_t scap;
    _Atomic uint64_t *done; /* bytes consumed, for progress; may be NULL */
    uint64_t reported;      /* file offset up to which `done` was told */
    /* The last bad record: where and what (no file name: the caller adds it). */
    uint64_t bad_line;
    char what[WHAT_MAX];
};

struct mp_csv {
    char *name;
    int fd;
    int stream;
    int used;          /* a stream can be read by one pass only */
    struct mp_csv_opts opts;
    char **cols;
    size_t ncols;
    uint64_t data_start, data_line, size;
    struct reader rd;  /* the header reader; mp_csv_next and stream passes go on with it */
    uint64_t bad;
    char *samples[BAD_SAMPLES];
    size_t nsamples;
};

/* ---- reader ---- */

static int reader_init(struct reader *r, const mp_csv *csv, uint64_t start, uint64_t end)
{
    memset(r, 0, sizeof *r);
    r->fd = csv->fd;
    r->stream = csv->stream;
    r->off = start;
    r->end = end;
    r->line = 1;
    r->ncols = csv->ncols;
    r->cols = csv->cols;
    r->max_field = csv->opts.max_field;
    r->resync = csv->opts.skip_bad;
    r->max_record = 64 * r->max_field > RECORD_MIN_MAX ? 64 * r->max_field : RECORD_MIN_MAX;
    r->cap = BUF_INIT;
    /* A file smaller than that is read into a buffer of its size (+1 to see its end at once):
     * a small history does not map and unmap 256 KiB, it reuses the heap's pages. */
    uint64_t left = csv->stream || csv->size <= start ? 0 : (end < csv->size ? end : csv->size) - start;
    if (!csv->stream && left + 1 < r->cap)
        r->cap = left + 1 > BUF_MIN ? (size_t)left + 1 : BUF_MIN;
    r->buf = malloc(r->cap);
    r->fields = malloc((r->ncols ? r->ncols : 1) * sizeof *r->fields);
    r->foff = malloc((r->ncols ? r->ncols : 1) * sizeof *r->foff);
    r->reported = start;
    return r->buf && r->fields && r->foff ? 0 : -1;
}

/* Room for `ncols` fields (the header decides how many). */
static int reader_columns(struct reader *r, size_t ncols)
{
    struct mp_csv_field *f = realloc(r->fields, (ncols ? ncols : 1) * sizeof *f);
    if (f)
        r->fields = f;
    size_t *o = realloc(r->foff, (ncols ? ncols : 1) * sizeof *o);
    if (o)
        r->foff = o;
    if (!f || !o)
        return -1;
    r->ncols = ncols;
    return 0;
}

static void reader_free(struct reader *r)
{
    free(r->buf);
    free(r->fields);
    free(r->foff);
    free(r->scratch);
    r->buf = r->scratch = NULL;
    r->fields = NULL;
    r->foff = NULL;
}

static uint64_t reader_pos(const struct reader *r)
{
    return r->off + r->cur;
}

enum { FILL_OK = 1, FILL_EOF = 0, FILL_ERR = -1, FILL_FULL = -2 };

/* Keep buf[cur..len) and read more after it: FILL_EOF at the end of the input, FILL_FULL
 * when the pending record would outgrow max_record. */
static int reader_fill(struct reader *r)
{
    if (r->eof)
        return FILL_EOF;
    if (r->cur > 0) {
        memmove(r->buf, r->buf + r->cur, r->len - r->cur);
        r->off += r->cur;
        r->len -= r->cur;
        r->cur = 0;
    }
    if (r->done && r->off > r->reported) {
        atomic_fetch_add_explicit(r->done, r->off - r->reported, memory_order_relaxed);
        r->reported = r->off;
    }
    if (r->len == r->cap) {
        if (r->cap >= r->max_record)
            return FILL_FULL;
        size_t cap = 2 * r->cap;
        char *b = realloc(r->buf, cap);
        if (!b)
            return FILL_ERR;
        r->buf = b;
        r->cap = cap;
    }
    for (;;) {
        ssize_t n = r->stream ? read(r->fd, r->buf + r->len, r->cap - r->len)
                              : pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)(r->off + r->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FILL_ERR;
        if (n == 0) {
            r->eof = 1;
            return FILL_EOF;
        }
        r->len += (size_t)n;
        return FILL_OK;
    }
}

static int bad(struct reader *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof r->what, fmt, ap);
    va_end(ap);
    r->bad_line = line;
    return -1;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LOWS 0x7F7F7F7F7F7F7F7Full

/* 0x80 in every byte of v equal to the byte b * ONES, exactly (no false positives). */
static inline uint64_t bytes_eq(uint64_t v, uint64_t b)
{
    uint64_t x = v ^ b;
    return ~(((x & LOWS) + LOWS) | x | LOWS);
}

/* The offset of the first byte that is not valid UTF-8, or n. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            uint64_t w;
            if (i + 8 <= n && (memcpy(&w, s + i, 8), (w & HIGHS) == 0))
                i += 8;
            else
                i++;
            continue;
        }
        size_t k;
        uint32_t min;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            k = 2, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, min = 0x10000;
        else
            return i;
        if (i + k >= n)
            return i;
        uint32_t cp = c & (0x3Fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k + 1;
    }
    return n;
}

size_t mp_csv_utf8_check(const char *p, size_t n)
{
    return utf8_check((const unsigned char *)p, n);
}

/* "column 'gmv' (field 4)" for the field holding byte p, or "" when unknown. */
static const char *which(const struct reader *r, const char *p, size_t nf, char *buf, size_t n)
{
    for (size_t f = 0; f < nf && f < r->ncols; f++)
        if (p >= r->fields[f].ptr && p <= r->fields[f].ptr + r->fields[f].len) {
            if (r->cols)
                snprintf(buf, n, " in column '%s' (field %zu)", r->cols[f], f + 1);
            else
                snprintf(buf, n, " in field %zu", f + 1);
            return buf;
        }
    return "";
}

/* Trouble the scan flagged in raw record bytes p[0..n) split into nf fields: a NUL, or
 * invalid UTF-8 from the first non-ASCII byte at p[high] on. 0 when none. */
static int check_bytes(struct reader *r, uint64_t line, const char *p, size_t n, unsigned flags,
                       size_t high, size_t nf)
{
    char where[300];
    const char *z = (flags & C_NUL) ? memchr(p, 0, n) : NULL;
    if (z)
        return bad(r, line, "NUL byte%s", which(r, z, nf, where, sizeof where));
    size_t at = (flags & C_HIGH) ? high + utf8_check((const unsigned char *)p + high, n - high) : n;
    if (at < n)
        return bad(r, line, "invalid UTF-8%s (text must be UTF-8; convert with iconv)",
                   which(r, p + at, nf, where, sizeof where));
    return 0;
}

static uint64_t count_newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* After a bad record that may have been cut wrongly (a stray quote), go on at the line after
 * its first line, reading and dropping what does not fit. A reader that is about to fail
 * (no skip_bad, or the header) reads nothing more: on a stream without newlines the next
 * line would never come. */
static int skip_line(struct reader *r, size_t from)
{
    r->cur = from;
    if (!r->resync || r->header)
        return 0;
    for (;;) {
        char *nl = memchr(r->buf + r->cur, '\n', r->len - r->cur);
        if (nl) {
            r->cur = (size_t)(nl - r->buf) + 1;
            r->line++;
            return 0;
        }
        r->cur = r->len;
        int f = reader_fill(r);
        if (f == FILL_EOF)
            return 0;
        if (f < 0)
            return -2;
    }
}

enum { Q_DONE, Q_MORE, Q_BAD_STRAY, Q_BAD };

/* The state machine for a record holding a quote, from buf[cur]. Q_DONE sets *end past the
 * record's line end; Q_MORE asks for more input; Q_BAD_* set the message. */
static int parse_quoted(struct reader *r, size_t *nf, size_t *end, unsigned *flags)
{
    const char *b = r->buf;
    size_t i = r->cur, n = r->len, sl = 0, k = 0;
    uint64_t line = r->line;
    *flags = 0;
    for (;;) {
        size_t start = sl;
        if (i < n && b[i] == '"') {
            size_t q0 = i++;
            for (;;) {
                const char *q = memchr(b + i, '"', n - i);
                size_t upto = q ? (size_t)(q - b) : n;
                size_t add = upto - i;
                if (sl - start + add > r->max_field) {
                    bad(r, line, "quoted field longer than %zu bytes (unterminated quote?)", r->max_field);
                    return Q_BAD_STRAY;
                }
                if (sl + add + 1 > r->scap) {
                    size_t cap = r->scap ? r->scap : 4096;
                    while (cap < sl + add + 1)
                        cap *= 2;
                    char *s = realloc(r->scratch, cap);
                    if (!s) {
                        bad(r, line, "out of memory");
                        return Q_BAD;
                    }
                    r->scratch = s;
                    r->scap = cap;
                }
                memcpy(r->scratch + sl, b + i, add);
                sl += add;
                if (!q) {
                    if (r->eof) {
                        bad(r, line, "unterminated quoted field (opened at byte %zu of the record)",
                            q0 - r->cur + 1);
                        return Q_BAD_STRAY;
                    }
                    return Q_MORE;
                }
                i = upto + 1;
                if (i == n && !r->eof)
                    return Q_MORE;
                if (i < n && b[i] == '"') {
                    r->scratch[sl++] = '"';
                    i++;
                    continue;
                }
                break;
            }
            if (i < n && b[i] != ',' && b[i] != '\n' && !(b[i] == '\r' && i + 1 < n && b[i + 1] == '\n')) {
                if (b[i] == '\r' && i + 1 == n && !r->eof)
                    return Q_MORE;
                bad(r, line, "unexpected character after a closing quote (a quote inside a field must be doubled)");
                return Q_BAD_STRAY;
            }
        } else {
            size_t j = i;
            while (j < n && b[j] != ',' && b[j] != '\n' && b[j] != '"')
                j++;
            if (j < n && b[j] == '"') {
                bad(r, line, "quote inside an unquoted field (quote the field and double the quote)");
                return Q_BAD_STRAY;
            }
            if (j == n && !r->eof)
                return Q_MORE;
            size_t e = j;
            if (j < n && b[j] == '\n' && e > i && b[e - 1] == '\r')
                e--;
            else if (j == n && e > i && b[e - 1] == '\r')
                e--;
            if (e - i > r->max_field) {
                bad(r, line, "field longer than %zu bytes", r->max_field);
                return Q_BAD;
            }
            if (sl + (e - i) + 1 > r->scap) {
                size_t cap = r->scap ? r->scap : 4096;
                while (cap < sl + (e - i) + 1)
                    cap *= 2;
                char *s = realloc(r->scratch, cap);
                if (!s) {
                    bad(r, line, "out of memory");
                    return Q_BAD;
                }
                r->scratch = s;
                r->scap = cap;
            }
            memcpy(r->scratch + sl, b + i, e - i);
            sl += e - i;
            i = j;
        }
        if (k < r->ncols) {
            r->foff[k] = start;
            r->fields[k].len = sl - start;
        }
        k++;
        if (i < n && b[i] == '\r')
            i++;
        if (i >= n || b[i] == '\n') {
            *end = i < n ? i + 1 : n;
            break;
        }
        i++; /* the comma */
        if (i == n && !r->eof)
            return Q_MORE;
    }
    *nf = k;
    for (size_t f = 0; f < k && f < r->ncols; f++)
        r->fields[f].ptr = r->scratch + r->foff[f];
    for (size_t p = r->cur; p < *end; p++)
        *flags |= byte_class[(unsigned char)b[p]] & (C_NUL | C_HIGH);
    return Q_DONE;
}

/* The next record of the range: 1 with r->fields filled and *line set; 0 at the end; -1 a
 * bad record (bad_line/what set, the reader moved past it); -2 an I/O error (errno). */
static int reader_next(struct reader *r, size_t *nfields, uint64_t *line)
{
    pthread_once(&class_once, class_init);
    for (;;) {
        if (reader_pos(r) >= r->end)
            return 0;
        char *p = r->buf + r->cur;
        size_t avail = r->len - r->cur;
        char *nl = memchr(p, '\n', avail);
        if (!nl && !r->eof) {
            int f = reader_fill(r);
            if (f == FILL_FULL) {
                bad(r, r->line, "line longer than %zu bytes", r->max_record);
                return skip_line(r, r->cur) == -2 ? -2 : -1;
            }
            if (f == FILL_ERR)
                return -2;
            continue;
        }
        if (!nl && avail == 0)
            return 0;
        char *le = nl ? nl : r->buf + r->len;
        size_t next = (size_t)(le - r->buf) + (nl ? 1 : 0);
        char *ce = le > p && le[-1] == '\r' ? le - 1 : le;
        if (ce == p) { /* blank line */
            r->cur = next;
            r->line += nl ? 1 : 0;
            continue;
        }
        /* One-line scan, eight bytes at a time: fields split at commas; quotes, NULs and
         * non-ASCII bytes flagged. */
        size_t k = 0, ncols = r->ncols, high = 0, longest = 0;
        unsigned flags = 0;
        const char *fs = p, *q = p;
        for (; q + 8 <= ce; q += 8) {
            uint64_t v;
            memcpy(&v, q, 8);
            uint64_t commas = bytes_eq(v, ',' * ONES);
            uint64_t odd = bytes_eq(v, '"' * ONES) | bytes_eq(v, 0) | (v & HIGHS);
            if (odd) {
                if (bytes_eq(v, '"' * ONES))
                    flags |= C_QUOTE;
                if (bytes_eq(v, 0))
                    flags |= C_NUL;
                if ((v & HIGHS) && !(flags & C_HIGH)) {
                    flags |= C_HIGH;
                    high = (size_t)(q - p) + (size_t)__builtin_ctzll(v & HIGHS) / 8;
                }
            }
            while (commas) {
                const char *at = q + __builtin_ctzll(commas) / 8;
                size_t len = (size_t)(at - fs);
                if (k < ncols) {
                    r->fields[k].ptr = fs;
                    r->fields[k].len = len;
                }
                longest = len > longest ? len : longest;
                k++;
                fs = at + 1;
                commas &= commas - 1;
            }
        }
        for (; q < ce; q++) {
            unsigned c = byte_class[(unsigned char)*q];
            if (!c)
                continue;
            if (c == C_COMMA) {
                if (k < ncols) {
                    r->fields[k].ptr = fs;
                    r->fields[k].len = (size_t)(q - fs);
                }
                longest = (size_t)(q - fs) > longest ? (size_t)(q - fs) : longest;
                k++;
                fs = q + 1;
            } else {
                if (c == C_HIGH && !(flags & C_HIGH))
                    high = (size_t)(q - p);
                flags |= c;
            }
        }
        uint64_t rline = r->line;
        *line = rline;
        if (flags & C_QUOTE) {
            size_t nf, end;
            unsigned qflags;
            int st;
            while ((st = parse_quoted(r, &nf, &end, &qflags)) == Q_MORE) {
                int f = reader_fill(r);
                if (f == FILL_FULL) {
                    bad(r, rline, "record longer than %zu bytes (unterminated quote?)", r->max_record);
                    return skip_line(r, r->cur) == -2 ? -2 : -1;
                }
                if (f == FILL_ERR)
                    return -2;
            }
            if (st == Q_BAD_STRAY)
                return skip_line(r, r->cur) == -2 ? -2 : -1;
            size_t rs = r->cur;
            if (st == Q_BAD) {
                r->cur = rs;
                return skip_line(r, rs) == -2 ? -2 : -1;
            }
            r->line += count_newlines(r->buf + rs, end - rs);
            r->cur = end;
            /* Quoted fields were copied out: check the raw bytes, then name no field. */
            if (qflags && check_bytes(r, rline, r->buf + rs, end - rs, qflags, 0, 0))
                return -1;
            if (nf != ncols && !(r->header && nf < ncols))
                return bad(r, rline, "expected %zu fields, found %zu", ncols, nf);
            *nfields = nf;
            return 1;
        }
        if (k < ncols) {
            r->fields[k].ptr = fs;
            r->fields[k].len = (size_t)(ce - fs);
        }
        longest = (size_t)(ce - fs) > longest ? (size_t)(ce - fs) : longest;
        k++;
        r->cur = next;
        r->line += nl ? 1 : 0;
        if (flags && check_bytes(r, rline, p, (size_t)(ce - p), flags, high, k))
            return -1;
        if (k != ncols && !(r->header && k < ncols))
            return bad(r, rline, "expected %zu fields, found %zu", ncols, k);
        for (size_t f = 0; longest > r->max_field && f < k; f++)
            if (r->fields[f].len > r->max_field) {
                char where[300];
                return bad(r, rline, "field longer than %zu bytes%s", r->max_field,
                           which(r, r->fields[f].ptr, k, where, sizeof where));
            }
        *nfields = k;
        return 1;
    }
}

/* ---- numbers ---- */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A number as people export it: an optional currency sign (¥ ￥ $) and thousands separators.
 * Leaves the plain number in buf and the sign's symbol in *sym ("" when none); NULL when
 * read, else why not. */
static const char *clean_amount(const char *p, size_t n, char *buf, size_t size, const char **sym)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *sym = "";
    size_t o = 0;
    if (n && *p == '-' && o + 1 < size)
        buf[o++] = '-', p++, n--;
    static const char *const signs[][2] = {{"\xC2\xA5", "¥"}, {"\xEF\xBF\xA5", "¥"}, {"$", "$"}};
    for (size_t i = 0; i < sizeof signs / sizeof *signs; i++) {
        size_t k = strlen(signs[i][0]);
        if (n >= k && memcmp(p, signs[i][0], k) == 0) {
            *sym = signs[i][1];
            p += k, n -= k;
            while (n && *p == ' ')
                p++, n--;
            break;
        }
    }
    const char *comma = memchr(p, ',', n), *dot = memchr(p, '.', n);
    const char *last_comma = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == ',')
            last_comma = p + i;
    if (comma && dot && last_comma > dot)
        return "a decimal comma? write the number with a dot before the decimals and no other separators "
               "(1.234,50 is 1234.50)";
    if (dot && memchr(dot + 1, '.', n - (size_t)(dot + 1 - p)))
        return "dots between thousands? write the number without them (1.234.567 is 1234567)";
    if (comma) {
        /* thousands separators: 1 to 3 digits, then groups of exactly 3 */
        size_t intlen = dot ? (size_t)(dot - p) : n;
        size_t first = (size_t)(comma - p);
        int ok = first >= 1 && first <= 3;
        for (size_t i = first; ok && i < intlen; i += 4)
            ok = p[i] == ',' && i + 3 < intlen + 1 && intlen - i >= 4 && memchr(p + i + 1, ',', 3) == NULL;
        if (!ok)
            return "commas may only separate thousands (1,234,567.50); for a decimal comma write a dot "
                   "(1,5 is 1.5)";
    }
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if (p[i] != ',')
            buf[o++] = p[i];
    buf[o] = '\0';
    return NULL;
}

/* Digits with at most one dot and an optional leading minus: what clean_amount() would copy
 * as it is (most cells of an export). */
static int plain_number(const char *p, size_t n)
{
    size_t i = n && *p == '-', dots = 0;
    if (i == n)
        return 0;
    for (; i < n; i++) {
        dots += p[i] == '.';
        if (!((unsigned)(p[i] - '0') < 10 || p[i] == '.') || dots > 1)
            return 0;
    }
    return 1;
}

enum mp_csv_kind mp_csv_amount(const char *p, size_t n, double *out, const char **sym, const char **why)
{
    char buf[64];
    *sym = "";
    *why = NULL;
    const char *text = p;
    size_t len = n;
    if (!(n < sizeof buf && plain_number(p, n))) {
        *why = n < sizeof buf ? clean_amount(p, n, buf, sizeof buf, sym) : "too long";
        if (*why)
            return MP_CSV_TEXT;
        if (!buf[0])
            return **sym ? MP_CSV_TEXT : MP_CSV_EMPTY;
        text = buf;
        len = strlen(buf);
    }
    int64_t i;
    int range = 0;
    enum mp_csv_kind kind = mp_csv_number(text, len, &i, out, &range);
    if (kind == MP_CSV_INT)
        *out = (double)i;
    return (kind == MP_CSV_INT || kind == MP_CSV_REAL) && isfinite(*out) ? MP_CSV_REAL : MP_CSV_TEXT;
}

enum mp_csv_kind mp_csv_number(const char *p, size_t len, int64_t *iv, double *dv, int *range)
{
    *range = 0;
    if (len == 0)
        return MP_CSV_EMPTY;
    const char *s = p, *e = p + len;
    int neg = 0;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t m = 0;
    int digits = 0, sig = 0, exp10 = 0, real = 0;
    for (; s < e && (unsigned)(*s - '0') < 10; s++, digits++) {
        if (sig || *s != '0')
            sig++;
        if (sig <= 19)
            m = m * 10 + (uint64_t)(*s - '0');
        else
            exp10++;
    }
    if (s < e && *s == '.') {
        real = 1;
        for (s++; s < e && (unsigned)(*s - '0') < 10; s++, digits++) {
            if (sig || *s != '0')
                sig++;
            if (sig <= 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                exp10--;
            }
        }
    }
    if (digits == 0)
        return MP_CSV_TEXT;
    if (s < e && (*s == 'e' || *s == 'E')) {
        real = 1;
        s++;
        int eneg = 0;
        if (s < e && (*s == '-' || *s == '+'))
            eneg = *s++ == '-';
        if (s == e)
            return MP_CSV_TEXT;
        int x = 0;
        for (; s < e && (unsigned)(*s - '0') < 10; s++)
            if (x < 100000)
                x = x * 10 + (*s - '0');
        exp10 += eneg ? -x : x;
    }
    if (s != e)
        return MP_CSV_TEXT;
    if (!real && sig <= 19 && m <= (uint64_t)INT64_MAX + (uint64_t)neg) {
        *iv = neg ? (int64_t)(0 - m) : (int64_t)m;
        return MP_CSV_INT;
    }
    double d;
    if (sig <= 19 && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Both operands exact: one IEEE operation rounds correctly (Clinger's fast path). */
        d = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
        if (neg)
            d = -d;
    } else {
        char small[128], *buf = len < sizeof small ? small : malloc(len + 1);
        if (!buf)
            return MP_CSV_TEXT;
        memcpy(buf, p, len);
        buf[len] = 0;
        d = strtod(buf, NULL);
        if (buf != small)
            free(buf);
    }
    if (!isfinite(d)) {
        *range = 1;
        return MP_CSV_TEXT;
    }
    *dv = d;
    return MP_CSV_REAL;
}

/* ---- opening, the header, sequential reading ---- */

static void csv_free(mp_csv *csv)
{
    if (!csv)
        return;
    reader_free(&csv->rd);
    if (csv->fd > 0)
        close(csv->fd);
    for (size_t i = 0; i < csv->ncols; i++)
        free(csv->cols[i]);
    free(csv->cols);
    for (size_t i = 0; i < csv->nsamples; i++)
        free(csv->samples[i]);
    free(csv->name);
    free(csv);
}

void mp_csv_close(mp_csv *csv)
{
    csv_free(csv);
}

const char *mp_csv_export_name(const char *header)
{
    static const char *const names[][2] = {
        {"日期", "period"},         {"时间", "period"},          {"统计日期", "period"},
        {"周期", "period"},         {"渠道", "channel"},         {"推广渠道", "channel"},
        {"投放渠道", "channel"},    {"花费", "spend"},           {"消耗", "spend"},
        {"总花费", "spend"},        {"推广花费", "spend"},       {"投放花费", "spend"},
        {"成交金额", "gmv"},        {"总成交金额", "gmv"},       {"支付金额", "gmv"},
        {"销售额", "gmv"},          {"GMV", "gmv"},              {"展现量", "impressions"},
        {"曝光量", "impressions"},  {"点击量", "clicks"},        {"点击数", "clicks"},
        {"成交笔数", "orders"},     {"总成交笔数", "orders"},    {"订单数", "orders"},
        {"支付笔数", "orders"},     {"新客数", "new_customers"}, {"新买家数", "new_customers"},
        {"收藏数", "favourites"},   {"收藏量", "favourites"},    {"加购数", "carts"},
        {"加购量", "carts"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(header, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

static enum mp_status set_columns(mp_csv *csv, const struct mp_csv_field *f, size_t n, mp_error *err)
{
    csv->cols = calloc(n ? n : 1, sizeof *csv->cols);
    if (!csv->cols)
        return mp_fail(err, MP_ENOMEM, "%s: out of memory", csv->name);
    for (size_t i = 0; i < n; i++) {
        csv->cols[i] = strndup(f[i].ptr, f[i].len);
        if (!csv->cols[i])
            return mp_fail(err, MP_ENOMEM, "%s: out of memory", csv->name);
        const char *ours = csv->opts.export_names ? mp_csv_export_name(csv->cols[i]) : NULL;
        if (ours) {
            free(csv->cols[i]);
            if (!(csv->cols[i] = strdup(ours)))
                return mp_fail(err, MP_ENOMEM, "%s: out of memory", csv->name);
        }
        csv->ncols = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(csv->cols[j], csv->cols[i]) == 0)
                return mp_fail(err, MP_EINPUT, "%s:1: column '%s' appears twice (columns %zu and %zu)",
                               csv->name, csv->cols[i], j + 1, i + 1);
    }
    return MP_OK;
}

/* The header is read with a reader that takes any number of fields. */
static enum mp_status read_header(mp_csv *csv, mp_error *err)
{
    struct reader *r = &csv->rd;
    size_t guess = 4096; /* fields; more than that is not a customers file */
    if (reader_columns(r, guess) != 0)
        return mp_fail(err, MP_ENOMEM, "%s: out of memory", csv->name);
    r->header = 1;
    size_t nf = 0;
    uint64_t line;
    int st = reader_next(r, &nf, &line);
    if (st == -2)
        return mp_fail(err, MP_EIO, "%s: %s", csv->name, strerror(errno));
    if (st == 0)
        return mp_fail(err, MP_EINPUT, "%s:1: empty file: a header row is required", csv->name);
    r->header = 0;
    if (st == -1 && strncmp(r->what, "expected", 8) == 0)
        return mp_fail(err, MP_EINPUT, "%s:1: header has more than %zu columns", csv->name, guess);
    if (st == -1)
        return mp_fail(err, MP_EINPUT, "%s:%llu: header: %s", csv->name,
                       (unsigned long long)r->bad_line, r->what);
    enum mp_status s = set_columns(csv, r->fields, nf, err);
    if (s)
        return s;
    r->ncols = csv->ncols;
    return MP_OK;
}

enum mp_status mp_csv_open(const char *path, const struct mp_csv_opts *opts, mp_csv **out,
                           mp_error *err)
{
    *out = NULL;
    mp_csv *csv = calloc(1, sizeof *csv);
    if (!csv)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (opts)
        csv->opts = *opts;
    if (!csv->opts.max_field)
        csv->opts.max_field = MP_CSV_FIELD_MAX;
    int is_stdin = !csv->opts.from_fd && strcmp(path, "-") == 0;
    csv->name = strdup(is_stdin ? "<stdin>" : path);
    csv->fd = -1;
    if (!csv->name) {
        csv_free(csv);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    csv->fd = csv->opts.from_fd ? fcntl(csv->opts.fd, F_DUPFD_CLOEXEC, 0)
              : is_stdin          ? dup(0)
                                  : open(path, O_RDONLY | O_CLOEXEC);
    if (csv->fd < 0) {
        enum mp_status s = mp_fail(err, MP_EIO, "%s: cannot open: %s", csv->name, strerror(errno));
        csv_free(csv);
        return s;
    }
    struct stat st;
    if (fstat(csv->fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        enum mp_status s = mp_fail(err, MP_EIO, "%s: cannot read: %s", csv->name,
                                   S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
        csv_free(csv);
        return s;
    }
    csv->stream = !S_ISREG(st.st_mode);
    csv->size = csv->stream ? 0 : (uint64_t)st.st_size;
    if (reader_init(&csv->rd, csv, 0, UINT64_MAX) != 0) {
        csv_free(csv);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    /* Skip a UTF-8 byte-order mark (spreadsheet exports start with one). */
    while (csv->rd.len < 3 && !csv->rd.eof) {
        int f = reader_fill(&csv->rd);
        if (f == FILL_ERR) {
            enum mp_status s = mp_fail(err, MP_EIO, "%s: %s", csv->name, strerror(errno));
            csv_free(csv);
            return s;
        }
    }
    if (csv->rd.len >= 3 && memcmp(csv->rd.buf, "\xEF\xBB\xBF", 3) == 0)
        csv->rd.cur = 3;
    enum mp_status s;
    if (csv->opts.names) {
        struct mp_csv_field *f = calloc(csv->opts.nnames ? csv->opts.nnames : 1, sizeof *f);
        if (!f) {
            csv_free(csv);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < csv->opts.nnames; i++)
            f[i] = (struct mp_csv_field){csv->opts.names[i], strlen(csv->opts.names[i])};
        s = set_columns(csv, f, csv->opts.nnames, err);
        free(f);
        if (s == MP_OK && reader_columns(&csv->rd, csv->ncols) != 0)
            s = mp_fail(err, MP_ENOMEM, "out of memory");
    } else {
        s = read_header(csv, err);
    }
    if (s) {
        csv_free(csv);
        return s;
    }
    csv->rd.cols = csv->cols;
    csv->data_start = reader_pos(&csv->rd);
    csv->data_line = csv->rd.line;
    *out = csv;
    return MP_OK;
}

size_t mp_csv_ncols(const mp_csv *csv)
{
    return csv->ncols;
}

const char *mp_csv_colname(const mp_csv *csv, size_t col)
{
    return col < csv->ncols ? csv->cols[col] : NULL;
}

long mp_csv_find(const mp_csv *csv, const char *name)
{
    for (size_t i = 0; i < csv->ncols; i++)
        if (strcmp(csv->cols[i], name) == 0)
            return (long)i;
    return -1;
}

int mp_csv_is_stream(const mp_csv *csv)
{
    return csv->stream;
}

enum mp_status mp_csv_fail(const mp_csv *csv, uint64_t line, size_t col, mp_error *err, const char *fmt, ...)
{
    char msg[MP_ERRMSG_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        return mp_fail(err, MP_EINPUT, "%s:%llu:%zu: %s", mp_csv_name(csv), (unsigned long long)line, col, msg);
    return mp_fail(err, MP_EINPUT, "%s:%llu: %s", mp_csv_name(csv), (unsigned long long)line, msg);
}

const char *mp_csv_name(const mp_csv *csv)
{
    return csv->name;
}

/* With `names` given, a record spelling them out is the header of the first split. */
static int is_header_again(const mp_csv *csv, const struct mp_csv_field *f, size_t n)
{
    if (!csv->opts.names || n != csv->ncols)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].len != strlen(csv->cols[i]) || memcmp(f[i].ptr, csv->cols[i], f[i].len) != 0)
            return 0;
    return 1;
}

static void add_sample(char **samples, size_t *n, const char *name, uint64_t line, const char *what)
{
    if (*n >= BAD_SAMPLES)
        return;
    size_t len = strlen(name) + strlen(what) + 32;
    char *s = malloc(len);
    if (!s)
        return;
    snprintf(s, len, "%s:%llu: %s", name, (unsigned long long)line, what);
    samples[(*n)++] = s;
}

enum mp_status mp_csv_next(mp_csv *csv, struct mp_csv_record *rec, mp_error *err)
{
    struct reader *r = &csv->rd;
    rec->fields = r->fields;
    rec->nfields = 0;
    for (;;) {
        size_t nf;
        uint64_t line;
        int st = reader_next(r, &nf, &line);
        if (st == 0)
            return MP_OK;
        if (st == -2)
            return mp_fail(err, MP_EIO, "%s: %s", csv->name, strerror(errno));
        if (st == -1) {
            if (!csv->opts.skip_bad)
                return mp_fail(err, MP_EINPUT, "%s:%llu: %s", csv->name,
                               (unsigned long long)r->bad_line, r->what);
            csv->bad++;
            add_sample(csv->samples, &csv->nsamples, csv->name, r->bad_line, r->what);
            continue;
        }
        if (is_header_again(csv, r->fields, nf))
            continue;
        rec->fields = r->fields;
        rec->nfields = nf;
        rec->line = line;
        return MP_OK;
    }
}

uint64_t mp_csv_bad_count(const mp_csv *csv)
{
    return csv->bad;
}

size_t mp_csv_bad_samples(const mp_csv *csv, const char *const **lines)
{
    *lines = (const char *const *)csv->samples;
    return csv->nsamples;
}

/* ---- parallel passes ---- */

struct range {
    const mp_csv *csv;
    const struct mp_csv_worker *w;
    int slot;
    uint64_t start, end;  /* byte range */
    uint64_t stop;        /* final position: the first record start at or after `end` */
    uint64_t lines;       /* newlines consumed */
    void *state;
    int complete;         /* read to its end (not stopped early) */
    enum mp_status status; /* of the first failure */
    uint64_t fail_line;   /* local line of the failure */
    char what[MP_ERRMSG_MAX];
    uint64_t rows, bad;
    uint64_t sample_line[BAD_SAMPLES];
    char sample_what[BAD_SAMPLES][WHAT_MAX];
    size_t nsamples;
    struct reader rd;
    _Atomic uint64_t *done;
    _Atomic size_t *first_failed; /* ranges after it may stop */
    size_t index;
    int tick_inline;      /* standard input: read on the calling thread, which ticks */
};

static void range_fail(struct range *g, enum mp_status s, uint64_t line, const char *what)
{
    g->status = s;
    g->fail_line = line;
    snprintf(g->what, sizeof g->what, "%s", what);
    size_t cur = atomic_load(g->first_failed);
    while (g->index < cur && !atomic_compare_exchange_weak(g->first_failed, &cur, g->index))
        ;
}

/* Read one range: the body of a worker thread (or of the calling thread). */
static void range_read(struct range *g, struct reader *r)
{
    const mp_csv *csv = g->csv;
    mp_error e = {0};
    g->state = g->w->open(g->w->ctx, g->slot, g->index, &e);
    if (!g->state) {
        range_fail(g, e.status ? e.status : MP_ENOMEM, 0, e.msg);
        return;
    }
    for (;;) {
        if ((g->rows & 1023) == 0 && atomic_load_explicit(g->first_failed, memory_order_relaxed) < g->index)
            return; /* an earlier range failed: nothing read here will be used */
        if (g->tick_inline && (g->rows & 0xffff) == 0 && g->w->tick)
            g->w->tick(g->w->ctx, reader_pos(r), 0);
        size_t nf;
        uint64_t line;
        int st = reader_next(r, &nf, &line);
        if (st == 0)
            break;
        if (st == -2) {
            range_fail(g, MP_EIO, 0, strerror(errno));
            return;
        }
        if (st == 1) {
            if (is_header_again(csv, r->fields, nf))
                continue;
            struct mp_csv_record rec = {r->fields, nf, line};
            e.msg[0] = 0;
            enum mp_status s = g->w->row(g->state, &rec, &e);
            if (s == MP_OK) {
                g->rows++;
                continue;
            }
            if (s != MP_EINPUT) {
                range_fail(g, s, line, e.msg);
                return;
            }
            snprintf(r->what, sizeof r->what, "%.*s", (int)sizeof r->what - 1, e.msg);
            r->bad_line = line;
        }
        if (!csv->opts.skip_bad) {
            range_fail(g, MP_EINPUT, r->bad_line, r->what);
            return;
        }
        if (g->nsamples < BAD_SAMPLES) {
            g->sample_line[g->nsamples] = r->bad_line;
            snprintf(g->sample_what[g->nsamples++], WHAT_MAX, "%s", r->what);
        }
        g->bad++;
    }
    g->stop = reader_pos(r);
    g->lines = r->line - 1;
    g->complete = 1;
}

/* The first line start at or after `at` (or the file size). */
static uint64_t line_start_after(const mp_csv *csv, uint64_t at)
{
    char chunk[65536];
    uint64_t pos = at - 1; /* a line starts at `at` when the byte before it is a newline */
    while (pos < csv->size) {
        ssize_t n = pread(csv->fd, chunk, sizeof chunk, (off_t)pos);
        if (n <= 0)
            return csv->size;
        char *nl = memchr(chunk, '\n', (size_t)n);
        if (nl)
            return pos + (uint64_t)(nl - chunk) + 1;
        pos += (uint64_t)n;
    }
    return csv->size;
}

static void range_clear(struct range *g)
{
    if (g->state)
        g->w->discard(g->w->ctx, g->state);
    g->state = NULL;
    reader_free(&g->rd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct pass_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running;
};

#define MP_CSV_RANGES_PER_JOB 4

/* One worker: slot `slot` takes the next unread range until none is left. */
struct thread_arg {
    const mp_csv *csv;
    struct range *g;
    size_t n;
    _Atomic size_t *next;
    int slot;
    struct pass_sync *sync;
};

static void *pass_thread(void *arg)
{
    struct thread_arg *t = arg;
    for (size_t i; (i = atomic_fetch_add(t->next, 1)) < t->n;) {
        struct range *r = &t->g[i];
        r->slot = t->slot;
        if (reader_init(&r->rd, t->csv, r->start, r->end) != 0) {
            range_fail(r, MP_ENOMEM, 0, "out of memory");
            continue;
        }
        r->rd.done = r->done;
        range_read(r, &r->rd);
    }
    pthread_mutex_lock(&t->sync->mu);
    t->sync->running--;
    pthread_cond_signal(&t->sync->cv);
    pthread_mutex_unlock(&t->sync->mu);
    return NULL;
}

static enum mp_status fail_range(const mp_csv *csv, const struct range *g, uint64_t base, mp_error *err)
{
    if (g->status == MP_EINPUT)
        return mp_fail(err, MP_EINPUT, "%s:%llu: %s", csv->name,
                       (unsigned long long)(base + g->fail_line - 1), g->what);
    if (g->status == MP_EIO)
        return mp_fail(err, MP_EIO, "%s: %s", csv->name, g->what);
    if (g->fail_line)
        return mp_fail(err, g->status, "%s (row at %s:%llu)", g->what, csv->name,
                       (unsigned long long)(base + g->fail_line - 1));
    return mp_fail(err, g->status, "%s", g->what[0] ? g->what : mp_strerror(g->status));
}

static void collect(mp_csv *csv, const struct range *g, uint64_t base, struct mp_csv_pass_result *res)
{
    res->rows += g->rows;
    res->bad += g->bad;
    for (size_t i = 0; i < g->nsamples; i++)
        add_sample(res->bad_samples, &res->nsamples, csv->name, base + g->sample_line[i] - 1,
                   g->sample_what[i]);
}

void mp_csv_pass_free(const struct mp_csv_worker *w, struct mp_csv_pass_result *res)
{
    for (size_t i = 0; i < res->nstates; i++)
        if (res->states[i])
            w->discard(w->ctx, res->states[i]);
    free(res->states);
    free(res->line_base);
    for (size_t i = 0; i < res->nsamples; i++)
        free(res->bad_samples[i]);
    free(res->bad_samples);
    memset(res, 0, sizeof *res);
}

/* Read ranges g[0..n) on `jobs` threads while this thread reports progress. MP_ENOMEM when
 * no thread could start. */
static enum mp_status read_threads(const mp_csv *csv, const struct mp_csv_worker *w, struct range *g,
                                   size_t n, size_t jobs, _Atomic uint64_t *done,
                                   _Atomic size_t *first_failed, uint64_t total)
{
    struct pass_sync sync = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    _Atomic size_t next = 0;
    pthread_t *th = calloc(jobs, sizeof *th);
    struct thread_arg *ta = calloc(jobs, sizeof *ta);
    size_t started = 0;
    enum mp_status status = th && ta ? MP_OK : MP_ENOMEM;
    for (; status == MP_OK && started < jobs; started++) {
        ta[started] = (struct thread_arg){csv, g, n, &next, (int)started, &sync};
        pthread_mutex_lock(&sync.mu);
        sync.running++;
        pthread_mutex_unlock(&sync.mu);
        if (pthread_create(&th[started], NULL, pass_thread, &ta[started]) != 0) {
            pthread_mutex_lock(&sync.mu);
            sync.running--;
            pthread_mutex_unlock(&sync.mu);
            status = MP_ENOMEM;
            break;
        }
    }
    if (status != MP_OK)
        atomic_store(first_failed, 0);
    double t0 = now_s();
    pthread_mutex_lock(&sync.mu);
    while (sync.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&sync.cv, &sync.mu, &ts);
        if (w->tick && sync.running > 0 && now_s() - t0 > 0.3) { /* no bar for short passes */
            pthread_mutex_unlock(&sync.mu);
            w->tick(w->ctx, atomic_load(done), total);
            pthread_mutex_lock(&sync.mu);
        }
    }
    pthread_mutex_unlock(&sync.mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(ta);
    return status;
}

/* Walk the ranges in file order: each must start where the one before it stopped, as a
 * sequential read would. One that does not (a cut inside a quoted field), or that stopped
 * early because a range before it failed, is read again from the true boundary. The first
 * failure at a true boundary is the sequential read's failure. */
static enum mp_status walk_ranges(mp_csv *csv, struct range *g, size_t n, _Atomic size_t *first_failed,
                                  struct mp_csv_pass_result *res, mp_error *err)
{
    uint64_t pos = csv->data_start, base = csv->data_line;
    for (size_t i = 0; i < n; i++) {
        if (g[i].start != pos || (!g[i].complete && g[i].status == MP_OK)) {
            res->resplit += g[i].start != pos;
            res->redone++;
            range_clear(&g[i]);
            uint64_t end = g[i].end < pos ? pos : g[i].end;
            g[i].start = pos;
            g[i].status = MP_OK;
            g[i].rows = g[i].bad = 0;
            g[i].nsamples = 0;
            g[i].complete = 0;
            atomic_store(first_failed, SIZE_MAX);
            if (reader_init(&g[i].rd, csv, pos, end) != 0)
                return mp_fail(err, MP_ENOMEM, "out of memory");
            range_read(&g[i], &g[i].rd);
        }
        if (g[i].status)
            return fail_range(csv, &g[i], base, err);
        collect(csv, &g[i], base, res);
        res->line_base[i] = base;
        res->states[i] = g[i].state;
        g[i].state = NULL;
        res->nstates = i + 1;
        base += g[i].lines;
        pos = g[i].stop;
    }
    return MP_OK;
}

enum mp_status mp_csv_pass_run(mp_csv *csv, int jobs, const struct mp_csv_worker *w,
                               struct mp_csv_pass_result *res, mp_error *err)
{
    memset(res, 0, sizeof *res);
    if (csv->stream && csv->used)
        return mp_fail(err, MP_EUSAGE, "%s: %s can be read only once", csv->name,
                       strcmp(csv->name, "<stdin>") == 0 ? "standard input" : "a pipe or FIFO");
    csv->used = 1;
    /* One range for standard input; for a file, MP_CSV_RANGES_PER_JOB ranges a thread, so a
     * thread whose core is busier takes fewer of them, and at least 1 MiB a range. */
    uint64_t data = csv->stream ? 0 : csv->size - csv->data_start;
    size_t threads = jobs < 1 || csv->stream ? 1 : (size_t)jobs;
    size_t n = threads > 1 ? threads * MP_CSV_RANGES_PER_JOB : 1;
    if (n > data / (1u << 20) + 1)
        n = (size_t)(data / (1u << 20) + 1);
    if (threads > n)
        threads = n;
    struct range *g = calloc(n, sizeof *g);
    res->states = calloc(n, sizeof *res->states);
    res->line_base = calloc(n, sizeof *res->line_base);
    res->bad_samples = calloc(BAD_SAMPLES, sizeof *res->bad_samples);
    _Atomic uint64_t done = 0;
    _Atomic size_t first_failed = SIZE_MAX;
    if (!g || !res->states || !res->line_base || !res->bad_samples) {
        free(g);
        mp_csv_pass_free(w, res);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    /* Cut at the first line start after each nth of the data. */
    for (size_t i = 0; i < n; i++) {
        g[i] = (struct range){.csv = csv, .w = w, .slot = (int)i, .index = i, .done = &done,
                              .first_failed = &first_failed};
        g[i].start = i == 0 ? csv->data_start : line_start_after(csv, csv->data_start + data / n * i);
        if (i > 0 && g[i].start < g[i - 1].start)
            g[i].start = g[i - 1].start;
    }
    for (size_t i = 0; i < n; i++)
        g[i].end = i + 1 < n ? g[i + 1].start : UINT64_MAX;

    enum mp_status status = MP_OK;
    if (csv->stream) {
        /* One range on this thread, going on with the reader that read the header. */
        g[0].rd = csv->rd;
        memset(&csv->rd, 0, sizeof csv->rd);
        g[0].rd.done = &done;
        g[0].rd.line = 1;
        g[0].tick_inline = 1;
        range_read(&g[0], &g[0].rd);
    } else if ((status = read_threads(csv, w, g, n, threads, &done, &first_failed, data)) != MP_OK) {
        status = mp_fail(err, status, "out of memory");
    }
    if (status == MP_OK)
        status = walk_ranges(csv, g, n, &first_failed, res, err);
    if (w->tick && status == MP_OK)
        w->tick(w->ctx, data, data);
    for (size_t i = 0; i < n; i++)
        range_clear(&g[i]);
    free(g);
    if (status != MP_OK)
        mp_csv_pass_free(w, res);
    return status;
}
