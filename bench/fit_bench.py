#!/usr/bin/python3
"""`mplan fit` against known curves and against scipy (bench/fit.sh, docs/performance.md "Fit").

Histories come from bench/fit_gen.py (deterministic seeds). For each, `mplan fit --format json`
and the anchor bench/fit_scipy.py (scipy.optimize.least_squares, same model, same data, same
holdout) run in the same process tree; times are CPU time (user + system) of each.

  speed      store totals (wide) and per-channel reports (long), 6 and 12 channels x 104 and
             156 weeks, noise 5% and 15%, seed 1: CPU time, ratio, sum of squares of both and of
             the true curves (goal: 12 x 156 in under 1 s, >= 20x scipy at an SSE no worse)
  accuracy   the same grid over seeds 1..FIT_ACC_SEEDS: ROAS at the mean spend within 10% of
             the truth (channels whose spend varies: CV > 0.2), next to what the history allows:
             the Cramer-Rao bound on ROAS's standard deviation at the true curves (no unbiased
             fit does better) and how many channels a fit that reached it would put within 10%;
             holdout MAPE / injected noise (goal <= 1.2)
  decisions  12 x 156 over seeds 1..FIT_SEEDS: `mplan run` of the plan `fit --write-plan`
             wrote (the 52 weeks after the history), its allocation scored on the TRUE curves
             (fit_gen's forecast) over the true optimum (goal: min and median >= 97%); with --bootstrap FIT_BOOT, the share of
             channel-seeds whose 90% interval of ROAS at the mean spend holds the truth (goal
             80-97%)
  lifts      12 x 156 store totals with one lift test per channel (8 weeks, 5% error,
             `--experiments`): ROAS within 10%, decisions and coverage as above
  overdraws  (after decisions, with its fitted plans) planning over the bootstrap draws: the
             allocation maximising the mean channel GMV over 50 draws, scored on the truth
Without `mplan fit` in the build, the fitter is the anchor itself (per-channel reports only
where scipy takes minutes), so the tables show what the goals are measured against.

usage: fit_bench.py PATH/TO/mplan
env: FIT_SEEDS (20), FIT_ACC_SEEDS (5), FIT_BOOT (200), FIT_QUICK=1 (fewer sizes),
     FIT_PARTS (speed,accuracy,decisions,lifts; overdraws on request)
"""
import json
import os
import resource
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fit_gen  # noqa: E402

PY = "/usr/bin/python3"


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def generate(root, C, T, noise, seed, optimum):
    d = os.path.join(root, f"{C}x{T}-n{int(noise * 100)}-s{seed}")
    args = [PY, os.path.join(HERE, "fit_gen.py"), d, "--channels", str(C), "--weeks", str(T),
            "--noise", str(noise), "--seed", str(seed)]
    if not optimum:
        args.append("--no-optimum")
    if not os.path.exists(os.path.join(d, "truth.json")) or (
            optimum and "optimum" not in json.load(open(os.path.join(d, "truth.json")))):
        subprocess.run(args, check=True)
    return d


def hist(d, fmt):
    return os.path.join(d, "history_total.csv" if fmt == "total" else "history_channels.csv")


class Mplan:
    name = "mplan fit"

    def __init__(self, exe):
        self.exe = exe

    def fit(self, d, fmt, H, boot=0, write_plan=None):
        args = [self.exe, "fit", hist(d, fmt), "--plan", os.path.join(d, "plan.yaml"), "--holdout", str(H),
                "--format", "json"]
        if boot:
            args += ["--bootstrap", str(boot)]
        if write_plan:
            args += ["--write-plan", write_plan]
        t0 = cpu_children()
        r = subprocess.run(args, capture_output=True, text=True)
        t = cpu_children() - t0
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[:400]}")
        j = json.loads(r.stdout)
        mape = j.get("fit", {}).get("holdout", {}).get("mape")
        per = [c["fit"]["holdout"]["mape"] for c in j["channels"] if "fit" in c]
        if fmt == "channels" and per and None not in per:
            # each channel's own holdout error: the top-level one is of their sum per period,
            # where independent noise averages out
            mape = sum(per) / len(per)
        return dict(time=t, sse=j.get("sse"), mape=mape, channels=j["channels"])


