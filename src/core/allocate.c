/* equalize, the built-in allocator of docs/model.md 7.
 *
 * The decision variables are the "free cells": periods where an optimised channel may spend
 * (active, cap > 0) and whose spend the constraints do not already fix. The core problem is
 *
 *     maximise G(x) - p * S(x)   subject to 0 <= x <= cap, min <= channel total <= max,
 *                                S(x) <= b
 *
 * with G the GMV of those channels and S their spend (gmv: p = 0 and b the budget; profit:
 * p = 1/margin). For concave curves it is a convex problem and a primal-dual interior-point
 * method solves it to a duality gap of 1e-11 of the objective. Each Newton step is O(C*T):
 * per channel, the GMV Hessian over its free periods is A~^T diag(h~) A~ with A~^-1
 * bidiagonal, so with the barrier's diagonal added it is solved through one tridiagonal
 * system; a channel total's constraints and the budget add rank-one terms (Sherman-Morrison
 * per channel, once more for the budget). target_roas and goal are searches over b: their
 * optimum is the most GMV for some total spend b, and dG/db is the budget's shadow price,
 * so Newton's method on b converges from one side in a few solves. The derivation is in
 * docs/model-notes.md, "Allocation". S-curves: see solve_scurve.
 */
#include "mplan/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/allocate.h"
#include "core/curve.h"
#include "core/model.h"
#include "mplan/channel.h"

#define GAP_REL 1e-11    /* stop at a duality gap below this share of the objective's scale */
#define DUAL_TOL 1e-10   /* ... with stationarity to this share of the largest marginal */
#define KAPPA 30.0       /* a point is centred for mu when within KAPPA mu of the target */
#define DUAL_BOX 1e10    /* z s stays within this factor of mu (as in Ipopt) */
#define MAX_STEPS 200    /* interior-point iterations per solve: a guard against stalls */
#define RELAX_GAP 1e-7   /* the relaxed solve stops at this duality gap and ... */
#define RELAX_DUAL 1e-5  /* ... stationarity: lin_bound holds at any point, so more buys nothing */
#define RELAX_STEPS 40   /* ... and after this many steps (the envelope's kinks slow Newton) */
#define NODE_GAP 1e-6    /* branch and bound's node solves stop at this duality gap: its goal is 1e-4 */
#define MAX_SEARCH 40    /* solves per budget search: a guard */
#define ARMIJO 0.01      /* sufficient decrease, as a share of the predicted one */
#define TO_EDGE 0.99     /* a step goes at most this share of the way to a constraint */
#define A_MIN 1e-100     /* below this adstock, derivatives count as 0 (see eval_channel) */
#define LEVELS 32        /* S-curves: budget levels tried on the equal and beta paths */
#define GREEDY_STEPS 100 /* S-curves: the greedy allocation adds the budget in this many steps */
#define PUSH 1e-3        /* share of the central point mixed into a start to make it interior */
#define STALL_REL 1e-10  /* S-curves: a full step predicting less gain than this share of the scale ends a stage */
#define IDLE 5           /* S-curves: steps in a row without gain that end the last stage */
#define SEARCH_REL 1e-9  /* S-curves: target_roas and goal stop at a budget bracket this share of the budget */
#define MAX_STARTS 13    /* S-curves: local solves at most, the two of the heuristics included ... */
#define WORK_CELLS 1.2e6 /* ... and none more once interior-point steps x cells pass this */

/* An optimised channel with free cells. */
struct chan {
    size_t c;           /* index in plan->channels */
    size_t off, m;      /* its free cells are off .. off+m-1 of the cell vectors */
    double lo, hi, U;   /* bounds on its total; U = most it can spend = min(max, m * cap) */
    int pin0;           /* its total is fixed at lo whatever the budget (lo = U) */
    int pinned;         /* total fixed at lo in this solve: an equality, held by projection */
    int hi0;            /* max is below m * cap, so it can bind */
    int has_lo, has_hi; /* constraints on the total in this solve */
    double w, kappa;    /* Newton matrix: curvature of the total's constraints, Sherman-Morrison factor */
    double se, sr, sme; /* sums over the channel of M^-1 1, M^-1 rhs and its part of P^-1 1 */
    double dS;          /* change of the total along the step */
    double tot;         /* S-curves: total of the greedy allocation */
    size_t top;         /* S-curves: its cell with the most greedy gain per unit (off + m: none) */
    double knee, slope; /* S-curve (hill s > 1): tangent point of its concave envelope, slope there */
    double *ek, *es;    /* [T] the envelope of each period: straight up to ek (slope es), see setup, */
    double *el, *fl;    /* [T] ... from (el, fl): (0, 0) but in branch and bound (node_envelopes) */
    double *a, *base;   /* [T] adstock at the last evaluated point, mp_curve_base of it */
    double *next;       /* [T] the bases after the step the line search tries */
};

/* One point for the S-curve comparisons. */
struct pick {
    int have, feas;
    double val;
};

struct knot {
    double at, dw, dlo;
};

/* A free cell and its linearised return, for the bound. */
struct cell_c {
    double c;
    size_t i;
};

/* S-curves: one step of the greedy allocation. */
struct gstep {
    size_t cell;
    double amt;
};

struct eq {
    const struct mp_plan *plan;
    int T;
    double tol;
    size_t nch, n;
    struct chan *ch;
    int *per;               /* [n] period of each free cell */
    double *s, *z, *ds, *dz; /* [J_B + 1] slacks, duals and their steps (see J_LO) */
    double *inv;            /* [J_B + 1] 1 / s, taken where s changes: one division, not six */
    unsigned char *on;      /* [J_B + 1] 1 where the constraint exists */
    double *x, *cap;        /* [n] spend (the first n slacks), cap */
    double *gam, *ht, *rho; /* [n] marginal GMV, h~, theta^(gap to the next free cell) */
    double *D, *dd, *ll;    /* [n] cell-bound curvature; U E U^T of the tridiagonal: 1/E and U */
    double *rhs, *mr, *me0, *me, *dx; /* [n] right-hand side, solves, the Newton step */
    double W00, dS;         /* 1^T P^-1 1, change of S along the step */
    double edge_s, edge_z;  /* the largest steps of s and z along ds, dz (pd_ds) */
    double *best, *cand, *xc, *keep, *gain, *amt; /* [n] starts, candidates, greedy */
    double *tmp_d, *tmp_h;  /* [T] */
    double *c_lo, *c_U, *c_w; /* [nch] channel bounds and proportional weights */
    struct knot *knots;     /* [2 * max(nch, T)] */
    struct gstep *log;      /* [GREEDY_STEPS + n + nch + 1] the greedy's steps */
    double Bfull, Bp;       /* budget for the free cells: all of it, and in this solve */
    int has_B;              /* the budget can bind */
    double K0, F0;          /* GMV and spend outside the free cells, baseline and fixed lines included */
    double G, S;            /* GMV of the channels with free cells, spend in the free cells */
    double gk, gr;          /* target_roas and goal: met when gk + G - gr * S >= 0 */
    double lambda;          /* the budget's shadow price after the last solve */
    int clipped;            /* some curve is not concave: the Newton matrix is a clipped model */
    int relax;              /* S-curves are evaluated as their concave envelopes ... */
    int loose;              /* ... the tangent to the knee in every period (not the per-period one) */
    double *xr, *xs;        /* [n] the relaxation's optimum, a start made from it */
    double *warm;           /* [n] the caller's start when it is feasible, else NULL */
    struct cell_c *ord;     /* [n] the bound's cells by return */
    double bound;           /* upper bound on G - p S (INFINITY: none) */
    int starts;             /* S-curves: local solves run */
    long ipm;               /* interior-point steps of every solve */
    int raw;                /* q->best is a start no local solve has run from */
    const double *xlo;      /* branch and bound: spend of cell i is xlo[i] + x[i] (NULL: x[i]) */
    int branch;             /* S-curves: run branch and bound when the gap is above the goal */
    enum mp_equalize_stop stop;
    int steps;
    void *block;
};

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double sum(const double *v, size_t from, size_t to)
{
    double s = 0;
    for (size_t i = from; i < to; i++)
        s += v[i];
    return s;
}

/* log1p and expm1, by four terms of their series where those are exact to rounding (the
 * next term is below 2e-17 of the result): most steps are small, and the line search calls
 * these for every cell and constraint. */
static double small_log1p(double r)
{
    return fabs(r) < 1e-4 ? r * (1 - r * (0.5 - r * (1.0 / 3 - r * 0.25))) : log1p(r);
}

static double small_expm1(double y)
{
    return fabs(y) < 1e-4 ? y * (1 + y * (0.5 + y * (1.0 / 6 + y / 24))) : expm1(y);
}

/* f(a + da) - f(a) without subtracting two rounded values: the line search compares barrier
 * values whose difference is far below the rounding of f itself. `base` is mp_curve_base(r, a),
 * kept from the evaluation at a; *dbase gets its change, base + *dbase being the base at a + da. */
static double curve_delta(const struct mp_response *r, double a, double base, double da,
                          double *dbase)
{
    *dbase = 0;
    switch (r->curve) {
    case MP_CURVE_HILL: {
        double u, du;
        if (r->s == 1) {
            u = a / r->k;
            du = da / r->k;
        } else if (a > 0) {
            u = base;
            du = u * small_expm1(r->s * small_log1p(da / a));
        } else {
            u = 0;
            du = pow(fmax(da, 0) / r->k, r->s);
        }
        *dbase = du;
        return r->beta * du / ((1 + u) * (1 + u + du));
    }
    case MP_CURVE_EXP: {
        double e = small_expm1(-da / r->k);
        *dbase = base * e;
        return -r->beta * base * e;
    }
    case MP_CURVE_LINEAR:
        return r->roas * da;
    case MP_CURVE_NONE:
        break;
    }
    return 0;
}

/* Forward pass of channel k at spend x: adstock into k->a and its curve base (mp_curve_base)
 * into k->base, GMV returned. With `carried` the bases are already those of x, carried along by
 * the line search (pd_run): no pow or exp then. With `derivs`, also the marginal GMV of each
 * free cell (backward recursion) and h~ of the file comment. Where adstock is below A_MIN the
 * derivatives are taken as 0: that is a period after the first spend only when theta = 0 (its
 * weight in every free cell is then exactly 0) or when theta^gap underflowed (weight below
 * 1e-100 / spend), and it keeps hill s < 1, whose f'(0) is infinite, finite. */
static double eval_channel(struct eq *q, struct chan *k, const double *x, int derivs, int carried)
{
    const struct mp_plan *plan = q->plan;
    const struct mp_channel *ch = &plan->channels[k->c];
    const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
    double th = ch->theta, a = ch->carryover, G = 0;
    int first = q->per[k->off];
    size_t j = k->off, end = k->off + k->m;
    for (int u = 0; u < q->T; u++) {
        double in = 0;
        if (j < end && q->per[j] == u) {
            in = q->xlo ? q->xlo[j] + x[j] : x[j];
            j++;
        }
        a = in + th * a;
        k->a[u] = a;
        if (!carried)
            k->base[u] = mp_curve_base(&ch->resp, a);
        double f = 0, d1 = 0, d2 = 0;
        double ek = q->loose ? k->knee : k->ek[u], es = q->loose ? k->slope : k->es[u];
        int env = q->relax && a < ek; /* on the envelope's straight part */
        if (env) {
            f = q->loose ? es * a : k->fl[u] + es * (a - k->el[u]);
            d1 = es;
        } else if (a > 0) {
            mp_curve_eval_base(&ch->resp, a, k->base[u], &f, derivs ? &d1 : NULL, derivs ? &d2 : NULL);
        }
        if (L[u] != 0)
            G += L[u] * f;
        if (derivs && u >= first) {
            int ok = (a >= A_MIN || env) && L[u] != 0;
            q->tmp_d[u] = ok ? L[u] * d1 : 0;
            q->tmp_h[u] = ok && L[u] * d2 < 0 ? -L[u] * d2 : 0; /* clipped: S-curves get a convex model */
        }
    }
    if (derivs) {
        double r = 0, e = 0, th2 = th * th;
        j = end;
        for (int u = q->T - 1; u >= first; u--) {
            r = th > 0 ? q->tmp_d[u] + th * r : q->tmp_d[u];
            e = th > 0 ? q->tmp_h[u] + th2 * e : q->tmp_h[u];
            if (j > k->off && q->per[j - 1] == u) {
                j--;
                q->gam[j] = r;
                q->ht[j] = e;
                e = 0;
            }
        }
    }
    return G;
}

static double gmv_of(struct eq *q, const double *x)
{
    double G = 0;
    for (size_t k = 0; k < q->nch; k++)
        G += eval_channel(q, &q->ch[k], x, 0, 0);
    return G;
}

/* ---- the primal-dual interior-point method ---- */

/* Positions in the constraint vectors s (slacks), z (duals), ds, dz, on: [0, n) is x >= 0
 * (so q->x is s itself), [n, 2n) cap - x, then each channel's total - min and max - total,
 * then b - S. */
#define J_LO(q, k) (2 * (q)->n + 2 * (k))
#define J_HI(q, k) (2 * (q)->n + 2 * (k) + 1)
#define J_B(q) (2 * (q)->n + 2 * (q)->nch)

/* Tri = diag(h~) + B~^T D B~ (B~ unit lower bidiagonal with -rho below) as U E U^T,
 * U unit upper bidiagonal, eliminating from the last period back. In that order every pivot
 * is e_q = D_q + f_q with f_q = h~_q + rho_q^2 D_q+1 f_q+1 / e_q+1, a sum of
 * nonnegative terms: no cancellation, however far apart the D are (1e-14 for a cell inside
 * a linear curve, 1e8 for one at its bound). The forward order subtracts them. */
static void chan_factor(struct eq *q, const struct chan *k)
{
    double f_next = 0, inv_next = 1; /* f and 1/e of the next period */
    for (size_t i = k->off + k->m; i-- > k->off;) {
        double f = q->ht[i], r = 0;
        if (i + 1 < k->off + k->m) {
            r = q->rho[i] * q->D[i + 1] * inv_next;
            f += q->rho[i] * r * f_next;
        }
        q->ll[i] = -r;
        q->dd[i] = inv_next = 1 / (q->D[i] + f);
        f_next = f;
    }
}

/* y <- (K + D)^-1 y = B~ Tri^-1 B~^T y for channel k, in place, and the same for z: each pass
 * is a chain of dependent steps, so two independent ones side by side take the time of one. */
