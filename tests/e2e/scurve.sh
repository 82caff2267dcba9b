#!/bin/sh
# S-curves end to end: the certified gap and the pulse in the table and JSON, infinite
# first-unit returns shown as such (plans/scurve.yaml, numbers worked out by hand).
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/scurve.yaml

# Budget 60 over two weeks: f(60) = 1000*3600/13600 = 4500/17 in one week beats 2 f(30);
# no adstock can pass 60, below the knee 100, so the envelope is the chord f(60)/60 a and
# the bound is 4500/17 itself: a pulse, certified optimal.
expect_exit "scurve run json exits 0" 0 "$MPLAN" run "$plan" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "json: pulse certified optimal, mroas inf" || fail "scurve json" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plan"]
assert p["optimal"] is True and p["gap"] < 1e-7 and p["search"] == "gap", p
assert abs(p["bound"] - 4500 / 17) < 1e-5, p
assert abs(d["kpis"]["total"]["gmv"] - 4500 / 17) < 1e-7
s = d["kpis"]["by_channel"]["s"]["pulse"]
assert s["pattern"] == "pulse" and s["on"] == 1 and s["off"] == 1 and s["bursts"] == 1, s
assert abs(s["knee"] - 100) < 1e-9 and abs(s["peak"] - 60) < 1e-7, s
root = d["kpis"]["by_channel"]["root"]
assert root["mroas"] == "inf" and "pulse" not in root, root
PYEOF

expect_exit "scurve run table exits 0" 0 "$MPLAN" run "$plan" --format table
grep -qF "s: pulses, on 1 of 2 weeks in 1 burst (adstock 60 when on)" "$TMP/out" &&
    ok "table: the pulse and why" || fail "table pulse" "$(cat "$TMP/out")"
grep -qE "^root +0 +0 +- +inf " "$TMP/out" && ok "table: mroas inf" || fail "table inf" "$(grep root "$TMP/out")"

# Budget 150: 75 + 75 gives 2 f(75) = 720 (150 + 0: 692.3, 100 + 50: 700); the envelope's
# line 5a (knee 100) promises 750 (4% more), and branch and bound on the cells brings the
# bound down to within 1e-4 of 720: always on, certified within 0.01%.
sed 's/total: 60}/total: 150}/' "$plan" >"$TMP/p150.yaml"
expect_exit "scurve 150 exits 0" 0 "$MPLAN" run "$TMP/p150.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "json: always on, gap below 1e-4" || fail "scurve 150" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plan"]
assert p["gap"] <= 1e-4 and 720 - 1e-9 <= p["bound"] <= 720 / (1 - 1e-4), p
assert abs(p["gap"] - (p["bound"] - 720) / p["bound"]) < 1e-9 and p["search"] == "gap", p
assert abs(d["kpis"]["total"]["gmv"] - 720) < 1e-6
s = d["kpis"]["by_channel"]["s"]["pulse"]
assert s["pattern"] == "always-on" and s["on"] == 2 and s["off"] == 0, s
PYEOF
expect_exit "scurve 150 table" 0 "$MPLAN" run "$TMP/p150.yaml" --format table
grep -qE "S-curves: within [0-9.,]+% of the best possible \(no allocation beats 720\); the gap is below 0.01% after [0-9]+ local searches" "$TMP/out" &&
    ok "table: the certified gap" || fail "table gap" "$(cat "$TMP/out")"

# A concave plan says nothing about gaps in the table and is optimal in JSON.
expect_exit "concave run json" 0 "$MPLAN" run tests/e2e/plans/two-exp.yaml --format json
$PY -c "import json,sys; p=json.load(open(sys.argv[1]))['plan']; assert p['optimal'] is True and p['gap'] == 0 and p['search'] == 'exact', p" "$TMP/out" &&
    ok "json: concave is exact" || fail "concave json" "$(head -c 300 "$TMP/out")"
finish
