#!/bin/sh
# mplan fit --pack (issue 11): a pack's fit_transform hook cleans the history before the fit.
# The example pack drops the weeks of a stock-out and renumbers the rest; the fit must be
# exactly the fit of the same history with those rows removed and renumbered here, by hand
# (python, not the pack). A hook that fails, loops or returns rows that are no history stops
# with exit 4 naming pack and hook, and nothing is written.
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
    rows.append((t, round(y, 2), x["feed"], x["search"]))
head = "period,gmv,feed,search\n"
with open(d + "/hist.csv", "w") as f:
    f.write(head + "".join("%d,%.2f,%.2f,%.2f\n" % r for r in rows))
kept = [r for r in rows if r[0] not in stock]
with open(d + "/hand.csv", "w") as f:
    f.write(head + "".join("%d,%.2f,%.2f,%.2f\n" % ((i + 1,) + r[1:]) for i, r in enumerate(kept)))
# The same weeks per channel (each channel's GMV its share of the week's), for the other shape.
def long(rows):
    out = "period,channel,spend,gmv\n"
    for t, y, xf, xs in rows:
        out += "%d,feed,%.2f,%.2f\n%d,search,%.2f,%.2f\n" % (t, xf, 0.6 * y, t, xs, 0.4 * y)
    return out
open(d + "/long.csv", "w").write(long(rows))
open(d + "/hand_long.csv", "w").write(long([(i + 1,) + r[1:] for i, r in enumerate(kept)]))
PYEOF

expect_exit "fit --pack: runs" 0 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --format json -o "$TMP/pack.json"
expect_err "fit --pack: says what the hook kept" "hist.csv: drop-stockouts.drop_stockouts kept 58 of its 60 rows"
expect_err "fit --pack: the pack's log names the weeks" "period 17: GMV"
expect_exit "fit of the rows removed by hand" 0 "$MPLAN" fit "$TMP/hand.csv" --format json -o "$TMP/hand.json"
expect_exit "fit of the history as it is" 0 "$MPLAN" fit "$TMP/hist.csv" --format json -o "$TMP/raw.json"
$PY - "$TMP" <<'PYEOF' >"$TMP/py" 2>&1 && ok "fit --pack: the same fit as the rows removed by hand" \
    || fail "fit --pack: the same fit as the rows removed by hand" "$(cat "$TMP/py")"
import json, sys
d = sys.argv[1]
def load(n):
    j = json.load(open(d + "/" + n))
    s = json.dumps(j, sort_keys=True)
    return s.replace(d + "/hist.csv", "H").replace(d + "/hand.csv", "H")
p, h, r = load("pack.json"), load("hand.json"), load("raw.json")
assert '"periods": 58' in p or '"T": 58' in p or "58" in p, "not 58 periods"
if p != h:
    import difflib
    raise SystemExit("\n".join(list(difflib.unified_diff(h.split(", "), p.split(", "), lineterm=""))[:20]))
assert p != r, "the stock-out weeks changed nothing: the test cannot tell"
PYEOF
expect_exit "per channel: fit --pack" 0 "$MPLAN" fit "$TMP/long.csv" --pack $PK --format json -o "$TMP/long.json"
expect_err "per channel: 116 of 120 rows kept" "drop-stockouts.drop_stockouts kept 116 of its 120 rows"
expect_exit "per channel: the rows removed by hand" 0 "$MPLAN" fit "$TMP/hand_long.csv" --format json -o "$TMP/hand_long.json"
sed "s|$TMP/long.csv|H|g" "$TMP/long.json" >"$TMP/l1"; sed "s|$TMP/hand_long.csv|H|g" "$TMP/hand_long.json" >"$TMP/l2"
cmp -s "$TMP/l1" "$TMP/l2" && ok "per channel: the same fit as the rows removed by hand" \
    || fail "per channel: the same fit as the rows removed by hand" "$(diff "$TMP/l1" "$TMP/l2" | head -5)"
expect_exit "fit --pack NAME on the rules path" 0 env MPLAN_RULES_PATH=examples/618-flagship "$MPLAN" fit "$TMP/hist.csv" \
    --pack drop-stockouts --transform drop_stockouts --format json -o "$TMP/byname.json"
cmp -s "$TMP/byname.json" "$TMP/pack.json" && ok "fit --pack NAME: the same fit" || fail "fit --pack NAME: the same fit" "differs"
# --param min_share=0.1: a fifth of the median is no stock-out any more: nothing dropped.
expect_exit "fit --pack --param min_share=0.1" 0 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --param min_share=0.1 \
    --format json -o "$TMP/p01.json"
expect_err "--param min_share=0.1: all rows kept" "kept 60 of its 60 rows"
cmp -s "$TMP/p01.json" "$TMP/raw.json" && ok "--param min_share=0.1: the plain fit" || fail "--param min_share=0.1: the plain fit" "differs"
expect_exit "--param: not a param of the pack" 2 "$MPLAN" fit "$TMP/hist.csv" --pack $PK --param share=1
expect_err "--param: names the pack" "pack 'drop-stockouts' has no param 'share'"
expect_exit "--param without --pack" 2 "$MPLAN" fit "$TMP/hist.csv" --param min_share=1
expect_exit "dates: the example pack refuses them" 4 "$MPLAN" fit examples/618-flagship/history.csv --pack $PK
expect_err "dates: named pack, hook and why" "in fit_transform 'drop_stockouts': drop-stockouts renumbers periods"

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
