#include "core/date.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days, exact for the whole int32 range we use. */
int32_t mp_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void mp_civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dim[m - 1] + (m == 2 && leap);
}

/* y-m-d to a day number if it is a real calendar date from 1900 on. */
static int to_days(int y, int m, int d, int32_t *days)
{
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = mp_days_from_civil(y, m, d);
    return 0;
}

int mp_date_parse(const char *s, int32_t *days)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return to_days(y, m, d, days);
}

int mp_date_parse_export(const char *s, size_t len, int32_t *days)
{
    int part[3] = {0, 0, 0}, digits = 0, k = 0;
    char sep = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (++digits > (k == 0 ? 4 : 2))
                return -1;
            part[k] = part[k] * 10 + (c - '0');
        } else if ((c == '-' || c == '/' || c == '.') && k < 2 && (!sep || c == sep) && digits > 0 &&
                   (k > 0 || digits == 4)) {
            sep = c;
            k++;
            digits = 0;
        } else {
            return -1;
        }
    }
    if (k != 2 || digits == 0)
        return -1;
    return to_days(part[0], part[1], part[2], days);
}

void mp_date_format(int32_t days, char buf[11])
{
    int y, m, d;
    mp_civil_from_days(days, &y, &m, &d);
    unsigned yy = (unsigned)y % 10000u, mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
    snprintf(buf, 11, "%04u-%02u-%02u", yy, mm, dd);
}

int32_t mp_date_add_months(int32_t days, int n)
{
    int y, m, d;
    mp_civil_from_days(days, &y, &m, &d);
    int idx = y * 12 + (m - 1) + n;
    y = idx / 12;
    m = idx % 12 + 1;
    if (d > days_in_month(y, m))
        d = days_in_month(y, m);
    return mp_days_from_civil(y, m, d);
}
