/* A grid of text cells printed as an aligned terminal table or as RFC 4180 CSV, so every
 * command prints tabular output the same way. */
#ifndef MPLAN_IO_TABLE_H
#define MPLAN_IO_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "core/numfmt.h" /* mp_fmt_num, mp_fmt_amount, mp_text_width */
#include "mplan/status.h"

/* Room for any finite double in "%.*f" with up to 20 decimals (DBL_MAX has 309 digits). */
#define MP_NUM_TEXT_MAX 340

struct mp_table {
    size_t ncols, nrows, cap;
    char **cells;        /* nrows * ncols, row-major; row 0 is the header */
    unsigned char *left; /* [ncols] 1: left-aligned (text), 0: right-aligned (numbers) */
    int plain;           /* numbers without thousands separators (for CSV) */
    enum mp_units units; /* how mp_table_amount shows large amounts (the plan's units) */
    int failed;          /* out of memory at some point: printing reports it */
};

/* A table with these column names (ncols of them; NULL: empty, set them with
 * mp_table_set). 0 on success. */
int mp_table_init(struct mp_table *tab, size_t ncols, const char *const *header);
/* Set column alignment: 1 left, 0 right (the default for columns after the first). */
void mp_table_align(struct mp_table *tab, size_t col, int left);
/* Append a row; then fill cells with mp_table_set / mp_table_num. */
void mp_table_add_row(struct mp_table *tab);
void mp_table_set(struct mp_table *tab, size_t col, const char *text);
void mp_table_setf(struct mp_table *tab, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A number with `decimals` places, with thousands separators unless tab->plain is set;
 * NAN/inf (absent) print as "-" in tables and as an empty field in CSV. */
void mp_table_num(struct mp_table *tab, size_t col, double value, int decimals);
/* An amount (money, a count) in tab->units: 1,234.6万 or 12.35M where large, else as
 * mp_table_num; plain numbers in CSV. */
void mp_table_amount(struct mp_table *tab, size_t col, double value, int decimals);
/* A number as the shortest decimal that reads back as exactly `value` (%g style, plain
 * notation for ordinary magnitudes): for machine-read output that must not lose bits.
 * Absent (NAN/inf) as in mp_table_num. */
void mp_table_exact(struct mp_table *tab, size_t col, double value);
/* The same text into buf (n >= 32); returns buf. */
char *mp_fmt_exact(char *buf, size_t n, double value);
/* Print aligned with a rule under the header (title optional). */
enum mp_status mp_table_print(const struct mp_table *tab, FILE *fp, const char *title, mp_error *err);
/* Print as CSV with the header row. */
enum mp_status mp_table_print_csv(const struct mp_table *tab, FILE *fp, mp_error *err);
/* 1 when a CSV cell would start a spreadsheet formula: it begins with = + - @ tab or CR and
 * is not a number (-5 stays -5). */
int mp_csv_formula_like(const char *s, size_t n);
/* Write one CSV field with RFC 4180 quoting; a formula-like text cell gets a leading ' (the
 * OWASP advice against CSV injection). */
void mp_csv_field(FILE *fp, const char *s);
void mp_table_free(struct mp_table *tab);

#endif
