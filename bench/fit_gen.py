#!/usr/bin/python3
"""Store histories from known curves, in mplan's own model, for `mplan fit` (bench/fit.sh).

The world (docs/model-notes.md, model.md 3-4), weekly; the history runs T weeks from
2024-01-01 and the plan covers the 52 weeks after it:

    gmv[t]  = baseline[t] + sum_c W[t] f_c(a[c,t]),   a[c,t] = x[c,t] + theta_c a[c,t-1], a[c,0] = 0
    W[t]    = 1 + sum_e (o[e,t] / 7) (lift_e - 1)          (every channel takes the full lift)
    baseline[t] = level (1 + amp sin(2 pi mid[t] / 365.2425 + phase)) + trend t + sum_e gamma_e o[e,t] / 7

with o[e,t] the outbreak days of event e in week t (day-weighted, as mplan does), mid[t] the
week's middle day, gamma_e the organic lift of event e (the same every year) and f the hill
`beta a^s / (a^s + k^s)` or exp `beta (1 - exp(-a/k))` curve. The season is the organic
demand's (the baseline's); channel responses see the events' lift only. Noise is
multiplicative: observed = model * (1 + sigma z), z standard normal clipped to [-3, 3], on the
store total (wide file) and independently on each channel's GMV (long file).

usage: fit_gen.py OUTDIR [--channels C] [--weeks T] [--noise SIGMA] [--seed N]
                  [--families mix|hill|exp] [--events-per-year 1|2] [--plain] [--no-optimum]
--plain: no season, trend or events (a flat baseline), for small exact fixtures.

Writes into OUTDIR:
  plan.yaml            the next 52 weeks: the store, its events (once each), channels with
                       their true family and neutral parameters (beta 4 x mean spend, k = mean
                       spend, s 1, theta 0.3), budget = 52 x the history's mean weekly spend
  truth_plan.yaml      the same plan with the true curves
  history_plan.yaml    the history as a plan: the truth with the history's spend fixed and the
                       true baseline (`mplan run` of it forecasts the noiseless history)
  history_total.csv    period,gmv,<channel>...     (store totals, one spend column per channel)
  history_channels.csv period,channel,spend,gmv    (per-channel reports)
  design.json          what an analyst knows (W of history and plan, the baseline's regressors,
                       families), no truth: the scipy anchor's input
  truth.json           true parameters, ROAS at the mean spend, the plan's true optimum, the
                       noiseless series (model_total, model_channel)
ROAS at the mean spend m: spending m every week at demand 1, the steady adstock is
m / (1 - theta), so roas = f(m / (1 - theta)) / m and mroas = f'(m / (1 - theta)) / (1 - theta).
"""
import argparse
import datetime
import json
import os

import numpy as np

START = datetime.date(2024, 1, 1)  # a Monday
PLAN_WEEKS = 52
# (name, month, first day, last day, lift)
EVENTS = [("Double 11", 11, 1, 11, 1.8), ("618", 6, 1, 18, 1.5)]


def events_of(start, T, per_year):
    """Each year's events inside T weeks from start: name, first and last day of the outbreak."""
    end = start + datetime.timedelta(days=7 * T - 1)
    out = []
    for year in range(start.year, end.year + 1):
        for name, month, d0, d1, lift in EVENTS[:per_year]:
            a, b = datetime.date(year, month, d0), datetime.date(year, month, d1)
            if a >= start and b <= end:
                out.append(dict(name=name, year=year, first=a, last=b, lift=lift))
    return sorted(out, key=lambda e: e["first"])