static void chan_solve(const struct eq *q, const struct chan *k, double *y, double *z)
{
    size_t o = k->off, e = k->off + k->m;
    for (size_t i = o; i + 1 < e; i++) {
        y[i] -= q->rho[i] * y[i + 1];
        z[i] -= q->rho[i] * z[i + 1];
    }
    for (size_t i = e - 1; i-- > o;) {
        y[i] -= q->ll[i] * y[i + 1];
        z[i] -= q->ll[i] * z[i + 1];
    }
    for (size_t i = o; i < e; i++) {
        y[i] *= q->dd[i];
        z[i] *= q->dd[i];
    }
    for (size_t i = o + 1; i < e; i++) {
        y[i] -= q->ll[i - 1] * y[i - 1];
        z[i] -= q->ll[i - 1] * z[i - 1];
    }
    for (size_t i = e - 1; i > o; i--) {
        y[i] -= q->rho[i - 1] * y[i - 1];
        z[i] -= q->rho[i - 1] * z[i - 1];
    }
}

/* Evaluate at x and factor the Newton matrix of the primal-dual system,
 *     H = P + (z_B / s_B) 1 1^T,   P = blockdiag over channels of M + w 1 1^T,   M = K + D,
 * K = -Hessian of G (h clipped at 0), D = z/s of the cell bounds, w = z/s of the channel
 * total's: per channel, the factors of M that pd_solve uses. */
static void pd_factor(struct eq *q)
{
    const double *z = q->z;
    const unsigned char *on = q->on;
    size_t n = q->n;
    double G = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        size_t lo = J_LO(q, kk), hi = J_HI(q, kk);
        G += eval_channel(q, k, q->x, 1, 1);
        k->w = (on[lo] ? z[lo] * q->inv[lo] : 0) + (on[hi] ? z[hi] * q->inv[hi] : 0);
        for (size_t i = k->off; i < k->off + k->m; i++)
            q->D[i] = z[i] * q->inv[i] + (on[n + i] ? z[n + i] * q->inv[n + i] : 0);
        chan_factor(q, k);
    }
    q->G = G;
}

/* dx = H^-1 rhs: per channel M^-1 1 and M^-1 rhs (one pass for both) and Sherman-Morrison,
 * then once more for the budget with 1/C = s_B / z_B, which needs no division by a slack. */
static void pd_solve(struct eq *q)
{
    int B = q->on[J_B(q)];
    double y0 = 0, W00 = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        size_t o = k->off, e = k->off + k->m;
        for (size_t i = o; i < e; i++)
            q->me0[i] = 1;
        memcpy(&q->mr[o], &q->rhs[o], k->m * sizeof *q->mr);
        chan_solve(q, k, q->me0, q->mr);
        k->se = k->sr = 0;
        for (size_t i = o; i < e; i++) {
            k->se += q->me0[i];
            k->sr += q->mr[i];
        }
        /* A pinned total is the limit of an infinitely stiff constraint: the projection. */
        k->kappa = k->pinned ? 1 / k->se : k->w / (1 + k->w * k->se);
        double keep = 1 - k->kappa * k->se;
        k->sme = 0;
        for (size_t i = o; i < e; i++) {
            q->me[i] = keep * q->me0[i];
            W00 += q->me[i];
            k->sme += q->me[i];
            q->mr[i] -= k->kappa * k->sr * q->me0[i];
            y0 += q->mr[i];
        }
    }
    q->W00 = W00;
    double xi = B ? y0 / (q->s[J_B(q)] / q->z[J_B(q)] + W00) : 0;
    /* Along a direction with little curvature (a linear curve: only the barrier's z/x) P^-1
     * is huge, and each dx[i] is a small difference of huge terms: right per cell, but its
     * sum over a channel or the plan can be off by far more than the slack of a nearly
     * active min, max or budget. Those totals follow exactly from the algebra: per channel
     * 1^T dx = (sr - xi se) / (1 + w se) (0 if pinned), and 1^T dx = (s_B / z_B) xi overall.
     * Each is restored along M^-1 1 (resp. P^-1 1), which moves cells next to a bound
     * hardly at all. */
    q->dS = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        size_t o = k->off, e = k->off + k->m;
        k->dS = 0;
        for (size_t i = o; i < e; i++) {
            q->dx[i] = q->mr[i] - xi * q->me[i];
            k->dS += q->dx[i];
        }
        if (k->pinned || k->w > 0) {
            double want = k->pinned ? 0 : (k->sr - xi * k->se) / (1 + k->w * k->se);
            double along = (want - k->dS) / k->se;
            for (size_t i = o; i < e; i++)
                q->dx[i] += along * q->me0[i];
            k->dS = want;
        }
        q->dS += k->dS;
    }
    if (B) {
        double want = q->s[J_B(q)] / q->z[J_B(q)] * xi, miss = want - q->dS, along = miss / q->W00;
        for (size_t i = 0; i < q->n; i++)
            q->dx[i] += along * q->me[i];
        for (size_t kk = 0; kk < q->nch; kk++)
            q->ch[kk].dS += miss * q->ch[kk].sme / q->W00;
        q->dS = want;
    }
}

/* The right-hand side for centring target mu: -mu times the gradient of the barrier
 * function (p S - G) / mu - sum log s_j. */
static void pd_rhs(struct eq *q, double p, double mu)
{
    const unsigned char *on = q->on;
    size_t n = q->n;
    const double *inv = q->inv;
    double common = on[J_B(q)] ? -mu * inv[J_B(q)] : 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        size_t lo = J_LO(q, kk), hi = J_HI(q, kk);
        double c = common + (on[lo] ? mu * inv[lo] : 0) - (on[hi] ? mu * inv[hi] : 0);
        for (size_t i = k->off; i < k->off + k->m; i++)
            q->rhs[i] = q->gam[i] - p + mu * inv[i] - (on[n + i] ? mu * inv[n + i] : 0) + c;
    }
}

/* Slack changes ds of the step dx, and the dual changes dz that go with them for target mu:
 * dz = (mu - z s - z ds) / s; and the largest steps that keep s + alpha ds and z + alpha dz
 * positive where the constraint is on (INFINITY: none). */
static void pd_ds(struct eq *q, double mu)
{
    size_t n = q->n, J = J_B(q);
    double es = INFINITY, ez = INFINITY;
    for (size_t kk = 0; kk < q->nch; kk++) {
        q->ds[J_LO(q, kk)] = q->ch[kk].dS;
        q->ds[J_HI(q, kk)] = -q->ch[kk].dS;
    }
    for (size_t i = 0; i < n; i++) {
        q->ds[i] = q->dx[i];
        q->ds[n + i] = -q->dx[i];
    }
    q->ds[J] = -q->dS;
    for (size_t j = 0; j <= J; j++) {
        q->dz[j] = 0;
        if (!q->on[j])
            continue;
        q->dz[j] = (mu - q->z[j] * q->s[j] - q->z[j] * q->ds[j]) * q->inv[j];
        if (q->ds[j] < 0 && q->s[j] < -es * q->ds[j])
            es = q->s[j] / -q->ds[j];
        if (q->dz[j] < 0 && q->z[j] < -ez * q->dz[j])
            ez = q->z[j] / -q->dz[j];
    }
    q->edge_s = es;
    q->edge_z = ez;
}

/* curve_delta of channel k in period u, on the concave envelope in a relaxed solve: straight
 * (slope * da) below the knee, the curve above it, both where the change crosses it. The base
 * stays the curve's own (u = (a/k)^s), so the two kinds of solve can share it. */
static double chan_delta(const struct eq *q, const struct chan *k, int u, double da, double *db)
{
    const struct mp_response *r = &q->plan->channels[k->c].resp;
    double a = k->a[u], base = k->base[u], b = a + da;
    double knee = q->loose ? k->knee : k->ek[u], slope = q->loose ? k->slope : k->es[u];
    double df = curve_delta(r, a, base, da, db);
    if (!q->relax || (a >= knee && b >= knee))
        return df;
    if (a <= knee && b <= knee)
        return slope * da;
    double ub = mp_curve_base(r, knee), skip;
    if (a < knee) /* up across the knee */
        return slope * (knee - a) + curve_delta(r, knee, ub, b - knee, &skip);
    return curve_delta(r, a, base, knee - a, &skip) - slope * (knee - b);
}

/* GMV change of the step alpha * dx, from the adstock of the last evaluation; the curve bases
 * after it go to k->next. */
static double delta_gmv(struct eq *q, double alpha)
{
    const struct mp_plan *plan = q->plan;
    double dG = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        const struct mp_channel *ch = &plan->channels[k->c];
        const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
        double da = 0;
        size_t j = k->off, end = k->off + k->m;
        for (int u = q->per[k->off]; u < q->T; u++) {
            double in = 0;
            if (j < end && q->per[j] == u)
                in = alpha * q->dx[j++];
            da = in + ch->theta * da;
            double db = 0;
            if (da != 0) {
                double df = chan_delta(q, k, u, da, &db);
                if (L[u] != 0)
                    dG += L[u] * df;
            }
            k->next[u] = k->base[u] + db;
        }
    }
    return dG;
}

/* Armijo backtracking on the barrier function (p S - G) / mu - sum log s_j along dx, from
 * the largest step that keeps every slack positive. Differences are taken term by term
 * (log1p, curve_delta), so they stay exact where the values themselves are 1e16. A slack
 * that changes by a share r of 1e-4 or more adds log(1 + r) through a running product, one
 * log per run instead of one log1p per slack: each factor is exact to rounding, and the error
 * (1e-16 per factor) is far below what such a step changes. Returns the step taken, 0 when no
 * step decreases it: rounding has the last word. */
static double line_search(struct eq *q, double p, double mu, double lam2)
{
    size_t J = J_B(q);
    double alpha = fmin(1, TO_EDGE * q->edge_s);
    for (int tries = 0; tries < 60; tries++, alpha *= 0.5) {
        double dG = delta_gmv(q, alpha), dphi = (p * alpha * q->dS - dG) / mu, prod = 1;
        for (size_t j = 0; j <= J; j++)
            if (q->on[j]) {
                double r = alpha * q->ds[j] * q->inv[j];
                if (fabs(r) < 1e-4) {
                    dphi -= small_log1p(r);
                    continue;
                }
                prod *= 1 + r;
                if (prod > 1e100 || prod < 1e-100) {
                    dphi -= log(prod);
                    prod = 1;
                }
            }
        dphi -= log(prod);
        if (!(dphi <= -ARMIJO * alpha * lam2))
            continue;
        for (size_t j = 0; j <= J; j++)
            q->s[j] += alpha * q->ds[j];
        /* The curve bases are carried like the slacks: the next evaluation needs no pow or exp. */
        for (size_t kk = 0; kk < q->nch; kk++) {
            struct chan *k = &q->ch[kk];
            int first = q->per[k->off];
            memcpy(&k->base[first], &k->next[first], (size_t)(q->T - first) * sizeof *k->base);
        }
        q->G += dG;
        q->S += alpha * q->dS;
        return alpha;
    }
    return 0;
}

/* Slacks from x. Steps then carry them along, which keeps a slack of 1e-9 accurate where
 * recomputing it as a difference of 1e6-sized sums would not. */
static void init_slacks(struct eq *q)
{
    size_t n = q->n;
    q->S = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        double s = sum(q->x, k->off, k->off + k->m);
        q->s[J_LO(q, kk)] = s - k->lo;
        q->s[J_HI(q, kk)] = k->hi - s;
        q->on[J_LO(q, kk)] = (unsigned char)k->has_lo;
        q->on[J_HI(q, kk)] = (unsigned char)k->has_hi;
        q->S += s;
    }
    for (size_t i = 0; i < n; i++) {
        q->s[n + i] = q->cap[i] - q->x[i];
        q->on[i] = 1;
        q->on[n + i] = isfinite(q->cap[i]) != 0;
    }
    q->s[J_B(q)] = q->Bp - q->S;
    q->on[J_B(q)] = (unsigned char)q->has_B;
    q->G = gmv_of(q, q->x);
}

/* Largest stationarity error, -gam + p - z + u - z_lo + z_hi + z_B per cell, relative to the
 * largest marginal; the free multiplier of a pinned total is taken as the channel's mean. */
static double dual_error(const struct eq *q, double p)
{
    const double *z = q->z;
    const unsigned char *on = q->on;
    size_t n = q->n;
    double worst = 0, ref = p, zB = on[J_B(q)] ? z[J_B(q)] : 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        size_t lo = J_LO(q, kk), hi = J_HI(q, kk), e = k->off + k->m;
        double c = zB - (on[lo] ? z[lo] : 0) + (on[hi] ? z[hi] : 0), mean = 0;
        for (size_t i = k->off; i < e; i++) {
            double r = q->rhs[i] = -q->gam[i] + p - z[i] + (on[n + i] ? z[n + i] : 0) + c;
            mean += r;
            ref = ref > fabs(q->gam[i]) ? ref : fabs(q->gam[i]);
        }
        mean = k->pinned ? mean / (double)k->m : 0;
        for (size_t i = k->off; i < e; i++) {
            double r = fabs(q->rhs[i] - mean);
            worst = worst > r ? worst : r;
        }
    }
    return ref > 0 ? worst / ref : worst;
}

/* Maximise G - p S from the strictly feasible q->x, the duals starting centred at
 * mu = start * scale / m. Primal-dual Newton steps aim at the centre for mu (s_j z_j = mu
 * and stationarity); once the point is centred to within KAPPA mu, mu drops as in Ipopt's
 * monotone rule, to min(mu / 5, mu^2) in units of the scale. A step is searched along the
 * barrier function for mu (it descends on it: the same gradient, a positive definite
 * matrix); the duals take their own step to the edge. Stops when mu is below GAP_REL of
 * the scale (the duality gap of a dual feasible point is m mu) and stationarity holds to
 * DUAL_TOL; q->lambda is then the budget's shadow price, p + z_B. */
