#!/bin/sh
# mplan fit end to end: a history generated here (python, the model written out again) from
# known curves is fitted back, the fitted plan is written and planned with by mplan run, a
# per-channel history gives funnels, review's refit agrees with fit, and bad histories are
# refused at file:line:col with nothing written.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/fit-store.yaml

# 104 weeks, store totals: baseline 150,000 + 40,000 * t / 104, and the three channels.
$PY - "$TMP" <<'PYEOF'
import math, random, datetime, sys
d = sys.argv[1]
random.seed(3)
true = {"feed": ("hill", 260000, 42000, 1.6, 0.45), "search": ("exp", 180000, 30000, None, 0.15),
        "edm": ("linear", 1.7, None, None, 0.3)}
ids = ["feed", "search", "edm"]
T = 104
a = {c: 0.0 for c in ids}
start = datetime.date(2024, 1, 1)
wide = ["period,gmv," + ",".join(ids)]
long = ["period,channel,spend,gmv,impressions,clicks,orders"]
for t in range(T):
    y = 150000 + 40000 * t / T
    xs = []
    for c in ids:
        x = random.uniform(0.2, 1.8) * {"feed": 40000, "search": 30000, "edm": 15000}[c]
        if random.random() < 0.12:
            x = 0.0
        x = round(x, 2)
        fam, beta, k, s, th = true[c]
        a[c] = x + th * a[c]
        A = a[c]
        f = beta * A**s / (k**s + A**s) if fam == "hill" else beta * (1 - math.exp(-A / k)) if fam == "exp" else beta * A
        y += f
        xs.append(x)
        # per-channel: attributed GMV f, orders at aov 250, clicks at cvr 0.04, impressions at ctr 0.02
        o = f / 250
        long.append("%s,%s,%.2f,%.6f,%.6f,%.6f,%.6f" % (t + 1, c, x, f, o / 0.04 / 0.02, o / 0.04, o))
    wide.append("%s,%.6f,%s" % (start + datetime.timedelta(days=7 * t), y, ",".join("%.2f" % v for v in xs)))
open(d + "/wide.csv", "w").write("\n".join(wide) + "\n")
open(d + "/long.csv", "w").write("\n".join(long) + "\n")
PYEOF

# --prior-weight 0: exact recovery is the estimator's, without the default ridge toward the plan
expect_exit "store-total fit exits 0" 0 "$MPLAN" fit "$TMP/wide.csv" --plan "$plan" --write-plan "$TMP/fitted.yaml" \
    --holdout 8 --format json --prior-weight 0
$PY - "$TMP/out" <<'PYEOF' && ok "store-total fit recovers the generating curves (noiseless)" || fail "recovery" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "store_total" and d["periods"] == 104 and d["starts"] == 8 and d["prior_weight"] == 0, d
assert d["fit"]["holdout"]["periods"] == 8 and d["fit"]["holdout"]["mape"] < 1e-6, d["fit"]
assert d["fit"]["r2"] > 1 - 1e-9
ch = {c["id"]: c for c in d["channels"]}
true = {"feed": {"beta": 260000, "k": 42000, "s": 1.6, "theta": 0.45}, "search": {"beta": 180000, "k": 30000, "theta": 0.15},
        "edm": {"beta": 1.7, "theta": 0.3}}
for c, ps in true.items():
    assert ch[c]["family"] == {"feed": "hill", "search": "exp", "edm": "linear"}[c]
    assert set(ch[c]["params"]) == set(ps), (c, ch[c]["params"])
    for p, v in ps.items():
        assert abs(ch[c]["params"][p] - v) <= 1e-5 * v, (c, p, ch[c]["params"][p], v)
b = d["baseline"]
assert abs(b["level"]["coef"] - 150000) < 0.5 and abs(b["trend"]["coef"] - 40000) < 0.5, b
assert abs(sum(c["spend_share"] for c in d["channels"]) - 1) < 1e-12
assert abs(sum(c["effect_share"] for c in d["channels"]) - 1) < 1e-12
# ROAS at the mean spend, steady state: f(x / (1 - theta)) / x with the true curve
import math
x = ch["search"]["mean_spend"]
want = 180000 * (1 - math.exp(-x / 0.85 / 30000)) / x
assert abs(ch["search"]["roas_mean"] - want) < 1e-5 * want
PYEOF

