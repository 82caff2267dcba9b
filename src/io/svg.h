/* Small SVG charts written straight to a stream: line plots, stacked bars with shaded bands,
 * horizontal bars. Shared by `whatif --svg` and the HTML report; no scripts, no fonts to
 * fetch, sized by viewBox so they scale to a phone's width. */
#ifndef MPLAN_IO_SVG_H
#define MPLAN_IO_SVG_H

#include <stddef.h>
#include <stdio.h>

/* XML-escaped text. */
void mp_svg_text(FILE *fp, const char *s);
/* A colour of the palette (colour-blind safe), cycling. */
const char *mp_svg_color(size_t i);
/* A short number for axis labels: 950, 12.5k, 1.25M. */
void mp_svg_short(double v, char *buf, size_t n);
/* The width of a text at a font size, estimated (system-ui: about 0.6 em a Latin
 * character, 1 em a CJK one), to keep labels from colliding. */
double mp_svg_text_width(const char *s, double font_size);
/* s into buf, cut at a character boundary with "..." so that it fits `width`. */
char *mp_svg_fit(char *buf, size_t n, const char *s, double width, double font_size);

/* <svg> with a viewBox of w x h and an accessible label; `id` may be NULL. */
void mp_svg_open(FILE *fp, double w, double h, const char *id, const char *label);
void mp_svg_close(FILE *fp);

struct mp_svg_series {
    const char *name;    /* NULL: not in the legend (a second line of the same thing) */
    size_t color;        /* palette index (mp_svg_color) */
    const double *x, *y; /* n points; NAN y values break the line */
    size_t n;
    int dashed;
    int points; /* small hollow circles (class "pt"), no line: observations beside a curve */
};

/* A labelled point drawn on top of the lines (a chosen spend and its mROAS). */
struct mp_svg_mark {
    double x, y;
    const char *label;
};

/* A labelled horizontal reference line across the plot (a goal, a break-even ROAS). */
struct mp_svg_hline {
    double y;
    const char *label;
};

struct mp_svg_plot {
    double x, y, w, h; /* where in the enclosing <svg> */
    const char *title, *xlabel, *ylabel;
    const struct mp_svg_series *series;
    size_t nseries;
    const struct mp_svg_mark *marks;
    size_t nmarks;
    const struct mp_svg_hline *hlines; /* kept inside the y range */
    size_t nhlines;
    int legend; /* a legend row under the title */
};

/* Axes with rounded ticks, one polyline (or circles) per series, the marks. */
void mp_svg_plot_lines(FILE *fp, const struct mp_svg_plot *p);

/* A shaded stretch of bars [from, to) (bar indexes), e.g. an event phase. */
struct mp_svg_band {
    size_t from, to;
    const char *label;
    const char *color;
};

struct mp_svg_stack {
    double x, y, w, h;
    const char *title, *ylabel;
    size_t nbars, nlayers;
    const double *v;                 /* [layer * nbars + bar], >= 0 */
    const char *const *layer_names;  /* [nlayers] */
    const char *const *bar_labels;   /* [nbars], may be NULL */
    const struct mp_svg_band *bands;
    size_t nbands;
    /* Events named above the bars over their whole stretch (the label says name and dates;
     * color unused); labels that would overlap go on a second row. */
    const struct mp_svg_band *events;
    size_t nevents;
};

/* Bars of stacked layers (spend by channel per period) over shaded bands, with a legend.
 * A band's label is written only where it fits its band (the page lists them all); bar
 * labels are thinned to what the width holds. */
void mp_svg_stacked_bars(FILE *fp, const struct mp_svg_stack *s);

struct mp_svg_hbar {
    const char *label;
    double value, compare; /* compare: a second, thinner bar (plan vs actual); NAN for none */
    const char *note;      /* text after the bar, may be NULL */
};

/* Horizontal bars, one row each; `log` scales lengths by log10 (a funnel spans decades). */
void mp_svg_hbars(FILE *fp, double x, double y, double w, const char *title, const struct mp_svg_hbar *bars,
                  size_t n, int log, const char *value_name, const char *compare_name);
/* The height mp_svg_hbars takes for n rows. */
double mp_svg_hbars_height(size_t n);

#endif
