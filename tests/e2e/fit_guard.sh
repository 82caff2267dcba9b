#!/bin/sh
# mplan fit --write-plan's guard (docs/fit.md "What --write-plan writes"): a fitted curve the
# history does not show bending gets a cap at 1.5x the history's largest spend in a period.
# A hand-built per-channel history, noiseless, 20 periods:
#   a: linear, GMV = 3 x spend, spends 1,000 and 2,000 in turn. A straight line does not bend:
#      marginal ROAS 3 everywhere, so at 1.5 x 2,000 it is 100% of that at the mean spend.
#      Capped at 1.5 x 2,000 = 3,000 a period; without the cap `run` would put the whole
#      budget into it (ROAS 3 for ever).
#   b: hill beta 10,000, k 500, s 1, theta 0, spends 1,000, 2,000, 3,000, 4,000 in turn (mean
#      2,500). Marginal ROAS beta k / (k + x)^2: 10,000 x 500 / 3,000^2 = 0.556 at the mean,
#      10,000 x 500 / 6,500^2 = 0.118 at 1.5 x 4,000 = 6,000: 21%, it bends: not capped.
#   c: exp beta 5,000, k 2,000, theta 0.3 (the plan's k and theta), spends 1,000 and 1,020 in
#      turn: a coefficient of variation of 1%, so its shape is not identifiable (held at the
#      plan's, beta fitted). The plan's own cap of 1,200 is below 1.5 x 1,020 = 1,530: kept.
. tests/e2e/lib.sh
PY=/usr/bin/python3

cat >"$TMP/plan.yaml" <<'YAML'
mplan: 1
store: {name: Guard Test Store, currency: CNY}
horizon: {start: 2026-01-05, periods: 8, period: week}
budget: {total: 80000}
baseline: {gmv: 10000}
objective: gmv
channels:
  - id: a
    kind: paid
    response: {curve: linear, roas: 2}
  - id: b
    kind: paid
    response: {curve: hill, beta: 8000, k: 800, s: 1}
    theta: 0.2
  - id: c
    kind: self
    response: {curve: exp, beta: 4000, k: 2000}
    theta: 0.3
    cap: 1200
YAML
$PY - "$TMP/history.csv" <<'PYEOF'
import math, sys
rows = ["period,channel,spend,gmv"]
ac = 0.0
for t in range(20):
    xa = (1000, 2000)[t % 2]
    xb = (1000, 2000, 3000, 4000)[t % 4]
    xc = (1000, 1020)[t % 2]
    ac = xc + 0.3 * ac
    rows.append("%d,a,%d,%.6f" % (t + 1, xa, 3 * xa))
    rows.append("%d,b,%d,%.6f" % (t + 1, xb, 10000 * xb / (500 + xb)))
    rows.append("%d,c,%d,%.6f" % (t + 1, xc, 5000 * (1 - math.exp(-ac / 2000))))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PYEOF

expect_exit "guard: fit --write-plan exits 0" 0 "$MPLAN" fit "$TMP/history.csv" --plan "$TMP/plan.yaml" \
    --write-plan "$TMP/fitted.yaml" --format json
expect_err "guard: a is capped, with the reason" "channel 'a': its fitted curve does not bend within the history (marginal ROAS at 1.5x the largest spend 100% of that at the mean spend): the written plan caps its spend at 3,000 a period (1.5x the history's largest, 2,000), where the history ends"
expect_err "guard: c's shape was not identifiable, its own cap kept" "channel 'c': its curve's shape was not identifiable (held, not fitted); the plan's cap 1,200 a period already keeps it within 1.5x the history's largest spend"
if grep -q "channel 'b': its" "$TMP/err"; then fail "guard: b bends, no warning" "$(grep "'b'" "$TMP/err")"; else ok "guard: b bends, no warning"; fi

$PY - "$TMP/fitted.yaml" <<'PYEOF' && ok "guard: the written plan caps a at 3,000, keeps c's 1,200, leaves b" || fail "guard plan" "see above"
import re, sys
text = open(sys.argv[1]).read()
blocks = {m.group(1): m.group(0) for m in re.finditer(r"- id: (\w+)\n(?:  .*\n)*", text)}
assert re.search(r"\n  cap: 3000\n", blocks["a"]), blocks["a"]
assert re.search(r"curve: linear, roas: 3\b", blocks["a"]), blocks["a"]
assert "cap:" not in blocks["b"], blocks["b"]
assert re.search(r"\n  cap: 1200\n", blocks["c"]), blocks["c"]
PYEOF

# the written plan runs and its allocation keeps a within the cap (and uses it: ROAS 3 beats
# the others' margins there)
expect_exit "guard: the written plan runs" 0 "$MPLAN" run "$TMP/fitted.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "guard: run keeps a at or below 3,000 a period" || fail "guard run" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
a = [c["spend"] for c in d["allocation"] if c["channel"] == "a"]
assert len(a) == 8 and max(a) <= 3000 + 1e-6 and max(a) >= 3000 - 1e-6, a
PYEOF

# --prior-weight and the guard do not touch a per-channel fit's numbers: a's roas is 3
expect_exit "guard: json of the fit" 0 "$MPLAN" fit "$TMP/history.csv" --plan "$TMP/plan.yaml" --format json -q
$PY - "$TMP/out" <<'PYEOF' && ok "guard: the per-channel fits are exact (roas 3, b's k 500)" || fail "guard fit" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
ch = {c["id"]: c for c in d["channels"]}
assert d["prior_weight"] == 0, d["prior_weight"]
assert abs(ch["a"]["params"]["beta"] - 3) < 1e-6, ch["a"]["params"]
assert abs(ch["b"]["params"]["k"] - 500) < 1e-3 and abs(ch["b"]["params"]["s"] - 1) < 1e-6, ch["b"]["params"]
assert abs(ch["c"]["params"]["beta"] - 5000) < 1e-3, ch["c"]["params"]
PYEOF
finish
