#!/bin/sh
# mplan segment end to end: counts and sums against an independent Python computation,
# --jobs 1 vs 2, partials of a file split in 4 merged, the flow matrix on a hand-made pair
# of files, every bad-CSV case, and usage and rule errors.
. tests/e2e/lib.sh
PY=/usr/bin/python3
AIPL="--pack rules/aipl --rule stage"
RFM="--pack rules/rfm --rule group"

# ---- data: the benchmark generator, 80k rows (about 4 MB: two ranges for --jobs 2) ----
cc -O2 -o "$TMP/gen" bench/gen_customers.c || { fail gen "cannot build bench/gen_customers.c"; finish; }
"$TMP/gen" 80000 7 >"$TMP/c.csv"

# The reference: the AIPL rule written again in Python from docs/model.md 8 and rules/aipl's
# defaults, per-label counts, exact sums (math.fsum) and non-empty counts; and RFM quintile
# edges as the lower quantiles of the buyers' values (numpy's "inverted_cdf").
cat >"$TMP/ref.py" <<'EOF'
import csv, math, re, sys

def num(v):
    if v == "":
        return None
    return int(v) if re.fullmatch(r"[+-]?\d+", v) else float(v)

NUMERIC = ["recency_days", "orders", "gmv", "visits_30d", "favorites", "carts", "follows",
           "member_level", "reviews", "shares"]

def stage(r):
    z = lambda k: r[k] or 0
    bought = r["recency_days"] is not None and r["recency_days"] <= 365
    if (bought and z("orders") >= 2) or z("member_level") >= 3 or z("reviews") > 0 or z("shares") > 0:
        return "L"
    if bought:
        return "P"
    if z("visits_30d") > 0 or z("favorites") > 0 or z("carts") > 0 or z("follows") > 0:
        return "I"
    return "A"

def quantiles(values):
    s = sorted(values)
    return [s[math.ceil(p * len(s)) - 1] for p in (0.2, 0.4, 0.6, 0.8)]

rows = []
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append({k: (num(v) if k in NUMERIC else v) for k, v in r.items()})

if sys.argv[1] == "edges":
    for c in ("recency_days", "orders", "gmv"):
        print(c, ",".join(repr(v) for v in quantiles([r[c] for r in rows if r[c] is not None])))
    sys.exit(0)

# "summary": one line per label, label,count,then sum,n for each numeric column;
# "labels": customer_id,label per row.
if sys.argv[1] == "labels":
    print("customer_id,label")
    for r in rows:
        print(r["customer_id"] + "," + stage(r))
    sys.exit(0)
groups = {}
for r in rows:
    groups.setdefault(stage(r), []).append(r)
for label in sorted(groups):
    g = groups[label]
    out = [label, str(len(g))]
    for c in NUMERIC:
        vals = [r[c] for r in g if r[c] is not None]
        out += [repr(math.fsum(vals)), str(len(vals))]
    print(",".join(out))
EOF

# mplan's CSV summary in the reference's layout: sums exactly as printed, n = sum / mean.
cat >"$TMP/fromcsv.py" <<'EOF'
import csv, sys
NUMERIC = ["recency_days", "orders", "gmv", "visits_30d", "favorites", "carts", "follows",
           "member_level", "reviews", "shares"]
rows = {r["label"]: r for r in csv.DictReader(open(sys.argv[1]))}
for label in sorted(rows):
    r = rows[label]
    out = [label, r["count"]]
    for c in NUMERIC:
        s, m = float(r[c + "_sum"]), r[c + "_mean"]
        out += [repr(s), str(round(s / float(m))) if m not in ("", "0") and float(m) else "?"]
    print(",".join(out))
EOF

