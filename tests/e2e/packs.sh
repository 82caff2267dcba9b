#!/bin/sh
# mplan pack new|check|test|info|lock, and every shipped pack passing its own tests.
. tests/e2e/lib.sh

# ---- new -> check -> test, as scaffolded ----
expect_exit "pack new" 0 "$MPLAN" pack new demo --dir "$TMP"
for f in pack.yaml init.lua README.md tests/basic.lua; do
    [ -f "$TMP/demo/$f" ] && ok "pack new writes $f" || fail "pack new writes $f" "missing"
done
expect_exit "pack check on a new pack" 0 "$MPLAN" pack check "$TMP/demo"
expect_exit "pack test on a new pack" 0 "$MPLAN" pack test "$TMP/demo"
grep -qx 'ok tests/basic.lua' "$TMP/out" && grep -qx '1 passed, 0 failed' "$TMP/out" &&
    ok "pack test reports the scaffold's test" || fail "pack test reports the scaffold's test" "$(cat "$TMP/out")"

expect_exit "pack new over an existing pack is a usage error" 2 "$MPLAN" pack new demo --dir "$TMP" &&
    expect_err "it says so and that nothing was written" "$TMP/demo already exists: choose another name"
expect_exit "pack new, one kind" 0 "$MPLAN" pack new only-kpi --dir "$TMP" --kind kpi
grep -q 'kpis: \[spend_per_order\]' "$TMP/only-kpi/pack.yaml" && ! grep -q 'function M.focus' "$TMP/only-kpi/init.lua" &&
    ok "pack new --kind kpi has the kpi only" || fail "pack new --kind kpi has the kpi only" "$(cat "$TMP/only-kpi/pack.yaml")"
expect_exit "pack check, one kind" 0 "$MPLAN" pack check "$TMP/only-kpi"
expect_exit "pack test, one kind" 0 "$MPLAN" pack test "$TMP/only-kpi"
expect_exit "pack new, the data hooks" 0 "$MPLAN" pack new data-hooks --dir "$TMP" --kind metric,fit_transform
grep -q 'metrics: \[net_revenue\]' "$TMP/data-hooks/pack.yaml" && grep -q 'fit_transforms: \[cap_gmv\]' "$TMP/data-hooks/pack.yaml" &&
    ok "pack new: metric and fit_transform listed" || fail "pack new: metric and fit_transform listed" "$(cat "$TMP/data-hooks/pack.yaml")"
expect_exit "pack check, the data hooks" 0 "$MPLAN" pack check "$TMP/data-hooks"
expect_exit "pack test, the data hooks" 0 "$MPLAN" pack test "$TMP/data-hooks"
printf 'variant,converted,revenue,refund\nA,1,100,40\nA,0,0,0\nB,1,90,0\nB,0,0,0\n' >"$TMP/v.csv"
expect_exit "the scaffold's metric runs" 0 "$MPLAN" abtest analyze "$TMP/v.csv" --pack "$TMP/data-hooks" --metric net_revenue --format csv
awk -F, '$1 == "net_revenue" { print $3 "=" $6 }' "$TMP/out" | tr '\n' ' ' | grep -qx 'A=30 B=45 ' &&
    ok "the scaffold's metric: means (100 - 40) / 2 and 90 / 2" || fail "the scaffold's metric: means" "$(cat "$TMP/out")"

expect_exit "pack new refuses a bad name" 2 "$MPLAN" pack new Bad_Name --dir "$TMP"
expect_exit "pack new refuses an unknown kind" 2 "$MPLAN" pack new x --dir "$TMP" --kind allocator,filter
expect_exit "pack without a command" 2 "$MPLAN" pack

# ---- check: broken manifests, each named by file:line:col, exit 3 ----
# bad_manifest NAME LINE:COL TEXT : a copy of the demo pack with pack.yaml replaced.
bad_manifest() {
    rm -rf "$TMP/bad" && cp -r "$TMP/demo" "$TMP/bad" && printf '%s\n' "$3" >"$TMP/bad/pack.yaml"
    expect_exit "check: $1 (exit 3)" 3 "$MPLAN" pack check "$TMP/bad" &&
        expect_err "check: $1 names pack.yaml:$2" "$TMP/bad/pack.yaml:$2:"
}
head='version: 0.1.0
summary: x
mplan: ">=1.0"'
provides='provides: {allocators: [adjusted], strategies: [focus], segmenters: [buyer], kpis: [spend_per_order]}'
params='params:
  outbreak_factor: {type: number, default: 1.5}
  min_orders: {type: number, default: 1}'
bad_manifest "unknown key" 1:1 "nmae: bad
$head
$provides
$params"
bad_manifest "bad pack name" 1:7 "name: Bad_Name
$head
$provides
$params"
bad_manifest "version not semver" 2:10 "name: bad
version: one
summary: x
mplan: \">=1.0\"
$provides
$params"
bad_manifest "param default above max" 8:47 "name: bad
$head
$provides
params:
  outbreak_factor: {type: number, default: 1.5}
  min_orders: {type: number, min: 0, default: 2, max: 1}"

