/* The plan as one self-contained HTML page (inline SVG, inline CSS, no scripts, nothing
 * fetched): readable on a phone, printable. */
#ifndef MPLAN_IO_REPORT_HTML_H
#define MPLAN_IO_REPORT_HTML_H

#include <stdio.h>

#include "mplan/alloc.h"
#include "mplan/kpi.h"
#include "mplan/review.h"

struct mp_ab_view;
struct mp_history;
struct mp_review_view;

struct mp_report {
    const mp_plan *plan; /* as planned (strategies applied) */
    const mp_alloc *alloc;
    const mp_forecast *fc;
    const mp_goal_result *goals;
    size_t ngoals;
    double allocatable;
    const mp_review *rv; /* plan vs actual, or NULL */
    const char *actuals_path;
    const mp_equalize_info *eq; /* what equalize reported; NULL for another allocator */
    const struct mp_ab_view *abtest; /* an A/B test read out (--abtest), or NULL */
    /* with actuals and periods left: the re-allocation and what to do (section "actions") */
    const struct mp_review_view *review;
    /* --history: its periods drawn on each channel's curve (per-channel GMV only), or NULL;
     * history_channel[c] is the plan's index of history channel c (mp_history_match) */
    const struct mp_history *history;
    const char *history_path;
    const int *history_channel;
};

/* Sections (each an element id): summary, goals, allocation (stacked spend by channel over
 * periods, phases shaded), curves (one response curve per channel with the chosen spend and
 * its mROAS, the history's periods as circles when given), funnel (impressions -> clicks -> orders, AIPL sizes when known), kpis,
 * experiments when the plan lists `experiments:` or --abtest is given (each lift test beside
 * the plan's forecast in its window; the A/B test's read-out), with actuals variance, and,
 * when periods are left, actions (changes vs plan, goals at risk, the revised allocation). */
enum mp_status mp_report_write_html(FILE *fp, const struct mp_report *r, mp_error *err);

#endif