class Anchor:
    name = "scipy"

    def fit(self, d, fmt, H, boot=0, write_plan=None):
        args = [PY, os.path.join(HERE, "fit_scipy.py"), d, "--holdout", str(H)]
        if fmt == "channels":
            args.append("--long")
        if write_plan:
            args += ["--write-plan", write_plan]
        j = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
        return dict(time=j["time"], sse=j["sse"], mape=j["holdout_mape"], channels=j["channels"])


def truth_sse(d, fmt, H):
    t = json.load(open(os.path.join(d, "truth.json")))
    x, y = fit_scipy_read(d, fmt, t)
    n = t["weeks"] - H
    model = np.array(t["model_total"] if fmt == "total" else t["model_channel"])
    return float(np.sum((y[..., :n] - model[..., :n]) ** 2))


def fit_scipy_read(d, fmt, t):
    import fit_scipy
    return fit_scipy.read_history(hist(d, fmt), [c["id"] for c in t["channel"]], fmt == "channels")


def ms(seconds):
    if seconds < 0.01:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e3:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def startup(exe, reps=9):
    """CPU time of `mplan --version` (the process's start-up: loader, libraries), best of reps."""
    best = float("inf")
    for _ in range(reps):
        t0 = cpu_children()
        subprocess.run([exe, "--version"], capture_output=True)
        best = min(best, cpu_children() - t0)
    return best


def best_of(reps, fit):
    """The fit with the least CPU time of reps runs (small fits: one run's time is noise)."""
    return min((fit() for _ in range(reps)), key=lambda r: r["time"])


def in_process(exe, d, fmt, reps):
    """bench_fit (bench/bench_fit.c, built by bench/fit.sh next to mplan): the least CPU time of
    one fit in a running process over reps runs, and its sum of squares."""
    r = subprocess.run([exe, os.path.join(d, "plan.yaml"), hist(d, fmt), str(reps)], check=True,
                       capture_output=True, text=True)
    t, sse = r.stdout.split()
    return float(t), float(sse)


