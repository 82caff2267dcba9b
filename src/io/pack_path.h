/* Where a rule pack is: a directory by path (relative to a plan's directory or to the
 * current one), or an installed pack by its bare name, looked up on the rules path. */
#ifndef MPLAN_IO_PACK_PATH_H
#define MPLAN_IO_PACK_PATH_H

#include <stddef.h>

#include "core/model.h"

/* The directories searched for a pack named by a bare name, colon-separated:
 * $MPLAN_RULES_PATH when set, else the installation's rules directory
 * (PREFIX/share/mplan/rules, compiled in). A constant string. */
const char *mp_rules_path(void);

/* Resolve `path` as a plan's `packs:` entry or a command's pack operand names it, into buf
 * (size bytes): `path` itself when it is absolute or `base` is NULL or empty, else
 * base/path. When that is no directory and `path` is a bare name (no '/', not starting
 * with '.'), the first directory of the rules path holding a directory of that name
 * wins. Returns how it was found (for MP_PACK_NOT_FOUND buf holds base/path), or -1 when
 * a path does not fit in buf. */
int mp_pack_dir(const char *base, const char *path, char *buf, size_t size);

#endif
