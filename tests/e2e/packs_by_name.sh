#!/bin/sh
# Packs named by a bare name: a plan's `packs:` entry, `segment --pack` and `pack check|info`
# find an installed pack on the rules path (MPLAN_RULES_PATH here, as the installed mplan
# finds share/mplan/rules); a directory of that name beside the plan comes first.
. tests/e2e/lib.sh
PY=/usr/bin/python3
RULES=$PWD/rules
mkdir -p "$TMP/plan" "$TMP/empty"

# two-exp.yaml's optimum spends 2000/3 on 'a' (paid) and 1000/3 on 'b' (self): paid share 2/3,
# gross profit gmv * margin - spend with gmv = 100 + 1500 (1 - e^(-4/3)) (run_packs.sh).
sed -e 's/^goals: .*/goals: {gmv: 1300, kpi-extra.paid_share: 0.5}/' tests/e2e/plans/two-exp.yaml >"$TMP/plan/p.yaml"
printf 'packs:\n  - {path: kpi-extra}\n' >>"$TMP/plan/p.yaml"
check_paid_share() {
    $PY - "$TMP/out" <<'PYEOF'
import json, math, sys
d = json.load(open(sys.argv[1]))
g = {x["kpi"]: x for x in d["goals"]}["kpi-extra.paid_share"]
assert abs(g["forecast"] - 2/3) < 1e-6, g
gmv = 100 + 1500 * (1 - math.exp(-4/3))
assert abs(d["kpis"]["custom"]["kpi-extra.gross_profit"] - (gmv * 0.5 - 1000)) < 1e-6, d["kpis"]["custom"]
PYEOF
}
MPLAN_RULES_PATH=$RULES expect_exit "plan names a pack by name" 0 "$MPLAN" run "$TMP/plan/p.yaml" --format json &&
    { check_paid_share && ok "the pack found by name computes paid share 2/3" ||
        fail "the pack found by name computes paid share 2/3" "see above"; }

# The rules path is a list: empty and missing entries are passed over.
MPLAN_RULES_PATH="::$TMP/nowhere:$TMP/empty:$RULES" expect_exit "rules path is a list" 0 \
    "$MPLAN" run "$TMP/plan/p.yaml" --format json

# Found nowhere: exit 5 naming the plan's line:col, the directory tried and the rules path.
MPLAN_RULES_PATH=$TMP/empty expect_exit "a name found nowhere (exit 5)" 5 "$MPLAN" run "$TMP/plan/p.yaml"
expect_err "a name found nowhere names plan:line:col" "p.yaml:$(grep -c '' "$TMP/plan/p.yaml"):5: no pack 'kpi-extra'"
expect_err "a name found nowhere names the rules path" "none on the rules path $TMP/empty"

# A directory beside the plan comes first: this one's manifest is broken, so its error shows.
mkdir -p "$TMP/plan/kpi-extra" && echo 'name: [' >"$TMP/plan/kpi-extra/pack.yaml"
MPLAN_RULES_PATH=$RULES expect_exit "a directory beside the plan wins" 3 "$MPLAN" run "$TMP/plan/p.yaml"
expect_err "a directory beside the plan wins (its manifest)" "$TMP/plan/kpi-extra/pack.yaml:"
rm -r "$TMP/plan/kpi-extra"

# A name with a slash is a path, never looked up: ./kpi-extra does not exist beside the plan.
sed -e 's|{path: kpi-extra}|{path: ./kpi-extra}|' "$TMP/plan/p.yaml" >"$TMP/plan/dot.yaml"
MPLAN_RULES_PATH=$RULES expect_exit "a path with a slash is not looked up" 5 "$MPLAN" run "$TMP/plan/dot.yaml"

