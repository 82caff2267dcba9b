/* Lua patterns (Lua 5.4 manual 6.4.1) for string.find, match, gmatch and gsub, with their
 * work charged to the call's step budget. Lua's own matcher backtracks in C without running
 * an instruction, so the count hook never sees `("a"):rep(1e5):find(".-.-.-.-b")`: that one
 * line would run for hours. This matcher has the same semantics and counts every step. */
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/lsandbox.h"

#define MAX_CAPTURES 32
#define MAX_DEPTH 200      /* nesting of the backtracking recursion, as in Lua */
#define CAP_OPEN (-1)      /* a capture whose ')' has not been reached */
#define CAP_POSITION (-2)  /* a () capture */
#define ESC '%'
#define SPECIALS "^$*+?.([%-"
#define TICKS 4096         /* steps between two charges to the host */

struct matcher {
    lua_State *L;
    const char *src, *src_end, *pat_end;
    int depth, ncap;
    long ticks;
    struct {
        const char *init;
        ptrdiff_t len;
    } cap[MAX_CAPTURES];
};

static void tick_n(struct matcher *m, long n)
{
    m->ticks -= n;
    if (m->ticks <= 0) {
        mp_lua_charge(m->L, (double)(TICKS - m->ticks));
        m->ticks = TICKS;
    }
}

static void tick(struct matcher *m)
{
    tick_n(m, 1);
}

static void matcher_init(struct matcher *m, lua_State *L, const char *s, size_t ls,
                         const char *p, size_t lp)
{
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->ticks = TICKS;
}

/* Charge what the last TICKS block used (called once per library call). */
static void matcher_done(struct matcher *m)
{
    mp_lua_charge(m->L, (double)(TICKS - m->ticks));
}

static void matcher_reset(struct matcher *m)
{
    m->ncap = 0;
    m->depth = MAX_DEPTH;
}

/* End of the single-character class starting at p. */
static const char *class_end(struct matcher *m, const char *p)
{
    char c = *p++;
    if (c == ESC) {
        if (p >= m->pat_end)
            luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        const char *open = p;
        if (*p == '^')
            p++;
        do { /* a ']' right after '[' or '[^' is a member */
            if (p >= m->pat_end)
                luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p++ == ESC && p < m->pat_end)
                p++;
        } while (*p != ']');
        tick_n(m, p - open); /* a set of 1e6 members is scanned at each position */
        return p + 1;
    }
    return p;
}

static int class_match(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    case 'z': res = c == 0; break; /* deprecated, still accepted by Lua 5.4 */
    default: return cl == c;
    }
    if (isupper(cl))
        res = !res;
    return res != 0;
}

/* Is c in the set [p .. close], p at '[' and close at its ']'? */
static int set_match(int c, const char *p, const char *close)
{
    int in = 1;
    p++;
    if (*p == '^') {
        in = 0;
        p++;
    }
    while (p < close) {
        if (*p == ESC) {
            if (class_match(c, (unsigned char)p[1]))
                return in;
            p += 2;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
                return in;
            p += 3;
        } else {
            if ((unsigned char)*p == c)
                return in;
            p++;
        }
    }
    return !in;
}

static int single_match(struct matcher *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->src_end)
        return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESC: return class_match(c, (unsigned char)p[1]);
    case '[':
        tick_n(m, ep - p); /* the members are compared one by one */
        return set_match(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(struct matcher *m, const char *s, const char *p);

/* %bxy: a balanced run from x to its matching y. */
static const char *match_balance(struct matcher *m, const char *s, const char *p)
{
    if (p + 1 >= m->pat_end)
        luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != p[0])
        return NULL;
    int open = 1;
    while (++s < m->src_end) {
        tick(m);
        if (*s == p[1]) {
            if (--open == 0)
                return s + 1;
        } else if (*s == p[0]) {
            open++;
        }
    }
    return NULL;
}

/* x* or x+: take as many as possible, then give back one at a time. */
static const char *max_expand(struct matcher *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t n = 0;
    while (single_match(m, s + n, p, ep)) {
        tick(m);
        n++;
    }
    for (; n >= 0; n--) {
        const char *res = match(m, s + n, ep + 1);
        if (res)
            return res;
    }
    return NULL;
}

