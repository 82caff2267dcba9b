/* Comparing two plans or two runs (`mplan diff`): spend, GMV, new customers and ROAS in total,
 * by channel and by period, and the goals, with absolute and relative differences. Each side
 * is plain data, filled from a run or from a run's saved JSON (src/io/diff_io.c). */
#ifndef MPLAN_DIFF_H
#define MPLAN_DIFF_H

#include <stddef.h>

#include "mplan/export.h"
#include "mplan/status.h"

/* The values compared in every scope. ROAS is as the run reports it for that scope. */
enum mp_diff_value { MP_DIFF_SPEND, MP_DIFF_GMV, MP_DIFF_NEW_CUSTOMERS, MP_DIFF_ROAS, MP_DIFF_NVALUES };

/* The value's name in output ("spend", "gmv", "new_customers", "roas"). */
MP_API const char *mp_diff_value_name(enum mp_diff_value v);

/* A channel (key: its id; name) or a period (key: its start date YYYY-MM-DD; t from 1). */
typedef struct mp_diff_item {
    char *key, *name;
    int t;
    double v[MP_DIFF_NVALUES]; /* NAN where absent */
} mp_diff_item;

typedef struct mp_diff_goal {
    char *kpi;
    double target, forecast; /* forecast NAN when absent */
    int met;
} mp_diff_goal;

/* One side: what a run forecast. Strings and arrays are owned by the side. */
typedef struct mp_diff_side {
    char *source;            /* the file it came from, for headers */
    char *store, *currency;  /* may be NULL */
    int spent_periods;       /* a revised plan: the periods spent before its first (0: none or unknown) */
    double total[MP_DIFF_NVALUES];
    size_t nchannels, nperiods, ngoals;
    mp_diff_item *channel, *period;
    mp_diff_goal *goal;
} mp_diff_side;

/* Free what a side owns (not the struct itself) and zero it. */
MP_API void mp_diff_side_clear(mp_diff_side *s);

enum mp_diff_presence { MP_DIFF_BOTH, MP_DIFF_ONLY_A, MP_DIFF_ONLY_B };

/* How periods are paired: by start date (the same weeks of a plan and its revision), by
 * position (week 1 with week 1: this quarter against the last), or AUTO: by date when the
 * two sides share a period start, else by position. */
enum mp_diff_align { MP_DIFF_ALIGN_AUTO, MP_DIFF_ALIGN_DATE, MP_DIFF_ALIGN_POSITION };

/* One compared scope: b - a and b / a - 1 (NAN when a is 0 or either is absent). */
typedef struct mp_diff_row {
    enum mp_diff_presence presence;
    const mp_diff_item *a, *b; /* NULL on the side it is missing from */
    double change[MP_DIFF_NVALUES], change_pct[MP_DIFF_NVALUES];
} mp_diff_row;

typedef struct mp_diff_goal_row {
    enum mp_diff_presence presence;
    const mp_diff_goal *a, *b;
    double target_change, forecast_change, forecast_change_pct;
} mp_diff_goal_row;

typedef struct mp_diff {
    const mp_diff_side *a, *b;
    enum mp_diff_align align;  /* as used: DATE or POSITION */
    double change[MP_DIFF_NVALUES], change_pct[MP_DIFF_NVALUES]; /* of the totals */
    size_t nchannels, nperiods, ngoals;
    mp_diff_row *channel;      /* A's channels in order, then those only B has */
    mp_diff_row *period;       /* by date: in date order; by position: t = 1, 2, ... */
    mp_diff_goal_row *goal;    /* A's goals in order, then those only B has */
} mp_diff;

/* Compare b with a. The result points into both sides (keep them alive). The caller owns
 * *out: free with mp_diff_free. */
MP_API enum mp_status mp_diff_run(const mp_diff_side *a, const mp_diff_side *b, enum mp_diff_align align,
                                  mp_diff **out, mp_error *err);
MP_API void mp_diff_free(mp_diff *d);

#endif
