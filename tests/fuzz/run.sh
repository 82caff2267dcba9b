#!/bin/sh
# Fuzz every reader: `sh tests/fuzz/run.sh [SECONDS] [TARGET...]` from the repo root
# (default 60 s each; targets: plan csv partial actuals scenarios manifest lock). Needs
# build/mplan (to make seeds) and clang with libFuzzer; without it, the harnesses are built
# with gcc + ASan/UBSan and a plain driver that replays the seeds and the saved inputs.
# Seeds come from examples/ and rules/ (build-fuzz/seeds), saved inputs that once found a bug
# from tests/fuzz/corpus/TARGET; new inputs go to build-fuzz/corpus/TARGET and findings to
# build-fuzz/crash-*. Exit 1 on any finding.
set -e
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-plan csv partial actuals scenarios manifest lock}
root=$(pwd)
out=$root/build-fuzz
mplan=$root/build/mplan
[ -x "$mplan" ] || { echo "fuzz: build/mplan first (make)" >&2; exit 2; }

# ---- seeds ----
seeds=$out/seeds
rm -rf "$seeds"
for t in $targets; do mkdir -p "$seeds/$t" "$out/corpus/$t"; done
cp examples/*/plan.yaml examples/618-flagship/with-packs.yaml tests/e2e/plans/*.yaml "$seeds/plan/" 2>/dev/null || true
for f in examples/customers/*.csv; do head -c 4096 "$f" >"$seeds/csv/$(basename "$f")"; done 2>/dev/null || true
cp examples/new-trade-festival/actuals.csv "$seeds/actuals/" 2>/dev/null || true
cp examples/new-trade-festival/scenarios.yaml "$seeds/scenarios/" 2>/dev/null || true
for d in rules/*/; do cp "$d/pack.yaml" "$seeds/manifest/$(basename "$d").yaml"; done 2>/dev/null || true
if [ -d "$seeds/partial" ]; then
    for f in examples/customers/*.csv; do
        "$mplan" segment "$f" --pack rules/aipl --rule stage --partial --quiet >"$seeds/partial/$(basename "$f").jsonl"
    done
fi
if [ -d "$seeds/lock" ]; then
    # The plan fuzz_lock.c uses, locked by mplan itself.
    mkdir -p "$out/lockplan"
    cat >"$out/lockplan/plan.yaml" <<PLAN
mplan: 1
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 1000}
baseline: {gmv: 100}
channels:
  - {id: a, kind: paid, response: {curve: hill, beta: 5000, k: 400}}
packs:
  - {path: $root/rules/kpi-extra}
  - {path: $root/rules/aipl}
PLAN
    "$mplan" pack lock "$out/lockplan/plan.yaml" 2>/dev/null
    cp "$out/lockplan/plan.lock" "$seeds/lock/"
fi

# ---- build: libFuzzer if clang has it, else the replay driver under gcc's sanitizers ----
# (MPLAN_FUZZ_REPLAY=1 forces the replay driver.) When clang can build a libFuzzer program,
# the harnesses must build too: a warning under CI=true is a failure, not a quiet fallback.
replay=
probe=$out/probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
if [ -z "$MPLAN_FUZZ_REPLAY" ] && command -v clang >/dev/null &&
   clang -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >/dev/null 2>&1; then
    if ! make --no-print-directory FUZZ=1 fuzz-bins >"$out/build.log" 2>&1; then
        cat "$out/build.log" >&2
        echo "FAIL fuzz: the harnesses do not build with clang (above)"
        exit 1
    fi
    bins=$out/fuzz
else
    echo "fuzz: no clang with libFuzzer: replaying seeds and saved inputs only" >&2
    make --no-print-directory SAN=1 FUZZ_REPLAY=1 fuzz-bins >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
    bins=$root/build-san/fuzz
    replay=1
fi

# ---- run ----
export MPLAN_ROOT="$root"
status=0
for t in $targets; do
    saved=$root/tests/fuzz/corpus/$t
    if [ -n "$replay" ]; then
        set +e
        ASAN_OPTIONS=detect_leaks=1 "$bins/fuzz_$t" $(find "$seeds/$t" "$saved" "$out/corpus/$t" -type f 2>/dev/null) \
            >"$out/$t.log" 2>&1
        rc=$?
        set -e
    else
        dict=
        [ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
        set +e
        "$bins/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=8192 \
            -print_final_stats=1 $dict -artifact_prefix="$out/crash-$t-" \
            "$out/corpus/$t" "$seeds/$t" $( [ -d "$saved" ] && echo "$saved") >"$out/$t.log" 2>&1
        rc=$?
        set -e
    fi
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+|replayed [0-9]+ inputs' "$out/$t.log" | grep -Eo '[0-9]+' | tail -1)
    if [ $rc -eq 0 ]; then
        echo "ok fuzz $t (${runs:-?} inputs)"
    else
        echo "FAIL fuzz $t: exit $rc, see $out/$t.log"
        grep -E 'ERROR|SUMMARY|^status|message' "$out/$t.log" | head -5
        status=1
    fi
done
exit $status
