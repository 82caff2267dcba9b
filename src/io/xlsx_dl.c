#include "io/xlsx_dl.h"

#include <dlfcn.h>
#include <string.h>

#ifndef MP_XLSX_SONAME
#define MP_XLSX_SONAME "libxlsxwriter.so"
#endif

struct mp_lxw mp_lxw;

enum mp_status mp_lxw_load(mp_error *err)
{
    static void *lib;
    if (lib)
        return MP_OK;
    void *h = dlopen(MP_XLSX_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return mp_fail(err, MP_EIO, "--format xlsx needs libxlsxwriter (%s), which cannot be loaded: %s",
                       MP_XLSX_SONAME, dlerror());
    struct mp_lxw api;
    /* POSIX: a function pointer round-trips through dlsym's void *. */
#define MP_LXW_LOAD(name)                                                                      \
    if (!(*(void **)&api.name = dlsym(h, #name))) {                                            \
        dlclose(h);                                                                            \
        return mp_fail(err, MP_EIO, "%s has no function %s: a libxlsxwriter too old or too new", \
                       MP_XLSX_SONAME, #name);                                                 \
    }
    MP_LXW_FUNCS(MP_LXW_LOAD)
#undef MP_LXW_LOAD
    mp_lxw = api;
    lib = h;
    return MP_OK;
}
