/* Segment summaries and flows: see core/segment.h. */
#include "core/segment.h"
#include "core/escape.h"
#include "mplan/segment.h" /* declares mp_seg_free and mp_seg_flow_free MP_API, exported */

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact sums ---- */

#define DIGIT 4294967296.0 /* 2^32 */

/* Carry so that every limb but the top one is a digit in [0, 2^32). Relies on >> of a
 * negative int64 being an arithmetic shift, as on every compiler mplan builds with. */
static void xsum_carry(struct mp_xsum *x)
{
    for (int i = 0; i < MP_XSUM_LIMBS - 1; i++) {
        int64_t c = x->limb[i] >> 32;
        x->limb[i] = (int64_t)((uint64_t)x->limb[i] & 0xFFFFFFFFu);
        x->limb[i + 1] += c;
    }
    x->adds = 0;
}

/* x += v * 2^(32 * shift): 0, or -1 when that lies beyond the accumulator. */
static int xsum_add_at(struct mp_xsum *x, double v, unsigned shift)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    unsigned e = (unsigned)(bits >> 52) & 0x7FF;
    uint64_t m = bits & ((1ull << 52) - 1);
    if (e == 0x7FF || (e == 0 && m == 0))
        return 0; /* callers never pass inf or nan; zero adds nothing */
    if (e)
        m |= 1ull << 52;
    /* v = m * 2^(p - 1074) with p the position of m's lowest bit. */
    unsigned p = e ? e - 1 : 0;
    unsigned i = (p >> 5) + shift, s = p & 31;
    int64_t d[3] = {(int64_t)(uint32_t)(m << s), (int64_t)(uint32_t)((m << s) >> 32),
                    s ? (int64_t)(m >> (64 - s)) : 0};
    for (unsigned j = 0; j < 3; j++)
        if (d[j] && i + j >= MP_XSUM_LIMBS)
            return -1;
    for (unsigned j = 0; j < 3 && i + j < MP_XSUM_LIMBS; j++)
        x->limb[i + j] += bits >> 63 ? -d[j] : d[j];
    /* Each add moves a limb by less than 2^32: 2^30 adds keep clear of int64 overflow. */
    if (++x->adds >= (1u << 30))
        xsum_carry(x);
    return 0;
}

void mp_xsum_add(struct mp_xsum *x, double v)
{
    xsum_add_at(x, v, 0); /* p >> 5 <= 63: always inside */
}

void mp_xsum_add_xsum(struct mp_xsum *x, const struct mp_xsum *y)
{
    struct mp_xsum t = *y;
    xsum_carry(&t);
    xsum_carry(x);
    for (int i = 0; i < MP_XSUM_LIMBS; i++)
        x->limb[i] += t.limb[i];
    x->adds = 1;
}

static int xsum_is_zero(const struct mp_xsum *x)
{
    for (int i = 0; i < MP_XSUM_LIMBS; i++)
        if (x->limb[i])
            return 0;
    return 1;
}

double mp_xsum_round(const struct mp_xsum *x)
{
    struct mp_xsum t = *x;
    xsum_carry(&t);
    int neg = t.limb[MP_XSUM_LIMBS - 1] < 0;
    if (neg) {
        for (int i = 0; i < MP_XSUM_LIMBS; i++)
            t.limb[i] = -t.limb[i];
        xsum_carry(&t);
    }
    int h = MP_XSUM_LIMBS - 1;
    while (h >= 0 && t.limb[h] == 0)
        h--;
    if (h < 0)
        return 0.0;
    double r;
    if (h <= 1) {
        /* Below 2^-1010: an integer count of 2^-1074 under 2^64; converting it rounds once
         * and scaling it is exact. */
        uint64_t k = (uint64_t)t.limb[1] << 32 | (uint64_t)t.limb[0];
        r = ldexp((double)k, -1074);
    } else if (t.limb[h] >= (int64_t)1 << 32) {
        r = INFINITY; /* only the top limb can exceed a digit: far beyond DBL_MAX */
    } else {
        uint64_t hi = (uint64_t)t.limb[h] << 32 | (uint64_t)t.limb[h - 1];
        uint32_t lo = (uint32_t)t.limb[h - 2];
        int sticky = 0;
        for (int i = 0; i < h - 2; i++)
            sticky |= t.limb[i] != 0;
        int lz = __builtin_clzll(hi); /* hi >= 2^32, so lz <= 31 */
        if (lz) {
            hi = hi << lz | (uint64_t)lo >> (32 - lz);
            sticky |= (uint32_t)(lo << lz) != 0;
        } else {
            sticky |= lo != 0;
        }
        /* hi holds the top 64 bits, its lowest at 2^(32(h-1) - 1074 - lz); keep 53. */
        uint64_t mant = hi >> 11;
        int round = (hi >> 10) & 1;
        sticky |= (hi & 0x3FF) != 0;
        if (round && (sticky || (mant & 1)))
            mant++;
        r = ldexp((double)mant, 32 * (h - 1) - 1074 - lz + 11);
    }
    return neg ? -r : r;
}

