/* The plan model as the core, the loaders, the Lua bindings and the writers share it.
 * Public headers (include/mplan/) keep these structs opaque; inside mplan every layer
 * reads them directly. Everything a plan points to lives in its arena and dies with it. */
#ifndef MPLAN_MODEL_H
#define MPLAN_MODEL_H

#include "core/numfmt.h"
#include <stddef.h>
#include <stdint.h>

#include "mplan/status.h"
#include "mplan/plan.h"
#include "core/arena.h"

/* Ranges of a plan's numbers (docs/formats-changes.md "Ranges of plan numbers"): far beyond
 * any store, and narrow enough that every product the model forms (beta x season x lift x
 * warmup lift, over 1,000 channels and 3,660 periods, and (spend / k)^s) stays a finite
 * double. The loader and `whatif --set` check the same ranges. */
#define MP_MAX_MONEY 1e15 /* budgets, spends, bounds, beta, aov, GMV, sizes, goal targets */
#define MP_MAX_FACTOR 1e3 /* season, event lift and warmup_lift */
#define MP_MIN_K 1e-6     /* response k, a spend scale: at least a millionth of a unit */
#define MP_MAX_S 10       /* hill shape s */
#define MP_MAX_ROAS 1e6   /* linear roas, objective target_roas */

enum mp_unit { MP_UNIT_DAY, MP_UNIT_WEEK, MP_UNIT_MONTH };

/* Order matters: it is the order of the phases in time. */
enum mp_phase {
    MP_PHASE_NORMAL,
    MP_PHASE_PREPARATION,
    MP_PHASE_STORAGE,
    MP_PHASE_WARMUP,
    MP_PHASE_OUTBREAK,
    MP_PHASE_REVIEW,
    MP_PHASE_COUNT
};

enum mp_kind { MP_KIND_BASIC, MP_KIND_PAID, MP_KIND_EVENT, MP_KIND_SELF, MP_KIND_COUNT };
enum mp_stage { MP_STAGE_NONE, MP_STAGE_AWARENESS, MP_STAGE_INTEREST, MP_STAGE_PURCHASE, MP_STAGE_LOYALTY };
enum mp_purpose { MP_PURPOSE_NONE, MP_PURPOSE_EXPOSURE, MP_PURPOSE_CONVERSION, MP_PURPOSE_BRAND, MP_PURPOSE_RETENTION };
enum mp_curve { MP_CURVE_NONE, MP_CURVE_HILL, MP_CURVE_EXP, MP_CURVE_LINEAR };

/* How a channel's spend is decided. */
enum mp_mode {
    MP_MODE_OPTIMISED,   /* the allocator decides x[c,t] */
    MP_MODE_FIXED_SPEND, /* `spend:` given per period: forecast, not optimised */
    MP_MODE_FIXED_COST   /* `cost: {fixed: N}`: spend N per period, no response */
};

enum mp_objective { MP_OBJ_GMV, MP_OBJ_PROFIT, MP_OBJ_TARGET_ROAS, MP_OBJ_GOAL_GMV };

/* A position in a source file, for messages. line 0 means unknown. */
struct mp_loc {
    int line, col;
};

struct mp_response {
    enum mp_curve curve;
    double beta, k, s; /* hill: beta, k, s; exp: beta, k */
    double roas;       /* linear */
};

struct mp_funnel {
    double aov, cvr, ctr, new_share; /* 0 when the plan gives none */
};

struct mp_channel {
    const char *id, *name, *owner; /* name defaults to id; owner may be NULL */
    enum mp_kind kind;
    enum mp_stage stage;
    enum mp_mode mode;
    struct mp_response resp;
    struct mp_funnel funnel;
    int has_funnel;
    double theta;      /* carry-over, 0 <= theta < 1 */
    double carryover;  /* a[c,0] */
    double min, max;   /* total over the horizon: 0 and INFINITY when absent */
    double cap;        /* per period: INFINITY when absent */
    double fixed_cost; /* per period, MP_MODE_FIXED_COST */
    double *spend;     /* [T], MP_MODE_FIXED_SPEND, else NULL */
    unsigned phases;   /* `active:` phases as a bit set (1u << phase) */
    int32_t (*windows)[2]; /* `active:` date windows [from, to] as day numbers */
    size_t nwindows;   /* no phases and no windows: active in every period */
    signed char *override; /* [T] set by strategies: 1 on, -1 off, 0 as the plan says */
    unsigned char *active; /* [T] derived: 1 where x[c,t] may be > 0 */
    double *scale;     /* [T]: lift factors set by strategies (scale_lift), default 1 */
    /* `defer:` overrides of the events' storage and warm-up shares, where bit (1u << phase)
     * of defer_set is set; elsewhere the event's share holds. */
    double defer[MP_PHASE_COUNT];
    unsigned defer_set;
    /* `tags:` free-form labels for rule packs: tag_val[i] NULL for a bare name (a list item). */
    const char **tag_key, **tag_val;
    size_t ntags;
    /* `draws:` (written by mplan fit --bootstrap): ndraws joint draws of the curve, draw d at
     * draws[d*4 + MP_FIT_*] (beta or roas, k, s, theta; NAN where the curve has none). The
     * same number in every channel that has them; draw d of each channel is one refit. */
    double *draws;
    size_t ndraws;
    struct mp_loc draws_loc;
    const char *changed_by; /* PACK.NAME of the strategy that last changed its bounds, activity
                             * or lifts, named in messages about them; NULL: none did */
    struct mp_loc loc;
};

