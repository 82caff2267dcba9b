#!/bin/sh
# Lua host costs: hook-call overhead (goal: under 1 microsecond) and a Lua allocator against
# equalize. Usage: bench/hook.sh [MPLAN] (the build directory is taken from the binary's).
# Prints a markdown table (docs/performance.md "Lua host").
set -e
cd "$(dirname "$0")/.."
BIN=${1:-build/mplan}
BUILD=$(dirname "$BIN")
LIBS="lua5.4 yaml-0.1 jansson libmd"
out=$BUILD/bench/hook
mkdir -p "$BUILD/bench"
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc $(pkg-config --cflags $LIBS) \
    bench/hook.c "$BUILD/libmplan.a" $(pkg-config --libs $LIBS) -lm -o "$out"
"$out" bench/pack
