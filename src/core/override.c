/* Plan values by path (`channels.p4p.response.k`, `events[0].lift`, `budget`): what-if
 * axes and scenario files name the numbers they change this way. Ranges are those the
 * plan loader enforces, so an override can never build a plan the loader would refuse. */
#include "core/override.h"
#include "core/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mplan/channel.h"
#include "mplan/kpi.h"
#include "mplan/whatif.h"

#define MAX_SEGS 6

/* One dot-separated part of a path: a name and an optional [index] (-1 when absent) or
 * [key] (an event's name: `events[Double 11].lift`; empty when absent). */
struct seg {
    char name[64];
    long index;
    char key[128];
};

static const char paths_hint[] =
    "e.g. budget, budget.reserve, margin, season[2], baseline.gmv, goals.gmv, events[0].lift, "
    "events[Double 11].lift, "
    "channels.ID.response.k, channels.ID.theta, channels.ID.max, channels.ID.funnel.cvr";

/* Split "channels.p4p.response.k" or "events[0].lift"; -1 on a malformed path. */
static int split(const char *path, struct seg *segs)
{
    int n = 0;
    const char *s = path;
    for (;;) {
        if (n == MAX_SEGS)
            return -1;
        struct seg *g = &segs[n++];
        size_t len = strcspn(s, ".[");
        if (len == 0 || len >= sizeof g->name)
            return -1;
        memcpy(g->name, s, len);
        g->name[len] = '\0';
        s += len;
        g->index = -1;
        g->key[0] = '\0';
        if (*s == '[' && (s[1] < '0' || s[1] > '9')) { /* [name] */
            const char *end = strchr(s + 1, ']');
            if (!end || end == s + 1 || (size_t)(end - s - 1) >= sizeof g->key)
                return -1;
            memcpy(g->key, s + 1, (size_t)(end - s - 1));
            g->key[end - s - 1] = '\0';
            s = end + 1;
        } else if (*s == '[') {
            char *end;
            g->index = strtol(s + 1, &end, 10);
            if (*end != ']')
                return -1;
            s = end + 1;
        }
        if (*s == '\0')
            return n;
        if (*s != '.')
            return -1;
        s++;
    }
}

static enum mp_status found(struct mp_plan_ref *r, double *p, size_t n, double lo, double hi, unsigned open)
{
    *r = (struct mp_plan_ref){.p = p, .n = n, .lo = lo, .hi = hi, .open = open};
    return MP_OK;
}

static enum mp_status unknown(const char *path, mp_error *err)
{
    return mp_fail(err, MP_EINPUT, "'%s': no such plan value (%s)", path, paths_hint);
}

/* A per-period array: `name` sets all T values, `name[i]` the i-th (0-based, as written). */
static enum mp_status per_period(const mp_plan *plan, const char *path, const struct seg *g, double *arr,
                                 double lo, double hi, unsigned open, struct mp_plan_ref *r, mp_error *err)
{
    if (g->index < 0)
        return found(r, arr, (size_t)plan->T, lo, hi, open);
    if (g->index >= plan->T)
        return mp_fail(err, MP_EINPUT, "'%s': index %ld is outside the horizon (0..%d)", path, g->index,
                       plan->T - 1);
    return found(r, &arr[g->index], 1, lo, hi, open);
}

static enum mp_status find_budget(mp_plan *plan, const char *path, const struct seg *s, int n,
                                  struct mp_plan_ref *r, mp_error *err)
{
    if (n == 1 || (n == 2 && strcmp(s[1].name, "total") == 0 && s[1].index < 0))
        return found(r, &plan->budget_total, 1, 0, MP_MAX_MONEY, 0);
    if (n == 2 && strcmp(s[1].name, "reserve") == 0 && s[1].index < 0)
        return found(r, &plan->reserve, 1, 0, 0.5, 0);
    if (n == 3 && strcmp(s[1].name, "fixed") == 0 && s[1].index >= 0) {
        if ((size_t)s[1].index >= plan->nfixed)
            return mp_fail(err, MP_EINPUT, "'%s': the plan has %zu fixed budget lines", path, plan->nfixed);
        struct mp_fixed_line *f = &plan->fixed[s[1].index];
        if (strcmp(s[2].name, "amount") == 0)
            return found(r, &f->amount, 1, 0, MP_MAX_MONEY, 0);
        if (strcmp(s[2].name, "per_period") == 0)
            return found(r, &f->per_period, 1, 0, MP_MAX_MONEY, 0);
    }
    return unknown(path, err);
}