static void pd_run(struct eq *q, double p, double start)
{
    init_slacks(q);
    size_t J = J_B(q);
    double m = 0, scale = fmax(1, fmax(fabs(q->K0 + q->G), fabs(q->Bp))), rel = start;
    for (size_t j = 0; j <= J; j++)
        m += q->on[j];
    double mu = rel * scale / m;
    double spread = 0; /* max |s_j z_j - mu|, kept with the duals */
    for (size_t j = 0; j <= J; j++)
        if (q->on[j]) {
            q->z[j] = mu * (q->inv[j] = 1 / q->s[j]);
            spread = fmax(spread, fabs(q->s[j] * q->z[j] - mu));
        } else {
            q->z[j] = 0;
        }
    int stalls = 0, flat = 0, idle = 0;
    double gap_rel = q->relax ? (q->xlo ? NODE_GAP : RELAX_GAP) : GAP_REL, dual_tol = q->relax ? RELAX_DUAL : DUAL_TOL;
    for (int it = 0; it < (q->relax ? RELAX_STEPS : MAX_STEPS) && stalls < 3 && idle < IDLE; it++) {
        pd_factor(q);
        q->steps++;
        q->ipm++;
        /* The stage test asks for stationarity only at a centred point, and not after a flat
         * step (below): it is measured only then. */
        double derr = spread <= KAPPA * mu && !flat ? dual_error(q, p) : flat ? 0 : INFINITY;
        if (derr <= KAPPA * rel && spread <= KAPPA * mu) {
            if (rel <= gap_rel && derr <= dual_tol)
                break;
            rel = fmax(gap_rel / 2, fmin(rel / 5, rel * rel));
            mu = rel * scale / m;
        }
        pd_rhs(q, p, mu);
        pd_solve(q);
        pd_ds(q, mu);
        double lam2 = 0;
        for (size_t i = 0; i < q->n; i++)
            lam2 += q->rhs[i] * q->dx[i];
        lam2 /= mu;
        double before = q->G - p * q->S, alpha = line_search(q, p, mu, lam2);
        stalls = alpha > 0 ? 0 : stalls + 1;
        /* With S-curves the clipped model converges only linearly near a local optimum, so
         * stationarity can take dozens of steps that change nothing: a full step whose
         * predicted gain (rhs . dx, in objective units) is negligible ends the stage instead.
         * In the last stage the model can also creep along a bound in tiny steps: IDLE steps
         * in a row that gain next to nothing end the solve. */
        flat = q->clipped && alpha == 1 && mu * lam2 <= STALL_REL * scale;
        idle = q->clipped && rel <= GAP_REL && q->G - p * q->S - before <= STALL_REL * scale ? idle + 1 : 0;
        double ad = fmin(1, TO_EDGE * q->edge_z);
        spread = 0;
        for (size_t j = 0; j <= J; j++)
            if (q->on[j]) {
                double centre = mu * (q->inv[j] = 1 / q->s[j]);
                q->z[j] = clamp(q->z[j] + ad * q->dz[j], centre * (1 / DUAL_BOX), centre * DUAL_BOX);
                spread = fmax(spread, fabs(q->s[j] * q->z[j] - mu));
            }
    }
    q->lambda = p + (q->on[J] ? q->z[J] : 0);
}

/* 1 when x meets every constraint of this solve (set_budget's): cells in [0, cap], totals in
 * [min, max] or at a pinned total, the budget; each to tol, a pinned total to 1e-12 of it. */
static int fits(const struct eq *q, const double *x, double tol)
{
    double S = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        double tot = 0;
        for (size_t i = k->off; i < k->off + k->m; i++) {
            if (!(x[i] >= -tol && x[i] <= q->cap[i] + tol))
                return 0;
            tot += x[i];
        }
        if (k->pinned ? fabs(tot - k->lo) > 1e-12 * fmax(1, k->lo) + tol
                      : tot < k->lo - tol || (k->has_hi && tot > k->hi + tol))
            return 0;
        S += tot;
    }
    return !(q->has_B && S > q->Bp + tol);
}

/* ---- budgets and objectives ---- */

/* Make b the budget of the next solve. At the sum of the mins every total is pinned there;
 * the budget constraint exists only where the channels could spend more than b. */
static void set_budget(struct eq *q, double b)
{
    double top = 0;
    int pin = b <= sum(q->c_lo, 0, q->nch) + q->tol;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        k->pinned = k->pin0 || pin;
        k->has_lo = !k->pinned && k->lo > 0;
        k->has_hi = !k->pinned && k->hi0;
        top += k->pinned ? k->lo : k->U;
    }
    q->Bp = b;
    q->has_B = !pin && top > b;
}

/* A strictly feasible point: each channel's total halfway into its range, but together
 * using at most half of what the budget leaves above the mins, spread in proportion to
 * min(cap, total), which stays strictly below every cap. */
static void central_start(struct eq *q, double *x)
{
    double lo = 0;
    size_t nfree = 0;
    for (size_t k = 0; k < q->nch; k++) {
        lo += q->ch[k].lo;
        nfree += !q->ch[k].pinned;
    }
    double share = q->has_B ? (q->Bp - lo) / (2.0 * (double)(nfree ? nfree : 1)) : INFINITY;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        double tau = k->pinned ? k->lo : k->lo + fmin((k->U - k->lo) / 2, share), w = 0;
        for (size_t i = k->off; i < k->off + k->m; i++)
            w += fmin(q->cap[i], tau);
        for (size_t i = k->off; i < k->off + k->m; i++)
            x[i] = tau * (fmin(q->cap[i], tau) / w);
    }
}

/* The most G - p S with budget b for the free cells, starting from x0 (NULL: the central
 * point) with a little of the central point mixed in to make it strictly feasible. */
static void solve_at(struct eq *q, double b, double p, const double *x0, double start)
{
    set_budget(q, b);
    central_start(q, q->xc);
    for (size_t i = 0; i < q->n; i++)
        q->x[i] = x0 ? (1 - PUSH) * x0[i] + PUSH * q->xc[i] : q->xc[i];
    pd_run(q, p, start);
}

/* target_roas and goal are met when h = gk + G - gr * S >= 0, up to rounding of its terms. */
static int meets(const struct eq *q, double G, double S)
{
    double h = q->gk + G - q->gr * S;
    return h >= -1e-9 * (fabs(q->K0) + fabs(q->gk) + fabs(G) + q->gr * (fabs(q->F0) + S));
}

/* target_roas and goal. Their answer is the most GMV for some total spend b, and
 * h(b) = gk + G*(b) - gr b is concave with h'(b) = lambda(b) - gr, so Newton's method on
 * h(b) = 0 runs to the root from one side: target_roas from above (the largest b that meets
 * the target), goal from below after at most one step past it (the least b that reaches
 * it); a step out of the bracket bisects instead. The smallest b tried keeps the budget
 * constraint strictly feasible. The answer is the best one that meets the target, else the
 * last. */
static void budget_search(struct eq *q, double start)
{
    int roas = q->plan->objective == MP_OBJ_TARGET_ROAS, kept = 0;
    double b = q->Bfull, floor = fmin(b, sum(q->c_lo, 0, q->nch) + 2 * q->tol), lo = floor, hi = b;
    double best = 0, lam = NAN;
    int lo_seen = 0;
    for (int it = 0; it < MAX_SEARCH; it++) {
        solve_at(q, b, 0, NULL, start);
        int ok = meets(q, q->G, q->S);
        double h = q->gk + q->G - q->gr * q->S, val = roas ? q->G : -q->S;
        if (ok && (!kept || val > best)) {
            memcpy(q->keep, q->x, q->n * sizeof *q->x);
            best = val;
            lam = q->lambda;
            kept = 1;
        }
        /* roas: the most GMV already meets it; goal: not even the most GMV reaches it */
        if (it == 0 && ok == roas)
            break;
        /* at the floor: roas short of the target, or goal already reached, ends it */
        if ((b <= floor && ok != roas) || (ok && fabs(h) <= 1e-9 * (fabs(q->gk) + q->G)))
            break;
        if (ok == roas)
            lo = b, lo_seen = 1;
        else
            hi = b;
        /* S-curves: each b finds a local optimum, and h jumps where the optimum found changes;
         * bisecting down to such a jump gains next to nothing once the bracket is this narrow. */
        if (q->clipped && lo_seen && hi - lo <= SEARCH_REL * q->Bfull)
            break;
        double slope = q->lambda - q->gr, nb = b - h / slope;
        if (roas && !(slope < 0))
            break; /* short of the target and not closing in: no spend meets it */
        if (!roas && !(slope > 0))
            nb = fmin(b, q->S) * (1 - 1e-9); /* the budget does not bind: spend what is used */
        if (!(nb > lo && nb < hi))
            nb = lo_seen ? (lo + hi) / 2 : lo;
        if (!(fabs(nb - b) > 1e-12 * q->Bfull))
            break;
        b = nb;
    }
    if (kept) {
        memcpy(q->x, q->keep, q->n * sizeof *q->x);
        q->lambda = lam;
    }
}

/* The objective's answer from x0 (NULL: the central point); for S-curves, from a candidate
 * x0 target_roas and goal look for more GMV at the candidate's own spend. */
static void solve_objective(struct eq *q, const double *x0, double start)
{
    const struct mp_plan *plan = q->plan;
    switch (plan->objective) {
    case MP_OBJ_GMV:
        solve_at(q, q->Bfull, 0, x0, start);
        break;
    case MP_OBJ_PROFIT:
        solve_at(q, q->Bfull, 1 / plan->margin, x0, start);
        break;
    case MP_OBJ_TARGET_ROAS:
    case MP_OBJ_GOAL_GMV:
        if (x0)
            solve_at(q, fmin(q->Bfull, sum(x0, 0, q->n)), 0, x0, start);
        else
            budget_search(q, start);
        break;
    }
}

/* ---- S-curves ---- */

static int by_at(const void *a, const void *b)
{
    double x = ((const struct knot *)a)->at, y = ((const struct knot *)b)->at;
    return (x > y) - (x < y);
}

/* The alpha >= 0 with sum_i clamp(alpha * w_i, lo_i, hi_i) = target (w, lo NULL: all 1, all
 * 0), found exactly by walking the sorted break points of that piecewise linear sum; when
 * even every hi falls short, an alpha that puts all at hi. */
static double level(size_t n, const double *w, const double *lo, const double *hi,
                    double target, struct knot *kn)
{
    double base = 0, slope = 0, at = 0;
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1, l = lo ? lo[i] : 0;
        base += l;
        if (wi <= 0)
            continue;
        kn[nk++] = (struct knot){l / wi, wi, -l};
        if (isfinite(hi[i]))
            kn[nk++] = (struct knot){hi[i] / wi, -wi, hi[i]};
    }
    qsort(kn, nk, sizeof *kn, by_at);
    for (size_t j = 0; j < nk; j++) {
        if (base + slope * kn[j].at >= target)
            return slope > 0 ? fmax(at, (target - base) / slope) : at;
        base += kn[j].dlo;
        slope += kn[j].dw;
        at = kn[j].at;
    }
    return slope > 0 ? fmax(at, (target - base) / slope) : at;
}

/* A point on the path of a weighting heuristic at total b: channel totals clamp(beta * w_c,
 * min, U) adding up to b, each spread over its cells as min(alpha * v_i, cap) with v_i = 1
 * (equal split) or the demand multiplier L (proportional to beta). */
static void fill(struct eq *q, const double *w, int by_lift, double b, double *x)
{
    double beta = level(q->nch, w, q->c_lo, q->c_U, b, q->knots);
    const struct mp_plan *plan = q->plan;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        double tau = clamp(beta * (w ? w[kk] : 1), q->c_lo[kk], q->c_U[kk]);
        double *v = by_lift ? q->tmp_d : NULL;
        for (size_t j = 0; v && j < k->m; j++)
            v[j] = plan->lift[MP_AT(plan, k->c, q->per[k->off + j])];
        double alpha = level(k->m, v, NULL, &q->cap[k->off], tau, q->knots);
        for (size_t j = 0; j < k->m; j++)
            x[k->off + j] = fmin(alpha * (v ? v[j] : 1), q->cap[k->off + j]);
    }
}

/* Feasibility first (target_roas, goal), then the objective's value. */
static struct pick score(const struct eq *q, double G, double S)
{
    const struct mp_plan *plan = q->plan;
    double Gt = q->K0 + G, St = q->F0 + S, g = q->gk + G - q->gr * S;
    int feas = meets(q, G, S);
    switch (plan->objective) {
    case MP_OBJ_GMV: return (struct pick){1, 1, Gt};
    case MP_OBJ_PROFIT: return (struct pick){1, 1, plan->margin * Gt - St};
    case MP_OBJ_TARGET_ROAS: return (struct pick){1, feas, feas ? Gt : g};
    case MP_OBJ_GOAL_GMV: return (struct pick){1, feas, feas ? -St : Gt};
    }
    return (struct pick){0, 0, 0};
}

static int beats(struct pick p, const struct pick *best)
{
    return !best->have || p.feas > best->feas || (p.feas == best->feas && p.val > best->val);
}

/* Keep x in q->best when it beats the best so far; 1 when it did. */
static int consider(struct eq *q, const double *x, double G, struct pick *best)
{
    struct pick p = score(q, G, sum(x, 0, q->n));
    if (!beats(p, best))
        return 0;
    *best = p;
    if (x != q->best)
        memcpy(q->best, x, q->n * sizeof *x);
    return 1;
}

/* Gains of adding min(step, room) to each free cell of channel k at x, and the cell with the
 * most gain per unit (the first of equals), so that a step compares channels, not cells. An
 * exp curve's change is -beta e^(-a/k) expm1(-da/k), and cells given the same amount see the
 * same da = amt theta^d, d periods on: its expm1 is taken once per d (in q->tmp_h), not once
 * per cell and period; the numbers are those of curve_delta. */
static void greedy_gains(struct eq *q, struct chan *k, const double *x, double step, double room)
{
    const struct mp_plan *plan = q->plan;
    const struct mp_channel *ch = &plan->channels[k->c];
    const struct mp_response *r = &ch->resp;
    const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
    size_t end = k->off + k->m;
    double table = -1; /* the amount q->tmp_h holds exp's expm1 for */
    eval_channel(q, k, x, 0, 0);
    k->top = end;
    for (size_t i = k->off; i < end; i++) {
        double amt = k->pinned ? 0 : fmin(fmin(step, q->cap[i] - x[i]), fmin(q->c_U[k - q->ch] - k->tot, room));
        q->amt[i] = amt;
        q->gain[i] = -INFINITY;
        if (!(amt > 1e-12 * step))
            continue;
        double dG = 0, da = amt, db;
        if (r->curve == MP_CURVE_EXP && amt != table) {
            for (int d = 0; d < q->T - q->per[i] && da > 0; d++, da *= ch->theta)
                q->tmp_h[d] = small_expm1(-da / r->k);
            table = da = amt;
        }
        for (int u = q->per[i], d = 0; u < q->T && da > 0; u++, d++, da *= ch->theta)
            if (L[u] != 0)
                dG += L[u] * (r->curve == MP_CURVE_EXP ? -r->beta * k->base[u] * q->tmp_h[d]
                                                       : curve_delta(r, k->a[u], k->base[u], da, &db));
        q->gain[i] = dG;
        if (dG > 0 && (k->top == end || dG / amt > q->gain[k->top] / q->amt[k->top]))
            k->top = i;
    }
}

