#!/bin/sh
# S-curves end to end: the certified gap and the pulse in the table and JSON, infinite
# first-unit returns shown as such (plans/scurve.yaml, numbers worked out by hand).
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/scurve.yaml

# Budget 60 over two weeks: f(60) = 1000*3600/13600 = 4500/17 in one week beats 2 f(30);
# the envelope's line 5a gives the bound 300, so the gap is (300 - 4500/17)/300 = 2/17.
expect_exit "scurve run json exits 0" 0 "$MPLAN" run "$plan" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "json: gap, bound, optimal, pulse, mroas inf" || fail "scurve json" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plan"]
assert p["optimal"] is False, p
assert abs(p["gap"] - 2 / 17) < 1e-9 and abs(p["bound"] - 300) < 1e-7, p
assert p["search"] == "work limit", p
assert abs(d["kpis"]["total"]["gmv"] - 4500 / 17) < 1e-7
s = d["kpis"]["by_channel"]["s"]["pulse"]
assert s["pattern"] == "pulse" and s["on"] == 1 and s["off"] == 1 and s["bursts"] == 1, s
assert abs(s["knee"] - 100) < 1e-9 and abs(s["peak"] - 60) < 1e-7, s
root = d["kpis"]["by_channel"]["root"]
assert root["mroas"] == "inf" and "pulse" not in root, root
PYEOF

expect_exit "scurve run table exits 0" 0 "$MPLAN" run "$plan" --format table
grep -qF "S-curves: within 11.8% of the best possible (no allocation beats 300)" "$TMP/out" &&
    ok "table: the certified gap" || fail "table gap" "$(cat "$TMP/out")"
grep -qF "s: pulses, on 1 of 2 weeks in 1 burst (adstock 60 when on)" "$TMP/out" &&
    ok "table: the pulse and why" || fail "table pulse" "$(cat "$TMP/out")"
grep -qE "^root +0 +0 +- +inf " "$TMP/out" && ok "table: mroas inf" || fail "table inf" "$(grep root "$TMP/out")"

# Budget 300: past the knee the curve is concave, 150 a week, the bound is met: always on.
sed 's/total: 60}/total: 300}/' "$plan" >"$TMP/p300.yaml"
expect_exit "scurve 300 exits 0" 0 "$MPLAN" run "$TMP/p300.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "json: always on, gap closed" || fail "scurve 300" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["plan"]
assert p["gap"] < 1e-9 and p["search"] == "gap", p
assert abs(d["kpis"]["total"]["gmv"] - 2 * 1000 * 22500 / 32500) < 1e-6
s = d["kpis"]["by_channel"]["s"]["pulse"]
assert s["pattern"] == "always-on" and s["on"] == 2 and s["off"] == 0, s
PYEOF

# A concave plan says nothing about gaps in the table and is optimal in JSON.
expect_exit "concave run json" 0 "$MPLAN" run tests/e2e/plans/two-exp.yaml --format json
$PY -c "import json,sys; p=json.load(open(sys.argv[1]))['plan']; assert p['optimal'] is True and p['gap'] == 0 and p['search'] == 'exact', p" "$TMP/out" &&
    ok "json: concave is exact" || fail "concave json" "$(head -c 300 "$TMP/out")"
finish
