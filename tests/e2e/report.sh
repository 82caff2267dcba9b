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
rows = re.findall(r'<tr><td>([^<]+)</td><td data-label="planned">([-0-9,]+)</td><td data-label="re-allocated">([-0-9,]+)</td>',
                  sec.split('id="changes"')[1].split("</table>")[0])
assert [(H.unescape(c), int(p.replace(",", "")), int(r.replace(",", ""))) for c, p, r in rows] == \
       [(c["name"], round(c["planned"]), round(c["reallocated"])) for c in a["changes"]], rows
revised = sec.split('id="revised"')[1]
assert re.findall(r"<tr><td>(\d+)</td>", revised) == [str(t) for t in range(5, 14)]
PYEOF
expect_exit "report without actuals exits 0" 0 "$MPLAN" report $ex/plan.yaml -o "$TMP/plain.html"
grep -q 'id="variance"' "$TMP/plain.html" && fail "no variance without actuals" "found" || ok "no variance section without actuals"
printf 'period,channel,spend,impressions,clicks,orders,gmv\n1,nope,1,1,1,1,1\n' >"$TMP/bad.csv"
expect_exit "report with bad actuals exits 3" 3 "$MPLAN" report $ex/plan.yaml --actuals "$TMP/bad.csv" -o "$TMP/x.html"
expect_err "bad actuals at file:line" "bad.csv:2: unknown channel 'nope'"

# Rendering in Chromium checks the page, not mplan's C: the release pass does it once.
if [ -n "${MPLAN_SAN:-}" ]; then
    echo "skip report render under the sanitizers (the release pass renders)"
    finish
fi
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
# loading measures what a reader would notice and writes it into the DOM that --dump-dom
# prints. With window.__print set it first applies the page's print rules (headless Chromium
# cannot be switched to print media), at a page's width: A4 less the margins, 718 px.
cat >"$TMP/probe.js" <<'JSEOF'
window.__errors = [];
addEventListener('error', e => __errors.push('error: ' + (e.message || e.target.outerHTML)), true);
const ce = console.error; console.error = (...a) => { __errors.push('console: ' + a.join(' ')); ce(...a); };
addEventListener('load', () => {
  if (window.__print)
    for (const sh of document.styleSheets)
      for (const rule of sh.cssRules)
        if (rule.media && rule.media.mediaText === 'print') {
          const st = document.createElement('style');
          st.textContent = [...rule.cssRules].map(x => x.cssText).join('\n');
          document.head.appendChild(st);
        }
  const vw = document.documentElement.clientWidth, shown = el => el.getClientRects().length > 0;
  const svgs = [...document.querySelectorAll('svg')].filter(shown);
  let minFont = 99, smallest = '';
  const overlaps = [];
  for (const s of svgs) {
    const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
    const texts = [...s.querySelectorAll('text')];
    for (const t of texts) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < minFont) { minFont = px; smallest = s.id + ': ' + t.textContent; }
    }
    const b = texts.map(t => t.getBoundingClientRect());
    for (let i = 0; i < b.length; i++)
      for (let j = i + 1; j < b.length; j++)
        if (Math.min(b[i].right, b[j].right) - Math.max(b[i].left, b[j].left) > 1 &&
            Math.min(b[i].bottom, b[j].bottom) - Math.max(b[i].top, b[j].top) > 1)
          overlaps.push(s.id + ': "' + texts[i].textContent + '" / "' + texts[j].textContent + '"');
  }
  const cut = [...document.querySelectorAll('table')].filter(shown).filter(t => {
    const w = t.closest('.wrap'), r = t.getBoundingClientRect();
    return r.right > vw + 1 || r.left < -1 || (w && w.scrollWidth > w.clientWidth + 1);
  }).map(t => t.closest('section').id);
  const bar = sel => { const e = document.querySelector(sel); return e ? getComputedStyle(e).backgroundImage + getComputedStyle(e).backgroundColor : ''; };
  const r = { errors: __errors, svgs: svgs.length, width: vw,
    empty: svgs.filter(s => !(s.getBoundingClientRect().width > 50 && s.getBoundingClientRect().height > 50)).map(s => s.id),
    overflow: document.documentElement.scrollWidth - innerWidth, minFont, smallest, overlaps, cut,
    rects: [...document.querySelectorAll('svg[id^=chart-allocation]')].filter(shown).map(s => s.querySelectorAll('rect').length),
    events: [...document.querySelectorAll('svg[id^=chart-allocation] text.event')].filter(shown).map(t => t.textContent),
    met: bar('tr.goal.met .bar'), missed: bar('tr.goal.missed .bar'), lang: document.documentElement.lang };
  document.body.setAttribute('data-probe', JSON.stringify(r));
});
JSEOF
# A browser window is never narrower than 500 px, so the page is measured inside an iframe
# of the width wanted (a phone's 390 px); the probe reports to the outer page.
frame() { # PAGE WIDTH OUT: the page with the probe, in a frame WIDTH px wide
    $PY - "$1" "$2" "$3" "$TMP/probe.js" <<'PYEOF'
import html, sys
page = open(sys.argv[1], encoding="utf-8").read()
js = open(sys.argv[4], encoding="utf-8").read().replace("document.body.setAttribute", "parent.document.body.setAttribute")
page = page.replace("<head>", "<head><script>" + js + "</script>", 1)
open(sys.argv[3], "w", encoding="utf-8").write(
    '<!DOCTYPE html><html><body style="margin:0"><iframe style="border:0;width:%spx;height:900px" srcdoc="%s">'
    '</iframe></body></html>' % (sys.argv[2], html.escape(page, quote=True)))
PYEOF
}
# measure NAME WIDTH PAGE [print]: render and print the probe's findings as JSON
measure() {
    frame "$3" "$2" "$TMP/frame-$1.html"
    [ -n "${4:-}" ] && sed -i 's/window.__errors = \[\];/window.__errors = []; window.__print = 1;/' "$TMP/frame-$1.html"
    chrome 1300 900 --virtual-time-budget=3000 --dump-dom "file://$TMP/frame-$1.html" >"$TMP/dom-$1.html" 2>"$TMP/chrome-$1.err"
    $PY - "$TMP/dom-$1.html" <<'PYEOF'
import html, re, sys
m = re.search(r'data-probe="([^"]*)"', open(sys.argv[1], encoding="utf-8").read())
print(html.unescape(m.group(1)) if m else "{}")
PYEOF
}
measure phone 390 "$TMP/r.html" >"$TMP/phone.json"
measure desk 1280 "$TMP/r.html" >"$TMP/desk.json"
measure print 718 "$TMP/r.html" print >"$TMP/print.json"
$PY - "$TMP" <<'PYEOF' && ok "chromium at 390 px, 1280 px and in print: charts drawn and legible, no text on text, no table cut" \
    || fail "chromium render" "$(cat "$TMP"/chrome-*.err | tail -n 3)"
