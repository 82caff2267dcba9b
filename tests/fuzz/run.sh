#!/bin/sh
# Fuzz the plan loader: `sh tests/fuzz/run.sh [SECONDS]` from the repo root (default 60).
# Needs clang with libFuzzer; without it, replays the seed corpus under gcc + ASan/UBSan.
# New inputs go to build/fuzz/corpus (the seeds in tests/fuzz/corpus/plan stay as they are);
# crashes to build/fuzz/crash-*.
set -e
secs=${1:-60}
out=build/fuzz
mkdir -p "$out/corpus"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude -Isrc \
       $(pkg-config --cflags yaml-0.1)"
libs="$(pkg-config --libs yaml-0.1) -lm"
# Only what the loader needs: the YAML layer, the model and its dates.
src="src/io/plan_load.c src/io/pack_path.c src/io/yaml_doc.c src/core/plan.c src/core/arena.c src/core/date.c \
     src/core/curve.c src/core/kpi.c src/core/status.c"
if command -v clang >/dev/null &&
   clang $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
         tests/fuzz/fuzz_plan.c $src $libs -o "$out/fuzz_plan" 2>"$out/clang.log"; then
    "$out/fuzz_plan" -max_total_time="$secs" -max_len=4096 -timeout=5 -rss_limit_mb=1024 \
        -dict=tests/fuzz/plan.dict -artifact_prefix="$out/" "$out/corpus" tests/fuzz/corpus/plan
else
    echo "no clang with libFuzzer ($out/clang.log): replaying the seeds only" >&2
    cc $flags -DMP_FUZZ_MAIN -fsanitize=address,undefined -fno-sanitize-recover=all \
       tests/fuzz/fuzz_plan.c $src $libs -o "$out/replay_plan"
    "$out/replay_plan" tests/fuzz/corpus/plan/*
fi
