#!/bin/sh
# Hostile input for the readers (issue 8): partial summaries for `segment --merge` (bad
# entries, endless lines, counters past 2^63, duplicate columns, sums beyond the largest
# double), and CSV readers on a stream with no newline, which must end promptly.
. tests/e2e/lib.sh

head='{"mplan_partial":1,"rule":null,"columns":["id","v"],"key":"id"'
meta="$head,\"bad_rows\":0}"
line() { printf '%s,"label":"%s","count":%s,"n":%s,"text":%s,"sum":%s}\n' "$head" "$1" "$2" "$3" "$4" "$5"; }

# ---- a bad n, text or sum entry is named with file:line and the column ----
{ echo "$meta"; line A 1 '[0,"x"]' '[1,0]' '[[],[]]'; } >"$TMP/bad_n"
{ echo "$meta"; line A 1 '[0,1]' '[1,-1]' '[[],[1]]'; } >"$TMP/bad_text"
{ echo "$meta"; line A 1 '[0,1]' '[1,0]' '[[],["x"]]'; } >"$TMP/bad_sum"
for f in bad_n bad_text bad_sum; do
    expect_exit "merge: $f is exit 3" 3 "$MPLAN" segment --merge "$TMP/$f" &&
        expect_err "merge: $f names file:line and column" "$f:2: column 'v'"
done

# ---- an endless line fails fast with a message, without growing ----
expect_exit "merge: /dev/zero fails (not hangs)" 3 timeout 20 "$MPLAN" segment --merge /dev/zero &&
    expect_err "merge: /dev/zero says why" "/dev/zero:1: line longer than"
yes | tr -d '\n' | timeout 20 "$MPLAN" segment --merge - >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "<stdin>:1: line longer than" "$TMP/err"; then ok "merge: newline-free stdin fails fast"
else fail "merge: newline-free stdin" "exit $rc: $(head -c 300 "$TMP/err")"; fi

# ---- out of memory while reading a line is not the end of the input ----
# (a 60 MB line needs a 64 MiB buffer, more than the 50 MB of address space allowed)
if [ -z "$MPLAN_SAN" ]; then
    { echo "$meta"; line A 1 '[0,1]' '[1,0]' '[[],[1]]'
      printf '{"pad":"'; head -c 60000000 /dev/zero | tr '\0' x; printf '"}\n'; } >"$TMP/big"
    (ulimit -v 50000; exec "$MPLAN" segment --merge "$TMP/big" --format csv) >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 5 ] && grep -q "big:3: out of memory" "$TMP/err"; then ok "merge: out of memory is exit 5, not the end of input"
    else fail "merge: out of memory" "exit $rc: $(head -c 300 "$TMP/err")"; fi
    rm -f "$TMP/big"
fi

# ---- counters: negative, past 2^63 when added, n + text beyond count, duplicate columns ----
printf '%s,"bad_rows":-1}\n' "$head" >"$TMP/neg_bad"
expect_exit "merge: negative bad_rows is exit 3" 3 "$MPLAN" segment --merge "$TMP/neg_bad" &&
    expect_err "merge: negative bad_rows named" "neg_bad:1: 'bad_rows' must be"
big=9223372036854775807
{ echo "$meta"; line A $big '[0,0]' '[0,0]' '[[],[]]'; line A 1 '[0,0]' '[0,0]' '[[],[]]'; } >"$TMP/wrap"
expect_exit "merge: counts past 2^63-1 are exit 3 (no wrap)" 3 "$MPLAN" segment --merge "$TMP/wrap" &&
    expect_err "merge: wrap names the line" "wrap:3: label 'A': count adds up past"
{ printf '%s,"bad_rows":%s}\n' "$head" $big; printf '%s,"bad_rows":1}\n' "$head"; } >"$TMP/wrap_bad"
expect_exit "merge: bad_rows past 2^63-1 is exit 3" 3 "$MPLAN" segment --merge "$TMP/wrap_bad" &&
    expect_err "merge: bad_rows wrap named" "wrap_bad:2: 'bad_rows' adds up past"
{ echo "$meta"; line A 2 '[0,2]' '[0,1]' '[[],[1]]'; } >"$TMP/over"
expect_exit "merge: n + text beyond count is exit 3" 3 "$MPLAN" segment --merge "$TMP/over" &&
    expect_err "merge: n + text named" "over:2: column 'v': n + text (3) exceeds count (2)"