# pack lock pins the pack by its name; the run then verifies the installed files.
cp "$TMP/plan/p.yaml" "$TMP/plan/locked.yaml"
MPLAN_RULES_PATH=$RULES expect_exit "pack lock with a pack by name" 0 "$MPLAN" pack lock "$TMP/plan/locked.yaml"
grep -q 'path: kpi-extra$' "$TMP/plan/locked.lock" && ok "the lock names the pack as the plan does" ||
    fail "the lock names the pack as the plan does" "$(head -5 "$TMP/plan/locked.lock")"
MPLAN_RULES_PATH=$RULES expect_exit "run checks the locked pack found by name" 0 "$MPLAN" run "$TMP/plan/locked.yaml" --format json
cp -r "$RULES/kpi-extra" "$TMP/empty/kpi-extra" && echo '-- changed' >>"$TMP/empty/kpi-extra/init.lua"
MPLAN_RULES_PATH=$TMP/empty expect_exit "a changed installed pack is refused by the lock" 3 \
    "$MPLAN" run "$TMP/plan/locked.yaml"
rm -r "$TMP/empty/kpi-extra"

# A revised plan written elsewhere keeps the name (a path would point into the rules).
mkdir -p "$TMP/ntf" "$TMP/elsewhere"
cp examples/new-trade-festival/plan.yaml "$TMP/ntf/plan.yaml"
printf 'packs:\n  - {path: kpi-extra}\n' >>"$TMP/ntf/plan.yaml"
MPLAN_RULES_PATH=$RULES expect_exit "review of a plan with a pack by name" 0 \
    "$MPLAN" review "$TMP/ntf/plan.yaml" examples/new-trade-festival/actuals.csv \
    --format csv -o "$TMP/review.csv" --write-plan "$TMP/elsewhere/revised.yaml"
grep -q 'path: kpi-extra[},]' "$TMP/elsewhere/revised.yaml" && ok "the rewritten plan keeps the name" ||
    fail "the rewritten plan keeps the name" "$(grep -A2 '^packs' "$TMP/elsewhere/revised.yaml")"
MPLAN_RULES_PATH=$RULES expect_exit "the rewritten plan runs" 0 "$MPLAN" run "$TMP/elsewhere/revised.yaml" --format csv

# segment --pack NAME and pack check/info NAME, from a directory without such a name.
c=$PWD/examples/customers/customers.csv
expect_exit "segment --pack by path" 0 "$MPLAN" segment "$c" --pack rules/aipl --rule stage --format csv -o "$TMP/by-path.csv"
(cd "$TMP" && MPLAN_RULES_PATH=$RULES "$MPLAN" segment "$c" --pack aipl --rule stage --format csv -o "$TMP/by-name.csv") &&
    cmp -s "$TMP/by-path.csv" "$TMP/by-name.csv" && ok "segment --pack NAME labels as --pack DIR" ||
    fail "segment --pack NAME labels as --pack DIR" "outputs differ or it failed"
(cd "$TMP" && MPLAN_RULES_PATH=$RULES "$MPLAN" pack check roi-greedy >"$TMP/out" 2>&1) &&
    grep -qF "ok $RULES/roi-greedy: pack 'roi-greedy'" "$TMP/out" && ok "pack check NAME says where it found it" ||
    fail "pack check NAME says where it found it" "$(cat "$TMP/out")"
(cd "$TMP" && MPLAN_RULES_PATH=$TMP/empty "$MPLAN" pack info roi-greedy >"$TMP/out" 2>"$TMP/err")
[ $? -eq 5 ] && grep -qF "no pack 'roi-greedy': no directory roi-greedy here, and none on the rules path $TMP/empty" "$TMP/err" &&
    ok "pack info NAME found nowhere (exit 5)" || fail "pack info NAME found nowhere (exit 5)" "$(cat "$TMP/err")"
# a pack directory that is not there: named, with the close name beside it suggested
expect_exit "--pack with a mistyped directory (exit 5)" 5 "$MPLAN" segment examples/customers/customers.csv \
    --pack rules/aip --rule stage && expect_err "the mistyped directory is named, its neighbour suggested" \
    "no pack directory rules/aip (did you mean rules/aipl?)"
finish
