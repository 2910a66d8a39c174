/* test_svg.c - the SVG writer: number formatting (rounding, no "-0"),
 * nice ticks and UTC time ticks worked out by hand, escaping, the per-pixel
 * downsampling (a single-sample spike and dip of a million points survive,
 * the output stays bounded by the width), markers, heatmap shades, and the
 * same bytes for the same input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../reports/svg.h"

static const char *fmt(double v, int dec) {
  static char b[64];
  svg_fmt(v, dec, b, sizeof b);
  return b;
}

static void test_fmt(void **st) {
  (void)st;
  assert_string_equal(fmt(1.25, 1), "1.3"); /* 12.5 tenths: half away from zero */
  assert_string_equal(fmt(-1.25, 1), "-1.3");
  assert_string_equal(fmt(-0.04, 1), "0"); /* never "-0" */
  assert_string_equal(fmt(12.0, 3), "12"); /* trailing zeros trimmed */
  assert_string_equal(fmt(0.5, 0), "1");
  assert_string_equal(fmt(1234567.891, 2), "1234567.89");
  assert_string_equal(fmt(1e-9, 9), "0.000000001");
  assert_string_equal(fmt(NAN, 2), "0");
  assert_string_equal(fmt(-7.05, 2), "-7.05");
  char b[64];
  svg_fmt_sig(0.0123456, 3, b, sizeof b);
  assert_string_equal(b, "0.0123");
  svg_fmt_sig(-459.89665, 4, b, sizeof b);
  assert_string_equal(b, "-459.9");
  svg_fmt_sig(123456, 4, b, sizeof b); /* no exponent, no rounding of the integer part */
  assert_string_equal(b, "123456");
  assert_int_equal(svg_fmt(123.5, 1, b, 3), 0); /* too small a buffer */
}

static void test_ticks(void **st) {
  (void)st;
  double t[16];
  int dec;
  /* range 1 / 5 = 0.2: mantissa 2, step 0.2 -> 0, 0.2, ..., 1 */
  size_t n = svg_ticks(0, 1, 5, t, 16, &dec);
  assert_int_equal(n, 6);
  assert_int_equal(dec, 1);
  assert_true(fabs(t[3] - 0.6) < 1e-12);
  /* range 27.6 / 5 = 5.52 -> step 10: 26170, 26180 */
  n = svg_ticks(26160.3, 26187.9, 5, t, 16, &dec);
  assert_int_equal(n, 2);
  assert_int_equal(dec, 0);
  assert_true(t[0] == 26170 && t[1] == 26180);
  double lo = 5, hi = 5;
  svg_nice_range(&lo, &hi); /* a flat line gets a range around it */
  assert_true(lo < 5 && hi > 5);
}

static void test_time_ticks(void **st) {
  (void)st;
  /* 2024-08-08T23:54:16Z .. 2024-08-09T00:00:01Z: 345 s; 345 / 30 s = 11 > 9,
   * 345 / 60 s = 5 <= 9 -> a minute: 23:55, 23:56, ..., 00:00 (6 ticks) */
  int64_t t0 = 1723161256000000000LL, t1 = 1723161601000000000LL, t[64], step;
  size_t n = svg_time_ticks(t0, t1, 9, t, 64, &step);
  assert_int_equal(step, 60000000000LL);
  assert_int_equal(n, 6);
  assert_int_equal(t[0], 1723161300000000000LL);
  char l[32];
  svg_time_label(t[0], step, l, sizeof l);
  assert_string_equal(l, "23:55");
  svg_time_label(t[5], step, l, sizeof l); /* midnight shows the date */
  assert_string_equal(l, "08-09");
  svg_time_label(t0 + 250000000LL, 100000000LL, l, sizeof l);
  assert_string_equal(l, "54:16.250");
  svg_time_label(t0, 86400000000000LL, l, sizeof l);
  assert_string_equal(l, "08-08");
  /* three days at about 9 ticks: 72 h / 6 h = 12 > 9, / 12 h = 6 */
  n = svg_time_ticks(t1, t1 + 3 * 86400000000000LL, 9, t, 64, &step);
  assert_int_equal(step, 12 * 3600000000000LL);
  assert_int_equal(n, 6);
}