$PY "$TMP/ref.py" summary "$TMP/c.csv" >"$TMP/ref.txt"
if expect_exit "segment aipl runs" 0 "$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 1 --format csv; then
    cp "$TMP/out" "$TMP/j1.csv"
    $PY "$TMP/fromcsv.py" "$TMP/j1.csv" >"$TMP/got.txt"
    # The reference's n is exact; mplan's n is recovered as sum/mean, which is exact unless
    # the sum is 0 ("?" then): compare counts and sums always, n where known.
    if $PY - "$TMP/ref.txt" "$TMP/got.txt" <<'EOF'
import sys
ref = [l.split(",") for l in open(sys.argv[1]).read().split()]
got = [l.split(",") for l in open(sys.argv[2]).read().split()]
assert len(ref) == len(got) == 4, (len(ref), len(got))
for a, b in zip(ref, got):
    assert a[:2] == b[:2], (a[:2], b[:2])
    for i in range(2, len(a), 2):
        assert float(a[i]) == float(b[i]), (a[0], i, a[i], b[i])      # exact sums
        assert b[i + 1] in (a[i + 1], "?"), (a[0], i, a[i + 1], b[i + 1])
EOF
    then ok "counts and exact sums equal an independent fsum"; else fail "counts and sums" "see above"; fi
fi

# Labels per customer, against the reference.
$PY "$TMP/ref.py" labels "$TMP/c.csv" >"$TMP/ref_labels.csv"
"$MPLAN" segment "$TMP/c.csv" $AIPL --labels "$TMP/labels.csv" --jobs 2 >/dev/null 2>&1
if cmp -s "$TMP/labels.csv" "$TMP/ref_labels.csv"; then ok "labels file equals the reference"
else fail "labels file" "$(diff "$TMP/labels.csv" "$TMP/ref_labels.csv" | head -5)"; fi

# ---- --jobs 1 and --jobs 2 give the same bytes ----
for f in csv json table; do
    "$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 1 --format $f >"$TMP/a.$f" 2>/dev/null
    "$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 2 --format $f >"$TMP/b.$f" 2>/dev/null
    if [ -s "$TMP/a.$f" ] && cmp -s "$TMP/a.$f" "$TMP/b.$f"; then ok "jobs 1 = jobs 2 ($f)"
    else fail "jobs 1 = jobs 2 ($f)" "outputs differ"; fi
done
"$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 1 --labels "$TMP/l1.csv" >/dev/null 2>&1
"$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 3 --labels "$TMP/l3.csv" >/dev/null 2>&1
if cmp -s "$TMP/l1.csv" "$TMP/l3.csv"; then ok "labels with jobs 1 = jobs 3"; else fail "labels jobs" "differ"; fi

# ---- partials of the file split in 4, merged, equal the whole ----
head -1 "$TMP/c.csv" >"$TMP/header"
tail -n +2 "$TMP/c.csv" >"$TMP/data.csv"
split -n l/4 "$TMP/data.csv" "$TMP/part."
n=0
for p in "$TMP"/part.*; do
    n=$((n + 1))
    # As a Hadoop mapper sees a split: no header row, names given; the first split also gets
    # the header line, which must be skipped.
    [ $n -eq 1 ] && { cat "$TMP/header" "$p" >"$p.h"; mv "$p.h" "$p"; }
    "$MPLAN" segment - $AIPL --header "$(cat "$TMP/header")" --partial <"$p" >"$TMP/partial.$n" 2>"$TMP/err"
