/* Numbers as people read them, the one place that formats them: thousands separators,
 * never scientific notation, optional units (k/M, 万/亿) and currency symbols. Every table,
 * message and report line that shows a number to a person goes through here; CSV and JSON
 * keep plain full-precision numbers for programs. */
#ifndef MPLAN_CORE_NUMFMT_H
#define MPLAN_CORE_NUMFMT_H

#include <stddef.h>

/* How large amounts are shown (`--units`, or the plan's `locale:`). */
enum mp_units {
    MP_UNITS_PLAIN, /* 12,345,678 */
    MP_UNITS_K,     /* 12.3k below a million, 12.35M from a million */
    MP_UNITS_WAN    /* 1,234.6万 from ten thousand, 1.23亿 from a hundred million */
};

/* Room for any finite double with separators and a unit. */
#define MP_FMT_MAX 480

/* `value` with `decimals` places and thousands separators ("1,234,567.89"); "-" when not
 * finite (absent). Returns buf. */
char *mp_fmt_num(double value, int decimals, char *buf, size_t n);
/* An amount (money, a count) in `units`: below the unit's threshold as mp_fmt_num with
 * `decimals`; above it scaled with one decimal (万, k) or two (亿, M). Returns buf. */
char *mp_fmt_amount(double value, int decimals, enum mp_units units, char *buf, size_t n);
/* A number in a message, as %g would show it (6 significant digits) but never in scientific
 * notation below 1e15 and with thousands separators: 925000 -> "925,000", 0.5 -> "0.5",
 * 1234.5678 -> "1,234.57". Returns buf. */
char *mp_fmt_g(double value, char *buf, size_t n);
/* The same as expressions for a printf argument list, each in its own buffer that lives to
 * the end of the enclosing block: printf("%s of %s", MP_G(a), MP_NUM(b, 0)). */
#define MP_G(v) mp_fmt_g((v), (char[MP_FMT_MAX]){""}, MP_FMT_MAX)
#define MP_NUM(v, decimals) mp_fmt_num((v), (decimals), (char[MP_FMT_MAX]){""}, MP_FMT_MAX)
#define MP_AMOUNT(v, decimals, units) mp_fmt_amount((v), (decimals), (units), (char[MP_FMT_MAX]){""}, MP_FMT_MAX)

/* "plain", "k" or "wan" -> the units, -1 for anything else. */
int mp_units_parse(const char *s);
const char *mp_units_name(enum mp_units units);
/* What a table's scaled amounts mean, for its header ("amounts: 万 = 10,000, ..."); "" for
 * plain. */
const char *mp_units_legend(enum mp_units units);
/* The symbol of an ISO 4217 code people write before amounts ("CNY" and "RMB" -> "¥",
 * "USD" -> "$", "EUR" -> "€", ...); NULL for a code without one here. */
const char *mp_currency_symbol(const char *code);
/* Display width of UTF-8 text in a terminal's columns: East Asian wide and fullwidth
 * characters (CJK, kana, Hangul, fullwidth forms such as ￥) count 2, combining marks and
 * zero-width characters 0, others 1. Locale-independent (docs/design.md). */
size_t mp_text_width(const char *s);
/* `s` cut to at most `width` display columns, ending in "…" when cut (whole characters
 * only), into buf; returns buf. */
char *mp_text_clip(const char *s, size_t width, char *buf, size_t n);

#endif
