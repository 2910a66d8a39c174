/* order.h - orders, their updates and the reasons an order is refused.
 *
 * Shared by the simulated exchange, the engine, the risk layer and the
 * strategies. Prices are ticks and sizes lots of the order's instrument;
 * money (fees, PnL) is 1e-8 of the asset named with it.
 *
 * Order lifecycle (every edge reaches the strategy as an ord_update_t):
 *
 *   submit --> PENDING --(exchange accepts)--> NEW --(fill)--> PARTIAL --> FILLED
 *                 |                             |  \-------(fill all)-------^
 *                 |                             |--(cancel)--> CANCELLED
 *                 |                             |--(IOC rest / FOK / market
 *                 |                             |   left over)--> EXPIRED
 *                 +--(refused: reason)--> REJECTED
 *   A stop order is NEW (untriggered) until its trigger price is reached; it
 *   then becomes a market or limit order and goes on as above.
 *   A refused cancel or amend leaves the order as it was; the update that
 *   reports it has `rejected_op` set and the reason, and its status is the
 *   order's status where the exchange knows the order, REJECTED where it
 *   does not (unknown id, or refused before reaching the matcher). Read
 *   rejected_op before status: such an update never ends the order.
 */
#ifndef LOB_ORDER_H
#define LOB_ORDER_H

#include <stdint.h>

typedef enum { ORD_BUY = 1, ORD_SELL = 2 } ord_side_t;
typedef enum { ORD_LIMIT = 1, ORD_MARKET = 2, ORD_STOP_MARKET = 3, ORD_STOP_LIMIT = 4 } ord_type_t;
typedef enum { TIF_GTC = 1, TIF_IOC = 2, TIF_FOK = 3, TIF_POST_ONLY = 4 } ord_tif_t;
typedef enum { TRIG_LAST = 1, TRIG_MARK = 2 } ord_trigger_t;
typedef enum { OP_NONE = 0, OP_NEW = 1, OP_CANCEL = 2, OP_AMEND = 3 } ord_op_t;

#define ORD_STATUS_MAP(X)                                         \
  X(PENDING, 0, "sent, not yet acknowledged by the exchange")     \
  X(NEW, 1, "accepted, resting (or a stop waiting for its trigger)") \
  X(PARTIAL, 2, "partially filled, the rest resting")             \
  X(FILLED, 3, "completely filled")                               \
  X(CANCELLED, 4, "cancelled")                                    \
  X(REJECTED, 5, "refused; see the reason")                       \
  X(EXPIRED, 6, "ended unfilled by its time in force (IOC, FOK, market)")

typedef enum {
#define ORD_STATUS_ENUM(name, num, text) OS_##name = num,
  ORD_STATUS_MAP(ORD_STATUS_ENUM)
#undef ORD_STATUS_ENUM
} ord_status_t;

/* Numbers are never reused (they are written into orders.csv). */
#define ORD_REASON_MAP(X)                                                          \
  X(NONE, 0, "none")                                                               \
  X(INSUFFICIENT_BALANCE, 1, "insufficient balance or margin")                     \
  X(BELOW_MIN_QTY, 2, "quantity below the instrument minimum")                     \
  X(BELOW_MIN_NOTIONAL, 3, "notional below the instrument minimum")                \
  X(OFF_TICK, 4, "price not a multiple of the tick size")                          \
  X(OFF_LOT, 5, "quantity not a multiple of the quantity step")                    \
  X(POST_ONLY_WOULD_TAKE, 6, "post-only order would take liquidity")               \
  X(REDUCE_ONLY_WOULD_INCREASE, 7, "reduce-only order would increase the position") \
  X(UNKNOWN_ORDER, 8, "no such open order")                                        \
  X(RATE_LIMITED, 9, "rate limited")                                               \
  X(PRICE_BAND, 10, "price outside the protection band")                           \
  X(FOK_NOT_FILLABLE, 11, "fill-or-kill order cannot be filled completely")        \
  X(NO_LIQUIDITY, 12, "no liquidity on the opposite side")                         \
  X(DUPLICATE_ID, 13, "client order id already in use")                            \
  X(EXCHANGE_REJECT, 14, "rejected by the exchange (recorded latency says so)")    \
  X(INVALID, 15, "malformed order (side, type, price or quantity)")                \
  X(LIQUIDATION, 16, "cancelled by a liquidation")                                 \
  X(NOT_SPOT, 17, "operation needs a perpetual instrument")                        \
  X(RISK_LIMIT, 18, "refused by a risk check")                                     \
  X(HALTED, 19, "trading halted by a circuit breaker")

