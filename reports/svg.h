/* svg.h - a tiny SVG writer for the HTML report: a growable text buffer,
 * plots with nicely rounded axes (a UTC time axis or a number axis), line,
 * step and area series, markers, bars, a histogram, a heatmap and labels.
 *
 * Output is byte-identical run to run: coordinates are written with one
 * decimal and labels with a fixed precision by integer arithmetic (never
 * printf's %f, so no locale), and nothing depends on addresses or the clock.
 *
 * Downsampling (svg_line, svg_markers): a series is drawn per pixel column
 * of its plot. For a line, each column keeps the first, lowest, highest and
 * last points in time order ("M4"): a one-sample spike still reaches its
 * extreme, and a series of millions of points costs at most 4 points per
 * column. Markers keep the lowest and highest of each column. So the size of
 * a chart depends on its width, never on the length of the run.
 *
 * Styling is by class (grid, tick, axis, ...); svg_css() is the matching
 * stylesheet that the page inlines once.
 */
#ifndef LOB_SVG_H
#define LOB_SVG_H

#include <stddef.h>
#include <stdint.h>

/* A growable text buffer. Zero-initialise; on no memory `oom` is set and
 * later writes are dropped (check it once at the end). */
typedef struct {
  char *p;
  size_t n, cap;
  int oom;
} svg_buf_t;

