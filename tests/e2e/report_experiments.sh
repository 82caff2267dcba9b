#!/bin/sh
# mplan report's "Experiments" section (issue 12 part 5): it appears when the plan lists
# `experiments:` (each lift test beside the plan's forecast of that channel in the window)
# and/or with --abtest (the read-out: per variant rate, lift with its interval, relative
# lift, p-value, probability to beat, SRM, verdict), and not otherwise. The numbers are
# recomputed here: the window's forecast from `mplan run --format csv` (per channel and
# period) weighed by the days inside the window, the A/B statistics with statsmodels/scipy.
. tests/e2e/lib.sh
PY=/usr/bin/python3
EX=examples/new-trade-festival

# The example plan with three lift tests: p4p inside the horizon (5 + 7 + 2 days of weeks
# 1-3), video before it, edm over weeks 5-8 as a ROAS, festival past its end (14 of 21 days).
sed 's/^channels:/experiments:\
  - {channel: p4p, window: 2027-01-06..2027-01-19, gmv: 52000, interval: [45000, 60000], level: 0.9}\
  - {channel: video, window: 2026-06-01..2026-06-28, roas: 3.1, interval: [2.5, 3.7]}\
  - {channel: edm, window: 2027-02-01..2027-02-28, roas: 2, interval: [1.5, 2.5], level: 0.95}\
  - {channel: festival, window: 2027-03-22..2027-04-11, gmv: 30000, interval: [20000, 40000]}\
channels:/' $EX/plan.yaml >"$TMP/exp.yaml"
P=$TMP/exp.yaml
grep -q '^experiments:' "$P" && ok "plan with experiments made" || fail "plan with experiments made" "sed did not match"

expect_exit "report of a plan with experiments" 0 "$MPLAN" report "$P" -o "$TMP/r.html"
expect_exit "the plan's forecast per channel and period" 0 "$MPLAN" run "$P" --format csv -o "$TMP/run.csv"
$PY - "$TMP/r.html" "$TMP/run.csv" <<'PYEOF' >"$TMP/py" 2>&1 && ok "lift tests: measured, interval, plan in the window, plan vs measured" \
    || fail "lift tests: measured, interval, plan in the window, plan vs measured" "$(cat "$TMP/py")"
import csv, datetime, re, sys
h = open(sys.argv[1]).read()
sec = h[h.index('<section id="experiments">'):]
sec = sec[:sec.index("</section>")]
assert "<h3>Lift tests in the plan</h3>" in sec and "A/B test" not in sec, sec[:300]
rows = re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", sec[sec.index('id="lift-tests"'):])
cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", rest) for name, rest in rows}
run = list(csv.DictReader(open(sys.argv[2])))
day = datetime.date.fromisoformat
def window(ch, a, b):
    g = s = 0.0
    for r in run:
        if r["channel"] != ch:
            continue
        p0 = day(r["start"]); p1 = p0 + datetime.timedelta(days=6)
        lo, hi = max(p0, day(a)), min(p1, day(b))
        if lo <= hi:
            w = ((hi - lo).days + 1) / 7
            g += w * float(r["gmv"]); s += w * float(r["spend"])
    return g, s
def money(v): return "{:,.0f}".format(v)
g, _ = window("p4p", "2027-01-06", "2027-01-19")
want = ["2027-01-06..2027-01-19", "GMV 52,000", "45,000..60,000 (90%)", money(g),
        "%+.1f%% (inside the interval)" % (100 * (g / 52000 - 1))]
assert cells["P4P keyword ads"] == want, (cells["P4P keyword ads"], want)
assert cells["Product videos (TrueView-style)"] == ["2026-06-01..2026-06-28", "ROAS 3.10", "2.50..3.70 (90%)",
                                                   "outside the horizon", ""], cells["Product videos (TrueView-style)"]
g, s = window("edm", "2027-02-01", "2027-02-28")
roas = g / s
inside = 1.5 <= roas <= 2.5
want = ["2027-02-01..2027-02-28", "ROAS 2.00", "1.50..2.50 (95%)", "%.2f" % roas,
        "%+.1f%% (%s)" % (100 * (roas / 2 - 1), "inside the interval" if inside else
                          "outside the interval: refit the curve with mplan fit")]
assert cells["EDM to old and new buyers"] == want, (cells["EDM to old and new buyers"], want)
assert not inside and 'class="no"' in sec, "the edm test was meant to be outside its interval"
g, _ = window("festival", "2027-03-22", "2027-04-11")
inside = 20000 <= g <= 40000
want = ["2027-03-22..2027-04-11", "GMV 30,000", "20,000..40,000 (90%)", money(g) + " (14 of 21 days)",
        "%+.1f%% (%s)" % (100 * (g / 30000 - 1), "inside the interval" if inside else
                          "outside the interval: refit the curve with mplan fit")]
