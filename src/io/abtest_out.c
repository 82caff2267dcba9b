/* Writers for `mplan abtest` (abtest_out.h). */
#include "io/abtest_out.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/run_out.h"
#include "io/svg.h"
#include "io/table.h"

/* ---- text helpers ---- */

/* "+9.1%" (sign always), "-" when absent. */
static char *pct(char *buf, size_t n, double v, int dec, int sign)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, sign ? "%+.*f%%" : "%.*f%%", dec, 100 * v);
    return buf;
}

/* A value of a metric: rates in percent, means as numbers with separators. */
static char *val(char *buf, size_t n, const mp_ab_metric_in *m, double v, int sign)
{
    if (m->kind == MP_AB_PROPORTION)
        return pct(buf, n, v, 2, sign);
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    char t[MP_NUM_TEXT_MAX];
    mp_fmt_num(fabs(v), 2, t, sizeof t);
    snprintf(buf, n, "%s%s", v < 0 ? "-" : sign ? "+" : "", t);
    return buf;
}

/* An absolute lift: percentage points for rates. */
static char *lift(char *buf, size_t n, const mp_ab_metric_in *m, double v)
{
    if (m->kind == MP_AB_PROPORTION) {
        if (!isfinite(v))
            snprintf(buf, n, "-");
        else
            snprintf(buf, n, "%+.2f pp", 100 * v);
        return buf;
    }
    return val(buf, n, m, v, 1);
}

enum ci_style { CI_VALUE, CI_LIFT, CI_REL };

/* One end of an interval as its column shows it. */
static char *ci_end(char *b, size_t n, const mp_ab_metric_in *m, enum ci_style style, double v)
{
    if (style == CI_VALUE)
        return val(b, n, m, v, 0);
    if (style == CI_REL)
        return pct(b, n, v, 1, 1);
    if (m->kind == MP_AB_PROPORTION) {
        snprintf(b, n, "%+.2f", 100 * v);
        return b;
    }
    return val(b, n, m, v, 1);
}

static char *ci_text(char *buf, size_t n, mp_ab_ci ci, const mp_ab_metric_in *m, enum ci_style style)
{
    if (!isfinite(ci.lo) || !isfinite(ci.hi)) {
        snprintf(buf, n, "-");
        return buf;
    }
    char a[64], b[64];
    snprintf(buf, n, "%s..%s", ci_end(a, sizeof a, m, style, ci.lo), ci_end(b, sizeof b, m, style, ci.hi));
    return buf;
}

static char *pval(char *buf, size_t n, double p)
{
    if (!isfinite(p))
        snprintf(buf, n, "-");
    else if (p < 0.0001)
        snprintf(buf, n, "<0.0001");
    else
        snprintf(buf, n, "%.4f", p);
    return buf;
}

static const char *metric_title(const mp_ab_metric_in *m)
{
    return strcmp(m->name, "revenue") == 0 ? "revenue per visitor" : m->name;
}

static double level(const struct mp_ab_view *v)
{
    return 100 * (1 - (v->opts.alpha > 0 ? v->opts.alpha : 0.05));
}

/* ---- the verdict ---- */

static size_t cat(char *buf, size_t n, size_t o, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t cat(char *buf, size_t n, size_t o, const char *fmt, ...)
{
    if (o >= n)
        return o;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + o, n - o, fmt, ap);
    va_end(ap);
    return k < 0 ? o : o + (size_t)k;
}

