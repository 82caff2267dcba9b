#!/bin/sh
# mplan report end to end: one self-contained page with the charts, rendered by headless
# Chromium at a phone's width with no console errors, and printable to PDF.
. tests/e2e/lib.sh
PY=/usr/bin/python3
ex=examples/new-trade-festival

expect_exit "report exits 0" 0 "$MPLAN" report $ex/plan.yaml --actuals $ex/actuals.csv -o "$TMP/r.html"
$PY - "$TMP/r.html" <<'PYEOF' && ok "page: every section, inline SVG, nothing fetched, no script" || fail "page" "see above"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
for sec in ["summary", "goals", "allocation", "curves", "funnel", "kpis", "variance"]:
    assert f'<section id="{sec}">' in html, sec
for chart in ["chart-allocation", "curve-p4p", "curve-video", "curve-edm", "curve-festival", "chart-funnel",
              "chart-segments", "chart-variance"]:
    assert f'id="{chart}"' in html, chart
assert 'id="curve-decoration"' not in html          # a fixed cost line has no curve
assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html), "external reference"
assert "<script" not in html and "@import" not in html
assert '<meta name="viewport"' in html and "@media print" in html
assert "Ningbo Outdoor Gear Co." in html and "mROAS" in html
PYEOF
# With actuals the report says what to do, as review does: the same changes and goal call-outs,
# and the revised allocation numbered from week 5 as in the campaign.
"$MPLAN" review $ex/plan.yaml $ex/actuals.csv --format json -o "$TMP/review.json"
$PY - "$TMP/r.html" "$TMP/review.json" <<'PYEOF' && ok "report: actions and revised allocation as review has them" || fail "report actions" "see above"
import html as H, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
a = json.load(open(sys.argv[2]))["actions"]
sec = page[page.index('<section id="actions">'):]
sec = sec[:sec.index("</section>")]
assert "What to do with periods 5..13" in sec
for g in a["goals"]:
    assert H.escape(g["text"], quote=False) in sec, g["text"]
rows = re.findall(r"<tr><td>([a-z0-9_]+)</td><td>([-0-9,]+)</td><td>([-0-9,]+)</td>", sec.split('id="changes"')[1].split("</table>")[0])
assert [(c, int(p.replace(",", "")), int(r.replace(",", ""))) for c, p, r in rows] == \
       [(c["channel"], round(c["planned"]), round(c["reallocated"])) for c in a["changes"]], rows
revised = sec.split('id="revised"')[1]
assert re.findall(r"<tr><td>(\d+)</td>", revised) == [str(t) for t in range(5, 14)]
PYEOF
expect_exit "report without actuals exits 0" 0 "$MPLAN" report $ex/plan.yaml -o "$TMP/plain.html"
grep -q 'id="variance"' "$TMP/plain.html" && fail "no variance without actuals" "found" || ok "no variance section without actuals"
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,nope,1,1,1,1,1\n' >"$TMP/bad.csv"
expect_exit "report with bad actuals exits 3" 3 "$MPLAN" report $ex/plan.yaml --actuals "$TMP/bad.csv" -o "$TMP/x.html"
expect_err "bad actuals at file:line" "bad.csv:2: unknown channel 'nope'"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "skip report render: chromium is not installed (make deps-test installs it)"
    finish
fi
chrome() { # WIDTH HEIGHT ARGS...: headless Chromium on a fresh profile, no network services
    w=$1 h=$2
    shift 2
    rm -rf "$TMP/profile"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$TMP/profile" \
        --host-resolver-rules="MAP * ~NOTFOUND" --window-size="$w,$h" "$@"
}

# A copy of the page with a probe that records errors and console.error calls, and after
# loading writes what it found into the DOM that --dump-dom prints.
$PY - "$TMP/r.html" "$TMP/probe.html" <<'PYEOF'
import sys
probe = """<script>
window.__errors = [];
addEventListener('error', e => __errors.push('error: ' + (e.message || e.target.outerHTML)), true);
const ce = console.error; console.error = (...a) => { __errors.push('console: ' + a.join(' ')); ce(...a); };
addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('svg')];
  const r = { errors: __errors, svgs: svgs.length,
    empty: svgs.filter(s => !(s.getBoundingClientRect().width > 50 && s.getBoundingClientRect().height > 50)).map(s => s.id),
    overflow: document.documentElement.scrollWidth - innerWidth,
    rects: document.querySelectorAll('#chart-allocation rect').length };
  document.body.setAttribute('data-probe', JSON.stringify(r));
});
</script>"""
html = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(html.replace("<head>", "<head>" + probe, 1))
PYEOF
chrome 390 844 --virtual-time-budget=3000 --dump-dom "file://$TMP/probe.html" >"$TMP/dom.html" 2>"$TMP/chrome.err"
$PY - "$TMP/dom.html" <<'PYEOF' && ok "chromium at 390px: charts rendered, no errors, no sideways scroll" \
    || fail "chromium render" "$(tail -5 "$TMP/chrome.err")"
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'data-probe="([^"]*)"', dom)
assert m, "the probe did not run"
r = json.loads(html.unescape(m.group(1)))
assert r["errors"] == [], r["errors"]
assert r["svgs"] >= 8 and r["empty"] == [], r
assert r["rects"] > 13, r          # bars of 13 periods, phase bands, legend
assert r["overflow"] <= 1, r       # tables scroll inside their box, the page does not
PYEOF
chrome 1200 900 --print-to-pdf="$TMP/r.pdf" --no-pdf-header-footer "file://$TMP/r.html" >/dev/null 2>&1
[ "$(head -c 5 "$TMP/r.pdf" 2>/dev/null)" = "%PDF-" ] && [ "$(wc -c <"$TMP/r.pdf")" -gt 20000 ] \
    && ok "prints to PDF" || fail "print" "no PDF"
finish
