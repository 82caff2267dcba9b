#!/usr/bin/python3
"""The anchor for `mplan fit`: scipy.optimize.least_squares on the same model and data.

Store totals (history_total.csv):  gmv[t] = sum_j gamma_j R[j,t] + sum_c beta_c W[c,t] g_c(a[c,t])
Per-channel reports (history_channels.csv): gmv[c,t] = beta_c W[c,t] g_c(a[c,t]), each channel
on its own. g is hill `a^s / (a^s + k^s)` or exp `1 - exp(-a/k)` (so beta is the curve's
saturation GMV), a[c,t] = x[c,t] + theta_c a[c,t-1] from 0; W (demand: season and day-weighted
event lift) and the baseline's regressors R (level with the season, trend, each event's
outbreak days / 7) come from design.json, which holds what the plan says and nothing of the
truth (bench/fit_gen.py). As `mplan fit` does, the parameters are those of the fit on every
period, and with --holdout H > 0 (default T/8) a second fit without the last H periods gives
the MAPE of its forecast on them (MAPE over channel-periods for per-channel reports).

Every parameter is fitted at once (the textbook approach): method 'trf' with bounds (theta in
[0, 0.9], s in [0.3, 3], k from 1e-3 x the mean spend to 1e3 x the most adstock it can reach,
beta >= 0, gamma free), the analytic Jacobian (theta's through da/dtheta = a[t-1] + theta da[t-1]/dtheta),
x_scale='jac', ftol = xtol = gtol = 1e-10. Starts, the same for every channel (8: the corners
of a 2 x 2 x 2 grid): theta0 in {0.1, 0.5}, k0 = m / (1 - theta0) x {0.5, 2} (m the channel's
mean spend over the fitted periods: k0 at half and twice the steady adstock), s0 in {0.7, 1.5} (hill); at each start the linear
parameters (beta, gamma) are solved first by bounded linear least squares (scipy's
lsq_linear), so the start is the best it can be for its curve shapes. The answer is the best
of the starts by sum of squares. Times are CPU time of this process, BLAS on one thread.

usage: fit_scipy.py DIR [--holdout H] [--long] [--starts N] [--write-plan OUT.yaml]
prints one JSON object; --write-plan writes DIR/plan.yaml with the fitted curves.
"""
import argparse
import csv
import json
import os
import re
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from scipy.optimize import least_squares, lsq_linear  # noqa: E402
from scipy.signal import lfilter  # noqa: E402


def read_history(path, ids, long):
    rows = list(csv.DictReader(open(path)))
    if not long:
        return (np.array([[float(r[c]) for r in rows] for c in ids]),
                np.array([float(r["gmv"]) for r in rows]))
    periods = sorted({r["period"] for r in rows})
    at = {p: i for i, p in enumerate(periods)}
    x, y = np.zeros((len(ids), len(periods))), np.zeros((len(ids), len(periods)))
    for r in rows:
        c, t = ids.index(r["channel"]), at[r["period"]]
        x[c, t], y[c, t] = float(r["spend"]), float(r["gmv"])
    return x, y


class Channels:
    """The channel part of the model for a set of channels; p holds k, s, theta per channel
    (s ignored for exp)."""

    def __init__(self, x, W, fam):
        self.x, self.W, self.hill = x, W, np.array([f == "hill" for f in fam])

    def parts(self, k, s, theta):
        """W g and its derivatives in a, k, s and theta, each channels x periods."""
        C, T = self.x.shape
        a = np.array([lfilter([1.0], [1.0, -th], row) for row, th in zip(self.x, theta)])
        prev = np.concatenate([np.zeros((C, 1)), a[:, :-1]], axis=1)
        da_th = np.array([lfilter([1.0], [1.0, -th], row) for row, th in zip(prev, theta)])
        k, s = k[:, None], s[:, None]
        pos = a > 0
        r = np.where(pos, a, 1.0) / k
        u = np.where(pos, r ** s, 0.0)
        q = 1 / (1 + u)
        hg, hdu = u * q, q * q
        e = np.exp(-a / k)
        hill = self.hill[:, None]
        g = np.where(hill, hg, 1 - e)
        dg_a = np.where(hill, np.where(pos, hdu * s * u / np.where(pos, a, 1.0), 0.0), e / k)
        dg_k = np.where(hill, -hdu * s * u / k, -e * a / k ** 2)
        dg_s = np.where(hill, hdu * u * np.log(r), 0.0)
        W = self.W
        return W * g, W * dg_k, W * dg_s, W * dg_a * da_th


