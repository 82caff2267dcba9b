/* Semantic versions (semver.org) and the version ranges plans and pack.yaml `requires`
 * name packs by: pure string work, no I/O (docs/packs.md, "Version ranges"). */
#ifndef MPLAN_CORE_SEMVER_H
#define MPLAN_CORE_SEMVER_H

#include <stddef.h>

#define MP_SEMVER_PRE_MAX 64

struct mp_semver {
    long major, minor, patch;
    char pre[MP_SEMVER_PRE_MAX]; /* pre-release without the '-', "" for a release */
};

/* MAJOR.MINOR.PATCH[-pre][+build], numbers without leading zeros. 0, or -1 when `s` is
 * not a semantic version. */
int mp_semver_parse(const char *s, struct mp_semver *v);

/* <0, 0, >0 as a is older, the same or newer than b (pre-releases before their release,
 * compared by dot-separated identifiers, numeric ones as numbers). */
int mp_semver_cmp(const struct mp_semver *a, const struct mp_semver *b);

/* Does v satisfy `range`? 1 yes, 0 no, -1 when the range is malformed. A range is
 * comparator sets joined by `||`; a set is comparators joined by blanks or commas, all of
 * which must hold: `1.2.3` or `=1.2.3` (exactly; `1.2` and `1` are any 1.2.x and any 1.x),
 * `>=1.0`, `>1.0`, `<=1.4.2`, `<2`, `^1.2` (>=1.2.0 <2.0.0; ^0.3 is <0.4.0, ^0.0.3 is
 * <0.0.4), `~1.2.3` (>=1.2.3 <1.3.0), `*` or empty (any). A pre-release version satisfies
 * a set only when one of its comparators names a pre-release of the same MAJOR.MINOR.PATCH. */
int mp_semver_satisfies(const char *range, const struct mp_semver *v);

/* Is `range` well formed? */
int mp_semver_range_valid(const char *range);

/* The index of the highest of versions[0..n) that satisfies `range`; -1 when none does
 * (strings that are not versions are skipped), -2 when the range is malformed. */
long mp_semver_best(const char *range, const char *const *versions, size_t n);

#endif
