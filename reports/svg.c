/* svg.c - the SVG writer of the report (see svg.h): buffer, numbers,
 * ticks, plots and axes, downsampled series, markers, bars, histogram and
 * heatmap.
 *
 * Every number goes through svg_fmt, which rounds by integer arithmetic, so
 * the bytes are the same on every machine and in every locale. */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"

/* --- buffer ----------------------------------------------------------------------- */

void svg_buf_free(svg_buf_t *b) {
  if (!b) return;
  free(b->p);
  memset(b, 0, sizeof *b);
}

void svg_putn(svg_buf_t *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void svg_puts(svg_buf_t *b, const char *s) { svg_putn(b, s, strlen(s)); }

void svg_printf(svg_buf_t *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    svg_putn(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  svg_putn(b, big, (size_t)n);
  free(big);
}

void svg_esc(svg_buf_t *b, const char *s) {
  const char *run = s;
  for (; *s; s++) {
    const char *r = *s == '&'    ? "&amp;"
                    : *s == '<'  ? "&lt;"
                    : *s == '>'  ? "&gt;"
                    : *s == '"'  ? "&quot;"
                    : *s == '\'' ? "&#39;"
                                 : NULL;
    if (!r) continue;
    svg_putn(b, run, (size_t)(s - run));
    svg_puts(b, r);
    run = s + 1;
  }
  svg_putn(b, run, (size_t)(s - run));
}

/* --- numbers ---------------------------------------------------------------------- */

size_t svg_fmt(double v, int dec, char *buf, size_t cap) {
  if (!isfinite(v)) v = 0;
  dec = dec < 0 ? 0 : dec > 9 ? 9 : dec;
  while (dec > 0 && fabs(v) * (double)fx_pow10[dec] > 9e15) dec--; /* keep the integer exact */
  double s = v * (double)fx_pow10[dec];
  if (fabs(s) > 9e18) s = s < 0 ? -9e18 : 9e18;
  long long q = llround(s);
  unsigned long long a = q < 0 ? (unsigned long long)(-q) : (unsigned long long)q;
  unsigned long long p = (unsigned long long)fx_pow10[dec], ip = a / p, fp = a % p;
  char frac[24] = "";
  if (fp) {
    snprintf(frac, sizeof frac, ".%0*llu", dec, fp);
    size_t l = strlen(frac);
    while (frac[l - 1] == '0') frac[--l] = '\0';
  }
  int n = snprintf(buf, cap, "%s%llu%s", q < 0 ? "-" : "", ip, frac);
  if (n < 0 || (size_t)n >= cap) {
    if (cap) buf[0] = '\0';
    return 0;
  }
  return (size_t)n;
}

void svg_num(svg_buf_t *b, double v, int dec) {
  char t[48];
  svg_putn(b, t, svg_fmt(v, dec, t, sizeof t));
}

size_t svg_fmt_sig(double v, int sig, char *buf, size_t cap) {
  sig = sig < 1 ? 1 : sig > 15 ? 15 : sig;
  int dec = 0;
  if (isfinite(v) && v != 0) dec = sig - 1 - (int)floor(log10(fabs(v)));
  return svg_fmt(v, dec, buf, cap);
}

/* --- ticks -------------------------------------------------------------------------- */

static double nice_step(double range, int target) {
  if (!(range > 0)) return 1;
  double raw = range / (target > 0 ? target : 1), mag = pow(10, floor(log10(raw)));
  double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

size_t svg_ticks(double lo, double hi, int target, double *out, size_t cap, int *dec) {
  double step = nice_step(hi - lo, target);
  *dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
  if (*dec > 9) *dec = 9;
  if (!(hi >= lo)) return 0;
  size_t n = 0;
  for (double k = ceil(lo / step - 1e-9); n < cap; k++) {
    double t = k * step;
    if (t > hi + step * 1e-9) break;
    out[n++] = t;
  }
  return n;
}

void svg_nice_range(double *lo, double *hi) {
  if (!isfinite(*lo) || !isfinite(*hi) || *lo > *hi) *lo = 0, *hi = 1;
  if (*hi == *lo) {
    double pad = *lo == 0 ? 1 : fabs(*lo) * 0.01;
    *lo -= pad, *hi += pad;
  }
  double pad = (*hi - *lo) * 0.03, step;
  *lo -= pad, *hi += pad;
  step = nice_step(*hi - *lo, 5) / 2;
  *lo = floor(*lo / step) * step;
  *hi = ceil(*hi / step) * step;
}

#define MS TS_NS_PER_MS
#define SEC TS_NS_PER_S
#define MIN TS_NS_PER_MIN
#define HOUR TS_NS_PER_HOUR
#define DAY TS_NS_PER_DAY

size_t svg_time_ticks(int64_t t0, int64_t t1, int target, int64_t *out, size_t cap, int64_t *step) {
  static const int64_t STEPS[] = {
      MS,       2 * MS,    5 * MS,   10 * MS,  20 * MS,  50 * MS,  100 * MS, 200 * MS,
      500 * MS, SEC,       2 * SEC,  5 * SEC,  10 * SEC, 15 * SEC, 30 * SEC, MIN,
      2 * MIN,  5 * MIN,   10 * MIN, 15 * MIN, 30 * MIN, HOUR,     2 * HOUR, 3 * HOUR,
      6 * HOUR, 12 * HOUR, DAY,      2 * DAY,  7 * DAY,  14 * DAY, 30 * DAY};
  size_t ns = sizeof STEPS / sizeof STEPS[0], k = 0;
  if (target < 1) target = 1;
  while (k + 1 < ns && (t1 - t0) / STEPS[k] > target) k++;
  *step = STEPS[k];
  size_t n = 0;
  for (int64_t t = (ts_floor_div(t0 - 1, *step) + 1) * *step; t <= t1 && n < cap; t += *step)
    out[n++] = t;
  return n;
}

size_t svg_time_label(int64_t t, int64_t step, char *buf, size_t cap) {
  int64_t days = ts_floor_div(t, DAY), sod = t - days * DAY, y;
  unsigned mo, d;
  ts_civil_from_days(days, &y, &mo, &d);
  int hh = (int)(sod / HOUR), mi = (int)(sod / MIN % 60), ss = (int)(sod / SEC % 60);
  int ms = (int)(sod / MS % 1000), n;
  if (step >= DAY || (step >= MIN && sod == 0))
    n = snprintf(buf, cap, "%02u-%02u", mo, d);
  else if (step >= MIN)
    n = snprintf(buf, cap, "%02d:%02d", hh, mi);
  else if (step >= SEC)
    n = snprintf(buf, cap, "%02d:%02d:%02d", hh, mi, ss);
  else
    n = snprintf(buf, cap, "%02d:%02d.%03d", mi, ss, ms);
  return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* --- plots and axes ------------------------------------------------------------------- */

static void fix_range(double *a, double *b) {
  if (!isfinite(*a) || !isfinite(*b)) *a = 0, *b = 1;
  if (*b <= *a) *b = *a + (*a == 0 ? 1 : fabs(*a) * 1e-9 + 1e-12);
}

void svg_plot_num(svg_plot_t *p, double left, double top, double w, double h, double x0, double x1,
                  double y0, double y1) {
  p->left = left, p->top = top, p->width = w, p->height = h, p->xorg = 0;
  fix_range(&x0, &x1);
  fix_range(&y0, &y1);
  p->x0 = x0, p->x1 = x1, p->y0 = y0, p->y1 = y1;
}

void svg_plot_time(svg_plot_t *p, double left, double top, double w, double h, int64_t t0,
                   int64_t t1, double y0, double y1) {
  svg_plot_num(p, left, top, w, h, 0, t1 > t0 ? (double)(t1 - t0) : 1, y0, y1);
  p->xorg = t0;
}

double svg_px(const svg_plot_t *p, double x) {
  return p->left + (x - p->x0) / (p->x1 - p->x0) * p->width;
}
double svg_pxt(const svg_plot_t *p, int64_t t) { return svg_px(p, (double)(t - p->xorg)); }
double svg_py(const svg_plot_t *p, double y) {
  return p->top + p->height - (y - p->y0) / (p->y1 - p->y0) * p->height;
}

void svg_open(svg_buf_t *b, int w, int h, const char *label) {
  svg_printf(b,
             "<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"",
             w, h);
  svg_esc(b, label);
  svg_puts(b, "\">\n");
}

void svg_close(svg_buf_t *b) { svg_puts(b, "</svg>\n"); }

/* "Mx y" and friends: one decimal per coordinate. */
static void pt(svg_buf_t *b, char cmd, double x, double y) {
  svg_putn(b, &cmd, 1);
  svg_num(b, x, 1);
  svg_putn(b, " ", 1);
  svg_num(b, y, 1);
}

static void one(svg_buf_t *b, char cmd, double v) {
  svg_putn(b, &cmd, 1);
  svg_num(b, v, 1);
}

void svg_text(svg_buf_t *b, double x, double y, const char *anchor, const char *cls,
              const char *text) {
  svg_puts(b, "<text x=\"");
  svg_num(b, x, 1);
  svg_puts(b, "\" y=\"");
  svg_num(b, y, 1);
  svg_printf(b, "\" text-anchor=\"%s\" class=\"%s\">", anchor, cls);
  svg_esc(b, text);
  svg_puts(b, "</text>\n");
}

void svg_hline(svg_buf_t *b, const svg_plot_t *p, double y, const char *cls) {
  svg_printf(b, "<path class=\"%s\" d=\"", cls);
  pt(b, 'M', p->left, svg_py(p, y));
  one(b, 'H', p->left + p->width);
  svg_puts(b, "\"/>\n");
}

void svg_legend(svg_buf_t *b, double x, double y, const char *cls, const char *text) {
  svg_printf(b, "<path class=\"%s\" d=\"", cls);
  pt(b, 'M', x, y - 4);
  svg_puts(b, "h16\"/>\n");
  svg_text(b, x + 20, y, "start", "lbl", text);
}

/* Grid lines at the given pixel positions (vertical or horizontal) in one
 * path, and the bottom frame. */
static void grid(svg_buf_t *b, const svg_plot_t *p, const double *at, size_t n, int vertical) {
  svg_puts(b, "<path class=\"grid\" d=\"");
  for (size_t i = 0; i < n; i++) {
    if (vertical)
      pt(b, 'M', at[i], p->top), one(b, 'V', p->top + p->height);
    else
      pt(b, 'M', p->left, at[i]), one(b, 'H', p->left + p->width);
  }
  svg_puts(b, "\"/>\n<path class=\"axis\" d=\"");
  pt(b, 'M', p->left, p->top + p->height);
  one(b, 'H', p->left + p->width);
  svg_puts(b, "\"/>\n");
}

#define MAX_TICKS 64

void svg_axis_time(svg_buf_t *b, const svg_plot_t *p, int labels) {
  int64_t t[MAX_TICKS], step;
  double at[MAX_TICKS] = {0};
  int64_t t0 = p->xorg + (int64_t)p->x0, t1 = p->xorg + (int64_t)p->x1;
  size_t n = svg_time_ticks(t0, t1, (int)(p->width / 90), t, MAX_TICKS, &step);
  for (size_t i = 0; i < n; i++) at[i] = svg_pxt(p, t[i]);
  grid(b, p, at, n, 1);
  if (!labels) return;
  for (size_t i = 0; i < n; i++) {
    char l[32];
    svg_time_label(t[i], step, l, sizeof l);
    svg_text(b, at[i], p->top + p->height + 14, "middle", "tick", l);
  }
}

static void num_label(double v, int dec, const char *suffix, char *l, size_t cap) {
  size_t k = svg_fmt(v, dec, l, cap);
  snprintf(l + k, cap - k, "%s", suffix ? suffix : "");
}

void svg_axis_x(svg_buf_t *b, const svg_plot_t *p, const char *suffix) {
  double v[MAX_TICKS] = {0}, at[MAX_TICKS] = {0};
  int dec;
  size_t n = svg_ticks(p->x0, p->x1, (int)(p->width / 80), v, MAX_TICKS, &dec);
  for (size_t i = 0; i < n; i++) at[i] = svg_px(p, v[i]);
  grid(b, p, at, n, 1);
  for (size_t i = 0; i < n; i++) {
    char l[48];
    num_label(v[i], dec, suffix, l, sizeof l);
    svg_text(b, at[i], p->top + p->height + 14, "middle", "tick", l);
  }
}

void svg_axis_y(svg_buf_t *b, const svg_plot_t *p, const char *suffix) {
  double v[MAX_TICKS] = {0}, at[MAX_TICKS] = {0};
  int dec, target = (int)(p->height / 36);
  size_t n = svg_ticks(p->y0, p->y1, target < 2 ? 2 : target, v, MAX_TICKS, &dec);
  for (size_t i = 0; i < n; i++) at[i] = svg_py(p, v[i]);
  grid(b, p, at, n, 0);
  for (size_t i = 0; i < n; i++) {
    char l[48];
    num_label(v[i], dec, suffix, l, sizeof l);
    svg_text(b, p->left - 5, at[i] + 4, "end", "tick", l);
  }
}

/* --- series --------------------------------------------------------------------------- */

double svg_series_y(const svg_series_t *s, size_t i) {
  return s->yi ? (double)s->yi[i] * s->yscale : s->yd[i];
}

static int missing(const svg_series_t *s, size_t i) {
  if (s->yi) return s->skip_zero && s->yi[i] == 0;
  return !isfinite(s->yd[i]) || (s->skip_zero && s->yd[i] == 0);
}

size_t svg_series_range(const svg_series_t *s, double *lo, double *hi) {
  size_t k = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (missing(s, i)) continue;
    double y = svg_series_y(s, i);
    if (*lo > *hi) *lo = *hi = y;
    if (y < *lo) *lo = y;
    if (y > *hi) *hi = y;
    k++;
  }
  return k;
}

/* The walk over pixel columns shared by lines and markers: for each column
 * the indices of its first, lowest, highest and last point. */
typedef struct {
  long col;
  size_t idx[4]; /* first, min, max, last */
  double lo, hi;
  int have;
} colstate_t;

typedef void (*col_fn)(void *ctx, const colstate_t *c);

static void walk(const svg_plot_t *p, const svg_series_t *s, col_fn fn, void *ctx) {
  colstate_t c = {0, {0, 0, 0, 0}, 0, 0, 0};
  for (size_t i = 0; i < s->n; i++) {
    if (missing(s, i)) continue;
    double x = (double)(s->x[i] - p->xorg);
    if (x < p->x0 || x > p->x1) continue;
    long col = (long)floor(svg_px(p, x));
    double y = svg_series_y(s, i);
    if (!c.have || col != c.col) {
      if (c.have) fn(ctx, &c);
      c.have = 1, c.col = col, c.lo = c.hi = y;
      c.idx[0] = c.idx[1] = c.idx[2] = c.idx[3] = i;
      continue;
    }
    if (y < c.lo) c.lo = y, c.idx[1] = i;
    if (y > c.hi) c.hi = y, c.idx[2] = i;
    c.idx[3] = i;
  }
  if (c.have) fn(ctx, &c);
}

typedef struct {
  svg_buf_t *b;
  const svg_plot_t *p;
  const svg_series_t *s;
  int mode, shape;
  size_t written;
  long qx, qy;     /* last point, in tenths of a pixel */
  double x0, base; /* AREA: the first x and the y of 0 */
} draw_t;

static void line_col(void *ctx, const colstate_t *c) {
  draw_t *d = ctx;
  size_t ix[4] = {c->idx[0], c->idx[1], c->idx[2], c->idx[3]};
  /* the four in time order, each once */
  for (int i = 1; i < 4; i++)
    for (int j = i; j > 0 && ix[j] < ix[j - 1]; j--) {
      size_t t = ix[j];
      ix[j] = ix[j - 1], ix[j - 1] = t;
    }
  for (int i = 0; i < 4; i++) {
    if (i && ix[i] == ix[i - 1]) continue;
    double x = svg_pxt(d->p, d->s->x[ix[i]]), y = svg_py(d->p, svg_series_y(d->s, ix[i]));
    long qx = lround(x * 10), qy = lround(y * 10);
    if (d->written && qx == d->qx && qy == d->qy) continue;
    if (!d->written) {
      d->x0 = x;
      if (!(d->mode & SVG_AREA))
        pt(d->b, 'M', x, y);
      else if (pt(d->b, 'M', x, d->base), qy != lround(d->base * 10))
        one(d->b, 'V', y);
    } else if (d->mode & (SVG_STEP | SVG_AREA)) {
      if (qx != d->qx) one(d->b, 'H', x);
      if (qy != d->qy) one(d->b, 'V', y);
    } else {
      pt(d->b, 'L', x, y);
    }
    d->qx = qx, d->qy = qy;
    d->written++;
  }
}

size_t svg_line(svg_buf_t *b, const svg_plot_t *p, const svg_series_t *s, int mode,
                const char *cls) {
  double zero = p->y0 > 0 ? p->y0 : p->y1 < 0 ? p->y1 : 0;
  draw_t d = {b, p, s, mode, 0, 0, 0, 0, 0, svg_py(p, zero)};
  svg_printf(b, "<path class=\"%s\" d=\"", cls);
  walk(p, s, line_col, &d);
  if (d.written && (mode & SVG_AREA)) {
    one(b, 'V', d.base);
    svg_puts(b, "Z");
  }
  svg_puts(b, "\"/>\n");
  return d.written;
}

static void marker_col(void *ctx, const colstate_t *c) {
  draw_t *d = ctx;
  double ys[2] = {svg_py(d->p, c->lo), svg_py(d->p, c->hi)};
  for (int i = 0; i < 2; i++) {
    if (i && lround(ys[0]) == lround(ys[1])) break;
    pt(d->b, 'M', svg_pxt(d->p, d->s->x[c->idx[1 + i]]), ys[i]);
    svg_puts(d->b, d->shape == SVG_TRI_UP ? "l3.5 6h-7z" : "l3.5 -6h-7z");
    d->written++;
  }
}

size_t svg_markers(svg_buf_t *b, const svg_plot_t *p, const svg_series_t *s, int shape,
                   const char *cls) {
  draw_t d = {b, p, s, 0, shape, 0, 0, 0, 0, 0};
  svg_printf(b, "<path class=\"%s\" d=\"", cls);
  walk(p, s, marker_col, &d);
  svg_puts(b, "\"/>\n");
  return d.written;
}

/* --- bars, histogram, heatmap -------------------------------------------------------------- */

/* A rectangle as a closed subpath, at least 1 px high so a zero shows. */
static void rect(svg_buf_t *b, double x, double y0, double w, double y1) {
  double top = y0 < y1 ? y0 : y1, h = fabs(y1 - y0);
  if (h < 1) top -= (1 - h) / 2, h = 1;
  pt(b, 'M', x, top);
  one(b, 'h', w);
  one(b, 'v', h);
  one(b, 'h', -w);
  svg_puts(b, "z");
}

void svg_bars(svg_buf_t *b, double left, double top, double w, double h, size_t n, const double *v,
              const char *const *labels, const char *const *vtext, const char *suffix) {
  double lo = 0, hi = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  svg_nice_range(&lo, &hi);
  svg_plot_t p;
  svg_plot_num(&p, left, top, w, h, 0, n ? (double)n : 1, lo, hi);
  svg_axis_y(b, &p, suffix);
  double bw = w / (double)(n ? n : 1) * 0.56;
  for (int neg = 0; neg < 2; neg++) {
    svg_printf(b, "<path class=\"%s\" d=\"", neg ? "neg" : "pos");
    for (size_t i = 0; i < n; i++)
      if ((v[i] < 0) == neg)
        rect(b, svg_px(&p, (double)i + 0.5) - bw / 2, svg_py(&p, 0), bw, svg_py(&p, v[i]));
    svg_puts(b, "\"/>\n");
  }
  svg_hline(b, &p, 0, "axis");
  for (size_t i = 0; i < n; i++) {
    double cx = svg_px(&p, (double)i + 0.5), y = svg_py(&p, v[i]);
    svg_text(b, cx, top + h + 14, "middle", "lbl", labels[i]);
    svg_text(b, cx, v[i] < 0 ? y + 13 : y - 4, "middle", "tick", vtext[i]);
  }
}

void svg_histogram(svg_buf_t *b, double left, double top, double w, double h, double lo, double hi,
                   const size_t *counts, size_t nbins, const char *suffix) {
  size_t maxc = 1;
  for (size_t i = 0; i < nbins; i++)
    if (counts[i] > maxc) maxc = counts[i];
  double ylo = 0, yhi = (double)maxc;
  svg_nice_range(&ylo, &yhi);
  svg_plot_t p;
  svg_plot_num(&p, left, top, w, h, lo, hi, 0, yhi);
  svg_axis_x(b, &p, suffix);
  svg_axis_y(b, &p, "");
  double bw = (p.x1 - p.x0) / (double)(nbins ? nbins : 1);
  svg_puts(b, "<path class=\"hist\" d=\"");
  for (size_t i = 0; i < nbins; i++) {
    if (!counts[i]) continue;
    double x0 = svg_px(&p, p.x0 + bw * (double)i), x1 = svg_px(&p, p.x0 + bw * (double)(i + 1));
    rect(b, x0 + 0.5, svg_py(&p, 0), x1 - x0 - 1, svg_py(&p, (double)counts[i]));
  }
  svg_puts(b, "\"/>\n");
  if (lo < 0 && hi > 0) {
    svg_puts(b, "<path class=\"zero\" d=\"");
    pt(b, 'M', svg_px(&p, 0), top);
    one(b, 'V', top + h);
    svg_puts(b, "\"/>\n");
  }
}

/* The shade of level l in [-L, L]: white to blue (up) or red (down). */
static void shade(int l, char *out, size_t cap) {
  static const int W[3] = {247, 247, 247}, UP[3] = {33, 102, 172}, DN[3] = {178, 24, 43};
  const int *to = l >= 0 ? UP : DN;
  int a = l < 0 ? -l : l, c[3];
  for (int k = 0; k < 3; k++) c[k] = W[k] + (to[k] - W[k]) * a / SVG_HEAT_LEVELS;
  snprintf(out, cap, "#%02x%02x%02x", c[0], c[1], c[2]);
}

void svg_heatmap(svg_buf_t *b, double left, double top, double w, double h, size_t rows,
                 size_t cols, const double *v, double vmax, const char *const *rlab,
                 const char *const *clab, const char *suffix) {
  double cw = w / (double)(cols ? cols : 1), ch = h / (double)(rows ? rows : 1);
  if (!(vmax > 0)) {
    vmax = 0;
    for (size_t i = 0; i < rows * cols; i++)
      if (isfinite(v[i]) && fabs(v[i]) > vmax) vmax = fabs(v[i]);
  }
  /* one path per shade (level -L..L), then the cells without a value */
  for (int l = -SVG_HEAT_LEVELS; l <= SVG_HEAT_LEVELS + 1; l++) {
    char col[16];
    shade(l <= SVG_HEAT_LEVELS ? l : 0, col, sizeof col);
    int any = 0;
    for (size_t i = 0; i < rows * cols; i++) {
      int lv = SVG_HEAT_LEVELS + 1; /* no value */
      if (isfinite(v[i])) {
        double x = vmax > 0 ? v[i] / vmax : 0;
        lv = x >= 1    ? SVG_HEAT_LEVELS
             : x <= -1 ? -SVG_HEAT_LEVELS
                       : (int)lround(x * SVG_HEAT_LEVELS);
      }
      if (lv != l) continue;
      if (!any) {
        if (l > SVG_HEAT_LEVELS)
          svg_puts(b, "<path class=\"na\" d=\"");
        else
          svg_printf(b, "<path fill=\"%s\" d=\"", col);
        any = 1;
      }
      rect(b, left + cw * (double)(i % cols), top + ch * (double)(i / cols), cw,
           top + ch * (double)(i / cols + 1));
    }
    if (any) svg_puts(b, "\"/>\n");
  }
  for (size_t r = 0; r < rows; r++)
    if (rlab && rlab[r])
      svg_text(b, left - 5, top + ch * ((double)r + 0.5) + 4, "end", "tick", rlab[r]);
  for (size_t c = 0; c < cols; c++)
    if (clab && clab[c])
      svg_text(b, left + cw * ((double)c + 0.5), top + h + 14, "middle", "tick", clab[c]);
  /* legend: the shades from -vmax to +vmax */
  double lx = left + w + 16, ly = top, sh = h / (2 * SVG_HEAT_LEVELS + 1);
  if (sh > 16) sh = 16;
  for (int l = SVG_HEAT_LEVELS; l >= -SVG_HEAT_LEVELS; l--) {
    char col[16];
    shade(l, col, sizeof col);
    svg_printf(b, "<path fill=\"%s\" d=\"", col);
    rect(b, lx, ly, 12, ly + sh);
    svg_puts(b, "\"/>\n");
    ly += sh;
  }
  char t[48];
  size_t k = svg_fmt_sig(vmax, 3, t + 1, sizeof t - 8);
  snprintf(t + 1 + k, sizeof t - 1 - k, "%s", suffix ? suffix : "");
  t[0] = '+';
  svg_text(b, lx + 16, top + 9, "start", "tick", vmax > 0 ? t : "0");
  svg_text(b, lx + 16, top + sh * (SVG_HEAT_LEVELS + 0.5) + 4, "start", "tick", "0");
  t[0] = '-';
  svg_text(b, lx + 16, ly - 2, "start", "tick", vmax > 0 ? t : "0");
}

const char *svg_css(void) {
  return "svg.chart{width:100%;height:auto;display:block;font:11px system-ui,-apple-system,"
         "'Segoe UI',Roboto,sans-serif}\n"
         ".grid{stroke:#e8e8e8;stroke-width:1;fill:none}\n"
         ".axis{stroke:#8a8a8a;stroke-width:1;fill:none}\n"
         ".zero{stroke:#999;stroke-dasharray:3 3;fill:none}\n"
         ".tick{fill:#5a5a5a}\n.lbl{fill:#222}\n"
         ".pos{fill:#2f6f9f}\n.neg{fill:#c0504d}\n.hist{fill:#7f9fc8}\n.na{fill:#f1f1f1}\n";
}
