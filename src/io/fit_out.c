/* Writers for `mplan fit`: table, CSV (one row per figure) and JSON (docs/fit.md "Output"). */
#include "io/fit_out.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "io/run_out.h"
#include "io/table.h"

static const char *const pnames[MP_FIT_NPARAM] = {"beta", "k", "s", "theta"};

static const mp_fit_channel *chan(const struct mp_fit_view *v, size_t c)
{
    return v->per_channel ? &v->fits[c]->ch[0] : &v->fits[0]->ch[c];
}

/* Parameters a family has: linear has beta (its roas) and theta, exp no s. */
static int has_param(enum mp_fit_family f, int p)
{
    return p == MP_FIT_BETA || p == MP_FIT_THETA || (p == MP_FIT_K && f != MP_FIT_LINEAR) ||
           (p == MP_FIT_S && f == MP_FIT_HILL);
}

enum mp_status mp_fit_write_table(FILE *fp, const struct mp_fit_view *v, mp_error *err)
{
    const struct mp_history *h = v->h;
    const mp_fit *f0 = v->fits[0];
    fprintf(fp, "Fit of %s: %s model, %d periods, %d start%s", v->history_path,
            v->per_channel ? "per-channel" : "store-total", h->T, f0->starts, f0->starts == 1 ? "" : "s");
    if (f0->prior_sd > 0)
        fprintf(fp, ", a ridge toward the plan's curves of spread %g (weight %.2g of the total sum of squares)",
                f0->prior_sd, f0->prior_weight);
    else if (f0->prior_weight > 0)
        fprintf(fp, ", a ridge toward the plan's curves of weight %.2g of the total sum of squares", f0->prior_weight);
    if (v->pooled_hold.periods)
        fprintf(fp, "; the last %d forecast from the %d before them, then all %d fitted", v->pooled_hold.periods,
                h->T - v->pooled_hold.periods, v->pooled_in.periods);
    fputs("\n\n", fp);
    static const char *const qhead[] = {"", "r2", "nrmse", "mape"};
    struct mp_table q;
    mp_table_init(&q, 4, qhead);
    mp_table_align(&q, 0, 1);
    mp_table_add_row(&q);
    mp_table_set(&q, 0, "in sample");
    mp_table_num(&q, 1, v->pooled_in.r2, 3);
    mp_table_num(&q, 2, v->pooled_in.nrmse, 3);
    mp_table_num(&q, 3, v->pooled_in.mape, 3);
    if (v->pooled_hold.periods) {
        mp_table_add_row(&q);
        mp_table_setf(&q, 0, "holdout (%d periods)", v->pooled_hold.periods);
        mp_table_num(&q, 1, v->pooled_hold.r2, 3);
        mp_table_num(&q, 2, v->pooled_hold.nrmse, 3);
        mp_table_num(&q, 3, v->pooled_hold.mape, 3);
    }
    enum mp_status st = mp_table_print(&q, fp, "Fit quality", err);
    mp_table_free(&q);
    if (st != MP_OK)
        return st;
    fprintf(fp, "Durbin-Watson of the residuals: %.2f (2: none autocorrelated; below 1.5: the model misses a "
            "slow pattern)\n\n", v->pooled_dw);