def speed(root, fitter, anchor, quick):
    print("### Fit: speed against scipy least_squares")
    print()
    inproc = os.path.join(os.path.dirname(os.path.abspath(fitter.exe)), "bench", "bench_fit") \
        if fitter is not anchor else None
    if inproc and not os.path.exists(inproc):
        inproc = None
    start = startup(fitter.exe) if fitter is not anchor else 0.0
    print(f"(The anchor's time is its fit alone: no interpreter start-up, imports or file reading. \"the fit "
          f"alone\" is the same for mplan: what `mplan fit --holdout 0` does after loading its plan (reading the "
          f"history included), in one process, bench/bench_fit.c, best of 20 runs per channel and of 3 for store "
          f"totals. \"Whole process\" is `mplan fit` run as a command, best of 3 per channel and one run for "
          f"store totals; an mplan process's start-up alone, `mplan --version`, best of 9: {start * 1e3:.1f} ms.)")
    print()
    print("| history | channels x weeks | noise | mplan fit, the fit alone | scipy, the fit alone | speed ratio "
          "| mplan fit, whole process | ratio, whole process | SSE mplan fit | SSE scipy | SSE of the true curves |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    grid = [(6, 104), (12, 156)] if quick else [(6, 104), (6, 156), (12, 104), (12, 156)]
    for fmt in ("total", "channels"):
        for C, T in grid:
            for noise in (0.05, 0.15):
                d = generate(root, C, T, noise, 1, False)
                H = 0  # one fit each on every period: the same work
                reps = 3 if fmt == "channels" else 1
                a = best_of(reps, lambda: anchor.fit(d, fmt, H))
                mine = fitter is not anchor
                f = best_of(reps, lambda: fitter.fit(d, fmt, H)) if mine else a
                alone, alone_sse = in_process(inproc, d, fmt, 20 if fmt == "channels" else 3) if inproc \
                    else (None, None)
                if alone_sse is not None and abs(alone_sse - f["sse"]) > 1e-9 * abs(f["sse"]):
                    raise RuntimeError(f"{d}: bench_fit's SSE {alone_sse} is not mplan fit's {f['sse']}")
                cell = (lambda t: f"{t:,.1f}x") if mine else (lambda t: "-")
                sse_f = f"{f['sse']:.6e}" if mine and f["sse"] is not None else "-"
                print(f"| {'store totals' if fmt == 'total' else 'per channel'} | {C} x {T} | {noise:.0%} "
                      f"| {ms(alone) if alone else '-'} | {ms(a['time'])} | "
                      f"{cell(a['time'] / alone) if alone else '-'} | {ms(f['time']) if mine else '-'} | "
                      f"{cell(a['time'] / f['time'])} | {sse_f} | {a['sse']:.6e} | {truth_sse(d, fmt, H):.6e} |")
                sys.stdout.flush()
    print()


def roas_err(truth, got):
    """Relative ROAS errors of channels whose spend varies, and (for the 90% intervals)
    hits and tries."""
    by = {c["id"]: c for c in got["channels"]}
    errs, hit, tries = [], 0, 0
    for c in truth["channel"]:
        if not c["varies"]:
            continue
        g = by[c["id"]]
        errs.append(abs(g["roas_mean"] / c["roas_mean"] - 1))
        ci = g.get("roas_mean_ci90")
        if ci:
            tries += 1
            hit += ci[0] <= c["roas_mean"] <= ci[1]
    return errs, hit, tries


def roas_sd(J, idx, fam, v, m):
    """Relative standard deviation of a channel's ROAS at the mean spend m, by the delta method,
    from the Fisher information J^T J of noise-scaled residuals; idx are the columns of J that
    hold v = (beta, k, s, theta) (s only for hill)."""
    import fit_scipy
    keys = [0, 1] + ([2] if fam == "hill" else []) + [3]
    grad = []
    for key in keys:
        h = 1e-6 * max(abs(v[key]), 1e-3)
        up, dn = list(v), list(v)
        up[key] += h
        dn[key] -= h
        grad.append((fit_scipy.roas_at_mean(fam, *up, m)[0] - fit_scipy.roas_at_mean(fam, *dn, m)[0]) / (2 * h))
    grad = np.array(grad)
    cov = np.linalg.pinv(J.T @ J)
    return float(np.sqrt(grad @ cov[np.ix_(idx, idx)] @ grad)) / fit_scipy.roas_at_mean(fam, *v, m)[0]


def cramer_rao(d, fmt):
    """The least relative standard deviation of ROAS at the mean spend that any unbiased fit of
    this history can have (the Cramer-Rao bound at the true parameters, noise known), for each
    channel whose spend varies. Every parameter of the model is free: the baseline's (store
    totals) and each channel's beta, k, s (hill) and theta."""
    import fit_scipy
    t = json.load(open(os.path.join(d, "truth.json")))
    g = json.load(open(os.path.join(d, "design.json")))
    ch = t["channel"]
    fam = [c["family"] for c in ch]
    x = fit_scipy_read(d, "total", t)[0]
    v = {key: np.array([c[key] for c in ch]) for key in ("beta", "k", "s", "theta")}
    gg, gk, gs, gth = fit_scipy.Channels(x, np.array(g["W"]), fam).parts(v["k"], v["s"], v["theta"])
    b = v["beta"][:, None]
    dk, ds, dth = b * gk, b * gs, b * gth
    out = []
    if fmt == "total":
        R = np.array(list(g["regressors"].values()))
        hill = [c for c in range(len(ch)) if fam[c] == "hill"]
        cols = np.concatenate([R, gg, dk, ds[hill], dth], axis=0)
        J = (cols / (t["noise"] * np.array(t["model_total"]))).T
        nR, C = R.shape[0], len(ch)
        for c in range(C):
            if not ch[c]["varies"]:
                continue
            idx = [nR + c, nR + C + c] + ([nR + 2 * C + hill.index(c)] if c in hill else []) + [
                nR + 2 * C + len(hill) + c]
            out.append(roas_sd(J, idx, fam[c], [ch[c][key] for key in ("beta", "k", "s", "theta")], x[c].mean()))
        return out
    G = np.array(t["model_channel"])
    for c in range(len(ch)):
        if not ch[c]["varies"]:
            continue
        cols = [gg[c], dk[c]] + ([ds[c]] if fam[c] == "hill" else []) + [dth[c]]
        J = (np.array(cols) / (t["noise"] * G[c])).T
        out.append(roas_sd(J, list(range(len(cols))), fam[c], [ch[c][key] for key in ("beta", "k", "s", "theta")],
                           x[c].mean()))
    return out


def within_unbiased(sds, tol=0.10):
    """Expected number of channels an unbiased, efficient fit puts within tol of the truth."""
    from math import erf, sqrt
    return sum(erf(tol / (sd * sqrt(2))) for sd in sds)


def mape_ratio(mape, noise):
    if mape is None:
        return None
    return (mape / 100 if mape > 1 else mape) / noise  # a percentage is read as one


def accuracy(root, fitter, seeds, quick):
    print(f"### Fit: accuracy over seeds 1-{seeds} ({fitter.name})")
    print()
    print("| history | channels x weeks | noise | channels that vary | ROAS within 10% | median ROAS error "
          "| worst ROAS error | the data's limit: median least SD of ROAS | within 10% for the best unbiased fit "
          "| holdout MAPE / noise: median | worst |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    grid = [(6, 104), (12, 156)] if quick else [(6, 104), (6, 156), (12, 104), (12, 156)]
    for fmt in ("total", "channels"):
        if fmt == "total" and isinstance(fitter, Anchor):
            continue  # minutes per fit: the speed table has the anchor's store-total fits
        for C, T in grid:
            for noise in (0.05, 0.15):
                errs, mr, sds = [], [], []
                for seed in range(1, seeds + 1):
                    d = generate(root, C, T, noise, seed, False)
                    t = json.load(open(os.path.join(d, "truth.json")))
                    f = fitter.fit(d, fmt, T // 8)
                    errs += roas_err(t, f)[0]
                    sds += cramer_rao(d, fmt)
                    r = mape_ratio(f["mape"], noise)
                    if r is not None:
                        mr.append(r)
                within = sum(e <= 0.10 for e in errs)
                mtxt = f"{statistics.median(mr):.2f} | {max(mr):.2f}" if mr else "- | -"
                print(f"| {'store totals' if fmt == 'total' else 'per channel'} | {C} x {T} | {noise:.0%} | "
                      f"{len(errs)} | {within} ({within / len(errs):.0%}) | {statistics.median(errs):.1%} | "
                      f"{max(errs):.1%} | {statistics.median(sds):,.1%} | {within_unbiased(sds):.1f} "
                      f"({within_unbiased(sds) / len(sds):.0%}) | {mtxt} |")
                sys.stdout.flush()
    print()


def run_alloc(exe, plan, C, T, ids):
    r = subprocess.run([exe, "run", plan, "--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mplan run {plan}: exit {r.returncode}: {r.stderr[:400]}")
    x = np.zeros((C, T))
    for cell in json.loads(r.stdout)["allocation"]:
        x[ids.index(cell["channel"]), cell["t"] - 1] = cell["spend"]
    return x, json.loads(r.stdout)


def true_gmv(d, t, x):
    """Channel GMV of allocation x over the plan's weeks, on the true curves."""
    W = np.array(json.load(open(os.path.join(d, "design.json")))["plan_W"])
    ch = t["channel"]
    p = dict(fam=np.array([c["family"] for c in ch]), beta=np.array([c["beta"] for c in ch]),
             k=np.array([c["k"] for c in ch]), s=np.array([c["s"] for c in ch]),
             theta=np.array([c["theta"] for c in ch]))
    return float(fit_gen.channel_gmv(x, W, p).sum())


def decisions(root, exe, fitter, seeds, boot, C=12, T=156, P=fit_gen.PLAN_WEEKS):
    print(f"### Fit: decision quality and bootstrap coverage, {C} x {T}, seeds 1-{seeds} ({fitter.name})")
    print()
    print(f"Channel GMV of each allocation of the next {P} weeks' budget, scored on the true curves, "
          "over the true optimum's:")
    print()
    print("| history | noise | fitted plan: min | median | last year's spend again: median | the unfitted plan: "
          "min | median | seeds where the fitted plan does at least as well as the unfitted | "
          "90% intervals holding the true ROAS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    worst_check = 0.0
    for noise in (0.05, 0.15):
        dirs = [generate(root, C, T, noise, seed, True) for seed in range(1, seeds + 1)]
        ref = {}  # per history: the store's own allocation and the unfitted plan's, scored
        for d in dirs:
            t = json.load(open(os.path.join(d, "truth.json")))
            ids, opt = [c["id"] for c in t["channel"]], t["optimum"]["channel_gmv"]
            _, rt = run_alloc(exe, os.path.join(d, "truth_plan.yaml"), C, P, ids)
            worst_check = max(worst_check, abs(rt["kpis"]["total"]["channel_gmv"] / opt - 1))
            xn, _ = run_alloc(exe, os.path.join(d, "plan.yaml"), C, P, ids)
            xl = fit_scipy_read(d, "total", t)[0][:, -P:]
            xl *= t["optimum"]["budget"] / xl.sum()
            ref[d] = (true_gmv(d, t, xl) / opt, true_gmv(d, t, xn) / opt)
        for fmt in ("total", "channels"):
            if fmt == "total" and isinstance(fitter, Anchor):
                continue
            got, hit, tries, better = [], 0, 0, 0
            for d in dirs:
                t = json.load(open(os.path.join(d, "truth.json")))
                ids = [c["id"] for c in t["channel"]]
                out = os.path.join(d, f"fitted_{fmt}_{fitter.name.split()[0]}.yaml")
                f = fitter.fit(d, fmt, T // 8, boot=boot, write_plan=out)
                x, _ = run_alloc(exe, out, C, P, ids)
                got.append(true_gmv(d, t, x) / t["optimum"]["channel_gmv"])
                better += got[-1] >= ref[d][1] - 1e-9
                _, h, n = roas_err(t, f)
                hit, tries = hit + h, tries + n
            cov = f"{hit} of {tries} ({hit / tries:.0%})" if tries else "no intervals"
            print(f"| {'store totals' if fmt == 'total' else 'per channel'} | {noise:.0%} | {min(got):.2%} | "
                  f"{statistics.median(got):.2%} | {statistics.median(r[0] for r in ref.values()):.2%} | "
                  f"{min(r[1] for r in ref.values()):.2%} | {statistics.median(r[1] for r in ref.values()):.2%} | "
                  f"{better} of {len(dirs)} | {cov} |")
            sys.stdout.flush()
    print()
    print(f"The true optimum (fit_gen.py: dual bisection over L-BFGS-B) and `mplan run` of the true plan "
          f"agree to {worst_check:.1e} (relative, worst history).")
    print()


def over_draws(root, seeds, ndraws=50, C=12, T=156, noise=0.05):
    """Planning over the bootstrap draws instead of the estimate: the allocation that maximises
    the mean channel GMV over the first `ndraws` draws of each fitted plan the decisions part
    wrote (fit_gen's optimiser on the draws' mean curve), scored on the true curves like the
    estimate's allocation (the same optimiser on the fitted curves)."""
    import yaml
    print(f"### Fit: planning over the bootstrap draws, {C} x {T}, noise {noise:.0%}, seeds 1-{seeds}")
    print()
    got = []
    for seed in range(1, seeds + 1):
        d = generate(root, C, T, noise, seed, True)
        t = json.load(open(os.path.join(d, "truth.json")))
        W = np.array(json.load(open(os.path.join(d, "design.json")))["plan_W"])
        ids = [c["id"] for c in t["channel"]]
        fitted = {c["id"]: c for c in yaml.safe_load(open(os.path.join(d, "fitted_total_mplan.yaml")))["channels"]}
        fam = np.array([fitted[i]["response"]["curve"] for i in ids])

        def params(get):
            return dict(fam=fam, **{k: np.array([float(get(fitted[i], k)) for i in ids])
                                    for k in ("beta", "k", "s", "theta")})
        est = params(lambda c, k: c.get("theta", 0) if k == "theta" else c["response"].get(k, 1.0))
        n = min(ndraws, len(fitted[ids[0]]["draws"]["beta"]))
        draws = [params(lambda c, k, j=j: c["draws"][k][j] if k in c["draws"] else 1.0) for j in range(n)]
        stack = {k: np.concatenate([p[k] for p in draws]) for k in est}
        Ws = np.tile(W, (n, 1))
        truep = dict(fam=np.array([c["family"] for c in t["channel"]]),
                     **{k: np.array([c[k] for c in t["channel"]]) for k in ("beta", "k", "s", "theta")})
        budget, opt = t["optimum"]["budget"], t["optimum"]["channel_gmv"]
        xe, _ = fit_gen.optimum(W, est, budget, np.full(W.shape, budget / W.size))
        gmv, grad = fit_gen.channel_gmv, fit_gen.gradient
        fit_gen.channel_gmv = lambda x, _W, _p: gmv(np.tile(x, (n, 1)), Ws, stack) / n
        fit_gen.gradient = lambda x, _W, _p: grad(np.tile(x, (n, 1)), Ws, stack).reshape(n, *W.shape).sum(axis=0) / n
        try:
            xm, _ = fit_gen.optimum(W, est, budget, xe)
        finally:
            fit_gen.channel_gmv, fit_gen.gradient = gmv, grad
        got.append((gmv(xe, W, truep).sum() / opt, gmv(xm, W, truep).sum() / opt))
    e, m = zip(*got)
    print("| allocation | min | median |")
    print("| --- | ---: | ---: |")
    print(f"| the estimate's curves | {min(e):.2%} | {statistics.median(e):.2%} |")
    print(f"| the mean over {ndraws} draws | {min(m):.2%} | {statistics.median(m):.2%} |")
    print()


def lift_tests(d, t, sd=0.05):
    """One lift test per channel (the experiments file `mplan fit --experiments` reads): the
    channel's true GMV over 8 weeks inside the fitted periods (windows staggered), measured with a
    relative error of sd (deterministic draws) and given with its 90% interval."""
    G = np.array(t["model_channel"])
    T, H = t["weeks"], t["weeks"] // 8
    rng = np.random.default_rng([t["seed"], t["channels"], T, 7])
    rows = ["channel,from,to,gmv,lo,hi,level"]
    for c, ch in enumerate(t["channel"]):
        a = T - H - 40 - 8 * (c % 6 + 1)
        m = G[c, a:a + 8].sum()
        est, half = m * (1 + sd * rng.standard_normal()), 1.6448536269514722 * sd * m
        rows.append(f"{ch['id']},{a + 1},{a + 8},{est:.2f},{est - half:.2f},{est + half:.2f},0.9")
    path = os.path.join(d, "lift_tests.csv")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")
    return path


def lifts(root, exe, seeds, boot, C=12, T=156, P=fit_gen.PLAN_WEEKS):
    print(f"### Fit: store totals with one lift test per channel, {C} x {T}, seeds 1-{seeds}")
    print()
    print("Each channel's GMV over 8 weeks measured with a 5% error (`--experiments`), intervals from "
          f"`--bootstrap {boot}`:")
    print()
    print("| noise | ROAS within 10% | median ROAS error | fitted plan: min | median | 90% intervals holding the true ROAS |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for noise in (0.05, 0.15):
        got, errs, hit, tries = [], [], 0, 0
        for seed in range(1, seeds + 1):
            d = generate(root, C, T, noise, seed, True)
            t = json.load(open(os.path.join(d, "truth.json")))
            out = os.path.join(d, "fitted_lift_mplan.yaml")
            args = [exe, "fit", hist(d, "total"), "--plan", os.path.join(d, "plan.yaml"), "--holdout", str(T // 8),
                    "--format", "json", "-q", "--experiments", lift_tests(d, t), "--write-plan", out,
                    "--bootstrap", str(boot)]
            r = subprocess.run(args, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[:400]}")
            x, _ = run_alloc(exe, out, C, P, [c["id"] for c in t["channel"]])
            got.append(true_gmv(d, t, x) / t["optimum"]["channel_gmv"])
            e, h, n = roas_err(t, json.loads(r.stdout))
            errs, hit, tries = errs + e, hit + h, tries + n
        within = sum(e <= 0.10 for e in errs)
        print(f"| {noise:.0%} | {within} of {len(errs)} ({within / len(errs):.0%}) | {statistics.median(errs):.1%} | "
              f"{min(got):.2%} | {statistics.median(got):.2%} | {hit} of {tries} ({hit / tries:.0%}) |")
        sys.stdout.flush()
    print()


def main():
    exe = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(exe)), "bench", "fit")
    os.makedirs(root, exist_ok=True)
    has_fit = subprocess.run([exe, "help", "fit"], capture_output=True).returncode == 0
    anchor = Anchor()
    fitter = Mplan(exe) if has_fit else anchor
    quick = os.environ.get("FIT_QUICK") == "1"
    if not has_fit:
        print("(`mplan fit` is not in this build: the anchor's own figures only.)")
        print()
    parts = os.environ.get("FIT_PARTS", "speed,accuracy,decisions,lifts").split(",")
    if "speed" in parts:
        speed(root, fitter, anchor, quick)
    if "accuracy" in parts:
        accuracy(root, fitter, int(os.environ.get("FIT_ACC_SEEDS", "5")), quick)
    if "decisions" in parts:
        decisions(root, exe, fitter, int(os.environ.get("FIT_SEEDS", "20")), int(os.environ.get("FIT_BOOT", "200")))
    if "lifts" in parts and has_fit:
        lifts(root, exe, int(os.environ.get("FIT_SEEDS", "20")), int(os.environ.get("FIT_BOOT", "200")))
    if "overdraws" in parts and has_fit:
        over_draws(root, int(os.environ.get("FIT_SEEDS", "20")))


if __name__ == "__main__":
    main()
