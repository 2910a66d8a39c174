/* report_html_charts.c - the charts of report.html, as inline SVG: equity
 * with its drawdown beneath, price with the fills marked, position, the
 * PnL decomposition, the return distribution and the hour x day heatmap.
 *
 * Each chart reads the loaded run and its metrics and draws through svg.h,
 * which downsamples long series per pixel column; a chart without data
 * says why instead ("not enough data"). Values are only converted to double
 * for drawing: every number printed in a caption is the exact one. */
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "../core/order.h"
#include "report.h"

#define W 1000   /* viewBox width */
#define L 76.0   /* left margin: the value axis labels */
#define PW 896.0 /* plot width */
#define E8 1e-8
#define HEAT_MAX_DAYS 366

static void caption(svg_buf_t *b, const char *text) {
  svg_puts(b, "<p class=\"cap\">");
  svg_esc(b, text);
  svg_puts(b, "</p>\n</figure>\n");
}

/* The text of metric `key` with its unit (why, when absent). */
static const char *mtext(const rp_ctx_t *c, const char *key, char *buf, size_t cap) {
  const mt_metric_t *m = mt_find(c->m, key);
  const char *unit = "";
  if (!m)
    snprintf(buf, cap, "-");
  else if (m->kind == MT_ABSENT)
    snprintf(buf, cap, "%s", m->absent);
  else if (rp_metric_text(m, buf, cap, &unit) && unit[0] && strlen(buf) + strlen(unit) + 2 < cap)
    strcat(strcat(buf, unit[0] == '%' ? "" : " "), unit);
  return buf;
}

static double floor_of(double lo) { return lo > 0 ? 0 : lo; }

void rp_chart_equity(const rp_ctx_t *c, svg_buf_t *b) {
  const rd_run_t *r = c->run;
  const mt_result_t *m = c->m;
  const char *q = rp_quote(c);
  char t[1200], a[48], z[48], d1[64], d2[64], d3[48], d4[48], d5[160];
  svg_puts(b, "<section id=\"equity\">\n<h2>Equity and drawdown</h2>\n");
  if (!r->neq) {
    rp_empty(b, "No equity samples: equity.csv has no rows, so there is nothing to draw.");
    svg_puts(b, "</section>\n");
    return;
  }
  svg_series_t eq = {r->neq, r->eq_t, r->eq_total, E8, NULL, 0};
  svg_series_t dd = {
      m->series.nraw < r->neq ? m->series.nraw : r->neq, r->eq_t, m->series.raw_dd, E8, NULL, 0};
  double lo = 1, hi = 0, dlo = 1, dhi = 0;
  svg_series_range(&eq, &lo, &hi);
  svg_series_range(&dd, &dlo, &dhi);
  svg_nice_range(&lo, &hi);
  dlo = floor_of(dlo), dhi = 0;
  svg_nice_range(&dlo, &dhi);
  int64_t t0 = r->eq_t[0], t1 = r->eq_t[r->neq - 1];
  svg_plot_t pe, pd;
  svg_puts(b, "<figure>\n");
  svg_open(b, W, 384, "Equity over time, and its drawdown beneath");
  svg_plot_time(&pe, L, 22, PW, 216, t0, t1, lo, hi);
  svg_axis_y(b, &pe, "");
  svg_axis_time(b, &pe, 0);
  svg_line(b, &pe, &eq, SVG_LINE, "eq");
  svg_plot_time(&pd, L, 262, PW, 96, t0, t1, dlo, dhi);
  svg_axis_y(b, &pd, "");
  svg_axis_time(b, &pd, 1);
  svg_line(b, &pd, &dd, SVG_AREA | SVG_STEP, "dd");
  snprintf(t, sizeof t, "Equity (%s)", q[0] ? q : "quote");
  svg_text(b, L, 12, "start", "lbl", t);
  snprintf(t, sizeof t, "Drawdown (%s)", q[0] ? q : "quote");
  svg_text(b, L, 254, "start", "lbl", t);
  svg_close(b);
  rp_when(t0, a, sizeof a), rp_when(t1, z, sizeof z);
  snprintf(t, sizeof t,
           "Total equity of equity.csv (%zu samples, %s to %s; times UTC) and beneath it the "
           "drawdown, equity minus its running peak. Max drawdown %s (%s), peak %s, trough %s, "
           "recovery %s. Drawn per pixel column: the first, lowest, highest and last sample of "
           "each column, so no dip is smoothed away.",
           r->neq, a, z, mtext(c, "drawdown.max", d1, sizeof d1),
           mtext(c, "drawdown.max_quote", d2, sizeof d2), mtext(c, "drawdown.start", d3, sizeof d3),
           mtext(c, "drawdown.trough", d4, sizeof d4),
           mtext(c, "drawdown.recovery", d5, sizeof d5));
  caption(b, t);
  svg_puts(b, "</section>\n");
}

