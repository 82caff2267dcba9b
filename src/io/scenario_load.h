/* Scenario files for `mplan whatif --scenario` (docs/formats-changes.md): named sets of
 * plan value overrides, read with the one YAML reader and checked against the plan. */
#ifndef MPLAN_IO_SCENARIO_LOAD_H
#define MPLAN_IO_SCENARIO_LOAD_H

#include "io/yaml_doc.h"
#include "mplan/whatif.h"

struct mp_scenarios {
    struct mp_ydoc doc;       /* owns names and paths */
    mp_whatif_scenario *list; /* [n]; list[0] is the base plan, "base", with no overrides */
    size_t n;
    void *mem;                /* the path and value arrays */
};

/* Read `path`; every override is tried on a copy of `plan`, so an unknown path or a value
 * out of range fails here with file:line:col. On success free with mp_scenarios_free. */
enum mp_status mp_scenarios_load(const char *path, const mp_plan *plan, struct mp_scenarios *out,
                                 mp_error *err);
void mp_scenarios_free(struct mp_scenarios *s);

#endif