# A hook pack.yaml lists but init.lua does not export: found only by loading init.lua.
rm -rf "$TMP/bad" && cp -r "$TMP/demo" "$TMP/bad" && sed -i 's/strategies: \[focus\]/strategies: [focus, nothing]/' "$TMP/bad/pack.yaml"
expect_exit "check: hook listed but not exported (exit 3)" 3 "$MPLAN" pack check "$TMP/bad" &&
    expect_err "check: names the missing hook" "$TMP/bad/pack.yaml: pack 'demo' provides strategy 'nothing', but init.lua does not export it"

# ---- check: script errors, exit 4 ----
rm -rf "$TMP/bad" && cp -r "$TMP/demo" "$TMP/bad" && printf 'local M = {}\nreturn M +\n' >"$TMP/bad/init.lua"
expect_exit "check: init.lua that does not compile (exit 4)" 4 "$MPLAN" pack check "$TMP/bad" &&
    expect_err "check: names init.lua" "init.lua:"
rm -rf "$TMP/bad" && cp -r "$TMP/demo" "$TMP/bad" && printf 'local M = {}\nlocal f = io.open("x")\nreturn M\n' >"$TMP/bad/init.lua"
expect_exit "check: init.lua reaching outside the sandbox (exit 4)" 4 "$MPLAN" pack check "$TMP/bad" &&
    expect_err "check: names the line" "init.lua:2:"

# ---- check: an exported function the manifest does not list (no plan could call it) ----
rm -rf "$TMP/extra" && cp -r "$TMP/demo" "$TMP/extra" && sed -i 's/^return M$/function M.helper() end\nreturn M/' "$TMP/extra/init.lua"
expect_exit "check: unlisted export (exit 3)" 3 "$MPLAN" pack check "$TMP/extra" &&
    expect_err "check: names the unlisted export" "exports function 'helper', which pack.yaml does not list"

# ---- test: a failing test and a broken test file ----
rm -rf "$TMP/failing" && cp -r "$TMP/demo" "$TMP/failing"
printf '%s\n' '-- 2 + 2 is 4, not 5' 'assert(2 + 2 == 5, "arithmetic is off")' >"$TMP/failing/tests/wrong.lua"
expect_exit "test: a failing test exits 1" 1 "$MPLAN" pack test "$TMP/failing"
grep -qx 'ok tests/basic.lua' "$TMP/out" && grep -q '^FAIL tests/wrong.lua: .*wrong.lua:2: arithmetic is off' "$TMP/out" &&
    grep -qx '1 passed, 1 failed' "$TMP/out" &&
    ok "test: names the failing file and line" || fail "test: names the failing file and line" "$(cat "$TMP/out")"
printf 'assert(\n' >"$TMP/failing/tests/wrong.lua"
expect_exit "test: a test file that does not compile exits 4" 4 "$MPLAN" pack test "$TMP/failing"

# ---- info ----
expect_exit "info" 0 "$MPLAN" pack info rules/event-rhythm --format table
for want in event-rhythm 1.0.0 phase_focus phase_weighted outbreak_share 0.5; do
    grep -q -- "$want" "$TMP/out" && ok "info table shows $want" || fail "info table shows $want" "$(cat "$TMP/out")"
done
expect_exit "info json" 0 "$MPLAN" pack info rules/event-rhythm --format json
# The values below are those written in rules/event-rhythm/pack.yaml.
/usr/bin/python3 - "$TMP/out" <<'EOF' && ok "info json matches the manifest" || fail "info json matches the manifest" "$(cat "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["name"] == "event-rhythm" and d["version"] == "1.0.0", d
assert d["provides"]["allocators"] == ["phase_weighted"] and d["provides"]["strategies"] == ["phase_focus"], d
p = {q["name"]: q for q in d["params"]}
assert p["outbreak_share"] == {"name": "outbreak_share", "type": "number", "default": 0.5, "min": 0, "max": 1,
                               "doc": "Share of the budget spent in outbreak periods"}, p["outbreak_share"]
assert p["pause_paid_in_review"]["type"] == "boolean" and p["pause_paid_in_review"]["default"] is True
assert "min" not in p["review_weight"] or p["review_weight"]["min"] == 0
EOF

# ---- lock ----
mkdir -p "$TMP/lk/rules" && cp -r rules/event-rhythm "$TMP/lk/rules/" && cat >"$TMP/lk/plan.yaml" <<'EOF'
mplan: 1
store: {name: Lock test, currency: USD}
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 10000}
channels:
  - {id: ads, kind: paid, response: {curve: linear, roas: 2}}
packs:
  - {path: rules/event-rhythm}
