/* risk_int.h - the risk layer's private state, shared by the .c files of strategy/risk/
 * only (the host sees rk_t as opaque).
 *
 * Invariants kept (rk_check):
 *  - the open-order table holds every order sent through the layer and not
 *    yet ended (FILLED, CANCELLED, REJECTED, EXPIRED), in the order sent
 *    (seq), so every walk over it is deterministic;
 *  - each order's `res` equals what it still needs (rk_need_refresh
 *    recomputes it from its leaves after every change of its instrument),
 *    and reserved[a] equals the sum of `res` over the open orders of asset a;
 *  - an order's `memo`, when valid, holds what need_at gives for the inputs
 *    it names (a cache: rk_check, which figures every need afresh, would
 *    catch a need it got wrong), and n_ro[i] counts the reduce-only orders
 *    of instrument i in the table.
 */
#ifndef LOB_RISK_INT_H
#define LOB_RISK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "risk.h"
#include "risk_config.h"

#define RK_MAX_ASSETS (2 * RK_MAX_INST)

/* Every check that can refuse an order: name (counter), reason code. */
#define RK_CHECK_MAP(X)                                 \
  X(INVALID, "invalid", RJ_INVALID)                     \
  X(DUPLICATE, "duplicate_id", RJ_DUPLICATE_ID)         \
  X(UNKNOWN, "unknown_order", RJ_UNKNOWN_ORDER)         \
  X(HALTED, "halted", RJ_HALTED)                        \
  X(REDUCE_ONLY, "reduce_only_state", RJ_HALTED)        \
  X(STALE, "stale_data", RJ_HALTED)                     \
  X(OFF_TICK, "off_tick", RJ_OFF_TICK)                  \
  X(OFF_LOT, "off_lot", RJ_OFF_LOT)                     \
  X(MIN_QTY, "min_qty", RJ_BELOW_MIN_QTY)               \
  X(MIN_NOTIONAL, "min_notional", RJ_BELOW_MIN_NOTIONAL) \
  X(MAX_ORDER_QTY, "max_order_qty", RJ_RISK_LIMIT)      \
  X(MAX_ORDER_NOTIONAL, "max_order_notional", RJ_RISK_LIMIT) \
  X(MAX_OPEN_ORDERS, "max_open_orders", RJ_RISK_LIMIT)  \
  X(PRICE_BAND, "price_band", RJ_PRICE_BAND)            \
  X(MAX_POSITION, "max_position", RJ_RISK_LIMIT)        \
  X(MAX_EXPOSURE, "max_exposure", RJ_RISK_LIMIT)        \
  X(NO_PRICE, "no_price", RJ_NO_LIQUIDITY)              \
  X(BUDGET, "budget", RJ_INSUFFICIENT_BALANCE)

typedef enum {
#define RK_CHECK_ENUM(name, str, reason) RK_CHK_##name,
  RK_CHECK_MAP(RK_CHECK_ENUM)
#undef RK_CHECK_ENUM
  RK_CHK_N,
  RK_CHK_NONE = RK_CHK_N
} rk_chk_t;

extern const char *const rk_check_names[RK_CHK_N];
extern const uint8_t rk_check_reasons[RK_CHK_N];

/* Whether an order of this type carries a limit price. */
static inline int rk_has_limit_px(int type) { return type == ORD_LIMIT || type == ORD_STOP_LIMIT; }

/* The circuit breakers, in the order they are evaluated and reported. */
typedef enum {
  RK_BRK_DAILY_LOSS = 0,
  RK_BRK_DRAWDOWN,
  RK_BRK_MIN_EQUITY,
  RK_BRK_PRICE_MOVE,
  RK_BRK_STALE,
  RK_BRK_ERRORS,
  RK_BRK_N
} rk_brk_id_t;

typedef struct {
  rk_state_t state; /* RK_ACTIVE, or the state it puts the layer in */
  uint64_t trips;
} rk_brk_t;

/* One asset the layer reserves: (exchange, asset name); one balance. */
typedef struct {
  char exchange[32];
  char name[16];
} rk_asset_t;

/* What an open order needed the last time it was figured, with every input
 * of that figure that can change while the order is open (its room, price,
 * leaves, the amend in flight and the leverage; the rest of an order and
 * its instrument's spec are fixed). The layer figures every need of an
 * instrument again after each order and update, and most change few of
 * them (an acknowledgement none; a new order, sent last, no room of the
 * orders before it): a need whose inputs are those of the memo is taken
 * from it (risk_budget.c, need_memo). */
typedef struct {
  int64_t room, bprice, leaves, am_price, am_left, lev; /* am_*: 0 without an amend */
  int64_t need;
  uint8_t valid, amending;
} rk_memo_t;

