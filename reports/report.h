/* report.h - the report files of a run directory: metrics.csv,
 * round_trips.csv, the "metrics" of summary.json and report.html.
 *
 * rp_generate reads the run's own files (rundata.h), computes the metrics
 * (metrics.h) and writes every report file, each to NAME.tmp then renamed:
 * a failure half-way leaves the run as it was (summary.json keeps all its
 * other keys, in their order). The same run gives the same bytes every
 * time; in report.html only one marked element holds the run id and the
 * creation time. What each file and chart shows: docs/report.md.
 */
#ifndef LOB_REPORT_H
#define LOB_REPORT_H

#include "../core/status.h"
#include "metrics.h"
#include "rundata.h"
#include "svg.h"

typedef struct {
  mt_opts_t metrics;       /* return period, annual days, bootstrap, seed */
  const char *created_utc; /* shown in the run-specific element; NULL: summary.json
                              "created_utc" when it has one, else nothing */
} rp_opts_t;

void rp_opts_default(rp_opts_t *o);

/* Writes run_dir/{metrics.csv, round_trips.csv, summary.json (merged),
 * report.html}. opts NULL = defaults. Errors: those of rd_load (a run
 * without summary.json is LOB_ENOTFOUND), of mt_compute, LOB_EIO naming
 * the file that could not be written, LOB_ENOMEM. */
lob_status_t rp_generate(const char *run_dir, const rp_opts_t *opts, lob_err_t *err);

/* --- inside the report module (report.c, report_html*.c) ---------------------------- */

typedef struct {
  const rd_run_t *run;
  const mt_result_t *m;
  const mt_series_t *hourly; /* hourly returns for the heatmap (m's own series when its
                                period is the hour); NULL when the run is shorter than 2 days */
  const char *created;       /* "" when unknown */
} rp_ctx_t;

/* The whole page into out (report_html.c). */
void rp_html(const rp_ctx_t *c, svg_buf_t *out);
/* The chart sections (report_html_charts.c). */
void rp_chart_equity(const rp_ctx_t *c, svg_buf_t *b);
void rp_chart_price(const rp_ctx_t *c, svg_buf_t *b);
void rp_chart_position(const rp_ctx_t *c, svg_buf_t *b);
void rp_chart_pnl(const rp_ctx_t *c, svg_buf_t *b);
void rp_chart_returns(const rp_ctx_t *c, svg_buf_t *b);
void rp_chart_heatmap(const rp_ctx_t *c, svg_buf_t *b);
/* A "not enough data" note in place of a chart. */
void rp_empty(svg_buf_t *b, const char *why);
/* Exact money (1e-8) for people: trailing zeros trimmed down to 2 decimals. */
size_t rp_money(int64_t v, char *buf, size_t cap);
/* A metric's value and unit as the page shows them (money exact, reals
 * with 4 significant digits, durations and times for people); returns 0
 * (value "-") when the metric is absent. */
int rp_metric_text(const mt_metric_t *m, char *v, size_t vcap, const char **unit);
/* A duration for people: "790 ms", "4 min 5 s", "2 d 3 h". */
void rp_duration(int64_t ns, char *buf, size_t cap);
/* "2024-08-08 23:54:16 UTC" */
void rp_when(int64_t t, char *buf, size_t cap);
/* The asset of the run's money ("" when the markets' quotes differ). */
const char *rp_quote(const rp_ctx_t *c);

#endif
