/* Bundle entry names (core/pathcheck.h): a whitelist, so that an odd character (a
 * backslash that Windows tools read as a separator, a control character that rewrites a
 * terminal line) is refused rather than interpreted. */
#include "core/pathcheck.h"

#include <stdio.h>
#include <string.h>

static int why_is(char *why, size_t n, const char *text)
{
    if (why && n)
        snprintf(why, n, "%s", text);
    return -1;
}

static int allowed(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '+' || c == '@';
}

int mp_bundle_path_check(const char *path, char *why, size_t n)
{
    size_t len = strlen(path);
    if (!len)
        return why_is(why, n, "an empty name");
    if (path[0] == '/')
        return why_is(why, n, "an absolute path");
    if (len > MP_BUNDLE_PATH_MAX)
        return why_is(why, n, "a name longer than 255 bytes");
    int depth = 0;
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, "/");
        if (k == 0)
            return why_is(why, n, "an empty component ('//' or a trailing '/')");
        if ((k == 2 && p[0] == '.' && p[1] == '.'))
            return why_is(why, n, "a '..' component, which leads out of the pack");
        if (p[0] == '.')
            return why_is(why, n, "a component starting with '.'");
        for (size_t i = 0; i < k; i++)
            if (!allowed((unsigned char)p[i]))
                return why_is(why, n, p[i] == '\\' ? "a backslash" : "a character other than letters, digits and _-.+@");
        if (++depth > MP_BUNDLE_PATH_DEPTH)
            return why_is(why, n, "more than 16 directories deep");
        p += k;
        if (*p == '/') {
            p++;
            if (!*p)
                return why_is(why, n, "an empty component ('//' or a trailing '/')");
        }
    }
    return 0;
}