/* The greedy step-wise allocation: every channel at its min, then GREEDY_STEPS steps of an
 * equal share of the rest, each to the cell with the most GMV per unit for it. Every prefix
 * is a candidate; the steps are logged, so that only the best prefix is written out. */
static void greedy(struct eq *q, struct pick *best)
{
    double *x = q->cand, lo = sum(q->c_lo, 0, q->nch), top = sum(q->c_U, 0, q->nch);
    fill(q, NULL, 0, lo, x);
    size_t taken = 0, kept = 0; /* steps taken, steps of the best prefix (0: none is best) */
    double S = sum(x, 0, q->n), room = q->has_B ? q->Bp - lo : INFINITY;
    double step = (fmin(q->Bp, top) - lo) / GREEDY_STEPS;
    double G = gmv_of(q, x);
    consider(q, x, G, best);
    if (!(step > 0))
        return;
    for (size_t k = 0; k < q->nch; k++) {
        q->ch[k].tot = sum(x, q->ch[k].off, q->ch[k].off + q->ch[k].m);
        greedy_gains(q, &q->ch[k], x, step, room);
    }
    /* Each step adds `step` or fills a cap, a channel max or the budget: this bounds them. */
    for (size_t it = 0; it < GREEDY_STEPS + q->n + q->nch + 1; it++) {
        size_t bi = q->n, kk = 0;
        for (size_t k = 0; k < q->nch; k++) {
            size_t i = q->ch[k].top;
            if (i < q->ch[k].off + q->ch[k].m &&
                (bi == q->n || q->gain[i] / q->amt[i] > q->gain[bi] / q->amt[bi])) {
                bi = i;
                kk = k;
            }
        }
        if (bi == q->n)
            break;
        double amt = q->amt[bi];
        x[bi] += amt;
        q->ch[kk].tot += amt;
        room -= amt;
        G += q->gain[bi];
        S += amt;
        q->log[taken++] = (struct gstep){bi, amt};
        struct pick p = score(q, G, S);
        if (beats(p, best)) {
            *best = p;
            kept = taken;
        }
        q->steps++;
        if (room <= q->tol)
            break;
        if (room < step)
            for (size_t k = 0; k < q->nch; k++)
                greedy_gains(q, &q->ch[k], x, step, room);
        else
            greedy_gains(q, &q->ch[kk], x, step, room);
    }
    /* The best prefix, replayed: the same additions in the same order give the same numbers. */
    if (kept) {
        fill(q, NULL, 0, lo, q->best);
        for (size_t t = 0; t < kept; t++)
            q->best[q->log[t].cell] += q->log[t].amt;
    }
}

/* ---- S-curves: the concave envelope, its bound and the search ---- */

static int by_c_desc(const void *a, const void *b)
{
    double x = ((const struct cell_c *)a)->c, y = ((const struct cell_c *)b)->c;
    return (x < y) - (x > y);
}

/* Channel of free cell i. */
static size_t chan_of(const struct eq *q, size_t i)
{
    size_t lo = 0, hi = q->nch;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (q->ch[mid].off <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* An upper bound on G - p S over every allocation of the free cells, from a point x of the
 * relaxed plan (each S-curve replaced by its concave envelope, which lies above it, so the
 * relaxed plan is concave and above the real one). For a concave G, G(y) <= G(x) + g.(y - x)
 * with g its gradient at x, so the bound is G(x) - p S(x) - (g - p).x plus the most
 * (g - p).y over the constraints: a linear programme over a laminar family (cells, channel
 * totals, the budget) that a greedy solves exactly. Every channel takes its min in its best
 * cells, then the best cells of all take the rest while their return is positive. At the
 * relaxation's optimum the bound exceeds its value by its duality gap; at any other point it
 * still holds. INFINITY when a return is infinite or nothing limits a positive one. */
static double lin_bound(struct eq *q, const double *x, double p)
{
    double G = 0, S = 0, gx = 0, val = 0;
    int relax = q->relax;
    q->relax = 1;
    for (size_t kk = 0; kk < q->nch; kk++) {
        G += eval_channel(q, &q->ch[kk], x, 1, 0);
        q->ch[kk].tot = 0;
    }
    q->relax = relax;
    for (size_t i = 0; i < q->n; i++) {
        double c = q->gam[i] - p;
        if (!isfinite(c))
            return INFINITY;
        S += x[i];
        gx += c * x[i];
        q->ord[i] = (struct cell_c){c, i};
        q->xs[i] = 0;
    }
    qsort(q->ord, q->n, sizeof *q->ord, by_c_desc);
    for (size_t j = 0; j < q->n; j++) {
        size_t i = q->ord[j].i;
        struct chan *k = &q->ch[chan_of(q, i)];
        double t = fmin(q->cap[i], k->lo - k->tot);
        if (t > 0) {
            q->xs[i] = t;
            k->tot += t;
            val += q->ord[j].c * t;
        }
    }
    double R = INFINITY;
    if (q->has_B) {
        R = q->Bp;
        for (size_t kk = 0; kk < q->nch; kk++)
            R -= q->ch[kk].tot;
    }
    for (size_t j = 0; j < q->n && R > 0 && q->ord[j].c > 0; j++) {
        size_t i = q->ord[j].i;
        struct chan *k = &q->ch[chan_of(q, i)];
        double room = k->pinned ? 0 : fmin(fmin(q->cap[i] - q->xs[i], k->U - k->tot), R);
        if (!(room > 0))
            continue;
        val += q->ord[j].c * room;
        k->tot += room;
        R -= room;
    }
    return G - p * S - gx + val;
}

/* ---- S-curves: the Lagrangian bound ---- */

/* With the budget and each channel's min and max dualised, G - p S splits into one problem
 * per channel: for a price mu per unit of spend, phi_k(mu) = the most G_k - mu S_k over the
 * channel's cells in [0, cap]. For any lambda >= 0 and mu_k >= 0,
 *
 *     G - p S  <=  lambda B + sum_k phi_k(mu_k) + (mu_k - p - lambda) * (U_k if mu_k >= p + lambda, else lo_k)
 *
 * for every allocation that meets the constraints (weak duality). Unlike the envelope, which
 * credits each period's adstock below the knee at the knee's return, phi_k is the channel's
 * own optimum: a pulse's carry-over tail is priced on the real curve. phi_k comes from dynamic
 * programming over the adstock carried into each period, on a grid of DP_N + 1 points from 0
 * to the most adstock a plan can reach (caps, max, carry-over in). The value V_u(a) of the
 * periods from u on is nondecreasing in the adstock a carried in (spending less, or nothing,
 * reaches every later adstock a lower one reaches, and curves and lifts are nondecreasing),
 * so a grid value W_u(i) >= V_u(g_i) is made from above: each adstock a in (g_(j-1), g_j]
 * counts f(g_j), the spend to reach g_(j-1), and W_(u+1)(j). The grid costs at most a few
 * grid steps of return per period; docs/model-notes.md, "S-curves". */
#define DP_WORK 1e5 /* grid points x periods x channels x prices, at most ... */
#define DP_NMAX 2048 /* ... with at most this many grid steps per channel ... */
#define DP_NMIN 256   /* ... and at least this many (else no Lagrangian bound) */

struct dp {
    int N;
    double h;                   /* grid step */
    double *F, *W, *Wn, *H;     /* [N + 1] f(g_j), W_(u+1), W_u, window values */
    int *dq;                    /* [N + 1] sliding-window maximum */
};

/* The grid of channel k into d (d->h, d->F); 0 when the DP does not apply (a lift or curve
 * that falls), 2 when the channel can have no adstock at all (then phi_k = sum_u L_u f(0)). */
static int dp_grid(const struct eq *q, const struct chan *k, struct dp *d)
{
    const struct mp_plan *plan = q->plan;
    const struct mp_channel *ch = &plan->channels[k->c];
    const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
    double th = ch->theta, a = ch->carryover, reach = a;
    size_t j = k->off, end = k->off + k->m;
    for (int u = 0; u < q->T; u++) {
        if (!(L[u] >= 0 && isfinite(L[u])))
            return 0;
        a = th * a + (j < end && q->per[j] == u ? q->cap[j++] : 0);
        reach = fmax(reach, a);
    }
    /* no plan that keeps the channel's max and the budget carries more than its spend in */
    reach = fmax(ch->carryover, fmin(reach, ch->carryover + fmin(k->U, q->has_B ? q->Bp : INFINITY)));
    if (!isfinite(reach))
        return 0;
    if (!(reach > 0)) { /* no spend, no adstock carried in: a grid of one point, 0 */
        d->h = 0;
        return 2;
    }
    d->h = reach / d->N;
    for (int i = 0; i <= d->N; i++) {
        mp_curve_eval(&ch->resp, i * d->h, &d->F[i], NULL, NULL);
        if (!isfinite(d->F[i]) || (i > 0 && d->F[i] < d->F[i - 1]))
            return 0;
    }
    return 1;
}

/* GMV of channel k with no spend and no adstock carried in. */
static double dp_zero(const struct eq *q, const struct chan *k)
{
    const struct mp_plan *plan = q->plan;
    const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
    double f0 = 0, G = 0;
    mp_curve_eval(&plan->channels[k->c].resp, 0, &f0, NULL, NULL);
    for (int u = 0; u < q->T; u++)
        G += L[u] * f0;
    return G;
}

/* An upper bound on phi_k(mu), mu >= 0, by the backward recursion of the comment above. */
static double dp_phi(const struct eq *q, const struct chan *k, struct dp *d, double mu)
{
    const struct mp_plan *plan = q->plan;
    const struct mp_channel *ch = &plan->channels[k->c];
    const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
    double th = ch->theta, h = d->h, *W = d->W, *Wn = d->Wn, *H = d->H;
    int N = d->N, *dq = d->dq;
    size_t j = k->off + k->m;
    for (int i = 0; i <= N; i++)
        W[i] = 0;
    for (int u = q->T - 1; u >= 0; u--) {
        double c = 0;
        if (j > k->off && q->per[j - 1] == u)
            c = q->cap[--j];
        for (int g = 1; g <= N; g++)
            H[g] = L[u] * d->F[g] + W[g] - mu * ((g - 1) * h);
        int head = 0, tail = 0, next = 1;
        for (int i = 0; i <= N; i++) {
            double lo = th * (i * h);
            /* spending nothing: adstock lo, counted at the grid point above it */
            int k0 = (int)floor(th * i), kc = i == 0 ? 0 : k0 + 1 > N ? N : k0 + 1;
            double v = L[u] * d->F[kc] + W[kc];
            if (c > 0) {
                /* spending up to c: adstock in (g_(g-1), g_g] for k0 < g <= k1, which costs at
                 * least g_(g-1) - lo (for g = k0 + 1 that is <= 0: from above as well) */
                double top = ceil((lo + c) / h * (1 + 1e-12) + 1e-9);
                int k1 = top >= N ? N : (int)top;
                for (; next <= k1; next++) {
                    while (tail > head && H[dq[tail - 1]] <= H[next])
                        tail--;
                    dq[tail++] = next;
                }
                while (tail > head && dq[head] <= k0)
                    head++;
                if (tail > head)
                    v = fmax(v, H[dq[head]] + mu * lo);
            }
            /* V_u is nondecreasing in the adstock carried in: so may W_u be */
            Wn[i] = i > 0 ? fmax(v, Wn[i - 1]) : v;
        }
        double *t = W;
        W = Wn;
        Wn = t;
    }
    double a0 = ch->carryover;
    int i0 = a0 > 0 ? (int)fmin(N, floor(a0 / h) + 1) : 0;
    return W[i0];
}

/* The Lagrangian bound on G - p S, its multipliers picked from a set of prices: each channel's
 * phi_k is found at DP_PRICES prices around m0, the relaxation's price of spend (p plus the
 * budget's shadow price), from m0 / 2 to 2 m0, and at the mean marginal GMV of its cells
 * strictly inside their bounds at x (q->gam must be the relaxed marginals at x, as lin_bound
 * leaves them: the price its own min or max puts on it). Every budget price lam with p + lam
 * one of those (and lam = 0) is then tried, each channel taking its best mu: weak duality
 * makes every pair a bound, so the least is. INFINITY when the DP does not apply to some
 * channel, the work would pass DP_WORK, or memory is short. */
#define DP_PRICES 5
static double dp_bound(struct eq *q, double p, double m0, const double *x)
{
    int M = DP_PRICES + 1;
    int N = (int)fmin(DP_NMAX, DP_WORK / ((double)q->nch * q->T * M));
    if (N < DP_NMIN || !(m0 >= p) || !isfinite(m0))
        return INFINITY;
    struct dp d = {.N = N};
    size_t nphi = q->nch * (size_t)M;
    double *blk = malloc((size_t)(N + 1) * (4 * sizeof(double) + sizeof(int)) + nphi * sizeof(double) +
                         (size_t)M * sizeof(double) + q->nch * sizeof(double));
    if (!blk)
        return INFINITY;
    double *phi = blk, *mus = phi + nphi, *own = mus + M;
    d.F = own + q->nch;
    d.W = d.F + N + 1;
    d.Wn = d.W + N + 1;
    d.H = d.Wn + N + 1;
    d.dq = (int *)(void *)(d.H + N + 1);
    for (int j = 0; j < DP_PRICES; j++)
        mus[j] = DP_PRICES > 1 ? m0 * exp2((j - DP_PRICES / 2) / (8.0 * (DP_PRICES / 2))) : m0;
    double total = INFINITY;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        int grid = dp_grid(q, k, &d);
        if (!grid)
            goto out;
        double mk = 0, wk = 0;
        for (size_t i = k->off; x && i < k->off + k->m; i++)
            if (x[i] > q->tol && x[i] < q->cap[i] - q->tol) {
                mk += x[i] * q->gam[i];
                wk += x[i];
            }
        own[kk] = wk > 0 ? mk / wk : NAN;
        for (int j = 0; j < M; j++) {
            double mu = j < DP_PRICES ? mus[j] : own[kk];
            phi[kk * (size_t)M + (size_t)j] = !(mu >= 0 && isfinite(mu)) ? NAN : grid == 2 ? dp_zero(q, k) : dp_phi(q, k, &d, mu);
        }
    }
    for (int l = -1; l < DP_PRICES; l++) {
        double lam = l < 0 ? 0 : mus[l] - p, val = q->has_B ? lam * q->Bp : 0;
        if (!(lam >= 0) || (l >= 0 && !q->has_B))
            continue;
        for (size_t kk = 0; kk < q->nch; kk++) {
            const struct chan *k = &q->ch[kk];
            double best = INFINITY;
            for (int j = 0; j < M; j++) {
                double v = phi[kk * (size_t)M + (size_t)j];
                if (isnan(v))
                    continue;
                double mu = j < DP_PRICES ? mus[j] : own[kk], c0 = p + lam;
                /* (0 times an unlimited max is no penalty, not NaN) */
                best = fmin(best, mu == c0 ? v : v + (mu - c0) * (mu > c0 ? k->U : k->lo));
            }
            val += best;
        }
        total = fmin(total, val);
    }
out:
    free(blk);
    return total;
}

/* The value of G - p S in the objective's units (gmv, profit, target_roas). */
static double obj_units(const struct eq *q, double gp)
{
    const struct mp_plan *plan = q->plan;
    return plan->objective == MP_OBJ_PROFIT ? plan->margin * (q->K0 + gp) - q->F0 : q->K0 + gp;
}

/* The bound in the objective's units (see finish): for goal, the least spend that can reach
 * it (q->bound is then a lower bound on S, see roas_goal_bound). */
static double bound_objective(const struct eq *q)
{
    const struct mp_plan *plan = q->plan;
    if (plan->objective == MP_OBJ_GOAL_GMV)
        return q->F0 + q->bound;
    return obj_units(q, q->bound);
}

/* (bound - value) / |bound|; for goal, a minimum, (value - bound) / |value|. val is in the
 * objective's units (goal: the spend). */
static double gap_of(const struct eq *q, double val)
{
    double ub = bound_objective(q);
    if (q->plan->objective == MP_OBJ_GOAL_GMV)
        return isfinite(ub) && val != 0 ? fmax(0, (val - ub) / fabs(val)) : NAN;
    return isfinite(ub) && ub != 0 ? fmax(0, (ub - val) / fabs(ub)) : NAN;
}

/* The most G - p S over every allocation (budget, caps, totals): the least of lin_bound at x
 * and the Lagrangian bound with m0 the price of spend. Leaves q->relax as it was. */
static double profit_bound(struct eq *q, const double *x, double p, double m0)
{
    double b = lin_bound(q, x, p);
    return fmin(b, dp_bound(q, p, m0, x));
}

/* target_roas and goal: a bound from the bound on G - p S (profit_bound). Every allocation
 * that meets the target has h = gk + G - gr S >= 0, so for nu >= 0
 *     G <= G + nu h = (1 + nu) (G - p S) + nu gk   with p = nu gr / (1 + nu) in [0, gr),
 * and goal (gr = 0, least spend) has, for p > 0,
 *     G - p S <= UB(p)  and  G >= -gk   so   S >= -(gk + UB(p)) / p.
 * Every p gives a bound; tried: the marginal GMV lam at the relaxation's own answer x (where
 * the multiplier of h makes x stationary), ROAS_PRICES more around it (goal) or across
 * [0, gr) (target_roas, where the envelope's lam is often near gr and its bound loose), the
 * best one kept. The DP's price of spend is taken at least lam: the budget's price in G - p S
 * at the relaxed answer. Into q->bound: a bound on G (target_roas) or a lower bound on S (goal). */
#define ROAS_PRICES 8
static void roas_goal_bound(struct eq *q, const double *x, double lam)
{
    set_budget(q, q->Bfull);
    if (q->plan->objective == MP_OBJ_TARGET_ROAS) {
        double ub = INFINITY;
        for (int j = -1; j <= ROAS_PRICES; j++) {
            /* j = -1: lam; then gr (1 - 2^-j): 0, gr / 2, 3 gr / 4, ... */
            double p = j < 0 ? fmin(fmax(0, lam), q->gr * (1 - 1e-9)) : q->gr * (1 - exp2(-j));
            if (!(p >= 0) || !isfinite(p))
                continue;
            double nu = p / (q->gr - p);
            ub = fmin(ub, (1 + nu) * profit_bound(q, x, p, fmax(p, lam)) + nu * q->gk);
        }
        q->bound = ub;
    } else {
        double lo = sum(q->c_lo, 0, q->nch);
        for (int j = -1; j <= ROAS_PRICES; j++) {
            /* j = -1: lam; then lam 2^((j - ROAS_PRICES / 2) / 4) */
            double p = j < 0 ? lam : lam * exp2((j - ROAS_PRICES / 2) / 4.0);
            if (p > 0 && isfinite(p))
                lo = fmax(lo, -(q->gk + profit_bound(q, x, p, fmax(p, lam))) / p);
        }
        q->bound = lo;
    }
}

/* A pulse made of src (into q->xs): in each S-curve channel, the spend of the cells whose
 * adstock is below the knee (where the curve returns less than at the knee, so spread-out
 * spend is wasted) is put into as few of them as reach the knee, those of the highest demand
 * multiplier first, under their caps; other cells and every channel total stay as they are.
 * Returns 0 when nothing changed. */
static int pulse_round(struct eq *q, const double *src)
{
    const struct mp_plan *plan = q->plan;
    int changed = 0;
    if (src != q->xs)
        memcpy(q->xs, src, q->n * sizeof *q->xs);
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0))
            continue;
        eval_channel(q, k, src, 0, 0);
        size_t nl = 0;
        double tau = 0;
        for (size_t i = k->off; i < k->off + k->m; i++)
            if (k->a[q->per[i]] < k->knee) {
                q->ord[nl++] = (struct cell_c){plan->lift[MP_AT(plan, k->c, q->per[i])], i};
                tau += src[i];
            }
        if (nl < 2 || !(tau > 0))
            continue;
        qsort(q->ord, nl, sizeof *q->ord, by_c_desc);
        size_t on = (size_t)fmax(1, fmin((double)nl, floor(tau / k->knee)));
        double rem = tau;
        for (size_t j = 0; j < nl; j++) {
            size_t i = q->ord[j].i;
            double give = fmin(q->cap[i], j < on ? rem / (double)(on - j) : rem);
            q->xs[i] = give;
            rem -= give;
        }
        changed = 1;
    }
    return changed;
}

