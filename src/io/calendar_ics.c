/* iCalendar (RFC 5545) output: all-day VEVENTs (and timed milestones), TEXT escaped
 * (3.3.11), lines folded at 75 octets without splitting a UTF-8 character (3.1), CRLF line
 * ends, UIDs derived from the plan so that importing a revised calendar updates entries
 * instead of duplicating them. */
#include "io/calendar_ics.h"

#include <ctype.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/model.h"
#include "io/table.h"

#define LINE_MAX_OCTETS 75

struct ics {
    FILE *fp;
    const mp_plan *plan;
    const mp_alloc *alloc; /* NULL: no amounts */
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

/* Who an entry concerns: a set of channels, each owner taken once (in plan order). Owners
 * with an e-mail address ("Name <a@b>" or "a@b") are invited as attendees; a team name
 * without one is named in the description instead (an attendee must have an address). */
struct owners {
    const char *with_mail[64], *names[64];
    size_t nmail, nnames;
};

static int has_mail(const char *owner)
{
    return strchr(owner, '@') != NULL;
}

static void owners_add(struct owners *o, const char *owner)
{
    if (!owner || !*owner)
        return;
    const char **list = has_mail(owner) ? o->with_mail : o->names;
    size_t *n = has_mail(owner) ? &o->nmail : &o->nnames;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], owner) == 0)
            return;
    if (*n < sizeof o->names / sizeof *o->names)
        list[(*n)++] = owner;
}

/* "; owners: live team, design team" for the description, or "". */
static const char *owners_text(const struct owners *o, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->nnames && k + 1 < n; i++) {
        int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "\nOwners: ", o->names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return buf;
}

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
        snprintf(addr, sizeof addr, "mailto:%s", owner);
    }
    for (char *p = cn; *p; p++)
        if (*p == '"' || (unsigned char)*p < 0x20)
            *p = '\''; /* a quoted parameter value cannot hold a DQUOTE */
    snprintf(buf, sizeof buf, "ATTENDEE;CN=\"%s\";ROLE=REQ-PARTICIPANT:%s", cn, addr);
    line(I, buf);
}

static void attendees(struct ics *I, const struct owners *o)
{
    for (size_t i = 0; i < o->nmail; i++)
        attendee(I, o->with_mail[i]);
}

/* Owners of the channels with planned spend in some period of [from, to] (day numbers): the
 * people a phase or a deadline of that window concerns. A fixed cost line (a shop's
 * decoration, a studio) is not planned by phase and concerns no phase. */
static void owners_spending(const struct ics *I, int32_t from, int32_t to, struct owners *o)
{
    const mp_plan *p = I->plan;
    memset(o, 0, sizeof *o);
    for (size_t c = 0; c < p->nchannels; c++) {
        const struct mp_channel *ch = &p->channels[c];
        if (!ch->owner || ch->mode == MP_MODE_FIXED_COST)
            continue;
        for (int t = 0; t < p->T; t++) {
            double x = I->alloc ? I->alloc->spend[c * (size_t)p->T + (size_t)t]
                                : ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[t] : ch->active[t];
            if (p->period_start[t] <= to && p->period_start[t + 1] - 1 >= from && x > 0) {
                owners_add(o, ch->owner);
                break;
            }
        }
    }
}

/* Owners of the channels an event's registration concerns: its own event channels (kind
 * event, tied to it or to no event) and the channels named in its full_lift: or
 * event_channels:. */
static int listed(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return 1;
    return 0;
}

static void owners_tied(const struct ics *I, const struct mp_event *e, struct owners *o)
{
    const mp_plan *p = I->plan;
    memset(o, 0, sizeof *o);
    for (size_t c = 0; c < p->nchannels; c++) {
        const struct mp_channel *ch = &p->channels[c];
        int other = 0; /* tied to another event only */
        for (size_t j = 0; j < p->nevents; j++)
            if (&p->events[j] != e && listed(p->events[j].event_channels, p->events[j].nevent_channels, ch->id))
                other = 1;
        if (listed(e->event_channels, e->nevent_channels, ch->id) ||
            (!e->full_all && listed(e->full_lift, e->nfull_lift, ch->id)) || (ch->kind == MP_KIND_EVENT && !other))
            owners_add(o, ch->owner);
    }
}

/* The first 12 hex digits of the SHA-256 of the parts, joined by a unit separator. */
static void digest(char out[13], const char *const *parts, size_t n)
{
    SHA2_CTX ctx;
    char hex[SHA256_DIGEST_STRING_LENGTH];
    SHA256Init(&ctx);
    for (size_t i = 0; i < n; i++) {
        const char *s = parts[i] ? parts[i] : "";
        SHA256Update(&ctx, (const uint8_t *)s, strlen(s));
        SHA256Update(&ctx, (const uint8_t *)"\x1f", 1);
    }
    SHA256End(&ctx, hex);
    memcpy(out, hex, 12);
    out[12] = '\0';
}

