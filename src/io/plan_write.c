/* The plan model as a plan file, through libyaml's emitter: it quotes and escapes, we only
 * decide which strings must not be read back as numbers, booleans or null. Numbers are
 * written in the fewest digits that read back to the same double. */
#include "io/plan_write.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/date.h"
#include "core/model.h"
#include "io/yaml_doc.h"

struct writer {
    yaml_emitter_t em;
    int failed;
};

static void emit(struct writer *W, yaml_event_t *ev, int made)
{
    if (!made) {
        W->failed = 1;
        return;
    }
    if (W->failed) {
        yaml_event_delete(ev);
        return;
    }
    if (!yaml_emitter_emit(&W->em, ev)) /* the emitter frees the event either way */
        W->failed = 1;
}

static void scalar(struct writer *W, const char *s, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    /* implicit both ways: the emitter may quote what it must without adding a '!' tag */
    int plain = style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE;
    emit(W, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain, 1, style));
}

/* Plain text that a reader would take for something else: a number, a boolean, null. */
static int ambiguous(const char *s)
{
    static const char *const words[] = {"", "~", "null", "true", "false", "yes", "no", "on", "off"};
    double v;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(s, words[i]) == 0)
            return 1;
    return mp_ynum_parse(s, &v) == 0 || strspn(s, "0123456789.+-eE_:x") == strlen(s);
}