/* src with every S-curve channel whose adstock stays below the knee wherever it spends cut
 * to its min (into q->xs), for the local solve to spend elsewhere. Returns 0 when none is. */
static int cut_idle(struct eq *q, const double *src)
{
    int changed = 0;
    if (src != q->xs)
        memcpy(q->xs, src, q->n * sizeof *q->xs);
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0) || k->pinned)
            continue;
        eval_channel(q, k, src, 0, 0);
        double tot = 0;
        int idle = 1;
        for (size_t i = k->off; i < k->off + k->m; i++) {
            tot += src[i];
            if (src[i] > 0 && k->a[q->per[i]] >= k->knee)
                idle = 0;
        }
        if (!idle || !(tot > k->lo))
            continue;
        for (size_t i = k->off; i < k->off + k->m; i++)
            q->xs[i] = src[i] * (k->lo / tot);
        changed = 1;
    }
    return changed;
}

/* src with, in each S-curve channel, a burst below the knee moved to the empty period where
 * the channel's GMV is highest after the move, when that is higher than before (into q->xs),
 * as a start for a local solve:
 * that cannot move spend across periods with nothing in between, as a pulse in week 1 that
 * belongs in week 6 once the other channels have moved too. One move per channel; at most
 * SHIFT_WORK channel evaluations in all. Returns 0 when no channel has such a move. */
#define SHIFT_WORK 20000
static int shift_bursts(struct eq *q, const double *src)
{
    int changed = 0;
    long work = 0;
    memcpy(q->xs, src, q->n * sizeof *q->xs);
    double *x = q->xs;
    for (size_t kk = 0; kk < q->nch && work < SHIFT_WORK; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0) || k->pinned)
            continue;
        /* only a move that raises the channel's GMV: moving a burst that is where it belongs
         * (a pulse below the knee that its neighbours' carry-over feeds) spoils the start */
        double now = eval_channel(q, k, x, 0, 0), best = now + 1e-12 * fabs(now);
        size_t bi = 0, bj = 0;
        for (size_t i = k->off; i < k->off + k->m && work < SHIFT_WORK; i++) {
            double tiny = 1e-6 * x[i]; /* a local solve leaves "empty" cells a hair above 0 */
            if (!(x[i] > q->tol && x[i] < k->knee))
                continue;
            for (size_t j = k->off; j < k->off + k->m && work < SHIFT_WORK; j++) {
                if (x[j] > tiny || q->cap[j] < x[i] + x[j])
                    continue;
                double xi = x[i], xj = x[j];
                x[j] += xi;
                x[i] = 0;
                double G = eval_channel(q, k, x, 0, 0);
                x[i] = xi;
                x[j] = xj;
                work++;
                if (G > best) {
                    best = G;
                    bi = i;
                    bj = j;
                }
            }
        }
        if (bi != bj) {
            x[bj] += x[bi];
            x[bi] = 0;
            changed = 1;
        }
    }
    return changed;
}

/* src with the spend of one period of one S-curve channel moved onto the channel's other
 * spending periods (in proportion to their spend, under their caps): of all such moves, the
 * one that costs its channel least GMV or gains most (into q->xs), as a start for a local
 * solve. A run of bursts below the knee, fed by each other's carry-over, often does better
 * one week shorter, which no local solve finds (the week's marginal stays above the others'
 * until it is empty). At most SHIFT_WORK channel evaluations. Returns 0 when there is no move. */
static int drop_cell(struct eq *q, const double *src)
{
    long work = 0;
    memcpy(q->xs, src, q->n * sizeof *q->xs);
    double *x = q->xs, *y = q->cand, best = -INFINITY;
    size_t bk = q->nch, bi = 0;
    for (size_t kk = 0; kk < q->nch && work < SHIFT_WORK; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0) || k->pinned)
            continue;
        double now = eval_channel(q, k, x, 0, 0), tot = sum(x, k->off, k->off + k->m);
        for (size_t i = k->off; i < k->off + k->m && work < SHIFT_WORK; i++) {
            double rest = tot - x[i];
            if (!(x[i] > q->tol && rest > q->tol))
                continue;
            int fits = 1;
            for (size_t j = k->off; j < k->off + k->m; j++) {
                y[j] = j == i ? 0 : x[j] * (tot / rest);
                fits &= y[j] <= q->cap[j];
            }
            if (!fits)
                continue;
            double d = eval_channel(q, k, y, 0, 0) - now;
            work++;
            if (d > best) {
                best = d;
                bk = kk;
                bi = i;
            }
        }
    }
    if (bk == q->nch)
        return 0;
    const struct chan *k = &q->ch[bk];
    double tot = sum(x, k->off, k->off + k->m), rest = tot - x[bi];
    for (size_t j = k->off; j < k->off + k->m; j++)
        x[j] = j == bi ? 0 : x[j] * (tot / rest);
    return 1;
}

/* The optimum of the looser relaxation (the tangent to the knee in every period, whatever the
 * caps allow) into q->gain, as a start: it pulses more boldly than the tight one, and on
 * some plans that finds the better answer. */
static const double *loose_optimum(struct eq *q, double p, struct pick *best)
{
    q->relax = q->loose = 1;
    q->clipped = 0;
    solve_at(q, q->Bfull, p, NULL, 1);
    memcpy(q->gain, q->x, q->n * sizeof *q->x);
    q->relax = q->loose = 0;
    q->clipped = 1;
    set_budget(q, q->Bfull);
    q->raw |= consider(q, q->gain, gmv_of(q, q->gain), best);
    return q->gain;
}

/* ---- S-curves: branch and bound on the cells ---- */

/* Spatial branch and bound (docs/model-notes.md, "Closing the gap: branch and bound"). A node
 * is a box lo_i <= x_i <= hi_i on the free cells. In it the adstock of each period lies in
 * [amin_u, amax_u] (the boxes' ends carried over, the initial adstock decayed, and no more
 * than the channel may spend in all), and the concave envelope of the curve on that interval
 * (mp_curve_envelope_on) is above the curve there and below the root's envelope: the node's
 * relaxed plan, concave again, is solved by the interior-point method and lin_bound bounds
 * G - p S over the box. As boxes shrink, every envelope closes on its curve, so the bounds
 * close on the best value; the relaxed optimum of each node is also a feasible allocation,
 * a candidate. Nodes go best bound first; one whose bound is within MP_EQUALIZE_GAP_GOAL of
 * the best answer is pruned. A node is split on one cell (bb_pick): the cell feeding most of
 * the period where the envelope overstates the relaxed optimum's GMV most. */
#define BB_CELLS 64     /* it runs on plans of at most this many free cells ... */
#define BB_WORK 5e5     /* ... until interior-point steps x cells of its solves pass this ... */
#define BB_NODES 2048   /* ... or this many nodes are open */
#define BB_NARROW 1e-4  /* a cell is split only while wider than this share of its root range */
#define BB_ROOM 1e-6    /* share of the budget a split leaves each half's totals (bb_range) */
#define BB_START 1e-3   /* a node's solve starts from its parent's relaxed optimum, at this mu */

struct bbnode {
    double ub;   /* bound on G - p S over the node's box */
    size_t slot; /* its box: lo at bb.box + slot * 3n, hi n further, then a start (NAN: none) */
    size_t cell; /* the cell it is split on (n: none), and where */
    double at;
};

