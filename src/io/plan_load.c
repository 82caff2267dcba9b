/* The plan loader: a YAML plan (docs/plan-format.md) into the model (core/model.h), every value
 * checked where it is read, so each message names file:line:col, the key path and what
 * was expected. Keys are named as `mplan whatif --set` names them: budget.reserve,
 * channels.p4p.response.k; before a channel has an id, and for events, by index. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "core/semver.h"
#include "io/lock.h"
#include "io/manifest.h"
#include "io/pack_path.h"
#include "io/store_find.h"
#include "io/yaml_doc.h"
#include "mplan/channel.h"
#include "mplan/kpi.h"

/* Hostile-input bounds: the derived [channels x periods] tables and the event overlap
 * checks grow with these, and no real plan comes near them. */
#define MAX_PERIODS 3660
#define MAX_CHANNELS 1000
#define MAX_EVENTS 100
#define MAX_MILESTONES 1000
#define MAX_CELLS 2000000 /* channels x periods */
#define MAX_PHASE_UNITS 3660

struct loader {
    struct mp_ydoc doc;
    struct mp_plan *plan;
    mp_error *err;
    char what[320];  /* the key path of the value being read, quoted, for messages */
};

static enum mp_status oom(struct loader *L)
{
    return mp_fail(L->err, MP_ENOMEM, "%s: out of memory", L->doc.file);
}

static void *arr(struct loader *L, size_t n, size_t size)
{
    return mp_arena_array(&L->plan->arena, n ? n : 1, size);
}

/* "'prefix.key'" into L->what. */
static const char *path(struct loader *L, const char *prefix, const char *key)
{
    snprintf(L->what, sizeof L->what, "'%.200s%.100s'", prefix, key);
    return L->what;
}

/* Where a key is missing from: the prefix without its dot, or "plan" at the top. */
static enum mp_status missing(struct loader *L, const struct mp_ynode *map, const char *prefix,
                              const char *key)
{
    size_t n = strlen(prefix);
    if (n == 0)
        return mp_ydoc_fail(&L->doc, map, L->err, "missing required key '%s' in 'plan'", key);
    return mp_ydoc_fail(&L->doc, map, L->err, "missing required key '%s' in '%.*s'", key,
                        (int)(n - 1), prefix);
}

/* Each getter reads map[key] into *out; an absent optional key leaves *out as it is. */
static enum mp_status get(struct loader *L, const struct mp_ynode *map, const char *prefix,
                          const char *key, int required, const struct mp_ynode **out)
{
    *out = mp_ymap_get(map, key);
    if (!*out && required)
        return missing(L, map, prefix, key);
    return MP_OK;
}

static enum mp_status num(struct loader *L, const struct mp_ynode *map, const char *prefix,
                          const char *key, int required, double lo, double hi, unsigned flags,
                          double *out)
{
    const struct mp_ynode *n;
    MP_TRY(get(L, map, prefix, key, required, &n));
    return n ? mp_ynode_number(&L->doc, n, path(L, prefix, key), lo, hi, flags, out, L->err) : MP_OK;
}

static enum mp_status str(struct loader *L, const struct mp_ynode *map, const char *prefix,
                          const char *key, int required, const char **out)
{
    const struct mp_ynode *n;
    MP_TRY(get(L, map, prefix, key, required, &n));
    return n ? mp_ynode_string(&L->doc, n, path(L, prefix, key), out, L->err) : MP_OK;
}

static enum mp_status choice(struct loader *L, const struct mp_ynode *map, const char *prefix,
                             const char *key, int required, const char *const *names, int *out)
{
    const struct mp_ynode *n;
    MP_TRY(get(L, map, prefix, key, required, &n));
    return n ? mp_ynode_enum(&L->doc, n, path(L, prefix, key), names, out, L->err) : MP_OK;
}

/* map[key] must be a mapping with only `allowed` keys (NULL when absent and optional). */
static enum mp_status submap(struct loader *L, const struct mp_ynode *map, const char *prefix,
                             const char *key, int required, const char *const *allowed,
                             const struct mp_ynode **out)
{
    MP_TRY(get(L, map, prefix, key, required, out));
    if (!*out)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, *out, MP_Y_MAP, path(L, prefix, key), L->err));
    char where[320];
    snprintf(where, sizeof where, "%.100s%.100s", prefix, key);
    return mp_ymap_check_keys(&L->doc, *out, where, allowed, L->err);
}

/* A sequence of exactly T numbers >= lo (> lo with MP_Y_LO_OPEN), one per period. */
static enum mp_status per_period(struct loader *L, const struct mp_ynode *seq, const char *name,
                                 double lo, double hi, unsigned flags, double **out)
{
    int T = L->plan->T;
    char what[320];
    snprintf(what, sizeof what, "'%.100s'", name);
    if (seq->type == MP_Y_SCALAR) { /* one number for every period */
        double *v = arr(L, (size_t)T, sizeof *v);
        if (!v)
            return oom(L);
        MP_TRY(mp_ynode_number(&L->doc, seq, what, lo, hi, flags, &v[0], L->err));
        for (int t = 1; t < T; t++)
            v[t] = v[0];
        *out = v;
        return MP_OK;
    }
    if (seq->type != MP_Y_SEQ)
        return mp_ydoc_fail(&L->doc, seq, L->err, "%s must be a number (the same every period) or a list of %d "
                            "numbers (one per period), got %s", what, T, mp_ynode_describe(seq));
    if (seq->n != (size_t)T)
        return mp_ydoc_fail(&L->doc, seq, L->err, "%s must list %d numbers (one per period), got %zu",
                            what, T, seq->n);
    double *v = arr(L, (size_t)T, sizeof *v);
    if (!v)
        return oom(L);
    for (int t = 0; t < T; t++) {
        snprintf(what, sizeof what, "'%.100s[%d]'", name, t);
        MP_TRY(mp_ynode_number(&L->doc, seq->items[t], what, lo, hi, flags, &v[t], L->err));
    }
    *out = v;
    return MP_OK;
}

/* PACK.NAME: exactly one dot with text on both sides. */
static int is_pack_name(const char *s)
{
    const char *dot = strchr(s, '.');
    return dot && dot != s && dot[1] && !strchr(dot + 1, '.');
}

static enum mp_status pack_name(struct loader *L, const struct mp_ynode *n, const char *what,
                                const char **out)
{
    MP_TRY(mp_ynode_string(&L->doc, n, what, out, L->err));
    if (!is_pack_name(*out))
        return mp_ydoc_fail(&L->doc, n, L->err, "%s must be PACK.NAME (a rule of a pack), got '%s'",
                            what, *out);
    return MP_OK;
}

/* ---- the parts of a plan, in the order they depend on each other ---- */

static enum mp_status load_version(struct loader *L, const struct mp_ynode *root)
{
    const struct mp_ynode *n;
    MP_TRY(get(L, root, "", "mplan", 1, &n));
    char got[128];
    if (n->type != MP_Y_SCALAR || !n->plain || strcmp(n->str, "1") != 0)
        return mp_ydoc_fail(&L->doc, n, L->err,
                            "'mplan' must be 1 (the plan format this mplan reads), got %s",
                            mp_ynode_show(n, got, sizeof got));
    return MP_OK;
}

/* store.locale: a language tag (zh-CN, en-US, ...). Chinese ones show large amounts in 万 and
 * 亿 (docs/plan-format.md); the currency's sign comes from store.currency, or ¥ for zh-CN. */
