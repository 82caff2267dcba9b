/* Partial summaries read by `segment --merge` (src/io/segment_io.c): any input merges or is
 * refused with file:line; what merges must write out again (the --partial of a reducer)
 * and read back to the same rows. */
#include "fuzz.h"

#include "core/segment.h"
#include "io/segment_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen(size ? (void *)data : (void *)"", size, "r");
    if (!fp)
        return 0;
    mp_seg_summary *s = NULL;
    mp_error err = {0};
    enum mp_status st = mp_seg_read_partial(fp, "part", &s, &err);
    fclose(fp);
    if (st != MP_OK) {
        fz_check_refusal(st, &err, "part:", FZ_ALLOW(MP_EINPUT));
        mp_seg_free(s);
        return 0;
    }
    if (s) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (!out)
            abort();
        st = mp_seg_write_partial(out, s, &err);
        fclose(out);
        if (st == MP_OK) {
            mp_seg_summary *back = NULL;
            FILE *in = fmemopen(text, len, "r");
            if (!in || mp_seg_read_partial(in, "again", &back, &err) != MP_OK ||
                mp_seg_rows(back) != mp_seg_rows(s) || back->nlabels != s->nlabels) {
                fprintf(stderr, "a merged partial does not read back: %s\n", err.msg);
                abort();
            }
            fclose(in);
            mp_seg_free(back);
        } else if (st != MP_EINPUT) {
            abort();
        }
        free(text);
    }
    mp_seg_free(s);
    return 0;
}
