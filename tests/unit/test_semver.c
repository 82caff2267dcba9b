/* Semantic versions and ranges (core/semver.h) and bundle path checks (core/pathcheck.h).
 * Expected answers from npm's documented range semantics (docs.npmjs.com "semver"):
 * ^1.2.3 := >=1.2.3 <2.0.0-0, ^0.2.3 := >=0.2.3 <0.3.0-0, ^0.0.3 := >=0.0.3 <0.0.4-0,
 * ~1.2.3 := >=1.2.3 <1.3.0-0, 1.2 := >=1.2.0 <1.3.0-0, and semver.org 11 for precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/pathcheck.h"
#include "core/semver.h"

static int sat(const char *range, const char *version)
{
    struct mp_semver v;
    assert_int_equal(mp_semver_parse(version, &v), 0);
    return mp_semver_satisfies(range, &v);
}

static void parse(void **state)
{
    (void)state;
    struct mp_semver v;
    assert_int_equal(mp_semver_parse("1.22.333", &v), 0);
    assert_true(v.major == 1 && v.minor == 22 && v.patch == 333 && v.pre[0] == 0);
    assert_int_equal(mp_semver_parse("1.0.0-rc.1+build.5", &v), 0);
    assert_string_equal(v.pre, "rc.1");
    const char *bad[] = {"1", "1.2", "01.2.3", "1.02.3", "1.2.3-", "1.2.3+", "1.2.3.4", "v1.2.3", "1.2.3-a..b",
                         " 1.2.3", "", "99999999999999999999.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(mp_semver_parse(bad[i], &v), -1);
}

static void precedence(void **state)
{
    (void)state;
    /* semver.org 11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 <
     * 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0 < 1.0.1 < 1.1.0 < 2.0.0 < 10.0.0 */
    const char *order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                           "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"};
    size_t n = sizeof order / sizeof *order;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            struct mp_semver a, b;
            mp_semver_parse(order[i], &a);
            mp_semver_parse(order[j], &b);
            int c = mp_semver_cmp(&a, &b);
            assert_int_equal(c < 0 ? -1 : c > 0, i < j ? -1 : i > j);
        }
}

static void caret_and_tilde(void **state)
{
    (void)state;
    assert_int_equal(sat("^1.2", "1.2.0"), 1);
    assert_int_equal(sat("^1.2", "1.9.7"), 1);
    assert_int_equal(sat("^1.2", "1.1.9"), 0);
    assert_int_equal(sat("^1.2", "2.0.0"), 0);
    assert_int_equal(sat("^1.2", "2.0.0-rc.1"), 0);
    assert_int_equal(sat("^1.2.3", "1.2.2"), 0);
    assert_int_equal(sat("^0.2.3", "0.2.9"), 1);
    assert_int_equal(sat("^0.2.3", "0.3.0"), 0);
    assert_int_equal(sat("^0.0.3", "0.0.3"), 1);
    assert_int_equal(sat("^0.0.3", "0.0.4"), 0);
    assert_int_equal(sat("^0", "0.9.9"), 1);
    assert_int_equal(sat("^0", "1.0.0"), 0);
    assert_int_equal(sat("~1.2.3", "1.2.9"), 1);
    assert_int_equal(sat("~1.2.3", "1.3.0"), 0);
    assert_int_equal(sat("~1", "1.9.0"), 1);
    assert_int_equal(sat("~1", "2.0.0"), 0);
}

