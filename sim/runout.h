/* runout.h - the files of a run directory: orders.csv, fills.csv,
 * equity.csv, risk.csv (written as the run goes) and summary.json (written last; a
 * run directory without it is an unfinished run).
 *
 * The output digest is SHA-256(T(orders.csv) || T(fills.csv) ||
 * T(equity.csv)), the three binary digests concatenated in that order, where
 * T is the chunk-tree SHA-256 of core/treehash.h (SHA-256 over the SHA-256
 * of each 64 KiB chunk): two runs with the same digest wrote the same
 * orders, fills and equity, and anyone can recompute it from the files
 * with sha256sum and split (docs/simulation.md). Prices and sizes are written as decimals
 * of their instrument, money with 8 decimals: exact, never a float. */
#ifndef LOB_RUNOUT_H
#define LOB_RUNOUT_H

#include <stdint.h>

#include "../core/instrument.h"
#include "../core/order.h"
#include "../core/status.h"

typedef struct ro ro_t;

/* mkdir -p: creates dir and its missing parents (LOB_EIO naming the one
 * that failed). Used for run directories and export folders. */
lob_status_t ro_mkdirs(const char *dir, lob_err_t *err);

/* Makes output/run_id (and output), never reusing a directory: when it
 * exists, run_id gets a suffix -2, -3, ... (updated in place). */
lob_status_t ro_mkrundir(const char *output, char *run_id, size_t id_cap, char *run_dir,
                         size_t dir_cap, lob_err_t *err);

lob_status_t ro_open(const char *dir, ro_t **out, lob_err_t *err);

/* Lower-case hex of n bytes into out (2n + 1 bytes): digests in files. */
void ro_hex(const uint8_t *d, size_t n, char *out);
/* One row of orders.csv: an order submitted (u->status PENDING, local_ts =
 * the submit time) or one of its changes, at the time the strategy learns it. */
lob_status_t ro_order(ro_t *o, const inst_spec_t *s, const char *market, const ord_update_t *u,
                      const char *op);
/* One row of fills.csv for an update carrying a fill; mid: the exchange-side
 * mid at the fill (1e-8 quote; 0 writes an empty cell), for the spread
 * capture of the report. */
lob_status_t ro_fill(ro_t *o, const inst_spec_t *s, const char *market, const char *fee_asset,
                     int64_t mid, const ord_update_t *u);
/* equity.csv: the header once (the column names after "time"), then rows of
 * preformatted cells. */
lob_status_t ro_equity_header(ro_t *o, const char *columns);
lob_status_t ro_equity_row(ro_t *o, int64_t t, const char *cells);
/* An equity.csv row built cell by cell, without printf (a row is written
 * every sampling interval on the engine's thread): ro_cells_init, then the
 * cells in column order, then ro_equity_cells. A row too long for text
 * (thousands of markets) is refused there with LOB_EINVAL. */
typedef struct {
  char text[4096];
  size_t n;
  int over; /* a cell did not fit */
} ro_cells_t;
void ro_cells_init(ro_cells_t *c);
/* A market's three cells: position (the instrument's quantity), mark (1e-8,
 * trailing zeros trimmed) and unrealized PnL (1e-8, 8 decimals). */
void ro_cells_market(ro_cells_t *c, const inst_spec_t *s, int64_t pos, int64_t mark, int64_t upnl);
/* A money cell (1e-8, 8 decimals): a balance, an equity. */
void ro_cells_money(ro_cells_t *c, int64_t v);
lob_status_t ro_equity_cells(ro_t *o, int64_t t, const ro_cells_t *c);
/* risk.csv: one row per circuit-breaker or kill-switch change (local time,
 * which, the state it moved to, why). Not part of the output digest: what
 * the risk layer did to orders is in orders.csv already. */
lob_status_t ro_risk_row(ro_t *o, int64_t t, const char *what, const char *state,
                         const char *why);
/* Flushes and closes the CSV files; digest: the output digest above. */
lob_status_t ro_close(ro_t *o, uint8_t digest[32], lob_err_t *err);
/* NULL-safe; closes without a digest if still open. */
void ro_destroy(ro_t **pp);

#endif
