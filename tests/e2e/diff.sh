#!/bin/sh
# mplan diff end to end: two plans whose optimum is known by hand (review4.yaml: 2000/3 on a and
# 1000/3 on b a week; diff-b.yaml: 1000 on a and 500 on c a week, one week later), compared as
# plans and as saved runs, by date and by position, in table, CSV and JSON.
. tests/e2e/lib.sh
PY=/usr/bin/python3
A=tests/e2e/plans/review4.yaml
B=tests/e2e/plans/diff-b.yaml

expect_exit "diff json exits 0" 0 "$MPLAN" diff "$A" "$B" --format json
cp "$TMP/out" "$TMP/plans.json"
$PY - "$TMP/out" <<'PYEOF' && ok "json: totals, channels, periods and goals as worked out by hand" || fail "json" "see above"
import json, math, sys
d = json.load(open(sys.argv[1]))
e = math.exp
near = lambda x, y: x is not None and abs(x - y) <= 1e-9 * max(1, abs(y))
ga, gb = 1000 * (1 - e(-4 / 3)), 500 * (1 - e(-4 / 3))     # A, a week: a at 2000/3, b at 1000/3
ha, hc = 1000 * (1 - e(-2)), 500 * (1 - e(-2))             # B, a week: a at 1000, c at 500
t = d["total"]
assert near(t["spend"]["a"], 4000) and near(t["spend"]["b"], 6000) and near(t["spend"]["change"], 2000)
assert near(t["gmv"]["a"], 4 * (ga + gb + 100)) and near(t["gmv"]["b"], 4 * (ha + hc + 100))
assert near(t["gmv"]["change_pct"], (ha + hc + 100) / (ga + gb + 100) - 1)
assert near(t["roas"]["a"], (ga + gb) / 1000) and near(t["roas"]["b"], (ha + hc) / 1500)   # channel GMV / spend
assert near(t["new_customers"]["a"], 4 * ga / 50 * 0.5) and near(t["new_customers"]["b"], 4 * ha / 50 * 0.5)
ch = {c["channel"]: c for c in d["by_channel"]}
assert [c["channel"] for c in d["by_channel"]] == ["a", "b", "c"]
assert ch["a"]["presence"] == "both" and ch["b"]["presence"] == "only A" and ch["c"]["presence"] == "only B"
assert near(ch["a"]["spend"]["a"], 8000 / 3) and near(ch["a"]["spend"]["b"], 4000)
assert near(ch["a"]["gmv"]["change"], 4 * (ha - ga))
assert ch["b"]["spend"]["b"] is None and ch["b"]["spend"]["change"] is None and near(ch["b"]["gmv"]["a"], 4 * gb)
assert ch["c"]["spend"]["a"] is None and near(ch["c"]["spend"]["b"], 2000)
assert d["diff"]["periods_paired_by"] == "date"
p = d["by_period"]
assert [(x["start"], x["t_a"], x["t_b"], x["presence"]) for x in p] == [
    ("2027-01-04", 1, None, "only A"), ("2027-01-11", 2, 1, "both"), ("2027-01-18", 3, 2, "both"),
    ("2027-01-25", 4, 3, "both"), ("2027-02-01", None, 4, "only B")], p
assert near(p[1]["spend"]["change"], 500) and near(p[1]["gmv"]["a"], ga + gb + 100) and near(p[1]["gmv"]["b"], ha + hc + 100)
g = {x["kpi"]: x for x in d["goals"]}
assert [x["kpi"] for x in d["goals"]] == ["gmv", "roas", "new_customers"]
assert g["gmv"]["presence"] == "both" and near(g["gmv"]["target"]["change"], 800)
assert g["gmv"]["met_a"] is False and g["gmv"]["met_b"] is False            # 4,818 < 5,200; 5,588 < 6,000
assert g["roas"]["presence"] == "only A" and g["roas"]["met_a"] is True and g["roas"]["met_b"] is None
assert g["new_customers"]["presence"] == "only B" and g["new_customers"]["met_b"] is True   # 34.6 >= 30
PYEOF