import json, sys
d = sys.argv[1]
for view, width in (("phone", 390), ("desk", 1280), ("print", 718)):
    r = json.load(open(f"{d}/{view}.json"))
    assert r, f"{view}: the probe did not run"
    assert r["width"] <= width, (view, r["width"])
    assert r["errors"] == [], (view, r["errors"])
    assert r["svgs"] >= 8 and r["empty"] == [], (view, r)
    assert r["overflow"] <= 1, (view, "the page scrolls sideways", r["overflow"])
    assert r["cut"] == [], (view, "tables cut or scrolled sideways", r["cut"])
    assert r["overlaps"] == [], (view, "text drawn over text", r["overlaps"][:5])
    # legible: no chart text under 8.5 px as drawn (a 900 px chart squeezed onto a phone
    # drew its labels at 4 px)
    assert r["minFont"] >= 8.5, (view, r["minFont"], r["smallest"])
    assert len(r["rects"]) == 1 and r["rects"][0] > 13, (view, r["rects"])   # one allocation chart shown
    assert r["events"] == ["March New Trade Festival 03-01..03-14"], (view, r["events"])
    # ROAS 7.68 misses its goal of 9, GMV meets its goal: the two bars look different
    assert r["met"] and r["missed"] and r["met"] != r["missed"], (view, r["met"], r["missed"])
    assert r["lang"] == "en"
PYEOF
# A Chinese store's half year: 26 weeks, Double 11 and Double 12 a month apart (short
# phases side by side), Chinese channel names: legible on a phone, no label on a label,
# both events named, the page marked as Chinese.
cat >"$TMP/zh.yaml" <<'YAML'
mplan: 1
store: {name: 青妍美妆旗舰店, currency: CNY, platform: tmall}
horizon: {start: 2027-07-05, periods: 26, period: week}
budget: {total: 3200000, reserve: 0.08}
baseline: {gmv: 300000}
goals: {gmv: 22000000, roas: 6.5}
events:
  - {name: 双11, outbreak: 2027-11-01..2027-11-11, phases: {preparation: 4w, storage: 3w, warmup: 1w, review: 1w}, lift: 2.6}
  - {name: 双12, outbreak: 2027-12-10..2027-12-12, phases: {warmup: 1w, review: 1w}, lift: 1.6}