static enum mp_status find_event(mp_plan *plan, const char *path, const struct seg *s, int n,
                                 struct mp_plan_ref *r, mp_error *err)
{
    long e = s[0].index;
    if (s[0].key[0]) { /* by name */
        for (size_t i = 0; i < plan->nevents && e < 0; i++)
            if (strcmp(plan->events[i].name, s[0].key) == 0)
                e = (long)i;
        if (e < 0) {
            char names[512] = "";
            for (size_t i = 0; i < plan->nevents; i++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'", i ? ", " : "",
                         plan->events[i].name);
            return mp_fail(err, MP_EINPUT, "'%s': no event named '%s' (the plan's events: %s)", path,
                           s[0].key, plan->nevents ? names : "none");
        }
    }
    if (e < 0 || n < 2 || n > 3)
        return unknown(path, err);
    if ((size_t)e >= plan->nevents)
        return mp_fail(err, MP_EINPUT, "'%s': the plan has %zu events (events[0] is the first)", path,
                       plan->nevents);
    struct mp_event *ev = &plan->events[e];
    enum mp_status st = MP_OK;
    if (n == 3) { /* events[I].defer.storage, events[I].defer.warmup */
        if (strcmp(s[1].name, "defer") != 0 || s[2].index >= 0)
            return unknown(path, err);
        if (strcmp(s[2].name, "storage") == 0)
            st = found(r, &ev->defer[MP_PHASE_STORAGE], 1, 0, 1, 0);
        else if (strcmp(s[2].name, "warmup") == 0)
            st = found(r, &ev->defer[MP_PHASE_WARMUP], 1, 0, 1, 0);
        else
            return mp_fail(err, MP_EINPUT, "'%s': an event's defer has storage and warmup", path);
        r->resolve = 1;
        return st;
    }
    if (strcmp(s[1].name, "lift") == 0)
        st = found(r, &ev->lift, 1, 0, MP_MAX_FACTOR, MP_REF_LO_OPEN);
    else if (strcmp(s[1].name, "spillover") == 0)
        st = found(r, &ev->spillover, 1, 0, 1, 0);
    else if (strcmp(s[1].name, "warmup_lift") == 0)
        st = found(r, &ev->warmup_lift, 1, 0, MP_MAX_FACTOR, MP_REF_LO_OPEN);
    else
        return mp_fail(err, MP_EINPUT, "'%s': an event has lift, spillover and warmup_lift", path);
    r->resolve = 1;
    return st;
}

static enum mp_status find_response(struct mp_channel *ch, const char *path, const char *key,
                                    struct mp_plan_ref *r, mp_error *err)
{
    struct mp_response *R = &ch->resp;
    int saturating = R->curve == MP_CURVE_HILL || R->curve == MP_CURVE_EXP;
    if (saturating && strcmp(key, "beta") == 0)
        return found(r, &R->beta, 1, 0, MP_MAX_MONEY, MP_REF_LO_OPEN);
    if (saturating && strcmp(key, "k") == 0)
        return found(r, &R->k, 1, MP_MIN_K, MP_MAX_MONEY, 0);
    if (R->curve == MP_CURVE_HILL && strcmp(key, "s") == 0)
        return found(r, &R->s, 1, 0, MP_MAX_S, MP_REF_LO_OPEN);
    if (R->curve == MP_CURVE_LINEAR && strcmp(key, "roas") == 0)
        return found(r, &R->roas, 1, 0, MP_MAX_ROAS, 0);
    return mp_fail(err, MP_EINPUT, "'%s': channel '%s' has %s response curve: it has %s", path, ch->id,
                   R->curve == MP_CURVE_NONE ? "no" : mp_curve_name(R->curve),
                   R->curve == MP_CURVE_HILL   ? "beta, k and s"
                   : R->curve == MP_CURVE_EXP  ? "beta and k"
                   : R->curve == MP_CURVE_LINEAR ? "roas"
                                                 : "no response parameters (cost: fixed)");
}

