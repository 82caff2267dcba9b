#!/bin/sh
# mplan calendar end to end: the .ics parsed back by a small RFC 5545 reader (unfolding,
# parameters, TEXT escapes) and checked against dates worked out from the plan by hand.
. tests/e2e/lib.sh
PY=/usr/bin/python3
ex=examples/new-trade-festival/plan.yaml

SOURCE_DATE_EPOCH=1800000000 expect_exit "calendar exits 0" 0 "$MPLAN" calendar $ex -o "$TMP/plan.ics"
cat >"$TMP/ics.py" <<'PYEOF'
import re

def parse(path):
    """VEVENTs of an iCalendar file as lists of (name, params, value); checks the line rules."""
    raw = open(path, "rb").read()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "lines must end in CRLF"
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(l) <= 75 for l in lines), max(lines, key=len)
    text = b"\r\n".join(lines).replace(b"\r\n ", b"").decode("utf-8")   # unfold (RFC 5545 3.1)
    cal, events, cur, stack = [], [], None, []
    for line in text.split("\r\n"):
        m = re.match(r'([A-Z-]+)((?:;[A-Z-]+=(?:"[^"]*"|[^;:]*))*):(.*)$', line)
        assert m, line
        name, params, value = m.group(1), dict(re.findall(r';([A-Z-]+)=("[^"]*"|[^;:]*)', m.group(2))), m.group(3)
        params = {k: v.strip('"') for k, v in params.items()}
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                cur = []
            continue
        if name == "END":
            assert stack.pop() == value, (value, stack)
            if value == "VEVENT":
                events.append(cur)
            continue
        value = re.sub(r"\\([\\;,nN])", lambda x: "\n" if x.group(1) in "nN" else x.group(1), value)
        if cur is not None and stack[-1] in ("VEVENT", "VALARM"):
            cur.append((name if stack[-1] == "VEVENT" else "VALARM." + name, params, value))
        else:
            cal.append((name, params, value))
    assert stack == [], stack
    return cal, events

def get(ev, name):
    return [v for n, p, v in ev if n == name]

def one(ev, name):
    v = get(ev, name)
    assert len(v) == 1, (name, ev)
    return v[0]
PYEOF
$PY - "$TMP/plan.ics" <<PYEOF && ok "ics: phases, channel windows with owners, deadlines, as worked out from the plan" \
    || fail "ics" "see above"
import sys
sys.path.insert(0, "$TMP")
from ics import parse, get, one
cal, events = parse(sys.argv[1])
c = dict((n, v) for n, p, v in cal)
assert c["VERSION"] == "2.0" and c["PRODID"] and c["CALSCALE"] == "GREGORIAN"
by = {one(e, "SUMMARY"): e for e in events}
assert len(by) == len(events)
assert len({one(e, "UID") for e in events}) == len(events)            # unique UIDs
assert all(one(e, "DTSTAMP") == "20270115T080000Z" for e in events)  # SOURCE_DATE_EPOCH 1800000000
# outbreak 2027-03-01..2027-03-14; back from it warm-up 1w, storage 2w, preparation 3w; review 1w after.
# DTEND of an all-day event is the day after the last.
want = {"preparation": ("20270118", "20270208"), "storage": ("20270208", "20270222"),
        "warmup": ("20270222", "20270301"), "outbreak": ("20270301", "20270315"), "review": ("20270315", "20270322")}
for ph, (a, b) in want.items():
    e = by["March New Trade Festival: " + ph]
    assert (one(e, "DTSTART"), one(e, "DTEND")) == (a, b), (ph, e)
# the registration deadline is the first day of preparation, reminded a day before
reg = by["Deadline: register for March New Trade Festival"]
assert one(reg, "DTSTART") == "20270118" and one(reg, "DTEND") == "20270119"
assert one(reg, "VALARM.TRIGGER") == "-P1D"
# the registration concerns the event's own channels (p4p is in full_lift, festival is kind
# event): both owned by "ads team", a team name without an address, so it is named in the
# description and no attendee is written (an attendee needs an address)
assert not get(reg, "ATTENDEE"), reg
assert one(reg, "DESCRIPTION").endswith("\nOwners: ads team"), one(reg, "DESCRIPTION")
# a phase concerns whoever spends in it: p4p and festival (ads team), video (content team),
# edm (customer success); decoration is a fixed cost line: the design team is not bothered
for ph in want:
    d = one(by["March New Trade Festival: " + ph], "DESCRIPTION")
    assert "design team" not in d, d
