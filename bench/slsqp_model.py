"""The model code both SLSQP anchors score with (bench/alloc_slsqp.py, bench/scurve_slsqp.py):
bench_alloc's problem text, GMV with carry-over (docs/model.md 3-4, written again here, apart
from mplan's C), the check of equalize's answer, and SLSQP's constraints and bounds.

Import it before numpy: it keeps BLAS to one thread.
"""
import os
import subprocess
import sys

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


def load(exe, name):
    """Problem NAME of bench_alloc EXE: its text, the problem, its Model and the objective of
    equalize's answer, once that answer is checked against every constraint (to 1e-6 of the
    budget; the script stops when it breaks one)."""
    out = subprocess.run([exe, name], check=True, capture_output=True, text=True).stdout
    p = parse(out)
    m = Model(p)
    x_eq = np.array([c["spend"] for c in p["channels"]])
    viol = m.violation(x_eq, p["budget"])
    if viol > 1e-6 * p["budget"]:
        sys.exit(f"{name}: equalize answer breaks a constraint by {viol:g}")
    return out, p, m, m.objective(x_eq)


def constraints(m, budget):
    """SLSQP's constraints over the active cells (budget, channel mins and maxes, a ROAS
    target), the cells' caps and their bounds."""
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
    return cons, caps, bounds


def slsqp_from(m, x0, bounds, cons):
    """One SLSQP solve from x0, with the analytic gradient."""
    return minimize(m.value_grad, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                    options={"maxiter": 1000, "ftol": 1e-12})
