/* The segment runner's side of a plan run. */
#ifndef MPLAN_RUN_SEGMENT_PLAN_H
#define MPLAN_RUN_SEGMENT_PLAN_H

#include "mplan/segment.h"

/* mp_segment_plan keeping the summary: on success *summary (when the plan has `segments:
 * {from:}`; else NULL) is the caller's, to free with mp_seg_free. */
enum mp_status mp_segment_plan_keep(mp_plan *plan, int jobs, const mp_host_limits *limits,
                                    mp_seg_summary **summary, mp_error *err);

#endif