static enum mp_status locale(struct loader *L, const struct mp_ynode *store)
{
    struct mp_plan *p = L->plan;
    if (!p->locale)
        return MP_OK;
    const char *s = p->locale;
    size_t lang = strspn(s, "abcdefghijklmnopqrstuvwxyz");
    int ok = lang >= 2 && lang <= 3;
    for (const char *q = s + lang; ok && *q; ) { /* -Subtag, letters and digits */
        size_t k = *q == '-' ? strspn(q + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") : 0;
        ok = k >= 2 && k <= 8;
        q += 1 + k;
    }
    if (!ok)
        return mp_ydoc_fail(&L->doc, mp_ymap_get(store, "locale"), L->err,
                            "'store.locale' must be a language tag such as zh-CN or en-US, got '%s'", s);
    p->units = strncmp(s, "zh", 2) == 0 && (s[2] == '\0' || s[2] == '-') ? MP_UNITS_WAN : MP_UNITS_PLAIN;
    if (!p->currency && strcmp(s, "zh-CN") == 0)
        p->currency = "CNY";
    return MP_OK;
}

static enum mp_status load_head(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    static const char *const store_keys[] = {"name", "currency", "platform", "locale", NULL};
    const struct mp_ynode *store;
    MP_TRY(submap(L, root, "", "store", 0, store_keys, &store));
    if (store) {
        MP_TRY(str(L, store, "store.", "name", 0, &p->store));
        MP_TRY(str(L, store, "store.", "currency", 0, &p->currency));
        MP_TRY(str(L, store, "store.", "platform", 0, &p->platform));
        MP_TRY(str(L, store, "store.", "locale", 0, &p->locale));
        MP_TRY(locale(L, store));
    }
    static const char *const purposes[] = {"exposure", "conversion", "brand", "retention", NULL};
    int purpose = -1;
    MP_TRY(choice(L, root, "", "purpose", 0, purposes, &purpose));
    p->purpose = (enum mp_purpose)(purpose + 1); /* -1 (absent) is MP_PURPOSE_NONE */

    static const char *const horizon_keys[] = {"start", "periods", "period", NULL};
    const struct mp_ynode *h, *n;
    MP_TRY(submap(L, root, "", "horizon", 1, horizon_keys, &h));
    MP_TRY(get(L, h, "horizon.", "start", 1, &n));
    MP_TRY(mp_ynode_date(&L->doc, n, "'horizon.start'", &p->start, L->err));
    long long periods;
    MP_TRY(get(L, h, "horizon.", "periods", 1, &n));
    MP_TRY(mp_ynode_int(&L->doc, n, "'horizon.periods'", 1, MAX_PERIODS, &periods, L->err));
    p->T = (int)periods;
    static const char *const units[] = {"day", "week", "month", NULL};
    int unit;
    MP_TRY(choice(L, h, "horizon.", "period", 1, units, &unit));
    p->unit = (enum mp_unit)unit;
    /* Dates are written with four-digit years: the horizon must end by 9999-12-31. */
    int32_t end = unit == MP_UNIT_MONTH ? mp_date_add_months(p->start, p->T)
                                        : p->start + (unit == MP_UNIT_WEEK ? 7 : 1) * p->T;
    if (end - 1 > MP_DATE_MAX) {
        int y, m, d;
        mp_civil_from_days(end - 1, &y, &m, &d);
        return mp_ydoc_fail(&L->doc, mp_ymap_get(h, "periods"), L->err,
                            "'horizon.periods': the horizon would end in the year %d, after 9999-12-31", y);
    }
    return MP_OK;
}

static enum mp_status load_budget(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    static const char *const budget_keys[] = {"total", "reserve", "fixed", NULL};
    const struct mp_ynode *b, *fixed;
    MP_TRY(submap(L, root, "", "budget", 1, budget_keys, &b));
    MP_TRY(num(L, b, "budget.", "total", 1, 0, MP_MAX_MONEY, 0, &p->budget_total));
    MP_TRY(num(L, b, "budget.", "reserve", 0, 0, 0.5, 0, &p->reserve));
    if (!(fixed = mp_ymap_get(b, "fixed")))
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, fixed, MP_Y_SEQ, "'budget.fixed'", L->err));
    if (!(p->fixed = arr(L, fixed->n, sizeof *p->fixed)))
        return oom(L);
    p->nfixed = fixed->n;
    static const char *const line_keys[] = {"name", "amount", "per_period", NULL};
    for (size_t i = 0; i < fixed->n; i++) {
        struct mp_fixed_line *f = &p->fixed[i];
        const struct mp_ynode *line = fixed->items[i];
        char prefix[64];
        snprintf(prefix, sizeof prefix, "budget.fixed[%zu]", i);
        MP_TRY(mp_ynode_expect(&L->doc, line, MP_Y_MAP, path(L, prefix, ""), L->err));
        MP_TRY(mp_ymap_check_keys(&L->doc, line, prefix, line_keys, L->err));
        strcat(prefix, ".");
        MP_TRY(str(L, line, prefix, "name", 1, &f->name));
        int has_amount = mp_ymap_get(line, "amount") != NULL;
        if (has_amount == (mp_ymap_get(line, "per_period") != NULL))
            return mp_ydoc_fail(&L->doc, line, L->err,
                                "fixed line '%s' needs exactly one of 'amount' (over the horizon) "
                                "or 'per_period'", f->name);
        MP_TRY(num(L, line, prefix, has_amount ? "amount" : "per_period", 1, 0, MP_MAX_MONEY, 0,
                has_amount ? &f->amount : &f->per_period));
    }
    return MP_OK;
}

static enum mp_status load_demand(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    size_t T = (size_t)p->T;
    p->margin = NAN;
    MP_TRY(num(L, root, "", "margin", 0, 0, 1, MP_Y_LO_OPEN, &p->margin));

    static const char *const baseline_keys[] = {"gmv", "orders", NULL};
    const struct mp_ynode *b, *n;
    MP_TRY(submap(L, root, "", "baseline", 0, baseline_keys, &b));
    /* baseline: {gmv: N or [per period], orders: N or [per period]}; gmv required in it */
    if (b)
        MP_TRY(get(L, b, "baseline.", "gmv", 1, &n));
    if (b) {
        MP_TRY(per_period(L, n, "baseline.gmv", 0, MP_MAX_MONEY, 0, &p->baseline));
    } else if (!(p->baseline = arr(L, T, sizeof *p->baseline))) {
        return oom(L);
    }
    /* The orders of the organic GMV, so the store's AOV has both of one scope. */
    if (b && (n = mp_ymap_get(b, "orders")))
        MP_TRY(per_period(L, n, "baseline.orders", 0, MP_MAX_MONEY, 0, &p->baseline_orders));
    if ((n = mp_ymap_get(root, "season"))) {
        MP_TRY(per_period(L, n, "season", 0, MP_MAX_FACTOR, MP_Y_LO_OPEN, &p->season));
    } else {
        if (!(p->season = arr(L, T, sizeof *p->season)))
            return oom(L);
        for (size_t t = 0; t < T; t++)
            p->season[t] = 1;
    }
    return MP_OK;
}

static enum mp_status load_objective(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *o = mp_ymap_get(root, "objective");
    p->objective = MP_OBJ_GMV;
    if (!o)
        return MP_OK;
    static const char *const keys[] = {"target_roas", "goal", NULL}, *const goal_keys[] = {"gmv", NULL};
    if (o->type == MP_Y_SCALAR && strcmp(o->str, "gmv") == 0) {
        p->objective = MP_OBJ_GMV;
    } else if (o->type == MP_Y_SCALAR && strcmp(o->str, "profit") == 0) {
        p->objective = MP_OBJ_PROFIT;
        if (isnan(p->margin))
            return mp_ydoc_fail(&L->doc, o, L->err,
                                "objective 'profit' needs 'margin' (the gross-margin rate)");
    } else if (o->type == MP_Y_MAP && o->n == 1) {
        MP_TRY(mp_ymap_check_keys(&L->doc, o, "objective", keys, L->err));
        if (mp_ymap_get(o, "target_roas")) {
            p->objective = MP_OBJ_TARGET_ROAS;
            MP_TRY(num(L, o, "objective.", "target_roas", 1, 0, MP_MAX_ROAS, MP_Y_LO_OPEN,
                    &p->objective_value));
        } else {
            const struct mp_ynode *g;
            p->objective = MP_OBJ_GOAL_GMV;
            MP_TRY(submap(L, o, "objective.", "goal", 1, goal_keys, &g));
            MP_TRY(num(L, g, "objective.goal.", "gmv", 1, 0, MP_MAX_MONEY, MP_Y_LO_OPEN,
                    &p->objective_value));
        }
    } else {
        char got[128];
        return mp_ydoc_fail(&L->doc, o, L->err, "'objective' must be gmv, profit, {target_roas: R} "
                            "or {goal: {gmv: G}}, got %s", mp_ynode_show(o, got, sizeof got));
    }
    return MP_OK;
}