int mp_xsum_parts(const struct mp_xsum *x, double *parts, int n)
{
    struct mp_xsum t = *x;
    int k = 0;
    while (k < n && !xsum_is_zero(&t)) {
        double d = mp_xsum_round(&t);
        if (!isfinite(d))
            return -1;
        parts[k++] = d;
        mp_xsum_add(&t, -d);
        xsum_carry(&t);
    }
    return k;
}

int mp_xsum_add_scaled(struct mp_xsum *x, double v)
{
    return xsum_add_at(x, v, MP_XSUM_SPLIT);
}

void mp_xsum_split(const struct mp_xsum *x, struct mp_xsum *low, struct mp_xsum *high)
{
    struct mp_xsum t = *x;
    xsum_carry(&t); /* digits below the top in [0, 2^32): low >= 0, the sign is high's */
    memset(low, 0, sizeof *low);
    memset(high, 0, sizeof *high);
    for (int i = 0; i < MP_XSUM_LIMBS; i++) {
        if (i < MP_XSUM_SPLIT)
            low->limb[i] = t.limb[i];
        else
            high->limb[i - MP_XSUM_SPLIT] = t.limb[i];
    }
}

/* An int64 as two exactly representable doubles. */
static void xsum_add_int(struct mp_xsum *x, int64_t v)
{
    int64_t hi = v / (1ll << 32) * (1ll << 32);
    mp_xsum_add(x, (double)hi);
    mp_xsum_add(x, (double)(v - hi));
}

/* ---- summaries ---- */

static struct mp_xsum *acc_xsum(struct mp_seg_acc *a)
{
    if (!a->x)
        a->x = calloc(1, sizeof *a->x);
    return a->x;
}

int mp_seg_spill(struct mp_seg_acc *a, int64_t v)
{
    struct mp_xsum *x = acc_xsum(a);
    if (!x)
        return -1;
    xsum_add_int(x, a->isum);
    a->isum = v;
    return 0;
}

int mp_seg_add_real(struct mp_seg_acc *a, double v)
{
    struct mp_xsum *x = acc_xsum(a);
    if (!x)
        return -1;
    a->n++;
    mp_xsum_add(x, v);
    return 0;
}

int mp_seg_add_scaled(struct mp_seg_acc *a, double v)
{
    struct mp_xsum *x = acc_xsum(a);
    if (!x)
        return -1;
    return mp_xsum_add_scaled(x, v) ? -2 : 0;
}

mp_seg_summary *mp_seg_new(const char *const *cols, size_t ncols, long key)
{
    mp_seg_summary *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cols = calloc(ncols ? ncols : 1, sizeof *s->cols);
    if (!s->cols) {
        free(s);
        return NULL;
    }
    s->ncols = ncols;
    s->key = key;
    for (size_t i = 0; i < ncols; i++)
        if (!(s->cols[i] = strdup(cols[i]))) {
            mp_seg_free(s);
            return NULL;
        }
    return s;
}

