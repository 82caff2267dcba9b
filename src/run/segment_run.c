/* `mplan segment` around the row binding: passes over the file on threads (and the
 * quantile first pass before them), per-range states, --labels files, the flow between two
 * snapshots, and a plan's segment sizes. It only orchestrates: the Lua work is behind the
 * binding's Lua-free face (lua/seg_pass.h). */
#include "mplan/segment.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/manifest.h"
#include "io/out.h"
#include "io/seg_buf.h"
#include "lua/seg_pass.h"
#include "run/segment_plan.h"



/* ---- per-range states (the csv pass callbacks) ---- */

static void state_discard(void *ctx, void *p)
{
    struct seg_run *r = ctx;
    struct seg_state *st = p;
    if (!st)
        return;
    mp_seg_free(st->sum);
    mp_segment_labout_free(st->out);
    mp_segment_keyvec_free(st->keys);
    free(st->fcount);
    if (st->sk)
        for (size_t c = 0; c < r->ncols; c++)
            mp_sketch_free(st->sk[c]);
    free(st->sk);
    free(st);
}

static void *state_open(void *ctx, int slot, size_t range, mp_error *err)
{
    struct seg_run *r = ctx;
    struct seg_state *st = calloc(1, sizeof *st);
    if (!st) {
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    st->slot = mp_segment_slot(r, slot);
    st->range = range;
    const char **cols = malloc((r->ncols ? r->ncols : 1) * sizeof *cols);
    if (cols) {
        for (size_t c = 0; c < r->ncols; c++)
            cols[c] = mp_csv_colname(r->csv, c);
        st->sum = mp_seg_new(cols, r->ncols, r->key);
        free(cols);
    }
    int ok = st->sum != NULL;
    if (ok && r->pass == PASS_SKETCH) {
        ok = (st->sk = calloc(r->ncols ? r->ncols : 1, sizeof *st->sk)) != NULL;
        for (size_t c = 0; ok && c < r->ncols; c++)
            if (r->sketch_want[c])
                ok = (st->sk[c] = mp_sketch_new()) != NULL;
    }
    if (ok && r->flow != FLOW_NONE && r->pass == PASS_SEGMENT)
        ok = (st->keys = calloc(1, sizeof *st->keys)) != NULL;
    if (!ok) {
        state_discard(r, st);
        mp_fail(err, MP_ENOMEM, "out of memory");
        return NULL;
    }
    if (r->labels_dir && r->pass == PASS_SEGMENT && !(st->out = mp_segment_labout_new(r->labels_dir, err))) {
        state_discard(r, st);
        return NULL;
    }
    return st;
}


static void pass_tick(void *ctx, uint64_t done, uint64_t total)
{
    struct seg_run *r = ctx;
    if (r->o->progress)
        r->o->progress(r->o->ctx, r->what, done, total);
}

/* ---- passes ---- */

static enum mp_status run_pass(struct seg_run *r, struct mp_csv_pass_result *res, mp_error *err)
{
    struct mp_csv_worker w = {r, state_open, mp_segment_row, state_discard, pass_tick};
    return mp_csv_pass_run(r->csv, r->jobs, &w, res, err);
}

/* The rows the segment pass skipped (--skip-bad), reported once by the caller after the
 * pass it keeps: not by the quantile pass, which skips the same rows, nor by a flow's pass
 * that is read again on one thread. */
static void report_bad(const struct seg_run *r, const struct mp_csv_pass_result *res)
{
    if (!r->o->warn || !res->bad)
        return;
    char msg[MP_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s: %llu bad row%s skipped", mp_csv_name(r->csv), (unsigned long long)res->bad,
             res->bad == 1 ? "" : "s");
    r->o->warn(r->o->ctx, msg);
    for (size_t i = 0; i < res->nsamples; i++)
        r->o->warn(r->o->ctx, res->bad_samples[i]);
}

/* The quantile first pass over the columns the rule asked for. */
static enum mp_status run_sketch(struct seg_run *r, mp_error *err)
{
    if (!r->sketch && !(r->sketch = calloc(r->ncols, sizeof *r->sketch)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    if (!(r->sketch_want = calloc(r->ncols, 1)))
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (int i = 0; i < r->jobs; i++)
        for (size_t c = 0; c < r->ncols; c++)
            r->sketch_want[c] |= mp_segment_slot_wants(r, i, c) && !r->sketch[c];
    mp_segment_slots_free(r);
    r->pass = PASS_SKETCH;
    const char *what = r->what;
    r->what = "quantiles";
    struct mp_csv_pass_result res;
    enum mp_status st = mp_segment_slots_open(r, err);
    if (st == MP_OK)
        st = run_pass(r, &res, err);
    r->what = what;
    r->pass = PASS_SEGMENT;
    if (st == MP_OK) {
        for (size_t c = 0; c < r->ncols && st == MP_OK; c++) {
            if (!r->sketch_want[c])
                continue;
            mp_sketch *m = mp_sketch_new();
            for (size_t i = 0; m && i < res.nstates; i++)
                if (mp_sketch_merge(m, ((struct seg_state *)res.states[i])->sk[c]) != 0) {
                    mp_sketch_free(m);
                    m = NULL;
                }
            if (!m || mp_sketch_freeze(m) != 0) {
                mp_sketch_free(m);
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            r->sketch[c] = m;
        }
        struct mp_csv_worker w = {r, state_open, mp_segment_row, state_discard, pass_tick};
        mp_csv_pass_free(&w, &res);
    }
    mp_segment_slots_free(r);
    free(r->sketch_want);
    r->sketch_want = NULL;
    return st;
}

static void run_free(struct seg_run *r)
{
    mp_segment_slots_free(r);
    if (r->sketch)
        for (size_t c = 0; c < r->ncols; c++)
            mp_sketch_free(r->sketch[c]);
    free(r->sketch);
    free(r->rule);
    free(r->overrides);
    mp_arena_free(&r->arena);
    mp_csv_close(r->csv);
    memset(r, 0, sizeof *r);
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static enum mp_status run_open(struct seg_run *r, const char *path, const mp_segment_opts *o, mp_error *err)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->path = path;
    r->jobs = o->jobs > 0 ? o->jobs : online_cpus();
    struct mp_csv_opts co = {.max_field = o->max_field, .skip_bad = o->skip_bad, .names = o->names, .nnames = o->nnames};
    enum mp_status st = mp_csv_open(path, &co, &r->csv, err);
    if (st)
        return st;
    r->ncols = mp_csv_ncols(r->csv);
    r->key = 0;
    if (o->key && (r->key = mp_csv_find(r->csv, o->key)) < 0) {
        char cols[400]; /* the header, as the rule errors list it */
        size_t used = 0;
        cols[0] = '\0';
        for (size_t c = 0; c < r->ncols; c++) {
            int w = snprintf(cols + used, sizeof cols - used, "%s%s", c ? ", " : "", mp_csv_colname(r->csv, c));
            if (w < 0 || (size_t)w >= sizeof cols - used - 6) {
                snprintf(cols + (used < sizeof cols - 6 ? used : sizeof cols - 6), 6, ", ...");
                break;
            }
            used += (size_t)w;
        }
        st = mp_fail(err, MP_EUSAGE, "%s: no key column '%s' (the header has: %s)", mp_csv_name(r->csv), o->key, cols);
        run_free(r);
        return st;
    }
    if ((st = mp_segment_params(r, err)) != MP_OK) {
        run_free(r);
        return st;
    }
    r->what = mp_csv_name(r->csv);
    return MP_OK;
}

/* Segment the open file; on success *res holds the range states in file order. */
static enum mp_status run_segment(struct seg_run *r, struct mp_csv_pass_result *res, mp_error *err)
{
    for (;;) {
        enum mp_status st = mp_segment_slots_open(r, err);
        if (st)
            return st;
        atomic_store(&r->restart, 0);
        st = run_pass(r, res, err);
        if (st == MP_OK || !atomic_load(&r->restart))
            return st;
        /* A rule asked for quantiles: a first pass over the file computes them. */
        const char *name = mp_csv_name(r->csv);
        int is_stdin = strcmp(name, "<stdin>") == 0;
        if (is_stdin || mp_csv_is_stream(r->csv))
            return mp_fail(err, MP_EUSAGE, "%s: segmenter '%s' uses mplan.quantile, which needs a first pass "
                           "over the input: %s%s: give a file, or pass the edges as params", r->rule, r->o->rule,
                           is_stdin ? "standard input" : name,
                           is_stdin ? " is read only once" : " is a pipe or FIFO, read only once");
        st = run_sketch(r, err);
        if (st)
            return st;
    }
}

static enum mp_status merge_states(struct seg_run *r, const struct mp_csv_pass_result *res,
                                   mp_seg_summary **out, mp_error *err)
{
    const char **cols = malloc((r->ncols ? r->ncols : 1) * sizeof *cols);
    if (!cols)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t c = 0; c < r->ncols; c++)
        cols[c] = mp_csv_colname(r->csv, c);
    mp_seg_summary *s = mp_seg_new(cols, r->ncols, r->key);
    free(cols);
    if (!s || !(s->rule = strdup(r->rule))) {
        mp_seg_free(s);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < res->nstates; i++) {
        enum mp_status st = mp_seg_merge(s, ((struct seg_state *)res->states[i])->sum, err);
        if (st) {
            mp_seg_free(s);
            return st;
        }
    }
    s->bad = res->bad;
    *out = s;
    return MP_OK;
}

/* Join the ranges' label files behind a header into the --labels file. */
static enum mp_status write_labels(struct seg_run *r, const struct mp_csv_pass_result *res, mp_error *err)
{
    uint64_t with = 0, without = 0;
    for (size_t i = 0; i < res->nstates; i++) {
        struct seg_labout *o = ((struct seg_state *)res->states[i])->out;
        if (mp_segment_labout_flush(o) != 0)
            return mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(o->err));
        if (o->score_line && !with)
            with = res->line_base[i] + o->score_line - 1;
        if (o->plain_line && !without)
            without = res->line_base[i] + o->plain_line - 1;
    }
    if (with && without)
        return mp_fail(err, MP_ESCRIPT, "%s: segmenter '%s' returned a score for some rows and not for others "
                       "(%s:%llu has one, %s:%llu not): return one always or never", r->rule, r->o->rule,
                       mp_csv_name(r->csv), (unsigned long long)with, mp_csv_name(r->csv),
                       (unsigned long long)without);
    struct mp_out out;
    enum mp_status st = mp_out_open(&out, r->o->labels, err);
    if (st)
        return st;
    fprintf(out.fp, "%s,label%s\n", mp_csv_colname(r->csv, (size_t)r->key), with ? ",score" : "");
    char *buf = malloc(1 << 20);
    for (size_t i = 0; buf && i < res->nstates && st == MP_OK; i++) {
        struct seg_labout *o = ((struct seg_state *)res->states[i])->out;
        if (lseek(o->fd, 0, SEEK_SET) != 0) {
            st = mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(errno));
            break;
        }
        ssize_t n;
        while ((n = read(o->fd, buf, 1 << 20)) > 0)
            if (fwrite(buf, 1, (size_t)n, out.fp) != (size_t)n) {
                st = mp_fail(err, MP_EIO, "%s: write failed: %s", r->o->labels, strerror(errno));
                break;
            }
        if (n < 0)
            st = mp_fail(err, MP_EIO, "%s: temporary file: %s", r->labels_dir, strerror(errno));
    }
    if (!buf)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    free(buf);
    return mp_out_finish(&out, st, err);
}

/* The directory of `path`, for temporary files beside it. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static enum mp_status segment_file(struct seg_run *r, const char *path, const mp_segment_opts *o,
                                   enum flow_mode flow, struct mp_csv_pass_result *res,
                                   mp_seg_summary **out, mp_error *err)
{
    memset(res, 0, sizeof *res);
    enum mp_status st = run_open(r, path, o, err);
    if (st)
        return st;
    r->flow = flow;
    char *dir = NULL;
    if (o->labels && flow != FLOW_COLLECT) {
        if (!(dir = dir_of(o->labels))) {
            run_free(r);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        r->labels_dir = dir;
    }
    st = run_segment(r, res, err);
    if (st == MP_OK) {
        report_bad(r, res);
        st = merge_states(r, res, out, err);
    }
    if (st == MP_OK && r->labels_dir) {
        st = write_labels(r, res, err);
        if (st) {
            mp_seg_free(*out);
            *out = NULL;
        }
    }
    if (st != MP_OK) {
        struct mp_csv_worker w = {r, state_open, mp_segment_row, state_discard, pass_tick};
        mp_csv_pass_free(&w, res);
    }
    free(dir);
    r->labels_dir = NULL;
    return st;
}

static void states_free(struct seg_run *r, struct mp_csv_pass_result *res)
{
    struct mp_csv_worker w = {r, state_open, mp_segment_row, state_discard, pass_tick};
    mp_csv_pass_free(&w, res);
}

enum mp_status mp_segment_run(const char *path, const mp_segment_opts *o, mp_seg_summary **out,
                              mp_error *err)
{
    *out = NULL;
    struct seg_run r;
    struct mp_csv_pass_result res;
    enum mp_status st = segment_file(&r, path, o, FLOW_NONE, &res, out, err);
    if (st == MP_OK)
        states_free(&r, &res);
    run_free(&r);
    return st;
}

/* ---- flow ---- */

struct dup {
    uint64_t first, again; /* lines; again 0 when unknown */
    const char *key;
    size_t len;
};

static void note_dup(struct dup *d, uint64_t first, uint64_t again, const char *key, size_t len)
{
    if (!d->key || first < d->first) {
        d->first = first;
        d->again = again;
        d->key = key;
        d->len = len;
    }
}

static enum mp_status dup_error(const struct dup *d, const char *file, const char *keycol, mp_error *err)
{
    if (d->again)
        return mp_fail(err, MP_EINPUT, "%s:%llu: customer %s '%.*s' is also on line %llu", file,
                       (unsigned long long)d->again, keycol, (int)d->len, d->key, (unsigned long long)d->first);
    return mp_fail(err, MP_EINPUT, "%s:%llu: customer %s '%.*s' is on more than one row", file,
                   (unsigned long long)d->first, keycol, (int)d->len, d->key);
}

/* Local label index of a range -> index in the merged summary. */
static uint32_t *label_map(const mp_seg_summary *local, mp_seg_summary *merged)
{
    uint32_t *m = calloc(local->nlabels ? local->nlabels : 1, sizeof *m);
    for (size_t l = 0; m && l < local->nlabels; l++)
        m[l] = (uint32_t)mp_seg_label(merged, local->labels[l].name, local->labels[l].len);
    return m;
}

/* Put every collected key into `map`, in file order, labels mapped to `merged`. */
static enum mp_status put_keys(const struct mp_csv_pass_result *res, mp_seg_summary *merged, mp_keymap *map,
                               struct dup *dup, mp_error *err)
{
    for (size_t i = 0; i < res->nstates; i++) {
        const struct seg_state *st = res->states[i];
        uint32_t *lm = label_map(st->sum, merged);
        if (!lm)
            return mp_fail(err, MP_ENOMEM, "out of memory");
        for (size_t k = 0; k < st->keys->n; k++) {
            const struct seg_keyrow *kr = &st->keys->rows[k];
            int d;
            const char *key = st->keys->bytes + kr->off;
            uint64_t line = res->line_base[i] + kr->line - 1;
            struct mp_key_entry *e = mp_keymap_put(map, key, kr->len, lm[kr->label], line, &d);
            if (!e) {
                free(lm);
                return mp_fail(err, MP_ENOMEM, "out of memory");
            }
            if (d && !dup->key)
                note_dup(dup, e->line, line, e->key, e->len);
        }
        free(lm);
    }
    return MP_OK;
}

/* Segment BEFORE and put its customers in `map`, labels indexed as in *sb. */
static enum mp_status flow_before(const char *path, const mp_segment_opts *o, mp_keymap *map,
                                  mp_seg_summary **sb, mp_error *err)
{
    struct seg_run r;
    struct mp_csv_pass_result res;
    enum mp_status st = segment_file(&r, path, o, FLOW_COLLECT, &res, sb, err);
    if (st == MP_OK) {
        struct dup dup = {0};
        st = put_keys(&res, *sb, map, &dup, err);
        if (st == MP_OK && dup.key)
            st = dup_error(&dup, mp_csv_name(r.csv), mp_csv_colname(r.csv, (size_t)r.key), err);
        states_free(&r, &res);
    }
    run_free(&r);
    return st;
}

/* Segment AFTER on r (opened) with every thread looking its customers up in the before map,
 * which nothing else writes while it runs but the atomic match marks. */
static enum mp_status flow_after(struct seg_run *r, mp_keymap *map, struct mp_csv_pass_result *res,
                                 mp_error *err)
{
    enum mp_status st = run_segment(r, res, err);
    if (st == MP_OK && res->redone) {
        /* A range read twice marked its matches twice: clear the marks and read the file
         * again on one thread (only when a cut fell inside a quoted field). */
        states_free(r, res);
        mp_segment_slots_free(r);
        for (size_t i = 0; i < mp_keymap_count(map); i++) {
            mp_keymap_at(map, i)->seen = 0;
            mp_keymap_at(map, i)->seen_line = UINT64_MAX;
        }
        r->jobs = 1;
        st = run_segment(r, res, err);
    }
    if (st == MP_OK)
        report_bad(r, res);
    return st;
}

/* A key on two rows of AFTER: new keys repeated (in `fresh`), or before keys matched twice. */
static enum mp_status flow_repeats(const struct seg_run *r, const struct mp_csv_pass_result *res,
                                   mp_seg_summary *sa, const mp_keymap *map, mp_keymap *fresh,
                                   mp_error *err)
{
    struct dup dup = {0};
    enum mp_status st = put_keys(res, sa, fresh, &dup, err);
    if (st)
        return st;
    for (size_t i = 0; i < mp_keymap_count(map); i++) {
        const struct mp_key_entry *e = mp_keymap_at(map, i);
        if (e->seen > 1)
            note_dup(&dup, res->line_base[e->seen_line >> MP_SEG_RANGE_SHIFT] + (e->seen_line & ((1ull << MP_SEG_RANGE_SHIFT) - 1)) - 1,
                     0, e->key, e->len);
    }
    return dup.key ? dup_error(&dup, mp_csv_name(r->csv), mp_csv_colname(r->csv, (size_t)r->key), err) : MP_OK;
}

/* The matrix: matches counted by the ranges, new customers, and before customers never
 * matched (gone). */
static enum mp_status flow_matrix(const struct mp_csv_pass_result *res, mp_seg_summary *sb,
                                  mp_seg_summary *sa, const mp_keymap *map, const mp_keymap *fresh,
                                  mp_seg_flow **out, mp_error *err)
{
    mp_seg_flow *f = mp_seg_flow_new(sb->nlabels, sa->nlabels);
    if (!f)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    size_t na = f->na, nb = f->nb;
    for (size_t i = 0; i < res->nstates; i++) {
        const struct seg_state *s = res->states[i];
        uint32_t *lm = label_map(s->sum, sa);
        if (!lm) {
            mp_seg_flow_free(f);
            return mp_fail(err, MP_ENOMEM, "out of memory");
        }
        for (size_t b = 0; b < nb; b++)
            for (size_t a = 0; a < s->facap && a < s->sum->nlabels; a++)
                f->count[b * (na + 1) + lm[a]] += s->fcount[b * s->facap + a];
        free(lm);
    }
    for (size_t i = 0; i < mp_keymap_count(fresh); i++)
        f->count[nb * (na + 1) + mp_keymap_at(fresh, i)->label]++;
    for (size_t i = 0; i < mp_keymap_count(map); i++) {
        const struct mp_key_entry *e = mp_keymap_at(map, i);
        if (!e->seen)
            f->count[e->label * (na + 1) + na]++;
    }
    *out = f;
    return MP_OK;
}

enum mp_status mp_segment_flow(const char *before, const char *after, const mp_segment_opts *o,
                               mp_seg_summary **sb, mp_seg_summary **sa, mp_seg_flow **flow,
                               mp_error *err)
{
    *sb = *sa = NULL;
    *flow = NULL;
    mp_keymap *map = mp_keymap_new(), *fresh = mp_keymap_new();
    enum mp_status st = map && fresh ? flow_before(before, o, map, sb, err) : mp_fail(err, MP_ENOMEM, "out of memory");
    struct seg_run r;
    struct mp_csv_pass_result res;
    memset(&res, 0, sizeof res);
    if (st == MP_OK && (st = run_open(&r, after, o, err)) == MP_OK) {
        char *dir = o->labels ? dir_of(o->labels) : NULL;
        r.flow = FLOW_PROBE;
        r.before = map;
        r.nb = (*sb)->nlabels;
        r.labels_dir = dir;
        st = flow_after(&r, map, &res, err);
        if (st == MP_OK)
            st = merge_states(&r, &res, sa, err);
        if (st == MP_OK && r.labels_dir)
            st = write_labels(&r, &res, err);
        if (st == MP_OK)
            st = flow_repeats(&r, &res, *sa, map, fresh, err);
        if (st == MP_OK)
            st = flow_matrix(&res, *sb, *sa, map, fresh, flow, err);
        states_free(&r, &res);
        free(dir);
        r.labels_dir = NULL;
        run_free(&r);
    }
    mp_keymap_free(map);
    mp_keymap_free(fresh);
    if (st) {
        mp_seg_free(*sb);
        mp_seg_free(*sa);
        *sb = *sa = NULL;
    }
    return st;
}

/* ---- plans ---- */

/* Bad rows of a plan's segments.from (skip_bad: true) become warnings of the plan. */
static void plan_warn(void *ctx, const char *msg)
{
    mp_plan_warn(ctx, "segments: %s", msg);
}

enum mp_status mp_segment_plan(mp_plan *plan, int jobs, const mp_host_limits *limits, mp_error *err)
{
    return mp_segment_plan_keep(plan, jobs, limits, NULL, err);
}

enum mp_status mp_segment_plan_keep(mp_plan *plan, int jobs, const mp_host_limits *limits,
                                    mp_seg_summary **summary, mp_error *err)
{
    if (summary)
        *summary = NULL;
    if (!plan->segments_from)
        return MP_OK;
    const char *seg = plan->segments_segmenter;
    const char *dot = seg ? strchr(seg, '.') : NULL;
    if (!dot)
        return mp_fail(err, MP_EINPUT, "%s: segments.segmenter must be PACK.NAME", plan->file);
    /* The pack named PACK (by its pack.yaml) among the plan's packs. */
    const struct mp_pack_ref *ref = NULL;
    char *pack = NULL;
    size_t index = 0;
    for (size_t i = 0; i < plan->npacks && !ref; i++) {
        char *dir = mp_arena_strdup(&plan->arena, plan->packs[i].dir);
        struct mp_manifest man;
        if (!dir)
            return mp_fail(err, MP_ENOMEM, "out of memory");
        enum mp_status st = mp_manifest_load(dir, &man, err);
        if (st)
            return st;
        if (strlen(man.name) == (size_t)(dot - seg) && strncmp(man.name, seg, (size_t)(dot - seg)) == 0) {
            ref = &plan->packs[i];
            pack = dir;
            index = i;
        }
        mp_manifest_free(&man);
    }
    if (!ref)
        return mp_fail(err, MP_EINPUT, "%s: segments.segmenter '%s': no pack '%.*s' among the plan's packs",
                       plan->file, seg, (int)(dot - seg), seg);
    char *from = plan->segments_from[0] == '/' ? mp_arena_strdup(&plan->arena, plan->segments_from)
                                              : mp_arena_printf(&plan->arena, "%s/%s", plan->dir, plan->segments_from);
    char **params = calloc(ref->nparams + 1, sizeof *params);
    enum mp_status st = MP_OK;
    if (!from || !pack || !params)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    for (size_t i = 0; st == MP_OK && i < ref->nparams; i++) {
        const struct mp_param *p = &ref->params[i];
        if (p->type == MP_PARAM_LIST) { /* NAME=a,b,c as --param takes it */
            params[i] = mp_arena_printf(&plan->arena, "%s=", p->name);
            for (size_t k = 0; params[i] && k < p->nitems; k++) {
                const struct mp_param *it = &p->items[k];
                params[i] = it->type == MP_PARAM_NUMBER
                                ? mp_arena_printf(&plan->arena, "%s%s%.17g", params[i], k ? "," : "", it->num)
                                : mp_arena_printf(&plan->arena, "%s%s%s", params[i], k ? "," : "",
                                                  it->type == MP_PARAM_BOOL ? (it->boolean ? "true" : "false") : it->str);
            }
            if (!params[i])
                st = mp_fail(err, MP_ENOMEM, "out of memory");
            continue;
        }
        params[i] = p->type == MP_PARAM_NUMBER ? mp_arena_printf(&plan->arena, "%s=%.17g", p->name, p->num)
                    : p->type == MP_PARAM_BOOL ? mp_arena_printf(&plan->arena, "%s=%s", p->name, p->boolean ? "true" : "false")
                                               : mp_arena_printf(&plan->arena, "%s=%s", p->name, p->str);
        if (!params[i])
            st = mp_fail(err, MP_ENOMEM, "out of memory");
    }
    mp_seg_summary *s = NULL;
    if (st == MP_OK) {
        mp_segment_opts o = {0};
        o.pack = pack;
        o.rule = dot + 1;
        o.params = (const char *const *)params;
        o.nparams = ref->nparams;
        o.jobs = jobs;
        o.params_from = plan->file;
        /* The run's own limits (--max-mem, --timeout) first, as for every other hook. */
        mp_host_limits none = {0, 0, 0};
        const mp_host_limits *given = limits ? limits : &none;
        o.limits.max_steps = given->max_steps > 0 ? given->max_steps : plan->limits.max_steps;
        o.limits.max_mem = given->max_mem > 0 ? given->max_mem : plan->limits.max_mem;
        o.limits.timeout = given->timeout > 0 ? given->timeout : plan->limits.timeout;
        o.lock_plan = plan;
        o.lock_pack = index;
        o.skip_bad = plan->segments_skip_bad;
        o.warn = plan_warn;
        o.ctx = plan;
        st = mp_segment_run(from, &o, &s, err);
    }
    if (st == MP_OK) {
        size_t *order = calloc(s->nlabels ? s->nlabels : 1, sizeof *order);
        struct mp_segment_size *sizes = mp_arena_array(&plan->arena, s->nlabels ? s->nlabels : 1, sizeof *sizes);
        if (!order || !sizes) {
            st = mp_fail(err, MP_ENOMEM, "out of memory");
        } else {
            mp_seg_order(s, order);
            for (size_t i = 0; i < s->nlabels && st == MP_OK; i++) {
                sizes[i].label = mp_arena_strndup(&plan->arena, s->labels[order[i]].name, s->labels[order[i]].len);
                sizes[i].size = (double)s->labels[order[i]].count;
                if (!sizes[i].label)
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
            }
            if (st == MP_OK) {
                plan->segments = sizes;
                plan->nsegments = s->nlabels;
            }
        }
        free(order);
    }
    if (st == MP_OK && summary)
        *summary = s;
    else
        mp_seg_free(s);
    free(params);
    return st;
}