static enum mp_status load_goals(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *g = mp_ymap_get(root, "goals");
    if (!g)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, g, MP_Y_MAP, "'goals'", L->err));
    if (!(p->goals = arr(L, g->n, sizeof *p->goals)))
        return oom(L);
    p->ngoals = g->n;
    const char *names[MP_KPI_COUNT];
    for (int i = 0; i < MP_KPI_COUNT; i++)
        names[i] = mp_kpi_name((enum mp_kpi_id)i);
    for (size_t i = 0; i < g->n; i++) {
        struct mp_goal *goal = &p->goals[i];
        const struct mp_ynode *key = g->keynodes[i], *v = g->items[i];
        int id = mp_kpi_lookup(key->str);
        if (id < 0 && !is_pack_name(key->str)) {
            const char *s = mp_suggest(key->str, names, MP_KPI_COUNT);
            if (s)
                return mp_ydoc_fail(&L->doc, key, L->err, "unknown KPI '%s' in 'goals' (did you mean '%s'?)",
                                    key->str, s);
            return mp_ydoc_fail(&L->doc, key, L->err, "unknown KPI '%s' in 'goals' (a KPI of the model, "
                                "e.g. gmv, roas, cac, or PACK.NAME for a pack's KPI)", key->str);
        }
        if (id == MP_KPI_ROI && isnan(p->margin))
            return mp_ydoc_fail(&L->doc, key, L->err, "goal 'roi' needs 'margin' (the gross-margin rate)");
        /* roi and pack KPIs can be negative; every model KPI else is a count, a sum or a rate. */
        double lo = id < 0 || id == MP_KPI_ROI ? -MP_MAX_MONEY : 0;
        MP_TRY(mp_ynode_number(&L->doc, v, path(L, "goals.", key->str), lo, MP_MAX_MONEY, 0, &goal->target, L->err));
        goal->kpi = key->str;
        goal->loc = (struct mp_loc){v->line, v->col};
    }
    return MP_OK;
}

/* `active:` items: phase names and FROM..TO windows. */
static enum mp_status load_active(struct loader *L, const struct mp_ynode *seq, const char *prefix,
                                  struct mp_channel *ch)
{
    MP_TRY(mp_ynode_expect(&L->doc, seq, MP_Y_SEQ, path(L, prefix, "active"), L->err));
    static const char *const phases[] = {"normal", "preparation", "storage", "warmup", "outbreak",
                                         "review", NULL};
    size_t nwin = 0;
    for (size_t i = 0; i < seq->n; i++)
        nwin += seq->items[i]->type == MP_Y_SCALAR && strstr(seq->items[i]->str, "..");
    if (nwin && !(ch->windows = arr(L, nwin, sizeof *ch->windows)))
        return oom(L);
    for (size_t i = 0; i < seq->n; i++) {
        const struct mp_ynode *n = seq->items[i];
        char what[320];
        snprintf(what, sizeof what, "'%.100sactive[%zu]'", prefix, i);
        if (n->type == MP_Y_SCALAR && strstr(n->str, "..")) {
            int32_t *w = ch->windows[ch->nwindows++];
            MP_TRY(mp_ynode_window(&L->doc, n, what, &w[0], &w[1], L->err));
        } else {
            int phase;
            MP_TRY(mp_ynode_enum(&L->doc, n, what, phases, &phase, L->err));
            ch->phases |= 1u << phase;
        }
    }
    return MP_OK;
}

/* `tags:` for rule packs: {name: value, ...} (values read as text) or [name, ...]. */
static enum mp_status load_tags(struct loader *L, const struct mp_ynode *n, const char *prefix,
                                struct mp_channel *ch)
{
    char what[320];
    if (n->type != MP_Y_MAP && n->type != MP_Y_SEQ)
        return mp_ydoc_fail(&L->doc, n, L->err, "%s must be a mapping of names to values "
                            "({tier: proven}) or a list of names ([proven, search]), got %s",
                            path(L, prefix, "tags"), mp_ynode_describe(n));
    if (!(ch->tag_key = arr(L, n->n, sizeof *ch->tag_key)) || !(ch->tag_val = arr(L, n->n, sizeof *ch->tag_val)))
        return oom(L);
    for (size_t i = 0; i < n->n; i++) {
        if (n->type == MP_Y_MAP) {
            ch->tag_key[i] = n->keys[i];
            snprintf(what, sizeof what, "'%.100stags.%.100s'", prefix, n->keys[i]);
            MP_TRY(mp_ynode_string(&L->doc, n->items[i], what, &ch->tag_val[i], L->err));
        } else {
            snprintf(what, sizeof what, "'%.100stags[%zu]'", prefix, i);
            MP_TRY(mp_ynode_string(&L->doc, n->items[i], what, &ch->tag_key[i], L->err));
            ch->tag_val[i] = NULL;
        }
        ch->ntags = i + 1;
    }
    return MP_OK;
}

static enum mp_status load_response(struct loader *L, const struct mp_ynode *r, const char *prefix,
                                    struct mp_response *resp)
{
    static const char *const curves[] = {"hill", "exp", "linear", NULL};
    static const char *const hill[] = {"curve", "beta", "k", "s", NULL};
    static const char *const expo[] = {"curve", "beta", "k", NULL};
    static const char *const linear[] = {"curve", "roas", NULL};
    static const char *const *const keys[] = {hill, expo, linear};
    char sub[320], where[320];
    snprintf(sub, sizeof sub, "%.100sresponse.", prefix);
    snprintf(where, sizeof where, "%.100sresponse", prefix);
    MP_TRY(mp_ynode_expect(&L->doc, r, MP_Y_MAP, path(L, where, ""), L->err));
    int curve;
    MP_TRY(choice(L, r, sub, "curve", 1, curves, &curve));
    MP_TRY(mp_ymap_check_keys(&L->doc, r, where, keys[curve], L->err));
    resp->curve = (enum mp_curve)(curve + 1);
    if (resp->curve == MP_CURVE_LINEAR)
        return num(L, r, sub, "roas", 1, 0, MP_MAX_ROAS, 0, &resp->roas);
    resp->s = 1;
    /* 0 like `roas: 0`: a channel that returns nothing (what review writes for one whose
     * actuals showed no GMV) */
    MP_TRY(num(L, r, sub, "beta", 1, 0, MP_MAX_MONEY, 0, &resp->beta));
    MP_TRY(num(L, r, sub, "k", 1, MP_MIN_K, MP_MAX_MONEY, 0, &resp->k));
    return num(L, r, sub, "s", 0, 0, MP_MAX_S, MP_Y_LO_OPEN, &resp->s);
}

