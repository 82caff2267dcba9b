#include "io/esc.h"

#include <stdlib.h>

int mp_esc_fputs(const char *s, enum mp_esc_mode mode, FILE *fp)
{
    /* Messages, names and cells fit the stack buffer, so none is lost or replaced when
     * memory runs out (an error message is at most MP_ERRMSG_MAX bytes, 4 shown each). */
    char small[4 * 1024 + 64];
    size_t n = mp_esc_into(s, mode, NULL);
    char *e = n < sizeof small ? small : malloc(n + 1);
    /* a long text and no memory: the text is lost rather than shown raw */
    if (e)
        mp_esc_into(s, mode, e);
    int rc = fputs(e ? e : "(message lost: out of memory)", fp);
    if (e != small)
        free(e);
    return rc < 0 ? EOF : 0;
}
