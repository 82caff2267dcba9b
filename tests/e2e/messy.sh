#!/bin/sh
# Messy exports (issue 13 part 3): text where a number belongs does not stop the shipped
# segmenters; --skip-bad (and a plan's segments.skip_bad) also skips rows a rule fails on,
# counted and listed by line; -q silences warnings in every command; a warning is printed
# once. Expected counts worked out by hand from the rows below.
. tests/e2e/lib.sh

# Line 1 is the header, so customer N is on line N+1.
cat >"$TMP/c.csv" <<'CSV'
id,recency_days,orders,gmv,visits_30d,favorites,carts,follows,member_level,reviews,shares
1,10,2,100,0,0,0,0,1,0,0
2,30,n/a,50,0,0,0,0,1,0,0
3,-,3,0,1,0,0,0,0,0,0
4,400,N/A,20,空,0,0,0,0,0,0
5,,,,,,,,,,
6,5,1,80,0,0,0,0,n/a,0,0
CSV
# aipl by hand (window 365, repurchase 2, loyal level 3):
#   1 bought 10 days ago, 2 orders: L; 2 bought, orders n/a (none): P; 3 recency '-' (none),
#   a visit: I; 4 bought 400 days ago, visits '空': A; 5 all empty: A; 6 bought, level n/a: P.
expect_exit "aipl: text in numeric columns is missing, not an error" 0 \
    "$MPLAN" segment "$TMP/c.csv" --pack rules/aipl --rule stage --format csv
got=$(awk -F, 'NR > 1 { printf "%s=%s ", $1, $2 }' "$TMP/out")
[ "$got" = "A=2 P=2 I=1 L=1 " ] || [ "$(printf '%s\n' $got | sort | tr '\n' ' ')" = "A=2 I=1 L=1 P=2 " ] \
    && ok "aipl: counts A 2, I 1, L 1, P 2" || fail "aipl: counts A 2, I 1, L 1, P 2" "got $got"

# rfm with the file's own quintiles: customers 3 ('-') and 5 (empty) have no recency.
expect_exit "rfm: text in numeric columns is missing, not an error" 0 \
    "$MPLAN" segment "$TMP/c.csv" --pack rules/rfm --rule group --format csv
n=$(awk -F, '$1 == "no purchase" { print $2 }' "$TMP/out")
[ "$n" = 2 ] && ok "rfm: 2 customers without a recency are 'no purchase'" \
    || fail "rfm: 2 customers without a recency are 'no purchase'" "got '$n': $(cat "$TMP/out")"

# A rule that compares a field with a number as it is (the scaffold's `buyer`): rows 2 and
# 4 (lines 3 and 5: 'n/a', 'N/A') make it fail.
(cd "$TMP" && "$MPLAN" pack new strict >/dev/null 2>&1) || fail "scaffold" "pack new failed"
expect_exit "skip-bad: without it a failing rule stops the run" 4 \
    "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/strict" --rule buyer --format csv
expect_err "skip-bad: without it the row is named" "row at $TMP/c.csv:3"
expect_exit "skip-bad: rows the rule fails on are skipped" 0 \
    "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/strict" --rule buyer --format csv --skip-bad
# Left: 1 (2 orders), 3 (3), 6 (1) buyers; 5 (empty: 0 orders) a visitor.
got=$(awk -F, 'NR > 1 { printf "%s=%s ", $1, $2 }' "$TMP/out")
[ "$got" = "buyer=3 visitor=1 " ] && ok "skip-bad: 3 buyers, 1 visitor left" \
    || fail "skip-bad: 3 buyers, 1 visitor left" "got $got"
expect_err "skip-bad: counted" "$TMP/c.csv: 2 bad rows skipped"
expect_err "skip-bad: first row listed with its line" "$TMP/c.csv:3: the rule failed: "
expect_err "skip-bad: second row listed with its line" "$TMP/c.csv:5: the rule failed: "
expect_exit "skip-bad -q: no warnings" 0 \
    "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/strict" --rule buyer --format csv --skip-bad -q
[ ! -s "$TMP/err" ] && ok "skip-bad -q: stderr empty" || fail "skip-bad -q: stderr empty" "$(cat "$TMP/err")"

# A limit is not a bad row: a rule that loops forever fails the run even with --skip-bad.
cat >>"$TMP/strict/init.lua" <<'LUA'
function M.loop(row, params) while true do end end
return M
LUA
sed -i '0,/^return M$/{/^return M$/d}' "$TMP/strict/init.lua"
sed -i 's/segmenters: \[buyer\]/segmenters: [buyer, loop]/' "$TMP/strict/pack.yaml"
expect_exit "skip-bad: a limit still fails the run" 4 \
    "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/strict" --rule loop --skip-bad --max-steps 100000
