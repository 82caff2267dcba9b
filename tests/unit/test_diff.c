/* mplan diff's comparison: channels paired by id, periods by date or by position, goals by
 * KPI, one-sided scopes kept, and the differences (a 0 on side A has no relative change). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mplan/diff.h"

static mp_diff_item item(const char *key, int t, double spend, double gmv)
{
    return (mp_diff_item){.key = (char *)key, .t = t, .v = {spend, gmv, NAN, spend > 0 ? gmv / spend : NAN}};
}

static void pairs_and_changes(void **state)
{
    (void)state;
    mp_diff_item ca[] = {item("p4p", 0, 100, 500), item("feed", 0, 0, 0)};
    mp_diff_item cb[] = {item("live", 0, 40, 80), item("p4p", 0, 150, 600)};
    mp_diff_item pa[] = {item("2027-01-04", 1, 60, 300), item("2027-01-11", 2, 40, 200)};
    mp_diff_item pb[] = {item("2027-01-11", 1, 90, 350), item("2027-01-18", 2, 100, 330)};
    mp_diff_goal ga[] = {{(char *)"gmv", 1000, 500, 0}, {(char *)"roas", 4, 5, 1}};
    mp_diff_goal gb[] = {{(char *)"new_customers", 10, 12, 1}, {(char *)"gmv", 900, 680, 0}};
    mp_diff_side a = {.total = {100, 500, NAN, 5}, .nchannels = 2, .nperiods = 2, .ngoals = 2,
                      .channel = ca, .period = pa, .goal = ga};
    mp_diff_side b = {.total = {190, 680, NAN, 680.0 / 190}, .nchannels = 2, .nperiods = 2, .ngoals = 2,
                      .channel = cb, .period = pb, .goal = gb};
    mp_diff *d = NULL;
    mp_error err = {0};
    assert_int_equal(mp_diff_run(&a, &b, MP_DIFF_ALIGN_AUTO, &d, &err), MP_OK);
    assert_true(fabs(d->change[MP_DIFF_SPEND] - 90) < 1e-12 && fabs(d->change_pct[MP_DIFF_GMV] - 0.36) < 1e-12);
    assert_true(isnan(d->change[MP_DIFF_NEW_CUSTOMERS]));
    /* channels: A's order, then B's own */
    assert_int_equal(d->nchannels, 3);
    assert_string_equal(d->channel[0].a->key, "p4p");
    assert_ptr_equal(d->channel[0].b, &cb[1]);
    assert_true(fabs(d->channel[0].change_pct[MP_DIFF_SPEND] - 0.5) < 1e-12);
    assert_int_equal(d->channel[1].presence, MP_DIFF_ONLY_A);
    assert_int_equal(d->channel[2].presence, MP_DIFF_ONLY_B);
    assert_string_equal(d->channel[2].b->key, "live");
    /* a week in common: paired by date, in date order */
    assert_int_equal(d->align, MP_DIFF_ALIGN_DATE);
    assert_int_equal(d->nperiods, 3);
    assert_int_equal(d->period[0].presence, MP_DIFF_ONLY_A);
    assert_ptr_equal(d->period[1].a, &pa[1]);
    assert_ptr_equal(d->period[1].b, &pb[0]);
    assert_true(fabs(d->period[1].change[MP_DIFF_SPEND] - 50) < 1e-12);
    assert_int_equal(d->period[2].presence, MP_DIFF_ONLY_B);
    /* goals by KPI */
    assert_int_equal(d->ngoals, 3);
    assert_string_equal(d->goal[0].a->kpi, "gmv");
    assert_true(fabs(d->goal[0].target_change + 100) < 1e-12 && fabs(d->goal[0].forecast_change_pct - 0.36) < 1e-12);
    assert_int_equal(d->goal[1].presence, MP_DIFF_ONLY_A);
    assert_int_equal(d->goal[2].presence, MP_DIFF_ONLY_B);
    mp_diff_free(d);

    /* a channel that spent 0 in A has no relative change */
    mp_diff_item cz[] = {item("feed", 0, 30, 60)};
    b.channel = cz;
    b.nchannels = 1;
    assert_int_equal(mp_diff_run(&a, &b, MP_DIFF_ALIGN_POSITION, &d, &err), MP_OK);
    assert_true(fabs(d->channel[1].change[MP_DIFF_SPEND] - 30) < 1e-12);
    assert_true(isnan(d->channel[1].change_pct[MP_DIFF_SPEND]));
    /* by position: week 1 with week 1 whatever the dates */
    assert_int_equal(d->align, MP_DIFF_ALIGN_POSITION);
    assert_int_equal(d->nperiods, 2);
    assert_ptr_equal(d->period[0].a, &pa[0]);
    assert_ptr_equal(d->period[0].b, &pb[0]);
    mp_diff_free(d);

    /* no week in common: AUTO pairs by position */
    mp_diff_item pc[] = {item("2028-01-03", 1, 1, 1)};
    b.period = pc;
    b.nperiods = 1;
    assert_int_equal(mp_diff_run(&a, &b, MP_DIFF_ALIGN_AUTO, &d, &err), MP_OK);
    assert_int_equal(d->align, MP_DIFF_ALIGN_POSITION);
    assert_int_equal(d->nperiods, 2);
    assert_int_equal(d->period[1].presence, MP_DIFF_ONLY_A);
    mp_diff_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pairs_and_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