static enum mp_status find_channel(mp_plan *plan, const char *path, const struct seg *s, int n,
                                   struct mp_plan_ref *r, mp_error *err)
{
    /* channels[i].x or channels.ID.x */
    long c = s[0].index;
    int k = 1;
    if (c < 0) {
        if (n < 2)
            return unknown(path, err);
        c = mp_channel_find(plan, s[1].name);
        if (c < 0)
            return mp_fail(err, MP_EINPUT, "'%s': no channel '%s' in the plan", path, s[1].name);
        k = 2;
    } else if ((size_t)c >= plan->nchannels) {
        return mp_fail(err, MP_EINPUT, "'%s': the plan has %zu channels", path, plan->nchannels);
    }
    struct mp_channel *ch = &plan->channels[c];
    const char *key = s[k].name;
    if (n == k + 2 && strcmp(key, "response") == 0)
        return find_response(ch, path, s[k + 1].name, r, err);
    if (n == k + 2 && strcmp(key, "funnel") == 0) {
        if (!ch->has_funnel)
            return mp_fail(err, MP_EINPUT, "'%s': channel '%s' has no funnel", path, ch->id);
        const char *f = s[k + 1].name;
        if (strcmp(f, "aov") == 0)
            return found(r, &ch->funnel.aov, 1, 0, MP_MAX_MONEY, MP_REF_LO_OPEN);
        if (strcmp(f, "cvr") == 0)
            return found(r, &ch->funnel.cvr, 1, 0, 1, MP_REF_LO_OPEN);
        if (strcmp(f, "ctr") == 0)
            return found(r, &ch->funnel.ctr, 1, 0, 1, MP_REF_LO_OPEN);
        if (strcmp(f, "new_share") == 0)
            return found(r, &ch->funnel.new_share, 1, 0, 1, 0);
        return mp_fail(err, MP_EINPUT, "'%s': a funnel has aov, cvr, ctr and new_share", path);
    }
    if (n == k + 2 && strcmp(key, "cost") == 0 && strcmp(s[k + 1].name, "fixed") == 0) {
        if (ch->mode != MP_MODE_FIXED_COST)
            return mp_fail(err, MP_EINPUT, "'%s': channel '%s' has no 'cost: {fixed: N}'", path, ch->id);
        return found(r, &ch->fixed_cost, 1, 0, MP_MAX_MONEY, 0);
    }
    if (n == k + 1 && strcmp(key, "spend") == 0) {
        if (ch->mode != MP_MODE_FIXED_SPEND)
            return mp_fail(err, MP_EINPUT, "'%s': channel '%s' has no fixed 'spend:' list", path, ch->id);
        return per_period(plan, path, &s[k], ch->spend, 0, MP_MAX_MONEY, 0, r, err);
    }
    if (n != k + 1 || s[k].index >= 0)
        return unknown(path, err);
    if (strcmp(key, "theta") == 0)
        return found(r, &ch->theta, 1, 0, 1, MP_REF_HI_OPEN);
    if (strcmp(key, "carryover") == 0)
        return found(r, &ch->carryover, 1, 0, MP_MAX_MONEY, 0);
    if (strcmp(key, "min") == 0)
        return found(r, &ch->min, 1, 0, MP_MAX_MONEY, 0);
    if (strcmp(key, "max") == 0) {
        found(r, &ch->max, 1, 0, MP_MAX_MONEY, 0);
        r->floor = &ch->min;
        return MP_OK;
    }
    if (strcmp(key, "cap") == 0)
        return found(r, &ch->cap, 1, 0, MP_MAX_MONEY, MP_REF_LO_OPEN);
    return mp_fail(err, MP_EINPUT, "'%s': a channel has theta, carryover, min, max, cap, response.*, "
                   "funnel.*, cost.fixed and spend[i]", path);
}

static enum mp_status find_goal(mp_plan *plan, const char *path, struct mp_plan_ref *r, mp_error *err)
{
    const char *kpi = path + strlen("goals.");
    for (size_t i = 0; i < plan->ngoals; i++)
        if (strcmp(plan->goals[i].kpi, kpi) == 0) {
            int id = mp_kpi_lookup(kpi);
            /* roi and pack KPIs may be negative; every other KPI is a count, sum or rate */
            double lo = id < 0 || id == MP_KPI_ROI ? -MP_MAX_MONEY : 0;
            return found(r, &plan->goals[i].target, 1, lo, MP_MAX_MONEY, 0);
        }
    return mp_fail(err, MP_EINPUT, "'%s': the plan has no goal '%s'", path, kpi);
}

