/* risk.h - the risk layer (rk_): a venue that wraps any venue.
 *
 * The strategy is given rk_venue() instead of the real venue. Every order
 * passes the pre-trade checks and the budget before it is sent on; a
 * refused order never reaches the inner venue and comes back to the
 * strategy as a REJECTED update with its reason (through `deliver`, never
 * as a synchronous success or failure). Circuit breakers watch the account
 * and the market and move the layer between ACTIVE, REDUCE_ONLY (orders
 * that add risk are refused with RJ_HALTED) and HALTED (every order is
 * refused, open orders are cancelled). The same code runs in every mode:
 * it sees only the venue interface and the strategy context.
 *
 * The host (the backtest engine, the paper runner) must call rk_on_update
 * with every update of the inner venue before it gives the update to the
 * strategy, rk_on_book after each book batch, rk_on_timer on each timer,
 * and deliver the updates passed to `deliver` to the strategy later (after
 * the current callback returns), in the order given.
 *
 * Invariant, checked after every update: reserved = the sum over open
 * orders of what each still needs (rk_check). */
#ifndef LOB_RISK_H
#define LOB_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/order.h"
#include "../../core/params.h"
#include "../../core/status.h"
#include "../../core/strategy.h"
#include "../../core/venue.h"

typedef enum { RK_ACTIVE = 0, RK_REDUCE_ONLY = 1, RK_HALTED = 2 } rk_state_t;

typedef struct rk_config rk_config_t; /* defined in risk_config.h */
typedef struct rk rk_t;

/* A refusal made by the layer (or an update it makes up, e.g. for a kill)
 * to hand to the strategy; called from inside venue calls, so the host
 * must queue it, not call the strategy from here. */
typedef void (*rk_deliver_fn)(void *host, const ord_update_t *u);
/* A breaker or kill-switch change, for the run's log (risk.csv). */
typedef void (*rk_log_fn)(void *host, int64_t t, const char *what, const char *state,
                          const char *why);

typedef struct {
  rk_deliver_fn deliver;
  rk_log_fn log; /* may be NULL */
  void *host;
} rk_host_t;

/* Reads the [risk] section (every key documented in docs/risk.md, each with
 * a default; unknown keys are refused by params_check_unused in the host).
 * Sizes are in base units and money in the quote asset, parsed exactly
 * against the context's instruments. *out is allocated; free with
 * rk_config_free. */
lob_status_t rk_config_parse(params_t *p, const strat_ctx_t *ctx, rk_config_t **out,
                             lob_err_t *err);
void rk_config_free(rk_config_t **pp);

/* The layer over `inner`, reading the market and funds through ctx (which
 * must outlive it). The config is copied. */
lob_status_t rk_create(const rk_config_t *cfg, const strat_ctx_t *ctx, venue_t inner,
                       const rk_host_t *host, rk_t **out, lob_err_t *err);
void rk_destroy(rk_t **pp);

/* The venue to give the strategy. */
venue_t rk_venue(rk_t *r);

/* What every host does to start a strategy: creates it from its parameters
 * sp with ctx (whose venue is the host's own), refuses a key it did not
 * read, reads the [risk] section rp (refusing unknown keys), creates the
 * layer over ctx->venue and puts the layer's venue in ctx->venue. On
 * failure whatever was made is in *ss, *cfg, *out for the caller to free. */
lob_status_t rk_start_strategy(const struct strat_def *sd, params_t *sp, params_t *rp,
                               strat_ctx_t *ctx, const rk_host_t *host, void **ss,
                               rk_config_t **cfg, rk_t **out, lob_err_t *err);

/* An update from the inner venue, before the strategy sees it: releases
 * reservations (pro rata on partial fills), counts errors, follows equity.
 * LOB_EINVARIANT (message in rk_last_error) when the reservations no longer
 * add up: a bug, the host stops. */
lob_status_t rk_on_update(rk_t *r, const ord_update_t *u);
/* A book batch of instrument inst was applied (price-move and stale-data
 * breakers). */
