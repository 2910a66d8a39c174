/* account.h - the accounts of a simulated venue: spot balances and the
 * USDT-margined linear perpetual (one-way position, cross/isolated margin,
 * risk tiers, funding, liquidation), with an always-on ledger check.
 *
 * One acct_t per venue account (e.g. one for binance spot, one for
 * binance-futures). Units: prices are ticks and sizes lots of the
 * instrument; money is int64 1e-8 of the asset; mark prices are 1e-8 quote
 * (as EV_MARK_PRICE); fee, MMR and liquidation-fee rates are 1e-8
 * (0.055% = 55000); funding rates are 1e-18 (EV_RATE_SCALE); leverage is
 * 1e-2 (50x = 5000, like inst_spec_t.max_leverage). Every money product
 * is one inst_notional or fx_muldiv: one rounding, half away from zero.
 *
 * Invariants (acct_check, stops the run with LOB_EINVARIANT when broken):
 *  - per asset: deposits + trade_in - trade_out + realized PnL - fees
 *    + funding - liquidation fees == total (an independent re-sum);
 *  - 0 <= locked; on spot also locked <= total and total >= 0 (never a
 *    negative balance); locked == 0 when the caller says no order is open;
 *  - a perpetual position equals the signed sum of its fills, and its cost
 *    basis is 0 exactly when the position is flat.
 *
 * Choices (see docs/simulation.md):
 *  - Spot fee asset: the asset received (Bybit's "Spot Fee Currency
 *    Instruction", and Binance without BNB): a BUY pays the fee in BASE
 *    (it receives qty - fee), a SELL in QUOTE (it receives notional - fee).
 *    So the fee never needs locking: a buy locks quote = limit price x qty,
 *    a sell locks base = qty. A negative rate (rebate) adds to the receipt.
 *  - Perpetual cost basis: the sum of the opening fills' notionals (1e-8
 *    quote, exact whenever px_scale + qty_scale <= 8, i.e. every listed
 *    perpetual); the average entry is cost / |size| as an exact fraction.
 *    A reduction of q lots releases cost x q / |size| (fx_muldiv) and keeps
 *    the rest, so the realized PnL of a round trip is exactly exit notional
 *    minus entry notional. A flip through zero is a close then an open at
 *    the fill price. The fee is charged on the whole fill's notional.
 *  - Initial margin = cost / leverage (entry value, as Bybit's position
 *    margin). Maintenance margin = value x MMR - deduction from the tier
 *    whose limit holds the value; the value is the ENTRY value by default
 *    (ACCT_MM_ENTRY: Bybit's published isolated liquidation-price formula,
 *    1 BTC long at 20,000, 50x, MMR 0.5% -> 19,700) or the mark value
 *    (ACCT_MM_MARK: 19,698.49...). Unrealized PnL always uses the mark.
 *  - Cross: equity = wallet + unrealized PnL of cross positions - isolated
 *    position margins; liquidation when equity < total cross MM.
 *    Isolated: position margin (its IM) + its unrealized PnL < its MM.
 *    Available margin = cross equity - cross IM - locked order margin.
 *  - Losses are booked in full (no insurance fund, no auto-deleveraging):
 *    a perpetual wallet can go negative after a gap; a spot one never.
 */
#ifndef LOB_ACCOUNT_H
#define LOB_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/instrument.h"
#include "../core/order.h"
#include "../core/status.h"

#define ACCT_MAX_ASSETS 16
#define ACCT_MAX_INST 16
#define ACCT_MAX_TIERS INST_MAX_TIERS /* one limit for the files, the config and the account */
#define ACCT_ASSET_NAME 16 /* bytes, with the NUL */
#define ACCT_CROSS (-1)    /* "the cross-margin pool" where an inst is asked */
#define ACCT_NONE (-2)

typedef enum { ACCT_SPOT = 1, ACCT_PERP = 2 } acct_kind_t;
typedef enum { ACCT_MARGIN_CROSS = 0, ACCT_MARGIN_ISOLATED = 1 } acct_margin_mode_t;
typedef enum { ACCT_MM_ENTRY = 0, ACCT_MM_MARK = 1 } acct_mm_basis_t;

typedef struct acct acct_t;

