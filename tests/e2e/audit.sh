#!/bin/sh
# What an analyst's audit found: numbers in messages and tables as people read them (no
# scientific notation), and the other small fixes of that audit.
. tests/e2e/lib.sh
plan=tests/e2e/plans/two-exp.yaml

# ---- numbers in messages: separators, never an exponent ----
expect_exit "--set out of range exits 2" 2 "$MPLAN" whatif "$plan" --set budget.total=-5000000
expect_err "--set: the value as typed, with separators" "'budget.total' must be in [0, 1e+15], got -5,000,000"
printf 'period,channel,spend,gmv,impressions,clicks,orders\n1,a,10,20,2000000,3000000,1\n' >"$TMP/h.csv"
expect_exit "a widening funnel in a history exits 3" 3 "$MPLAN" fit "$TMP/h.csv" --plan "$plan"
expect_err "the funnel's counts with separators" "the funnel must narrow (impressions >= clicks >= orders), got 2,000,000, 3,000,000, 1"
expect_exit "pack info" 0 "$MPLAN" pack info rules/event-rhythm --format table
grep -q "^steps .* 1\.\.100,000 " "$TMP/out" && ok "pack info: a param's range with separators" \
    || fail "pack info range" "$(grep steps "$TMP/out")"

# ---- a mistyped option gets a suggestion, as a mistyped plan key does ----
expect_exit "--fromat exits 2" 2 "$MPLAN" run "$plan" --fromat csv
expect_err "--fromat: did you mean --format" "unknown option '--fromat' (did you mean '--format'?)"
expect_exit "--colums=a exits 2" 2 "$MPLAN" segment "$TMP/h.csv" --colums=a
expect_err "--colums=a: did you mean --columns" "unknown option '--colums=a' (did you mean '--columns'?)"
expect_exit "an option nothing is close to exits 2" 2 "$MPLAN" whatif "$plan" --zzz
if grep -q "did you mean" "$TMP/err"; then fail "no suggestion" "$(cat "$TMP/err")"; else ok "--zzz: no suggestion"; fi

# ---- a pack allocator under a ROAS target nobody reaches says so (equalize refuses the plan) ----
# roi-greedy in 4 slices of 100 puts 200 on a (hill 1000, k 100: 666.67) and 200 on b (ROAS
# 1.5: 300): ROAS (666.67 + 300) / 400 = 2.42, under a target of 12 that a's best (10, its
# ROAS as its spend goes to 0) cannot reach either.
greedy_plan "$TMP/greedy.yaml" 'objective: {target_roas: 12}'
expect_exit "a pack allocator under an unreachable target_roas runs" 0 "$MPLAN" run "$TMP/greedy.yaml" --format csv
expect_err "and warns" "allocator 'roi-greedy.greedy' does not meet the plan's objective target_roas 12: its ROAS is 2.42, and no allocation can"

# ---- a revised new-customer goal stays whole ----
# Without a new_customers column the spent weeks' new customers are estimated from orders:
# (12 + 14) x new_share 0.45 = 11.7, about 12 people; 100 - 12 = 88 are left (not 88.3).
sed 's/^goals: .*$/goals: {new_customers: 100}/; s/new_share: 0.5/new_share: 0.45/' tests/e2e/plans/review4.yaml >"$TMP/nc.yaml"
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,a,700,60000,600,12,600\n2,a,800,70000,700,14,700\n1,b,300,0,0,0,350\n2,b,250,0,0,0,300\n' >"$TMP/nc.csv"
expect_exit "review without new_customers" 0 "$MPLAN" review "$TMP/nc.yaml" "$TMP/nc.csv" --format csv --write-plan "$TMP/nc-rev.yaml"
grep -q "^goals: {new_customers: 88}" "$TMP/nc-rev.yaml" && ok "revised new-customer goal: 88 people" \
    || fail "revised new-customer goal" "$(grep goals "$TMP/nc-rev.yaml")"

# ---- the budget line's "fixed" says what it holds beyond the (fixed lines) row ----
# budget.fixed 50 plus channel c's fixed cost of 30 in the one week: fixed 80 = 50 + 30.
{ sed 's/^budget: .*$/budget: {total: 1000, fixed: [{name: content, amount: 50}]}/' "$plan"
  printf '  - {id: c, kind: basic, cost: {fixed: 30}}\n'; } >"$TMP/fixed.yaml"
expect_exit "run with a fixed-cost channel" 0 "$MPLAN" run "$TMP/fixed.yaml" --format table
grep -qxF 'fixed: $50 budget lines + $30 of channels with a fixed cost or spend (c)' "$TMP/out" \
    && ok "table: the fixed amount explained" || fail "fixed note" "$(head -6 "$TMP/out")"
