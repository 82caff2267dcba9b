#include "mplan/version.h"

const char *mp_version(void)
{
    return MP_VERSION;
}