struct bb {
    size_t nslots;
    double *box, *w0;           /* [nslots * 3n] boxes and starts, [n] the root's cell ranges */
    double *ckey, *cenv;        /* [2 nch T], [3 nch T]: node_envelopes' last inputs and outputs */
    struct bbnode *heap;        /* [nslots] open nodes, a max-heap on ub */
    size_t nheap, *spare, nspare; /* [nslots] free slots */
    struct chan *ch0;           /* [nch] the channels as setup left them */
    double *cap0, *clo0, *cU0;  /* q->cap, q->c_lo, q->c_U as setup left them */
    double *env0;               /* [4 nch T] the root's envelopes */
    double *ncap, *Lk, *Hk;     /* [n] the node's hi - lo; [nch] the sums of lo and hi */
    double Bp, Lsum;            /* the node's budget above the lower bounds, their sum */
    double inc;                 /* G - p S of the best answer */
};

/* 1 when a bound ub on G - p S is within MP_EQUALIZE_GAP_GOAL of the answer's value gp. */
static int bb_closed(const struct eq *q, double ub, double gp)
{
    double u = obj_units(q, ub);
    return u - obj_units(q, gp) <= MP_EQUALIZE_GAP_GOAL * fabs(u);
}

static void bb_push(struct bb *b, struct bbnode nd)
{
    size_t i = b->nheap++;
    for (; i > 0 && b->heap[(i - 1) / 2].ub < nd.ub; i = (i - 1) / 2)
        b->heap[i] = b->heap[(i - 1) / 2];
    b->heap[i] = nd;
}

static struct bbnode bb_pop(struct bb *b)
{
    struct bbnode top = b->heap[0], last = b->heap[--b->nheap];
    size_t i = 0;
    for (size_t c; (c = 2 * i + 1) < b->nheap; i = c) {
        if (c + 1 < b->nheap && b->heap[c + 1].ub > b->heap[c].ub)
            c++;
        if (b->heap[c].ub <= last.ub)
            break;
        b->heap[i] = b->heap[c];
    }
    if (b->nheap)
        b->heap[i] = last;
    return top;
}

/* The envelope of each period of each S-curve channel on the adstocks the box allows. */
static void node_envelopes(struct eq *q, struct bb *b, const double *lo, const double *hi)
{
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0))
            continue;
        const struct mp_channel *ch = &q->plan->channels[k->c];
        double th = ch->theta, amin = ch->carryover, amax = amin, carry = amin;
        double most = fmin(fmin(b->ch0[kk].U, b->Hk[kk]), b->Bp + b->Lk[kk]);
        size_t j = k->off, end = k->off + k->m;
        for (int t = 0; t < q->T; t++) {
            double l = 0, h = 0;
            if (j < end && q->per[j] == t) {
                l = lo[j];
                h = hi[j++];
            }
            amin = l + th * amin;
            amax = h + th * amax;
            carry *= th;
            double top = fmax(amin, fmin(amax, carry + most));
            size_t c = kk * (size_t)q->T + (size_t)t;
            double *key = &b->ckey[2 * c], *env = &b->cenv[3 * c];
            if (key[0] != amin || key[1] != top) { /* siblings share most of their boxes */
                mp_curve_envelope_on(&ch->resp, amin, top, &env[0], &env[1], &env[2]);
                key[0] = amin;
                key[1] = top;
            }
            k->el[t] = amin;
            k->fl[t] = env[0];
            k->ek[t] = env[1];
            k->es[t] = env[2];
        }
    }
}

/* Make the box the problem: cell i spends lo_i + x_i with x_i in [0, hi_i - lo_i], channel
 * totals and the budget less the lower bounds. 0: no allocation is in the box; -1: the box
 * leaves some channel no room (a pinned total at 0 or at its caps, which the interior-point
 * method needs strictly inside); 1: set (bb_restore undoes it). */
static int bb_apply(struct eq *q, struct bb *b, const double *lo, const double *hi)
{
    double L = 0, tol = q->tol;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        const struct chan *k0 = &b->ch0[kk];
        double Lk = 0, Hk = 0;
        for (size_t i = k->off; i < k->off + k->m; i++) {
            b->ncap[i] = hi[i] - lo[i];
            Lk += lo[i];
            Hk += hi[i];
        }
        double top = fmin(k0->U, Hk);
        if (Lk > top + tol || k0->lo > Hk + tol)
            return 0;
        k->lo = fmax(0, k0->lo - Lk);
        k->U = fmax(k->lo, top - Lk);
        k->hi = k0->hi - Lk;
        k->hi0 = k0->hi < Hk;
        k->pin0 = k0->pin0 || k->U - k->lo <= tol;
        q->c_lo[kk] = k->lo;
        q->c_U[kk] = k->pin0 ? k->lo : k->U;
        b->Lk[kk] = Lk;
        b->Hk[kk] = Hk;
        L += Lk;
    }
    double lo_sum = sum(q->c_lo, 0, q->nch);
    b->Lsum = L;
    b->Bp = q->Bfull - L;
    if (b->Bp < lo_sum - tol)
        return 0;
    int pin = b->Bp <= lo_sum + tol;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        if ((k->pin0 || pin) && (k->lo <= tol || k->lo >= b->Hk[kk] - b->Lk[kk] - tol))
            return -1;
    }
    q->cap = b->ncap;
    q->xlo = lo;
    node_envelopes(q, b, lo, hi);
    return 1;
}

static void bb_restore(struct eq *q, const struct bb *b)
{
    memcpy(q->ch, b->ch0, q->nch * sizeof *q->ch);
    memcpy(q->c_lo, b->clo0, q->nch * sizeof *q->c_lo);
    memcpy(q->c_U, b->cU0, q->nch * sizeof *q->c_U);
    q->cap = b->cap0;
    q->xlo = NULL;
    q->relax = 0;
    q->clipped = 1;
    set_budget(q, q->Bfull);
}

/* Where cell i of channel kk may be split: [*from, *to], so that neither half leaves a channel
 * or the budget no room (see bb_apply: the lower half must still reach the channel's min, the
 * upper half's lower bounds must stay below its most and the budget), by BB_ROOM of the
 * budget. 0 when nowhere. */
static int bb_range(const struct eq *q, const struct bb *b, const double *lo, const double *hi,
                    size_t kk, size_t i, double *from, double *to)
{
    const struct chan *k0 = &b->ch0[kk];
    double room = fmax(1e3 * q->tol, BB_ROOM * q->Bfull), slack = q->Bfull;
    for (size_t c = 0; c < q->nch; c++)
        slack -= fmax(b->ch0[c].lo, b->Lk[c]);
    *from = fmax(lo[i], k0->lo - (b->Hk[kk] - hi[i])) + room;
    *to = fmin(fmin(hi[i], k0->U - (b->Lk[kk] - lo[i])), lo[i] + slack) - room;
    return *from < *to;
}

/* The cell to split the node on, from its relaxed optimum q->x: over the periods where the
 * envelope is above the curve, the error L_u (envelope - curve) times the share of the
 * period's adstock range that the cell makes (theta^lag times its range); cells narrower than
 * BB_NARROW of their root range, or with no room to split (bb_range), are not split. Split
 * halfway between the relaxed optimum's spend and the middle of the range: on the benchmark's
 * plans that took fewer nodes than either alone. nd->cell = n: none. */
static void bb_pick(struct eq *q, const struct bb *b, const double *lo, const double *hi,
                    struct bbnode *nd)
{
    const struct mp_plan *plan = q->plan;
    double best = 0, tiny = 1e-12 * fmax(1, fabs(q->K0 + q->G)), from, to;
    size_t bk = 0;
    nd->cell = q->n;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        if (!(k->knee > 0))
            continue;
        const struct mp_channel *ch = &plan->channels[k->c];
        const double *L = &plan->lift[MP_AT(plan, k->c, 0)];
        eval_channel(q, k, q->x, 0, 0);
        for (int u = 0; u < q->T; u++) {
            double a = k->a[u], f;
            if (!(a < k->ek[u]))
                continue;
            mp_curve_eval(&ch->resp, a, &f, NULL, NULL);
            double err = L[u] * (k->fl[u] + k->es[u] * (a - k->el[u]) - f), width = 0;
            if (!(err > tiny))
                continue;
            for (size_t i = k->off; i < k->off + k->m && q->per[i] <= u; i++)
                width += pow(ch->theta, u - q->per[i]) * (hi[i] - lo[i]);
            for (size_t i = k->off; i < k->off + k->m && q->per[i] <= u; i++) {
                double w = hi[i] - lo[i], score = err * pow(ch->theta, u - q->per[i]) * w / width;
                if (w > BB_NARROW * b->w0[i] && score > best && bb_range(q, b, lo, hi, kk, i, &from, &to)) {
                    best = score;
                    nd->cell = i;
                    bk = kk;
                }
            }
        }
    }
    if (nd->cell == q->n)
        return;
    size_t i = nd->cell;
    double w = hi[i] - lo[i], v = lo[i] + q->x[i];
    bb_range(q, b, lo, hi, bk, i, &from, &to);
    nd->at = clamp((lo[i] + w / 2 + clamp(v, lo[i], hi[i])) / 2, from, to);
}

/* G - p S of the best answer. */
static double best_gp(struct eq *q, double p)
{
    return gmv_of(q, q->best) - p * sum(q->best, 0, q->n);
}

/* Bound the node whose box is in slot nd->slot (nd->ub, nd->cell, nd->at), and take its
 * relaxed optimum as a candidate (a local solve from it when it is the best so far). The
 * return of bb_apply. */
static int bb_node(struct eq *q, struct bb *b, double p, struct pick *best, struct bbnode *nd)
{
    size_t n = q->n;
    double *lo = b->box + nd->slot * 3 * n, *hi = lo + n, *x0 = hi + n;
    int st = bb_apply(q, b, lo, hi);
    if (st != 1) {
        bb_restore(q, b);
        return st;
    }
    q->relax = 1;
    q->clipped = 0;
    int warm = !isnan(x0[0]);
    for (size_t i = 0; warm && i < n; i++)
        x0[i] = clamp(x0[i] - lo[i], 0, hi[i] - lo[i]);
    set_budget(q, b->Bp);
    warm = warm && fits(q, x0, 0); /* not when the split moved a cell past a total or the budget */
    solve_at(q, b->Bp, p, warm ? x0 : NULL, warm ? BB_START : 1);
    nd->ub = lin_bound(q, q->x, p) - p * b->Lsum;
    bb_pick(q, b, lo, hi, nd);
    for (size_t i = 0; i < n; i++)
        x0[i] = q->cand[i] = fmin(hi[i], lo[i] + q->x[i]);
    bb_restore(q, b);
    if (fits(q, q->cand, q->tol) && consider(q, q->cand, gmv_of(q, q->cand), best)) {
        memcpy(q->cand, q->best, n * sizeof *q->cand);
        solve_objective(q, q->cand, 0.1);
        q->starts++;
        q->raw = !consider(q, q->x, gmv_of(q, q->x), best);
        set_budget(q, q->Bfull);
        b->inc = best_gp(q, p);
    }
    return 1;
}

/* The working memory of branch and bound into b (its block returned, NULL when out of memory),
 * with what the nodes change saved: the channels, caps, channel bounds and envelopes. */
static char *bb_open(struct eq *q, struct bb *b)
{
    size_t n = q->n, nch = q->nch, T = (size_t)q->T;
    *b = (struct bb){.nslots = BB_NODES, .cap0 = q->cap};
    size_t nd = b->nslots * 3 * n + 2 * n + 4 * nch + 9 * nch * T;
    char *blk = malloc(nd * sizeof(double) + b->nslots * (sizeof(struct bbnode) + sizeof(size_t)) +
                       nch * sizeof(struct chan));
    if (!blk)
        return NULL;
    double *d = (double *)(void *)blk;
    b->box = d;
    b->w0 = d += b->nslots * 3 * n;
    b->clo0 = d += n;
    b->cU0 = d += nch;
    b->env0 = d += nch;
    b->ncap = d += 4 * nch * T;
    b->Lk = d += n;
    b->Hk = d += nch;
    b->ckey = d += nch;
    b->cenv = d += 2 * nch * T;
    d += 3 * nch * T;
    b->heap = (struct bbnode *)(void *)d;
    b->spare = (size_t *)(void *)(b->heap + b->nslots);
    b->ch0 = (struct chan *)(void *)(b->spare + b->nslots);
    for (size_t i = 0; i < 2 * nch * T; i++)
        b->ckey[i] = NAN;
    for (size_t s = 0; s < b->nslots; s++)
        b->spare[b->nspare++] = b->nslots - 1 - s;
    memcpy(b->ch0, q->ch, nch * sizeof *q->ch);
    memcpy(b->clo0, q->c_lo, nch * sizeof *q->c_lo);
    memcpy(b->cU0, q->c_U, nch * sizeof *q->c_U);
    for (size_t kk = 0; kk < nch; kk++) {
        const struct chan *k = &q->ch[kk];
        double *e = b->env0 + 4 * kk * T;
        memcpy(e, k->ek, T * sizeof *e);
        memcpy(e + T, k->es, T * sizeof *e);
        memcpy(e + 2 * T, k->el, T * sizeof *e);
        memcpy(e + 3 * T, k->fl, T * sizeof *e);
    }
    return blk;
}

/* The root's envelopes back, and the memory freed. */
static void bb_close(struct eq *q, const struct bb *b, char *blk)
{
    size_t T = (size_t)q->T;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        const double *e = b->env0 + 4 * kk * T;
        memcpy(k->ek, e, T * sizeof *e);
        memcpy(k->es, e + T, T * sizeof *e);
        memcpy(k->el, e + 2 * T, T * sizeof *e);
        memcpy(k->fl, e + 3 * T, T * sizeof *e);
    }
    free(blk);
}

/* Split node nd at nd->cell, nd->at: each half is bounded and kept open unless pruned;
 * *stuck gets the bounds of halves pruned or left without a box. */
static void bb_split(struct eq *q, struct bb *b, double p, struct pick *best, struct bbnode nd,
                     double *stuck)
{
    size_t n = q->n;
    /* the lower half keeps the parent's slot, the upper half gets a new one */
    struct bbnode kid[2] = {nd, nd};
    kid[1].slot = b->spare[--b->nspare];
    double *lo0 = b->box + nd.slot * 3 * n, *lo1 = b->box + kid[1].slot * 3 * n;
    memcpy(lo1, lo0, 3 * n * sizeof *lo0);
    lo0[n + nd.cell] = nd.at;
    lo1[nd.cell] = nd.at;
    for (int c = 0; c < 2; c++) {
        int st = bb_node(q, b, p, best, &kid[c]);
        kid[c].ub = fmin(kid[c].ub, nd.ub); /* both are bounds */
        if (st < 0)
            *stuck = fmax(*stuck, nd.ub);
        if (st == 1 && !bb_closed(q, kid[c].ub, b->inc)) {
            bb_push(b, kid[c]);
            continue;
        }
        if (st == 1) /* pruned: within the goal of the answer, but still a bound */
            *stuck = fmax(*stuck, kid[c].ub);
        b->spare[b->nspare++] = kid[c].slot;
    }
}

