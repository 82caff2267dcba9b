/* `mplan pack info`: the manifest as tables or JSON. */
#include "io/pack_info.h"
#include "core/numfmt.h"

#include "io/esc.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "io/run_out.h"
#include "io/table.h"

static const char *type_name(enum mp_param_type t)
{
    return t == MP_PARAM_NUMBER ? "number" : t == MP_PARAM_STRING ? "string"
         : t == MP_PARAM_LIST ? "list" : "boolean";
}

static void set_default(struct mp_table *tab, size_t col, const struct mp_pack_param *p)
{
    switch (p->type) {
    case MP_PARAM_NUMBER: mp_table_set(tab, col, MP_G(p->num)); break;
    case MP_PARAM_STRING: mp_table_set(tab, col, p->str); break;
    case MP_PARAM_BOOL: mp_table_set(tab, col, p->boolean ? "true" : "false"); break;
    case MP_PARAM_LIST: {
        char buf[512] = "[";
        for (size_t i = 0; i < p->nitems; i++) {
            const struct mp_param *it = &p->items[i];
            size_t len = strlen(buf);
            if (it->type == MP_PARAM_NUMBER)
                snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", MP_G(it->num));
            else
                snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
                         it->type == MP_PARAM_BOOL ? (it->boolean ? "true" : "false") : it->str);
        }
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "]");
        mp_table_set(tab, col, buf);
        break;
    }
    }
}

/* "0..1", ">= 0", "<= 10", or empty (printed "-") when unbounded. */
static void set_range(struct mp_table *tab, size_t col, const struct mp_pack_param *p)
{
    if (isfinite(p->min) && isfinite(p->max))
        mp_table_setf(tab, col, "%s..%s", MP_G(p->min), MP_G(p->max));
    else if (isfinite(p->min))
        mp_table_setf(tab, col, ">= %s", MP_G(p->min));
    else if (isfinite(p->max))
        mp_table_setf(tab, col, "<= %s", MP_G(p->max));
}

enum mp_status mp_pack_info_table(FILE *fp, const struct mp_manifest *m, mp_error *err)
{
    /* a manifest's strings are a stranger's: escaped as every table cell is */
    mp_esc_fputs(m->name, MP_ESC_LINE, fp);
    fputc(' ', fp);
    mp_esc_fputs(m->version, MP_ESC_LINE, fp);
    fputc('\n', fp);
    if (m->summary) {
        mp_esc_fputs(m->summary, MP_ESC_LINE, fp);
        fputc('\n', fp);
    }
    fputs("mplan API: ", fp);
    mp_esc_fputs(m->api, MP_ESC_LINE, fp);
    fputs("\n\n", fp);

    static const char *const hook_head[] = {"kind", "hook"};
    struct mp_table hooks;
    if (mp_table_init(&hooks, 2, hook_head) != 0)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    mp_table_align(&hooks, 1, 1);
    for (int k = 0; k < MP_HOOK_KINDS; k++)
        for (size_t i = 0; i < m->nprovides[k]; i++) {
            mp_table_add_row(&hooks);
            mp_table_set(&hooks, 0, mp_hook_kind_name((enum mp_hook_kind)k));
            mp_table_set(&hooks, 1, m->provides[k][i]);
        }
    enum mp_status st = mp_table_print(&hooks, fp, "hooks", err);
    mp_table_free(&hooks);
    if (st != MP_OK)
        return st;

    static const char *const param_head[] = {"param", "type", "default", "range", "doc"};
    struct mp_table params;
    if (mp_table_init(&params, 5, param_head) != 0)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c < 5; c++)
        mp_table_align(&params, c, c != 2 && c != 3);
    for (size_t i = 0; i < m->nparams; i++) {
        const struct mp_pack_param *p = &m->params[i];
        mp_table_add_row(&params);
        mp_table_set(&params, 0, p->name);
        mp_table_set(&params, 1, type_name(p->type));
        set_default(&params, 2, p);
        set_range(&params, 3, p);
        mp_table_set(&params, 4, p->doc);
    }
    fputc('\n', fp);
    st = m->nparams ? mp_table_print(&params, fp, "params", err) : MP_OK;
    if (st == MP_OK && !m->nparams)
        fputs("params: none\n", fp);
    mp_table_free(&params);
    return st;
}

static json_t *param_json(const struct mp_pack_param *p)
{
    json_t *o = json_pack("{s:s, s:s}", "name", p->name, "type", type_name(p->type));
    int bad = !o;
    switch (p->type) {
    case MP_PARAM_NUMBER: bad |= json_object_set_new(o, "default", json_real(p->num)); break;
    case MP_PARAM_STRING: bad |= json_object_set_new(o, "default", json_string(p->str)); break;
    case MP_PARAM_BOOL: bad |= json_object_set_new(o, "default", json_boolean(p->boolean)); break;
    case MP_PARAM_LIST: {
        json_t *a = json_array();
        bad |= !a;
        for (size_t i = 0; a && i < p->nitems; i++) {
            const struct mp_param *it = &p->items[i];
            bad |= json_array_append_new(a, it->type == MP_PARAM_NUMBER ? json_real(it->num)
                                            : it->type == MP_PARAM_BOOL ? json_boolean(it->boolean)
                                                                        : json_string(it->str));
        }
        bad |= json_object_set_new(o, "default", a);
        break;
    }
    }
    if (isfinite(p->min))
        bad |= json_object_set_new(o, "min", json_real(p->min));
    if (isfinite(p->max))
        bad |= json_object_set_new(o, "max", json_real(p->max));
    if (p->doc)
        bad |= json_object_set_new(o, "doc", json_string(p->doc));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

enum mp_status mp_pack_info_json(FILE *fp, const struct mp_manifest *m, mp_error *err)
{
    json_t *root = json_pack("{s:s, s:s, s:s?, s:s}", "name", m->name, "version", m->version,
                             "summary", m->summary, "mplan", m->api);
    json_t *provides = json_object(), *params = json_array();
    int bad = 0; /* any jansson call failed: out of memory */
    for (int k = 0; k < MP_HOOK_KINDS; k++) {
        json_t *list = json_array();
        for (size_t i = 0; i < m->nprovides[k]; i++)
            bad |= json_array_append_new(list, json_string(m->provides[k][i]));
        bad |= json_object_set_new(provides, mp_manifest_kind_key((enum mp_hook_kind)k), list);
    }
    for (size_t i = 0; i < m->nparams; i++)
        bad |= json_array_append_new(params, param_json(&m->params[i]));
    bad |= json_object_set_new(root, "provides", provides);
    bad |= json_object_set_new(root, "params", params);
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}
