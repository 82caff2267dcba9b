/* Tabular output shared by the commands: a table built cell by cell, printed aligned for a
 * terminal (numbers right, text left) or as RFC 4180 CSV; and number formatting. */
#ifndef MPLAN_IO_TABLE_H
#define MPLAN_IO_TABLE_H

#include <stddef.h>
#include <stdio.h>

/* The output formats of `--format` (values as the CLI's). */
enum mp_format { MP_FMT_TABLE, MP_FMT_CSV, MP_FMT_JSON };

typedef struct mp_table mp_table;

/* A table of `ncols` columns. The caller owns it: mp_table_free. NULL when out of memory. */
mp_table *mp_table_new(size_t ncols);
void mp_table_free(mp_table *t);
/* Append a cell to the current row (a row is full after ncols cells); `right` aligns it
 * right in text output. 0, or -1 when out of memory (the table then prints nothing). */
int mp_table_cell(mp_table *t, const char *text, int right);
int mp_table_cellf(mp_table *t, int right, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A number cell in the shortest form that reads back as the same double; `-` for NAN. */
int mp_table_num(mp_table *t, double v);
/* Print with aligned columns, two spaces apart, a rule under the first row. */
void mp_table_print(const mp_table *t, FILE *fp);
/* Print as CSV, one line a row. */
void mp_table_print_csv(const mp_table *t, FILE *fp);

/* One CSV field, quoted when it holds a comma, quote or line break. */
void mp_csv_put(FILE *fp, const char *s);

/* The shortest decimal text that reads back as exactly v (at most 17 digits), as %g would
 * write it; "-" for NAN. Returns buf. */
char *mp_fmt_double(char *buf, size_t n, double v);

#endif