def outbreak_days(start, T, events, names):
    """o[e,t]: days of the outbreaks of event name e in week t from start."""
    o = np.zeros((len(names), T))
    for ev in events:
        d = ev["first"]
        while d <= ev["last"]:
            o[names.index(ev["name"]), (d - start).days // 7] += 1
            d += datetime.timedelta(days=1)
    return o


def curve(fam, a, beta, k, s):
    """f(a) and f'(a) for arrays of channels (rows) and periods (columns)."""
    hill = (fam == "hill")[:, None]
    b, k, s = beta[:, None], k[:, None], s[:, None]
    a = np.maximum(a, 0)
    u = (a / k) ** s
    with np.errstate(divide="ignore", invalid="ignore"):
        dh = np.where(a > 0, b * s * u / (a * (1 + u) ** 2), np.where(s < 1, np.inf, b / k * (s == 1)))
    e = np.exp(-a / k)
    return np.where(hill, b * u / (1 + u), b * (1 - e)), np.where(hill, dh, b / k * e)


def adstock(x, theta):
    """a[c,t] = x[c,t] + theta_c a[c,t-1] from a = 0 (a first-order recursive filter per row)."""
    from scipy.signal import lfilter
    return np.array([lfilter([1.0], [1.0, -th], row) for row, th in zip(x, theta)])


def channel_gmv(x, W, p):
    """GMV of each channel-period under parameters p (fam, beta, k, s, theta)."""
    return W * curve(p["fam"], adstock(x, p["theta"]), p["beta"], p["k"], p["s"])[0]


def gradient(x, W, p):
    """d(total channel GMV)/dx[c,t] = sum over u >= t of W f'(a[c,u]) theta^(u-t)."""
    d = W * curve(p["fam"], adstock(x, p["theta"]), p["beta"], p["k"], p["s"])[1]
    return adstock(d[:, ::-1], p["theta"])[:, ::-1]


def optimum(W, p, budget, x_hist):
    """The most channel GMV for `budget`, any spend pattern (no caps): concave curves, one
    budget. Its dual: for a price lam, x(lam) maximises G(x) - lam sum(x) over x >= 0 (L-BFGS-B
    in units of each channel's k, warm started), and total spend S(lam) falls with lam; a
    bracketing secant (Illinois) finds S(lam) = budget. Returns the allocation (scaled onto the
    budget exactly) and lam. The bracket starts around the history's spend-weighted marginal."""
    from scipy.optimize import minimize
    shape = W.shape
    unit = np.repeat(p["k"][:, None], shape[1], axis=1).ravel()

    def inner(lam, v0):
        def fg(v):
            x = (v * unit).reshape(shape)
            return (-(channel_gmv(x, W, p).sum() - lam * x.sum()),
                    -(gradient(x, W, p) - lam).ravel() * unit)
        r = minimize(fg, v0, jac=True, method="L-BFGS-B", bounds=[(1e-12, None)] * W.size,
                     options={"ftol": 1e-15, "gtol": 1e-9 * lam * unit.mean(), "maxiter": 20000})
        return r.x

    def gap(lam, v0):
        v = inner(lam, v0)
        return (v * unit).sum() - budget, v

    v0 = x_hist.ravel() / unit
    lam0 = float((gradient(x_hist, W, p) * x_hist).sum() / x_hist.sum())
    lo, hi = lam0 / 1.5, lam0 * 1.5
    (glo, vlo), (ghi, vhi) = gap(lo, v0), gap(hi, v0)
    while glo < 0:
        hi, ghi, vhi = lo, glo, vlo
        lo /= 1.5
        glo, vlo = gap(lo, vlo)
    while ghi > 0:
        lo, glo, vlo = hi, ghi, vhi
        hi *= 1.5
        ghi, vhi = gap(hi, vhi)
    side = 0
    for _ in range(60):
        lam = (lo * ghi - hi * glo) / (ghi - glo)
        g, v = gap(lam, vlo if side >= 0 else vhi)
        if abs(g) < 1e-8 * budget:
            break
        if g > 0:
            lo, glo, vlo = lam, g, v
            ghi = ghi / 2 if side > 0 else ghi
            side = 1
        else:
            hi, ghi, vhi = lam, g, v
            glo = glo / 2 if side < 0 else glo
            side = -1
    x = v * unit
    return (x * budget / x.sum()).reshape(shape), lam


def ar1(rng, T, rho, sd):
    z, v = np.zeros(T), 0.0
    for t in range(T):
        v = rho * v + sd * rng.standard_normal()
        z[t] = v
    return z


def spends(rng, C, T, windows):
    """Weekly spend: a drifting budget shared by all channels, each channel's own pattern
    (always-on with weekly noise, flighted on/off, or bursts), pushes in the three weeks before
    each outbreak and in it (every channel pushes, by its own factor: correlated), in cents."""
    shared = np.exp(ar1(rng, T, 0.9, 0.08))
    pre = np.zeros(T)
    for w0, w1 in windows:  # the weeks of each outbreak
        pre[max(0, w0 - 3):w1 + 1] = 1
    x, kinds = np.zeros((C, T)), []
    for c in range(C):
        kind = ["always-on", "flighted", "bursts"][c % 3]
        w = shared * np.exp(ar1(rng, T, 0.8, 0.15)) * rng.lognormal(0, 0.25, T)
        if kind == "flighted":  # runs of 3-8 weeks on, 1-5 weeks off (10% kept on)
            on, t = bool(rng.integers(2)), 0
            while t < T:
                n = int(rng.integers(3, 9) if on else rng.integers(1, 6))
                w[t:t + n] *= 1 if on else 0.1
                t, on = t + n, not on
        elif kind == "bursts":  # a low floor and 1-3 week bursts of 2-4x
            w *= np.where(rng.random(T) < 0.25, rng.uniform(2, 4, T), 0.6)
        w *= 1 + rng.uniform(0.5, 2.0) * pre
        x[c] = np.round(rng.uniform(3000, 15000) * w / w.mean(), 2)
        kinds.append(kind)
    return x, kinds


def roas_at_mean(fam, beta, k, s, theta, m):
    a = np.array([[m / (1 - theta)]])
    f, d = curve(np.array([fam]), a, np.array([beta]), np.array([k]), np.array([s]))
    return f[0, 0] / m, d[0, 0] / (1 - theta)


def yaml_num(v):
    return f"{v:.10g}"


def plan_yaml(name, start, T, events, budget, channels, baseline=None, spend=None, years=False):
    out = ["mplan: 1", f"store: {{name: {name}, currency: USD}}",
           f"horizon: {{start: {start.isoformat()}, periods: {T}, period: week}}",
           f"budget: {{total: {yaml_num(budget)}, reserve: 0}}", "objective: gmv"]
    if baseline is not None:
        out.append("baseline: {gmv: [" + ", ".join(yaml_num(b) for b in baseline) + "]}")
    if events:
        out.append("events:")
        for ev in events:
            n = f"{ev['name']} {ev['year']}" if years else ev["name"]
            out.append(f"  - {{name: {n}, outbreak: {ev['first']}..{ev['last']}, lift: {ev['lift']}}}")
    out.append("channels:")
    for ch in channels:
        r = f"curve: {ch['family']}, beta: {yaml_num(ch['beta'])}, k: {yaml_num(ch['k'])}"
        if ch["family"] == "hill":
            r += f", s: {yaml_num(ch['s'])}"
        fixed = "" if spend is None else ", spend: [" + ", ".join(f"{v:.2f}" for v in spend[ch["id"]]) + "]"
        out.append(f"  - {{id: {ch['id']}, kind: paid, response: {{{r}}}, theta: {yaml_num(ch['theta'])}{fixed}}}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--channels", type=int, default=6)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--families", choices=["mix", "hill", "exp"], default="mix")
    ap.add_argument("--events-per-year", type=int, choices=[1, 2])
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--no-optimum", action="store_true")
    o = ap.parse_args()
    if o.weeks < PLAN_WEEKS:
        ap.error(f"--weeks: at least {PLAN_WEEKS}")
    C, T, sigma = o.channels, o.weeks, o.noise
    rng = np.random.default_rng([o.seed, C, T, int(round(sigma * 1000))])
    per_year = o.events_per_year or 1 + o.seed % 2
    pstart = START + datetime.timedelta(days=7 * T)
    events = [] if o.plain else events_of(START, T, per_year)
    pevents = [] if o.plain else events_of(pstart, PLAN_WEEKS, per_year)
    names = [n for n, *_ in EVENTS[:per_year]] if events else []
    lift = np.array([ev[4] for ev in EVENTS[:len(names)]]).reshape(-1, 1)
    od = outbreak_days(START, T, events, names)
    W = np.repeat((1 + (od / 7 * (lift - 1)).sum(axis=0))[None, :], C, axis=0)
    pod = outbreak_days(pstart, PLAN_WEEKS, pevents, names)
    pW = np.repeat((1 + (pod / 7 * (lift - 1)).sum(axis=0))[None, :], C, axis=0)

    x, kinds = spends(rng, C, T, [((e["first"] - START).days // 7, (e["last"] - START).days // 7) for e in events])
    fam = np.array(["hill" if o.families == "hill" or (o.families == "mix" and rng.random() < 0.6)
                    else "exp" for _ in range(C)])
    theta = np.round(rng.uniform(0, 0.7, C), 3)
    mean = x.mean(axis=1)
    abar = mean / (1 - theta)
    k = np.round(abar * rng.uniform(0.5, 2.0, C), 2)
    s = np.where(fam == "hill", np.round(rng.uniform(0.5, 1.0, C), 3), 1.0)
    target = rng.uniform(1.5, 5.0, C)  # ROAS at the mean spend
    g = curve(fam, abar[:, None], np.ones(C), k, s)[0][:, 0]
    beta = np.round(target * mean / g, 2)
    p = dict(fam=fam, beta=beta, k=k, s=s, theta=theta)

    G = channel_gmv(x, W, p)
    t = np.arange(T)
    dates = [START + datetime.timedelta(days=7 * u) for u in range(T)]
    mid = np.array([(d - datetime.date(1970, 1, 1)).days + 3.5 for d in dates])
    level = round(G.sum(axis=0).mean() * rng.uniform(0.8, 1.5), 2)
    amp, phase = (0.0, 0.0) if o.plain else (round(rng.uniform(0.05, 0.15), 3), round(rng.uniform(0, 2 * np.pi), 3))
    trend = 0.0 if o.plain else round(level * rng.uniform(-0.1, 0.3) / 52, 2)
    gamma = np.round(level * (lift[:, 0] - 1) * rng.uniform(0.3, 0.8, len(names)), 2)
    base = (level * (1 + amp * np.sin(2 * np.pi * mid / 365.2425 + phase)) + trend * t
            + (gamma[:, None] * od / 7).sum(axis=0))
    clip = lambda z: np.clip(z, -3, 3)  # noqa: E731
    total = (base + G.sum(axis=0)) * (1 + sigma * clip(rng.standard_normal(T)))
    per_ch = G * (1 + sigma * clip(rng.standard_normal((C, T))))

    ids = [f"ch{c + 1:02d}" for c in range(C)]
    os.makedirs(o.outdir, exist_ok=True)
    name = f"Fit bench {C}x{T} noise {sigma:g} seed {o.seed}"
    budget = round(float(mean.sum()) * PLAN_WEEKS, 2)
    neutral = [dict(id=ids[c], family=fam[c], beta=4 * mean[c], k=mean[c], s=1.0, theta=0.3)
               for c in range(C)]
    true = [dict(id=ids[c], family=fam[c], beta=beta[c], k=k[c], s=s[c], theta=theta[c]) for c in range(C)]
    with open(os.path.join(o.outdir, "plan.yaml"), "w") as f:
        f.write(plan_yaml(name, pstart, PLAN_WEEKS, pevents, budget, neutral))
    with open(os.path.join(o.outdir, "truth_plan.yaml"), "w") as f:
        f.write(plan_yaml(name + " (truth)", pstart, PLAN_WEEKS, pevents, budget, true))
    with open(os.path.join(o.outdir, "history_plan.yaml"), "w") as f:
        f.write(plan_yaml(name + " (history)", START, T, events, float(x.sum()) + 1, true, baseline=base,
                          spend=dict(zip(ids, x)), years=True))
    with open(os.path.join(o.outdir, "history_total.csv"), "w") as f:
        f.write("period,gmv," + ",".join(ids) + "\n")
        for u in range(T):
            f.write(f"{dates[u]},{total[u]:.12g}," + ",".join(f"{x[c, u]:.2f}" for c in range(C)) + "\n")
    with open(os.path.join(o.outdir, "history_channels.csv"), "w") as f:
        f.write("period,channel,spend,gmv\n")
        for u in range(T):
            for c in range(C):
                f.write(f"{dates[u]},{ids[c]},{x[c, u]:.2f},{per_ch[c, u]:.12g}\n")

    # The baseline's regressors an analyst can build: level, trend, the year's first two
    # harmonics (with a year of history), each event's outbreak days / 7.
    reg = {"level": [1.0] * T, "trend": list(t / T)}
    if T * 7 >= 365:
        for h in (1, 2):
            reg[f"sin{h}"] = list(np.sin(2 * np.pi * h * mid / 365.2425))
            reg[f"cos{h}"] = list(np.cos(2 * np.pi * h * mid / 365.2425))
    for e, n in enumerate(names):
        reg[n] = list(od[e] / 7)
    with open(os.path.join(o.outdir, "design.json"), "w") as f:
        json.dump(dict(T=T, start=START.isoformat(), channels=ids, families=list(fam), W=W.tolist(),
                       plan_W=pW.tolist(), regressors=reg), f)

    corr = np.corrcoef(x)
    np.fill_diagonal(corr, 0)
    truth = dict(seed=o.seed, channels=C, weeks=T, noise=sigma, events=names,
                 baseline=dict(level=level, trend=trend, season_amp=amp, season_phase=phase,
                               events=dict(zip(names, gamma.tolist()))),
                 max_spend_corr=float(np.abs(corr).max()) if C > 1 else 0.0, budget=budget,
                 history_channel_gmv=float(G.sum()), history_gmv=float(G.sum() + base.sum()),
                 model_total=(base + G.sum(axis=0)).tolist(), model_channel=G.tolist(), channel=[])
    for c in range(C):
        r, mr = roas_at_mean(fam[c], beta[c], k[c], s[c], theta[c], mean[c])
        cv = float(x[c].std() / mean[c])
        truth["channel"].append(dict(
            id=ids[c], family=fam[c], beta=beta[c], k=k[c], s=s[c], theta=theta[c], pattern=kinds[c],
            mean_spend=mean[c], spend_cv=cv, varies=cv > 0.2, roas_mean=r, mroas_mean=mr,
            contribution=float(G[c].sum()), roas_hist=float(G[c].sum() / x[c].sum())))
    if not o.no_optimum:
        # the plan's optimum (its 52 weeks from adstock 0), started from the history's last year
        xo, lam = optimum(pW, p, budget, x[:, -PLAN_WEEKS:] * (budget / x[:, -PLAN_WEEKS:].sum()))
        Go = channel_gmv(xo, pW, p)
        truth["optimum"] = dict(budget=budget, channel_gmv=float(Go.sum()), lam=lam,
                                channel_spend=dict(zip(ids, xo.sum(axis=1).tolist())))
    with open(os.path.join(o.outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, default=lambda v: v.item() if hasattr(v, "item") else str(v))


if __name__ == "__main__":
    main()