struct mp_event {
    const char *name;
    int32_t outbreak_from, outbreak_to; /* day numbers (days since 1970-01-01), inclusive */
    /* Lengths of preparation, storage, warmup and review as given: n units of 'd', 'w', 'm'. */
    int len[MP_PHASE_COUNT];
    char len_unit[MP_PHASE_COUNT];
    /* Derived: phase windows worked back from the outbreak, as day numbers [from, to];
     * from > to when the phase has no length. */
    int32_t from[MP_PHASE_COUNT], to[MP_PHASE_COUNT];
    double lift, spillover, warmup_lift;
    /* `full_lift:` ids that take the full lift (the others get `spillover` of it); with
     * full_all set (the default, or `full_lift: all`) every channel takes it. */
    const char **full_lift;
    size_t nfull_lift;
    int full_all;
    /* `event_channels:` the kind: event channels tied to this event. */
    const char **event_channels;
    size_t nevent_channels;
    /* `channels:` (before full_lift/event_channels) did both jobs; the loader copies it into
     * both lists and keeps it here only so the plan writer can write it back as given. */
    const char **channels;
    size_t nchannels;
    /* `defer:` share of the response of spend in storage and warm-up that converts at the
     * outbreak instead (docs/model-notes.md, "Storage"); indexed by phase, others 0. */
    double defer[MP_PHASE_COUNT];
    struct mp_loc loc;
};

/* `experiments:` a lift test's measured incremental GMV (or ROAS) of a channel in a window,
 * with its interval; `mplan fit` calibrates with it (docs/fit.md "Experiments"). */
struct mp_experiment {
    const char *channel;
    int32_t from, to;       /* day numbers, inclusive */
    int roas;               /* value, lo, hi are an incremental ROAS (else GMV) */
    double value, lo, hi, level;
    struct mp_loc loc;
};

struct mp_fixed_line {
    const char *name;
    double amount;     /* spread evenly over the horizon */
    double per_period; /* or this much each period */
};

/* `milestones:` a moment the team must not miss (pre-sale opens 2027-10-24 20:00), written
 * by `mplan calendar` as an entry of its own. */
struct mp_milestone {
    const char *name;
    const char *owner, *note; /* may be NULL */
    int32_t day;              /* day number */
    int minute;               /* minutes after midnight, local time; -1: all day */
    struct mp_loc loc;
};

struct mp_goal {
    const char *kpi; /* a KPI of docs/model.md 6, or PACK.NAME for a custom KPI */
    double target;
    struct mp_loc loc;
};

enum mp_param_type { MP_PARAM_NUMBER, MP_PARAM_STRING, MP_PARAM_BOOL, MP_PARAM_LIST };

struct mp_param {
    const char *name;
    enum mp_param_type type;
    double num;
    const char *str;
    int boolean;
    struct mp_param *items; /* MP_PARAM_LIST: numbers, strings or booleans (no name) */
    size_t nitems;
    struct mp_loc loc;
};

/* Where a plan's pack was found (src/io/pack_path.c, docs/packs.md). */
enum mp_pack_found {
    MP_PACK_AT_PATH,   /* path relative to the plan's directory, or absolute */
    MP_PACK_INSTALLED, /* a bare name, found on the rules path */
    MP_PACK_NOT_FOUND, /* a bare name, no directory beside the plan nor on the rules path */
    MP_PACK_STORE      /* `{name:, version:}`: a version installed in the pack store */
};

struct mp_pack_ref {
    const char *path; /* as written in the plan, relative to the plan's directory */
    const char *dir;  /* the pack's directory, as found (`path` joined to the plan's) */
    enum mp_pack_found found;
    /* MP_PACK_STORE: the name and range as the plan gives them (path is "NAME@RANGE", the
     * key of its lock entry) and the installed version found */
    const char *name, *range, *version;
    struct mp_param *params;
    size_t nparams;
    struct mp_loc loc;
};

struct mp_segment_size {
    const char *label;
    double size;
};

/* Sandbox limits for rule scripts; 0 means "use the default". */
struct mp_limits {
    double max_steps;
    double max_mem;
    double timeout;
};

struct mp_plan {
    struct mp_arena arena;
    const char *file; /* path as given, for messages */
    const char *dir;  /* directory of the plan file, for pack paths */