expect_err "skip-bad: the limit is named" "instruction limit"

# Two passes (rfm's quantiles, then the segments) over a file with a malformed row: the
# warning once, not once per pass.
cp "$TMP/c.csv" "$TMP/c2.csv"
echo '7,1,2,3' >>"$TMP/c2.csv"
expect_exit "rfm skip-bad: a malformed row skipped" 0 \
    "$MPLAN" segment "$TMP/c2.csv" --pack rules/rfm --rule group --format csv --skip-bad
n=$(grep -c "1 bad row skipped" "$TMP/err")
[ "$n" = 1 ] && ok "rfm skip-bad: the warning printed once" || fail "rfm skip-bad: the warning printed once" "$n times"

# A plan's segments: {from:, skip_bad: true}: the same rows skipped, a warning of the plan.
cat >"$TMP/plan.yaml" <<YAML
mplan: 1
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 1000}
channels:
  - {id: ads, kind: paid, response: {curve: exp, beta: 1000, k: 500}}
packs: [{path: strict}]
segments: {from: c.csv, segmenter: strict.buyer, skip_bad: true}
YAML
expect_exit "plan skip_bad: runs" 0 "$MPLAN" run "$TMP/plan.yaml" --format json
sizes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("segments") == {"buyer": 3, "visitor": 1})' "$TMP/out" 2>/dev/null)
[ "$sizes" = True ] && ok "plan skip_bad: 3 buyers, 1 visitor" || fail "plan skip_bad: 3 buyers, 1 visitor" "$(head -c 300 "$TMP/out")"
expect_err "plan skip_bad: bad rows reported" "2 bad rows skipped"
expect_exit "plan skip_bad -q: quiet" 0 "$MPLAN" run "$TMP/plan.yaml" --format json -q
[ ! -s "$TMP/err" ] && ok "plan skip_bad -q: stderr empty" || fail "plan skip_bad -q: stderr empty" "$(cat "$TMP/err")"
sed -i 's/, skip_bad: true//' "$TMP/plan.yaml"
expect_exit "plan without skip_bad: the failing rule stops the run" 4 "$MPLAN" run "$TMP/plan.yaml" --format json
printf 'segments: {sizes: {A: 1}, skip_bad: true}\n' >"$TMP/seg.yaml"
sed '/^segments:/d' "$TMP/plan.yaml" >>"$TMP/seg.yaml"
expect_exit "plan skip_bad with sizes: refused" 3 "$MPLAN" run "$TMP/seg.yaml"
expect_err "plan skip_bad with sizes: says why" "'segments' takes either 'sizes' or 'from'"

# Every warning once: the 618 example with packs resolves its plan after each strategy
# change, and used to print its phase-coverage warning once per resolve (19 times).
expect_exit "618 with packs: runs" 0 "$MPLAN" run examples/618-flagship/with-packs.yaml --format csv
dups=$(sort "$TMP/err" | uniq -d)
[ -z "$dups" ] && [ -s "$TMP/err" ] && ok "618 with packs: each warning once" \
    || fail "618 with packs: each warning once" "repeated: $(echo "$dups" | head -c 300)"
expect_exit "618 with packs json: runs" 0 "$MPLAN" run examples/618-flagship/with-packs.yaml --format json
n=$(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; print(len(w) - len(set(w)))' "$TMP/out" 2>/dev/null)
[ "$n" = 0 ] && ok "618 with packs json: no repeated warning" || fail "618 with packs json: no repeated warning" "$n repeats"

# -q is accepted by every command and silences its warnings.
for cmd in "run examples/618-flagship/with-packs.yaml --format csv" \
           "whatif examples/618-flagship/with-packs.yaml --budget 900000 --format csv" \
           "report examples/618-flagship/with-packs.yaml -o $TMP/r.html" \
           "calendar examples/618-flagship/with-packs.yaml -o $TMP/c.ics" \
           "pack check rules/aipl" "pack test rules/aipl"; do
    # shellcheck disable=SC2086
    expect_exit "-q: mplan $cmd" 0 "$MPLAN" $cmd -q
    [ ! -s "$TMP/err" ] && ok "-q: mplan ${cmd%% *} prints nothing on stderr" \
        || fail "-q: mplan ${cmd%% *} prints nothing on stderr" "$(head -c 300 "$TMP/err")"
done
finish
