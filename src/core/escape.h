/* Text from input files and rule packs made safe to show on a terminal: an ESC sequence, a
 * carriage return or a newline inside a CSV field, YAML value or pack string must not
 * recolour the screen, rewrite a line or forge an "mplan: ..." line. One escaping for every
 * text output: messages, warnings, tables, pack print and mplan.log. Pure string work, so
 * the core quotes names in its messages with it too; io/esc.h writes it to streams. */
#ifndef MPLAN_CORE_ESCAPE_H
#define MPLAN_CORE_ESCAPE_H

#include <stddef.h>

enum mp_esc_mode {
    /* one line (a table cell, a name): \n \r \t shown as those two characters */
    MP_ESC_LINE = 0,
    /* text of several lines (what a script returned): newlines and tabs kept */
    MP_ESC_TEXT = 1,
    /* a message that may span lines (Lua tracebacks, pack print): as TEXT, and a line that
     * does not start with a blank is indented by two spaces, so no line of the output
     * starts with text of the input (no forged "mplan: ..." or "ok ..." line) */
    MP_ESC_LINES = 2
};

/* `s` with C0 controls and DEL as \xNN (\n \r \t in LINE mode as \n \r \t), C1 controls and
 * bidirectional overrides as \uNNNN, and bytes that are not UTF-8 as \xNN; printable text,
 * UTF-8 included, unchanged. The result is malloc'd (NULL: out of memory). */
char *mp_esc(const char *s, enum mp_esc_mode mode);
/* The same into `out` (NULL: only count), NUL-terminated; returns the length. */
size_t mp_esc_into(const char *s, enum mp_esc_mode mode, char *out);
/* `s` escaped as one line (MP_ESC_LINE) into buf[n], cut after the last whole character
 * that fits, with "..." then: for names quoted in messages, no allocation. Returns buf. */
const char *mp_esc_name(const char *s, char *buf, size_t n);

#endif