/* An open order as the layer knows it. */
typedef struct {
  uint64_t id;
  uint64_t seq;        /* sending order: earlier orders take the reducing room first */
  uint16_t inst;
  uint8_t side, type, reduce_only;
  uint8_t status;      /* ord_status_t, PENDING until the venue answers */
  uint8_t amending;    /* an amend is in flight: reserve the larger of both */
  int64_t price;       /* ticks: limit price now (0 for market) */
  int64_t bprice;      /* ticks: the price the budget is reserved at */
  int64_t ref;         /* 1e-8 quote: mark or mid when sent (perp open loss), 0 none */
  int64_t qty, cum, leaves; /* lots */
  int64_t am_price, am_qty; /* the amend in flight */
  int asset;           /* index into rk_t.asset */
  int64_t res;         /* 1e-8 of the asset: reserved now */
  rk_memo_t memo;      /* set by rk_need_refresh (and seeded by v_submit, v_amend) */
} rk_ord_t;

/* A window of mids for the price-move breaker: two monotonic deques (the
 * running max and min over the window), in a ring each. Mids are kept
 * doubled (bid + ask ticks) so they stay integers. */
typedef struct {
  int64_t *t, *px;
  size_t cap, head, n;
} rk_dq_t;

struct rk {
  rk_config_t cfg;
  const strat_ctx_t *ctx;
  venue_t inner;
  rk_host_t host;

  rk_ord_t *ord; /* open orders in seq order */
  size_t nord, cap;
  size_t n_ro[RK_MAX_INST]; /* of them reduce-only, per instrument (ord_add, ord_remove) */
  uint64_t seq;
  uint64_t risk_ids; /* own ids issued: ORD_ID_RISK + 1 .. ORD_ID_RISK + risk_ids */

  size_t nasset;
  rk_asset_t asset[RK_MAX_ASSETS];
  int64_t reserved[RK_MAX_ASSETS];
  int inst_asset[RK_MAX_INST][2]; /* spot: [0] base, [1] quote; perp: [1] settle */

  /* breakers */
  rk_brk_t brk[RK_BRK_N];
  rk_state_t state;
  int breakers_on; /* any breaker configured (the config is fixed once created) */
  int killed;
  int have_origin;
  int64_t origin;                   /* first time seen: stale clock for a book never seen */
  int64_t last_book[RK_MAX_INST];   /* -1: none yet */
  uint8_t stale[RK_MAX_INST];
  rk_dq_t dq_max[RK_MAX_INST], dq_min[RK_MAX_INST];
  int have_day, have_peak;
  int64_t day, sod_equity, peak;
  int64_t *err_t; /* ring of the last max_errors_per_min + 1 error times */
  size_t err_n, err_head;

  /* counters */
  uint64_t chk[RK_CHK_N];
  uint64_t reason[64];
  uint64_t resized, kills, flatten_orders, exch_errors, unknown_updates;

  char errmsg[512];
};

/* --- risk.c ---------------------------------------------------------------- */
rk_ord_t *rk_find(rk_t *r, uint64_t id);
/* Sends cancel_all for every instrument with an open order of the strategy. */
void rk_cancel_everything(rk_t *r);
/* Writes a breaker or kill change to the host's log. */
void rk_log(rk_t *r, const char *what, const char *state, const char *why);

/* --- risk_budget.c: prices, values and reservations ------------------------- */
/* Mark (perp, when known) or mid, 1e-8 quote per base unit; 0 when neither.
 * (Inline, as rk_order_asset: both run a few times for every order.) */
static inline int64_t rk_ref_px(const rk_t *r, uint16_t inst) {
  const strat_ctx_t *c = r->ctx;
  const inst_spec_t *s = c->spec[inst];
  if (s->kind == INST_LINEAR_PERP && c->mark && c->mark[inst] > 0) return c->mark[inst];
  return inst_mid2_1e8(s, book_mid2(c->book[inst])); /* the mid, as the engine's equity */
}
/* ticks -> 1e-8 quote per base unit. */
lob_status_t rk_px_1e8(const inst_spec_t *s, int64_t ticks, int64_t *out);
/* lots at a price in 1e-8 -> 1e-8 quote. */
lob_status_t rk_value(const inst_spec_t *s, int64_t lots, int64_t px_1e8, int64_t *out);
/* Registers the assets of every instrument. */
lob_status_t rk_assets_init(rk_t *r, lob_err_t *err);
/* Reducing room left to the order at slot upto of inst/side (upto = nord:
 * a new one; ro: whether it is reduce-only) once the orders before it have
 * taken theirs: reduce-only orders first (they can only ever reduce, so a
 * fill of one never takes room another order counted on), then the others
 * in the order they were sent. Perpetual only; 0 on spot. */
