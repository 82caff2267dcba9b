/* An embedder of libmplan: built with the public headers (include/mplan) and the library
 * alone, no private header. `embed_run PLAN...` prints each plan's run as JSON, which must
 * be byte for byte what `mplan run --format json` prints (tests/e2e/embed.sh);
 * `embed_run --accessors PLAN` prints what the accessors read, one fact a line, for the
 * test to compare with that JSON and with the customers file. */
#include <stdio.h>
#include <string.h>

#include <mplan/plan.h>
#include <mplan/run.h>
#include <mplan/segment.h>

static void accessors(const mp_run *run)
{
    char day[11];
    for (size_t c = 0; c < mp_run_channel_count(run); c++)
        printf("channel\t%s\t%s\t%.17g\t%.17g\n", mp_run_channel_id(run, c), mp_run_channel_name(run, c),
               mp_run_kpi(run, MP_KPI_SPEND, (long)c, MP_RUN_ALL), mp_run_kpi(run, MP_KPI_GMV, (long)c, MP_RUN_ALL));
    for (int t = 0; t < mp_run_periods(run); t++) {
        const char *ev = mp_run_period_event(run, t);
        double spend = 0;
        for (size_t c = 0; c < mp_run_channel_count(run); c++)
            spend += mp_run_spend(run, c, t);
        printf("period\t%d\t%s\t%s\t%s\t%.17g\t%.17g\n", t + 1, mp_run_period_start(run, t, day),
               mp_run_period_phase(run, t), ev ? ev : "-", spend, mp_run_kpi(run, MP_KPI_GMV, MP_RUN_ALL, t));
    }
    printf("total\tgmv\t%.17g\n", mp_run_kpi(run, MP_KPI_GMV, MP_RUN_ALL, MP_RUN_ALL));
    printf("total\troas\t%.17g\n", mp_run_kpi(run, MP_KPI_ROAS, MP_RUN_ALL, MP_RUN_ALL));
    printf("allocator\t%s\t%.17g\t%.17g\n", mp_run_allocator(run), mp_run_allocatable(run), mp_run_shortfall(run));
    for (size_t i = 0; i < mp_run_goal_count(run); i++) {
        const mp_goal_result *g = mp_run_goal(run, i);
        printf("goal\t%s\t%.17g\t%.17g\t%d\n", g->kpi, g->target, g->forecast, g->met);
    }
    for (size_t i = 0; i < mp_run_custom_count(run); i++)
        printf("custom\t%s\t%.17g\n", mp_run_custom(run, i)->name, mp_run_custom(run, i)->value);
    for (size_t i = 0; i < mp_run_warning_count(run); i++)
        printf("warning\t%s\n", mp_run_warning(run, i));
    for (size_t i = 0; i < mp_run_segment_count(run); i++)
        printf("segment\t%s\t%.17g\n", mp_run_segment_label(run, i), mp_run_segment_size(run, i));
    const mp_seg_summary *s = mp_run_segments(run);
    if (!s)
        return;
    printf("summary\t%s\t%llu\n", mp_seg_rule(s) ? mp_seg_rule(s) : "-", (unsigned long long)mp_seg_rows(s));
    for (size_t l = 0; l < mp_seg_label_count(s); l++)
        for (size_t c = 0; c < mp_seg_column_count(s); c++)
            if (mp_seg_numeric(s, c))
                printf("sum\t%s\t%llu\t%s\t%.17g\n", mp_seg_label_name(s, l, NULL),
                       (unsigned long long)mp_seg_label_rows(s, l), mp_seg_column_name(s, c), mp_seg_sum(s, l, c));
}

int main(int argc, char **argv)
{
    int first = 1, acc = argc > 1 && strcmp(argv[1], "--accessors") == 0;
    if (acc)
        first = 2;
    if (first >= argc) {
        fputs("usage: embed_run [--accessors] PLAN.yaml...\n", stderr);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        mp_error err = {0};
        mp_plan *plan = NULL;
        mp_run *run = NULL;
        enum mp_status st = mp_plan_load(argv[i], &plan, &err);
        if (st == MP_OK)
            st = mp_plan_run(plan, NULL, &run, &err);
        if (st == MP_OK && acc)
            accessors(run);
        else if (st == MP_OK)
            st = mp_run_write(run, stdout, MP_RUN_JSON, &err);
        mp_run_free(run);
        mp_plan_free(plan);
        if (st != MP_OK) {
            fprintf(stderr, "embed_run: %s\n", err.msg);
            return mp_exit_code(st);
        }
    }
    return fflush(stdout) == 0 ? 0 : 5;
}
