#!/bin/sh
# Run every end-to-end test script (tests/e2e/*.sh but this one and lib.sh) against $MPLAN,
# E2E_JOBS at a time (default 2: the scripts are independent, each in its own temporary
# directory). Each script prints "ok NAME" or "FAIL NAME: why" lines and exits non-zero on
# failure; the results are printed script by script in name order once all have run,
# then the five slowest scripts. Closing line: "e2e: N passed, N failed".
: "${MPLAN:?set MPLAN to the mplan binary}"
export MPLAN
cd "$(dirname "$0")/../.." || exit 2
jobs=${E2E_JOBS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts=$(ls tests/e2e/*.sh | grep -v -e '/run\.sh$' -e '/lib\.sh$')
# Under the sanitizers (MPLAN_SAN=1), scripts that run no mplan binary say so and are skipped.
[ -n "${MPLAN_SAN:-}" ] && scripts=$(grep -L '^# e2e: release only' $scripts)
echo "e2e: $(echo "$scripts" | wc -l) scripts, $jobs at a time"
# shellcheck disable=SC2016
echo "$scripts" | xargs -n 1 -P "$jobs" sh -c \
    'n=$(basename "$1" .sh); t0=$(date +%s); sh "$1" >"$0/$n.out" 2>&1; echo $? >"$0/$n.rc"
     echo "$(($(date +%s) - t0)) s $n" >"$0/$n.time"' "$out"
pass=0 fail=0
for t in $scripts; do
    n=$(basename "$t" .sh)
    rc=$(cat "$out/$n.rc" 2>/dev/null || echo 127)
    res=$(grep -E '^(ok|FAIL) ' "$out/$n.out")
    [ -n "$res" ] || res="FAIL $t: printed no result"
    n_ok=$(printf '%s\n' "$res" | grep -c '^ok ')
    n_fail=$(printf '%s\n' "$res" | grep -c '^FAIL ')
    [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ] && { res="$res
FAIL $t: exited $rc"; n_fail=1; }
    pass=$((pass + n_ok)); fail=$((fail + n_fail))
    printf '%s\n' "$res"
    [ "$n_fail" -gt 0 ] && grep -vE '^(ok|FAIL) ' "$out/$n.out" | head -40
done
echo "e2e: slowest: $(cat "$out"/*.time | sort -rn | head -n 5 | paste -sd, - | sed 's/,/, /g')"
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
