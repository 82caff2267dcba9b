/* iCalendar (RFC 5545) output: all-day VEVENTs, TEXT escaped (3.3.11), lines folded at 75
 * octets without splitting a UTF-8 character (3.1), CRLF line ends, UIDs derived from the
 * plan so that importing a revised calendar updates entries instead of duplicating them. */
#include "io/calendar_ics.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"

#define LINE_MAX_OCTETS 75

struct ics {
    FILE *fp;
    const mp_plan *plan;
    char stamp[20];
    char slug[48]; /* of the store name, for UIDs */
};

/* Write one content line, folded. */
static void line(struct ics *I, const char *s)
{
    size_t n = strlen(s), col = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 1; /* the UTF-8 character starting at i */
        while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
            len++;
        if (col + len > LINE_MAX_OCTETS) {
            fputs("\r\n ", I->fp);
            col = 1;
        }
        fwrite(s + i, 1, len, I->fp);
        col += len;
        i += len;
    }
    fputs("\r\n", I->fp);
}

/* NAME[;PARAMS]:VALUE where the value is TEXT to escape. */
static void text_prop(struct ics *I, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void text_prop(struct ics *I, const char *name, const char *fmt, ...)
{
    char raw[2048], out[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t o = (size_t)snprintf(out, sizeof out, "%s:", name);
    for (const char *p = raw; *p && o + 3 < sizeof out; p++) {
        if (*p == '\\' || *p == ';' || *p == ',')
            out[o++] = '\\', out[o++] = *p;
        else if (*p == '\n')
            out[o++] = '\\', out[o++] = 'n';
        else if ((unsigned char)*p >= 0x20 || *p == '\t')
            out[o++] = *p;
    }
    out[o] = '\0';
    line(I, out);
}

static void date_prop(struct ics *I, const char *name, int32_t day)
{
    int y, m, d;
    char buf[64];
    mp_civil_from_days(day, &y, &m, &d);
    snprintf(buf, sizeof buf, "%s;VALUE=DATE:%04d%02d%02d", name, y % 10000, m % 100, d % 100);
    line(I, buf);
}

static void slugify(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; s && *s && o + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c))
            out[o++] = (char)tolower(c);
        else if (o > 0 && out[o - 1] != '-')
            out[o++] = '-';
    }
    while (o > 0 && out[o - 1] == '-')
        o--;
    out[o] = '\0';
    if (!o)
        snprintf(out, n, "plan");
}

/* An owner as attendee: "Name <mail@x>" and "mail@x" become mailto: addresses; a team name
 * has no address, written as Google Calendar writes such attendees (invalid:nomail). */
static void attendee(struct ics *I, const char *owner)
{
    char cn[256], addr[256], buf[700];
    const char *lt = strchr(owner, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
        size_t n = (size_t)(lt - owner);
        while (n > 0 && owner[n - 1] == ' ')
            n--;
        snprintf(cn, sizeof cn, "%.*s", (int)n, owner);
        snprintf(addr, sizeof addr, "mailto:%.*s", (int)(gt - lt - 1), lt + 1);
    } else {
        snprintf(cn, sizeof cn, "%s", owner);
        snprintf(addr, sizeof addr, "%s%s", strchr(owner, '@') ? "mailto:" : "invalid:nomail",
                 strchr(owner, '@') ? owner : "");
    }
    for (char *p = cn; *p; p++)
        if (*p == '"' || (unsigned char)*p < 0x20)
            *p = '\''; /* a quoted parameter value cannot hold a DQUOTE */
    snprintf(buf, sizeof buf, "ATTENDEE;CN=\"%s\";ROLE=REQ-PARTICIPANT:%s", cn, addr);
    line(I, buf);
}

/* Owners of the channels selected by `pick` (each once, in plan order). */
static void attendees(struct ics *I, int (*pick)(const mp_plan *, size_t, const void *), const void *arg)
{
    const mp_plan *p = I->plan;
    for (size_t c = 0; c < p->nchannels; c++) {
        const char *o = p->channels[c].owner;
        if (!o || !pick(p, c, arg))
            continue;
        int seen = 0;
        for (size_t d = 0; d < c && !seen; d++)
            seen = p->channels[d].owner && strcmp(p->channels[d].owner, o) == 0 && pick(p, d, arg);
        if (!seen)
            attendee(I, o);
    }
}