st = one(by["March New Trade Festival: storage"], "DESCRIPTION")
assert st.endswith("\nOwners: ads team, content team, customer success"), st
# channel windows: video runs preparation..outbreak = periods 3..10 (2027-01-18 to 2027-03-14);
# decoration every week of the 13 from 2027-01-04.
v = by["Run Product videos (TrueView-style)"]
assert (one(v, "DTSTART"), one(v, "DTEND")) == ("20270118", "20270315"), v
assert not get(v, "ATTENDEE") and one(v, "DESCRIPTION").endswith("\nOwners: content team")
d = by["Run Store decoration (mini-site redesign)"]
assert (one(d, "DTSTART"), one(d, "DTEND")) == ("20270104", "20270405")
# 300 a week for 13 weeks, each week listed
dd = one(d, "DESCRIPTION")
assert "planned spend 3,900 USD:" in dd, dd
assert dd.count(": 300") == 13 and "\nweek of 2027-03-29: 300" in dd, dd
# festival, kind event: it may spend from preparation to review (periods 3..11)
f = by["Run Platform event registration and placements"]
assert (one(f, "DTSTART"), one(f, "DTEND")) == ("20270118", "20270322"), f
# TEXT escapes survive: the storage hint has a comma and a semicolon
s = one(by["March New Trade Festival: storage"], "DESCRIPTION")
assert "favourites, carts and followers; seed content" in s, s
PYEOF

# An owner with an address becomes a mailto: attendee.
expect_exit "calendar of a plan without events exits 0" 0 "$MPLAN" calendar tests/e2e/plans/review4.yaml
$PY - "$TMP/out" <<PYEOF && ok "owner 'Name <mail>' is a mailto: attendee" || fail "mailto" "see above"
import sys
sys.path.insert(0, "$TMP")
from ics import parse, get, one
cal, events = parse(sys.argv[1])
a = [e for e in events if one(e, "SUMMARY") == "Run a"][0]
att = [(p, v) for n, p, v in a if n == "ATTENDEE"]
assert att == [({"CN": "Ann", "ROLE": "REQ-PARTICIPANT"}, "mailto:ann@example.com")], att
assert not any(n == "ATTENDEE" for n, p, v in [e for e in events if one(e, "SUMMARY") == "Run b"][0])
PYEOF
# Two stores with Chinese names, as a shared team calendar holds them: no UID in common;
# milestones (one at a local time, one all day, two on one day whose names slug alike).
store() {
    cat <<YAML
mplan: 1
store: {name: $1, currency: CNY}
horizon: {start: 2027-09-06, periods: 12, period: week}
budget: {total: 600000}
baseline: {gmv: 50000}
events:
  - {name: 双11, outbreak: 2027-11-01..2027-11-11, phases: {preparation: 2w, storage: 2w, warmup: 1w, review: 1w}, lift: 2.5}
milestones:
  - {name: 预售开始, at: "2027-10-24 20:00", owner: "李伟 <liwei@example.cn>", note: 定金膨胀 50 抵 100}
  - {name: 定金支付截止, at: 2027-10-24}
  - {name: 尾款开始, at: 2027-11-01, owner: 直播团队}
channels:
  - {id: ztc, name: 直通车, kind: paid, response: {curve: hill, beta: 900000, k: 60000, s: 1}, owner: 投放组}
  - {id: live, name: 店铺直播, kind: self, response: {curve: exp, beta: 200000, k: 30000}, owner: "王芳 <wf@example.cn>"}
YAML
}
store 青妍美妆旗舰店 >"$TMP/qy.yaml"
store 花漾个护旗舰店 >"$TMP/hy.yaml"
SOURCE_DATE_EPOCH=1800000000 "$MPLAN" calendar "$TMP/qy.yaml" -o "$TMP/qy.ics" &&
SOURCE_DATE_EPOCH=1800000000 "$MPLAN" calendar "$TMP/hy.yaml" -o "$TMP/hy.ics" &&
"$MPLAN" run "$TMP/qy.yaml" --format json -o "$TMP/qy.json" &&
$PY - "$TMP/qy.ics" "$TMP/hy.ics" "$TMP/qy.json" <<PYEOF && ok "ics: Chinese store names keep UIDs apart; milestones; owners; weekly amounts" \
    || fail "ics chinese stores" "see above"
