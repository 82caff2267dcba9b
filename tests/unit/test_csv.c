/* The CSV reader (RFC 4180), number parsing, and parallel passes that must equal a
 * sequential read. Expected fields and line numbers are read off the inputs by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/csv.h"

/* Write `text` (n bytes) to a temporary file; the caller unlinks and frees the path. */
static char *temp_file(const char *text, size_t n)
{
    char *path = strdup("/tmp/mplan-test-csv.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static mp_csv *open_text(const char *text, const struct mp_csv_opts *opts, char **path)
{
    *path = temp_file(text, strlen(text));
    mp_csv *csv;
    mp_error err = {0};
    assert_int_equal(mp_csv_open(*path, opts, &csv, &err), MP_OK);
    return csv;
}

static void done(mp_csv *csv, char *path)
{
    mp_csv_close(csv);
    unlink(path);
    free(path);
}

static void field_is(const struct mp_csv_record *rec, size_t i, const char *want)
{
    assert_true(i < rec->nfields);
    assert_int_equal(rec->fields[i].len, strlen(want));
    assert_memory_equal(rec->fields[i].ptr, want, strlen(want));
}

static void quoting_and_lines(void **state)
{
    (void)state;
    /* BOM, CRLF, a quoted comma, a doubled quote, a newline in a field, a blank line, no
     * newline at the end. */
    const char *text = "\xEF\xBB\xBFid,name,note\r\n"
                       "1,\"Li, Na\",plain\r\n"
                       "2,\"say \"\"hi\"\"\",\"two\nlines\"\n"
                       "\n"
                       "3,,\"\"\n"
                       "4,x,y";
    char *path;
    mp_csv *csv = open_text(text, NULL, &path);
    assert_int_equal(mp_csv_ncols(csv), 3);
    assert_string_equal(mp_csv_colname(csv, 0), "id"); /* the BOM is not part of the name */
    assert_int_equal(mp_csv_find(csv, "note"), 2);
    assert_int_equal(mp_csv_find(csv, "nope"), -1);
    struct mp_csv_record rec;
    mp_error err = {0};
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.line, 2);
    field_is(&rec, 1, "Li, Na");
    field_is(&rec, 2, "plain"); /* CR stripped */
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.line, 3);
    field_is(&rec, 1, "say \"hi\"");
    field_is(&rec, 2, "two\nlines");
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.line, 6); /* line 4 ends the quoted field, line 5 is blank */
    field_is(&rec, 1, "");
    field_is(&rec, 2, "");
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.line, 7);
    field_is(&rec, 2, "y");
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.nfields, 0);
    done(csv, path);
}

/* The message of the first bad record of `text`, read sequentially. */
static void bad_is(const char *text, const char *want)
{
    char *path;
    mp_csv *csv = open_text(text, NULL, &path);
    struct mp_csv_record rec;
    mp_error err = {0};
    enum mp_status st;
    while ((st = mp_csv_next(csv, &rec, &err)) == MP_OK && rec.nfields)
        ;
    assert_int_equal(st, MP_EINPUT);
    const char *msg = strchr(err.msg, ':'); /* after the temporary file's name */
    assert_non_null(msg);
    if (strncmp(msg + 1, want, strlen(want)) != 0)
        fail_msg("got '%s', want ':%s...'", err.msg, want);
    done(csv, path);
}

static void bad_records(void **state)
{
    (void)state;
    bad_is("a,b\n1,2\n3\n", "3: expected 2 fields, found 1");
    bad_is("a,b\n1,2\n3,4,5\n", "3: expected 2 fields, found 3");
    bad_is("a,b\n1,2\n\"3,4\n5,6\n", "3: unterminated quoted field");
    bad_is("a,b\n1,\"2\"x\n", "2: unexpected character after a closing quote");
    bad_is("a,b\n1,2\"x\n", "2: quote inside an unquoted field");
}

static void bad_bytes(void **state)
{
    (void)state;
    char nul[] = "a,b\n1,2\n3,x\0y\n";
    char *path = temp_file(nul, sizeof nul - 1);
    mp_csv *csv;
    mp_error err = {0};
    assert_int_equal(mp_csv_open(path, NULL, &csv, &err), MP_OK);
    struct mp_csv_record rec;
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, ":3: NUL byte in column 'b' (field 2)"));
    done(csv, path);
    /* 0xFF never occurs in UTF-8; an overlong "/" (C0 AF) and a lone continuation byte
     * neither; a 4-byte character is fine. */
    bad_is("a,b\n1,\xF0\x9F\x98\x80\n2,3\xFF\n", "3: invalid UTF-8 in column 'b' (field 2)");
    bad_is("a,b\n1,\xC0\xAF\n", "2: invalid UTF-8 in column 'b'");
    bad_is("a,b\n\x80,1\n", "2: invalid UTF-8 in column 'a' (field 1)");
    bad_is("a,b\n1,\xE6\x9D\n", "2: invalid UTF-8 in column 'b'"); /* cut short */
}