/* The lift of arm a on metric 0 as "+9.1% (95% CI +2.3%..+16.4%)". */
static size_t lift_phrase(char *buf, size_t n, size_t o, const struct mp_ab_view *v, size_t a)
{
    const mp_ab_stat *s = mp_ab_result_stat(v->res, 0, a);
    const mp_ab_stat *c = mp_ab_result_stat(v->res, 0, v->control);
    char x[64], lo[64], hi[64];
    mp_ab_ci ci = s->rel_ci;
    if (v->opts.sequential && c->value != 0)
        ci = (mp_ab_ci){s->seq_ci.lo / c->value, s->seq_ci.hi / c->value};
    if (isfinite(s->rel))
        o = cat(buf, n, o, "%s", pct(x, sizeof x, s->rel, 1, 1));
    else
        o = cat(buf, n, o, "%s", lift(x, sizeof x, &v->metrics[0], s->diff));
    if (isfinite(ci.lo))
        o = cat(buf, n, o, " (%g%% %sCI %s..%s)", level(v), v->opts.sequential ? "always-valid " : "",
                pct(lo, sizeof lo, ci.lo, 1, 1), pct(hi, sizeof hi, ci.hi, 1, 1));
    return o;
}

static size_t tail_phrase(char *buf, size_t n, size_t o, const struct mp_ab_view *v, size_t a, int decided)
{
    const mp_ab_stat *s = mp_ab_result_stat(v->res, 0, a);
    char x[64];
    if (isfinite(s->prob_beat))
        o = cat(buf, n, o, ", probability to beat %s", pct(x, sizeof x, s->prob_beat, 1, 0));
    else if (decided) /* undecided, the caller gave the p-value already */
        o = cat(buf, n, o, ", p = %s", pval(x, sizeof x, v->opts.sequential ? s->seq_p : s->p));
    o = cat(buf, n, o, "; SRM ok");
    double nmin = INFINITY;
    for (size_t i = 0; i < v->narms; i++)
        nmin = fmin(nmin, mp_ab_result_stat(v->res, 0, i)->n);
    if (v->opts.sequential)
        o = cat(buf, n, o, decided ? "; sequential test: safe to stop now" : "; sequential test: keep going, "
                                                                             "look again as data comes in");
    else if (v->opts.horizon > 0 && nmin >= v->opts.horizon)
        o = cat(buf, n, o, "; stopped at planned size");
    else if (!(v->opts.horizon > 0))
        o = cat(buf, n, o, "; planned size not given (--horizon): read once, at the size `abtest design` gave");
    /* guardrails that got worse */
    for (size_t m = 1; m < v->nmetrics; m++) {
        const mp_ab_stat *g = mp_ab_result_stat(v->res, m, a);
        if (v->metrics[m].guardrail && g->degraded) {
            char r[64], p[64];
            o = cat(buf, n, o, "; guardrail %s got worse: %s (p = %s)", v->metrics[m].name,
                    isfinite(g->rel) ? pct(r, sizeof r, g->rel, 1, 1) : lift(r, sizeof r, &v->metrics[m], g->diff),
                    pval(p, sizeof p, v->opts.sequential ? g->seq_p : g->p));
        }
    }
    return o;
}

