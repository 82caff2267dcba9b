/* `mplan pack info`: a pack's manifest described as a table or as JSON. */
#ifndef MPLAN_IO_PACK_INFO_H
#define MPLAN_IO_PACK_INFO_H

#include <stdio.h>

#include "io/manifest.h"

/* Name, version, summary, hooks by kind, then params (type, default, range, doc), as
 * aligned tables. */
enum mp_status mp_pack_info_table(FILE *fp, const struct mp_manifest *m, mp_error *err);

/* The same as one JSON object: {"name", "version", "summary", "mplan", "provides":
 * {"allocators": [...], ...}, "params": [{"name", "type", "default", "min", "max", "doc"}]};
 * min, max and doc only where the manifest gives them. */
enum mp_status mp_pack_info_json(FILE *fp, const struct mp_manifest *m, mp_error *err);

#endif