static void field_limit(void **state)
{
    (void)state;
    struct mp_csv_opts opts = {.max_field = 8};
    char *path;
    mp_csv *csv = open_text("a,b\n12345678,1\n123456789,2\n\"123456789\",3\n", &opts, &path);
    struct mp_csv_record rec;
    mp_error err = {0};
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    field_is(&rec, 0, "12345678");
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, ":3: field longer than 8 bytes in column 'a'"));
    done(csv, path);
}

static void skip_bad_resyncs(void **state)
{
    (void)state;
    /* A stray quote on line 3: skipping it must not swallow lines 4 and 5. */
    struct mp_csv_opts opts = {.skip_bad = 1};
    char *path;
    mp_csv *csv = open_text("a,b\n1,2\n\"3,4\n5,6\n7,8,9\n10,11\n", &opts, &path);
    struct mp_csv_record rec;
    mp_error err = {0};
    uint64_t lines[8];
    size_t n = 0;
    while (mp_csv_next(csv, &rec, &err) == MP_OK && rec.nfields)
        lines[n++] = rec.line;
    assert_int_equal(n, 3);
    assert_int_equal(lines[0], 2);
    assert_int_equal(lines[1], 4);
    assert_int_equal(lines[2], 6);
    assert_int_equal(mp_csv_bad_count(csv), 2);
    const char *const *samples;
    assert_int_equal(mp_csv_bad_samples(csv, &samples), 2);
    assert_non_null(strstr(samples[0], ":3: unterminated quoted field"));
    assert_non_null(strstr(samples[1], ":5: expected 2 fields, found 3"));
    done(csv, path);
}

