/* report_html.c - report.html: the page around the charts. Header with the
 * run's facts, key figures, the chart sections (report_html_charts.c), the
 * metrics table by group with each formula, and the risk tables.
 *
 * One self-contained file: inline CSS and inline SVG, no script, no font,
 * no link outside the run directory. Nothing in it depends on the run's
 * identity except the one element between the "run-specific" comments. */
#include <stdio.h>
#include <string.h>

#include "../core/fixed.h"
#include "../core/timefmt.h"
#include "report.h"

static const char CSS[] =
    "body{margin:0;background:#f6f6f4;color:#222;font:14px/1.45 system-ui,-apple-system,"
    "'Segoe UI',Roboto,Helvetica,Arial,sans-serif}\n"
    "main{max-width:1100px;margin:0 auto;padding:12px 28px 40px;background:#fff}\n"
    "h1{font-size:21px;margin:10px 0 4px}h2{font-size:17px;margin:30px 0 8px;padding-bottom:3px;"
    "border-bottom:1px solid #ddd}h3{font-size:14px;margin:16px 0 4px;color:#444}\n"
    "nav{font-size:13px;margin:10px 0}nav a{margin-right:14px;color:#2f6f9f}\n"
    ".runid{margin:4px 0 12px;padding:6px 10px;background:#f1f5f9;border-left:3px solid #2f6f9f;"
    "font-size:13px}\n"
    "table{border-collapse:collapse;font-size:13px;margin:4px 0}\n"
    "th,td{padding:3px 12px 3px 0;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #eee}\n"
    "th{font-weight:600;color:#444}td.num,th.num{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;"
    "word-break:break-all}\n"
    ".facts th{width:150px;font-weight:500;color:#555}\n"
    ".kpi{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px;"
    "margin:8px 0}\n"
    ".kpi div{border:1px solid #e2e2e2;border-radius:4px;padding:6px 10px}\n"
    ".kpi b{display:block;font-size:17px;font-variant-numeric:tabular-nums}.kpi span{color:#666;"
    "font-size:12px}\n"
    ".cap{color:#555;font-size:12.5px;margin:2px 0 12px}\n"
    ".empty{color:#777;font-style:italic;border:1px dashed #ccc;padding:14px;text-align:center}\n"
    ".groups{display:grid;grid-template-columns:1fr 1fr;gap:0 36px}\n"
    "@media (max-width:900px){.groups{grid-template-columns:1fr}main{padding:8px 12px}}\n"
    ".groups table{width:100%}tr[title] td.m{text-decoration:underline dotted #bbb;cursor:help}\n"
    ".f{display:none;color:#666;font-size:11px}.u,.absent{color:#777;font-size:12px}\n"
    "footer{margin-top:32px;color:#666;font-size:12px}\n"
    ".eq{stroke:#1f5f99;stroke-width:1.5;fill:none}.dd{fill:#f0b8b5;stroke:#c0392b;"
    "stroke-width:.8}\n"
    ".px{stroke:#333;stroke-width:1;fill:none}.buy{fill:#1a7f37;fill-opacity:.8}\n"
    ".sell{fill:#c62828;fill-opacity:.8}\n"
    ".buy.key{stroke:#1a7f37;stroke-width:6}.sell.key{stroke:#c62828;stroke-width:6}\n"
    ".posl{stroke:#6a3d9a;stroke-width:1.5;fill:none}.lim{stroke:#c62828;stroke-dasharray:5 3;"
    "fill:none}\n"
    "@media print{body{background:#fff;font-size:10pt}main{max-width:none;padding:0}"
    "nav{display:none}"
    "section,figure,tr{break-inside:avoid}h2,h3{break-after:avoid}.f{display:block}"
    "a{color:inherit;text-decoration:none}.groups{grid-template-columns:1fr}}\n"
    "figure{margin:0}\n";

static void tag(svg_buf_t *b, const char *open, const char *text, const char *close) {
  svg_puts(b, open);
  svg_esc(b, text ? text : "");
  svg_puts(b, close);
}