printf '{"mplan_partial":1,"rule":null,"columns":["id","v","v"],"key":"id","bad_rows":0}\n' >"$TMP/dup"
expect_exit "merge: duplicate columns are exit 3" 3 "$MPLAN" segment --merge "$TMP/dup" &&
    expect_err "merge: duplicate column named" "dup:1: column 'v' appears twice"

# ---- sums beyond the largest double: --partial writes them, --merge adds them exactly ----
printf 'id,v\na,1.7e308\nb,1.7e308\n' >"$TMP/huge1.csv"
printf 'id,v\nc,-1.7e308\n' >"$TMP/huge2.csv"
printf 'id,v\na,1.7e308\nb,1.7e308\nc,-1.7e308\n' >"$TMP/huge.csv"
mkdir -p "$TMP/seg"
printf 'name: seg\nversion: 1.0.0\nsummary: one label for every row\nmplan: ">=1.0"\nprovides:\n  segmenters: [one]\n' >"$TMP/seg/pack.yaml"
printf 'return {one = function(row) return "all" end}\n' >"$TMP/seg/init.lua"
SEG="--pack $TMP/seg --rule one"
expect_exit "partial: a sum beyond DBL_MAX is written" 0 "$MPLAN" segment "$TMP/huge1.csv" $SEG --partial
cp "$TMP/out" "$TMP/h1.part"
"$MPLAN" segment "$TMP/huge2.csv" $SEG --partial >"$TMP/h2.part" 2>/dev/null
expect_exit "merge: partial with a huge sum merges" 0 "$MPLAN" segment --merge "$TMP/h1.part" "$TMP/h2.part" --format csv
# 1.7e308 + 1.7e308 - 1.7e308 is 1.7e308 exactly; the mean over 3 values is 1.7e308/3.
expect=$(python3 -c 'print(repr(1.7e308), repr(1.7e308/3))')
got=$(awk -F, 'NR==2 {print $4, $5}' "$TMP/out")
if [ "$got" = "$expect" ]; then ok "merge: huge sums cancel exactly ($got)"
else fail "merge: huge sums" "got '$got', expected '$expect': $(cat "$TMP/out")"; fi
"$MPLAN" segment "$TMP/huge.csv" $SEG --format csv >"$TMP/whole.csv" 2>/dev/null
if cmp -s "$TMP/out" "$TMP/whole.csv"; then ok "merge of huge partials = whole file"
else fail "merge of huge partials" "$(diff "$TMP/out" "$TMP/whole.csv" | head -4)"; fi

# ---- CSV readers end promptly on a stream without newlines ----
# 20 GB of "yyyy..." after a header: reading it to the end takes minutes; the reader must
# stop at its record limit (4 MiB) and fail. The stream is bounded so nothing can run away.
endless() { { printf '%s\n' "$1"; yes | tr -d '\n'; } | head -c 20000000000; }
PLAN=examples/new-trade-festival/plan.yaml
ACT=period,channel,spend,impressions,clicks,orders,gmv
endless id,v | timeout 20 "$MPLAN" segment - $SEG >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "<stdin>:2: line longer than" "$TMP/err"; then ok "segment: newline-free stream ends (exit 3)"
else fail "segment: newline-free stream" "exit $rc: $(head -c 300 "$TMP/err")"; fi
endless "$ACT" | timeout 20 "$MPLAN" review $PLAN - >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "<stdin>:2: line longer than" "$TMP/err"; then ok "review: newline-free actuals end (exit 3)"
else fail "review: newline-free actuals" "exit $rc: $(head -c 300 "$TMP/err")"; fi
endless "$ACT" | timeout 20 "$MPLAN" report $PLAN --actuals - -o "$TMP/r.html" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "<stdin>:2: line longer than" "$TMP/err"; then ok "report --actuals: newline-free actuals end (exit 3)"
else fail "report --actuals: newline-free actuals" "exit $rc: $(head -c 300 "$TMP/err")"; fi
# A header without newline: refused at once too.
{ yes | tr -d '\n'; } | head -c 20000000000 | timeout 20 "$MPLAN" segment - $SEG >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "<stdin>:1: header: line longer than" "$TMP/err"; then ok "segment: newline-free header ends (exit 3)"
else fail "segment: newline-free header" "exit $rc: $(head -c 300 "$TMP/err")"; fi

