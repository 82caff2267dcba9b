#!/bin/sh
# The reference docs stay honest (issue 13 part 1):
# - every key and value name the plan loader accepts (each `static const char *const x[]`
#   list in src/io/plan_load.c, read from the source, not from a list kept here) appears
#   in docs/plan-format.md as `name`;
# - every function and field lua/mplan.d.lua declares exists in the host (probed through
#   `mplan eval` and `mplan pack test`), and every function the host registers (its
#   luaL_Reg tables and field lists in src/lua, and the `mplan` global) is declared there;
# - docs name no file of the machine or outside the repository, and every reference to
#   plan-format.md, model.md, lua-api.md resolves to a file in docs/.
. tests/e2e/lib.sh

# ---- plan keys: the loader's own lists ----
awk '/static const char \*const [a-z_]+\[\] = \{/, /\};/' src/io/plan_load.c |
    grep -o '"[a-z_]*"' | tr -d '"' | sort -u >"$TMP/keys"
[ "$(wc -l <"$TMP/keys")" -gt 60 ] && ok "plan keys: read from the loader ($(wc -l <"$TMP/keys") names)" \
    || fail "plan keys: read from the loader" "only $(wc -l <"$TMP/keys") names: the awk no longer matches"
missing=""
while read -r k; do
    grep -qF "\`$k\`" docs/plan-format.md || missing="$missing $k"
done <"$TMP/keys"
[ -z "$missing" ] && ok "plan keys: each in docs/plan-format.md" \
    || fail "plan keys: each in docs/plan-format.md" "missing:$missing"

# ---- Lua API: mplan.d.lua against the host ----
# Declared: methods (function Class:name), library functions (function mplan.name,
# function test.name) and the fields of Plan and Channel.
sed -n 's/^function \([A-Za-z]*\)[:.]\([a-z_]*\)(.*/\1 \2/p' lua/mplan.d.lua | sort -u >"$TMP/declared"
awk '/^---@class mplan\.(Plan|Channel)$/ { c = $2; sub("mplan.", "", c); next }
     /^---@class/ { c = "" }
     c != "" && /^---@field / { print c "." $2 }' lua/mplan.d.lua | sort -u >"$TMP/fields"
[ -s "$TMP/declared" ] && [ -s "$TMP/fields" ] && ok "lua api: declarations read" \
    || fail "lua api: declarations read" "none found in lua/mplan.d.lua"

# Probe each in a real host: a method or library function must be a function, a field
# must read without an error.
cat >"$TMP/plan.yaml" <<'YAML'
mplan: 1
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 1000}
channels:
  - {id: ads, kind: paid, response: {curve: exp, beta: 1000, k: 500}}
YAML
{
    echo 'local ch, al = plan:channel("ads"), mplan.allocation(plan)'
    echo 'local obj = {Plan = plan, Channel = ch, Allocation = al, Row = nil, mplan = mplan}'
    echo 'local bad = {}'
    while read -r cls name; do
        [ "$cls" = test ] || [ "$cls" = Row ] && continue
        echo "if type(obj[\"$cls\"][\"$name\"]) ~= 'function' then bad[#bad+1] = '$cls.$name' end"
    done <"$TMP/declared"
    while read -r f; do
        echo "if not pcall(function() return obj[\"${f%%.*}\"][\"${f#*.}\"] end) then bad[#bad+1] = '$f' end"
    done <"$TMP/fields"
    echo 'return table.concat(bad, " ")'
} >"$TMP/probe.lua"
expect_exit "lua api: probe runs" 0 "$MPLAN" eval "$TMP/probe.lua" "$TMP/plan.yaml"
[ ! -s "$TMP/out" ] || [ -z "$(tr -d ' \n' <"$TMP/out")" ] && ok "lua api: every declared function and field exists in the host" \
    || fail "lua api: every declared function and field exists in the host" "missing: $(cat "$TMP/out")"

# test.* exists in a pack test; Row:has in a segmenter.
mkdir -p "$TMP/p/tests"
printf 'name: p\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {segmenters: [s]}\n' >"$TMP/p/pack.yaml"
printf 'local M = {}\nfunction M.s(row) assert(type(row.has) == "function" and row:has("id")) return "x" end\nreturn M\n' >"$TMP/p/init.lua"
{
    while read -r cls name; do
        [ "$cls" = test ] && echo "assert(type(test.$name) == 'function', 'test.$name')"
    done <"$TMP/declared"
    echo 'return true'
} >"$TMP/p/tests/t.lua"
expect_exit "lua api: test.* exist in pack tests" 0 "$MPLAN" pack test "$TMP/p"
printf 'id\n1\n' >"$TMP/c.csv"
expect_exit "lua api: Row:has exists in a segmenter" 0 "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/p" --rule s --format csv

# The other way: what the host registers is declared. Methods and library functions from
# the luaL_Reg tables of src/lua (metamethods and the sandbox's own globals aside), the
# fields from the `fields[]` lists of the plan and channel objects, and the `mplan` global.
for f in src/lua/bind_*.c src/lua/pack_tools.c; do
    grep -o '{"[a-z_]*", [a-z_]*}' "$f" | sed 's/{"\([a-z_]*\)".*/\1/'
done | grep -v '^__' | sort -u >"$TMP/host"
printf 'local t = {} for k in pairs(mplan) do t[#t+1] = k end return table.concat(t, "\\n")\n' >"$TMP/g.lua"
"$MPLAN" eval "$TMP/g.lua" | sed 's/^api$//' | grep . >>"$TMP/host"
missing=""
for name in $(sort -u "$TMP/host"); do
    grep -q "^[A-Za-z]* $name\$" "$TMP/declared" || missing="$missing $name"
done
[ -z "$missing" ] && ok "lua api: every host function is in mplan.d.lua" \
    || fail "lua api: every host function is in mplan.d.lua" "undeclared:$missing"
for f in src/lua/bind_plan.c src/lua/bind_channel.c; do
    cls=Plan; [ "$f" = src/lua/bind_channel.c ] && cls=Channel
    awk '/static const char \*const fields\[\] = \{/, /\};/' "$f" | grep -o '"[a-z_]*"' | tr -d '"' |
        while read -r k; do grep -qx "$cls.$k" "$TMP/fields" || echo "$cls.$k"; done
done >"$TMP/undeclared"
[ ! -s "$TMP/undeclared" ] && ok "lua api: every host field is in mplan.d.lua" \
    || fail "lua api: every host field is in mplan.d.lua" "undeclared: $(tr '\n' ' ' <"$TMP/undeclared")"
# ... and in docs/lua-api.md
missing=""
for name in $(sort -u "$TMP/host") $(sed 's/.*\.//' "$TMP/fields"); do
    grep -qE "[.:]$name\b|\b$name\(|\b$name\b =|\`$name\`" docs/lua-api.md || missing="$missing $name"
done
[ -z "$missing" ] && ok "lua api: every function and field in docs/lua-api.md" \
    || fail "lua api: every function and field in docs/lua-api.md" "missing:$missing"

# ---- references resolve inside the repository ----
for f in plan-format.md model.md lua-api.md; do
    [ -f "docs/$f" ] && ok "docs/$f exists" || fail "docs/$f exists" "missing"
done
bad=$(git ls-files | grep -vE '^tests/e2e/docs\.sh$' | xargs grep -lE '(shared/spec|/work/|[^-a-z]formats\.md|cli\.md)' 2>/dev/null)
[ -z "$bad" ] && ok "references: none to formats.md, cli.md or outside the repository" \
    || fail "references: none to formats.md, cli.md or outside the repository" "$bad"
finish
