#!/bin/sh
# mplan eval: a script's results printed, the plan bound, errors and exit codes.
. tests/e2e/lib.sh
cat >"$TMP/plan.yaml" <<'YAML'
mplan: 1
store: {name: Eval Shop, currency: EUR}
horizon: {start: 2027-03-01, periods: 3, period: month}
budget: {total: 9000}
channels:
  - id: p4p
    kind: paid
    response: {curve: hill, beta: 60000, k: 4000, s: 1}
YAML
cat >"$TMP/values.lua" <<'LUA'
local util = require("mplan.util")
return 1 + 2, "text", {b = {1, 2}, a = true}, util.clamp(9, 0, 5)
LUA
expect_exit "eval prints results" 0 "$MPLAN" eval "$TMP/values.lua"
printf '3\ntext\n{a = true, b = {1, 2}}\n5\n' >"$TMP/want"
cmp -s "$TMP/out" "$TMP/want" && ok "eval output" || fail "eval output" "$(cat "$TMP/out")"

# hill s=1: r(4000) = 60000 * 4000 / (4000 + 4000) = 30000; month 2 starts 2027-04-01
cat >"$TMP/plan.lua" <<'LUA'
local ch = plan:channel("p4p")
return plan.store, ch:response(4000, 1), plan:period(2).start
LUA
expect_exit "eval with a plan" 0 "$MPLAN" eval "$TMP/plan.lua" "$TMP/plan.yaml"
printf 'Eval Shop\n30000.0\n2027-04-01\n' >"$TMP/want"
cmp -s "$TMP/out" "$TMP/want" && ok "eval plan values" || fail "eval plan values" "$(cat "$TMP/out")"

echo 'return plan.store' >"$TMP/noplan.lua"
expect_exit "eval without a plan has no plan" 4 "$MPLAN" eval "$TMP/noplan.lua"
expect_err "eval names the undefined global" "noplan.lua:1: undefined global 'plan'"

printf 'local function inner() error("deep") end\nlocal function outer() inner() end\nouter()\n' >"$TMP/deep.lua"
expect_exit "eval error exits 4" 4 "$MPLAN" eval "$TMP/deep.lua" --verbose
expect_err "eval error names the line" "deep.lua:1: deep"
expect_err "--verbose adds the traceback" "deep.lua:2: in function 'outer'"

echo 'print("to stderr") return "to stdout"' >"$TMP/print.lua"
expect_exit "eval print" 0 "$MPLAN" eval "$TMP/print.lua"
grep -qx 'to stdout' "$TMP/out" && grep -qF 'print.lua: to stderr' "$TMP/err" && ok "print goes to stderr" ||
    fail "print goes to stderr" "out: $(cat "$TMP/out") err: $(cat "$TMP/err")"

expect_exit "eval missing script exits 5" 5 "$MPLAN" eval "$TMP/missing.lua"
expect_exit "eval without a script exits 2" 2 "$MPLAN" eval
expect_exit "eval bad --timeout exits 2" 2 "$MPLAN" eval "$TMP/print.lua" --timeout soon
expect_exit "eval bad plan exits 3" 3 "$MPLAN" eval "$TMP/print.lua" "$TMP/values.lua"
finish
