#!/usr/bin/python3
"""equalize on generated S-curve plans against 20-start SLSQP (bench/scurve.sh).

Each plan (bench_alloc's sc-SEED-CxT: every curve a hill with s in 1.2..3, carry-over, caps,
mins, maxes, inactive periods, an event; every fourth under objective profit) is solved by
equalize (its answer, certified bound and CPU time come from bench_alloc) and by
scipy.optimize.minimize(method='SLSQP') from 20 deterministic starts: the equal split and 19
random points (numpy default_rng(SEED), Dirichlet shares of the budget over the cells). Both
are scored with the model code of slsqp_model.py; SLSQP answers that break a constraint by
more than 1e-6 of the budget are dropped. The best known answer is the best of all 21.

usage: scurve_slsqp.py BENCH_ALLOC NPLANS [SIZE...]   (SIZE: CxT run by equalize only)
"""
import subprocess
import sys
import time
import warnings

# First: it keeps BLAS to one thread before numpy loads.
from slsqp_model import Model, constraints, load, parse, slsqp_from  # isort: skip

import numpy as np

# SLSQP warns when a step leaves the bounds (it clips): noise in a table.
warnings.filterwarnings("ignore", category=RuntimeWarning)

STARTS = 20
SIZES = ["3x4", "4x6", "5x6", "4x8", "6x6"]


def certificate(text):
    for line in text.splitlines():
        w = line.split()
        if w and w[0] == "certificate":
            return float(w[1]), float(w[2]), int(w[3]), " ".join(w[4:])
    return float("nan"), float("nan"), 0, "?"


def slsqp_multi(m, budget, seed):
    cons, caps, bounds = constraints(m, budget)
    n = len(caps)
    rng = np.random.default_rng(seed)
    best, t0 = -np.inf, time.process_time()
    for s in range(STARTS):
        x0 = np.full(n, budget / n) if s == 0 else rng.dirichlet(np.ones(n)) * budget
        x0 = np.minimum(x0, caps)
        r = slsqp_from(m, x0, bounds, cons)
        x = m.full(r.x)
        if m.violation(x, budget) <= 1e-6 * budget:
            best = max(best, m.objective(x))
    return best, time.process_time() - t0


def main():
    exe, nplans, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rows, worst = [], (0.0, "")
    for i in range(nplans):
        name = f"sc-{i}-{SIZES[i % len(SIZES)]}"
        out, p, m, f_eq = load(exe, name)
        bound, gap, starts, stop = certificate(out)
        if p["objective"] == "profit":  # equalize reports margin G - S, this model G - S / margin
            bound /= p["margin"]
        f_sq, t_sq = slsqp_multi(m, p["budget"], i)
        best = max(f_eq, f_sq)
        short = (best - f_eq) / abs(best)
        if bound < best * (1 - 1e-9):
            sys.exit(f"{name}: the certified bound {bound:.10g} is below a known answer {best:.10g}")
        rows.append((name, f_eq, f_sq, short, gap, stop, p["eq_time"], t_sq))
        if short >= worst[0]:
            worst = (short, name)
        print(f"<!-- {name}: equalize {f_eq:.10g}, SLSQP x{STARTS} {f_sq:.10g}, short {short:.2e}, "
              f"certified gap {gap:.2e} ({stop}), {1e3 * p['eq_time']:.2f} ms vs {t_sq:.1f} s -->")
        sys.stdout.flush()
    n = len(rows)
    within = sum(r[3] <= 1e-4 for r in rows)
    above = sum(r[1] > r[2] * (1 + 1e-9) for r in rows)
    gaps = sorted(r[4] for r in rows)
    closed = sum(r[5] == "gap" for r in rows)
    print("| S-curve plans vs 20-start SLSQP | value |")
    print("| --- | ---: |")
    print(f"| plans (hill s 1.2-3, carry-over, caps, mins, maxes, an event; 1 in 4 profit) | {n} |")
    print(f"| equalize within 1e-4 of the best known answer | {within} of {n} |")
    print(f"| equalize above every SLSQP start | {above} of {n} |")
    print(f"| worst shortfall of equalize against the best known | {worst[0]:.2e} ({worst[1]}) |")
    print(f"| certified gap: median / worst | {gaps[n // 2]:.2e} / {gaps[-1]:.2e} |")
    print(f"| certified gap below 1e-4 (search stopped by the gap) | {closed} of {n} |")
    print(f"| equalize time per plan: median / worst | {1e3 * sorted(r[6] for r in rows)[n // 2]:.2f} ms / "
          f"{1e3 * max(r[6] for r in rows):.2f} ms |")
    print(f"| SLSQP time per plan, 20 starts: median | {sorted(r[7] for r in rows)[n // 2]:.2f} s |")
    if sizes:
        print()
        print("| generated S-curve plan | cells | equalize time | certified gap | search stopped by |")
        print("| --- | ---: | ---: | ---: | --- |")
        for size in sizes:
            name = f"sc-1-{size}"
            out = subprocess.run([exe, name], check=True, capture_output=True, text=True).stdout
            p = parse(out)
            bound, gap, starts, stop = certificate(out)
            cells = int(Model(p).mask.sum())
            print(f"| {name} | {cells} | {1e3 * p['eq_time']:.2f} ms | {gap:.2e} | {stop} ({starts} local solves) |")


if __name__ == "__main__":
    main()