    const char *store, *currency, *platform;
    const char *locale;   /* store.locale, e.g. zh-CN; NULL: none */
    enum mp_units units;  /* how tables show large amounts: from the locale, or --units */
    enum mp_purpose purpose;

    int32_t start;     /* day number of period 1 */
    int T;             /* number of periods */
    enum mp_unit unit;
    int32_t *period_start; /* [T+1] day numbers; [T] is the day after the horizon */
    /* `spent:` (informational, written by mplan review): periods and money spent before
     * horizon.start; periods 0 when absent. */
    struct mp_spent {
        int periods;
        int32_t from, to; /* day numbers, inclusive */
        double spend, gmv;
    } spent;

    double budget_total, reserve;
    struct mp_fixed_line *fixed;
    size_t nfixed;

    double margin;     /* NAN when absent */
    double *baseline;  /* [T] organic GMV per period */
    double *baseline_orders; /* [T] orders of that GMV (`baseline: {orders:}`), NULL when not given */
    double *season;    /* [T] */

    enum mp_objective objective;
    double objective_value; /* target ROAS, or goal GMV */

    struct mp_goal *goals;
    size_t ngoals;

    struct mp_event *events;
    size_t nevents;

    struct mp_milestone *milestones;
    size_t nmilestones;

    struct mp_channel *channels;
    size_t nchannels;

    struct mp_experiment *experiments;
    size_t nexperiments;

    struct mp_segment_size *segments;
    size_t nsegments;
    const char *segments_from, *segments_segmenter;
    int segments_skip_bad; /* segments.skip_bad: skip bad rows of segments.from, as --skip-bad */

    struct mp_pack_ref *packs;
    size_t npacks;
    const char *allocator;   /* "equalize" or PACK.NAME */
    const char **strategies; /* PACK.NAME each */
    size_t nstrategies;

    struct mp_limits limits;

    /* Derived by mp_plan_resolve: */
    enum mp_phase *phase; /* [T] the phase with most days in the period (outbreak wins a tie) */
    int *event_of;        /* [T] index into events, -1 for none */
    int *phase_days;      /* [T*MP_PHASE_COUNT] days of each phase in the period */
    /* [T*nevents*MP_PHASE_COUNT] days of each event's phases in the period (NULL: no events) */
    int *ev_days;
    /* [C*T] the demand multiplier season[t] * m[c,t] * scale[c][t], m weighted by the days of
     * each phase in the period (model-notes "Events and periods") */
    double *demand;
    /* [C*T] the part of lift that converts at an outbreak (storage deferral), 0 elsewhere */
    double *deferred;
    int *defer_event;     /* [T] the event the period's deferred response goes to, -1 for none */
    /* [T+1] and [..]: the events with days in period t are ev_list[ev_first[t] .. ev_first[t+1]) */
    int *ev_first, *ev_list;
    int *ob_first, *ob_last; /* [nevents] first and last period with outbreak days, -1 for none */
    /* [C*T] the weight of f(a[c,t]) in total GMV: demand, less the deferred share of it, plus
     * that share at the outbreak's demand. What the allocators and the forecast use. */
    double *lift;

    /* Warnings gathered while loading and resolving, in order. */
    const char **warnings;
    size_t nwarnings, capwarnings;
};

/* An empty plan (calloc'd, its arena empty) for loaders to fill; free with mp_plan_free. */
mp_plan *mp_plan_new(void);

/* The last step of making a plan out of a changed mp_plan_clone (fit's plan on the history's
 * calendar, review's plan of the periods left), so that both settle it alike: with st, the
 * status of the changes, MP_OK, resolve p and hand it to *out; on any failure free p and
 * return the status (err says why). */
enum mp_status mp_plan_resolve_into(mp_plan *p, enum mp_status st, mp_plan **out, mp_error *err);

#define MP_AT(plan, c, t) ((size_t)(c) * (size_t)(plan)->T + (size_t)(t))

/* Names as they appear in plan files and output. */
const char *mp_phase_name(enum mp_phase phase);
const char *mp_kind_name(enum mp_kind kind);
const char *mp_stage_name(enum mp_stage stage);
const char *mp_purpose_name(enum mp_purpose purpose);
const char *mp_curve_name(enum mp_curve curve);

/* "file:line:col" of a place in the plan file (just "file" when loc is unknown), in buf. */
const char *mp_plan_where(const struct mp_plan *plan, struct mp_loc loc, char *buf, size_t n);

/* The share of the response of spend in `phase` (storage, warm-up) of event e that channel ch
 * defers to the outbreak: the channel's `defer:` where it gives one, else the event's. */
double mp_event_defer(const struct mp_event *e, const struct mp_channel *ch, enum mp_phase phase);

/* Add a warning (formatted into the plan's arena). */
enum mp_status mp_plan_warn(struct mp_plan *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
