/* Segment summaries (docs/model.md 8): exact sums, merging, label order, customer keys, flow
 * rates and quantiles. Expected values are worked out by hand in the comments. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/model.h"
#include "core/segment.h"
#include "mplan/plan.h"
#include "mplan/segment.h"

static double xsum_of(const double *v, size_t n)
{
    struct mp_xsum x;
    memset(&x, 0, sizeof x);
    for (size_t i = 0; i < n; i++)
        mp_xsum_add(&x, v[i]);
    return mp_xsum_round(&x);
}

static void exact_sums(void **state)
{
    (void)state;
    /* 1e100 + 1 - 1e100: a double sum loses the 1; the exact sum is 1. */
    double a[] = {1e100, 1, -1e100};
    assert_true(xsum_of(a, 3) == 1);
    /* 2^53 + 1 + 1 = 2^53 + 2 exactly (representable); adding in order gives 2^53. */
    double b[] = {9007199254740992.0, 1, 1};
    assert_true(xsum_of(b, 3) == 9007199254740994.0);
    /* 2^53 + 1 alone is a tie between 2^53 and 2^53 + 2: to even, 2^53. */
    double c[] = {9007199254740992.0, 1};
    assert_true(xsum_of(c, 2) == 9007199254740992.0);
    /* 2^53 + 3 is a tie between 2^53 + 2 and 2^53 + 4: to even, 2^53 + 4. */
    double d[] = {9007199254740992.0, 3};
    assert_true(xsum_of(d, 2) == 9007199254740996.0);
    /* Just above the tie rounds up: 2^53 + 1 + 2^-20. */
    double e[] = {9007199254740992.0, 1, 0x1p-20};
    assert_true(xsum_of(e, 3) == 9007199254740994.0);
    /* Ten times 0.1 (which is 0.1000000000000000055511151231257827...) is
     * 1.000000000000000055511151231257827, nearest double 1; a loop of += gives 0.9999999999999999. */
    double t[10];
    for (int i = 0; i < 10; i++)
        t[i] = 0.1;
    assert_true(xsum_of(t, 10) == 1.0);
    /* The smallest subnormal three times: exactly 3 * 2^-1074. */
    double s[] = {0x1p-1074, 0x1p-1074, 0x1p-1074};
    assert_true(xsum_of(s, 3) == 3 * 0x1p-1074);
    /* DBL_MAX twice overflows to infinity; DBL_MAX - DBL_MAX + 1 is 1. */
    double o[] = {DBL_MAX, DBL_MAX};
    assert_true(isinf(xsum_of(o, 2)));
    double p[] = {DBL_MAX, 1, -DBL_MAX};
    assert_true(xsum_of(p, 3) == 1);
    /* Negative totals. */
    double n[] = {-0.5, -0.25, 0.125};
    assert_true(xsum_of(n, 3) == -0.625);
    double z[] = {0.0, -0.0};
    assert_true(xsum_of(z, 2) == 0);
}

/* The same numbers in any order and any split give the same double, and that double is the
 * exact (integer) total when the values are cents. */
static void order_and_split_do_not_matter(void **state)
{
    (void)state;
    enum { N = 20000 };
    static double v[N];
    int64_t cents = 0;
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int64_t c = (int64_t)(x >> 40) % 1000000 - 300000; /* -3000.00 .. 6999.99 */
        cents += c;
        v[i] = (double)c / 100; /* not exact in binary */
    }
    double forward = xsum_of(v, N);
    for (int i = 0; i < N / 2; i++) {
        double t = v[i];
        v[i] = v[N - 1 - i];
        v[N - 1 - i] = t;
    }
    assert_true(xsum_of(v, N) == forward);
    /* Four partial accumulators merged. */
    struct mp_xsum part[4], all;
    memset(part, 0, sizeof part);
    memset(&all, 0, sizeof all);
    for (int i = 0; i < N; i++)
        mp_xsum_add(&part[i % 4], v[i]);
    for (int k = 3; k >= 0; k--)
        mp_xsum_add_xsum(&all, &part[k]);
    assert_true(mp_xsum_round(&all) == forward);
    /* Each v[i] is within half an ulp of c/100, so the total is within N ulps of cents/100;
     * at this size that is far below a cent. */
    assert_true(fabs(forward - (double)cents / 100) < 1e-6);
}

