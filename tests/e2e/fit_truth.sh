#!/bin/sh
# mplan fit recovers known curves: tests/e2e/fit/ is a noiseless 3-channel, 52-week history
# made by bench/fit_gen.py (`fit_gen.py DIR --channels 3 --weeks 52 --noise 0 --plain
# --seed 3`: hill, exp, hill; carry-over 0.37-0.66; a flat baseline) with the truth it was
# made from (truth.json: parameters, ROAS at the mean spend, and the optimum of the plan's
# budget over the next 52 weeks, worked out by scipy). fit must give the parameters back to
# 1e-4 and the ROAS to 1e-6, from the per-channel reports and from the store totals, and
# `mplan run` of the plan it writes must reach the true optimum when scored on the true curves
# (scored here, in Python).
. tests/e2e/lib.sh
PY=/usr/bin/python3
dir=tests/e2e/fit

# The fixture is mplan's model: the truth with the history's spend forecasts the history.
expect_exit "fit_truth: history plan runs" 0 "$MPLAN" run "$dir/history_plan.yaml" --format json
$PY - "$TMP/out" "$dir/history_total.csv" <<'PYEOF' && ok "fit_truth: fixture is mplan's forecast of the truth" || fail "fit_truth fixture" "see above"
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == len(d["kpis"]["by_period"]) == 52
for p, r in zip(d["kpis"]["by_period"], rows):
    assert abs(p["gmv"] / float(r["gmv"]) - 1) < 1e-9, (p["t"], p["gmv"], r["gmv"])
PYEOF

if ! "$MPLAN" help fit >/dev/null 2>&1; then
    echo "ok fit_truth # skip: no mplan fit"
    finish
fi

for kind in channels total; do
    # --prior-weight 0: the estimator itself, without the default ridge toward the plan's
    # neutral values that store-total fits get
    expect_exit "fit_truth: fit $kind exits 0" 0 "$MPLAN" fit "$dir/history_$kind.csv" --plan "$dir/plan.yaml" \
        --format json --write-plan "$TMP/fit_$kind.yaml" --prior-weight 0 || continue
    $PY - "$TMP/out" "$dir/truth.json" <<'PYEOF' && ok "fit_truth: $kind: parameters to 1e-4, ROAS to 1e-6" || fail "fit_truth $kind" "see above"
import json, sys
d, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = {c["id"]: c for c in d["channels"]}
assert sorted(got) == [c["id"] for c in t["channel"]], sorted(got)
for c in t["channel"]:
    g = got[c["id"]]
    assert g["family"] == c["family"], (c["id"], g["family"])
    names = ("beta", "k", "s", "theta") if c["family"] == "hill" else ("beta", "k", "theta")
    for n in names:
        v = g["params"][n]
        assert abs(v / c[n] - 1) < 1e-4, "%s %s: %.17g, truth %.17g" % (c["id"], n, v, c[n])
    r = g["roas_mean"]
    assert abs(r / c["roas_mean"] - 1) < 1e-6, "%s roas_mean: %.17g, truth %.17g" % (c["id"], r, c["roas_mean"])
PYEOF
    expect_exit "fit_truth: run of the $kind fit exits 0" 0 "$MPLAN" run "$TMP/fit_$kind.yaml" --format json || continue
    $PY - "$TMP/out" "$dir/truth.json" <<'PYEOF' && ok "fit_truth: $kind: its allocation reaches the true optimum" || fail "fit_truth $kind run" "see above"
import json, math, sys
d, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
T = d["plan"]["periods"]
x = {c["id"]: [0.0] * T for c in t["channel"]}
for cell in d["allocation"]:
    x[cell["channel"]][cell["t"] - 1] = cell["spend"]
total = 0.0
for c in t["channel"]:  # the true curves, flat demand (no season, no events)
    a = 0.0
    for v in x[c["id"]]:
        a = v + c["theta"] * a
        if c["family"] == "hill":
            u = (a / c["k"]) ** c["s"] if a > 0 else 0.0
            total += c["beta"] * u / (1 + u)
        else:
            total += c["beta"] * (1 - math.exp(-a / c["k"]))
opt = t["optimum"]
spent = sum(sum(v) for v in x.values())
assert abs(spent / opt["budget"] - 1) < 1e-9, "spends %.17g of the budget %.17g" % (spent, opt["budget"])
assert total >= opt["channel_gmv"] * (1 - 1e-6), "%.17g < optimum %.17g" % (total, opt["channel_gmv"])
PYEOF
done
finish
