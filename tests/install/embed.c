/* A program that embeds libmplan through its installed headers and pkg-config alone:
 * allocate a plan with the built-in optimum, forecast it, and evaluate a custom KPI with a
 * shipped rule pack. usage: embed PLAN.yaml PACKDIR */
#include <stdio.h>

#include <mplan/alloc.h>
#include <mplan/host.h>
#include <mplan/kpi.h>
#include <mplan/plan.h>
#include <mplan/version.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed PLAN.yaml PACKDIR\n");
        return 2;
    }
    mp_error err = {0};
    mp_plan *plan = NULL;
    mp_alloc *alloc = NULL;
    mp_forecast *fc = NULL;
    mp_host *host = NULL;
    double share = 0;
    enum mp_status st = mp_plan_load(argv[1], &plan, &err);
    if (st == MP_OK && !(alloc = mp_alloc_new(plan)))
        st = mp_fail(&err, MP_ENOMEM, "out of memory");
    if (st == MP_OK)
        st = mp_alloc_equalize(plan, mp_plan_allocatable(plan), alloc, NULL, &err);
    if (st == MP_OK)
        st = mp_forecast_run(plan, alloc, &fc, &err);
    if (st == MP_OK)
        st = mp_host_new(NULL, &host, &err);
    if (st == MP_OK)
        st = mp_host_load_pack(host, argv[2], NULL, 0, &err);
    if (st == MP_OK)
        st = mp_host_run_kpi(host, plan, fc, "kpi-extra.paid_share", &share, &err);
    if (st == MP_OK) {
        printf("version %s %s\n", MP_VERSION, mp_version());
        for (size_t c = 0; c < mp_plan_channel_count(plan); c++)
            printf("spend %zu %.6f\n", c, alloc->spend[c * (size_t)alloc->T]);
        printf("gmv %.6f\n", mp_kpi_value(&fc->total, 0.5, MP_KPI_GMV));
        printf("paid_share %.6f\n", share);
    } else {
        fprintf(stderr, "embed: %s\n", err.msg);
    }
    mp_host_free(host);
    mp_forecast_free(fc);
    mp_alloc_free(alloc);
    mp_plan_free(plan);
    return st == MP_OK ? 0 : mp_exit_code(st);
}