/* Fill times and prices of one market and side. */
typedef struct {
  size_t n;
  int64_t *x, *y;
} pts_t;

static int fills_of(const rd_run_t *r, uint32_t mk, int side, pts_t *p) {
  p->n = 0;
  for (size_t i = 0; i < r->nfills; i++)
    p->n += r->fills[i].market == mk && r->fills[i].side == side;
  p->x = malloc((p->n + 1) * sizeof *p->x), p->y = malloc((p->n + 1) * sizeof *p->y);
  if (!p->x || !p->y) return -1;
  size_t k = 0;
  for (size_t i = 0; i < r->nfills; i++)
    if (r->fills[i].market == mk && r->fills[i].side == side)
      p->x[k] = r->fills[i].exch_ts, p->y[k++] = r->fills[i].price;
  return 0;
}

static void time_span(const int64_t *x, size_t n, int64_t *t0, int64_t *t1, int *have) {
  for (size_t i = 0; i < n; i++) {
    if (!*have || x[i] < *t0) *t0 = x[i];
    if (!*have || x[i] > *t1) *t1 = x[i];
    *have = 1;
  }
}

static void price_one(const rp_ctx_t *c, svg_buf_t *b, uint32_t mk) {
  const rd_run_t *r = c->run;
  const rd_market_t *mm = &r->markets[mk];
  pts_t buy = {0, NULL, NULL}, sell = {0, NULL, NULL};
  char t[1024];
  snprintf(t, sizeof t, "%s: %s on %s", mm->name, mm->symbol[0] ? mm->symbol : "?",
           mm->venue[0] ? mm->venue : "?");
  svg_puts(b, "<h3>");
  svg_esc(b, t);
  svg_puts(b, "</h3>\n");
  if (fills_of(r, mk, ORD_BUY, &buy) || fills_of(r, mk, ORD_SELL, &sell)) {
    b->oom = 1;
    goto done;
  }
  svg_series_t px = {mm->mark_col >= 0 ? r->neq : 0,
                     r->eq_t,
                     mm->mark_col >= 0 ? r->cols[mm->mark_col].v : NULL,
                     E8,
                     NULL,
                     1};
  svg_series_t sb = {buy.n, buy.x, buy.y, E8, NULL, 0}, ss = {sell.n, sell.x, sell.y, E8, NULL, 0};
  double lo = 1, hi = 0;
  size_t npx = px.n ? svg_series_range(&px, &lo, &hi) : 0;
  svg_series_range(&sb, &lo, &hi);
  svg_series_range(&ss, &lo, &hi);
  int64_t t0 = 0, t1 = 0;
  int have = 0;
  time_span(r->eq_t, r->neq, &t0, &t1, &have);
  time_span(buy.x, buy.n, &t0, &t1, &have);
  time_span(sell.x, sell.n, &t0, &t1, &have);
  if (!npx && !buy.n && !sell.n) {
    rp_empty(b, "Not enough data: no mark price in equity.csv and no fill for this market.");
    goto done;
  }
  svg_nice_range(&lo, &hi);
  svg_plot_t p;
  svg_puts(b, "<figure>\n");
  svg_open(b, W, 300, "Price with buy and sell fills marked");
  svg_plot_time(&p, L, 30, PW, 240, t0, t1, lo, hi);
  svg_axis_y(b, &p, "");
  svg_axis_time(b, &p, 1);
  size_t mb = svg_markers(b, &p, &sb, SVG_TRI_UP, "buy");
  size_t ms = svg_markers(b, &p, &ss, SVG_TRI_DOWN, "sell");
  if (npx) svg_line(b, &p, &px, SVG_LINE, "px"); /* over the markers: dense fills hide no price */
  svg_legend(b, L, 14, "px", "mark price");
  snprintf(t, sizeof t, "buy fills (%zu)", buy.n);
  svg_legend(b, L + 130, 14, "buy key", t);
  snprintf(t, sizeof t, "sell fills (%zu)", sell.n);
  svg_legend(b, L + 280, 14, "sell key", t);
  svg_close(b);
  snprintf(t, sizeof t,
           "Mark price (equity.csv %s.mark; %s) and every fill of fills.csv at its exchange time "
           "and price: buys as green triangles pointing up, sells red pointing down. Downsampled "
           "per pixel column: the line keeps the first, lowest, highest and last sample of each "
           "column; the markers keep the lowest and highest fill of each column and side "
           "(%zu of %zu buy and %zu of %zu sell markers drawn).",
           mm->name, npx ? "the mid where the data has no mark price" : "no mark price recorded",
           mb, buy.n, ms, sell.n);
  caption(b, t);
done:
  free(buy.x), free(buy.y), free(sell.x), free(sell.y);
}

