#!/bin/sh
# abtest analyze --pack (issue 12 part 4): a pack's metric hook gives each visitor a number
# (the example: revenue net of returns) that is analysed as revenue is. Expected values are
# recomputed here with scipy from the file itself (mean, Welch interval and p-value per
# variant); the bootstrap interval must be the one the same numbers get as a revenue column.
# Hostile metrics (an error, an endless loop, a wrong return) fail with exit 4 naming the
# file:line, the pack and the hook.
. tests/e2e/lib.sh
PY=/usr/bin/python3 # Debian's, with numpy and scipy (make deps-test)

EX=examples/new-trade-festival/abtest
PK=$EX/net-revenue
expect_exit "example pack: check" 0 "$MPLAN" pack check $PK
expect_exit "example pack: its tests" 0 "$MPLAN" pack test $PK
expect_exit "net_revenue: analyze" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --metric net_revenue --format csv
cp "$TMP/out" "$TMP/pack.csv"

"$PY" - "$EX/visitors.csv" "$TMP/pack.csv" <<'PY' >"$TMP/py" 2>&1 && ok "net_revenue: mean, CI, Welch lift and p match scipy" \
    || fail "net_revenue: mean, CI, Welch lift and p match scipy" "$(cat "$TMP/py")"
import csv, sys
import numpy as np
from scipy import stats
net = {}
for r in csv.DictReader(open(sys.argv[1])):
    net.setdefault(r["variant"], []).append(float(r["revenue"]) - float(r["refund"]))
got = {r["variant"]: r for r in csv.DictReader(open(sys.argv[2])) if r["metric"] == "net_revenue"}
assert set(got) == {"A", "B"}, got.keys()
assert got["A"]["role"] == "primary" and got["A"]["control"] == "1"
def close(a, b, what):
    if abs(float(a) - b) > 1e-6 * max(1, abs(b)):
        raise SystemExit("%s: got %s, want %.12g" % (what, a, b))
for v, x in net.items():
    x = np.array(x)
    m, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
    q = stats.t.ppf(0.975, len(x) - 1)
    close(got[v]["visitors"], len(x), v + " visitors")
    close(got[v]["value"], m, v + " mean")
    close(got[v]["value_lo"], m - q * se, v + " mean lo")
    close(got[v]["value_hi"], m + q * se, v + " mean hi")
a, b = np.array(net["A"]), np.array(net["B"])
t = stats.ttest_ind(b, a, equal_var=False)
va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
d, q = b.mean() - a.mean(), stats.t.ppf(0.975, df)
close(got["B"]["diff"], d, "diff")
close(got["B"]["diff_lo"], d - q * np.sqrt(va + vb), "diff lo")
close(got["B"]["diff_hi"], d + q * np.sqrt(va + vb), "diff hi")
close(got["B"]["rel"], b.mean() / a.mean() - 1, "rel")
close(got["B"]["p"], t.pvalue, "p")
assert got["B"]["boot_lo"] and got["B"]["boot_hi"], "no bootstrap interval"
assert float(got["B"]["boot_lo"]) < d < float(got["B"]["boot_hi"]), "bootstrap interval misses the lift"
PY

# The same numbers as a revenue column: the same bootstrap (one stream per arm and seed).
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "visitor,variant,converted,revenue"; next }
         { print $1, $2, $3, $4 - $5 }' $EX/visitors.csv >"$TMP/net.csv"
expect_exit "net as a revenue column" 0 "$MPLAN" abtest analyze "$TMP/net.csv" --metric revenue --format csv
"$PY" - "$TMP/pack.csv" "$TMP/out" <<'PY' >"$TMP/py" 2>&1 && ok "net_revenue: bootstrapped as revenue is (same interval)" \
    || fail "net_revenue: bootstrapped as revenue is (same interval)" "$(cat "$TMP/py")"
import csv, sys
p = {r["variant"]: r for r in csv.DictReader(open(sys.argv[1])) if r["metric"] == "net_revenue"}
q = {r["variant"]: r for r in csv.DictReader(open(sys.argv[2])) if r["metric"] == "revenue"}
for k in ("value", "diff", "p", "boot_lo", "boot_hi", "boot_rel_lo", "boot_rel_hi"):
    if abs(float(p["B"][k]) - float(q["B"][k])) > 1e-9 * max(1, abs(float(q["B"][k]))):
        raise SystemExit("%s: pack %s, revenue column %s" % (k, p["B"][k], q["B"][k]))
