#!/bin/sh
# The layer check (tests/layers.sh): the tree passes, and each kind of include that crosses
# a layer upward, planted in a copy of the tree, fails it with the file and line named.
# e2e: release only (it runs no mplan binary, so the sanitizer pass skips it)
. tests/e2e/lib.sh

cp -R src include "$TMP/"
if sh tests/layers.sh "$TMP" >"$TMP/out" 2>&1; then ok "the tree keeps its layers"
else fail "the tree keeps its layers" "$(head -c 600 "$TMP/out")"; fi

# Each planted violation, one a line: NAME|FILE|TEXT|EXPECT[|VIA]. TEXT goes first in FILE of a
# fresh copy of the tree (VIA, when given, is the whole of a new src/lua/lvia.h); the check
# must exit 1 with "FILE:1: EXPECT" in its output: the file, the line and what crosses what.
while IFS='|' read -r name file text expect via; do
    rm -rf "$TMP/t" && mkdir "$TMP/t" && cp -R src include "$TMP/t/"
    { printf '%s\n' "$text"; cat "$TMP/t/$file"; } >"$TMP/t/$file.new" && mv "$TMP/t/$file.new" "$TMP/t/$file"
    [ -n "$via" ] && printf '%s\n' "$via" >"$TMP/t/src/lua/lvia.h"
    sh tests/layers.sh "$TMP/t" >"$TMP/out" 2>&1 </dev/null
    rc=$?
    if [ $rc -eq 0 ]; then fail "$name" "the check passed"
    elif [ $rc -ne 1 ]; then fail "$name" "exit $rc: $(head -c 400 "$TMP/out")"
    elif grep -qF -- "$file:1: $expect" "$TMP/out"; then ok "$name"
    else fail "$name" "expected '$file:1: $expect' in: $(head -c 400 "$TMP/out")"; fi
done <<'EOF'
io including lua/ names file, line and layers|src/io/lock.c|#include "lua/lhost.h"|src/io includes "lua/lhost.h": lua is above io
core including lua.h fails|src/core/plan.c|#include <lua.h>|src/core includes lua.h: only src/lua may include Lua headers
core including jansson fails|src/core/kpi.c|#include <jansson.h>|src/core includes <jansson.h>: the core does no I/O
io including lauxlib.h fails|src/io/csv.c|#include "lauxlib.h"|src/io includes lauxlib.h: only src/lua may include Lua headers
lua including cli/ fails|src/lua/host.c|#include "cli/cli.h"|src/lua includes "cli/cli.h": cli is above lua
lua including run/ fails|src/lua/pack.c|#include "run/result.h"|src/lua includes "run/result.h": run is above lua
run including cli/ fails|src/run/run.c|#include "cli/cmd.h"|src/run includes "cli/cmd.h": cli is above run
the public API including a src header fails|include/mplan/plan.h|#include "core/model.h"|the public header includes "core/model.h"
the public API including lua.h fails|include/mplan/host.h|#include <lua.h>|the public header includes <lua.h>
cli including a Lua header of src/lua fails|src/cli/cmd_eval.c|#include "lua/lhost.h"|src/cli includes "lua/lhost.h", which includes Lua headers
cli including a core header fails|src/cli/cmd_run.c|#include "core/model.h"|src/cli includes "core/model.h": the CLI reads the model through include/mplan
run reaching Lua through two headers fails|src/run/segment_run.c|#include "lua/lvia.h"|src/run includes "lua/lvia.h", which includes Lua headers|#include "lua/lsegment.h"
EOF
finish