void mp_seg_free(mp_seg_summary *s)
{
    if (!s)
        return;
    for (size_t l = 0; l < s->nlabels; l++) {
        for (size_t c = 0; c < s->ncols; c++)
            free(s->labels[l].acc[c].x);
        free(s->labels[l].acc);
        free(s->labels[l].name);
    }
    free(s->labels);
    free(s->rule);
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i]);
    free(s->cols);
    free(s->hidden);
    free(s);
}

long mp_seg_label(mp_seg_summary *s, const char *name, size_t len)
{
    for (size_t l = 0; l < s->nlabels; l++)
        if (s->labels[l].len == len && memcmp(s->labels[l].name, name, len) == 0)
            return (long)l;
    if (s->nlabels >= MP_SEG_MAX_LABELS)
        return -2;
    if (s->nlabels == s->caplabels) {
        size_t cap = s->caplabels ? 2 * s->caplabels : 8;
        struct mp_seg_label *nl = realloc(s->labels, cap * sizeof *nl);
        if (!nl)
            return -1;
        s->labels = nl;
        s->caplabels = cap;
    }
    struct mp_seg_label *lb = &s->labels[s->nlabels];
    memset(lb, 0, sizeof *lb);
    lb->name = malloc(len + 1);
    lb->acc = calloc(s->ncols ? s->ncols : 1, sizeof *lb->acc);
    if (!lb->name || !lb->acc) {
        free(lb->name);
        free(lb->acc);
        return -1;
    }
    memcpy(lb->name, name, len);
    lb->name[len] = 0;
    lb->len = len;
    return (long)s->nlabels++;
}

/* *a += b for the counts of a summary, which are written as JSON integers: -1 (and *a
 * unchanged) past INT64_MAX. */
static int count_add(uint64_t *a, uint64_t b)
{
    if (*a > (uint64_t)INT64_MAX || b > (uint64_t)INT64_MAX - *a)
        return -1;
    *a += b;
    return 0;
}

enum mp_status mp_seg_merge(mp_seg_summary *dst, const mp_seg_summary *src, mp_error *err)
{
    size_t *map = calloc(src->ncols ? src->ncols : 1, sizeof *map);
    if (!map)
        return mp_fail(err, MP_ENOMEM, "out of memory");
    enum mp_status st = MP_OK;
    char nb[128], lb[128]; /* a column's and a label's name quoted in a message */
    if (src->rule && dst->rule && strcmp(src->rule, dst->rule) != 0)
        st = mp_fail(err, MP_EINPUT, "the summaries come from different segmenters ('%s' and '%s')",
                     mp_esc_name(dst->rule, lb, sizeof lb), mp_esc_name(src->rule, nb, sizeof nb));
    else if (src->ncols != dst->ncols)
        st = mp_fail(err, MP_EINPUT, "the summaries have %zu and %zu columns", dst->ncols, src->ncols);
    for (size_t c = 0; st == MP_OK && c < src->ncols; c++) {
        size_t d = 0;
        while (d < dst->ncols && strcmp(dst->cols[d], src->cols[c]) != 0)
            d++;
        if (d == dst->ncols)
            st = mp_fail(err, MP_EINPUT, "column '%s' is not in every summary",
                         mp_esc_name(src->cols[c], nb, sizeof nb));
        map[c] = d;
    }
    for (size_t l = 0; st == MP_OK && l < src->nlabels; l++) {
        const struct mp_seg_label *sl = &src->labels[l];
        long dl = mp_seg_label(dst, sl->name, sl->len);
        if (dl < 0) {
            st = dl == -2 ? mp_fail(err, MP_EINPUT, "more than %d labels", MP_SEG_MAX_LABELS)
                          : mp_fail(err, MP_ENOMEM, "out of memory");
            break;
        }
        struct mp_seg_label *tl = &dst->labels[dl];
        if (count_add(&tl->count, sl->count)) {
            st = mp_fail(err, MP_EINPUT, "label '%s': count adds up past 2^63-1",
                         mp_esc_name(sl->name, lb, sizeof lb));
            break;
        }
        for (size_t c = 0; st == MP_OK && c < src->ncols; c++) {
            const struct mp_seg_acc *a = &sl->acc[c];
            struct mp_seg_acc *b = &tl->acc[map[c]];
            uint64_t n = b->n, sum = n;
            int wrap_n = count_add(&sum, a->n);
            if (wrap_n || count_add(&b->text, a->text)) {
                st = mp_fail(err, MP_EINPUT, "label '%s': column '%s': %s adds up past 2^63-1",
                             mp_esc_name(sl->name, lb, sizeof lb), mp_esc_name(src->cols[c], nb, sizeof nb),
                             wrap_n ? "n" : "text");
                break;
            }
            if (a->isum && mp_seg_add_int(b, a->isum) != 0)
                st = mp_fail(err, MP_ENOMEM, "out of memory");
            if (a->x) {
                struct mp_xsum *x = acc_xsum(b);
                if (x)
                    mp_xsum_add_xsum(x, a->x);
                else
                    st = mp_fail(err, MP_ENOMEM, "out of memory");
            }
            b->n = n + a->n;
        }
    }
    if (st == MP_OK && count_add(&dst->bad, src->bad))
        st = mp_fail(err, MP_EINPUT, "'bad_rows' adds up past 2^63-1");
    free(map);
    return st;
}

