#!/bin/sh
# Control characters from input files and packs never reach the terminal raw (messages,
# warnings, tables, pack print and mplan.log), no line can be forged, and CSV outputs
# neutralise label cells that a spreadsheet would run as a formula.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/two-exp.yaml
ESC=$(printf '\033')

# no_raw NAME FILE: FILE has no ESC, no CR, no other C0 control but newline and tab.
no_raw() {
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$2"; then
        fail "$1" "raw control characters: $(cat -v "$2" | head -c 300)"
    else ok "$1"; fi
}
# no_line NAME FILE TEXT: no line of FILE starts with TEXT.
no_line() {
    if grep -q "^$3" "$2"; then fail "$1" "a line starts with '$3': $(grep "^$3" "$2" | head -2)"; else ok "$1"; fi
}

# An actuals CSV quoting an ESC sequence, a CR and a forged line in the channel field.
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,"%s[31mred\nmplan: forged",1,1,1,1,1\n' "$ESC" >"$TMP/act.csv"
expect_exit "review: hostile channel name is exit 3" 3 "$MPLAN" review "$plan" "$TMP/act.csv"
no_raw "review: the message shows no raw control character" "$TMP/err"
no_line "review: no forged mplan: line" "$TMP/err" "mplan: forged"
expect_err "review: ESC shown as \\x1b" "unknown channel '\\x1b[31mred"
grep -q '^  mplan: forged' "$TMP/err" && ok "review: the quoted newline's next line indented" || fail "review: indent" "$(cat -v "$TMP/err")"

# A plan whose store name holds an ESC sequence: the run table's title shows it escaped.
printf 'mplan: 1\nstore: {name: "S\\e[2J", currency: USD}\nhorizon: {start: 2027-01-04, periods: 1, period: week}\nbudget: {total: 100}\nchannels:\n  - {id: a, kind: paid, response: {curve: linear, roas: 2}}\n' >"$TMP/esc.yaml"
expect_exit "run table of a plan with an ESC in the store name" 0 "$MPLAN" run "$TMP/esc.yaml" --format table
no_raw "run table: no raw control character" "$TMP/out"
head -1 "$TMP/out" | grep -qF 'S\x1b[2J, USD' && ok "run table: the store name escaped" || fail "run title" "$(head -1 "$TMP/out" | cat -v)"

# A pack whose segmenter returns hostile labels and prints hostile text.
mkdir "$TMP/pk"
printf 'name: pk\nversion: 1.0.0\nmplan: ">=1.0"\nprovides: {segmenters: [evil]}\n' >"$TMP/pk/pack.yaml"
cat >"$TMP/pk/init.lua" <<'EOF'
local M = {}
local seen = false
function M.evil(row)
  if not seen then
    seen = true
    print("hello\27[2J\nmplan: forged by print")
    mplan.log("%s", "\rmplan: forged by log")
  end
  local v = tonumber(row.v)
  if v == 1 then return "=HYPERLINK(\"http://x\")" end
  if v == 2 then return "-5" end
  if v == 3 then return "@SUM(A1)" end
  if v == 4 then return "red\27[31m\194\155x" end
  return "+cmd|' /C calc'!A0"
end
return M
EOF
printf 'id,v\nc1,1\nc2,2\nc3,3\nc4,4\nc5,5\n-7,1\n' >"$TMP/c.csv"
expect_exit "segment with hostile labels runs" 0 "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/pk" --rule evil --jobs 1 --format table
no_raw "segment table: no raw control character" "$TMP/out"
grep -qF 'red\x1b[31m\u009bx' "$TMP/out" && ok "table: ESC as \\x1b, the C1 CSI as \\u009b" ||
    fail "table: escapes" "$(cat -v "$TMP/out")"
no_raw "print and mplan.log: no raw control character" "$TMP/err"
no_line "print: no forged mplan: line" "$TMP/err" "mplan: forged"
grep -q '^pk.evil: hello\\x1b\[2J$' "$TMP/err" && grep -q '^  mplan: forged by print$' "$TMP/err" &&
    ok "print: ESC escaped, the next line indented" || fail "print" "$(cat -v "$TMP/err")"

# CSV: formula-like labels get a leading ', numbers (-5, the id -7) stay as they are.
expect_exit "segment csv summary" 0 "$MPLAN" segment "$TMP/c.csv" --pack "$TMP/pk" --rule evil --jobs 1 --format csv \
    --labels "$TMP/labels.csv"
$PY - "$TMP/out" "$TMP/labels.csv" <<'EOF' && ok "csv: formula labels prefixed with ', numbers untouched" || fail "csv formula guard" "see above"
import csv, sys
summary = {r[0] for r in csv.reader(open(sys.argv[1], newline=""))}
for want in ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'+cmd|' /C calc'!A0", "-5"]:
    assert want in summary, (want, summary)
assert not any(s[:1] in "=+@" for s in summary), summary
rows = list(csv.reader(open(sys.argv[2], newline="")))
assert rows[0] == ["id", "label"], rows[0]
got = dict(rows[1:])
assert got["c1"] == "'=HYPERLINK(\"http://x\")", got
assert got["c2"] == "-5" and got["c3"] == "'@SUM(A1)" and got["c5"] == "'+cmd|' /C calc'!A0", got
assert got["-7"] == "'=HYPERLINK(\"http://x\")", got   # an id that is a number stays one
EOF

# A pack test's failure message cannot forge an "ok" line in `pack test` output.
mkdir "$TMP/pk/tests"
printf 'error("boom\\nok forged.lua", 0)\n' >"$TMP/pk/tests/t.lua"
"$MPLAN" pack test "$TMP/pk" >"$TMP/out" 2>"$TMP/err"
no_line "pack test: no forged ok line" "$TMP/out" "ok forged"

# pack info: a manifest's summary with an ESC sequence.
printf 'name: pk\nversion: 1.0.0\nsummary: "a\\e]0;owned\\a b"\nmplan: ">=1.0"\nprovides: {segmenters: [evil]}\n' >"$TMP/pk/pack.yaml"
expect_exit "pack info with a hostile summary" 0 "$MPLAN" pack info "$TMP/pk"
no_raw "pack info: no raw control character" "$TMP/out"

finish
