#!/bin/sh
# Messages that misled and plans that review wrote but run refused: a FIFO is named as what
# it is, a late review fits what is left of the mins, a channel that returned nothing is
# written as a plan run accepts.
. tests/e2e/lib.sh
PY=/usr/bin/python3

# A FIFO given by name is not "standard input".
mkfifo "$TMP/fifo.csv"
printf 'id,recency_days,orders,gmv\n1,3,4,100\n2,30,1,20\n' >"$TMP/fifo.csv" &
expect_exit "segment a FIFO with a two-pass segmenter is exit 2" 2 timeout 20 "$MPLAN" segment "$TMP/fifo.csv" \
    --pack rules/rfm --rule group --quiet
expect_err "the FIFO is named, not called standard input" "$TMP/fifo.csv is a pipe or FIFO, read only once"
if grep -q "standard input" "$TMP/err"; then fail "FIFO message" "still says standard input"; else ok "FIFO message: no 'standard input'"; fi
wait

# Budget 1000 over 4 weeks; channel a must get 600 but the first 3 weeks went to b (600):
# 400 is left, so a's min of 600 cannot fit; the revised plan asks for all 400 of it.
cat >"$TMP/p.yaml" <<'YAML'
mplan: 1
store: {name: T, currency: USD}
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 1000}
channels:
  - id: a
    kind: paid
    response: {curve: exp, beta: 1000, k: 500}
    min: 600
  - id: b
    kind: paid
    response: {curve: exp, beta: 500, k: 250}
YAML
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,b,200,0,0,0,0\n2,b,200,0,0,0,0\n3,b,200,0,0,0,0\n' >"$TMP/late.csv"
expect_exit "late review with a min that no longer fits is exit 0" 0 "$MPLAN" review "$TMP/p.yaml" "$TMP/late.csv" \
    --write-plan "$TMP/late.yaml" --format csv &&
    expect_err "late review: says the min was reduced" "channel 'a': its min left (600.00) no longer fits"
expect_exit "run of the late revised plan is exit 0" 0 "$MPLAN" run "$TMP/late.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "late revised plan: a gets the 400 left" || fail "late revised plan" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
sp = {(x["channel"], x["t"]): x["spend"] for x in d["allocation"]}
assert abs(sp[("a", 1)] - 400) < 1e-6 and abs(sp[("b", 1)]) < 1e-6, sp
PYEOF

# Channel b spent 100 and returned nothing: its refitted beta is 0, which the revised plan
# file must carry in a form run accepts.
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,b,100,0,0,0,0\n1,a,100,0,0,0,150\n' >"$TMP/zero.csv"
expect_exit "review of a channel with no GMV is exit 0" 0 "$MPLAN" review "$TMP/p.yaml" "$TMP/zero.csv" \
    --write-plan "$TMP/zero.yaml" --format csv
expect_exit "run of the revised plan review wrote is exit 0" 0 "$MPLAN" run "$TMP/zero.yaml" --format json
$PY - "$TMP/out" <<'PYEOF' && ok "revised plan: b returns nothing, all 800 left goes to a" || fail "zero-return plan" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
b = d["kpis"]["by_channel"]["b"]
assert b["gmv"] == 0 and b["spend"] == 0, b
assert abs(d["kpis"]["total"]["spend"] - 800) < 1e-6, d["kpis"]["total"]
PYEOF

# A goal less than a cent from reached is reached: dropped with a warning, not written as 0.
sed 's/^budget: {total: 1000}$/budget: {total: 1000}\ngoals: {gmv: 150.004}/' "$TMP/p.yaml" >"$TMP/g.yaml"
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,a,100,0,0,0,150\n1,b,0,0,0,0,0\n' >"$TMP/g.csv"
expect_exit "review: goal a fraction of a cent away" 0 "$MPLAN" review "$TMP/g.yaml" "$TMP/g.csv" --write-plan "$TMP/g2.yaml" --format csv &&
    expect_err "review: that goal is reached" "goal gmv 150.004 already reached (150)"
if grep -q "gmv: 0" "$TMP/g2.yaml"; then fail "revised goals" "a goal of 0 written"; else ok "revised plan: no goal of 0"; fi

finish