/* A UID stable across revisions of the plan (so a calendar app updates entries instead of
 * duplicating them) and unique per store: readable slugs, then a digest of the store's full
 * name and the entry (slugs drop the Chinese of 青妍美妆旗舰店 or 双11; the digest does not). */
static void begin(struct ics *I, const char *kind, const char *what, int32_t day)
{
    char uid[256], what_slug[96], d[11], h[13];
    slugify(what, what_slug, sizeof what_slug);
    mp_date_format(day, d);
    const char *parts[] = {I->plan->store, kind, what, d};
    digest(h, parts, sizeof parts / sizeof *parts);
    snprintf(uid, sizeof uid, "UID:%s-%s-%s-%s-%s@mplan", I->slug, kind, what_slug, d, h);
    line(I, "BEGIN:VEVENT");
    line(I, uid);
    char stamp[40];
    snprintf(stamp, sizeof stamp, "DTSTAMP:%s", I->stamp);
    line(I, stamp);
}

/* ---- what goes in ---- */

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

static void end_with_alarm(struct ics *I, const char *trigger, const char *summary)
{
    line(I, "BEGIN:VALARM");
    line(I, "ACTION:DISPLAY");
    text_prop(I, "TRIGGER", "%s", trigger);
    text_prop(I, "DESCRIPTION", "%s", summary);
    line(I, "END:VALARM");
    line(I, "END:VEVENT");
}

static void write_event(struct ics *I, const struct mp_event *e)
{
    static const enum mp_phase order[] = {MP_PHASE_PREPARATION, MP_PHASE_STORAGE, MP_PHASE_WARMUP,
                                          MP_PHASE_OUTBREAK, MP_PHASE_REVIEW};
    struct owners o;
    char names[1024];
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        enum mp_phase ph = order[i];
        if (e->from[ph] > e->to[ph])
            continue;
        char what[300];
        snprintf(what, sizeof what, "%s %s", e->name, mp_phase_name(ph));
        owners_spending(I, e->from[ph], e->to[ph], &o);
        begin(I, "phase", what, e->from[ph]);
        text_prop(I, "SUMMARY", "%s: %s", e->name, mp_phase_name(ph));
        const char *pn = mp_phase_name(ph);
        text_prop(I, "DESCRIPTION", "%c%s phase of %s. %s%s", toupper((unsigned char)pn[0]), pn + 1, e->name,
                  phase_hint(ph), owners_text(&o, names, sizeof names));
        text_prop(I, "CATEGORIES", "%s", mp_phase_name(ph));
        date_prop(I, "DTSTART", e->from[ph]);
        date_prop(I, "DTEND", e->to[ph] + 1); /* DTEND of an all-day event is exclusive */
        attendees(I, &o);
        line(I, "TRANSP:TRANSPARENT");
        line(I, "END:VEVENT");
    }
    /* Deadlines on the day their phase starts, with a reminder the day before; they concern
     * whoever spends in the event (preparation to outbreak). */
    static const struct { enum mp_phase ph; const char *before, *after; } deadlines[] = {
        {MP_PHASE_PREPARATION, "Deadline: register for ", ""},
        {MP_PHASE_STORAGE, "Deadline: creatives, coupons and landing pages ready for ", ""},
        {MP_PHASE_REVIEW, "Review ", ": plan vs actual (mplan review)"},
    };
    for (size_t i = 0; i < sizeof deadlines / sizeof *deadlines; i++) {
        enum mp_phase ph = deadlines[i].ph;
        if (e->from[ph] > e->to[ph])
            continue;
        /* registration: the event's own channels; assets: who spends from storage to the
         * outbreak; the review: who spent in the event */
        int32_t from = e->outbreak_from;
        for (int q = ph == MP_PHASE_STORAGE ? MP_PHASE_STORAGE : MP_PHASE_PREPARATION; q < MP_PHASE_OUTBREAK; q++)
            if (e->from[q] <= e->to[q] && e->from[q] < from)
                from = e->from[q];
        if (ph == MP_PHASE_PREPARATION)
            owners_tied(I, e, &o);
        else
            owners_spending(I, from, e->outbreak_to, &o);
        char summary[400];
        snprintf(summary, sizeof summary, "%s%s%s", deadlines[i].before, e->name, deadlines[i].after);
        begin(I, "deadline", summary, e->from[ph]);
        text_prop(I, "SUMMARY", "%s", summary);
        const char *pn = mp_phase_name(ph);
        text_prop(I, "DESCRIPTION", "%c%s starts on this day.%s", toupper((unsigned char)pn[0]), pn + 1,
                  owners_text(&o, names, sizeof names));
        text_prop(I, "CATEGORIES", "deadline");
        date_prop(I, "DTSTART", e->from[ph]);
        date_prop(I, "DTEND", e->from[ph] + 1);
        attendees(I, &o);
        end_with_alarm(I, "-P1D", summary);
    }
}

