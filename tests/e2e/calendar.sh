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
# attendees of the registration: owners of the event's own channels (p4p is listed, festival is kind event)
cns = sorted(p["CN"] for n, p, v in reg if n == "ATTENDEE")
assert cns == ["ads team"], cns
# channel windows: video runs preparation..outbreak = periods 3..10 (2027-01-18 to 2027-03-14);
# decoration every week of the 13 from 2027-01-04.
v = by["Run Product videos (TrueView-style)"]
assert (one(v, "DTSTART"), one(v, "DTEND")) == ("20270118", "20270315"), v
assert [p["CN"] for n, p, x in v if n == "ATTENDEE"] == ["content team"]
d = by["Run Store decoration (mini-site redesign)"]
assert (one(d, "DTSTART"), one(d, "DTEND")) == ("20270104", "20270405")
assert "planned spend 3900" in one(d, "DESCRIPTION")                   # 300 a week for 13 weeks
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
expect_exit "calendar of a bad plan exits 3" 3 "$MPLAN" calendar tests/e2e/plans/does-not-parse.yaml
expect_exit "calendar without a plan exits 2" 2 "$MPLAN" calendar
finish
