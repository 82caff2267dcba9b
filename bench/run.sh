#!/bin/sh
# Run every benchmark, bench/*.sh, against the mplan binary $1; each prints a markdown table
# (docs/performance.md says how to read them). From the repository root: `make bench`.
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
status=0
for b in bench/*.sh; do
    case $b in bench/run.sh | bench/lib.sh) continue ;; esac
    echo "<!-- $b -->"
    sh "$b" "$BIN" || { echo "FAIL $b" >&2; status=1; }
    echo
done
exit $status
