#!/bin/sh
# mplan fit on generated histories with known curves: speed against scipy's least_squares,
# accuracy, decision quality and bootstrap coverage (docs/performance.md, "Fit").
# usage: bench/fit.sh PATH/TO/mplan   (FIT_SEEDS, FIT_ACC_SEEDS, FIT_BOOT, FIT_QUICK, FIT_PARTS: bench/fit_bench.py)
# (libmplan.a is taken from the same build directory, for bench/bench_fit.c: the fit alone)
set -e
build=$(dirname "$1")
mkdir -p "$build/bench"
${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc \
    bench/bench_fit.c "$build/libmplan.a" $(pkg-config --libs lua5.4 yaml-0.1 jansson libmd) -lm -pthread \
    -o "$build/bench/bench_fit"
/usr/bin/python3 bench/fit_bench.py "$1"
