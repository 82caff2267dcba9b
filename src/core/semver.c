/* Semantic versions and ranges (core/semver.h): npm's range grammar, the subset a pack
 * author uses (comparators, x-ranges, caret, tilde, ||), without hyphen ranges. */
#include "core/semver.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A number without a leading zero; *s advanced. -1 when none or out of range. */
static long number(const char **s)
{
    const char *p = *s;
    if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
        return -1;
    long n = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (n > (LONG_MAX - 9) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    *s = p;
    return n;
}

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.';
}

/* Parse a version at *s; *s is left where it stops. */
static int parse_at(const char **s, struct mp_semver *v)
{
    memset(v, 0, sizeof *v);
    const char *p = *s;
    long parts[3];
    for (int i = 0; i < 3; i++) {
        if ((parts[i] = number(&p)) < 0)
            return -1;
        if (i < 2 && *p++ != '.')
            return -1;
    }
    v->major = parts[0];
    v->minor = parts[1];
    v->patch = parts[2];
    if (*p == '-') {
        const char *q = ++p;
        while (ident_char(*p) && *p != '+')
            p++;
        size_t n = (size_t)(p - q);
        if (n == 0 || n >= sizeof v->pre || q[0] == '.' || q[n - 1] == '.')
            return -1;
        memcpy(v->pre, q, n);
        v->pre[n] = 0;
        if (strstr(v->pre, ".."))
            return -1;
    }
    if (*p == '+') {
        const char *q = ++p;
        while (ident_char(*p))
            p++;
        if (p == q)
            return -1;
    }
    *s = p;
    return 0;
}