static int is_channel_id(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* `defer: {storage: S, warmup: W}`: shares in [0, 1]; sets bit (1u << phase) of *set for each. */
static enum mp_status load_defer(struct loader *L, const struct mp_ynode *m, const char *prefix,
                                 double defer[MP_PHASE_COUNT], unsigned *set)
{
    static const char *const keys[] = {"storage", "warmup", NULL};
    static const enum mp_phase phase_of[] = {MP_PHASE_STORAGE, MP_PHASE_WARMUP};
    const struct mp_ynode *d;
    MP_TRY(submap(L, m, prefix, "defer", 0, keys, &d));
    char sub[320];
    snprintf(sub, sizeof sub, "%.200sdefer.", prefix);
    for (size_t i = 0; d && i < 2; i++) {
        if (!mp_ymap_get(d, keys[i]))
            continue;
        MP_TRY(num(L, d, sub, keys[i], 1, 0, 1, 0, &defer[phase_of[i]]));
        *set |= 1u << phase_of[i];
    }
    return MP_OK;
}

/* `draws: {beta: [..], k: [..], s: [..], theta: [..]}` (roas for a linear curve): the bootstrap
 * draws `mplan fit` records, one list per parameter of the curve, all of one length. */
static enum mp_status load_draws(struct loader *L, const struct mp_ynode *m, const char *prefix,
                                 struct mp_channel *ch)
{
    static const char *const keys[] = {"beta", "k", "s", "theta", "roas", NULL};
    char what[320];
    snprintf(what, sizeof what, "%.200sdraws", prefix);
    MP_TRY(mp_ynode_expect(&L->doc, m, MP_Y_MAP, what, L->err));
    MP_TRY(mp_ymap_check_keys(&L->doc, m, what, keys, L->err));
    int lin = ch->resp.curve == MP_CURVE_LINEAR;
    const char *need[4] = {lin ? "roas" : "beta", lin ? NULL : "k", ch->resp.curve == MP_CURVE_HILL ? "s" : NULL, "theta"};
    size_t n = 0;
    for (int p = 0; p < 4; p++) {
        if (!need[p])
            continue;
        const struct mp_ynode *seq = mp_ymap_get(m, need[p]);
        if (!seq)
            return mp_ydoc_fail(&L->doc, m, L->err, "%s needs '%s' for a %s curve", what, need[p],
                                mp_curve_name(ch->resp.curve));
        snprintf(what, sizeof what, "%.200sdraws.%s", prefix, need[p]);
        MP_TRY(mp_ynode_expect(&L->doc, seq, MP_Y_SEQ, what, L->err));
        if (!n)
            n = seq->n;
        if (seq->n != n || n < 2 || n > 10000)
            return mp_ydoc_fail(&L->doc, seq, L->err, "%s must list as many draws as the others (2 to 10,000), "
                                "got %zu", what, seq->n);
    }
    for (int p = 0; p < 4; p++)
        if (!need[p] && mp_ymap_get(m, keys[p]))
            return mp_ydoc_fail(&L->doc, mp_ymap_get(m, keys[p]), L->err, "%.200sdraws: a %s curve has no '%s'",
                                prefix, mp_curve_name(ch->resp.curve), keys[p]);
    double *v = arr(L, n * 4, sizeof *v);
    if (!v)
        return oom(L);
    for (int p = 0; p < 4; p++) {
        const struct mp_ynode *seq = need[p] ? mp_ymap_get(m, need[p]) : NULL;
        for (size_t d = 0; d < n; d++) {
            v[d * 4 + (size_t)p] = NAN;
            if (!seq)
                continue;
            snprintf(what, sizeof what, "%.200sdraws.%s[%zu]", prefix, need[p], d);
            double lo = p == 1 ? MP_MIN_K : 0, hi = p == 3 ? 1 : p == 2 ? MP_MAX_S : lin ? MP_MAX_ROAS : MP_MAX_MONEY;
            MP_TRY(mp_ynode_number(&L->doc, seq->items[d], what, lo, hi, p == 3 ? MP_Y_HI_OPEN : 0, &v[d * 4 + (size_t)p],
                                   L->err));
        }
    }
    ch->draws = v;
    ch->ndraws = n;
    ch->draws_loc = (struct mp_loc){m->line, m->col};
    return MP_OK;
}

static enum mp_status load_channel(struct loader *L, size_t c, const struct mp_ynode *m)
{
    struct mp_plan *p = L->plan;
    struct mp_channel *ch = &p->channels[c];
    static const char *const keys[] = {"id", "name", "kind", "stage", "response", "theta", "carryover",
                                       "funnel", "min", "max", "cap", "active", "owner", "spend",
                                       "cost", "defer", "tags", "draws", NULL};
    char prefix[320];
    snprintf(prefix, sizeof prefix, "channels[%zu]", c);
    MP_TRY(mp_ynode_expect(&L->doc, m, MP_Y_MAP, path(L, prefix, ""), L->err));
    MP_TRY(mp_ymap_check_keys(&L->doc, m, prefix, keys, L->err));
    strcat(prefix, ".");
    const struct mp_ynode *n;
    MP_TRY(get(L, m, prefix, "id", 1, &n));
    MP_TRY(mp_ynode_string(&L->doc, n, path(L, prefix, "id"), &ch->id, L->err));
    if (!is_channel_id(ch->id))
        return mp_ydoc_fail(&L->doc, n, L->err, "%s must match [a-z0-9_]+, got '%s'", L->what, ch->id);
    for (size_t i = 0; i < c; i++)
        if (strcmp(p->channels[i].id, ch->id) == 0)
            return mp_ydoc_fail(&L->doc, n, L->err, "duplicate channel id '%s' (first at line %d)",
                                ch->id, p->channels[i].loc.line);
    ch->loc = (struct mp_loc){m->line, m->col};
    /* From here on the channel is named by its id, as `whatif --set` names it. */
    snprintf(prefix, sizeof prefix, "channels.%.64s.", ch->id);

    ch->name = ch->id;
    MP_TRY(str(L, m, prefix, "name", 0, &ch->name));
    MP_TRY(str(L, m, prefix, "owner", 0, &ch->owner));
    static const char *const kinds[] = {"basic", "paid", "event", "self", NULL};
    static const char *const stages[] = {"awareness", "interest", "purchase", "loyalty", NULL};
    int kind, stage = -1;
    MP_TRY(choice(L, m, prefix, "kind", 1, kinds, &kind));
    ch->kind = (enum mp_kind)kind;
    MP_TRY(choice(L, m, prefix, "stage", 0, stages, &stage));
    ch->stage = (enum mp_stage)(stage + 1); /* -1 (absent) is MP_STAGE_NONE */

    MP_TRY(num(L, m, prefix, "theta", 0, 0, 1, MP_Y_HI_OPEN, &ch->theta));
    MP_TRY(num(L, m, prefix, "carryover", 0, 0, MP_MAX_MONEY, 0, &ch->carryover));
    ch->max = ch->cap = INFINITY;
    MP_TRY(num(L, m, prefix, "min", 0, 0, MP_MAX_MONEY, 0, &ch->min));
    MP_TRY(num(L, m, prefix, "max", 0, 0, MP_MAX_MONEY, 0, &ch->max));
    if (ch->max < ch->min)
        return mp_ydoc_fail(&L->doc, mp_ymap_get(m, "max"), L->err, "%s must be >= %smin (%s), got %s",
                            path(L, prefix, "max"), prefix, MP_G(ch->min), MP_G(ch->max));
    MP_TRY(num(L, m, prefix, "cap", 0, 0, MP_MAX_MONEY, MP_Y_LO_OPEN, &ch->cap));
    MP_TRY(load_defer(L, m, prefix, ch->defer, &ch->defer_set));

    static const char *const funnel_keys[] = {"aov", "cvr", "ctr", "new_share", NULL};
    const struct mp_ynode *f;
    MP_TRY(submap(L, m, prefix, "funnel", 0, funnel_keys, &f));
    if (f) {
        char sub[320];
        snprintf(sub, sizeof sub, "%.100sfunnel.", prefix);
        MP_TRY(num(L, f, sub, "aov", 1, 0, MP_MAX_MONEY, MP_Y_LO_OPEN, &ch->funnel.aov));
        MP_TRY(num(L, f, sub, "cvr", 1, 0, 1, MP_Y_LO_OPEN, &ch->funnel.cvr));
        MP_TRY(num(L, f, sub, "ctr", 1, 0, 1, MP_Y_LO_OPEN, &ch->funnel.ctr));
        MP_TRY(num(L, f, sub, "new_share", 1, 0, 1, 0, &ch->funnel.new_share));
        ch->has_funnel = 1;
    }
    if ((n = mp_ymap_get(m, "active")))
        MP_TRY(load_active(L, n, prefix, ch));
    if ((n = mp_ymap_get(m, "tags")))
        MP_TRY(load_tags(L, n, prefix, ch));

    const struct mp_ynode *resp = mp_ymap_get(m, "response"), *spend = mp_ymap_get(m, "spend");
    static const char *const cost_keys[] = {"fixed", NULL};
    const struct mp_ynode *cost;
    MP_TRY(submap(L, m, prefix, "cost", 0, cost_keys, &cost));
    if (cost) {
        if (resp || spend)
            return mp_ydoc_fail(&L->doc, resp ? resp : spend, L->err,
                                "channel '%s': a 'cost: {fixed: N}' line has no '%s' (it has no "
                                "response model)", ch->id, resp ? "response" : "spend");
        ch->mode = MP_MODE_FIXED_COST;
        char sub[320];
        snprintf(sub, sizeof sub, "%.100scost.", prefix);
        return num(L, cost, sub, "fixed", 1, 0, MP_MAX_MONEY, 0, &ch->fixed_cost);
    }
    if (!resp)
        return mp_ydoc_fail(&L->doc, m, L->err, "channel '%s' needs a 'response' (or 'cost: {fixed: N}' "
                            "for a line with no response model)", ch->id);
    MP_TRY(load_response(L, resp, prefix, &ch->resp));
    if ((n = mp_ymap_get(m, "draws")))
        MP_TRY(load_draws(L, n, prefix, ch));
    if (spend) {
        char name[320];
        snprintf(name, sizeof name, "%.100sspend", prefix);
        MP_TRY(per_period(L, spend, name, 0, MP_MAX_MONEY, 0, &ch->spend));
        ch->mode = MP_MODE_FIXED_SPEND;
    }
    return MP_OK;
}

static enum mp_status load_channels(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *s;
    MP_TRY(get(L, root, "", "channels", 1, &s));
    MP_TRY(mp_ynode_expect(&L->doc, s, MP_Y_SEQ, "'channels'", L->err));
    if (s->n == 0)
        return mp_ydoc_fail(&L->doc, s, L->err, "'channels' must list at least one channel");
    if (s->n > MAX_CHANNELS || s->n * (size_t)p->T > MAX_CELLS)
        return mp_ydoc_fail(&L->doc, s, L->err, "too many channels: %zu channels over %d periods "
                            "(the limits are %d channels and %d channel-periods)", s->n, p->T,
                            MAX_CHANNELS, MAX_CELLS);
    if (!(p->channels = arr(L, s->n, sizeof *p->channels)))
        return oom(L);
    const struct mp_channel *first = NULL;
    for (size_t c = 0; c < s->n; c++) {
        MP_TRY(load_channel(L, c, s->items[c]));
        p->nchannels = c + 1;
        const struct mp_channel *ch = &p->channels[c];
        if (ch->ndraws && !first)
            first = ch;
        else if (ch->ndraws && ch->ndraws != first->ndraws)
            return mp_ydoc_fail(&L->doc, mp_ymap_get(s->items[c], "draws"), L->err, "channel '%s': %zu draws where "
                                "channel '%s' has %zu (draw d of every channel is one bootstrap refit)", ch->id,
                                ch->ndraws, first->id, first->ndraws);
    }
    return MP_OK;
}

/* A phase length: N followed by d, w or m. */
static enum mp_status load_duration(struct loader *L, const struct mp_ynode *n, const char *what,
                                    int *len, char *unit)
{
    const char *s = n->type == MP_Y_SCALAR ? n->str : "";
    size_t digits = strspn(s, "0123456789");
    long v = digits && digits <= 5 ? strtol(s, NULL, 10) : -1;
    char got[128];
    if (v < 0 || v > MAX_PHASE_UNITS || !s[digits] || !strchr("dwm", s[digits]) || s[digits + 1])
        return mp_ydoc_fail(&L->doc, n, L->err, "%s must be a duration like 10d, 3w or 1m (at most "
                            "%d units), got %s", what, MAX_PHASE_UNITS, mp_ynode_show(n, got, sizeof got));
    *len = (int)v;
    *unit = s[digits];
    return MP_OK;
}

static const char **channel_ids(struct loader *L)
{
    const char **ids = arr(L, L->plan->nchannels, sizeof *ids);
    for (size_t c = 0; ids && c < L->plan->nchannels; c++)
        ids[c] = L->plan->channels[c].id;
    return ids;
}

/* A list of channel ids under an event (`full_lift:`, `event_channels:`, `channels:`);
 * with `event_kind` each must be a kind: event channel. */
static enum mp_status id_list(struct loader *L, const struct mp_ynode *n, const char *prefix,
                              const char *key, const char *event, int event_kind, const char ***out,
                              size_t *nout)
{
    char what[320];
    MP_TRY(mp_ynode_expect(&L->doc, n, MP_Y_SEQ, path(L, prefix, key), L->err));
    if (!(*out = arr(L, n->n, sizeof **out)))
        return oom(L);
    for (size_t i = 0; i < n->n; i++) {
        const struct mp_ynode *item = n->items[i];
        snprintf(what, sizeof what, "'%.100s%s[%zu]'", prefix, key, i);
        MP_TRY(mp_ynode_string(&L->doc, item, what, &(*out)[i], L->err));
        *nout = i + 1;
        long c = mp_channel_find(L->plan, item->str);
        if (c >= 0) {
            if (event_kind && L->plan->channels[c].kind != MP_KIND_EVENT)
                return mp_ydoc_fail(&L->doc, item, L->err, "event '%s': channel '%s' in '%s' is kind %s, "
                                    "not event (full_lift: says who takes the full lift)", event,
                                    item->str, key, mp_kind_name(L->plan->channels[c].kind));
            continue;
        }
        const char **ids = channel_ids(L);
        if (!ids)
            return oom(L);
        const char *s = mp_suggest(item->str, ids, L->plan->nchannels);
        if (s)
            return mp_ydoc_fail(&L->doc, item, L->err, "event '%s': no channel '%s' in '%s' "
                                "(did you mean '%s'?)", event, item->str, key, s);
        return mp_ydoc_fail(&L->doc, item, L->err, "event '%s': no channel '%s' in '%s'", event,
                            item->str, key);
    }
    return MP_OK;
}

static enum mp_status load_event(struct loader *L, size_t e, const struct mp_ynode *m)
{
    struct mp_event *ev = &L->plan->events[e];
    static const char *const keys[] = {"name", "outbreak", "phases", "lift", "spillover",
                                       "warmup_lift", "channels", "full_lift", "event_channels",
                                       "defer", NULL};
    static const char *const phase_keys[] = {"preparation", "storage", "warmup", "review", NULL};
    static const enum mp_phase phase_of[] = {MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_WARMUP,
                                             MP_PHASE_REVIEW};
    char prefix[64], what[320];
    snprintf(prefix, sizeof prefix, "events[%zu]", e);
    MP_TRY(mp_ynode_expect(&L->doc, m, MP_Y_MAP, path(L, prefix, ""), L->err));
    MP_TRY(mp_ymap_check_keys(&L->doc, m, prefix, keys, L->err));
    strcat(prefix, ".");
    MP_TRY(str(L, m, prefix, "name", 1, &ev->name));
    const struct mp_ynode *n, *ph;
    MP_TRY(get(L, m, prefix, "outbreak", 1, &n));
    MP_TRY(mp_ynode_window(&L->doc, n, path(L, prefix, "outbreak"), &ev->outbreak_from,
                        &ev->outbreak_to, L->err));
    /* mp_plan_resolve words its horizon and overlap errors at the outbreak window. */
    ev->loc = (struct mp_loc){n->line, n->col};
    MP_TRY(submap(L, m, prefix, "phases", 0, phase_keys, &ph));
    for (size_t i = 0; ph && i < sizeof phase_of / sizeof *phase_of; i++) {
        enum mp_phase p = phase_of[i];
        if (!(n = mp_ymap_get(ph, phase_keys[i])))
            continue;
        snprintf(what, sizeof what, "'%.100sphases.%s'", prefix, phase_keys[i]);
        MP_TRY(load_duration(L, n, what, &ev->len[p], &ev->len_unit[p]));
    }
    ev->lift = 1;
    ev->spillover = 0.5;
    ev->warmup_lift = 1;
    MP_TRY(num(L, m, prefix, "lift", 0, 0, MP_MAX_FACTOR, MP_Y_LO_OPEN, &ev->lift));
    MP_TRY(num(L, m, prefix, "spillover", 0, 0, 1, 0, &ev->spillover));
    MP_TRY(num(L, m, prefix, "warmup_lift", 0, 0, MP_MAX_FACTOR, MP_Y_LO_OPEN, &ev->warmup_lift));
    unsigned set = 0;
    ev->defer[MP_PHASE_STORAGE] = 0.3;
    ev->defer[MP_PHASE_WARMUP] = 0.4;
    MP_TRY(load_defer(L, m, prefix, ev->defer, &set));
    const struct mp_ynode *legacy = mp_ymap_get(m, "channels"), *full = mp_ymap_get(m, "full_lift"),
                          *tied = mp_ymap_get(m, "event_channels");
    if (legacy && (full || tied))
        return mp_ydoc_fail(&L->doc, full ? full : tied, L->err, "event '%s': '%s' replaces 'channels' "
                            "(line %d); write full_lift: and event_channels: only", ev->name,
                            full ? "full_lift" : "event_channels", legacy->line);
    ev->full_all = 1;
    if (legacy) {
        /* The older key does both jobs: it ties event channels and names who takes the full lift. */
        MP_TRY(id_list(L, legacy, prefix, "channels", ev->name, 0, &ev->channels, &ev->nchannels));
        ev->full_lift = ev->event_channels = ev->channels;
        ev->nfull_lift = ev->nevent_channels = ev->nchannels;
        ev->full_all = 0;
        size_t spill = 0;
        long first = -1;
        for (size_t c = 0; c < L->plan->nchannels; c++) {
            const struct mp_channel *ch = &L->plan->channels[c];
            int listed = 0;
            for (size_t i = 0; i < ev->nchannels; i++)
                listed |= strcmp(ev->channels[i], ch->id) == 0;
            if (!listed && ch->kind != MP_KIND_EVENT && !spill++)
                first = (long)c;
        }
        if (spill && ev->spillover < 1 && mp_plan_warn(L->plan, "%s: event '%s': 'channels' also decides "
                "the lift: %zu channel%s ('%s'%s) get%s spillover %g of it (%g instead of %g); say which with "
                "full_lift: and event_channels:", path(L, prefix, "channels"), ev->name, spill,
                spill == 1 ? "" : "s", L->plan->channels[first].id, spill > 1 ? ", ..." : "",
                spill == 1 ? "s" : "", ev->spillover, 1 + (ev->lift - 1) * ev->spillover, ev->lift) != MP_OK)
            return oom(L);
        return MP_OK;
    }
    if (full && full->type == MP_Y_SCALAR && strcmp(full->str, "all") == 0)
        full = NULL;
    if (full) {
        MP_TRY(id_list(L, full, prefix, "full_lift", ev->name, 0, &ev->full_lift, &ev->nfull_lift));
        ev->full_all = 0;
    }
    if (tied)
        MP_TRY(id_list(L, tied, prefix, "event_channels", ev->name, 1, &ev->event_channels,
                       &ev->nevent_channels));
    return MP_OK;
}

static enum mp_status load_events(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *s = mp_ymap_get(root, "events");
    if (!s)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, s, MP_Y_SEQ, "'events'", L->err));
    if (s->n > MAX_EVENTS)
        return mp_ydoc_fail(&L->doc, s, L->err, "too many events: %zu (the limit is %d)", s->n, MAX_EVENTS);
    if (!(p->events = arr(L, s->n, sizeof *p->events)))
        return oom(L);
    for (size_t e = 0; e < s->n; e++) {
        MP_TRY(load_event(L, e, s->items[e]));
        p->nevents = e + 1;
    }
    return MP_OK;
}

