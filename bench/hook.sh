#!/bin/sh
# Lua host costs: hook-call overhead (goal: under 1 microsecond) and a Lua allocator against
# equalize. Usage: bench/hook.sh [MPLAN] (the build directory is taken from the binary's).
# Prints a markdown table (docs/performance.md "Lua host").
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
bench_cc hook lua5.4 yaml-0.1 jansson libmd
"$OUT/hook" bench/pack