done
sort "$TMP"/partial.* >"$TMP/sorted" # Hadoop sorts mapper output: order must not matter
"$MPLAN" segment --merge "$TMP/sorted" --format csv >"$TMP/merged.csv" 2>"$TMP/err"
if [ $n -eq 4 ] && cmp -s "$TMP/merged.csv" "$TMP/j1.csv"; then ok "merge of 4 partials = whole file"
else fail "merge of 4 partials" "$(diff "$TMP/merged.csv" "$TMP/j1.csv" | head -4) $(cat "$TMP/err")"; fi
"$MPLAN" segment --merge "$TMP"/partial.1 "$TMP"/partial.2 --partial >"$TMP/p12" 2>/dev/null
"$MPLAN" segment --merge "$TMP/p12" "$TMP"/partial.3 "$TMP"/partial.4 --format csv >"$TMP/tree.csv" 2>/dev/null
if cmp -s "$TMP/tree.csv" "$TMP/j1.csv"; then ok "merging merged partials (a tree of reducers)"
else fail "tree merge" "differs"; fi
cp "$TMP/partial.1" "$TMP/p.bad" && printf '{"mplan_partial":2}\n' >>"$TMP/p.bad"
expect_exit "merge: newer partial version is exit 3" 3 "$MPLAN" segment --merge "$TMP/p.bad" &&
    expect_err "merge: version named" "partial summary version 2"
printf 'not json\n' >"$TMP/p.bad"
expect_exit "merge: not a partial is exit 3" 3 "$MPLAN" segment --merge "$TMP/p.bad" &&
    expect_err "merge: file:line named" "p.bad:1:"

# ---- RFM: edges from a first pass against the reference's quantiles ----
$PY "$TMP/ref.py" edges "$TMP/c.csv" >"$TMP/edges.txt"
"$MPLAN" segment "$TMP/c.csv" $RFM --jobs 1 --param log_edges=true --format csv >"$TMP/rfm1.csv" 2>"$TMP/rfm.err"
r=$(sed -n 's/.*r_edges=//p' "$TMP/rfm.err"); f=$(sed -n 's/.*f_edges=//p' "$TMP/rfm.err")
m=$(sed -n 's/.*m_edges=//p' "$TMP/rfm.err")
if $PY - "$TMP/edges.txt" "$r" "$f" "$m" <<'EOF'
import sys
want = {l.split()[0]: [float(x) for x in l.split()[1].split(",")] for l in open(sys.argv[1])}
got = {c: [float(x) for x in s.split(",")] for c, s in zip(("recency_days", "orders", "gmv"), sys.argv[2:])}
assert got["recency_days"] == want["recency_days"], (got, want)     # days: exact
assert got["orders"] == want["orders"], (got, want)                 # counts: exact
for g, w in zip(got["gmv"], want["gmv"]):                           # money: within 2^-12
    assert abs(g - w) <= w * 2 ** -12, (g, w)
EOF
then ok "rfm quintile edges: exact for days and orders, within 2^-12 for money"; else fail "rfm edges" "$(cat "$TMP/rfm.err")"; fi
"$MPLAN" segment "$TMP/c.csv" $RFM --jobs 2 --format csv >"$TMP/rfm2.csv" 2>/dev/null
if cmp -s "$TMP/rfm1.csv" "$TMP/rfm2.csv"; then ok "rfm jobs 1 = jobs 2"; else fail "rfm jobs" "differ"; fi
# The same edges given as params give the same groups without a first pass.
"$MPLAN" segment "$TMP/c.csv" $RFM --param r_edges="$r" --param f_edges="$f" --param m_edges="$m" \
    --format csv >"$TMP/rfm3.csv" 2>/dev/null
if cmp -s "$TMP/rfm1.csv" "$TMP/rfm3.csv"; then ok "rfm with edges as params = first pass"; else fail "rfm params" "differ"; fi
# Labels with scores: every row, the header names the score, counts match the summary.
"$MPLAN" segment "$TMP/c.csv" $RFM --jobs 2 --labels "$TMP/rfml.csv" --format csv >"$TMP/rfm4.csv" 2>/dev/null
if [ "$(head -1 "$TMP/rfml.csv")" = "customer_id,label,score" ] && [ "$(wc -l <"$TMP/rfml.csv")" -eq 80001 ] &&
    $PY - "$TMP/rfml.csv" "$TMP/rfm4.csv" <<'EOF'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = collections.Counter(r["label"] for r in rows)
