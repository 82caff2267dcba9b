#!/bin/sh
# equalize vs scipy SLSQP (docs/performance.md, "Allocation: equalize vs SLSQP").
# usage: bench/alloc.sh PATH/TO/mplan   (libmplan.a is taken from the same build directory)
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
bench_cc bench_alloc
echo "### Allocation: equalize vs SLSQP"
echo
# SLSQP's dense subproblems grow as n^3: the larger problems run equalize only.
$PY bench/alloc_slsqp.py "$OUT/bench_alloc" 5x4 10x8-carry 20x13-carry \
    20x13-carry-constrained 20x13-carry-profit 20x13-carry-roas 20x13-carry-scurve \
    40x13-carry:noslsqp 100x52-carry:noslsqp 100x52-carry-constrained:noslsqp \
    100x52-carry-scurve:noslsqp
