/* journal.h - the crash-safe journal of a paper run (jn_): one SQLite file
 * per run, in WAL mode, holding every order intent, every reply from the
 * exchange and periodic snapshots, so that a restart after kill -9 can
 * reconcile with the exchange: no order lost, none sent twice, no fill
 * counted twice. Exact integers only (ticks, lots, 1e-8, ns).
 *
 * THE RULES (the paper driver keeps them; docs/operations.md explains them
 * to an operator):
 *  1. Write the intent (jn_intent) BEFORE the order leaves the process. The
 *     intent is committed with synchronous=FULL (the WAL is fsynced), so it
 *     outlives a crash and even a power cut; the other rows use NORMAL
 *     (they survive a process crash; after a power cut the exchange has
 *     them again: open orders and executions are fetched at restart).
 *  2. The client id IS the exchange's orderLinkId. A retry of a create uses
 *     the same orderLinkId; the exchange refuses a second order with it
 *     (110072), so a resend can never make two orders.
 *  3. Replies are written when they arrive: jn_ack, jn_fill, jn_cancel,
 *     jn_reject. Each is idempotent: a fill is keyed by the exchange's
 *     execId (UNIQUE), an ack/cancel/reject by (orderLinkId, kind); a
 *     repeat is reported as "already seen" and changes nothing.
 *  4. An order is SETTLED in the journal once it has a cancel, a reject or a
 *     forget row, or fills adding up to its quantity. Recovery looks at the
 *     unsettled ones (and at whatever the exchange reports).
 *  5. jn_snapshot records positions, balances and reservations, and the
 *     last fill seen at that moment; write one before the first order.
 *
 * RECOVERY (jn_recover), given what the exchange reports after a restart
 * (its orders for our orderLinkIds: open ones and recently ended ones, the
 * executions since jn_last_fill, positions, balances):
 *  - every reported execution of one of our orders not yet journalled is
 *    written (source 'recovery'), each execId once; duplicates are counted
 *    and skipped; executions of orders we never journalled are reported;
 *  - then every unsettled journalled order, and every order the exchange
 *    reports, is classified:
 *      NOT_SENT   no ack, no fill, the exchange does not know it: the intent
 *                 never reached it. Safe to forget (jn_forget) or to resend
 *                 with the SAME orderLinkId (a 110072 reply then means it
 *                 did arrive after all: adopt it).
 *      OPEN       open at the exchange: adopted, with the exchange's leaves;
 *                 an ack row is written if it was missing.
 *      FILLED     filled while we were down: the missing fills applied.
 *      CANCELLED  cancelled or expired while we were down (missing fills
 *                 applied, a cancel row written).
 *      REJECTED   the exchange refused it (a reject row written).
 *      MISSING    acknowledged or part-filled in the journal but the
 *                 exchange reports nothing: older than its history window
 *                 (demo keeps orders 7 days) or a wrong query. No
 *                 reservation is kept; the operator must check.
 *      UNKNOWN    at the exchange under an orderLinkId the journal never saw:
 *                 with our prefix (a lost intent, which rule 1 forbids: a
 *                 bug) or without it (never ours: manual or another bot).
 *                 Left alone, never adopted.
 *  - the journal's fills are checked against the exchange's cumExecQty of
 *    each order, and positions (last snapshot + fills since) against the
 *    exchange's; any difference is a MISMATCH and makes the result
 *    inconsistent: the driver must not trade on it.
 *  - all of it is written in one transaction (a crash during recovery
 *    leaves the journal as it was; running it again gives the same result),
 *    with the report text in the recoveries table.
 * The open orders of the result (class OPEN) carry their leaves and the
 * reservation pro rata (reserve x leaves / qty): the risk layer's
 * reservations are rebuilt from them.
 *
 * Left out: amends (an amended price or quantity is taken from the
 * exchange's report at recovery, not journalled), and funding executions
 * (not orders: the balances reported carry them).
 */
#ifndef LOB_JOURNAL_H
#define LOB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

#define JN_SCHEMA_VERSION 1
#define JN_LINK_MAX 36 /* orderLinkId: at most 36 of [A-Za-z0-9_-] */

typedef struct jn jn_t;

