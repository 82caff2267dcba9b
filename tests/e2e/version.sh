#!/bin/sh
# mplan --version prints the version of include/mplan/version.h (outputs.sh checks that a
# failed write of it is an error).
. tests/e2e/lib.sh
v=$(sed -n 's/^#define MP_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/mplan/version.h | paste -sd.)
expect_exit "--version" 0 "$MPLAN" --version
[ "$(cat "$TMP/out")" = "mplan $v" ] && ok "--version prints mplan $v" || fail "--version prints mplan $v" "$(cat "$TMP/out")"
expect_exit "version" 0 "$MPLAN" version
[ "$(cat "$TMP/out")" = "mplan $v" ] && ok "version prints mplan $v" || fail "version prints mplan $v" "$(cat "$TMP/out")"
finish
