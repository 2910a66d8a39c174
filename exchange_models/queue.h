/* queue.h - where our resting limit order stands in the queue at its price.
 *
 * Pure functions over a small per-order state; the matching engine calls them
 * on the market data of the order's own price level. Market replay: our own
 * orders are never part of the replayed book, so every level quantity passed
 * in here is the quantity of the OTHER participants only (our order is not in
 * it and must not be added). Invariant kept by every call:
 * 0 <= ahead <= level_qty (ahead never exceeds the last known level).
 *
 * Models (kind):
 *   Q_NONE         fill on touch: nobody is ahead of us (ahead is always 0),
 *                  the whole of any trade at our price reaches us.
 *   Q_RISK_AVERSE  ahead = level quantity when we join; only trades at our
 *                  price advance us; a level change gives ahead = min(ahead,
 *                  new level) (every cancel is assumed to be behind us).
 *   Q_PROB_POWER / Q_PROB_LOG  hftbacktest's ProbQueueModel: a trade advances
 *                  us as above and is remembered in traded_since; on a level
 *                  change from prev to new
 *                    chg   = prev - new - traded_since   (trades already counted)
 *                    if chg < 0 (an increase): ahead = min(ahead, new)
 *                    else with front = ahead, back = prev - ahead,
 *                      p      = f(back) / (f(back) + f(front))  (share of the
 *                               decrease that was behind us; 1 when both are 0)
 *                      ahead' = min(new, front - (1-p)*chg + min(back - p*chg, 0))
 *                  and traded_since is reset to 0. f(x) = x^n (power, n > 0)
 *                  or f(x) = ln(1 + x) (log).
 *                  The estimate is a double (a probability estimate, not money);
 *                  the state stays in whole lots: ahead' is rounded to the
 *                  nearest lot, halves away from zero, then clamped to
 *                  [0, new]. A non-finite estimate keeps min(ahead, new).
 *                  f works on lots times lot_units: the power curves do not
 *                  depend on the unit, but ln(1+x) does, and hftbacktest feeds
 *                  it base-asset quantities, so set lot_units to the lot size
 *                  in base units (q_model_set_lot) for the same curve.
 *
 * Differences from hftbacktest, on purpose: hftbacktest lets `front` go
 * negative (a negative front is the fill signal) and carries it into the next
 * depth update, where it can later fill more than a trade's size; here the
 * part of a trade that passes the queue is returned at once (q_on_trade /
 * q_fillable) for the engine to fill, and ahead is clamped at 0.
 *
 * Amend (priority rule lives in q_on_amend): a price change or a size increase
 * re-joins at the back of the (new) level; a size decrease or the same size at
 * the same price keeps the place.
 */
#ifndef LOB_QUEUE_H
#define LOB_QUEUE_H

#include <stdint.h>

#include "../core/instrument.h"
#include "../core/status.h"

typedef enum { Q_NONE = 0, Q_RISK_AVERSE = 1, Q_PROB_POWER = 2, Q_PROB_LOG = 3 } q_kind_t;

typedef struct {
  q_kind_t kind;
  double n;         /* Q_PROB_POWER: exponent of f(x) = x^n, > 0 */
  double lot_units; /* size of one lot in base-asset units for f; <= 0 means 1 */
} q_model_t;

typedef struct {
  int64_t ahead;        /* lots estimated ahead of us at our price */
  int64_t level_qty;    /* level quantity at the last accept / level change, lots */
  int64_t traded_since; /* lots traded at our price since then (Q_PROB_*) */
} q_state_t;

/* Our order joins the back of its level: ahead = level_qty_now (0 for
 * Q_NONE), traded_since = 0. Negative quantities are taken as 0. */
void q_on_accept(const q_model_t *m, q_state_t *s, int64_t level_qty_now);

/* Lots of a trade of trade_qty at our price that pass the queue ahead of us
 * and so reach our order: max(0, trade_qty - ahead) (all of it for Q_NONE).
 * Pure: does not change s. The engine fills min(this, leaves). */
int64_t q_fillable(const q_model_t *m, const q_state_t *s, int64_t trade_qty);

/* A trade of trade_qty lots printed AT our price: advances us (ahead =
 * max(0, ahead - trade_qty)) and counts it in traded_since. Returns what
 * q_fillable returned for the state before the trade, so the engine can call
 * this one function per trade. A trade THROUGH our price is not a queue
 * event: it fills us whatever the queue (the engine's rule). */
int64_t q_on_trade(const q_model_t *m, q_state_t *s, int64_t trade_qty);

/* A depth update at our price: the level now holds new_level_qty lots
 * (0 when the level was removed). Applies the model's rule above and records
 * new_level_qty as level_qty. */
void q_on_level_change(const q_model_t *m, q_state_t *s, int64_t new_level_qty);

/* An accepted amend of our resting order from (old_price, old_qty) to
 * (new_price, new_qty). level_qty_now is the level quantity at new_price
 * (used only when priority is lost). Returns 1 when the order lost its place
 * and re-joined at the back (price change or size increase), 0 when it kept
 * it (same price, same or smaller size). */
int q_on_amend(const q_model_t *m, q_state_t *s, int64_t old_price, int64_t old_qty,
               int64_t new_price, int64_t new_qty, int64_t level_qty_now);

/* Parses a queue model from config text:
 *   "none" | "risk_averse" | "prob_power:n=<number>" | "prob_log"
 * (n a plain decimal > 0, e.g. 2 or 2.5). lot_units is set to 0 (lots); call
 * q_model_set_lot afterwards. LOB_ECONFIG with a message naming the bad part. */
lob_status_t q_model_parse(const char *spec, q_model_t *out, lob_err_t *err);

/* Sets m->lot_units to the instrument's data lot in base-asset units
 * (lot x 10^-qty_scale), so Q_PROB_LOG sees the quantities hftbacktest sees. */
void q_model_set_lot(q_model_t *m, const inst_spec_t *spec);

/* "none", "risk_averse", "prob_power", "prob_log" ("?" otherwise). */
const char *q_kind_name(q_kind_t k);

#endif
