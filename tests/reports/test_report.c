/* test_report.c - the report files of a run directory (reports/report.h)
 * and `lobsim report` (sim/cli_report.c): on the hand-sized fixture run
 * (rd_fixture.h), on generated three-day and one-day runs, and on real
 * backtests of the bundled sample. Checks the files, summary.json's old
 * keys kept in order plus "metrics", byte-identical regeneration, drawn
 * paths in every chart, a self-contained page under 2 MB, and the page as
 * headless Chromium renders it (skipped only where no chromium exists). */
#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "../../reports/report.h"
#include "rd_fixture.h"

int cli_report(int argc, char **argv);

static char real_dir[1024], real_dir2[1024], real_tmp[1024];

/* --- helpers ---------------------------------------------------------------------------- */

static char *slurp(const char *dir, const char *name, size_t *n) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)sz + 1);
  assert_non_null(p);
  *n = fread(p, 1, (size_t)sz, f);
  p[*n] = '\0';
  fclose(f);
  return p;
}

static int has_file(const char *dir, const char *name) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return tu_exists(path);
}

static void gen(const char *dir, const rp_opts_t *o) {
  lob_err_t err = {0};
  if (rp_generate(dir, o, &err) != LOB_OK) fail_msg("rp_generate %s: %s", dir, err.msg);
}

static int count(const char *s, const char *what) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
  return n;
}

/* Every <svg> ... </svg> holds a path with a drawn point (d="M<number>").
 * Returns the number of charts. */
static int check_svgs(const char *html) {
  int n = 0;
  for (const char *p = html; (p = strstr(p, "<svg")); n++) {
    const char *e = strstr(p, "</svg>"), *q = p;
    int drawn = 0;
    assert_non_null(e);
    while ((q = strstr(q, " d=\"M")) && q < e && !drawn) {
      drawn = isdigit((unsigned char)q[5]) || q[5] == '-';
      q++;
    }
    if (!drawn) fail_msg("chart %d has no drawn path", n + 1);
    p = e;
  }
  return n;
}

/* Self-contained: no network, no script, no outside file, a print style. */
static void check_page(const char *html, size_t n) {
  assert_true(n > 1000 && n < 2 * 1024 * 1024);
  assert_null(strstr(html, "http://"));
  assert_null(strstr(html, "https://"));
  assert_null(strstr(html, "<script"));
  assert_null(strstr(html, "<link"));
  assert_null(strstr(html, "<img"));
  assert_null(strstr(html, "url("));
  assert_null(strstr(html, "@import"));
  assert_non_null(strstr(html, "@media print"));
  assert_int_equal(count(html, "<!-- run-specific: begin"), 1);
  assert_int_equal(count(html, "<!-- run-specific: end -->"), 1);
}

/* The page without its run-specific element (removed in place). */
static char *strip_run_specific(char *html) {
  char *a = strstr(html, "<!-- run-specific: begin"),
       *z = strstr(html, "<!-- run-specific: end -->");
  assert_non_null(a);
  assert_non_null(z);
  z += strlen("<!-- run-specific: end -->");
  memmove(a, z, strlen(z) + 1);
  return html;
}

static json_t *load_json(const char *dir) {
  char path[1200];
  json_error_t je;
  snprintf(path, sizeof path, "%s/summary.json", dir);
  json_t *j = json_load_file(path, 0, &je);
  if (!j) fail_msg("%s: %s", path, je.text);
  return j;
}

/* summary.json now: every key of `old` with its value, in its order, then
 * "metrics" (unless old had it: then in its place). */
static void check_summary(json_t *old, const char *dir) {
  json_t *now = load_json(dir), *v;
  const char *k;
  void *it = json_object_iter(now);
  json_object_foreach(old, k, v) {
    assert_non_null(it);
    assert_string_equal(json_object_iter_key(it), k);
    if (strcmp(k, "metrics")) assert_true(json_equal(json_object_iter_value(it), v));
    it = json_object_iter_next(now, it);
  }
  if (!json_object_get(old, "metrics")) {
    assert_non_null(it);
    assert_string_equal(json_object_iter_key(it), "metrics");
    it = json_object_iter_next(now, it);
  }
  assert_null(it);
  json_t *vals = json_object_get(json_object_get(now, "metrics"), "values");
  assert_non_null(json_object_get(vals, "sharpe"));
  assert_non_null(json_object_get(vals, "drawdown.max"));
  json_decref(now);
}