PY

expect_exit "--metric PACK.NAME" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --metric net-revenue.net_revenue --format csv
cmp -s "$TMP/out" "$TMP/pack.csv" && ok "--metric PACK.NAME: the same read-out" || fail "--metric PACK.NAME: the same read-out" "differs"
expect_exit "a pack metric as a secondary metric" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --format csv
grep -q '^net_revenue,secondary,B,' "$TMP/out" && ok "secondary: net_revenue listed" || fail "secondary: net_revenue listed" "$(head -c 300 "$TMP/out")"
expect_exit "--pack NAME on the rules path" 0 env MPLAN_RULES_PATH=$EX "$MPLAN" abtest analyze $EX/visitors.csv \
    --pack net-revenue --metric net_revenue --format csv
cmp -s "$TMP/out" "$TMP/pack.csv" && ok "--pack NAME: the same read-out" || fail "--pack NAME: the same read-out" "differs"
expect_exit "table: the verdict is on net_revenue" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --metric net_revenue --format table
grep -q "^Verdict: No significant difference on net_revenue: B vs A -10.9%" "$TMP/out" && ok "table: verdict names net_revenue" \
    || fail "table: verdict names net_revenue" "$(tail -1 "$TMP/out")"

# The row a metric sees: row.col, row[i], #row, pairs(row), row:has(name); every row of the
# example file has its 5 columns filled, so each gives 100 * 5 + 10 * 5 + 1 + 1000 = 1551.
mkdir -p "$TMP/shape"
printf 'name: shape\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {metrics: [shape]}\n' >"$TMP/shape/pack.yaml"
cat >"$TMP/shape/init.lua" <<'LUA'
return {shape = function(row)
  local n = 0
  for k, v in pairs(row) do if row[k] == v then n = n + 1 end end
  return #row * 100 + n * 10 + (row:has("refund") and 1 or 0) + (row:has("refunds") and 7 or 0) +
    (row[2] == row.variant and 1000 or 0)
end}
LUA
expect_exit "row API: analyze" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack "$TMP/shape" --metric shape --format csv
[ "$(awk -F, '$1 == "shape" { print $3 "=" $6 }' "$TMP/out" | tr '\n' ' ')" = "A=1551 B=1551 " ] \
    && ok "row API: fields, positions, length, pairs, has" || fail "row API: fields, positions, length, pairs, has" "$(head -c 400 "$TMP/out")"

# --param: the store keeps 40% of a refund.
expect_exit "--param fee_kept=0.4" 0 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --metric net_revenue \
    --param fee_kept=0.4 --format csv
"$PY" - "$EX/visitors.csv" "$TMP/out" <<'PY' >"$TMP/py" 2>&1 && ok "--param fee_kept=0.4: revenue - 0.6 refund" \
    || fail "--param fee_kept=0.4: revenue - 0.6 refund" "$(cat "$TMP/py")"
import csv, sys
x = {}
for r in csv.DictReader(open(sys.argv[1])):
    x.setdefault(r["variant"], []).append(float(r["revenue"]) - 0.6 * float(r["refund"]))
got = {r["variant"]: float(r["value"]) for r in csv.DictReader(open(sys.argv[2])) if r["metric"] == "net_revenue"}
for v in x:
    want = sum(x[v]) / len(x[v])
    assert abs(got[v] - want) < 1e-9 * max(1, abs(want)), (v, got[v], want)
PY
expect_exit "--param: out of range" 2 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --param fee_kept=2
expect_err "--param: says the range" "--param fee_kept=2: param 'fee_kept' must be between 0 and 1"
expect_exit "--param: not a param" 2 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --param fee=2
expect_err "--param: names the pack" "--param fee=2: pack 'net-revenue' has no param 'fee'"

# A wide file: 300 text columns beside the visitor's (the row object holds them all).
"$PY" - "$TMP/wide.csv" <<'PY'
import sys
cols = ["t%d" % i for i in range(300)]
with open(sys.argv[1], "w") as f:
    f.write("variant,converted,revenue," + ",".join(cols) + "\n")
    for i in range(40):
        f.write("%s,%d,%d,%s\n" % ("AB"[i % 2], i % 3 == 0, 10 * (i % 3 == 0), ",".join("x%d" % i for _ in cols)))