const char *mp_ab_verdict(const struct mp_ab_view *v, char *buf, size_t n)
{
    const mp_ab_result *r = v->res;
    const char *ctrl = v->arms[v->control];
    const char *mt = metric_title(&v->metrics[0]);
    size_t o = 0;
    char x[64];
    if (r->srm) {
        o = cat(buf, n, o, "No verdict: sample ratio mismatch (chi-square p = %s; visitors", pval(x, sizeof x, r->srm_p));
        double tot = 0, wsum = 0;
        for (size_t a = 0; a < v->narms; a++) {
            tot += mp_ab_result_stat(r, 0, a)->n;
            wsum += v->opts.split ? v->opts.split[a] : 1;
        }
        for (size_t a = 0; a < v->narms; a++)
            o = cat(buf, n, o, "%s %s %s", a ? "," : "", v->arms[a],
                    pct(x, sizeof x, mp_ab_result_stat(r, 0, a)->n / tot, 1, 0));
        o = cat(buf, n, o, " against a planned");
        for (size_t a = 0; a < v->narms; a++)
            o = cat(buf, n, o, "%s%s", a ? "/" : " ",
                    pct(x, sizeof x, (v->opts.split ? v->opts.split[a] : 1) / wsum, 1, 0));
        cat(buf, n, o, "): the split is broken, so no lift can be trusted; find the cause first");
        return buf;
    }
    double nmin = INFINITY;
    for (size_t a = 0; a < v->narms; a++)
        nmin = fmin(nmin, mp_ab_result_stat(r, 0, a)->n);
    long best = -1, worst = -1, top = -1;
    for (size_t a = 0; a < v->narms; a++) {
        if (a == v->control)
            continue;
        const mp_ab_stat *s = mp_ab_result_stat(r, 0, a);
        if (top < 0 || s->diff > mp_ab_result_stat(r, 0, (size_t)top)->diff)
            top = (long)a;
        if (s->significant && s->diff > 0 && (best < 0 || s->diff > mp_ab_result_stat(r, 0, (size_t)best)->diff))
            best = (long)a;
        if (s->significant && s->diff < 0 && (worst < 0 || s->diff < mp_ab_result_stat(r, 0, (size_t)worst)->diff))
            worst = (long)a;
    }
    if (!v->opts.sequential && v->opts.horizon > 0 && nmin < v->opts.horizon) {
        char a[64], b[64];
        mp_fmt_num(nmin, 0, a, sizeof a);
        mp_fmt_num(v->opts.horizon, 0, b, sizeof b);
        cat(buf, n, 0, "No verdict yet: %s of %s planned visitors per arm; a fixed-horizon test is read once, at "
                       "its planned size (stopping at the first good-looking day inflates false wins; "
                       "--sequential gives p-values valid at every look)", a, b);
        return buf;
    }
    if (best >= 0) {
        o = cat(buf, n, o, "%s beats %s on %s: ", v->arms[best], ctrl, mt);
        o = lift_phrase(buf, n, o, v, (size_t)best);
        tail_phrase(buf, n, o, v, (size_t)best, 1);
        return buf;
    }
    if (worst >= 0) {
        o = cat(buf, n, o, "%s is worse than %s on %s: ", v->arms[worst], ctrl, mt);
        o = lift_phrase(buf, n, o, v, (size_t)worst);
        tail_phrase(buf, n, o, v, (size_t)worst, 1);
        return buf;
    }
    o = cat(buf, n, o, "No significant difference on %s%s: %s vs %s ", mt, v->opts.sequential ? " yet" : "",
            v->arms[top], ctrl);
    o = lift_phrase(buf, n, o, v, (size_t)top);
    const mp_ab_stat *s = mp_ab_result_stat(r, 0, (size_t)top);
    o = cat(buf, n, o, ", p = %s", pval(x, sizeof x, v->opts.sequential ? s->seq_p : v->narms > 2 ? s->p_holm : s->p));
    o = tail_phrase(buf, n, o, v, (size_t)top, 0);
    if (!v->opts.sequential && v->opts.horizon > 0)
        cat(buf, n, o, "; at the planned size an effect this small is not detectable: treat as no difference");
    return buf;
}

/* ---- table ---- */

