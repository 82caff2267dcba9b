/* Pack manifests (pack.yaml, src/lua/pack.c): any input loads or is refused with
 * pack.yaml:line:col. */
#include "fuzz.h"

#include "lua/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file("pack.yaml", data, size);
    struct mp_manifest m;
    memset(&m, 0, sizeof m);
    mp_error err = {0};
    enum mp_status st = mp_manifest_load(fz_dir(), &m, &err);
    if (st != MP_OK)
        fz_check_refusal(st, &err, "pack.yaml", FZ_ALLOW(MP_EINPUT));
    else if (!m.name || !m.version)
        abort();
    mp_manifest_free(&m);
    return 0;
}