want = {r["label"]: int(r["count"]) for r in csv.DictReader(open(sys.argv[2]))}
assert got == want, (got, want)
for r in rows:  # the RFM cell: 0, or R*100 + F*10 + M with each score 1..5
    s = int(r["score"])
    assert (r["label"] == "no purchase") == (s == 0) and (s == 0 or all(c in "12345" for c in str(s))), r
EOF
then ok "rfm labels with scores agree with the summary"; else fail "rfm labels" "$(head -3 "$TMP/rfml.csv")"; fi
expect_exit "rfm on stdin needs edges: exit 2" 2 sh -c "\"$MPLAN\" segment - $RFM <\"$TMP/c.csv\"" &&
    expect_err "rfm on stdin: says why" "needs a first pass"

# ---- flow: a hand-made pair of snapshots ----
# Stages by rules/aipl (defaults): before A c01 c02 c03 c04 c12, I c05..c08, P c09 c10,
# L c11. After: c01 stays A; c02, c03 A->I; c04 A->P; c05 stays I; c06 I->P; c07 I->A;
# c08 I->L (a share); c09 P->L (repurchased); c10 P->A (last order 400 days ago); c11
# stays L; c12 gone; c13 (I) and c14 (P) new.
#   A->I = 2/5 = 0.4, I->P = 1/4 = 0.25, P->L = 1/2 = 0.5; A gone 1/5 = 0.2.
H=customer_id,recency_days,orders,visits_30d,favorites,carts,follows,member_level,reviews,shares
cat >"$TMP/before.csv" <<EOF
$H
c01,,,0,0,0,0,0,0,0
c02,,,0,0,0,0,0,0,0
c03,,,0,0,0,0,0,0,0
c04,,,0,0,0,0,0,0,0
c05,,,2,0,0,0,0,0,0
c06,,,0,1,0,0,0,0,0
c07,,,0,0,1,0,0,0,0
c08,,,0,0,0,1,0,0,0
c09,20,1,0,0,0,0,0,0,0
c10,200,1,0,0,0,0,0,0,0
c11,,,0,0,0,0,3,0,0
c12,,,0,0,0,0,0,0,0
EOF
cat >"$TMP/after.csv" <<EOF
$H
c14,3,1,1,0,0,0,0,0,0
c01,,,0,0,0,0,0,0,0
c02,,,1,0,0,0,0,0,0
c03,,,0,2,0,0,0,0,0
c04,5,1,0,0,0,0,0,0,0
c05,,,4,0,0,0,0,0,0
c06,9,1,0,0,0,0,0,0,0
c07,,,0,0,0,0,0,0,0
c08,,,0,0,0,0,0,0,1
c09,2,2,0,0,0,0,0,0,0
c10,400,1,0,0,0,0,0,0,0
c11,,,0,0,0,0,3,0,0
c13,,,0,0,1,0,0,0,0
EOF
if expect_exit "flow runs" 0 "$MPLAN" segment "$TMP/after.csv" --flow "$TMP/before.csv" $AIPL --format json; then
    if $PY - "$TMP/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
cells = {(c["from"], c["to"]): (c["count"], c["rate"]) for c in d["flow"]}
want = {("A", "A"): 1, ("A", "I"): 2, ("A", "P"): 1, ("A", "L"): 0, ("A", None): 1,
        ("I", "I"): 1, ("I", "P"): 1, ("I", "A"): 1, ("I", "L"): 1, ("I", None): 0,
        ("P", "L"): 1, ("P", "A"): 1, ("P", "P"): 0, ("L", "L"): 1,
        (None, "I"): 1, (None, "P"): 1, (None, "A"): 0, (None, "L"): 0}
for k, n in want.items():
    assert cells[k][0] == n, (k, cells[k], n)