static void begin(struct ics *I, const char *kind, const char *what, int32_t day)
{
    char uid[256], what_slug[96], d[11];
    slugify(what, what_slug, sizeof what_slug);
    mp_date_format(day, d);
    snprintf(uid, sizeof uid, "UID:%s-%s-%s-%s@mplan", I->slug, kind, what_slug, d);
    line(I, "BEGIN:VEVENT");
    line(I, uid);
    char stamp[40];
    snprintf(stamp, sizeof stamp, "DTSTAMP:%s", I->stamp);
    line(I, stamp);
}

/* ---- what goes in ---- */

struct window {
    int32_t from, to; /* inclusive day numbers */
};

/* Channels active at some period of [from, to]. */
static int active_in(const mp_plan *p, size_t c, const void *arg)
{
    const struct window *w = arg;
    for (int t = 0; t < p->T; t++)
        if (p->period_start[t] <= w->to && p->period_start[t + 1] - 1 >= w->from && p->channels[c].active[t])
            return 1;
    return 0;
}

/* Channels that take an event's full lift (kind event, or listed in its channels). */
static int in_event(const mp_plan *p, size_t c, const void *arg)
{
    const struct mp_event *e = arg;
    if (p->channels[c].kind == MP_KIND_EVENT)
        return 1;
    for (size_t i = 0; i < e->nchannels; i++)
        if (strcmp(e->channels[i], p->channels[c].id) == 0)
            return 1;
    return 0;
}

static const char *phase_hint(enum mp_phase ph)
{
    switch (ph) {
    case MP_PHASE_PREPARATION: return "Register, plan assortment and stock, brief creatives.";
    case MP_PHASE_STORAGE: return "Collect favourites, carts and followers; seed content.";
    case MP_PHASE_WARMUP: return "Announce offers and coupons; warm up traffic.";
    case MP_PHASE_OUTBREAK: return "The event: full push, watch ROAS daily.";
    case MP_PHASE_REVIEW: return "Follow up buyers; collect actuals for mplan review.";
    default: return "";
    }
}

static void write_event(struct ics *I, const struct mp_event *e)
{
    static const enum mp_phase order[] = {MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_WARMUP,
                                          MP_PHASE_OUTBREAK, MP_PHASE_REVIEW};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        enum mp_phase ph = order[i];
        if (e->from[ph] > e->to[ph])
            continue;
        struct window w = {e->from[ph], e->to[ph]};
        char what[300];
        snprintf(what, sizeof what, "%s %s", e->name, mp_phase_name(ph));
        begin(I, "phase", what, w.from);
        text_prop(I, "SUMMARY", "%s: %s", e->name, mp_phase_name(ph));
        text_prop(I, "DESCRIPTION", "%s phase of %s. %s", mp_phase_name(ph), e->name, phase_hint(ph));
        text_prop(I, "CATEGORIES", "%s", mp_phase_name(ph));
        date_prop(I, "DTSTART", w.from);
        date_prop(I, "DTEND", w.to + 1); /* DTEND of an all-day event is exclusive */
        attendees(I, active_in, &w);
        line(I, "TRANSP:TRANSPARENT");
        line(I, "END:VEVENT");
    }
    /* Deadlines on the day their phase starts, with a reminder the day before. */
    static const struct { enum mp_phase ph; const char *before, *after; } deadlines[] = {
        {MP_PHASE_PREPARATION, "Deadline: register for ", ""},
        {MP_PHASE_STORAGE, "Deadline: creatives, coupons and landing pages ready for ", ""},
        {MP_PHASE_REVIEW, "Review ", ": plan vs actual (mplan review)"},
    };
    for (size_t i = 0; i < sizeof deadlines / sizeof *deadlines; i++) {
        enum mp_phase ph = deadlines[i].ph;
        if (e->from[ph] > e->to[ph])
            continue;
        char summary[400];
        snprintf(summary, sizeof summary, "%s%s%s", deadlines[i].before, e->name, deadlines[i].after);
        begin(I, "deadline", summary, e->from[ph]);
        text_prop(I, "SUMMARY", "%s", summary);
        text_prop(I, "DESCRIPTION", "%s starts on this day.", mp_phase_name(ph));
        text_prop(I, "CATEGORIES", "deadline");
        date_prop(I, "DTSTART", e->from[ph]);
        date_prop(I, "DTEND", e->from[ph] + 1);
        attendees(I, in_event, e);
        line(I, "BEGIN:VALARM");
        line(I, "ACTION:DISPLAY");
        line(I, "TRIGGER:-P1D");
        text_prop(I, "DESCRIPTION", "%s", summary);
        line(I, "END:VALARM");
        line(I, "END:VEVENT");
    }
}