static const char *const FILES[] = {"metrics.csv", "round_trips.csv", "summary.json",
                                    "report.html"};

static void check_no_tmp(const char *dir) {
  char name[64];
  for (size_t i = 0; i < 4; i++) {
    assert_true(has_file(dir, FILES[i]));
    snprintf(name, sizeof name, "%s.tmp", FILES[i]);
    assert_false(has_file(dir, name));
  }
}

/* --- the hand-sized fixture -------------------------------------------------------------- */

static void test_fixture_report(void **st) {
  (void)st;
  char dir[1024];
  size_t n;
  fx_run("report_fixture", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  json_t *old = load_json(dir);
  gen(dir, NULL);
  check_no_tmp(dir);
  check_summary(old, dir);
  json_decref(old);
  char *h = slurp(dir, "report.html", &n);
  check_page(h, n);
  /* equity, price, position, PnL, returns; the heatmap needs 2 days */
  assert_int_equal(check_svgs(h), 5);
  assert_non_null(strstr(h,
                         "Not enough data: the hour-of-day x day heatmap needs a run of at least "
                         "2 days; this one spans 5 min 0 s."));
  /* the run id once, in the marked element; no creation time known */
  assert_int_equal(count(h, "tiny-1"), 1);
  static const char *const WANT[] = {
      "id=\"run-specific\">Run <code>tiny-1</code></p>",
      /* PnL in USDT, worked out from the fixture by hand: equity 1000 -> 1015
       * (total 15); fees 0.12 + 0.12 + 0.18 + 0.12 + 0.06 = 0.60; spread
       * (60001 - 60000) x 0.010 + (60012 - 60010) x 0.010 + (60100 - 60098) x
       * 0.015 + (59990 - 59989) x 0.010 = 0.01 + 0.02 + 0.03 + 0.01 = 0.07 (the
       * last fill has no mid); funding 0.50; inventory 15 - 0.07 + 0.60 - 0.50
       * = 15.03 */
      "total 15.00 = spread capture 0.07 - fees 0.60 + funding 0.50 - liquidation fees 0.00 + "
      "inventory 15.03.",
      "(1 of 5 fills had no mid and add 0)",
      /* fills: orders 1, 2, 5 bought, 3, 4 sold */
      ">buy fills (3)</text>",
      ">sell fills (2)</text>",
      /* refusals: the risk layer's order 6, the exchange's order 7 and cancel */
      "<tr><td>risk</td><td>RISK_LIMIT</td><td class=\"num\">1</td></tr>",
      "<td>INSUFFICIENT_BALANCE</td><td class=\"num\">1</td>",
      /* breaker events at t0 + 150 s and t0 + 290 s */
      "<tr><td class=\"num\">2024-08-09 00:02:30 UTC</td><td>daily_loss</td><td>REDUCE_ONLY</td>"
      "<td>loss 120 &gt; 100</td></tr>",
      "2024-08-09 00:04:50 UTC</td><td>daily_loss</td><td>ACTIVE</td>",
      /* the metrics table: a formula as tooltip and for print */
      "<tr title=\"mean(r) / stdev(r, n-1) x sqrt(periods per year)\">",
      "<span class=\"f\">mean(r) / stdev(r, n-1) x sqrt(periods per year)",
  };
  for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++)
    if (!strstr(h, WANT[i])) fail_msg("report.html lacks: %s", WANT[i]);
  free(h);
  /* a creation time given by the caller goes into the marked element */
  rp_opts_t o;
  rp_opts_default(&o);
  o.created_utc = "2026-01-02T03:04:05Z";
  gen(dir, &o);
  h = slurp(dir, "report.html", &n);
  assert_non_null(strstr(h, "<code>tiny-1</code> &middot; created 2026-01-02T03:04:05Z</p>\n"
                            "<!-- run-specific: end -->"));
  assert_int_equal(count(h, "2026-01-02"), 1);
  free(h);
}