assert cells[("A", "I")][1] == 0.4 and cells[("A", None)][1] == 0.2
assert cells[(None, "I")][1] is None           # new customers have no rate
assert d["aipl"] == {"A->I": 0.4, "I->P": 0.25, "P->L": 0.5}, d["aipl"]
assert d["before_rows"] == 12 and d["after_rows"] == 13
EOF
    then ok "flow matrix and AIPL rates worked out by hand"; else fail "flow matrix" "see above"; fi
fi
"$MPLAN" segment "$TMP/after.csv" --flow "$TMP/before.csv" $AIPL --format table >"$TMP/flow.txt" 2>&1
if grep -qF "AIPL flow: A->I 40.0% (2 of 5), I->P 25.0% (1 of 4), P->L 50.0% (1 of 2)" "$TMP/flow.txt"; then
    ok "flow table calls out the AIPL rates"; else fail "flow table" "$(cat "$TMP/flow.txt")"; fi
"$MPLAN" segment "$TMP/after.csv" --flow "$TMP/before.csv" $AIPL --format csv >"$TMP/flow.csv" 2>&1
if grep -qx "I,P,1,0.25" "$TMP/flow.csv" && grep -qx ",P,1," "$TMP/flow.csv" && grep -qx "A,,1,0.2" "$TMP/flow.csv"; then
    ok "flow csv: from,to,count,rate"; else fail "flow csv" "$(head -5 "$TMP/flow.csv")"; fi
{ cat "$TMP/after.csv"; echo "c05,,,0,0,0,0,0,0,0"; } >"$TMP/after2.csv"
expect_exit "flow: repeated key is exit 3" 3 "$MPLAN" segment "$TMP/after2.csv" --flow "$TMP/before.csv" $AIPL &&
    expect_err "flow: repeated key at file:line" "after2.csv:7: customer customer_id 'c05' is on more than one row"
{ cat "$TMP/before.csv"; echo "c02,,,0,0,0,0,0,0,0"; } >"$TMP/before2.csv"
expect_exit "flow: repeated key in BEFORE" 3 "$MPLAN" segment "$TMP/after.csv" --flow "$TMP/before2.csv" $AIPL &&
    expect_err "flow: both lines named" "before2.csv:14: customer customer_id 'c02' is also on line 3"

# ---- bad CSV: exit 3 with file:line; --skip-bad counts, reports and skips ----
bad() { # NAME LINE MESSAGE ROW-TEXT (printf format, inserted as line 3 of 4)
    printf "$H\nc1,,,0,0,0,0,0,0,0\n$4\nc3,10,1,1,0,0,0,0,0,0\n" >"$TMP/$1.csv"
    expect_exit "bad csv: $1 is exit 3" 3 "$MPLAN" segment "$TMP/$1.csv" $AIPL &&
        expect_err "bad csv: $1 at file:line" "$1.csv:$2: $3"
    if expect_exit "bad csv: $1 --skip-bad" 0 "$MPLAN" segment "$TMP/$1.csv" $AIPL --skip-bad --format json; then
        expect_err "bad csv: $1 reported" "$1.csv: 1 bad row skipped"
        if grep -q '"rows": 2' "$TMP/out" && grep -q '"bad_rows": 1' "$TMP/out"; then ok "bad csv: $1 counted"
        else fail "bad csv: $1 counted" "$(head -c 300 "$TMP/out")"; fi
    fi
}
bad ragged 3 "expected 10 fields, found 9" "c2,,,0,0,0,0,0,0"
bad quote 3 "unterminated quoted field" '"c2,,,0,0,0,0,0,0,0'
bad nul 3 "NUL byte in column 'visits_30d'" 'c2,,,0\000,0,0,0,0,0,0'
bad utf8 3 "invalid UTF-8 in column 'orders' (field 3)" 'c2,5,1\377,0,0,0,0,0,0,0'
bad range 3 "column 'recency_days': number out of range" 'c2,1e999,1,0,0,0,0,0,0,0'
bad after_quote 3 "unexpected character after a closing quote" '"c2"x,,,0,0,0,0,0,0,0'
printf "$H\nc1,,,0,0,0,0,0,0,0\nc2,,,%070000d,0,0,0,0,0,0\n" 0 >"$TMP/long.csv"
expect_exit "bad csv: long field is exit 3" 3 "$MPLAN" segment "$TMP/long.csv" $AIPL &&
    expect_err "bad csv: long field at file:line" "long.csv:3: field longer than 65536 bytes in column 'visits_30d'"