/* One entry per run of consecutive periods in which the channel works. */
static void write_channel(struct ics *I, size_t c, const mp_alloc *alloc)
{
    const mp_plan *p = I->plan;
    const struct mp_channel *ch = &p->channels[c];
    for (int t = 0; t < p->T;) {
        int on = ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[t] > 0 : ch->active[t];
        if (!on) {
            t++;
            continue;
        }
        int u = t;
        double spend = 0;
        while (u < p->T && (ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[u] > 0 : ch->active[u])) {
            spend += alloc ? alloc->spend[c * (size_t)p->T + (size_t)u] : 0;
            u++;
        }
        char what[200], from[11], to[11];
        snprintf(what, sizeof what, "channel %s", ch->id);
        mp_date_format(p->period_start[t], from);
        mp_date_format(p->period_start[u] - 1, to);
        begin(I, "channel", what, p->period_start[t]);
        text_prop(I, "SUMMARY", "Run %s", ch->name);
        if (alloc)
            text_prop(I, "DESCRIPTION", "Channel %s (%s), periods %d..%d (%s..%s): planned spend %.0f%s%s.", ch->id,
                      mp_kind_name(ch->kind), t + 1, u, from, to, spend, p->currency ? " " : "",
                      p->currency ? p->currency : "");
        else
            text_prop(I, "DESCRIPTION", "Channel %s (%s), periods %d..%d (%s..%s).", ch->id, mp_kind_name(ch->kind),
                      t + 1, u, from, to);
        text_prop(I, "CATEGORIES", "channel");
        date_prop(I, "DTSTART", p->period_start[t]);
        date_prop(I, "DTEND", p->period_start[u]);
        if (ch->owner)
            attendee(I, ch->owner);
        line(I, "TRANSP:TRANSPARENT");
        line(I, "END:VEVENT");
        t = u;
    }
}

enum mp_status mp_calendar_write_ics(FILE *fp, const mp_plan *plan, const mp_alloc *alloc, time_t stamp,
                                     mp_error *err)
{
    struct ics I = {.fp = fp, .plan = plan};
    struct tm tm;
    if (!gmtime_r(&stamp, &tm))
        return mp_fail(err, MP_EINTERNAL, "calendar: bad time stamp");
    strftime(I.stamp, sizeof I.stamp, "%Y%m%dT%H%M%SZ", &tm);
    slugify(plan->store, I.slug, sizeof I.slug);
    line(&I, "BEGIN:VCALENDAR");
    line(&I, "VERSION:2.0");
    line(&I, "PRODID:-//mplan//mplan calendar//EN");
    line(&I, "CALSCALE:GREGORIAN");
    line(&I, "METHOD:PUBLISH");
    text_prop(&I, "X-WR-CALNAME", "%s marketing plan", plan->store ? plan->store : "mplan");
    for (size_t e = 0; e < plan->nevents; e++)
        write_event(&I, &plan->events[e]);
    for (size_t c = 0; c < plan->nchannels; c++)
        write_channel(&I, c, alloc);
    line(&I, "END:VCALENDAR");
    return ferror(fp) ? mp_fail(err, MP_EIO, "calendar: write failed") : MP_OK;
}