grep -q "curve: hill, beta: 260000, k: 42000, s: 1.6" "$TMP/fitted.yaml" && grep -q "theta: 0.45" "$TMP/fitted.yaml" &&
    grep -q "curve: linear, roas: 1.7" "$TMP/fitted.yaml" && ok "write-plan holds the fitted curves" ||
    fail "write-plan" "$(grep -n 'curve\|theta' "$TMP/fitted.yaml")"
expect_exit "the fitted plan runs" 0 "$MPLAN" run "$TMP/fitted.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "run plans with the fitted curves" || fail "run fitted" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kpis"]["total"]["spend"] > 0
PYEOF

# per-channel history: each channel's curve from its own GMV, the funnel from the counts
expect_exit "per-channel fit exits 0" 0 "$MPLAN" fit "$TMP/long.csv" --plan "$plan" --holdout 0 --format json \
    --write-plan "$TMP/fitted2.yaml"
$PY - "$TMP/out" "$TMP/long.csv" <<'PYEOF' && ok "per-channel fit recovers each curve and shares of the whole" || fail "per-channel" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["model"] == "per_channel"
ch = {c["id"]: c for c in d["channels"]}
assert abs(ch["feed"]["params"]["k"] - 42000) < 42000 * 1e-5 and abs(ch["feed"]["params"]["theta"] - 0.45) < 1e-5
assert abs(ch["edm"]["params"]["beta"] - 1.7) < 1e-5
# spend shares are of the whole history's spend, from the file itself (not 100% each)
import csv
spend = {}
for r in csv.DictReader(open(sys.argv[2])):
    spend[r["channel"]] = spend.get(r["channel"], 0) + float(r["spend"])
for c, v in spend.items():
    assert abs(ch[c]["spend_share"] - v / sum(spend.values())) < 1e-9, (c, ch[c]["spend_share"])
contrib = {c: ch[c]["contribution"] for c in ch}
for c in ch:
    assert abs(ch[c]["effect_share"] - contrib[c] / sum(contrib.values())) < 1e-9
PYEOF
grep -q "aov: 250" "$TMP/fitted2.yaml" && grep -q "cvr: 0.04" "$TMP/fitted2.yaml" && grep -q "ctr: 0.02" "$TMP/fitted2.yaml" &&
    ok "funnel from the counts" || fail "funnel" "$(grep -n funnel "$TMP/fitted2.yaml")"

# platform exports name channels as the store does (信息流), the plan's id is feed: the
# history's channel matches the plan's `name:`, and the fitted curve lands on channel feed
sed 's/^  - id: feed$/  - id: feed\n    name: 信息流/' "$plan" >"$TMP/named.yaml"
sed 's/,feed,/,信息流,/' "$TMP/long.csv" >"$TMP/long-named.csv"
expect_exit "history channels by the plan's names" 0 "$MPLAN" fit "$TMP/long-named.csv" --plan "$TMP/named.yaml" \
    --holdout 0 --format json --write-plan "$TMP/named-fit.yaml"
$PY - "$TMP/named-fit.yaml" <<'PYEOF' && ok "the curve fitted from 信息流 is written to channel feed" || fail "names" "see above"
import sys
text = open(sys.argv[1], encoding="utf-8").read()
feed = text[text.index("id: feed"):text.index("id: search")]
assert "name: 信息流" in feed and "k: 42000" in feed.replace(",", ""), feed
PYEOF

# without a plan: channels from the history, families by AICc with the reason
expect_exit "fit without a plan" 0 "$MPLAN" fit "$TMP/wide.csv" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "families chosen by AICc, reason given" || fail "families" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
ch = {c["id"]: c for c in d["channels"]}
for c, f in {"feed": "hill", "search": "exp", "edm": "linear"}.items():
    assert ch[c]["family"] == f, (c, ch[c]["family"], ch[c]["family_reason"])
    assert "AICc" in ch[c]["family_reason"]
