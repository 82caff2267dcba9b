#include "core/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1234567.891 with 2 decimals -> "1,234,567.89"; "%f" never writes an exponent. */
char *mp_fmt_num(double v, int decimals, char *out, size_t n)
{
    if (n == 0)
        return out;
    if (!isfinite(v)) {
        snprintf(out, n, "-");
        return out;
    }
    char raw[MP_FMT_MAX];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (v < 0 && strspn(raw, "0.") != strlen(raw) && o + 1 < n)
        out[o++] = '-'; /* -0.00 prints as 0.00 */
    for (size_t i = 0; i < intlen && o + 2 < n; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    for (const char *p = dot; p && *p && o + 1 < n; p++)
        out[o++] = *p;
    out[o] = '\0';
    return out;
}

char *mp_fmt_g(double v, char *out, size_t n)
{
    double a = fabs(v);
    if (!isfinite(v) || a >= 1e15 || (a > 0 && a < 1e-4)) { /* where %g writes an exponent anyway */
        snprintf(out, n, "%g", v);
        return out;
    }
    int decimals = a > 0 ? 5 - (int)floor(log10(a)) : 0;
    if (decimals < 0)
        decimals = 0;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (strchr(raw, '.')) { /* no trailing zeros, as %g */
        size_t len = strlen(raw);
        while (raw[len - 1] == '0')
            raw[--len] = '\0';
        if (raw[len - 1] == '.')
            raw[--len] = '\0';
    }
    const char *dot = strchr(raw, '.');
    return mp_fmt_num(strtod(raw, NULL), dot ? (int)strlen(dot + 1) : 0, out, n);
}

/* v / scale with `decimals` places and the unit after it, when it rounds to at least 1. */
static int scaled(double v, double scale, int decimals, const char *unit, char *out, size_t n)
{
    double p = pow(10, decimals);
    double x = round(fabs(v) / scale * p) / p;
    if (x < 1)
        return 0;
    mp_fmt_num(v < 0 ? -x : x, decimals, out, n);
    size_t len = strlen(out);
    snprintf(out + len, n - len, "%s", unit);
    return 1;
}

char *mp_fmt_amount(double v, int decimals, enum mp_units units, char *out, size_t n)
{
    double a = fabs(v);
    if (!isfinite(v) || units == MP_UNITS_PLAIN)
        return mp_fmt_num(v, decimals, out, n);
    if (units == MP_UNITS_WAN) {
        /* 9,999.96万 rounds to 10,000.0万: that is 1.00亿 */
        if (a >= 1e8 || round(a / 1e3) >= 1e5) {
            if (scaled(v, 1e8, 2, "亿", out, n))
                return out;
        } else if (a >= 1e4 && scaled(v, 1e4, 1, "万", out, n)) {
            return out;
        }
    } else {
        if (a >= 1e6 || round(a / 100) >= 1e4) {
            if (scaled(v, 1e6, 2, "M", out, n))
                return out;
        } else if (a >= 1e3 && scaled(v, 1e3, 1, "k", out, n)) {
            return out;
        }
    }
    return mp_fmt_num(v, decimals, out, n);
}

int mp_units_parse(const char *s)
{
    if (strcmp(s, "plain") == 0)
        return MP_UNITS_PLAIN;
    if (strcmp(s, "k") == 0)
        return MP_UNITS_K;
    if (strcmp(s, "wan") == 0)
        return MP_UNITS_WAN;
    return -1;
}

const char *mp_units_name(enum mp_units units)
{
    return units == MP_UNITS_K ? "k" : units == MP_UNITS_WAN ? "wan" : "plain";
}

const char *mp_units_legend(enum mp_units units)
{
    return units == MP_UNITS_WAN ? "amounts: 万 = 10,000, 亿 = 100,000,000"
         : units == MP_UNITS_K   ? "amounts: k = 1,000, M = 1,000,000"
                                 : "";
}

const char *mp_currency_symbol(const char *code)
{
    static const char *const table[][2] = {
        {"CNY", "¥"}, {"RMB", "¥"}, {"JPY", "¥"}, {"USD", "$"},   {"EUR", "€"},
        {"GBP", "£"}, {"HKD", "HK$"}, {"TWD", "NT$"}, {"KRW", "₩"}, {"SGD", "S$"},
    };
    for (size_t i = 0; code && i < sizeof table / sizeof *table; i++)
        if (strcmp(code, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* Code point ranges, sorted. Wide: Markus Kuhn's wcwidth (the table glibc and most
 * terminals follow for CJK) plus the emoji blocks; zero: combining marks and format
 * characters a terminal draws on the previous cell. */
struct range {
    uint32_t lo, hi;
};
static const struct range wide[] = {
    {0x1100, 0x115F},   {0x2329, 0x232A},   {0x2E80, 0x303E},   {0x3040, 0xA4CF},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};
static const struct range zero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

static int in(const struct range *r, size_t n, uint32_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < r[mid].lo)
            hi = mid;
        else if (c > r[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

/* The display width of the character at *pp, which is moved past it. */
static size_t char_width(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = *p;
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0) { /* not UTF-8: one column a byte, as the escaper shows it */
        *pp = p + 1;
        return 1;
    }
    c &= len == 1 ? 0x7F : 0x3Fu >> (len - 1);
    int i = 1;
    for (; i < len && (p[i] & 0xC0) == 0x80; i++)
        c = c << 6 | (p[i] & 0x3Fu);
    *pp = p + i;
    if (i < len)
        return 1;
    return in(zero, sizeof zero / sizeof *zero, c) ? 0 : in(wide, sizeof wide / sizeof *wide, c) ? 2 : 1;
}

size_t mp_text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    while (*p)
        w += char_width(&p);
    return w;
}

char *mp_text_clip(const char *s, size_t width, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    if (mp_text_width(s) <= width) {
        snprintf(buf, n, "%s", s);
        return buf;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    while (*p) {
        const unsigned char *q = p;
        size_t cw = char_width(&q);
        if (w + cw > width - 1) /* room for the ellipsis, one column */
            break;
        w += cw;
        p = q;
    }
    size_t len = (size_t)((const char *)p - s);
    snprintf(buf, n, "%.*s…", (int)len, s);
    return buf;
}
