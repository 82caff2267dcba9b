/* The plan model: names, derived quantities (docs/model.md 1-2), copying and freeing. */
#include "core/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/curve.h"
#include "core/date.h"
#include "mplan/channel.h"

const char *mp_phase_name(enum mp_phase phase)
{
    static const char *const names[MP_PHASE_COUNT] = {
        "normal", "preparation", "storage", "warmup", "outbreak", "review"};
    return (unsigned)phase < MP_PHASE_COUNT ? names[phase] : "?";
}

const char *mp_kind_name(enum mp_kind kind)
{
    static const char *const names[MP_KIND_COUNT] = {"basic", "paid", "event", "self"};
    return (unsigned)kind < MP_KIND_COUNT ? names[kind] : "?";
}

const char *mp_stage_name(enum mp_stage stage)
{
    static const char *const names[] = {"", "awareness", "interest", "purchase", "loyalty"};
    return (unsigned)stage <= MP_STAGE_LOYALTY ? names[stage] : "?";
}

const char *mp_purpose_name(enum mp_purpose purpose)
{
    static const char *const names[] = {"", "exposure", "conversion", "brand", "retention"};
    return (unsigned)purpose <= MP_PURPOSE_RETENTION ? names[purpose] : "?";
}

const char *mp_curve_name(enum mp_curve curve)
{
    static const char *const names[] = {"none", "hill", "exp", "linear"};
    return (unsigned)curve <= MP_CURVE_LINEAR ? names[curve] : "?";
}

/* Each warning is kept once: the plan is resolved again after every strategy's change, and
 * the same condition must not be reported once per resolve. */
enum mp_status mp_plan_warn(struct mp_plan *plan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[MP_ERRMSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < plan->nwarnings; i++)
        if (strcmp(plan->warnings[i], buf) == 0)
            return MP_OK;
    if (plan->nwarnings == plan->capwarnings) {
        size_t cap = plan->capwarnings ? 2 * plan->capwarnings : 8;
        const char **w = mp_arena_array(&plan->arena, cap, sizeof *w);
        if (!w)
            return MP_ENOMEM;
        if (plan->nwarnings)
            memcpy(w, plan->warnings, plan->nwarnings * sizeof *w);
        plan->warnings = w;
        plan->capwarnings = cap;
    }
    const char *msg = mp_arena_strdup(&plan->arena, buf);
    if (!msg)
        return MP_ENOMEM;
    plan->warnings[plan->nwarnings++] = msg;
    return MP_OK;
}

size_t mp_plan_channel_count(const mp_plan *plan) { return plan->nchannels; }
int mp_plan_periods(const mp_plan *plan) { return plan->T; }
const char *mp_plan_channel_id(const mp_plan *plan, size_t c) { return plan->channels[c].id; }
const char *mp_plan_channel_name(const mp_plan *plan, size_t c) { return plan->channels[c].name; }
const char *mp_plan_period_phase(const mp_plan *plan, int t) { return mp_phase_name(plan->phase[t]); }
double mp_plan_margin(const mp_plan *plan) { return plan->margin; }
int mp_plan_spent_periods(const mp_plan *plan) { return plan->spent.periods; }
size_t mp_plan_warning_count(const mp_plan *plan) { return plan->nwarnings; }
const char *mp_plan_warning(const mp_plan *plan, size_t i) { return plan->warnings[i]; }

const char *mp_plan_period_start(const mp_plan *plan, int t, char buf[11])
{
    mp_date_format(plan->period_start[t], buf);
    return buf;
}

const char *mp_plan_period_event(const mp_plan *plan, int t)
{
    return plan->event_of[t] >= 0 ? plan->events[plan->event_of[t]].name : NULL;
}

enum mp_status mp_plan_set_units(mp_plan *plan, const char *units, mp_error *err)
{
    int u = mp_units_parse(units);
    if (u < 0)
        return mp_fail(err, MP_EUSAGE, "--units takes plain, k or wan, not '%s'", units);
    plan->units = (enum mp_units)u;
    return MP_OK;
}