int64_t rk_room(const rk_t *r, uint16_t inst, int side, size_t upto, int ro);
/* The walk that gives each open order of inst its need, in seq order:
 * rk_need_walk_start sets the room left past every reduce-only order (per
 * side), then rk_need_next, called for each order of inst in turn, gives
 * its need at the room left to it and moves the room past it. The one
 * walk of rk_need_refresh and of rk_check; here the needs are figured
 * afresh, never taken from the memos (rk_check is what would catch one
 * gone wrong). */
void rk_need_walk_start(const rk_t *r, uint16_t inst, int64_t room[2]);
lob_status_t rk_need_next(const rk_t *r, const rk_ord_t *o, int64_t room[2], int64_t *need);
/* Recomputes the need of every open order of inst (the split into reducing
 * and opening parts follows the position) and moves reserved[] with it. */
lob_status_t rk_need_refresh(rk_t *r, uint16_t inst);
/* What asset a can still pay for: holding minus reservations (perp: equity
 * minus the positions' initial margin at mark, or at entry without a mark
 * or mid). */
lob_status_t rk_available(const rk_t *r, uint16_t inst, int asset, int64_t *avail);
/* The asset an order of inst/side reserves. */
static inline int rk_order_asset(const rk_t *r, uint16_t inst, int side) {
  if (r->ctx->spec[inst]->kind == INST_LINEAR_PERP) return r->inst_asset[inst][1];
  return r->inst_asset[inst][side == ORD_BUY ? 1 : 0];
}
/* Total equity over every venue account, 1e-8 quote; *known = 0 when a
 * spot base balance has no mid to value it (or there are no funds). */
lob_status_t rk_equity(const rk_t *r, int64_t *eq, int *known);

/* --- risk_checks.c ------------------------------------------------------------ */
/* A candidate order: a new one (self == NULL) or an amend of self. */
typedef struct {
  uint16_t inst;
  uint8_t side, type, reduce_only;
  int64_t price;  /* ticks (limit) */
  int64_t bprice; /* ticks: price to value and reserve at */
  int64_t qty;    /* lots: total quantity */
  int64_t leaves; /* lots: what will be open */
  int64_t ref;    /* 1e-8 */
  const rk_ord_t *self;
  rk_memo_t memo; /* the candidate's own need at the last rk_side_extra (zeroed at first) */
} rk_cand_t;
/* What the candidate with `leaves` open would add to the reservations of
 * its whole side (its own need, and what the orders after it lose of the
 * reducing room): the amount the budget must find. The candidate's own
 * need goes through c->memo (a bisection may try a size twice), which
 * v_submit and v_amend then hand to the order, so that the refresh after
 * it finds that need figured already. */
lob_status_t rk_side_extra(const rk_t *r, rk_cand_t *c, int64_t leaves, int64_t *extra);
/* Runs every pre-trade check and the budget; may shrink c->qty/leaves
 * (resize). Returns the check that refused, or RK_CHK_NONE. Arithmetic
 * that overflows refuses the order as INVALID (no real order comes near). */
rk_chk_t rk_pretrade(rk_t *r, rk_cand_t *c);
/* The budget price of a market order: the worst level the visible book
 * reaches for qty (every level if it is too thin); 0 when the side is empty. */
int64_t rk_walk_px(const rk_t *r, uint16_t inst, int side, int64_t qty);

/* --- risk_breakers.c ---------------------------------------------------------- */
lob_status_t rk_breakers_init(rk_t *r, lob_err_t *err);
void rk_breakers_free(rk_t *r);
/* Re-evaluates every breaker at ctx->now; cancels everything (or kills) on
 * a trip. book_inst: the instrument whose book just changed, or -1.
 * Inline, as it runs on every book batch and update: with every breaker
 * off nothing can trip (a kill stays as it is), and what the evaluation
 * keeps (when it first ran, each book's last time) is read only by the
 * stale-data breaker, so rk_breakers_eval_on is not called at all. */
void rk_breakers_eval_on(rk_t *r, int book_inst);
static inline void rk_breakers_eval(rk_t *r, int book_inst) {
  if (r->breakers_on) rk_breakers_eval_on(r, book_inst);
}
/* Counts one exchange error at ctx->now. */
void rk_error_seen(rk_t *r);
/* 1 when inst's data is stale now (stale_after set). */
int rk_is_stale(rk_t *r, uint16_t inst);
extern const char *const rk_brk_names[RK_BRK_N];

#endif
