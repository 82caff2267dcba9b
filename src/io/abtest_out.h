/* Writers for `mplan abtest analyze` (table, CSV, JSON) and `mplan abtest design`, and the
 * verdict line the report shows too. */
#ifndef MPLAN_IO_ABTEST_OUT_H
#define MPLAN_IO_ABTEST_OUT_H

#include <stdio.h>

#include "mplan/abtest.h"
#include "mplan/status.h"

struct mp_ab_view {
    const char *input;              /* the file, for the title */
    int per_visitor;                /* the shape read */
    uint64_t rows;
    size_t narms, control;
    const char *const *arms;        /* [narms] */
    size_t nmetrics;
    const mp_ab_metric_in *metrics; /* [nmetrics], the primary first (as analysed) */
    const mp_ab_result *res;
    mp_ab_opts opts;                /* as analysed: alpha, prior, split, sequential, horizon */
    const char *const *ignored;     /* text columns not analysed */
    size_t nignored;
};

/* The verdict in plain words, into buf ("B beats A on conversion: +9.1% (95% CI ...)"). */
const char *mp_ab_verdict(const struct mp_ab_view *v, char *buf, size_t n);

enum mp_status mp_ab_write_table(FILE *fp, const struct mp_ab_view *v, mp_error *err);
/* One row per metric and variant. */
enum mp_status mp_ab_write_csv(FILE *fp, const struct mp_ab_view *v, mp_error *err);
enum mp_status mp_ab_write_json(FILE *fp, const struct mp_ab_view *v, mp_error *err);


/* The result of `abtest design` (mp_ab_design_solve). */
enum mp_status mp_ab_design_write_table(FILE *fp, const mp_ab_design *d, mp_error *err);
enum mp_status mp_ab_design_write_csv(FILE *fp, const mp_ab_design *d, mp_error *err);
enum mp_status mp_ab_design_write_json(FILE *fp, const mp_ab_design *d, mp_error *err);
/* Visitors per arm against MDE as a small SVG chart. */
enum mp_status mp_ab_design_write_svg(FILE *fp, const mp_ab_design *d, mp_error *err);

#endif
