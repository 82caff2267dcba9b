/* The estimation engine of `mplan fit` and `mplan review` (docs/fit.md): variable projection.
 * For fixed curve shapes q (ln k, s, theta of each channel) the model is linear in the betas
 * and the baseline's coefficients, solved by non-negative least squares (Lawson-Hanson on a
 * Householder QR); q is searched by Levenberg-Marquardt inside its bounds with Kaufman's
 * Jacobian of the projected residual, from several deterministic starts. */
#include "mplan/fit.h"
#include "core/numfmt.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *mp_fit_family_name(enum mp_fit_family f)
{
    switch (f) {
    case MP_FIT_HILL: return "hill";
    case MP_FIT_EXP: return "exp";
    case MP_FIT_LINEAR: return "linear";
    case MP_FIT_AUTO: break;
    }
    return "auto";
}

/* ---- Householder QR and the non-negative least squares ---- */

/* QR of the m x n column-major Q (n <= m) in place: column k holds the reflector v_k in rows
 * k.., R's off-diagonal part above it; rdiag[k] = R[k][k], tau[k] = 2 / |v_k|^2. */
static void qr_factor(double *Q, size_t m, size_t n, double *tau, double *rdiag)
{
    for (size_t k = 0; k < n; k++) {
        double *v = Q + k * m, nn = 0;
        for (size_t i = k; i < m; i++)
            nn += v[i] * v[i];
        double norm = sqrt(nn);
        if (norm == 0) {
            tau[k] = 0;
            rdiag[k] = 0;
            continue;
        }
        double alpha = v[k] > 0 ? -norm : norm;
        v[k] -= alpha;
        double vn = nn - (v[k] + alpha) * (v[k] + alpha) + v[k] * v[k];
        tau[k] = vn > 0 ? 2 / vn : 0;
        rdiag[k] = alpha;
        for (size_t j = k + 1; j < n; j++) {
            double *c = Q + j * m, s = 0;
            for (size_t i = k; i < m; i++)
                s += v[i] * c[i];
            s *= tau[k];
            for (size_t i = k; i < m; i++)
                c[i] -= s * v[i];
        }
    }
}

/* b <- Q^T b (transpose = 1) or Q b. */
static void qr_apply(const double *Q, size_t m, size_t n, const double *tau, double *b, int transpose)
{
    for (size_t kk = 0; kk < n; kk++) {
        size_t k = transpose ? kk : n - 1 - kk;
        const double *v = Q + k * m;
        double s = 0;
        for (size_t i = k; i < m; i++)
            s += v[i] * b[i];
        s *= tau[k];
        for (size_t i = k; i < m; i++)
            b[i] -= s * v[i];
    }
}

struct nnls {
    size_t m, n;
    const double *A, *b;
    const unsigned char *nonneg;
    double *norm, *x, *z, *w, *Q, *tau, *rdiag, *qb, *r;
    unsigned char *P, *excl;
    size_t *idx, np; /* the passive columns in QR order */
};

static int nnls_init(struct nnls *S, size_t m, size_t n)
{
    memset(S, 0, sizeof *S);
    S->m = m;
    S->n = n;
    S->norm = calloc(n + 1, sizeof *S->norm);
    S->x = calloc(n + 1, sizeof *S->x);
    S->z = calloc(n + 1, sizeof *S->z);
    S->w = calloc(n + 1, sizeof *S->w);
    S->Q = calloc(m * n + 1, sizeof *S->Q);
    S->tau = calloc(n + 1, sizeof *S->tau);
    S->rdiag = calloc(n + 1, sizeof *S->rdiag);
    S->qb = calloc(m + 1, sizeof *S->qb);
    S->r = calloc(m + 1, sizeof *S->r);
    S->P = calloc(n + 1, 1);
    S->excl = calloc(n + 1, 1);
    S->idx = calloc(n + 1, sizeof *S->idx);
    return S->norm && S->x && S->z && S->w && S->Q && S->tau && S->rdiag && S->qb && S->r && S->P && S->excl &&
                   S->idx
               ? 0
               : -1;
}

static void nnls_free(struct nnls *S)
{
    free(S->norm), free(S->x), free(S->z), free(S->w), free(S->Q), free(S->tau), free(S->rdiag);
    free(S->qb), free(S->r), free(S->P), free(S->excl), free(S->idx);
}

static int constrained(const struct nnls *S, size_t j) { return !S->nonneg || S->nonneg[j]; }

/* z = the least squares solution on the passive set (scaled columns), 0 elsewhere. A column
 * that depends on those before it (|R_kk| tiny: columns are unit length) leaves the set and
 * is excluded; returns 1 when that happened. */
static int nnls_solve_passive(struct nnls *S)
{
    size_t m = S->m;
    for (;;) {
        S->np = 0;
        for (size_t j = 0; j < S->n; j++)
            if (S->P[j])
                S->idx[S->np++] = j;
        for (size_t k = 0; k < S->np; k++) {
            size_t j = S->idx[k];
            for (size_t i = 0; i < m; i++)
                S->Q[k * m + i] = S->A[j * m + i] / S->norm[j];
        }
        qr_factor(S->Q, m, S->np, S->tau, S->rdiag);
        size_t bad = S->np;
        for (size_t k = 0; k < S->np && bad == S->np; k++)
            if (!(fabs(S->rdiag[k]) > 1e-10))
                bad = k;
        if (bad < S->np) {
            S->P[S->idx[bad]] = 0;
            S->excl[S->idx[bad]] = 1;
            S->x[S->idx[bad]] = 0;
            continue;
        }
        memcpy(S->qb, S->b, m * sizeof *S->qb);
        qr_apply(S->Q, m, S->np, S->tau, S->qb, 1);
        for (size_t j = 0; j < S->n; j++)
            S->z[j] = 0;
        for (size_t kk = S->np; kk-- > 0;) {
            double s = S->qb[kk];
            for (size_t j = kk + 1; j < S->np; j++)
                s -= S->Q[j * m + kk] * S->z[S->idx[j]];
            S->z[S->idx[kk]] = s / S->rdiag[kk];
        }
        return 0;
    }
}

/* Lawson-Hanson from the passive set in S->P (a warm start; it is dropped when its solution
 * is infeasible). On return S->x holds the solution in scaled units, S->P the passive set
 * and S->Q its factorisation. */
static void nnls_run(struct nnls *S)
{
    size_t m = S->m, n = S->n;
    double bn = 0;
    for (size_t i = 0; i < m; i++)
        bn += S->b[i] * S->b[i];
    double tol = 1e-13 * sqrt(bn);
    for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t i = 0; i < m; i++)
            s += S->A[j * m + i] * S->A[j * m + i];
        S->norm[j] = sqrt(s);
        S->excl[j] = !(S->norm[j] > 0);
        if (S->excl[j] || !constrained(S, j))
            S->P[j] = !S->excl[j];
        if (S->excl[j])
            S->P[j] = 0;
        if (S->norm[j] == 0)
            S->norm[j] = 1;
        S->x[j] = 0;
    }
    nnls_solve_passive(S);
    int feasible = 1;
    for (size_t j = 0; j < n; j++)
        if (S->P[j] && constrained(S, j) && !(S->z[j] > 0))
            feasible = 0;
    if (!feasible) {
        for (size_t j = 0; j < n; j++)
            if (constrained(S, j))
                S->P[j] = 0;
        nnls_solve_passive(S);
    }
    memcpy(S->x, S->z, n * sizeof *S->x);
    for (size_t iter = 0; iter < 3 * n + 10; iter++) {
        for (size_t i = 0; i < m; i++) {
            double s = S->b[i];
            for (size_t j = 0; j < n; j++)
                if (S->x[j] != 0)
                    s -= S->A[j * m + i] / S->norm[j] * S->x[j];
            S->r[i] = s;
        }
        size_t best = n;
        double wmax = tol;
        for (size_t j = 0; j < n; j++) {
            if (S->P[j] || S->excl[j] || !constrained(S, j))
                continue;
            double s = 0;
            for (size_t i = 0; i < m; i++)
                s += S->A[j * m + i] * S->r[i];
            s /= S->norm[j];
            if (s > wmax) {
                wmax = s;
                best = j;
            }
        }
        if (best == n)
            break;
        S->P[best] = 1;
        for (int inner = 0; inner < (int)n + 2; inner++) {
            if (nnls_solve_passive(S) && !S->P[best])
                break; /* the new column depends on the others: excluded */
            if (S->P[best] && inner == 0 && !(S->z[best] > 0)) {
                S->P[best] = 0; /* rounding: it does not help after all */
                S->excl[best] = 1;
                nnls_solve_passive(S);
                break;
            }
            double alpha = 2;
            size_t arg = n;
            for (size_t j = 0; j < n; j++)
                if (S->P[j] && constrained(S, j) && !(S->z[j] > 0)) {
                    double a = S->x[j] / (S->x[j] - S->z[j]);
                    if (a < alpha) {
                        alpha = a;
                        arg = j;
                    }
                }
            if (arg == n) {
                memcpy(S->x, S->z, n * sizeof *S->x);
                break;
            }
            for (size_t j = 0; j < n; j++) {
                S->x[j] += alpha * (S->z[j] - S->x[j]);
                if (S->P[j] && constrained(S, j) && (j == arg || !(S->x[j] > 0))) {
                    S->P[j] = 0;
                    S->x[j] = 0;
                }
            }
        }
    }
    size_t k = 0, same = 1;
    for (size_t j = 0; j < n; j++)
        if (S->P[j])
            same &= k < S->np && S->idx[k++] == j;
    if (!same || k != S->np)
        nnls_solve_passive(S); /* the factorisation of the final set, for the projection */
    for (size_t j = 0; j < n; j++)
        if (!S->P[j])
            S->x[j] = 0;
}

int mp_fit_nnls(const double *A, size_t m, size_t n, const double *b, const unsigned char *nonneg, double *x)
{
    struct nnls S;
    if (nnls_init(&S, m, n) != 0) {
        nnls_free(&S);
        return -1;
    }
    S.A = A;
    S.b = b;
    S.nonneg = nonneg;
    nnls_run(&S);
    for (size_t j = 0; j < n; j++)
        x[j] = S.x[j] / S.norm[j];
    nnls_free(&S);
    return 0;
}

