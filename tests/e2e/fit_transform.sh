#!/bin/sh
# mplan fit --pack (issue 11): a pack's fit_transform hook cleans the history before the fit.
# The example pack blanks the GMV of the weeks of a stock-out (kept for the carry-over, not
# fitted); the fit must be exactly the fit of the same history with those GMV cells emptied
# here, by hand (python, not the pack), numbered or dated. A hook that fails, loops or returns
# rows that are no history stops with exit 4 naming pack and hook, and nothing is written.
. tests/e2e/lib.sh
PY=/usr/bin/python3
PK=examples/618-flagship/drop-stockouts

# 60 weeks, store totals, two channels; weeks 17 and 41 sold out (GMV a fifth of usual).
$PY - "$TMP" <<'PYEOF'
import random, sys
d = sys.argv[1]
random.seed(11)
a = {"feed": 0.0, "search": 0.0}
rows, stock = [], {17, 41}
for t in range(1, 61):
    x = {"feed": round(random.uniform(5000, 40000), 2), "search": round(random.uniform(2000, 20000), 2)}
    a["feed"] = x["feed"] + 0.4 * a["feed"]
    a["search"] = x["search"] + 0.1 * a["search"]
    y = 90000 + 150000 * a["feed"] / (a["feed"] + 25000) + 1.8 * a["search"]
    y *= random.uniform(0.95, 1.05) * (0.2 if t in stock else 1)
    rows.append((t, "%.2f" % y, x["feed"], x["search"]))
head = "period,gmv,feed,search\n"
def wide(rows):
    return head + "".join("%d,%s,%.2f,%.2f\n" % r for r in rows)
open(d + "/hist.csv", "w").write(wide(rows))
blank = [(t, "" if t in stock else y, xf, xs) for t, y, xf, xs in rows]
open(d + "/hand.csv", "w").write(wide(blank))
# The same weeks per channel (each channel's GMV its share of the week's), for the other shape.
def long(rows):
    out = "period,channel,spend,gmv\n"
    for t, y, xf, xs in rows:
        g = lambda f: "" if y == "" else "%.2f" % (f * float(y))
        out += "%d,feed,%.2f,%s\n%d,search,%.2f,%s\n" % (t, xf, g(0.6), t, xs, g(0.4))
    return out
open(d + "/long.csv", "w").write(long(rows))
open(d + "/hand_long.csv", "w").write(long(blank))
PYEOF

# same A B NAME: the two JSON fits are identical but for the history's name
same() {
    sed "s|$TMP/[a-z_]*\.csv|H|g; s|examples/618-flagship/history.csv|H|g" "$1" >"$TMP/s1"
    sed "s|$TMP/[a-z_]*\.csv|H|g; s|examples/618-flagship/history.csv|H|g" "$2" >"$TMP/s2"
    cmp -s "$TMP/s1" "$TMP/s2" && ok "$3" || fail "$3" "$(diff "$TMP/s1" "$TMP/s2" | head -5)"
}
expect_exit "fit --pack: runs" 0 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --format json -o "$TMP/pack.json"
expect_err "fit --pack: says what the hook kept" \
    "hist.csv: drop-stockouts.drop_stockouts kept 60 of its 60 rows, 2 of them without GMV (kept for the carry-over, not fitted)"
expect_err "fit --pack: the pack's log names the weeks" "period 17: GMV"
expect_exit "fit of the GMV blanked by hand" 0 "$MPLAN" fit "$TMP/hand.csv" --format json -o "$TMP/hand.json"
expect_exit "fit of the history as it is" 0 "$MPLAN" fit "$TMP/hist.csv" --format json -o "$TMP/raw.json"
same "$TMP/pack.json" "$TMP/hand.json" "fit --pack: the same fit as the GMV blanked by hand"
$PY - "$TMP" <<'PYEOF' >"$TMP/py" 2>&1 && ok "fit --pack: 58 periods fitted of 60, the stock-outs changed the fit" \
    || fail "fit --pack: 58 periods fitted of 60, the stock-outs changed the fit" "$(cat "$TMP/py")"
