#!/bin/sh
# Numbers people read: a Chinese store (store.locale zh-CN) in 万/亿 with ¥ on the budget line,
# tables aligned by display width (CJK characters take two columns), channel names beside
# ids, --units k|plain|wan, and thousands separators in messages (never 1e+06). Expected
# text worked out by hand from tests/e2e/plans/zh-store.yaml: ztc 666,666.67 = 66.7万,
# ylmf 333,333.33 = 33.3万, GMV 736,402.86 + 368,201.43 + 100,000 = 1,204,604.29 = 120.5万.
. tests/e2e/lib.sh
zh=tests/e2e/plans/zh-store.yaml

# same NAME FILE : the text in $TMP/want is exactly FILE
same() {
    if cmp -s "$TMP/want" "$2"; then ok "$1"; else fail "$1" "$(diff "$TMP/want" "$2" | head -12)"; fi
}

expect_exit "run a zh-CN store" 0 "$MPLAN" run "$zh" --format table
sed -n 1p "$TMP/out" >"$TMP/got"
printf '花漾美妆旗舰店, CNY  2027-01-04..2027-01-10  (1 week)  amounts: 万 = 10,000, 亿 = 100,000,000\n' >"$TMP/want"
same "the header says what 万 and 亿 are" "$TMP/got"
sed -n 2,4p "$TMP/out" >"$TMP/got"
# budget 100.0万 with the sign; columns: budget 8 (¥100.0万), reserve 7, fixed 5, allocatable 11
cat >"$TMP/want" <<'T'
budget    reserve  fixed  allocatable  allocator  objective
-----------------------------------------------------------
¥100.0万       ¥0     ¥0     ¥100.0万  equalize   gmv
T
same "budget line in ¥ and 万, aligned by display width" "$TMP/got"
sed -n '/^Allocation/,/^all/p' "$TMP/out" >"$TMP/got"
cat >"$TMP/want" <<'T'
Allocation (spend per period; '.' = channel inactive)
  t  start       phase      ztc    ylmf    total
------------------------------------------------
  1  2027-01-04  normal  66.7万  33.3万  100.0万
all  -           -       66.7万  33.3万  100.0万
T
same "allocation in 万, columns aligned" "$TMP/got"
# the KPI table's first columns: id, then the name (直通车 is 6 columns wide, 引力魔方 8)
awk '/^KPIs by channel/,/^total/' "$TMP/out" | awk 'NR == 4 || NR == 5' | sed 's/万 .*/万/' >"$TMP/got"
cat >"$TMP/want" <<'T'
ztc         直通车     66.7万
ylmf        引力魔方   33.3万
T
same "KPI table: channel names beside ids, aligned by display width" "$TMP/got"
sed -n '/^Goals/,$p' "$TMP/out" >"$TMP/got"
cat >"$TMP/want" <<'T'
Goals
goal   target  forecast  attainment  met
----------------------------------------
gmv   130.0万   120.5万       92.7%  NO
roas     1.00      1.10      110.5%  yes
T
same "goals: money in 万, ratios as they are" "$TMP/got"

# --units overrides the locale
expect_exit "--units k" 0 "$MPLAN" run "$zh" --format table --units k
grep -q '^  1  2027-01-04  normal  666.7k  333.3k  1.00M$' "$TMP/out" && ok "--units k: 666.7k, 1.00M" ||
    fail "--units k" "$(sed -n '/^  1 /p' "$TMP/out")"
expect_exit "--units plain" 0 "$MPLAN" run "$zh" --format table --units plain
grep -q '^  1  2027-01-04  normal  666,667  333,333  1,000,000$' "$TMP/out" && ok "--units plain: separators only" ||
    fail "--units plain" "$(sed -n '/^  1 /p' "$TMP/out")"
expect_exit "--units bad: a usage error" 2 "$MPLAN" run "$zh" --units lakh
expect_err "--units bad: the choices named" "--units takes plain, k or wan, not 'lakh'"
expect_exit "CSV stays plain numbers" 0 "$MPLAN" run "$zh" --format csv
grep -q '^ztc,1,2027-01-04,normal,666666.67,' "$TMP/out" && ok "CSV: 666666.67, no units" || fail "csv" "$(sed -n 2p "$TMP/out")"

# store.locale is checked, kept by review --write-plan
sed 's/locale: zh-CN/locale: chinese/' "$zh" >"$TMP/bad.yaml"
expect_exit "a bad locale" 3 "$MPLAN" run "$TMP/bad.yaml"
expect_err "a bad locale: where and what" "bad.yaml:4:47: 'store.locale' must be a language tag such as zh-CN or en-US, got 'chinese'"

# Messages: thousands separators, no scientific notation
sed 's/total: 1000000}/total: 1000000, reserve: 0.1, fixed: [{name: studio, amount: 925000}]}/' "$zh" >"$TMP/fixed.yaml"
expect_exit "fixed lines over the budget" 3 "$MPLAN" run "$TMP/fixed.yaml"
expect_err "the message reads 925,000 and 900,000" "fixed lines (925,000 over the horizon) exceed the budget after reserve (900,000)"
expect_exit "whatif with an infeasible budget row" 0 "$MPLAN" whatif "$zh" --budget 1000000..3000000/3 --format csv
sed 's/total: 1000000}/total: 3000000, fixed: [{name: studio, amount: 2500000}]}/' "$zh" >"$TMP/w.yaml"
expect_exit "whatif: a budget below the fixed lines stays a row" 0 "$MPLAN" whatif "$TMP/w.yaml" --budget 2000000..3000000/2 --format table
grep -q 'budget=2,000,000: fixed lines (2,500,000) exceed the budget after reserve (2,000,000)' "$TMP/out" "$TMP/err" &&
    ok "whatif: the infeasible row reads budget=2,000,000, not 2e+06" || fail "whatif infeasible row" "$(grep -h 'fixed' "$TMP/out" "$TMP/err" | head -3)"
finish