/* "YYYY-MM-DD" (all day) or "YYYY-MM-DD HH:MM" (also with a T), local time. */
static enum mp_status load_moment(struct loader *L, const struct mp_ynode *n, const char *what,
                                  int32_t *day, int *minute)
{
    MP_TRY(mp_ynode_expect(&L->doc, n, MP_Y_SCALAR, what, L->err));
    const char *s = n->str;
    char date[11];
    size_t len = strlen(s);
    int hh, mm, used = 0;
    *minute = -1;
    if (len >= 10) {
        memcpy(date, s, 10);
        date[10] = '\0';
    }
    int ok = len >= 10 && mp_date_parse(date, day) == 0;
    if (ok && len > 10)
        ok = (s[10] == ' ' || s[10] == 'T') && sscanf(s + 11, "%2d:%2d%n", &hh, &mm, &used) == 2 &&
             (size_t)used == len - 11 && used == 5 && hh >= 0 && hh < 24 && mm >= 0 && mm < 60;
    if (!ok)
        return mp_ydoc_fail(&L->doc, n, L->err, "%s must be a date YYYY-MM-DD or a date and time "
                            "'YYYY-MM-DD HH:MM', got '%s'", what, s);
    if (len > 10)
        *minute = hh * 60 + mm;
    return MP_OK;
}

