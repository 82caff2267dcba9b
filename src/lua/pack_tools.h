/* `mplan pack check` and `pack test`: load a pack in a sandbox; run its tests/NAME.lua
 * files there with a `test` helper table. */
#ifndef MPLAN_PACK_TOOLS_H
#define MPLAN_PACK_TOOLS_H

#include <stddef.h>

#include "mplan/host.h"

/* Called once per test file (its path relative to the pack): `failure` is NULL when the
 * file ran to the end, else why it failed. `loaded` is 0 when the file did not even load
 * (a syntax error): a script error rather than a failed test. */
typedef void (*mp_pack_test_report)(void *ud, const char *file, int loaded, const char *failure);

struct mp_pack_test_counts {
    size_t passed, failed, unloaded;
};

/* Load the pack in `dir` in a fresh sandboxed host: the manifest and its params, init.lua,
 * and its exports against `provides`. MP_EINPUT for a bad manifest or a mismatch,
 * MP_ESCRIPT when init.lua fails. */
enum mp_status mp_pack_check(const char *dir, const mp_host_limits *limits, int verbose,
                             mp_error *err);

/* Load the pack in `dir` and run each DIR/tests/NAME.lua (in name order) in a fresh sandbox
 * environment of its own, where `require` reaches the pack's modules and the global `test`
 * offers plan(yaml), plan_file(name), params([overrides]) and check(plan, alloc [, budget])
 * (docs/packs.md). MP_OK when every file was run, whatever the outcome (see `counts`);
 * MP_EINPUT for a bad manifest or no test files, MP_ESCRIPT when the pack does not load,
 * MP_EIO when the tests cannot be listed. */
enum mp_status mp_pack_test_run(const char *dir, const mp_host_limits *limits, int verbose,
                                mp_pack_test_report report, void *ud,
                                struct mp_pack_test_counts *counts, mp_error *err);

#endif