typedef enum {
#define ORD_REASON_ENUM(name, num, text) RJ_##name = num,
  ORD_REASON_MAP(ORD_REASON_ENUM)
#undef ORD_REASON_ENUM
} ord_reason_t;

/* Client ids at or above this are the risk layer's own orders (kill-switch
 * flattening); a strategy's ids stay below it. */
#define ORD_ID_RISK (UINT64_C(1) << 63)

/* An order as the strategy asks for it. */
typedef struct {
  uint64_t id;           /* client order id, chosen by the caller, unique per run;
                            ids with bit 63 set (ORD_ID_RISK) belong to the risk layer */
  uint16_t inst;         /* instrument index in the run */
  uint8_t side;          /* ord_side_t */
  uint8_t type;          /* ord_type_t */
  uint8_t tif;           /* ord_tif_t (limit orders; market orders are IOC) */
  uint8_t trigger;       /* ord_trigger_t (stop orders) */
  uint8_t reduce_only;   /* 1: may only reduce a perpetual position */
  int64_t price;         /* ticks: limit price (limit, stop-limit); 0 otherwise */
  int64_t qty;           /* lots, > 0 */
  int64_t trigger_price; /* ticks (stop orders) */
} ord_req_t;

/* One change of one order, as the strategy receives it. */
typedef struct {
  uint64_t id;
  uint16_t inst;
  uint8_t side;        /* ord_side_t */
  uint8_t status;      /* ord_status_t after this change */
  uint8_t reason;      /* ord_reason_t (REJECTED, EXPIRED, CANCELLED, refused ops) */
  uint8_t rejected_op; /* ord_op_t refused (cancel/amend of this order), else OP_NONE */
  uint8_t maker;       /* on a fill: 1 maker, 0 taker */
  int64_t exch_ts;     /* when the exchange made the change, ns */
  int64_t local_ts;    /* when the strategy learns of it, ns */
  int64_t price;       /* the order's limit price now, ticks (0 for market) */
  int64_t qty;         /* the order's total quantity now, lots */
  int64_t last_px;     /* this fill's price, ticks (0 if no fill) */
  int64_t last_qty;    /* this fill's quantity, lots (0 if no fill) */
  int64_t cum_qty;     /* filled so far, lots */
  int64_t leaves_qty;  /* still open, lots (0 once final) */
  int64_t fee;         /* this fill's fee, 1e-8 of the fee asset (negative = rebate) */
  int64_t realized_pnl;   /* this fill's realized PnL, 1e-8 of the settle asset (perp) */
  int64_t position_after; /* lots, signed: perp position, or spot base balance in lots */
} ord_update_t;

/* "buy", "sell", or NULL for a side that is neither (run files, store). */
const char *ord_side_name(int side);
const char *ord_status_name(int st);
/* 1 when status ends an order (FILLED, CANCELLED, REJECTED, EXPIRED). */
int ord_status_final(int st);
const char *ord_reason_name(int r);
const char *ord_reason_text(int r);

/* The update that reports new-order request q with `status` before any
 * fill (a send, or a refusal by the risk layer, the engine or the matcher):
 * id, market, side, price and qty from q, leaves = qty while the status is
 * open, and `reason`. Times and position_after are the caller's. */
ord_update_t ord_update_of_req(const ord_req_t *q, int status, int reason);
/* A refused cancel or amend of order `id` that the refuser does not know:
 * REJECTED, rejected_op = op, `reason`. Times and position_after are the
 * caller's; a refuser that knows the order fills in its state. */
ord_update_t ord_update_refused_op(uint16_t inst, uint64_t id, int op, int reason);

#endif
