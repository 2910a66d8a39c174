/* simexch.h - the matching engine of one simulated venue, at exchange time.
 *
 * Market replay: our orders are never inserted into the replayed book. The
 * exchange-side book of each instrument follows the market data; our orders
 * are kept beside it, per instrument and side, sorted by price and FIFO by
 * acceptance within a price. Aggressive orders walk the book (minus what we
 * took already, see liquidity consumption); resting orders fill from trades
 * through or at their price (queue model) and from the book crossing them.
 * Balances, positions, margin, funding and liquidation are the account's
 * (account.h); this module tells it what happened and asks what is allowed.
 *
 * Every change of every order is emitted as an ord_update_t with exch_ts
 * set (local_ts is left 0: delivery latency is the engine's) and
 * position_after the position after it (perp signed lots; spot the base
 * balance in lots, rounded), whether or not it is a fill. A refusal is
 * an update, never a return status: REJECTED for a refused new order, the
 * order's unchanged status with rejected_op set for a refused cancel/amend.
 * Return statuses are for bugs and out-of-memory only; LOB_EINVARIANT (an
 * account ledger broke) must stop the run.
 *
 * Choices where venues differ (see docs/simulation.md):
 *  - An accepted order is always reported NEW first, then fills, then its
 *    end (FILLED, EXPIRED, CANCELLED).
 *  - Post-only that would take: NEW, then CANCELLED with reason
 *    POST_ONLY_WOULD_TAKE, as Bybit does it (it creates the order and
 *    cancels it with EC_PostOnlyWillTakeLiquidity), so a strategy sees the
 *    same two updates in a backtest and on the demo API.
 *  - FOK not fully fillable now: NEW then EXPIRED, reason FOK_NOT_FILLABLE,
 *    nothing filled. A market order or IOC whose rest cannot fill: EXPIRED
 *    with NO_LIQUIDITY (book exhausted) or PRICE_BAND (band reached).
 *  - With a price band, a limit order beyond best opposite +/- band is
 *    REJECTED (PRICE_BAND); market orders walk up to the band.
 *  - Duplicate ids are checked against the venue's open orders (ids of
 *    finished orders are not kept, so memory stays flat over a long run).
 *  - Reduce-only (perpetuals only; NOT_SPOT on spot): refused when the side
 *    would not reduce the position at acceptance; each fill is capped at
 *    the position left, and a reduce-only order whose position is gone is
 *    CANCELLED with reason REDUCE_ONLY_WOULD_INCREASE.
 *  - Stops trigger on the first last-trade (or mark) price at or beyond the
 *    trigger (buy: >=, sell: <=), including the last price known when the
 *    stop is accepted; untriggered they rest as NEW and lock nothing. A
 *    triggered stop that is then refused (balance, band, post-only) ends
 *    CANCELLED with the reason (it was NEW already).
 *  - A cancel/amend of an unknown id: status REJECTED, reason
 *    UNKNOWN_ORDER, rejected_op set (read rejected_op before status).
 *  - Passive fills: a trade's quantity is shared among our orders it
 *    reaches, best price first (through our price: whatever the queue; at
 *    it: past the queue); a trade with no aggressor side reaches both
 *    sides. A book event on one side checks our orders on the other side
 *    for a crossing (filled in full at our price). During a snapshot
 *    (EV_CLEAR .. batch end) queues are left alone; then each sees its level.
 *  - Funding is booked once per funding time, before the first event or
 *    request at or after it, at the last EV_MARK_PRICE (else the mid,
 *    counted in funding_mid_fallbacks). Without mark prices, a held
 *    position is marked at the mid at every batch end.
 *  - Liquidation (account says equity < maintenance margin, checked after
 *    marks, fills and funding): the instrument's orders are CANCELLED
 *    (LIQUIDATION), the position closes against the book with the account's
 *    liquidation fee and no trading fee, the rest at the last level's price
 *    (or the mark on an empty book); cross: every cross position of the
 *    venue. Its fills are emitted with id SX_LIQ_ORDER_ID.
 */
#ifndef LOB_SIMEXCH_H
#define LOB_SIMEXCH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/book.h"
#include "../core/event.h"
#include "../core/instrument.h"
#include "../core/order.h"
#include "../core/status.h"
#include "account.h"
#include "queue.h"

typedef struct sx sx_t;

/* Order id of the fills of a liquidation (there is no order of ours behind
 * them): their updates carry reason LIQUIDATION, maker 0, and the fill. */
#define SX_LIQ_ORDER_ID UINT64_MAX

/* Receives every order change (exch_ts set). The update is only valid
 * during the call. The callback must not call back into the same sx_t. */
typedef void (*sx_emit_fn)(void *ctx, const ord_update_t *u);

typedef struct {
  const inst_spec_t *spec;   /* copied by sx_add_instrument */
  uint16_t inst;             /* instrument index in the run (event inst) */
  q_model_t queue;           /* queue model of resting orders */
  int liquidity_consumption; /* 1 (default): what our takers took stays taken
                                until new data for that level */
  int64_t price_band_ticks;  /* 0 = off: takers may not walk beyond best
                                opposite +/- band ticks */
  int64_t maker_fee, taker_fee; /* rates 1e-8 (negative maker = rebate) */
  int64_t leverage;          /* perpetual, 1e-2 (50x = 5000); 0 = the account's */
  int margin_mode;           /* perpetual: acct_margin_mode_t; -1 = the account's */
} sx_inst_cfg_t;

/* Defaults for spec: risk-averse queue (lot units set from the spec),
 * consumption on, no band, the spec's fees, the account's leverage and
 * margin mode. */
