#!/bin/sh
# Per-visitor A/B analysis speed: `mplan abtest analyze` on one row per visitor
# (variant,converted,revenue,returns; 2 variants, 3% conversion) against a pandas groupby of
# the same file (read_csv + per-variant count, sum, mean, variance: the least an analyst
# computes before any test statistic), and `mplan segment` on a customers file of the same
# row count as the streaming anchor. 10M rows by default (ROWS), best of $RUNS (default 3)
# wall times, peak RSS from /usr/bin/time. mplan's conversions and revenue means are checked
# against pandas' before a time is reported. Usage: bench/abtest.sh [MPLAN]. Prints a
# markdown table (docs/performance.md).
set -e
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bench_bin "$1"
RUNS=${RUNS:-3}
ROWS=${ROWS:-10000000}
F="$OUT/visitors_$ROWS.csv"
[ -s "$F" ] || $PY - "$F" "$ROWS" <<'PYEOF'
import sys
import numpy as np
path, n = sys.argv[1], int(sys.argv[2])
g = np.random.default_rng(1)
with open(path, "w") as f:
    f.write("variant,converted,revenue,returns\n")
    step = 1000000
    for s in range(0, n, step):
        k = min(step, n - s)
        v = np.where(g.random(k) < 0.5, "A", "B")
        c = g.random(k) < np.where(v == "A", 0.030, 0.031)
        rev = np.where(c, np.round(g.lognormal(5, 1, k), 2), 0)
        ret = (c & (g.random(k) < 0.08)).astype(int)
        lines = ["%s,%d,%s,%d" % t for t in zip(v, c, np.char.mod("%.2f", rev), ret)]
        f.write("\n".join(lines) + "\n")
PYEOF

cat >"$OUT/ab_pandas.py" <<'PYEOF'
import sys
import pandas as pd
d = pd.read_csv(sys.argv[1], dtype={"variant": "category"})
g = d.groupby("variant", observed=True).agg(n=("converted", "size"), conv=("converted", "sum"),
                                            rev=("revenue", "mean"), rev_var=("revenue", "var"),
                                            ret=("returns", "mean"))
g.to_csv(sys.stdout)
PYEOF

run mplan_ab "$BIN" abtest analyze "$F" --format json
t_ab=$best rss_ab=$rss
run mplan_ab0 "$BIN" abtest analyze "$F" --bootstrap 0 --format json
t_ab0=$best rss_ab0=$rss
run pandas_ab $PY "$OUT/ab_pandas.py" "$F"
t_pd=$best rss_pd=$rss
$PY - "$OUT/mplan_ab.out" "$OUT/pandas_ab.out" <<'PYEOF'
import csv, json, sys
m = json.load(open(sys.argv[1]))
ms = {x["name"]: {v["variant"]: v for v in x["variants"]} for x in m["metrics"]}
for r in csv.DictReader(open(sys.argv[2])):
    v = r["variant"]
    assert ms["conversion"][v]["visitors"] == int(r["n"]) and ms["conversion"][v]["sum"] == int(r["conv"]), v
    assert abs(ms["revenue"][v]["value"] - float(r["rev"])) <= 1e-9 * float(r["rev"]), v
PYEOF

echo "| $ROWS rows, one per visitor | wall s (best of $RUNS) | rows/s | peak RSS MiB |"
echo "| --- | ---: | ---: | ---: |"
for x in "mplan abtest analyze (1,000 bootstrap replicates)|$t_ab|$rss_ab" \
         "mplan abtest analyze --bootstrap 0|$t_ab0|$rss_ab0" \
         "pandas read_csv + groupby (count, sum, mean, var)|$t_pd|$rss_pd"; do
    echo "$x" | awk -F'|' -v n="$ROWS" '{printf "| %s | %.2f | %.1fM | %.0f |\n", $1, $2, n / $2 / 1e6, $3 / 1024}'
done