double mp_plan_fixed_total(const mp_plan *plan)
{
    double sum = 0;
    for (size_t i = 0; i < plan->nfixed; i++)
        sum += plan->fixed[i].amount + plan->fixed[i].per_period * plan->T;
    for (size_t c = 0; c < plan->nchannels; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        if (ch->mode == MP_MODE_FIXED_COST)
            sum += ch->fixed_cost * plan->T;
        else if (ch->mode == MP_MODE_FIXED_SPEND)
            for (int t = 0; t < plan->T; t++)
                sum += ch->spend[t];
    }
    return sum;
}

double mp_plan_allocatable(const mp_plan *plan)
{
    return plan->budget_total * (1 - plan->reserve) - mp_plan_fixed_total(plan);
}

/* Start of a phase window counted back `n` units from day `end` (exclusive). */
static int32_t back(int32_t end, int n, char unit)
{
    switch (unit) {
    case 'd': return end - n;
    case 'w': return end - 7 * n;
    default: return mp_date_add_months(end, -n);
    }
}

static int32_t forward(int32_t start, int n, char unit)
{
    switch (unit) {
    case 'd': return start + n;
    case 'w': return start + 7 * n;
    default: return mp_date_add_months(start, n);
    }
}

static void event_windows(struct mp_event *e)
{
    for (int p = 0; p < MP_PHASE_COUNT; p++) {
        e->from[p] = 1;
        e->to[p] = 0;
    }
    e->from[MP_PHASE_OUTBREAK] = e->outbreak_from;
    e->to[MP_PHASE_OUTBREAK] = e->outbreak_to;
    int32_t end = e->outbreak_from; /* exclusive end of the phase being placed */
    static const enum mp_phase before[] = {MP_PHASE_WARMUP, MP_PHASE_STORAGE, MP_PHASE_PREPARATION};
    for (size_t i = 0; i < sizeof before / sizeof *before; i++) {
        enum mp_phase p = before[i];
        int32_t start = back(end, e->len[p], e->len_unit[p]);
        e->from[p] = start;
        e->to[p] = end - 1;
        end = start;
    }
    e->from[MP_PHASE_REVIEW] = e->outbreak_to + 1;
    e->to[MP_PHASE_REVIEW] =
        forward(e->outbreak_to + 1, e->len[MP_PHASE_REVIEW], e->len_unit[MP_PHASE_REVIEW]) - 1;
}

static int in_window(int32_t day, int32_t from, int32_t to) { return day >= from && day <= to; }

/* Does a channel take an event's full lift: kind event, `full_lift: all` (the default), or
 * listed in `full_lift:`? */
static int full_participant(const struct mp_event *e, const struct mp_channel *ch)
{
    if (ch->kind == MP_KIND_EVENT || e->full_all)
        return 1;
    for (size_t i = 0; i < e->nfull_lift; i++)
        if (strcmp(e->full_lift[i], ch->id) == 0)
            return 1;
    return 0;
}

/* An event channel belongs to the events that list it in `event_channels:`, or to every
 * event if none does. */
static int event_channel_of(const struct mp_plan *plan, size_t ei, const struct mp_channel *ch)
{
    int listed_anywhere = 0;
    for (size_t e = 0; e < plan->nevents; e++)
        for (size_t i = 0; i < plan->events[e].nevent_channels; i++)
            if (strcmp(plan->events[e].event_channels[i], ch->id) == 0) {
                if (e == ei)
                    return 1;
                listed_anywhere = 1;
            }
    return !listed_anywhere;
}

double mp_event_defer(const struct mp_event *e, const struct mp_channel *ch, enum mp_phase phase)
{
    return (ch->defer_set >> phase) & 1u ? ch->defer[phase] : e->defer[phase];
}

static int cmp_event_start(const void *a, const void *b, void *ctx)
{
    const struct mp_event *ev = ctx;
    int32_t x = ev[*(const size_t *)a].outbreak_from, y = ev[*(const size_t *)b].outbreak_from;
    return (x > y) - (x < y);
}

/* Events in order of their outbreak (insertion sort: plans have few events). */
static void events_by_start(const struct mp_plan *plan, size_t *order)
{
    for (size_t i = 0; i < plan->nevents; i++) {
        size_t j = i;
        order[i] = i;
        while (j > 0 && cmp_event_start(&order[j - 1], &order[j], plan->events) > 0) {
            size_t tmp = order[j - 1];
            order[j - 1] = order[j];
            order[j] = tmp;
            j--;
        }
    }
}