/* Cholesky solve of the p x p system M d = rhs in place (M destroyed); -1 when not positive. */
static int chol_solve(double *M, size_t p, double *d)
{
    for (size_t j = 0; j < p; j++) {
        double s = M[j * p + j];
        for (size_t k = 0; k < j; k++)
            s -= M[j * p + k] * M[j * p + k];
        if (!(s > 0))
            return -1;
        s = sqrt(s);
        M[j * p + j] = s;
        for (size_t i = j + 1; i < p; i++) {
            double t = M[i * p + j];
            for (size_t k = 0; k < j; k++)
                t -= M[i * p + k] * M[j * p + k];
            M[i * p + j] = t / s;
        }
    }
    for (size_t i = 0; i < p; i++) {
        double s = d[i];
        for (size_t k = 0; k < i; k++)
            s -= M[i * p + k] * d[k];
        d[i] = s / M[i * p + i];
    }
    for (size_t i = p; i-- > 0;) {
        double s = d[i];
        for (size_t k = i + 1; k < p; k++)
            s -= M[k * p + i] * d[k];
        d[i] = s / M[i * p + i];
    }
    return 0;
}

/* Inverse of the symmetric positive definite p x p M (by columns of the identity). */
static int spd_inverse(const double *M, size_t p, double *inv, double *tmp)
{
    for (size_t c = 0; c < p; c++) {
        memcpy(tmp, M, p * p * sizeof *tmp);
        double *d = inv + c * p;
        for (size_t i = 0; i < p; i++)
            d[i] = i == c;
        if (chol_solve(tmp, p, d) != 0)
            return -1;
    }
    return 0;
}

#define Z90 1.6448536269514722 /* the standard normal's 95th percentile: 90% intervals */

/* ---- the model ---- */

struct chan {
    enum mp_fit_family fam;
    unsigned fixed;       /* bits of K, S, THETA held */
    double val[MP_FIT_NPARAM]; /* natural values of held shape parameters */
    double kref;          /* the spend scale: mean adstock at theta 0.3 */
    double amin;          /* the smallest positive spend of the history */
    double s_hi;          /* the upper bound of s: 1 while a store-total fit keeps the curve concave */
    double centre[MP_FIT_NPARAM]; /* the ridge's centre: the plan's values (the bootstrap moves them) */
    double aicc[2];       /* the test of s > 1 (store totals): AICc concave, with s free; NAN: not made */
    int convex_moved;     /* in that test s went above 1 */
    int nq;
    int qpar[3];          /* which parameter each of its q is */
    size_t qoff;
    int nospend;
};

struct work {
    const mp_fit_problem *pb;
    int T, Tfit;
    size_t C, nb, ncol, nq;
    struct chan *ch;
    double *lo, *hi;       /* [nq] bounds of q (a store-total fit's k also within k_bounds) */
    size_t *qch;           /* [nq] the channel of each q */
    double *y;             /* [T] the observations in use (bootstrap replaces them) */
    unsigned char *use;    /* [T] 1: a period fitted (pb->use, and its y not missing) */
    size_t nrow_data, nexp_rows, nprior_rows, m;
    int *rows;             /* [T] data rows' periods */
    double *expw;          /* [nexp] row weight of each experiment (0: not used) */
    double *expobs;        /* [nexp] the GMV each experiment measured (a bootstrap draw moves it) */
    double lambda;         /* ridge weight */
    double *A, *b;         /* m x ncol, m */
    double *X, *dX;        /* [C*T], [nq*T] */
    double *D;             /* [nevents*4] deferral accumulators */
    double *J;             /* [(m + nq) * nq] */
    double *e;             /* [m + nq] residuals */
    double *coef;          /* [ncol] */
    unsigned char *nonneg; /* [ncol] */
    struct nnls S;
    double tss;
};

static double ch_value(const struct work *W, const struct chan *c, const double *q, int p)
{
    for (int i = 0; i < c->nq; i++)
        if (c->qpar[i] == p)
            return p == MP_FIT_K ? exp(q[c->qoff + (size_t)i]) : q[c->qoff + (size_t)i];
    (void)W;
    return c->val[p];
}

/* g, dg/da, dg/dln k, dg/ds at adstock a. */
static void shape(enum mp_fit_family fam, double a, double k, double s, double *g, double *ga, double *gk,
                  double *gs)
{
    *g = *ga = *gk = *gs = 0;
    switch (fam) {
    case MP_FIT_HILL:
        if (a > 0) {
            double lr = log(a / k), u = exp(s * lr), q = 1 / (1 + u);
            if (isinf(u)) {
                *g = 1;
                break;
            }
            *g = u * q;
            *gk = -s * u * q * q;
            *gs = u * lr * q * q;
            *ga = s * u * q * q / a;
        }
        break;
    case MP_FIT_EXP: {
        double em = expm1(-a / k), e = 1 + em; /* one exponential for both */
        *g = -em;
        *gk = -(a / k) * e;
        *ga = e / k;
        break;
    }
    case MP_FIT_LINEAR:
    case MP_FIT_AUTO:
        *g = a;
        *ga = 1;
        break;
    }
}

/* X_c over all T periods and, when deriv, its derivatives by the channel's q. */
static void columns(struct work *W, const double *q, int deriv)
{
    const mp_fit_problem *pb = W->pb;
    size_t T = (size_t)W->T, E = pb->nevents;
    for (size_t c = 0; c < W->C; c++) {
        const struct chan *cc = &W->ch[c];
        const mp_fit_channel_in *in = &pb->channels[c];
        double *X = W->X + c * T;
        double k = ch_value(W, cc, q, MP_FIT_K), s = ch_value(W, cc, q, MP_FIT_S);
        double th = ch_value(W, cc, q, MP_FIT_THETA);
        double *dX[3] = {NULL, NULL, NULL};
        int part_of[3] = {0, 0, 0}; /* the entry of part[] each q's derivative is */
        for (int i = 0; i < cc->nq; i++) {
            dX[i] = W->dX + (cc->qoff + (size_t)i) * T;
            part_of[i] = cc->qpar[i] == MP_FIT_K ? 1 : cc->qpar[i] == MP_FIT_S ? 2 : 3;
        }
        if (E)
            memset(W->D, 0, E * 4 * sizeof *W->D);
        double a = in->carry0, da = 0;
        for (size_t t = 0; t < T; t++) {
            da = a + th * da;
            a = in->spend[t] + th * a;
            double g, ga, gk, gs;
            shape(cc->fam, a, k, s, &g, &ga, &gk, &gs);
            double part[4] = {g, gk, gs, ga * da}; /* by value, ln k, s, theta */
            double w = in->weight ? in->weight[t] : 1;
            int e = in->defer && pb->defer_to ? pb->defer_to[t] : -1;
            double dw = e >= 0 ? in->defer[t] : 0;
            X[t] = w * part[0]; /* the events' deferred sales are added below */
            if (dw != 0)
                W->D[(size_t)e * 4] += dw * part[0];
            if (!deriv)
                continue;
            for (int i = 0; i < cc->nq; i++) {
                int j = part_of[i];
                dX[i][t] = w * part[j];
                if (dw != 0)
                    W->D[(size_t)e * 4 + (size_t)j] += dw * part[j];
            }
        }
        for (size_t e = 0; e < E; e++) {
            const double *sp = pb->spread + e * T;
            double *D = W->D + e * 4;
            if (D[0] == 0 && D[1] == 0 && D[2] == 0 && D[3] == 0)
                continue;
            for (size_t t = 0; t < T; t++) {
                if (sp[t] == 0)
                    continue;
                X[t] += sp[t] * D[0];
                for (int i = 0; deriv && i < cc->nq; i++)
                    dX[i][t] += sp[t] * D[part_of[i]];
            }
        }
    }
}

/* The entry of channel column c in linear-system row i, from a per-period vector v. */
static double row_value(const struct work *W, size_t i, size_t c, const double *v)
{
    if (i < W->nrow_data)
        return v[W->rows[i]];
    i -= W->nrow_data;
    if (i < W->nexp_rows) {
        const mp_fit_experiment *x = &W->pb->experiments[i];
        if (x->channel != c || W->expw[i] == 0)
            return 0;
        double s = 0;
        for (int t = x->from; t <= x->to; t++)
            s += v[t];
        return W->expw[i] * s;
    }
    return 0;
}

/* out[i] = scale * the entry of channel column c in every linear-system row i (row_value),
 * the data rows read directly. */
static void rows_of(const struct work *W, size_t c, const double *v, double scale, double *out)
{
    size_t i = 0;
    for (; i < W->nrow_data; i++)
        out[i] = scale * v[W->rows[i]];
    for (; i < W->m; i++)
        out[i] = scale * row_value(W, i, c, v);
}

/* The ridge's unit of each shape parameter: ln k and theta as they are, s relative to the prior. */
static double prior_scale(const mp_fit_channel_in *in, int p)
{
    return p == MP_FIT_S && in->prior[p] > 0 ? in->prior[p] : 1;
}

/* Gauss-Newton's H = J'J and g = J'e at q, for the NNLS solution and the derivative columns
 * evaluate() left at q (its passive set's factorisation projects). Kaufman: J_j = (I - Q Q^T)
 * (dA/dq_j) coef on the linear rows. */
static void jacobian(struct work *W, double *H, double *g)
{
    const mp_fit_problem *pb = W->pb;
    size_t m = W->m, nb = W->nb, T = (size_t)W->T;
    size_t nq = W->nq, mr = m + nq;
    memset(W->J, 0, mr * nq * sizeof *W->J);
    for (size_t c = 0; c < W->C; c++) {
        const struct chan *cc = &W->ch[c];
        double beta = W->coef[nb + c];
        for (int i = 0; i < cc->nq; i++) {
            size_t qi = cc->qoff + (size_t)i;
            double *Jc = W->J + qi * mr;
            if (beta != 0) {
                rows_of(W, c, W->dX + qi * T, beta, Jc);
                /* in Q's coordinates: Q^T is orthogonal, so J'J and J'e come out the same
                 * from the rotated vectors, and the projection is dropping the first np */
                qr_apply(W->S.Q, m, W->S.np, W->S.tau, Jc, 1);
                for (size_t r = 0; r < W->S.np; r++)
                    Jc[r] = 0;
            }
            if (W->lambda > 0 && pb->channels[c].has_prior)
                Jc[m + qi] = sqrt(W->lambda) / prior_scale(&pb->channels[c], cc->qpar[i]);
        }
    }
    double *er = W->S.r; /* the residuals in Q's coordinates, then the prior rows as they are */
    memcpy(er, W->e, m * sizeof *er);
    qr_apply(W->S.Q, m, W->S.np, W->S.tau, er, 1);
    for (size_t a = 0; a < nq; a++) {
        const double *Ja = W->J + a * mr;
        double s = 0;
        for (size_t r = 0; r < m; r++)
            s += Ja[r] * er[r];
        for (size_t r = m; r < mr; r++)
            s += Ja[r] * W->e[r];
        g[a] = s;
        for (size_t bb = 0; bb <= a; bb++) {
            const double *Jb = W->J + bb * mr;
            double h = 0;
            for (size_t r = 0; r < mr; r++)
                h += Ja[r] * Jb[r];
            H[a * nq + bb] = H[bb * nq + a] = h;
        }
    }
}