/* "2027-07-19  12,500" per period of [t, u), newline-separated, after "planned spend". */
static void amounts(const struct ics *I, size_t c, int t, int u, char *buf, size_t n)
{
    const mp_plan *p = I->plan;
    const char *unit = p->unit == MP_UNIT_DAY ? "" : p->unit == MP_UNIT_WEEK ? "week of " : "month of ";
    size_t k = 0;
    buf[0] = '\0';
    for (int v = t; v < u && k + 1 < n; v++) {
        char d[11], num[64];
        mp_date_format(p->period_start[v], d);
        mp_fmt_num(I->alloc->spend[c * (size_t)p->T + (size_t)v], 0, num, sizeof num);
        int w = snprintf(buf + k, n - k, "\n%s%s: %s", unit, d, num);
        if (w < 0 || (size_t)w >= n - k) {
            snprintf(buf + k, n - k, "\n...");
            break;
        }
        k += (size_t)w;
    }
}

/* One entry per run of consecutive periods in which the channel works. */
static void write_channel(struct ics *I, size_t c)
{
    const mp_plan *p = I->plan;
    const struct mp_channel *ch = &p->channels[c];
    const char *cur = p->currency ? p->currency : "";
    for (int t = 0; t < p->T;) {
        int on = ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[t] > 0 : ch->active[t];
        if (!on) {
            t++;
            continue;
        }
        int u = t;
        double spend = 0;
        while (u < p->T && (ch->mode == MP_MODE_FIXED_SPEND ? ch->spend[u] > 0 : ch->active[u])) {
            spend += I->alloc ? I->alloc->spend[c * (size_t)p->T + (size_t)u] : 0;
            u++;
        }
        char what[200], from[11], to[11], total[64], each[1600], names[300];
        struct owners o = {0};
        owners_add(&o, ch->owner);
        snprintf(what, sizeof what, "channel %s", ch->id);
        mp_date_format(p->period_start[t], from);
        mp_date_format(p->period_start[u] - 1, to);
        begin(I, "channel", what, p->period_start[t]);
        text_prop(I, "SUMMARY", "Run %s", ch->name);
        if (I->alloc) {
            amounts(I, c, t, u, each, sizeof each);
            text_prop(I, "DESCRIPTION", "Channel %s (%s), periods %d..%d (%s..%s): planned spend %s%s%s:%s%s",
                      ch->id, mp_kind_name(ch->kind), t + 1, u, from, to, mp_fmt_num(spend, 0, total, sizeof total),
                      *cur ? " " : "", cur, each, owners_text(&o, names, sizeof names));
        } else {
            text_prop(I, "DESCRIPTION", "Channel %s (%s), periods %d..%d (%s..%s).%s", ch->id,
                      mp_kind_name(ch->kind), t + 1, u, from, to, owners_text(&o, names, sizeof names));
        }
        text_prop(I, "CATEGORIES", "channel");
        date_prop(I, "DTSTART", p->period_start[t]);
        date_prop(I, "DTEND", p->period_start[u]);
        attendees(I, &o);
        line(I, "TRANSP:TRANSPARENT");
        line(I, "END:VEVENT");
        t = u;
    }
}

/* A plan's `milestones:` entry: all day, or at a local ("floating", RFC 5545 3.3.5) time
 * with no end (an instant, 3.6.1); a reminder the day before. */
static void write_milestone(struct ics *I, const struct mp_milestone *m)
{
    struct owners o = {0};
    char names[300], buf[64];
    owners_add(&o, m->owner);
    begin(I, "milestone", m->name, m->day);
    text_prop(I, "SUMMARY", "%s", m->name);
    text_prop(I, "DESCRIPTION", "%s%s", m->note ? m->note : "Milestone of the plan.", owners_text(&o, names, sizeof names));
    text_prop(I, "CATEGORIES", "milestone");
    if (m->minute < 0) {
        date_prop(I, "DTSTART", m->day);
        date_prop(I, "DTEND", m->day + 1);
    } else {
        int y, mo, d;
        mp_civil_from_days(m->day, &y, &mo, &d);
        snprintf(buf, sizeof buf, "DTSTART:%04d%02d%02dT%02d%02d00", y % 10000, mo % 100, d % 100,
                 m->minute / 60 % 100, m->minute % 60);
        line(I, buf);
    }
    attendees(I, &o);
    end_with_alarm(I, "-P1D", m->name);
}

enum mp_status mp_calendar_write_ics(FILE *fp, const mp_plan *plan, const mp_alloc *alloc, time_t stamp,
                                     mp_error *err)
{
    struct ics I = {.fp = fp, .plan = plan, .alloc = alloc};
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
    for (size_t i = 0; i < plan->nmilestones; i++)
        write_milestone(&I, &plan->milestones[i]);
    for (size_t c = 0; c < plan->nchannels; c++)
        write_channel(&I, c);
    line(&I, "END:VCALENDAR");
    return ferror(fp) ? mp_fail(err, MP_EIO, "calendar: write failed") : MP_OK;
}
