#!/usr/bin/python3
"""equalize against scipy's SLSQP on the problems of bench_alloc.c (bench/alloc.sh).

For each problem, bench_alloc prints the problem (curves, lifts, activity, bounds) and the
equalize answer with its CPU time per call. This script solves the same problem with
scipy.optimize.minimize(method='SLSQP') from the equal split, with the analytic gradient,
scores both answers with its own model code (docs/model.md 3-4, written again here), checks the
equalize answer against every constraint, and prints one markdown table row per problem.

usage: alloc_slsqp.py BENCH_ALLOC PROBLEM...   (PROBLEM=NAME or NAME:noslsqp)
"""
import os
import subprocess
import sys
import time

# One thread, as equalize: times are CPU time of this process.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402


def parse(text):
    p = {"channels": []}
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "problem":
            p.update(name=w[1], C=int(w[2]), T=int(w[3]), budget=float(w[4]),
                     objective=w[5], margin=float(w[6]), target=float(w[7]))
        elif w[0] == "channel":
            p["channels"].append(dict(curve=w[1], beta=float(w[2]), k=float(w[3]), s=float(w[4]),
                                      theta=float(w[5]), carry=float(w[6]), min=float(w[7]),
                                      max=float(w[8]), cap=float(w[9])))
        elif w[0] in ("lift", "active", "spend"):
            p["channels"][-1][w[0]] = np.array([float(v) for v in w[1:]])
        elif w[0] == "equalize":
            p["eq_time"], p["eq_reps"], p["eq_iters"] = float(w[1]), int(w[2]), int(w[3])
    return p


class Model:
    """GMV of channel c: sum_t L[c,t] f_c(a[c,t]), a[c,t] = x[c,t] + theta_c a[c,t-1]."""

    def __init__(self, p):
        ch = p["channels"]
        self.C, self.T = p["C"], p["T"]
        self.hill = np.array([c["curve"] == "hill" for c in ch])
        self.beta = np.array([c["beta"] for c in ch])
        self.k = np.array([c["k"] for c in ch])
        self.s = np.array([c["s"] for c in ch])
        self.theta = np.array([c["theta"] for c in ch])
        self.carry = np.array([c["carry"] for c in ch])
        self.L = np.array([c["lift"] for c in ch])
        self.mask = np.array([c["active"] for c in ch]) > 0
        self.cap = np.array([c["cap"] for c in ch])
        self.lo = np.array([c["min"] for c in ch])
        self.hi = np.array([c["max"] for c in ch])
        self.margin = p["margin"]
        self.p = 1 / p["margin"] if p["objective"] == "profit" else 0.0
        # target_roas R (no baseline, no fixed lines here): G - R S >= 0
        self.R = p["target"] if p["objective"] == "roas" else 0.0

    def curve(self, a):
        a = np.maximum(a, 0)
        u = (a / self.k) ** self.s
        hill_f = self.beta * u / (1 + u)
        with np.errstate(divide="ignore", invalid="ignore"):
            hill_d = np.where(a > 0, self.beta * self.s * u / (a * (1 + u) ** 2), 0.0)
        e = np.exp(-a / self.k)
        return (np.where(self.hill, hill_f, self.beta * (1 - e)),
                np.where(self.hill, hill_d, self.beta / self.k * e))

    def full(self, v):
        x = np.zeros((self.C, self.T))
        x[self.mask] = v
        return x

    def gmv(self, x):
        a, G = self.carry.copy(), 0.0
        for t in range(self.T):
            a = x[:, t] + self.theta * a
            G += np.sum(self.L[:, t] * self.curve(a)[0])
        return G

    def value_grad(self, v):
        """-(G - p S) and its gradient over the active cells."""
        x = self.full(v)
        a, G = self.carry.copy(), 0.0
        d = np.zeros((self.C, self.T))
        for t in range(self.T):
            a = x[:, t] + self.theta * a
            f, df = self.curve(a)
            G += np.sum(self.L[:, t] * f)
            d[:, t] = self.L[:, t] * df
        for t in range(self.T - 2, -1, -1):  # marginals: sum over u >= t of L f' theta^(u-t)
            d[:, t] += self.theta * d[:, t + 1]
        return -(G - self.p * v.sum()), -(d[self.mask] - self.p)

    def objective(self, x):
        return self.gmv(x) - self.p * x.sum() if self.p else self.gmv(x)

    def violation(self, x, budget):
        tot = x.sum(axis=1)
        roas = max(0.0, self.R * x.sum() - self.gmv(x)) / self.R if self.R else 0.0
        return max(0.0, x.sum() - budget, (x - self.cap[:, None]).max(), -x.min(),
                   (self.lo - tot).max(), (tot - self.hi).max(), roas,
                   np.abs(x[~self.mask]).max(initial=0))


def slsqp(m, budget):
    n = int(m.mask.sum())
    ch_of = np.repeat(np.arange(m.C)[:, None], m.T, axis=1)[m.mask]
    cons = [{"type": "ineq", "fun": lambda v: budget - v.sum(), "jac": lambda v: -np.ones(n)}]
    A = np.zeros((m.C, n))
    A[ch_of, np.arange(n)] = 1
    lo = np.isfinite(m.lo) & (m.lo > 0)
    hi = np.isfinite(m.hi)
    if lo.any():
        cons.append({"type": "ineq", "fun": lambda v: A[lo] @ v - m.lo[lo], "jac": lambda v: A[lo]})
    if hi.any():
        cons.append({"type": "ineq", "fun": lambda v: m.hi[hi] - A[hi] @ v, "jac": lambda v: -A[hi]})
    if m.R:
        def roas(v):
            f, g = m.value_grad(v)
            return -f - m.R * v.sum(), -g - m.R
        cons.append({"type": "ineq", "fun": lambda v: roas(v)[0], "jac": lambda v: roas(v)[1]})
    caps = np.repeat(m.cap[:, None], m.T, axis=1)[m.mask]
    bounds = [(0, c if np.isfinite(c) else None) for c in caps]
    x0 = np.full(n, budget / n)  # the equal split
    t0 = time.process_time()
    r = minimize(m.value_grad, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                 options={"maxiter": 1000, "ftol": 1e-12})
    return m.full(r.x), time.process_time() - t0, r.nit


def main():
    exe, problems = sys.argv[1], sys.argv[2:]
    print("| problem | cells | equalize objective | SLSQP objective | relative difference "
          "| equalize time | SLSQP time | speed ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in problems:
        name, _, flag = spec.partition(":")
        out = subprocess.run([exe, name], check=True, capture_output=True, text=True).stdout
        p = parse(out)
        m = Model(p)
        x_eq = np.array([c["spend"] for c in p["channels"]])
        viol = m.violation(x_eq, p["budget"])
        if viol > 1e-6 * p["budget"]:
            sys.exit(f"{name}: equalize answer breaks a constraint by {viol:g}")
        f_eq = m.objective(x_eq)
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