/* Branch and bound from the root box (every cell in [0, min(cap, channel's most, budget)]),
 * for gmv and profit; q->bound becomes the least of itself and the tree's bound (the best
 * bound of the open nodes, of those pruned or that could not be split, and the answer's
 * value). */
static void branch_and_bound(struct eq *q, double p, struct pick *best)
{
    size_t n = q->n;
    struct bb b;
    char *blk = n <= BB_CELLS && isfinite(q->bound) ? bb_open(q, &b) : NULL;
    if (!blk)
        return;
    long ipm0 = q->ipm;
    double stuck = -INFINITY; /* the best bound of nodes left behind */
    b.inc = best_gp(q, p);
    struct bbnode root = {.slot = b.spare[--b.nspare]};
    double *lo = b.box + root.slot * 3 * n;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        for (size_t i = k->off; i < k->off + k->m; i++) {
            lo[i] = 0;
            lo[n + i] = b.w0[i] = fmin(q->cap[i], fmin(k->U, q->Bfull));
            lo[2 * n + i] = NAN;
        }
    }
    int st = bb_node(q, &b, p, best, &root);
    if (st == 1 && isfinite(root.ub))
        bb_push(&b, root);
    else if (st != 0) /* no box to start from, or an infinite return (hill s < 1 at 0): no tree */
        stuck = q->bound;
    while (b.nheap > 0 && !bb_closed(q, fmax(b.heap[0].ub, stuck), b.inc)) {
        if ((double)(q->ipm - ipm0) * (double)n > BB_WORK || b.nspare == 0)
            break;
        struct bbnode nd = bb_pop(&b);
        if (nd.cell == n) {
            stuck = fmax(stuck, nd.ub);
            b.spare[b.nspare++] = nd.slot;
        } else {
            bb_split(q, &b, p, best, nd, &stuck);
        }
    }
    q->bound = fmin(q->bound, fmax(fmax(b.nheap ? b.heap[0].ub : -INFINITY, stuck), b.inc));
    bb_close(q, &b, blk);
}

/* S-curves (docs/model.md 7, docs/model-notes.md "S-curves"). The candidates of today's
 * heuristics (equal split and proportional-to-beta paths, LEVELS budget levels each, for gmv
 * only the whole budget; every prefix of the greedy allocation) and two local solves (the
 * interior-point method with the Hessian clipped, line search on the true objective) from the
 * best of them and from the central point; then, for gmv and profit, the relaxation: each
 * S-curve replaced by its concave envelope gives a concave plan whose optimum equalize finds
 * exactly and whose linearisation bounds every allocation from above (lin_bound; on small
 * plans also the Lagrangian of the channels, dp_bound, whichever is lower). target_roas and
 * goal get their bound from the relaxation's own answer (roas_goal_bound) and stop there, as
 * before. While the best answer is not within MP_EQUALIZE_GAP_GOAL of the bound, more local
 * solves start from
 * the caller's warm start, the relaxed optimum, pulses made of it and of the best answer, and
 * the relaxed optimum without the channels it keeps below their knee, up to MAX_STARTS; then,
 * on small plans, branch and bound on the cells (branch_and_bound), which tightens the bound
 * and adds candidates. The answer is the best point seen, so never below a heuristic, today's
 * answer or the warm start. */
static void solve_scurve(struct eq *q)
{
    const struct mp_plan *plan = q->plan;
    struct pick best = {0, 0, 0};
    double lo = sum(q->c_lo, 0, q->nch), top = fmin(q->Bfull, sum(q->c_U, 0, q->nch));
    int gmv = plan->objective == MP_OBJ_GMV, levels = gmv ? 1 : LEVELS;
    int certify = gmv || plan->objective == MP_OBJ_PROFIT; /* else target_roas, goal */
    double p = plan->objective == MP_OBJ_PROFIT ? 1 / plan->margin : 0;
    for (int h = 0; h < 2; h++)
        for (int l = gmv ? 1 : 0; l <= levels; l++) {
            fill(q, h ? q->c_w : NULL, h, lo + (top - lo) * l / levels, q->cand);
            consider(q, q->cand, gmv_of(q, q->cand), &best);
            q->steps++;
        }
    greedy(q, &best);
    q->bound = INFINITY;
    q->stop = MP_STOP_WORK;
    for (int s = 0; s < 13 && q->starts < MAX_STARTS; s++) {
        /* After today's two solves (exactly as before: from the best heuristic, then from
         * the central point), the warm start and the relaxation, which is not subject to the
         * work limit: every answer of gmv and profit gets its bound. */
        if (s == 2) {
            if (q->warm)
                q->raw |= consider(q, q->warm, gmv_of(q, q->warm), &best);
            if (!certify) {
                /* target_roas and goal: the relaxation's own answer gives the bound */
                q->relax = 1;
                q->clipped = 0;
                solve_objective(q, NULL, 1);
                memcpy(q->xr, q->x, q->n * sizeof *q->x);
                roas_goal_bound(q, q->xr, q->lambda);
                q->relax = 0;
                q->clipped = 1;
                set_budget(q, q->Bfull);
                break;
            }
            q->relax = 1;
            q->clipped = 0;
            solve_at(q, q->Bfull, p, NULL, 1);
            memcpy(q->xr, q->x, q->n * sizeof *q->x);
            q->bound = profit_bound(q, q->xr, p, q->has_B ? fmax(p, q->lambda) : p);
            q->relax = 0;
            q->clipped = 1;
            set_budget(q, q->Bfull);
            q->raw |= consider(q, q->xr, gmv_of(q, q->xr), &best);
        }
        if (s >= 2 && gap_of(q, best.val) <= MP_EQUALIZE_GAP_GOAL) {
            q->stop = MP_STOP_GAP;
            break;
        }
        if (s >= 2 && (double)q->ipm * (double)q->n > WORK_CELLS)
            break;
        const double *x0 = NULL;
        double start = 0.1;
        switch (s) {
        case 0: x0 = q->best; break;
        case 1: start = 1; break;
        case 2: x0 = q->warm; break;
        case 3: x0 = q->xr; break;
        case 4: x0 = pulse_round(q, q->xr) ? q->xs : NULL; break;
        case 5: x0 = cut_idle(q, q->xr) ? q->xs : NULL; break;
        case 6: x0 = loose_optimum(q, p, &best); break;
        case 7: x0 = pulse_round(q, q->gain) ? q->xs : NULL; break;
        case 8: x0 = pulse_round(q, q->best) ? q->xs : NULL; break;
        case 9: x0 = cut_idle(q, q->best) ? q->xs : NULL; break;
        case 10: x0 = pulse_round(q, q->best) && cut_idle(q, q->xs) ? q->xs : NULL; break;
        case 11: x0 = shift_bursts(q, q->best) ? q->xs : NULL; break;
        case 12: x0 = drop_cell(q, q->best) ? q->xs : NULL; break;
        }
        if (s >= 2 && !x0)
            continue;
        if (x0 == q->best) {
            memcpy(q->cand, q->best, q->n * sizeof *q->cand);
            x0 = q->cand;
        }
        solve_objective(q, x0, start);
        q->starts++;
        if (consider(q, q->x, gmv_of(q, q->x), &best))
            q->raw = 0;
        set_budget(q, q->Bfull);
    }
    if (q->branch && certify && q->stop != MP_STOP_GAP && gap_of(q, best.val) > MP_EQUALIZE_GAP_GOAL)
        branch_and_bound(q, p, &best);
    /* The best point may be one no local solve started from (the relaxed optimum, the warm
     * start): one more from it makes the answer a local optimum. */
    if (q->raw) {
        memcpy(q->cand, q->best, q->n * sizeof *q->cand);
        solve_objective(q, q->cand, 0.1);
        q->starts++;
        consider(q, q->x, gmv_of(q, q->x), &best);
        set_budget(q, q->Bfull);
    }
    double val = plan->objective == MP_OBJ_GOAL_GMV ? -best.val : best.val;
    if (best.feas && q->stop != MP_STOP_GAP && gap_of(q, val) <= MP_EQUALIZE_GAP_GOAL)
        q->stop = MP_STOP_GAP;
    memcpy(q->x, q->best, q->n * sizeof *q->x);
}

/* ---- set-up and result ---- */

static const char *where(const struct mp_plan *plan, const struct mp_channel *ch, char *buf, size_t n)
{
    static const struct mp_loc nowhere = {0, 0};
    if (ch && ch->changed_by) { /* the plan file did not set what fails: the strategy did */
        snprintf(buf, n, "strategy '%s' (it changed channel '%s')", ch->changed_by, ch->id);
        return buf;
    }
    return mp_plan_where(plan, ch ? ch->loc : nowhere, buf, n);
}

/* GMV of one channel's row of `spend`. */
static double row_gmv(const struct mp_plan *plan, size_t c, const double *spend)
{
    const struct mp_channel *ch = &plan->channels[c];
    double a = ch->carryover, G = 0;
    for (int t = 0; t < plan->T; t++) {
        a = spend[t] + ch->theta * a;
        if (a > 0)
            G += mp_channel_response(plan, c, t, a);
    }
    return G;
}

static size_t carve(size_t *off, size_t count, size_t size)
{
    size_t at = *off;
    *off += (count * size + 15) & ~(size_t)15;
    return at;
}

/* Check the constraints can hold, fix what they already decide (channels with no free
 * period, totals pinned at 0, at every cap or on one period), and lay out the rest. */
static enum mp_status setup(struct eq *q, const struct mp_plan *plan, double budget,
                            mp_alloc *out, mp_error *err)
{
    size_t C = plan->nchannels, T = (size_t)plan->T, nch = 0, n = 0, biggest = C;
    char at[512];
    double tol = fmax(1e-6, 1e-9 * fabs(budget)), lo_sum = 0;
    memset(q, 0, sizeof *q);
    q->plan = plan;
    q->T = plan->T;
    q->tol = tol;
    for (size_t c = 0; c < C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        if (ch->mode != MP_MODE_OPTIMISED)
            continue;
        size_t m = 0;
        for (size_t t = 0; ch->cap > 0 && t < T; t++)
            m += ch->active[t] != 0;
        double U = m ? fmin(ch->max, ch->cap * (double)m) : 0;
        if (ch->min > ch->max + tol)
            return mp_fail(err, MP_EINFEASIBLE, "%s: channel '%s': min %s is above max %s",
                           where(plan, ch, at, sizeof at), ch->id, MP_G(ch->min), MP_G(ch->max));
        if (ch->min > U + tol && m == 0)
            return mp_fail(err, MP_EINFEASIBLE, "%s: channel '%s': min %s cannot be reached: the channel may spend in no period (inactive or cap 0)",
                           where(plan, ch, at, sizeof at), ch->id, MP_G(ch->min));
        if (ch->min > U + tol)
            return mp_fail(err, MP_EINFEASIBLE, "%s: channel '%s': min %s cannot be reached: %zu active periods at cap %s allow at most %s",
                           where(plan, ch, at, sizeof at), ch->id, MP_G(ch->min), m, MP_G(ch->cap), MP_G(U));
        lo_sum += ch->min;
        if (ch->min > 0 && (biggest == C || ch->min > plan->channels[biggest].min))
            biggest = c;
        if (m) {
            nch++;
            n += m;
        }
    }
    if (lo_sum > budget + tol && biggest < C)
        return mp_fail(err, MP_EINFEASIBLE, "%s: channel mins add up to %s, more than the budget to allocate %s (largest: channel '%s', min %s)",
                       where(plan, &plan->channels[biggest], at, sizeof at), MP_G(lo_sum), MP_G(budget),
                       plan->channels[biggest].id, MP_G(plan->channels[biggest].min));
    if (lo_sum > budget + tol)
        return mp_fail(err, MP_EINFEASIBLE, "%s: the budget to allocate is %s: fixed lines take more than the budget",
                       where(plan, NULL, at, sizeof at), MP_G(budget));

    size_t nk = 2 * (nch > T ? nch : T), ms = 2 * n + 2 * nch + 1, off = 0;
    size_t o_d = carve(&off, 21 * n + 5 * ms + 2 * T + 3 * nch + 7 * nch * T, sizeof(double));
    size_t o_ord = carve(&off, n, sizeof(struct cell_c));
    size_t o_ch = carve(&off, nch, sizeof(struct chan));
    size_t o_kn = carve(&off, nk, sizeof(struct knot));
    size_t o_per = carve(&off, n, sizeof(int));
    size_t o_log = carve(&off, GREEDY_STEPS + n + nch + 1, sizeof(struct gstep));
    size_t o_on = carve(&off, ms, 1);
    char *base = malloc(off);
    if (!base)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    q->block = base;
    double *d = (double *)(void *)(base + o_d);
    double **vec[] = {&q->cap, &q->gam, &q->ht, &q->rho, &q->D, &q->dd, &q->ll, &q->rhs,
                      &q->mr, &q->me0, &q->me, &q->dx, &q->best, &q->cand, &q->xc, &q->keep,
                      &q->gain, &q->amt, &q->xr, &q->xs, &q->warm};
    for (size_t v = 0; v < sizeof vec / sizeof *vec; v++, d += n)
        *vec[v] = d;
    double **cvec[] = {&q->s, &q->z, &q->ds, &q->dz, &q->inv};
    for (size_t v = 0; v < sizeof cvec / sizeof *cvec; v++, d += ms)
        *cvec[v] = d;
    q->x = q->s;
    q->tmp_d = d;
    q->tmp_h = d + T;
    q->c_lo = d + 2 * T;
    q->c_U = q->c_lo + nch;
    q->c_w = q->c_U + nch;
    d = q->c_w + nch;
    q->ch = (struct chan *)(void *)(base + o_ch);
    q->ord = (struct cell_c *)(void *)(base + o_ord);
    q->knots = (struct knot *)(void *)(base + o_kn);
    q->per = (int *)(void *)(base + o_per);
    q->log = (struct gstep *)(void *)(base + o_log);
    q->on = (unsigned char *)(base + o_on);

    int pin_all = lo_sum >= budget - tol;
    q->Bfull = budget;
    q->F0 = mp_plan_fixed_total(plan);
    for (size_t t = 0; t < T; t++)
        q->K0 += plan->baseline[t];
    for (size_t c = 0; c < C; c++) {
        const struct mp_channel *ch = &plan->channels[c];
        double *row = &out->spend[c * T];
        if (ch->mode != MP_MODE_OPTIMISED) {
            q->K0 += row_gmv(plan, c, row);
            continue;
        }
        size_t m = 0;
        for (size_t t = 0; t < T; t++) {
            row[t] = 0;
            m += ch->cap > 0 && ch->active[t];
        }
        double U = m ? fmin(ch->max, ch->cap * (double)m) : 0, lo = fmin(ch->min, U);
        int pinned = pin_all || U - lo <= tol;
        if (m == 0 || (pinned && (lo <= 0 || lo >= ch->cap * (double)m - tol || m == 1))) {
            for (size_t t = 0; t < T && lo > 0; t++)
                if (ch->active[t])
                    row[t] = m == 1 ? lo : ch->cap;
            double s = sum(row, 0, T);
            q->F0 += s;
            q->Bfull -= s;
            q->K0 += row_gmv(plan, c, row);
            continue;
        }
        struct chan *k = &q->ch[q->nch];
        *k = (struct chan){.c = c, .off = q->n, .m = m, .lo = lo, .hi = ch->max, .U = U,
                           .pin0 = U - lo <= tol, .hi0 = ch->max < ch->cap * (double)m, .a = d,
                           .base = d + T, .next = d + 2 * T, .ek = d + 3 * T, .es = d + 4 * T,
                           .el = d + 5 * T, .fl = d + 6 * T};
        d += 7 * T;
        mp_curve_envelope(&ch->resp, &k->knee, &k->slope);
        q->c_lo[q->nch] = lo;
        q->c_U[q->nch] = k->pin0 ? lo : U;
        /* Proportional to beta; a linear curve has none: the GMV of an equal share instead. */
        q->c_w[q->nch] = ch->resp.curve == MP_CURVE_LINEAR ? ch->resp.roas * budget / (double)nch
                         : ch->resp.curve == MP_CURVE_NONE ? 0 : ch->resp.beta;
        for (size_t t = 0; t < T; t++)
            if (ch->cap > 0 && ch->active[t]) {
                q->per[q->n] = (int)t;
                q->cap[q->n] = ch->cap;
                q->n++;
            }
        /* The relaxation's envelope per period u: the adstock there is at most amax_u (every
         * earlier cell at its cap, decayed, and no more than the channel may spend in all, or
         * the budget, above the decayed initial adstock). Where amax_u is below the knee the
         * envelope over [0, amax_u] is the chord to (amax_u, f(amax_u)): f(a)/a rises up to the
         * knee, so the chord lies above the curve there, and lower than the tangent. */
        double am = ch->carryover, carry = ch->carryover, most = fmin(U, budget);
        for (size_t t = 0, j = k->off; t < T; t++) {
            double in = j < k->off + m && q->per[j] == (int)t ? q->cap[j++] : 0, fh = 0;
            am = in + ch->theta * am;
            carry *= ch->theta;
            double h = k->knee > 0 ? fmin(k->knee, fmin(am, carry + most)) : 0;
            if (h > 0)
                mp_curve_eval(&ch->resp, h, &fh, NULL, NULL);
            k->ek[t] = h;
            k->es[t] = h > 0 ? fh / h : k->slope;
            k->el[t] = k->fl[t] = 0;
        }
        for (size_t i = k->off; i + 1 < k->off + m; i++)
            q->rho[i] = pow(ch->theta, q->per[i + 1] - q->per[i]);
        q->rho[k->off + m - 1] = 0;
        q->nch++;
    }
    set_budget(q, q->Bfull);
    return MP_OK;
}

