#!/bin/sh
# --format xlsx for run, whatif, review and segment, read back with the standard library alone
# (tests/e2e/xlsx_cells.py: zipfile + XML, not libxlsxwriter): cells, number types, number
# formats, fills, frozen panes; refused on a terminal; and --bom for CSV.
# Expected values are worked out by hand from the plans (tests/e2e/plans/zh-store.yaml:
# x = 2y, x + y = 1,000,000, so ztc 666,666.67 and ylmf 333,333.33; GMV 1e6(1 - e^(-4/3))
# = 736,402.86 and 368,201.43, with the baseline 1,204,604.29).
. tests/e2e/lib.sh
PY=/usr/bin/python3
CELLS="$PY tests/e2e/xlsx_cells.py"
zh=tests/e2e/plans/zh-store.yaml
ntf=examples/new-trade-festival

# cell SHEET REF: "TYPE<TAB>VALUE<TAB>FORMAT<TAB>FILL" of that cell in $TMP/cells
cell() { awk -F'\t' -v s="$1" -v r="$2" '$1 == s && $2 == r { print $3 "\t" $4 "\t" $5 "\t" $6 }' "$TMP/cells"; }
# near A B [TOL]: |A - B| <= TOL (default 0.01)
near() { awk -v a="$1" -v b="$2" -v t="${3:-0.01}" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }
# check_cell NAME SHEET REF TYPE VALUE FORMAT [FILL]: VALUE compared within 0.01 for numbers
check_cell() {
    got=$(cell "$2" "$3")
    t=$(printf '%s' "$got" | cut -f1) v=$(printf '%s' "$got" | cut -f2) f=$(printf '%s' "$got" | cut -f3)
    fill=$(printf '%s' "$got" | cut -f4)
    if [ "$t" != "$4" ] || [ "$f" != "$6" ] || { [ -n "${7:-}" ] && [ "$fill" != "$7" ]; }; then
        fail "$1" "$2!$3 is '$got', expected $4 '$5' '$6' ${7:-}"
    elif [ "$t" = n ] && ! near "$v" "$5"; then
        fail "$1" "$2!$3 is $v, expected $5"
    elif [ "$t" != n ] && [ "$v" != "$5" ]; then
        fail "$1" "$2!$3 is '$v', expected '$5'"
    else
        ok "$1"
    fi
}

# ---- run ----
expect_exit "run --format xlsx -o FILE" 0 "$MPLAN" run "$zh" --format xlsx -o "$TMP/zh.xlsx"
if $CELLS "$TMP/zh.xlsx" >"$TMP/cells" 2>"$TMP/err"; then ok "the workbook reads back as xlsx"; else fail "reads back" "$(head -3 "$TMP/err")"; fi
sheets=$(cut -f1 "$TMP/cells" | uniq | tr '\n' ' ')
[ "$sheets" = "Summary Allocation KPIs " ] && ok "run: sheets Summary, Allocation, KPIs" || fail "run sheets" "$sheets"
check_cell "summary: the store's name" Summary A1 s "花漾美妆旗舰店" General
check_cell "summary: budget a number in yuan" Summary B5 n 1000000 '"¥"#,##0'
check_cell "summary: allocatable" Summary B8 n 1000000 '"¥"#,##0'
check_cell "goal gmv: target" Summary B14 n 1300000 '"¥"#,##0'
check_cell "goal gmv: forecast by hand" Summary C14 n 1204604.29 '"¥"#,##0'
check_cell "goal gmv missed: attainment 92.66% in red" Summary D14 n 0.926619 '0.0%' FFC7CE
check_cell "goal gmv missed: met FALSE in red" Summary E14 b 0 General FFC7CE
check_cell "goal roas: forecast 1.1046, a ratio" Summary C15 n 1.104604 '0.00'
check_cell "goal roas met: attainment in green" Summary D15 n 1.104604 '0.0%' C6EFCE
check_cell "allocation: channel names as headers" Allocation E1 s "直通车" General
check_cell "allocation: start is a date" Allocation B2 n 46391 yyyy-mm-dd
check_cell "allocation: phase" Allocation C2 s normal General
check_cell "allocation: ztc 666,666.67" Allocation E2 n 666666.67 '"¥"#,##0'
check_cell "allocation: ylmf 333,333.33" Allocation F2 n 333333.33 '"¥"#,##0'
check_cell "allocation: period total" Allocation G2 n 1000000 '"¥"#,##0'
check_cell "allocation: the 'all' row" Allocation G3 n 1000000 '"¥"#,##0'
check_cell "kpis: id" KPIs A2 s ztc General
check_cell "kpis: name" KPIs B2 s "直通车" General
check_cell "kpis: ztc gmv by hand" KPIs D2 n 736402.86 '"¥"#,##0'
check_cell "kpis: ylmf gmv by hand" KPIs D3 n 368201.43 '"¥"#,##0'
check_cell "kpis: ctr a fraction shown as percent" KPIs K2 n 0.01 '0.00%'
check_cell "kpis: cpc in yuan with cents" KPIs M2 n 0.905 '"¥"#,##0.00'
grep -q "^Allocation	frozen	E2$" "$TMP/cells" && ok "allocation: header row and period columns frozen" ||
    fail "allocation frozen" "$(grep frozen "$TMP/cells")"
grep -q "^KPIs	frozen	C2$" "$TMP/cells" && ok "kpis: header row and channel columns frozen" ||
    fail "kpis frozen" "$(grep frozen "$TMP/cells")"
# USD: the dollar sign
"$MPLAN" run "$ntf/plan.yaml" --format xlsx >"$TMP/ntf.xlsx" 2>"$TMP/err" && $CELLS "$TMP/ntf.xlsx" >"$TMP/cells"
check_cell "a USD plan: dollars (xlsx to standard output redirected to a file)" Summary B5 n 120000 '"$"#,##0'

