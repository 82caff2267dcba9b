#include "io/svg.h"

#include <math.h>
#include <string.h>

#define FONT 11.0
#define TICKS_MAX 12

void mp_svg_text(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

const char *mp_svg_color(size_t i)
{
    /* Okabe-Ito, then Tableau's softer tones: distinguishable with the common colour blindnesses */
    static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                                          "#D55E00", "#F0E442", "#999999", "#8C564B", "#17BECF"};
    return palette[i % (sizeof palette / sizeof *palette)];
}

void mp_svg_short(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(buf, n, "%.3gB", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, n, "%.3gM", v / 1e6);
    else if (a >= 1e4)
        snprintf(buf, n, "%.3gk", v / 1e3);
    else
        snprintf(buf, n, "%.4g", v);
}

double mp_svg_text_width(const char *s, double font_size)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p < 0x80)
            em += 0.6;
        else if (*p >= 0xE0) /* the lead byte of a 3- or 4-byte character: CJK is full width */
            em += 1.0;
        else if (*p >= 0xC0)
            em += 0.6; /* 2-byte: accented Latin, Greek, Cyrillic */
    }
    return em * font_size;
}

char *mp_svg_fit(char *buf, size_t n, const char *s, double width, double font_size)
{
    snprintf(buf, n, "%s", s);
    if (mp_svg_text_width(buf, font_size) <= width)
        return buf;
    size_t len = strlen(buf);
    while (len > 0) {
        do /* back to the start of a UTF-8 character */
            len--;
        while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80);
        if (len + 4 > n)
            continue;
        memcpy(buf + len, "...", 4);
        if (mp_svg_text_width(buf, font_size) <= width)
            break;
    }
    return buf;
}

void mp_svg_open(FILE *fp, double w, double h, const char *id, const char *label)
{
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
                "font-family=\"system-ui, sans-serif\" font-size=\"%.0f\" role=\"img\"",
            w, h, FONT);
    if (id) {
        fputs(" id=\"", fp);
        mp_svg_text(fp, id);
        fputc('"', fp);
    }
    fputs(" aria-label=\"", fp);
    mp_svg_text(fp, label);
    fputs("\">\n", fp);
}

void mp_svg_close(FILE *fp)
{
    fputs("</svg>\n", fp);
}

/* Rounded tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
static int ticks(double lo, double hi, double *out)
{
    if (!(hi > lo))
        hi = lo + 1;
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    int n = 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < TICKS_MAX; v += step)
        out[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

static void title(FILE *fp, double x, double y, const char *text)
{
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"600\" font-size=\"13\">", x, y);
    mp_svg_text(fp, text);
    fputs("</text>\n", fp);
}

/* An observation: a small hollow circle, apart from the filled dot of a mark; class "pt" on
 * the data's (not on the legend's). */
static void point(FILE *fp, double x, double y, const char *color, int data)
{
    fprintf(fp, "<circle%s cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"#fff\" fill-opacity=\"0.6\" "
                "stroke=\"%s\" stroke-width=\"1.5\"/>\n", data ? " class=\"pt\"" : "",
            x, y, color);
}

/* Legend items flowing left to right, wrapping at width w; returns the height used. Item i
 * is coloured colors[i] (palette index i when colors is NULL), a circle where dots[i]. */
static double legend(FILE *fp, double x, double y, double w, const char *const *names, const size_t *colors,
                     const unsigned char *dots, size_t n, int draw)
{
    double cx = 0, cy = 0;
    for (size_t i = 0; i < n; i++) {
        double iw = 18 + mp_svg_text_width(names[i], FONT) + 12;
        if (cx > 0 && cx + iw > w) {
            cx = 0;
            cy += 16;
        }
        if (draw) {
            const char *color = mp_svg_color(colors ? colors[i] : i);
            if (dots && dots[i])
                point(fp, x + cx + 6, y + cy - 4, color, 0);
            else
                fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"%s\"/>", x + cx,
                        y + cy - 9, color);
            fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">", x + cx + 16, y + cy);
            mp_svg_text(fp, names[i]);
            fputs("</text>\n", fp);
        }
        cx += iw;
    }
    return n ? cy + 16 : 0;
}

struct frame {
    double x0, y0, w, h; /* inner plotting area */
    double xlo, xhi, ylo, yhi;
};

static double fx(const struct frame *f, double v)
{
    return f->x0 + (f->xhi > f->xlo ? (v - f->xlo) / (f->xhi - f->xlo) : 0.5) * f->w;
}

static double fy(const struct frame *f, double v)
{
    return f->y0 + f->h - (f->yhi > f->ylo ? (v - f->ylo) / (f->yhi - f->ylo) : 0) * f->h;
}

