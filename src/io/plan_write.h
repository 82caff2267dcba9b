/* Write a plan model back as a plan file (docs/plan-format.md) with libyaml's emitter, so that
 * `mplan run` reads back the same plan. Used for the revised plan of `mplan review`. */
#ifndef MPLAN_IO_PLAN_WRITE_H
#define MPLAN_IO_PLAN_WRITE_H

#include <stdio.h>

#include "mplan/plan.h"
#include "mplan/status.h"

/* Write `plan` to fp as YAML. `outdir` is the directory the file will live in: pack and
 * segments paths, relative to the plan's own directory, are rewritten relative to it.
 * `comment` (may be NULL) becomes the leading comment lines. The plan as loaded is
 * written (strategies are not applied: they run again when the file is loaded). */
enum mp_status mp_plan_write(FILE *fp, const mp_plan *plan, const char *outdir, const char *comment,
                             mp_error *err);

#endif