typedef struct {
  acct_kind_t kind;
  acct_margin_mode_t margin_mode; /* default for new instruments: cross */
  acct_mm_basis_t mm_basis;       /* default ACCT_MM_ENTRY */
  int64_t leverage;       /* 1e-2, default 1000 (10x), capped at the spec's max */
  int64_t mmr;            /* default single tier: MMR 1e-8, default 500000 (0.5%) */
  int64_t mm_deduction;   /* default single tier: 1e-8 quote, default 0 */
  int64_t liq_fee_rate;   /* 1e-8 of the closed notional, default 0 */
} acct_config_t;

/* One risk-limit tier: applies to position values up to value_limit. */
typedef struct {
  int64_t value_limit; /* 1e-8 quote; the last tier covers everything above */
  int64_t mmr;         /* 1e-8 */
  int64_t deduction;   /* 1e-8 quote */
  int64_t max_leverage; /* 1e-2; 0 = the spec's (kept, not enforced yet) */
} acct_tier_t;

/* A fill as the matching engine reports it to the account. */
typedef struct {
  uint16_t inst;     /* run instrument index (acct_add_inst) */
  uint8_t side;      /* ord_side_t of our order */
  uint8_t maker;     /* 1 maker, 0 taker (not used by the account) */
  uint8_t check;     /* 1: refuse (RJ_INSUFFICIENT_BALANCE) a perpetual fill
                        that opens more than the available margin covers
                        (taker orders that reserved nothing); spot fills are
                        always checked (a spot balance never goes negative) */
  int64_t px;        /* ticks */
  int64_t qty;       /* lots, > 0 */
  int64_t fee_rate;  /* 1e-8; negative = rebate; |rate| <= 1e8 */
  int64_t unlock;    /* locked funds this fill releases first (the asset the
                        order locked: spot buy quote, spot sell base, perp
                        settle); see acct_lock_share */
} acct_fill_t;

/* What a fill did. */
typedef struct {
  int64_t notional;       /* 1e-8 quote */
  int64_t fee;            /* 1e-8 of fee_asset (negative = rebate) */
  int fee_asset;          /* asset index */
  int64_t realized_pnl;   /* 1e-8 settle (perp; 0 on spot) */
  int64_t liq_fee;        /* 1e-8 settle (acct_liquidate_fill only) */
  int64_t position_after; /* perp: signed lots; spot: 0 */
  int64_t base_after;     /* spot: base total after, 1e-8; perp: 0 */
} acct_fill_res_t;

/* Read-only views for reports. */
typedef struct {
  char name[ACCT_ASSET_NAME];
  int64_t total, locked, available; /* available: spot total - locked; perp
                                       settle asset: available margin */
  int64_t deposits, trade_in, trade_out; /* ledger lines, 1e-8 */
  int64_t realized_pnl, fees, funding, liq_fees; /* funding: + received */
  int64_t funding_paid, funding_received;        /* both >= 0 */
} acct_asset_view_t;

typedef struct {
  uint16_t inst;
  acct_margin_mode_t margin_mode;
  int64_t leverage;          /* 1e-2 */
  int64_t size;              /* signed lots */
  int64_t cost;              /* 1e-8 quote, >= 0: entry value */
  int64_t entry_px;          /* 1e-8 quote per base unit, rounded once; the
                                exact entry is cost / (|size| lots) */
  int64_t mark;              /* 1e-8 quote; 0 = none set yet */
  int mark_is_mid;           /* 1: the caller passed the mid (no mark known) */
  int64_t value;             /* |size| at mark (at entry if no mark), 1e-8 */
  int64_t upnl;              /* 1e-8 settle */
  int64_t im, mm;            /* 1e-8 settle */
  int64_t liq_px;            /* 1e-8 quote; 0 = none (flat or never) */
  int64_t realized_pnl, fees, funding, liq_fees; /* this instrument's totals */
  int64_t fees_base;         /* spot: fees paid in base; fees is in quote */
  int64_t fill_count;
} acct_pos_view_t;

typedef struct {
  int settle_asset;       /* perp: asset index of the settle asset; spot: -1 */
  int64_t wallet;         /* settle total */
  int64_t upnl;           /* all positions */
  int64_t equity;         /* wallet + upnl (all positions) */
  int64_t cross_equity;   /* wallet + cross upnl - isolated margins */
  int64_t im, mm;         /* all positions */
  int64_t cross_mm;
  int64_t order_margin;   /* locked settle */
  int64_t available;      /* cross_equity - cross IM - order margin */
} acct_totals_t;