int mp_semver_parse(const char *s, struct mp_semver *v)
{
    return s && parse_at(&s, v) == 0 && *s == 0 ? 0 : -1;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

static int cmp_pre(const char *a, const char *b)
{
    if (!*a || !*b)
        return !*a - !*b; /* a release is newer than its pre-releases */
    while (*a || *b) {
        if (!*a || !*b)
            return *a ? 1 : -1; /* more identifiers: newer */
        size_t na = strcspn(a, "."), nb = strcspn(b, ".");
        int da = all_digits(a, na), db = all_digits(b, nb), c;
        if (da && db)
            c = na != nb ? (na > nb ? 1 : -1) : strncmp(a, b, na);
        else if (da || db)
            c = da ? -1 : 1; /* numeric identifiers sort first */
        else {
            c = strncmp(a, b, na < nb ? na : nb);
            if (!c)
                c = (na > nb) - (na < nb);
        }
        if (c)
            return c < 0 ? -1 : 1;
        a += na + (a[na] == '.');
        b += nb + (b[nb] == '.');
    }
    return 0;
}

int mp_semver_cmp(const struct mp_semver *a, const struct mp_semver *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return cmp_pre(a->pre, b->pre);
}

/* A partial version: 1, 1.2, 1.2.3, with x or * for a missing part; `given` counts the
 * numbers written (0 for '*'). */
struct partial {
    struct mp_semver v;
    int given;
};

static int parse_partial(const char **s, struct partial *out)
{
    memset(out, 0, sizeof *out);
    const char *p = *s;
    if (*p == '*' || *p == 'x' || *p == 'X') {
        *s = p + 1;
        return 0;
    }
    /* a full version, with its pre-release, first */
    const char *q = p;
    if (parse_at(&q, &out->v) == 0) {
        out->given = 3;
        *s = q;
        return 0;
    }
    long parts[3] = {0, 0, 0};
    int given = 0;
    for (int i = 0; i < 3; i++) {
        if (*p == '*' || *p == 'x' || *p == 'X') {
            p++;
            break;
        }
        if ((parts[i] = number(&p)) < 0)
            return -1;
        given++;
        if (*p != '.')
            break;
        p++;
        if (i == 2)
            return -1;
    }
    if (given == 0)
        return -1;
    out->v.major = parts[0];
    out->v.minor = parts[1];
    out->v.patch = parts[2];
    out->given = given;
    *s = p;
    return 0;
}

/* The bounds a comparator sets: lo (inclusive when lo_inc), hi (exclusive unless hi_inc). */
struct bounds {
    struct mp_semver lo, hi;
    int has_lo, has_hi, lo_inc, hi_inc;
    int names_pre; /* the comparator names a pre-release: its triple admits pre-releases */
    struct mp_semver pre_of;
};

static struct mp_semver triple(long a, long b, long c)
{
    struct mp_semver v = {a, b, c, ""};
    return v;
}

/* One past a partial version: 1 -> 2.0.0, 1.2 -> 1.3.0, 1.2.3 -> 1.2.4. */
static struct mp_semver bump(const struct partial *p, int at)
{
    if (at <= 1)
        return triple(p->v.major + 1, 0, 0);
    if (at == 2)
        return triple(p->v.major, p->v.minor + 1, 0);
    return triple(p->v.major, p->v.minor, p->v.patch + 1);
}

static int comparator(const char **s, struct bounds *b)
{
    memset(b, 0, sizeof *b);
    const char *p = *s;
    char op[3] = "";
    if (*p == '^' || *p == '~' || *p == '=') {
        op[0] = *p++;
    } else if (*p == '>' || *p == '<') {
        op[0] = *p++;
        if (*p == '=')
            op[1] = *p++;
    }
    while (*p == ' ')
        p++;
    struct partial v;
    if (parse_partial(&p, &v) != 0)
        return -1;
    *s = p;
    struct mp_semver base = v.v;
    if (v.v.pre[0]) {
        b->names_pre = 1;
        b->pre_of = triple(v.v.major, v.v.minor, v.v.patch);
    }
    if (v.given == 0) /* '*': anything */
        return strcmp(op, "<") == 0 || strcmp(op, ">") == 0 ? -1 : 0;
    if (!op[0] || !strcmp(op, "=")) {
        b->has_lo = b->lo_inc = 1;
        b->lo = base;
        b->has_hi = 1;
        if (v.given == 3) {
            b->hi = base;
            b->hi_inc = 1;
        } else {
            b->hi = bump(&v, v.given);
        }
    } else if (!strcmp(op, "^")) {
        b->has_lo = b->lo_inc = b->has_hi = 1;
        b->lo = base;
        int at = v.v.major > 0 || v.given == 1 ? 1 : v.v.minor > 0 || v.given == 2 ? 2 : 3;
        b->hi = bump(&v, at);
    } else if (!strcmp(op, "~")) {
        b->has_lo = b->lo_inc = b->has_hi = 1;
        b->lo = base;
        b->hi = bump(&v, v.given == 1 ? 1 : 2);
    } else if (!strcmp(op, ">=")) {
        b->has_lo = b->lo_inc = 1;
        b->lo = base;
    } else if (!strcmp(op, ">")) {
        b->has_lo = 1;
        if (v.given == 3)
            b->lo = base;
        else {
            b->lo = bump(&v, v.given);
            b->lo_inc = 1;
        }
    } else if (!strcmp(op, "<")) {
        b->has_hi = 1;
        b->hi = base;
        if (!base.pre[0])
            strcpy(b->hi.pre, "0"); /* <2 excludes 2.0.0-rc.1 too */
    } else { /* <= */
        b->has_hi = 1;
        if (v.given == 3) {
            b->hi = base;
            b->hi_inc = 1;
        } else {
            b->hi = bump(&v, v.given);
        }
    }
    if (b->has_hi && !b->hi_inc && !b->hi.pre[0] && op[0] != '<')
        strcpy(b->hi.pre, "0"); /* ^1.2 stops before 2.0.0-0 */
    return 0;
}

static int within(const struct bounds *b, const struct mp_semver *v)
{
    if (b->has_lo) {
        int c = mp_semver_cmp(v, &b->lo);
        if (c < 0 || (c == 0 && !b->lo_inc))
            return 0;
    }
    if (b->has_hi) {
        int c = mp_semver_cmp(v, &b->hi);
        if (c > 0 || (c == 0 && !b->hi_inc))
            return 0;
    }
    return 1;
}

/* One comparator set, from *s up to "||" or the end. -1 when malformed. */
static int match_set(const char **s, const struct mp_semver *v)
{
    const char *p = *s;
    int ok = 1, pre_allowed = !v->pre[0], any = 0;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p || (p[0] == '|' && p[1] == '|'))
            break;
        struct bounds b;
        if (comparator(&p, &b) != 0)
            return -1;
        if (*p && *p != ' ' && *p != ',' && *p != '|')
            return -1;
        any = 1;
        ok = ok && within(&b, v);
        if (b.names_pre) {
            struct mp_semver t = triple(v->major, v->minor, v->patch);
            pre_allowed = pre_allowed || mp_semver_cmp(&t, &b.pre_of) == 0;
        }
    }
    (void)any; /* an empty set is '*' */
    *s = p;
    return ok && pre_allowed;
}

int mp_semver_satisfies(const char *range, const struct mp_semver *v)
{
    if (!range)
        return -1;
    const char *p = range;
    int ok = 0;
    for (;;) {
        int m = match_set(&p, v);
        if (m < 0)
            return -1;
        ok = ok || m;
        if (!*p)
            break;
        p += 2; /* "||" */
        while (*p == ' ')
            p++;
        if (!*p)
            return -1;
    }
    return ok;
}

int mp_semver_range_valid(const char *range)
{
    struct mp_semver v = triple(0, 0, 0);
    return mp_semver_satisfies(range, &v) >= 0;
}

long mp_semver_best(const char *range, const char *const *versions, size_t n)
{
    if (!mp_semver_range_valid(range))
        return -2;
    long best = -1;
    struct mp_semver bv = {0};
    for (size_t i = 0; i < n; i++) {
        struct mp_semver v;
        if (mp_semver_parse(versions[i], &v) != 0 || mp_semver_satisfies(range, &v) != 1)
            continue;
        if (best < 0 || mp_semver_cmp(&v, &bv) > 0) {
            best = (long)i;
            bv = v;
        }
    }
    return best;
}