/* Horizontal grid lines with y labels; x ticks when xt is given. */
static void axes(FILE *fp, const struct frame *f, int xt, const char *xlabel, const char *ylabel)
{
    double t[TICKS_MAX];
    char buf[32];
    int n = ticks(f->ylo, f->yhi, t);
    for (int i = 0; i < n; i++) {
        double y = fy(f, t[i]);
        mp_svg_short(t[i], buf, sizeof buf);
        fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>\n",
                f->x0, f->x0 + f->w, y, y, f->x0 - 4, y + 4, buf);
    }
    fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", f->x0, f->x0 + f->w,
            f->y0 + f->h, f->y0 + f->h);
    if (xt) {
        n = ticks(f->xlo, f->xhi, t);
        for (int i = 0; i < n; i++) {
            double x = fx(f, t[i]);
            mp_svg_short(t[i], buf, sizeof buf);
            fprintf(fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
                    x, x, f->y0 + f->h, f->y0 + f->h + 4, x, f->y0 + f->h + 16, buf);
        }
    }
    if (xlabel) {
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#333\">", f->x0 + f->w / 2,
                f->y0 + f->h + 30);
        mp_svg_text(fp, xlabel);
        fputs("</text>\n", fp);
    }
    if (ylabel) {
        fprintf(fp, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">",
                f->x0 - 44, f->y0 + f->h / 2);
        mp_svg_text(fp, ylabel);
        fputs("</text>\n", fp);
    }
}

void mp_svg_plot_lines(FILE *fp, const struct mp_svg_plot *p)
{
    const char *names[64];
    size_t colors[64], nn = 0;
    unsigned char dots[64];
    for (size_t i = 0; i < p->nseries && nn < 64; i++)
        if (p->series[i].name) {
            colors[nn] = p->series[i].color;
            dots[nn] = (unsigned char)p->series[i].points;
            names[nn++] = p->series[i].name;
        }
    double top = p->y + 22 + (p->legend ? legend(fp, 0, 0, p->w - 60, names, colors, dots, nn, 0) : 0);
    struct frame f = {.x0 = p->x + 58, .y0 = top + 6, .w = p->w - 72, .h = p->y + p->h - 40 - top - 6,
                      .xlo = INFINITY, .xhi = -INFINITY, .ylo = 0, .yhi = -INFINITY};
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            double x = p->series[s].x[i], y = p->series[s].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            f.xlo = fmin(f.xlo, x);
            f.xhi = fmax(f.xhi, x);
            f.ylo = fmin(f.ylo, y);
            f.yhi = fmax(f.yhi, y);
        }
    for (size_t m = 0; m < p->nmarks; m++)
        if (isfinite(p->marks[m].y))
            f.yhi = fmax(f.yhi, p->marks[m].y);
    for (size_t r = 0; r < p->nhlines; r++)
        if (isfinite(p->hlines[r].y))
            f.ylo = fmin(f.ylo, p->hlines[r].y), f.yhi = fmax(f.yhi, p->hlines[r].y);
    if (!isfinite(f.xlo))
        f.xlo = 0, f.xhi = 1;
    if (!isfinite(f.yhi) || f.yhi <= f.ylo)
        f.yhi = f.ylo + 1;
    f.yhi += (f.yhi - f.ylo) * 0.05;
    fprintf(fp, "<g class=\"plot\">\n");
    if (p->title)
        title(fp, p->x + 4, p->y + 15, p->title);
    if (p->legend)
        legend(fp, p->x + 58, p->y + 36, p->w - 60, names, colors, dots, nn, 1);
    axes(fp, &f, 1, p->xlabel, p->ylabel);
    for (size_t r = 0; r < p->nhlines; r++) {
        const struct mp_svg_hline *L = &p->hlines[r];
        if (!isfinite(L->y))
            continue;
        double y = fy(&f, L->y), tw = mp_svg_text_width(L->label, FONT);
        fprintf(fp, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
                    "stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">",
                f.x0, y, f.x0 + f.w, y, f.x0 + f.w - tw - 4, y - 4);
        mp_svg_text(fp, L->label);
        fputs("</text>\n", fp);
    }
    for (size_t s = 0; s < p->nseries; s++) {
        const struct mp_svg_series *S = &p->series[s];
        if (S->points) {
            for (size_t i = 0; i < S->n; i++)
                if (isfinite(S->x[i]) && isfinite(S->y[i]))
                    point(fp, fx(&f, S->x[i]), fy(&f, S->y[i]), mp_svg_color(S->color), 1);
            continue;
        }
        int open = 0;
        for (size_t i = 0; i < S->n; i++) {
            int ok = isfinite(S->x[i]) && isfinite(S->y[i]);
            if (ok && !open) {
                fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", mp_svg_color(S->color),
                        S->dashed ? " stroke-dasharray=\"5 4\"" : "");
                open = 1;
            } else if (!ok && open) {
                fputs("\"/>\n", fp);
                open = 0;
            }
            if (ok)
                fprintf(fp, "%.1f,%.1f ", fx(&f, S->x[i]), fy(&f, S->y[i]));
        }
        if (open)
            fputs("\"/>\n", fp);
    }
    for (size_t m = 0; m < p->nmarks; m++) {
        const struct mp_svg_mark *k = &p->marks[m];
        if (!isfinite(k->x) || !isfinite(k->y))
            continue;
        double x = fx(&f, k->x), y = fy(&f, k->y);
        /* the label beside the dot, kept inside the plotting area: never over the y axis'
         * tick labels on the left or past the right edge */
        double tw = mp_svg_text_width(k->label, FONT) * 1.05, tx = x > f.x0 + f.w * 0.6 ? x - 8 - tw : x + 8;
        tx = fmax(f.x0 + 4, fmin(tx, f.x0 + f.w - tw));
        double ty = y + 16 > f.y0 + f.h - 4 ? y - 10 : y + 16;
        fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#222\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"600\">",
                x, y, tx, ty);
        mp_svg_text(fp, k->label);
        fputs("</text>\n", fp);
    }
    fputs("</g>\n", fp);
}