void rk_on_book(rk_t *r, uint16_t inst);
/* 0 when rk_on_book does nothing (no breaker configured): a host may then
 * leave it uncalled, and pass book batch ends on its fast road. */
int rk_reads_book(const rk_t *r);
/* A timer at ctx->now: time-based breakers (stale data, UTC day roll). */
void rk_on_timer(rk_t *r);

/* The kill switch: cancels every open order, and with flatten sends
 * reduce-only market orders (ids >= ORD_ID_RISK) closing every position;
 * the layer stays HALTED. From a breaker, a signal or a command.
 * (Added:) flatten < 0 means "as the config's kill_flatten"; only
 * perpetual positions are closed (a spot balance is a holding, not a
 * position: it is left as it is). */
void rk_kill(rk_t *r, int flatten, const char *why);

/* (Added.) 1 when id is one of the layer's own orders (a kill's closing
 * orders): the host gives their updates to rk_on_update but NOT to the
 * strategy. Liquidation fills (another venue-made id) are not the
 * layer's: the strategy sees them. */
int rk_owns(const rk_t *r, uint64_t id);

/* (Added.) Takes over an order that is already open at the exchange (a
 * paper run's recovery after a crash, sim/paper_recover.c): the order is
 * inserted after every order the layer holds, with the reservation the
 * layer's own rules give its leaves (docs/risk.md "The budget"; reference
 * price: the mark or mid now, as the one seen when it was sent is lost),
 * and rk_check holds after it. order gives id, inst, side, type,
 * reduce_only, price (ticks; trigger_price for a stop market) and qty (the
 * exchange's, amends included); cum_qty and leaves_qty are the exchange's
 * (cum_qty > 0: PARTIAL, else NEW). No pre-trade check or budget runs: the
 * order exists already, whatever it costs. An id at or above ORD_ID_RISK is
 * the layer's own (a kill's closing order caught by the crash): it stays
 * the layer's (rk_owns) and the layer's next own id is above it.
 * LOB_EINVAL (message in rk_last_error) for a bad instrument, side, type or
 * quantities (leaves_qty <= 0, cum_qty < 0, cum_qty + leaves_qty > qty) or
 * an id the layer holds already; LOB_ENOMEM; LOB_EOVERFLOW when its
 * reservation overflows, LOB_EINVARIANT when the reservations would no
 * longer add up (a bug); on any error nothing is inserted. */
lob_status_t rk_adopt(rk_t *r, const ord_req_t *order, int64_t cum_qty, int64_t leaves_qty);

/* (Added.) Orders open through the layer (the strategy's and its own). */
size_t rk_open_orders(const rk_t *r);

/* (Added.) The asset an order of inst/side pays with: what the layer has
 * reserved of it and what is still available (spot: the balance minus the
 * reservations; perpetual: equity minus the positions' initial margin at
 * mark minus the reservations). Either pointer may be NULL. A strategy may
 * size its orders with it. */
lob_status_t rk_budget(const rk_t *r, uint16_t inst, int side, int64_t *reserved,
                       int64_t *available);

/* (Added.) Each breaker's state and trip count, for the report; returns
 * how many there are (fills at most cap). Names are static strings. */
typedef struct {
  const char *name;
  rk_state_t state;
  uint64_t trips;
} rk_breaker_t;
size_t rk_breakers(const rk_t *r, rk_breaker_t *out, size_t cap);

rk_state_t rk_state(const rk_t *r);
const char *rk_state_name(rk_state_t s);

/* Counters for the report: refusals per reason and per check, breaker
 * trips, kills. Returns how many (fills at most cap, always the same list
 * in the same order); names are static strings. */
typedef struct {
  const char *name;
  uint64_t count;
} rk_counter_t;
size_t rk_counters(const rk_t *r, rk_counter_t *out, size_t cap);

/* The invariant above; LOB_EINVARIANT with the numbers otherwise. */
lob_status_t rk_check(const rk_t *r);
const char *rk_last_error(const rk_t *r);

#endif