expect_exit "run without one" 0 "$MPLAN" run "$plan" --format table
if grep -q "^fixed:" "$TMP/out"; then fail "no fixed note" "$(head -6 "$TMP/out")"; else ok "table: no note without such channels"; fi
expect_exit "report with a fixed-cost channel" 0 "$MPLAN" report "$TMP/fixed.yaml" -o "$TMP/fixed.html"
grep -qF "reserve 0, fixed lines 50 and fixed-cost channels 30, allocated by" "$TMP/fixed.html" \
    && ok "report: the fixed amount explained" || fail "report fixed" "$(grep -o 'Budget [^.]*' "$TMP/fixed.html")"

# ---- a large custom KPI reads in the plan's units, as the goals do ----
# two-exp scaled by 1000: gmv 100 + 1,500,000 (1 - e^(-4/3)) = 1,104,704; gross profit
# 0.5 x 1,104,704 - 1,000,000 = -447,648, in 万 -44.8万.
{ sed 's/^budget: .*$/budget: {total: 1000000}/; s/beta: 1000, k: 500/beta: 1000000, k: 500000/
       s/beta: 500, k: 250/beta: 500000, k: 250000/; s/^goals: .*$//' "$plan"
  echo "packs: [{path: $PWD/rules/kpi-extra}]"; } >"$TMP/gp.yaml"
expect_exit "run with kpi-extra in 万" 0 "$MPLAN" run "$TMP/gp.yaml" --format table --units wan
[ "$(awk '$1 == "kpi-extra.gross_profit" {print $2}' "$TMP/out")" = "-44.8万" ] \
    && ok "custom KPI table: gross profit in 万" || fail "custom KPI units" "$(grep -A4 '^Custom' "$TMP/out")"

# ---- --flow with --skip-bad reports the bad rows once ----
# 2.4 MB of rows whose notes span lines: the 1 MiB cuts of --jobs 2 fall inside a quoted
# field, so the flow reads the file again on one thread; the skipped row was reported twice.
/usr/bin/python3 - "$TMP" <<'PYEOF'
import sys
d = sys.argv[1]
h = "customer_id,recency_days,orders,member_level,reviews,shares,visits_30d,favorites,carts,follows,note\n"
note = '"' + "line of a note\n" * 70 + '"'
rows = [h]
for i in range(1, 2300):
    rows.append(f"{i},3,2,0,0,0,1,0,0,0,{note}\n")
    if i == 100:
        rows.append("bad,1,2,3\n")
open(d + "/ml.csv", "w").write("".join(rows))
open(d + "/ml0.csv", "w").write(h + "".join(f"{i},30,1,0,0,0,0,0,0,0,x\n" for i in range(1, 150)))
PYEOF
expect_exit "flow over a file read twice" 0 "$MPLAN" segment "$TMP/ml.csv" --flow "$TMP/ml0.csv" --pack rules/aipl \
    --rule stage --skip-bad --jobs 2 --format csv
[ "$(grep -c 'bad row skipped' "$TMP/err")" -eq 1 ] && [ "$(grep -c 'ml.csv:7102: expected 11 fields, found 4' "$TMP/err")" -eq 1 ] \
    && ok "flow: a skipped row reported once" || fail "flow warnings" "$(cat "$TMP/err")"

# ---- an unquoted comma in a {...} mapping: the message says to quote the value ----
printf 'mplan: 1\nhorizon: {start: 2027-01-04, periods: 1, period: week}\nbudget:\n  total: 1000\n  fixed:\n    - {name: detail pages, short videos, amount: 50}\nchannels: [{id: a, kind: paid, response: {curve: exp, beta: 1000, k: 500}}]\n' >"$TMP/comma.yaml"
expect_exit "an unquoted comma exits 3" 3 "$MPLAN" run "$TMP/comma.yaml"
expect_err "the value to quote" "comma.yaml:6:28: unknown key 'short videos' in 'budget.fixed[0]' (expected name, amount, per_period; a value with a comma inside {...} must be in quotes: name: \"detail pages, short videos\")"

# ---- a share written as a percentage: the message says what to write ----
sed 's/^budget: .*$/budget: {total: 1000, reserve: 8}/' "$plan" >"$TMP/pct.yaml"
expect_exit "reserve: 8 exits 3" 3 "$MPLAN" run "$TMP/pct.yaml"
expect_err "reserve: 8 is 0.08" "'budget.reserve' must be between 0 and 0.5, got 8 (a share is a fraction: write 0.08 for 8%)"
sed 's/^budget: .*$/budget: {total: 1000, reserve: 60}/' "$plan" >"$TMP/pct.yaml"
expect_exit "reserve: 60 exits 3" 3 "$MPLAN" run "$TMP/pct.yaml"
if grep -q "write 0.6" "$TMP/err"; then fail "no hint out of range" "$(cat "$TMP/err")"; else ok "reserve: 60 (0.6 is out of range too): no hint"; fi