# A saved run is the same as the plan it came from.
expect_exit "run saved as json" 0 "$MPLAN" run "$A" --format json -o "$TMP/a.json"
expect_exit "diff of a saved run and a plan exits 0" 0 "$MPLAN" diff "$TMP/a.json" "$B" --format json
$PY - "$TMP/plans.json" "$TMP/out" <<'PYEOF' && ok "saved run = plan, but for the source name" || fail "saved run" "see above"
import json, sys
x, y = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert x["diff"]["a"]["source"].endswith("review4.yaml") and y["diff"]["a"]["source"].endswith("a.json")
for d in (x, y):
    del d["diff"]["a"]["source"]
def close(u, v):
    if isinstance(u, dict):
        return u.keys() == v.keys() and all(close(u[k], v[k]) for k in u)
    if isinstance(u, list):
        return len(u) == len(v) and all(close(p, q) for p, q in zip(u, v))
    if isinstance(u, float) and isinstance(v, (int, float)):
        return abs(u - v) <= 1e-12 * max(1, abs(u))
    return u == v
assert close(x, y)
PYEOF

expect_exit "diff table exits 0" 0 "$MPLAN" diff "$A" "$B" --format table
# 4 (1500 (1 - e^-4/3) + 100) = 4,818 and 4 (1500 (1 - e^-2) + 100) = 5,588: +770, +16.0%
grep -Eq '^gmv +4,818 +5,588 +770 +\+16\.0%$' "$TMP/out" && grep -Eq '^b \(only in A\) +1,333 +- +- +- +1,473 ' "$TMP/out" \
    && grep -Eq '^- +4 +2027-02-01 \(only in B\) +- +1,500 ' "$TMP/out" && grep -Eq '^new_customers +- +30 +- +35 +- +- +- +yes$' "$TMP/out" \
    && ok "table: separators, one-sided channels, periods and goals" || fail "table" "$(cat "$TMP/out")"
awk '/^By channel/{getline; h=$0; getline; getline; print length(h), length($0)}' "$TMP/out" | awk '$1 != $2 {exit 1}' \
    && ok "table: rows as wide as the header" || fail "alignment" "$(sed -n '/^By channel/,/^$/p' "$TMP/out")"

expect_exit "diff by position" 0 "$MPLAN" diff "$A" "$B" --periods position --by period --format json
$PY - "$TMP/out" <<'PYEOF' && ok "--periods position pairs week 1 with week 1; --by period leaves channels out" || fail "position" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["diff"]["periods_paired_by"] == "position" and "by_channel" not in d
assert [(x["t_a"], x["t_b"], x["presence"]) for x in d["by_period"]] == [(t, t, "both") for t in range(1, 5)]
assert abs(d["by_period"][0]["spend"]["change"] - 500) < 1e-6
PYEOF

expect_exit "diff csv exits 0" 0 "$MPLAN" diff "$A" "$B" --format csv --by channel
$PY - "$TMP/out" <<'PYEOF' && ok "csv: tidy rows, exact numbers, presence" || fail "csv" "see above"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == "scope,key,t_a,t_b,value,a,b,change,change_pct,presence".split(","), rows[0]
r = {(x[0], x[1], x[4]): x for x in rows[1:]}
tot = r[("total", "", "spend")]
assert abs(float(tot[5]) - 4000) < 1e-6 and abs(float(tot[6]) - 6000) < 1e-6 and abs(float(tot[8]) - 0.5) < 1e-9, tot
c = r[("channel", "c", "spend")]
assert c[5] == "" and abs(float(c[6]) - 2000) < 1e-6 and c[7] == c[8] == "" and c[9] == "only B", c
assert not any(x[0] == "period" for x in rows[1:])                  # --by channel
assert r[("goal", "roas", "met")][5:] == ["1", "", "", "", "only A"]
PYEOF

# Units: a Chinese store shows large amounts in 万 (A's locale decides; --units overrides; a
# saved run keeps its plan's units). review4.yaml with every amount 100 times larger: the
# optimum scales with it (exp curves), so A spends 400,000 = 40.0万 and B 500,000.
sed -e 's/^store:.*/store: {name: 测试旗舰店, currency: CNY, locale: zh-CN}/' -e 's/total: 4000/total: 400000/' \
    -e 's/gmv: 100}/gmv: 10000}/' -e 's/beta: 1000, k: 500/beta: 100000, k: 50000/' \
    -e 's/beta: 500, k: 250/beta: 50000, k: 25000/' -e 's/max: 3000/max: 300000/' -e 's/aov: 50,/aov: 5000,/' \
    -e 's/gmv: 5200,/gmv: 520000,/' "$A" >"$TMP/wan-a.yaml"