expect_exit "bad csv: --max-field raises the limit" 0 "$MPLAN" segment "$TMP/long.csv" $AIPL --max-field 100000
# A bad row deep in a big file: the same file:line with 1 and 2 jobs.
{ cat "$TMP/c.csv"; printf 'C99999999,2026-01-01,,,1,,0,0,0,0,0,0,0,上海,x\n'; tail -n 3 "$TMP/c.csv"; } >"$TMP/cbad.csv"
"$MPLAN" segment "$TMP/cbad.csv" $AIPL --jobs 1 >/dev/null 2>"$TMP/e1"
"$MPLAN" segment "$TMP/cbad.csv" $AIPL --jobs 2 >/dev/null 2>"$TMP/e2"
if grep -qF "cbad.csv:80002: expected 14 fields, found 15" "$TMP/e1" && cmp -s "$TMP/e1" "$TMP/e2"; then
    ok "bad row in a big file: same file:line with jobs 1 and 2"; else fail "bad row line" "$(cat "$TMP/e1" "$TMP/e2")"; fi
printf 'a,b,a\n1,2,3\n' >"$TMP/dup.csv"
expect_exit "duplicate column is exit 3" 3 "$MPLAN" segment "$TMP/dup.csv" $AIPL &&
    expect_err "duplicate column named" "dup.csv:1: column 'a' appears twice"

# A quoted field with a comma and a newline is one field; CRLF files read the same.
printf '%s\r\n"c1",,,"1",0,0,0,0,0,0\r\n"c,2\nx",5,1,0,0,0,0,0,0,0\r\n' "$H" >"$TMP/q.csv"
if expect_exit "quoted fields and CRLF" 0 "$MPLAN" segment "$TMP/q.csv" $AIPL --labels "$TMP/ql.csv" --format csv; then
    if [ "$(cat "$TMP/ql.csv")" = "$(printf 'customer_id,label\nc1,I\n"c,2\nx",P')" ]; then ok "quoted id written back quoted"
    else fail "quoted labels" "$(cat "$TMP/ql.csv")"; fi
fi

# ---- usage and rule errors ----
expect_exit "no --rule is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" --pack rules/aipl
expect_exit "unknown option is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" $AIPL --frobnicate
expect_exit "bad --jobs is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" $AIPL --jobs 0
expect_exit "unknown key column is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" $AIPL --key nope
expect_exit "unknown param is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" $AIPL --param windw_days=3 &&
    expect_err "unknown param named" "pack 'aipl' has no param 'windw_days'"
expect_exit "param out of range is exit 2" 2 "$MPLAN" segment "$TMP/c.csv" $AIPL --param window_days=0
expect_exit "missing file is exit 5" 5 "$MPLAN" segment "$TMP/nope.csv" $AIPL
mkdir -p "$TMP/badpack"
printf 'name: badpack\nversion: 1.0.0\nsummary: fails on row 3\nmplan: ">=1.0"\nprovides:\n  segmenters: [x, num, nul, empty, some]\n' >"$TMP/badpack/pack.yaml"
cat >"$TMP/badpack/init.lua" <<'EOF'
local M = {}
local n = 0
function M.x(row)
  n = n + 1
  if n == 3 then return row.no_such_column end
  return "ok"