static void header_checks(void **state)
{
    (void)state;
    char *path = temp_file("a,b,a\n1,2,3\n", 12);
    mp_csv *csv;
    mp_error err = {0};
    assert_int_equal(mp_csv_open(path, NULL, &csv, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, ":1: column 'a' appears twice (columns 1 and 3)"));
    unlink(path);
    free(path);
    path = temp_file("", 0);
    assert_int_equal(mp_csv_open(path, NULL, &csv, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, ":1: empty file: a header row is required"));
    unlink(path);
    free(path);
    assert_int_equal(mp_csv_open("/nonexistent/x.csv", NULL, &csv, &err), MP_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
}

static void given_names(void **state)
{
    (void)state;
    /* No header row: names given, and the header of a first split is skipped. */
    static const char *const names[] = {"id", "v"};
    struct mp_csv_opts opts = {.names = names, .nnames = 2};
    char *path;
    mp_csv *csv = open_text("id,v\n1,2\n3,4\n", &opts, &path);
    struct mp_csv_record rec;
    mp_error err = {0};
    assert_int_equal(mp_csv_next(csv, &rec, &err), MP_OK);
    assert_int_equal(rec.line, 2);
    field_is(&rec, 0, "1");
    done(csv, path);
}

static void numbers(void **state)
{
    (void)state;
    int64_t i;
    double d;
    int range;
    assert_int_equal(mp_csv_number("", 0, &i, &d, &range), MP_CSV_EMPTY);
    assert_int_equal(mp_csv_number("42", 2, &i, &d, &range), MP_CSV_INT);
    assert_int_equal(i, 42);
    assert_int_equal(mp_csv_number("-007", 4, &i, &d, &range), MP_CSV_INT);
    assert_int_equal(i, -7);
    assert_int_equal(mp_csv_number("9223372036854775807", 19, &i, &d, &range), MP_CSV_INT);
    assert_int_equal(i, INT64_MAX);
    assert_int_equal(mp_csv_number("-9223372036854775808", 20, &i, &d, &range), MP_CSV_INT);
    assert_true(i == INT64_MIN);
    /* One past int64: a real, as Lua's tonumber makes it. */
    assert_int_equal(mp_csv_number("9223372036854775808", 19, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 9223372036854775808.0);
    assert_int_equal(mp_csv_number("1.5", 3, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 1.5);
    assert_int_equal(mp_csv_number(".5", 2, &i, &d, &range), MP_CSV_REAL);
    assert_int_equal(mp_csv_number("5.", 2, &i, &d, &range), MP_CSV_REAL);
    assert_int_equal(mp_csv_number("-2.5e3", 6, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == -2500);
    assert_int_equal(mp_csv_number("1E-2", 4, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 0.01);
    static const char *const text[] = {"abc", "0x1F", "inf", "nan", " 1", "1 ", "1e", "1e+", ".",
                                       "-", "+", "1.2.3", "2027-01-04", "1,5", "--1"};
    for (size_t k = 0; k < sizeof text / sizeof *text; k++) {
        assert_int_equal(mp_csv_number(text[k], strlen(text[k]), &i, &d, &range), MP_CSV_TEXT);
        assert_int_equal(range, 0);
        assert_int_equal(mp_csv_classify(text[k], strlen(text[k]), &i, &d, &range), MP_CSV_TEXT);
    }
    /* The inline cases of mp_csv_classify. */
    assert_int_equal(mp_csv_classify("442.94", 6, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 442.94);
    assert_int_equal(mp_csv_classify("5.", 2, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 5);
    assert_int_equal(mp_csv_classify("123456789012345.6", 17, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 123456789012345.6);
    assert_int_equal(mp_csv_classify("1234567890123456", 16, &i, &d, &range), MP_CSV_INT);
    assert_int_equal(i, 1234567890123456);
    assert_int_equal(mp_csv_number("1e999", 5, &i, &d, &range), MP_CSV_TEXT);
    assert_int_equal(range, 1);
    assert_int_equal(mp_csv_number("1e-999", 6, &i, &d, &range), MP_CSV_REAL);
    assert_true(d == 0);
}

/* Decimal text must give exactly strtod's double, fast path or not. */
static void numbers_round_like_strtod(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    char buf[64];
    for (int k = 0; k < 200000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = 1 + (int)(x % 19), point = (int)((x >> 8) % (unsigned)(digits + 1));
        int e = (int)((x >> 16) % 61) - 30;
        size_t n = 0;
        uint64_t y = x;
        for (int j = 0; j < digits; j++) {
            if (j == point && j)
                buf[n++] = '.';
            buf[n++] = (char)('0' + y % 10);
            y = y / 10 ^ (y << 7);
        }
        if (k % 3 == 0)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d", e);
        buf[n] = 0;
        int64_t i;
        double d, want = strtod(buf, NULL);
        int range;
        enum mp_csv_kind kind = mp_csv_number(buf, n, &i, &d, &range);
        if (kind == MP_CSV_INT)
            d = (double)i;
        if (kind == MP_CSV_TEXT || memcmp(&d, &want, sizeof d) != 0)
            fail_msg("%s: got %.17g (kind %d), strtod gives %.17g", buf, d, kind, want);
        /* The inline classifier agrees with the full parser. */
        int64_t i2;
        double d2;
        enum mp_csv_kind k2 = mp_csv_classify(buf, n, &i2, &d2, &range);
        if (k2 != kind || (k2 == MP_CSV_INT ? i2 != i : memcmp(&d2, &d, sizeof d) != 0))
            fail_msg("%s: classify gives kind %d, mp_csv_number kind %d", buf, k2, kind);
    }
}

/* ---- passes ---- */

struct seen {
    uint64_t *lines;
    char (*first)[16];
    size_t n, cap;
};

static void *seen_open(void *ctx, int slot, size_t range, mp_error *err)
{
    (void)ctx, (void)slot, (void)range, (void)err;
    return calloc(1, sizeof(struct seen));
}

static enum mp_status seen_row(void *p, const struct mp_csv_record *rec, mp_error *err)
{
    struct seen *s = p;
    if (rec->fields[0].len == 3 && memcmp(rec->fields[0].ptr, "bad", 3) == 0)
        return mp_fail(err, MP_EINPUT, "a bad value");
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->lines = realloc(s->lines, s->cap * sizeof *s->lines);
        s->first = realloc(s->first, s->cap * sizeof *s->first);
    }
    s->lines[s->n] = rec->line;
    memset(s->first[s->n], 0, 16); /* compared with memcmp */
    snprintf(s->first[s->n], 16, "%.*s", (int)rec->fields[0].len, rec->fields[0].ptr);
    s->n++;
    return MP_OK;
}

static void seen_free(struct seen *s)
{
    free(s->lines);
    free(s->first);
}

static void seen_discard(void *ctx, void *p)
{
    (void)ctx;
    if (p)
        seen_free(p);
    free(p);
}

/* Every record's line and first field over all ranges, in order. */
static struct seen run_pass(const char *path, int jobs, const struct mp_csv_opts *opts, int *resplit,
                            enum mp_status *st, mp_error *err)
{
    mp_csv *csv;
    assert_int_equal(mp_csv_open(path, opts, &csv, err), MP_OK);
    struct mp_csv_worker w = {NULL, seen_open, seen_row, seen_discard, NULL};
    struct mp_csv_pass_result res;
    struct seen all = {0};
    *st = mp_csv_pass_run(csv, jobs, &w, &res, err);
    if (*st == MP_OK) {
        for (size_t i = 0; i < res.nstates; i++) {
            struct seen *s = res.states[i];
            for (size_t k = 0; k < s->n; k++) {
                struct mp_csv_record rec = {NULL, 0, res.line_base[i] + s->lines[k] - 1};
                struct mp_csv_field f = {s->first[k], strlen(s->first[k])};
                rec.fields = &f;
                seen_row(&all, &rec, err);
            }
        }
        *resplit = res.resplit;
        mp_csv_pass_free(&w, &res);
    }
    mp_csv_close(csv);
    return all;
}

/* A file of about 5 MB (several ranges of at least 1 MiB) with quoted fields that hold
 * newlines and blank lines. */
static char *big_file(size_t *size, int with_bad)
{
    size_t cap = 6u << 20, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text, "id,note,v\n");
    for (int r = 0; n < (5u << 20); r++) {
        if (r % 997 == 0)
            n += (size_t)sprintf(text + n, "%d,\"multi\nline\n\n%d\",%d\n", r, r, r);
        else if (with_bad && r == 60000)
            n += (size_t)sprintf(text + n, "bad,x,1\n");
        else if (with_bad && r == 61000)
            n += (size_t)sprintf(text + n, "%d,ragged\n", r);
        else
            n += (size_t)sprintf(text + n, "%d,plain text %d,%d.%d\n", r, r % 13, r, r % 100);
    }
    *size = n;
    return text;
}

static void pass_equals_sequential(void **state)
{
    (void)state;
    size_t n;
    char *text = big_file(&n, 0);
    char *path = temp_file(text, n);
    mp_error err = {0};
    enum mp_status st;
    int resplit;
    struct seen one = run_pass(path, 1, NULL, &resplit, &st, &err);
    assert_int_equal(st, MP_OK);
    assert_true(one.n > 100000);
    for (int jobs = 2; jobs <= 5; jobs++) {
        struct seen many = run_pass(path, jobs, NULL, &resplit, &st, &err);
        assert_int_equal(st, MP_OK);
        assert_int_equal(many.n, one.n);
        for (size_t k = 0; k < one.n; k++)
            if (many.lines[k] != one.lines[k] || strcmp(many.first[k], one.first[k]) != 0)
                fail_msg("jobs %d, record %zu: line %llu '%s', sequential line %llu '%s'", jobs, k,
                         (unsigned long long)many.lines[k], many.first[k],
                         (unsigned long long)one.lines[k], one.first[k]);
        assert_memory_equal(many.lines, one.lines, one.n * sizeof *one.lines);
        assert_memory_equal(many.first, one.first, one.n * sizeof *one.first);
        seen_free(&many);
    }
    seen_free(&one);
    unlink(path);
    free(path);
    free(text);
}

/* A quoted field spanning the cut between two ranges: the second range is read again from
 * the true boundary, and the result is still the sequential one. */
static void pass_cut_inside_quotes(void **state)
{
    (void)state;
    size_t cap = 4u << 20, n = 0;
    char *text = malloc(cap + 4096);
    n += (size_t)sprintf(text, "id,note\n");
    size_t header = n, mid = header + (cap - header) / 2;
    for (int r = 0; n < cap; r++) {
        if (n < mid && n + 64 > mid) {
            /* A field of many short lines across the midpoint. */
            n += (size_t)sprintf(text + n, "%d,\"", r);
            while (n < mid + 256)
                n += (size_t)sprintf(text + n, "a\n");
            n += (size_t)sprintf(text + n, "\"\n");
        } else {
            n += (size_t)sprintf(text + n, "%d,row %d\n", r, r);
        }
    }
    char *path = temp_file(text, n);
    mp_error err = {0};
    enum mp_status st;
    int resplit = 0;
    struct seen one = run_pass(path, 1, NULL, &resplit, &st, &err);
    struct seen two = run_pass(path, 2, NULL, &resplit, &st, &err);
    assert_int_equal(st, MP_OK);
    assert_int_equal(resplit, 1);
    assert_int_equal(two.n, one.n);
    assert_memory_equal(two.lines, one.lines, one.n * sizeof *one.lines);
    assert_memory_equal(two.first, one.first, one.n * sizeof *one.first);
    seen_free(&one);
    seen_free(&two);
    unlink(path);
    free(path);
    free(text);
}

/* Failures and skipped rows name the same line whatever the number of threads. */
static void pass_errors_same_line(void **state)
{
    (void)state;
    size_t n;
    char *text = big_file(&n, 1);
    char *path = temp_file(text, n);
    char first[MP_ERRMSG_MAX] = "";
    for (int jobs = 1; jobs <= 4; jobs++) {
        mp_error err = {0};
        enum mp_status st;
        int resplit;
        struct seen s = run_pass(path, jobs, NULL, &resplit, &st, &err);
        seen_free(&s);
        assert_int_equal(st, MP_EINPUT);
        if (jobs == 1) {
            snprintf(first, sizeof first, "%s", err.msg);
            assert_non_null(strstr(first, ": a bad value"));
        } else {
            assert_string_equal(err.msg, first);
        }
    }
    struct mp_csv_opts opts = {.skip_bad = 1};
    struct seen ref = {0};
    for (int jobs = 1; jobs <= 4; jobs++) {
        mp_csv *csv;
        mp_error err = {0};
        assert_int_equal(mp_csv_open(path, &opts, &csv, &err), MP_OK);
        struct mp_csv_worker w = {NULL, seen_open, seen_row, seen_discard, NULL};
        struct mp_csv_pass_result res;
        assert_int_equal(mp_csv_pass_run(csv, jobs, &w, &res, &err), MP_OK);
        assert_int_equal(res.bad, 2);
        assert_int_equal(res.nsamples, 2);
        assert_non_null(strstr(res.bad_samples[0], ": a bad value"));
        assert_non_null(strstr(res.bad_samples[1], ": expected 3 fields, found 2"));
        size_t rows = 0;
        for (size_t i = 0; i < res.nstates; i++)
            rows += ((struct seen *)res.states[i])->n;
        assert_int_equal(rows, res.rows);
        if (jobs == 1)
            ref.n = rows;
        else
            assert_int_equal(rows, ref.n);
        mp_csv_pass_free(&w, &res);
        mp_csv_close(csv);
    }
    unlink(path);
    free(path);
    free(text);
}

/* Amounts: plain numbers (read without the cleaning copy) are strtod's values; the cells the
 * cleaning handles (a sign, spaces, thousands separators) and those it refuses keep their
 * kinds. Expected values by hand. */
static void amounts(void **state)
{
    (void)state;
    static const char *const plain[] = {"12233.8442486", "0", "007", "-0.5", ".25", "5.", "9973.13", "1e3"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        double v = NAN;
        const char *sym, *why;
        assert_int_equal(mp_csv_amount(plain[i], strlen(plain[i]), &v, &sym, &why), MP_CSV_REAL);
        assert_true(v == strtod(plain[i], NULL));
        assert_null(why);
        assert_string_equal(sym, "");
    }
    static const struct {
        const char *text;
        enum mp_csv_kind kind;
        double v;
    } cases[] = {{"-", MP_CSV_TEXT, 0}, {".", MP_CSV_TEXT, 0}, {"1.2.3", MP_CSV_TEXT, 0}, {"--1", MP_CSV_TEXT, 0},
                 {"1-2", MP_CSV_TEXT, 0}, {"", MP_CSV_EMPTY, 0}, {" 12.5 ", MP_CSV_REAL, 12.5},
                 {"1,234.5", MP_CSV_REAL, 1234.5}, {"\xC2\xA5" "1,200", MP_CSV_REAL, 1200}, {"-$3", MP_CSV_REAL, -3}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double v = NAN;
        const char *sym, *why;
        assert_int_equal(mp_csv_amount(cases[i].text, strlen(cases[i].text), &v, &sym, &why), cases[i].kind);
        if (cases[i].kind == MP_CSV_REAL)
            assert_true(v == cases[i].v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoting_and_lines),
        cmocka_unit_test(bad_records),
        cmocka_unit_test(bad_bytes),
        cmocka_unit_test(field_limit),
        cmocka_unit_test(skip_bad_resyncs),
        cmocka_unit_test(header_checks),
        cmocka_unit_test(given_names),
        cmocka_unit_test(numbers),
        cmocka_unit_test(numbers_round_like_strtod),
        cmocka_unit_test(amounts),
        cmocka_unit_test(pass_equals_sequential),
        cmocka_unit_test(pass_cut_inside_quotes),
        cmocka_unit_test(pass_errors_same_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