assert cells["Platform event registration and placements"] == want, (cells["Platform event registration and placements"], want)
PYEOF

# ---- with --abtest too: the A/B read-out after the lift tests ----
expect_exit "report with experiments and --abtest" 0 "$MPLAN" report "$P" --abtest $EX/abtest/results.csv -o "$TMP/r2.html"
$PY - "$TMP/r2.html" $EX/abtest/results.csv <<'PYEOF' >"$TMP/py" 2>&1 && ok "A/B read-out: rates, lifts with intervals, p, P(beat), SRM as statsmodels/scipy" \
    || fail "A/B read-out: rates, lifts with intervals, p, P(beat), SRM as statsmodels/scipy" "$(cat "$TMP/py")"
import csv, re, sys
from scipy import stats, integrate
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
h = open(sys.argv[1]).read()
sec = h[h.index('<section id="experiments">'):]
sec = sec[:sec.index("</section>")]
assert sec.index("Lift tests in the plan") < sec.index("<h3>A/B test</h3>"), "order"
d = {r["variant"]: r for r in csv.DictReader(open(sys.argv[2]))}
nA, xA, nB, xB = (float(d[v][k]) for v in "AB" for k in ("visitors", "conversions"))
chi = stats.chisquare([nA, nB])
assert "sample ratio ok (chi-square p = %.4g)" % chi.pvalue in sec, re.findall("sample ratio[^<]*", sec)
assert "<b>Verdict:</b> B beats A on conversion" in sec
conv = sec[sec.index("<h3>conversion"):]
conv = conv[:conv.index("</table>")]
rows = {m[0]: re.findall(r"<td>(.*?)</td>", m[1]) for m in re.findall(r"<tr><td>(\w)[^<]*</td>(.*?)</tr>", conv)}
lo, hi = confint_proportions_2indep(xB, nB, xA, nA, method="newcomb", compare="diff")
rlo, rhi = confint_proportions_2indep(xB, nB, xA, nA, method="log-adjusted", compare="ratio")
p = proportions_ztest([xB, xA], [nB, nA])[1]
a1, b1, a2, b2 = 1 + xB, 1 + nB - xB, 1 + xA, 1 + nA - xA
pb = integrate.quad(lambda t: stats.beta.pdf(t, a1, b1) * stats.beta.cdf(t, a2, b2), 0, 1, epsabs=1e-12,
                    points=[xA / nA, xB / nB], limit=200)[0]
rel = (xB / nB) / (xA / nA) - 1
want = ["{:,.0f}".format(nB), "%.2f%%" % (100 * xB / nB),
        "%+.2f pp (%+.2f..%+.2f)" % (100 * (xB / nB - xA / nA), 100 * lo, 100 * hi),
        "%+.1f%% (%+.1f%%..%+.1f%%)" % (100 * rel, 100 * (rlo - 1), 100 * (rhi - 1)), "%.4g" % p, "%.1f%%" % (100 * pb)]
assert rows["B"] == want, (rows["B"], want)
assert rows["A"][:2] == ["{:,.0f}".format(nA), "%.2f%%" % (100 * xA / nA)], rows["A"]
PYEOF

# ---- --abtest alone, and neither ----
expect_exit "report with --abtest only" 0 "$MPLAN" report $EX/plan.yaml --abtest $EX/abtest/results.csv -o "$TMP/r3.html"
grep -q '<section id="experiments"><h2>Experiments</h2>' "$TMP/r3.html" && ! grep -q 'lift-tests' "$TMP/r3.html" \
    && grep -q '<h3>A/B test</h3>' "$TMP/r3.html" && ok "--abtest only: the read-out, no lift tests" \
    || fail "--abtest only: the read-out, no lift tests" "$(grep -o '<section id="experiments">.\{0,200\}' "$TMP/r3.html")"
expect_exit "report without experiments or --abtest" 0 "$MPLAN" report $EX/plan.yaml -o "$TMP/r4.html"
grep -q 'id="experiments"' "$TMP/r4.html" && fail "no Experiments section otherwise" "the section is there" \
    || ok "no Experiments section otherwise"
grep -q '<section id="kpis"' "$TMP/r4.html" && ok "the report itself is there" || fail "the report itself is there" "no kpis section"
finish