void acct_config_default(acct_config_t *cfg, acct_kind_t kind);

lob_status_t acct_create(const acct_config_t *cfg, acct_t **out, lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void acct_destroy(acct_t **pp);

acct_kind_t acct_kind(const acct_t *a);

/* Registers an instrument (the spec is copied) under its run index. Its
 * assets are created (spot: base and quote; perp: settle). Adding the same
 * index again with the same exchange and symbol is a no-op (LOB_OK), so the
 * engine and the matcher may both call it; another spec, a kind that does
 * not match the account, or more than ACCT_MAX_INST: LOB_EINVAL. */
lob_status_t acct_add_inst(acct_t *a, uint16_t inst, const inst_spec_t *spec, lob_err_t *err);
const inst_spec_t *acct_inst_spec(const acct_t *a, uint16_t inst); /* NULL if unknown */

/* Assets by name ("USDT"); index order = order of first use. */
int acct_asset_find(const acct_t *a, const char *name); /* -1 if unknown */
lob_status_t acct_asset_add(acct_t *a, const char *name, int *idx, lob_err_t *err);
size_t acct_asset_count(const acct_t *a);
/* Adds amount (>= 0) to the asset's balance (the start balance), creating
 * the asset if needed. */
lob_status_t acct_deposit(acct_t *a, const char *asset, int64_t amount, lob_err_t *err);

/* --- orders: locks and margin reservations ------------------------------ */

/* What an order needs while it rests: *asset and *amount to pass to
 * acct_lock. Spot buy: quote notional(px, qty); spot sell: base qty (fees
 * are paid from what is received, see above). Perp: the order margin of the
 * part that opens or increases the position (the part beyond the current
 * opposite position): notional / leverage + notional x fee_rate; a
 * reduce-only order (or the reducing part) needs 0. px is the limit price;
 * for a market order the caller passes the price it expects to pay (best
 * opposite, or the band edge). */
lob_status_t acct_order_cost(const acct_t *a, uint16_t inst, int side, int64_t px, int64_t qty,
                             int64_t fee_rate, int reduce_only, int *asset, int64_t *amount,
                             lob_err_t *err);
/* Perpetual only: the order margin alone (acct_order_cost's amount). */
lob_status_t acct_order_margin(const acct_t *a, uint16_t inst, int side, int64_t px, int64_t qty,
                               int64_t fee_rate, int reduce_only, int64_t *margin, lob_err_t *err);

/* Locks amount (>= 0) of asset for an order. When the available balance
 * (spot) or available margin (perp settle asset) is smaller, nothing changes
 * and *reason = RJ_INSUFFICIENT_BALANCE; otherwise *reason = RJ_NONE. */
lob_status_t acct_lock(acct_t *a, int asset, int64_t amount, ord_reason_t *reason, lob_err_t *err);
/* Releases amount; more than is locked is LOB_EINVARIANT (a caller bug). */
lob_status_t acct_unlock(acct_t *a, int asset, int64_t amount, lob_err_t *err);
/* The part of an order's remaining lock that a fill of q out of leaves
 * lots releases: all of it when q == leaves, else locked x q / leaves
 * (fx_muldiv). The caller keeps locked - share for the rest. For spot,
 * passing acct_order_cost(limit px, q) per fill (and the rest on the last
 * one) is exact and linear where notionals are exact. */
int64_t acct_lock_share(int64_t locked, int64_t q, int64_t leaves);

/* --- fills ---------------------------------------------------------------- */

/* Spot: releases f->unlock, then spends (buy: quote notional, sell: base
 * qty) from the free balance and credits what is received minus the fee.
 * If the free balance cannot pay, nothing changes (after undoing the
 * unlock) and *reason = RJ_INSUFFICIENT_BALANCE. */
lob_status_t acct_spot_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                            ord_reason_t *reason, lob_err_t *err);
/* Perpetual: releases f->unlock, moves the position, realizes PnL on the
 * reducing part, charges the fee (settle asset). With f->check set, a fill
 * that increases |position| past the available margin is refused as above. */
lob_status_t acct_perp_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                            ord_reason_t *reason, lob_err_t *err);
/* Either of the two, by the account's kind. */
lob_status_t acct_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res, ord_reason_t *reason,
                       lob_err_t *err);

/* --- perpetual state -------------------------------------------------------- */

