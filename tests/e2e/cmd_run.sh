#!/bin/sh
# mplan run end to end: the optimum of a plan solved on paper, the three formats,
# atomic output, --strict, usage and input errors.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/two-exp.yaml

expect_exit "run json exits 0" 0 "$MPLAN" run "$plan" --format json
# Independent reference: x = 2000/3, y = 1000/3; gmv = 100 + 1000(1-e^-4/3) + 500(1-e^-4/3).
$PY - "$TMP/out" <<'PYEOF' && ok "json: optimum and KPIs as worked out by hand" || fail "json optimum" "see above"
import json, math, sys
d = json.load(open(sys.argv[1]))
sp = {(a["channel"], a["t"]): a["spend"] for a in d["allocation"]}
x, y = 2000/3, 1000/3
assert abs(sp[("a", 1)] - x) < 1e-4, sp
assert abs(sp[("b", 1)] - y) < 1e-4, sp
e = math.exp(-4/3)
gmv = 100 + 1000*(1-e) + 500*(1-e)
tot = d["kpis"]["total"]
assert abs(tot["gmv"] - gmv) < 1e-4, (tot["gmv"], gmv)
assert abs(tot["spend"] - 1000) < 1e-6
# roas and roi are marketing's (channel GMV, the baseline 100 left out); store_ ones include it
assert abs(tot["roas"] - (gmv - 100)/1000) < 1e-9
assert abs(tot["roi"] - ((gmv - 100)*0.5 - 1000)/1000) < 1e-9
assert abs(tot["store_roas"] - gmv/1000) < 1e-9 and abs(tot["channel_gmv"] - (gmv - 100)) < 1e-6
assert tot["aov"] is not None and tot["store_aov"] is None
# channel a's funnel: orders = gmv_a/50, clicks = orders/0.02, impressions = clicks/0.01
ga = 1000*(1-e)
ka = d["kpis"]["by_channel"]["a"]
assert abs(ka["orders"] - ga/50) < 1e-6 and abs(ka["clicks"] - ga/50/0.02) < 1e-4
assert abs(ka["cpc"] - x/(ga/50/0.02)) < 1e-9
# channel b has no funnel: its ratios on clicks are absent (null), never inf
kb = d["kpis"]["by_channel"]["b"]
assert kb["cpc"] is None and kb["ctr"] is None
# mroas at the optimum is the common marginal 2 e^{-4/3}
assert abs(ka["mroas"] - 2*e) < 1e-6 and abs(kb["mroas"] - 2*e) < 1e-6
g = {x["kpi"]: x for x in d["goals"]}
assert g["gmv"]["met"] is False and abs(g["gmv"]["attainment"] - gmv/1300) < 1e-9
assert g["roas"]["met"] is True
assert d["plan"]["allocatable"] == 1000 and d["periods"][0]["phase"] == "normal"
PYEOF

expect_exit "run csv exits 0" 0 "$MPLAN" run "$plan" --format csv
[ "$(head -1 "$TMP/out")" = "channel,t,start,phase,spend,adstock,gmv,impressions,clicks,orders,new_customers,marginal_roas" ] \
    && [ "$(wc -l <"$TMP/out")" -eq 3 ] && grep -q '^a,1,2027-01-04,normal,666.67,' "$TMP/out" \
    && ok "csv: one row per channel and period" || fail "csv" "$(cat "$TMP/out")"

expect_exit "run table exits 0" 0 "$MPLAN" run "$plan" --format table
grep -q "^Goals" "$TMP/out" && grep -q "NO" "$TMP/out" && grep -q "667" "$TMP/out" \
    && ok "table: allocation and goals" || fail "table" "$(cat "$TMP/out")"
# A cpm goal is a ratio, shown with its decimals: a takes 2000/3, its GMV 1000 (1 - e^(-4/3))
# at aov 50, cvr 0.02, ctr 0.01 makes 73,640.29 impressions: cpm 1000 / 73,640.29 x 1000 = 13.58.
sed 's/^goals: .*$/goals: {cpm: 20}/' "$plan" >"$TMP/cpm.yaml"
expect_exit "run with a cpm goal" 0 "$MPLAN" run "$TMP/cpm.yaml" --format table
[ "$(awk '$1 == "cpm" {print $2, $3}' "$TMP/out")" = "20.00 13.58" ] \
    && ok "table: a cpm goal with decimals" || fail "cpm goal" "$(grep -A4 '^Goals' "$TMP/out")"

expect_exit "--strict exits 1 when a goal is missed" 1 "$MPLAN" run "$plan" --strict --format json
# and says which, for scripts that write -o: GMV 1000(1 - e^-4/3) + 500(1 - e^-4/3) + 100 = 1,205
expect_err "--strict names the missed goal" "two-exp.yaml: 1 goal missed: gmv (1,205 of 1,300)"

expect_exit "-o writes the file" 0 "$MPLAN" run "$plan" --format json -o "$TMP/r.json"
$PY -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/r.json" && [ ! -s "$TMP/out" ] \
    && ok "-o: valid JSON in the file, nothing on stdout" || fail "-o" "bad file"
ls "$TMP" | grep -q '\.tmp\.' && fail "-o leaves no temp file" "found one" || ok "-o leaves no temp file"

# A failing run never leaves a half-written file and keeps an existing one intact.
echo keep >"$TMP/old.json"
expect_exit "bad plan exits 3" 3 "$MPLAN" run tests/e2e/plans/does-not-parse.yaml -o "$TMP/old.json" 2>/dev/null || true
[ "$(cat "$TMP/old.json")" = keep ] && ok "failed run keeps the old output file" || fail "old file" "changed"

expect_exit "missing plan file exits 5" 5 "$MPLAN" run "$TMP/nope.yaml"
expect_err "missing plan named" "nope.yaml"
expect_exit "no plan is a usage error" 2 "$MPLAN" run
expect_exit "unknown option is a usage error" 2 "$MPLAN" run "$plan" --frobnicate
expect_exit "bad --format is a usage error" 2 "$MPLAN" run "$plan" --format xml
expect_exit "--help exits 0" 0 "$MPLAN" run --help
grep -q "usage: mplan run" "$TMP/out" && ok "--help prints usage" || fail "--help" "no usage"
expect_exit "mplan help run" 0 "$MPLAN" help run
expect_exit "unknown command exits 2" 2 "$MPLAN" frobnicate

# One number for every period: `spend: 1500` and `season: 1.2` as a spreadsheet user writes
# them; a's GMV each week is 1500 x roas 2 x season 1.2 = 3600.
cat >"$TMP/const.yaml" <<'YAML'
mplan: 1
budget: {total: 100000}
horizon: {start: 2027-01-04, periods: 4, period: week}
season: 1.2
channels:
  - {id: a, kind: paid, response: {curve: linear, roas: 2}, spend: 1500}
  - {id: b, kind: paid, response: {curve: linear, roas: 3}}
YAML
expect_exit "spend: and season: take one number for every period" 0 "$MPLAN" run "$TMP/const.yaml" --format csv
[ "$(grep -c '^a,[1-4],.*,1500.00,1500.00,3600.00,' "$TMP/out")" = 4 ] && ok "constant spend 1500 gives GMV 3600 each week" \
    || fail "constant spend" "$(head -5 "$TMP/out")"

for ex in examples/*/plan.yaml; do
    expect_exit "example $ex runs" 0 "$MPLAN" run "$ex" --format json
done
finish