uint64_t mp_seg_rows(const mp_seg_summary *s)
{
    uint64_t n = 0;
    for (size_t l = 0; l < s->nlabels; l++)
        n += s->labels[l].count;
    return n;
}

uint64_t mp_seg_text(const mp_seg_summary *s, size_t c)
{
    uint64_t n = 0;
    for (size_t l = 0; l < s->nlabels; l++)
        n += s->labels[l].acc[c].text;
    return n;
}

long mp_seg_select(mp_seg_summary *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < s->ncols && strcmp(s->cols[c], names[i]) != 0)
            c++;
        if (c == s->ncols || !mp_seg_numeric(s, c))
            return (long)i;
    }
    if (!s->hidden && !(s->hidden = malloc(s->ncols + 1)))
        return -2;
    memset(s->hidden, 1, s->ncols);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < s->ncols; c++)
            if (strcmp(s->cols[c], names[i]) == 0)
                s->hidden[c] = 0;
    return -1;
}

int mp_seg_shown(const mp_seg_summary *s, size_t c)
{
    return mp_seg_numeric(s, c) && !(s->hidden && s->hidden[c]);
}

int mp_seg_numeric(const mp_seg_summary *s, size_t c)
{
    if ((long)c == s->key)
        return 0;
    uint64_t n = 0;
    for (size_t l = 0; l < s->nlabels; l++)
        n += s->labels[l].acc[c].n;
    return n > 0 && mp_seg_text(s, c) == 0;
}

void mp_seg_exact(const mp_seg_summary *s, size_t label, size_t c, struct mp_xsum *out)
{
    const struct mp_seg_acc *a = &s->labels[label].acc[c];
    if (a->x)
        *out = *a->x;
    else
        memset(out, 0, sizeof *out);
    xsum_add_int(out, a->isum);
}

double mp_seg_sum(const mp_seg_summary *s, size_t label, size_t c)
{
    const struct mp_seg_acc *a = &s->labels[label].acc[c];
    if (!a->x)
        return (double)a->isum; /* rounds once, like the exact path */
    struct mp_xsum x;
    mp_seg_exact(s, label, c, &x);
    return mp_xsum_round(&x);
}

double mp_seg_mean(const mp_seg_summary *s, size_t label, size_t c)
{
    uint64_t n = s->labels[label].acc[c].n;
    return n ? mp_seg_sum(s, label, c) / (double)n : NAN;
}

double mp_seg_total_sum(const mp_seg_summary *s, size_t c)
{
    struct mp_xsum t, x;
    memset(&t, 0, sizeof t);
    for (size_t l = 0; l < s->nlabels; l++) {
        mp_seg_exact(s, l, c, &x);
        mp_xsum_add_xsum(&t, &x);
    }
    return mp_xsum_round(&t);
}

uint64_t mp_seg_total_n(const mp_seg_summary *s, size_t c)
{
    uint64_t n = 0;
    for (size_t l = 0; l < s->nlabels; l++)
        n += s->labels[l].acc[c].n;
    return n;
}