void rp_chart_price(const rp_ctx_t *c, svg_buf_t *b) {
  svg_puts(b, "<section id=\"price\">\n<h2>Price and fills</h2>\n");
  if (!c->run->nmarkets) rp_empty(b, "No market in this run.");
  for (uint32_t i = 0; i < c->run->nmarkets; i++) price_one(c, b, i);
  svg_puts(b, "</section>\n");
}

void rp_chart_position(const rp_ctx_t *c, svg_buf_t *b) {
  const mt_result_t *m = c->m;
  char t[1024], mx[48], lim[160], mean[48], am[48], al[48];
  svg_puts(b, "<section id=\"position\">\n<h2>Position</h2>\n");
  if (!m->ninv) rp_empty(b, "Not enough data: equity.csv has no position column.");
  for (size_t k = 0; k < m->ninv; k++) {
    const mt_inventory_t *iv = &m->inv[k];
    const char *name = iv->market < m->nmarkets ? m->markets[iv->market] : "?";
    svg_puts(b, "<h3>");
    svg_esc(b, name);
    svg_puts(b, "</h3>\n");
    if (!iv->n) {
      rp_empty(b, "Not enough data: no position samples.");
      continue;
    }
    svg_series_t s = {iv->n, iv->t, iv->pos, E8, NULL, 0};
    double lo = 0, hi = 0;
    svg_series_range(&s, &lo, &hi);
    if (iv->has_limit) {
      double l = (double)iv->limit * E8;
      if (l > hi) hi = l;
      if (-l < lo) lo = -l;
    }
    svg_nice_range(&lo, &hi);
    svg_plot_t p;
    svg_puts(b, "<figure>\n");
    svg_open(b, W, 196, "Position over time");
    svg_plot_time(&p, L, 12, PW, 160, iv->t[0], iv->t[iv->n - 1], lo, hi);
    svg_axis_y(b, &p, "");
    svg_axis_time(b, &p, 1);
    svg_hline(b, &p, 0, "zero");
    if (iv->has_limit) {
      svg_hline(b, &p, (double)iv->limit * E8, "lim");
      svg_hline(b, &p, -(double)iv->limit * E8, "lim");
    }
    svg_line(b, &p, &s, SVG_STEP, "posl");
    svg_close(b);
    fx_format(iv->max_abs, 8, 0, mx, sizeof mx);
    svg_fmt_sig(iv->mean, 4, mean, sizeof mean);
    svg_fmt_sig(iv->abs_mean, 4, am, sizeof am);
    snprintf(lim, sizeof lim, "no position limit configured");
    if (iv->has_limit) {
      char l[48];
      fx_format(iv->limit, 8, 0, l, sizeof l);
      svg_fmt_sig(iv->at_limit_pct, 4, al, sizeof al);
      snprintf(lim, sizeof lim, "limit ±%s (dashed), at it %s%% of the time", l, al);
    }
    snprintf(t, sizeof t,
             "Signed position in the base asset (equity.csv %s.position), held between samples. "
             "Mean %s, mean |position| %s, max |position| %s; %s. Drawn per pixel column "
             "(first, lowest, highest, last).",
             name, mean, am, mx, lim);
    caption(b, t);
  }
  svg_puts(b, "</section>\n");
}

