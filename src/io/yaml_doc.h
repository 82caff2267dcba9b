/* One YAML reader for every mplan file (plans, pack.yaml, scenarios, PLAN.lock): libyaml's
 * event parser builds a small node tree in an arena; typed getters check values and word
 * errors as `plan.yaml:9:12: 'budget.reserve' must be between 0 and 0.5, got 0.7`. */
#ifndef MPLAN_YAML_DOC_H
#define MPLAN_YAML_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "mplan/status.h"

/* Hostile-input limits: a larger file, a deeper nesting or more nodes after expanding
 * aliases (a "billion laughs" file) is refused with a message, before memory runs out. */
#define MP_YAML_MAX_BYTES (16u << 20)
#define MP_YAML_MAX_DEPTH 64
#define MP_YAML_MAX_NODES 1000000u

enum mp_ynode_type { MP_Y_SCALAR, MP_Y_SEQ, MP_Y_MAP };

/* Aliases make the tree a DAG: an aliased node is shared, never copied. */
struct mp_ynode {
    enum mp_ynode_type type;
    int line, col;            /* 1-based, of the node's start */
    const char *str;          /* scalar text, NUL-terminated (never contains a NUL) */
    size_t len;
    int plain;                /* unquoted, untagged: `true` is a bool, `'true'` a string */
    struct mp_ynode **items;  /* sequence items, or map values */
    size_t n;
    const char **keys;        /* map keys (always scalars), in file order */
    const struct mp_ynode **keynodes; /* the same keys as nodes, for their locations */
};

struct mp_ydoc {
    struct mp_arena arena;    /* owns every node and string */
    const char *file;         /* name used in messages */
    struct mp_ynode *root;
};

/* Parse a whole file (at most MP_YAML_MAX_BYTES, exactly one document). On success the
 * caller owns doc's memory: free it with mp_ydoc_free; on failure nothing is left to free.
 * MP_EIO when the file cannot be read, MP_EINPUT for bad YAML. */
enum mp_status mp_ydoc_load_file(const char *path, struct mp_ydoc *doc, mp_error *err);
/* The same from a buffer (it need not be NUL-terminated); `name` is used in messages. */
enum mp_status mp_ydoc_load_string(const char *name, const char *text, size_t len,
                                   struct mp_ydoc *doc, mp_error *err);
/* Safe on a zeroed or already freed doc. */
void mp_ydoc_free(struct mp_ydoc *doc);

/* Record `FILE:LINE:COL: message` about node n (n may be NULL: no line) and return
 * MP_EINPUT. */
enum mp_status mp_ydoc_fail(const struct mp_ydoc *doc, const struct mp_ynode *n, mp_error *err,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "a mapping", "a sequence", "a string", "nothing" (an empty or null scalar): for messages. */
const char *mp_ynode_describe(const struct mp_ynode *n);
/* What the user wrote, for "got ...": 'text', the quoted string "text", a mapping, nothing
 * (long values cut short); the result is buf or a constant. */
const char *mp_ynode_show(const struct mp_ynode *n, char *buf, size_t size);
/* Is n an empty value or a plain null (~, null)? */
int mp_ynode_is_null(const struct mp_ynode *n);

/* The value of `key` in map (NULL when absent or when map is not a map). */
const struct mp_ynode *mp_ymap_get(const struct mp_ynode *map, const char *key);
/* Every key of map must be in `allowed` (NULL-terminated), else
 * `plan.yaml:14:5: unknown key 'budjet' in 'plan' (did you mean 'budget'?)`. */
enum mp_status mp_ymap_check_keys(const struct mp_ydoc *doc, const struct mp_ynode *map,
                                  const char *where, const char *const *allowed, mp_error *err);
/* The closest of n candidates to word by edit distance, if close enough to suggest. */
const char *mp_suggest(const char *word, const char *const *cands, size_t n);

/* Typed getters. `what` names the value in messages as written (e.g. "'budget.total'").
 * Each fails with MP_EINPUT and `FILE:LINE:COL: WHAT must be ..., got ...`. */
enum mp_status mp_ynode_expect(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               enum mp_ynode_type type, const char *what, mp_error *err);

/* Bounds for mp_ynode_number: [lo, hi], either end open with these flags;
 * -INFINITY/INFINITY for no bound. */
#define MP_Y_LO_OPEN 1u
#define MP_Y_HI_OPEN 2u
/* A plain decimal number: [+-]digits[.digits][e[+-]digits], finite. No hex, octal-looking
 * leading zeros, `.inf`, `nan`, `1_000` or quoted numbers. */
enum mp_status mp_ynode_number(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, double lo, double hi, unsigned flags,
                               double *out, mp_error *err);
/* A plain integer in [lo, hi]. */
enum mp_status mp_ynode_int(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                            long long lo, long long hi, long long *out, mp_error *err);
/* Any non-null scalar; *out points into the doc's arena. */
enum mp_status mp_ynode_string(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, const char **out, mp_error *err);
/* Plain true/false (True, TRUE, False, FALSE). */
enum mp_status mp_ynode_bool(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             int *out, mp_error *err);
/* YYYY-MM-DD, a real calendar date, as a day number (core/date.h). */
enum mp_status mp_ynode_date(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             int32_t *out, mp_error *err);
/* FROM..TO, both inclusive, FROM <= TO. */
enum mp_status mp_ynode_window(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, int32_t *from, int32_t *to, mp_error *err);
/* One of the NULL-terminated names; *out is its index. */
enum mp_status mp_ynode_enum(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             const char *const *names, int *out, mp_error *err);

/* Is s a number as mp_ynode_number reads it (for untyped values such as pack params)? */
int mp_ynum_parse(const char *s, double *out);

#endif