strategies: [event-rhythm.phase_focus]
EOF
expect_exit "lock" 0 "$MPLAN" pack lock "$TMP/lk/plan.yaml"
# Every file of the pack, by relative path, with the hash sha256sum gives it.
(cd "$TMP/lk/rules/event-rhythm" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
    echo "    $f: $(sha256sum "$f" | cut -d' ' -f1)"; done) >"$TMP/want-files"
sed -n '/^  files:$/,$p' "$TMP/lk/plan.lock" | tail -n +2 >"$TMP/got-files"
cmp -s "$TMP/want-files" "$TMP/got-files" && grep -q '^  version: 1.0.0$' "$TMP/lk/plan.lock" &&
    ok "lock lists every file with its SHA-256" || fail "lock lists every file with its SHA-256" "$(diff "$TMP/want-files" "$TMP/got-files")"
expect_exit "lock again (atomic rewrite)" 0 "$MPLAN" pack lock "$TMP/lk/plan.yaml"
ls "$TMP/lk" | grep -q tmp && fail "lock leaves no temp file" "$(ls "$TMP/lk")" || ok "lock leaves no temp file"
# (Refusing a changed pack is mp_lock_verify's job: tests/unit/test_lock.c.)
expect_exit "lock of a plan that does not load (exit 3)" 3 "$MPLAN" pack lock tests/e2e/bad/unknown-key.yaml

# ---- the shipped packs in a run: the core accepts what they decide ----
# Four weeks (storage, warm-up, outbreak, review), one paid purchase channel with ROAS 2,
# 10000 to spend. phase_focus scales it by 1.2 in the outbreak and pauses it in review;
# phase_weighted gives the outbreak 5000 and the rest 1.5 : 2 : 0.5 (1875, 2500, 625); the
# review's 625 has nowhere to go but the best other week, the outbreak: 5625.
# GMV 2 * (1875 + 2500) + 2 * 1.2 * 5625 = 22250; gross profit 22250 * 0.25 - 10000 = -4437.5.
mkdir -p "$TMP/runs"
cat >"$TMP/runs/rhythm.yaml" <<EOF
mplan: 1
store: {name: Rhythm test, currency: USD}
horizon: {start: 2027-01-04, periods: 4, period: week}
budget: {total: 10000}
margin: 0.25
events:
  - name: Sale
    outbreak: 2027-01-18..2027-01-24
    phases: {storage: 1w, warmup: 1w, review: 1w}
    lift: 1
    defer: {storage: 0, warmup: 0}   # the built-in storage deferral off: the pack's own rhythm
channels:
  - {id: ads, kind: paid, stage: purchase, response: {curve: linear, roas: 2}}
packs:
  - {path: $PWD/rules/event-rhythm}
  - {path: $PWD/rules/kpi-extra}
strategies: [event-rhythm.phase_focus]
allocator: event-rhythm.phase_weighted
goals: {kpi-extra.gross_profit: 1000}
EOF
expect_exit "run with event-rhythm and kpi-extra" 0 "$MPLAN" run "$TMP/runs/rhythm.yaml" --format json &&
/usr/bin/python3 - "$TMP/out" <<'EOF' && ok "event-rhythm run: spend by week and gross profit" || fail "event-rhythm run: spend by week and gross profit" "$(head -c 600 "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1]))
spend = [a["spend"] for a in sorted(d["allocation"], key=lambda a: a["t"]) if a["channel"] == "ads"]
assert len(spend) == 4 and all(abs(x - y) < 1e-6 for x, y in zip(spend, [1875, 2500, 5625, 0])), spend
assert abs(d["kpis"]["total"]["gmv"] - 22250) < 1e-6, d["kpis"]["total"]
g = d["goals"][0]
assert g["kpi"] == "kpi-extra.gross_profit" and abs(g["forecast"] + 4437.5) < 1e-6 and g["met"] is False, g
EOF

# roi-greedy: a = 1000 x / (x + 100) and b with ROAS 1.5 share 400 in slices of 100:
# a takes the first two (gains 500 and 166.67), b the last two (150 > a's 83.33).
greedy_plan "$TMP/runs/greedy.yaml"
expect_exit "run with roi-greedy" 0 "$MPLAN" run "$TMP/runs/greedy.yaml" --format csv &&
awk -F, 'NR > 1 { s[$1] = $5 } END { exit !(s["a"] == 200 && s["b"] == 200) }' "$TMP/out" &&
    ok "roi-greedy run: a 200, b 200" || fail "roi-greedy run: a 200, b 200" "$(cat "$TMP/out")"

# ---- every shipped pack passes its own check and tests ----
for d in rules/*/; do
    d=${d%/}
    expect_exit "check $d" 0 "$MPLAN" pack check "$d"
    expect_exit "test $d" 0 "$MPLAN" pack test "$d" || cat "$TMP/out"
done

finish
