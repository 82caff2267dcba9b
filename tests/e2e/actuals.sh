#!/bin/sh
# Actuals as platforms export them: day rows summed into the plan's periods, empty funnel
# cells as missing values, currency signs and thousands separators read, and the ambiguous
# or inconsistent refused at file:line with the fix named. Sums worked out by hand.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/review4.yaml   # weeks from Monday 2027-01-04, in USD

# Week 1 of channel a by day: 7 days of spend 100 each (700), impressions 60,000 in all,
# clicks 600, orders 12, gmv 600, new customers 5, the same totals as review.sh's week 1
# row; week 2 as one row by its number, and b too. Two days are dated as spreadsheets write
# dates (2027/1/6, 2027.01.07).
cat >"$TMP/day.csv" <<'CSV'
period,channel,spend,impressions,clicks,orders,gmv,new_customers
2027-01-04,a,$100.00,"10,000",100,2,100,1
2027-01-05,a,"$100",8000,80,2,80,1
2027/1/6,a,100,8000,80,2,80,1
2027.01.07,a,100,8000,80,2,80,1
2027-01-08,a,100,8000,80,2,80,1
2027-01-09,a,100,8000,80,1,80,0
2027-01-10,a,100,10000,100,1,100,0
2,a,800,"70,000",700,14,700,6
1,b,300,0,0,0,350,0
2,b,250,0,0,0,"$ 300",0
CSV
expect_exit "day rows, spreadsheet dates, \$ and thousands separators: review exits 0" 0 "$MPLAN" review "$plan" "$TMP/day.csv" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "day rows summed into week 1: spend 700, impressions 60,000, gmv 600" || fail "day rows" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
p1 = d["variance"]["by_period"][0]
assert p1["spend"]["actual"] == 700 + 300, p1["spend"]
assert p1["impressions"]["actual"] == 60000, p1["impressions"]
assert p1["gmv"]["actual"] == 600 + 350, p1["gmv"]
a = d["variance"]["by_channel"]["a"]
assert a["spend"]["actual"] == 1500 and a["orders"]["actual"] == 26 and a["new_customers"]["actual"] == 11, a
assert d["variance"]["by_channel"]["b"]["gmv"]["actual"] == 650
PYEOF

# The same file with the headers a Chinese ad platform exports: the same review.
sed '1s/.*/日期,渠道,花费,展现量,点击量,成交笔数,成交金额,新客数/' "$TMP/day.csv" >"$TMP/day-zh.csv"
"$MPLAN" review "$plan" "$TMP/day.csv" --format json -o "$TMP/day.json"
expect_exit "Chinese export headers: review exits 0" 0 "$MPLAN" review "$plan" "$TMP/day-zh.csv" --format json
sed 's/day-zh\.csv/day.csv/g' "$TMP/out" | cmp -s - "$TMP/day.json" && ok "日期,渠道,花费,... read as period,channel,spend,..." ||
    fail "Chinese headers" "$(diff "$TMP/out" "$TMP/day.json" | head -5)"

# Empty funnel cells: missing, not zero and not an error; spend and gmv stay required.
cat >"$TMP/gap.csv" <<'CSV'
period,channel,spend,impressions,clicks,orders,gmv,new_customers
1,a,700,60000,,12,600,
2,a,800,70000,700,14,700,6
CSV
expect_exit "empty clicks and new_customers cells: exit 0" 0 "$MPLAN" review "$plan" "$TMP/gap.csv" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "a missing cell makes its totals unknown (null), the others stay" || fail "missing cells" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["variance"]["by_channel"]["a"]
assert a["clicks"]["actual"] is None and a["new_customers"]["actual"] is None, a["clicks"]
assert a["impressions"]["actual"] == 130000 and a["orders"]["actual"] == 26 and a["gmv"]["actual"] == 1300
assert d["variance"]["by_period"][1]["clicks"]["actual"] == 700
PYEOF

# Refused with the fix named, at file:line.
bad() { # NAME ROW EXPECTED
    { echo "period,channel,spend,impressions,clicks,orders,gmv,new_customers"; echo "1,a,700,60000,600,12,600,5"
      printf '%s\n' "$2"; } >"$TMP/bad.csv"
    expect_exit "$1: exit 3" 3 "$MPLAN" review "$plan" "$TMP/bad.csv"
    expect_err "$1: file:line and the fix" "bad.csv:${4:-3}: $3"
}
bad "a decimal comma" '2,a,"1.234,50",1,1,1,1,1' "spend '1.234,50': a decimal comma? write the number with a dot before the decimals and no other separators (1.234,50 is 1234.50)"
bad "a comma that separates no thousands" '2,a,"12,5",1,1,1,1,1' "spend '12,5': commas may only separate thousands (1,234,567.50); for a decimal comma write a dot (1,5 is 1.5)"
bad "dots between thousands" '2,a,1.234.567,1,1,1,1,1' "spend '1.234.567': dots between thousands? write the number without them (1.234.567 is 1234567)"
bad "yuan in a dollar plan" '2,a,¥800,1,1,1,1,1' "spend '¥800' is in yuan but the plan's currency is USD (\$)"
bad "fullwidth yuan in a dollar plan" '2,a,￥800,1,1,1,1,1' "spend '￥800' is in yuan but the plan's currency is USD (\$)"
bad "an empty spend" '2,a,,1,1,1,1,1' "spend is empty: write 0 when there was none"
bad "the same day twice" '2027-01-12,a,1,1,1,1,1,1
2027-01-12,a,1,1,1,1,1,1' "duplicate row for channel 'a' on 2027-01-12 (first at line 3)" 4
bad "a period row and day rows" '2027-01-05,a,1,1,1,1,1,1' "duplicate row for channel 'a', period 1 (first at line 2): give the period as a number or its days as dates, not both"
bad "a widening funnel, numbers readable" '2,a,800,"1,000","2,000",1,700,1' "channel 'a', period 2: the funnel must narrow (impressions >= clicks >= orders), got 1,000, 2,000, 1"
bad "day rows ending inside a period" '2027-01-11,a,1,1,1,1,1,1
2027-01-13,a,1,1,1,1,1,1' "the day rows end on 2027-01-13, inside period 2 (2027-01-11..2027-01-17): review compares whole periods, so leave out the rows of period 2 until it ends on 2027-01-17" 4

# A yuan plan reads ¥ and ￥ alike.
sed 's/currency: USD/currency: CNY/' "$plan" >"$TMP/cny.yaml"
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,a,"¥1,000.50",60000,600,12,￥600\n' >"$TMP/cny.csv"
expect_exit "a CNY plan: ¥ and ￥ read" 0 "$MPLAN" review "$TMP/cny.yaml" "$TMP/cny.csv" --format json
$PY -c "import json,sys; d=json.load(open('$TMP/out')); a=d['variance']['by_channel']['a']; assert a['spend']['actual']==1000.5 and a['gmv']['actual']==600" &&
    ok "¥1,000.50 is 1000.5, ￥600 is 600" || fail "yuan amounts" "$(head -c 300 "$TMP/out")"
finish
