/* instrument.h - instrument specifications and their exact grids.
 *
 * A spec says how a market's decimal prices and sizes map to integer ticks
 * and lots. One tick = tick x 10^-px_scale, one lot = lot x 10^-qty_scale,
 * with px_scale/qty_scale the fewest decimals that write the step exactly.
 * A price text converts to ticks only if it is a whole number of ticks.
 *
 * Two grids: the exchange's order steps (tick_size, qty_step: what an order
 * must respect) and the grid its market data is published on, which can be
 * finer (Binance spot books carry sizes with 8 decimals while orders step in
 * 0.00001 BTC). Ticks and lots are units of the data grid; an order's price
 * must be a multiple of order_tick ticks and its size of order_lot lots.
 * Without data_* keys the two grids are the same (order_tick = order_lot = 1).
 *
 * Specs live in data/instruments/<exchange>.ini, one section per symbol,
 * with the source of every value written beside it (see docs/data-formats.md).
 * A perpetual's section may also carry risk_tiers (below), read apart from
 * the spec by inst_tiers_find; inst_load checks them and leaves them out.
 */
#ifndef LOB_INSTRUMENT_H
#define LOB_INSTRUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum { INST_SPOT = 1, INST_LINEAR_PERP = 2 } inst_kind_t;

typedef struct {
  char exchange[32]; /* Tardis id: binance-futures, binance, bybit, bybit-spot */
  char symbol[32];
  inst_kind_t kind;
  char base[16], quote[16], settle[16];
  int px_scale;             /* decimals of the tick size */
  int64_t tick;             /* tick size in units of 10^-px_scale */
  int qty_scale;            /* decimals of the quantity step */
  int64_t lot;              /* quantity step in units of 10^-qty_scale */
  int64_t min_qty;          /* lots */
  int64_t min_notional;     /* quote asset, 1e-8 units; 0 = none published */
  int64_t max_leverage;     /* 1e-2 units (100x = 10000); 0 for spot */
  int64_t maker_fee;        /* rate, 1e-8 units (0.02% = 20000) */
  int64_t taker_fee;        /* rate, 1e-8 units */
  int64_t funding_interval_ns; /* 0 for spot */
  int64_t order_tick;       /* order price step in ticks (>= 1) */
  int64_t order_lot;        /* order quantity step in lots (>= 1) */
} inst_spec_t;

/* Loads the section [symbol] of the INI file at path into *out.
 * LOB_ENOTFOUND when the file or the section does not exist; LOB_ECONFIG
 * with the file, line and key for a malformed or unknown key or a missing
 * required one. */
lob_status_t inst_load(const char *path, const char *symbol, inst_spec_t *out, lob_err_t *err);

/* Looks up exchange/symbol in dir/<exchange>.ini. */
lob_status_t inst_find(const char *dir, const char *exchange, const char *symbol,
                       inst_spec_t *out, lob_err_t *err);

/* Sets one grid for both data and orders from decimal texts ("0.10",
 * "0.001"); order_tick / order_lot become 1. For building specs by hand. */
lob_status_t inst_set_tick(inst_spec_t *s, const char *tick_size);
lob_status_t inst_set_step(inst_spec_t *s, const char *qty_step);
/* Makes the data grid finer while keeping the order steps: data_tick /
 * data_step (either may be NULL to keep that grid) must divide the order
 * steps exactly (LOB_EOFFGRID otherwise); min_qty is carried over. Used by
 * the loader's data_* keys and by import's --tick-size / --qty-step. */
lob_status_t inst_refine(inst_spec_t *s, const char *data_tick, const char *data_step);

/* --- risk tiers (maintenance margin brackets) ------------------------------
 *
 * A perpetual's maintenance margin is MM = value x MMR - deduction, with
 * MMR and deduction from the tier whose limit holds the position value
 * (the first tier with value <= limit; a value above the last limit takes
 * the last tier). Exchanges publish the deduction ("maintenance amount")
 * so that MM is continuous at each limit: ded[i] = ded[i-1] +
 * limit[i-1] x (mmr[i] - mmr[i-1]).
 *
 * Text form, shared by the instrument files and the run config:
 *   LIMIT:MMR:DEDUCTION, LIMIT:MMR:DEDUCTION, ...
 * limit and deduction in the quote asset, MMR a fraction (0.005 = 0.5%).
 * Tiers are separated by commas and/or blanks (a value may continue on
 * indented lines); a ';' at the start of an item ends the text (a comment).
 * Limits strictly increasing and > 0, 0 <= MMR < 1, deduction >= 0.
 * The tiers are not part of inst_spec_t: the spec is stored in .lob file
 * headers, and tiers change far more often than the grids do. */
#define INST_MAX_TIERS 16

typedef struct {
  int64_t limit;     /* 1e-8 quote: position values up to this */
  int64_t mmr;       /* 1e-8 (0.005 = 500000) */
  int64_t deduction; /* 1e-8 quote */
} inst_tier_t;

