/* metrics.h - the numbers of a run: returns, drawdown, trade and
 * market-making statistics, risk events, a bootstrap interval for Sharpe.
 *
 * Computed from a loaded run (rundata.h). Money and quantities stay exact
 * int64 1e-8 (round-trip PnL, the PnL decomposition, which sums exactly to
 * the total); statistics of returns are doubles (GSL). One flat, ordered
 * list of metrics (key, label, unit, value, formula) feeds the HTML report,
 * metrics.csv, summary.json and the run store alike. Definitions:
 * docs/metrics.md.
 */
#ifndef LOB_METRICS_H
#define LOB_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/status.h"
#include "rundata.h"

/* The return period. AUTO: day for a run of >= 7 days of equity samples,
 * hour for >= 2 days, else minute (the result states the one used). */
typedef enum { MT_PERIOD_AUTO = 0, MT_PERIOD_MINUTE, MT_PERIOD_HOUR, MT_PERIOD_DAY } mt_period_t;

typedef struct {
  mt_period_t period;  /* default AUTO */
  double annual_days;  /* periods per year come from this; default 365 (24/7 markets) */
  unsigned bootstrap;  /* bootstrap samples for the Sharpe interval; default 1000, 0 = none */
  double ci_level;     /* default 0.95 */
  int has_seed;        /* 0 (default): seed from the run (summary.json "seed") */
  uint64_t seed;
} mt_opts_t;

void mt_opts_default(mt_opts_t *o);
/* "auto", "minute", "hour", "day" (and back: LOB_EINVAL naming the text). */
const char *mt_period_name(mt_period_t p);
lob_status_t mt_period_parse(const char *s, mt_period_t *out, lob_err_t *err);

typedef enum {
  MT_REAL,   /* double `real` */
  MT_DEC8,   /* exact int64 `i` at 1e-8: money (unit "quote", `asset` set) or a quantity */
  MT_INT,    /* exact int64 `i`: a count (unit "count") or nanoseconds (unit "ns") */
  MT_ABSENT  /* no value; `absent` says why (JSON null + reason, never 0 or NaN) */
} mt_kind_t;

/* One metric. Strings live with the result.
 * key: stable, [a-z0-9_.] plus asset/market names ("sharpe", "pnl.spread.USDT").
 * unit: "quote" (money, MT_DEC8, in `asset`), "base" (quantity, MT_DEC8),
 *       "pct" (percent: 5.0 means 5 %), "ratio", "count", "ns", "period"
 *       (a number of periods). */
typedef struct {
  const char *key, *label, *unit;
  const char *group;   /* "run", "returns", "trades", "market_making", "risk" */
  const char *formula; /* plain text, "" when the label says it all */
  mt_kind_t kind;
  double real;
  int64_t i;
  const char *asset;  /* MT_DEC8 money: the asset; "" otherwise */
  const char *absent; /* MT_ABSENT: the reason; "" otherwise */
} mt_metric_t;

/* Resampled equity: point 0 is the first equity sample, point k >= 1 the
 * last sample at or before start + k x period (the last point is the run's
 * last sample, possibly a shorter period). ret[k-1] is the simple return
 * from point k-1 to point k. */
typedef struct {
  size_t n;
  int64_t *t;       /* ns */
  int64_t *equity;  /* 1e-8 quote */
  int64_t *dd;      /* equity - running peak, <= 0, 1e-8 quote */
  size_t nret;      /* n - 1 (0 when n < 2) */
  double *ret;      /* simple returns, fractions (0.01 = 1 %) */
  /* Full resolution (one per equity.csv row): drawdown against the
   * running peak, for the chart beneath the equity curve. */
  size_t nraw;
  int64_t *raw_dd;  /* 1e-8 quote, <= 0 */
} mt_series_t;

/* The run's equity resampled to period p (AUTO: as mt_compute chooses),
 * with its returns and drawdowns, as mt_compute fills mt_result_t.series:
 * for a second period without computing every metric again (the report's
 * hourly heatmap). *s is zeroed first; LOB_ENOMEM (*s empty) on no memory.
 * mt_series_free releases it (and leaves it zeroed). */
lob_status_t mt_series_at(const rd_run_t *run, mt_period_t p, mt_series_t *s);
void mt_series_free(mt_series_t *s);

/* A round trip: one FIFO match of an opening lot with (part of) a closing
 * fill, in one market. A fill that flips the position closes the open lots
 * and opens a lot with the rest. A fill's fee is split between the parts it
 * closes and opens in proportion to quantity (fx_muldiv; the last part takes
 * the remainder so the parts sum to the fee exactly); a lot partly closed
 * passes its entry fee on the same way. */
typedef struct {
  uint32_t market;   /* index in mt_result_t.markets */
  int8_t dir;        /* +1 long (opened by a buy), -1 short */
  uint64_t open_order, close_order;
  int64_t open_ts, close_ts; /* exchange times of the two fills, ns */
  int64_t qty;       /* 1e-8 base */
  int64_t entry_px, exit_px; /* 1e-8 quote */
  int64_t gross;     /* (exit - entry) x qty x dir, 1e-8 quote, exact */
  int64_t fees;      /* entry share + exit share, 1e-8 quote (a rebate is negative) */
  int64_t net;       /* gross - fees */
} mt_trip_t;

