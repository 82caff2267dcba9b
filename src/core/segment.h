/* Segment summaries (docs/model.md 8): per label, the count and the sum and mean of every numeric
 * column, summed exactly so that any split of the rows merges to the same numbers; and the
 * label-to-label flow between two snapshots. Pure computation: no Lua, no I/O. */
#ifndef MPLAN_CORE_SEGMENT_H
#define MPLAN_CORE_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "mplan/segment.h"
#include "mplan/status.h"

/* ---- exact sums ----
 * A superaccumulator: a fixed-point number wide enough for any double (bit 0 is 2^-1074),
 * kept as signed 32-bit digits in 64-bit limbs so an add never carries. The sum of any
 * doubles in any order is therefore the same exact number; it is rounded to a double once,
 * correctly (to nearest, ties to even). */
#define MP_XSUM_LIMBS 68

struct mp_xsum {
    int64_t limb[MP_XSUM_LIMBS];
    uint32_t adds; /* since the last carry propagation */
};

void mp_xsum_add(struct mp_xsum *x, double v);
void mp_xsum_add_xsum(struct mp_xsum *x, const struct mp_xsum *y);
/* The exact sum rounded to the nearest double (+-inf past DBL_MAX). */
double mp_xsum_round(const struct mp_xsum *x);
/* Doubles whose exact sum is x, largest first, no two overlapping: how a partial summary
 * writes an exact sum as text. Returns how many (at most n; 40 always suffice), or 0 for 0;
 * -1 when the sum is beyond DBL_MAX. */
int mp_xsum_parts(const struct mp_xsum *x, double *parts, int n);

/* A sum beyond DBL_MAX has no parts; it is written as low + high * 2^(32 * MP_XSUM_SPLIT),
 * both of which have parts (high is below 2^600, low below 2^-500). */
#define MP_XSUM_SPLIT 16
void mp_xsum_split(const struct mp_xsum *x, struct mp_xsum *low, struct mp_xsum *high);
/* x += v * 2^(32 * MP_XSUM_SPLIT), exactly: 0, or -1 when that is beyond any sum x holds. */
int mp_xsum_add_scaled(struct mp_xsum *x, double v);

/* ---- one snapshot's summary ---- */

#define MP_SEG_MAX_LABELS 1000

/* What one column adds up to within one label. */
struct mp_seg_acc {
    int64_t isum;      /* integer values, as long as they fit */
    uint64_t n;        /* numeric values */
    uint64_t text;     /* non-empty values that are not numbers */
    struct mp_xsum *x; /* reals (and integer overflow); NULL until needed */
};

struct mp_seg_label {
    char *name;
    size_t len;
    uint64_t count;
    struct mp_seg_acc *acc; /* [ncols] */
};

typedef struct mp_seg_summary {
    char *rule;      /* PACK.NAME of the segmenter, NULL when unknown */
    size_t ncols;
    char **cols;
    long key;        /* the id column: never summed; -1 for none */
    struct mp_seg_label *labels;
    size_t nlabels, caplabels;
    uint64_t bad;    /* rows skipped as bad */
    unsigned char *hidden; /* [ncols] left out of the summary's output (mp_seg_select); NULL: none */
} mp_seg_summary;

/* Show only these numeric columns in the summary's output (`segment --columns`); the sums of
 * the others are kept (partial summaries and merges carry every column). -1 when every name
 * is a numeric column, else the index in names[] of the first that is not (or -2 when out of
 * memory). */
long mp_seg_select(mp_seg_summary *s, const char *const *names, size_t n);
/* 1 when column c is numeric and not hidden: what the table, CSV and JSON writers show. */
int mp_seg_shown(const mp_seg_summary *s, size_t c);

/* A summary for these columns, the `key` one (or -1) left out of the sums. The caller owns
 * it: free with mp_seg_free. NULL when out of memory. The accessors, mp_seg_sum and
 * mp_seg_order are in mplan/segment.h. */
mp_seg_summary *mp_seg_new(const char *const *cols, size_t ncols, long key);

/* The index of label `name` (len bytes), added with zero counts when new. -1 when out of
 * memory, -2 past MP_SEG_MAX_LABELS labels. */
long mp_seg_label(mp_seg_summary *s, const char *name, size_t len);

/* Add one value to a label's column: 0, or -1 when out of memory. Integers add up in isum
 * until it would overflow, then move into the exact sum. */
int mp_seg_spill(struct mp_seg_acc *a, int64_t v);
int mp_seg_add_real(struct mp_seg_acc *a, double v);
/* Add v * 2^(32 * MP_XSUM_SPLIT) to the exact sum, not counting a value: 0; -1 out of memory;
 * -2 beyond the accumulator. */
