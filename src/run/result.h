/* A run as the io writers take it (io/run_out.h), for the commands that write a run inside
 * another report (review's remaining plan, the HTML report). */
#ifndef MPLAN_RUN_RESULT_H
#define MPLAN_RUN_RESULT_H

#include "io/run_out.h"
#include "mplan/run.h"

/* Fill *out with pointers into `run` (valid while it lives). */
void mp_run_result_of(const mp_run *run, struct mp_run_result *out);

#endif
