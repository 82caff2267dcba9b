#!/bin/sh
# The layer check (tests/layers.sh): the tree passes, and each kind of include that crosses
# a layer upward, planted in a copy of the tree, fails it with the file and line named.
# e2e: release only (it runs no mplan binary, so the sanitizer pass skips it)
. tests/e2e/lib.sh

cp -R src include "$TMP/"
if sh tests/layers.sh "$TMP" >"$TMP/out" 2>&1; then ok "the tree keeps its layers"
else fail "the tree keeps its layers" "$(head -c 600 "$TMP/out")"; fi

# plant NAME FILE TEXT EXPECT: put the line TEXT first in FILE (of a fresh copy) and expect
# the check to fail with EXPECT (FILE:1: ...) in its output.
plant() {
    rm -rf "$TMP/t" && mkdir "$TMP/t" && cp -R src include "$TMP/t/"
    { printf '%s\n' "$3"; cat "$TMP/t/$2"; } >"$TMP/t/$2.new" && mv "$TMP/t/$2.new" "$TMP/t/$2"
    [ -n "$5" ] && printf '%s\n' "$5" >"$TMP/t/src/lua/lvia.h"
    if sh tests/layers.sh "$TMP/t" >"$TMP/out" 2>&1; then
        fail "$1" "the check passed"
    elif grep -qF -- "$2:1: $4" "$TMP/out"; then ok "$1"
    else fail "$1" "expected '$2:1: $4' in: $(head -c 400 "$TMP/out")"; fi
}

# io including lua/: the message names file, line and both layers.
rm -rf "$TMP/t" && mkdir "$TMP/t" && cp -R src include "$TMP/t/"
{ printf '#include "lua/lhost.h"\n'; cat src/io/lock.c; } >"$TMP/t/src/io/lock.c"
sh tests/layers.sh "$TMP/t" >"$TMP/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -qF 'src/io/lock.c:1: src/io includes "lua/lhost.h": lua is above io' "$TMP/out" \
    && ok "io including lua/ names file, line and layers" \
    || fail "io including lua/ names file, line and layers" "exit $rc: $(head -c 400 "$TMP/out")"

plant "core including lua.h fails" src/core/plan.c '#include <lua.h>' \
    'src/core includes lua.h: only src/lua may include Lua headers'
plant "core including jansson fails" src/core/kpi.c '#include <jansson.h>' \
    'src/core includes <jansson.h>: the core does no I/O'
plant "io including lauxlib.h fails" src/io/csv.c '#include "lauxlib.h"' \
    'src/io includes lauxlib.h: only src/lua may include Lua headers'
plant "lua including cli/ fails" src/lua/host.c '#include "cli/cli.h"' \
    'src/lua includes "cli/cli.h": cli is above lua'
plant "lua including run/ fails" src/lua/pack.c '#include "run/result.h"' \
    'src/lua includes "run/result.h": run is above lua'
plant "run including cli/ fails" src/run/run.c '#include "cli/cmd.h"' \
    'src/run includes "cli/cmd.h": cli is above run'
plant "the public API including a src header fails" include/mplan/plan.h '#include "core/model.h"' \
    'the public header includes "core/model.h"'
plant "the public API including lua.h fails" include/mplan/host.h '#include <lua.h>' \
    'the public header includes <lua.h>'
plant "cli including a Lua header of src/lua fails" src/cli/cmd_eval.c '#include "lua/lhost.h"' \
    'src/cli includes "lua/lhost.h", which includes Lua headers'
plant "cli including a core header fails" src/cli/cmd_run.c '#include "core/model.h"' \
    'src/cli includes "core/model.h": the CLI reads the model through include/mplan'
# Through two headers: lua/lvia.h includes lua/lsegment.h, which includes <lua.h>.
plant "run reaching Lua through two headers fails" src/run/segment_run.c '#include "lua/lvia.h"' \
    'src/run includes "lua/lvia.h", which includes Lua headers' '#include "lua/lsegment.h"'
finish