    static const char *const head[] = {"channel", "curve", "beta", "k", "s", "theta", "roas@mean", "roas 90%",
                                       "mroas@mean", "spend share", "effect share"};
    struct mp_table tab;
    mp_table_init(&tab, 11, head);
    mp_table_align(&tab, 0, 1);
    mp_table_align(&tab, 1, 1);
    mp_table_align(&tab, 7, 1);
    for (size_t c = 0; c < h->C; c++) {
        const mp_fit_channel *ch = chan(v, c);
        mp_table_add_row(&tab);
        mp_table_set(&tab, 0, h->ids[c]);
        mp_table_set(&tab, 1, mp_fit_family_name(ch->family));
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            if (!has_param(ch->family, p)) {
                mp_table_set(&tab, 2 + (size_t)p, "-");
                continue;
            }
            char a[64], b[64];
            int dec = p == MP_FIT_S || p == MP_FIT_THETA || (p == MP_FIT_BETA && ch->family == MP_FIT_LINEAR) ? 3 : 0;
            mp_fmt_num(ch->p[p], dec, a, sizeof a);
            if (isfinite(ch->se[p]))
                mp_table_setf(&tab, 2 + (size_t)p, "%s ± %s", a, mp_fmt_num(ch->se[p], dec, b, sizeof b));
            else
                mp_table_set(&tab, 2 + (size_t)p, a);
        }
        mp_table_num(&tab, 6, ch->roas_mean, 2);
        char a[64], b[64];
        if (isfinite(ch->roas_ci90[0]))
            mp_table_setf(&tab, 7, "%s..%s", mp_fmt_num(ch->roas_ci90[0], 2, a, sizeof a),
                          mp_fmt_num(ch->roas_ci90[1], 2, b, sizeof b));
        else
            mp_table_set(&tab, 7, "-");
        mp_table_num(&tab, 8, ch->mroas_mean, 2);
        mp_table_setf(&tab, 9, "%.1f%%", 100 * ch->spend_share);
        mp_table_setf(&tab, 10, "%.1f%%", 100 * ch->effect_share);
    }
    st = mp_table_print(&tab, fp, "Channels (± standard error; roas and mroas at the mean spend, steady state)", err);
    mp_table_free(&tab);
    if (st != MP_OK)
        return st;
    for (size_t c = 0; c < h->C; c++)
        if (chan(v, c)->reason[0] && strncmp(chan(v, c)->reason, "lowest", 6) == 0)
            fprintf(fp, "  %s: %s, %s\n", h->ids[c], mp_fit_family_name(chan(v, c)->family), chan(v, c)->reason);
    if (!v->per_channel && f0->nbase) {
        static const char *const bhead[] = {"term", "coefficient", "se"};
        struct mp_table b;
        mp_table_init(&b, 3, bhead);
        mp_table_align(&b, 0, 1);
        for (size_t j = 0; j < f0->nbase; j++) {
            mp_table_add_row(&b);
            mp_table_set(&b, 0, v->base_names[j]);
            mp_table_num(&b, 1, f0->base_coef[j], 0);
            mp_table_num(&b, 2, f0->base_se[j], 0);
        }
        fputc('\n', fp);
        st = mp_table_print(&b, fp, "Baseline (GMV per period; trend over the whole history)", err);
        mp_table_free(&b);
        if (st != MP_OK)
            return st;
    }
    if (v->nexp) {
        static const char *const ehead[] = {"channel", "periods", "measured", "90/95% interval", "uncalibrated fit",
                                            "off by", "calibrated fit"};
        struct mp_table e;
        mp_table_init(&e, 7, ehead);
        mp_table_align(&e, 0, 1);
        mp_table_align(&e, 3, 1);
        for (size_t i = 0; i < v->nexp; i++) {
            const mp_fit_experiment *x = &v->exps[i];
            char a[64], b[64];
            mp_table_add_row(&e);
            mp_table_set(&e, 0, h->ids[x->channel]);
            mp_table_setf(&e, 1, "%d-%d", x->from + 1, x->to + 1);
            mp_table_num(&e, 2, x->gmv, 0);
            mp_table_setf(&e, 3, "%s..%s (%.0f%%)", mp_fmt_num(x->lo, 0, a, sizeof a), mp_fmt_num(x->hi, 0, b, sizeof b),
                          100 * x->level);
            mp_table_num(&e, 4, f0->exp_uncal[i], 0);
            mp_table_setf(&e, 5, "%+.1f%%", x->gmv != 0 ? 100 * (f0->exp_uncal[i] / x->gmv - 1) : NAN);
            mp_table_num(&e, 6, f0->exp_cal[i], 0);
        }
        fputc('\n', fp);
        st = mp_table_print(&e, fp, "Experiments (incremental GMV in the window)", err);
        mp_table_free(&e);
        if (st != MP_OK)
            return st;
    }
    int n = 0;
    size_t nf = v->per_channel ? h->C : 1;
    for (size_t i = 0; i < nf; i++)
        for (size_t w = 0; w < v->fits[i]->nwarnings; w++)
            fprintf(fp, "%s  %s\n", n++ ? "" : "\nWarnings:\n", v->fits[i]->warnings[w]);
    for (size_t c = 0; c < h->C; c++)
        for (size_t w = 0; w < chan(v, c)->nwarnings; w++)
            fprintf(fp, "%s  channel '%s': %s\n", n++ ? "" : "\nWarnings:\n", h->ids[c], chan(v, c)->warnings[w]);
    fputs("\nCorrelation is not causation: these curves describe how GMV moved with spend in this history; lift "
          "tests (experiments:) tell what spend caused.\n", fp);
    return MP_OK;
}