static enum mp_status load_milestones(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    static const char *const keys[] = {"name", "at", "owner", "note", NULL};
    const struct mp_ynode *s = mp_ymap_get(root, "milestones");
    if (!s)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, s, MP_Y_SEQ, "'milestones'", L->err));
    if (s->n > MAX_MILESTONES)
        return mp_ydoc_fail(&L->doc, s, L->err, "too many milestones: %zu (the limit is %d)", s->n,
                            MAX_MILESTONES);
    if (!(p->milestones = arr(L, s->n, sizeof *p->milestones)))
        return oom(L);
    for (size_t i = 0; i < s->n; i++) {
        struct mp_milestone *m = &p->milestones[i];
        const struct mp_ynode *item = s->items[i], *at;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "milestones[%zu]", i);
        MP_TRY(mp_ynode_expect(&L->doc, item, MP_Y_MAP, path(L, prefix, ""), L->err));
        MP_TRY(mp_ymap_check_keys(&L->doc, item, prefix, keys, L->err));
        strcat(prefix, ".");
        MP_TRY(str(L, item, prefix, "name", 1, &m->name));
        MP_TRY(get(L, item, prefix, "at", 1, &at));
        MP_TRY(load_moment(L, at, path(L, prefix, "at"), &m->day, &m->minute));
        MP_TRY(str(L, item, prefix, "owner", 0, &m->owner));
        MP_TRY(str(L, item, prefix, "note", 0, &m->note));
        m->loc = (struct mp_loc){item->line, item->col};
        p->nmilestones = i + 1;
    }
    return MP_OK;
}

static enum mp_status load_segments(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    static const char *const keys[] = {"sizes", "from", "segmenter", "skip_bad", NULL};
    const struct mp_ynode *s, *sizes, *n;
    MP_TRY(submap(L, root, "", "segments", 0, keys, &s));
    if (!s)
        return MP_OK;
    if ((sizes = mp_ymap_get(s, "sizes"))) {
        if ((n = mp_ymap_get(s, "from")) || (n = mp_ymap_get(s, "segmenter")) ||
            (n = mp_ymap_get(s, "skip_bad")))
            return mp_ydoc_fail(&L->doc, n, L->err, "'segments' takes either 'sizes' or 'from' with "
                                "'segmenter' (and 'skip_bad'), not both");
        MP_TRY(mp_ynode_expect(&L->doc, sizes, MP_Y_MAP, "'segments.sizes'", L->err));
        if (!(p->segments = arr(L, sizes->n, sizeof *p->segments)))
            return oom(L);
        p->nsegments = sizes->n;
        for (size_t i = 0; i < sizes->n; i++) {
            p->segments[i].label = sizes->keys[i];
            MP_TRY(mp_ynode_number(&L->doc, sizes->items[i], path(L, "segments.sizes.", sizes->keys[i]),
                                0, MP_MAX_MONEY, 0, &p->segments[i].size, L->err));
        }
        return MP_OK;
    }
    MP_TRY(str(L, s, "segments.", "from", 1, &p->segments_from));
    if ((n = mp_ymap_get(s, "skip_bad")))
        MP_TRY(mp_ynode_bool(&L->doc, n, "'segments.skip_bad'", &p->segments_skip_bad, L->err));
    MP_TRY(get(L, s, "segments.", "segmenter", 1, &n));
    return pack_name(L, n, "'segments.segmenter'", &p->segments_segmenter);
}

/* A pack param: a number, a string, true/false, or a list of those (io/manifest.c). */
static enum mp_status load_param(struct loader *L, const struct mp_ynode *v, const char *what,
                                 struct mp_param *par)
{
    return mp_param_read(&L->doc, v, what, 1, &L->plan->arena, par, L->err);
}

/* `{name: aipl, version: "^1.2"}`: an installed pack of the store, the version the plan's
 * lock pins when it is installed and in range, else the highest installed in range. */