static void parts_round_trip(void **state)
{
    (void)state;
    struct mp_xsum x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    double v[] = {1e300, 3.0, -1e-300, 0x1p-1074, 12345.678, -1e300, 7e15};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        mp_xsum_add(&x, v[i]);
    double parts[48];
    int k = mp_xsum_parts(&x, parts, 48);
    assert_true(k >= 2);
    for (int i = 0; i < k; i++)
        mp_xsum_add(&y, parts[i]);
    /* y holds the same exact number: subtracting it leaves exactly zero. */
    double back[48];
    assert_int_equal(mp_xsum_parts(&y, back, 48), k);
    assert_memory_equal(back, parts, (size_t)k * sizeof *parts);
    for (int i = 0; i < k; i++)
        mp_xsum_add(&y, -parts[i]);
    assert_int_equal(mp_xsum_parts(&y, back, 48), 0);
    memset(&x, 0, sizeof x);
    assert_int_equal(mp_xsum_parts(&x, parts, 48), 0);
}

static void integers_spill_exactly(void **state)
{
    (void)state;
    struct mp_seg_acc a;
    memset(&a, 0, sizeof a);
    /* INT64_MAX three times: 3 * (2^63 - 1) = 27670116110564327421, past int64. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(mp_seg_add_int(&a, INT64_MAX), 0);
    assert_int_equal(a.n, 3);
    mp_seg_summary s = {.ncols = 1};
    struct mp_seg_label l = {.acc = &a};
    s.labels = &l;
    s.nlabels = 1;
    assert_true(mp_seg_sum(&s, 0, 0) == 27670116110564327421.0);
    free(a.x);
}

static mp_seg_summary *summary(const char *const *cols, size_t n, long key)
{
    mp_seg_summary *s = mp_seg_new(cols, n, key);
    assert_non_null(s);
    return s;
}

static void merge_by_name(void **state)
{
    (void)state;
    static const char *const c1[] = {"id", "gmv", "city"}, *const c2[] = {"city", "id", "gmv"};
    mp_seg_summary *a = summary(c1, 3, 0), *b = summary(c2, 3, 1);
    long la = mp_seg_label(a, "P", 1), lb = mp_seg_label(b, "P", 1), lb2 = mp_seg_label(b, "L", 1);
    assert_int_equal(la, 0);
    assert_int_equal(mp_seg_label(a, "P", 1), 0);
    a->labels[la].count = 2;
    mp_seg_add_real(&a->labels[la].acc[1], 10.25);
    mp_seg_add_int(&a->labels[la].acc[1], 5);
    a->labels[la].acc[2].text = 2;
    b->labels[lb].count = 1;
    mp_seg_add_real(&b->labels[lb].acc[2], 4.75); /* gmv is column 2 in b */
    b->labels[lb2].count = 3;
    mp_seg_add_int(&b->labels[lb2].acc[2], 30);
    b->bad = 4;
    mp_error err = {0};
    assert_int_equal(mp_seg_merge(a, b, &err), MP_OK);
    assert_int_equal(a->nlabels, 2);
    assert_int_equal(mp_seg_rows(a), 6);
    assert_int_equal(a->labels[0].count, 3);
    /* P: 10.25 + 5 + 4.75 = 20 over 3 values; L: 30 over 1. */
    assert_true(mp_seg_sum(a, 0, 1) == 20);
    assert_true(mp_seg_mean(a, 0, 1) == 20.0 / 3);
    assert_true(mp_seg_sum(a, 1, 1) == 30);
    assert_true(mp_seg_total_sum(a, 1) == 50);
    assert_int_equal(mp_seg_total_n(a, 1), 4);
    assert_true(mp_seg_total_mean(a, 1) == 12.5);
    assert_true(isnan(mp_seg_mean(a, 1, 2)));
    assert_true(mp_seg_numeric(a, 1));
    assert_false(mp_seg_numeric(a, 0)); /* the key */
    assert_false(mp_seg_numeric(a, 2)); /* text only */
    assert_int_equal(mp_seg_text(a, 2), 2);
    assert_int_equal(a->bad, 4);
    /* A column missing from one side is an error naming it. */
    static const char *const c3[] = {"id", "gmv", "town"};
    mp_seg_summary *c = summary(c3, 3, 0);
    assert_int_equal(mp_seg_merge(a, c, &err), MP_EINPUT);
    assert_string_equal(err.msg, "column 'town' is not in every summary");
    mp_seg_free(a);
    mp_seg_free(b);
    mp_seg_free(c);
}

