#include "io/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct mp_table {
    size_t ncols;
    char **cells;
    unsigned char *right;
    size_t n, cap;
    int failed;
};

mp_table *mp_table_new(size_t ncols)
{
    mp_table *t = calloc(1, sizeof *t);
    if (t)
        t->ncols = ncols ? ncols : 1;
    return t;
}

void mp_table_free(mp_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->right);
    free(t);
}

int mp_table_cell(mp_table *t, const char *text, int right)
{
    if (t->failed)
        return -1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cells, cap * sizeof *c);
        if (c)
            t->cells = c;
        unsigned char *r = realloc(t->right, cap);
        if (r)
            t->right = r;
        if (!c || !r) {
            t->failed = 1;
            return -1;
        }
        t->cap = cap;
    }
    if (!(t->cells[t->n] = strdup(text ? text : ""))) {
        t->failed = 1;
        return -1;
    }
    t->right[t->n++] = (unsigned char)right;
    return 0;
}

int mp_table_cellf(mp_table *t, int right, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return mp_table_cell(t, buf, right);
}

char *mp_fmt_double(char *buf, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* %g writes 400 as 4e+02: give ordinary magnitudes in plain notation. */
    double a = fabs(v);
    if (strchr(buf, 'e') && a >= 1e-4 && a < 1e17) {
        int decimals = prec - 1 - (int)floor(log10(a));
        snprintf(buf, n, "%.*f", decimals > 0 ? decimals : 0, v);
    }
    return buf;
}

int mp_table_num(mp_table *t, double v)
{
    char buf[40];
    return mp_table_cell(t, mp_fmt_double(buf, sizeof buf, v), 1);
}

/* Display width: UTF-8 code points (labels may be Chinese; each counts one, which is close
 * enough for alignment of mostly-ASCII tables). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void mp_table_print(const mp_table *t, FILE *fp)
{
    if (t->failed)
        return;
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t i = 0; i < t->n; i++) {
        size_t cw = width(t->cells[i]);
        if (cw > w[i % t->ncols])
            w[i % t->ncols] = cw;
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->ncols, pad = w[c] - width(t->cells[i]);
        int last = c + 1 == t->ncols || i + 1 == t->n;
        if (t->right[i])
            fprintf(fp, "%*s%s", (int)pad, "", t->cells[i]);
        else
            fprintf(fp, "%s%*s", t->cells[i], last ? 0 : (int)pad, "");
        fputs(last ? "\n" : "  ", fp);
        if (last && i < t->ncols) {
            size_t total = 0;
            for (size_t k = 0; k < t->ncols; k++)
                total += w[k] + (k ? 2 : 0);
            for (size_t k = 0; k < total; k++)
                fputc('-', fp);
            fputc('\n', fp);
        }
    }
    free(w);
}

void mp_csv_put(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void mp_table_print_csv(const mp_table *t, FILE *fp)
{
    if (t->failed)
        return;
    for (size_t i = 0; i < t->n; i++) {
        mp_csv_put(fp, t->cells[i]);
        fputc(i % t->ncols + 1 == t->ncols || i + 1 == t->n ? '\n' : ',', fp);
    }
}
