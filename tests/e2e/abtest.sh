#!/bin/sh
# mplan abtest end to end: bad input refused at file:line (exit 3), both row shapes give the
# same counts, the verdict line, SRM, guardrails, the bootstrap is repeatable, design --svg.
# The statistics themselves are checked against statsmodels/scipy in abtest_ref.sh.
. tests/e2e/lib.sh
PY=/usr/bin/python3
ex=examples/new-trade-festival/abtest

bad() { # NAME TEXT CSV-CONTENT [ARGS...]
    n=$1 t=$2 c=$3
    shift 3
    printf '%s' "$c" >"$TMP/bad.csv"
    expect_exit "refused: $n (exit 3)" 3 "$MPLAN" abtest analyze "$TMP/bad.csv" "$@" && expect_err "message: $n" "$t"
}
bad "negative count" "bad.csv:3: negative count" 'variant,visitors,conversions
A,1000,20
B,-5,0
'
bad "conversions above visitors" "bad.csv:2: conversions 30 above visitors 20" 'variant,visitors,conversions
A,20,30
B,20,3
'
bad "zero visitors" "bad.csv:3: variant 'B' has zero visitors" 'variant,visitors,conversions
A,20,3
B,0,0
'
bad "unknown control" "no variant 'Z' to be the control (variants: A, B)" 'variant,visitors,conversions
A,20,3
B,20,4
' --control Z
bad "a per-variant row among per-visitor rows" "bad.csv:4: mixed row shapes: converted is 523" 'variant,converted,revenue
A,0,0
B,1,12.5
B,523,0
'
bad "both shapes in the header" "bad.csv:1: mixed row shapes" 'variant,visitors,converted
A,1,0
'
bad "a variant given twice" "bad.csv:3: variant 'A' already given on line 2" 'variant,visitors,conversions
A,20,3
A,20,4
'
bad "text in a number column" "bad.csv:3: column 'revenue': not a number 'n/a'" 'variant,converted,revenue
A,0,0
B,1,n/a
'
bad "ragged row" "bad.csv:3: expected 3 fields, found 2" 'variant,converted,revenue
A,0,0
B,1
'
bad "one variant" "1 variant found" 'variant,visitors,conversions
A,20,3
'
expect_exit "usage: design without --mde" 2 "$MPLAN" abtest design --baseline 0.02
expect_exit "usage: analyze option to design" 2 "$MPLAN" abtest design --baseline 0.02 --mde 5% --sequential
expect_exit "usage: bad prior" 2 "$MPLAN" abtest analyze $ex/results.csv --prior 'gamma(1,2)'

# the example's page test, one row per variant: B wins, SRM ok, planned size reached
expect_exit "example analyzes" 0 "$MPLAN" abtest analyze $ex/results.csv --horizon 30000 --format table
grep -q "^Verdict: B beats A on conversion: +" "$TMP/out" && grep -q "SRM ok; stopped at planned size" "$TMP/out" &&
    ok "verdict: B beats A, SRM ok, stopped at planned size" || fail "verdict" "$(grep Verdict "$TMP/out")"
expect_exit "before the planned size: no verdict" 0 "$MPLAN" abtest analyze $ex/results.csv --horizon 90000 --format table
grep -q "^Verdict: No verdict yet: " "$TMP/out" && ok "no verdict before the planned size" || fail "early" "$(grep Verdict "$TMP/out")"

# the same results as a spreadsheet exports them (thousands separators, ¥, BOM, CRLF): the
# same read-out
printf '\357\273\277variant,visitors,conversions,revenue,revenue_sq,returns\r\nA,"30,412",851,"\302\245177,023.11","72,384,985.88",66\r\nB,"30,188","1,048","\302\245204,242.71","77,942,457.78",78\r\n' >"$TMP/export.csv"
"$MPLAN" abtest analyze $ex/results.csv --format json -o "$TMP/clean.json"
expect_exit "a spreadsheet export analyzes (-f as every command)" 0 "$MPLAN" abtest analyze "$TMP/export.csv" -f json
sed "s|$TMP/export.csv|$ex/results.csv|" "$TMP/out" | cmp -s - "$TMP/clean.json" && ok "the export reads as the clean file" ||
    fail "export" "$(diff "$TMP/out" "$TMP/clean.json" | head -5)"

# SRM: 10,000 against 9,400 on a planned 50/50 (chi-square 18.4, p = 1.8e-5) blocks the verdict
printf 'variant,visitors,conversions\nA,10000,200\nB,9400,300\n' >"$TMP/srm.csv"
expect_exit "srm file analyzes" 0 "$MPLAN" abtest analyze "$TMP/srm.csv" --format json
$PY - "$TMP/out" <<'EOF' && ok "SRM flagged, no verdict, chi-square by hand" || fail "SRM" "$(head -c 400 "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
chi = (10000 - 9700) ** 2 / 9700 * 2
assert d["srm"]["mismatch"] and abs(d["srm"]["chi2"] - chi) < 1e-9, d["srm"]
assert d["verdict"].startswith("No verdict: sample ratio mismatch"), d["verdict"]
EOF
expect_exit "the same split planned 51/49 is no mismatch" 0 "$MPLAN" abtest analyze "$TMP/srm.csv" --split 51.5/48.5 --format json
grep -q '"mismatch": false' "$TMP/out" && ok "planned split honoured" || fail "split" "$(grep -A3 srm "$TMP/out")"