double mp_seg_total_mean(const mp_seg_summary *s, size_t c)
{
    uint64_t n = mp_seg_total_n(s, c);
    return n ? mp_seg_total_sum(s, c) / (double)n : NAN;
}

static int aipl_rank(const struct mp_seg_label *l)
{
    static const char stages[] = "AIPL";
    if (l->len != 1)
        return 4;
    const char *p = strchr(stages, l->name[0]);
    return p && l->name[0] ? (int)(p - stages) : 4;
}

static int order_before(const struct mp_seg_label *x, const struct mp_seg_label *y)
{
    int rx = aipl_rank(x), ry = aipl_rank(y);
    if (rx != ry)
        return rx < ry;
    if (x->count != y->count)
        return x->count > y->count;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c < 0 : x->len < y->len;
}

void mp_seg_order(const mp_seg_summary *s, size_t *order)
{
    /* Insertion sort: labels are few (at most MP_SEG_MAX_LABELS). */
    for (size_t i = 0; i < s->nlabels; i++) {
        size_t j = i;
        while (j > 0 && order_before(&s->labels[i], &s->labels[order[j - 1]])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

/* ---- key map ---- */

#define ENTRY_BLOCK 4096
#define KEY_BLOCK (256u * 1024u)

struct key_block {
    struct key_block *next;
    size_t used, size;
    char data[];
};

struct mp_keymap {
    struct mp_key_entry **blocks; /* entries in blocks of ENTRY_BLOCK, never moved */
    size_t nblocks, capblocks, count;
    uint32_t *slot;               /* open addressing: entry index + 1, 0 empty */
    size_t nslots;                /* power of two */
    struct key_block *keys;
};

static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: keys are short ids */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

mp_keymap *mp_keymap_new(void)
{
    mp_keymap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nslots = 1024;
    m->slot = calloc(m->nslots, sizeof *m->slot);
    if (!m->slot) {
        free(m);
        return NULL;
    }
    return m;
}

void mp_keymap_free(mp_keymap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nblocks; i++)
        free(m->blocks[i]);
    free(m->blocks);
    free(m->slot);
    for (struct key_block *b = m->keys, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(m);
}

size_t mp_keymap_count(const mp_keymap *m)
{
    return m->count;
}

struct mp_key_entry *mp_keymap_at(const mp_keymap *m, size_t i)
{
    return &m->blocks[i / ENTRY_BLOCK][i % ENTRY_BLOCK];
}

static size_t find_slot(const mp_keymap *m, const char *key, size_t len)
{
    size_t mask = m->nslots - 1, i = (size_t)key_hash(key, len) & mask;
    while (m->slot[i]) {
        const struct mp_key_entry *e = mp_keymap_at(m, m->slot[i] - 1);
        if (e->len == len && memcmp(e->key, key, len) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

struct mp_key_entry *mp_keymap_get(const mp_keymap *m, const char *key, size_t len)
{
    size_t i = find_slot(m, key, len);
    return m->slot[i] ? mp_keymap_at(m, m->slot[i] - 1) : NULL;
}

static int grow_slots(mp_keymap *m)
{
    size_t n = 2 * m->nslots;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    uint32_t *old = m->slot;
    m->slot = s;
    m->nslots = n;
    for (size_t i = 0; i < m->count; i++) {
        const struct mp_key_entry *e = mp_keymap_at(m, i);
        s[find_slot(m, e->key, e->len)] = (uint32_t)(i + 1);
    }
    free(old);
    return 0;
}

static const char *copy_key(mp_keymap *m, const char *key, size_t len)
{
    struct key_block *b = m->keys;
    if (!b || b->size - b->used < len) {
        size_t size = len > KEY_BLOCK ? len : KEY_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = m->keys;
        b->used = 0;
        b->size = size;
        m->keys = b;
    }
    char *p = b->data + b->used;
    memcpy(p, key, len);
    b->used += len;
    return p;
}

struct mp_key_entry *mp_keymap_put(mp_keymap *m, const char *key, size_t len, uint32_t label,
                                   uint64_t line, int *dup)
{
    *dup = 0;
    if (m->count >= UINT32_MAX - 1 || len > UINT32_MAX)
        return NULL;
    if (2 * (m->count + 1) > m->nslots && grow_slots(m) != 0)
        return NULL;
    size_t i = find_slot(m, key, len);
    if (m->slot[i]) {
        *dup = 1;
        return mp_keymap_at(m, m->slot[i] - 1);
    }
    if (m->count == m->nblocks * ENTRY_BLOCK) {
        if (m->nblocks == m->capblocks) {
            size_t cap = m->capblocks ? 2 * m->capblocks : 16;
            struct mp_key_entry **nb = realloc(m->blocks, cap * sizeof *nb);
            if (!nb)
                return NULL;
            m->blocks = nb;
            m->capblocks = cap;
        }
        if (!(m->blocks[m->nblocks] = malloc(ENTRY_BLOCK * sizeof **m->blocks)))
            return NULL;
        m->nblocks++;
    }
    const char *k = copy_key(m, key, len);
    if (!k)
        return NULL;
    struct mp_key_entry *e = mp_keymap_at(m, m->count);
    *e = (struct mp_key_entry){k, (uint32_t)len, label, line, 0, UINT64_MAX};
    m->slot[i] = (uint32_t)(++m->count);
    return e;
}

void mp_key_mark(struct mp_key_entry *e, uint64_t line)
{
    __atomic_fetch_add(&e->seen, 1, __ATOMIC_RELAXED);
    uint64_t cur = __atomic_load_n(&e->seen_line, __ATOMIC_RELAXED);
    while (line < cur && !__atomic_compare_exchange_n(&e->seen_line, &cur, line, 1,
                                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* ---- flow ---- */

mp_seg_flow *mp_seg_flow_new(size_t nb, size_t na)
{
    mp_seg_flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->nb = nb;
    f->na = na;
    f->count = calloc((nb + 1) * (na + 1), sizeof *f->count);
    if (!f->count) {
        free(f);
        return NULL;
    }
    return f;
}

void mp_seg_flow_free(mp_seg_flow *f)
{
    if (f)
        free(f->count);
    free(f);
}

double mp_seg_flow_rate(const mp_seg_flow *f, size_t b, size_t a)
{
    if (b >= f->nb)
        return NAN;
    uint64_t total = 0;
    for (size_t j = 0; j <= f->na; j++)
        total += f->count[b * (f->na + 1) + j];
    return total ? (double)f->count[b * (f->na + 1) + a] / (double)total : NAN;
}

/* ---- quantile sketch ---- */

#define SKETCH_BITS 12

struct bucket {
    uint64_t key; /* order-preserving: see bucket_key */
    uint64_t count;
    double min, max;
};

struct mp_sketch {
    struct bucket *b; /* open addressing by key; key 0 marks an empty slot */
    size_t nslots, used;
    struct bucket *sorted; /* after freeze: used buckets in value order */
    uint64_t *cum;         /* cumulative counts of `sorted` */
    uint64_t count;
};

/* Buckets sort like their values: negatives below 2^63 (larger magnitude lower), zero at
 * 2^63, positives above. Never 0, the empty mark. */
static uint64_t bucket_key(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t mag = (bits & ~(1ull << 63)) >> (52 - SKETCH_BITS);
    if (v == 0)
        return 1ull << 63;
    return bits >> 63 ? (1ull << 63) - 1 - mag : (1ull << 63) + 1 + mag;
}

mp_sketch *mp_sketch_new(void)
{
    mp_sketch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nslots = 256;
    s->b = calloc(s->nslots, sizeof *s->b);
    if (!s->b) {
        free(s);
        return NULL;
    }
    return s;
}

void mp_sketch_free(mp_sketch *s)
{
    if (!s)
        return;
    free(s->b);
    free(s->sorted);
    free(s->cum);
    free(s);
}

static struct bucket *sketch_slot(struct bucket *b, size_t nslots, uint64_t key)
{
    size_t mask = nslots - 1, i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (b[i].key && b[i].key != key)
        i = (i + 1) & mask;
    return &b[i];
}

static int sketch_put(mp_sketch *s, uint64_t key, uint64_t count, double min, double max)
{
    if (2 * (s->used + 1) > s->nslots) {
        size_t n = 2 * s->nslots;
        struct bucket *nb = calloc(n, sizeof *nb);
        if (!nb)
            return -1;
        for (size_t i = 0; i < s->nslots; i++)
            if (s->b[i].key)
                *sketch_slot(nb, n, s->b[i].key) = s->b[i];
        free(s->b);
        s->b = nb;
        s->nslots = n;
    }
    struct bucket *b = sketch_slot(s->b, s->nslots, key);
    if (!b->key) {
        *b = (struct bucket){key, 0, min, max};
        s->used++;
    }
    b->count += count;
    if (min < b->min)
        b->min = min;
    if (max > b->max)
        b->max = max;
    s->count += count;
    return 0;
}

int mp_sketch_add(mp_sketch *s, double v)
{
    return sketch_put(s, bucket_key(v), 1, v, v);
}

int mp_sketch_merge(mp_sketch *dst, const mp_sketch *src)
{
    for (size_t i = 0; i < src->nslots; i++)
        if (src->b[i].key && sketch_put(dst, src->b[i].key, src->b[i].count, src->b[i].min,
                                        src->b[i].max) != 0)
            return -1;
    return 0;
}

uint64_t mp_sketch_count(const mp_sketch *s)
{
    return s->count;
}

static int bucket_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct bucket *)a)->key, y = ((const struct bucket *)b)->key;
    return (x > y) - (x < y);
}

int mp_sketch_freeze(mp_sketch *s)
{
    free(s->sorted);
    free(s->cum);
    s->sorted = malloc((s->used ? s->used : 1) * sizeof *s->sorted);
    s->cum = malloc((s->used ? s->used : 1) * sizeof *s->cum);
    if (!s->sorted || !s->cum)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < s->nslots; i++)
        if (s->b[i].key)
            s->sorted[k++] = s->b[i];
    qsort(s->sorted, k, sizeof *s->sorted, bucket_cmp);
    uint64_t c = 0;
    for (size_t i = 0; i < k; i++)
        s->cum[i] = c += s->sorted[i].count;
    return 0;
}

double mp_sketch_quantile(const mp_sketch *s, double p, int *exact)
{
    *exact = 0;
    if (!s->count || !s->sorted)
        return NAN;
    /* The least rank r with r >= p * n, counted from 1. */
    double want = ceil(p * (double)s->count);
    uint64_t r = want < 1 ? 1 : want > (double)s->count ? s->count : (uint64_t)want;
    size_t lo = 0, hi = s->used - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cum[mid] >= r)
            hi = mid;
        else
            lo = mid + 1;
    }
    const struct bucket *b = &s->sorted[lo];
    uint64_t below = lo ? s->cum[lo - 1] : 0;
    *exact = b->min == b->max;
    /* The extremes of a bucket are actual values at known ranks. */
    if (r == below + 1) {
        *exact = 1;
        return b->min;
    }
    if (r == s->cum[lo]) {
        *exact = 1;
        return b->max;
    }
    return b->max;
}

/* ---- the accessors of mplan/segment.h ---- */

const char *mp_seg_rule(const mp_seg_summary *s) { return s->rule; }
size_t mp_seg_label_count(const mp_seg_summary *s) { return s->nlabels; }
uint64_t mp_seg_label_rows(const mp_seg_summary *s, size_t label) { return s->labels[label].count; }
uint64_t mp_seg_bad_rows(const mp_seg_summary *s) { return s->bad; }
size_t mp_seg_column_count(const mp_seg_summary *s) { return s->ncols; }
long mp_seg_key_column(const mp_seg_summary *s) { return s->key; }
const char *mp_seg_column_name(const mp_seg_summary *s, size_t c) { return s->cols[c]; }

const char *mp_seg_label_name(const mp_seg_summary *s, size_t label, size_t *len)
{
    if (len)
        *len = s->labels[label].len;
    return s->labels[label].name;
}