/* Event labels above the bars: row of each (0 or 1) so that labels on a row do not overlap;
 * returns the number of rows used. */
static int event_rows(const struct mp_svg_stack *s, const struct frame *f, double bw, int *row)
{
    double end[2] = {-INFINITY, -INFINITY};
    int rows = 0;
    for (size_t i = 0; i < s->nevents && i < 64; i++) {
        const struct mp_svg_band *e = &s->events[i];
        double mid = f->x0 + bw * (double)(e->from + e->to) / 2, tw = mp_svg_text_width(e->label, FONT);
        double left = fmax(f->x0, fmin(mid - tw / 2, f->x0 + f->w - tw));
        row[i] = left >= end[0] + 6 ? 0 : 1;
        end[row[i]] = left + tw;
        rows = rows > row[i] + 1 ? rows : row[i] + 1;
    }
    return rows;
}

void mp_svg_stacked_bars(FILE *fp, const struct mp_svg_stack *s)
{
    double lh = legend(fp, 0, 0, s->w - 60, (const char *const *)s->layer_names, NULL, NULL, s->nlayers, 0);
    struct frame f = {.x0 = s->x + 58, .w = s->w - 66, .xlo = 0, .xhi = (double)s->nbars, .ylo = 0, .yhi = 0};
    double bw = f.w / (double)(s->nbars ? s->nbars : 1);
    int row[64];
    int erows = event_rows(s, &f, bw, row);
    double top = s->y + 24 + lh + 18 * erows;
    f.y0 = top + 14;
    f.h = s->y + s->h - 34 - top - 14;
    for (size_t b = 0; b < s->nbars; b++) {
        double sum = 0;
        for (size_t l = 0; l < s->nlayers; l++)
            sum += s->v[l * s->nbars + b];
        f.yhi = fmax(f.yhi, sum);
    }
    if (f.yhi <= 0)
        f.yhi = 1;
    f.yhi *= 1.05;
    fprintf(fp, "<g class=\"stack\">\n");
    if (s->title)
        title(fp, s->x + 4, s->y + 15, s->title);
    legend(fp, s->x + 58, s->y + 36, s->w - 60, (const char *const *)s->layer_names, NULL, NULL, s->nlayers, 1);
    for (size_t i = 0; i < s->nevents && i < 64; i++) {
        const struct mp_svg_band *e = &s->events[i];
        /* its row: the name on a baseline, a bracket over the event's bars under it */
        double x0 = f.x0 + bw * (double)e->from, x1 = f.x0 + bw * (double)e->to, y = top - 18 * (erows - row[i]);
        double tw = mp_svg_text_width(e->label, FONT), left = fmax(f.x0, fmin((x0 + x1 - tw) / 2, f.x0 + f.w - tw));
        fprintf(fp, "<path class=\"event\" d=\"M%.1f %.1fv-3H%.1fv3\" fill=\"none\" stroke=\"#666\"/>"
                    "<text class=\"event\" x=\"%.1f\" y=\"%.1f\" font-weight=\"600\" fill=\"#333\">",
                x0 + 1, y + 17, x1 - 1, left, y + 10);
        mp_svg_text(fp, e->label);
        fputs("</text>\n", fp);
    }
    for (size_t i = 0; i < s->nbands; i++) {
        const struct mp_svg_band *band = &s->bands[i];
        double x = f.x0 + bw * (double)band->from, w = bw * (double)(band->to - band->from);
        fprintf(fp, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                x, f.y0 - 12, w, f.h + 12, band->color);
        mp_svg_text(fp, band->label);
        fputs("</title></rect>\n", fp);
        if (mp_svg_text_width(band->label, FONT) + 4 <= w) { /* only where it fits: no "warmu|outbreak" */
            fprintf(fp, "<text class=\"band-label\" x=\"%.1f\" y=\"%.1f\" fill=\"#444\">", x + 2,
                    f.y0 - 3);
            mp_svg_text(fp, band->label);
            fputs("</text>\n", fp);
        }
    }
    axes(fp, &f, 0, NULL, s->ylabel);
    /* bar labels: every k-th, so that each has its room */
    double lw = 0;
    for (size_t b = 0; s->bar_labels && b < s->nbars; b++)
        lw = fmax(lw, mp_svg_text_width(s->bar_labels[b], FONT) + 6);
    size_t every = lw > bw ? (size_t)ceil(lw / bw) : 1;
    for (size_t b = 0; b < s->nbars; b++) {
        double base = 0;
        for (size_t l = 0; l < s->nlayers; l++) {
            double v = s->v[l * s->nbars + b];
            if (!(v > 0))
                continue;
            double y1 = fy(&f, base + v), y0 = fy(&f, base);
            char buf[32];
            mp_svg_short(v, buf, sizeof buf);
            fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\"><title>",
                    f.x0 + bw * ((double)b + 0.12), y1, bw * 0.76, y0 - y1, mp_svg_color(l));
            mp_svg_text(fp, s->layer_names[l]);
            fprintf(fp, ": %s</title></rect>\n", buf);
            base += v;
        }
        if (s->bar_labels && b % every == 0) { /* centred under its bar, kept within the plot's width */
            double tw = mp_svg_text_width(s->bar_labels[b], FONT);
            double x = fmax(f.x0, fmin(f.x0 + bw * ((double)b + 0.5) - tw / 2, f.x0 + f.w - tw));
            fprintf(fp, "<text class=\"bar-label\" x=\"%.1f\" y=\"%.1f\" fill=\"#555\">", x, f.y0 + f.h + 16);
            mp_svg_text(fp, s->bar_labels[b]);
            fputs("</text>\n", fp);
        }
    }
    fputs("</g>\n", fp);
}