# ---- plan numbers outside their ranges are refused at load, with file:line:col ----
plan_with() { # $1: response, $2: event lift
    cat <<PLAN
mplan: 1
horizon: {start: 2027-01-04, periods: 2, period: week}
budget: {total: 1000}
baseline: {gmv: 100}
goals: {gmv: 1300}
channels:
  - {id: a, kind: paid, response: $1}
events:
  - {name: x, outbreak: 2027-01-04..2027-01-10, lift: $2}
PLAN
}
plan_with '{curve: hill, beta: 5000, k: 400}' 1e308 >"$TMP/lift.yaml"
expect_exit "plan: lift 1e308 is exit 3" 3 "$MPLAN" run "$TMP/lift.yaml" --strict &&
    expect_err "plan: lift range named at line:col" "lift.yaml:9:55: 'events[0].lift' must be in (0, 1,000], got 1e308"
plan_with '{curve: hill, beta: 5000, k: 4.9e-324}' 2 >"$TMP/k.yaml"
expect_exit "plan: k 4.9e-324 is exit 3" 3 "$MPLAN" run "$TMP/k.yaml" --strict &&
    expect_err "plan: k range named" "k.yaml:7:64: 'channels.a.response.k' must be between 1e-06 and 1e+15, got 4.9e-324"
plan_with '{curve: hill, beta: 1e300, k: 400, s: 50}' 2 >"$TMP/beta.yaml"
expect_exit "plan: beta 1e300 is exit 3" 3 "$MPLAN" run "$TMP/beta.yaml" &&
    expect_err "plan: beta range named" "'channels.a.response.beta' must be between 0 and 1e+15, got 1e300"
plan_with '{curve: hill, beta: 5000, k: 400}' 2 >"$TMP/ok.yaml"
expect_exit "whatif --set k=1e-9 is a usage error (exit 2)" 2 "$MPLAN" whatif "$TMP/ok.yaml" --set channels.a.response.k=1e-9 &&
    expect_err "whatif --set: k range named" "must be in [1e-06, 1e+15], got 1e-09"
# The largest values in range still forecast finitely (and the goal is judged on real numbers).
plan_with '{curve: hill, beta: 1e15, k: 1e-6, s: 10}' 1000 | sed 's/total: 1000}/total: 1e15}/; s/gmv: 100}/gmv: 1e15}/' >"$TMP/edge.yaml"
expect_exit "plan: extremes in range run (exit 0)" 0 "$MPLAN" run "$TMP/edge.yaml" --format json
python3 - "$TMP/out" <<'PY' && ok "plan: extremes in range give finite KPIs" || fail "plan: extremes" "$(head -c 300 "$TMP/out")"
import json, math, sys
d = json.load(open(sys.argv[1]))
t = d["kpis"]["total"]
assert all(v is None or math.isfinite(v) for v in t.values()), t
assert t["gmv"] > 1e15, t
PY

# ---- numbers >= 1e79 are printed whole in tables (no fixed 80-byte buffer) ----
printf 'id,v\na,1e100\nb,-2.5e80\n' >"$TMP/wide.csv"
expect_exit "segment: table of 1e100" 0 "$MPLAN" segment "$TMP/wide.csv" $SEG --format table
want=$(python3 -c 'import math; s = math.fsum([1e100, -2.5e80]); print(f"{s:,.0f} {s/2:,.2f}")')  # a whole sum, its mean
got=$(awk '$1 == "v" {print $2}' "$TMP/out" | tr '\n' ' ' | sed 's/ $//')
if [ "$got" = "$want" ]; then ok "table: 101-digit sum and mean printed in full"
else fail "table: wide numbers" "got '$got', expected '$want'"; fi

