/* The CSV reader and the segment pass (src/io/csv.c, src/lua/segment_run.c): any input is
 * read or refused with file:line, sequentially (with and without --skip-bad, and a tiny
 * field limit), and segmented by the aipl pack on one and on two threads with the same
 * result. */
#include "fuzz.h"

#include "core/segment.h"
#include "io/csv.h"
#include "mplan/segment.h"

static void read_all(const char *path, int skip_bad, size_t max_field)
{
    struct mp_csv_opts o = {.max_field = max_field, .skip_bad = skip_bad};
    mp_csv *csv = NULL;
    mp_error err = {0};
    enum mp_status st = mp_csv_open(path, &o, &csv, &err);
    struct mp_csv_record rec;
    while (st == MP_OK && (st = mp_csv_next(csv, &rec, &err)) == MP_OK && rec.nfields > 0) {
        if (rec.nfields != mp_csv_ncols(csv))
            abort();
        for (size_t i = 0; i < rec.nfields; i++)
            if (rec.fields[i].len > (max_field ? max_field : MP_CSV_FIELD_MAX))
                abort();
    }
    if (st != MP_OK)
        fz_check_refusal(st, &err, "in.csv:", FZ_ALLOW(MP_EINPUT));
    mp_csv_close(csv);
}

static enum mp_status segment(const char *path, int jobs, mp_seg_summary **s, mp_error *err)
{
    static char pack[PATH_MAX];
    fz_join(pack, sizeof pack, fz_root(), "/rules/aipl");
    mp_segment_opts o = {0};
    o.pack = pack;
    o.rule = "stage";
    o.jobs = jobs;
    o.skip_bad = 1;
    o.limits.max_steps = 1000000;
    return mp_segment_run(path, &o, s, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file("in.csv", data, size);
    read_all(path, 0, 0);
    read_all(path, 1, 0);
    read_all(path, 1, 8);
    mp_seg_summary *a = NULL, *b = NULL;
    mp_error ea = {0}, eb = {0};
    enum mp_status sa = segment(path, 1, &a, &ea), sb = segment(path, 2, &b, &eb);
    if (sa != sb || (sa == MP_OK && (mp_seg_rows(a) != mp_seg_rows(b) || a->nlabels != b->nlabels ||
                                     a->bad != b->bad))) {
        fprintf(stderr, "one and two threads differ: %d %d: %s | %s\n", (int)sa, (int)sb, ea.msg, eb.msg);
        abort();
    }
    if (sa != MP_OK)
        fz_check_refusal(sa, &ea, NULL, FZ_ALLOW(MP_EINPUT) | FZ_ALLOW(MP_ESCRIPT));
    mp_seg_free(a);
    mp_seg_free(b);
    return 0;
}
