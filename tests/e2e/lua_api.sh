#!/bin/sh
# The Lua API a pack author needed (issue 13 part 9): list-valued params, channel tags:,
# ch.owner, ch.carryover, ch:demand(t), ch:marginal_at(alloc, t), plan.objective,
# test.quantiles fixtures for mplan.quantile, and --set naming an event by name. Expected
# values by hand or recomputed here in Python from docs/model.md's formulas.
. tests/e2e/lib.sh

cat >"$TMP/plan.yaml" <<'YAML'
mplan: 1
horizon: {start: 2027-01-04, periods: 3, period: week}
budget: {total: 3000}
season: [1, 2, 1]
objective: {target_roas: 1.5}
channels:
  - {id: ads, kind: paid, owner: ads team, theta: 0.5, carryover: 100, tags: {tier: proven, region: north},
     response: {curve: exp, beta: 1000, k: 500}}
  - {id: crm, kind: self, tags: [test, email], response: {curve: linear, roas: 2}}
YAML
cat >"$TMP/api.lua" <<'LUA'
local ads, crm = plan:channel("ads"), plan:channel("crm")
local a = mplan.allocation(plan)
a:set("ads", 1, 200); a:set("ads", 2, 300); a:set("ads", 3, 100)
return ads.owner, tostring(crm.owner), ads.carryover, ads.tags.tier, ads.tags.region,
  tostring(crm.tags.email), tostring(crm.tags.tier), ads:demand(1), ads:demand(2),
  string.format("%.10g", ads:marginal_at(a, 1)), string.format("%.10g", ads:marginal_at(a, 2)),
  string.format("%.10g", ads:marginal_at(a, 3)), plan.objective.kind, plan.objective.target_roas
LUA
expect_exit "eval: the new channel fields and methods" 0 "$MPLAN" eval "$TMP/api.lua" "$TMP/plan.yaml"
# d(total GMV)/dx[t] = sum over u >= t of theta^(u-t) L[u] f'(a[u]), f = beta (1 - e^(-a/k)),
# a[u] = x[u] + theta a[u-1], a[0] = carryover (docs/model.md 3, 4, 6): recomputed here.
python3 - "$TMP/out" <<'PY' && ok "eval: owner, carryover, tags, demand, marginal_at, objective" \
    || fail "eval: owner, carryover, tags, demand, marginal_at, objective" "$(cat "$TMP/out")"
import math, sys
got = [l.rstrip("\n") for l in open(sys.argv[1])]
x, th, a, L = [200, 300, 100], 0.5, 100.0, [1, 2, 1]
A = []
for v in x:
    a = v + th * a
    A.append(a)
d = [L[u] * 1000 / 500 * math.exp(-A[u] / 500) for u in range(3)]
g = [sum(th ** (u - t) * d[u] for u in range(t, 3)) for t in range(3)]
want = ["ads team", "nil", "100.0", "proven", "north", "true", "nil", "1.0", "2.0"] + \
       ["%.10g" % v for v in g] + ["target_roas", "1.5"]
if got != want:
    print("got ", got, "\nwant", want)
    sys.exit(1)
PY
printf 'mplan: 1\nhorizon: {start: 2027-01-04, periods: 1, period: week}\nbudget: {total: 1}\nchannels:\n  - {id: a, kind: paid, tags: 5, response: {curve: linear, roas: 1}}\n' >"$TMP/badtags.yaml"
expect_exit "tags: a number is refused" 3 "$MPLAN" run "$TMP/badtags.yaml"
expect_err "tags: says what it takes" "'channels.a.tags' must be a mapping of names to values"

# A revised plan keeps the tags (review --write-plan writes them back).
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,ads,200,0,0,0,300\n1,crm,100,0,0,0,200\n' >"$TMP/act.csv"
sed -i 's/objective: {target_roas: 1.5}/objective: gmv/' "$TMP/plan.yaml"
expect_exit "review writes a revised plan" 0 "$MPLAN" review "$TMP/plan.yaml" "$TMP/act.csv" \
    --write-plan "$TMP/rev.yaml" --format csv -q
printf 'return plan:channel("ads").tags.tier, plan:channel("crm").tags.email\n' >"$TMP/tags.lua"
expect_exit "revised plan: tags still there" 0 "$MPLAN" eval "$TMP/tags.lua" "$TMP/rev.yaml"
[ "$(tr '\n' ' ' <"$TMP/out")" = "proven true " ] && ok "revised plan: tags read back" \
    || fail "revised plan: tags read back" "$(cat "$TMP/out")"

# ---- list-valued params: pack.yaml default, plan override, --param, test.params ----
mkdir -p "$TMP/tiers/tests"
cat >"$TMP/tiers/pack.yaml" <<'YAML'
name: tiers
version: 0.1.0
summary: Lists as params
mplan: ">=1.0"
provides: {allocators: [], strategies: [], segmenters: [tier], kpis: [ntiers, share2]}
params:
  tiers: {type: list, default: [ztc, feed, "618"], doc: Channels of the proven tier}
  shares: {type: list, default: [0.7, 0.3], doc: Budget shares}
YAML
cat >"$TMP/tiers/init.lua" <<'LUA'
local M = {}
function M.ntiers(t, params) return #params.tiers end
function M.share2(t, params) return params.shares[2] end
function M.tier(row, params)
  for _, id in ipairs(params.tiers) do if row.channel == id then return "proven" end end
  return "other"