enum mp_status mp_fit_write_csv(FILE *fp, const struct mp_fit_view *v, mp_error *err)
{
    static const char *const head[] = {"scope", "channel", "name", "value", "se", "ci90_lo", "ci90_hi"};
    struct mp_table t;
    mp_table_init(&t, 7, head);
    const mp_fit_metrics *ms[2] = {&v->pooled_in, &v->pooled_hold};
    static const char *const mn[2] = {"", "holdout_"};
    for (int k = 0; k < 2; k++) {
        if (k && !ms[k]->periods)
            continue;
        const double vals[3] = {ms[k]->r2, ms[k]->nrmse, ms[k]->mape};
        static const char *const nm[3] = {"r2", "nrmse", "mape"};
        for (int i = 0; i < 3; i++) {
            mp_table_add_row(&t);
            mp_table_set(&t, 0, "fit");
            mp_table_setf(&t, 2, "%s%s", mn[k], nm[i]);
            mp_table_exact(&t, 3, vals[i]);
        }
    }
    mp_table_add_row(&t);
    mp_table_set(&t, 0, "fit");
    mp_table_set(&t, 2, "dw");
    mp_table_exact(&t, 3, v->pooled_dw);
    const mp_fit *f0 = v->fits[0];
    for (size_t j = 0; !v->per_channel && j < f0->nbase; j++) {
        mp_table_add_row(&t);
        mp_table_set(&t, 0, "baseline");
        mp_table_set(&t, 2, v->base_names[j]);
        mp_table_exact(&t, 3, f0->base_coef[j]);
        mp_table_exact(&t, 4, f0->base_se[j]);
    }
    for (size_t c = 0; c < v->h->C; c++) {
        const mp_fit_channel *ch = chan(v, c);
        mp_table_add_row(&t);
        mp_table_set(&t, 0, "channel");
        mp_table_set(&t, 1, v->h->ids[c]);
        mp_table_set(&t, 2, "family");
        mp_table_set(&t, 3, mp_fit_family_name(ch->family));
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            if (!has_param(ch->family, p))
                continue;
            mp_table_add_row(&t);
            mp_table_set(&t, 0, "channel");
            mp_table_set(&t, 1, v->h->ids[c]);
            mp_table_set(&t, 2, pnames[p]);
            mp_table_exact(&t, 3, ch->p[p]);
            mp_table_exact(&t, 4, ch->se[p]);
            mp_table_exact(&t, 5, ch->ci90[p][0]);
            mp_table_exact(&t, 6, ch->ci90[p][1]);
        }
        const char *names[5] = {"roas_mean", "mroas_mean", "spend_share", "effect_share", "contribution"};
        double vals[5] = {ch->roas_mean, ch->mroas_mean, ch->spend_share, ch->effect_share, ch->contribution};
        for (int i = 0; i < 5; i++) {
            mp_table_add_row(&t);
            mp_table_set(&t, 0, "channel");
            mp_table_set(&t, 1, v->h->ids[c]);
            mp_table_set(&t, 2, names[i]);
            mp_table_exact(&t, 3, vals[i]);
            if (i == 0) {
                mp_table_exact(&t, 5, ch->roas_ci90[0]);
                mp_table_exact(&t, 6, ch->roas_ci90[1]);
            }
        }
    }
    enum mp_status st = mp_table_print_csv(&t, fp, err);
    mp_table_free(&t);
    return st;
}

static json_t *metrics_json(const mp_fit_metrics *m)
{
    return json_pack("{s:o, s:o, s:o}", "r2", mp_json_num(m->r2), "nrmse", mp_json_num(m->nrmse), "mape",
                     mp_json_num(m->mape));
}

static json_t *pair(double a, double b) { return json_pack("[o, o]", mp_json_num(a), mp_json_num(b)); }

