#include "io/esc.h"

#include <stdint.h>
#include <stdlib.h>

/* Length of the valid UTF-8 sequence at s (2 to 4), or 0; *cp gets the code point. */
static int utf8_seq(const unsigned char *s, uint32_t *cp)
{
    if (s[0] >= 0xC2 && s[0] <= 0xDF && (s[1] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (s[0] >= 0xE0 && s[0] <= 0xEF && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return *cp >= 0x800 && (*cp < 0xD800 || *cp > 0xDFFF) ? 3 : 0; /* no overlong, no surrogate */
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
              ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return *cp >= 0x10000 && *cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

/* C1 controls (U+009B is a CSI to some terminals) and the overrides that reorder text
 * ("Trojan Source"). */
static int bad_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Escape into out, else onto fp (a failed write sets *werr), else only count; returns
 * the length. */
static size_t esc_into(const char *str, enum mp_esc_mode mode, char *out, FILE *fp, int *werr)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t n = 0;
#define PUT(c)                                                                                 \
    do {                                                                                       \
        if (out)                                                                               \
            out[n] = (char)(c);                                                                \
        else if (fp && putc((c), fp) == EOF)                                                   \
            *werr = 1;                                                                         \
        n++;                                                                                   \
    } while (0)
    while (*s) {
        unsigned char c = *s;
        uint32_t cp;
        int len;
        if (mode != MP_ESC_LINE && (c == '\n' || c == '\t')) {
            PUT(c);
            s++;
            if (mode == MP_ESC_LINES && c == '\n' && *s && *s != ' ' && *s != '\t' && *s != '\n') {
                PUT(' ');
                PUT(' ');
            }
        } else if (c == '\n' || c == '\r' || c == '\t') {
            PUT('\\');
            PUT(c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
            s++;
        } else if (c < 0x20 || c == 0x7F) {
            PUT('\\');
            PUT('x');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
            s++;
        } else if (c < 0x80) {
            PUT(c);
            s++;
        } else if ((len = utf8_seq(s, &cp)) == 0) {
            PUT('\\');
            PUT('x');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
            s++;
        } else if (bad_cp(cp)) {
            PUT('\\');
            PUT('u');
            for (int sh = 12; sh >= 0; sh -= 4)
                PUT(hex[(cp >> sh) & 15]);
            s += len;
        } else {
            for (int i = 0; i < len; i++)
                PUT(s[i]);
            s += len;
        }
    }
#undef PUT
    if (out)
        out[n] = '\0';
    return n;
}

char *mp_esc(const char *s, enum mp_esc_mode mode)
{
    char *out = malloc(esc_into(s, mode, NULL, NULL, NULL) + 1);
    if (out)
        esc_into(s, mode, out, NULL, NULL);
    return out;
}

/* Straight onto the stream: no memory needed, so no message is lost when it runs out. */
int mp_esc_fputs(const char *s, enum mp_esc_mode mode, FILE *fp)
{
    int werr = 0;
    esc_into(s, mode, NULL, fp, &werr);
    return werr ? EOF : 0;
}
