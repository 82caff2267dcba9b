#!/usr/bin/env python3
"""Generate history.csv: two years of weekly store totals for the 618 flagship example
(`mplan fit examples/618-flagship/history.csv --plan examples/618-flagship/plan.yaml`).
Channels respond as the curves below (not the plan's guesses), with carry-over, the 618
outbreak lifting them (live fully, the others by spillover), a yearly season and 2% noise."""
import datetime, math, random

random.seed(618)
curves = {  # family, beta, k, s, theta
    "feed": ("hill", 900000, 260000, 1.2, 0.35), "search": ("hill", 500000, 110000, 1.0, 0.15),
    "kol": ("exp", 250000, 90000, None, 0.5), "live": ("hill", 600000, 120000, 1.1, 0.1),
    "member_edm": ("exp", 90000, 15000, None, 0.0), "platform_event": ("hill", 400000, 150000, 1.0, 0.0)}
mean = {"feed": 110000, "search": 70000, "kol": 40000, "live": 60000, "member_edm": 9000, "platform_event": 0}
start = datetime.date(2025, 5, 5)
a = {c: 0.0 for c in curves}
print("period,gmv," + ",".join(curves))
for t in range(104):
    day = start + datetime.timedelta(days=7 * t)
    d618 = [datetime.date(y, 6, 18) for y in (2025, 2026)]
    ob = sum(1 for k in range(7) for e in d618 if e - datetime.timedelta(days=18) <= day + datetime.timedelta(days=k) <= e)
    pre = any(e - datetime.timedelta(days=40) <= day < e - datetime.timedelta(days=18) for e in d618)
    season = 1 + 0.12 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 60) / 365.25)
    gmv = 310000 * season + 700 * t
    xs = []
    for c, (fam, beta, k, s, th) in curves.items():
        m = mean[c] * (1.6 if pre or ob else 1) * random.uniform(0.1, 2.0) * (random.random() > 0.15)
        if c == "platform_event":
            m = 150000 * random.uniform(0.6, 1.4) if ob else 0
        if c == "live" and not (pre or ob) and random.random() < 0.5:
            m = 0
        x = round(m, 2)
        a[c] = x + th * a[c]
        f = beta * a[c]**s / (k**s + a[c]**s) if fam == "hill" else beta * (1 - math.exp(-a[c] / k))
        lift = 1 + ob / 7 * (2.2 - 1) * (1 if c in ("live", "platform_event") else 0.6)
        gmv += f * lift
        xs.append(x)
    gmv *= math.exp(random.gauss(0, 0.02))
    print("%s,%.2f,%s" % (day, gmv, ",".join("%.2f" % v for v in xs)))
