#!/bin/sh
# mplan's step-counting pattern matcher (src/lua/lpattern.c) against the reference: every
# case of tests/e2e/patterns.lua must give what lua5.4 gives, results and error messages.
. tests/e2e/lib.sh
if ! command -v lua5.4 >/dev/null 2>&1; then
    fail "patterns" "lua5.4 (the reference) is not installed: make deps-test"
    finish
fi
lua5.4 -e 'io.write(dofile("tests/e2e/patterns.lua"), "\n")' >"$TMP/want" 2>&1
"$MPLAN" eval tests/e2e/patterns.lua >"$TMP/got" 2>&1
n=$(wc -l <"$TMP/want")
if [ "$n" -lt 1000 ]; then
    fail "patterns" "the reference produced only $n cases: $(head -c 300 "$TMP/want")"
elif cmp -s "$TMP/want" "$TMP/got"; then
    ok "patterns: $n cases as lua5.4"
else
    fail "patterns" "differs from lua5.4: $(diff "$TMP/want" "$TMP/got" | head -n 8)"
fi
finish
