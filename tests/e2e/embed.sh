#!/bin/sh
# libmplan embedded: tests/embed/embed_run.c, built with include/mplan and libmplan.a alone,
# prints byte for byte the JSON of `mplan run` for every example plan (packs, strategies and
# the roi-greedy allocator included), and its accessors read the same run: channel names
# from the plan file, per-period spend summed from the JSON allocation, goals, custom KPIs,
# warnings, and the segment summary against sums computed here from the customers file.
# The example of docs/design.md, cut out of the page and compiled, prints the same numbers.
. tests/e2e/lib.sh
: "${PY:=python3}"
EMBED=$(dirname "$MPLAN")/tests/embed_run
DOC=$(dirname "$MPLAN")/tests/embed_doc
[ -x "$EMBED" ] && [ -x "$DOC" ] || { fail "embedding programs built" "no $EMBED or $DOC: make $EMBED $DOC"; finish; }

plans="examples/new-trade-festival/plan.yaml examples/618-flagship/plan.yaml examples/double-11-12/plan.yaml
examples/618-flagship/with-packs.yaml tests/e2e/plans/two-exp.yaml tests/e2e/plans/two-exp-lua.yaml
tests/e2e/plans/review4.yaml tests/e2e/plans/review4-lua.yaml"
for p in $plans; do
    "$MPLAN" run "$p" --format json >"$TMP/cli.json" 2>"$TMP/err" || { fail "mplan run $p" "$(head -c 300 "$TMP/err")"; continue; }
    "$EMBED" "$p" >"$TMP/lib.json" 2>"$TMP/err" || { fail "embedded run $p" "$(head -c 300 "$TMP/err")"; continue; }
    if cmp -s "$TMP/cli.json" "$TMP/lib.json"; then ok "embedded JSON = mplan run JSON: $p"
    else fail "embedded JSON = mplan run JSON: $p" "$(diff "$TMP/cli.json" "$TMP/lib.json" | head -5)"; fi
done

# The issue's case: the 618 plan with packs, roi-greedy allocating. Its total GMV is what
# mplan run says, not what the plan gives without its packs (as an embedder got before:
# 12,351,997 against 13,078,460 then; the model has changed both since).
P=examples/618-flagship/with-packs.yaml
"$MPLAN" run $P --format json >"$TMP/cli.json" 2>/dev/null
"$MPLAN" run examples/618-flagship/plan.yaml --format json >"$TMP/nopacks.json" 2>/dev/null
"$MPLAN" segment examples/customers/customers.csv --pack rules/aipl --rule stage --labels "$TMP/labels.csv" \
    -o /dev/null --quiet 2>"$TMP/err" || fail "segment labels" "$(head -c 300 "$TMP/err")"
if "$EMBED" --accessors $P >"$TMP/acc.txt" 2>"$TMP/err"; then
    $PY - "$TMP/cli.json" "$TMP/acc.txt" examples/customers/customers.csv "$TMP/labels.csv" "$P" <<'PYEOF' \
        && ok "accessors read the run: channels, periods, KPIs, goals, custom KPIs, warnings, segments" \
        || fail "accessors" "see above"
import csv, json, math, re, sys
from collections import defaultdict
js = json.load(open(sys.argv[1]))
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[2], encoding='utf-8')]
bad = []
def near(a, b, what):
    if not (abs(a - b) <= 1e-9 * max(1.0, abs(b))):
        bad.append('%s: %.17g != %.17g' % (what, a, b))
by = defaultdict(list)
for r in rows:
    by[r[0]].append(r[1:])
# Channel names from the plan file itself.
names = dict(re.findall(r'- id: (\S+)\n\s+name: (.+)\n', open(sys.argv[5]).read()))
ch = by['channel']
if [c[0] for c in ch] != list(js['kpis']['by_channel']):
    bad.append('channel ids %s' % [c[0] for c in ch])
for cid, name, spend, gmv in ch:
    if name != names.get(cid):
        bad.append('name of %s: %r, plan file says %r' % (cid, name, names.get(cid)))
    near(float(spend), js['kpis']['by_channel'][cid]['spend'], 'spend ' + cid)
    near(float(gmv), js['kpis']['by_channel'][cid]['gmv'], 'gmv ' + cid)
alloc = defaultdict(float)
for a in js['allocation']:
    alloc[a['t']] += a['spend']
