/* Numbers and text as people read them (core/numfmt): thousands separators, units, the
 * message form of %g, display widths; expected strings worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/numfmt.h"
#include "io/table.h"

static void test_num(void **state)
{
    (void)state;
    assert_string_equal(MP_NUM(1234567.891, 2), "1,234,567.89");
    assert_string_equal(MP_NUM(999.5, 0), "1,000");    /* rounds into a new group */
    assert_string_equal(MP_NUM(-1234.5, 1), "-1,234.5");
    assert_string_equal(MP_NUM(-0.001, 2), "0.00");    /* no "-0.00" */
    assert_string_equal(MP_NUM(1e20, 0), "100,000,000,000,000,000,000"); /* never 1e+20 */
    assert_string_equal(MP_NUM(NAN, 0), "-");
}

static void test_amount(void **state)
{
    (void)state;
    /* 万 = 1e4 with one decimal, 亿 = 1e8 with two, below 1e4 as it is */
    assert_string_equal(MP_AMOUNT(12345678, 0, MP_UNITS_WAN), "1,234.6万");
    assert_string_equal(MP_AMOUNT(123456789, 0, MP_UNITS_WAN), "1.23亿");
    assert_string_equal(MP_AMOUNT(9999, 0, MP_UNITS_WAN), "9,999");
    assert_string_equal(MP_AMOUNT(10000, 0, MP_UNITS_WAN), "1.0万");
    assert_string_equal(MP_AMOUNT(99999999, 0, MP_UNITS_WAN), "1.00亿"); /* 9,999.99..万 rounds to 亿 */
    assert_string_equal(MP_AMOUNT(-25000, 0, MP_UNITS_WAN), "-2.5万");
    /* k below a million, M above */
    assert_string_equal(MP_AMOUNT(1234, 0, MP_UNITS_K), "1.2k");
    assert_string_equal(MP_AMOUNT(999, 0, MP_UNITS_K), "999");
    assert_string_equal(MP_AMOUNT(999950, 0, MP_UNITS_K), "1.00M");      /* not 1,000.0k */
    assert_string_equal(MP_AMOUNT(3200000, 0, MP_UNITS_K), "3.20M");
    assert_string_equal(MP_AMOUNT(3200000, 0, MP_UNITS_PLAIN), "3,200,000");
    assert_int_equal(mp_units_parse("wan"), MP_UNITS_WAN);
    assert_int_equal(mp_units_parse("WAN"), -1);
}

static void test_g(void **state)
{
    (void)state;
    assert_string_equal(MP_G(925000), "925,000");
    assert_string_equal(MP_G(1e6), "1,000,000");           /* %g: 1e+06 */
    assert_string_equal(MP_G(22000000), "22,000,000");     /* %g: 2.2e+07 */
    assert_string_equal(MP_G(0.5), "0.5");
    assert_string_equal(MP_G(1234.5678), "1,234.57");      /* 6 significant digits */
    assert_string_equal(MP_G(0), "0");
    assert_string_equal(MP_G(-12.5), "-12.5");
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(mp_text_width("ztc"), 3);
    assert_int_equal(mp_text_width("直通车"), 6);              /* CJK: two columns each */
    assert_int_equal(mp_text_width("1,234.5万"), 9);
    assert_int_equal(mp_text_width("\xef\xbf\xa5" "5"), 3);    /* fullwidth yen U+FFE5: 2 */
    assert_int_equal(mp_text_width("\xc2\xa5" "5"), 2);        /* yen sign U+00A5: 1 */
    assert_int_equal(mp_text_width("e\xcc\x81"), 1);           /* e + combining acute */
    assert_int_equal(mp_text_width("\xea\xb0\x80"), 2);        /* Hangul 가 */
    assert_int_equal(mp_text_width("\xff"), 1);                /* not UTF-8: a column a byte */
    char buf[64];
    assert_string_equal(mp_text_clip("引力魔方精选", 7, buf, sizeof buf), "引力魔…"); /* 6 + 1 */
    assert_string_equal(mp_text_clip("Product videos", 8, buf, sizeof buf), "Product…");
    assert_string_equal(mp_text_clip("ztc", 8, buf, sizeof buf), "ztc");
}

/* A table with Chinese labels lines its columns up by display width. */
static void test_table_cjk(void **state)
{
    (void)state;
    static const char *const head[] = {"channel", "spend"};
    struct mp_table tab;
    mp_table_init(&tab, 2, head);
    tab.units = MP_UNITS_WAN;
    mp_table_add_row(&tab);
    mp_table_set(&tab, 0, "直通车");
    mp_table_amount(&tab, 1, 666666.67, 0);
    mp_table_add_row(&tab);
    mp_table_set(&tab, 0, "ylmf");
    mp_table_amount(&tab, 1, 9000, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_int_equal(mp_table_print(&tab, fp, NULL, NULL), MP_OK);
    fclose(fp);
    /* widths: channel 7 (直通车 is 6), spend 6 (66.7万); two spaces between */
    assert_string_equal(text, "channel   spend\n"
                              "---------------\n"
                              "直通车   66.7万\n"
                              "ylmf      9,000\n");
    free(text);
    mp_table_free(&tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num),   cmocka_unit_test(test_amount),    cmocka_unit_test(test_g),
        cmocka_unit_test(test_width), cmocka_unit_test(test_table_cjk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