# per-visitor rows streamed: counts and means equal the per-variant sums worked out in python
$PY - "$TMP" <<'EOF'
import random, sys
r = random.Random(3)
with open(sys.argv[1] + "/rows.csv", "w") as f, open(sys.argv[1] + "/sums.txt", "w") as s:
    f.write("visitor_id,variant,converted,revenue,returns\n")
    tot = {}
    for i in range(20000):
        v = "AB"[i % 2]
        c = r.random() < (0.04 if v == "A" else 0.05)
        rev = round(r.lognormvariate(4, 1), 2) if c else 0
        ret = int(c and r.random() < 0.1)
        f.write("u%d,%s,%d,%s,%d\n" % (i, v, c, rev, ret))
        t = tot.setdefault(v, [0, 0, 0.0])
        t[0] += 1; t[1] += c; t[2] += rev
    for v in "AB":
        s.write("%s %d %d %.6f\n" % (v, *tot[v][:2], tot[v][2] / tot[v][0]))
EOF
expect_exit "per-visitor rows analyze" 0 "$MPLAN" abtest analyze "$TMP/rows.csv" --format json
cp "$TMP/out" "$TMP/rows1.json"
$PY - "$TMP/rows1.json" "$TMP/sums.txt" <<'EOF' && ok "per-visitor: counts, means, ignored id column, bootstrap interval" || fail "per-visitor" "$(head -c 600 "$TMP/rows1.json")"
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["name"]: x for x in d["metrics"]}
for line in open(sys.argv[2]):
    v, n, c, mean = line.split()
    arm = [a for a in m["conversion"]["variants"] if a["variant"] == v][0]
    assert arm["visitors"] == int(n) and arm["sum"] == int(c), arm
    rv = [a for a in m["revenue"]["variants"] if a["variant"] == v][0]
    assert abs(rv["value"] - float(mean)) < 1e-6, (rv["value"], mean)
assert d["ignored_columns"] == ["visitor_id"], d["ignored_columns"]
assert m["returns"]["role"] == "guardrail"
b = m["revenue"]["variants"][1]
lo, hi = b["boot_ci"]; wlo, whi = b["diff_ci"]
# light tails here: the bootstrap and Welch intervals agree to within a fifth of their width
assert abs(lo - wlo) < 0.2 * (whi - wlo) and abs(hi - whi) < 0.2 * (whi - wlo), (b["boot_ci"], b["diff_ci"])
EOF
"$MPLAN" abtest analyze - --format json <"$TMP/rows.csv" >"$TMP/rows2.json" 2>"$TMP/err"
cmp -s "$TMP/rows1.json" "$TMP/rows2.json" 2>/dev/null || sed -i 's/"input": "<stdin>"/"input": "X"/' "$TMP/rows2.json"
sed 's/"input": "[^"]*"/"input": "X"/' "$TMP/rows1.json" >"$TMP/r1" && sed 's/"input": "[^"]*"/"input": "X"/' "$TMP/rows2.json" >"$TMP/r2"
cmp -s "$TMP/r1" "$TMP/r2" && ok "standard input gives the same answer, bootstrap included (seeded)" ||
    fail "stdin/bootstrap repeatable" "$(diff "$TMP/r1" "$TMP/r2" | head -5)"
"$MPLAN" abtest analyze "$TMP/rows.csv" --seed 2 --format json >"$TMP/rows3.json"
cmp -s "$TMP/rows1.json" "$TMP/rows3.json" && fail "seed" "another seed gave the same bootstrap" || ok "--seed changes the bootstrap"

# a guardrail that rises significantly is flagged, and named in the verdict
printf 'variant,visitors,conversions,returns\nA,20000,400,500\nB,20000,520,700\n' >"$TMP/g.csv"
expect_exit "guardrail file" 0 "$MPLAN" abtest analyze "$TMP/g.csv" --format table
grep -q "guardrail returns got worse" "$TMP/out" && grep -q "WORSE" "$TMP/out" && ok "guardrail flagged" ||
    fail "guardrail" "$(cat "$TMP/out")"

# design: the headline number and the SVG
expect_exit "design" 0 "$MPLAN" abtest design --baseline 2.1% --mde 8% --traffic 12000/day --svg "$TMP/d.svg" --format table
grep -q "Visitors per arm: 118,775" "$TMP/out" && grep -q "20 days" "$TMP/out" && ok "design: 118,775 per arm, 20 days" ||
    fail "design" "$(head -3 "$TMP/out")"
$PY -c "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.getElementsByTagName('polyline')" "$TMP/d.svg" &&
    ok "design --svg is well-formed SVG with a line" || fail "svg" "$(head -c 300 "$TMP/d.svg")"
# the report's Experiments section
expect_exit "report --abtest" 0 "$MPLAN" report examples/new-trade-festival/plan.yaml --abtest $ex/results.csv -o "$TMP/r.html"
$PY - "$TMP/r.html" <<'EOF' && ok "report: Experiments section with the verdict and a table per metric" || fail "report --abtest" "$(grep -o '<section id="experiments">.\{0,300\}' "$TMP/r.html")"
import sys
h = open(sys.argv[1]).read()
sec = h[h.index('<section id="experiments">'):]
sec = sec[:sec.index("</section>")]
assert "<b>Verdict:</b> B beats A on conversion" in sec, sec[:400]
assert sec.count("<table>") == 3 and "sample ratio ok" in sec, sec[:400]
EOF
printf 'variant,visitors,conversions\nA,10,20\nB,10,1\n' >"$TMP/badr.csv"
expect_exit "report --abtest with bad results: exit 3" 3 "$MPLAN" report examples/new-trade-festival/plan.yaml --abtest "$TMP/badr.csv" -o "$TMP/r2.html"
expect_err "report --abtest names file:line" "badr.csv:2: conversions 20 above visitors 10"
[ ! -e "$TMP/r2.html" ] && ok "no report written on bad results" || fail "report" "a report was written"
finish
