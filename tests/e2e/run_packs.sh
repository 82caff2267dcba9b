#!/bin/sh
# mplan run with rule packs: a custom KPI goal from a shipped pack, and PLAN.lock refusing
# a pack that changed since it was locked.
. tests/e2e/lib.sh
PY=/usr/bin/python3
mkdir -p "$TMP/plan"
cp -r rules/kpi-extra "$TMP/kpi-extra"
# two-exp.yaml's optimum spends 2000/3 on 'a' (paid) and 1000/3 on 'b' (self): paid share 2/3.
sed -e 's/^goals: .*/goals: {gmv: 1300, kpi-extra.paid_share: 0.5}/' tests/e2e/plans/two-exp.yaml >"$TMP/plan/p.yaml"
cat >>"$TMP/plan/p.yaml" <<'YAML'
packs:
  - {path: ../kpi-extra}
YAML
expect_exit "run with a custom KPI goal" 0 "$MPLAN" run "$TMP/plan/p.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "paid_share goal is 2/3 and met" || fail "paid_share" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["kpi"]: x for x in d["goals"]}["kpi-extra.paid_share"]
assert abs(g["forecast"] - 2/3) < 1e-6, g
assert g["met"] is True and abs(g["attainment"] - (2/3)/0.5) < 1e-6, g
# every KPI the pack provides is reported, goal or not: gross profit = gmv * margin - spend
import math
gmv = 100 + 1500 * (1 - math.exp(-4/3))
c = d["kpis"]["custom"]
assert abs(c["kpi-extra.gross_profit"] - (gmv * 0.5 - 1000)) < 1e-6, c
assert abs(c["kpi-extra.break_even_roas"] - 2) < 1e-12, c
PYEOF

# whatif evaluates custom-KPI goals per scenario: with these two exp curves the optimum
# always spends x = 2y (2 exp(-x/500) = 2 exp(-y/250)), so the paid share stays 2/3.
expect_exit "whatif with a custom KPI goal" 0 "$MPLAN" whatif "$TMP/plan/p.yaml" --budget 500..2000/4 --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "whatif: paid_share attainment 4/3 at every budget" || fail "whatif custom kpi" "see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
for r in rows:
    assert abs(float(r["attainment_kpi-extra.paid_share"]) - 4/3) < 1e-6, r
PYEOF

expect_exit "pack lock" 0 "$MPLAN" pack lock "$TMP/plan/p.yaml"
[ -f "$TMP/plan/p.lock" ] && ok "lock file written beside the plan" || fail "lock file" "missing"
expect_exit "run with an unchanged locked pack" 0 "$MPLAN" run "$TMP/plan/p.yaml" --format json
echo "-- changed" >>"$TMP/kpi-extra/init.lua"
expect_exit "run refuses a changed pack" 3 "$MPLAN" run "$TMP/plan/p.yaml" --format json
expect_err "the message names the changed file" "init.lua"
expect_err "the message names the lock file" "p.lock"
# Every command that runs the plan's packs goes through the same pipeline, lock check first.
for cmd in "whatif --budget 500..2000/4" "report" "calendar"; do
    # shellcheck disable=SC2086
    expect_exit "$cmd refuses a changed pack" 3 "$MPLAN" $cmd "$TMP/plan/p.yaml" -o "$TMP/x.out"
    expect_err "$cmd names the changed file and the lock" "p.lock"
done
# Audience sizes from a customers file: the plan's segments come from the aipl segmenter,
# checked against the AIPL rule of rules/aipl written again in Python (default params:
# window 365 days, 2 orders to repurchase, loyal from member level 3).
expect_exit "run with segments from a customers file" 0 "$MPLAN" run examples/618-flagship/with-packs.yaml --format json
$PY - "$TMP/out" examples/customers/customers.csv <<'PYEOF' && ok "segment sizes equal an independent AIPL count" || fail "segments from file" "see above"
import csv, json, sys
d = json.load(open(sys.argv[1]))
n = lambda v: float(v) if v != "" else 0.0
want = {"A": 0, "I": 0, "P": 0, "L": 0}
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    bought = r["recency_days"] != "" and float(r["recency_days"]) <= 365
    if (bought and n(r["orders"]) >= 2) or n(r["member_level"]) >= 3 or n(r["reviews"]) > 0 or n(r["shares"]) > 0:
        want["L"] += 1
    elif bought:
        want["P"] += 1
    elif n(r["visits_30d"]) > 0 or n(r["favorites"]) > 0 or n(r["carts"]) > 0 or n(r["follows"]) > 0:
        want["I"] += 1
    else:
        want["A"] += 1
assert d["segments"] == {k: float(v) for k, v in want.items()}, (d["segments"], want)
PYEOF
finish
