/* rundata.h - a finished run directory loaded into memory, for the reports.
 *
 * Reads summary.json (kept as a json_t), orders.csv, fills.csv, equity.csv
 * and risk.csv (optional: older runs have none). Every decimal of the files
 * is parsed exactly with fx_parse at scale 8: money, prices and quantities
 * are int64 1e-8 units (of the asset, of the quote, of the base); times are
 * int64 ns. Rows are arrays of small structs with counts, in file order; the
 * equity file is kept by column (struct of arrays), since its columns depend
 * on the run's markets and venues. Everything lives until rd_destroy.
 */
#ifndef LOB_RUNDATA_H
#define LOB_RUNDATA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

#define RD_SCALE 8 /* every decimal of a run file: 1e-8 units */

/* A market of the run (config's [market.NAME]). Markets come from
 * summary.json's "inputs" in that order; a market found only in the CSV files
 * is appended with venue/symbol "" and quote "". */
typedef struct {
  char *name;   /* "perp" */
  char *venue;  /* "binance-futures": inputs[].exchange, the prefix of its venue's columns */
  char *symbol; /* "BTCUSDT" */
  char *quote;  /* the asset its PnL and prices are in ("USDT"); "" when unknown (see rd_load) */
  int perp;     /* 1: a perpetual (summary has mark_price/risk_tiers for it), 0: spot/unknown */
  int venue_ix; /* index in rd_run_t.venues, -1 when none */
  int pos_col, mark_col, upnl_col; /* index in rd_run_t.cols, -1 when absent */
} rd_market_t;

/* A venue: the prefix of "<v>.<asset>" and "<v>.equity" columns. */
typedef struct {
  char *name;     /* "binance-futures" */
  char *quote;    /* the asset its equity column is in; "" when unknown */
  int equity_col; /* index in rd_run_t.cols, -1 when absent */
} rd_venue_t;

typedef enum {
  RD_COL_POSITION,     /* "<m>.position": signed base quantity */
  RD_COL_MARK,         /* "<m>.mark": mark price (0 before the book has one) */
  RD_COL_UPNL,         /* "<m>.upnl": unrealized PnL, quote */
  RD_COL_BALANCE,      /* "<v>.<asset>": a balance, that asset */
  RD_COL_VENUE_EQUITY, /* "<v>.equity": the venue's equity, its quote */
  RD_COL_OTHER         /* anything else (kept, not interpreted) */
} rd_col_kind_t;

/* One equity.csv column other than time and the total "equity". */
typedef struct {
  char *name; /* header text, "perp.position" */
  rd_col_kind_t kind;
  int market; /* POSITION/MARK/UPNL: index in markets, else -1 */
  int venue;  /* BALANCE/VENUE_EQUITY: index in venues, else -1 */
  char *asset; /* BALANCE: the asset ("USDT"); NULL otherwise */
  int64_t *v;  /* rd_run_t.neq values, 1e-8 */
} rd_col_t;

/* One orders.csv row. Strings (op) are interned: they live with the run
 * and equal strings are the same pointer. */
typedef struct {
  int64_t local_ts, exch_ts; /* ns */
  uint64_t order_id;
  uint32_t market;  /* index in markets */
  const char *op;   /* "new", "cancel", "amend", "update", "risk", ... as written */
  uint8_t side;     /* ord_side_t; 0 when the cell is empty */
  uint8_t status;   /* ord_status_t */
  uint8_t reason;   /* ord_reason_t */
  int8_t maker;     /* 1 maker, 0 taker, -1 empty (no fill on this row) */
  int64_t price, qty, last_px, last_qty, cum_qty, leaves_qty; /* 1e-8 */
  int64_t fee, realized_pnl, position_after;                  /* 1e-8 */
} rd_order_t;

/* One fills.csv row. */
typedef struct {
  int64_t exch_ts, local_ts;
  uint64_t order_id;
  uint32_t market;       /* index in markets */
  uint8_t side;          /* ord_side_t */
  uint8_t maker;         /* 1 maker, 0 taker */
  uint8_t has_mid;       /* 0: the mid cell was empty (or the file has no mid column) */
  const char *fee_asset; /* interned */
  int64_t price, qty, fee, position_after, realized_pnl; /* 1e-8 */
  int64_t mid;           /* exchange-side mid at the fill, 1e-8 quote; 0 when !has_mid */
} rd_fill_t;

/* One risk.csv row: a breaker or kill-switch change. */
typedef struct {
  int64_t t; /* local time, ns */
  char *what, *state, *why;
} rd_risk_t;

typedef struct {
  char *dir;     /* as given to rd_load */
  char *run_id;  /* summary.json "run_id" ("" when missing) */
  json_t *summary; /* summary.json, owned by the run: borrow, do not decref */
  uint64_t seed;   /* summary.json "seed" (0 when missing) */

  size_t nmarkets, nvenues;
  rd_market_t *markets;
  rd_venue_t *venues;

  size_t norders, nfills, nrisk;
  rd_order_t *orders; /* file order (local time) */
  rd_fill_t *fills;   /* file order */
  rd_risk_t *risk;    /* file order; nrisk 0 when risk.csv is missing */

  /* equity.csv by column: row i is at eq_t[i], total equity eq_total[i]
   * (the "equity" column, 1e-8 of the venues' quote asset). */
  size_t neq, ncols;
  int64_t *eq_t;
  int64_t *eq_total;
  rd_col_t *cols; /* header order, without "time" and "equity" */
} rd_run_t;

/* Loads dir/{summary.json,orders.csv,fills.csv,equity.csv[,risk.csv]}.
 * summary.json is required (a run without it did not finish: LOB_ENOTFOUND).
 * A market's quote asset is summary.json inputs[].quote (or "settle") when
 * present, else the asset of its venue whose name ends its symbol, else the
 * venue's only asset. A bad cell is LOB_EBADROW (or the fx_parse status)
 * with "FILE:LINE: column NAME: 'VALUE': why" in err; a missing column
 * names the file and the column. Empty files (header only) are fine. */
lob_status_t rd_load(const char *dir, rd_run_t **out, lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void rd_destroy(rd_run_t **pp);

/* Index of the market / column / venue named name, or -1. */
int rd_market_find(const rd_run_t *r, const char *name);
int rd_col_find(const rd_run_t *r, const char *name);
int rd_venue_find(const rd_run_t *r, const char *name);

/* Grows the array *p (elements of elem bytes, capacity *cap) to hold need
 * elements, doubling; 0 on success, -1 (array untouched) on no memory.
 * Shared by the report modules. */
int rd_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