/* The objective at q, and (H, g) of Gauss-Newton when H is not NULL. Leaves the NNLS solution
 * in W->coef, the residuals in W->e and the columns with their derivatives at q in W->X and
 * W->dX (the curve's derivatives come with its value: a later jacobian() at q needs them). */
static double evaluate(struct work *W, const double *q, double *H, double *g)
{
    const mp_fit_problem *pb = W->pb;
    size_t m = W->m, nb = W->nb, T = (size_t)W->T;
    columns(W, q, 1); /* the baseline's columns of A stay as set_rows() made them */
    for (size_t c = 0; c < W->C; c++) {
        double *col = W->A + (nb + c) * m;
        rows_of(W, c, W->X + c * T, 1, col);
        if (W->nprior_rows) {
            const mp_fit_channel_in *in = &pb->channels[c];
            size_t i = W->nrow_data + W->nexp_rows + c;
            col[i] = in->has_prior && in->prior[MP_FIT_BETA] > 0 ? sqrt(W->lambda) / in->prior[MP_FIT_BETA] : 0;
            /* the row's target (set_rows) is sqrt(lambda) centre / prior: (beta - centre) / prior */
        }
    }
    nnls_run(&W->S);
    for (size_t j = 0; j < W->ncol; j++)
        W->coef[j] = W->S.x[j] / W->S.norm[j];
    double obj = 0;
    for (size_t i = 0; i < m; i++) {
        double s = -W->b[i];
        for (size_t j = 0; j < W->ncol; j++)
            s += W->A[j * m + i] * W->coef[j];
        W->e[i] = s;
        obj += s * s;
    }
    for (size_t c = 0; W->lambda > 0 && c < W->C; c++) {
        const struct chan *cc = &W->ch[c];
        const mp_fit_channel_in *in = &pb->channels[c];
        for (int i = 0; i < cc->nq; i++) {
            size_t qi = cc->qoff + (size_t)i;
            double d = 0;
            if (in->has_prior) {
                int p = cc->qpar[i];
                double p0 = p == MP_FIT_K ? log(cc->centre[p]) : cc->centre[p];
                d = sqrt(W->lambda) * (q[qi] - p0) / prior_scale(in, p);
            }
            W->e[m + qi] = d;
            obj += d * d;
        }
    }
    if (H)
        jacobian(W, H, g);
    return obj;
}

/* The largest adstock the channel's spends reach at carry-over th. */
static double adstock_max(const mp_fit_channel_in *in, int T, double th)
{
    double a = in->carry0, m = a;
    for (int t = 0; t < T; t++) {
        a = in->spend[t] + th * a;
        m = fmax(m, a);
    }
    return m;
}

/* The bounds of q[j] at q. A store-total fit keeps k within the adstock its history shows:
 * from the smallest positive spend / MP_FIT_K_ADSTOCK to MP_FIT_K_ADSTOCK times the largest
 * adstock at the channel's current theta (so the bound moves with theta). */
static void q_bounds(const struct work *W, const double *q, size_t j, double *lo, double *hi)
{
    *lo = W->lo[j];
    *hi = W->hi[j];
    const struct chan *cc = &W->ch[W->qch[j]];
    if (!W->pb->store_total || cc->qpar[j - cc->qoff] != MP_FIT_K)
        return;
    double th = ch_value(W, cc, q, MP_FIT_THETA);
    *lo = fmax(*lo, log(cc->amin / MP_FIT_K_ADSTOCK));
    *hi = fmin(*hi, log(MP_FIT_K_ADSTOCK * adstock_max(&W->pb->channels[W->qch[j]], W->T, th)));
}

/* q into its bounds: the box, then k within the bounds of its channel's (bounded) theta. */
static void clamp_q(const struct work *W, double *q)
{
    for (size_t j = 0; j < W->nq; j++)
        q[j] = fmin(W->hi[j], fmax(W->lo[j], q[j]));
    for (size_t j = 0; W->pb->store_total && j < W->nq; j++) {
        double lo, hi;
        q_bounds(W, q, j, &lo, &hi);
        q[j] = fmin(hi, fmax(lo, q[j]));
    }
}

/* Bounded Levenberg-Marquardt from q (updated in place); returns the objective. It stops
 * early once the objective is at most `enough` (-INFINITY: never). */
static double lm_until(struct work *W, double *q, int maxit, double enough)
{
    size_t nq = W->nq;
    double *H = calloc(nq * nq + 1, sizeof *H), *g = calloc(nq + 1, sizeof *g);
    double *Hn = calloc(nq * nq + 1, sizeof *Hn), *gn = calloc(nq + 1, sizeof *gn);
    double *M = calloc(nq * nq + 1, sizeof *M), *d = calloc(nq + 1, sizeof *d);
    double *qn = calloc(nq + 1, sizeof *qn);
    size_t *fr = calloc(nq + 1, sizeof *fr);
    if (!H || !g || !Hn || !gn || !M || !d || !qn || !fr) {
        free(H), free(g), free(Hn), free(gn), free(M), free(d), free(qn), free(fr);
        return NAN;
    }
    double obj = evaluate(W, q, H, g), mu = 1e-3;
    int flat = 0, at_q = 1; /* at_q: W holds the evaluation at q (not at a rejected trial) */
    for (int it = 0; it < maxit && nq > 0; it++) {
        if (!(obj > 1e-30 * W->tss) || obj <= enough)
            break;
        size_t p = 0;
        for (size_t j = 0; j < nq; j++) {
            double bl, bh;
            q_bounds(W, q, j, &bl, &bh);
            int lo = q[j] <= bl && g[j] > 0, hi = q[j] >= bh && g[j] < 0;
            if (!lo && !hi)
                fr[p++] = j;
        }
        if (!p)
            break;
        double dmax = 0;
        for (size_t a = 0; a < p; a++)
            dmax = fmax(dmax, H[fr[a] * nq + fr[a]]);
        int accepted = 0;
        while (mu < 1e14) {
            for (size_t a = 0; a < p; a++) {
                for (size_t bb = 0; bb < p; bb++)
                    M[a * p + bb] = H[fr[a] * nq + fr[bb]];
                M[a * p + a] += mu * fmax(H[fr[a] * nq + fr[a]], 1e-12 * dmax + 1e-300);
                d[a] = -g[fr[a]];
            }
            if (chol_solve(M, p, d) != 0) {
                mu *= 4;
                continue;
            }
            memcpy(qn, q, nq * sizeof *qn);
            for (size_t a = 0; a < p; a++)
                qn[fr[a]] = q[fr[a]] + d[a];
            clamp_q(W, qn);
            double step = 0;
            for (size_t j = 0; j < nq; j++)
                step = fmax(step, fabs(qn[j] - q[j]));
            if (step < 1e-13)
                break;
            double on = evaluate(W, qn, NULL, NULL);
            at_q = 0;
            if (isfinite(on) && on < obj) {
                at_q = 1;
                flat = obj - on <= 1e-10 * obj ? flat + 1 : 0;
                obj = on;
                memcpy(q, qn, nq * sizeof *q);
                jacobian(W, H, g);
                mu = fmax(mu / 3, 1e-12);
                accepted = step > 1e-11;
                break;
            }
            mu *= 4;
        }
        if (!accepted || flat >= 2)
            break;
    }
    if (!at_q)
        evaluate(W, q, NULL, NULL); /* leave coef and residuals of q */
    free(H), free(g), free(Hn), free(gn), free(M), free(d), free(qn), free(fr);
    return obj;
}

static double lm(struct work *W, double *q, int maxit) { return lm_until(W, q, maxit, -INFINITY); }

/* ---- set-up ---- */

static double frac(double v) { return v - floor(v); }

/* The q of start `s` for channel c: start 0 is the prior (or a middle point), the others are
 * spread over the box by fixed irrational steps (the same starts every run). */
static void start_point(const struct work *W, size_t c, int s, double *q)
{
    const struct chan *cc = &W->ch[c];
    const mp_fit_channel_in *in = &W->pb->channels[c];
    double cd = (double)c;
    for (int i = 0; i < cc->nq; i++) {
        size_t j = cc->qoff + (size_t)i;
        int p = cc->qpar[i];
        double v;
        if (s == 0) {
            if (in->has_prior && in->prior[p] > 0)
                v = p == MP_FIT_K ? log(in->prior[p]) : in->prior[p];
            else if (in->has_prior && p == MP_FIT_THETA)
                v = in->prior[p];
            else
                v = p == MP_FIT_K ? log(cc->kref) : p == MP_FIT_S ? 1 : 0.3;
        } else {
            double u = p == MP_FIT_K ? frac(0.5 + s * 0.6180339887 + cd * 0.3819660113)
                       : p == MP_FIT_S ? frac(0.25 + s * 0.7548776662 + cd * 0.2451223338)
                                       : frac(0.1 + s * 0.5698402910 + cd * 0.4301597090);
            v = p == MP_FIT_K ? log(cc->kref) + log(6.0) * (2 * u - 1)
                : p == MP_FIT_S ? 0.5 + 2.0 * u
                                : 0.8 * u;
        }
        q[j] = v;
    }
}

