/* Dates: day numbers, parsing, month arithmetic. Expected values from the calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/date.h"

static void epoch_and_known_days(void **state)
{
    (void)state;
    assert_int_equal(mp_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(mp_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(mp_days_from_civil(1969, 12, 31), -1);
    /* 2000-03-01: 30 years (7 leap days: 72 76 80 84 88 92 96) = 10957 days to 2000-01-01, then 31+29 */
    assert_int_equal(mp_days_from_civil(2000, 3, 1), 10957 + 60);
    /* 2027-01-04 is a Monday: days since epoch mod 7 == 4 for Mondays (1970-01-01 was a Thursday) */
    assert_int_equal((mp_days_from_civil(2027, 1, 4) % 7 + 7) % 7, 4);
}

static void round_trip(void **state)
{
    (void)state;
    for (int32_t d = -1000; d < 40000; d += 37) {
        int y, m, dd;
        mp_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(mp_days_from_civil(y, m, dd), d);
    }
}

static void parse_and_format(void **state)
{
    (void)state;
    int32_t d;
    char buf[11];
    assert_int_equal(mp_date_parse("2027-03-01", &d), 0);
    mp_date_format(d, buf);
    assert_string_equal(buf, "2027-03-01");
    assert_int_equal(mp_date_parse("2028-02-29", &d), 0); /* leap year */
    assert_int_equal(mp_date_parse("2027-02-29", &d), -1);
    assert_int_equal(mp_date_parse("2027-02-30", &d), -1);
    assert_int_equal(mp_date_parse("2027-13-01", &d), -1);
    assert_int_equal(mp_date_parse("2027-3-01", &d), -1);
    assert_int_equal(mp_date_parse("2027-03-01x", &d), -1);
    assert_int_equal(mp_date_parse("", &d), -1);
}

/* Dates as spreadsheets and ad platforms export them (CSV readers): the same day whatever the
 * separator or zero padding; anything else refused. */
static void parse_export(void **state)
{
    (void)state;
    int32_t d, want;
    assert_int_equal(mp_date_parse("2025-01-06", &want), 0);
    const char *same[] = {"2025-01-06", "2025/01/06", "2025/1/6", "2025-1-6", "2025.1.06"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        d = 0;
        assert_int_equal(mp_date_parse_export(same[i], strlen(same[i]), &d), 0);
        assert_int_equal(d, want);
    }
    const char *bad[] = {"2025/01-06", "25/1/6", "2025/1/", "2025//6", "2025/001/6", "2025/2/29",
                         "2025/13/1", "2025/1/6 0:00", "1/6/2025", "2025/1/6/7", "", "20250106"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(mp_date_parse_export(bad[i], strlen(bad[i]), &d), -1);
    /* len bounds the text: a longer buffer's tail is not read */
    assert_int_equal(mp_date_parse_export("2028/2/29xyz", 9, &d), 0);
    assert_int_equal(mp_date_parse("2028-02-29", &want), 0);
    assert_int_equal(d, want);
}

static void add_months(void **state)
{
    (void)state;
    int32_t d, e;
    mp_date_parse("2027-01-31", &d);
    mp_date_parse("2027-02-28", &e);
    assert_int_equal(mp_date_add_months(d, 1), e); /* clamped to the month's end */
    mp_date_parse("2027-03-01", &d);
    mp_date_parse("2026-12-01", &e);
    assert_int_equal(mp_date_add_months(d, -3), e);
    mp_date_parse("2028-03-01", &e);
    assert_int_equal(mp_date_add_months(d, 12), e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(epoch_and_known_days),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(parse_and_format),
        cmocka_unit_test(parse_export),
        cmocka_unit_test(add_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