static void label_order(void **state)
{
    (void)state;
    static const char *const cols[] = {"id"};
    mp_seg_summary *s = summary(cols, 1, 0);
    /* counts: lost 5, L 1, champions 9, A 2, P 7, loyal 9 */
    const char *names[] = {"lost", "L", "champions", "A", "P", "loyal"};
    uint64_t counts[] = {5, 1, 9, 2, 7, 9};
    for (int i = 0; i < 6; i++) {
        long l = mp_seg_label(s, names[i], strlen(names[i]));
        s->labels[l].count = counts[i];
    }
    size_t order[6];
    mp_seg_order(s, order);
    /* AIPL stages first in funnel order (A, P, L; no I), then by count, ties by name. */
    const char *want[] = {"A", "P", "L", "champions", "loyal", "lost"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(s->labels[order[i]].name, want[i]);
    mp_seg_free(s);
}

static void too_many_labels(void **state)
{
    (void)state;
    static const char *const cols[] = {"id"};
    mp_seg_summary *s = summary(cols, 1, 0);
    char name[16];
    for (int i = 0; i < MP_SEG_MAX_LABELS; i++) {
        int n = snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(mp_seg_label(s, name, (size_t)n), i);
    }
    assert_int_equal(mp_seg_label(s, "one more", 8), -2);
    assert_int_equal(mp_seg_label(s, "c7", 2), 7);
    mp_seg_free(s);
}

static void keys(void **state)
{
    (void)state;
    mp_keymap *m = mp_keymap_new();
    char key[32];
    int dup;
    for (int i = 0; i < 5000; i++) { /* past the first table size: it must grow */
        int n = snprintf(key, sizeof key, "C%08d", i);
        struct mp_key_entry *e = mp_keymap_put(m, key, (size_t)n, (uint32_t)(i % 4), (uint64_t)i + 2, &dup);
        assert_non_null(e);
        assert_int_equal(dup, 0);
    }
    assert_int_equal(mp_keymap_count(m), 5000);
    struct mp_key_entry *e = mp_keymap_get(m, "C00004321", 9);
    assert_non_null(e);
    assert_int_equal(e->label, 4321 % 4);
    assert_int_equal(e->line, 4323);
    assert_null(mp_keymap_get(m, "C0000432", 8));
    e = mp_keymap_put(m, "C00000007", 9, 3, 99, &dup);
    assert_int_equal(dup, 1);
    assert_int_equal(e->line, 9); /* the earlier row stays */
    mp_key_mark(e, 50);
    mp_key_mark(e, 20);
    mp_key_mark(e, 70);
    assert_int_equal(e->seen, 3);
    assert_int_equal(e->seen_line, 20);
    mp_keymap_free(m);
}

static void flow_rates(void **state)
{
    (void)state;
    /* Before: A 10 (6 stay A, 3 go I, 1 gone); I 4 (1 to P, 3 stay). 2 new in P. */
    mp_seg_flow *f = mp_seg_flow_new(2, 3); /* after labels A, I, P; column 3 gone */
    uint64_t m[3][4] = {{6, 3, 0, 1}, {0, 3, 1, 0}, {0, 0, 2, 0}};
    for (int b = 0; b < 3; b++)
        for (int a = 0; a < 4; a++)
            f->count[b * 4 + a] = m[b][a];
    assert_true(mp_seg_flow_rate(f, 0, 1) == 0.3);  /* A->I 3/10 */
    assert_true(mp_seg_flow_rate(f, 0, 3) == 0.1);  /* A gone 1/10 */
    assert_true(mp_seg_flow_rate(f, 1, 2) == 0.25); /* I->P 1/4 */
    assert_true(isnan(mp_seg_flow_rate(f, 2, 2)));  /* new customers have no rate */
    mp_seg_flow_free(f);
    f = mp_seg_flow_new(1, 1);
    assert_true(isnan(mp_seg_flow_rate(f, 0, 0))); /* nobody had the label */
    mp_seg_flow_free(f);
}

static void quantiles(void **state)
{
    (void)state;
    mp_sketch *a = mp_sketch_new(), *b = mp_sketch_new();
    /* 1..100 split over two sketches; 0 and a negative value twice. */
    for (int i = 1; i <= 100; i++)
        mp_sketch_add(i % 2 ? a : b, i);
    mp_sketch_add(a, 0);
    mp_sketch_add(b, -3.5);
    mp_sketch_add(b, -3.5);
    assert_int_equal(mp_sketch_merge(a, b), 0);
    assert_int_equal(mp_sketch_count(a), 103);
    assert_int_equal(mp_sketch_freeze(a), 0);
    int exact;
    /* Sorted: -3.5, -3.5, 0, 1, ..., 100. p = 0.2: rank ceil(20.6) = 21 -> the value 18. */
    assert_true(mp_sketch_quantile(a, 0.2, &exact) == 18);
    assert_true(exact);
    assert_true(mp_sketch_quantile(a, 0, &exact) == -3.5); /* rank 1 */
    assert_true(mp_sketch_quantile(a, 0.01, &exact) == -3.5); /* rank ceil(1.03) = 2 */
    assert_true(mp_sketch_quantile(a, 0.025, &exact) == 0);   /* rank ceil(2.575) = 3 */
    assert_true(mp_sketch_quantile(a, 1, &exact) == 100);
    assert_true(mp_sketch_quantile(a, 0.5, &exact) == 49); /* rank ceil(51.5) = 52 -> 49 */
    mp_sketch_free(a);
    mp_sketch_free(b);
    /* Continuous values: within 2^-12 relative of the exact quantile. */
    mp_sketch *c = mp_sketch_new();
    enum { N = 50000 };
    static double v[N];
    uint64_t x = 7;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = 10 + (double)(x >> 11) / 9007199254740992.0 * 99990; /* 10 .. 100000 */
        mp_sketch_add(c, v[i]);
    }
    mp_sketch_freeze(c);
    double *sorted = malloc(sizeof v);
    memcpy(sorted, v, sizeof v);
    for (size_t gap = N / 2; gap; gap /= 2) /* shell sort, to stay independent of libc */
        for (size_t i = gap; i < N; i++)
            for (size_t j = i; j >= gap && sorted[j - gap] > sorted[j]; j -= gap) {
                double t = sorted[j];
                sorted[j] = sorted[j - gap];
                sorted[j - gap] = t;
            }
    for (int k = 1; k < 10; k++) {
        double p = k / 10.0, want = sorted[(size_t)ceil(p * N) - 1];
        double got = mp_sketch_quantile(c, p, &exact);
        assert_true(fabs(got - want) <= want * 0x1p-12);
    }
    free(sorted);
    mp_sketch_free(c);
}