# ---- dates stop at 9999-12-31 instead of wrapping to year 0000 ----
dated() { # $1: periods, $2: period, $3: extra lines
    printf 'mplan: 1\nhorizon: {start: 9999-12-01, periods: %s, period: %s}\nbudget: {total: 1000}\n' "$1" "$2"
    printf 'baseline: {gmv: 100}\nchannels:\n  - {id: a, kind: paid, response: {curve: hill, beta: 5000, k: 400}}\n%s' "$3"
}
dated 5 week "" >"$TMP/d1.yaml"
expect_exit "dates: a horizon past 9999-12-31 is exit 3" 3 "$MPLAN" run "$TMP/d1.yaml" &&
    expect_err "dates: horizon named" "d1.yaml:2:39: 'horizon.periods': the horizon would end in the year 10000, after 9999-12-31"
dated 31 day "events:
  - {name: x, outbreak: 9999-12-20..9999-12-25, phases: {review: 2w}}
" >"$TMP/d2.yaml"
expect_exit "dates: an event review past 9999-12-31 is exit 3" 3 "$MPLAN" run "$TMP/d2.yaml" &&
    expect_err "dates: event named" "d2.yaml:8:25: event 'x': the review phase would end after 9999-12-31"
dated 31 day "" >"$TMP/d3.yaml"
expect_exit "dates: a horizon ending 9999-12-31 runs" 0 "$MPLAN" run "$TMP/d3.yaml" --format csv
if grep -q "9999-12-31" "$TMP/out" && ! grep -q "0000-" "$TMP/out"; then ok "dates: last period is 9999-12-31"
else fail "dates: last period" "$(grep -c . "$TMP/out") lines, no 9999-12-31 or a 0000- date"; fi

# ---- --labels writes ids of any length whole (no cut at 32,719 bytes) ----
python3 - "$TMP/long.csv" <<'PY'
import sys
k1 = "A" * 100000
k2 = 'B"' + "x," * 40000 + '"'
with open(sys.argv[1], "w") as f:
    f.write("id,v\n" + k1 + ",1\n" + '"' + k2.replace('"', '""') + '",2\nshort,3\n')
PY
expect_exit "labels: long ids" 0 "$MPLAN" segment "$TMP/long.csv" $SEG --max-field 200000 --labels "$TMP/labels.csv"
python3 - "$TMP/labels.csv" <<'PY' && ok "labels: 100,000- and 80,003-byte ids written whole" || fail "labels: long ids" "cut or mangled"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[1] == ["A" * 100000, "all"], len(rows[1][0])
assert rows[2] == ['B"' + "x," * 40000 + '"', "all"], len(rows[2][0])
assert rows[3] == ["short", "all"] and len(rows) == 4
PY

# ---- NaN and infinite scores are refused, naming pack, hook and row, and nothing is written ----
mkdir -p "$TMP/score"
printf 'name: score\nversion: 1.0.0\nsummary: scores from a column\nmplan: ">=1.0"\nprovides:\n  segmenters: [s]\n' >"$TMP/score/pack.yaml"
printf 'return {s = function(row) local v = row.v; if v == 0 then return "x", 0/0 elseif v == 1 then return "x", math.huge end return "x", v end}\n' >"$TMP/score/init.lua"
printf 'id,v\na,5\nb,0\n' >"$TMP/nan.csv"
printf 'id,v\na,5\nc,7\nb,1\n' >"$TMP/inf.csv"
for f in nan inf; do
    rm -f "$TMP/$f.labels"
    expect_exit "score: $f is exit 4" 4 "$MPLAN" segment "$TMP/$f.csv" --pack "$TMP/score" --rule s --labels "$TMP/$f.labels" &&
        expect_err "score: $f named with pack, hook and row" "score.s: segmenter 's' returned a score of $f (a score must be a finite number) (row at $TMP/$f.csv:"
    if [ -e "$TMP/$f.labels" ]; then fail "score: $f labels not written" "$(head -c 200 "$TMP/$f.labels")"; else ok "score: $f labels not written"; fi
done

finish