static void test_esc(void **st) {
  (void)st;
  svg_buf_t b = {0};
  svg_esc(&b, "a<b&c\"d'e>f");
  assert_string_equal(b.p, "a&lt;b&amp;c&quot;d&#39;e&gt;f");
  svg_buf_free(&b);
  assert_null(b.p);
  svg_buf_free(NULL);
}

/* The points of a path of M/L commands, as (x, y) pairs. */
static size_t path_points(const char *svg, double *ymin, double *ymax, double *xmin, double *xmax) {
  const char *d = strstr(svg, " d=\"");
  size_t n = 0;
  assert_non_null(d);
  d += 4;
  while (*d == 'M' || *d == 'L') {
    char *e;
    double x = strtod(d + 1, &e), y = strtod(e, &e);
    if (!n || y < *ymin) *ymin = y;
    if (!n || y > *ymax) *ymax = y;
    if (!n || x < *xmin) *xmin = x;
    if (!n || x > *xmax) *xmax = x;
    n++;
    d = e;
  }
  assert_int_equal(*d, '"');
  return n;
}

static void test_downsample_keeps_spikes(void **st) {
  (void)st;
  size_t n = 1000000;
  int64_t *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  assert_non_null(x);
  assert_non_null(y);
  for (size_t i = 0; i < n; i++) x[i] = (int64_t)i * 1000, y[i] = (int64_t)(i % 7); /* 0..6 */
  y[500000] = 100; /* one sample up */
  y[700001] = -50; /* one sample down */
  svg_series_t s = {n, x, y, 1.0, NULL, 0};
  svg_plot_t p;
  /* y -50..100 onto 100 px: 100 -> y px 0, -50 -> y px 100 */
  svg_plot_time(&p, 0, 0, 500, 100, x[0], x[n - 1], -50, 100);
  svg_buf_t a = {0}, b = {0};
  size_t w = svg_line(&a, &p, &s, SVG_LINE, "eq");
  svg_line(&b, &p, &s, SVG_LINE, "eq");
  assert_false(a.oom);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.p, b.p, a.n); /* same bytes */
  double ymin = 0, ymax = 0, xmin = 0, xmax = 0;
  size_t pts = path_points(a.p, &ymin, &ymax, &xmin, &xmax);
  assert_int_equal(pts, w);
  assert_true(pts <= 4 * 501); /* at most first/low/high/last per column */
  assert_true(pts > 500);
  assert_true(ymin == 0.0);   /* the spike to 100 */
  assert_true(ymax == 100.0); /* the dip to -50 */
  assert_true(xmin == 0.0 && xmax == 500.0);
  assert_true(a.n < 60000);
  svg_buf_free(&a);
  /* markers: only the lowest and highest of each column */
  size_t mk = svg_markers(&b, &p, &s, SVG_TRI_UP, "buy");
  assert_true(mk <= 2 * 501 && mk >= 500);
  assert_non_null(strstr(b.p, "M250 0l3.5 6h-7z")); /* the spike's column, at y 0 */
  svg_buf_free(&b);
  free(x);
  free(y);
}

static void test_step_and_area(void **st) {
  (void)st;
  int64_t x[3] = {0, 50, 100}, y[3] = {0, -10, -10};
  svg_series_t s = {3, x, y, 1.0, NULL, 0};
  svg_plot_t p;
  svg_plot_time(&p, 0, 0, 100, 10, 0, 100, -10, 0);
  svg_buf_t b = {0};
  svg_line(&b, &p, &s, SVG_AREA | SVG_STEP, "dd");
  /* from the 0 line at x 0, hold 0 until x 50, down to -10 (y px 10),
   * hold until x 100, back to the 0 line and close */
  assert_string_equal(b.p, "<path class=\"dd\" d=\"M0 0H50V10H100V0Z\"/>\n");
  svg_buf_free(&b);
  /* a mark price of 0 is missing, not a fall to zero */
  int64_t m[3] = {0, 5, 7};
  svg_series_t sm = {3, x, m, 1.0, NULL, 1};
  double lo = 1, hi = 0;
  assert_int_equal(svg_series_range(&sm, &lo, &hi), 2);
  assert_true(lo == 5 && hi == 7);
}