static enum mp_status metric_table(FILE *fp, const struct mp_ab_view *v, size_t m, mp_error *err)
{
    const mp_ab_metric_in *mi = &v->metrics[m];
    int prop = mi->kind == MP_AB_PROPORTION, holm = v->narms > 2, seq = v->opts.sequential;
    int boot = 0;
    for (size_t a = 0; a < v->narms; a++)
        boot |= isfinite(mp_ab_result_stat(v->res, m, a)->boot_ci.lo);
    const char *cols[16];
    size_t nc = 0;
    char civ[32];
    snprintf(civ, sizeof civ, "%g%% CI", level(v));
    cols[nc++] = "variant";
    cols[nc++] = "visitors";
    cols[nc++] = prop ? "rate" : "mean";
    cols[nc++] = civ;
    cols[nc++] = prop ? "lift pp" : "lift";
    cols[nc++] = civ;
    cols[nc++] = "rel. lift";
    cols[nc++] = civ;
    cols[nc++] = "p";
    if (holm)
        cols[nc++] = "p (Holm)";
    if (prop) {
        cols[nc++] = "P(beat)";
        cols[nc++] = "exp. loss";
    }
    if (boot)
        cols[nc++] = "bootstrap CI";
    if (seq) {
        cols[nc++] = "seq. p";
        cols[nc++] = "always-valid CI";
    }
    if (mi->guardrail)
        cols[nc++] = "flag";
    struct mp_table t;
    mp_table_init(&t, nc, cols);
    for (size_t a = 0; a < v->narms; a++) {
        const mp_ab_stat *s = mp_ab_result_stat(v->res, m, a);
        char b[2 * MP_NUM_TEXT_MAX];
        size_t c = 0;
        mp_table_add_row(&t);
        mp_table_setf(&t, c++, "%s%s", v->arms[a], a == v->control ? " (control)" : "");
        mp_table_num(&t, c++, s->n, 0);
        mp_table_set(&t, c++, val(b, sizeof b, mi, s->value, 0));
        mp_table_set(&t, c++, ci_text(b, sizeof b, s->value_ci, mi, CI_VALUE));
        mp_table_set(&t, c++, a == v->control ? "" : lift(b, sizeof b, mi, s->diff));
        mp_table_set(&t, c++, ci_text(b, sizeof b, s->diff_ci, mi, CI_LIFT));
        mp_table_set(&t, c++, a == v->control ? "" : pct(b, sizeof b, s->rel, 1, 1));
        mp_table_set(&t, c++, ci_text(b, sizeof b, s->rel_ci, mi, CI_REL));
        mp_table_set(&t, c++, a == v->control ? "" : pval(b, sizeof b, s->p));
        if (holm)
            mp_table_set(&t, c++, a == v->control ? "" : pval(b, sizeof b, s->p_holm));
        if (prop) {
            mp_table_set(&t, c++, a == v->control ? "" : pct(b, sizeof b, s->prob_beat, 1, 0));
            if (a == v->control || !isfinite(s->loss))
                mp_table_set(&t, c++, "");
            else
                mp_table_setf(&t, c++, "%.4f pp", 100 * s->loss);
        }
        if (boot)
            mp_table_set(&t, c++, ci_text(b, sizeof b, s->boot_ci, mi, CI_LIFT));
        if (seq) {
            mp_table_set(&t, c++, a == v->control ? "" : pval(b, sizeof b, s->seq_p));
            mp_table_set(&t, c++, ci_text(b, sizeof b, s->seq_ci, mi, CI_LIFT));
        }
        if (mi->guardrail)
            mp_table_set(&t, c++, s->degraded ? "WORSE" : "");
    }
    char title[300];
    snprintf(title, sizeof title, "%s%s", metric_title(mi),
             m == 0 ? " (primary)" : mi->guardrail ? (mi->lower_is_worse ? " (guardrail: a drop is bad)"
                                                                          : " (guardrail: a rise is bad)")
                                   : "");
    enum mp_status st = mp_table_print(&t, fp, title, err);
    mp_table_free(&t);
    return st;
}

enum mp_status mp_ab_write_table(FILE *fp, const struct mp_ab_view *v, mp_error *err)
{
    const mp_ab_result *r = v->res;
    char a[64], b[64];
    mp_fmt_num((double)v->rows, 0, a, sizeof a);
    fprintf(fp, "A/B test: %s (%s rows, one per %s), %zu variants, control %s\n", v->input, a,
            v->per_visitor ? "visitor" : "variant", v->narms, v->arms[v->control]);
    fprintf(fp, "Sample ratio: %s (chi-square %.2f, p = %s)\n", r->srm ? "MISMATCH" : "ok", r->srm_chi2,
            pval(b, sizeof b, r->srm_p));
    if (v->opts.sequential) {
        mp_fmt_num(v->opts.horizon > 0 ? v->opts.horizon : 10000, 0, a, sizeof a);
        fprintf(fp, "Sequential (mSPRT): always-valid p-values, mixing variance %.3g (tuned for %s visitors "
                    "per arm)\n", r->tau2, a);
    }
    for (size_t m = 0; m < v->nmetrics; m++) {
        fputc('\n', fp);
        MP_TRY(metric_table(fp, v, m, err));
    }
    if (v->nignored) {
        fprintf(fp, "\nnot analysed (not numbers):");
        for (size_t i = 0; i < v->nignored; i++)
            fprintf(fp, "%s %s", i ? "," : "", v->ignored[i]);
        fputc('\n', fp);
    }
    char verdict[2048];
    fprintf(fp, "\nVerdict: %s\n", mp_ab_verdict(v, verdict, sizeof verdict));
    return MP_OK;
}