const char *mp_plan_where(const struct mp_plan *plan, struct mp_loc loc, char *buf, size_t n)
{
    const char *file = plan->file ? plan->file : "plan";
    if (loc.line > 0)
        snprintf(buf, n, "%s:%d:%d", file, loc.line, loc.col);
    else
        snprintf(buf, n, "%s", file);
    return buf;
}

/* The phase and event of one day: a later event's phase wins over an earlier one's, but
 * nothing overrides an outbreak. Overlaps are warned once per stretch of periods. */
struct overlap {
    int t, prev, next;
};

static enum mp_status day_phase(struct mp_plan *plan, const size_t *order, int32_t day, int t,
                                struct overlap *last, enum mp_phase *phase, int *event)
{
    *phase = MP_PHASE_NORMAL;
    *event = -1;
    for (size_t i = 0; i < plan->nevents; i++) {
        const struct mp_event *ev = &plan->events[order[i]];
        for (int p = MP_PHASE_PREPARATION; p < MP_PHASE_COUNT; p++) {
            if (!in_window(day, ev->from[p], ev->to[p]))
                continue;
            if (*event >= 0 && *phase == MP_PHASE_OUTBREAK)
                break;
            int prev = *event;
            int repeat = prev >= 0 && (last->t == t || last->t == t - 1) && last->prev == prev &&
                         last->next == (int)order[i];
            if (prev >= 0)
                *last = (struct overlap){t, prev, (int)order[i]};
            if (prev >= 0 && !repeat && mp_plan_warn(plan,
                    "period %d: %s of '%s' overlaps %s of '%s'; using '%s'", t + 1,
                    mp_phase_name((enum mp_phase)p), ev->name, mp_phase_name(*phase),
                    plan->events[prev].name, ev->name) != MP_OK)
                return MP_ENOMEM;
            *phase = (enum mp_phase)p;
            *event = (int)order[i];
            break;
        }
    }
    return MP_OK;
}

/* The period's label: the phase with most days; outbreak wins a tie, then the later phase of
 * the event's rhythm, then normal. Its event: the one with most days of that phase (the
 * later in time on a tie). */
static void period_label(struct mp_plan *plan, const size_t *order, int t)
{
    static const enum mp_phase pref[] = {MP_PHASE_OUTBREAK, MP_PHASE_REVIEW, MP_PHASE_WARMUP,
                                         MP_PHASE_STORAGE, MP_PHASE_PREPARATION, MP_PHASE_NORMAL};
    const int *pd = &plan->phase_days[(size_t)t * MP_PHASE_COUNT];
    enum mp_phase best = MP_PHASE_NORMAL;
    int most = -1;
    for (size_t i = 0; i < sizeof pref / sizeof *pref; i++)
        if (pd[pref[i]] > most) {
            most = pd[pref[i]];
            best = pref[i];
        }
    plan->phase[t] = best;
    plan->event_of[t] = -1;
    if (best == MP_PHASE_NORMAL)
        return;
    int most_ev = 0;
    for (size_t i = 0; i < plan->nevents; i++) {
        int d = plan->ev_days[((size_t)t * plan->nevents + order[i]) * MP_PHASE_COUNT + best];
        if (d > 0 && d >= most_ev) {
            most_ev = d;
            plan->event_of[t] = (int)order[i];
        }
    }
}

/* In a weekly or monthly plan, a phase that covers less than half of a period it touches
 * moves that period's demand by its share of days only: say so, once per event and phase. */
