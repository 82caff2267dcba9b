/* PLACEHOLDER until the loader lands: replaced by the real libyaml loader. */
#include "core/model.h"

enum mp_status mp_plan_load(const char *path, mp_plan **out, mp_error *err)
{
    *out = NULL;
    return mp_fail(err, MP_EINTERNAL, "%s: the plan loader is not built yet", path);
}

enum mp_status mp_plan_load_string(const char *name, const char *text, size_t len,
                                   mp_plan **out, mp_error *err)
{
    (void)text;
    (void)len;
    *out = NULL;
    return mp_fail(err, MP_EINTERNAL, "%s: the plan loader is not built yet", name);
}
