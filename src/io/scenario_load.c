/* Scenario files: `NAME: {PATH: NUMBER, ...}` for each scenario, in file order. */
#include "io/scenario_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

void mp_scenarios_free(struct mp_scenarios *s)
{
    mp_ydoc_free(&s->doc);
    free(s->list);
    free(s->mem);
    memset(s, 0, sizeof *s);
}

/* Try every override of one scenario on a fresh copy of the plan, so each message points at
 * the value in the file. */
static enum mp_status check(const struct mp_ydoc *doc, const struct mp_ynode *map, const mp_plan *plan,
                            mp_error *err)
{
    mp_plan *copy = mp_plan_clone(plan);
    if (!copy)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = MP_OK;
    for (size_t i = 0; st == MP_OK && i < map->n; i++) {
        double v, was;
        mp_error e = {0};
        char what[300];
        snprintf(what, sizeof what, "'%.280s'", map->keys[i]);
        st = mp_ynode_number(doc, map->items[i], what, -INFINITY, INFINITY, 0, &v, err);
        /* a bad path is the key's fault, a bad number the value's */
        if (st == MP_OK && mp_plan_get(copy, map->keys[i], &was, &e) != MP_OK)
            st = mp_ydoc_fail(doc, map->keynodes[i], err, "%s", e.msg);
        else if (st == MP_OK && mp_plan_set(copy, map->keys[i], v, &e) != MP_OK)
            st = mp_ydoc_fail(doc, map->items[i], err, "%s", e.msg);
    }
    mp_plan_free(copy);
    return st;
}

enum mp_status mp_scenarios_load(const char *path, const mp_plan *plan, struct mp_scenarios *out,
                                 mp_error *err)
{
    memset(out, 0, sizeof *out);
    enum mp_status st = mp_ydoc_load_file(path, &out->doc, err);
    if (st != MP_OK)
        return st;
    const struct mp_ydoc *doc = &out->doc;
    const struct mp_ynode *root = doc->root;
    if (root->type != MP_Y_MAP || root->n == 0) {
        st = mp_ydoc_fail(doc, root, err, "a scenario file maps scenario names to plan values, e.g. "
                          "'pessimistic: {channels.p4p.response.k: 6000}', got %s", mp_ynode_describe(root));
        goto fail;
    }
    size_t total = 0;
    for (size_t s = 0; s < root->n; s++) {
        const struct mp_ynode *m = root->items[s];
        if (strcmp(root->keys[s], "base") == 0) {
            st = mp_ydoc_fail(doc, root->keynodes[s], err, "'base' is the plan as it is: name the "
                              "scenario otherwise");
            goto fail;
        }
        char what[300];
        snprintf(what, sizeof what, "scenario '%.280s'", root->keys[s]);
        if ((st = mp_ynode_expect(doc, m, MP_Y_MAP, what, err)) != MP_OK)
            goto fail;
        if ((st = check(doc, m, plan, err)) != MP_OK)
            goto fail;
        total += m->n;
    }
    out->n = root->n + 1;
    out->list = calloc(out->n, sizeof *out->list);
    out->mem = calloc(total + 1, sizeof(double) + sizeof(char *));
    if (!out->list || !out->mem) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto fail;
    }
    double *values = out->mem;
    const char **paths = (const char **)(values + total + 1);
    out->list[0].name = "base";
    for (size_t s = 0; s < root->n; s++) {
        const struct mp_ynode *m = root->items[s];
        mp_whatif_scenario *sc = &out->list[s + 1];
        sc->name = root->keys[s];
        sc->paths = paths;
        sc->values = values;
        sc->n = m->n;
        for (size_t i = 0; i < m->n; i++) {
            *paths++ = m->keys[i];
            mp_ynode_number(doc, m->items[i], "", -INFINITY, INFINITY, 0, values++, NULL); /* checked */
        }
    }
    return MP_OK;
fail:
    mp_scenarios_free(out);
    return st;
}
