/* The plan's work arrangement as an iCalendar file (RFC 5545): event phases, each channel's
 * active windows with its owner as attendee, and the deadlines every campaign has. */
#ifndef MPLAN_IO_CALENDAR_ICS_H
#define MPLAN_IO_CALENDAR_ICS_H

#include <stdio.h>
#include <time.h>

#include "mplan/alloc.h"
#include "mplan/plan.h"

/* Write the calendar. `alloc` (may be NULL) adds the planned spend to each channel window;
 * `stamp` is the DTSTAMP of every entry (the time the calendar was made). */
enum mp_status mp_calendar_write_ics(FILE *fp, const mp_plan *plan, const mp_alloc *alloc, time_t stamp,
                                     mp_error *err);

#endif
