/* History files of `mplan fit` (docs/fit.md "History"). */
#ifndef MPLAN_IO_HISTORY_H
#define MPLAN_IO_HISTORY_H

#include "core/fit_history.h"

/* Read a history, long (a channel column) or wide (period,gmv,<channel>...). Missing or
 * duplicate periods, negative or non-numeric cells, an empty file: MP_EINPUT at
 * file:line[:col]. Free with mp_history_free (also after a failure). */
enum mp_status mp_history_load(const char *path, struct mp_history *h, mp_error *err);
/* The same from the open descriptor `fd`, named `name` in messages (and h->file): a history
 * a pack's fit_transform hook wrote. */
enum mp_status mp_history_load_fd(int fd, const char *name, struct mp_history *h, mp_error *err);
/* --total-gmv: period,gmv for the same periods; the history becomes a store-total one. */
enum mp_status mp_history_total_load(const char *path, struct mp_history *h, mp_error *err);
/* --events: event,from,to (the outbreak's days). Free with mp_hist_events_free. */
enum mp_status mp_hist_events_load(const char *path, const struct mp_history *h, struct mp_hist_event **out,
                                   size_t *nout, mp_error *err);
void mp_hist_events_free(struct mp_hist_event *ev, size_t n);
/* --experiments: channel,from,to,gmv|roas,lo,hi[,level] (periods by number or first day;
 * a ROAS times the channel's spend in the window). The caller frees *out. */
enum mp_status mp_fit_experiments_load(const char *path, const struct mp_history *h, mp_fit_experiment **out,
                                       size_t *nout, mp_error *err);

#endif
