#include "mplan/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *mp_strerror(enum mp_status status)
{
    switch (status) {
    case MP_OK: return "ok";
    case MP_ECHECK: return "a goal or check failed";
    case MP_EUSAGE: return "usage error";
    case MP_EINPUT: return "bad input";
    case MP_ESCRIPT: return "rule script failed";
    case MP_EIO: return "I/O error";
    case MP_ENOMEM: return "out of memory";
    case MP_EINFEASIBLE: return "constraints admit no allocation";
    case MP_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

int mp_exit_code(enum mp_status status)
{
    switch (status) {
    case MP_OK: return 0;
    case MP_ECHECK: return 1;
    case MP_EUSAGE: return 2;
    case MP_EINPUT:
    case MP_EINFEASIBLE: return 3;
    case MP_ESCRIPT: return 4;
    case MP_EIO:
    case MP_ENOMEM: return 5;
    case MP_EINTERNAL: return 70;
    }
    return 70;
}

enum mp_status mp_fail(mp_error *err, enum mp_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}