import sys, json, re
sys.path.insert(0, "$TMP")
from ics import parse, get, one
_, qy = parse(sys.argv[1])
_, hy = parse(sys.argv[2])
uq, uh = [one(e, "UID") for e in qy], [one(e, "UID") for e in hy]
assert len(set(uq)) == len(uq) and len(set(uh)) == len(uh), "UIDs unique within a store"
assert not set(uq) & set(uh), sorted(set(uq) & set(uh))
by = {one(e, "SUMMARY"): e for e in qy}
pre = by["预售开始"]
# a local time: floating (no Z, no TZID), an instant (no DTEND), reminded the day before
assert get(pre, "DTSTART") == ["20271024T200000"] and not get(pre, "DTEND"), pre
assert [p for n, p, v in pre if n == "DTSTART"] == [{}], pre
assert one(pre, "VALARM.TRIGGER") == "-P1D"
assert [(p["CN"], v) for n, p, v in pre if n == "ATTENDEE"] == [("李伟", "mailto:liwei@example.cn")], pre
assert one(pre, "DESCRIPTION") == "定金膨胀 50 抵 100", pre
dep = by["定金支付截止"]
assert (one(dep, "DTSTART"), one(dep, "DTEND")) == ("20271024", "20271025"), dep
assert one(dep, "UID") != one(pre, "UID")
tail = by["尾款开始"]
assert not get(tail, "ATTENDEE") and one(tail, "DESCRIPTION").endswith("\nOwners: 直播团队"), tail
# no attendee anywhere without an address
for e in qy:
    for n, p, v in e:
        if n == "ATTENDEE":
            assert v.startswith("mailto:") and "@" in v, (n, p, v)
# weekly amounts of each channel entry are the run's allocation, and add up to its total
run = json.load(open(sys.argv[3]))
rows = run["allocation"]
for cid, name in (("ztc", "直通车"), ("live", "店铺直播")):
    d = one(by["Run " + name], "DESCRIPTION")
    weeks = re.findall(r"\nweek of (\d{4}-\d\d-\d\d): ([\d,]+)", d)
    assert len(weeks) == 12, d
    total = float(re.search(r"planned spend ([\d,]+) CNY", d).group(1).replace(",", ""))
    amounts = [float(a.replace(",", "")) for _, a in weeks]
    assert abs(sum(amounts) - total) <= 6, (sum(amounts), total)
    mine = {r["t"]: r["spend"] for r in rows if r["channel"] == cid}
    assert all(abs(a - mine[t + 1]) <= 0.5 for t, a in enumerate(amounts)), (amounts, mine)
PYEOF
store 店 | sed '/^milestones:/,/^channels:/{/^channels:/!d}' >"$TMP/bad-ms.yaml"
printf '%s\n' "milestones:" "  - {name: x, at: '2027-10-24 25:00'}" >>"$TMP/bad-ms.yaml"
expect_exit "a milestone at 25:00 exits 3" 3 "$MPLAN" calendar "$TMP/bad-ms.yaml"
grep -q "bad-ms.yaml:12:19: .milestones\[0\]\.at. must be a date YYYY-MM-DD or a date and time" "$TMP/err" &&
    ok "a bad milestone time is named at its line" || fail "milestone message" "$(cat "$TMP/err")"
expect_exit "calendar of a bad plan exits 3" 3 "$MPLAN" calendar tests/e2e/plans/does-not-parse.yaml
expect_exit "calendar without a plan exits 2" 2 "$MPLAN" calendar
finish