enum mp_status mp_fit_write_json(FILE *fp, const struct mp_fit_view *v, mp_error *err)
{
    const struct mp_history *h = v->h;
    const mp_fit *f0 = v->fits[0];
    int bad = 0;
    json_t *root = json_object();
    double sse = 0;
    size_t nf = v->per_channel ? h->C : 1;
    for (size_t i = 0; i < nf; i++)
        sse += v->fits[i]->sse;
    bad |= json_object_set_new(root, "model", json_string(v->per_channel ? "per_channel" : "store_total"));
    bad |= json_object_set_new(root, "periods", json_integer(h->T));
    bad |= json_object_set_new(root, "sse", mp_json_num(sse));
    bad |= json_object_set_new(root, "starts", json_integer(f0->starts));
    bad |= json_object_set_new(root, "prior_weight", mp_json_num(f0->prior_weight));
    bad |= json_object_set_new(root, "prior_spread", f0->prior_sd > 0 ? mp_json_num(f0->prior_sd) : json_null());
    json_t *fit = metrics_json(&v->pooled_in);
    json_t *hold = metrics_json(&v->pooled_hold);
    bad |= !fit || !hold;
    bad |= json_object_set_new(hold, "periods", json_integer(v->pooled_hold.periods));
    bad |= json_object_set_new(fit, "periods", json_integer(v->pooled_in.periods));
    bad |= json_object_set_new(fit, "holdout", hold);
    bad |= json_object_set_new(fit, "dw", mp_json_num(v->pooled_dw));
    bad |= json_object_set_new(root, "fit", fit);
    json_t *base = json_object();
    for (size_t j = 0; !v->per_channel && j < f0->nbase; j++)
        bad |= json_object_set_new(base, v->base_names[j], json_pack("{s:o, s:o}", "coef", mp_json_num(f0->base_coef[j]),
                                                                     "se", mp_json_num(f0->base_se[j])));
    bad |= json_object_set_new(root, "baseline", base);
    json_t *chs = json_array();
    for (size_t c = 0; c < h->C; c++) {
        const mp_fit_channel *ch = chan(v, c);
        json_t *o = json_object(), *params = json_object(), *se = json_object(), *ci = json_object(), *w = json_array();
        bad |= !o || !params || !se || !ci || !w;
        bad |= json_object_set_new(o, "id", json_string(h->ids[c]));
        bad |= json_object_set_new(o, "family", json_string(mp_fit_family_name(ch->family)));
        bad |= json_object_set_new(o, "family_reason", json_string(ch->reason));
        for (int p = 0; p < MP_FIT_NPARAM; p++) {
            if (!has_param(ch->family, p))
                continue;
            bad |= json_object_set_new(params, pnames[p], mp_json_num(ch->p[p]));
            bad |= json_object_set_new(se, pnames[p], mp_json_num(ch->se[p]));
            if (isfinite(ch->ci90[p][0]))
                bad |= json_object_set_new(ci, pnames[p], pair(ch->ci90[p][0], ch->ci90[p][1]));
        }
        bad |= json_object_set_new(o, "params", params);
        bad |= json_object_set_new(o, "se", se);
        if (json_object_size(ci))
            bad |= json_object_set_new(o, "ci90", ci);
        else
            json_decref(ci);
        bad |= json_object_set_new(o, "roas_mean", mp_json_num(ch->roas_mean));
        bad |= json_object_set_new(o, "roas_mean_ci90", pair(ch->roas_ci90[0], ch->roas_ci90[1]));
        bad |= json_object_set_new(o, "mroas_mean", mp_json_num(ch->mroas_mean));
        bad |= json_object_set_new(o, "mroas_mean_ci90", pair(ch->mroas_ci90[0], ch->mroas_ci90[1]));
        bad |= json_object_set_new(o, "mean_spend", mp_json_num(ch->mean_spend));
        bad |= json_object_set_new(o, "contribution", mp_json_num(ch->contribution));
        bad |= json_object_set_new(o, "spend_share", mp_json_num(ch->spend_share));
        bad |= json_object_set_new(o, "effect_share", mp_json_num(ch->effect_share));
        if (v->per_channel) {
            const mp_fit *fc = v->fits[c];
            json_t *cf = metrics_json(&fc->in), *ch_hold = metrics_json(&fc->hold);
            bad |= !cf || !ch_hold;
            bad |= json_object_set_new(ch_hold, "periods", json_integer(fc->hold.periods));
            bad |= json_object_set_new(cf, "holdout", ch_hold);
            bad |= json_object_set_new(cf, "dw", mp_json_num(fc->dw));
            bad |= json_object_set_new(o, "fit", cf);
        }
        for (size_t k = 0; k < ch->nwarnings; k++)
            bad |= json_array_append_new(w, json_string(ch->warnings[k]));
        bad |= json_object_set_new(o, "warnings", w);
        bad |= json_array_append_new(chs, o);
    }
    bad |= json_object_set_new(root, "channels", chs);
    json_t *exps = json_array();
    for (size_t i = 0; i < v->nexp; i++) {
        const mp_fit_experiment *x = &v->exps[i];
        bad |= json_array_append_new(exps, json_pack("{s:s, s:i, s:i, s:o, s:o, s:f, s:o, s:o}", "channel",
                                                     h->ids[x->channel], "from", x->from + 1, "to", x->to + 1, "gmv",
                                                     mp_json_num(x->gmv), "interval", pair(x->lo, x->hi), "level",
                                                     x->level, "uncalibrated", mp_json_num(f0->exp_uncal[i]),
                                                     "calibrated", mp_json_num(f0->exp_cal[i])));
    }
    if (v->nexp)
        bad |= json_object_set_new(root, "experiments", exps);
    else
        json_decref(exps);
    json_t *ws = json_array();
    for (size_t i = 0; i < nf; i++)
        for (size_t k = 0; k < v->fits[i]->nwarnings; k++)
            bad |= json_array_append_new(ws, json_string(v->fits[i]->warnings[k]));
    bad |= json_object_set_new(root, "warnings", ws);
    return mp_json_print(fp, root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15), bad, err);
}