/* ---- plans: segments: {from:, segmenter:} ---- */

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A plan whose segment sizes come from a customers file: 2 A, 1 I, 2 P, 1 L by the aipl
 * rules (defaults: window 365 days, repurchase at 2 orders, loyal from member level 3). */
static void plan_sizes_from_customers(void **state)
{
    (void)state;
    char dir[] = "/tmp/mplan-test-plan.XXXXXX", cwd[4096], path[4200], text[8192];
    assert_non_null(mkdtemp(dir));
    assert_non_null(getcwd(cwd, sizeof cwd)); /* tests run from the repository root */
    snprintf(path, sizeof path, "%s/customers.csv", dir);
    write_text(path, "customer_id,recency_days,orders,visits_30d,favorites,carts,follows,member_level,reviews,shares\n"
                     "a1,,,0,0,0,0,0,0,0\n"
                     "a2,400,1,0,0,0,0,0,0,0\n" /* bought, but outside the window: A */
                     "i1,,,5,0,0,0,0,0,0\n"
                     "p1,30,1,0,0,0,0,0,0,0\n"
                     "p2,90,1,0,1,0,0,0,0,0\n"
                     "l1,10,2,0,0,0,0,0,0,0\n");
    snprintf(text, sizeof text,
             "mplan: 1\n"
             "horizon: {start: 2027-01-04, periods: 4, period: month}\n"
             "budget: {total: 1000}\n"
             "channels: [{id: a, kind: paid, response: {curve: hill, beta: 1000, k: 500}}]\n"
             "segments: {from: customers.csv, segmenter: aipl.stage}\n"
             "packs: [{path: %s/rules/aipl, params: {window_days: 365}}]\n", cwd);
    snprintf(path, sizeof path, "%s/plan.yaml", dir);
    write_text(path, text);
    mp_plan *plan;
    mp_error err = {0};
    assert_int_equal(mp_plan_load(path, &plan, &err), MP_OK);
    assert_int_equal(mp_segment_plan(plan, 2, NULL, &err), MP_OK);
    assert_int_equal(plan->nsegments, 4);
    const char *want[] = {"A", "I", "P", "L"};
    double size[] = {2, 1, 2, 1};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(plan->segments[i].label, want[i]);
        assert_true(plan->segments[i].size == size[i]);
    }
    mp_plan_free(plan);
    /* A segmenter from no pack of the plan is an error naming the plan. */
    char *seg = strstr(text, "aipl.stage");
    memcpy(seg, "rfmx.stage", 10);
    write_text(path, text);
    assert_int_equal(mp_plan_load(path, &plan, &err), MP_OK);
    assert_int_equal(mp_segment_plan(plan, 1, NULL, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "plan.yaml: segments.segmenter 'rfmx.stage': no pack 'rfmx'"));
    mp_plan_free(plan);
    snprintf(path, sizeof path, "%s/customers.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/plan.yaml", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_sums),
        cmocka_unit_test(order_and_split_do_not_matter),
        cmocka_unit_test(parts_round_trip),
        cmocka_unit_test(integers_spill_exactly),
        cmocka_unit_test(merge_by_name),
        cmocka_unit_test(label_order),
        cmocka_unit_test(too_many_labels),
        cmocka_unit_test(keys),
        cmocka_unit_test(flow_rates),
        cmocka_unit_test(quantiles),
        cmocka_unit_test(plan_sizes_from_customers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
