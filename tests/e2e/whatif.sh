#!/bin/sh
# mplan whatif end to end: a budget sweep solved on paper, scenario files, grids, sorting,
# the SVG curve, monotonicity on a real plan, infeasible scenarios and bad input.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/two-exp.yaml

# two-exp: k_a = 2 k_b and beta/k equal, so the optimum is x = 2B/3, y = B/3 and
# gmv = 100 + 1500 (1 - e^(-B/750)), the next unit of budget brings 2 e^(-B/750).
expect_exit "budget sweep exits 0" 0 "$MPLAN" whatif "$plan" --budget 500..2000/4 --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "csv: one row per budget, gmv and mroas as worked out by hand" || fail "budget sweep" "see above"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
head = open(sys.argv[1]).readline().strip().split(",")
assert head[:20] == ["budget", "spend", "impressions", "clicks", "orders", "gmv", "new_customers", "ctr", "cvr",
                     "aov", "cpc", "cpm", "cac", "roas", "roi", "channel_gmv", "store_roas", "store_roi", "store_aov", "mroas"], head
assert [float(r["budget"]) for r in rows] == [500, 1000, 1500, 2000], rows
for r in rows:
    B = float(r["budget"])
    gmv = 100 + 1500 * (1 - math.exp(-B / 750))
    assert abs(float(r["gmv"]) - gmv) < 0.01, (B, r["gmv"], gmv)
    assert abs(float(r["mroas"]) - 2 * math.exp(-B / 750)) < 1e-5, (B, r["mroas"])
    assert abs(float(r["spend_a"]) - 2 * B / 3) < 0.01 and abs(float(r["spend_b"]) - B / 3) < 0.01, r
    # roas is marketing's (the baseline 100 left out), store_roas the store's
    assert abs(float(r["roas"]) - (gmv - 100) / B) < 1e-5 and abs(float(r["store_roas"]) - gmv / B) < 1e-5
    assert r["status"] == "ok"
    assert abs(float(r["attainment_gmv"]) - gmv / 1300) < 1e-5
PYEOF

# A scenario file: 'pessimistic' halves a's beta. Then e^(-x/500) = 2 e^(-y/250) with x + y = 1000:
# y = (1000 + 500 ln 2) / 3, x = 1000 - y.
cat >"$TMP/sc.yaml" <<'EOF'
pessimistic:
  channels.a.response.beta: 500
wider b:
  channels.b.response.k: 500
EOF
expect_exit "scenario file exits 0" 0 "$MPLAN" whatif "$plan" --scenario "$TMP/sc.yaml" --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "scenarios: base first, each re-allocated, values by hand" || fail "scenarios" "see above"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["scenario"] for r in rows] == ["base", "pessimistic", "wider b"], rows
e = math.exp(-4 / 3)
assert abs(float(rows[0]["gmv"]) - (100 + 1500 * (1 - e))) < 0.01
y = (1000 + 500 * math.log(2)) / 3
x = 1000 - y
gmv = 100 + 500 * (1 - math.exp(-x / 500)) + 500 * (1 - math.exp(-y / 250))
assert abs(float(rows[1]["gmv"]) - gmv) < 0.01, (rows[1]["gmv"], gmv)
assert abs(float(rows[1]["spend_a"]) - x) < 0.01
# 'wider b' gives b k = 500: 2 e^(-x/500) = e^(-y/500), so x - y = 500 ln 2
x = (1000 + 500 * math.log(2)) / 2
assert abs(float(rows[2]["spend_a"]) - x) < 0.01 and abs(float(rows[2]["spend_b"]) - (1000 - x)) < 0.01, rows[2]
PYEOF

expect_exit "grid exits 0" 0 "$MPLAN" whatif "$plan" --budget 500..1000/2 --set channels.b.response.k=250..500/2 \
    --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "grid: a column per axis named by its path, first axis slowest" || fail "grid" "see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0].keys())[:2] == ["budget", "channels.b.response.k"], rows[0].keys()
assert [(float(r["budget"]), float(r["channels.b.response.k"])) for r in rows] == \
    [(500, 250), (500, 500), (1000, 250), (1000, 500)], rows
PYEOF