/* The PnL decomposition of one quote/settle asset:
 *   total = spread - fees + funding - liq_fees + inventory   (exactly)
 * spread: sum over fills with a mid of (mid - price) x qty (buy) or
 * (price - mid) x qty (sell); fees: of the fills (a fee paid in the base
 * asset converted at the fill price); funding, liq_fees: summary.json;
 * inventory: the remainder (mark-to-market of the inventory held between
 * fills; see docs/metrics.md). */
typedef struct {
  const char *asset;
  int64_t total;      /* sum over its venues of last equity - starting equity */
  int64_t spread, fees, funding, liq_fees, inventory;
  uint64_t fills, fills_without_mid; /* fills without a mid add 0 spread */
} mt_pnl_t;

/* Position of one market over the equity samples. */
typedef struct {
  uint32_t market;   /* index in mt_result_t.markets */
  size_t n;
  int64_t *t, *pos;  /* ns; 1e-8 base, signed */
  double mean, abs_mean; /* of the samples, base units */
  int64_t max_abs;   /* 1e-8 base */
  int has_limit;     /* 1 when a position limit is known (risk.max_position) */
  int64_t limit;     /* 1e-8 base */
  double at_limit_pct; /* share of sampled time with |pos| >= limit, percent */
} mt_inventory_t;

typedef struct {
  const char *op, *reason; /* orders.csv op ("new", "risk", ...) and reason name */
  uint64_t count;
} mt_reject_t;

typedef struct {
  int64_t t;
  const char *what, *state, *why; /* risk.csv */
} mt_event_t;

typedef struct {
  const char *venue;
  uint64_t count;
} mt_liq_t;

typedef struct {
  mt_period_t period; /* the one used (never AUTO) */
  int64_t period_ns;
  double annual_days;

  size_t nmetrics;
  mt_metric_t *metrics; /* ordered: run, returns, trades, market_making, risk */

  mt_series_t series;

  size_t nmarkets;
  char **markets; /* market names (copies), indexed by trip/inventory .market */

  size_t ntrips;
  mt_trip_t *trips; /* by close time, then market */
  size_t nopen_lots; /* lots still open at the end (not trips) */

  size_t npnl;
  mt_pnl_t *pnl; /* one per quote/settle asset, by name */

  size_t ninv;
  mt_inventory_t *inv; /* per market with a position column */

  size_t nrejects;
  mt_reject_t *rejects; /* by op, then reason */
  size_t nevents;
  mt_event_t *events;   /* breaker trips / halts / resets, risk.csv order */
  size_t nliq;
  mt_liq_t *liqs;       /* per venue (summary.json) */
  uint64_t liquidations;
} mt_result_t;

/* Computes everything. opts NULL = defaults. Fails only on a malformed run
 * (overflowing money, inconsistent fills) or memory; edge cases (no
 * trades, flat equity, a run shorter than a period) give MT_ABSENT metrics
 * with a reason. */
lob_status_t mt_compute(const rd_run_t *run, const mt_opts_t *opts, mt_result_t **out,
                        lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void mt_destroy(mt_result_t **pp);

/* The metric with this key, or NULL. */
const mt_metric_t *mt_find(const mt_result_t *r, const char *key);
/* The value as text, locale-independent: MT_DEC8 exactly with 8 decimals,
 * MT_INT as an integer, MT_REAL with up to 10 significant digits, MT_ABSENT
 * as "". Returns the length (0 if cap is too small). */
size_t mt_value_text(const mt_metric_t *m, char *buf, size_t cap);

/* Writes dir/name whole or not at all: body writes into name.tmp, which is
 * renamed over name only when everything was written (the one way report
 * files are written, so a half-written file never looks complete). */
lob_status_t mt_write_atomic(const char *dir, const char *name,
                             lob_status_t (*body)(const void *ctx, FILE *f), const void *ctx,
                             lob_err_t *err);

/* s as one CSV cell: quoted (with doubled quotes) when it holds a comma, a
 * quote or a line break; nothing for NULL (an empty cell). The one way the
 * report files and the run store's exports quote a cell. */
void mt_csv_cell(FILE *f, const char *s);
/* The unit as the files and the run store write it: a money metric's
 * asset ("USDT"), else m->unit. */
const char *mt_unit_text(const mt_metric_t *m);

/* dir/metrics.csv: key,label,unit,value,formula (written to .tmp, renamed);
 * the unit of money is its asset ("USDT"). */
lob_status_t mt_write_csv(const mt_result_t *r, const char *dir, lob_err_t *err);
/* dir/round_trips.csv: market,dir,open_order,close_order,open_ts,close_ts,qty,
 * entry_px,exit_px,gross,fees,net (written to .tmp, renamed). */
lob_status_t mt_write_round_trips(const mt_result_t *r, const char *dir, lob_err_t *err);
/* The metrics as JSON (new reference; NULL on no memory):
 * {"period": "hour", "period_seconds": 3600, "annual_days": 365,
 *  "values": {KEY: {"label","unit","group","formula","value"[,"asset"]
 *             [,"absent_reason"]}, ...},   (in list order)
 *  "pnl": [{asset,total,spread,fees,funding,liq_fees,inventory}, ...],
 *  "rejects": [...], "events": [...], "liquidations": N}
 * Money is a string with 8 decimals (as summary.json writes money), a count
 * an integer, a real a number, an absent value null. */
json_t *mt_to_json(const mt_result_t *r);

#endif
