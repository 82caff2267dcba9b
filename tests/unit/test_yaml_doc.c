/* The YAML layer: tree shape, locations, hostile input, typed getters and their messages. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/date.h"
#include "io/yaml_doc.h"

static enum mp_status load(const char *text, struct mp_ydoc *doc, mp_error *err)
{
    return mp_ydoc_load_string("t.yaml", text, strlen(text), doc, err);
}

/* Loading `text` must fail with MP_EINPUT and exactly `msg`. */
static void expect_fail(const char *text, const char *msg)
{
    struct mp_ydoc doc;
    mp_error err = {0};
    enum mp_status st = load(text, &doc, &err);
    if (st == MP_OK)
        mp_ydoc_free(&doc);
    assert_int_equal(st, MP_EINPUT);
    assert_string_equal(err.msg, msg);
    assert_null(doc.root);
}

/* Loading `text` must fail with MP_EINPUT, the message starting with `prefix`. */
static void expect_fail_prefix(const char *text, const char *prefix)
{
    struct mp_ydoc doc;
    mp_error err = {0};
    enum mp_status st = load(text, &doc, &err);
    if (st == MP_OK)
        mp_ydoc_free(&doc);
    assert_int_equal(st, MP_EINPUT);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("expected a message starting with\n  %s\ngot\n  %s", prefix, err.msg);
}

static void test_tree_shape_and_locations(void **state)
{
    (void)state;
    const char *text =
        "plan:\n"                        /* line 1 */
        "  name: Acme\n"                 /* line 2 */
        "  flag: 'true'\n"               /* line 3 */
        "  list: [1, two, \"3\"]\n"      /* line 4 */
        "  nested:\n"                    /* line 5 */
        "    - {a: 1}\n"                 /* line 6 */
        "    - b\n";                     /* line 7 */
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(load(text, &doc, &err), MP_OK);
    const struct mp_ynode *root = doc.root;
    assert_int_equal(root->type, MP_Y_MAP);
    assert_int_equal(root->n, 1);
    assert_string_equal(root->keys[0], "plan");
    assert_int_equal(root->keynodes[0]->line, 1);
    assert_int_equal(root->keynodes[0]->col, 1);

    const struct mp_ynode *plan = mp_ymap_get(root, "plan");
    assert_non_null(plan);
    assert_int_equal(plan->type, MP_Y_MAP);
    assert_int_equal(plan->n, 4);
    assert_string_equal(plan->keys[0], "name");
    assert_string_equal(plan->keys[3], "nested");

    const struct mp_ynode *name = mp_ymap_get(plan, "name");
    assert_string_equal(name->str, "Acme");
    assert_int_equal(name->len, 4);
    assert_true(name->plain);
    assert_int_equal(name->line, 2);
    assert_int_equal(name->col, 9);

    const struct mp_ynode *flag = mp_ymap_get(plan, "flag");
    assert_string_equal(flag->str, "true");
    assert_false(flag->plain);

    const struct mp_ynode *list = mp_ymap_get(plan, "list");
    assert_int_equal(list->type, MP_Y_SEQ);
    assert_int_equal(list->n, 3);
    assert_int_equal(list->line, 4);
    assert_int_equal(list->col, 9);
    assert_string_equal(list->items[1]->str, "two");
    assert_int_equal(list->items[1]->col, 13);
    assert_true(list->items[0]->plain);
    assert_false(list->items[2]->plain);

    const struct mp_ynode *nested = mp_ymap_get(plan, "nested");
    assert_int_equal(nested->n, 2);
    assert_int_equal(nested->items[0]->type, MP_Y_MAP);
    assert_int_equal(nested->items[0]->line, 6);
    assert_int_equal(nested->items[0]->col, 7);
    assert_string_equal(mp_ymap_get(nested->items[0], "a")->str, "1");
    assert_int_equal(nested->items[1]->line, 7);

    assert_null(mp_ymap_get(plan, "absent"));
    assert_null(mp_ymap_get(name, "x")); /* not a map */
    mp_ydoc_free(&doc);
    mp_ydoc_free(&doc); /* twice is harmless */
}