PYEOF

expect_exit "table output" 0 "$MPLAN" fit "$TMP/wide.csv" --plan "$plan" --format table --prior-weight 0
grep -q "260,000" "$TMP/out" && ok "table has thousands separators" || fail "table" "$(head -20 "$TMP/out")"

# a spreadsheet's export of the same history (BOM, CRLF, the back-end's Chinese headers 日期
# and 成交金额, dates as 2024/1/8, amounts as "¥1,234.50") is read as the clean file: the same
# fit to the last digit
$PY - "$TMP" <<'PYEOF'
import sys
rows = open(sys.argv[1] + "/wide.csv").read().split("\n")
assert rows[0].startswith("period,gmv,")
out = ["日期,成交金额," + rows[0][len("period,gmv,"):]]
for r in rows[1:]:
    if r:
        f = r.split(",")
        y, m, d = f[0].split("-")
        f[0] = "%s/%d/%d" % (y, int(m), int(d))
        f[1:] = ['"\u00a5{:,}"'.format(float(v)) if i % 2 else '"{:,}"'.format(float(v)) for i, v in enumerate(f[1:])]
        out.append(",".join(f))
open(sys.argv[1] + "/export.csv", "w", encoding="utf-8-sig", newline="").write("\r\n".join(out) + "\r\n")
PYEOF
"$MPLAN" fit "$TMP/wide.csv" --plan "$plan" --format json -q -o "$TMP/clean.json"
expect_exit "a spreadsheet export fits" 0 "$MPLAN" fit "$TMP/export.csv" --plan "$plan" --format json -q
sed 's/export\.csv/wide.csv/g' "$TMP/out" | cmp -s - "$TMP/clean.json" && ok "the export fits as the clean file" ||
    fail "export" "$(head -c 300 "$TMP/out")"

# a plan whose event the history does not show: GMV is exactly 2 x spend every week (spend
# within +-20% of 1,000), the plan claims 5x in two weeks of March: no curve fits both, the
# fit is worse than the mean, and fit says so and points at the events
$PY - "$TMP" <<'PYEOF'
import datetime, sys
rows = ["period,channel,spend,gmv"]
for t in range(20):
    sp = 1000 + 100 * ((t * 7) % 5 - 2)
    rows.append("%s,a,%d,%d" % (datetime.date(2025, 1, 6) + datetime.timedelta(days=7 * t), sp, 2 * sp))
open(sys.argv[1] + "/ev.csv", "w").write("\n".join(rows) + "\n")
open(sys.argv[1] + "/ev.yaml", "w").write("""mplan: 1
horizon: {start: 2026-01-05, periods: 20, period: week}
budget: {total: 20000}
events:
  - {name: spring, outbreak: 2026-03-02..2026-03-15, lift: 5}
channels:
  - {id: a, kind: paid, response: {curve: linear, roas: 2}}
""")
PYEOF
expect_exit "a plan's event the history lacks still fits" 0 "$MPLAN" fit "$TMP/ev.csv" --plan "$TMP/ev.yaml" --holdout 0 -f json
expect_err "fit says the model misses something, pointing at the events" "the fit of 'a' explains GMV worse than its mean (R^2 -"
expect_err "and what to check" "check the plan's events (lift, phases, storage) against it"
"$MPLAN" fit "$TMP/ev.csv" --holdout 0 -f json -o /dev/null 2>"$TMP/err2"
grep -q "worse than its mean" "$TMP/err2" && fail "no such warning without the plan" "$(cat "$TMP/err2")" ||
    ok "no such warning when the fit is exact"