static void comparators_and_sets(void **state)
{
    (void)state;
    assert_int_equal(sat(">=1.0, <2", "1.5.0"), 1);
    assert_int_equal(sat(">=1.0 <2", "2.0.0"), 0);
    assert_int_equal(sat(">=1.0, <2", "0.9.9"), 0);
    assert_int_equal(sat(">1.2", "1.2.9"), 0); /* >1.2 := >=1.3.0 */
    assert_int_equal(sat(">1.2", "1.3.0"), 1);
    assert_int_equal(sat(">1.2.3", "1.2.3"), 0);
    assert_int_equal(sat("<=1.2", "1.2.9"), 1); /* <=1.2 := <1.3.0 */
    assert_int_equal(sat("<=1.2", "1.3.0"), 0);
    assert_int_equal(sat("1.2", "1.2.5"), 1);
    assert_int_equal(sat("1.2", "1.3.0"), 0);
    assert_int_equal(sat("=1.2.3", "1.2.3"), 1);
    assert_int_equal(sat("1.2.3", "1.2.4"), 0);
    assert_int_equal(sat("*", "7.0.0"), 1);
    assert_int_equal(sat("", "7.0.0"), 1);
    assert_int_equal(sat("1.x", "1.4.0"), 1);
    assert_int_equal(sat("^1 || ^3", "3.1.0"), 1);
    assert_int_equal(sat("^1 || ^3", "2.1.0"), 0);
    /* pre-releases only where a comparator names one of the same triple */
    assert_int_equal(sat("^1.0", "1.5.0-beta"), 0);
    assert_int_equal(sat(">=1.5.0-alpha", "1.5.0-beta"), 1);
    assert_int_equal(sat(">=1.5.0-alpha", "1.6.0-beta"), 0);
    const char *bad[] = {"^", ">=", "1.2.3.4", "^1 ||", "~>1.2", "1..2", "=>1", "<*", "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct mp_semver v = {1, 0, 0, ""};
        assert_int_equal(mp_semver_satisfies(bad[i], &v), -1);
        assert_false(mp_semver_range_valid(bad[i]));
    }
}

static void best(void **state)
{
    (void)state;
    const char *v[] = {"1.0.0", "1.4.2", "not-a-version", "2.0.0", "1.10.0", "1.11.0-rc.1"};
    assert_int_equal(mp_semver_best("^1.0", v, 6), 4);   /* 1.10.0: numeric, not string, order */
    assert_int_equal(mp_semver_best("~1.4", v, 6), 1);
    assert_int_equal(mp_semver_best("*", v, 6), 3);
    assert_int_equal(mp_semver_best("^3", v, 6), -1);
    assert_int_equal(mp_semver_best(">=", v, 6), -2);
}

static void bundle_paths(void **state)
{
    (void)state;
    char why[128];
    const char *good[] = {"init.lua", "tests/basic.lua", "a/b/c.lua", "README.md", "x-y_z+1@2.lua"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_int_equal(mp_bundle_path_check(good[i], why, sizeof why), 0);
    struct { const char *path, *why; } bad[] = {
        {"", "an empty name"},
        {"/etc/passwd", "an absolute path"},
        {"../x", "a '..' component, which leads out of the pack"},
        {"a/../../x", "a '..' component, which leads out of the pack"},
        {"a//b", "an empty component ('//' or a trailing '/')"},
        {"a/", "an empty component ('//' or a trailing '/')"},
        {".hidden", "a component starting with '.'"},
        {"./x", "a component starting with '.'"},
        {"a\\..\\b", "a backslash"},
        {"a b", "a character other than letters, digits and _-.+@"},
        {"a\nb", "a character other than letters, digits and _-.+@"},
        {"caf\xc3\xa9", "a character other than letters, digits and _-.+@"},
        {"1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", "more than 16 directories deep"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(mp_bundle_path_check(bad[i].path, why, sizeof why), -1);
        assert_string_equal(why, bad[i].why);
    }
    char longname[300];
    for (size_t i = 0; i < 256; i++)
        longname[i] = 'a';
    longname[256] = 0;
    assert_int_equal(mp_bundle_path_check(longname, why, sizeof why), -1);
    longname[255] = 0;
    assert_int_equal(mp_bundle_path_check(longname, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse),           cmocka_unit_test(precedence), cmocka_unit_test(caret_and_tilde),
        cmocka_unit_test(comparators_and_sets), cmocka_unit_test(best), cmocka_unit_test(bundle_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
