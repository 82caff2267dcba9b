#include "io/pack_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The Makefile passes the installation's rules directory (RULESDIR). */
#ifndef MPLAN_RULES_DIR
#define MPLAN_RULES_DIR "/usr/local/share/mplan/rules"
#endif

const char *mp_rules_path(void)
{
    const char *env = getenv("MPLAN_RULES_PATH");
    return env ? env : MPLAN_RULES_DIR;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mp_pack_dir(const char *base, const char *path, char *buf, size_t size)
{
    int k = path[0] == '/' || !base || !*base ? snprintf(buf, size, "%s", path)
                                              : snprintf(buf, size, "%s/%s", base, path);
    if (k < 0 || (size_t)k >= size)
        return -1;
    if (!*path || path[0] == '.' || strchr(path, '/'))
        return MP_PACK_AT_PATH;
    if (is_dir(buf))
        return MP_PACK_AT_PATH;
    /* Empty entries of the list (a leading, trailing or doubled ':') name no directory. */
    for (const char *d = mp_rules_path(); *d;) {
        size_t n = strcspn(d, ":");
        char cand[4096];
        k = snprintf(cand, sizeof cand, "%.*s/%s", (int)n, d, path);
        if (n && k > 0 && (size_t)k < sizeof cand && is_dir(cand)) {
            if ((size_t)k >= size)
                return -1;
            memcpy(buf, cand, (size_t)k + 1);
            return MP_PACK_INSTALLED;
        }
        d += n + (d[n] == ':');
    }
    return MP_PACK_NOT_FOUND;
}