PY
mkdir -p "$TMP/wide"
printf 'name: wide\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {metrics: [last]}\n' >"$TMP/wide/pack.yaml"
printf 'return {last = function(row) return #row + (row.t299 == row[303] and 1 or 0) end}\n' >"$TMP/wide/init.lua"
expect_exit "300 columns: analyze" 0 "$MPLAN" abtest analyze "$TMP/wide.csv" --pack "$TMP/wide" --metric last --format csv
[ "$(awk -F, '$1 == "last" { print $6 }' "$TMP/out" | tr '\n' ' ')" = "304 304 " ] && ok "300 columns: every column in the row" \
    || fail "300 columns: every column in the row" "$(head -c 300 "$TMP/out")"

# ---- bad input and hostile hooks ----
expect_exit "per-variant rows: refused" 3 "$MPLAN" abtest analyze $EX/results.csv --pack $PK --metric net_revenue
expect_err "per-variant rows: says why" "a pack metric needs one row per visitor"
expect_exit "--metric: not a metric of the file or pack" 2 "$MPLAN" abtest analyze $EX/visitors.csv --pack $PK --metric gross
expect_err "--metric: lists the metrics" "(metrics: conversion, revenue, net_revenue, refund)"
expect_exit "--pack: a directory that is no pack" 5 "$MPLAN" abtest analyze $EX/visitors.csv --pack "$TMP/none"

# One pack per hostile metric (every metric a pack provides runs on every row).
hostile() { # hostile NAME LUA-BODY: a pack bad-NAME whose metric NAME is function(row) LUA-BODY end
    mkdir -p "$TMP/bad-$1"
    printf 'name: bad-%s\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {metrics: [%s]}\n' "$1" "$1" >"$TMP/bad-$1/pack.yaml"
    printf 'local M = {}\nfunction M.%s(row)\n  %s\nend\nreturn M\n' "$1" "$2" >"$TMP/bad-$1/init.lua"
}
hostile boom 'if row.variant == "B" then error("no refund data for " .. row.visitor) end return 1'
hostile spin 'while true do end'
hostile text 'return "12.5"'
hostile nothing 'local x = row.revenue'
hostile nan 'return 0 / 0'
hostile write 'row.revenue = 0 return 0'
hostile unknown 'return row.refunds'
hostile hog 'local t = {} for i = 1, 1e8 do t[i] = i end return 0'
bad() { # bad NAME EXIT TEXT [flags]: the metric NAME fails with EXIT and TEXT in the message
    n=$1 code=$2 text=$3
    shift 3
    expect_exit "hostile $n: exit $code" "$code" "$MPLAN" abtest analyze $EX/visitors.csv --pack "$TMP/bad-$n" --metric "$n" "$@"
    expect_err "hostile $n: message" "$text"
}
bad boom 4 "visitors.csv:3: $TMP/bad-boom/init.lua:3: in metric 'boom': no refund data for v00002"
bad spin 4 "visitors.csv:2: pack 'bad-spin': in metric 'spin': instruction limit (1e6 steps) exceeded" --max-steps 1e6
bad text 4 "visitors.csv:2: pack 'bad-text': metric 'text' returned the string '12.5', expected a finite number"
bad nothing 4 "visitors.csv:2: pack 'bad-nothing': metric 'nothing' returned nil, expected a finite number"
bad nan 4 "visitors.csv:2: pack 'bad-nan': metric 'nan' returned nan, expected a finite number"
bad write 4 "in metric 'write': row is read-only"
bad unknown 4 "in metric 'unknown': row has no column 'refunds' (columns: visitor, variant, converted, revenue, refund)"
bad hog 4 "pack 'bad-hog': in metric 'hog': memory limit (16 MiB) exceeded" --max-mem 16M
expect_exit "hostile: a limit on the time" 4 "$MPLAN" abtest analyze $EX/visitors.csv --pack "$TMP/bad-spin" --metric spin --timeout 200ms
expect_err "hostile: the time limit named" "in metric 'spin': time limit (0.2 s) exceeded"

mkdir -p "$TMP/nom"
printf 'name: no-metrics\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {kpis: [k]}\n' >"$TMP/nom/pack.yaml"
printf 'return {k = function() return 1 end}\n' >"$TMP/nom/init.lua"
expect_exit "a pack without metrics" 3 "$MPLAN" abtest analyze $EX/visitors.csv --pack "$TMP/nom"
expect_err "a pack without metrics: says so" "pack 'no-metrics' provides no metric"
finish