int mp_seg_add_scaled(struct mp_seg_acc *a, double v);

static inline int mp_seg_add_int(struct mp_seg_acc *a, int64_t v)
{
    int64_t r;
    a->n++;
    if (__builtin_expect(__builtin_add_overflow(a->isum, v, &r), 0))
        return mp_seg_spill(a, v);
    a->isum = r;
    return 0;
}

/* Merge `src` into `dst`: labels and columns matched by name (columns in any order, but the
 * same set). MP_EINPUT names the first column that differs. */
enum mp_status mp_seg_merge(mp_seg_summary *dst, const mp_seg_summary *src, mp_error *err);

/* Over all labels: exact sum (rounded once) and mean (NAN: none); the count of numeric
 * values is mp_seg_total_n (mplan/segment.h). */
double mp_seg_total_sum(const mp_seg_summary *s, size_t c);
double mp_seg_total_mean(const mp_seg_summary *s, size_t c);
/* The exact sum of a label's column as an accumulator (for writing it exactly). */
void mp_seg_exact(const mp_seg_summary *s, size_t label, size_t c, struct mp_xsum *out);


/* ---- customers by key, for the flow between two snapshots ---- */

struct mp_key_entry {
    const char *key;
    uint32_t len;
    uint32_t label;        /* label index in the summary the map belongs to */
    uint64_t line;         /* where the key was read */
    uint32_t seen;         /* times matched from the other snapshot (atomic adds) */
    uint64_t seen_line;    /* first line that matched (atomic minimum) */
};

typedef struct mp_keymap mp_keymap;

/* An empty map. The caller owns it: mp_keymap_free. NULL when out of memory. */
mp_keymap *mp_keymap_new(void);
void mp_keymap_free(mp_keymap *m);
/* Add a key (copied). Returns the entry; *dup is set to 1 when the key was already there
 * (the entry is then the earlier one and is not changed). NULL when out of memory. */
struct mp_key_entry *mp_keymap_put(mp_keymap *m, const char *key, size_t len, uint32_t label,
                                   uint64_t line, int *dup);
/* The entry for a key, or NULL. Safe to call from several threads while nobody puts. */
struct mp_key_entry *mp_keymap_get(const mp_keymap *m, const char *key, size_t len);
size_t mp_keymap_count(const mp_keymap *m);
struct mp_key_entry *mp_keymap_at(const mp_keymap *m, size_t i);
/* Mark an entry matched by the row at `line` (thread-safe). */
void mp_key_mark(struct mp_key_entry *e, uint64_t line);

/* The transition matrix: count[b * (na + 1) + a] customers went from before-label b to
 * after-label a; row nb holds customers new in AFTER, column na those gone from it. */
typedef struct mp_seg_flow {
    size_t nb, na;
    uint64_t *count;
} mp_seg_flow;

/* A zero matrix for nb and na labels. The caller owns it: mp_seg_flow_free. */
mp_seg_flow *mp_seg_flow_new(size_t nb, size_t na);
/* Rate of b -> a: count over everyone labelled b before (gone included); NAN for the row of
 * new customers and for a label nobody had. */
double mp_seg_flow_rate(const mp_seg_flow *f, size_t b, size_t a);

/* ---- quantiles (a first pass for rules that need them, e.g. RFM quintile edges) ----
 * A histogram of values in buckets 2^-12 wide relative to the value (the top 12 mantissa
 * bits), each bucket keeping its count, least and greatest value. Mergeable exactly, so any
 * split gives the same answer. A quantile is exact (an actual value at the exact rank)
 * whenever its bucket holds one distinct value: always for integers below 8192 (days,
 * order counts); otherwise it is the greatest value in the bucket, within a relative
 * 2^-12 (0.025%) of the exact one. */
typedef struct mp_sketch mp_sketch;

/* An empty sketch. The caller owns it: mp_sketch_free. NULL when out of memory. */
mp_sketch *mp_sketch_new(void);
void mp_sketch_free(mp_sketch *s);
int mp_sketch_add(mp_sketch *s, double v);                    /* 0, or -1 out of memory */
int mp_sketch_merge(mp_sketch *dst, const mp_sketch *src);    /* 0, or -1 out of memory */
uint64_t mp_sketch_count(const mp_sketch *s);
/* Prepare for queries (after the last add or merge): 0, or -1 out of memory. */
int mp_sketch_freeze(mp_sketch *s);
/* The lower p-quantile (the least value with at least p of all values at or below it; p
 * in [0, 1]) of a frozen sketch; *exact says whether it is exact. NAN when empty. */
double mp_sketch_quantile(const mp_sketch *s, double p, int *exact);

#endif
