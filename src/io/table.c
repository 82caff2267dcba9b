#include "io/table.h"

#include "io/esc.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int mp_table_init(struct mp_table *tab, size_t ncols, const char *const *header)
{
    memset(tab, 0, sizeof *tab);
    tab->ncols = ncols;
    tab->left = calloc(ncols, 1);
    if (!tab->left) {
        tab->failed = 1;
        return -1;
    }
    tab->left[0] = 1;
    mp_table_add_row(tab);
    for (size_t c = 0; c < ncols; c++)
        mp_table_set(tab, c, header ? header[c] : "");
    return tab->failed ? -1 : 0;
}

void mp_table_align(struct mp_table *tab, size_t col, int left)
{
    if (col < tab->ncols && tab->left)
        tab->left[col] = (unsigned char)(left != 0);
}

void mp_table_add_row(struct mp_table *tab)
{
    if (tab->failed)
        return;
    if (tab->nrows == tab->cap) {
        size_t cap = tab->cap ? 2 * tab->cap : 16;
        char **cells = realloc(tab->cells, cap * tab->ncols * sizeof *cells);
        if (!cells) {
            tab->failed = 1;
            return;
        }
        tab->cells = cells;
        tab->cap = cap;
    }
    memset(&tab->cells[tab->nrows * tab->ncols], 0, tab->ncols * sizeof *tab->cells);
    tab->nrows++;
}

static char **cell(struct mp_table *tab, size_t col)
{
    if (tab->failed || tab->nrows == 0 || col >= tab->ncols)
        return NULL;
    return &tab->cells[(tab->nrows - 1) * tab->ncols + col];
}

void mp_table_set(struct mp_table *tab, size_t col, const char *text)
{
    char **p = cell(tab, col);
    if (!p)
        return;
    free(*p);
    *p = strdup(text ? text : "");
    if (!*p)
        tab->failed = 1;
}

void mp_table_setf(struct mp_table *tab, size_t col, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    mp_table_set(tab, col, buf);
}

void mp_table_num(struct mp_table *tab, size_t col, double value, int decimals)
{
    if (!isfinite(value)) {
        mp_table_set(tab, col, NULL); /* absent: printed as "-" in tables, empty in CSV */
        return;
    }
    char buf[MP_NUM_TEXT_MAX + MP_NUM_TEXT_MAX / 3];
    if (tab->plain)
        snprintf(buf, sizeof buf, "%.*f", decimals, value);
    else
        mp_fmt_num(value, decimals, buf, sizeof buf);
    mp_table_set(tab, col, buf);
}

void mp_table_amount(struct mp_table *tab, size_t col, double value, int decimals)
{
    if (tab->plain || !isfinite(value)) {
        mp_table_num(tab, col, value, decimals);
        return;
    }
    char buf[MP_FMT_MAX];
    mp_table_set(tab, col, mp_fmt_amount(value, decimals, tab->units, buf, sizeof buf));
}

char *mp_fmt_exact(char *buf, size_t n, double v)
{
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    snprintf(buf, n, "%.*g", prec, v);
    /* %g writes 400 as 4e+02: ordinary magnitudes in plain notation. */
    double a = fabs(v);
    if (strchr(buf, 'e') && a >= 1e-4 && a < 1e17) {
        int decimals = prec - 1 - (int)floor(log10(a));
        snprintf(buf, n, "%.*f", decimals > 0 ? decimals : 0, v);
    }
    return buf;
}

void mp_table_exact(struct mp_table *tab, size_t col, double value)
{
    char buf[40];
    if (!isfinite(value))
        mp_table_set(tab, col, NULL);
    else
        mp_table_set(tab, col, mp_fmt_exact(buf, sizeof buf, value));
}

enum mp_status mp_table_print(const struct mp_table *tab, FILE *fp, const char *title, mp_error *err)
{
    if (tab->failed)
        return mp_fail(err, MP_ENOMEM, "out of memory while building a table");
    /* Cells hold what input files and packs said: shown escaped, and measured as shown. */
    size_t ncells = tab->nrows * tab->ncols;
    size_t *w = calloc(tab->ncols, sizeof *w);
    char **shown = calloc(ncells ? ncells : 1, sizeof *shown);
    int oom = !w || !shown;
    for (size_t i = 0; !oom && i < ncells; i++)
        oom = tab->cells[i] && !(shown[i] = mp_esc(tab->cells[i], MP_ESC_LINE));
    if (oom) {
        for (size_t i = 0; shown && i < ncells; i++)
            free(shown[i]);
        free(shown);
        free(w);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < tab->nrows; r++)
        for (size_t c = 0; c < tab->ncols; c++) {
            const char *s = shown[r * tab->ncols + c];
            size_t n = s && *s ? mp_text_width(s) : 1;
            if (n > w[c])
                w[c] = n;
        }
    if (title) {
        mp_esc_fputs(title, MP_ESC_LINE, fp);
        fputc('\n', fp);
    }
    for (size_t r = 0; r < tab->nrows; r++) {
        for (size_t c = 0; c < tab->ncols; c++) {
            const char *s = shown[r * tab->ncols + c];
            if (!s || !*s)
                s = r == 0 ? "" : "-";
            size_t pad = w[c] - mp_text_width(s);
            int left = tab->left[c];
            if (c)
                fputs("  ", fp);
            if (!left)
                fprintf(fp, "%*s", (int)pad, "");
            fputs(s, fp);
            if (left && c + 1 < tab->ncols)
                fprintf(fp, "%*s", (int)pad, "");
        }
        fputc('\n', fp);
        if (r == 0) {
            size_t total = 0;
            for (size_t c = 0; c < tab->ncols; c++)
                total += w[c] + (c ? 2 : 0);
            for (size_t i = 0; i < total; i++)
                fputc('-', fp);
            fputc('\n', fp);
        }
    }
    for (size_t i = 0; i < ncells; i++)
        free(shown[i]);
    free(shown);
    free(w);
    return MP_OK;
}

/* A decimal number, as written by the number formatters: [+-]digits[.digits][e[+-]digits]. */
static int is_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        d++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            d++;
    if (d && i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = ++i;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            e = ++i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
        if (i == e)
            return 0;
    }
    return d && i == n;
}

int mp_csv_formula_like(const char *s, size_t n)
{
    return n && s[0] && strchr("=+-@\t\r", s[0]) && !is_number(s, n);
}

void mp_csv_field(FILE *fp, const char *s)
{
    if (!s)
        return;
    /* OWASP: a spreadsheet shows the text instead of running it */
    const char *guard = mp_csv_formula_like(s, strlen(s)) ? "'" : "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(guard, fp);
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    fputs(guard, fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

enum mp_status mp_table_print_csv(const struct mp_table *tab, FILE *fp, mp_error *err)
{
    if (tab->failed)
        return mp_fail(err, MP_ENOMEM, "out of memory while building a table");
    for (size_t r = 0; r < tab->nrows; r++) {
        for (size_t c = 0; c < tab->ncols; c++) {
            if (c)
                fputc(',', fp);
            mp_csv_field(fp, tab->cells[r * tab->ncols + c]);
        }
        fputc('\n', fp);
    }
    return MP_OK;
}

void mp_table_free(struct mp_table *tab)
{
    for (size_t i = 0; tab->cells && i < tab->nrows * tab->ncols; i++)
        free(tab->cells[i]);
    free(tab->cells);
    free(tab->left);
    memset(tab, 0, sizeof *tab);
}