# review's refit and fit share one engine: actuals of 6 weeks generated from the plan's curves
# with feed's beta and k changed; review (theta and s held) and fit (all free) both find them.
$PY - "$TMP" <<'PYEOF'
import math, sys
cur = {"feed": ("hill", 260000, 42000, 1.2, 0.3), "search": ("exp", 150000, 25000, None, 0.1), "edm": ("linear", 2, None, None, 0.2)}
spend = {"feed": [30000, 55000, 12000, 70000, 41000, 22000], "search": [20000, 5000, 36000, 28000, 9000, 44000],
         "edm": [8000, 15000, 2000, 11000, 6000, 13000]}
rows = ["period,channel,spend,impressions,clicks,orders,gmv"]
for c, (fam, beta, k, s, th) in cur.items():
    a = 0.0
    for t, x in enumerate(spend[c]):
        a = x + th * a
        f = beta * a**s / (k**s + a**s) if fam == "hill" else beta * (1 - math.exp(-a / k)) if fam == "exp" else beta * a
        o = f / 250
        rows.append("%d,%s,%d,%.6f,%.6f,%.6f,%.6f" % (t + 1, c, x, o / 0.04 / 0.02, o / 0.04, o, f))
open(sys.argv[1] + "/act.csv", "w").write("\n".join(rows) + "\n")
PYEOF
expect_exit "review of 6 weeks" 0 "$MPLAN" review "$plan" "$TMP/act.csv" --format json
cp "$TMP/out" "$TMP/review.json"
expect_exit "fit of the same 6 weeks" 0 "$MPLAN" fit "$TMP/act.csv" --plan "$plan" --holdout 0 --format json
$PY - "$TMP/review.json" "$TMP/out" <<'PYEOF' && ok "review's refit and fit agree (one engine)" || fail "review = fit" "see above"
import json, sys
rv = json.load(open(sys.argv[1]))["refit"]
ft = {c["id"]: c for c in json.load(open(sys.argv[2]))["channels"]}
assert rv["feed"]["method"] == "lsq", rv["feed"]
for c, beta, k in (("feed", 260000, 42000), ("search", 150000, 25000)):
    assert abs(rv[c]["beta"]["fit"] - beta) < 1e-4 * beta and abs(rv[c]["k"]["fit"] - k) < 1e-4 * k, rv[c]
    assert abs(ft[c]["params"]["beta"] - rv[c]["beta"]["fit"]) < 1e-4 * beta, (ft[c]["params"], rv[c])
    assert abs(ft[c]["params"]["k"] - rv[c]["k"]["fit"]) < 1e-4 * k, (ft[c]["params"], rv[c])
assert abs(ft["feed"]["params"]["theta"] - 0.3) < 1e-4 and abs(ft["feed"]["params"]["s"] - 1.2) < 1e-4
assert abs(rv["edm"]["roas"]["fit"] - 2) < 1e-9 and abs(ft["edm"]["params"]["beta"] - 2) < 1e-6
PYEOF

# uncertainty: bootstrap draws recorded in the plan (same seed, same file), and run
# --uncertainty's percentiles recomputed here from the draws and the allocation.
$PY - "$TMP" <<'PYEOF'
import random, sys
random.seed(9)
rows = open(sys.argv[1] + "/wide.csv").read().split("\n")
out = [rows[0]]
for r in rows[1:]:
    if r:
        f = r.split(",")
        f[1] = "%.6f" % (float(f[1]) * (1 + random.gauss(0, 0.03)))
        out.append(",".join(f))
open(sys.argv[1] + "/noisy.csv", "w").write("\n".join(out) + "\n")
PYEOF
expect_exit "bootstrap fit" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --bootstrap 40 --seed 5 --write-plan "$TMP/b1.yaml" -q --format json
cp "$TMP/out" "$TMP/boot.json"
"$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --bootstrap 40 --seed 5 --write-plan "$TMP/b2.yaml" -q >/dev/null
"$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --bootstrap 40 --seed 6 --write-plan "$TMP/b3.yaml" -q >/dev/null
cmp -s "$TMP/b1.yaml" "$TMP/b2.yaml" && ! cmp -s "$TMP/b1.yaml" "$TMP/b3.yaml" && ok "bootstrap is deterministic by seed" ||
    fail "bootstrap seed" "same seed differs or another seed is the same"