expect_exit "--sort gmv exits 0" 0 "$MPLAN" whatif "$plan" --budget 500..2000/4 --sort gmv --format json
$PY - "$TMP/out" <<'PYEOF' && ok "json, sorted best first" || fail "sort" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["axes"]["budget"] for r in d["rows"]] == [2000, 1500, 1000, 500], d["rows"]
assert d["axes"][0] == {"path": "budget", "from": 500, "to": 2000, "n": 4}
PYEOF

expect_exit "--svg exits 0" 0 "$MPLAN" whatif "$plan" --budget 500..2000/4 --format csv --svg "$TMP/c.svg"
$PY - "$TMP/c.svg" <<'PYEOF' && ok "svg: well-formed, GMV, ROAS and mROAS lines" || fail "svg" "see above"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
lines = root.iter(ns + "polyline")
pts = [l.get("points").split() for l in lines]
assert len(pts) == 3 and all(len(p) == 4 for p in pts), pts
text = "".join(root.itertext())
assert "Total GMV vs budget" in text and "marginal ROAS" in text
# reference lines: the plan's GMV goal (1,300) on the GMV plot, break-even ROAS 1 / margin
# (margin 0.5: 2) on the ROAS plot, each where the plot's own tick labels put that value
def ticks(g):  # (value, y) of the y axis tick labels of one plot
    out = []
    for t in g.iter(ns + "text"):
        if t.get("text-anchor") == "end" and t.text:
            v = t.text.replace(",", "").replace("k", "e3").replace("M", "e6")
            try:
                out.append((float(v), float(t.get("y")) - 4))
            except ValueError:
                pass
    return out
plots = [g for g in root.iter(ns + "g") if g.get("class") == "plot"]
refs = [[l for l in g.iter(ns + "line") if l.get("class") == "ref"] for g in plots]
assert [len(r) for r in refs] == [1, 1], [len(r) for r in refs]
labels = [t.text for g in plots for t in g.iter(ns + "text") if t.text and ("goal" in t.text or "break-even" in t.text)]
assert labels == ["goal 1,300", "break-even 2.00 (1 / margin)"], labels
for g, r, want in zip(plots, refs, (1300, 2)):
    (v0, y0), (v1, y1) = ticks(g)[0], ticks(g)[-1]
    got = v0 + (float(r[0].get("y1")) - y0) * (v1 - v0) / (y1 - y0)
    assert abs(got - want) < 0.01 * abs(v1 - v0), (got, want)
PYEOF
printf 'mplan: 1\nhorizon: {start: 2027-01-04, periods: 2, period: week}\nbudget: {total: 1000}\nchannels:\n  - {id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}\n' >"$TMP/nogoal.yaml"
"$MPLAN" whatif "$TMP/nogoal.yaml" --budget 500..1000/2 -q -o /dev/null --svg "$TMP/n.svg" &&
    ! grep -q 'class="ref"' "$TMP/n.svg" && ok "svg: no reference line without a goal or a margin" ||
    fail "svg refs" "$(grep -c 'class="ref"' "$TMP/n.svg") reference lines"

# A plan whose allocator is a rule pack's: each scenario is allocated by the Lua hook.
expect_exit "Lua allocator sweep exits 0" 0 "$MPLAN" whatif tests/e2e/plans/two-exp-lua.yaml --budget 600..1200/2 \
    --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "Lua allocator: even split per scenario, gmv by hand" || fail "Lua allocator" "see above"
import csv, math, sys
for r in csv.DictReader(open(sys.argv[1])):
    B = float(r["budget"])
    assert float(r["spend_a"]) == float(r["spend_b"]) == B / 2, r
    gmv = 100 + 1000 * (1 - math.exp(-B / 1000)) + 500 * (1 - math.exp(-B / 500))
    assert abs(float(r["gmv"]) - gmv) < 0.01, (r["gmv"], gmv)
PYEOF

# More budget never lowers the optimum GMV of a concave plan (the example: hill s <= 1, exp).
expect_exit "example sweep exits 0" 0 "$MPLAN" whatif examples/new-trade-festival/plan.yaml \
    --budget 40000..240000/41 --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "monotone: GMV never falls as the budget grows" || fail "monotone" "see above"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "ok"]
assert len(rows) > 30, len(rows)
g = [float(r["gmv"]) for r in rows]
assert all(b >= a - 1e-6 * a for a, b in zip(g, g[1:])), g
m = [float(r["mroas"]) for r in rows]
assert all(b <= a + 1e-6 for a, b in zip(m, m[1:])), m   # and the next unit brings less and less
PYEOF