static enum mp_status warn_partial(struct mp_plan *plan)
{
    if (plan->unit == MP_UNIT_DAY)
        return MP_OK;
    size_t E = plan->nevents;
    for (size_t e = 0; e < E; e++)
        for (int p = MP_PHASE_PREPARATION; p < MP_PHASE_COUNT; p++) {
            int first = -1, more = 0, days = 0, n = 0;
            for (int t = 0; t < plan->T; t++) {
                int d = plan->ev_days[((size_t)t * E + e) * MP_PHASE_COUNT + (size_t)p];
                int len = plan->period_start[t + 1] - plan->period_start[t];
                if (d <= 0 || 2 * d >= len)
                    continue;
                if (first < 0) {
                    first = t;
                    days = d;
                    n = len;
                } else {
                    more++;
                }
            }
            if (first < 0)
                continue;
            char day[11], tail[64] = "";
            mp_date_format(plan->period_start[first], day);
            if (more)
                snprintf(tail, sizeof tail, " (and %d more period%s)", more, more == 1 ? "" : "s");
            if (mp_plan_warn(plan, "event '%s': %s covers %d of %d days of period %d (from %s)%s; "
                             "its demand there counts for %d/%d", plan->events[e].name,
                             mp_phase_name((enum mp_phase)p), days, n, first + 1, day, tail, days, n) != MP_OK)
                return MP_ENOMEM;
        }
    return MP_OK;
}

