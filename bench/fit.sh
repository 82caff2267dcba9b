#!/bin/sh
# mplan fit on generated histories with known curves: speed against scipy's least_squares,
# accuracy, decision quality and bootstrap coverage (docs/performance.md, "Fit").
# usage: bench/fit.sh PATH/TO/mplan   (FIT_SEEDS, FIT_ACC_SEEDS, FIT_BOOT, FIT_QUICK, FIT_PARTS: bench/fit_bench.py)
set -e
/usr/bin/python3 bench/fit_bench.py "$1"