static enum mp_status load_store_pack(struct loader *L, const struct mp_ynode *m, const char *prefix,
                                      struct mp_pack_ref *ref)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *n = mp_ymap_get(m, "name");
    if (mp_ymap_get(m, "path"))
        return mp_ydoc_fail(&L->doc, m, L->err, "'%.60s' names a pack by 'path' or by 'name', not both", prefix);
    if (!n)
        return mp_ydoc_fail(&L->doc, m, L->err, "'%.60sversion' needs the pack's 'name'", prefix);
    MP_TRY(str(L, m, prefix, "name", 1, &ref->name));
    for (const char *c = ref->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return mp_ydoc_fail(&L->doc, n, L->err, "'%sname' must be a pack name ([a-z0-9-]+), got '%s'", prefix,
                                ref->name);
    if (!*ref->name)
        return mp_ydoc_fail(&L->doc, n, L->err, "'%sname' is empty", prefix);
    const struct mp_ynode *v = mp_ymap_get(m, "version");
    ref->range = "*";
    if (v) {
        MP_TRY(str(L, m, prefix, "version", 0, &ref->range));
        if (!mp_semver_range_valid(ref->range))
            return mp_ydoc_fail(&L->doc, v, L->err, "'%sversion' must be a version range such as \"^1.2\" or "
                                "\">=1.0, <2\", got '%s'", prefix, ref->range);
    }
    if (!(ref->path = mp_arena_printf(&p->arena, "%s@%s", ref->name, ref->range)))
        return oom(L);
    char pinned[96];
    int has_pin = p->file && mp_lock_pinned(p->file, ref->path, pinned, sizeof pinned) == 0;
    struct mp_installed got;
    mp_error why;
    enum mp_status st = mp_store_resolve(ref->name, ref->range, has_pin ? pinned : NULL, &got, &why);
    if (st == MP_ENOMEM)
        return oom(L);
    if (st != MP_OK)
        return mp_ydoc_fail(&L->doc, v ? v : n, L->err, "%s", why.msg);
    ref->found = MP_PACK_STORE;
    if (!(ref->dir = mp_arena_strdup(&p->arena, got.dir)) || !(ref->version = mp_arena_strdup(&p->arena, got.version)))
        return oom(L);
    return MP_OK;
}

static enum mp_status load_packs(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *s = mp_ymap_get(root, "packs");
    if (!s)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, s, MP_Y_SEQ, "'packs'", L->err));
    if (!(p->packs = arr(L, s->n, sizeof *p->packs)))
        return oom(L);
    static const char *const keys[] = {"path", "name", "version", "params", NULL};
    for (size_t i = 0; i < s->n; i++) {
        struct mp_pack_ref *ref = &p->packs[i];
        const struct mp_ynode *m = s->items[i], *params;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "packs[%zu]", i);
        MP_TRY(mp_ynode_expect(&L->doc, m, MP_Y_MAP, path(L, prefix, ""), L->err));
        MP_TRY(mp_ymap_check_keys(&L->doc, m, prefix, keys, L->err));
        strcat(prefix, ".");
        ref->loc = (struct mp_loc){m->line, m->col};
        const struct mp_ynode *byname = mp_ymap_get(m, "name");
        if (byname || mp_ymap_get(m, "version")) {
            MP_TRY(load_store_pack(L, m, prefix, ref));
        } else {
            MP_TRY(str(L, m, prefix, "path", 1, &ref->path));
            /* Found now, once: running, locking, segmenting and rewriting the plan agree. */
            char dir[4096];
            int found = mp_pack_dir(p->dir, ref->path, dir, sizeof dir);
            if (found < 0)
                return mp_ydoc_fail(&L->doc, mp_ymap_get(m, "path"), L->err, "'%spath' is too long", prefix);
            ref->found = (enum mp_pack_found)found;
            if (!(ref->dir = mp_arena_strdup(&p->arena, dir)))
                return oom(L);
        }
        p->npacks = i + 1;
        if (!(params = mp_ymap_get(m, "params")))
            continue;
        MP_TRY(mp_ynode_expect(&L->doc, params, MP_Y_MAP, path(L, prefix, "params"), L->err));
        if (!(ref->params = arr(L, params->n, sizeof *ref->params)))
            return oom(L);
        ref->nparams = params->n;
        for (size_t j = 0; j < params->n; j++) {
            char what[320];
            snprintf(what, sizeof what, "'%.100sparams.%.100s'", prefix, params->keys[j]);
            ref->params[j].name = params->keys[j];
            MP_TRY(load_param(L, params->items[j], what, &ref->params[j]));
        }
    }
    return MP_OK;
}

static enum mp_status load_rules(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *n = mp_ymap_get(root, "allocator");
    p->allocator = "equalize";
    if (n) {
        MP_TRY(mp_ynode_string(&L->doc, n, "'allocator'", &p->allocator, L->err));
        if (strcmp(p->allocator, "equalize") != 0 && !is_pack_name(p->allocator))
            return mp_ydoc_fail(&L->doc, n, L->err, "'allocator' must be equalize (built in) or "
                                "PACK.NAME (an allocator of a pack), got '%s'", p->allocator);
    }
    if (!(n = mp_ymap_get(root, "strategies")))
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, n, MP_Y_SEQ, "'strategies'", L->err));
    if (!(p->strategies = arr(L, n->n, sizeof *p->strategies)))
        return oom(L);
    p->nstrategies = n->n;
    for (size_t i = 0; i < n->n; i++) {
        char what[64];
        snprintf(what, sizeof what, "'strategies[%zu]'", i);
        MP_TRY(pack_name(L, n->items[i], what, &p->strategies[i]));
    }
    return MP_OK;
}

