#!/bin/sh
# equalize on 40 generated S-curve plans against 20-start SLSQP, and S-curve timings at
# 20 x 13 and 100 x 52 (docs/performance.md, "S-curves: near-global search and certified gap").
# usage: bench/scurve.sh PATH/TO/mplan   (libmplan.a is taken from the same build directory)
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
bench_cc bench_alloc
echo "### S-curves: equalize vs 20-start SLSQP"
echo
$PY bench/scurve_slsqp.py "$OUT/bench_alloc" "${PLANS:-40}" 20x13 100x52