/* Lay out q for the channels' current families and held parameters. */
static void layout(struct work *W)
{
    size_t off = 0;
    for (size_t c = 0; c < W->C; c++) {
        struct chan *cc = &W->ch[c];
        cc->nq = 0;
        cc->qoff = off;
        static const int order[3] = {MP_FIT_K, MP_FIT_S, MP_FIT_THETA};
        for (int i = 0; i < 3; i++) {
            int p = order[i];
            if (cc->nospend || cc->fixed & (1u << p))
                continue;
            if ((p == MP_FIT_K && cc->fam == MP_FIT_LINEAR) || (p == MP_FIT_S && cc->fam != MP_FIT_HILL))
                continue;
            size_t j = off + (size_t)cc->nq;
            cc->qpar[cc->nq++] = p;
            W->qch[j] = c;
            W->lo[j] = p == MP_FIT_K ? log(cc->kref / MP_FIT_K_RANGE) : p == MP_FIT_S ? MP_FIT_S_MIN : 0;
            W->hi[j] = p == MP_FIT_K ? log(cc->kref * MP_FIT_K_RANGE) : p == MP_FIT_S ? cc->s_hi : MP_FIT_THETA_MAX;
            const mp_fit_channel_in *in = &W->pb->channels[c];
            if (p == MP_FIT_K && in->has_prior && in->prior[p] > 0) {
                W->lo[j] = fmin(W->lo[j], log(in->prior[p]) - 1);
                W->hi[j] = fmax(W->hi[j], log(in->prior[p]) + 1);
            }
        }
        off += (size_t)cc->nq;
    }
    W->nq = off;
}

/* q[j] at (or within a millionth of its range of) a bound: the search approaches a bound the
 * data push it to without always landing on it. */
static int at_bound(const struct work *W, const double *q, size_t j)
{
    double lo, hi;
    q_bounds(W, q, j, &lo, &hi);
    double tol = 1e-6 * (W->hi[j] - W->lo[j]);
    return q[j] <= lo + tol || q[j] >= hi - tol;
}

static size_t nparams(const struct work *W) { return W->nb + W->C + W->nq; }

static double aicc(double sse, size_t n, size_t k)
{
    double nn = (double)n, kk = (double)k;
    double base = nn * log(fmax(sse, 1e-300) / nn) + 2 * kk;
    return nn - kk - 1 > 0 ? base + 2 * kk * (kk + 1) / (nn - kk - 1) : INFINITY;
}

static int set_rows(struct work *W, int Tfit)
{
    const mp_fit_problem *pb = W->pb;
    W->Tfit = Tfit;
    W->nrow_data = 0;
    for (int t = 0; t < Tfit; t++)
        if (W->use[t])
            W->rows[W->nrow_data++] = t;
    W->m = W->nrow_data + W->nexp_rows + W->nprior_rows;
    for (size_t i = 0; i < W->m; i++)
        W->b[i] = 0;
    for (size_t i = 0; i < W->nrow_data; i++)
        W->b[i] = W->y[W->rows[i]];
    for (size_t i = 0; i < W->nexp_rows; i++)
        W->b[W->nrow_data + i] = W->expw[i] * W->expobs[i];
    for (size_t c = 0; c < W->nprior_rows; c++)
        W->b[W->nrow_data + W->nexp_rows + c] = pb->channels[c].has_prior && pb->channels[c].prior[MP_FIT_BETA] > 0
                                                    ? sqrt(W->lambda) * W->ch[c].centre[MP_FIT_BETA] /
                                                          pb->channels[c].prior[MP_FIT_BETA]
                                                    : 0;
    for (size_t j = 0; j < W->nb; j++)
        for (size_t i = 0; i < W->m; i++)
            W->A[j * W->m + i] = i < W->nrow_data ? pb->base[j * (size_t)W->T + (size_t)W->rows[i]] : 0;
    double mean = 0, tss = 0;
    for (size_t i = 0; i < W->nrow_data; i++)
        mean += W->b[i] / (double)W->nrow_data;
    for (size_t i = 0; i < W->nrow_data; i++)
        tss += (W->b[i] - mean) * (W->b[i] - mean);
    W->tss = tss > 0 ? tss : 1;
    nnls_free(&W->S);
    int rc = nnls_init(&W->S, W->m, W->ncol);
    W->S.A = W->A;
    W->S.b = W->b;
    W->S.nonneg = W->nonneg;
    return rc;
}

/* ---- results ---- */

static int warn_to(char (**list)[MP_FIT_MSG], size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int warn_to(char (**list)[MP_FIT_MSG], size_t *n, const char *fmt, ...)
{
    char(*nl)[MP_FIT_MSG] = realloc(*list, (*n + 1) * sizeof **list);
    if (!nl)
        return -1;
    *list = nl;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nl[*n], MP_FIT_MSG, fmt, ap);
    va_end(ap);
    (*n)++;
    return 0;
}

void mp_fit_free(mp_fit *f)
{
    if (!f)
        return;
    for (size_t c = 0; f->ch && c < f->nchannels; c++)
        free(f->ch[c].warnings);
    free(f->ch);
    free(f->base_coef);
    free(f->base_se);
    free(f->fitted);
    free(f->y);
    free(f->hold_pred);
    free(f->contrib);
    free(f->draws);
    free(f->exp_uncal);
    free(f->exp_cal);
    free(f->warnings);
    free(f);
}

static void metrics(const double *y, const double *yhat, const int *rows, size_t n, mp_fit_metrics *m)
{
    double mean = 0, lo = INFINITY, hi = -INFINITY, ss = 0, tot = 0, ape = 0;
    int na = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[rows[i]] / (double)n;
    for (size_t i = 0; i < n; i++) {
        double v = y[rows[i]], r = v - yhat[rows[i]];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        ss += r * r;
        tot += (v - mean) * (v - mean);
        if (v != 0) {
            ape += fabs(r / v);
            na++;
        }
    }
    m->periods = (int)n;
    m->r2 = n >= 2 && tot > 0 ? 1 - ss / tot : NAN;
    m->nrmse = n > 0 && hi > lo ? sqrt(ss / (double)n) / (hi - lo) : NAN;
    m->mape = na ? ape / na : NAN;
}

/* The model's prediction at every period with the current coef (after evaluate). */
static void predict(const struct work *W, double *yhat, double *contrib)
{
    size_t T = (size_t)W->T;
    for (size_t t = 0; t < T; t++) {
        double s = 0;
        for (size_t j = 0; j < W->nb; j++)
            s += W->pb->base[j * T + t] * W->coef[j];
        for (size_t c = 0; c < W->C; c++) {
            double v = W->coef[W->nb + c] * W->X[c * T + t];
            if (contrib)
                contrib[c * T + t] = v;
            s += v;
        }
        yhat[t] = s;
    }
}

/* ROAS and marginal ROAS at a steady spend x each period (demand 1): a = x / (1 - theta). */
void mp_fit_roas_at(enum mp_fit_family fam, const double *p, double x, double *roas, double *mroas)
{
    if (!(x > 0)) {
        *roas = *mroas = NAN;
        return;
    }
    double a = x / (1 - p[MP_FIT_THETA]), g, ga, gk, gs;
    shape(fam, a, p[MP_FIT_K], p[MP_FIT_S], &g, &ga, &gk, &gs);
    *roas = p[MP_FIT_BETA] * g / x;
    *mroas = p[MP_FIT_BETA] * ga / (1 - p[MP_FIT_THETA]);
}

static void channel_params(const struct work *W, const double *q, size_t c, double *p)
{
    const struct chan *cc = &W->ch[c];
    p[MP_FIT_BETA] = W->coef[W->nb + c];
    p[MP_FIT_K] = cc->fam == MP_FIT_LINEAR ? NAN : ch_value(W, cc, q, MP_FIT_K);
    p[MP_FIT_S] = cc->fam == MP_FIT_HILL ? ch_value(W, cc, q, MP_FIT_S) : NAN;
    p[MP_FIT_THETA] = ch_value(W, cc, q, MP_FIT_THETA);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double pr)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    if (!k)
        return NAN;
    qsort(v, k, sizeof *v, cmp_double);
    double h = (double)(k - 1) * pr;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < k ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

