#!/bin/sh
# Run every benchmark, bench/*.sh, against the mplan binary $1; each prints a markdown table
# (docs/performance.md says how to read them). From the repository root: `make bench`.
[ -x "$1" ] || { echo "usage: bench/run.sh PATH/TO/mplan" >&2; exit 2; }
status=0
for b in bench/*.sh; do
    # bench/lib.sh is the scripts' shared set-up, not a benchmark.
    case $b in bench/run.sh | bench/lib.sh) continue ;; esac
    echo "<!-- $b -->"
    sh "$b" "$1" || { echo "FAIL $b" >&2; status=1; }
    echo
done
exit $status