/* ---- CSV ---- */

enum mp_status mp_ab_write_csv(FILE *fp, const struct mp_ab_view *v, mp_error *err)
{
    static const char *const cols[] = {
        "metric", "role", "variant", "control", "visitors", "value", "value_lo", "value_hi", "diff", "diff_lo",
        "diff_hi", "rel", "rel_lo", "rel_hi", "p", "p_holm", "prob_beat", "expected_loss", "boot_lo", "boot_hi",
        "boot_rel_lo", "boot_rel_hi", "seq_p", "seq_lo", "seq_hi", "significant", "degraded", "srm_p"};
    size_t nc = sizeof cols / sizeof *cols;
    struct mp_table t;
    mp_table_init(&t, nc, cols);
    t.plain = 1;
    for (size_t m = 0; m < v->nmetrics; m++)
        for (size_t a = 0; a < v->narms; a++) {
            const mp_ab_stat *s = mp_ab_result_stat(v->res, m, a);
            size_t c = 0;
            mp_table_add_row(&t);
            mp_table_set(&t, c++, v->metrics[m].name);
            mp_table_set(&t, c++, m == 0 ? "primary" : v->metrics[m].guardrail ? "guardrail" : "secondary");
            mp_table_set(&t, c++, v->arms[a]);
            mp_table_set(&t, c++, a == v->control ? "1" : "0");
            double x[] = {s->n, s->value, s->value_ci.lo, s->value_ci.hi, s->diff, s->diff_ci.lo, s->diff_ci.hi,
                          s->rel, s->rel_ci.lo, s->rel_ci.hi, s->p, s->p_holm, s->prob_beat, s->loss,
                          s->boot_ci.lo, s->boot_ci.hi, s->boot_rel_ci.lo, s->boot_rel_ci.hi, s->seq_p,
                          s->seq_ci.lo, s->seq_ci.hi};
            for (size_t i = 0; i < sizeof x / sizeof *x; i++)
                mp_table_exact(&t, c++, x[i]);
            mp_table_set(&t, c++, a == v->control ? "" : s->significant ? "1" : "0");
            mp_table_set(&t, c++, a == v->control || !v->metrics[m].guardrail ? "" : s->degraded ? "1" : "0");
            mp_table_exact(&t, c++, v->res->srm_p);
        }
    enum mp_status st = mp_table_print_csv(&t, fp, err);
    mp_table_free(&t);
    return st;
}

/* ---- JSON ---- */

static json_t *jci(mp_ab_ci ci)
{
    if (!isfinite(ci.lo) || !isfinite(ci.hi))
        return json_null();
    return json_pack("[o, o]", mp_json_num(ci.lo), mp_json_num(ci.hi));
}

