#!/bin/sh
# What-if speed: 1,000 budget scenarios of a 20-channel x 13-week plan with equalize, on one
# core, against the anchor of one `mplan run` of the same plan (process start, load, one
# allocation, forecast, output) measured in the same run. Prints a markdown table.
# usage: sh bench/whatif.sh build/mplan
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
$PY bench/gen_plan.py 20 13 >"$TMP/plan.yaml"
ONE="taskset -c 0"
command -v taskset >/dev/null || ONE=""
hyperfine -N --warmup 1 --runs 5 --export-json "$TMP/run.json" \
    "$ONE $BIN run $TMP/plan.yaml --format csv -o /dev/null -q" >/dev/null 2>&1 || exit 1
hyperfine -N --warmup 1 --runs 5 --export-json "$TMP/whatif.json" \
    "$ONE $BIN whatif $TMP/plan.yaml --budget 100000..1000000/1000 --format csv -o /dev/null -q" >/dev/null 2>&1 || exit 1
$PY - "$TMP/run.json" "$TMP/whatif.json" <<'PYEOF'
import json, sys
run = min(json.load(open(sys.argv[1]))["results"][0]["times"])
wi = min(json.load(open(sys.argv[2]))["results"][0]["times"])
print("| what-if, 20 channels x 13 weeks, equalize, one core | time | ratio |")
print("| --- | ---: | ---: |")
print(f"| `mplan run` of the plan (anchor) | {run*1e3:.1f} ms | 1.00 |")
print(f"| 1,000 runs of `mplan run` (the loop whatif replaces) | {run*1e3:.0f} s | 1000 |")
print(f"| `mplan whatif --budget 100000..1000000/1000` | {wi*1e3:.0f} ms | {wi/run:.1f} |")
print(f"| per scenario | {wi:.3f} ms | {wi/run/1000:.3f} |")
print(f"\ngoal: 1,000 scenarios under 1 s: {'met' if wi < 1 else 'NOT met'} ({wi:.2f} s, best of 5)")
PYEOF