/* A memory size: bytes, or N KiB / MiB / GiB. */
static enum mp_status load_mem(struct loader *L, const struct mp_ynode *n, double *out)
{
    static const struct { const char *suffix; double scale; } units[] = {
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
    if (n->type == MP_Y_SCALAR && n->plain && mp_ynum_parse(n->str, out) == 0 && *out > 0)
        return MP_OK;
    for (size_t i = 0; n->type == MP_Y_SCALAR && i < sizeof units / sizeof *units; i++) {
        size_t len = strlen(n->str), sl = strlen(units[i].suffix);
        char digits[64];
        if (len <= sl || len - sl >= sizeof digits || strcmp(n->str + len - sl, units[i].suffix) != 0)
            continue;
        memcpy(digits, n->str, len - sl);
        digits[len - sl] = '\0';
        if (mp_ynum_parse(digits, out) == 0 && *out > 0) {
            *out *= units[i].scale;
            return MP_OK;
        }
    }
    char got[128];
    return mp_ydoc_fail(&L->doc, n, L->err, "'limits.max_mem' must be a size > 0 in bytes or like "
                        "64KiB, 512MiB, 1GiB, got %s", mp_ynode_show(n, got, sizeof got));
}

static enum mp_status load_limits(struct loader *L, const struct mp_ynode *root)
{
    struct mp_limits *lim = &L->plan->limits;
    static const char *const keys[] = {"max_steps", "max_mem", "timeout", NULL};
    const struct mp_ynode *m, *n;
    MP_TRY(submap(L, root, "", "limits", 0, keys, &m));
    if (!m)
        return MP_OK;
    MP_TRY(num(L, m, "limits.", "max_steps", 0, 0, INFINITY, MP_Y_LO_OPEN, &lim->max_steps));
    MP_TRY(num(L, m, "limits.", "timeout", 0, 0, INFINITY, MP_Y_LO_OPEN, &lim->timeout));
    if ((n = mp_ymap_get(m, "max_mem")))
        MP_TRY(load_mem(L, n, &lim->max_mem));
    return MP_OK;
}

/* `spent:` (written by mplan review; informational): the periods before horizon.start that
 * were already spent, so a revised plan still says where it came from. */
static enum mp_status load_spent(struct loader *L, const struct mp_ynode *root)
{
    static const char *const keys[] = {"periods", "window", "spend", "gmv", NULL};
    struct mp_spent *s = &L->plan->spent;
    const struct mp_ynode *m, *n;
    MP_TRY(submap(L, root, "", "spent", 0, keys, &m));
    if (!m)
        return MP_OK;
    long long periods;
    MP_TRY(get(L, m, "spent.", "periods", 1, &n));
    MP_TRY(mp_ynode_int(&L->doc, n, "'spent.periods'", 1, MAX_PERIODS, &periods, L->err));
    s->periods = (int)periods;
    MP_TRY(get(L, m, "spent.", "window", 1, &n));
    MP_TRY(mp_ynode_window(&L->doc, n, "'spent.window'", &s->from, &s->to, L->err));
    if (s->to >= L->plan->start)
        return mp_ydoc_fail(&L->doc, n, L->err, "'spent.window' must end before 'horizon.start'");
    MP_TRY(num(L, m, "spent.", "spend", 1, 0, MP_MAX_MONEY, 0, &s->spend));
    return num(L, m, "spent.", "gmv", 1, 0, MP_MAX_MONEY, 0, &s->gmv);
}

/* Checks that need the whole plan, then the derived model. */
static enum mp_status finish(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    double B = mp_plan_allocatable(p);
    if (B < 0) {
        const struct mp_ynode *b = mp_ymap_get(root, "budget");
        return mp_ydoc_fail(&L->doc, mp_ymap_get(b, "total"), L->err,
                            "fixed lines (%s over the horizon) exceed the budget after reserve (%s)",
                            MP_G(mp_plan_fixed_total(p)), MP_G(p->budget_total * (1 - p->reserve)));
    }
    return mp_plan_resolve(p, L->err);
}

/* `experiments: [{channel, window: FROM..TO, gmv: G | roas: R, interval: [LO, HI], level: 0.9}]` */
static enum mp_status load_experiments(struct loader *L, const struct mp_ynode *root)
{
    struct mp_plan *p = L->plan;
    const struct mp_ynode *s = mp_ymap_get(root, "experiments");
    if (!s)
        return MP_OK;
    MP_TRY(mp_ynode_expect(&L->doc, s, MP_Y_SEQ, "'experiments'", L->err));
    if (!(p->experiments = arr(L, s->n + 1, sizeof *p->experiments)))
        return oom(L);
    static const char *const keys[] = {"channel", "window", "gmv", "roas", "interval", "level", NULL};
    for (size_t i = 0; i < s->n; i++) {
        const struct mp_ynode *m = s->items[i], *n;
        struct mp_experiment *x = &p->experiments[i];
        char prefix[64], what[96];
        snprintf(prefix, sizeof prefix, "experiments[%zu]", i);
        MP_TRY(mp_ynode_expect(&L->doc, m, MP_Y_MAP, path(L, prefix, ""), L->err));
        MP_TRY(mp_ymap_check_keys(&L->doc, m, prefix, keys, L->err));
        strcat(prefix, ".");
        x->loc = (struct mp_loc){m->line, m->col};
        MP_TRY(get(L, m, prefix, "channel", 1, &n));
        MP_TRY(mp_ynode_string(&L->doc, n, path(L, prefix, "channel"), &x->channel, L->err));
        if (mp_channel_find(p, x->channel) < 0)
            return mp_ydoc_fail(&L->doc, n, L->err, "%s: no channel '%s' in the plan", path(L, prefix, "channel"),
                                x->channel);
        MP_TRY(get(L, m, prefix, "window", 1, &n));
        MP_TRY(mp_ynode_window(&L->doc, n, path(L, prefix, "window"), &x->from, &x->to, L->err));
        const struct mp_ynode *g = mp_ymap_get(m, "gmv"), *r = mp_ymap_get(m, "roas");
        if (!g == !r)
            return mp_ydoc_fail(&L->doc, m, L->err, "%sneeds one of 'gmv' (incremental GMV measured) or 'roas' "
                                "(incremental ROAS)", prefix);
        x->roas = r != NULL;
        MP_TRY(num(L, m, prefix, r ? "roas" : "gmv", 1, 0, r ? MP_MAX_ROAS : MP_MAX_MONEY, 0, &x->value));
        MP_TRY(get(L, m, prefix, "interval", 1, &n));
        snprintf(what, sizeof what, "%.64sinterval", prefix);
        MP_TRY(mp_ynode_expect(&L->doc, n, MP_Y_SEQ, what, L->err));
        if (n->n != 2)
            return mp_ydoc_fail(&L->doc, n, L->err, "%s must be [LO, HI], got %zu numbers", what, n->n);
        MP_TRY(mp_ynode_number(&L->doc, n->items[0], what, 0, MP_MAX_MONEY, 0, &x->lo, L->err));
        MP_TRY(mp_ynode_number(&L->doc, n->items[1], what, 0, MP_MAX_MONEY, 0, &x->hi, L->err));
        if (!(x->lo <= x->value && x->value <= x->hi && x->lo < x->hi))
            return mp_ydoc_fail(&L->doc, n, L->err, "%s must contain the measured %s and have width, got [%s, %s]",
                                what, MP_G(x->value), MP_G(x->lo), MP_G(x->hi));
        x->level = 0.9;
        MP_TRY(num(L, m, prefix, "level", 0, 0.9, 0.95, 0, &x->level));
        if (x->level != 0.9 && x->level != 0.95)
            return mp_ydoc_fail(&L->doc, mp_ymap_get(m, "level"), L->err, "%slevel must be 0.9 or 0.95, got %g", prefix,
                                x->level);
        p->nexperiments = i + 1;
    }
    return MP_OK;
}

static enum mp_status load(struct loader *L)
{
    const struct mp_ynode *root = L->doc.root;
    static const char *const keys[] = {"mplan", "store", "purpose", "horizon", "budget", "margin",
                                       "baseline", "season", "objective", "goals", "events",
                                       "channels", "segments", "packs", "allocator", "strategies",
                                       "limits", "spent", "milestones", "experiments", NULL};
    if (root->type != MP_Y_MAP)
        return mp_ydoc_fail(&L->doc, root, L->err, "a plan must be a mapping (mplan: 1, horizon: ..., "
                            "budget: ..., channels: ...), got %s", mp_ynode_describe(root));
    /* The version first: a newer plan's keys would read as unknown ones. */
    MP_TRY(load_version(L, root));
    MP_TRY(mp_ymap_check_keys(&L->doc, root, "plan", keys, L->err));
    MP_TRY(load_head(L, root));
    MP_TRY(load_spent(L, root));
    MP_TRY(load_budget(L, root));
    MP_TRY(load_demand(L, root));
    MP_TRY(load_objective(L, root));
    MP_TRY(load_goals(L, root));
    MP_TRY(load_channels(L, root));
    MP_TRY(load_events(L, root));
    MP_TRY(load_experiments(L, root));
    MP_TRY(load_milestones(L, root));
    MP_TRY(load_segments(L, root));
    MP_TRY(load_packs(L, root));
    MP_TRY(load_rules(L, root));
    MP_TRY(load_limits(L, root));
    return finish(L, root);
}

/* The parsed document's arena becomes the plan's, so plan strings point into it. */
static enum mp_status load_doc(struct mp_ydoc *doc, mp_plan **out, mp_error *err)
{
    struct loader L = {.doc = *doc, .err = err};
    if (!(L.plan = mp_plan_new())) {
        mp_ydoc_free(doc);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    L.plan->arena = doc->arena;
    L.doc.arena = (struct mp_arena){0};
    struct mp_plan *p = L.plan;
    p->file = L.doc.file;
    const char *slash = strrchr(p->file, '/');
    p->dir = !slash ? "." : slash == p->file ? "/"
                          : mp_arena_strndup(&p->arena, p->file, (size_t)(slash - p->file));
    enum mp_status st = p->dir ? load(&L) : oom(&L);
    if (st != MP_OK) {
        mp_plan_free(p);
        return st;
    }
    *out = p;
    return MP_OK;
}

enum mp_status mp_plan_load(const char *path, mp_plan **out, mp_error *err)
{
    struct mp_ydoc doc;
    *out = NULL;
    enum mp_status st = mp_ydoc_load_file(path, &doc, err);
    return st == MP_OK ? load_doc(&doc, out, err) : st;
}

enum mp_status mp_plan_load_string(const char *name, const char *text, size_t len,
                                   mp_plan **out, mp_error *err)
{
    struct mp_ydoc doc;
    *out = NULL;
    enum mp_status st = mp_ydoc_load_string(name, text, len, &doc, err);
    return st == MP_OK ? load_doc(&doc, out, err) : st;
}