channels:
  - {id: ztc, name: 直通车, kind: paid, response: {curve: hill, beta: 520000, k: 70000, s: 0.9}, theta: 0.2}
  - {id: feed, name: 引力魔方信息流, kind: paid, response: {curve: hill, beta: 300000, k: 50000, s: 1}}
  - {id: wxt, name: 万相台, kind: paid, response: {curve: exp, beta: 260000, k: 40000}}
  - {id: live, name: 店铺直播, kind: self, response: {curve: exp, beta: 150000, k: 30000}}
  - {id: venue, name: 大促会场, kind: event, response: {curve: hill, beta: 400000, k: 60000, s: 1}}
YAML
expect_exit "report of a Chinese store exits 0" 0 "$MPLAN" report "$TMP/zh.yaml" -o "$TMP/zh.html"
measure zh-phone 390 "$TMP/zh.html" >"$TMP/zh-phone.json"
measure zh-desk 1280 "$TMP/zh.html" >"$TMP/zh-desk.json"
$PY - "$TMP" <<'PYEOF' && ok "chromium: a Chinese store's 26 weeks with two events, legible on a phone and a desktop" \
    || fail "chromium zh" "see above"
import json, sys
for view in ("zh-phone", "zh-desk"):
    r = json.load(open(f"{sys.argv[1]}/{view}.json"))
    assert r and r["errors"] == [] and r["empty"] == [], (view, r)
    assert r["overflow"] <= 1 and r["cut"] == [], (view, r["overflow"], r["cut"])
    assert r["overlaps"] == [], (view, r["overlaps"][:5])
    assert r["minFont"] >= 8.5, (view, r["minFont"], r["smallest"])
    assert r["events"] == ["双11 11-01..11-11", "双12 12-10..12-12"], (view, r["events"])
    assert r["lang"] == "zh-CN", r["lang"]
PYEOF
# The same store with 8 weeks of per-channel history, channels by their Chinese names: the
# curves' legends ("history (8 weeks)") and circles stay legible, no label on a label.
$PY - "$TMP/zh-h.csv" <<'PYEOF'
import datetime, sys
names = {"直通车": (60000, 420000), "引力魔方信息流": (40000, 210000), "万相台": (30000, 150000),
         "店铺直播": (20000, 90000), "大促会场": (0, 60000)}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("period,channel,spend,gmv\n")
    for w in range(8):
        day = datetime.date(2027, 5, 3) + datetime.timedelta(weeks=w)
        for n, (spend, gmv) in names.items():
            f.write(f"{day},{n},{spend * (1 + w % 3) // 2},{gmv * (2 + w % 3) // 3}\n")
PYEOF
expect_exit "report of the Chinese store with its history exits 0" 0 "$MPLAN" report "$TMP/zh.yaml" \
    --history "$TMP/zh-h.csv" -o "$TMP/zh-h.html"
measure zh-h-phone 390 "$TMP/zh-h.html" >"$TMP/zh-h-phone.json"
measure zh-h-desk 1280 "$TMP/zh-h.html" >"$TMP/zh-h-desk.json"
$PY - "$TMP" <<'PYEOF' && ok "chromium: history circles and legends legible on a phone and a desktop" \
    || fail "chromium history" "see above"
import json, sys
page = open(f"{sys.argv[1]}/zh-h.html", encoding="utf-8").read()
assert page.count('class="pt"') == 5 * 8 and page.count("history (8 weeks)") == 5
for view in ("zh-h-phone", "zh-h-desk"):
    r = json.load(open(f"{sys.argv[1]}/{view}.json"))
    assert r and r["errors"] == [] and r["empty"] == [], (view, r)
    assert r["overflow"] <= 1 and r["cut"] == [], (view, r["overflow"], r["cut"])
    assert r["overlaps"] == [], (view, r["overlaps"][:5])
    assert r["minFont"] >= 8.5, (view, r["minFont"], r["smallest"])
PYEOF
chrome 1200 900 --print-to-pdf="$TMP/r.pdf" --no-pdf-header-footer "file://$TMP/r.html" >/dev/null 2>&1
[ "$(head -c 5 "$TMP/r.pdf" 2>/dev/null)" = "%PDF-" ] && [ "$(wc -c <"$TMP/r.pdf")" -gt 20000 ] \
    && ok "prints to PDF" || fail "print" "no PDF"
finish