static const char *sget(const rd_run_t *r, const char *key) {
  const char *s = json_string_value(json_object_get(r->summary, key));
  return s ? s : "";
}

static const char *cfg(const rd_run_t *r, const char *key) {
  const char *s = json_string_value(json_object_get(json_object_get(r->summary, "config"), key));
  return s ? s : "";
}

static void fact(svg_buf_t *b, const char *name, const char *value, int mono) {
  tag(b, "<tr><th>", name, mono ? "</th><td><code>" : "</th><td>");
  svg_esc(b, value && value[0] ? value : "-");
  svg_puts(b, mono ? "</code></td></tr>\n" : "</td></tr>\n");
}

void rp_when(int64_t t, char *buf, size_t cap) {
  char s[40];
  ts_format(t, s, sizeof s);
  char *T = strchr(s, 'T'), *Z = strchr(s, 'Z');
  if (T) *T = ' ';
  if (Z) *Z = '\0';
  snprintf(buf, cap, "%s UTC", s);
}

void rp_duration(int64_t ns, char *buf, size_t cap) {
  const char *sign = ns < 0 ? "-" : "";
  uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns, s = a / 1000000000u;
  char t[48];
  if (a < 1000000u)
    svg_fmt_sig((double)a / 1e3, 3, t, sizeof t), snprintf(buf, cap, "%s%s µs", sign, t);
  else if (a < 1000000000u)
    svg_fmt_sig((double)a / 1e6, 3, t, sizeof t), snprintf(buf, cap, "%s%s ms", sign, t);
  else if (s < 60)
    svg_fmt((double)a / 1e9, 2, t, sizeof t), snprintf(buf, cap, "%s%s s", sign, t);
  else if (s < 3600)
    snprintf(buf, cap, "%s%llu min %llu s", sign, (unsigned long long)(s / 60),
             (unsigned long long)(s % 60));
  else if (s < 86400)
    snprintf(buf, cap, "%s%llu h %llu min", sign, (unsigned long long)(s / 3600),
             (unsigned long long)(s / 60 % 60));
  else
    snprintf(buf, cap, "%s%llu d %llu h", sign, (unsigned long long)(s / 86400),
             (unsigned long long)(s / 3600 % 24));
}

int rp_metric_text(const mt_metric_t *m, char *v, size_t vcap, const char **unit) {
  *unit = m->unit;
  switch (m->kind) {
  case MT_ABSENT:
    snprintf(v, vcap, "-");
    return 0;
  case MT_DEC8:
    if (!strcmp(m->unit, "quote"))
      rp_money(m->i, v, vcap), *unit = m->asset;
    else
      fx_format(m->i, 8, 0, v, vcap);
    return 1;
  case MT_INT:
    if (!strcmp(m->unit, "ns"))
      rp_duration(m->i, v, vcap), *unit = "";
    else if (!strcmp(m->unit, "time"))
      rp_when(m->i, v, vcap), *unit = "";
    else
      snprintf(v, vcap, "%lld", (long long)m->i), *unit = !strcmp(m->unit, "count") ? "" : m->unit;
    return 1;
  case MT_REAL:
    svg_fmt_sig(m->real, 4, v, vcap);
    if (!strcmp(m->unit, "pct"))
      *unit = "%";
    else if (!strcmp(m->unit, "ratio"))
      *unit = "";
    return 1;
  }
  return 0;
}

/* --- header ------------------------------------------------------------------------- */

