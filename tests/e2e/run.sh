#!/bin/sh
# Run every end-to-end test script (tests/e2e/*.sh but this one) against $MPLAN.
# Each script prints "ok NAME" or "FAIL NAME: why" lines and exits non-zero on failure.
# Closing line: "e2e: N passed, N failed".
: "${MPLAN:?set MPLAN to the mplan binary}"
export MPLAN
cd "$(dirname "$0")/../.." || exit 2
pass=0 fail=0
for t in tests/e2e/*.sh; do
    [ "$t" = tests/e2e/run.sh ] && continue
    [ "$t" = tests/e2e/lib.sh ] && continue
    out=$(sh "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|FAIL) ' >/dev/null || out="$out
FAIL $t: printed no result"
    n_ok=$(printf '%s\n' "$out" | grep -c '^ok ')
    n_fail=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    [ $rc -ne 0 ] && [ "$n_fail" -eq 0 ] && { out="$out
FAIL $t: exited $rc"; n_fail=1; }
    pass=$((pass + n_ok)); fail=$((fail + n_fail))
    printf '%s\n' "$out" | grep -E '^(ok|FAIL) '
    [ "$n_fail" -gt 0 ] && printf '%s\n' "$out" | grep -vE '^(ok|FAIL) ' | head -40
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
