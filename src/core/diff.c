/* `mplan diff`: pair the channels, periods and goals of two runs and take the differences. */
#include "mplan/diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *mp_diff_value_name(enum mp_diff_value v)
{
    static const char *const names[] = {"spend", "gmv", "new_customers", "roas"};
    return (unsigned)v < MP_DIFF_NVALUES ? names[v] : "?";
}

void mp_diff_side_clear(mp_diff_side *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nchannels; i++)
        free(s->channel[i].key), free(s->channel[i].name);
    for (size_t i = 0; i < s->nperiods; i++)
        free(s->period[i].key), free(s->period[i].name);
    for (size_t i = 0; i < s->ngoals; i++)
        free(s->goal[i].kpi);
    free(s->channel);
    free(s->period);
    free(s->goal);
    free(s->source);
    free(s->store);
    free(s->currency);
    memset(s, 0, sizeof *s);
}

void mp_diff_free(mp_diff *d)
{
    if (!d)
        return;
    free(d->channel);
    free(d->period);
    free(d->goal);
    free(d);
}

static double pct(double a, double b)
{
    return isfinite(a) && isfinite(b) && a != 0 ? b / a - 1 : NAN;
}

static void changes(const double *a, const double *b, double *change, double *change_pct)
{
    for (int v = 0; v < MP_DIFF_NVALUES; v++) {
        change[v] = a && b && isfinite(a[v]) && isfinite(b[v]) ? b[v] - a[v] : NAN;
        change_pct[v] = a && b ? pct(a[v], b[v]) : NAN;
    }
}

static mp_diff_row row_of(const mp_diff_item *a, const mp_diff_item *b)
{
    mp_diff_row r = {.presence = a && b ? MP_DIFF_BOTH : a ? MP_DIFF_ONLY_A : MP_DIFF_ONLY_B, .a = a, .b = b};
    changes(a ? a->v : NULL, b ? b->v : NULL, r.change, r.change_pct);
    return r;
}

static const mp_diff_item *find(const mp_diff_item *items, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].key, key) == 0)
            return &items[i];
    return NULL;
}

/* A's items in order, each with B's of the same key, then B's that A lacks. */
static size_t pair_by_key(const mp_diff_item *a, size_t na, const mp_diff_item *b, size_t nb, mp_diff_row *out)
{
    size_t n = 0;
    for (size_t i = 0; i < na; i++)
        out[n++] = row_of(&a[i], find(b, nb, a[i].key));
    for (size_t j = 0; j < nb; j++)
        if (!find(a, na, b[j].key))
            out[n++] = row_of(NULL, &b[j]);
    return n;
}

static int cmp_row_date(const void *x, const void *y)
{
    const mp_diff_row *r = x, *s = y;
    const char *k1 = (r->a ? r->a : r->b)->key, *k2 = (s->a ? s->a : s->b)->key;
    return strcmp(k1, k2); /* YYYY-MM-DD sorts by date */
}

enum mp_status mp_diff_run(const mp_diff_side *a, const mp_diff_side *b, enum mp_diff_align align, mp_diff **out,
                           mp_error *err)
{
    *out = NULL;
    mp_diff *d = calloc(1, sizeof *d);
    if (d) {
        d->channel = calloc(a->nchannels + b->nchannels + 1, sizeof *d->channel);
        d->period = calloc(a->nperiods + b->nperiods + 1, sizeof *d->period);
        d->goal = calloc(a->ngoals + b->ngoals + 1, sizeof *d->goal);
    }
    if (!d || !d->channel || !d->period || !d->goal) {
        mp_diff_free(d);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    d->a = a;
    d->b = b;
    changes(a->total, b->total, d->change, d->change_pct);
    d->nchannels = pair_by_key(a->channel, a->nchannels, b->channel, b->nchannels, d->channel);

    if (align == MP_DIFF_ALIGN_AUTO) {
        align = MP_DIFF_ALIGN_POSITION;
        for (size_t i = 0; i < a->nperiods && align == MP_DIFF_ALIGN_POSITION; i++)
            if (find(b->period, b->nperiods, a->period[i].key))
                align = MP_DIFF_ALIGN_DATE;
    }
    d->align = align;
    if (align == MP_DIFF_ALIGN_DATE) {
        d->nperiods = pair_by_key(a->period, a->nperiods, b->period, b->nperiods, d->period);
        qsort(d->period, d->nperiods, sizeof *d->period, cmp_row_date);
    } else {
        size_t n = a->nperiods > b->nperiods ? a->nperiods : b->nperiods;
        for (size_t t = 0; t < n; t++)
            d->period[t] = row_of(t < a->nperiods ? &a->period[t] : NULL, t < b->nperiods ? &b->period[t] : NULL);
        d->nperiods = n;
    }

    for (size_t i = 0; i < a->ngoals + b->ngoals; i++) {
        const mp_diff_goal *ga = i < a->ngoals ? &a->goal[i] : NULL, *gb = NULL;
        const char *kpi = ga ? ga->kpi : b->goal[i - a->ngoals].kpi;
        for (size_t j = 0; j < b->ngoals && !gb; j++)
            if (strcmp(b->goal[j].kpi, kpi) == 0)
                gb = &b->goal[j];
        if (!ga) {
            int in_a = 0;
            for (size_t j = 0; j < a->ngoals; j++)
                in_a |= strcmp(a->goal[j].kpi, kpi) == 0;
            if (in_a)
                continue;
        }
        mp_diff_goal_row *g = &d->goal[d->ngoals++];
        g->presence = ga && gb ? MP_DIFF_BOTH : ga ? MP_DIFF_ONLY_A : MP_DIFF_ONLY_B;
        g->a = ga;
        g->b = gb;
        g->target_change = ga && gb ? gb->target - ga->target : NAN;
        g->forecast_change = ga && gb && isfinite(ga->forecast) && isfinite(gb->forecast) ? gb->forecast - ga->forecast
                                                                                          : NAN;
        g->forecast_change_pct = ga && gb ? pct(ga->forecast, gb->forecast) : NAN;
    }
    *out = d;
    return MP_OK;
}
