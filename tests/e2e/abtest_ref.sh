#!/bin/sh
# mplan abtest against independent computations (statsmodels and scipy), once, on generated
# cases: every statistic to 1e-6 relative (1e-12 absolute for values near 0). Edges: no
# conversions, all conversions, one visitor a variant, tens of millions of visitors, a
# Jeffreys prior, several variants (Holm), unequal planned splits (SRM), --sequential, and
# per-visitor rows checked with ttest_ind(usevar='unequal') on the raw values.
. tests/e2e/lib.sh
PY=/usr/bin/python3
if ! $PY -c 'import statsmodels, scipy' 2>/dev/null; then
    fail "abtest reference" "python3-statsmodels and python3-scipy are needed (make deps-test)"
    finish
fi
MPLAN="$MPLAN" $PY - "$TMP" <<'PYEOF'
import json, math, os, random, subprocess, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportion_effectsize, proportions_ztest)
from statsmodels.stats.weightstats import ttest_ind

tmp = sys.argv[1]
KEEP = os.environ.get("ABREF_KEEP")
if KEEP: tmp = KEEP
mplan = os.environ["MPLAN"]
rng = random.Random(12)
fails, checks = [], 0
A = 0.05

def near(what, got, want, rel=1e-6, absol=1e-12):
    global checks
    checks += 1
    if want is None or (isinstance(want, float) and math.isnan(want)):
        ok = got is None
    else:
        ok = got is not None and abs(got - want) <= max(rel * abs(want), absol)
    if not ok:
        fails.append("%s: mplan %r, reference %r" % (what, got, want))

def run(args):
    r = subprocess.run([mplan] + args + ["--format", "json"], capture_output=True, text=True)
    if r.returncode != 0:
        fails.append("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr[:300]))
        return None
    return json.loads(r.stdout)

def beta_sd(a, b):
    return math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))

def panels(a, b):
    m, s = a / (a + b), beta_sd(a, b)
    return {min(1, max(0, m + k * s)) for k in (-40, -10, -6, -3, -1.5, 0, 1.5, 3, 6, 10, 40)} | {0.0, 1.0}

GX, GW = np.polynomial.legendre.leggauss(64)