enum mp_status mp_ab_write_json(FILE *fp, const struct mp_ab_view *v, mp_error *err)
{
    const mp_ab_result *r = v->res;
    int bad = 0;
    json_t *root = json_object(), *metrics = json_array(), *vis = json_array(), *plan = json_array(),
           *ign = json_array();
    bad |= !root || !metrics || !vis || !plan || !ign;
    double wsum = 0;
    for (size_t a = 0; a < v->narms; a++)
        wsum += v->opts.split ? v->opts.split[a] : 1;
    for (size_t a = 0; a < v->narms; a++) {
        bad |= json_array_append_new(vis, json_real(mp_ab_result_stat(r, 0, a)->n));
        bad |= json_array_append_new(plan, json_real((v->opts.split ? v->opts.split[a] : 1) / wsum));
    }
    for (size_t i = 0; i < v->nignored; i++)
        bad |= json_array_append_new(ign, json_string(v->ignored[i]));
    for (size_t m = 0; m < v->nmetrics; m++) {
        const mp_ab_metric_in *mi = &v->metrics[m];
        json_t *arms = json_array();
        bad |= !arms;
        for (size_t a = 0; a < v->narms; a++) {
            const mp_ab_stat *s = mp_ab_result_stat(r, m, a);
            json_t *o = json_object();
            bad |= !o;
            bad |= json_object_set_new(o, "variant", json_string(v->arms[a]));
            bad |= json_object_set_new(o, "control", json_boolean(a == v->control));
            bad |= json_object_set_new(o, "visitors", mp_json_num(s->n));
            bad |= json_object_set_new(o, "sum", mp_json_num(mi->cells[a].sum));
            bad |= json_object_set_new(o, "value", mp_json_num(s->value));
            bad |= json_object_set_new(o, "value_ci", jci(s->value_ci));
            if (a != v->control) {
                bad |= json_object_set_new(o, "diff", mp_json_num(s->diff));
                bad |= json_object_set_new(o, "diff_ci", jci(s->diff_ci));
                bad |= json_object_set_new(o, "rel", mp_json_num(s->rel));
                bad |= json_object_set_new(o, "rel_ci", jci(s->rel_ci));
                bad |= json_object_set_new(o, "p", mp_json_num(s->p));
                bad |= json_object_set_new(o, "p_holm", mp_json_num(s->p_holm));
                if (mi->kind == MP_AB_PROPORTION) {
                    bad |= json_object_set_new(o, "prob_beat", mp_json_num(s->prob_beat));
                    bad |= json_object_set_new(o, "expected_loss", mp_json_num(s->loss));
                }
                if (isfinite(s->boot_ci.lo)) {
                    bad |= json_object_set_new(o, "boot_ci", jci(s->boot_ci));
                    bad |= json_object_set_new(o, "boot_rel_ci", jci(s->boot_rel_ci));
                }
                if (v->opts.sequential) {
                    bad |= json_object_set_new(o, "seq_p", mp_json_num(s->seq_p));
                    bad |= json_object_set_new(o, "seq_ci", jci(s->seq_ci));
                }
                bad |= json_object_set_new(o, "significant", json_boolean(s->significant));
                if (mi->guardrail)
                    bad |= json_object_set_new(o, "degraded", json_boolean(s->degraded));
            }
            bad |= json_array_append_new(arms, o);
        }
        json_t *mo = json_pack("{s:s, s:s, s:s, s:o}", "name", mi->name, "kind",
                               mi->kind == MP_AB_PROPORTION ? "proportion" : "mean", "role",
                               m == 0 ? "primary" : mi->guardrail ? "guardrail" : "secondary", "variants", arms);
        bad |= !mo;
        if (mo && mi->guardrail)
            bad |= json_object_set_new(mo, "bad_direction", json_string(mi->lower_is_worse ? "down" : "up"));
        bad |= json_array_append_new(metrics, mo);
    }
    char verdict[2048];
    json_t *test = json_pack("{s:s, s:s, s:I, s:s, s:f, s:[f, f], s:b, s:o, s:o}", "input", v->input, "shape",
                             v->per_visitor ? "per-visitor" : "per-variant", "rows", (json_int_t)v->rows,
                             "control", v->arms[v->control], "alpha", v->opts.alpha, "prior", v->opts.prior_a,
                             v->opts.prior_b, "sequential", v->opts.sequential,
                             "horizon", v->opts.horizon > 0 ? mp_json_num(v->opts.horizon) : json_null(),
                             "mixing_variance", mp_json_num(v->opts.sequential ? r->tau2 : NAN));
    bad |= !test;
    bad |= json_object_set_new(root, "mplan", json_integer(1));
    bad |= json_object_set_new(root, "abtest", test);
    bad |= json_object_set_new(root, "srm", json_pack("{s:o, s:o, s:b, s:o, s:o}", "chi2", mp_json_num(r->srm_chi2),
                                                      "p", mp_json_num(r->srm_p), "mismatch", r->srm, "visitors",
                                                      vis, "planned", plan));
    bad |= json_object_set_new(root, "metrics", metrics);
    bad |= json_object_set_new(root, "ignored_columns", ign);
    bad |= json_object_set_new(root, "verdict", json_string(mp_ab_verdict(v, verdict, sizeof verdict)));
    return mp_json_print(fp, root, JSON_INDENT(2) | JSON_REAL_PRECISION(17), bad, err);
}