void svg_buf_free(svg_buf_t *b);
void svg_putn(svg_buf_t *b, const char *s, size_t n);
void svg_puts(svg_buf_t *b, const char *s);
/* printf for integers and strings only: never pass a double (svg_num). */
void svg_printf(svg_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s escaped for HTML/XML text and attribute values (& < > " '). */
void svg_esc(svg_buf_t *b, const char *s);

/* v with `dec` decimals (0..9), rounded half away from zero, trailing
 * fraction zeros trimmed, "-0" written as "0"; locale-independent. Returns
 * the length (0 if cap is too small; a non-finite v is written as "0"). */
size_t svg_fmt(double v, int dec, char *buf, size_t cap);
void svg_num(svg_buf_t *b, double v, int dec);
/* v with `sig` significant digits (1..15), as svg_fmt (no exponent). */
size_t svg_fmt_sig(double v, int sig, char *buf, size_t cap);

/* Ticks of a number axis: multiples of 1, 2 or 5 x 10^k inside [lo, hi],
 * about `target` of them. Writes up to cap into out; *dec is the number of
 * decimals their labels need. Returns how many. */
size_t svg_ticks(double lo, double hi, int target, double *out, size_t cap, int *dec);
/* lo/hi widened to the enclosing tick step (and a flat range opened up), so
 * that the data does not touch the frame. */
void svg_nice_range(double *lo, double *hi);
/* Ticks of a UTC time axis [t0, t1] (ns): multiples of a step from 1 ms to
 * 30 days chosen for about `target` ticks, aligned on the UTC epoch (so
 * days start at midnight). Returns how many; *step the step in ns. */
size_t svg_time_ticks(int64_t t0, int64_t t1, int target, int64_t *out, size_t cap, int64_t *step);
/* A tick label for step: "MM-DD" (days), "HH:MM" (minutes, hours),
 * "HH:MM:SS" (seconds), "SS.mmm" (below a second). Returns the length. */
size_t svg_time_label(int64_t t, int64_t step, char *buf, size_t cap);

/* A plot: a rectangle of the SVG (px) and the data ranges mapped onto it.
 * x values are doubles relative to xorg, which time plots set to their
 * first instant (ns) so that int64 times keep their precision. */
typedef struct {
  double left, top, width, height;
  int64_t xorg;
  double x0, x1, y0, y1;
} svg_plot_t;

/* A time plot of [t0, t1] x [y0, y1] (a degenerate range is opened up). */
void svg_plot_time(svg_plot_t *p, double left, double top, double w, double h, int64_t t0,
                   int64_t t1, double y0, double y1);
/* A number plot of [x0, x1] x [y0, y1]. */
void svg_plot_num(svg_plot_t *p, double left, double top, double w, double h, double x0, double x1,
                  double y0, double y1);
double svg_px(const svg_plot_t *p, double x);
double svg_pxt(const svg_plot_t *p, int64_t t);
double svg_py(const svg_plot_t *p, double y);

/* <svg> with a viewBox of w x h (scaled to the page by CSS) and an
 * accessible label; svg_close ends it. */
void svg_open(svg_buf_t *b, int w, int h, const char *label);
void svg_close(svg_buf_t *b);

/* Axes: grid lines and tick labels. svg_axis_time labels the bottom edge
 * with UTC times (labels = 0: grid only, for a panel stacked above another);
 * svg_axis_x labels numbers with `suffix` ("%"); svg_axis_y labels the left
 * edge. A frame line is drawn along the bottom. */
void svg_axis_time(svg_buf_t *b, const svg_plot_t *p, int labels);
void svg_axis_x(svg_buf_t *b, const svg_plot_t *p, const char *suffix);
void svg_axis_y(svg_buf_t *b, const svg_plot_t *p, const char *suffix);

/* A series: n points at x[i] (ns) with y = yi[i] x yscale, or yd[i] when yi
 * is NULL. skip_zero: points with y == 0 are missing (a mark price before
 * the book has one). */
typedef struct {
  size_t n;
  const int64_t *x;
  const int64_t *yi;
  double yscale;
  const double *yd;
  int skip_zero;
} svg_series_t;

double svg_series_y(const svg_series_t *s, size_t i);
/* Widens [*lo, *hi] to the series' values (a first call: *lo > *hi).
 * Returns how many points counted. */
size_t svg_series_range(const svg_series_t *s, double *lo, double *hi);

enum { SVG_LINE = 0, SVG_STEP = 1, SVG_AREA = 2 };
/* The series as one <path class="cls">, downsampled per pixel column (M4,
 * see above). mode: SVG_LINE straight segments, SVG_STEP holds each value
 * until the next point, SVG_AREA (with a step) is closed to y = 0 for a
 * fill. Points outside the plot's x range are left out. Returns the number
 * of points written. */
size_t svg_line(svg_buf_t *b, const svg_plot_t *p, const svg_series_t *s, int mode,
                const char *cls);

enum { SVG_TRI_UP = 0, SVG_TRI_DOWN = 1 };
/* Triangles at the points, one <path class="cls">: per pixel column only
 * the lowest and the highest (see above). Returns the markers written. */
size_t svg_markers(svg_buf_t *b, const svg_plot_t *p, const svg_series_t *s, int shape,
                   const char *cls);

/* A horizontal line at y across the plot (a limit, zero). */
void svg_hline(svg_buf_t *b, const svg_plot_t *p, double y, const char *cls);
/* Text at (x, y) px; anchor "start", "middle" or "end". */
void svg_text(svg_buf_t *b, double x, double y, const char *anchor, const char *cls,
              const char *text);
/* A legend entry: a short line of class cls and its text. */
void svg_legend(svg_buf_t *b, double x, double y, const char *cls, const char *text);

/* Vertical bars from 0: bar i of height v[i] with labels[i] under it and
 * vtext[i] above (below for a negative bar); positive bars class "pos",
 * negative "neg", one path each, on a number y axis with `suffix`. */
void svg_bars(svg_buf_t *b, double left, double top, double w, double h, size_t n, const double *v,
              const char *const *labels, const char *const *vtext, const char *suffix);
/* A histogram of nbins equal bins over [lo, hi]: counts as bars (one path),
 * x labelled with `suffix`, y in counts. */
void svg_histogram(svg_buf_t *b, double left, double top, double w, double h, double lo, double hi,
                   const size_t *counts, size_t nbins, const char *suffix);
/* A rows x cols grid (v row-major; NaN = no value) coloured on a diverging
 * scale, symmetric around 0 (blue up, red down, 2 x SVG_HEAT_LEVELS + 1
 * shades, one path per shade): |v| >= vmax gets the darkest shade (vmax <= 0:
 * the largest |v|); rlab[r] / clab[c] label the rows and columns (NULL
 * entries are skipped); a legend states the scale with `suffix`. */
#define SVG_HEAT_LEVELS 5
void svg_heatmap(svg_buf_t *b, double left, double top, double w, double h, size_t rows,
                 size_t cols, const double *v, double vmax, const char *const *rlab,
                 const char *const *clab, const char *suffix);

/* The stylesheet for the classes above. */
const char *svg_css(void);

#endif
