#include "core/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

size_t mp_esc_into(const char *str, enum mp_esc_mode mode, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t n = 0;
#define PUT(c)                                                                                 \
    do {                                                                                       \
        if (out)                                                                               \
            out[n] = (char)(c);                                                                \
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
    char *out = malloc(mp_esc_into(s, mode, NULL) + 1);
    if (out)
        mp_esc_into(s, mode, out);
    return out;
}

const char *mp_esc_name(const char *s, char *buf, size_t n)
{
    if (n < 4)
        return n ? (buf[0] = '\0', buf) : buf;
    if (mp_esc_into(s, MP_ESC_LINE, NULL) < n) {
        mp_esc_into(s, MP_ESC_LINE, buf);
        return buf;
    }
    size_t used = 0; /* whole characters while they leave room for "..." */
    for (;;) {
        uint32_t cp;
        int len = (unsigned char)*s >= 0x80 ? utf8_seq((const unsigned char *)s, &cp) : 0;
        char one[5] = {0}, esc[16];
        memcpy(one, s, len ? (size_t)len : 1);
        size_t k = mp_esc_into(one, MP_ESC_LINE, esc);
        if (used + k + 4 > n)
            break;
        memcpy(buf + used, esc, k);
        used += k;
        s += len ? len : 1;
    }
    memcpy(buf + used, "...", 4);
    return buf;
}