/* x-: take as few as possible, one more at a time. */
static const char *min_expand(struct matcher *m, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = match(m, s, ep + 1);
        if (res)
            return res;
        if (!single_match(m, s, p, ep))
            return NULL;
        s++;
    }
}

static const char *start_capture(struct matcher *m, const char *s, const char *p, ptrdiff_t what)
{
    if (m->ncap >= MAX_CAPTURES)
        luaL_error(m->L, "too many captures");
    m->cap[m->ncap].init = s;
    m->cap[m->ncap].len = what;
    m->ncap++;
    const char *res = match(m, s, p);
    if (!res)
        m->ncap--;
    return res;
}

static const char *end_capture(struct matcher *m, const char *s, const char *p)
{
    int l = m->ncap - 1;
    while (l >= 0 && m->cap[l].len != CAP_OPEN)
        l--;
    if (l < 0)
        luaL_error(m->L, "invalid pattern capture");
    m->cap[l].len = s - m->cap[l].init;
    const char *res = match(m, s, p);
    if (!res)
        m->cap[l].len = CAP_OPEN;
    return res;
}

/* %1-%9: the same text as an earlier capture. */
static const char *match_backref(struct matcher *m, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= m->ncap || m->cap[l].len == CAP_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", l + 1);
    ptrdiff_t len = m->cap[l].len;
    if (len > 0)
        tick_n(m, len);
    if (len >= 0 && m->src_end - s >= len && memcmp(m->cap[l].init, s, (size_t)len) == 0)
        return s + len;
    return NULL;
}

static const char *match(struct matcher *m, const char *s, const char *p)
{
    if (m->depth-- == 0)
        luaL_error(m->L, "pattern too complex");
    tick(m);
    while (s && p < m->pat_end) {
        const char *ep;
        switch (*p) {
        case '(':
            s = p[1] == ')' ? start_capture(m, s, p + 2, CAP_POSITION)
                            : start_capture(m, s, p + 1, CAP_OPEN);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 == m->pat_end) {
                s = s == m->src_end ? s : NULL;
                goto done;
            }
            break;
        case ESC:
            if (p[1] == 'b') {
                s = match_balance(m, s, p + 2);
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[')
                    luaL_error(m->L, "missing '[' after '%%f' in pattern");
                ep = class_end(m, p);
                int prev = s == m->src ? 0 : (unsigned char)s[-1];
                int cur = s < m->src_end ? (unsigned char)*s : 0;
                if (!set_match(prev, p, ep - 1) && set_match(cur, p, ep - 1))
                    p = ep;
                else
                    s = NULL;
                continue;
            }
            if (isdigit((unsigned char)p[1])) {
                s = match_backref(m, s, p[1]);
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        /* A single-character class, perhaps with a quantifier. */
        ep = class_end(m, p);
        if (!single_match(m, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-')
                p = ep + 1; /* zero repetitions are fine */
            else
                s = NULL;
            continue;
        }
        switch (*ep) {
        case '?': {
            const char *res = match(m, s + 1, ep + 1);
            if (res) {
                s = res;
                goto done;
            }
            p = ep + 1;
            continue;
        }
        case '+': s = max_expand(m, s + 1, p, ep); goto done;
        case '*': s = max_expand(m, s, p, ep); goto done;
        case '-': s = min_expand(m, s, p, ep); goto done;
        default:
            s++;
            p = ep;
            continue;
        }
    }
done:
    m->depth++;
    return s;
}

/* Push capture i of a match [s, e); capture 0 of a pattern without captures is the match. */
static void push_capture(struct matcher *m, int i, const char *s, const char *e)
{
    if (i >= m->ncap) {
        if (i != 0)
            luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAP_OPEN)
        luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION)
        lua_pushinteger(m->L, m->cap[i].init - m->src + 1);
    else
        lua_pushlstring(m->L, m->cap[i].init, (size_t)len);
}

/* Push every capture (or the whole match when s is given and there are none). */
static int push_captures(struct matcher *m, const char *s, const char *e)
{
    int n = m->ncap == 0 && s ? 1 : m->ncap;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_capture(m, i, s, e);
    return n;
}

/* A start position as Lua reads it: negative counts from the end; 1-based. */
static size_t start_index(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0 || pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(SPECIALS, p[i]))
            return 1;
    return 0;
}

/* Plain search of p in s; a candidate position costs a step per 16 bytes compared. */
static const char *find_plain(struct matcher *m, const char *s, size_t ls, const char *p, size_t lp)
{
    if (lp == 0)
        return s;
    const char *end = s + ls;
    while ((size_t)(end - s) >= lp) {
        const char *hit = memchr(s, *p, (size_t)(end - s) - lp + 1);
        if (!hit)
            return NULL;
        tick_n(m, 1 + (long)(lp / 16));
        if (memcmp(hit + 1, p + 1, lp - 1) == 0)
            return hit;
        s = hit + 1;
    }
    return NULL;
}

static int find_aux(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    struct matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *hit = find_plain(&m, s + init, ls - init, p, lp);
        matcher_done(&m);
        if (!hit) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, hit - s + 1);
        lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
        return 2;
    }
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    const char *start = s + init;
    do {
        matcher_reset(&m);
        const char *e = match(&m, start, p);
        if (e) {
            matcher_done(&m);
            if (find) {
                lua_pushinteger(L, start - s + 1);
                lua_pushinteger(L, e - s);
                return push_captures(&m, NULL, NULL) + 2;
            }
            return push_captures(&m, start, e);
        }
    } while (start++ < m.src_end && !anchor);
    matcher_done(&m);
    luaL_pushfail(L);
    return 1;
}