for (t, start, phase, ev, spend, gmv), p, k in zip(by['period'], js['periods'], js['kpis']['by_period']):
    if (int(t), start, phase, None if ev == '-' else ev) != (p['t'], p['start'], p['phase'], p['event']):
        bad.append('period %s' % t)
    near(float(spend), alloc[int(t)], 'spend in period ' + t)
    near(float(gmv), k['gmv'], 'gmv in period ' + t)
if len(by['period']) != js['plan']['periods']:
    bad.append('periods')
total = float(by['total'][0][1])
near(total, js['kpis']['total']['gmv'], 'total gmv')
near(float(by['total'][1][1]), js['kpis']['total']['roas'], 'total roas')
nopacks = json.load(open(sys.argv[1].replace('cli.json', 'nopacks.json')))['kpis']['total']['gmv']
if not abs(total - nopacks) > 0.01 * nopacks:
    bad.append('total GMV %.0f with packs, %.0f without: the packs should change it' % (total, nopacks))
a = by['allocator'][0]
if a[0] != js['plan']['allocator'] or a[0] != 'roi-greedy.greedy':
    bad.append('allocator ' + a[0])
near(float(a[1]), js['plan']['allocatable'], 'allocatable')
for g, jg in zip(by['goal'], js['goals']):
    if g[0] != jg['kpi'] or int(g[3]) != int(jg['met']):
        bad.append('goal ' + g[0])
    near(float(g[2]), jg['forecast'], 'goal forecast ' + g[0])
if len(by['goal']) != len(js['goals']) or len(by['goal']) != 3:
    bad.append('goal count')
custom = js['kpis']['custom']
if [c[0] for c in by['custom']] != list(custom):
    bad.append('custom names')
for n, v in by['custom']:
    near(float(v), custom[n], n)
if [w[0] for w in by['warning']] != js['warnings']:
    bad.append('warnings')
if {s[0]: float(s[1]) for s in by['segment']} != js['segments']:
    bad.append('segments %s' % by['segment'])
# The summary against the customers file and the labels mplan segment wrote.
label = {r[0]: r[1] for r in csv.reader(open(sys.argv[4], encoding='utf-8'))}
cust = list(csv.DictReader(open(sys.argv[3], encoding='utf-8')))
if by['summary'][0] != ['aipl.stage', str(len(cust))]:
    bad.append('summary %s, %d customers' % (by['summary'][0], len(cust)))
count = defaultdict(int)
sums = defaultdict(float)
for r in cust:
    l = label[r['customer_id']]
    count[l] += 1
    for k, v in r.items():
        if k != 'customer_id' and re.fullmatch(r'-?[0-9.]+', v or ''):
            sums[l, k] += float(v)
seen = set()
for l, n, col, v in by['sum']:
    if int(n) != count[l] or js['segments'][l] != count[l]:
        bad.append('count of %s' % l)
    near(float(v), sums[l, col], 'sum of %s in %s' % (col, l))
    seen.add(col)
if not {'orders', 'gmv', 'visits_30d'} <= seen:
    bad.append('columns summed: %s' % sorted(seen))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PYEOF
else
    fail "accessors" "$(head -c 300 "$TMP/err")"
fi

# The example of docs/design.md: one line per channel (id, spend, GMV) and per goal.
if "$DOC" $P >"$TMP/doc.txt" 2>"$TMP/err"; then
    $PY - "$TMP/cli.json" "$TMP/doc.txt" <<'PYEOF' && ok "the docs/design.md example prints the run" || fail "docs example" "see above"
import json, sys
js = json.load(open(sys.argv[1]))
want = ['%s\t%.2f\t%.2f' % (c, k['spend'], k['gmv']) for c, k in js['kpis']['by_channel'].items()]
want += ['goal %s\t%s' % (g['kpi'], 'met' if g['met'] else 'missed') for g in js['goals']]
got = open(sys.argv[2]).read().splitlines()
if got != want:
    print('got', got, 'want', want)
    sys.exit(1)
PYEOF
else
    fail "docs example" "$(head -c 300 "$TMP/err")"
fi
expect_exit "docs example: a bad plan exits 3 with file:line:col" 3 "$DOC" tests/e2e/plans/does-not-parse.yaml
expect_err "docs example: the message names the file" "does-not-parse.yaml:"
finish