static void test_anchors_are_shared(void **state)
{
    (void)state;
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(load("base: &b {k: 4000, s: 0.9}\nother: *b\nlist: [&x 1, *x]\n", &doc, &err), MP_OK);
    const struct mp_ynode *base = mp_ymap_get(doc.root, "base"), *other = mp_ymap_get(doc.root, "other");
    assert_ptr_equal(base, other);
    assert_string_equal(mp_ymap_get(other, "k")->str, "4000");
    const struct mp_ynode *list = mp_ymap_get(doc.root, "list");
    assert_ptr_equal(list->items[0], list->items[1]);
    mp_ydoc_free(&doc);
}

static void test_billion_laughs_fails_fast(void **state)
{
    (void)state;
    const char *bomb =
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    /* Node weights: a = 10, b = 91, c = 820, d = 7381, e = 66430, f = 597871; the running
     * count passes 1,000,000 at the first *f in g, line 7 column 9. */
    clock_t t0 = clock();
    expect_fail(bomb, "t.yaml:7:8: document too large: more than 1000000 nodes with aliases "
                      "expanded (an alias bomb?)");
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_alias_errors(void **state)
{
    (void)state;
    expect_fail("a: *nope\n", "t.yaml:1:4: alias '*nope' has no anchor '&nope' before it");
    expect_fail("a: &r [1, *r]\n", "t.yaml:1:11: alias '*r' refers to a node that contains it");
}

static char *nested(int depth)
{
    char *s = malloc(2 * (size_t)depth + 2);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth + i] = ']';
    }
    s[2 * depth] = '\n';
    s[2 * depth + 1] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct mp_ydoc doc;
    mp_error err = {0};
    char *ok = nested(MP_YAML_MAX_DEPTH);
    assert_int_equal(load(ok, &doc, &err), MP_OK);
    mp_ydoc_free(&doc);
    free(ok);
    char *deep = nested(MP_YAML_MAX_DEPTH + 1);
    /* The 65th '[' is at column 65. */
    expect_fail(deep, "t.yaml:1:65: nesting deeper than 64 levels");
    free(deep);
    char *very = nested(100000);
    expect_fail_prefix(very, "t.yaml:1:65: nesting deeper");
    free(very);
}

static void test_duplicate_and_complex_keys(void **state)
{
    (void)state;
    expect_fail("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a' (first at line 1:1)");
    expect_fail("x:\n  k: 1\n  s: 2\n  s: 3\n  k: 4\n", "t.yaml:4:3: duplicate key 's' (first at line 3:3)");
    expect_fail("? [1, 2]\n: x\n", "t.yaml:1:3: mapping keys must be scalars, got a sequence");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_fail_prefix("a:\n\tb: 1\n", "t.yaml:2:1: YAML syntax error: found character that cannot "
                                       "start any token (tabs are not allowed");
    expect_fail_prefix("a: [1, 2\n", "t.yaml:2:1: YAML syntax error:");
    expect_fail_prefix("a: 'open\n", "t.yaml:2:1: YAML syntax error: found unexpected end of stream");
    expect_fail_prefix("a: b: c\n", "t.yaml:1:5: YAML syntax error: mapping values are not allowed");
    expect_fail("", "t.yaml:1:1: the file is empty: expected a YAML document");
    expect_fail("# only a comment\n\n", "t.yaml:1:1: the file is empty: expected a YAML document");
    expect_fail("a: 1\n---\nb: 2\n", "t.yaml:2:1: a second YAML document: a file holds exactly one");
    expect_fail("a: !!int 5\n", "t.yaml:1:4: unsupported tag 'tag:yaml.org,2002:int' (only !!str is understood)");
    expect_fail("a: \"x\\0y\"\n", "t.yaml:1:4: a NUL character inside a value is not allowed");
    /* Quoted user text cannot break a message over lines or reach the terminal as escapes. */
    expect_fail("\"x\\ny\\e[2J\": 1\n\"x\\ny\\e[2J\": 2\n",
                "t.yaml:2:1: duplicate key 'x?y?[2J' (first at line 1:1)");
}