int mp_str_find(lua_State *L) { return find_aux(L, 1); }
int mp_str_match(lua_State *L) { return find_aux(L, 0); }

/* The gmatch iterator; upvalues: subject, pattern, next start, end of the last match
 * (-1: none), so that an empty match right after a match is skipped as in Lua. */
static int gmatch_next(lua_State *L)
{
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    lua_Integer pos = lua_tointeger(L, lua_upvalueindex(3));
    lua_Integer last = lua_tointeger(L, lua_upvalueindex(4));
    struct matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    for (const char *src = s + pos; src <= m.src_end; src++) {
        matcher_reset(&m);
        const char *e = match(&m, src, p);
        if (e && e - s != last) {
            matcher_done(&m);
            lua_pushinteger(L, e - s);
            lua_pushvalue(L, -1);
            lua_replace(L, lua_upvalueindex(3));
            lua_replace(L, lua_upvalueindex(4));
            return push_captures(&m, src, e);
        }
    }
    matcher_done(&m);
    return 0;
}

int mp_str_gmatch(lua_State *L)
{
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls)
        init = ls + 1;
    lua_settop(L, 2);
    lua_pushinteger(L, (lua_Integer)init);
    lua_pushinteger(L, -1);
    lua_pushcclosure(L, gmatch_next, 4);
    return 1;
}

/* A replacement string: %0-%9 are captures, %% a percent sign. */
static void add_string(struct matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
    size_t l;
    const char *r = lua_tolstring(m->L, 3, &l), *end = r + l;
    while (r < end) {
        const char *esc = memchr(r, ESC, (size_t)(end - r));
        if (!esc) {
            luaL_addlstring(b, r, (size_t)(end - r));
            return;
        }
        luaL_addlstring(b, r, (size_t)(esc - r));
        int c = (unsigned char)esc[1];
        if (c == ESC) {
            luaL_addchar(b, ESC);
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit(c)) {
            push_capture(m, c - '1', s, e);
            luaL_tolstring(m->L, -1, NULL); /* a position capture is a number */
            lua_remove(m->L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(m->L, "invalid use of '%c' in replacement string", ESC);
        }
        r = esc + 2;
    }
}

static void add_value(struct matcher *m, luaL_Buffer *b, const char *s, const char *e, int type)
{
    lua_State *L = m->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        lua_call(L, push_captures(m, s, e), 1);
    } else if (type == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_string(m, b, s, e);
        return;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        luaL_addvalue(b);
    }
}

int mp_str_gsub(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION ||
                     type == LUA_TTABLE, 3, "string/function/table");
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    struct matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *src = s, *last = NULL;
    lua_Integer n = 0;
    while (n < max) {
        matcher_reset(&m);
        const char *e = match(&m, src, p);
        if (e && e != last) {
            n++;
            add_value(&m, &b, src, e, type);
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor)
            break;
    }
    matcher_done(&m);
    luaL_addlstring(&b, src, (size_t)(m.src_end - src));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}
