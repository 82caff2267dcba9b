/* mplan status codes: stable numbers, never renumbered (like SQLite's result codes). */
#ifndef MPLAN_STATUS_H
#define MPLAN_STATUS_H

#include <stddef.h>

#include "mplan/export.h"

enum mp_status {
    MP_OK = 0,
    MP_ECHECK = 1,      /* the job ran but a goal or check failed */
    MP_EUSAGE = 2,      /* bad command line */
    MP_EINPUT = 3,      /* bad plan, CSV or pack manifest */
    MP_ESCRIPT = 4,     /* a rule script failed: error, limit hit, invalid result */
    MP_EIO = 5,         /* reading or writing a file failed */
    MP_ENOMEM = 6,      /* out of memory */
    MP_EINFEASIBLE = 7, /* the constraints admit no allocation */
    MP_EINTERNAL = 8    /* a bug in mplan */
};

#define MP_ERRMSG_MAX 1024

/* Where and what went wrong: `msg` names file:line:col (or pack and hook) first. */
typedef struct mp_error {
    enum mp_status status;
    char msg[MP_ERRMSG_MAX];
} mp_error;

/* A short constant description of a status, e.g. "bad input". */
MP_API const char *mp_strerror(enum mp_status status);

/* The process exit code documented in docs/mplan.1 for a status. */
MP_API int mp_exit_code(enum mp_status status);

/* Record a failure in `err` (may be NULL) and return `status`. */
MP_API enum mp_status mp_fail(mp_error *err, enum mp_status status, const char *fmt, ...)
           __attribute__((format(printf, 3, 4)));

/* Return from the calling function when `expr` yields a status other than MP_OK. */
#define MP_TRY(expr)                                                                       \
    do {                                                                                   \
        enum mp_status mp_try_st_ = (expr);                                                \
        if (mp_try_st_ != MP_OK)                                                           \
            return mp_try_st_;                                                             \
    } while (0)

#endif
