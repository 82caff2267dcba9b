#!/bin/sh
# equalize on 40 generated S-curve plans against 20-start SLSQP, and S-curve timings at
# 20 x 13 and 100 x 52 (docs/performance.md, "S-curves: near-global search and certified gap").
# usage: bench/scurve.sh PATH/TO/mplan   (libmplan.a is taken from the same build directory)
set -e
build=$(dirname "$1")
exe="$build/bench/bench_alloc"
mkdir -p "$build/bench"
${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc \
    bench/bench_alloc.c "$build/libmplan.a" -lm -o "$exe"
echo "### S-curves: equalize vs 20-start SLSQP"
echo
/usr/bin/python3 bench/scurve_slsqp.py "$exe" "${PLANS:-40}" 20x13 100x52
