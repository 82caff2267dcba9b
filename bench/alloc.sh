#!/bin/sh
# equalize vs scipy SLSQP (docs/performance.md, "Allocation: equalize vs SLSQP").
# usage: bench/alloc.sh PATH/TO/mplan   (libmplan.a is taken from the same build directory)
set -e
build=$(dirname "$1")
exe="$build/bench/bench_alloc"
mkdir -p "$build/bench"
${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc \
    bench/bench_alloc.c "$build/libmplan.a" -lm -o "$exe"
echo "### Allocation: equalize vs SLSQP"
echo
# SLSQP's dense subproblems grow as n^3: the larger problems run equalize only.
/usr/bin/python3 bench/alloc_slsqp.py "$exe" 5x4 10x8-carry 20x13-carry \
    20x13-carry-constrained 20x13-carry-profit 20x13-carry-roas 20x13-carry-scurve \
    40x13-carry:noslsqp 100x52-carry:noslsqp 100x52-carry-constrained:noslsqp \
    100x52-carry-scurve:noslsqp