static void header(const rp_ctx_t *c, svg_buf_t *b) {
  const rd_run_t *r = c->run;
  char t[512], u[400];
  svg_puts(b, "<header>\n<h1>Run report: ");
  svg_esc(b, cfg(r, "strategy.name")[0] ? cfg(r, "strategy.name") : "backtest");
  for (size_t i = 0; i < r->nmarkets; i++) {
    const rd_market_t *m = &r->markets[i];
    svg_puts(b, i ? ", " : " on ");
    svg_esc(b, m->symbol[0] ? m->symbol : m->name);
    if (m->venue[0]) tag(b, " (", m->venue, ")");
  }
  svg_puts(b, "</h1>\n<!-- run-specific: begin. The run id and the creation time live here and "
              "only here; everything else depends on the run's data alone. -->\n"
              "<p class=\"runid\" id=\"run-specific\">Run <code>");
  svg_esc(b, r->run_id);
  svg_puts(b, "</code>");
  if (c->created[0]) tag(b, " &middot; created ", c->created, "");
  svg_puts(b, "</p>\n<!-- run-specific: end -->\n<table class=\"facts\">\n");
  fact(b, "Strategy", cfg(r, "strategy.name"), 0);
  fact(b, "Config file", sget(r, "config_file"), 1);
  fact(b, "Config digest", sget(r, "config_digest"), 1);
  json_t *seed = json_object_get(r->summary, "seed");
  snprintf(t, sizeof t, "%lld", (long long)json_integer_value(seed));
  fact(b, "Seed", json_is_integer(seed) ? t : "", 0);
  snprintf(t, sizeof t, "%s to %s",
           cfg(r, "run.start")[0] ? cfg(r, "run.start") : "the start of the data",
           cfg(r, "run.end")[0] ? cfg(r, "run.end") : "its end");
  fact(b, "Period (config)", t, 0);
  if (r->neq) {
    char a[48], z[48], d[48];
    rp_when(r->eq_t[0], a, sizeof a), rp_when(r->eq_t[r->neq - 1], z, sizeof z);
    rp_duration(r->eq_t[r->neq - 1] - r->eq_t[0], d, sizeof d);
    snprintf(u, sizeof u, "%s to %s (%s, %zu equity samples)", a, z, d, r->neq);
    fact(b, "Data time range", u, 0);
  } else {
    fact(b, "Data time range", "no equity samples", 0);
  }
  svg_fmt(c->m->annual_days, 4, u, sizeof u);
  snprintf(t, sizeof t, "%s; annualized with %s days a year", mt_period_name(c->m->period), u);
  fact(b, "Return period", t, 0);
  fact(b, "Output digest", sget(r, "output_digest"), 1);
  fact(b, "lobsim version", sget(r, "lobsim_version"), 0);
  svg_puts(b, "</table>\n<h3>Inputs</h3>\n<table>\n<tr><th>Market</th><th>Venue</th><th>Symbol</th>"
              "<th>Data file and sources</th><th>SHA-256</th></tr>\n");
  json_t *in, *so;
  size_t i, k;
  json_array_foreach(json_object_get(r->summary, "inputs"), i, in) {
    const char *f[] = {"market", "exchange", "symbol", "data", "events_sha256"};
    svg_puts(b, "<tr>");
    for (int j = 0; j < 5; j++) {
      const char *s = json_string_value(json_object_get(in, f[j]));
      tag(b, j >= 3 ? "<td><code>" : "<td>", s, j >= 3 ? "</code></td>" : "</td>");
    }
    svg_puts(b, "</tr>\n");
    json_array_foreach(json_object_get(in, "sources"), k, so) {
      tag(b, "<tr><td></td><td></td><td></td><td><code>",
          json_string_value(json_object_get(so, "name")), "</code></td><td><code>");
      tag(b, "", json_string_value(json_object_get(so, "sha256")), "</code></td></tr>\n");
    }
  }
  svg_puts(b, "</table>\n</header>\n");
}

/* --- key figures and the metrics table ------------------------------------------------- */

