/* Reading a bundle or an index from a file or over HTTP(S) (libcurl), bounded in size and
 * time: a server cannot make mplan hold more than `max` bytes or wait forever. */
#ifndef MPLAN_IO_FETCH_H
#define MPLAN_IO_FETCH_H

#include <stddef.h>

#include "mplan/status.h"

/* Is `s` an http:// or https:// URL? */
int mp_is_url(const char *s);

/* The bytes at `where` (an http(s) URL, a file:// URL or a path), at most `max`. On
 * success the caller owns *buf (free; NUL-terminated after *len bytes). MP_EIO when it
 * cannot be fetched (the message names the URL and the HTTP status or the reason),
 * MP_EINPUT when it is larger than max. */
enum mp_status mp_fetch(const char *where, size_t max, char **buf, size_t *len, mp_error *err);

#endif