$PY - "$TMP/boot.json" <<'PYEOF' && ok "bootstrap intervals around the estimates" || fail "bootstrap ci" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["channels"]:
    for p, (lo, hi) in c["ci90"].items():
        assert lo <= hi, (c["id"], p, lo, hi)
    lo, hi = c["roas_mean_ci90"]
    assert lo < c["roas_mean"] < hi, (c["id"], lo, c["roas_mean"], hi)
PYEOF
expect_exit "run --uncertainty" 0 "$MPLAN" run "$TMP/b1.yaml" --uncertainty --format json
$PY - "$TMP/b1.yaml" "$TMP/out" <<'PYEOF' && ok "uncertainty percentiles recomputed from the draws" || fail "uncertainty" "see above"
import json, math, re, sys
# the few keys needed, read without a YAML library (flow lists may wrap over lines)
lines, buf = [], ""
for line in open(sys.argv[1]).read().split("\n"):
    buf = buf + " " + line.strip() if buf else line
    if buf.count("[") == buf.count("]"):
        lines.append(buf)
        buf = ""
plan = {"channels": []}
indraws = False
for line in lines:
    m = re.match(r"horizon: .*periods: (\d+)", line)
    if m:
        plan["horizon"] = {"periods": int(m.group(1))}
    m = re.match(r"baseline: \{gmv: ([0-9.e+]+)\}", line)
    if m:
        plan["baseline"] = {"gmv": float(m.group(1))}
    m = re.match(r"- id: (\w+)", line)
    if m:
        plan["channels"].append({"id": m.group(1), "draws": {}})
        indraws = False
    m = re.match(r"\s+response: \{curve: (\w+)", line)
    if m:
        plan["channels"][-1]["response"] = {"curve": m.group(1)}
    if re.match(r"\s+draws:", line):
        indraws = True
        continue
    m = re.match(r"\s+(\w+): \[(.*)\]", line)
    if m and indraws:
        plan["channels"][-1]["draws"][m.group(1)] = [float(v) for v in m.group(2).split(",")]
    elif not line.startswith("    "):
        indraws = False
run = json.load(open(sys.argv[2]))
T = plan["horizon"]["periods"]
x = {}
for a in run["allocation"]:
    x.setdefault(a["channel"], [0.0] * T)[a["t"] - 1] = a["spend"]
chs = plan["channels"]
n = len(chs[0]["draws"]["theta"])
assert n == 40 and all(len(c["draws"]["theta"]) == n for c in chs)
gmv = []
for d in range(n):
    tot = plan["baseline"]["gmv"] * T
    for c in chs:
        cur, dr = c["response"]["curve"], c["draws"]
        th, a = dr["theta"][d], 0.0
        for t in range(T):
            a = x.get(c["id"], [0.0] * T)[t] + th * a
            if cur == "hill":
                b, k, s = dr["beta"][d], dr["k"][d], dr["s"][d]
                tot += b * a**s / (k**s + a**s) if a > 0 else 0
            elif cur == "exp":
                tot += dr["beta"][d] * (1 - math.exp(-a / dr["k"][d]))
            else:
                tot += dr["roas"][d] * a
    gmv.append(tot)
gmv.sort()
def q(p):
    h = (n - 1) * p
    lo = int(math.floor(h)); hi = min(lo + 1, n - 1)
    return gmv[lo] + (h - lo) * (gmv[hi] - gmv[lo])
u = run["uncertainty"]
assert u["draws"] == 40
for p, key in ((0.1, "p10"), (0.5, "p50"), (0.9, "p90")):
    assert abs(u["gmv"][key] - q(p)) < 1e-6 * q(p), (key, u["gmv"][key], q(p))