def gl(f, pts):
    """Gauss-Legendre (64 nodes) on each panel between sorted points, all nodes at once."""
    pts = np.array(sorted(pts))
    lo, hi = pts[:-1], pts[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    x = (0.5 * (hi - lo))[:, None] * GX[None, :] + (0.5 * (hi + lo))[:, None]
    w = (0.5 * (hi - lo))[:, None] * GW[None, :]
    return float((f(x) * w).sum())

def singular(a, b):
    return a < 1 or b < 1

def outer_nodes(a, b, extra):
    """Nodes y and weights w with sum w * h(y) = integral of f_Beta(a,b)(y) h(y) dy: Gauss-Legendre
    on panels; at a pole (a < 1 at 0, b < 1 at 1) in t with y = t^(1/a) (or 1 - y = t^(1/b)),
    where f dy = (1 - y)^(b - 1) / (a B(a, b)) dt has none."""
    pts = sorted(panels(a, b) | set(extra))
    if not singular(a, b):
        pts = np.array(pts)
        lo, hi = pts[:-1], pts[1:]
        keep = hi > lo
        lo, hi = lo[keep], hi[keep]
        ys = ((0.5 * (hi - lo))[:, None] * GX[None, :] + (0.5 * (hi + lo))[:, None]).ravel()
        ws = ((0.5 * (hi - lo))[:, None] * GW[None, :]).ravel() * stats.beta.pdf(ys, a, b)
        return ys, ws
    at0 = a < 1
    k, other = (a, b) if at0 else (b, a)
    tp = np.array(sorted({(p if at0 else 1 - p) ** k for p in pts} | {0.0, 1.0}))
    lo, hi = tp[:-1], tp[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    ts = ((0.5 * (hi - lo))[:, None] * GX[None, :] + (0.5 * (hi + lo))[:, None]).ravel()
    wt = ((0.5 * (hi - lo))[:, None] * GW[None, :]).ravel()
    u = ts ** (1 / k)
    ws = wt * np.exp((other - 1) * np.log1p(-u) - math.log(k) - special.betaln(k, other))
    return (u if at0 else 1 - u), ws

def prob_greater(a1, b1, a2, b2):
    """P(X1 > X2) = integral of f_X1 * F_X2 (scipy's beta)."""
    ys, ws = outer_nodes(a1, b1, panels(a2, b2))
    return float((ws * stats.beta.cdf(ys, a2, b2)).sum())

GX2, GW2 = np.polynomial.legendre.leggauss(40)

def expected_loss(at, bt, ac, bc):
    """E[max(C - T, 0)] = integral of f_T(y) * g(y) dy, g(y) = integral from y to 1 of P(C > x) dx:
    both by Gauss-Legendre on panels, g for every outer node at once (scipy's beta)."""
    pc = np.array(sorted(panels(ac, bc)))
    def g(ys):
        lo = np.maximum(pc[:-1][None, :], ys[:, None])          # [ny, npanel]
        hi = np.maximum(pc[1:][None, :], ys[:, None])
        h, c = 0.5 * (hi - lo), 0.5 * (hi + lo)
        x = h[:, :, None] * GX2[None, None, :] + c[:, :, None]
        return (stats.beta.sf(x, ac, bc) * h[:, :, None] * GW2[None, None, :]).sum(axis=(1, 2))
    ys, ws = outer_nodes(at, bt, pc)
    keep = ws > 1e-300
    return float((ws[keep] * g(ys[keep])).sum())

def msprt(diff, v, s2, horizon):
    if v == 0:
        return 1.0, (None, None)
    l = -2 * math.log(A)
    tau2 = s2 * (l + math.log(1 + l)) / horizon
    lam = math.sqrt(v / (v + tau2)) * math.exp(diff * diff * tau2 / (2 * v * (v + tau2)))
    half = math.sqrt(v * (v + tau2) / tau2 * (-2 * math.log(A) + math.log((v + tau2) / v)))
    return min(1.0, 1 / lam), (diff - half, diff + half)

def check_case(name, arms, prior=(1, 1), split=None, seq=False, horizon=None, revenue=None):
    """arms: [(name, visitors, conversions)]; revenue: [(sum, sum_sq)] per arm."""
    path = os.path.join(tmp, name + ".csv")
    with open(path, "w") as f:
        f.write("variant,visitors,conversions" + (",revenue,revenue_sq" if revenue else "") + "\n")
        for i, (v, n, x) in enumerate(arms):
            f.write("%s,%d,%d" % (v, n, x) + (",%r,%r" % revenue[i] if revenue else "") + "\n")
    args = ["abtest", "analyze", path, "--prior", "beta(%r,%r)" % prior]
    if split:
        args += ["--split", "/".join(str(s) for s in split)]
    if seq:
        args += ["--sequential"]
    if horizon:
        args += ["--horizon", str(horizon)]
    out = run(args)
    if out is None:
        return
    conv = out["metrics"][0]["variants"]
    _, n0, x0 = arms[0]
    pvals = []
    for i, (v, n, x) in enumerate(arms):
        o = conv[i]
        w = proportion_confint(x, n, alpha=A, method="wilson")
        near(name + " %s rate" % v, o["value"], x / n)
        near(name + " %s wilson lo" % v, o["value_ci"][0], w[0])
        near(name + " %s wilson hi" % v, o["value_ci"][1], w[1])
        if i == 0:
            continue
        d = confint_proportions_2indep(x, n, x0, n0, method="newcomb", compare="diff", alpha=A)
        near(name + " %s newcombe lo" % v, o["diff_ci"][0], d[0])
        near(name + " %s newcombe hi" % v, o["diff_ci"][1], d[1])
        r = confint_proportions_2indep(x, n, x0, n0, method="log-adjusted", compare="ratio", alpha=A)
        near(name + " %s ratio lo" % v, o["rel_ci"][0], r[0] - 1)
        near(name + " %s ratio hi" % v, o["rel_ci"][1], r[1] - 1)
        with np.errstate(all="ignore"):
            p = proportions_ztest([x, x0], [n, n0])[1]
        p = 1.0 if math.isnan(p) else p
        pvals.append(p)
        near(name + " %s z-test p" % v, o["p"], p)
        at, bt, ac, bc = prior[0] + x, prior[1] + n - x, prior[0] + x0, prior[1] + n0 - x0
        near(name + " %s P(beat)" % v, o["prob_beat"], prob_greater(at, bt, ac, bc), absol=1e-10)
        near(name + " %s expected loss" % v, o["expected_loss"], expected_loss(at, bt, ac, bc), absol=1e-12)
        if seq:
            pt, pc = x / n, x0 / n0
            sp, sci = msprt(pt - pc, pt * (1 - pt) / n + pc * (1 - pc) / n0, pt * (1 - pt) + pc * (1 - pc),
                            horizon or 10000)
            near(name + " %s mSPRT p" % v, o["seq_p"], sp)
            got = o["seq_ci"] or (None, None)
            near(name + " %s mSPRT lo" % v, got[0], sci[0])
            near(name + " %s mSPRT hi" % v, got[1], sci[1])
    holm = multipletests(pvals, method="holm")[1]
    for i in range(1, len(arms)):
        near(name + " %s holm" % arms[i][0], conv[i]["p_holm"], holm[i - 1])
    e = np.array(split if split else [1] * len(arms), float)
    obs = np.array([n for _, n, _ in arms], float)
    chi = stats.chisquare(obs, obs.sum() * e / e.sum())
    near(name + " srm chi2", out["srm"]["chi2"], chi.statistic, absol=1e-9)
    near(name + " srm p", out["srm"]["p"], chi.pvalue)
    if revenue:
        rev = out["metrics"][1]["variants"]
        stat = []
        for (v, n, x), (s, ss) in zip(arms, revenue):
            m = s / n
            stat.append((n, m, (ss - s * s / n) / (n - 1)))
        n0_, m0, v0 = stat[0]
        for i in range(1, len(arms)):
            n, m, var = stat[i]
            t = stats.ttest_ind_from_stats(m, math.sqrt(var), n, m0, math.sqrt(v0), n0_, equal_var=False)
            near(name + " welch p", rev[i]["p"], t.pvalue)
            u1, u2 = var / n, v0 / n0_
            df = (u1 + u2) ** 2 / (u1 ** 2 / (n - 1) + u2 ** 2 / (n0_ - 1))
            h = stats.t.ppf(1 - A / 2, df) * math.sqrt(u1 + u2)
            near(name + " welch lo", rev[i]["diff_ci"][0], m - m0 - h)
            near(name + " welch hi", rev[i]["diff_ci"][1], m - m0 + h)

cases = 0
def case(*a, **k):
    global cases
    cases += 1
    check_case("case%02d" % cases, *a, **k)

# edges by hand
case([("A", 1, 0), ("B", 1, 1)])
case([("A", 1, 1), ("B", 1, 1)])
case([("A", 50, 0), ("B", 50, 0)])
case([("A", 50, 50), ("B", 50, 50)])
case([("A", 200, 0), ("B", 200, 3)])
case([("A", 200, 200), ("B", 200, 197)])
case([("A", 30000000, 600000), ("B", 30000000, 603000)])
case([("A", 20000000, 400000), ("B", 20000000, 401000)], seq=True, horizon=5000000)
case([("A", 50, 0), ("B", 60, 0)], prior=(0.5, 0.5))
case([("A", 80, 80), ("B", 80, 79)], prior=(0.5, 0.5))
case([("A", 1000, 21), ("B", 1000, 30), ("C", 1000, 25), ("D", 1000, 12)])
case([("A", 10000, 500), ("B", 9500, 520)], split=[50, 50])
case([("A", 12000, 240), ("B", 8000, 170)], split=[60, 40])
case([("A", 5000, 110), ("B", 5000, 140)], seq=True)
case([("A", 3, 1), ("B", 4, 3)], revenue=[(30.0, 900.0), (75.5, 2600.25)])
# generated
for k in range(40):
    narms = rng.choice([2, 2, 2, 3, 4])
    n_scale = rng.choice([10, 100, 1000, 10000, 100000, 1000000])
    base = rng.choice([0.001, 0.02, 0.05, 0.3, 0.5, 0.97])
    arms = []
    for i in range(narms):
        n = max(1, int(n_scale * rng.uniform(0.8, 1.2)))
        p = min(1, base * rng.uniform(0.8, 1.25))
        x = int(np.random.default_rng(k * 10 + i).binomial(n, p))
        arms.append(("ABCD"[i], n, x))
    revenue = None
    if k % 3 == 0 and all(n > 1 for _, n, _ in arms):
        revenue = []
        for _, n, x in arms:
            vals = np.random.default_rng(k + 99).lognormal(3, 1, size=max(x, 2))
            s, ss = float(vals[:x].sum()), float((vals[:x] ** 2).sum())
            if x == 0:
                s, ss = 0.0, 0.0
            revenue.append((s, ss))
        if any(s == 0 for s, _ in revenue):
            revenue = None
    split = None
    if k % 5 == 1:
        w = [rng.choice([1, 2, 3]) for _ in arms]
        split = w
    prior = (0.5, 0.5) if k % 7 == 3 else (rng.choice([1, 2]), rng.choice([1, 10]))
    case(arms, prior=prior, split=split, seq=(k % 4 == 2), horizon=(rng.choice([None, 20000]) if k % 4 == 2 else None),
         revenue=revenue)

# per-visitor rows: statsmodels' ttest_ind on the raw values, and the counts' statistics
for k in range(4):
    g = np.random.default_rng(500 + k)
    path = os.path.join(tmp, "rows%d.csv" % k)
    data = {}
    with open(path, "w") as f:
        f.write("variant,converted,revenue,returns\n")
        for v, n, p in (("A", 1500 + 100 * k, 0.05), ("B", 1400, 0.07)):
            conv = g.random(n) < p
            rev = np.where(conv, g.lognormal(4, 1.2, n), 0.0).round(2)
            ret = np.where(conv, (g.random(n) < 0.1).astype(float), 0.0)
            data[v] = (conv, rev, ret)
            for c, r, t in zip(conv, rev, ret):
                f.write("%s,%d,%r,%d\n" % (v, c, float(r), t))
    out = run(["abtest", "analyze", path, "--bootstrap", "0"])
    if out is None:
        continue
    ms = {m["name"]: m["variants"] for m in out["metrics"]}
    ca, cb = data["A"][0], data["B"][0]
    near("rows%d conversions" % k, ms["conversion"][1]["sum"], float(cb.sum()))
    near("rows%d z-test p" % k, ms["conversion"][1]["p"], proportions_ztest([cb.sum(), ca.sum()], [len(cb), len(ca)])[1])
    for col, j in (("revenue", 1), ("returns", 2)):
        t, p, df = ttest_ind(data["B"][j], data["A"][j], usevar="unequal")
        near("rows%d %s welch p" % (k, col), ms[col][1]["p"], p)
        near("rows%d %s mean" % (k, col), ms[col][1]["value"], float(data["B"][j].mean()))

# design: NormalIndPower.solve_power on Cohen's h (rates) or d (revenue)
designs = [(0.021, 0.08, 0.05, 0.8, 2), (0.021, 0.08, 0.05, 0.9, 3), (0.5, 0.02, 0.01, 0.8, 2),
           (0.001, 0.3, 0.05, 0.8, 4), (0.3, -0.05, 0.1, 0.95, 2), (0.05, 0.2, 0.05, 0.5, 2)]
for i, (p0, mde, alpha, power, k) in enumerate(designs):
    out = run(["abtest", "design", "--baseline", repr(p0), "--mde", "%r%%" % (100 * mde), "--alpha", repr(alpha),
               "--power", repr(power), "--variants", str(k)])
    if out is None:
        continue
    es = proportion_effectsize(p0 * (1 + mde), p0)
    n = NormalIndPower().solve_power(effect_size=es, alpha=alpha / (k - 1), power=power, ratio=1)
    near("design%d visitors per arm (exact)" % i, out["visitors_per_arm_exact"], n)
    near("design%d visitors per arm" % i, out["visitors_per_arm"], math.ceil(n), rel=0, absol=0)
for i, (mean, sd, mde) in enumerate([(3.2, 28.0, 0.05), (120.0, 80.0, 0.02)]):
    out = run(["abtest", "design", "--metric", "revenue", "--baseline", repr(mean), "--sd", repr(sd), "--mde",
               "%r%%" % (100 * mde)])
    if out is None:
        continue
    n = NormalIndPower().solve_power(effect_size=mean * mde / sd, alpha=0.05, power=0.8, ratio=1)
    near("design revenue%d visitors per arm (exact)" % i, out["visitors_per_arm_exact"], n)

print("cases %d, checks %d" % (cases, checks), file=sys.stderr)
if cases < 50 or checks < 1000:
    fails.append("too few cases (%d) or checks (%d)" % (cases, checks))
for f in fails[:25]:
    print("MISMATCH " + f)
sys.exit(1 if fails else 0)
PYEOF
rc=$?
[ $rc -eq 0 ] && ok "abtest: every statistic matches statsmodels/scipy on 55 generated cases" ||
    fail "abtest reference" "see MISMATCH lines above"
finish
