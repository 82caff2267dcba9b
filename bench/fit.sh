#!/bin/sh
# mplan fit on generated histories with known curves: speed against scipy's least_squares,
# accuracy, decision quality and bootstrap coverage (docs/performance.md, "Fit").
# usage: bench/fit.sh [PATH/TO/mplan]   (FIT_SEEDS, FIT_ACC_SEEDS, FIT_BOOT, FIT_QUICK, FIT_PARTS:
# bench/fit_bench.py; bench/bench_fit.c, the fit alone, is built against the same build's libmplan.a)
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
bench_cc bench_fit lua5.4 yaml-0.1 jansson libmd
"$PY" bench/fit_bench.py "$BIN"
