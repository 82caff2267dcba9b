/* Reading A/B test results (docs/abtest.md): one row per variant
 * (variant,visitors,conversions[,revenue,revenue_sq][,X[,X_sq]...]) or one row per visitor or
 * order (variant,converted[,revenue][,X...]), streamed through the one CSV reader in constant
 * memory. Every bad row is refused at file:line; nothing is dropped. */
#ifndef MPLAN_IO_ABTEST_IO_H
#define MPLAN_IO_ABTEST_IO_H

#include <stddef.h>
#include <stdint.h>

#include "io/csv.h"
#include "mplan/abtest.h"
#include "mplan/status.h"

/* A metric computed per visitor row by the caller (a pack's `metrics:` hook). `fn` sees the
 * file (its header names the record's fields) and the record, and returns the value; a
 * failure stops the read with its message prefixed by file:line. */
struct mp_ab_row_metric {
    const char *name;
    enum mp_status (*fn)(void *ctx, const mp_csv *csv, const struct mp_csv_record *rec, double *value,
                         mp_error *err);
    void *ctx;
};

struct mp_ab_read_opts {
    size_t nboot;   /* bootstrap replicates of one mean per visitor (per-visitor rows); 0: none */
    const char *boot_metric; /* the metric bootstrapped: NULL, "revenue" (when there is one) */
    uint64_t seed;  /* of the bootstrap */
    const struct mp_ab_row_metric *row_metrics;
    size_t nrow_metrics;
    const char *const *lower_is_worse; /* guardrail columns whose drop is the bad way */
    size_t nlower;
    size_t max_field; /* 0: the CSV reader's default */
};

/* What was read: the arms in file order and the metrics, conversion first, then revenue
 * (when given), then the caller's row metrics, then every further numeric column (the
 * guardrails). */
struct mp_ab_data {
    int per_visitor;         /* 1: one row per visitor */
    size_t narms;
    char **arms;             /* [narms] */
    uint64_t *arm_line;      /* [narms] the line each arm was first seen on */
    size_t nmetrics;
    mp_ab_metric_in *metrics; /* [nmetrics], cells [narms] each */
    uint64_t rows;
    char *name;              /* the file's name in messages */
    char **ignored;          /* text columns, not analysed */
    size_t nignored;
    /* private */
    mp_ab_cell *cells;
    char **names;
    mp_ab_acc *acc;
};

/* Read `path` ("-": standard input). On success the caller owns *out (mp_ab_data_free). */
enum mp_status mp_ab_read(const char *path, const struct mp_ab_read_opts *opts, struct mp_ab_data **out,
                          mp_error *err);
void mp_ab_data_free(struct mp_ab_data *d);
/* The index of metric `name` ("conversion", "revenue", a column or a row metric), or -1. */
long mp_ab_data_metric(const struct mp_ab_data *d, const char *name);
/* The columns not analysed because they hold text (ids, dates). */
const char **mp_ab_data_ignored(const struct mp_ab_data *d, size_t *n);
/* The index of arm `name`, or -1. */
long mp_ab_data_arm(const struct mp_ab_data *d, const char *name);

#endif
