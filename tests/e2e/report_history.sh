#!/bin/sh
# mplan report --history: each history period as a circle on its channel's curve, at the
# steady spend that builds that period's adstock (adstock x (1 - theta)) and the channel's
# GMV; checked by mapping the SVG circles back through the chart's axis ticks. A store-total
# history draws nothing and says so; no circles without --history; a bad history is exit 3.
. tests/e2e/lib.sh
PY=/usr/bin/python3

cat >"$TMP/plan.yaml" <<'EOF'
mplan: 1
store: {name: S, currency: USD}
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 40000}
channels:
  - {id: a, kind: paid, response: {curve: hill, beta: 50000, k: 8000, s: 1}, theta: 0.4}
  - {id: b, name: Feed, kind: paid, response: {curve: linear, roas: 2}, theta: 0.25}
EOF
# per channel, channel b by the plan's name; weeks before the plan's horizon
cat >"$TMP/h.csv" <<'EOF'
period,channel,spend,gmv
2026-11-02,a,5000,14000
2026-11-02,Feed,1000,2100
2026-11-09,a,9000,26000
2026-11-09,Feed,3000,5800
2026-11-16,a,0,9000
2026-11-16,Feed,2000,4100
2026-11-23,a,"30,000",52000
2026-11-23,Feed,4000,7900
EOF
expect_exit "report --history exits 0" 0 "$MPLAN" report "$TMP/plan.yaml" --history "$TMP/h.csv" -o "$TMP/r.html"
$PY - "$TMP/r.html" <<'PYEOF' && ok "history circles map back to (adstock x (1 - theta), GMV)" || fail "history points" "see above"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
# worked by hand: adstock a_t = spend_t + theta a_(t-1), a_0 = 0, drawn at a_t (1 - theta)
hist = {"a": (0.4, [5000, 9000, 0, 30000], [14000, 26000, 9000, 52000]),
        "b": (0.25, [1000, 3000, 2000, 4000], [2100, 5800, 4100, 7900])}
want = {"a": [(3000, 14000), (0.6 * 11000, 26000), (0.6 * 4400, 9000), (0.6 * 31760, 52000)],
        "b": [(750, 2100), (0.75 * 3250, 5800), (0.75 * 2812.5, 4100), (0.75 * 4703.125, 7900)]}
def num(label):
    m = {"k": 1e3, "M": 1e6, "B": 1e9}
    return float(label[:-1]) * m[label[-1]] if label[-1] in m else float(label)