static void kpi(const rp_ctx_t *c, svg_buf_t *b) {
  static const char *const KEYS[] = {"return.total",    "drawdown.max",    "sharpe",
                                     "trades.count",    "trades.win_rate", "fills.count",
                                     "maker.share_qty", "rejects.total",   "breaker.trips"};
  svg_puts(b, "<div class=\"kpi\">\n");
  for (size_t i = 0; i < c->m->nmetrics + sizeof KEYS / sizeof KEYS[0]; i++) {
    const mt_metric_t *m;
    if (i < c->m->nmetrics) {
      m = &c->m->metrics[i];
      if (strncmp(m->key, "pnl.total.", 10)) continue; /* the total PnL of each asset first */
    } else if (!(m = mt_find(c->m, KEYS[i - c->m->nmetrics]))) {
      continue;
    }
    char v[64];
    const char *unit;
    int have = rp_metric_text(m, v, sizeof v, &unit);
    svg_puts(b, "<div><b>");
    svg_esc(b, v);
    if (have && unit[0]) tag(b, " ", unit, "");
    tag(b, "</b><span>", m->label, "</span></div>\n");
  }
  svg_puts(b, "</div>\n");
}

static void metric_row(svg_buf_t *b, const mt_metric_t *m) {
  char v[64], exact[64];
  const char *unit;
  int have = rp_metric_text(m, v, sizeof v, &unit);
  svg_puts(b, "<tr");
  if (m->formula[0]) tag(b, " title=\"", m->formula, "\"");
  tag(b, "><td class=\"m\">", m->label, "");
  if (m->formula[0]) tag(b, "<span class=\"f\">", m->formula, "</span>");
  svg_puts(b, "</td><td class=\"num\"");
  if (m->kind == MT_REAL && mt_value_text(m, exact, sizeof exact)) tag(b, " title=\"", exact, "\"");
  tag(b, ">", v, "</td>");
  if (have)
    tag(b, "<td class=\"u\">", unit, "</td></tr>\n");
  else
    tag(b, "<td class=\"absent\">", m->absent, "</td></tr>\n");
}

static void metrics_table(const rp_ctx_t *c, svg_buf_t *b) {
  static const char *const G[][2] = {{"run", "Run"},
                                     {"returns", "Returns"},
                                     {"trades", "Trades (FIFO round trips)"},
                                     {"market_making", "Market making"},
                                     {"risk", "Risk"}};
  svg_puts(b, "<section id=\"metrics\">\n<h2>Metrics</h2>\n<p class=\"cap\">Hover a metric for its "
              "formula (printed under it on paper); docs/metrics.md defines each. Money is exact "
              "(to 1e-8, trailing zeros trimmed); ratios and percentages show 4 significant digits "
              "(hover the value for 10). A metric that is undefined for this run shows why "
              "instead of a number.</p>\n<div class=\"groups\">\n");
  for (size_t g = 0; g < sizeof G / sizeof G[0]; g++) {
    int any = 0;
    for (size_t i = 0; i < c->m->nmetrics; i++) {
      const mt_metric_t *m = &c->m->metrics[i];
      if (strcmp(m->group, G[g][0])) continue;
      if (!any) tag(b, "<div>\n<h3>", G[g][1], "</h3>\n<table>\n");
      any = 1;
      metric_row(b, m);
    }
    if (any) svg_puts(b, "</table>\n</div>\n");
  }
  svg_puts(b, "</div>\n</section>\n");
}

/* --- risk tables -------------------------------------------------------------------------- */