# ---- a day past its month's end says how long the month is ----
sed 's/^horizon: .*$/horizon: {start: 2027-02-29, periods: 1, period: week}/' "$plan" >"$TMP/feb.yaml"
expect_exit "2027-02-29 exits 3" 3 "$MPLAN" run "$TMP/feb.yaml"
expect_err "February 2027 has 28 days" "got '2027-02-29' (February 2027 has 28 days)"
{ cat "$plan"; printf 'events:\n  - {name: D11, outbreak: 2027-11-01..2027-11-31}\n'; } >"$TMP/nov.yaml"
expect_exit "2027-11-31 exits 3" 3 "$MPLAN" run "$TMP/nov.yaml"
expect_err "November has 30 days" "'2027-11-31' is not a calendar date YYYY-MM-DD (November 2027 has 30 days)"

# ---- the report's plan-vs-actual leaves out a channel with nothing planned, spent or sold ----
# review4-quiet's channel c works only in week 4: a review of weeks 1-2 has nothing on it
# (review's table leaves it out; the report listed it with zeros).
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,a,700,60000,600,12,600\n2,a,800,70000,700,14,700\n1,b,300,0,0,0,350\n2,b,250,0,0,0,300\n' >"$TMP/q.csv"
expect_exit "report of a plan with a late channel" 0 "$MPLAN" report tests/e2e/plans/review4-quiet.yaml --actuals "$TMP/q.csv" \
    -o "$TMP/q.html"
/usr/bin/python3 - "$TMP/q.html" <<'PYEOF' && ok "report: no row for the quiet channel" || fail "report quiet channel" "see above"
import re, sys
v = re.search(r'<section id="variance".*?</section>', open(sys.argv[1]).read(), re.S).group(0)
rows = re.findall(r"<tr[^>]*><td>([^<]*)</td>", v)
assert rows[:3] == ["a", "b", "total"], rows
PYEOF

# ---- the report names channels off plan by name, as its tables do ----
# review4's a, named, is behind plan on ROAS: 1300 / 1500 against 2000 (1 - e^(-4/3)) / 1333.3: -21.5%.
sed 's/^  - id: a$/  - id: a\n    name: Alpha Ads/' tests/e2e/plans/review4.yaml >"$TMP/named.yaml"
expect_exit "report with a named channel" 0 "$MPLAN" report "$TMP/named.yaml" --actuals "$TMP/q.csv" -o "$TMP/named.html"
grep -qF "Behind plan: Alpha Ads (roas -21.5%)" "$TMP/named.html" && ok "report: behind plan by name" \
    || fail "report names" "$(grep -o 'Behind plan: [^<]*' "$TMP/named.html")"
expect_exit "review of it" 0 "$MPLAN" review "$TMP/named.yaml" "$TMP/q.csv" --format table
grep -qF "Behind plan: a (roas -21.5%)" "$TMP/out" && ok "review table: by id, as its tables" \
    || fail "review ids" "$(grep 'Behind plan' "$TMP/out")"

# ---- segment reads amounts as exports write them ----
# gmv "¥1,234.50" + ¥765.50 + "2,000" = 4000, mean 1333.33; a city with a comma stays text.
printf 'customer_id,city,recency_days,orders,gmv,member_level,reviews,shares,visits_30d,favorites,carts,follows\n1,"Hangzhou, Zhejiang",10,2,"\302\2451,234.50",3,0,0,0,0,0,0\n2,Shanghai,20,1,\302\245765.50,3,0,0,0,0,0,0\n3,"1,2",30,4,"2,000",3,0,0,0,0,0,0\n' >"$TMP/amt.csv"
expect_exit "segment a file with amounts" 0 "$MPLAN" segment "$TMP/amt.csv" --pack rules/aipl --rule stage --format json
/usr/bin/python3 - "$TMP/out" <<'PYEOF' && ok "segment: amounts summed, a city kept as text" || fail "segment amounts" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert "gmv" in d["numeric_columns"] and "city" not in d["numeric_columns"], d["numeric_columns"]
L = d["labels"][0]
assert L["label"] == "L" and L["count"] == 3 and L["sum"]["gmv"] == 4000 and abs(L["mean"]["gmv"] - 4000 / 3) < 1e-9, L
PYEOF

# ---- review's total KPI table in the plan's units, as its other tables ----
# review4's a over weeks 1-2: 2 x 1000 (1 - e^(-4/3)) GMV at aov 50, cvr 0.02, ctr 0.01 is
# 147,280.6 impressions planned; 130,000 came: -17,280.6.
expect_exit "review in k" 0 "$MPLAN" review tests/e2e/plans/review4.yaml "$TMP/q.csv" --format table --units k
[ "$(awk '$1 == "impressions" {print $2, $3, $4}' "$TMP/out")" = "147.3k 130.0k -17.3k" ] \
    && ok "review total table: amounts in k" || fail "review total units" "$(grep -A8 'every KPI' "$TMP/out")"

finish
