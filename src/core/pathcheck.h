/* The names a pack bundle may hold (docs/security.md, "Installing a bundle"): checked before
 * anything is written, so that no entry can land outside the directory it installs into. */
#ifndef MPLAN_CORE_PATHCHECK_H
#define MPLAN_CORE_PATHCHECK_H

#include <stddef.h>

/* A bundle path is at most this long and this many directories deep. */
#define MP_BUNDLE_PATH_MAX 255
#define MP_BUNDLE_PATH_DEPTH 16

/* Is `path` a safe relative file name for a pack: '/'-separated components of printable
 * ASCII letters, digits and `_-.+@`, none empty, none `.` or `..` or starting with '.', no
 * leading '/', no backslash, at most MP_BUNDLE_PATH_MAX bytes and MP_BUNDLE_PATH_DEPTH
 * components? 0 when it is; else -1 and a short reason ("an absolute path", "a '..'
 * component", ...) in why[n]. */
int mp_bundle_path_check(const char *path, char *why, size_t n);

#endif
