#!/usr/bin/python3
"""equalize against scipy's SLSQP on the problems of bench_alloc.c (bench/alloc.sh).

For each problem, bench_alloc prints the problem (curves, lifts, activity, bounds) and the
equalize answer with its CPU time per call. This script solves the same problem with
scipy.optimize.minimize(method='SLSQP') from the equal split, with the analytic gradient,
scores both answers with its own model code (bench/slsqp_model.py: docs/model.md 3-4, written
again there), checks the equalize answer against every constraint, and prints one markdown
table row per problem.

usage: alloc_slsqp.py BENCH_ALLOC PROBLEM...   (PROBLEM=NAME or NAME:noslsqp)
"""
import sys
import time

# First: it keeps BLAS to one thread before numpy loads.
from slsqp_model import constraints, load, slsqp_from  # isort: skip

import numpy as np


def slsqp(m, budget):
    cons, caps, bounds = constraints(m, budget)
    n = len(caps)
    x0 = np.full(n, budget / n)  # the equal split
    t0 = time.process_time()
    r = slsqp_from(m, x0, bounds, cons)
    return m.full(r.x), time.process_time() - t0, r.nit


def main():
    exe, problems = sys.argv[1], sys.argv[2:]
    print("| problem | cells | equalize objective | SLSQP objective | relative difference "
          "| equalize time | SLSQP time | speed ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in problems:
        name, _, flag = spec.partition(":")
        _, p, m, f_eq = load(exe, name)
        eq_ms = 1e3 * p["eq_time"]
        cells = int(m.mask.sum())
        if flag == "noslsqp":
            print(f"| {name} | {cells} | {f_eq:.10g} | not run | - | {eq_ms:.3f} ms | - | - |")
            continue
        x_sq, t_sq, nit = slsqp(m, p["budget"])
        f_sq = m.objective(x_sq)
        bad = m.violation(x_sq, p["budget"]) > 1e-6 * p["budget"]
        rel = (f_eq - f_sq) / abs(f_sq)
        print(f"| {name} | {cells} | {f_eq:.10g} | {f_sq:.10g}{' (infeasible)' if bad else ''} "
              f"| {rel:+.2e} | {eq_ms:.3f} ms | {t_sq:.2f} s | {t_sq / p['eq_time']:.0f}x |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