void sx_inst_cfg_default(sx_inst_cfg_t *cfg, const inst_spec_t *spec, uint16_t inst);

/* One liquidation, for the summary. */
typedef struct {
  int64_t exch_ts;
  uint16_t inst;
  int64_t pos_before;   /* signed lots closed */
  int64_t mark;         /* mark used, 1e-8 quote */
  int64_t first_px, last_px; /* ticks: first and last price walked */
  int64_t qty_book;     /* lots closed against the book */
  int64_t qty_unabsorbed; /* lots closed at last_px because the book ran out
                             (or was empty: then at the mark's tick) */
  int64_t fee;          /* liquidation fee, 1e-8 settle */
  int64_t realized_pnl; /* 1e-8 settle */
} sx_liq_rec_t;

/* One funding payment, for the summary. */
typedef struct {
  int64_t exch_ts;  /* the funding time */
  uint16_t inst;
  int64_t pos;      /* signed lots at settlement */
  int64_t mark;     /* 1e-8 quote (the mid if no mark was seen) */
  int64_t rate;     /* 1e-18 */
  int64_t amount;   /* 1e-8 settle, + received, - paid */
  int used_mid;     /* 1: no mark price was known, the mid was used */
} sx_funding_rec_t;

typedef struct {
  uint64_t accepted, rejected, cancelled, expired, filled; /* orders */
  uint64_t fills, maker_fills, taker_fills;
  uint64_t amend_ok, amend_rejected, cancel_rejected;
  uint64_t stops_triggered;
  uint64_t liquidations, fundings, funding_mid_fallbacks;
  uint64_t liq_unabsorbed; /* liquidations the book could not absorb fully */
  uint64_t funding_no_price; /* settlements skipped: no mark, no book, no trade */
} sx_stats_t;

lob_status_t sx_create(acct_t *acct /* borrowed */, sx_emit_fn emit, void *ctx, sx_t **out);
/* NULL-safe; sets *pp to NULL. */
void sx_destroy(sx_t **pp);

/* LOB_EINVAL: bad config (no spec, inst already added); LOB_ENOMEM. */
lob_status_t sx_add_instrument(sx_t *x, const sx_inst_cfg_t *cfg);

/* A market event of one of our instruments at exchange time e->exch_ts
 * (events of unknown instruments are ignored). Book events update the book
 * and the queues and fill crossed orders; trades fill resting orders and
 * trigger stops; mark prices go to the account and may liquidate; funding
 * events set the next settlement. Due funding settlements are booked
 * before the event is applied (sx_advance). */
lob_status_t sx_on_market(sx_t *x, const ev_t *e);
/* The engine's fast road over a run of market events of instrument inst
 * (the matcher sees inst whatever e->inst says): handles e[0], e[1], ...
 * exactly as sx_on_market would, for as long as each is a plain depth
 * update (EVF_PLAIN, event.h) or a trade, finds no funding due, ends no
 * batch where a batch end does more (a perpetual marked at the mid: no mark
 * prices seen yet), and its exchange time is at least *t (the clock never
 * goes back) and at most lim. Stops after an event that emitted an
 * update, or that failed (*st, the event counted). Sets *t to the time
 * reached and returns how many events it took. */
size_t sx_plain_run(sx_t *x, uint16_t inst, const ev_t *e, size_t n, int64_t *t, int64_t lim,
                    lob_status_t *st);
/* Books the funding settlements due at or before ts (also done by every
 * other entry point; the engine may call it for timers). */
lob_status_t sx_advance(sx_t *x, int64_t exch_ts);

/* Order entry at exchange time; the outcome is emitted. */
lob_status_t sx_on_new(sx_t *x, const ord_req_t *r, int64_t exch_ts);
lob_status_t sx_on_cancel(sx_t *x, uint16_t inst, uint64_t id, int64_t exch_ts);
lob_status_t sx_on_cancel_all(sx_t *x, uint16_t inst, int64_t exch_ts);
/* new_price (ticks; ignored for stop-market) and new_qty (total lots,
 * > filled so far). A new price or a larger size goes to the back of the
 * queue; a smaller size keeps the place. A new price that crosses takes
 * liquidity (post-only: refused, POST_ONLY_WOULD_TAKE). */
lob_status_t sx_on_amend(sx_t *x, uint16_t inst, uint64_t id, int64_t new_price, int64_t new_qty,
                         int64_t exch_ts);

const book_t *sx_book(const sx_t *x, uint16_t inst);
/* The position as updates report it (position_after): perpetual: signed
 * lots; spot: the base balance in lots. 0 for an unknown instrument. */
int64_t sx_position(const sx_t *x, uint16_t inst);
/* Open orders (resting and untriggered stops) of inst; of every instrument
 * of the venue with sx_open_orders_all (what acct_check wants). */
size_t sx_open_orders(const sx_t *x, uint16_t inst);
size_t sx_open_orders_all(const sx_t *x);
/* Checks the matcher's own invariants: per asset, the account's locked
 * amount equals the sum of what the open orders hold; orders sorted by
 * price and acceptance; 0 < leaves; untriggered stops hold nothing; then
 * acct_check with the open-order count. LOB_EINVARIANT with the message in
 * sx_last_error. */
lob_status_t sx_check(sx_t *x);
/* The message of the last failing status ("" if none). */
const char *sx_last_error(const sx_t *x);
void sx_stats(const sx_t *x, sx_stats_t *out);
/* Records so far (valid until the next call into x). */
const sx_liq_rec_t *sx_liquidations(const sx_t *x, size_t *n);
const sx_funding_rec_t *sx_fundings(const sx_t *x, size_t *n);

#endif