/* Parses tier text and appends its tiers to t[*n .. cap), checking each
 * against the one before it (so a value split over several lines is parsed
 * piece by piece). On failure *n is unchanged and err says which item and
 * why (the caller adds the file, line and key). */
lob_status_t inst_tiers_parse(const char *txt, inst_tier_t *t, size_t cap, size_t *n,
                              lob_err_t *err);
/* The tiers as text in the form above (limits as given; "" for n == 0).
 * Returns the length, 0 if cap is too small. */
size_t inst_tiers_format(const inst_tier_t *t, size_t n, char *buf, size_t cap);

/* The risk_tiers of section [symbol] of the instrument file at path
 * (dir/<exchange>.ini for inst_tiers_find): *n = 0 when the section has
 * none. The whole section is checked as inst_load checks it. LOB_ENOTFOUND
 * when the file or the section does not exist; LOB_ECONFIG naming the
 * file, line and key for a malformed value. */
lob_status_t inst_tiers_load(const char *path, const char *symbol, inst_tier_t *out, size_t cap,
                             size_t *n, lob_err_t *err);
lob_status_t inst_tiers_find(const char *dir, const char *exchange, const char *symbol,
                             inst_tier_t *out, size_t cap, size_t *n, lob_err_t *err);

/* Decimal text -> ticks / lots. Errors as fx_parse; LOB_EOFFGRID when the
 * value is not a whole number of ticks (lots); prices and sizes may not be
 * negative (LOB_ESIGN). */
lob_status_t inst_price_parse(const inst_spec_t *s, const char *txt, size_t n, int64_t *ticks);
lob_status_t inst_qty_parse(const inst_spec_t *s, const char *txt, size_t n, int64_t *lots);

/* Ticks / lots -> decimal text with exactly px_scale (qty_scale) decimals,
 * so inst_price_parse(inst_price_format(x)) == x. Returns the length. */
size_t inst_price_format(const inst_spec_t *s, int64_t ticks, char *buf, size_t cap);
size_t inst_qty_format(const inst_spec_t *s, int64_t lots, char *buf, size_t cap);

/* The asset a fill's fee is paid in: on spot a buy pays in the base coin
 * and a sell in the quote coin (the asset received; exchange_api.md section
 * 7); a perpetual pays in its settle asset. side is ord_side_t (1 buy). */
const char *inst_fee_asset(const inst_spec_t *s, int side);

/* 1 when lots at ticks meet the exchange's minimums (min_qty, and
 * min_notional with the notional computed exactly); 0 otherwise, also when
 * the notional overflows. */
int inst_meets_min(const inst_spec_t *s, int64_t ticks, int64_t lots);

/* A mid of mid2 / 2 ticks (mid2 = best bid + best ask, book_mid2) as 1e-8
 * quote per base unit, rounded once; 0 when mid2 <= 0 (a side is empty) or
 * the price does not fit 1e-8 units. */
int64_t inst_mid2_1e8(const inst_spec_t *s, int64_t mid2);

/* Notional in 1e-8 quote units of lots at ticks: formed exactly in 128
 * bits, then rounded once by fx_div_round (the rule of fx_muldiv). */
lob_status_t inst_notional(const inst_spec_t *s, int64_t ticks, int64_t lots, int64_t *out);

/* Rounding onto the order grid with an explicit direction. DOWN and UP are
 * toward -inf and +inf; NEAREST breaks ties away from zero (the one rule of
 * fx_muldiv). For a bid "away from the market" is DOWN, for an ask UP. */
typedef enum { INST_ROUND_DOWN = 1, INST_ROUND_UP = 2, INST_ROUND_NEAREST = 3 } inst_round_t;

/* ticks -> a multiple of order_tick; lots -> a multiple of order_lot. */
int64_t inst_round_price(const inst_spec_t *s, int64_t ticks, inst_round_t dir);
int64_t inst_round_qty(const inst_spec_t *s, int64_t lots, inst_round_t dir);

/* A price or size computed in floating point by a signal (a reservation
 * price, a size from a budget) -> ticks (lots) on the order grid, rounded
 * in the direction given. When not finite, negative or too
 * large: LOB_EOVERFLOW. The only road from a double back to an order's numbers. */
lob_status_t inst_price_from_double(const inst_spec_t *s, double px, inst_round_t dir,
                                    int64_t *ticks);
lob_status_t inst_qty_from_double(const inst_spec_t *s, double qty, inst_round_t dir,
                                  int64_t *lots);
/* Ticks (lots) -> the decimal value as a double, for signals and
 * statistics only. */
double inst_price_to_double(const inst_spec_t *s, int64_t ticks);
double inst_qty_to_double(const inst_spec_t *s, int64_t lots);

#endif