enum mp_status mp_plan_ref_find(mp_plan *plan, const char *path, struct mp_plan_ref *r, mp_error *err)
{
    struct seg s[MAX_SEGS];
    if (strncmp(path, "goals.", 6) == 0 && path[6])
        return find_goal(plan, path, r, err); /* a pack KPI name has a dot of its own */
    int n = split(path, s);
    if (n < 0)
        return mp_fail(err, MP_EINPUT, "'%s': not a plan value path (%s)", path, paths_hint);
    const char *top = s[0].name;
    for (int i = 0; i < n; i++) /* a [name] picks an event, nothing else */
        if (s[i].key[0] && (i > 0 || strcmp(top, "events") != 0))
            return unknown(path, err);
    if (strcmp(top, "budget") == 0 && s[0].index < 0)
        return find_budget(plan, path, s, n, r, err);
    if (strcmp(top, "margin") == 0 && n == 1 && s[0].index < 0)
        return found(r, &plan->margin, 1, 0, 1, MP_REF_LO_OPEN);
    if (strcmp(top, "baseline") == 0 && n == 2 && s[0].index < 0 && strcmp(s[1].name, "gmv") == 0)
        return per_period(plan, path, &s[1], plan->baseline, 0, MP_MAX_MONEY, 0, r, err);
    if (strcmp(top, "season") == 0 && n == 1) {
        enum mp_status st = per_period(plan, path, &s[0], plan->season, 0, MP_MAX_FACTOR, MP_REF_LO_OPEN, r, err);
        r->resolve = 1;
        return st;
    }
    if (strcmp(top, "objective") == 0 && s[0].index < 0) {
        int roas = n == 2 && strcmp(s[1].name, "target_roas") == 0;
        int goal = n == 3 && strcmp(s[1].name, "goal") == 0 && strcmp(s[2].name, "gmv") == 0;
        if ((roas && plan->objective == MP_OBJ_TARGET_ROAS) || (goal && plan->objective == MP_OBJ_GOAL_GMV))
            return found(r, &plan->objective_value, 1, 0, plan->objective == MP_OBJ_TARGET_ROAS ? MP_MAX_ROAS : MP_MAX_MONEY, MP_REF_LO_OPEN);
        if (roas || goal)
            return mp_fail(err, MP_EINPUT, "'%s': the plan's objective is not %s", path,
                           roas ? "{target_roas: R}" : "{goal: {gmv: G}}");
        return unknown(path, err);
    }
    if (strcmp(top, "events") == 0)
        return find_event(plan, path, s, n, r, err);
    if (strcmp(top, "channels") == 0)
        return find_channel(plan, path, s, n, r, err);
    if (strcmp(top, "segments") == 0 && n == 3 && strcmp(s[1].name, "sizes") == 0)
        for (size_t i = 0; i < plan->nsegments; i++)
            if (strcmp(plan->segments[i].label, s[2].name) == 0)
                return found(r, &plan->segments[i].size, 1, 0, MP_MAX_MONEY, 0);
    return unknown(path, err);
}

enum mp_status mp_plan_ref_set(const struct mp_plan_ref *r, const char *path, double v, mp_error *err)
{
    int lo_ok = (r->open & MP_REF_LO_OPEN) ? v > r->lo : v >= r->lo;
    int hi_ok = (r->open & MP_REF_HI_OPEN) ? v < r->hi : v <= r->hi;
    if (!isfinite(v) || !lo_ok || !hi_ok) {
        char range[96];
        if (isinf(r->lo) && isinf(r->hi))
            snprintf(range, sizeof range, "a finite number");
        else if (isinf(r->hi))
            snprintf(range, sizeof range, "%s %s", (r->open & MP_REF_LO_OPEN) ? ">" : ">=", MP_G(r->lo));
        else
            snprintf(range, sizeof range, "in %c%s, %s%c", (r->open & MP_REF_LO_OPEN) ? '(' : '[', MP_G(r->lo),
                     MP_G(r->hi), (r->open & MP_REF_HI_OPEN) ? ')' : ']');
        return mp_fail(err, MP_EINPUT, "'%s' must be %s, got %s", path, range, MP_G(v));
    }
    if (r->floor && v < *r->floor)
        return mp_fail(err, MP_EINPUT, "'%s' must be at least the channel's min (%s), got %s", path, MP_G(*r->floor),
                       MP_G(v));
    for (size_t i = 0; i < r->n; i++)
        r->p[i] = v;
    return MP_OK;
}

enum mp_status mp_plan_set(mp_plan *plan, const char *path, double value, mp_error *err)
{
    struct mp_plan_ref r;
    enum mp_status st = mp_plan_ref_find(plan, path, &r, err);
    return st != MP_OK ? st : mp_plan_ref_set(&r, path, value, err);
}

enum mp_status mp_plan_get(const mp_plan *plan, const char *path, double *value, mp_error *err)
{
    struct mp_plan_ref r;
    /* find only reads the plan; the ref it returns is used for reading here */
    enum mp_status st = mp_plan_ref_find((mp_plan *)plan, path, &r, err);
    if (st == MP_OK)
        *value = r.p[0];
    return st;
}