/* An order as it is about to be sent. */
typedef struct {
  const char *link_id;  /* orderLinkId = the client id at the exchange */
  uint64_t ord_id;      /* the strategy's client id (ord_req_t.id) */
  const char *category; /* "linear" or "spot" */
  const char *symbol;   /* "BTCUSDT" */
  uint16_t inst;        /* instrument index in the run */
  uint8_t side;         /* ord_side_t */
  uint8_t type;         /* ord_type_t */
  uint8_t tif;          /* ord_tif_t */
  uint8_t reduce_only;
  int64_t price;              /* ticks (0 for market) */
  int64_t qty;                /* lots, > 0 */
  int64_t reserve_e8;         /* the risk layer's reservation for it, 1e-8 */
  const char *reserve_asset;  /* asset of the reservation ("USDT") */
  int64_t ts;                 /* local time written, ns */
} jn_intent_t;

/* One execution (fill), from the stream or from the executions list. */
typedef struct {
  const char *exec_id; /* the exchange's execId: a fill is counted once */
  const char *link_id;
  int64_t price;           /* ticks */
  int64_t qty;             /* lots, > 0 */
  int64_t fee_e8;          /* 1e-8 of fee_asset (negative: rebate) */
  const char *fee_asset;
  uint8_t maker;           /* 1 maker, 0 taker */
  int64_t exec_ts;         /* the exchange's execTime, ns */
  int64_t ts;              /* local time it arrived, ns */
} jn_fill_t;

typedef struct {
  const char *symbol;
  int64_t lots; /* signed position (perpetuals) */
} jn_pos_t;

typedef struct {
  const char *asset;
  int64_t amount_e8;
} jn_bal_t;

/* A snapshot: positions, balances and the risk layer's reservations per
 * asset (jn_bal_t reused: asset and amount). */
typedef struct {
  int64_t ts;
  const jn_pos_t *pos;
  size_t n_pos;
  const jn_bal_t *bal;
  size_t n_bal;
  const jn_bal_t *res;
  size_t n_res;
} jn_snapshot_t;

/* --- writing -------------------------------------------------------------- */

/* Opens the journal at path, creating it (schema JN_SCHEMA_VERSION, in
 * PRAGMA user_version) or reopening it. LOB_EVERSION for a journal of a
 * newer lobsim, LOB_EIO naming the path and SQLite's message. */
lob_status_t jn_open(const char *path, jn_t **out, lob_err_t *err);
/* Checkpoints the WAL into the main file and closes. NULL-safe; clears *pp. */
void jn_close(jn_t **pp);

/* Writes an intent (rule 1). A second intent with the same link id: when it
 * is the same order, *dup = 1 and nothing is written (a resend); when it
 * differs, LOB_EINVAL. LOB_EINVAL for a bad link id, side, type, tif or qty. */
lob_status_t jn_intent(jn_t *j, const jn_intent_t *in, int *dup, lob_err_t *err);
/* The exchange accepted the order (its orderId). */
lob_status_t jn_ack(jn_t *j, const char *link_id, const char *order_id, int64_t ts, int *dup,
                    lob_err_t *err);
/* A fill; *dup = 1 when the execId was already journalled ("already seen":
 * do not count it again). LOB_ENOTFOUND for a link id never journalled. */
lob_status_t jn_fill(jn_t *j, const jn_fill_t *f, int *dup, lob_err_t *err);
/* The order ended unfilled or part-filled: cancelled, expired (reason: the
 * exchange's cancelType / rejectReason text). */
lob_status_t jn_cancel(jn_t *j, const char *link_id, const char *reason, int64_t ts, int *dup,
                       lob_err_t *err);
/* The exchange refused the order: code (retCode, or an ord_reason_t for a
 * refusal of the risk layer) and its text. */
lob_status_t jn_reject(jn_t *j, const char *link_id, int64_t code, const char *reason,
                       int64_t ts, int *dup, lob_err_t *err);
/* Settles an intent that never reached the exchange (recovery: NOT_SENT)
 * when the driver decides not to resend it. */
lob_status_t jn_forget(jn_t *j, const char *link_id, int64_t ts, int *dup, lob_err_t *err);
/* Writes a snapshot (one transaction). */
lob_status_t jn_snapshot(jn_t *j, const jn_snapshot_t *s, lob_err_t *err);

/* --- reading ---------------------------------------------------------------- */

/* The journal's view of one order. */
typedef struct {
  char link_id[JN_LINK_MAX + 1];
  char order_id[64]; /* "" until acknowledged */
  uint64_t ord_id;
  char category[16], symbol[32];
  uint16_t inst;
  uint8_t side, type, tif, reduce_only;
  int64_t price, qty;
  int64_t cum;        /* lots filled (journalled fills) */
  int64_t reserve_e8; /* as journalled for the whole quantity */
  char reserve_asset[16];
  int acked;          /* an ack row exists */
  int ended;          /* 'cancel', 'reject' or 'forget' row: what ended it */
  char end_kind[8];
} jn_order_t;