/* ---- design ---- */

enum mp_status mp_ab_design_write_table(FILE *fp, const mp_ab_design *d, mp_error *err)
{
    char a[64], b[64], c[64];
    double rel = d->mde_rel ? d->mde : d->mde / d->baseline;
    if (d->revenue)
        fprintf(fp, "Revenue per visitor %s (sd %s), MDE %s relative", mp_fmt_num(d->baseline, 2, a, sizeof a),
                mp_fmt_num(d->sd, 2, b, sizeof b), pct(c, sizeof c, rel, 1, 0));
    else
        fprintf(fp, "Conversion %s, MDE %s relative (to %s)", pct(a, sizeof a, d->baseline, 2, 0),
                pct(b, sizeof b, rel, 1, 0), pct(c, sizeof c, d->baseline * (1 + rel), 2, 0));
    fprintf(fp, ", two-sided alpha %g%s, power %g%%, %d variants\n", d->alpha,
            d->variants > 2 ? " (split over the comparisons)" : "", 100 * d->power, d->variants);
    fprintf(fp, "Visitors per arm: %s (%s in all)", mp_fmt_num(d->n, 0, a, sizeof a),
            mp_fmt_num(d->n * d->variants, 0, b, sizeof b));
    if (isfinite(d->days))
        fprintf(fp, "; at %s visitors a day: %s day%s", mp_fmt_num(d->traffic, 0, c, sizeof c),
                mp_fmt_num(d->days, 0, a, sizeof a), d->days == 1 ? "" : "s");
    fprintf(fp, "\nRead it once, at that size (or analyze with --sequential --horizon %.0f to look every day).\n\n",
            d->n);
    const char *cols[] = {"MDE (relative)", "visitors per arm", "total", "days"};
    struct mp_table t;
    mp_table_init(&t, isfinite(d->days) ? 4 : 3, cols);
    for (size_t i = 0; i < d->nrows; i++) {
        mp_table_add_row(&t);
        mp_table_setf(&t, 0, "%s%s", pct(a, sizeof a, d->rows_mde[i], 1, 0),
                      fabs(d->rows_mde[i] - fabs(rel)) < 1e-12 ? " *" : "");
        mp_table_num(&t, 1, ceil(d->rows_n[i]), 0);
        mp_table_num(&t, 2, ceil(d->rows_n[i]) * d->variants, 0);
        if (isfinite(d->days))
            mp_table_num(&t, 3, ceil(ceil(d->rows_n[i]) * d->variants / d->traffic), 0);
    }
    enum mp_status st = mp_table_print(&t, fp, NULL, err);
    mp_table_free(&t);
    return st;
}