static void test_binary_garbage(void **state)
{
    (void)state;
    static const char bad_utf8[] = "a: 1\nb: \xff\xfe\n";
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(mp_ydoc_load_string("t.yaml", bad_utf8, sizeof bad_utf8 - 1, &doc, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:2:4: invalid leading UTF-8 octet (byte 0xFF): the file must be UTF-8 text");
    static const char nul[] = "a: 1\0\0\0";
    assert_int_equal(mp_ydoc_load_string("t.yaml", nul, sizeof nul - 1, &doc, &err), MP_EINPUT);
    assert_non_null(strstr(err.msg, "t.yaml:1:5: control characters are not allowed"));
    /* Every byte value, in a fixed pseudo-random order: refused, not crashed on. */
    char junk[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    assert_int_equal(mp_ydoc_load_string("t.yaml", junk, sizeof junk, &doc, &err), MP_EINPUT);
    assert_int_equal(strncmp(err.msg, "t.yaml:", 7), 0);
}

static void test_size_limit(void **state)
{
    (void)state;
    size_t n = MP_YAML_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = 'a';
    big[1] = ':';
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(mp_ydoc_load_string("big.yaml", big, n, &doc, &err), MP_EINPUT);
    assert_string_equal(err.msg, "big.yaml: file too large (16777217 bytes; the limit is 16 MiB)");

    char path[] = "/tmp/test_yaml_docXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    assert_int_equal(fwrite(big, 1, n, fp), n);
    fclose(fp);
    err.msg[0] = '\0';
    assert_int_equal(mp_ydoc_load_file(path, &doc, &err), MP_EINPUT);
    char want[128];
    snprintf(want, sizeof want, "%s: file too large (more than 16 MiB)", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    free(big);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_yaml_docXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    fputs("x: [1, 2]\n", fp);
    fclose(fp);
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(mp_ydoc_load_file(path, &doc, &err), MP_OK);
    assert_string_equal(doc.file, path);
    assert_int_equal(mp_ymap_get(doc.root, "x")->n, 2);
    mp_ydoc_free(&doc);
    unlink(path);
    assert_int_equal(mp_ydoc_load_file("/nonexistent/p.yaml", &doc, &err), MP_EIO);
    assert_string_equal(err.msg, "/nonexistent/p.yaml: cannot open: No such file or directory");
}

/* Parse "v: TEXT" and hand back the value node (doc kept in *doc). */
static const struct mp_ynode *value(const char *text, struct mp_ydoc *doc)
{
    char buf[256];
    snprintf(buf, sizeof buf, "v: %s\n", text);
    mp_error err = {0};
    assert_int_equal(load(buf, doc, &err), MP_OK);
    return mp_ymap_get(doc->root, "v");
}

static void number_ok(const char *text, double want)
{
    struct mp_ydoc doc;
    mp_error err = {0};
    double v = -1;
    assert_int_equal(mp_ynode_number(&doc, value(text, &doc), "'v'", -INFINITY, INFINITY, 0, &v, &err), MP_OK);
    assert_true(v == want);
    mp_ydoc_free(&doc);
}

static void number_bad(const char *text, double lo, double hi, unsigned flags, const char *msg)
{
    struct mp_ydoc doc;
    mp_error err = {0};
    double v = 0;
    assert_int_equal(mp_ynode_number(&doc, value(text, &doc), "'v'", lo, hi, flags, &v, &err), MP_EINPUT);
    assert_string_equal(err.msg, msg);
    mp_ydoc_free(&doc);
}

static void test_numbers_strict(void **state)
{
    (void)state;
    number_ok("120000", 120000);
    number_ok("0", 0);
    number_ok("-2.5", -2.5);
    number_ok("+3", 3);
    number_ok(".5", 0.5);
    number_ok("1.", 1);
    number_ok("1e3", 1000);
    number_ok("2.5E-2", 0.025);
    number_ok("0.35", 0.35);
    const double all_lo = -INFINITY, all_hi = INFINITY;
    number_bad("0x10", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '0x10'");
    number_bad("nan", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got 'nan'");
    number_bad(".inf", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '.inf'");
    number_bad("1_000", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '1_000'");
    number_bad("12abc", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '12abc'");
    number_bad("010", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '010'");
    number_bad("1e", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '1e'");
    number_bad(".", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got '.'");
    number_bad("'5'", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got the quoted string \"5\" (a number in quotes is text: write 5 without them)");
    number_bad("", all_lo, all_hi, 0, "t.yaml:1:3: 'v' must be a number, got nothing");
    number_bad("[1]", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a number, got a sequence");
    number_bad("1e999", all_lo, all_hi, 0, "t.yaml:1:4: 'v' must be a finite number, got '1e999'");
    /* Ranges and how they are worded. */
    number_bad("0.7", 0, 0.5, 0, "t.yaml:1:4: 'v' must be between 0 and 0.5, got 0.7");
    number_bad("-1", 0, INFINITY, 0, "t.yaml:1:4: 'v' must be >= 0, got -1");
    number_bad("0", 0, INFINITY, MP_Y_LO_OPEN, "t.yaml:1:4: 'v' must be > 0, got 0");
    number_bad("1", 0, 1, MP_Y_HI_OPEN, "t.yaml:1:4: 'v' must be in [0, 1), got 1");
    number_bad("0", 0, 1, MP_Y_LO_OPEN, "t.yaml:1:4: 'v' must be in (0, 1], got 0");
    number_bad("3", -INFINITY, 2, 0, "t.yaml:1:4: 'v' must be <= 2, got 3");
    struct mp_ydoc doc;
    mp_error err = {0};
    double v;
    assert_int_equal(mp_ynode_number(&doc, value("0.5", &doc), "'v'", 0, 0.5, 0, &v, &err), MP_OK);
    assert_true(v == 0.5);
    mp_ydoc_free(&doc);
    double d;
    assert_int_equal(mp_ynum_parse("4", &d), 0);
    assert_true(d == 4);
    assert_int_equal(mp_ynum_parse("four", &d), -1);
}

static void test_int_bool_string(void **state)
{
    (void)state;
    struct mp_ydoc doc;
    mp_error err = {0};
    long long i = 0;
    assert_int_equal(mp_ynode_int(&doc, value("13", &doc), "'horizon.periods'", 1, 3660, &i, &err), MP_OK);
    assert_int_equal(i, 13);
    mp_ydoc_free(&doc);
    const char *bad_ints[] = {"0", "3661", "1.5", "1e3", "-0x1", "99999999999999999999"};
    for (size_t k = 0; k < sizeof bad_ints / sizeof *bad_ints; k++) {
        assert_int_equal(mp_ynode_int(&doc, value(bad_ints[k], &doc), "'horizon.periods'", 1, 3660, &i, &err),
                         MP_EINPUT);
        assert_non_null(strstr(err.msg, "t.yaml:1:4: 'horizon.periods' must be a whole number between 1 and 3660, got '"));
        mp_ydoc_free(&doc);
    }

    int b = -1;
    assert_int_equal(mp_ynode_bool(&doc, value("true", &doc), "'x'", &b, &err), MP_OK);
    assert_int_equal(b, 1);
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_bool(&doc, value("FALSE", &doc), "'x'", &b, &err), MP_OK);
    assert_int_equal(b, 0);
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_bool(&doc, value("'true'", &doc), "'x'", &b, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'x' must be true or false, got the quoted string \"true\"");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_bool(&doc, value("yes", &doc), "'x'", &b, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'x' must be true or false, got 'yes'");
    mp_ydoc_free(&doc);

    const char *s = NULL;
    assert_int_equal(mp_ynode_string(&doc, value("\"a b\"", &doc), "'name'", &s, &err), MP_OK);
    assert_string_equal(s, "a b");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_string(&doc, value("~", &doc), "'name'", &s, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'name' must be a string, got nothing");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_string(&doc, value("{a: 1}", &doc), "'name'", &s, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'name' must be a string, got a mapping");
    mp_ydoc_free(&doc);

    assert_int_equal(mp_ynode_expect(&doc, value("[1]", &doc), MP_Y_MAP, "'budget'", &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'budget' must be a mapping, got a sequence");
    mp_ydoc_free(&doc);
}

static void test_dates_and_windows(void **state)
{
    (void)state;
    struct mp_ydoc doc;
    mp_error err = {0};
    int32_t d = 0, from = 0, to = 0;
    assert_int_equal(mp_ynode_date(&doc, value("2028-02-29", &doc), "'start'", &d, &err), MP_OK);
    assert_int_equal(d, mp_days_from_civil(2028, 2, 29));
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_date(&doc, value("2027-02-30", &doc), "'start'", &d, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'start' must be a calendar date YYYY-MM-DD, got '2027-02-30' (February 2027 has 28 days)");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_date(&doc, value("2027-1-4", &doc), "'start'", &d, &err), MP_EINPUT);
    mp_ydoc_free(&doc);

    assert_int_equal(mp_ynode_window(&doc, value("2027-03-01..2027-03-14", &doc), "'outbreak'", &from, &to, &err), MP_OK);
    /* 2027-03-01 is day 20878 since 1970-01-01: 57 years (14 leap days) + Jan + Feb 2027. */
    assert_int_equal(from, 57 * 365 + 14 + 31 + 28);
    assert_int_equal(to - from, 13);
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_window(&doc, value("2027-03-14..2027-03-01", &doc), "'outbreak'", &from, &to, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'outbreak': window ends (2027-03-01) before it starts (2027-03-14)");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_window(&doc, value("2027-03-01..2027-02-30", &doc), "'outbreak'", &from, &to, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'outbreak': '2027-02-30' is not a calendar date YYYY-MM-DD (February 2027 has 28 days)");
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_window(&doc, value("2027-03-01", &doc), "'outbreak'", &from, &to, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'outbreak' must be a window FROM..TO (YYYY-MM-DD..YYYY-MM-DD), got '2027-03-01'");
    mp_ydoc_free(&doc);
}

static void test_keys_and_suggestions(void **state)
{
    (void)state;
    static const char *const allowed[] = {"mplan", "store", "budget", "channels", NULL};
    struct mp_ydoc doc;
    mp_error err = {0};
    assert_int_equal(load("mplan: 1\nbudget: 5\n", &doc, &err), MP_OK);
    assert_int_equal(mp_ymap_check_keys(&doc, doc.root, "plan", allowed, &err), MP_OK);
    mp_ydoc_free(&doc);
    assert_int_equal(load("mplan: 1\nbudjet: 5\n", &doc, &err), MP_OK);
    assert_int_equal(mp_ymap_check_keys(&doc, doc.root, "plan", allowed, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:2:1: unknown key 'budjet' in 'plan' (did you mean 'budget'?)");
    mp_ydoc_free(&doc);
    assert_int_equal(load("mplan: 1\n  \nzzz: 5\n", &doc, &err), MP_OK);
    assert_int_equal(mp_ymap_check_keys(&doc, doc.root, "plan", allowed, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:3:1: unknown key 'zzz' in 'plan' (expected mplan, store, budget, channels)");
    mp_ydoc_free(&doc);

    static const char *const kinds[] = {"basic", "paid", "event", "self", NULL};
    int k = -1;
    assert_int_equal(mp_ynode_enum(&doc, value("self", &doc), "'kind'", kinds, &k, &err), MP_OK);
    assert_int_equal(k, 3);
    mp_ydoc_free(&doc);
    assert_int_equal(mp_ynode_enum(&doc, value("piad", &doc), "'kind'", kinds, &k, &err), MP_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1:4: 'kind' must be basic, paid, event or self, got 'piad' (did you mean 'paid'?)");
    mp_ydoc_free(&doc);

    static const char *const kpis[] = {"gmv", "roas", "new_customers", "cac"};
    assert_string_equal(mp_suggest("new_customer", kpis, 4), "new_customers");
    assert_string_equal(mp_suggest("raos", kpis, 4), "roas");
    assert_null(mp_suggest("profit", kpis, 4));
    assert_null(mp_suggest("x", kpis, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_shape_and_locations),
        cmocka_unit_test(test_anchors_are_shared),
        cmocka_unit_test(test_billion_laughs_fails_fast),
        cmocka_unit_test(test_alias_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_duplicate_and_complex_keys),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_numbers_strict),
        cmocka_unit_test(test_int_bool_string),
        cmocka_unit_test(test_dates_and_windows),
        cmocka_unit_test(test_keys_and_suggestions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
