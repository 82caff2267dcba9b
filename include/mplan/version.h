/* The version of libmplan and of the mplan command (semver: the major number is the shared
 * library's soname, libmplan.so.MAJOR; it changes when the ABI does). */
#ifndef MPLAN_VERSION_H
#define MPLAN_VERSION_H

#include "mplan/export.h"

#define MP_VERSION_MAJOR 0
#define MP_VERSION_MINOR 1
#define MP_VERSION_PATCH 0
#define MP_VERSION_STR_(n) #n
#define MP_VERSION_XSTR_(n) MP_VERSION_STR_(n)
/* "MAJOR.MINOR.PATCH" */
#define MP_VERSION                                                                         \
    MP_VERSION_XSTR_(MP_VERSION_MAJOR) "." MP_VERSION_XSTR_(MP_VERSION_MINOR) "."           \
        MP_VERSION_XSTR_(MP_VERSION_PATCH)

/* The version of the library linked at run time, e.g. "0.1.0" (MP_VERSION is the one a
 * program was compiled against). A constant string; nothing to free. */
MP_API const char *mp_version(void);

#endif
