#!/bin/sh
# Segmentation speed and memory: `mplan segment` with the AIPL rule (rules/aipl) against
# the anchors a user would otherwise reach for, the same rule and the same per-label count,
# sums and non-empty counts of every numeric column, on the same generated file:
#   mawk (bench/anchors/aipl.awk), a plain lua5.4 script (bench/anchors/aipl.lua),
#   pandas read_csv + np.select (bench/anchors/aipl.py, Debian's /usr/bin/python3).
# 1M and 10M rows (bench/gen_customers.c, deterministic), best of $RUNS (default 3) wall
# times, peak RSS from /usr/bin/time. Every tool's counts and sums are checked against
# mplan's before a time is reported. Usage: bench/segment.sh [MPLAN] (files go to the
# build directory of the binary). Prints a markdown table (docs/performance.md).
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
RUNS=${RUNS:-3}
SIZES=${SIZES:-"1000000 10000000"}
cc -O2 -o "$OUT/gen_customers" bench/gen_customers.c

# Every anchor's lines "label,count,sum,n,..." against mplan's JSON: counts and non-empty
# counts exactly, sums to 1e-9 relative (the anchors add up in double precision; mplan's
# sums are exact, rounded once).
check() {
    $PY - "$OUT/mplan1.out" "$OUT/$1.out" "$1" <<'PYEOF'
import json, sys
cols = ["recency_days", "orders", "gmv", "visits_30d", "favorites", "carts", "follows",
        "member_level", "reviews", "shares"]
m = {l["label"]: l for l in json.load(open(sys.argv[1]))["labels"]}
seen = set()
for line in open(sys.argv[2]):
    f = line.strip().split(",")
    lab, want = f[0], m[f[0]]
    seen.add(lab)
    assert int(f[1]) == want["count"], (sys.argv[3], lab, "count")
    for i, c in enumerate(cols):
        s, n = float(f[2 + 2 * i]), int(float(f[3 + 2 * i]))
        assert n == want["n"][c], (sys.argv[3], lab, c, "n", n, want["n"][c])
        assert abs(s - want["sum"][c]) <= 1e-9 * max(1, abs(s)), (sys.argv[3], lab, c, s, want["sum"][c])
assert seen == set(m), (sys.argv[3], seen)
PYEOF
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

echo "Segmentation, rule rules/aipl, $(nproc) CPUs, best of $RUNS; ratio = tool time / mplan --jobs 1 time"
echo
echo "| rows | tool | time | peak RSS | ratio |"
echo "| ---: | --- | ---: | ---: | ---: |"
summary=
for n in $SIZES; do
    f=$OUT/customers-$n.csv
    [ -s "$f" ] || "$OUT/gen_customers" "$n" >"$f"
    rows=$(echo "$n" | awk '{ printf($1 >= 1e6 ? "%gM" : "%g", $1 >= 1e6 ? $1 / 1e6 : $1) }')
    run mplan1 "$BIN" segment "$f" --pack rules/aipl --rule stage --jobs 1 --format json --quiet
    t1=$best r1=$rss
    run mplan2 "$BIN" segment "$f" --pack rules/aipl --rule stage --jobs 2 --format json --quiet
    t2=$best r2=$rss
    cmp -s "$OUT/mplan1.out" "$OUT/mplan2.out" || { echo "FAIL: --jobs 1 and --jobs 2 differ" >&2; exit 1; }
    echo "| $rows | mplan --jobs 1 | $t1 s | $(mib $r1) | 1.0x |"
    echo "| $rows | mplan --jobs 2 | $t2 s | $(mib $r2) | $(ratio $t2 $t1) |"
    fastest= fname=
    for a in mawk lua pandas; do
        case $a in
        mawk) run mawk mawk -F, -f bench/anchors/aipl.awk "$f" ;;
        lua) run lua lua5.4 bench/anchors/aipl.lua "$f" ;;
        pandas) run pandas $PY bench/anchors/aipl.py "$f" ;;
        esac
        check $a
        [ "$a" = lua ] && tlua=$best
        if [ "$a" != lua ] && { [ -z "$fastest" ] || awk -v x="$best" -v y="$fastest" 'BEGIN { exit !(x < y) }'; }; then
            fastest=$best fname=$a
        fi
        label=$a
        [ $a = lua ] && label="plain lua5.4 script"
        [ $a = pandas ] && label="pandas (read_csv + np.select)"
        echo "| $rows | $label | $best s | $(mib $rss) | $(ratio $best $t1) |"
    done
    summary="$summary
- $rows rows: mplan --jobs 1 is $(ratio $fastest $t1) faster than the fastest anchor ($fname; goal 2x) and $(ratio $tlua $t1) faster than plain lua5.4 (goal 5x); --jobs 2 is $(ratio $t1 $t2) faster than --jobs 1 (goal 1.7x); peak RSS $(mib $r1) with 1 job, $(mib $r2) with 2"
done
echo "$summary"
