#!/bin/sh
# Run the unit suites given as arguments, UNIT_JOBS at a time (default 2: each suite is one
# process, and test_whatif alone takes a third of the time), and print each suite's output
# whole, in the order given, once all have run. Exit 1 when any suite failed.
jobs=${UNIT_JOBS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
for t in "$@"; do
    i=$((i + 1))
    echo "$i $t"
done | xargs -n 2 -P "$jobs" sh -c '"$2" >"$0/$1.out" 2>&1; echo $? >"$0/$1.rc"' "$out"
status=0 i=0
for t in "$@"; do
    i=$((i + 1))
    echo "== $t"
    cat "$out/$i.out"
    rc=$(cat "$out/$i.rc" 2>/dev/null || echo 127)
    [ "$rc" -eq 0 ] || { echo "FAIL $t: exited $rc"; status=1; }
done
exit $status
