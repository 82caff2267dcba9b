/* Civil dates as day numbers (days since 1970-01-01), proleptic Gregorian. */
#ifndef MPLAN_DATE_H
#define MPLAN_DATE_H

#include <stddef.h>
#include <stdint.h>

int32_t mp_days_from_civil(int y, int m, int d);
void mp_civil_from_days(int32_t days, int *y, int *m, int *d);
/* Parse exactly YYYY-MM-DD (a real calendar date); 0 on success, -1 otherwise. */
int mp_date_parse(const char *s, int32_t *days);
/* A date as spreadsheets and ad platforms export it, in s[0..len): YYYY-MM-DD, YYYY/MM/DD or
 * YYYY.MM.DD, month and day with one or two digits (2025/1/6), one separator throughout. */
int mp_date_parse_export(const char *s, size_t len, int32_t *days);
/* The last day mplan reads or writes: 9999-12-31 (four-digit years). Plans whose horizon or
 * event phases reach past it are refused at load. */
#define MP_DATE_MAX 2932896
/* Write YYYY-MM-DD and a NUL into buf[11] (days from 1900-01-01 up to MP_DATE_MAX). */
void mp_date_format(int32_t days, char buf[11]);
/* The same day of the month n months later (n may be negative), clamped to the month's end. */
int32_t mp_date_add_months(int32_t days, int n);

#endif