void mp_fit_pool(mp_fit *const *fits, size_t n, mp_fit_metrics *in, mp_fit_metrics *hold, double *dw)
{
    *in = *hold = (mp_fit_metrics){0, NAN, NAN, NAN};
    *dw = NAN;
    if (!n)
        return;
    double tspend = 0, tcontrib = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < fits[i]->nchannels; c++)
            tspend += fits[i]->ch[c].spend, tcontrib += fits[i]->ch[c].contribution;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < fits[i]->nchannels; c++) {
            mp_fit_channel *ch = &fits[i]->ch[c];
            ch->spend_share = tspend > 0 ? ch->spend / tspend : NAN;
            ch->effect_share = tcontrib > 0 ? ch->contribution / tcontrib : NAN;
        }
    size_t T = (size_t)fits[0]->T;
    int h = fits[0]->holdout;
    double *y = calloc(T + 1, sizeof *y), *f = calloc(T + 1, sizeof *f), *p = calloc(T + 1, sizeof *p);
    int *rows = calloc(T + 1, sizeof *rows);
    if (!y || !f || !p || !rows) {
        free(y), free(f), free(p), free(rows);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < T; t++) {
            y[t] += fits[i]->y[t];
            f[t] += fits[i]->fitted[t];
            p[t] += fits[i]->hold_pred ? fits[i]->hold_pred[t] : NAN;
        }
    size_t nr = 0, nfit = 0; /* the periods with GMV (a missing one is NaN in y) */
    for (size_t t = 0; t < T; t++) {
        if (!isnan(y[t]))
            rows[nr++] = (int)t;
        if (t + 1 == T - (size_t)h)
            nfit = nr;
    }
    metrics(y, f, rows, nr, in);
    if (h > 0 && fits[0]->hold_pred)
        metrics(y, p, rows + nfit, nr - nfit, hold);
    double num = 0, den = 0;
    for (size_t i = 0; i < nr; i++) {
        double r = y[rows[i]] - f[rows[i]];
        den += r * r;
        if (i)
            num += (r - (y[rows[i - 1]] - f[rows[i - 1]])) * (r - (y[rows[i - 1]] - f[rows[i - 1]]));
    }
    *dw = den > 0 ? num / den : NAN;
    free(y), free(f), free(p), free(rows);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Standard errors from the Jacobian of every estimated parameter at the solution:
 * cov = s2 (J'J)^-1 over the linear columns in the passive set and the q not at a bound, once
 * with the ridge's rows (what the history and the plan say together) and once without them (the
 * history's alone). The ridge's rows come after the history's, so one Jacobian gives both J'J:
 * the history's is each sum stopped before the ridge's rows. */
struct normal_eq {
    size_t k;       /* columns: linear ones in the passive set, then the q not at a bound */
    size_t *cols;   /* [k]: j < ncol a linear column, else ncol + qi */
    double *prior;  /* [k * k]: J'J with the ridge's rows */
    double *hist;   /* [k * k]: J'J of the history's rows (data and experiments) alone */
};

static void normal_eq_free(struct normal_eq *N)
{
    free(N->cols), free(N->prior), free(N->hist);
    memset(N, 0, sizeof *N);
}

/* Both J'J at q. W must hold evaluate() at q (A, coef, the passive set and the derivative
 * columns). -1: out of memory. */
static int normal_eq_make(struct work *W, const double *q, struct normal_eq *N)
{
    size_t m = W->m, T = (size_t)W->T, nq = W->nq, ncol = W->ncol, mr = m + nq;
    size_t prior0 = W->nrow_data + W->nexp_rows; /* the ridge's rows of the betas: prior0.. m */
    memset(N, 0, sizeof *N);
    N->cols = calloc(ncol + nq + 1, sizeof *N->cols);
    double *Jf = calloc((ncol + nq) * mr + 1, sizeof *Jf);
    if (!N->cols || !Jf) {
        free(Jf);
        normal_eq_free(N);
        return -1;
    }
    size_t k = 0;
    for (size_t j = 0; j < ncol; j++)
        if (W->S.P[j]) {
            memcpy(Jf + k * mr, W->A + j * m, m * sizeof *Jf);
            N->cols[k++] = j;
        }
    for (size_t c = 0; c < W->C; c++) { /* W->dX: evaluate() left the derivatives at q */
        const struct chan *cc = &W->ch[c];
        double beta = W->coef[W->nb + c];
        for (int i = 0; i < cc->nq; i++) {
            size_t qi = cc->qoff + (size_t)i;
            if (beta == 0 || at_bound(W, q, qi))
                continue;
            rows_of(W, c, W->dX + qi * T, beta, Jf + k * mr);
            if (W->lambda > 0 && W->pb->channels[c].has_prior)
                Jf[k * mr + m + qi] = sqrt(W->lambda) / prior_scale(&W->pb->channels[c], cc->qpar[i]);
            N->cols[k++] = ncol + qi;
        }
    }
    N->k = k;
    N->prior = calloc(k * k + 1, sizeof *N->prior);
    N->hist = calloc(k * k + 1, sizeof *N->hist);
    if (!N->prior || !N->hist) {
        free(Jf);
        normal_eq_free(N);
        return -1;
    }
    for (size_t a = 0; a < k; a++)
        for (size_t bb = 0; bb < k; bb++) {
            double s = 0;
            size_t r = 0;
            for (; r < prior0; r++)
                s += Jf[a * mr + r] * Jf[bb * mr + r];
            /* (the history's alone had zeros in the ridge's rows: a sum of -0 became +0) */
            N->hist[a * k + bb] = r < mr ? s + 0.0 : s;
            for (; r < mr; r++)
                s += Jf[a * mr + r] * Jf[bb * mr + r];
            N->prior[a * k + bb] = s;
        }
    free(Jf);
    return 0;
}

/* cov = s2 M^-1 of N's columns into rcov and rmap (rmap[0] = -1 when M is singular or memory
 * ran out); F (when not NULL) gets the standard errors. */
static void covariance(const struct work *W, const double *q, const struct normal_eq *N, const double *M,
                       mp_fit *F, double s2, double *rcov, size_t *rmap)
{
    size_t k = N->k, ncol = W->ncol;
    double *inv = calloc(k * k + 1, sizeof *inv), *tmp = calloc(k * k + 1, sizeof *tmp);
    rmap[0] = (size_t)-1;
    if (inv && tmp && spd_inverse(M, k, inv, tmp) == 0) {
        for (size_t a = 0; F && a < k; a++) {
            double se = sqrt(s2 * inv[a * k + a]);
            size_t j = N->cols[a];
            if (j < W->nb)
                F->base_se[j] = se;
            else if (j < ncol)
                F->ch[j - W->nb].se[MP_FIT_BETA] = se;
            else {
                size_t qi = j - ncol;
                for (size_t c = 0; c < W->C; c++) {
                    const struct chan *cc = &W->ch[c];
                    if (qi < cc->qoff || qi >= cc->qoff + (size_t)cc->nq)
                        continue;
                    int p = cc->qpar[qi - cc->qoff];
                    F->ch[c].se[p] = p == MP_FIT_K ? se * exp(q[qi]) : se;
                }
            }
        }
        for (size_t a = 0; a < k * k; a++)
            rcov[a] = s2 * inv[a];
        for (size_t a = 0; a < k; a++)
            rmap[a] = N->cols[a];
        rmap[k] = (size_t)-1;
    }
    free(inv), free(tmp);
}

/* The standard deviation of ROAS at spend x relative to ROAS, by the delta method on cov (NAN
 * when ROAS is not positive or there is no cov). */
/* An experiment's standard error, from its interval at its level (0.9 or 0.95). */
static double exp_sd(const mp_fit_experiment *x)
{
    return (x->hi - x->lo) / (2 * (x->level >= 0.95 ? 1.959963984540054 : Z90));
}

static double roas_rel_sd(const struct work *W, const double *q, size_t c, const double *cov, const size_t *map,
                          double x)
{
    const struct chan *cc = &W->ch[c];
    double p[MP_FIT_NPARAM], r0, m0;
    channel_params(W, q, c, p);
    mp_fit_roas_at(cc->fam, p, x, &r0, &m0);
    if (!(r0 > 0) || map[0] == (size_t)-1)
        return NAN;
    size_t k = 0;
    while (map[k] != (size_t)-1)
        k++;
    double *gr = calloc(k + 1, sizeof *gr);
    if (!gr)
        return NAN;
    for (size_t a = 0; a < k; a++) {
        size_t j = map[a];
        double pp[MP_FIT_NPARAM];
        memcpy(pp, p, sizeof pp);
        if (j == W->nb + c) {
            gr[a] = r0 / (p[MP_FIT_BETA] > 0 ? p[MP_FIT_BETA] : 1);
            continue;
        }
        if (j < W->ncol || j - W->ncol < cc->qoff || j - W->ncol >= cc->qoff + (size_t)cc->nq)
            continue;
        int par = cc->qpar[j - W->ncol - cc->qoff];
        double h = 1e-6, r1, m1;
        if (par == MP_FIT_K)
            pp[par] = p[par] * exp(h);
        else
            pp[par] = p[par] + h;
        mp_fit_roas_at(cc->fam, pp, x, &r1, &m1);
        gr[a] = (r1 - r0) / h;
    }
    double var = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t bb = 0; bb < k; bb++)
            var += gr[a] * cov[a * k + bb] * gr[bb];
    free(gr);
    return sqrt(fmax(var, 0)) / r0;
}