def fit(x, y, W, fam, R, starts, bounds_k):
    """Least squares of y ~ R^T gamma + sum_c beta_c W_c g_c over periods 0..T-1 of x, y
    (y one series: the channels share it). Returns (sse, params, nfev) of the best start."""
    C = x.shape[0]
    P = 0 if R is None else R.shape[0]
    hill = np.array([f == "hill" for f in fam])
    ns = int(hill.sum())
    ch = Channels(x, W, fam)

    def unpack(v):
        gamma, beta = v[:P], v[P:P + C]
        k = v[P + C:P + 2 * C]
        s = np.ones(C)
        s[hill] = v[P + 2 * C:P + 2 * C + ns]
        theta = v[P + 2 * C + ns:]
        return gamma, beta, k, s, theta

    def resid(v):
        gamma, beta, k, s, theta = unpack(v)
        g = ch.parts(k, s, theta)[0]
        pred = beta @ g + (gamma @ R if P else 0)
        return pred - y

    def jac(v):
        gamma, beta, k, s, theta = unpack(v)
        g, gk, gs, gth = ch.parts(k, s, theta)
        b = beta[:, None]
        cols = ([R] if P else []) + [g, b * gk, (b * gs)[hill], b * gth]
        return np.concatenate(cols, axis=0).T

    lo = np.concatenate([np.full(P, -np.inf), np.zeros(C), bounds_k[0], np.full(ns, 0.3), np.zeros(C)])
    hi = np.concatenate([np.full(P, np.inf), np.full(C, np.inf), bounds_k[1], np.full(ns, 3.0), np.full(C, 0.9)])
    best, nfev = None, 0
    for k0, s0, th0 in starts:
        k0, s0, th0 = np.asarray(k0), np.full(C, s0), np.full(C, th0)
        g = ch.parts(k0, s0, th0)[0]
        A = np.concatenate(([R] if P else []) + [g], axis=0).T
        lin = lsq_linear(A, y, bounds=(np.concatenate([np.full(P, -np.inf), np.zeros(C)]), np.inf))
        v0 = np.concatenate([lin.x, k0, s0[hill], th0])
        v0 = np.clip(v0, lo, hi)
        r = least_squares(resid, v0, jac=jac, bounds=(lo, hi), method="trf", x_scale="jac",
                          ftol=1e-10, xtol=1e-10, gtol=1e-10)
        nfev += r.nfev
        sse = float(np.sum(r.fun ** 2))
        if best is None or sse < best[0]:
            best = (sse, unpack(r.x))
    return best[0], best[1], nfev


def default_starts(mean, nstarts):
    out = []
    for th0 in (0.1, 0.5):
        for mk in (0.5, 2.0):
            for s0 in (0.7, 1.5):
                out.append((mean / (1 - th0) * mk, s0, th0))
    return out[:nstarts]


def roas_at_mean(fam, beta, k, s, theta, m):
    """ROAS and marginal ROAS of spending m every period at demand 1 (steady adstock)."""
    a = m / (1 - theta)
    if fam == "hill":
        u = (a / k) ** s
        return beta * u / (1 + u) / m, beta * s * u / (a * (1 + u) ** 2) / (1 - theta)
    e = np.exp(-a / k)
    return beta * (1 - e) / m, beta / k * e / (1 - theta)


def write_plan(src, dst, channels):
    """The plan with each channel's response and theta replaced by the fitted ones."""
    text = open(src).read()
    for c in channels:
        p = c["params"]
        r = f"curve: {c['family']}, beta: {p['beta']:.12g}, k: {p['k']:.12g}"
        r += f", s: {p['s']:.12g}" if c["family"] == "hill" else ""
        text = re.sub(rf"(- {{id: {c['id']}, kind: paid, response: {{)[^}}]*(}}, theta: )[0-9.e-]+",
                      lambda m: m.group(1) + r + m.group(2) + f"{p['theta']:.12g}", text)
    with open(dst, "w") as f:
        f.write(text)


def estimate(x, y, W, fam, R, n, nstarts, long):
    """Fit on periods 0..n-1; returns sse, [(beta, k, s, theta)] per channel, the prediction
    for every period, and the function evaluations."""
    m = x[:, :n].mean(axis=1)
    kb = (m * 1e-3 + 1e-9, m / (1 - 0.9) * 1e3 + 1)  # 1e-3 mean spend .. 1e3 the most adstock
    if long:
        sse, nfev, params, pred = 0.0, 0, [], np.zeros_like(y)
        for c in range(x.shape[0]):
            one = slice(c, c + 1)
            e, (_, beta, k, s, th), f = fit(x[one, :n], y[c, :n], W[one, :n], [fam[c]], None,
                                            default_starts(m[one], nstarts), (kb[0][one], kb[1][one]))
            sse, nfev = sse + e, nfev + f
            params.append((beta[0], k[0], s[0], th[0]))
            pred[c] = beta[0] * Channels(x[one], W[one], [fam[c]]).parts(k, s, th)[0][0]
        return sse, params, pred, nfev
    sse, (gamma, beta, k, s, th), nfev = fit(x[:, :n], y[:n], W[:, :n], fam, R[:, :n],
                                             default_starts(m, nstarts), kb)
    return sse, list(zip(beta, k, s, th)), gamma @ R + beta @ Channels(x, W, fam).parts(k, s, th)[0], nfev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--holdout", type=int, default=None)
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--write-plan")
    o = ap.parse_args()
    d = json.load(open(os.path.join(o.dir, "design.json")))
    ids, fam, T = d["channels"], d["families"], d["T"]
    W = np.array(d["W"])
    R = np.array(list(d["regressors"].values()))
    H = T // 8 if o.holdout is None else o.holdout
    x, y = read_history(os.path.join(o.dir, "history_channels.csv" if o.long else "history_total.csv"),
                        ids, o.long)
    t0 = time.process_time()
    out = dict(channels=[], holdout=H, holdout_mape=None)
    if H:  # as mplan fit: the forecast error of a fit without the last H periods ...
        _, _, pred, out["nfev_holdout"] = estimate(x, y, W, fam, R, T - H, o.starts, o.long)
        out["holdout_mape"] = float(np.mean(np.abs(y[..., T - H:] - pred[..., T - H:]) / np.abs(y[..., T - H:])))
    # ... and the parameters of the fit on every period
    out["sse"], params, _, out["nfev"] = estimate(x, y, W, fam, R, T, o.starts, o.long)
    out["time"] = time.process_time() - t0
    mean = x.mean(axis=1)
    for c, (beta, k, s, th) in enumerate(params):
        r, mr = roas_at_mean(fam[c], beta, k, s, th, mean[c])
        out["channels"].append(dict(id=ids[c], family=fam[c], params=dict(beta=beta, k=k, s=s, theta=th),
                                    roas_mean=r, mroas_mean=mr))
    if o.write_plan:
        write_plan(os.path.join(o.dir, "plan.yaml"), o.write_plan, out["channels"])
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