end
function M.num(row) return 42 end
function M.nul(row) return "a\0b" end
function M.empty(row) return "" end
function M.some(row) if row.customer_id == "c05" then return "s", 1 end return "s" end
return M
EOF
expect_exit "rule error is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/badpack" --rule x --jobs 1 &&
    expect_err "rule error names pack file, line and row" "init.lua:5: in segmenter 'x': row has no column 'no_such_column' (columns: customer_id," &&
    expect_err "rule error names the row" "(row at $TMP/before.csv:4)"
# The row object (docs/lua-api.md "Rows"): by name and position, has, #, pairs, read-only.
mkdir -p "$TMP/rowpack"
printf 'name: rowpack\nversion: 1.0.0\nsummary: the row object\nmplan: ">=1.0"\nprovides:\n  segmenters: [check, write, rawwrite]\n' >"$TMP/rowpack/pack.yaml"
cat >"$TMP/rowpack/init.lua" <<'EOF'
local M = {}
function M.check(row)
  assert(row[1] == row.customer_id, "row[1]")
  assert(row:has("orders") and not row:has("nope"), "has")
  assert(#row == 10, "#row")
  local n, seen = 0, {}
  for k, v in pairs(row) do n = n + 1; seen[k] = v end
  assert(n == 10 and seen.customer_id == row.customer_id, "pairs")
  assert(math.type(row.visits_30d) == "integer", "integers stay integers")
  if row.customer_id == "c09" then assert(row.recency_days == 20 and row.orders == 1) end
  if row.customer_id == "c01" then assert(row.recency_days == nil, "empty is nil") end
  local ok, err = pcall(function() return row.nope end)
  assert(not ok and err:find("row has no column 'nope'"), "unknown column")
  return row.recency_days and "buyer" or "other"
end
function M.write(row) row.orders = 1; return "x" end
function M.rawwrite(row) rawset(row, "orders", 99); return "x" end
return M
EOF
if expect_exit "row object: names, positions, has, #, pairs, nil" 0 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/rowpack" --rule check --format csv; then
    if grep -q "^buyer,2," "$TMP/out" && grep -q "^other,10," "$TMP/out"; then ok "row object labels"; else fail "row object labels" "$(cat "$TMP/out")"; fi
fi
expect_exit "writing a row field is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/rowpack" --rule write &&
    expect_err "writing: says read-only" "row is read-only"
expect_exit "rawset into the row is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/rowpack" --rule rawwrite &&
    expect_err "rawset: says so" "wrote into the row with rawset"
# A column holding text among numbers is left out of the sums, with a warning.
{ cat "$TMP/before.csv"; echo "c99,,n/a,0,0,0,0,0,0,0"; } >"$TMP/mixed.csv"
if expect_exit "text in a numeric column" 0 "$MPLAN" segment "$TMP/mixed.csv" $AIPL --format csv; then
    expect_err "text in a numeric column: warned" "column 'orders' not summed: 1 value is not a number"
    if head -1 "$TMP/out" | grep -q orders_sum; then fail "mixed column" "orders still summed"; else ok "mixed column not summed"; fi
fi
# A runaway segmenter stops at a limit with exit 4, naming pack, hook and limit.
mkdir -p "$TMP/looppack"
printf 'name: looppack\nversion: 1.0.0\nsummary: never returns\nmplan: ">=1.0"\nprovides:\n  segmenters: [spin]\n' >"$TMP/looppack/pack.yaml"
printf 'return {spin = function(row) while true do end end}\n' >"$TMP/looppack/init.lua"
expect_exit "runaway segmenter: instruction limit, exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/looppack" --rule spin --max-steps 1e6 &&
    expect_err "runaway segmenter: limit named" "in segmenter 'spin': instruction limit"
expect_exit "runaway segmenter: timeout, exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/looppack" --rule spin --timeout 300ms &&
    expect_err "runaway segmenter: time named" "in segmenter 'spin'"
# --labels - : labels on standard output, the summary only with -o.
if expect_exit "labels on stdout" 0 "$MPLAN" segment "$TMP/before.csv" $AIPL --labels - -o "$TMP/sum.csv"; then
    if [ "$(sed -n '1p;10p' "$TMP/out" | tr '\n' ' ')" = "customer_id,label c09,P " ] && grep -q "^A,5," "$TMP/sum.csv"; then
        ok "labels on stdout, summary in -o"; else fail "labels on stdout" "$(head -3 "$TMP/out")"; fi
fi
expect_exit "label not a string is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/badpack" --rule num &&
    expect_err "label type named" "returned number instead of a label"
expect_exit "label with a NUL is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/badpack" --rule nul &&
    expect_err "label with a NUL: said" "returned a label that is not UTF-8 text"
expect_exit "a score for some rows only is exit 4 (with --labels)" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/badpack" --rule some --labels "$TMP/x.csv" &&
    expect_err "a score for some rows only: rows named" "before.csv:6 has one, $TMP/before.csv:2 not"
expect_exit "empty label is exit 4" 4 "$MPLAN" segment "$TMP/before.csv" --pack "$TMP/badpack" --rule empty &&
    expect_err "empty label: said" "returned an empty label"
# --key naming a column the file lacks: the message lists the header it has
printf 'customer_id,orders\nC1,2\n' >"$TMP/key.csv"
expect_exit "--key naming no column is a usage error" 2 "$MPLAN" segment "$TMP/key.csv" --pack rules/rfm --rule score --key id
expect_err "--key error lists the header" "no key column 'id' (the header has: customer_id, orders)"
# --columns: the summary shows the chosen numeric columns only, with the file's sums
ex=examples/customers/customers.csv
expect_exit "--columns gmv,orders" 0 "$MPLAN" segment $ex --pack rules/aipl --rule stage --columns gmv,orders -f json -q
$PY - "$TMP/out" $ex <<'PYEOF' && ok "--columns: only gmv and orders, sums as the file's" || fail "--columns" "see above"
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert d["numeric_columns"] == ["orders", "gmv"], d["numeric_columns"]
assert set(d["total"]["sum"]) == {"orders", "gmv"} and all(set(l["sum"]) == {"orders", "gmv"} for l in d["labels"])
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")))
gmv = sum(float(r["gmv"]) for r in rows if r["gmv"])
assert abs(d["total"]["sum"]["gmv"] - gmv) < 1e-6, (d["total"]["sum"]["gmv"], gmv)
PYEOF
expect_exit "--columns with a text column: exit 2" 2 "$MPLAN" segment $ex --pack rules/aipl --rule stage --columns gmv,city -q &&
    expect_err "--columns names the column and the numeric ones" "--columns: 'city' is not a numeric column of the file (numeric: recency_days, orders, gmv,"
expect_exit "--columns with --partial: exit 2" 2 "$MPLAN" segment $ex --pack rules/aipl --rule stage --columns gmv --partial -q

# The sum table: counts sum to whole numbers and show no decimals; money keeps its two.
expect_exit "sum table" 0 "$MPLAN" segment examples/customers/customers.csv --pack rules/aipl --rule stage --format table -q
/usr/bin/python3 - examples/customers/customers.csv "$TMP/out" <<'PYEOF' && ok "sum table: orders whole, gmv with 2 decimals" || fail "sum table" "$(cat "$TMP/out")"
import csv, sys
from decimal import Decimal
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
orders = sum(int(r["orders"]) for r in rows if r["orders"])
gmv = sum(Decimal(r["gmv"]) for r in rows if r["gmv"])
text = open(sys.argv[2], encoding="utf-8").read().split("\nmean")[0].split("\nsum")[1]
cells = {l.split()[0]: l.split()[1:] for l in text.splitlines() if l.strip() and not l.startswith("-")}
assert cells["orders"][-1] == f"{orders:,}", cells["orders"]
assert all("." not in x for x in cells["orders"]), cells["orders"]
assert cells["gmv"][-1] == f"{gmv:,.2f}", (cells["gmv"], gmv)
PYEOF

finish