/* A standard normal draw (Box-Muller on two splitmix uniforms). */
static double gauss(uint64_t *seed)
{
    double u = ((double)(splitmix(seed) >> 11) + 0.5) / 9007199254740992.0;
    double v = (double)(splitmix(seed) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A bootstrap draw of a ridge fit also draws the ridge's centres from the prior the ridge
 * stands for: the objective SSE + lambda |d|^2 is a Gaussian prior d ~ N(0, s2 / lambda) on each
 * scaled deviation d (beta / beta0 - 1, ln k - ln k0, s / s0 - 1, theta - theta0), so each
 * centre moves by sd = sqrt(s2 / lambda) in those units (perturb-and-refit: exact posterior
 * draws for a linear model; without it the intervals would show the noise but not how far the
 * plan's values may be off). */
static void perturb_centres(struct work *W, double sd, uint64_t *seed)
{
    for (size_t c = 0; c < W->C; c++) {
        const mp_fit_channel_in *in = &W->pb->channels[c];
        if (!in->has_prior)
            continue;
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            double z = sd * gauss(seed), p0 = in->prior[p];
            W->ch[c].centre[p] = p == MP_FIT_BETA ? fmax(0, p0 * (1 + z))
                                 : p == MP_FIT_K ? p0 * exp(z)
                                 : p == MP_FIT_S ? p0 + z * prior_scale(in, p)
                                                 : p0 + z;
        }
    }
}

/* Fit from every start; the best q is left in `best`. With `agree` > 0 the search stops once
 * that many starts have reached the best minimum (to MP_FIT_AGREE_TOL relative): the starts
 * left would find it again. */
static double multistart(struct work *W, int starts, int agree, double *best, double *qtry, int use_best_as_start)
{
    double bobj = INFINITY;
    if (use_best_as_start) {
        memcpy(qtry, best, W->nq * sizeof *qtry);
        bobj = lm(W, qtry, 300);
        memcpy(best, qtry, W->nq * sizeof *best);
    }
    int same = 0; /* starts at the best minimum so far */
    for (int s = 0; s < starts && !(agree > 0 && same >= agree); s++) {
        for (size_t c = 0; c < W->C; c++)
            start_point(W, c, s, qtry);
        clamp_q(W, qtry);
        /* a start that reaches the best minimum so far has found it again: no need to polish */
        double enough = agree > 0 && isfinite(bobj) ? bobj + MP_FIT_AGREE_TOL * fmax(bobj, 1e-300) : -INFINITY;
        double o = lm_until(W, qtry, 300, enough);
        if (!isfinite(o))
            continue;
        int at_best = isfinite(bobj) && fabs(o - bobj) <= MP_FIT_AGREE_TOL * fmax(bobj, 1e-300);
        if (o < bobj) {
            same = at_best ? same + 1 : 1;
            bobj = o;
            memcpy(best, qtry, W->nq * sizeof *best);
        } else
            same += at_best;
    }
    return bobj;
}

static double sse_data(const struct work *W)
{
    double s = 0;
    for (size_t i = 0; i < W->nrow_data; i++)
        s += W->e[i] * W->e[i];
    return s;
}

/* Natural values (k, s, theta) of every channel at q, and back: a family change re-lays q. */
static void q_to_nat(const struct work *W, const double *q, double *nat)
{
    for (size_t c = 0; c < W->C; c++)
        for (int p = 1; p < MP_FIT_NPARAM; p++)
            nat[c * MP_FIT_NPARAM + (size_t)p] = ch_value(W, &W->ch[c], q, p);
}

static void nat_to_q(const struct work *W, const double *nat, double *q)
{
    for (size_t c = 0; c < W->C; c++) {
        const struct chan *cc = &W->ch[c];
        for (int i = 0; i < cc->nq; i++) {
            int p = cc->qpar[i];
            size_t j = cc->qoff + (size_t)i;
            double v = nat[c * MP_FIT_NPARAM + (size_t)p];
            if (p == MP_FIT_K)
                v = log(v > 0 ? v : cc->kref);
            else if (isnan(v))
                v = p == MP_FIT_S ? 1 : 0.3;
            q[j] = v;
        }
    }
    clamp_q(W, q);
}

/* A store-total fit starts with concave curves (s <= 1). A hill curve whose s stops at 1 may
 * then go up to MP_FIT_S_MAX, one channel at a time from the current estimate; the S-curve is
 * kept only when it lowers AICc by more than MP_FIT_CONVEX_AICC (the history demands it
 * clearly), else the channel stays concave. */
static void convex_test(struct work *W, double *best, double *qtry)
{
    for (size_t c = 0; c < W->C; c++) {
        struct chan *cc = &W->ch[c];
        int at1 = 0;
        for (int i = 0; i < cc->nq; i++)
            at1 |= cc->qpar[i] == MP_FIT_S && best[cc->qoff + (size_t)i] >= 1 - 1e-6;
        if (!at1)
            continue;
        evaluate(W, best, NULL, NULL);
        cc->aicc[0] = aicc(sse_data(W), W->nrow_data, nparams(W));
        cc->s_hi = MP_FIT_S_MAX;
        layout(W);
        memcpy(qtry, best, W->nq * sizeof *qtry);
        double o = lm(W, qtry, 300);
        cc->aicc[1] = aicc(sse_data(W), W->nrow_data, nparams(W));
        for (int i = 0; i < cc->nq; i++)
            cc->convex_moved |= cc->qpar[i] == MP_FIT_S && qtry[cc->qoff + (size_t)i] > 1 + 1e-6;
        if (isfinite(o) && cc->aicc[1] < cc->aicc[0] - MP_FIT_CONVEX_AICC) {
            memcpy(best, qtry, W->nq * sizeof *best);
            continue;
        }
        cc->s_hi = 1;
        layout(W);
    }
    evaluate(W, best, NULL, NULL);
}

enum mp_status mp_fit_run(const mp_fit_problem *pb, mp_fit **out, mp_error *err)
{
    *out = NULL;
    int T = pb->T;
    size_t C = pb->nchannels, nb = pb->nbase, Tz = (size_t)(T > 0 ? T : 0);
    if (T <= 0)
        return mp_fail(err, MP_EINPUT, "no periods to fit");
    int h = pb->quick ? 0 : pb->holdout < 0 ? T / 8 : pb->holdout;
    if (h >= T)
        return mp_fail(err, MP_EINPUT, "the holdout (%d periods) is not shorter than the history (%d periods)", h, T);
    struct work W;
    memset(&W, 0, sizeof W);
    W.pb = pb;
    W.T = T;
    W.C = C;
    W.nb = nb;
    W.ncol = nb + C;
    W.nexp_rows = pb->nexperiments;
    W.nprior_rows = pb->prior_weight > 0 ? C : 0;
    size_t mmax = Tz + W.nexp_rows + W.nprior_rows;
    W.ch = calloc(C + 1, sizeof *W.ch);
    W.lo = calloc(3 * C + 1, sizeof *W.lo);
    W.hi = calloc(3 * C + 1, sizeof *W.hi);
    W.qch = calloc(3 * C + 1, sizeof *W.qch);
    W.y = calloc(Tz + 1, sizeof *W.y);
    W.rows = calloc(Tz + 1, sizeof *W.rows);
    W.use = calloc(Tz + 1, sizeof *W.use);
    W.expw = calloc(W.nexp_rows + 1, sizeof *W.expw);
    W.expobs = calloc(W.nexp_rows + 1, sizeof *W.expobs);
    W.A = calloc(mmax * W.ncol + 1, sizeof *W.A);
    W.b = calloc(mmax + 1, sizeof *W.b);
    W.X = calloc(C * Tz + 1, sizeof *W.X);
    W.dX = calloc(3 * C * Tz + 1, sizeof *W.dX);
    W.D = calloc(pb->nevents * 4 + 4, sizeof *W.D);
    W.J = calloc((mmax + 3 * C) * 3 * C + 1, sizeof *W.J);
    W.e = calloc(mmax + 3 * C + 1, sizeof *W.e);
    W.coef = calloc(W.ncol + 1, sizeof *W.coef);
    W.nonneg = calloc(W.ncol + 1, 1);
    double *best = calloc(3 * C + 1, sizeof *best), *qtry = calloc(3 * C + 1, sizeof *qtry);
    double *yhat = calloc(Tz + 1, sizeof *yhat);
    double *cov = calloc((W.ncol + 3 * C) * (W.ncol + 3 * C) + 1, sizeof *cov);
    size_t *cmap = calloc(W.ncol + 3 * C + 2, sizeof *cmap);
    double *roas_rsd = calloc(C + 1, sizeof *roas_rsd);
    mp_fit *F = calloc(1, sizeof *F);
    enum mp_status st = MP_OK;
    if (!W.ch || !W.lo || !W.hi || !W.qch || !W.y || !W.rows || !W.use || !W.expw || !W.expobs || !W.A || !W.b || !W.X || !W.dX || !W.D || !W.J ||
        !W.e || !W.coef || !W.nonneg || !best || !qtry || !yhat || !cov || !cmap || !roas_rsd || !F) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    cmap[0] = (size_t)-1;
    for (size_t i = 0; i < W.nexp_rows; i++)
        W.expobs[i] = pb->experiments[i].gmv;
    for (size_t c = 0; c < C; c++)
        roas_rsd[c] = NAN;
    for (size_t j = 0; j < W.ncol; j++)
        W.nonneg[j] = j >= nb || (pb->base_nonneg && pb->base_nonneg[j]);
    F->T = T;
    F->nchannels = C;
    F->nbase = nb;
    F->holdout = h;
    F->hold = (mp_fit_metrics){0, NAN, NAN, NAN};
    F->ch = calloc(C + 1, sizeof *F->ch);
    F->base_coef = calloc(nb + 1, sizeof *F->base_coef);
    F->base_se = calloc(nb + 1, sizeof *F->base_se);
    F->fitted = calloc(Tz + 1, sizeof *F->fitted);
    F->y = calloc(Tz + 1, sizeof *F->y);
    F->contrib = calloc(C * Tz + 1, sizeof *F->contrib);
    F->nexperiments = pb->nexperiments;
    F->exp_uncal = calloc(pb->nexperiments + 1, sizeof *F->exp_uncal);
    F->exp_cal = calloc(pb->nexperiments + 1, sizeof *F->exp_cal);
    if (!F->ch || !F->base_coef || !F->base_se || !F->fitted || !F->y || !F->contrib || !F->exp_uncal || !F->exp_cal) {
        st = mp_fail(err, MP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < nb; j++)
        F->base_se[j] = NAN;
    memcpy(W.y, pb->y, Tz * sizeof *W.y);
    memcpy(F->y, pb->y, Tz * sizeof *F->y);
    for (size_t t = 0; t < Tz; t++) /* a missing y (NaN): the period's spend still carries over, unfitted */
        W.use[t] = (!pb->use || pb->use[t]) && !isnan(pb->y[t]);
    int Tfit = T - h;

    /* Channels: families, spend scale, what the history can identify. */
    for (size_t c = 0; c < C; c++) {
        const mp_fit_channel_in *in = &pb->channels[c];
        struct chan *cc = &W.ch[c];
        mp_fit_channel *oc = &F->ch[c];
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            oc->se[p] = NAN;
            oc->ci90[p][0] = oc->ci90[p][1] = NAN;
        }
        oc->roas_ci90[0] = oc->roas_ci90[1] = oc->mroas_ci90[0] = oc->mroas_ci90[1] = NAN;
        cc->fam = in->family == MP_FIT_AUTO ? MP_FIT_HILL : in->family;
        /* concave unless the plan says S-curve (its s > 1) or the data demand one (convex_test) */
        cc->s_hi = pb->store_total && !(in->has_prior && in->prior[MP_FIT_S] > 1) ? 1 : MP_FIT_S_MAX;
        cc->aicc[0] = cc->aicc[1] = NAN;
        memcpy(cc->centre, in->prior, sizeof cc->centre);
        cc->fixed = in->fixed;
        for (int p = 1; p < MP_FIT_NPARAM; p++)
            cc->val[p] = in->has_prior ? in->prior[p] : p == MP_FIT_S ? 1 : p == MP_FIT_THETA ? 0.3 : NAN;
        double sum = 0, sq = 0;
        int n = 0, npos = 0;
        for (int t = 0; t < Tfit; t++)
            if (W.use[t]) {
                sum += in->spend[t];
                sq += in->spend[t] * in->spend[t];
                n++;
                npos += in->spend[t] > 0;
            }
        cc->amin = INFINITY;
        for (int t = 0; t < T; t++)
            if (in->spend[t] > 0)
                cc->amin = fmin(cc->amin, in->spend[t]);
        double mean = n ? sum / n : 0, sd = n > 1 ? sqrt(fmax(0, (sq - n * mean * mean) / (n - 1))) : 0;
        /* the spend scale of a flighted channel is what it spends when it spends */
        cc->kref = mean > 0 ? sum / npos / 0.7 : 1;
        if (!(cc->val[MP_FIT_K] > 0))
            cc->val[MP_FIT_K] = cc->kref;
        if (!(mean > 0)) {
            cc->nospend = 1;
            if (warn_to(&oc->warnings, &oc->nwarnings, "no spend in the periods fitted: nothing to estimate, %s",
                        in->has_prior ? "the plan's curve is kept" : "its contribution is 0") != 0)
                goto oom;
        } else if (!pb->quick && sd / mean < MP_FIT_CV_MIN && cc->fam != MP_FIT_LINEAR) {
            cc->fixed |= (1u << MP_FIT_K) | (1u << MP_FIT_S) | (1u << MP_FIT_THETA);
            if (warn_to(&oc->warnings, &oc->nwarnings,
                        "spend barely varied (coefficient of variation %.1f%%): the curve's shape is not "
                        "identifiable; k, s and theta kept at %s, beta fitted", 100 * sd / mean,
                        in->has_prior ? "the plan's values" : "defaults (k = mean spend where it spent / 0.7, s = 1, theta = 0.3)") != 0)
                goto oom;
        }
    }
    for (size_t c = 0; c < C; c++)
        for (size_t d = c + 1; d < C; d++) {
            const double *x = pb->channels[c].spend, *z = pb->channels[d].spend;
            double mx = 0, mz = 0, sxz = 0, sxx = 0, szz = 0;
            int n = 0;
            for (int t = 0; t < Tfit; t++)
                if (W.use[t]) {
                    mx += x[t];
                    mz += z[t];
                    n++;
                }
            if (n < 3)
                continue;
            mx /= n;
            mz /= n;
            for (int t = 0; t < Tfit; t++)
                if (W.use[t]) {
                    sxz += (x[t] - mx) * (z[t] - mz);
                    sxx += (x[t] - mx) * (x[t] - mx);
                    szz += (z[t] - mz) * (z[t] - mz);
                }
            double r = sxx > 0 && szz > 0 ? sxz / sqrt(sxx * szz) : 0;
            if (r > MP_FIT_CORR_WARN) {
                const char *a = pb->channels[c].id, *b = pb->channels[d].id;
                if (warn_to(&F->warnings, &F->nwarnings, "spends of '%s' and '%s' are correlated (r = %.3f): the "
                            "history cannot tell their effects apart", a, b, r) != 0 ||
                    warn_to(&F->ch[c].warnings, &F->ch[c].nwarnings, "spend correlated with '%s' (r = %.3f)", b, r) != 0 ||
                    warn_to(&F->ch[d].warnings, &F->ch[d].nwarnings, "spend correlated with '%s' (r = %.3f)", a, r) != 0)
                    goto oom;
            }
        }
    for (size_t c = 0; c < C; c++)
        W.ch[c].fam = W.ch[c].fam; /* families settled below */
    layout(&W);
    {
        size_t need = nparams(&W) + 2;
        size_t have = 0;
        for (int t = 0; t < Tfit; t++)
            have += W.use[t];
        if (have < need) {
            size_t nmiss = 0, all = 0; /* all: the periods fitted with the holdout's */
            for (size_t t = 0; t < Tz; t++) {
                nmiss += isnan(pb->y[t]) != 0;
                all += W.use[t];
            }
            char miss[96] = "";
            if (nmiss)
                snprintf(miss, sizeof miss, " with GMV; %zu of its %d periods have none", nmiss, T);
            if (h)
                st = mp_fail(err, MP_EINPUT, "too few periods: the model has %zu parameters, so at least %zu periods "
                             "are needed to fit them, %zu with the holdout of %d (the history has %zu%s; a smaller "
                             "--holdout needs fewer)", nparams(&W), need, need + (size_t)h, h, all, miss);
            else
                st = mp_fail(err, MP_EINPUT, "too few periods: the model has %zu parameters, so at least %zu periods "
                             "are needed (the history has %zu%s)", nparams(&W), need, have, miss);
            goto done;
        }
    }
    W.lambda = 0;
    if (set_rows(&W, Tfit) != 0)
        goto oom;
    if (pb->prior_weight > 0) {
        W.lambda = pb->prior_weight * W.tss;
        if (set_rows(&W, Tfit) != 0)
            goto oom;
    }
    int starts = pb->quick ? 1 : pb->starts > 0 ? pb->starts : 8;
    F->starts = starts;
    /* one channel's curve (at most 3 shape parameters): its starts nearly always meet in one
     * minimum, so the default search ends when MP_FIT_STARTS_AGREE of them have */
    int agree = pb->starts <= 0 && !pb->quick && W.nq <= 3 ? MP_FIT_STARTS_AGREE : 0;
    double obj = multistart(&W, starts, agree, best, qtry, 0);
    if (W.lambda > 0 && pb->prior_sd > 0) {
        /* the ridge's weight follows the noise: its spread stays prior_sd (perturb_centres) */
        double s2 = sse_data(&W) / fmax(1, (double)W.nrow_data - (double)nparams(&W));
        W.lambda = s2 > 0 ? s2 / (pb->prior_sd * pb->prior_sd) : W.lambda;
        if (set_rows(&W, Tfit) != 0)
            goto oom;
        obj = multistart(&W, 0, 0, best, qtry, 1);
    }
    if (pb->store_total && !pb->quick)
        convex_test(&W, best, qtry);

    /* Family choice by AICc (in the periods fitted), one channel at a time. */
    for (size_t c = 0; c < C && !pb->quick; c++) {
        if (pb->channels[c].family != MP_FIT_AUTO || W.ch[c].nospend)
            continue;
        double crit[4] = {NAN, NAN, NAN, NAN};
        crit[MP_FIT_HILL] = aicc(sse_data(&W), W.nrow_data, nparams(&W));
        enum mp_fit_family keep = MP_FIT_HILL;
        double *nat = calloc(4 * C + 1, sizeof *nat), *natk = calloc(4 * C + 1, sizeof *natk);
        if (!nat || !natk) {
            free(nat), free(natk);
            goto oom;
        }
        q_to_nat(&W, best, natk);
        for (int f = MP_FIT_EXP; f <= MP_FIT_LINEAR; f++) {
            W.ch[c].fam = (enum mp_fit_family)f;
            layout(&W);
            nat_to_q(&W, natk, qtry);
            double o = lm(&W, qtry, 300);
            crit[f] = aicc(sse_data(&W), W.nrow_data, nparams(&W));
            if (isfinite(o) && crit[f] < crit[keep] - 1e-9) {
                keep = (enum mp_fit_family)f;
                q_to_nat(&W, qtry, nat);
                memcpy(natk, nat, 4 * C * sizeof *nat);
            }
            W.ch[c].fam = keep;
            layout(&W);
        }
        nat_to_q(&W, natk, best);
        free(nat), free(natk);
        obj = lm(&W, best, 300);
        snprintf(F->ch[c].reason, MP_FIT_MSG, "lowest AICc: hill %.1f, exp %.1f, linear %.1f", crit[MP_FIT_HILL],
                 crit[MP_FIT_EXP], crit[MP_FIT_LINEAR]);
    }
    for (size_t c = 0; c < C; c++)
        if (!F->ch[c].reason[0])
            snprintf(F->ch[c].reason, MP_FIT_MSG, "%s", pb->channels[c].family == MP_FIT_AUTO ? "no spend: default"
                                                      : pb->quick ? "the plan's curve" : "as the plan says");
    (void)obj;

    /* Holdout: the estimate of the earlier periods forecasts the last h. */
    if (h > 0) {
        evaluate(&W, best, NULL, NULL);
        predict(&W, yhat, NULL);
        int *hr = calloc((size_t)h + 1, sizeof *hr);
        if (!hr)
            goto oom;
        size_t nh = 0;
        for (int t = Tfit; t < T; t++)
            if (W.use[t])
                hr[nh++] = t;
        metrics(W.y, yhat, hr, nh, &F->hold);
        free(hr);
        if (!(F->hold_pred = malloc(Tz * sizeof *F->hold_pred)))
            goto oom;
        memcpy(F->hold_pred, yhat, Tz * sizeof *yhat);
        if (set_rows(&W, T) != 0)
            goto oom;
        multistart(&W, 0, 0, best, qtry, 1);
    }

    /* Experiments: record the uncalibrated fit's GMV in each window, then calibrate. */
    if (pb->nexperiments) {
        evaluate(&W, best, NULL, NULL);
        predict(&W, yhat, F->contrib);
        double s2 = sse_data(&W) / fmax(1, (double)W.nrow_data - (double)nparams(&W));
        for (size_t i = 0; i < pb->nexperiments; i++) {
            const mp_fit_experiment *x = &pb->experiments[i];
            double g = 0;
            for (int t = x->from; t <= x->to; t++)
                g += F->contrib[x->channel * Tz + (size_t)t];
            F->exp_uncal[i] = g;
            double sd = exp_sd(x);
            W.expw[i] = sd > 0 ? sqrt(s2) / sd : 0;
        }
        if (set_rows(&W, T) != 0)
            goto oom;
        multistart(&W, 0, 0, best, qtry, 1);
    }

    /* The estimate. */
    for (size_t c = 0; c < C; c++)
        if (pb->channels[c].has_prior && W.lambda > 0) {
            F->prior_weight = W.lambda / W.tss;
            F->prior_sd = fmax(0, pb->prior_sd);
        }
    evaluate(&W, best, NULL, NULL);
    predict(&W, F->fitted, F->contrib);
    F->periods = (int)W.nrow_data;
    F->sse = sse_data(&W);
    metrics(W.y, F->fitted, W.rows, W.nrow_data, &F->in);
    if (F->in.r2 < 0 && warn_to(&F->warnings, &F->nwarnings,
                                "the fit%s%s%s explains GMV worse than its mean (R^2 %.2f): the model misses something "
                                "in this history%s", C == 1 ? " of '" : "", C == 1 ? pb->channels[0].id : "",
                                C == 1 ? "'" : "", F->in.r2,
                                pb->nevents ? "; check the plan's events (lift, phases, storage) against it, or give "
                                              "the history's outbreaks with --events"
                                            : "") != 0)
        goto oom;
    {
        double num = 0, den = 0;
        for (size_t i = 0; i < W.nrow_data; i++) {
            double r = W.y[W.rows[i]] - F->fitted[W.rows[i]];
            den += r * r;
            if (i > 0) {
                double r0 = W.y[W.rows[i - 1]] - F->fitted[W.rows[i - 1]];
                num += (r - r0) * (r - r0);
            }
        }
        F->dw = den > 0 ? num / den : NAN;
    }
    for (size_t i = 0; i < pb->nexperiments; i++) {
        const mp_fit_experiment *x = &pb->experiments[i];
        double g = 0;
        for (int t = x->from; t <= x->to; t++)
            g += F->contrib[x->channel * Tz + (size_t)t];
        F->exp_cal[i] = g;
    }
    for (size_t j = 0; j < nb; j++)
        F->base_coef[j] = W.coef[j];
    double tspend = 0, tcontrib = 0;
    for (size_t c = 0; c < C; c++) {
        mp_fit_channel *oc = &F->ch[c];
        const struct chan *cc = &W.ch[c];
        oc->family = cc->fam;
        channel_params(&W, best, c, oc->p);
        if (cc->nospend && pb->channels[c].has_prior)
            for (int p = 0; p < MP_FIT_NPARAM; p++)
                oc->p[p] = pb->channels[c].prior[p];
        oc->estimated = cc->nospend ? 0 : 1u << MP_FIT_BETA;
        for (int i = 0; i < cc->nq; i++)
            oc->estimated |= 1u << cc->qpar[i];
        double sp = 0, co = 0;
        for (int t = 0; t < T; t++) {
            sp += pb->channels[c].spend[t];
            co += F->contrib[c * Tz + (size_t)t];
        }
        oc->spend = sp;
        oc->contribution = co;
        oc->mean_spend = sp / T;
        tspend += sp;
        tcontrib += co;
        mp_fit_roas_at(cc->fam, oc->p, oc->mean_spend, &oc->roas_mean, &oc->mroas_mean);
        for (int i = 0; i < cc->nq; i++) {
            size_t j = cc->qoff + (size_t)i;
            int p = cc->qpar[i];
            if (at_bound(&W, best, j))
                oc->at_bound |= 1u << p;
        }
        if (!cc->nospend && oc->p[MP_FIT_BETA] == 0)
            oc->at_bound |= 1u << MP_FIT_BETA;
    }
    for (size_t c = 0; c < C; c++) {
        F->ch[c].spend_share = tspend > 0 ? F->ch[c].spend / tspend : NAN;
        F->ch[c].effect_share = tcontrib > 0 ? F->ch[c].contribution / tcontrib : NAN;
    }
    {
        double dof = (double)W.nrow_data - (double)nparams(&W);
        double s2 = dof > 0 ? F->sse / dof : NAN;
        /* W holds the evaluation at best: std_errors reads it, does not move it. What the history
         * and the plan (the ridge) say together: the standard errors and, without a bootstrap,
         * ROAS's 90% interval (log-normal: ROAS is positive) ... */
        struct normal_eq N;
        int have = normal_eq_make(&W, best, &N) == 0;
        cmap[0] = (size_t)-1;
        if (have)
            covariance(&W, best, &N, N.prior, F, s2, cov, cmap);
        for (size_t c = 0; c < C; c++) {
            double rsd = roas_rel_sd(&W, best, c, cov, cmap, F->ch[c].mean_spend);
            F->ch[c].roas_ci90[0] = F->ch[c].roas_mean * exp(-Z90 * rsd);
            F->ch[c].roas_ci90[1] = F->ch[c].roas_mean * exp(Z90 * rsd);
        }
        /* ... and what the history alone says of each channel's ROAS (its own J'J may be
         * singular where the ridge's is not: then no cov, NAN, and the warning below) */
        cmap[0] = (size_t)-1;
        if (have)
            covariance(&W, best, &N, N.hist, NULL, s2, cov, cmap);
        for (size_t c = 0; c < C; c++)
            roas_rsd[c] = roas_rel_sd(&W, best, c, cov, cmap, F->ch[c].mean_spend);
        normal_eq_free(&N);
    }

    /* Moving-block bootstrap of the residuals: the design (spends) stays, the noise is
     * redrawn in blocks that keep its autocorrelation; each draw is refitted from the estimate. */
    if (pb->bootstrap > 0 && !pb->quick) {
        size_t n = W.nrow_data, B = (size_t)pb->bootstrap;
        size_t L = (size_t)fmax(1, ceil(cbrt((double)n)));
        double *res = calloc(n + 1, sizeof *res), *base = calloc(n + 1, sizeof *base);
        double *qb = calloc(3 * C + 1, sizeof *qb);
        double *roas = calloc(B * C + 1, sizeof *roas), *mroas = calloc(B * C + 1, sizeof *mroas);
        F->draws = calloc(B * C * MP_FIT_NPARAM + 1, sizeof *F->draws);
        if (!res || !base || !qb || !roas || !mroas || !F->draws) {
            free(res), free(base), free(qb), free(roas), free(mroas);
            goto oom;
        }
        /* the residuals are smaller than the noise (the fit took nparams degrees of freedom out of
         * them): scaled by sqrt(n / (n - p)) their mean square is s2, the noise variance the
         * standard errors and the ridge's centres use (Davison and Hinkley's modified residuals) */
        double dof = fmax(1, (double)n - (double)nparams(&W)), s2 = F->sse / dof, infl = sqrt((double)n / dof);
        for (size_t i = 0; i < n; i++) {
            base[i] = F->fitted[W.rows[i]];
            res[i] = (W.y[W.rows[i]] - base[i]) * infl;
        }
        uint64_t seed = pb->seed;
        for (size_t bdraw = 0; bdraw < B; bdraw++) {
            for (size_t i = 0; i < n;) {
                size_t s0 = (size_t)(splitmix(&seed) % n);
                for (size_t l = 0; l < L && i < n; l++, i++)
                    W.y[W.rows[i]] = base[i] + res[(s0 + l) % n];
            }
            if (W.lambda > 0)
                perturb_centres(&W, sqrt(s2 / W.lambda), &seed);
            /* a lift test is a measurement with its own error: each draw measures it again */
            for (size_t i = 0; i < W.nexp_rows; i++)
                W.expobs[i] = pb->experiments[i].gmv + exp_sd(&pb->experiments[i]) * gauss(&seed);
            if (set_rows(&W, T) != 0) {
                free(res), free(base), free(qb), free(roas), free(mroas);
                goto oom;
            }
            memcpy(qb, best, W.nq * sizeof *qb);
            lm(&W, qb, 100);
            for (size_t c = 0; c < C; c++) {
                double *p = F->draws + (bdraw * C + c) * MP_FIT_NPARAM;
                channel_params(&W, qb, c, p);
                mp_fit_roas_at(W.ch[c].fam, p, F->ch[c].mean_spend, &roas[bdraw * C + c], &mroas[bdraw * C + c]);
            }
        }
        F->ndraws = (int)B;
        double *v = calloc(B + 1, sizeof *v);
        if (!v) {
            free(res), free(base), free(qb), free(roas), free(mroas);
            goto oom;
        }
        for (size_t c = 0; c < C; c++) {
            mp_fit_channel *oc = &F->ch[c];
            for (int p = 0; p < MP_FIT_NPARAM; p++) {
                if (!(oc->estimated & (1u << p)))
                    continue;
                for (int lh = 0; lh < 2; lh++) {
                    for (size_t d = 0; d < B; d++)
                        v[d] = F->draws[(d * C + c) * MP_FIT_NPARAM + (size_t)p];
                    oc->ci90[p][lh] = quantile(v, B, lh ? 0.95 : 0.05);
                }
            }
            for (int lh = 0; lh < 2; lh++) {
                for (size_t d = 0; d < B; d++)
                    v[d] = roas[d * C + c];
                oc->roas_ci90[lh] = quantile(v, B, lh ? 0.95 : 0.05);
                for (size_t d = 0; d < B; d++)
                    v[d] = mroas[d * C + c];
                oc->mroas_ci90[lh] = quantile(v, B, lh ? 0.95 : 0.05);
            }
        }
        free(v), free(res), free(base), free(qb), free(roas), free(mroas);
        memcpy(W.y, pb->y, Tz * sizeof *W.y);
        for (size_t c = 0; c < C; c++)
            memcpy(W.ch[c].centre, pb->channels[c].prior, sizeof W.ch[c].centre);
        for (size_t i = 0; i < W.nexp_rows; i++)
            W.expobs[i] = pb->experiments[i].gmv;
    }

    size_t nloose = 0; /* channels whose ROAS the history does not pin down */
    for (size_t c = 0; c < C; c++) {
        mp_fit_channel *oc = &F->ch[c];
        static const char *const names[MP_FIT_NPARAM] = {"beta", "k", "s", "theta"};
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            if (!(oc->at_bound & (1u << p)))
                continue;
            const char *why = p == MP_FIT_BETA ? "0: no effect found in this history"
                              : p == MP_FIT_THETA && oc->p[p] < 0.5 ? "0: no carry-over found"
                              : p == MP_FIT_THETA ? "its bound 0.9"
                              : p == MP_FIT_S ? (oc->p[p] < 0.5 ? "its bound 0.3" : oc->p[p] < 2 ? "1" : "its bound 3")
                              : pb->store_total ? "a bound of its range (the history's smallest spend / 3 to 3x its "
                                "largest adstock): the history does not show where the curve saturates"
                              : "a bound of its search range (20x from the mean spend): the history does not "
                                "show where the curve saturates";
            if (p == MP_FIT_S && W.ch[c].s_hi == 1 && oc->p[p] >= 0.5) {
                if (W.ch[c].convex_moved && W.ch[c].aicc[0] - W.ch[c].aicc[1] > MP_FIT_CONVEX_HINT &&
                    warn_to(&oc->warnings, &oc->nwarnings, "s kept at 1 (concave): letting s reach %g changed AICc "
                            "from %.1f to %.1f, not lower by more than %g, so the history does not demand an S-curve",
                            MP_FIT_S_MAX, W.ch[c].aicc[0], W.ch[c].aicc[1], MP_FIT_CONVEX_AICC) != 0)
                    goto oom;
                continue;
            }
            if (warn_to(&oc->warnings, &oc->nwarnings, "%s at %s", names[p], why) != 0)
                goto oom;
        }
        char pct[32];
        if (W.ch[c].nospend || !(roas_rsd[c] > MP_FIT_ROAS_LOOSE))
            continue;
        nloose++;
        if (warn_to(&oc->warnings, &oc->nwarnings, "this history does not pin its ROAS down (standard error %s%% "
                    "of it, from the history alone): %s", mp_fmt_num(100 * roas_rsd[c], 0, pct, sizeof pct),
                    W.lambda > 0 && pb->channels[c].has_prior
                        ? "the plan's curve (the ridge) decides most of it"
                        : "other curves explain the history about as well") != 0)
            goto oom;
    }
    if (nloose && pb->store_total &&
        warn_to(&F->warnings, &F->nwarnings, "the history does not pin down the ROAS of %zu of the %zu channels: "
                "per-channel reports or lift tests (experiments:) would measure %s", nloose, C,
                nloose == 1 ? "it" : "them") != 0)
        goto oom;
    *out = F;
    F = NULL;
    goto done;
oom:
    st = mp_fail(err, MP_ENOMEM, "out of memory");
done:
    nnls_free(&W.S);
    free(W.ch), free(W.lo), free(W.hi), free(W.qch), free(W.y), free(W.rows), free(W.use), free(W.expw), free(W.expobs), free(W.A), free(W.b);
    free(W.X), free(W.dX), free(W.D), free(W.J), free(W.e), free(W.coef), free(W.nonneg);
    free(best), free(qtry), free(yhat), free(cov), free(cmap), free(roas_rsd);
    mp_fit_free(F);
    return st;
}