g = u["goals"][0]
assert g["kpi"] == "gmv" and abs(g["p50"] - q(0.5) / 1500000) < 1e-9
PYEOF
cp "$TMP/out" "$TMP/unc.json"
expect_exit "run --uncertainty, table in 万" 0 "$MPLAN" run "$TMP/b1.yaml" --uncertainty --format table --units wan
$PY - "$TMP/unc.json" "$TMP/out" <<'PYEOF' && ok "the uncertainty table shows GMV in the run's units" || fail "uncertainty units" "see above"
import json, sys
u = json.load(open(sys.argv[1]))["uncertainty"]["gmv"]
text = open(sys.argv[2], encoding="utf-8").read()
row = [l for l in text[text.index("Uncertainty of"):].split("\n") if l.startswith("gmv ")][0].split()
assert row[1:4] == ["%.1f万" % (u[k] / 1e4) for k in ("p10", "p50", "p90")], (row, u)
PYEOF
expect_exit "report of the fitted plan" 0 "$MPLAN" report "$TMP/b1.yaml" -o "$TMP/r.html"
n=$(awk '/id="curve-feed"/,/<\/svg>/' "$TMP/r.html" | grep -c 'stroke-dasharray')
[ "$n" -eq 2 ] && grep -q "80% band" "$TMP/r.html" && ok "report draws the fitted curve's band" ||
    fail "report band" "$n dashed lines in curve-feed"
"$MPLAN" report "$plan" -o "$TMP/r0.html" && ! grep -q "80% band" "$TMP/r0.html" && ok "no band without draws" ||
    fail "no band" "band without draws"
expect_exit "run --uncertainty without draws exits 3" 3 "$MPLAN" run "$plan" --uncertainty
expect_err "says how to get draws" "no channel has draws"

# experiments: a lift test of feed in weeks 30-45 that says 1.5 times what the history shows,
# with a tight interval, pulls the calibrated fit toward it; the same from the plan's
# experiments: (dates) as from --experiments (period numbers).
$PY - "$TMP" <<'PYEOF'
import sys
d = sys.argv[1]
rows = [r.split(",") for r in open(d + "/noisy.csv").read().split("\n")[1:] if r]
a, g = 0.0, 0.0
for t, r in enumerate(rows):
    a = float(r[2]) + 0.45 * a
    if 29 <= t <= 44:
        g += 260000 * a**1.6 / (42000**1.6 + a**1.6)
m = 1.5 * g
open(d + "/exp.csv", "w").write("channel,from,to,gmv,lo,hi,level\nfeed,30,45,%.2f,%.2f,%.2f,0.95\n" % (m, 0.97 * m, 1.03 * m))
plan = open("tests/e2e/plans/fit-store.yaml").read()
plan += "experiments:\n  - {channel: feed, window: %s..%s, gmv: %.2f, interval: [%.2f, %.2f], level: 0.95}\n" % (
    rows[29][0], rows[44][0], m, 0.97 * m, 1.03 * m)
open(d + "/plan-exp.yaml", "w").write(plan)
open(d + "/measured", "w").write("%.6f" % m)
PYEOF
# (--prior-weight 0: the history alone, without the default ridge toward the plan, sees 2/3 of it)
expect_exit "fit with --experiments" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --experiments "$TMP/exp.csv" --format json -q \
    --prior-weight 0
cp "$TMP/out" "$TMP/exp1.json"
expect_exit "fit with the plan's experiments" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$TMP/plan-exp.yaml" --format json -q \
    --prior-weight 0
$PY - "$TMP/exp1.json" "$TMP/out" "$(cat "$TMP/measured")" <<'PYEOF' && ok "experiments calibrate the fit and report the gap" || fail "experiments" "see above"
import json, sys
a, b, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3])
x = a["experiments"][0]
assert x["channel"] == "feed" and x["from"] == 30 and x["to"] == 45 and abs(x["gmv"] - m) < 0.01
assert abs(x["calibrated"] - m) < 0.5 * abs(x["uncalibrated"] - m), x
assert 0.5 < x["uncalibrated"] / m < 0.8, x   # the history alone sees about 2/3 of it
y = b["experiments"][0]
for k in ("from", "to", "gmv", "uncalibrated", "calibrated"):
    assert abs(x[k] - y[k]) <= 1e-6 * abs(x[k]), (k, x[k], y[k])