end
return M
LUA
cat >"$TMP/tiers/tests/lists.lua" <<'LUA'
local m = require("init")
local p = test.params()
-- A quoted "618" stays text; numbers arrive as numbers.
assert(#p.tiers == 3 and p.tiers[1] == "ztc" and p.tiers[3] == "618")
assert(p.shares[1] == 0.7 and p.shares[2] == 0.3)
assert(m.ntiers({}, test.params{tiers = {"a", "b"}}) == 2)
assert(not pcall(test.params, {tiers = "ztc"}))   -- a string is not a list
LUA
expect_exit "list params: pack check" 0 "$MPLAN" pack check "$TMP/tiers"
expect_exit "list params: pack test" 0 "$MPLAN" pack test "$TMP/tiers"
expect_exit "list params: pack info --format json" 0 "$MPLAN" pack info "$TMP/tiers" --format json
python3 -c 'import json,sys; p={x["name"]: x for x in json.load(open(sys.argv[1]))["params"]}; sys.exit(0 if p["tiers"]["type"] == "list" and p["tiers"]["default"] == ["ztc", "feed", "618"] and p["shares"]["default"] == [0.7, 0.3] else 1)' "$TMP/out" \
    && ok "list params: pack info lists the defaults" || fail "list params: pack info lists the defaults" "$(head -c 300 "$TMP/out")"
printf 'id,channel\n1,ztc\n2,feed\n3,xhs\n' >"$TMP/ch.csv"
expect_exit "list params: segment with the default" 0 "$MPLAN" segment "$TMP/ch.csv" --pack "$TMP/tiers" --rule tier --format csv
[ "$(awk -F, '$1 == "proven" { print $2 }' "$TMP/out")" = 2 ] && ok "list params: ztc and feed proven" \
    || fail "list params: ztc and feed proven" "$(cat "$TMP/out")"
expect_exit "list params: --param NAME=a,b" 0 "$MPLAN" segment "$TMP/ch.csv" --pack "$TMP/tiers" --rule tier \
    --format csv --param tiers=xhs
[ "$(awk -F, '$1 == "proven" { print $2 }' "$TMP/out")" = 1 ] && ok "list params: --param tiers=xhs: 1 proven" \
    || fail "list params: --param tiers=xhs: 1 proven" "$(cat "$TMP/out")"
cat >"$TMP/lp.yaml" <<YAML
mplan: 1
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 1000}
goals: {tiers.ntiers: 4, tiers.share2: 0.25}
channels:
  - {id: ads, kind: paid, response: {curve: exp, beta: 1000, k: 500}}
packs: [{path: tiers, params: {tiers: [a, b, ztc, d], shares: [0.5, 0.25, 0.25]}}]
segments: {from: ch.csv, segmenter: tiers.tier}
YAML
expect_exit "list params: a plan's lists" 0 "$MPLAN" run "$TMP/lp.yaml" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g={x["kpi"]: x["forecast"] for x in d["goals"]}; sys.exit(0 if g == {"tiers.ntiers": 4, "tiers.share2": 0.25} and d["segments"] == {"proven": 1, "other": 2} else 1)' "$TMP/out" \
    && ok "list params: 4 tiers, second share 0.25, one proven customer" \
    || fail "list params: 4 tiers, second share 0.25, one proven customer" "$(head -c 400 "$TMP/out")"
sed -i 's/tiers: \[a, b, ztc, d\]/tiers: ztc/' "$TMP/lp.yaml"
expect_exit "list params: a string where a list belongs" 3 "$MPLAN" run "$TMP/lp.yaml"
expect_err "list params: says a list" "must be a list"

# ---- mplan.quantile in pack tests: test.quantiles fixtures (rfm's own tests use them) ----
expect_exit "quantile fixtures: rfm's tests" 0 "$MPLAN" pack test rules/rfm
cat >"$TMP/tiers/tests/q.lua" <<'LUA'
assert(not pcall(mplan.quantile, "x", 0.5))          -- no fixtures: an error
test.quantiles{x = {5, 1, 4, 2, 3, "n/a"}}
-- the least value with at least p of the values at or below it: rank ceil(p n), n = 5
assert(mplan.quantile("x", 0) == 1 and mplan.quantile("x", 0.2) == 1)
assert(mplan.quantile("x", 0.21) == 2 and mplan.quantile("x", 0.5) == 3 and mplan.quantile("x", 1) == 5)
local ok, msg = pcall(mplan.quantile, "y", 0.5)
assert(not ok and msg:find("no column 'y'"), msg)
LUA
expect_exit "quantile fixtures: a pack's own test" 0 "$MPLAN" pack test "$TMP/tiers"

# ---- --set names an event by name ----
P=examples/double-11-12/plan.yaml
expect_exit "--set events[0].lift" 0 "$MPLAN" whatif $P --set 'events[0].lift=1.5..2.5/3' --format csv -q
cut -d, -f2- "$TMP/out" | tail -n +2 >"$TMP/by_index"
expect_exit "--set events[Double 11].lift" 0 "$MPLAN" whatif $P --set 'events[Double 11].lift=1.5..2.5/3' --format csv -q
cut -d, -f2- "$TMP/out" | tail -n +2 >"$TMP/by_name"
cmp -s "$TMP/by_index" "$TMP/by_name" && [ -s "$TMP/by_name" ] && ok "--set: by name is the same event as events[0]" \
    || fail "--set: by name is the same event as events[0]" "differ"
expect_exit "--set: an unknown event name" 2 "$MPLAN" whatif $P --set 'events[Double 13].lift=1.5'
expect_err "--set: the plan's events listed" "no event named 'Double 13' (the plan's events: 'Double 11', 'Double 12')"
expect_exit "--set: a name only picks events" 2 "$MPLAN" whatif $P --set 'season[x]=1.5'
finish