# Differences against the base (the plan as written): gmv_vs_base and roas_vs_base are each
# row's gmv and roas minus the base row's, from the CSV's own fields; the base row's are 0.
expect_exit "vs base: scenarios" 0 "$MPLAN" whatif "$plan" --scenario "$TMP/sc.yaml" --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "vs base: scenarios: each row's gmv and roas minus base's, by hand too" || fail "vs base: scenarios" "see above"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
b = rows[0]
assert b["scenario"] == "base" and float(b["gmv_vs_base"]) == 0 and float(b["roas_vs_base"]) == 0, b
for r in rows:
    assert abs(float(r["gmv_vs_base"]) - (float(r["gmv"]) - float(b["gmv"]))) <= 0.011, r
    assert abs(float(r["roas_vs_base"]) - (float(r["roas"]) - float(b["roas"]))) <= 2e-6, r
# by hand: base 100 + 1500 (1 - e^(-4/3)); pessimistic as above, both below base
base = 100 + 1500 * (1 - math.exp(-4 / 3))
y = (1000 + 500 * math.log(2)) / 3
pess = 100 + 500 * (1 - math.exp(-(1000 - y) / 500)) + 500 * (1 - math.exp(-y / 250))
assert abs(float(rows[1]["gmv_vs_base"]) - (pess - base)) < 0.02 and pess < base, (rows[1], pess - base)
assert abs(float(rows[1]["roas_vs_base"]) - (pess - base) / 1000) < 1e-5, rows[1]
PYEOF
expect_exit "vs base: json" 0 "$MPLAN" whatif "$plan" --scenario "$TMP/sc.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "vs base: json fields, 0 for base" || fail "vs base: json" "see above"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert rows[0]["gmv_vs_base"] == 0 and rows[0]["roas_vs_base"] == 0, rows[0]
assert abs(rows[1]["gmv_vs_base"] - (rows[1]["kpis"]["gmv"] - rows[0]["kpis"]["gmv"])) < 1e-6, rows[1]
PYEOF
# A budget sweep through the plan's own 1,000: the base is that row. gmv(B) = 100 + 1500 (1 -
# e^(-B/750)), roas(B) = (gmv - 100) / B, so the table's cells are worked out here.
expect_exit "vs base: table of a sweep through the plan's budget" 0 "$MPLAN" whatif "$plan" --budget 500..1500/3 --format table
$PY - "$TMP/out" <<'PYEOF' && ok "vs base: table: signed Δ GMV (and %) and Δ ROAS, (base) on the plan's budget" || fail "vs base: table" "see above"
import math, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = re.split(r"\s{2,}", lines[1].strip())
assert "Δ GMV vs base" in head and "Δ ROAS vs base" in head, head
g = lambda B: 100 + 1500 * (1 - math.exp(-B / 750))
roas = lambda B: (g(B) - 100) / B
want = {}
for B in (500, 1000, 1500):
    d, dr = g(B) - g(1000), roas(B) - roas(1000)
    want[B] = ("(base)", "(base)") if B == 1000 else ("%+.0f (%+.1f%%)" % (d, 100 * d / g(1000)), "%+.2f" % dr)
assert want[500][0].startswith("-") and want[1500][0].startswith("+"), want
for line in lines[3:6]:
    cells = re.split(r"\s{2,}", line.strip())
    B = int(cells[0].replace(",", ""))
    got = (cells[head.index("Δ GMV vs base")], cells[head.index("Δ ROAS vs base")])
    assert got == want[B], (B, got, want[B])
PYEOF
# thousands separators: the example's scenarios, the table's cells against the CSV's gmv
expect_exit "vs base: example table" 0 "$MPLAN" whatif examples/new-trade-festival/plan.yaml \
    --scenario examples/new-trade-festival/scenarios.yaml --format table
cp "$TMP/out" "$TMP/ex.txt"
expect_exit "vs base: example csv" 0 "$MPLAN" whatif examples/new-trade-festival/plan.yaml \
    --scenario examples/new-trade-festival/scenarios.yaml --format csv