void rp_chart_pnl(const rp_ctx_t *c, svg_buf_t *b) {
  const mt_result_t *m = c->m;
  static const char *const LAB[6] = {"Spread capture",  "Fees", "Funding", "Liquidation fees",
                                     "Inventory / MTM", "Total"};
  svg_puts(b, "<section id=\"pnl\">\n<h2>PnL decomposition</h2>\n");
  if (!m->npnl) rp_empty(b, "Not enough data: no quote asset with a starting balance.");
  for (size_t k = 0; k < m->npnl; k++) {
    const mt_pnl_t *p = &m->pnl[k];
    int64_t v[6] = {p->spread, -p->fees, p->funding, -p->liq_fees, p->inventory, p->total};
    char txt[6][48], fee[48], liq[48], t[1024];
    const char *vt[6];
    double dv[6];
    for (int i = 0; i < 6; i++)
      rp_money(v[i], txt[i], sizeof txt[i]), vt[i] = txt[i], dv[i] = (double)v[i] * E8;
    svg_puts(b, "<h3>");
    svg_esc(b, p->asset);
    svg_puts(b, "</h3>\n<figure>\n");
    svg_open(b, W, 250,
             "PnL decomposition: spread capture, fees, funding, liquidation fees, inventory");
    svg_bars(b, L, 14, PW, 206, 6, dv, LAB, vt, "");
    svg_close(b);
    rp_money(p->fees, fee, sizeof fee), rp_money(p->liq_fees, liq, sizeof liq);
    snprintf(t, sizeof t,
             "In %s, exact to 1e-8: total %s = spread capture %s - fees %s + funding %s - "
             "liquidation fees %s + inventory %s. Spread capture is measured at each fill against "
             "the exchange-side mid (%llu of %llu fills had no mid and add 0); inventory is the "
             "remainder, the mark-to-market of what was held between fills.",
             p->asset, txt[5], txt[0], fee, txt[2], liq, txt[4],
             (unsigned long long)p->fills_without_mid, (unsigned long long)p->fills);
    caption(b, t);
  }
  svg_puts(b, "</section>\n");
}

void rp_chart_returns(const rp_ctx_t *c, svg_buf_t *b) {
  const mt_series_t *s = &c->m->series;
  const char *per = mt_period_name(c->m->period);
  char t[1024], a[48], sd[48], lo_t[48], hi_t[48];
  svg_puts(b, "<h3>Distribution of the periodic returns</h3>\n");
  if (s->nret < 2) {
    snprintf(t, sizeof t,
             "Not enough data for a distribution: %zu return(s) per %s; at least 2 "
             "are needed.",
             s->nret, per);
    rp_empty(b, t);
    return;
  }
  size_t n = s->nret, nb = (size_t)lround(sqrt((double)n));
  nb = nb < 5 ? 5 : nb > 50 ? 50 : nb;
  double *x = malloc(n * sizeof *x);
  size_t *cnt = calloc(nb, sizeof *cnt);
  gsl_histogram *h = gsl_histogram_alloc(nb);
  if (!x || !cnt || !h) {
    b->oom = 1;
    goto done;
  }
  double lo = 0, hi = 0;
  for (size_t i = 0; i < n; i++) {
    x[i] = s->ret[i] * 100;
    if (!i || x[i] < lo) lo = x[i];
    if (!i || x[i] > hi) hi = x[i];
  }
  if (hi - lo < 1e-9) lo -= 1e-3, hi += 1e-3; /* flat: one bin in the middle */
  double top = nextafter(hi, INFINITY);       /* gsl bins are [lo, hi): keep the max */
  gsl_histogram_set_ranges_uniform(h, lo, top);
  for (size_t i = 0; i < n; i++) gsl_histogram_increment(h, x[i]);
  for (size_t i = 0; i < nb; i++) cnt[i] = (size_t)gsl_histogram_get(h, i);
  svg_puts(b, "<figure>\n");
  svg_open(b, W, 240, "Histogram of the periodic returns");
  svg_histogram(b, L, 12, PW, 200, lo, top, cnt, nb, "%");
  svg_close(b);
  double mean = gsl_stats_mean(x, 1, n);
  svg_fmt_sig(mean, 4, a, sizeof a);
  svg_fmt_sig(gsl_stats_sd_m(x, 1, n, mean), 4, sd, sizeof sd);
  svg_fmt_sig(lo, 4, lo_t, sizeof lo_t), svg_fmt_sig(hi, 4, hi_t, sizeof hi_t);
  snprintf(t, sizeof t,
           "Returns per %s of the equity curve resampled as the metrics are (n = %zu): mean %s%%, "
           "standard deviation %s%%, worst %s%%, best %s%%. Each bar counts the periods whose "
           "return falls in it (%zu bins of equal width); the dashed line is 0.",
           per, n, a, sd, lo_t, hi_t, nb);
  caption(b, t);
done:
  gsl_histogram_free(h);
  free(cnt);
  free(x);
}