static void risk_tables(const rp_ctx_t *c, svg_buf_t *b) {
  const mt_result_t *m = c->m;
  char t[64];
  svg_puts(b, "<section id=\"risk\">\n<h2>Refusals and breaker events</h2>\n"
              "<h3>Refusals by operation and reason</h3>\n");
  if (!m->nrejects)
    svg_puts(b, "<p class=\"cap\">None: no order or request was refused.</p>\n");
  else
    svg_puts(b,
             "<table>\n<tr><th>Operation</th><th>Reason</th><th class=\"num\">Count</th></tr>\n");
  for (size_t i = 0; i < m->nrejects; i++) {
    tag(b, "<tr><td>", m->rejects[i].op, "</td>");
    tag(b, "<td>", m->rejects[i].reason, "</td>");
    svg_printf(b, "<td class=\"num\">%llu</td></tr>\n", (unsigned long long)m->rejects[i].count);
  }
  if (m->nrejects)
    svg_puts(b, "</table>\n<p class=\"cap\">From orders.csv: op <code>risk</code> "
                "is the risk layer (never sent), the others the exchange.</p>\n");
  svg_puts(b, "<h3>Circuit breakers and kill switch</h3>\n");
  if (!m->nevents)
    svg_puts(b, "<p class=\"cap\">None: no breaker changed state (risk.csv).</p>\n");
  else
    svg_puts(b, "<table>\n<tr><th>Time</th><th>Breaker</th><th>State</th><th>Why</th></tr>\n");
  for (size_t i = 0; i < m->nevents; i++) {
    rp_when(m->events[i].t, t, sizeof t);
    tag(b, "<tr><td class=\"num\">", t, "</td>");
    tag(b, "<td>", m->events[i].what, "</td>");
    tag(b, "<td>", m->events[i].state, "</td>");
    tag(b, "<td>", m->events[i].why, "</td></tr>\n");
  }
  if (m->nevents) svg_puts(b, "</table>\n");
  svg_puts(b, "<h3>Liquidations</h3>\n");
  if (!m->liquidations)
    svg_puts(b, "<p class=\"cap\">None.</p>\n");
  else
    svg_puts(b, "<table>\n<tr><th>Venue</th><th class=\"num\">Liquidations</th></tr>\n");
  for (size_t i = 0; m->liquidations && i < m->nliq; i++) {
    tag(b, "<tr><td>", m->liqs[i].venue, "</td>");
    svg_printf(b, "<td class=\"num\">%llu</td></tr>\n", (unsigned long long)m->liqs[i].count);
  }
  if (m->liquidations) svg_puts(b, "</table>\n");
  svg_puts(b, "</section>\n");
}

void rp_empty(svg_buf_t *b, const char *why) { tag(b, "<p class=\"empty\">", why, "</p>\n"); }

void rp_html(const rp_ctx_t *c, svg_buf_t *b) {
  const rd_run_t *r = c->run;
  svg_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>");
  tag(b, "lobsim report: ", cfg(r, "strategy.name")[0] ? cfg(r, "strategy.name") : "backtest", "");
  for (size_t i = 0; i < r->nmarkets; i++)
    tag(b, i ? ", " : " on ", r->markets[i].symbol[0] ? r->markets[i].symbol : r->markets[i].name,
        "");
  svg_puts(b, "</title>\n<style>\n");
  svg_puts(b, CSS);
  svg_puts(b, svg_css());
  svg_puts(b, "</style>\n</head>\n<body>\n<main>\n");
  header(c, b);
  svg_puts(b, "<nav><a href=\"#equity\">Equity</a><a href=\"#price\">Price and fills</a>"
              "<a href=\"#position\">Position</a><a href=\"#pnl\">PnL decomposition</a>"
              "<a href=\"#returns\">Returns</a><a href=\"#metrics\">Metrics</a>"
              "<a href=\"#risk\">Refusals and breakers</a></nav>\n");
  kpi(c, b);
  rp_chart_equity(c, b);
  rp_chart_price(c, b);
  rp_chart_position(c, b);
  rp_chart_pnl(c, b);
  svg_puts(b, "<section id=\"returns\">\n<h2>Returns</h2>\n");
  rp_chart_returns(c, b);
  rp_chart_heatmap(c, b);
  svg_puts(b, "</section>\n");
  metrics_table(c, b);
  risk_tables(c, b);
  svg_puts(b, "<footer>Files of this run: <a href=\"summary.json\">summary.json</a> &middot; "
              "<a href=\"metrics.csv\">metrics.csv</a> &middot; <a href=\"round_trips.csv\">"
              "round_trips.csv</a> &middot; <a href=\"orders.csv\">orders.csv</a> &middot; "
              "<a href=\"fills.csv\">fills.csv</a> &middot; <a href=\"equity.csv\">equity.csv</a>"
              " &middot; <a href=\"risk.csv\">risk.csv</a>. Made by lobsim from these files alone; "
              "<code>lobsim report RUN_DIR</code> makes it again, byte for byte.</footer>\n"
              "</main>\n</body>\n</html>\n");
}