for ch, (theta, spend, gmv) in hist.items():
    a, pts = 0.0, []
    for s, g in zip(spend, gmv):  # the recursion again, against the hand-worked table
        a = s + theta * a
        pts.append((a * (1 - theta), g))
    assert all(abs(p[0] - w[0]) < 1e-6 and p[1] == w[1] for p, w in zip(pts, want[ch])), (pts, want[ch])
    svg = page[page.index(f'id="curve-{ch}"'):]
    svg = svg[:svg.index("</svg>")]
    xt = [(float(x), num(l)) for x, l in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" fill="#555">([^<]+)<', svg)]
    yt = [(float(y) - 4, num(l)) for y, l in re.findall(r'<text x="[\d.]+" y="([\d.]+)" text-anchor="end" fill="#555">([^<]+)<', svg)]
    assert len(xt) >= 2 and len(yt) >= 2, (xt, yt)
    def scale(t):  # pixel -> value through the first and last tick
        (p0, v0), (p1, v1) = t[0], t[-1]
        return lambda p: v0 + (p - p0) * (v1 - v0) / (p1 - p0), abs(v1 - v0)
    fx, xr = scale(xt)
    fy, yr = scale(yt)
    circles = [(float(x), float(y)) for x, y in re.findall(r'<circle class="pt" cx="([\d.]+)" cy="([\d.]+)"', svg)]
    assert len(circles) == 4, circles
    got = [(fx(x), fy(y)) for x, y in circles]
    for (gx, gy), (wx, wy) in zip(got, want[ch]):
        assert abs(gx - wx) < 0.003 * xr and abs(gy - wy) < 0.003 * yr, (ch, got, want[ch])
    # inside the axes: the x axis line spans the plotting area
    x0, x1, yb = map(float, re.search(r'<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="\3" stroke="#888"/>', svg).groups())
    assert all(x0 <= x <= x1 and 40 < y <= yb for x, y in circles), (circles, x0, x1, yb)  # 40: under the legend
    assert "history (4 weeks)" in svg
    # the curve runs under every point: a's 4th week (19,056) lies past the plan's own span
    end = fx(float(re.search(r'<polyline[^>]*points="([^"]+)"', svg).group(1).split()[-1].split(",")[0]))
    assert end >= max(w[0] for w in want[ch]) - 0.003 * xr, (ch, end)
PYEOF

# the plan's own span for a is 3 k (1 - theta) = 14,400 < 19,056: without the extension the
# last point would sit past the curve's end (checked above), so this history tests it
expect_exit "report without --history" 0 "$MPLAN" report "$TMP/plan.yaml" -o "$TMP/r0.html"
grep -q "id=\"curve-a\"" "$TMP/r0.html" && ! grep -q 'class="pt"' "$TMP/r0.html" && ! grep -q "history (" "$TMP/r0.html" && ok "no history circles without --history" ||
    fail "no history" "circles without --history"

# store totals: no per-channel GMV, so nothing is drawn and each chart says so
printf 'period,gmv,a,Feed\n1,30000,5000,1000\n2,50000,9000,3000\n3,20000,0,2000\n' >"$TMP/total.csv"
expect_exit "report of a store-total history" 0 "$MPLAN" report "$TMP/plan.yaml" --history "$TMP/total.csv" -o "$TMP/rt.html"
n=$(grep -c "has store totals only, no GMV of this channel" "$TMP/rt.html")
! grep -q 'class="pt"' "$TMP/rt.html" && [ "$n" -eq 2 ] && ok "store totals: no circles, one line under each chart" ||
    fail "store totals" "$n notes"

# bad histories: exit 3 with file:line, nothing written
printf 'period,channel,spend,gmv\n1,a,100,200\n1,Feed,-5,10\n' >"$TMP/neg.csv"
expect_exit "negative spend: exit 3" 3 "$MPLAN" report "$TMP/plan.yaml" --history "$TMP/neg.csv" -o "$TMP/bad.html"
expect_err "negative spend names file:line" "neg.csv:3"
# a channel on one side only: warned, named; the others' points drawn, the missing one's curve
# without points and a note beside it
cp "$TMP/plan.yaml" "$TMP/kol.yaml"
echo '  - {id: kol, kind: paid, response: {curve: linear, roas: 3}, theta: 0.2}' >>"$TMP/kol.yaml"
{ cat "$TMP/h.csv"; printf '2026-11-02,tv,5,10\n2026-11-09,tv,5,10\n2026-11-16,tv,5,10\n2026-11-23,tv,5,10\n'; } >"$TMP/tv.csv"
expect_exit "a channel on one side only: exit 0" 0 "$MPLAN" report "$TMP/kol.yaml" --history "$TMP/tv.csv" -o "$TMP/kol.html"
expect_err "the plan's channel the history lacks: named" "tv.csv: no rows for channel 'kol': its curve is drawn without points"
expect_err "the history's channel the plan lacks: named at its line" "tv.csv:10: channel 'tv' is in the history but not in the plan"
$PY - "$TMP/kol.html" <<'PYEOF' && ok "a and b: 4 circles each; kol: none, and the note beside it" || fail "missing channel drawn" "see above"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
def div(ch):  # the chart's <div>, its note included
    d = page[page.index(f'id="curve-{ch}"'):]
    return d[:d.index("</div>")]
for ch, n in (("a", 4), ("b", 4), ("kol", 0)):
    got = len(re.findall(r'<circle class="pt"', div(ch)))
    assert got == n, (ch, got)
assert "has no rows for this channel" in div("kol") and "tv.csv" in div("kol"), div("kol")[-300:]
assert "has no rows" not in div("a") and "has no rows" not in div("b")
assert "curve-tv" not in page
PYEOF
expect_exit "a channel on one side only, -q" 0 "$MPLAN" report "$TMP/kol.yaml" --history "$TMP/tv.csv" -q -o "$TMP/kolq.html"
[ ! -s "$TMP/err" ] && ok "-q: no warnings" || fail "-q: no warnings" "$(cat "$TMP/err")"
printf 'period,channel,spend,gmv\n2026-11-01,a,100,200\n2026-11-01,Feed,50,10\n2026-11-02,a,100,200\n2026-11-02,Feed,50,10\n' >"$TMP/days.csv"
expect_exit "days for a weekly plan: exit 3" 3 "$MPLAN" report "$TMP/plan.yaml" --history "$TMP/days.csv" -o "$TMP/bad.html"
expect_err "unit mismatch said" "the history's periods are days"
[ ! -e "$TMP/bad.html" ] && ok "bad history: nothing written" || fail "bad history" "bad.html written"
finish