PYEOF
expect_exit "the plan keeps its experiments through write-plan" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$TMP/plan-exp.yaml" -q --write-plan "$TMP/pe2.yaml"
grep -q "experiments:" "$TMP/pe2.yaml" && "$MPLAN" run "$TMP/pe2.yaml" -q >/dev/null && ok "experiments written back and read again" ||
    fail "experiments round trip" "$(grep -A3 experiments "$TMP/pe2.yaml")"
printf 'channel,from,to,gmv,lo,hi\nfeed,30,45,100,200,300\n' >"$TMP/badexp.csv"
expect_exit "experiment outside its interval exits 3" 3 "$MPLAN" fit "$TMP/noisy.csv" --experiments "$TMP/badexp.csv"
expect_err "experiment interval message" "badexp.csv:2: the interval must contain the estimate"

# --prior-spread: how far the plan's values may be off. A tight spread keeps each channel near
# the plan's values (feed beta 200,000, k 30,000; search beta 150,000; edm roas 2), a wide one
# lets the history move it toward the curves it was generated from (260,000, 42,000; 180,000;
# 1.7); the default is the spread 0.4, the same fit to the last digit.
for sp in 0.01 3 0.4; do
    expect_exit "fit with --prior-spread $sp" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --prior-spread $sp \
        --format json -q -o "$TMP/spread-$sp.json"
done
expect_exit "fit with the default spread" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --format json -q \
    -o "$TMP/spread-default.json"
cmp -s "$TMP/spread-0.4.json" "$TMP/spread-default.json" && ok "the default ridge is --prior-spread 0.4" ||
    fail "default spread" "differs from --prior-spread 0.4"
$PY - "$TMP/spread-default.json" "$TMP/out" <<'PYEOF' && ok "JSON gives the ridge's spread" || fail "prior_spread" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["prior_spread"] == 0.4 and d["prior_weight"] > 0, (d["prior_spread"], d["prior_weight"])
PYEOF
expect_exit "a fixed weight" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --prior-weight 0.01 --format json -q
$PY - "$TMP/out" <<'PYEOF' && ok "a fixed weight has no spread" || fail "prior_spread null" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["prior_spread"] is None and d["prior_weight"] > 0, (d["prior_spread"], d["prior_weight"])
PYEOF
expect_exit "table with the default ridge" 0 "$MPLAN" fit "$TMP/noisy.csv" --plan "$plan" --format table -q
grep -q "a ridge toward the plan's curves of spread 0.4 (weight " "$TMP/out" && ok "the table's first line gives the spread" ||
    fail "table spread" "$(head -1 "$TMP/out")"
$PY - "$TMP/spread-0.01.json" "$TMP/spread-3.json" <<'PYEOF' && ok "a tighter spread stays nearer the plan" || fail "prior spread" "see above"
import json, math, sys
tight, wide = ({c["id"]: c["params"] for c in json.load(open(f))["channels"]} for f in sys.argv[1:])
plan = {"feed": {"beta": 200000, "k": 30000}, "search": {"beta": 150000}, "edm": {"beta": 2}}
for c, ps in plan.items():
    for p, v in ps.items():
        dt, dw = abs(math.log(tight[c][p] / v)), abs(math.log(wide[c][p] / v))
        assert dt < dw, (c, p, tight[c][p], wide[c][p])
        assert dt < 0.02, (c, p, tight[c][p])
PYEOF
expect_exit "a spread gives a per-channel fit a ridge" 0 "$MPLAN" fit "$TMP/long.csv" --plan "$plan" --prior-spread 0.3 \
    --format json -q