$PY - "$TMP/ex.txt" "$TMP/out" <<'PYEOF' && ok "vs base: table Δ GMV with separators, from the CSV's gmv" || fail "vs base: example" "see above"
import csv, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = list(csv.DictReader(open(sys.argv[2])))
head = re.split(r"\s{2,}", lines[1].strip())
base = float(rows[0]["gmv"])
big = 0
for line, r in zip(lines[3:], rows):
    cells = re.split(r"\s{2,}", line.strip())
    d = float(r["gmv"]) - base
    want = "(base)" if r["scenario"] == "base" else "{:+,.0f} ({:+.1f}%)".format(d, 100 * d / base)
    assert cells[0] == r["scenario"] and cells[head.index("Δ GMV vs base")] == want, (cells, want)
    big += abs(d) >= 1000
assert big >= 2, "no difference of 1,000 or more: the separators go untested"
PYEOF
# A sweep that misses the plan's budget has no base: no Δ columns, the CSV fields empty.
expect_exit "vs base: no base in the grid (table)" 0 "$MPLAN" whatif "$plan" --budget 500..1500/2 --format table
grep -q "vs base" "$TMP/out" && fail "vs base: no base, no column" "$(head -3 "$TMP/out")" || ok "vs base: no base, no column"
expect_exit "vs base: no base in the grid (csv)" 0 "$MPLAN" whatif "$plan" --budget 500..1500/2 --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "vs base: no base: the fields empty" || fail "vs base: no base: empty" "see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2 and all(r["gmv_vs_base"] == "" and r["roas_vs_base"] == "" for r in rows), rows
PYEOF
# scenarios on a grid: the base is scenario base at the plan's budget
expect_exit "vs base: scenarios on a grid" 0 "$MPLAN" whatif "$plan" --scenario "$TMP/sc.yaml" --budget 500..1000/2 --format csv
$PY - "$TMP/out" <<'PYEOF' && ok "vs base: scenarios on a grid: base at the plan's budget is 0" || fail "vs base: grid" "see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
b = [r for r in rows if r["scenario"] == "base" and float(r["budget"]) == 1000]
assert len(rows) == 6 and len(b) == 1 and float(b[0]["gmv_vs_base"]) == 0, rows
for r in rows:
    assert abs(float(r["gmv_vs_base"]) - (float(r["gmv"]) - float(b[0]["gmv"]))) <= 0.011, r
PYEOF

# A scenario below a channel's minimum is reported, not fatal.
expect_exit "infeasible rows are kept" 0 "$MPLAN" whatif "$plan" --set channels.a.min=800 --budget 500..1000/2 \
    --format csv
grep -q ',infeasible$' "$TMP/out" && grep -q ',ok$' "$TMP/out" && ok "infeasible row marked, the other solved" \
    || fail "infeasible" "$(cat "$TMP/out")"

# Bad input: usage errors exit 2, bad scenario files 3 at file:line:col.
expect_exit "unknown channel in --set exits 2" 2 "$MPLAN" whatif "$plan" --set channels.x.response.k=1..2/2
expect_err "--set names the channel" "no channel 'x'"
expect_exit "out-of-range --set exits 2" 2 "$MPLAN" whatif "$plan" --set channels.a.theta=0..1/3
expect_err "--set says the range" "'channels.a.theta' must be in [0, 1), got 1"
expect_exit "bad range exits 2" 2 "$MPLAN" whatif "$plan" --budget 100..200
expect_exit "nothing to vary exits 2" 2 "$MPLAN" whatif "$plan"
printf 'ok one:\n  channels.a.response.k: 100\nbad:\n  channels.a.respons.k: 100\n' >"$TMP/bad1.yaml"
expect_exit "bad scenario path exits 3" 3 "$MPLAN" whatif "$plan" --scenario "$TMP/bad1.yaml"
expect_err "bad path at its line:col" "bad1.yaml:4:3:"
printf 'bad:\n  channels.a.response.k: -5\n' >"$TMP/bad2.yaml"
expect_exit "bad scenario value exits 3" 3 "$MPLAN" whatif "$plan" --scenario "$TMP/bad2.yaml"
expect_err "bad value at its line:col" "bad2.yaml:2:26: 'channels.a.response.k' must be in [1e-06, 1e+15], got -5"
printf 'base:\n  budget: 5\n' >"$TMP/bad3.yaml"
expect_exit "a scenario named base exits 3" 3 "$MPLAN" whatif "$plan" --scenario "$TMP/bad3.yaml"
finish
