/* YAML documents as node trees: libyaml events in, arena nodes out, hostile input refused. */
#include "core/numfmt.h"
#include "io/yaml_doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/date.h"

#define YAML_STR_TAG "tag:yaml.org,2002:str"

/* ---- building the tree ---- */

struct anchor {
    char *name;            /* malloc'd; NULL marks an empty slot */
    struct mp_ynode *node;
    size_t weight;         /* nodes in the subtree with aliases expanded */
};

struct frame {
    struct mp_ynode *node;
    size_t start;          /* first child in builder.pending */
    size_t weight;         /* 1 + the weights of the children so far */
    char *anchor;          /* malloc'd, registered when the node completes */
};

struct builder {
    struct mp_ydoc *doc;
    const char *text;
    size_t len;
    mp_error *err;
    struct mp_ynode **pending; /* children of every open container, innermost last */
    size_t npending, cappending;
    struct frame stack[MP_YAML_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;    /* open addressing, capanchors a power of two */
    size_t nanchors, capanchors;
    size_t visits;             /* nodes so far, aliases counted at their full size */
};

static enum mp_status oom(mp_error *err)
{
    return mp_fail(err, MP_ENOMEM, "out of memory while reading YAML");
}

/* Values quoted in a message may hold newlines or terminal escapes: a message stays one
 * plain line. */
static void one_line(char *msg)
{
    for (; *msg; msg++)
        if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
            *msg = '?';
}

static enum mp_status fail_at(struct builder *b, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum mp_status fail_at(struct builder *b, yaml_mark_t mark, const char *fmt, ...)
{
    char msg[MP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    one_line(msg);
    return mp_fail(b->err, MP_EINPUT, "%s:%zu:%zu: %s", b->doc->file, mark.line + 1,
                   mark.column + 1, msg);
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603u & SIZE_MAX; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211u;
    return h;
}

static struct anchor *anchor_slot(struct anchor *tab, size_t cap, const char *name)
{
    size_t i = hash_str(name) & (cap - 1);
    while (tab[i].name && strcmp(tab[i].name, name) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* A later anchor of the same name replaces the earlier one, as YAML says. */
static enum mp_status anchor_put(struct builder *b, char *name, struct mp_ynode *node,
                                 size_t weight)
{
    if (2 * (b->nanchors + 1) > b->capanchors) {
        size_t cap = b->capanchors ? 2 * b->capanchors : 16;
        struct anchor *tab = calloc(cap, sizeof *tab);
        if (!tab)
            return oom(b->err);
        for (size_t i = 0; i < b->capanchors; i++)
            if (b->anchors[i].name)
                *anchor_slot(tab, cap, b->anchors[i].name) = b->anchors[i];
        free(b->anchors);
        b->anchors = tab;
        b->capanchors = cap;
    }
    struct anchor *a = anchor_slot(b->anchors, b->capanchors, name);
    if (a->name)
        free(a->name);
    else
        b->nanchors++;
    *a = (struct anchor){name, node, weight};
    return MP_OK;
}

static char *copy_anchor(const yaml_char_t *anchor)
{
    return anchor ? strdup((const char *)anchor) : NULL;
}

static struct mp_ynode *new_node(struct builder *b, enum mp_ynode_type type, yaml_mark_t mark)
{
    struct mp_ynode *n = mp_arena_alloc(&b->doc->arena, sizeof *n);
    if (n) {
        n->type = type;
        n->line = (int)mark.line + 1;
        n->col = (int)mark.column + 1;
    }
    return n;
}

/* Count `weight` more node visits; past the limit the document is refused. */
static enum mp_status visit(struct builder *b, size_t weight, yaml_mark_t mark)
{
    b->visits += weight;
    if (b->visits > MP_YAML_MAX_NODES)
        return fail_at(b, mark, "document too large: more than %u nodes with aliases expanded "
                       "(an alias bomb?)", MP_YAML_MAX_NODES);
    return MP_OK;
}

/* Hand a finished node to its parent (or make it the root). */
static enum mp_status attach(struct builder *b, struct mp_ynode *n, size_t weight)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return MP_OK;
    }
    struct frame *f = &b->stack[b->depth - 1];
    if (f->node->type == MP_Y_MAP && (b->npending - f->start) % 2 == 0 && n->type != MP_Y_SCALAR)
        return mp_ydoc_fail(b->doc, n, b->err, "mapping keys must be scalars, got %s",
                            mp_ynode_describe(n));
    if (b->npending == b->cappending) {
        size_t cap = b->cappending ? 2 * b->cappending : 64;
        struct mp_ynode **p = realloc(b->pending, cap * sizeof *p);
        if (!p)
            return oom(b->err);
        b->pending = p;
        b->cappending = cap;
    }
    b->pending[b->npending++] = n;
    f->weight += weight;
    return MP_OK;
}

static int is_known_tag(const yaml_char_t *tag, const char *expected)
{
    return !tag || strcmp((const char *)tag, "!") == 0 || strcmp((const char *)tag, expected) == 0;
}

static enum mp_status on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const yaml_char_t *tag = ev->data.scalar.tag;
    if (!is_known_tag(tag, YAML_STR_TAG))
        return fail_at(b, ev->start_mark, "unsupported tag '%s' (only !!str is understood)",
                       (const char *)tag);
    size_t len = ev->data.scalar.length;
    const char *text = (const char *)ev->data.scalar.value;
    if (memchr(text, '\0', len))
        return fail_at(b, ev->start_mark, "a NUL character inside a value is not allowed");
    enum mp_status st = visit(b, 1, ev->start_mark);
    if (st != MP_OK)
        return st;
    struct mp_ynode *n = new_node(b, MP_Y_SCALAR, ev->start_mark);
    if (!n || !(n->str = mp_arena_strndup(&b->doc->arena, text, len)))
        return oom(b->err);
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
    char *anchor = copy_anchor(ev->data.scalar.anchor);
    if (ev->data.scalar.anchor && !anchor)
        return oom(b->err);
    if (anchor && (st = anchor_put(b, anchor, n, 1)) != MP_OK) {
        free(anchor);
        return st;
    }
    return attach(b, n, 1);
}

static enum mp_status on_start(struct builder *b, const yaml_event_t *ev, enum mp_ynode_type type)
{
    const yaml_char_t *tag = type == MP_Y_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    const yaml_char_t *anchor = type == MP_Y_MAP ? ev->data.mapping_start.anchor
                                                 : ev->data.sequence_start.anchor;
    if (!is_known_tag(tag, type == MP_Y_MAP ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq"))
        return fail_at(b, ev->start_mark, "unsupported tag '%s'", (const char *)tag);
    if (b->depth == MP_YAML_MAX_DEPTH)
        return fail_at(b, ev->start_mark, "nesting deeper than %d levels", MP_YAML_MAX_DEPTH);
    enum mp_status st = visit(b, 1, ev->start_mark);
    if (st != MP_OK)
        return st;
    struct mp_ynode *n = new_node(b, type, ev->start_mark);
    if (!n)
        return oom(b->err);
    struct frame *f = &b->stack[b->depth];
    *f = (struct frame){n, b->npending, 1, copy_anchor(anchor)};
    if (anchor && !f->anchor)
        return oom(b->err);
    b->depth++;
    return MP_OK;
}

struct keyref {
    const char *key;
    size_t i;
};

static int cmp_keyref(const void *pa, const void *pb)
{
    const struct keyref *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* Sorting keeps large maps (segment sizes from a 16 MiB file) from a quadratic scan. The
 * reported duplicate is the first one in the file. */
static enum mp_status check_duplicates(struct builder *b, const struct mp_ynode *map)
{
    if (map->n < 2)
        return MP_OK;
    struct keyref *refs = malloc(map->n * sizeof *refs);
    if (!refs)
        return oom(b->err);
    for (size_t i = 0; i < map->n; i++)
        refs[i] = (struct keyref){map->keys[i], i};
    qsort(refs, map->n, sizeof *refs, cmp_keyref);
    size_t dup = SIZE_MAX, first = 0;
    for (size_t i = 1; i < map->n; i++) {
        if (strcmp(refs[i].key, refs[i - 1].key) != 0 || refs[i].i >= dup)
            continue;
        size_t g = i - 1; /* the group's first occurrence */
        while (g > 0 && strcmp(refs[g - 1].key, refs[i].key) == 0)
            g--;
        dup = refs[i].i;
        first = refs[g].i;
    }
    free(refs);
    if (dup == SIZE_MAX)
        return MP_OK;
    const struct mp_ynode *k = map->keynodes[dup], *k0 = map->keynodes[first];
    return mp_ydoc_fail(b->doc, k, b->err, "duplicate key '%s' (first at line %d:%d)",
                        k->str, k0->line, k0->col);
}

static enum mp_status on_end(struct builder *b)
{
    struct frame f = b->stack[--b->depth];
    struct mp_ynode *n = f.node;
    size_t count = b->npending - f.start;
    struct mp_ynode **kids = count ? b->pending + f.start : NULL; /* pending is NULL until used */
    struct mp_arena *A = &b->doc->arena;
    enum mp_status st = MP_OK;
    if (n->type == MP_Y_SEQ) {
        n->n = count;
        if (!(n->items = mp_arena_array(A, count, sizeof *n->items)))
            st = oom(b->err);
        else if (count)
            memcpy(n->items, kids, count * sizeof *kids);
    } else {
        n->n = count / 2;
        n->items = mp_arena_array(A, n->n, sizeof *n->items);
        n->keys = mp_arena_array(A, n->n, sizeof *n->keys);
        n->keynodes = mp_arena_array(A, n->n, sizeof *n->keynodes);
        if (!n->items || !n->keys || !n->keynodes)
            st = oom(b->err);
        for (size_t i = 0; st == MP_OK && i < n->n; i++) {
            n->keynodes[i] = kids[2 * i];
            n->keys[i] = kids[2 * i]->str;
            n->items[i] = kids[2 * i + 1];
        }
        if (st == MP_OK)
            st = check_duplicates(b, n);
    }
    b->npending = f.start;
    if (st == MP_OK && f.anchor) {
        st = anchor_put(b, f.anchor, n, f.weight);
        f.anchor = NULL;
    }
    free(f.anchor);
    return st == MP_OK ? attach(b, n, f.weight) : st;
}

static enum mp_status on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    struct anchor *a = b->capanchors ? anchor_slot(b->anchors, b->capanchors, name) : NULL;
    if (!a || !a->name) {
        for (size_t i = 0; i < b->depth; i++)
            if (b->stack[i].anchor && strcmp(b->stack[i].anchor, name) == 0)
                return fail_at(b, ev->start_mark, "alias '*%s' refers to a node that contains it",
                               name);
        return fail_at(b, ev->start_mark, "alias '*%s' has no anchor '&%s' before it", name, name);
    }
    enum mp_status st = visit(b, a->weight, ev->start_mark);
    return st == MP_OK ? attach(b, a->node, a->weight) : st;
}

/* libyaml marks are 0-based; reader errors (bad UTF-8) give only a byte offset. */
static enum mp_status syntax_error(struct builder *b, const yaml_parser_t *p)
{
    yaml_mark_t mark = p->problem_mark;
    if (p->error == YAML_READER_ERROR || p->error == YAML_MEMORY_ERROR) {
        if (p->error == YAML_MEMORY_ERROR)
            return oom(b->err);
        size_t off = p->problem_offset < b->len ? p->problem_offset : b->len;
        mark.line = mark.column = 0;
        for (size_t i = 0; i < off; i++) {
            if (b->text[i] == '\n') {
                mark.line++;
                mark.column = 0;
            } else if (((unsigned char)b->text[i] & 0xC0) != 0x80) {
                mark.column++;
            }
        }
        if (p->problem_value >= 0)
            return fail_at(b, mark, "%s (byte 0x%02X): the file must be UTF-8 text",
                           p->problem, (unsigned)p->problem_value);
        return fail_at(b, mark, "%s: the file must be UTF-8 text", p->problem);
    }
    const char *hint = mark.index < b->len && b->text[mark.index] == '\t'
                           ? " (tabs are not allowed for indentation: use spaces)" : "";
    if (p->context)
        return fail_at(b, mark, "YAML syntax error: %s%s (%s at line %zu:%zu)", p->problem, hint,
                       p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return fail_at(b, mark, "YAML syntax error: %s%s", p->problem ? p->problem : "unknown", hint);
}

static enum mp_status build(struct builder *b, yaml_parser_t *p)
{
    int ndocs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev))
            return syntax_error(b, p);
        enum mp_status st = MP_OK;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (ndocs++)
                st = fail_at(b, ev.start_mark, "a second YAML document: a file holds exactly one");
            break;
        case YAML_SCALAR_EVENT: st = on_scalar(b, &ev); break;
        case YAML_SEQUENCE_START_EVENT: st = on_start(b, &ev, MP_Y_SEQ); break;
        case YAML_MAPPING_START_EVENT: st = on_start(b, &ev, MP_Y_MAP); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: st = on_end(b); break;
        case YAML_ALIAS_EVENT: st = on_alias(b, &ev); break;
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            if (!b->doc->root) {
                yaml_mark_t start = {0, 0, 0};
                return fail_at(b, start, "the file is empty: expected a YAML document");
            }
            return MP_OK;
        default: break;
        }
        yaml_event_delete(&ev);
        if (st != MP_OK)
            return st;
    }
}

enum mp_status mp_ydoc_load_string(const char *name, const char *text, size_t len,
                                   struct mp_ydoc *doc, mp_error *err)
{
    memset(doc, 0, sizeof *doc);
    if (!(doc->file = mp_arena_strdup(&doc->arena, name ? name : "<string>")))
        return oom(err);
    if (len > MP_YAML_MAX_BYTES) {
        mp_ydoc_free(doc);
        return mp_fail(err, MP_EINPUT, "%s: file too large (%zu bytes; the limit is %u MiB)",
                       name, len, MP_YAML_MAX_BYTES >> 20);
    }
    struct builder b = {.doc = doc, .text = text, .len = len, .err = err};
    yaml_parser_t parser;
    enum mp_status st;
    if (!yaml_parser_initialize(&parser)) {
        st = oom(err);
    } else {
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        st = build(&b, &parser);
        yaml_parser_delete(&parser);
    }
    for (size_t i = 0; i < b.depth; i++)
        free(b.stack[i].anchor);
    for (size_t i = 0; i < b.capanchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    free(b.pending);
    if (st != MP_OK)
        mp_ydoc_free(doc);
    return st;
}

enum mp_status mp_ydoc_load_file(const char *path, struct mp_ydoc *doc, mp_error *err)
{
    memset(doc, 0, sizeof *doc);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return mp_fail(err, MP_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* Read one byte past the limit to tell "too large" from "exactly at the limit". */
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    enum mp_status st = MP_OK;
    while (buf) {
        if (len == cap) {
            if (cap > MP_YAML_MAX_BYTES)
                break;
            char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf)
        st = oom(err);
    else if (ferror(fp))
        st = mp_fail(err, MP_EIO, "%s: cannot read: %s", path, strerror(errno));
    else if (len > MP_YAML_MAX_BYTES)
        st = mp_fail(err, MP_EINPUT, "%s: file too large (more than %u MiB)", path,
                     MP_YAML_MAX_BYTES >> 20);
    fclose(fp);
    if (st == MP_OK)
        st = mp_ydoc_load_string(path, buf, len, doc, err);
    free(buf);
    return st;
}

void mp_ydoc_free(struct mp_ydoc *doc)
{
    mp_arena_free(&doc->arena);
    doc->file = NULL;
    doc->root = NULL;
}

/* ---- reading the tree ---- */

enum mp_status mp_ydoc_fail(const struct mp_ydoc *doc, const struct mp_ynode *n, mp_error *err,
                            const char *fmt, ...)
{
    char msg[MP_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    one_line(msg);
    if (n)
        return mp_fail(err, MP_EINPUT, "%s:%d:%d: %s", doc->file, n->line, n->col, msg);
    return mp_fail(err, MP_EINPUT, "%s: %s", doc->file, msg);
}

int mp_ynode_is_null(const struct mp_ynode *n)
{
    if (!n || n->type != MP_Y_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
           strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

const char *mp_ynode_describe(const struct mp_ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case MP_Y_MAP: return "a mapping";
    case MP_Y_SEQ: return "a sequence";
    case MP_Y_SCALAR: break;
    }
    return mp_ynode_is_null(n) ? "nothing" : n->plain ? "a value" : "a string";
}

const char *mp_ynode_show(const struct mp_ynode *n, char *buf, size_t size)
{
    if (n->type != MP_Y_SCALAR || mp_ynode_is_null(n))
        return mp_ynode_describe(n);
    const char *dots = n->len > 60 ? "..." : "";
    if (n->plain)
        snprintf(buf, size, "'%.60s%s'", n->str, dots);
    else
        snprintf(buf, size, "the quoted string \"%.60s%s\"", n->str, dots);
    return buf;
}

const struct mp_ynode *mp_ymap_get(const struct mp_ynode *map, const char *key)
{
    if (!map || map->type != MP_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

/* Optimal string alignment distance (Levenshtein plus transpositions); names are short. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN)
        return SIZE_MAX;
    size_t d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *mp_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX, wl = strlen(word);
    for (size_t i = 0; i < n; i++) /* GMV for gmv: the case is the whole difference */
        if (strcasecmp(word, cands[i]) == 0)
            return cands[i];
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        size_t cl = strlen(cands[i]);
        /* About one typo per three letters, and never a wholesale replacement. */
        size_t limit = cl / 3 < 1 ? 1 : cl / 3 > 3 ? 3 : cl / 3;
        if (d <= limit && d < wl && d < bestd) {
            best = cands[i];
            bestd = d;
        }
    }
    return best;
}

/* A key with no value on the line of the key before it whose value is plain text: what an
 * unquoted comma makes of `{name: detail pages, short videos}`. The hint quotes both parts. */
static const char *comma_hint(const struct mp_ynode *map, size_t i, char *buf, size_t size)
{
    buf[0] = '\0';
    if (i == 0 || !mp_ynode_is_null(map->items[i]) || map->keynodes[i]->line != map->keynodes[i - 1]->line)
        return buf;
    const struct mp_ynode *prev = map->items[i - 1];
    if (prev->type == MP_Y_SCALAR && prev->plain && !mp_ynode_is_null(prev))
        snprintf(buf, size, "; a value with a comma inside {...} must be in quotes: %s: \"%.100s, %.100s\"",
                 map->keys[i - 1], prev->str, map->keys[i]);
    return buf;
}

enum mp_status mp_ymap_check_keys(const struct mp_ydoc *doc, const struct mp_ynode *map,
                                  const char *where, const char *const *allowed, mp_error *err)
{
    if (!map || map->type != MP_Y_MAP)
        return MP_OK;
    size_t nallowed = 0;
    while (allowed[nallowed])
        nallowed++;
    for (size_t i = 0; i < map->n; i++) {
        size_t j = 0;
        while (j < nallowed && strcmp(map->keys[i], allowed[j]) != 0)
            j++;
        if (j < nallowed)
            continue;
        const char *s = mp_suggest(map->keys[i], allowed, nallowed);
        if (s)
            return mp_ydoc_fail(doc, map->keynodes[i], err,
                                "unknown key '%s' in '%s' (did you mean '%s'?)", map->keys[i],
                                where, s);
        char list[512] = "";
        size_t used = 0;
        for (j = 0; j < nallowed && used < sizeof list; j++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", allowed[j]);
            used += w > 0 ? (size_t)w : 0;
        }
        char hint[300];
        return mp_ydoc_fail(doc, map->keynodes[i], err, "unknown key '%s' in '%s' (expected %s%s)",
                            map->keys[i], where, list, comma_hint(map, i, hint, sizeof hint));
    }
    return MP_OK;
}

enum mp_status mp_ynode_expect(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               enum mp_ynode_type type, const char *what, mp_error *err)
{
    static const char *const names[] = {"a value", "a sequence", "a mapping"};
    if (n->type == type && !(type == MP_Y_SCALAR && mp_ynode_is_null(n)))
        return MP_OK;
    char got[128];
    return mp_ydoc_fail(doc, n, err, "%s must be %s, got %s", what, names[type],
                        mp_ynode_show(n, got, sizeof got));
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int mp_ynum_parse(const char *s, double *out)
{
    const char *p = s + (*s == '+' || *s == '-');
    const char *digits = p;
    while (is_digit(*p))
        p++;
    size_t nint = (size_t)(p - digits), nfrac = 0;
    /* YAML 1.1 reads 010 as octal 8: refuse rather than guess. */
    if (nint > 1 && digits[0] == '0')
        return -1;
    if (*p == '.')
        for (p++; is_digit(*p); p++)
            nfrac++;
    if (nint + nfrac == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        if (!is_digit(*p))
            return -1;
        while (is_digit(*p))
            p++;
    }
    if (*p)
        return -1;
    double v = strtod(s, NULL);
    if (!isfinite(v))
        return -2;
    *out = v;
    return 0;
}

/* "must be > 0", "must be between 0 and 0.5", "must be in (0, 1]". */
static void range_text(double lo, double hi, unsigned flags, char *buf, size_t size)
{
    int lo_open = (flags & MP_Y_LO_OPEN) != 0, hi_open = (flags & MP_Y_HI_OPEN) != 0;
    if (isinf(hi))
        snprintf(buf, size, "%s %s", lo_open ? ">" : ">=", MP_G(lo));
    else if (isinf(lo))
        snprintf(buf, size, "%s %s", hi_open ? "<" : "<=", MP_G(hi));
    else if (!lo_open && !hi_open)
        snprintf(buf, size, "between %s and %s", MP_G(lo), MP_G(hi));
    else
        snprintf(buf, size, "in %c%s, %s%c", lo_open ? '(' : '[', MP_G(lo), MP_G(hi), hi_open ? ')' : ']');
}

/* What to write instead of a number as people type it in a spreadsheet: "8%", "3,200,000",
 * "¥3000", "30万", or a number in quotes; "" when the text is none of these. */
static const char *number_hint(const struct mp_ynode *n, char *buf, size_t size)
{
    char t[128];
    double v;
    const char *s = n->str;
    if (n->type != MP_Y_SCALAR || !s) /* a mapping or a sequence has no text */
        return "";
    size_t len = strlen(s), k = 0;
    if (len == 0 || len >= sizeof t)
        return "";
    if (!n->plain && mp_ynum_parse(s, &v) == 0)
        snprintf(buf, size, " (a number in quotes is text: write %s without them)", s);
    else if (s[len - 1] == '%' && (memcpy(t, s, len - 1), t[len - 1] = '\0', mp_ynum_parse(t, &v) == 0))
        snprintf(buf, size, " (a share is a fraction: write %.10g for %s)", v / 100, s);
    else if (len > 3 && strcmp(s + len - 3, "\xe4\xb8\x87") == 0 && /* 万 */
             (memcpy(t, s, len - 3), t[len - 3] = '\0', mp_ynum_parse(t, &v) == 0))
        snprintf(buf, size, " (write the whole number: %.10g for %s)", v * 1e4, s);
    else {
        /* a currency sign in front, thousands separators inside */
        const char *p = s;
        static const char *const signs[] = {"\xc2\xa5", "\xef\xbf\xa5", "$", "\xe2\x82\xac", "RMB", "CNY"};
        int sign = 0;
        for (size_t i = 0; i < sizeof signs / sizeof *signs; i++)
            if (strncmp(p, signs[i], strlen(signs[i])) == 0) {
                p += strlen(signs[i]);
                sign = 1;
                break;
            }
        int commas = 0;
        for (; *p && k + 1 < sizeof t; p++)
            if (*p == ',')
                commas++;
            else
                t[k++] = *p;
        t[k] = '\0';
        if ((sign || commas) && mp_ynum_parse(t, &v) == 0) {
            /* the result is checked: a hint cut short is still a hint (and GCC's truncation
             * warning, under the sanitizer build's optimisation, knows it is seen) */
            if (snprintf(buf, size, " (write %s: %s)", t,
                         sign && commas ? "no currency sign, no thousands separators"
                         : sign         ? "no currency sign"
                                        : "no thousands separators") < 0)
                return "";
        } else
            return "";
    }
    return buf;
}

enum mp_status mp_ynode_number(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, double lo, double hi, unsigned flags,
                               double *out, mp_error *err)
{
    char got[128];
    double v = 0;
    int rc = n->type == MP_Y_SCALAR && n->plain ? mp_ynum_parse(n->str, &v) : -1;
    if (rc == -2)
        return mp_ydoc_fail(doc, n, err, "%s must be a finite number, got %s", what,
                            mp_ynode_show(n, got, sizeof got));
    if (rc != 0) {
        char hint[192]; /* the longest hint is 180 bytes */
        return mp_ydoc_fail(doc, n, err, "%s must be a number, got %s%s", what,
                            mp_ynode_show(n, got, sizeof got), number_hint(n, hint, sizeof hint));
    }
    int below = (flags & MP_Y_LO_OPEN) ? v <= lo : v < lo;
    int above = (flags & MP_Y_HI_OPEN) ? v >= hi : v > hi;
    if (below || above) {
        char range[96], hint[96] = "";
        range_text(lo, hi, flags, range, sizeof range);
        /* a share written as a percentage: 8 for 0.08 */
        double share = v / 100;
        if (above && hi <= 1 && v > 1 && ((flags & MP_Y_HI_OPEN) ? share < hi : share <= hi) &&
            ((flags & MP_Y_LO_OPEN) ? share > lo : share >= lo))
            snprintf(hint, sizeof hint, " (a share is a fraction: write %s for %s%%)", MP_G(share), n->str);
        return mp_ydoc_fail(doc, n, err, "%s must be %s, got %s%s", what, range, n->str, hint);
    }
    *out = v;
    return MP_OK;
}

enum mp_status mp_ynode_int(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                            long long lo, long long hi, long long *out, mp_error *err)
{
    char got[128];
    int ok = n->type == MP_Y_SCALAR && n->plain;
    const char *p = ok ? n->str + (n->str[0] == '-' || n->str[0] == '+') : "";
    ok = ok && is_digit(*p) && !(p[0] == '0' && p[1]);
    for (const char *q = p; ok && *q; q++)
        ok = is_digit(*q);
    long long v = 0;
    if (ok) {
        errno = 0;
        v = strtoll(n->str, NULL, 10);
        ok = errno == 0;
    }
    if (!ok || v < lo || v > hi)
        return mp_ydoc_fail(doc, n, err, "%s must be a whole number between %lld and %lld, got %s",
                            what, lo, hi, mp_ynode_show(n, got, sizeof got));
    *out = v;
    return MP_OK;
}

enum mp_status mp_ynode_string(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, const char **out, mp_error *err)
{
    if (n->type != MP_Y_SCALAR || mp_ynode_is_null(n))
        return mp_ydoc_fail(doc, n, err, "%s must be a string, got %s", what,
                            mp_ynode_describe(n));
    *out = n->str;
    return MP_OK;
}

enum mp_status mp_ynode_bool(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             int *out, mp_error *err)
{
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
    for (size_t i = 0; n->type == MP_Y_SCALAR && n->plain && i < 3; i++) {
        if (strcmp(n->str, yes[i]) == 0 || strcmp(n->str, no[i]) == 0) {
            *out = strcmp(n->str, yes[i]) == 0;
            return MP_OK;
        }
    }
    char got[128];
    return mp_ydoc_fail(doc, n, err, "%s must be true or false, got %s", what,
                        mp_ynode_show(n, got, sizeof got));
}

/* " (November 2027 has 30 days)" for a date past its month's end such as 2027-11-31; "" else. */
static const char *month_hint(const char *s, char *buf, size_t size)
{
    static const char *const month[] = {"January", "February", "March", "April", "May", "June", "July",
                                        "August", "September", "October", "November", "December"};
    int y, m, d, used = 0;
    char first[32], next[32];
    int32_t a, b;
    buf[0] = '\0';
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || s[used] || m < 1 || m > 12 || d < 29 || d > 31)
        return buf;
    snprintf(first, sizeof first, "%04d-%02d-01", y, m);
    snprintf(next, sizeof next, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    if (mp_date_parse(first, &a) == 0 && mp_date_parse(next, &b) == 0 && d > b - a)
        snprintf(buf, size, " (%s %d has %d days)", month[m - 1], y, (int)(b - a));
    return buf;
}

enum mp_status mp_ynode_date(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             int32_t *out, mp_error *err)
{
    char got[128], hint[48];
    if (n->type != MP_Y_SCALAR || mp_date_parse(n->str, out) != 0)
        return mp_ydoc_fail(doc, n, err, "%s must be a calendar date YYYY-MM-DD, got %s%s", what,
                            mp_ynode_show(n, got, sizeof got),
                            n->type == MP_Y_SCALAR ? month_hint(n->str, hint, sizeof hint) : "");
    return MP_OK;
}

enum mp_status mp_ynode_window(const struct mp_ydoc *doc, const struct mp_ynode *n,
                               const char *what, int32_t *from, int32_t *to, mp_error *err)
{
    char got[128], a[16], b[16], hint[48];
    const char *dots = n->type == MP_Y_SCALAR ? strstr(n->str, "..") : NULL;
    size_t la = dots ? (size_t)(dots - n->str) : 0;
    if (!dots || la >= sizeof a || strlen(dots + 2) >= sizeof b)
        return mp_ydoc_fail(doc, n, err, "%s must be a window FROM..TO (YYYY-MM-DD..YYYY-MM-DD), "
                            "got %s", what, mp_ynode_show(n, got, sizeof got));
    memcpy(a, n->str, la);
    a[la] = '\0';
    strcpy(b, dots + 2);
    if (mp_date_parse(a, from) != 0)
        return mp_ydoc_fail(doc, n, err, "%s: '%s' is not a calendar date YYYY-MM-DD%s", what, a,
                            month_hint(a, hint, sizeof hint));
    if (mp_date_parse(b, to) != 0)
        return mp_ydoc_fail(doc, n, err, "%s: '%s' is not a calendar date YYYY-MM-DD%s", what, b,
                            month_hint(b, hint, sizeof hint));
    if (*from > *to)
        return mp_ydoc_fail(doc, n, err, "%s: window ends (%s) before it starts (%s)", what, b, a);
    return MP_OK;
}

enum mp_status mp_ynode_enum(const struct mp_ydoc *doc, const struct mp_ynode *n, const char *what,
                             const char *const *names, int *out, mp_error *err)
{
    size_t count = 0;
    while (names[count])
        count++;
    if (n->type == MP_Y_SCALAR && !mp_ynode_is_null(n))
        for (size_t i = 0; i < count; i++)
            if (strcmp(n->str, names[i]) == 0) {
                *out = (int)i;
                return MP_OK;
            }
    char list[256] = "", got[128];
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? (i + 1 == count ? " or " : ", ") : "",
                         names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    const char *s = n->type == MP_Y_SCALAR ? mp_suggest(n->str, names, count) : NULL;
    if (s)
        return mp_ydoc_fail(doc, n, err, "%s must be %s, got %s (did you mean '%s'?)", what, list,
                            mp_ynode_show(n, got, sizeof got), s);
    return mp_ydoc_fail(doc, n, err, "%s must be %s, got %s", what, list, mp_ynode_show(n, got, sizeof got));
}