# ---- refused on a terminal, written to a pipe ----
$PY - "$MPLAN" "$zh" >"$TMP/tty" 2>&1 <<'PYEOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "run", sys.argv[2], "--format", "xlsx"])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
print("rc=%d" % os.waitstatus_to_exitcode(status))
sys.stdout.write(out.decode("utf-8", "replace"))
PYEOF
grep -q "^rc=2" "$TMP/tty" && grep -q "give -o FILE.xlsx" "$TMP/tty" && ! grep -q "PK" "$TMP/tty" &&
    ok "xlsx to a terminal: refused (exit 2) with the fix named, no bytes" || fail "xlsx on a terminal" "$(head -c 300 "$TMP/tty")"
"$MPLAN" run "$zh" --format xlsx | head -c 2 >"$TMP/pipe"
[ "$(cat "$TMP/pipe")" = PK ] && ok "xlsx into a pipe: a zip archive" || fail "xlsx into a pipe" "$(od -c "$TMP/pipe" | head -2)"

# ---- whatif ----
expect_exit "whatif --format xlsx" 0 "$MPLAN" whatif "$zh" --budget 800000..1200000/3 --format xlsx -o "$TMP/w.xlsx"
$CELLS "$TMP/w.xlsx" >"$TMP/cells"
check_cell "whatif: budget axis in yuan" Scenarios A3 n 1000000 '"¥"#,##0'
check_cell "whatif: third scenario" Scenarios A4 n 1200000 '"¥"#,##0'
check_cell "whatif: gmv of the base budget by hand" Scenarios F3 n 1204604.29 '"¥"#,##0'
check_cell "whatif: ctr as percent" Scenarios H3 n 0.01 '0.00%'
check_cell "whatif: status text" Scenarios "$(awk -F'\t' '$1 == "Scenarios" && $4 == "status" { print $2 }' "$TMP/cells" | sed 's/1$/3/')" s ok General
[ "$(awk -F'\t' '$1 == "Scenarios" && $2 ~ /^A[0-9]+$/' "$TMP/cells" | wc -l)" -eq 4 ] &&
    ok "whatif: a header and three scenario rows" || fail "whatif rows" "$(grep -c . "$TMP/cells")"

# ---- review ----
expect_exit "review --format xlsx" 0 "$MPLAN" review "$ntf/plan.yaml" "$ntf/actuals.csv" --format xlsx -o "$TMP/r.xlsx"
$CELLS "$TMP/r.xlsx" >"$TMP/cells"
sheets=$(cut -f1 "$TMP/cells" | uniq | tr '\n' ' ')
[ "$sheets" = "Review Revised Summary Revised Allocation Revised KPIs " ] &&
    ok "review: the review and the revised plan's sheets" || fail "review sheets" "$sheets"
# the actuals' first rows: p4p spent 15,100 (examples/new-trade-festival/actuals.csv)
spent=$(awk -F, '$2 == "p4p" { s += $3 } END { print s }' "$ntf/actuals.csv")
check_cell "review: p4p actual spend, the actuals' sum, in dollars" Review F2 n "$spent" '"$"#,##0'
check_cell "review: the KPI of the row" Review D2 s spend General
[ "$(cell Review H2 | cut -f3)" = "0.00%" ] && ok "review: variance_pct as percent" || fail "variance_pct" "$(cell Review H2)"

# ---- segment ----
cust=examples/customers/customers.csv
expect_exit "segment --format xlsx" 0 "$MPLAN" segment "$cust" --pack rules/aipl --rule stage --format xlsx -o "$TMP/s.xlsx" -q
$CELLS "$TMP/s.xlsx" >"$TMP/cells"
"$MPLAN" segment "$cust" --pack rules/aipl --rule stage --format csv -q >"$TMP/s.csv"
rows=$(awk -F, 'NR > 1 { n++ } END { print n }' "$TMP/s.csv")
total=$(awk -F'\t' '$1 == "Segments" && $2 ~ /^B[0-9]+$/ && $3 == "n" { s += $4 } END { print s }' "$TMP/cells")
lines=$(awk 'NR > 1' "$cust" | wc -l)
[ "$total" = "$lines" ] && ok "segment: counts are numbers adding up to the file's $lines customers" ||
    fail "segment counts" "sum $total, file $lines ($rows labels)"
check_cell "segment: share as percent" Segments C2 n "$(awk -F, 'NR == 2 { print $3 }' "$TMP/s.csv")" '0.00%'

# ---- --bom ----
"$MPLAN" run "$zh" --format csv --bom >"$TMP/bom.csv"
[ "$(head -c 3 "$TMP/bom.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok "--bom: CSV starts with EF BB BF" ||
    fail "--bom" "$(head -c 8 "$TMP/bom.csv" | od -An -tx1)"
[ "$(sed -n '1s/^\xef\xbb\xbf//p' "$TMP/bom.csv")" = "$("$MPLAN" run "$zh" --format csv | head -1)" ] &&
    ok "--bom: then the same CSV" || fail "--bom content" "$(head -1 "$TMP/bom.csv")"
"$MPLAN" run "$zh" --format csv | head -c 1 | grep -q c && ok "no BOM without --bom" || fail "no BOM" ""
"$MPLAN" run "$zh" --format json --bom | head -c 1 | grep -q '{' && ok "--bom leaves JSON alone" || fail "--bom json" ""
"$MPLAN" segment "$cust" --pack rules/aipl --rule stage --format csv --bom -q | head -c 3 | od -An -tx1 | grep -q "ef bb bf" &&
    ok "segment --bom" || fail "segment --bom" ""

finish