double mp_svg_hbars_height(size_t n)
{
    return 26 + 28 * (double)n;
}

void mp_svg_hbars(FILE *fp, double x, double y, double w, const char *heading, const struct mp_svg_hbar *bars,
                  size_t n, int log, const char *value_name, const char *compare_name)
{
    double max = 0, lx = x + 110, bwmax = w - 110 - 170;
    for (size_t i = 0; i < n; i++)
        max = fmax(max, fmax(bars[i].value, isnan(bars[i].compare) ? 0 : bars[i].compare));
    fprintf(fp, "<g class=\"hbars\">\n");
    if (heading)
        title(fp, x + 4, y + 15, heading);
    for (size_t i = 0; i < n; i++) {
        const struct mp_svg_hbar *b = &bars[i];
        double ry = y + 26 + 28 * (double)i;
        double vals[2] = {b->value, b->compare};
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", lx - 6, ry + 13);
        mp_svg_text(fp, b->label);
        fputs("</text>\n", fp);
        double end = lx;
        for (int k = 0; k < 2; k++) {
            double v = vals[k];
            if (k == 1 && isnan(v))
                break;
            double frac = !(v > 0) || !(max > 0) ? 0 : log ? log10(1 + v) / log10(1 + max) : v / max;
            double len = fmax(frac * bwmax, v > 0 ? 1 : 0);
            fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", lx,
                    ry + (k ? 12 : 2), len, k ? 8.0 : (isnan(b->compare) ? 18.0 : 10.0), k ? "#E69F00" : "#0072B2");
            mp_svg_text(fp, k ? compare_name : value_name);
            fputs("</title></rect>\n", fp);
            end = fmax(end, lx + len);
        }
        if (b->note) {
            fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">", end + 6, ry + 14);
            mp_svg_text(fp, b->note);
            fputs("</text>\n", fp);
        }
    }
    fputs("</g>\n", fp);
}
