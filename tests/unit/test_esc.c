/* Escaping for the terminal and the CSV formula guard, on cases worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/esc.h"
#include "io/table.h"

static void check(const char *in, enum mp_esc_mode mode, const char *want)
{
    char *got = mp_esc(in, mode);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_line(void **state)
{
    (void)state;
    check("plain text, 1,234.5", MP_ESC_LINE, "plain text, 1,234.5");
    check("\x1b[31mred", MP_ESC_LINE, "\\x1b[31mred");
    check("a\rb\nc\td", MP_ESC_LINE, "a\\rb\\nc\\td");
    check("\x07\x7f", MP_ESC_LINE, "\\x07\\x7f");
    check("caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80", MP_ESC_LINE, "caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");
    check("\xc2\x9b" "2J", MP_ESC_LINE, "\\u009b2J");              /* C1 CSI */
    check("abc\xe2\x80\xae" "cba", MP_ESC_LINE, "abc\\u202ecba");  /* right-to-left override */
    check("\xff\xc3(", MP_ESC_LINE, "\\xff\\xc3(");               /* not UTF-8 */
    check("\xc0\xaf", MP_ESC_LINE, "\\xc0\\xaf");                 /* overlong '/' */
    check("\xed\xa0\x80", MP_ESC_LINE, "\\xed\\xa0\\x80");        /* a surrogate */
}

static void test_lines(void **state)
{
    (void)state;
    check("boom\nmplan: forged\n\tin init.lua:3\n  kept", MP_ESC_LINES,
          "boom\n  mplan: forged\n\tin init.lua:3\n  kept");
    check("x\r\nmplan: y", MP_ESC_LINES, "x\\r\n  mplan: y");
    check("x\nmplan: y", MP_ESC_TEXT, "x\nmplan: y");
}

/* Names quoted in messages: one line, cut at a whole character with "..." when long. */
static void test_name(void **state)
{
    (void)state;
    char b[12];
    assert_string_equal(mp_esc_name("rec\nency", b, sizeof b), "rec\\nency");      /* 10 bytes: fits */
    assert_string_equal(mp_esc_name("abcdefghijkl", b, sizeof b), "abcdefgh...");   /* 12 do not */
    assert_string_equal(mp_esc_name("abcdefghijk", b, sizeof b), "abcdefghijk");    /* 11 do */
    /* a 3-byte character is not split: "ab" + 3 + 3 bytes = 8, the next 3 would need 11 + "..." */
    assert_string_equal(mp_esc_name("ab\xe6\x9d\xb1\xe4\xba\xac\xe6\x9d\xb1x", b, sizeof b),
                        "ab\xe6\x9d\xb1\xe4\xba\xac...");
    assert_string_equal(mp_esc_name("a\x1b" "b", b, sizeof b), "a\\x1bb");
    assert_string_equal(mp_esc_name("", b, sizeof b), "");
}

static void test_formula_like(void **state)
{
    (void)state;
    static const char *const yes[] = {"=1+1", "+cmd", "-cmd", "@SUM(A1)", "\tx", "\rx", "-", "+", "-1e", "--5", "-.", "=5"};
    static const char *const no[] = {"-5", "+5", "-1.25", "-.5", "-1e-3", "+2E+10", "plain", "", "a=b", "5"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_true(mp_csv_formula_like(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_false(mp_csv_formula_like(no[i], strlen(no[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_formula_like),
        cmocka_unit_test(test_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
