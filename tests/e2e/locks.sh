#!/bin/sh
# PLAN.lock holds on every path that runs a pack (issue 13 part 2): the commands with a
# plan (run, whatif, review, report, calendar, eval are in hostile_fs.sh), a plan's
# segments.from segmenter, and the revised plan `review --write-plan` writes, which gets
# a lock of its own.
. tests/e2e/lib.sh
mkdir -p "$TMP/w/rev"
cp -r rules/aipl "$TMP/w/aipl"
cp examples/customers/customers.csv "$TMP/w/customers.csv"
cat >"$TMP/w/plan.yaml" <<'YAML'
mplan: 1
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 4000}
channels:
  - {id: ads, kind: paid, response: {curve: exp, beta: 4000, k: 1000}}
packs: [{path: aipl}]
segments: {from: customers.csv, segmenter: aipl.stage}
YAML
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,ads,1000,0,0,0,1500\n' >"$TMP/w/act.csv"

expect_exit "lock: written" 0 "$MPLAN" pack lock "$TMP/w/plan.yaml"
expect_exit "review --write-plan of a locked plan" 0 \
    "$MPLAN" review "$TMP/w/plan.yaml" "$TMP/w/act.csv" --write-plan "$TMP/w/rev/revised.yaml" --format csv
[ -f "$TMP/w/rev/revised.lock" ] && ok "review: the revised plan gets its lock" \
    || fail "review: the revised plan gets its lock" "no rev/revised.lock: $(ls "$TMP/w/rev")"
# The lock names the pack by the revised plan's own path to it, and pins its files.
grep -q "path: ../aipl" "$TMP/w/rev/revised.lock" && grep -q "init.lua" "$TMP/w/rev/revised.lock" \
    && ok "review: the lock names ../aipl and its files" \
    || fail "review: the lock names ../aipl and its files" "$(head -c 400 "$TMP/w/rev/revised.lock")"
expect_exit "review: the revised plan runs under its lock" 0 "$MPLAN" run "$TMP/w/rev/revised.yaml" --format csv

# Tamper with the segmenter: the plan's segments pass refuses it, as does the revised plan.
sed -i 's/return "A"/return "L"/' "$TMP/w/aipl/init.lua"
expect_exit "lock: run refuses a tampered segmenter (segments.from)" 3 "$MPLAN" run "$TMP/w/plan.yaml" --format csv
expect_err "lock: says which file changed" "init.lua changed since the lock"
expect_exit "lock: the revised plan refuses it too" 3 "$MPLAN" run "$TMP/w/rev/revised.yaml" --format csv
expect_err "lock: the revised plan's lock is named" "revised.lock"

# No lock beside the plan: review writes none (nothing was pinned to carry over).
rm -f "$TMP/w/plan.lock" "$TMP/w/rev/revised.lock"
expect_exit "review of an unlocked plan" 0 \
    "$MPLAN" review "$TMP/w/plan.yaml" "$TMP/w/act.csv" --write-plan "$TMP/w/rev/revised.yaml" --format csv
[ ! -e "$TMP/w/rev/revised.lock" ] && ok "review: no lock for an unlocked plan" \
    || fail "review: no lock for an unlocked plan" "revised.lock written"
finish