/* ---- mplan run --uncertainty ---- */

enum mp_status mp_uncertainty_write_table(FILE *fp, const mp_uncertainty *u, enum mp_units units, mp_error *err)
{
    static const char *const head[] = {"", "P10", "P50", "P90", "goal met in"};
    struct mp_table t;
    mp_table_init(&t, 5, head);
    t.units = units;
    mp_table_align(&t, 0, 1);
    mp_table_add_row(&t);
    mp_table_set(&t, 0, "gmv");
    for (int j = 0; j < 3; j++)
        mp_table_amount(&t, 1 + (size_t)j, u->gmv[j], 0);
    mp_table_set(&t, 4, "");
    mp_table_add_row(&t);
    mp_table_set(&t, 0, "roas");
    for (int j = 0; j < 3; j++)
        mp_table_num(&t, 1 + (size_t)j, u->roas[j], 2);
    mp_table_set(&t, 4, "");
    for (size_t g = 0; g < u->ngoals; g++) {
        mp_table_add_row(&t);
        mp_table_setf(&t, 0, "goal %s attainment", u->goal_kpi[g]);
        for (int j = 0; j < 3; j++)
            if (isfinite(u->goal[g][j]))
                mp_table_setf(&t, 1 + (size_t)j, "%.1f%%", 100 * u->goal[g][j]);
            else
                mp_table_set(&t, 1 + (size_t)j, "-");
        mp_table_setf(&t, 4, "%.0f%% of draws", 100 * u->goal_met[g]);
    }
    char title[160];
    snprintf(title, sizeof title, "Uncertainty of this allocation over %zu bootstrap draws of the fitted curves",
             u->ndraws);
    fputc('\n', fp);
    enum mp_status st = mp_table_print(&t, fp, title, err);
    mp_table_free(&t);
    return st;
}

enum mp_status mp_uncertainty_write_csv(FILE *fp, const mp_uncertainty *u, mp_error *err)
{
    static const char *const head[] = {"kpi", "p10", "p50", "p90", "met_share", "draws"};
    struct mp_table t;
    mp_table_init(&t, 6, head);
    for (size_t r = 0; r < 2 + u->ngoals; r++) {
        const double *v = r == 0 ? u->gmv : r == 1 ? u->roas : u->goal[r - 2];
        mp_table_add_row(&t);
        if (r < 2)
            mp_table_set(&t, 0, r == 0 ? "gmv" : "roas");
        else
            mp_table_setf(&t, 0, "attainment:%s", u->goal_kpi[r - 2]);
        for (int j = 0; j < 3; j++)
            mp_table_exact(&t, 1 + (size_t)j, v[j]);
        mp_table_exact(&t, 4, r < 2 ? NAN : u->goal_met[r - 2]);
        mp_table_setf(&t, 5, "%zu", u->ndraws);
    }
    enum mp_status st = mp_table_print_csv(&t, fp, err);
    mp_table_free(&t);
    return st;
}

static json_t *p3(const double v[3])
{
    return json_pack("{s:o, s:o, s:o}", "p10", mp_json_num(v[0]), "p50", mp_json_num(v[1]), "p90", mp_json_num(v[2]));
}

struct json_t *mp_uncertainty_json(const mp_uncertainty *u)
{
    json_t *goals = json_array();
    int bad = !goals;
    for (size_t g = 0; g < u->ngoals; g++) {
        json_t *o = p3(u->goal[g]);
        bad |= !o || json_object_set_new(o, "kpi", json_string(u->goal_kpi[g])) ||
               json_object_set_new(o, "met_share", mp_json_num(u->goal_met[g])) || json_array_append_new(goals, o);
    }
    json_t *root = bad ? NULL : json_pack("{s:i, s:o, s:o, s:o}", "draws", (json_int_t)u->ndraws, "gmv", p3(u->gmv),
                                          "roas", p3(u->roas), "goals", goals);
    if (!root)
        json_decref(goals);
    return root;
}