/* The unsettled orders (rule 4) in intent order: *out malloc'd (free it),
 * NULL when there are none. */
lob_status_t jn_unsettled(jn_t *j, jn_order_t **out, size_t *n, lob_err_t *err);
/* One order by link id; LOB_ENOTFOUND when never journalled. */
lob_status_t jn_order(jn_t *j, const char *link_id, jn_order_t *out, lob_err_t *err);
/* The latest fill by exchange time (ties: the later journalled): its execId
 * and execTime, to ask the exchange for executions since then. "" and 0
 * when there is none. */
lob_status_t jn_last_fill(jn_t *j, char *exec_id, size_t cap, int64_t *exec_ts, lob_err_t *err);
/* Counts of rows, for tests and the end-of-run report. */
typedef struct {
  int64_t intents, acks, fills, cancels, rejects, forgets, snapshots, recoveries;
} jn_counts_t;
lob_status_t jn_counts(jn_t *j, jn_counts_t *out, lob_err_t *err);

/* --- recovery ------------------------------------------------------------------ */

/* An order as the exchange reports it (GET /v5/order/realtime, and
 * /v5/order/history for the ones no longer open). */
typedef struct {
  const char *link_id;  /* orderLinkId ("" for none) */
  const char *order_id;
  const char *symbol;
  uint8_t status;       /* ord_status_t: NEW/PARTIAL open; FILLED, CANCELLED,
                           EXPIRED, REJECTED ended */
  uint8_t side;         /* ord_side_t */
  int64_t price, qty;   /* ticks, lots */
  int64_t cum, leaves;  /* cumExecQty, leavesQty in lots */
  const char *reason;   /* cancelType / rejectReason text, may be NULL */
} jn_xorder_t;

/* What the exchange reports after a restart. */
typedef struct {
  const jn_xorder_t *orders; /* open orders and the recently ended ones */
  size_t n_orders;
  const jn_fill_t *fills;    /* executions since jn_last_fill (more is fine) */
  size_t n_fills;
  const jn_pos_t *pos;       /* positions (perpetuals) */
  size_t n_pos;
  const jn_bal_t *bal;       /* balances */
  size_t n_bal;
  const char *link_prefix;   /* the prefix of this run's orderLinkIds (UNKNOWN
                                orders with it are lost intents), may be NULL */
  int64_t ts;                /* local time of the recovery, ns */
} jn_exchange_state_t;

typedef enum {
  JN_NOT_SENT = 1,
  JN_OPEN = 2,
  JN_FILLED = 3,
  JN_CANCELLED = 4,
  JN_REJECTED = 5,
  JN_MISSING = 6,
  JN_UNKNOWN = 7
} jn_class_t;
#define JN_NCLASS 8

const char *jn_class_name(jn_class_t c);

typedef struct {
  jn_order_t o;       /* the journal's view after recovery (UNKNOWN: the
                         exchange's fields, ord_id 0) */
  jn_class_t cls;
  int ours;           /* UNKNOWN: 1 when link_id has link_prefix */
  int64_t leaves;     /* lots still open (OPEN), else 0 */
  int64_t reserve_e8; /* reservation for the leaves: reserve x leaves / qty */
  int64_t fills_applied;
} jn_rorder_t;

typedef struct {
  jn_rorder_t *orders; /* in intent order, then the UNKNOWN ones */
  size_t n_orders;
  size_t count[JN_NCLASS];  /* orders per class */
  int64_t fills_applied, fills_duplicate, fills_foreign;
  int64_t mismatches;       /* fills vs cumExecQty, positions */
  int consistent;           /* 1: no mismatch and no lost intent: may trade */
  char *text;               /* the report, one finding per line */
} jn_recovery_t;

/* Reconciles the journal with ex (see RECOVERY above) and fills *out (free
 * it with jn_recovery_free). On failure nothing is written and *out is
 * empty. LOB_EINVAL for malformed input (an execution without execId, a
 * negative quantity, ...), naming it. */
lob_status_t jn_recover(jn_t *j, const jn_exchange_state_t *ex, jn_recovery_t *out,
                        lob_err_t *err);
void jn_recovery_free(jn_recovery_t *r);

#endif
