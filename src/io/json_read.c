/* jansson's allocations go through one function that remembers, per thread, that one failed
 * (io/json_read.h says why). Installed once, before the first read; it allocates as
 * jansson's default does (malloc and free), so objects made before it are freed alike. */
#include "io/json_read.h"

#include <pthread.h>
#include <stdlib.h>

static _Thread_local int failed;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *track_malloc(size_t n)
{
    void *p = malloc(n);
    failed |= p == NULL;
    return p;
}

static void install(void)
{
    json_set_alloc_funcs(track_malloc, free);
}

static json_t *judged(json_t *root, const json_error_t *je, int *oom)
{
    /* the code, where jansson sets it; else a failed allocation seen while reading, or (in its
     * reader) an error without a position or a text */
    *oom = !root && (failed || json_error_code(je) == json_error_out_of_memory || (je->line < 0 && !je->text[0]));
    return root;
}

json_t *mp_json_loadb(const char *text, size_t len, size_t flags, json_error_t *je, int *oom)
{
    pthread_once(&once, install);
    failed = 0;
    return judged(json_loadb(text, len, flags, je), je, oom);
}

json_t *mp_json_loadf(FILE *fp, size_t flags, json_error_t *je, int *oom)
{
    pthread_once(&once, install);
    failed = 0;
    return judged(json_loadf(fp, flags, je), je, oom);
}