static void test_heatmap_shades(void **st) {
  (void)st;
  /* vmax 2, 5 shades a side: -2 -> -5 (the full red), 0 -> 0 (near white),
   * 1 -> round(2.5) = 3: 247 + (33 - 247) x 3 / 5 = 119 (0x77),
   * 247 + (102 - 247) x 3 / 5 = 160 (0xa0), 247 + (172 - 247) x 3 / 5 = 202
   * (0xca) -> #77a0ca; 2 -> the full blue; NaN -> class na */
  double v[6] = {-2, 0, 1, 2, NAN, 0};
  svg_buf_t b = {0};
  svg_heatmap(&b, 10, 10, 300, 20, 2, 3, v, 0, NULL, NULL, "%");
  assert_non_null(strstr(b.p, "fill=\"#b2182b\" d=\"M10 10h100v10h-100z\""));
  assert_non_null(strstr(b.p, "fill=\"#f7f7f7\" d=\"M110 10h100v10h-100zM210 20h100v10h-100z\""));
  assert_non_null(strstr(b.p, "fill=\"#77a0ca\" d=\"M210 10h100v10h-100z\""));
  assert_non_null(strstr(b.p, "fill=\"#2166ac\" d=\"M10 20h100v10h-100z\""));
  assert_non_null(strstr(b.p, "class=\"na\" d=\"M110 20h100v10h-100z\""));
  assert_non_null(strstr(b.p, ">+2%</text>"));
  svg_buf_free(&b);
  /* a given scale of 1: |v| >= 1 is the darkest shade, 0.5 -> round(2.5) = 3 */
  double w[3] = {-2, 1, 0.5};
  svg_heatmap(&b, 0, 0, 30, 10, 1, 3, w, 1, NULL, NULL, "");
  assert_non_null(strstr(b.p, "fill=\"#b2182b\" d=\"M0 0h10v10h-10z\""));
  assert_non_null(strstr(b.p, "fill=\"#2166ac\" d=\"M10 0h10v10h-10z\""));
  assert_non_null(strstr(b.p, "fill=\"#77a0ca\" d=\"M20 0h10v10h-10z\""));
  assert_null(strstr(b.p, "class=\"na\""));
  svg_buf_free(&b);
}

static void test_bars_histogram(void **st) {
  (void)st;
  svg_buf_t b = {0};
  double v[3] = {5, -10, 0};
  const char *lab[3] = {"a", "b<", "c"}, *vt[3] = {"5", "-10", "0"};
  svg_bars(&b, 50, 10, 300, 100, 3, v, lab, vt, "");
  assert_non_null(strstr(b.p, "<path class=\"pos\" d=\"M"));
  assert_non_null(strstr(b.p, "<path class=\"neg\" d=\"M"));
  assert_non_null(strstr(b.p, ">b&lt;</text>"));
  size_t c[4] = {1, 0, 3, 2};
  svg_buf_t h = {0};
  svg_histogram(&h, 50, 10, 400, 100, -1, 1, c, 4, "%");
  /* three bins with counts: three rectangles in the one path */
  const char *d = strstr(h.p, "<path class=\"hist\" d=\"");
  assert_non_null(d);
  int rects = 0;
  for (const char *q = d; *q && *q != '/'; q++) rects += *q == 'z';
  assert_int_equal(rects, 3);
  assert_non_null(strstr(h.p, "class=\"zero\"")); /* 0 lies inside [-1, 1] */
  svg_buf_free(&b);
  svg_buf_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fmt),
      cmocka_unit_test(test_ticks),
      cmocka_unit_test(test_time_ticks),
      cmocka_unit_test(test_esc),
      cmocka_unit_test(test_downsample_keeps_spikes),
      cmocka_unit_test(test_step_and_area),
      cmocka_unit_test(test_heatmap_shades),
      cmocka_unit_test(test_bars_histogram),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