static void test_regenerate_identical(void **st) {
  (void)st;
  char dir[1024];
  char *a[4], *b[4];
  size_t na[4], nb[4];
  fx_run("report_twice", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  gen(dir, NULL);
  for (int i = 0; i < 4; i++) a[i] = slurp(dir, FILES[i], &na[i]);
  gen(dir, NULL);
  for (int i = 0; i < 4; i++) {
    b[i] = slurp(dir, FILES[i], &nb[i]);
    assert_non_null(a[i]);
    assert_non_null(b[i]);
    assert_int_equal(na[i], nb[i]);
    assert_memory_equal(a[i], b[i], na[i]);
    free(a[i]);
    free(b[i]);
  }
}

static void test_failures_leave_the_run(void **st) {
  (void)st;
  char dir[1024];
  lob_err_t err = {0};
  size_t n0, n1;
  /* no summary.json: not a finished run */
  fx_run("report_nosummary", NULL, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  assert_int_equal(rp_generate(dir, NULL, &err), LOB_ENOTFOUND);
  assert_non_null(strstr(err.msg, "summary.json"));
  assert_false(has_file(dir, "report.html"));
  /* a bad equity cell: the error names file, line, column and value, and
   * summary.json is left as it was */
  static const char BAD[] = FX_EQUITY_HDR
      "1723161600000000000,0.000,0,0.00000000,1000.00000000,1000.00000000,1000.00000000\n"
      "1723161660000000000,0.020,60050.5,0.00000000,1010.00000000,1010.00000000,10x0.00000000\n";
  fx_run("report_bad", FX_SUMMARY, FX_ORDERS, FX_FILLS, BAD, FX_RISK, dir, sizeof dir);
  char *s0 = slurp(dir, "summary.json", &n0);
  assert_int_not_equal(rp_generate(dir, NULL, &err), LOB_OK);
  assert_non_null(strstr(err.msg, "equity.csv:3"));
  assert_non_null(strstr(err.msg, "10x0.00000000"));
  char *s1 = slurp(dir, "summary.json", &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(s0, s1, n0);
  for (size_t i = 0; i < 4; i++)
    if (strcmp(FILES[i], "summary.json")) assert_false(has_file(dir, FILES[i]));
  free(s0);
  free(s1);
}

/* --- generated runs: three days, one busy day ----------------------------------------------- */

/* equity.csv of `rows` samples `step_s` apart from FX_T0 (no fills). */
static void put_equity(const char *dir, size_t rows, int64_t step_s) {
  char path[1200];
  snprintf(path, sizeof path, "%s/equity.csv", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(FX_EQUITY_HDR, f);
  uint64_t x = 7;
  long long cents = 100000;
  for (size_t i = 0; i < rows; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* a seeded random walk */
    cents += (long long)((x >> 33) % 41) - 20;
    long long p10 = 600000 + (long long)(i % 3600) - 1800 + (long long)((i * 7919) % 51);
    const char *pos = (i / 30) % 3 == 0 ? "-0.010" : (i / 30) % 3 == 1 ? "0.000" : "0.010";
    fprintf(f,
            "%lld,%s,%lld.%lld,0.00000000,%lld.%02lld000000,%lld.%02lld000000,%lld.%02lld000000\n",
            (long long)(FX_T0 + (int64_t)i * step_s * FX_S), pos, p10 / 10, p10 % 10, cents / 100,
            cents % 100, cents / 100, cents % 100, cents / 100, cents % 100);
  }
  fclose(f);
}

static void test_three_days_heatmap(void **st) {
  (void)st;
  char dir[1024];
  size_t n, n2;
  fx_run("report_3days", FX_SUMMARY, FX_ORDERS_HDR, FX_FILLS_HDR, NULL, NULL, dir, sizeof dir);
  put_equity(dir, 3 * 1440 + 1, 60); /* a sample a minute, 3 days from midnight */
  gen(dir, NULL);
  char *h = slurp(dir, "report.html", &n);
  check_page(h, n);
  assert_int_equal(check_svgs(h), 6); /* equity, price, position, PnL, returns, heatmap */
  assert_null(strstr(h, "Not enough data: the hour-of-day"));
  assert_null(strstr(h, "class=\"na\"")); /* 72 hours, 72 returns: every cell */
  assert_non_null(strstr(h, ">buy fills (0)</text>"));
  /* the day period (a second, hourly computation) draws the same heatmap */
  const char *m1 = strstr(h, "<h3>Hourly returns");
  assert_non_null(m1);
  rp_opts_t o;
  rp_opts_default(&o);
  o.metrics.period = MT_PERIOD_DAY;
  gen(dir, &o);
  char *h2 = slurp(dir, "report.html", &n2);
  const char *m2 = strstr(h2, "<h3>Hourly returns");
  assert_non_null(m2);
  const char *e1 = strstr(m1, "</figure>"), *e2 = strstr(m2, "</figure>");
  assert_non_null(e1);
  assert_int_equal(e1 - m1, e2 - m2);
  assert_memory_equal(m1, m2, (size_t)(e1 - m1));
  assert_non_null(strstr(h2, "Returns per day of the equity curve"));
  free(h);
  free(h2);
}

static void test_busy_day_size(void **st) {
  (void)st;
  char dir[1024], path[1200];
  size_t n;
  fx_run("report_day", FX_SUMMARY, FX_ORDERS_HDR, NULL, NULL, NULL, dir, sizeof dir);
  put_equity(dir, 86400, 1); /* a sample a second for a day */
  snprintf(path, sizeof path, "%s/fills.csv", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(FX_FILLS_HDR, f);
  for (long long i = 0; i < 150000; i++) { /* a buy and a sell, 150000 fills */
    long long t = FX_T0 + i * 576000000LL, p10 = 600000 + (i % 3600) - 1800;
    int buy = i % 2 == 0;
    fprintf(
        f, "%lld,%lld,perp,%lld,%s,%lld.%lld,0.001,maker,0.01200000,USDT,%s,0.00000000,%lld.%lld\n",
        t, t + 5000000, i + 1, buy ? "buy" : "sell", p10 / 10, p10 % 10, buy ? "0.001" : "0.000",
        (p10 + (buy ? 5 : -5)) / 10, (p10 + (buy ? 5 : -5)) % 10);
  }
  fclose(f);
  gen(dir, NULL);
  char *h = slurp(dir, "report.html", &n);
  check_page(h, n);
  assert_int_equal(check_svgs(h), 5);
  assert_true(n < 2 * 1024 * 1024);
  assert_non_null(strstr(h, ">buy fills (75000)</text>"));
  print_message("a day at 1 s with 150000 fills: report.html %zu bytes\n", n);
  free(h);
}

/* --- real backtests of the bundled sample -------------------------------------------------------
 */

static int setup_real(void **st) {
  (void)st;
  tu_tmpdir("report_real", real_tmp, sizeof real_tmp);
  /* a 2 USDT daily loss limit: a breaker trips, so the events table has rows */
  const char *extra = "--set risk.daily_loss=2";
  if (tu_backtest(real_tmp, "configs/avellaneda-binance-perp.ini", "perp", extra, real_dir,
                  sizeof real_dir) != 0 ||
      tu_backtest(real_tmp, "configs/avellaneda-binance-perp.ini", "perp", extra, real_dir2,
                  sizeof real_dir2) != 0)
    return -1;
  return 0;
}

static void test_real_runs(void **st) {
  (void)st;
  size_t n1, n2;
  json_t *old = load_json(real_dir);
  gen(real_dir, NULL);
  gen(real_dir2, NULL);
  check_no_tmp(real_dir);
  check_summary(old, real_dir);
  json_decref(old);
  char *h1 = slurp(real_dir, "report.html", &n1), *h2 = slurp(real_dir2, "report.html", &n2);
  check_page(h1, n1);
  assert_int_equal(check_svgs(h1), 5);
  json_t *s = load_json(real_dir);
  const char *id = json_string_value(json_object_get(s, "run_id"));
  assert_non_null(id);
  assert_int_equal(count(h1, id), 1);
  json_decref(s);
  assert_non_null(strstr(h1, "<td>daily_loss</td>"));
  /* two runs of the same config: the same pages but for the marked element */
  assert_string_not_equal(real_dir, real_dir2);
  strip_run_specific(h1), strip_run_specific(h2);
  assert_string_equal(h1, h2);
  free(h1);
  free(h2);
  for (int i = 0; i < 2; i++) {
    h1 = slurp(real_dir, FILES[i], &n1), h2 = slurp(real_dir2, FILES[i], &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(h1, h2, n1);
    free(h1);
    free(h2);
  }
}

static int run_cli(int n, ...) {
  char *argv[8];
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n && i < 8; i++) argv[i] = va_arg(ap, char *);
  va_end(ap);
  return cli_report(n, argv);
}

static void test_cli(void **st) {
  (void)st;
  char dir[1024], nope[1100];
  size_t n;
  assert_int_equal(run_cli(2, "report", "--help"), 0);
  assert_int_equal(run_cli(1, "report"), 2);
  fx_run("report_cli", FX_SUMMARY, FX_ORDERS, FX_FILLS, FX_EQUITY, FX_RISK, dir, sizeof dir);
  assert_int_equal(run_cli(4, "report", dir, "--period", "week"), 1);
  assert_int_equal(run_cli(4, "report", dir, "--annual-days", "0"), 1);
  assert_int_equal(run_cli(3, "report", dir, "--annual-days"), 1);
  assert_int_equal(run_cli(3, "report", dir, "extra"), 1);
  snprintf(nope, sizeof nope, "%s/nope", dir);
  assert_int_equal(run_cli(2, "report", nope), 1);
  assert_false(has_file(dir, "report.html"));
  /* 252 days a year at a minute: 252 x 86400 / 60 = 362880 periods */
  assert_int_equal(run_cli(4, "report", dir, "--annual-days", "252"), 0);
  char *m = slurp(dir, "metrics.csv", &n);
  assert_non_null(strstr(m, "\nrun.periods_per_year,Periods per year,ratio,362880,"));
  free(m);
  assert_int_equal(run_cli(6, "report", dir, "--period", "hour", "--annual-days", "365"), 0);
  m = slurp(dir, "metrics.csv", &n);
  assert_non_null(strstr(m, "\nrun.periods_per_year,Periods per year,ratio,8760,"));
  free(m);
  check_no_tmp(dir);
}

/* --- headless Chromium -------------------------------------------------------------------------
 */

static const char *chromium(void) {
  static const char *const C[] = {"chromium", "chromium-browser", "google-chrome",
                                  "google-chrome-stable"};
  for (size_t i = 0; i < sizeof C / sizeof C[0]; i++)
    if (tu_system("command -v %s >/dev/null 2>&1", C[i]) == 0) return C[i];
  return NULL;
}

/* Distinct colours and non-white pixels of a PNG (8-bit RGB or RGBA, not
 * interlaced), decoded with zlib; -1 when it is not such a PNG. */
static int png_stats(const char *path, long *colours, double *inked) {
  size_t n;
  char *p = slurp("/", path, &n), *idat = NULL;
  size_t ni = 0;
  uint32_t w = 0, h = 0;
  int bpp = 0, rc = -1;
  if (!p || n < 33 || memcmp(p, "\x89PNG\r\n\x1a\n", 8)) goto done;
  for (size_t o = 8; o + 12 <= n;) {
    const unsigned char *c = (const unsigned char *)p + o;
    uint32_t len = (uint32_t)c[0] << 24 | c[1] << 16 | c[2] << 8 | c[3];
    if (o + 12 + len > n) goto done;
    if (!memcmp(c + 4, "IHDR", 4)) {
      w = (uint32_t)c[8] << 24 | c[9] << 16 | c[10] << 8 | c[11];
      h = (uint32_t)c[12] << 24 | c[13] << 16 | c[14] << 8 | c[15];
      if (c[16] != 8 || c[20] != 0 || (c[17] != 2 && c[17] != 6)) goto done;
      bpp = c[17] == 6 ? 4 : 3;
    } else if (!memcmp(c + 4, "IDAT", 4)) {
      idat = realloc(idat, ni + len);
      memcpy(idat + ni, c + 8, len);
      ni += len;
    }
    o += 12 + len;
  }
  if (!bpp || !w || !h) goto done;
  size_t stride = (size_t)w * (size_t)bpp;
  uLongf raw_n = (uLongf)((stride + 1) * h);
  unsigned char *raw = malloc(raw_n), *prev = calloc(stride, 1);
  char *seen = calloc(1 << 21, 1); /* colours with 7 bits a channel */
  long ink = 0, distinct = 0;
  if (uncompress(raw, &raw_n, (unsigned char *)idat, ni) == Z_OK && raw_n == (stride + 1) * h) {
    for (uint32_t y = 0; y < h; y++) {
      unsigned char *row = raw + y * (stride + 1) + 1, f = row[-1];
      for (size_t x = 0; x < stride; x++) {
        int a = x >= (size_t)bpp ? row[x - bpp] : 0, b = prev[x];
        int c = x >= (size_t)bpp ? prev[x - bpp] : 0, pa = abs(b - c), pb = abs(a - c),
            pc = abs(a + b - 2 * c);
        int pr = f == 1   ? a
                 : f == 2 ? b
                 : f == 3 ? (a + b) / 2
                 : f == 4 ? (pa <= pb && pa <= pc ? a
                             : pb <= pc           ? b
                                                  : c)
                          : 0;
        row[x] = (unsigned char)(row[x] + pr);
      }
      for (size_t x = 0; x < stride; x += (size_t)bpp) {
        unsigned k =
            (unsigned)(row[x] >> 1) << 14 | (unsigned)(row[x + 1] >> 1) << 7 | row[x + 2] >> 1;
        if (!seen[k]) seen[k] = 1, distinct++;
        ink += row[x] < 240 || row[x + 1] < 240 || row[x + 2] < 240;
      }
      memcpy(prev, row, stride);
    }
    *colours = distinct;
    *inked = (double)ink / ((double)w * h);
    rc = 0;
  }
  free(raw), free(prev), free(seen);
done:
  free(idat);
  free(p);
  return rc;
}

/* Renders file with Chromium: the screenshot, and the console log of a DOM
 * dump (where console messages and uncaught errors appear as CONSOLE). */
static void render(const char *bin, const char *file, const char *png, const char *log) {
  assert_int_equal(tu_system("timeout 120 %s --headless --disable-gpu --no-sandbox "
                             "--screenshot=%s --window-size=1280,2000 'file://%s' >/dev/null 2>&1",
                             bin, png, file),
                   0);
  assert_int_equal(tu_system("timeout 120 %s --headless --disable-gpu --no-sandbox "
                             "--enable-logging=stderr --v=0 --dump-dom 'file://%s' >%s.dom 2>%s",
                             bin, file, log, log),
                   0);
}

static void test_browser(void **st) {
  (void)st;
  const char *bin = chromium();
  if (!bin) {
    print_message("SKIPPED: no chromium binary (chromium, chromium-browser, google-chrome) on "
                  "PATH; install the Debian package chromium to run the browser test\n");
    skip();
  }
  char dir[1024], abs_dir[PATH_MAX], file[PATH_MAX + 64], png[PATH_MAX + 64], log[PATH_MAX + 64];
  size_t n;
  long colours = 0;
  double inked = 0;
  if (!realpath(real_dir, abs_dir)) fail_msg("realpath %s", real_dir);
  gen(real_dir, NULL);
  snprintf(file, sizeof file, "%s/report.html", abs_dir);
  snprintf(png, sizeof png, "%s/shot.png", abs_dir);
  snprintf(log, sizeof log, "%s/console.log", abs_dir);
  render(bin, file, png, log);
  assert_int_equal(png_stats(png, &colours, &inked), 0);
  print_message("report.html rendered: %ld colours, %.1f%% of the pixels inked\n", colours,
                inked * 100);
  assert_true(colours > 40);
  assert_true(inked > 0.03);
  char *lg = slurp(abs_dir, "console.log", &n);
  assert_non_null(lg);
  if (strstr(lg, ":CONSOLE")) fail_msg("console messages while rendering:\n%s", lg);
  free(lg);
  snprintf(log, sizeof log, "%s/console.log.dom", abs_dir);
  char *dom = slurp("/", log, &n), *h = slurp(abs_dir, "report.html", &n);
  assert_non_null(dom);
  assert_int_equal(count(dom, "<svg"), count(h, "<svg")); /* every chart parsed */
  assert_int_equal(count(dom, "<path"), count(h, "<path"));
  free(dom);
  free(h);
  /* The checks can fail: a blank page is blank, a script error is logged. */
  tu_tmpdir("report_browser_ctl", dir, sizeof dir);
  if (!realpath(dir, abs_dir)) fail_msg("realpath %s", dir);
  snprintf(file, sizeof file, "%s/bad.html", abs_dir);
  FILE *f = fopen(file, "w");
  assert_non_null(f);
  fputs("<!DOCTYPE html><html><body><script>console.error('x');nope();</script></body></html>", f);
  fclose(f);
  snprintf(png, sizeof png, "%s/bad.png", abs_dir);
  snprintf(log, sizeof log, "%s/bad.log", abs_dir);
  render(bin, file, png, log);
  assert_int_equal(png_stats(png, &colours, &inked), 0);
  assert_true(colours <= 40 && inked <= 0.03);
  lg = slurp(abs_dir, "bad.log", &n);
  assert_non_null(lg);
  assert_non_null(strstr(lg, ":CONSOLE"));
  free(lg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_report),
      cmocka_unit_test(test_regenerate_identical),
      cmocka_unit_test(test_failures_leave_the_run),
      cmocka_unit_test(test_three_days_heatmap),
      cmocka_unit_test(test_busy_day_size),
      cmocka_unit_test(test_cli),
      cmocka_unit_test(test_real_runs),
      cmocka_unit_test(test_browser),
  };
  return cmocka_run_group_tests(tests, setup_real, NULL);
}
