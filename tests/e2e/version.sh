#!/bin/sh
# mplan --version: the version of include/mplan/version.h, and a failed write is an error.
. tests/e2e/lib.sh
v=$(sed -n 's/^#define MP_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/mplan/version.h | paste -sd.)
expect_exit "--version" 0 "$MPLAN" --version
[ "$(cat "$TMP/out")" = "mplan $v" ] && ok "--version prints mplan $v" || fail "--version prints mplan $v" "$(cat "$TMP/out")"
expect_exit "version" 0 "$MPLAN" version
if [ -w /dev/full ]; then
    expect_exit "--version >/dev/full fails (exit 5)" 5 sh -c '"$0" --version >/dev/full' "$MPLAN"
    expect_err "--version >/dev/full says why" "mplan: stdout: No space left on device"
    expect_exit "--help >/dev/full fails (exit 5)" 5 sh -c '"$0" --help >/dev/full' "$MPLAN"
    expect_exit "help >/dev/full fails (exit 5)" 5 sh -c '"$0" help >/dev/full' "$MPLAN"
fi
finish