/* Signed lots (0 if flat or unknown instrument). */
int64_t acct_pos_size(const acct_t *a, uint16_t inst);
/* Mark price for unrealized PnL and margin; is_mid = 1 when the caller
 * passes the mid because no mark price is known (reported in the view).
 * Without any mark, the entry price is used (unrealized PnL 0). */
lob_status_t acct_set_mark(acct_t *a, uint16_t inst, int64_t mark, int is_mid, lob_err_t *err);
/* Only while flat (LOB_EINVAL otherwise). leverage in 1e-2: 100 (1x) to
 * the spec's max_leverage. Margin mode likewise only while flat. */
lob_status_t acct_set_leverage(acct_t *a, uint16_t inst, int64_t leverage, lob_err_t *err);
lob_status_t acct_set_margin_mode(acct_t *a, uint16_t inst, acct_margin_mode_t mode,
                                  lob_err_t *err);
/* Replaces the instrument's tiers (1..ACCT_MAX_TIERS, value_limit strictly
 * increasing). Without a call: one tier {INT64_MAX, cfg mmr, cfg deduction}. */
lob_status_t acct_set_tiers(acct_t *a, uint16_t inst, const acct_tier_t *tiers, size_t n,
                            lob_err_t *err);

/* Funding settlement of one instrument: payment = size x mark x rate
 * (size in base units, signed; mark 1e-8; rate 1e-18), one rounding. A long
 * PAYS a positive rate, a short receives it; a negative rate the reverse.
 * *amount (may be NULL) = what was booked to the settle asset: + received,
 * - paid (0 when flat). */
lob_status_t acct_funding(acct_t *a, uint16_t inst, int64_t rate, int64_t mark, int64_t *amount,
                          lob_err_t *err);

/* Whether equity is below maintenance margin: inst = ACCT_CROSS asks the
 * cross pool (no cross position: never), an instrument index asks that
 * isolated position (a cross-margined index asks the cross pool). */
lob_status_t acct_liq_due(const acct_t *a, int inst, int *due, lob_err_t *err);
/* The first liquidation due: ACCT_CROSS, an isolated instrument's index, or
 * ACCT_NONE. Cross is checked first, then instruments in order. An overflow
 * counts as not due here; acct_liq_due reports it. */
int acct_liq_next(const acct_t *a);
/* The mark price (1e-8 quote) at which the position of inst would reach
 * equity == MM, other positions held at their marks (cross). *exists = 0
 * when flat or when no positive price does it. */
lob_status_t acct_liq_price(const acct_t *a, uint16_t inst, int64_t *px, int *exists,
                            lob_err_t *err);
/* Books a liquidation close of qty lots at px: like a perpetual fill that
 * only reduces (side opposite the position, qty <= |size|, else LOB_EINVAL),
 * with f->fee_rate as trading fee (often 0) plus the config's liquidation
 * fee on the notional, booked as its own ledger line. Never refused. */
lob_status_t acct_liquidate_fill(acct_t *a, const acct_fill_t *f, acct_fill_res_t *res,
                                 lob_err_t *err);

/* --- views and the check ---------------------------------------------------- */

lob_status_t acct_asset_view(const acct_t *a, int asset, acct_asset_view_t *out);
/* An asset's locked amount alone (0 for an unknown index): the matcher's
 * check after every change, without the margin figures of the view. */
int64_t acct_asset_locked(const acct_t *a, int asset);
lob_status_t acct_pos_view(const acct_t *a, uint16_t inst, acct_pos_view_t *out, lob_err_t *err);
lob_status_t acct_totals(const acct_t *a, acct_totals_t *out, lob_err_t *err);
/* A position's leverage (1e-2) and average entry price (1e-8, 0 when flat):
 * the cheap part of acct_pos_view, for snapshots taken on every update. */
lob_status_t acct_pos_entry(const acct_t *a, uint16_t inst, int64_t *leverage, int64_t *entry,
                            lob_err_t *err);
/* Registered instrument indexes in order of registration; returns count. */
size_t acct_insts(const acct_t *a, uint16_t *out, size_t cap);

/* Checks the invariants above. open_orders: how many orders of this account
 * are open (then every locked must be 0 when it is 0); < 0 = unknown.
 * LOB_EINVARIANT with the asset/instrument and the numbers otherwise. */
lob_status_t acct_check(const acct_t *a, long open_orders, lob_err_t *err);

#endif
