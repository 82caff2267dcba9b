#!/usr/bin/python3
"""Print a plan with C channels over T weeks (deterministic): the what-if benchmark's input."""
import sys

C = int(sys.argv[1]) if len(sys.argv) > 1 else 20
T = int(sys.argv[2]) if len(sys.argv) > 2 else 13
print("mplan: 1")
print("store: {name: Bench Store, currency: USD}")
print(f"horizon: {{start: 2027-01-04, periods: {T}, period: week}}")
print("budget: {total: 400000, reserve: 0.1, fixed: [{name: tools, per_period: 150}]}")
print("margin: 0.3")
print("baseline: {gmv: 20000}")
print("goals: {gmv: 2000000, roas: 4}")
print("events:")
print("  - {name: Fest, outbreak: 2027-03-01..2027-03-14, phases: {preparation: 3w, storage: 2w, warmup: 1w, review: 1w}, lift: 1.8}")
print("channels:")
for c in range(C):
    beta = 20000 + 3000 * (c % 7)
    k = 2000 + 500 * (c % 5)
    s = [0.7, 0.8, 0.9, 1.0][c % 4]
    theta = [0, 0.2, 0.3, 0.5][c % 4]
    curve = "exp" if c % 6 == 5 else "hill"
    resp = f"{{curve: exp, beta: {beta}, k: {k}}}" if curve == "exp" else f"{{curve: hill, beta: {beta}, k: {k}, s: {s}}}"
    extra = ", cap: 9000" if c % 3 == 0 else ""
    print(f"  - {{id: ch{c}, kind: paid, response: {resp}, theta: {theta}, funnel: {{aov: 80, cvr: 0.02, ctr: 0.02, new_share: 0.5}}{extra}}}")