import json, sys
d = sys.argv[1]
p, r = json.load(open(d + "/pack.json")), json.load(open(d + "/raw.json"))
assert p["periods"] == 60, p["periods"]
assert p["fit"]["periods"] == 58 and r["fit"]["periods"] == 60, (p["fit"]["periods"], r["fit"]["periods"])
assert p["channels"] != r["channels"], "the stock-out weeks changed nothing: the test cannot tell"
PYEOF
expect_exit "per channel: fit --pack" 0 "$MPLAN" fit "$TMP/long.csv" --pack $PK --format json -o "$TMP/long.json"
expect_err "per channel: 120 of 120 rows kept, 4 without GMV" "drop-stockouts.drop_stockouts kept 120 of its 120 rows, 4 of them without GMV"
expect_exit "per channel: the GMV blanked by hand" 0 "$MPLAN" fit "$TMP/hand_long.csv" --format json -o "$TMP/hand_long.json"
same "$TMP/long.json" "$TMP/hand_long.json" "per channel: the same fit as the GMV blanked by hand"
expect_exit "fit --pack NAME on the rules path" 0 env MPLAN_RULES_PATH=examples/618-flagship "$MPLAN" fit "$TMP/hist.csv" \
    --pack drop-stockouts --transform drop_stockouts --format json -o "$TMP/byname.json"
cmp -s "$TMP/byname.json" "$TMP/pack.json" && ok "fit --pack NAME: the same fit" || fail "fit --pack NAME: the same fit" "differs"
# --param min_share=0.1: a fifth of the median is no stock-out any more: nothing blanked.
expect_exit "fit --pack --param min_share=0.1" 0 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --param min_share=0.1 \
    --format json -o "$TMP/p01.json"
expect_err "--param min_share=0.1: all rows kept" "kept 60 of its 60 rows"
cmp -s "$TMP/p01.json" "$TMP/raw.json" && ok "--param min_share=0.1: the plain fit" || fail "--param min_share=0.1: the plain fit" "differs"
# --plan listing the pack: its packs: entry's params apply (min_share 0.1: nothing blanked,
# the fit of the plan on the raw history, 60 periods), --param over them (0.5: the two
# stock-out weeks blanked, the fit of the plan on the GMV blanked by hand, 58 periods); a
# plan that does not list the pack leaves pack.yaml's default (0.5).
plan() { # plan FILE [PACKS-LINE]
    printf 'mplan: 1\nstore: {name: Fit pack params, currency: CNY}\nhorizon: {start: 2025-01-06, periods: 4, period: week}\n' >"$1"
    printf 'budget: {total: 100000, reserve: 0}\nobjective: gmv\nchannels:\n' >>"$1"
    printf '  - {id: feed, kind: paid, response: {curve: hill, beta: 150000, k: 25000, s: 1}, theta: 0.4}\n' >>"$1"
    printf '  - {id: search, kind: paid, response: {curve: linear, roas: 1.8}, theta: 0.1}\n' >>"$1"
    [ -z "$2" ] || printf 'packs:\n  - %s\n' "$2" >>"$1"
}
plan "$TMP/p0.yaml"
plan "$TMP/p1.yaml" "{path: $PWD/$PK, params: {min_share: 0.1}}"
plan "$TMP/p2.yaml" "{path: $PWD/$PK, params: {min_share: 2}}"
expect_exit "--plan's packs: min_share 0.1" 0 "$MPLAN" fit "$TMP/hist.csv" --plan "$TMP/p1.yaml" --pack $PK \
    --format json -o "$TMP/pl1.json"
expect_err "--plan's packs: min_share 0.1: all rows kept, none blanked" "drop_stockouts kept 60 of its 60 rows"
grep -q "without GMV" "$TMP/err" && fail "--plan's packs: min_share 0.1: none blanked" "$(cat "$TMP/err")" \
    || ok "--plan's packs: min_share 0.1: none blanked"
expect_exit "the plan on the raw history" 0 "$MPLAN" fit "$TMP/hist.csv" --plan "$TMP/p0.yaml" --format json -o "$TMP/pl0.json"
same "$TMP/pl1.json" "$TMP/pl0.json" "--plan's packs: min_share 0.1: the plan's fit of the raw history"
expect_exit "--param over the plan's packs: params" 0 "$MPLAN" fit "$TMP/hist.csv" --plan "$TMP/p1.yaml" --pack $PK \
    --param min_share=0.5 --format json -o "$TMP/pl5.json"
expect_err "--param min_share=0.5 over the plan's 0.1: the two weeks blanked" "kept 60 of its 60 rows, 2 of them without GMV"
expect_exit "the plan on the GMV blanked by hand" 0 "$MPLAN" fit "$TMP/hand.csv" --plan "$TMP/p0.yaml" --format json -o "$TMP/plh.json"
same "$TMP/pl5.json" "$TMP/plh.json" "--param over the plan: the plan's fit of the GMV blanked by hand"
expect_exit "a plan without the pack: pack.yaml's default" 0 "$MPLAN" fit "$TMP/hist.csv" --plan "$TMP/p0.yaml" --pack $PK \
    --format json -o "$TMP/pld.json"
