# Helpers for end-to-end tests: source it, then call check_* ; finish with `finish`.
# Each check prints "ok NAME" or "FAIL NAME: why".
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# expect_exit NAME CODE CMD... : run CMD, keep stdout in $TMP/out and stderr in $TMP/err.
expect_exit() {
    name=$1 code=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name"; return 0; fi
    fail "$name" "exit $rc, expected $code; stderr: $(head -c 400 "$TMP/err")"
    return 1
}

# expect_err NAME TEXT : stderr of the last expect_exit contains TEXT (fixed string).
expect_err() {
    if grep -qF -- "$2" "$TMP/err"; then ok "$1"; else fail "$1" "stderr lacks '$2': $(head -c 400 "$TMP/err")"; fi
}

finish() { exit $failed; }