enum mp_status mp_ab_design_write_csv(FILE *fp, const mp_ab_design *d, mp_error *err)
{
    const char *cols[] = {"mde_rel", "visitors_per_arm", "visitors_per_arm_exact", "total", "days", "chosen"};
    struct mp_table t;
    mp_table_init(&t, 6, cols);
    t.plain = 1;
    double rel = d->mde_rel ? d->mde : d->mde / d->baseline;
    for (size_t i = 0; i < d->nrows; i++) {
        mp_table_add_row(&t);
        mp_table_exact(&t, 0, d->rows_mde[i]);
        mp_table_exact(&t, 1, ceil(d->rows_n[i]));
        mp_table_exact(&t, 2, d->rows_n[i]);
        mp_table_exact(&t, 3, ceil(d->rows_n[i]) * d->variants);
        mp_table_exact(&t, 4, d->traffic > 0 ? ceil(ceil(d->rows_n[i]) * d->variants / d->traffic) : NAN);
        mp_table_set(&t, 5, fabs(d->rows_mde[i] - fabs(rel)) < 1e-12 ? "1" : "0");
    }
    enum mp_status st = mp_table_print_csv(&t, fp, err);
    mp_table_free(&t);
    return st;
}

enum mp_status mp_ab_design_write_json(FILE *fp, const mp_ab_design *d, mp_error *err)
{
    int bad = 0;
    json_t *rows = json_array();
    bad |= !rows;
    for (size_t i = 0; i < d->nrows; i++)
        bad |= json_array_append_new(rows, json_pack("{s:f, s:o, s:o}", "mde_rel", d->rows_mde[i], "visitors_per_arm",
                                                     mp_json_num(ceil(d->rows_n[i])), "visitors_per_arm_exact",
                                                     mp_json_num(d->rows_n[i])));
    double rel = d->mde_rel ? d->mde : d->mde / d->baseline;
    json_t *root = json_pack("{s:i, s:s, s:f, s:o, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:f, s:f, s:o, s:o, s:o}",
                             "mplan", 1, "metric", d->revenue ? "revenue" : "conversion", "baseline", d->baseline,
                             "sd", d->revenue ? mp_json_num(d->sd) : json_null(), "mde_rel", rel, "alpha", d->alpha,
                             "alpha_per_comparison", d->alpha_each, "power", d->power, "variants", d->variants,
                             "effect_size", d->effect, "visitors_per_arm", d->n, "visitors_per_arm_exact",
                             d->n_exact, "total", d->n * d->variants, "days",
                             mp_json_num(d->days), "traffic_per_day", d->traffic > 0 ? mp_json_num(d->traffic) : json_null(),
                             "by_mde", rows);
    return mp_json_print(fp, root, JSON_INDENT(2) | JSON_REAL_PRECISION(17), bad, err);
}

enum mp_status mp_ab_design_write_svg(FILE *fp, const mp_ab_design *d, mp_error *err)
{
    (void)err;
    double x[16], y[16];
    size_t n = 0;
    for (size_t i = 0; i < d->nrows; i++)
        if (isfinite(d->rows_n[i])) {
            x[n] = 100 * d->rows_mde[i];
            y[n++] = ceil(d->rows_n[i]);
        }
    double rel = d->mde_rel ? d->mde : d->mde / d->baseline;
    char label[80], title[160], nb[64];
    snprintf(label, sizeof label, "%s per arm", mp_fmt_num(d->n, 0, nb, sizeof nb));
    struct mp_svg_mark mark = {100 * fabs(rel), d->n, label};
    struct mp_svg_series s = {.name = "visitors per arm", .x = x, .y = y, .n = n, .color = 0};
    snprintf(title, sizeof title, "Visitors per arm against the smallest lift to detect (power %g%%, alpha %g)",
             100 * d->power, d->alpha);
    mp_svg_open(fp, 640, 320, "abtest-design", title);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", fp);
    struct mp_svg_plot p = {.x = 0, .y = 0, .w = 640, .h = 320, .title = title,
                            .xlabel = "minimum detectable effect, % relative", .ylabel = "visitors per arm",
                            .series = &s, .nseries = 1, .marks = &mark, .nmarks = 1};
    mp_svg_plot_lines(fp, &p);
    mp_svg_close(fp);
    return MP_OK;
}
