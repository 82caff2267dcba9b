#include "io/esc.h"

#include <stdlib.h>

int mp_esc_fputs(const char *s, enum mp_esc_mode mode, FILE *fp)
{
    char *e = mp_esc(s, mode);
    /* out of memory: the message is lost rather than shown raw */
    int rc = fputs(e ? e : "(message lost: out of memory)", fp);
    free(e);
    return rc < 0 ? EOF : 0;
}