same "$TMP/pld.json" "$TMP/plh.json" "a plan without the pack: min_share 0.5, the two weeks blanked"
$PY - "$TMP" <<'PYEOF' >"$TMP/py" 2>&1 && ok "--plan's packs: 60 periods fitted with 0.1, 58 with --param 0.5" \
    || fail "--plan's packs: 60 periods fitted with 0.1, 58 with --param 0.5" "$(cat "$TMP/py")"
import json, sys
d = sys.argv[1]
a, b = json.load(open(d + "/pl1.json")), json.load(open(d + "/pl5.json"))
assert a["fit"]["periods"] == 60 and b["fit"]["periods"] == 58, (a["fit"]["periods"], b["fit"]["periods"])
PYEOF
expect_exit "--plan's packs: a param out of range" 3 "$MPLAN" fit "$TMP/hist.csv" --plan "$TMP/p2.yaml" --pack $PK
expect_err "--plan's packs: out of range, at the plan's line" "p2.yaml:10:"
expect_err "--plan's packs: out of range, says so" "param 'min_share' of pack 'drop-stockouts' must be between 0 and 1, got 2"
expect_exit "--param: not a param of the pack" 2 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --param share=1
expect_err "--param: names the pack" "pack 'drop-stockouts' has no param 'share'"
expect_exit "--param without --pack" 2 "$MPLAN" fit "$TMP/hist.csv" --param min_share=1

# The example's own dated history: weeks below 0.66 of the median week's GMV (found here by
# python) blanked by hand give the fit of the pack with --param min_share=0.66.
H=examples/618-flagship/history.csv
$PY - "$H" "$TMP/dated_hand.csv" <<'PYEOF' >"$TMP/weeks" || fail "dated: the weeks by hand" "python failed"
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
g = [float(r[1]) for r in rows[1:]]
floor = 0.66 * statistics.median(g)
low = [r[0] for r in rows[1:] if float(r[1]) < floor]
assert len(low) == 2, low
with open(sys.argv[2], "w") as f:
    for r in rows:
        f.write(",".join([r[0], "" if r[0] in low else r[1]] + r[2:]) + "\n")
print(" ".join(low))
PYEOF
expect_exit "dated: the example pack runs on the example's history" 0 "$MPLAN" fit "$H" --pack $PK --param min_share=0.66 \
    --format json -o "$TMP/dated_pack.json"
expect_err "dated: 2 weeks without GMV" "kept 104 of its 104 rows, 2 of them without GMV"
expect_err "dated: the pack names the first week" "period $(cut -d' ' -f1 "$TMP/weeks"): GMV"
expect_exit "dated: the GMV blanked by hand" 0 "$MPLAN" fit "$TMP/dated_hand.csv" --format json -o "$TMP/dated_hand.json"
same "$TMP/dated_pack.json" "$TMP/dated_hand.json" "dated: the same fit as the GMV blanked by hand"
expect_exit "dated: the default min_share runs too" 0 "$MPLAN" fit "$H" --pack $PK --format json -o "$TMP/dated_def.json"