void rp_chart_heatmap(const rp_ctx_t *c, svg_buf_t *b) {
  char t[1024], sc[48];
  svg_puts(b, "<h3>Hourly returns by hour of day and day</h3>\n");
  const rd_run_t *r = c->run;
  if (!c->hourly || c->hourly->nret < 1) {
    char d[64] = "no samples";
    if (r->neq >= 1) rp_duration(r->eq_t[r->neq - 1] - r->eq_t[0], d, sizeof d);
    snprintf(t, sizeof t,
             "Not enough data: the hour-of-day x day heatmap needs a run of at least "
             "2 days; this one spans %s.",
             d);
    rp_empty(b, t);
    return;
  }
  const mt_series_t *s = c->hourly;
  int64_t d0 = ts_floor_div(s->t[0], TS_NS_PER_DAY), d1 = ts_floor_div(s->t[s->n - 1] - 1, TS_NS_PER_DAY);
  int64_t first = d1 - d0 + 1 > HEAT_MAX_DAYS ? d1 - HEAT_MAX_DAYS + 1 : d0;
  size_t cols = (size_t)(d1 - first + 1), rows = 24;
  double *v = malloc(rows * cols * sizeof *v);
  char(*cl)[8] = calloc(cols, sizeof *cl);
  const char **clab = calloc(cols, sizeof *clab);
  static const char *const RL[24] = {"00:00", NULL, NULL, "03:00", NULL, NULL, "06:00", NULL, NULL,
                                     "09:00", NULL, NULL, "12:00", NULL, NULL, "15:00", NULL, NULL,
                                     "18:00", NULL, NULL, "21:00", NULL, NULL};
  if (!v || !cl || !clab) {
    b->oom = 1;
    goto done;
  }
  for (size_t i = 0; i < rows * cols; i++) v[i] = NAN;
  for (size_t k = 1; k < s->n; k++) {
    int64_t hr = ts_floor_div(s->t[k - 1], TS_NS_PER_HOUR), day = ts_floor_div(hr, 24) - first;
    if (day >= 0 && (size_t)day < cols)
      v[(size_t)(hr - ts_floor_div(hr, 24) * 24) * cols + (size_t)day] = s->ret[k - 1] * 100;
  }
  /* The darkest shade from the 95th percentile of |return| up, so that one
   * outlier does not wash out every other hour. */
  double *ab = malloc(rows * cols * sizeof *ab), scale = 0;
  size_t na = 0;
  if (!ab) {
    b->oom = 1;
    goto done;
  }
  for (size_t i = 0; i < rows * cols; i++)
    if (isfinite(v[i])) ab[na++] = fabs(v[i]);
  if (na) {
    gsl_sort(ab, 1, na);
    scale = gsl_stats_quantile_from_sorted_data(ab, 1, na, 0.95);
  }
  free(ab);
  size_t every = (cols + 13) / 14;
  for (size_t i = 0; i < cols; i += every) {
    svg_time_label((first + (int64_t)i) * TS_NS_PER_DAY, TS_NS_PER_DAY, cl[i], sizeof cl[i]);
    clab[i] = cl[i];
  }
  svg_puts(b, "<figure>\n");
  svg_open(b, W, 24 * 14 + 34, "Heatmap of hourly returns, hour of day by day");
  svg_heatmap(b, L, 12, PW - 70, 24 * 14, rows, cols, v, scale, RL, clab, "%");
  svg_close(b);
  svg_fmt_sig(scale, 3, sc, sizeof sc);
  snprintf(t, sizeof t,
           "Return of each UTC hour (rows, 00:00 at the top) of each day (columns)%s: blue up, "
           "red down; the darkest shade is a move of %s%% or more (the 95th percentile of "
           "|return|), white none; grey: no sample in that hour.",
           cols < (size_t)(d1 - d0 + 1) ? ", the last 366 days" : "", sc);
  caption(b, t);
done:
  free(v);
  free(cl);
  free(clab);
}
