/* A memory pool of the Lua host, Lua-free so that the segment runner (src/run) can hold one
 * for its pass without including lua.h. */
#ifndef MPLAN_LUA_MEM_POOL_H
#define MPLAN_LUA_MEM_POOL_H

#include <stddef.h>

/* Memory counted for a whole run: every host attached to one pool (the worker threads of a
 * segment pass) is capped together by --max-mem, with the C copies their results cause. */
struct mp_mem_pool {
    _Atomic size_t used;
};

#endif