# ---- hostile and wrong hooks: exit 4, pack and hook named, nothing written ----
hook() { # hook NAME LUA-BODY: pack bad-NAME whose fit_transform NAME is function(history, params) BODY end
    mkdir -p "$TMP/bad-$1"
    printf 'name: bad-%s\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {fit_transforms: [%s]}\n' "$1" "$1" >"$TMP/bad-$1/pack.yaml"
    printf 'local M = {}\nfunction M.%s(history, params)\n  %s\nend\nreturn M\n' "$1" "$2" >"$TMP/bad-$1/init.lua"
}
bad() { # bad NAME EXIT TEXT [flags]
    n=$1 code=$2 text=$3
    shift 3
    rm -f "$TMP/w.json"
    expect_exit "fit_transform $n: exit $code" "$code" "$MPLAN" fit "$TMP/hist.csv" --pack "$TMP/bad-$n" -o "$TMP/w.json" "$@"
    expect_err "fit_transform $n: message" "$text"
    [ ! -e "$TMP/w.json" ] && ok "fit_transform $n: nothing written" || fail "fit_transform $n: nothing written" "w.json exists"
}
hook boom 'error("no stock data")'
hook spin 'while true do end'
hook text 'return "rows"'
hook empty 'return {}'
hook negative 'history[3].feed = -5 return history'
hook extra 'history[2].stock = 1 return history'
hook missing 'history[4].search = nil return history'
hook notrow 'history[2] = 7 return history'
hook gap 'table.remove(history, 5) return history'
hook twice 'history[#history + 1] = history[5] return history'
hook hog 'local t = {} for i = 1, 1e8 do t[i] = i end return history'
hook nogmv 'for _, r in ipairs(history) do r.gmv = nil end return history'
hook textgmv 'history[3].gmv = "" return history'
bad boom 4 "$TMP/bad-boom/init.lua:3: in fit_transform 'boom': no stock data"
bad spin 4 "pack 'bad-spin': in fit_transform 'spin': instruction limit (1e6 steps) exceeded" --max-steps 1e6
bad text 4 "pack 'bad-text': fit_transform 'text' returned the string 'rows', expected a list of rows"
bad empty 4 "pack 'bad-empty': fit_transform 'empty' returned no rows"
bad negative 4 "pack 'bad-negative': fit_transform 'negative' returned row 3 with feed the number -5, expected a finite number >= 0"
bad extra 4 "pack 'bad-extra': fit_transform 'extra' returned row 2 with a column 'stock' the history does not have"
bad missing 4 "pack 'bad-missing': fit_transform 'missing' returned row 4 without 'search'"
bad notrow 4 "pack 'bad-notrow': fit_transform 'notrow' returned the number 7 as row 2, expected a table"
bad gap 4 "pack 'bad-gap': fit_transform 'gap' returned a history that cannot be fitted: $TMP/hist.csv (after bad-gap.gap): period 5 is missing"
bad twice 4 "fit_transform 'twice' returned a history that cannot be fitted: $TMP/hist.csv (after bad-twice.twice):62: duplicate row for this period (first at line 6)"
bad hog 4 "pack 'bad-hog': in fit_transform 'hog': memory limit (16 MiB) exceeded" --max-mem 16M
bad nogmv 3 "too few periods: the model has"
expect_err "fit_transform nogmv: the count" "(the history has 0 with GMV; 60 of its 60 periods have none"
bad textgmv 4 "pack 'bad-textgmv': fit_transform 'textgmv' returned row 3 with gmv the string '', expected a finite number >= 0"

# ---- the pack and the options ----
mkdir -p "$TMP/two"
printf 'name: two\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {fit_transforms: [a, b], kpis: [k]}\n' >"$TMP/two/pack.yaml"
printf 'return {a = function(h) return h end, b = function(h) return h end, k = function() return 1 end}\n' >"$TMP/two/init.lua"
expect_exit "two fit_transforms: name one" 2 "$MPLAN" fit "$TMP/hist.csv" --pack "$TMP/two"
expect_err "two fit_transforms: listed" "pack 'two' provides 2 fit_transforms (a, b): name one with --transform"
expect_exit "--transform two.b: runs, identity" 0 "$MPLAN" fit "$TMP/hist.csv" --pack "$TMP/two" --transform two.b --format json -o "$TMP/b.json"
sed "s|$TMP/hist.csv|H|g" "$TMP/b.json" >"$TMP/b2.json"; sed "s|$TMP/hist.csv|H|g" "$TMP/raw.json" >"$TMP/r2.json"
cmp -s "$TMP/b2.json" "$TMP/r2.json" && ok "--transform b: the identity gives the plain fit" || fail "--transform b: the identity gives the plain fit" "differs"
expect_exit "--transform: not a fit_transform of the pack" 3 "$MPLAN" fit "$TMP/hist.csv" --pack "$TMP/two" --transform k
expect_err "--transform: says what k is" "pack 'two' provides 'k' as a kpi, not as a fit_transform"
expect_exit "--transform without --pack" 2 "$MPLAN" fit "$TMP/hist.csv" --transform a
printf 'name: none\nversion: 0.1.0\nmplan: ">=1.0"\nprovides: {kpis: [k]}\n' >"$TMP/two/pack.yaml"
printf 'return {k = function() return 1 end}\n' >"$TMP/two/init.lua"
expect_exit "a pack without fit_transform" 3 "$MPLAN" fit "$TMP/hist.csv" --pack "$TMP/two"
expect_err "a pack without fit_transform: says so" "pack 'none' provides no fit_transform"
finish