sed -e 's/total: 400000/total: 500000/' "$TMP/wan-a.yaml" >"$TMP/wan-b.yaml"
expect_exit "diff of a zh-CN plan" 0 "$MPLAN" diff "$TMP/wan-a.yaml" "$TMP/wan-b.yaml" -q --format table --by channel
cp "$TMP/out" "$TMP/wan.txt"
expect_exit "saved run of a zh-CN plan" 0 "$MPLAN" run "$TMP/wan-a.yaml" -q --format json -o "$TMP/wan-a.json"
expect_exit "diff of its saved run" 0 "$MPLAN" diff "$TMP/wan-a.json" "$TMP/wan-b.yaml" -q --format table --by channel
cp "$TMP/out" "$TMP/wan-json.txt"
expect_exit "diff --units plain" 0 "$MPLAN" diff "$TMP/wan-a.yaml" "$TMP/wan-b.yaml" -q --format table --units plain
cp "$TMP/out" "$TMP/plain.txt"
$PY - "$TMP/wan-a.json" >"$TMP/old.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["plan"]["units"] == "wan", d["plan"]
del d["plan"]["units"]            # a run saved before plan.units was written
json.dump(d, sys.stdout)
PYEOF
expect_exit "diff of a saved run without units" 0 "$MPLAN" diff "$TMP/old.json" "$TMP/wan-b.yaml" -q --format table
cp "$TMP/out" "$TMP/old.txt"
$PY - "$TMP" <<'PYEOF' && ok "tables: 万 from the locale, plain with --units plain or from an old saved run" || fail "units" "see above"
import math, sys
d = sys.argv[1]
wan, wan_json, plain, old = (open(f"{d}/{f}.txt", encoding="utf-8").read() for f in ("wan", "wan-json", "plain", "old"))
g = 100 * 4 * (1500 * (1 - math.exp(-4 / 3)) + 100)           # A's total GMV, by hand
for t in (wan, wan_json):
    assert "amounts: 万 = 10,000, 亿 = 100,000,000" in t, t
    spend = [l.split() for l in t.splitlines() if l.startswith("spend ")][0]
    assert spend[1:4] == ["40.0万", "50.0万", "10.0万"], spend
    gmv = [l.split() for l in t.splitlines() if l.startswith("gmv ")][0]
    assert gmv[1] == f"{g / 1e4:,.1f}万", (gmv, g)
    a = [l.split() for l in t.splitlines() if l.startswith("a ")][0]
    assert a[1] == f"{4 * 200000 / 3 / 1e4:.1f}万", a           # 2000/3 x 100 a week on a
for t in (plain, old):
    assert "万" not in t and "amounts:" not in t, t
    spend = [l.split() for l in t.splitlines() if l.startswith("spend ")][0]
    assert spend[1:4] == ["400,000", "500,000", "100,000"], spend
PYEOF
expect_exit "a bad --units is a usage error" 2 "$MPLAN" diff "$A" "$B" --units lakh
expect_err "--units names its values" "--units takes plain, k or wan, not 'lakh'"

# Mistakes.
echo '{"mplan": 1}' >"$TMP/not-run.json"
expect_exit "a JSON that is not a run exits 3" 3 "$MPLAN" diff "$TMP/not-run.json" "$B"
expect_err "says what is missing" "not-run.json: no 'plan': not the JSON of 'mplan run --format json'"
printf '{"plan": \n' >"$TMP/broken.json"
expect_exit "broken JSON exits 3" 3 "$MPLAN" diff "$A" "$TMP/broken.json"
expect_err "broken JSON at file:line" "broken.json:2:"
expect_exit "a missing file exits 5" 5 "$MPLAN" diff "$A" "$TMP/none.yaml"
expect_exit "one argument is a usage error" 2 "$MPLAN" diff "$A"
expect_exit "a bad --by is a usage error" 2 "$MPLAN" diff "$A" "$B" --by week
expect_err "--by names its values" "--by takes channel, period or both, not 'week'"
finish
