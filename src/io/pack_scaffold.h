/* `mplan pack new`: a new rule pack that `pack check` and `pack test` accept as is. */
#ifndef MPLAN_IO_PACK_SCAFFOLD_H
#define MPLAN_IO_PACK_SCAFFOLD_H

#include "mplan/status.h"

/* Write DIR/NAME/{pack.yaml,init.lua,README.md,tests/basic.lua} with one example hook of
 * each kind in `kinds`, a bit set of (1u << enum mp_hook_kind). NAME must be [a-z0-9-]+;
 * DIR/NAME must not exist yet. `made` (PATH_MAX bytes) receives the pack directory. */
enum mp_status mp_pack_scaffold(const char *dir, const char *name, unsigned kinds, char *made,
                                mp_error *err);

#endif
