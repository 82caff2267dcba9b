/* Escaped text written to a stream (the escaping itself is core/escape.h). */
#ifndef MPLAN_IO_ESC_H
#define MPLAN_IO_ESC_H

#include <stdio.h>

#include "core/escape.h"

/* Write `s` escaped; 0 on success, EOF on a write error. */
int mp_esc_fputs(const char *s, enum mp_esc_mode mode, FILE *fp);

#endif