/* Spend-weighted mean marginal GMV of the cells strictly inside their bounds, in channels
 * whose total is strictly inside its own: at an exact answer they all share one value. */
static double interior_marginal(struct eq *q)
{
    double num = 0, den = 0;
    for (size_t kk = 0; kk < q->nch; kk++) {
        struct chan *k = &q->ch[kk];
        double s = sum(q->x, k->off, k->off + k->m);
        if (k->pinned || (k->has_lo && s - k->lo <= q->tol) || (k->has_hi && k->hi - s <= q->tol))
            continue;
        eval_channel(q, k, q->x, 1, 0);
        for (size_t i = k->off; i < k->off + k->m; i++)
            if (q->x[i] > 0 && q->x[i] < q->cap[i]) {
                num += q->x[i] * q->gam[i];
                den += q->x[i];
            }
    }
    return den > 0 ? num / den : NAN;
}

/* Round what the interior-point method leaves a hair from a bound onto it (well inside
 * mp_alloc_check's tolerance), write the answer and report. */
static enum mp_status finish(struct eq *q, mp_alloc *out, mp_equalize_info *info, int concave,
                             mp_error *err)
{
    const struct mp_plan *plan = q->plan;
    double snap = q->tol / (double)(q->n + 1);
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        /* The tolerance is a share of the budget: at a budget of 1e13 a cell of 1,000 is
         * "a hair" from 0, yet a channel's whole min may be made of such cells. Cells go to
         * 0 only while the channel keeps its min. */
        double room = sum(q->x, k->off, k->off + k->m) - k->lo;
        /* A total within the tolerance above its min is put on it (scaled down: caps and 0
         * hold): the method leaves it a slack that is a share of the budget. */
        if (k->lo > 0 && room > 0 && room <= q->tol) {
            double f = k->lo / (k->lo + room);
            for (size_t i = k->off; i < k->off + k->m; i++)
                q->x[i] *= f;
            room = 0;
        }
        for (size_t i = k->off; i < k->off + k->m; i++) {
            if (q->x[i] < snap && q->x[i] <= room) {
                room -= q->x[i];
                q->x[i] = 0;
            } else if (q->x[i] > q->cap[i] - snap) {
                room += q->cap[i] - q->x[i];
                q->x[i] = q->cap[i];
            }
            out->spend[MP_AT(plan, k->c, q->per[i])] = q->x[i];
        }
    }
    double G = gmv_of(q, q->x), S = sum(q->x, 0, q->n);
    double Gt = q->K0 + G, St = q->F0 + S, g = q->gk + G - q->gr * S;
    char at[512];
    /* With no spend at all the ROAS is absent (docs/model.md 6), so not at the target either. */
    if (plan->objective == MP_OBJ_TARGET_ROAS && (!meets(q, G, S) || !(St > 0)))
        return mp_fail(err, MP_EINFEASIBLE, "%s: objective target_roas %s cannot be met under the budget and channel constraints",
                       where(plan, NULL, at, sizeof at), MP_G(plan->objective_value));
    if (!info)
        return MP_OK;
    info->iterations = q->steps;
    info->concave = concave;
    switch (plan->objective) {
    case MP_OBJ_GMV: info->objective = Gt; break;
    case MP_OBJ_PROFIT: info->objective = plan->margin * Gt - St; break;
    case MP_OBJ_TARGET_ROAS: info->objective = Gt; break;
    case MP_OBJ_GOAL_GMV: info->objective = St; break;
    }
    info->lambda = q->n == 0 ? NAN : concave ? q->lambda : interior_marginal(q);
    info->shortfall = plan->objective == MP_OBJ_GOAL_GMV && !meets(q, G, S) ? -g : 0;
    /* The budget binds when the free cells spend it all; then one more unit is worth the
     * common marginal return, else nothing. */
    info->shadow = q->n == 0 || !(S >= q->Bfull - q->tol) ? 0 : info->lambda;
    info->starts = q->starts;
    info->stop = concave ? MP_STOP_EXACT : q->stop;
    if (concave) {
        info->bound = info->objective;
        info->gap = 0;
    } else if (q->stop == MP_STOP_NONE || q->n == 0 || !meets(q, G, S)) {
        /* goal out of reach: the least spend that reaches it bounds nothing here */
        info->bound = info->gap = NAN;
    } else if (plan->objective == MP_OBJ_GOAL_GMV) {
        info->bound = fmin(bound_objective(q), info->objective);
        info->gap = gap_of(q, info->objective);
    } else {
        info->bound = fmax(bound_objective(q), info->objective);
        info->gap = gap_of(q, info->objective);
    }
    return MP_OK;
}

int mp_equalize_optimal(const mp_equalize_info *info)
{
    return info->stop == MP_STOP_EXACT || info->gap <= 1e-7;
}

mp_pulse mp_alloc_pulse(const mp_plan *plan, const mp_alloc *alloc, size_t c)
{
    mp_pulse p = {0};
    const struct mp_channel *ch = &plan->channels[c];
    double slope, a = ch->carryover;
    if (!mp_curve_envelope(&ch->resp, &p.knee, &slope))
        return p;
    p.scurve = 1;
    int run = 0;
    for (int t = 0; t < plan->T; t++) {
        double x = alloc->spend[MP_AT(plan, c, t)];
        a = x + ch->theta * a;
        p.peak = fmax(p.peak, a);
        if (x > 0) {
            p.on++;
            p.bursts += !run;
            run = 1;
            p.low = p.on == 1 ? a : fmin(p.low, a);
        } else {
            run = 0;
            p.off += ch->mode != MP_MODE_OPTIMISED || (ch->active[t] && ch->cap > 0);
        }
    }
    return p;
}

const char *mp_equalize_stop_name(enum mp_equalize_stop stop)
{
    switch (stop) {
    case MP_STOP_EXACT: return "exact";
    case MP_STOP_GAP: return "gap";
    case MP_STOP_WORK: return "work limit";
    case MP_STOP_NONE: return "no bound";
    }
    return "?";
}

/* The caller's start, on the free cells, into q->warm when it meets every constraint of this
 * solve (cells in [0, cap], totals in [min, max] or at a pinned total, the budget); else
 * q->warm = NULL. */
static void take_warm(struct eq *q, const mp_alloc *start)
{
    const struct mp_plan *plan = q->plan;
    double *w = q->warm;
    q->warm = NULL;
    if (!start || start->nchannels != plan->nchannels || start->T != plan->T)
        return;
    for (size_t kk = 0; kk < q->nch; kk++) {
        const struct chan *k = &q->ch[kk];
        for (size_t i = k->off; i < k->off + k->m; i++)
            w[i] = start->spend[MP_AT(plan, k->c, q->per[i])];
    }
    if (fits(q, w, 0))
        q->warm = w;
}

static enum mp_status equalize(const mp_plan *plan, double budget, const mp_alloc *start,
                               mp_alloc *out, mp_equalize_info *info, int branch, mp_error *err);

enum mp_status mp_alloc_equalize(const mp_plan *plan, double budget, mp_alloc *out,
                                 mp_equalize_info *info, mp_error *err)
{
    return mp_alloc_equalize_from(plan, budget, NULL, out, info, err);
}

enum mp_status mp_alloc_equalize_from(const mp_plan *plan, double budget, const mp_alloc *start,
                                      mp_alloc *out, mp_equalize_info *info, mp_error *err)
{
    return equalize(plan, budget, start, out, info, 1, err);
}

enum mp_status mp_alloc_equalize_quick(const mp_plan *plan, double budget, mp_alloc *out,
                                       mp_equalize_info *info, mp_error *err)
{
    return equalize(plan, budget, NULL, out, info, 0, err);
}

/* mp_alloc_equalize_from; `branch`: S-curve plans may run branch and bound. */
static enum mp_status equalize(const mp_plan *plan, double budget, const mp_alloc *start,
                               mp_alloc *out, mp_equalize_info *info, int branch, mp_error *err)
{
    char at[512];
    double R = plan->objective_value;
    if (info)
        *info = (mp_equalize_info){0};
    if (!out || out->nchannels != plan->nchannels || out->T != plan->T)
        return mp_fail(err, MP_EINTERNAL, "equalize: the allocation is not shaped for the plan");
    if (!isfinite(budget))
        return mp_fail(err, MP_EINPUT, "%s: the budget to allocate is not a finite number",
                       where(plan, NULL, at, sizeof at));
    if (plan->objective == MP_OBJ_PROFIT && !(plan->margin > 0 && isfinite(plan->margin)))
        return mp_fail(err, MP_EINPUT, "%s: objective profit needs a margin > 0",
                       where(plan, NULL, at, sizeof at));
    if (plan->objective == MP_OBJ_TARGET_ROAS && !(R > 0 && isfinite(R)))
        return mp_fail(err, MP_EINPUT, "%s: objective target_roas needs a ROAS > 0",
                       where(plan, NULL, at, sizeof at));
    if (plan->objective == MP_OBJ_GOAL_GMV && !isfinite(R))
        return mp_fail(err, MP_EINPUT, "%s: objective goal needs a finite gmv",
                       where(plan, NULL, at, sizeof at));

    struct eq q;
    enum mp_status st = setup(&q, plan, budget, out, err);
    if (st != MP_OK)
        return st;
    q.branch = branch;
    /* target_roas: marketing ROAS (K0 - organic + G) / (F0 + S) >= R; goal: K0 + G >= goal. */
    if (plan->objective == MP_OBJ_TARGET_ROAS) {
        double organic = 0;
        for (int t = 0; t < plan->T; t++)
            organic += plan->baseline[t];
        q.gk = q.K0 - organic - R * q.F0;
        q.gr = R;
    } else if (plan->objective == MP_OBJ_GOAL_GMV) {
        q.gk = q.K0 - R;
    }
    int concave = 1;
    for (size_t c = 0; c < plan->nchannels; c++)
        if (plan->channels[c].mode == MP_MODE_OPTIMISED && !mp_curve_concave(&plan->channels[c].resp))
            concave = 0;
    q.clipped = !concave;
    take_warm(&q, start);
    if (q.n > 0 && concave) {
        solve_objective(&q, NULL, 1);
        /* The optimum is exact to 1e-11; a warm start that rounding puts above it is kept, so
         * a sweep's GMV never falls by that rounding either. */
        if (q.warm) {
            struct pick best = {0, 0, 0};
            consider(&q, q.x, gmv_of(&q, q.x), &best);
            consider(&q, q.warm, gmv_of(&q, q.warm), &best);
            memcpy(q.x, q.best, q.n * sizeof *q.x);
        }
    } else if (q.n > 0) {
        solve_scurve(&q);
    }
    st = finish(&q, out, info, concave, err);
    free(q.block);
    return st;
}