static enum mp_status resolve_phases(struct mp_plan *plan, mp_error *err)
{
    int T = plan->T;
    size_t E = plan->nevents;
    char where[512];
    int32_t horizon_end = plan->period_start[T] - 1;
    for (size_t e = 0; e < E; e++) {
        struct mp_event *ev = &plan->events[e];
        event_windows(ev);
        if (ev->to[MP_PHASE_REVIEW] > MP_DATE_MAX)
            return mp_fail(err, MP_EINPUT, "%s: event '%s': the review phase would end after 9999-12-31",
                           mp_plan_where(plan, ev->loc, where, sizeof where), ev->name);
        if (ev->outbreak_to < plan->start || ev->outbreak_from > horizon_end) {
            char from[11], to[11];
            mp_date_format(plan->start, from);
            mp_date_format(horizon_end, to);
            return mp_fail(err, MP_EINPUT, "%s: event '%s': outbreak window lies outside the horizon (%s..%s)",
                           mp_plan_where(plan, ev->loc, where, sizeof where), ev->name, from, to);
        }
        for (size_t f = 0; f < e; f++) {
            const struct mp_event *o = &plan->events[f];
            if (ev->outbreak_from <= o->outbreak_to && o->outbreak_from <= ev->outbreak_to)
                return mp_fail(err, MP_EINPUT, "%s: event '%s': outbreak overlaps the outbreak of event '%s'",
                               mp_plan_where(plan, ev->loc, where, sizeof where), ev->name, o->name);
        }
    }
    size_t *order = malloc((E + 1) * sizeof *order);
    if (!order)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    events_by_start(plan, order);
    memset(plan->phase_days, 0, (size_t)T * MP_PHASE_COUNT * sizeof *plan->phase_days);
    if (E)
        memset(plan->ev_days, 0, (size_t)T * E * MP_PHASE_COUNT * sizeof *plan->ev_days);
    struct overlap last = {-2, -1, -1};
    size_t nlist = 0;
    enum mp_status st = MP_OK;
    for (int t = 0; st == MP_OK && t < T; t++) {
        for (int32_t day = plan->period_start[t]; st == MP_OK && day < plan->period_start[t + 1]; day++) {
            enum mp_phase p;
            int e;
            st = day_phase(plan, order, day, t, &last, &p, &e);
            plan->phase_days[(size_t)t * MP_PHASE_COUNT + p]++;
            if (e >= 0)
                plan->ev_days[((size_t)t * E + (size_t)e) * MP_PHASE_COUNT + p]++;
        }
        plan->ev_first[t] = (int)nlist;
        int most = 0;
        plan->defer_event[t] = -1;
        for (size_t i = 0; i < E; i++) {
            size_t e = order[i];
            const int *d = &plan->ev_days[((size_t)t * E + e) * MP_PHASE_COUNT];
            int any = 0;
            for (int p = MP_PHASE_PREPARATION; p < MP_PHASE_COUNT; p++)
                any |= d[p] > 0;
            if (any)
                plan->ev_list[nlist++] = (int)e;
            /* Deferred response goes to the event with most storage and warm-up days here. */
            if (d[MP_PHASE_STORAGE] + d[MP_PHASE_WARMUP] > 0 && d[MP_PHASE_STORAGE] + d[MP_PHASE_WARMUP] >= most) {
                most = d[MP_PHASE_STORAGE] + d[MP_PHASE_WARMUP];
                plan->defer_event[t] = (int)e;
            }
        }
        period_label(plan, order, t);
    }
    plan->ev_first[T] = (int)nlist;
    for (size_t e = 0; e < E; e++) {
        plan->ob_first[e] = plan->ob_last[e] = -1;
        for (int t = 0; t < T; t++)
            if (plan->ev_days[((size_t)t * E + e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK]) {
                if (plan->ob_first[e] < 0)
                    plan->ob_first[e] = t;
                plan->ob_last[e] = t;
            }
    }
    free(order);
    if (st == MP_OK && E)
        st = warn_partial(plan);
    if (st != MP_OK)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    return MP_OK;
}

/* The outbreak's demand for a channel: the multiplier of its outbreak days, times season and
 * scale averaged over those days inside the horizon. */
static double outbreak_demand(const struct mp_plan *plan, size_t c, size_t e, double m_out)
{
    const struct mp_channel *ch = &plan->channels[c];
    size_t E = plan->nevents;
    double sum = 0;
    int days = 0;
    /* outbreaks do not overlap: over all events these ranges add up to about T periods */
    for (int t = plan->ob_first[e]; t >= 0 && t <= plan->ob_last[e]; t++) {
        int d = plan->ev_days[((size_t)t * E + e) * MP_PHASE_COUNT + MP_PHASE_OUTBREAK];
        if (d) {
            sum += d * plan->season[t] * ch->scale[t];
            days += d;
        }
    }
    return days ? m_out * sum / days : m_out;
}

static void resolve_channel(struct mp_plan *plan, size_t c)
{
    struct mp_channel *ch = &plan->channels[c];
    size_t E = plan->nevents;
    for (int t = 0; t < plan->T; t++) {
        int32_t day = plan->period_start[t], next = plan->period_start[t + 1];
        double n = next - day;
        /* Day-weighted: extra demand over 1, the deferred days' own demand, and what those
         * days convert at their outbreaks (all per day, divided by n below). */
        double extra = 0, defer_own = 0, deferred = 0;
        for (int i = plan->ev_first[t]; i < plan->ev_first[t + 1]; i++) {
            size_t e = (size_t)plan->ev_list[i];
            const struct mp_event *ev = &plan->events[e];
            const int *d = &plan->ev_days[((size_t)t * E + e) * MP_PHASE_COUNT];
            double share = full_participant(ev, ch) ? 1 : ev->spillover;
            double m_out = 1 + (ev->lift - 1) * share, m_warm = 1 + (ev->warmup_lift - 1) * share;
            extra += d[MP_PHASE_OUTBREAK] * (m_out - 1) + d[MP_PHASE_WARMUP] * (m_warm - 1);
            double ds = d[MP_PHASE_STORAGE] * mp_event_defer(ev, ch, MP_PHASE_STORAGE);
            double dw = d[MP_PHASE_WARMUP] * mp_event_defer(ev, ch, MP_PHASE_WARMUP);
            if (ds + dw > 0) {
                defer_own += ds + dw * m_warm;
                deferred += (ds + dw) * outbreak_demand(plan, c, e, m_out);
            }
        }
        double base = plan->season[t] * ch->scale[t];
        size_t i = MP_AT(plan, c, t);
        plan->demand[i] = base * (1 + extra / n);
        plan->deferred[i] = deferred / n;
        plan->lift[i] = plan->demand[i] - base * defer_own / n + plan->deferred[i];

        int on = 1;
        if (ch->phases || ch->nwindows) {
            on = (ch->phases >> plan->phase[t]) & 1u;
            for (size_t w = 0; !on && w < ch->nwindows; w++)
                on = in_window(day, ch->windows[w][0], ch->windows[w][1]);
        }
        if (ch->kind == MP_KIND_EVENT) {
            /* Any day of the period from the preparation of one of its events to its review. */
            int inside = 0;
            for (size_t ei = 0; !inside && ei < E; ei++) {
                const struct mp_event *ev = &plan->events[ei];
                inside = event_channel_of(plan, ei, ch) && day <= ev->to[MP_PHASE_REVIEW] &&
                         next - 1 >= ev->from[MP_PHASE_PREPARATION];
            }
            on = on && inside;
        }
        if (ch->override[t])
            on = ch->override[t] > 0;
        ch->active[t] = (unsigned char)on;
    }
}

enum mp_status mp_plan_resolve(mp_plan *plan, mp_error *err)
{
    int T = plan->T;
    if (T <= 0)
        return mp_fail(err, MP_EINPUT, "%s: horizon has no periods", plan->file);
    struct mp_arena *A = &plan->arena;
    size_t C = plan->nchannels;
    if (!plan->period_start && !(plan->period_start = mp_arena_array(A, (size_t)T + 1, sizeof(int32_t))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->phase && !(plan->phase = mp_arena_array(A, (size_t)T, sizeof *plan->phase)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->event_of && !(plan->event_of = mp_arena_array(A, (size_t)T, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->lift && !(plan->lift = mp_arena_array(A, C * (size_t)T + 1, sizeof(double))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->demand && !(plan->demand = mp_arena_array(A, C * (size_t)T + 1, sizeof(double))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->deferred && !(plan->deferred = mp_arena_array(A, C * (size_t)T + 1, sizeof(double))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->defer_event && !(plan->defer_event = mp_arena_array(A, (size_t)T, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->phase_days && !(plan->phase_days = mp_arena_array(A, (size_t)T * MP_PHASE_COUNT, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->ev_first && !(plan->ev_first = mp_arena_array(A, (size_t)T + 1, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    size_t E = plan->nevents;
    if (E && !plan->ev_days && !(plan->ev_days = mp_arena_array(A, (size_t)T * E * MP_PHASE_COUNT, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->ev_list && !(plan->ev_list = mp_arena_array(A, (size_t)T * E + 1, sizeof(int))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!plan->ob_first && (!(plan->ob_first = mp_arena_array(A, E + 1, sizeof(int))) ||
                            !(plan->ob_last = mp_arena_array(A, E + 1, sizeof(int)))))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c < C; c++) {
        struct mp_channel *ch = &plan->channels[c];
        if (!ch->active && !(ch->active = mp_arena_array(A, (size_t)T, 1)))
            return mp_fail(err, MP_ENOMEM, "out of memory");
        if (!ch->override && !(ch->override = mp_arena_array(A, (size_t)T, 1)))
            return mp_fail(err, MP_ENOMEM, "out of memory");
        if (!ch->scale) {
            if (!(ch->scale = mp_arena_array(A, (size_t)T, sizeof(double))))
                return mp_fail(err, MP_ENOMEM, "out of memory");
            for (int t = 0; t < T; t++)
                ch->scale[t] = 1;
        }
    }
    for (int t = 0; t <= T; t++) {
        switch (plan->unit) {
        case MP_UNIT_DAY: plan->period_start[t] = plan->start + t; break;
        case MP_UNIT_WEEK: plan->period_start[t] = plan->start + 7 * t; break;
        case MP_UNIT_MONTH: plan->period_start[t] = mp_date_add_months(plan->start, t); break;
        }
    }
    enum mp_status st = resolve_phases(plan, err);
    if (st != MP_OK)
        return st;
    for (size_t c = 0; c < C; c++)
        resolve_channel(plan, c);
    return MP_OK;
}

void mp_plan_free(mp_plan *plan)
{
    if (!plan)
        return;
    mp_arena_free(&plan->arena);
    free(plan);
}

mp_plan *mp_plan_new(void)
{
    return calloc(1, sizeof(mp_plan));
}

enum mp_status mp_plan_resolve_into(mp_plan *p, enum mp_status st, mp_plan **out, mp_error *err)
{
    if (st == MP_OK)
        st = mp_plan_resolve(p, err);
    if (st != MP_OK) {
        mp_plan_free(p);
        return st;
    }
    *out = p;
    return MP_OK;
}

/* Deep copy helpers: NULL in, NULL out; set *ok = 0 when memory runs out. */
static void *dup_mem(struct mp_arena *A, const void *p, size_t n, int *ok)
{
    if (!p)
        return NULL;
    void *q = mp_arena_alloc(A, n);
    if (!q) {
        *ok = 0;
        return NULL;
    }
    memcpy(q, p, n);
    return q;
}

static const char *dup_str(struct mp_arena *A, const char *s, int *ok)
{
    return s ? dup_mem(A, s, strlen(s) + 1, ok) : NULL;
}

static const char **dup_strs(struct mp_arena *A, const char **v, size_t n, int *ok)
{
    const char **w = dup_mem(A, v, n * sizeof *v, ok);
    for (size_t i = 0; w && i < n; i++)
        w[i] = dup_str(A, v[i], ok);
    return w;
}

mp_plan *mp_plan_clone(const mp_plan *src)
{
    mp_plan *p = mp_plan_new();
    if (!p)
        return NULL;
    *p = *src;
    p->arena = (struct mp_arena){0};
    struct mp_arena *A = &p->arena;
    int ok = 1;
    size_t T = (size_t)src->T, C = src->nchannels;
#define DUP(field, n) p->field = dup_mem(A, src->field, (n) * sizeof *src->field, &ok)
#define DUPS(field) p->field = dup_str(A, src->field, &ok)
    DUPS(file); DUPS(dir); DUPS(store); DUPS(currency); DUPS(platform); DUPS(locale);
    DUPS(segments_from); DUPS(segments_segmenter); DUPS(allocator);
    DUP(period_start, T + 1); DUP(baseline, T); DUP(baseline_orders, T); DUP(season, T);
    DUP(phase, T); DUP(event_of, T); DUP(lift, C * T + 1);
    DUP(demand, C * T + 1); DUP(deferred, C * T + 1); DUP(defer_event, T);
    DUP(phase_days, T * MP_PHASE_COUNT); DUP(ev_first, T + 1);
    DUP(ev_days, T * src->nevents * MP_PHASE_COUNT); DUP(ev_list, T * src->nevents + 1);
    DUP(ob_first, src->nevents + 1); DUP(ob_last, src->nevents + 1);
    DUP(fixed, src->nfixed);
    for (size_t i = 0; ok && i < src->nfixed; i++)
        p->fixed[i].name = dup_str(A, src->fixed[i].name, &ok);
    DUP(goals, src->ngoals);
    for (size_t i = 0; ok && i < src->ngoals; i++)
        p->goals[i].kpi = dup_str(A, src->goals[i].kpi, &ok);
    DUP(events, src->nevents);
    for (size_t i = 0; ok && i < src->nevents; i++) {
        p->events[i].name = dup_str(A, src->events[i].name, &ok);
        p->events[i].channels = dup_strs(A, src->events[i].channels, src->events[i].nchannels, &ok);
        p->events[i].full_lift = dup_strs(A, src->events[i].full_lift, src->events[i].nfull_lift, &ok);
        p->events[i].event_channels =
            dup_strs(A, src->events[i].event_channels, src->events[i].nevent_channels, &ok);
    }
    DUP(milestones, src->nmilestones);
    for (size_t i = 0; ok && i < src->nmilestones; i++) {
        p->milestones[i].name = dup_str(A, src->milestones[i].name, &ok);
        p->milestones[i].owner = dup_str(A, src->milestones[i].owner, &ok);
        p->milestones[i].note = dup_str(A, src->milestones[i].note, &ok);
    }
    DUP(channels, C);
    for (size_t c = 0; ok && c < C; c++) {
        struct mp_channel *d = &p->channels[c];
        const struct mp_channel *s = &src->channels[c];
        d->id = dup_str(A, s->id, &ok);
        d->name = dup_str(A, s->name, &ok);
        d->owner = dup_str(A, s->owner, &ok);
        d->changed_by = dup_str(A, s->changed_by, &ok);
        d->tag_key = dup_strs(A, s->tag_key, s->ntags, &ok);
        d->tag_val = dup_strs(A, s->tag_val, s->ntags, &ok);
        d->spend = dup_mem(A, s->spend, T * sizeof *s->spend, &ok);
        d->windows = dup_mem(A, s->windows, s->nwindows * sizeof *s->windows, &ok);
        d->override = dup_mem(A, s->override, T, &ok);
        d->active = dup_mem(A, s->active, T, &ok);
        d->scale = dup_mem(A, s->scale, T * sizeof *s->scale, &ok);
        d->draws = dup_mem(A, s->draws, s->ndraws * 4 * sizeof *s->draws, &ok);
    }
    DUP(experiments, src->nexperiments);
    for (size_t i = 0; ok && i < src->nexperiments; i++)
        p->experiments[i].channel = dup_str(A, src->experiments[i].channel, &ok);
    DUP(segments, src->nsegments);
    for (size_t i = 0; ok && i < src->nsegments; i++)
        p->segments[i].label = dup_str(A, src->segments[i].label, &ok);
    DUP(packs, src->npacks);
    for (size_t i = 0; ok && i < src->npacks; i++) {
        struct mp_pack_ref *d = &p->packs[i];
        d->path = dup_str(A, src->packs[i].path, &ok);
        d->dir = dup_str(A, src->packs[i].dir, &ok);
        d->params = dup_mem(A, src->packs[i].params, d->nparams * sizeof *d->params, &ok);
        for (size_t j = 0; ok && j < d->nparams; j++) {
            struct mp_param *q = &d->params[j];
            q->name = dup_str(A, q->name, &ok);
            q->str = dup_str(A, q->str, &ok);
            q->items = dup_mem(A, q->items, q->nitems * sizeof *q->items, &ok);
            for (size_t k = 0; ok && k < q->nitems; k++)
                q->items[k].str = dup_str(A, q->items[k].str, &ok);
        }
    }
    p->strategies = dup_strs(A, src->strategies, src->nstrategies, &ok);
    p->warnings = dup_strs(A, src->warnings, src->nwarnings, &ok);
    p->capwarnings = src->nwarnings;
#undef DUP
#undef DUPS
    if (!ok) {
        mp_plan_free(p);
        return NULL;
    }
    return p;
}

/* Channel queries (include/mplan/channel.h). */

double mp_channel_response(const mp_plan *plan, size_t c, int t, double a)
{
    double f;
    mp_curve_eval(&plan->channels[c].resp, a, &f, NULL, NULL);
    return plan->lift[MP_AT(plan, c, t)] * f;
}

double mp_channel_marginal(const mp_plan *plan, size_t c, int t, double a)
{
    double d;
    mp_curve_eval(&plan->channels[c].resp, a, NULL, &d, NULL);
    return plan->lift[MP_AT(plan, c, t)] * d;
}

double mp_channel_demand(const mp_plan *plan, size_t c, int t)
{
    return plan->demand[MP_AT(plan, c, t)];
}

/* As the forecast's backward pass (src/core/forecast.c): sum over u >= t of
 * W[c,u] f'(a[c,u]) theta^(u-t), where a later period with adstock 0 got nothing from x[t]. */
double mp_channel_marginal_carry(const mp_plan *plan, size_t c, const double *x, int t)
{
    const struct mp_channel *ch = &plan->channels[c];
    double a = ch->carryover, g = 0, w = 1;
    for (int u = 0; u < plan->T; u++) {
        a = x[u] + ch->theta * a;
        if (u < t)
            continue;
        if (u > t && (w *= ch->theta) == 0)
            break;
        double d, L = plan->lift[MP_AT(plan, c, u)];
        mp_curve_eval(&ch->resp, a, NULL, &d, NULL);
        if (u == t)
            g = L != 0 ? L * d : 0;
        else if (a > 0 && L != 0)
            g += w * L * d;
    }
    return g;
}

int mp_channel_active(const mp_plan *plan, size_t c, int t)
{
    return plan->channels[c].active ? plan->channels[c].active[t] : 1;
}

long mp_channel_find(const mp_plan *plan, const char *id)
{
    for (size_t c = 0; c < plan->nchannels; c++)
        if (strcmp(plan->channels[c].id, id) == 0)
            return (long)c;
    return -1;
}

long mp_channel_lookup(const mp_plan *plan, const char *text)
{
    long c = mp_channel_find(plan, text), named = -1;
    for (size_t k = 0; c < 0 && k < plan->nchannels; k++)
        if (plan->channels[k].name && strcmp(plan->channels[k].name, text) == 0) {
            if (named >= 0)
                return -1; /* two channels of that name: it names neither */
            named = (long)k;
        }
    return c >= 0 ? c : named;
}