$PY - "$TMP/out" <<'PYEOF' && ok "per-channel fit with --prior-spread has a ridge" || fail "per-channel spread" "see above"
import json, sys
assert json.load(open(sys.argv[1]))["prior_weight"] > 0
PYEOF
expect_exit "--prior-spread with --prior-weight is usage" 2 "$MPLAN" fit "$TMP/wide.csv" --prior-spread 0.5 --prior-weight 0.01
expect_err "says to give one" "not both"
expect_exit "--prior-spread 0 is usage" 2 "$MPLAN" fit "$TMP/wide.csv" --prior-spread 0
expect_err "names the option" "--prior-spread takes a number above 0"

# ---- bad input: exit 3 at file:line:col, nothing written ----
bad() { # NAME CONTENT MESSAGE
    printf '%s' "$2" >"$TMP/bad.csv"
    rm -f "$TMP/never.yaml"
    expect_exit "$1 exits 3" 3 "$MPLAN" fit "$TMP/bad.csv" --plan "$plan" --write-plan "$TMP/never.yaml"
    expect_err "$1 says where" "$3"
    [ ! -e "$TMP/never.yaml" ] && ok "$1 writes nothing" || fail "$1 writes nothing" "never.yaml exists"
}
head -12 "$TMP/wide.csv" >"$TMP/short.csv"
bad "non-numeric cell" "$(printf 'period,gmv,feed,search,edm\n1,100,abc,1,1\n')" "bad.csv:2:3: feed must be a number, got 'abc'"
bad "negative spend" "$(printf 'period,gmv,feed,search,edm\n1,100,1,-5,1\n')" "bad.csv:2:4: search must be >= 0"
bad "empty spend cell" "$(printf 'period,gmv,feed,search,edm\n1,100,,1,1\n')" "bad.csv:2:3: feed is empty"
# an empty gmv is a missing one (the period not fitted): a history of only those has nothing to fit
bad "every GMV missing" "$(printf 'period,gmv,feed,search,edm\n1,,1,1,1\n2,,2,1,1\n3,,1,2,1\n')" \
    "(the history has 0 with GMV; 3 of its 3 periods have none)"
bad "missing period" "$(printf 'period,gmv,feed,search,edm\n1,1,1,1,1\n2,1,1,1,1\n4,1,1,1,1\n')" "period 3 is missing"
bad "missing week" "$(printf 'period,gmv,feed,search,edm\n2024-01-01,1,1,1,1\n2024-01-08,1,1,1,1\n2024-01-22,1,1,1,1\n')" "period 2024-01-15 is missing"
bad "duplicate period" "$(printf 'period,gmv,feed,search,edm\n1,1,1,1,1\n2,1,1,1,1\n1,2,2,2,2\n')" "bad.csv:4: duplicate row for this period (first at line 2)"
bad "channel not in plan" "$(printf 'period,gmv,feed,search,edm,tv\n1,1,1,1,1,1\n')" "channel 'tv' is in the history but not in the plan"
bad "plan channel not in history" "$(printf 'period,gmv,feed,search\n1,1,1,1\n')" "channel 'edm' of the plan is not in the history"
bad "empty file" "" "bad.csv"
bad "mixed periods" "$(printf 'period,gmv,feed,search,edm\n1,1,1,1,1\n2024-01-08,1,1,1,1\n')" "bad.csv:3:1: period '2024-01-08': the file mixes"
bad "long: duplicate channel row" "$(printf 'period,channel,spend,gmv\n1,feed,1,1\n1,feed,2,2\n')" "bad.csv:3: duplicate row for channel 'feed'"
rm -f "$TMP/never.yaml"
expect_exit "too few periods exits 3" 3 "$MPLAN" fit "$TMP/short.csv" --plan "$plan" --write-plan "$TMP/never.yaml"
expect_err "too few periods gives the count needed" "periods are needed"
[ ! -e "$TMP/never.yaml" ] && ok "too few periods writes nothing" || fail "too few writes nothing" "exists"
expect_exit "holdout as long as the history exits 3" 3 "$MPLAN" fit "$TMP/short.csv" --holdout 11
expect_err "holdout message" "not shorter than the history"
expect_exit "write-plan without plan is usage" 2 "$MPLAN" fit "$TMP/wide.csv" --write-plan "$TMP/x.yaml"
finish