static void str(struct writer *W, const char *s)
{
    scalar(W, s, ambiguous(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

static void plain(struct writer *W, const char *s)
{
    scalar(W, s, YAML_PLAIN_SCALAR_STYLE);
}

static void num(struct writer *W, double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    plain(W, buf);
}

static void date(struct writer *W, int32_t day)
{
    char buf[11];
    mp_date_format(day, buf);
    plain(W, buf);
}

static void window(struct writer *W, int32_t from, int32_t to)
{
    char a[11], b[11], buf[32];
    mp_date_format(from, a);
    mp_date_format(to, b);
    snprintf(buf, sizeof buf, "%s..%s", a, b);
    plain(W, buf);
}

static void map_start(struct writer *W, int flow)
{
    yaml_event_t ev;
    emit(W, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                     flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void map_end(struct writer *W)
{
    yaml_event_t ev;
    emit(W, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void seq_start(struct writer *W, int flow)
{
    yaml_event_t ev;
    emit(W, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                      flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void seq_end(struct writer *W)
{
    yaml_event_t ev;
    emit(W, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void kv_num(struct writer *W, const char *key, double v)
{
    plain(W, key);
    num(W, v);
}

static void kv_str(struct writer *W, const char *key, const char *s)
{
    plain(W, key);
    str(W, s);
}

static void numbers(struct writer *W, const double *v, int n)
{
    seq_start(W, 1);
    for (int i = 0; i < n; i++)
        num(W, v[i]);
    seq_end(W);
}

static int all_equal(const double *v, int n, double to)
{
    for (int i = 0; i < n; i++)
        if (v[i] != to)
            return 0;
    return 1;
}

/* "DIR/" for a canonical absolute directory (which ends in '/' only when it is the root). */
static char *with_slash(const char *dir)
{
    size_t n = strlen(dir);
    char *s = malloc(n + 2);
    if (s)
        snprintf(s, n + 2, "%s%s", dir, n && dir[n - 1] == '/' ? "" : "/");
    return s;
}

/* The relative path from canonical absolute directory `from` to canonical path `to`. */
static char *relative(const char *from, const char *to)
{
    char *f = with_slash(from), *t = with_slash(to), *out = NULL;
    if (f && t) {
        size_t common = 0, ups = 0;
        for (size_t i = 0; f[i] && f[i] == t[i]; i++)
            if (f[i] == '/')
                common = i + 1;
        for (const char *q = f + common; *q; q++)
            ups += *q == '/';
        size_t rest = strlen(t + common);
        if (rest)
            t[common + rest - 1] = '\0'; /* drop the slash added above */
        if ((out = malloc(3 * ups + rest + 2))) {
            out[0] = '\0';
            for (size_t i = 0; i < ups; i++)
                strcat(out, "../");
            strcat(out, rest ? t + common : ".");
        }
    }
    free(f);
    free(t);
    return out;
}

/* `path` (relative to the plan's directory) made relative to `outdir` instead; as it was when
 * it is absolute or cannot be resolved. The result is malloc'd (NULL: out of memory). */
static char *rebase(const char *plan_dir, const char *path, const char *outdir)
{
    if (path[0] == '/' || !outdir)
        return strdup(path);
    size_t n = strlen(plan_dir) + strlen(path) + 2;
    char *joined = malloc(n), *to = NULL, *from = realpath(outdir, NULL), *out = NULL;
    if (joined) {
        snprintf(joined, n, "%s/%s", plan_dir, path);
        to = realpath(joined, NULL);
        out = to && from ? relative(from, to) : strdup(joined);
    }
    free(joined);
    free(to);
    free(from);
    return out;
}

static void write_head(struct writer *W, const mp_plan *p)
{
    static const char *const units[] = {"day", "week", "month"};
    kv_num(W, "mplan", 1);
    if (p->store || p->currency || p->platform) {
        plain(W, "store");
        map_start(W, 1);
        if (p->store)
            kv_str(W, "name", p->store);
        if (p->currency)
            kv_str(W, "currency", p->currency);
        if (p->platform)
            kv_str(W, "platform", p->platform);
        map_end(W);
    }
    if (p->purpose != MP_PURPOSE_NONE) {
        plain(W, "purpose");
        plain(W, mp_purpose_name(p->purpose));
    }
    plain(W, "horizon");
    map_start(W, 1);
    plain(W, "start");
    date(W, p->start);
    kv_num(W, "periods", p->T);
    plain(W, "period");
    plain(W, units[p->unit]);
    map_end(W);
    if (p->spent.periods > 0) {
        plain(W, "spent");
        map_start(W, 1);
        kv_num(W, "periods", p->spent.periods);
        plain(W, "window");
        window(W, p->spent.from, p->spent.to);
        kv_num(W, "spend", p->spent.spend);
        kv_num(W, "gmv", p->spent.gmv);
        map_end(W);
    }
}

static void write_budget(struct writer *W, const mp_plan *p)
{
    plain(W, "budget");
    map_start(W, 0);
    kv_num(W, "total", p->budget_total);
    if (p->reserve > 0)
        kv_num(W, "reserve", p->reserve);
    if (p->nfixed) {
        plain(W, "fixed");
        seq_start(W, 0);
        for (size_t i = 0; i < p->nfixed; i++) {
            map_start(W, 1);
            kv_str(W, "name", p->fixed[i].name);
            if (p->fixed[i].per_period > 0 || p->fixed[i].amount == 0)
                kv_num(W, "per_period", p->fixed[i].per_period);
            else
                kv_num(W, "amount", p->fixed[i].amount);
            map_end(W);
        }
        seq_end(W);
    }
    map_end(W);
    if (!isnan(p->margin))
        kv_num(W, "margin", p->margin);
    if (!all_equal(p->baseline, p->T, 0)) {
        plain(W, "baseline");
        map_start(W, 1);
        plain(W, "gmv");
        if (all_equal(p->baseline, p->T, p->baseline[0]))
            num(W, p->baseline[0]);
        else
            numbers(W, p->baseline, p->T);
        if (p->baseline_orders) {
            plain(W, "orders");
            numbers(W, p->baseline_orders, p->T);
        }
        map_end(W);
    }
    if (!all_equal(p->season, p->T, 1)) {
        plain(W, "season");
        numbers(W, p->season, p->T);
    }
}

static void write_goals(struct writer *W, const mp_plan *p)
{
    plain(W, "objective");
    switch (p->objective) {
    case MP_OBJ_GMV: plain(W, "gmv"); break;
    case MP_OBJ_PROFIT: plain(W, "profit"); break;
    case MP_OBJ_TARGET_ROAS:
        map_start(W, 1);
        kv_num(W, "target_roas", p->objective_value);
        map_end(W);
        break;
    case MP_OBJ_GOAL_GMV:
        map_start(W, 1);
        plain(W, "goal");
        map_start(W, 1);
        kv_num(W, "gmv", p->objective_value);
        map_end(W);
        map_end(W);
        break;
    }
    if (!p->ngoals)
        return;
    plain(W, "goals");
    map_start(W, 1);
    for (size_t i = 0; i < p->ngoals; i++)
        kv_num(W, p->goals[i].kpi, p->goals[i].target);
    map_end(W);
}

static void write_events(struct writer *W, const mp_plan *p)
{
    static const enum mp_phase phases[] = {MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_WARMUP,
                                           MP_PHASE_REVIEW};
    if (!p->nevents)
        return;
    plain(W, "events");
    seq_start(W, 0);
    for (size_t e = 0; e < p->nevents; e++) {
        const struct mp_event *ev = &p->events[e];
        map_start(W, 0);
        kv_str(W, "name", ev->name);
        plain(W, "outbreak");
        window(W, ev->outbreak_from, ev->outbreak_to);
        plain(W, "phases");
        map_start(W, 1);
        for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
            if (ev->len[phases[i]] <= 0)
                continue;
            char buf[32];
            snprintf(buf, sizeof buf, "%d%c", ev->len[phases[i]], ev->len_unit[phases[i]]);
            plain(W, mp_phase_name(phases[i]));
            plain(W, buf);
        }
        map_end(W);
        kv_num(W, "lift", ev->lift);
        kv_num(W, "spillover", ev->spillover);
        kv_num(W, "warmup_lift", ev->warmup_lift);
        if (ev->nchannels) {
            plain(W, "channels");
            seq_start(W, 1);
            for (size_t i = 0; i < ev->nchannels; i++)
                plain(W, ev->channels[i]);
            seq_end(W);
        } else {
            if (!ev->full_all) {
                plain(W, "full_lift");
                seq_start(W, 1);
                for (size_t i = 0; i < ev->nfull_lift; i++)
                    plain(W, ev->full_lift[i]);
                seq_end(W);
            }
            if (ev->nevent_channels) {
                plain(W, "event_channels");
                seq_start(W, 1);
                for (size_t i = 0; i < ev->nevent_channels; i++)
                    plain(W, ev->event_channels[i]);
                seq_end(W);
            }
        }
        plain(W, "defer");
        map_start(W, 1);
        kv_num(W, "storage", ev->defer[MP_PHASE_STORAGE]);
        kv_num(W, "warmup", ev->defer[MP_PHASE_WARMUP]);
        map_end(W);
        map_end(W);
    }
    seq_end(W);
}

static void write_milestones(struct writer *W, const mp_plan *p)
{
    if (!p->nmilestones)
        return;
    plain(W, "milestones");
    seq_start(W, 0);
    for (size_t i = 0; i < p->nmilestones; i++) {
        const struct mp_milestone *m = &p->milestones[i];
        char at[32];
        mp_date_format(m->day, at);
        if (m->minute >= 0)
            snprintf(at + 10, sizeof at - 10, " %02d:%02d", m->minute / 60 % 100, m->minute % 60);
        map_start(W, 0);
        kv_str(W, "name", m->name);
        kv_str(W, "at", at);
        if (m->owner)
            kv_str(W, "owner", m->owner);
        if (m->note)
            kv_str(W, "note", m->note);
        map_end(W);
    }
    seq_end(W);
}

static void write_channel(struct writer *W, const mp_plan *p, const struct mp_channel *ch)
{
    map_start(W, 0);
    plain(W, "id");
    plain(W, ch->id);
    if (strcmp(ch->name, ch->id) != 0)
        kv_str(W, "name", ch->name);
    plain(W, "kind");
    plain(W, mp_kind_name(ch->kind));
    if (ch->stage != MP_STAGE_NONE) {
        plain(W, "stage");
        plain(W, mp_stage_name(ch->stage));
    }
    if (ch->owner)
        kv_str(W, "owner", ch->owner);
    if (ch->mode == MP_MODE_FIXED_COST) {
        plain(W, "cost");
        map_start(W, 1);
        kv_num(W, "fixed", ch->fixed_cost);
        map_end(W);
    } else {
        plain(W, "response");
        map_start(W, 1);
        plain(W, "curve");
        plain(W, mp_curve_name(ch->resp.curve));
        if (ch->resp.curve == MP_CURVE_LINEAR) {
            kv_num(W, "roas", ch->resp.roas);
        } else {
            kv_num(W, "beta", ch->resp.beta);
            kv_num(W, "k", ch->resp.k);
            if (ch->resp.curve == MP_CURVE_HILL)
                kv_num(W, "s", ch->resp.s);
        }
        map_end(W);
    }
    if (ch->theta > 0)
        kv_num(W, "theta", ch->theta);
    if (ch->carryover > 0)
        kv_num(W, "carryover", ch->carryover);
    if (ch->has_funnel) {
        plain(W, "funnel");
        map_start(W, 1);
        kv_num(W, "aov", ch->funnel.aov);
        kv_num(W, "cvr", ch->funnel.cvr);
        kv_num(W, "ctr", ch->funnel.ctr);
        kv_num(W, "new_share", ch->funnel.new_share);
        map_end(W);
    }
    if (ch->min > 0)
        kv_num(W, "min", ch->min);
    if (isfinite(ch->max))
        kv_num(W, "max", ch->max);
    if (isfinite(ch->cap))
        kv_num(W, "cap", ch->cap);
    if (ch->defer_set) {
        plain(W, "defer");
        map_start(W, 1);
        if ((ch->defer_set >> MP_PHASE_STORAGE) & 1u)
            kv_num(W, "storage", ch->defer[MP_PHASE_STORAGE]);
        if ((ch->defer_set >> MP_PHASE_WARMUP) & 1u)
            kv_num(W, "warmup", ch->defer[MP_PHASE_WARMUP]);
        map_end(W);
    }
    if (ch->phases || ch->nwindows) {
        plain(W, "active");
        seq_start(W, 1);
        for (int ph = 0; ph < MP_PHASE_COUNT; ph++)
            if ((ch->phases >> ph) & 1u)
                plain(W, mp_phase_name((enum mp_phase)ph));
        for (size_t i = 0; i < ch->nwindows; i++)
            window(W, ch->windows[i][0], ch->windows[i][1]);
        seq_end(W);
    }
    if (ch->mode == MP_MODE_FIXED_SPEND) {
        plain(W, "spend");
        numbers(W, ch->spend, p->T);
    }
    map_end(W);
}

static int write_rules(struct writer *W, const mp_plan *p, const char *outdir)
{
    if (p->nsegments || p->segments_from) {
        plain(W, "segments");
        map_start(W, 0);
        if (p->nsegments) {
            plain(W, "sizes");
            map_start(W, 1);
            for (size_t i = 0; i < p->nsegments; i++) {
                str(W, p->segments[i].label);
                num(W, p->segments[i].size);
            }
            map_end(W);
        } else {
            char *from = rebase(p->dir, p->segments_from, outdir);
            if (!from)
                return -1;
            kv_str(W, "from", from);
            free(from);
            kv_str(W, "segmenter", p->segments_segmenter);
        }
        map_end(W);
    }
    if (p->npacks) {
        plain(W, "packs");
        seq_start(W, 0);
        for (size_t i = 0; i < p->npacks; i++) {
            const struct mp_pack_ref *ref = &p->packs[i];
            /* A pack found by name stays a name: it is found the same way from anywhere. */
            char *path = ref->found == MP_PACK_INSTALLED ? strdup(ref->path) : rebase(p->dir, ref->path, outdir);
            if (!path)
                return -1;
            map_start(W, 1);
            kv_str(W, "path", path);
            free(path);
            if (ref->nparams) {
                plain(W, "params");
                map_start(W, 1);
                for (size_t j = 0; j < ref->nparams; j++) {
                    const struct mp_param *par = &ref->params[j];
                    plain(W, par->name);
                    if (par->type == MP_PARAM_NUMBER)
                        num(W, par->num);
                    else if (par->type == MP_PARAM_BOOL)
                        plain(W, par->boolean ? "true" : "false");
                    else
                        str(W, par->str);
                }
                map_end(W);
            }
            map_end(W);
        }
        seq_end(W);
    }
    if (p->allocator && strcmp(p->allocator, "equalize") != 0)
        kv_str(W, "allocator", p->allocator);
    if (p->nstrategies) {
        plain(W, "strategies");
        seq_start(W, 1);
        for (size_t i = 0; i < p->nstrategies; i++)
            str(W, p->strategies[i]);
        seq_end(W);
    }
    if (p->limits.max_steps > 0 || p->limits.max_mem > 0 || p->limits.timeout > 0) {
        plain(W, "limits");
        map_start(W, 1);
        if (p->limits.max_steps > 0)
            kv_num(W, "max_steps", p->limits.max_steps);
        if (p->limits.max_mem > 0)
            kv_num(W, "max_mem", p->limits.max_mem);
        if (p->limits.timeout > 0)
            kv_num(W, "timeout", p->limits.timeout);
        map_end(W);
    }
    return 0;
}

enum mp_status mp_plan_write(FILE *fp, const mp_plan *p, const char *outdir, const char *comment,
                             mp_error *err)
{
    struct writer W = {0};
    if (!yaml_emitter_initialize(&W.em))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    yaml_emitter_set_output_file(&W.em, fp);
    yaml_emitter_set_unicode(&W.em, 1);
    yaml_emitter_set_width(&W.em, 100);
    for (const char *s = comment; s && *s;) {
        size_t n = strcspn(s, "\n");
        fprintf(fp, "# %.*s\n", (int)n, s);
        s += n + (s[n] == '\n');
    }
    yaml_event_t ev;
    emit(&W, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
    emit(&W, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
    map_start(&W, 0);
    write_head(&W, p);
    write_budget(&W, p);
    write_goals(&W, p);
    write_events(&W, p);
    write_milestones(&W, p);
    plain(&W, "channels");
    seq_start(&W, 0);
    for (size_t c = 0; c < p->nchannels; c++)
        write_channel(&W, p, &p->channels[c]);
    seq_end(&W);
    int bad = write_rules(&W, p, outdir);
    map_end(&W);
    emit(&W, &ev, yaml_document_end_event_initialize(&ev, 1));
    emit(&W, &ev, yaml_stream_end_event_initialize(&ev));
    int failed = W.failed || bad;
    const char *why = W.em.problem;
    yaml_emitter_delete(&W.em);
    if (failed)
        return mp_fail(err, bad ? MP_ENOMEM : MP_EIO, "writing the plan: %s", bad ? "out of memory"
                       : why ? why : "emitter failed");
    return MP_OK;
}
