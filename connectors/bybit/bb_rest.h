/* bb_rest.h - Bybit V5 REST client over libcurl (exchange_api.md 2-4).
 *
 * One persistent easy handle (the connection is reused), connect and total
 * timeouts, signed GET/POST (section 2.1), the reply envelope (section 3),
 * pacing by bb_pace fed from the limit headers, and the retry rules below.
 * The base URL is the caller's: this module never chooses a host (the mode
 * mapping lives elsewhere). The key and secret are copied, wiped on
 * destroy and never written into any message (log_mask is the only form
 * in which a key appears).
 *
 * Retry rules (section 3):
 *  - Transport failures (timeout, connection lost, no reply), HTTP 5xx and
 *    retCode 10016 (server error) leave the outcome unknown. They are
 *    retried with exponential backoff only for idempotent calls: every GET,
 *    cancel (a repeat finds the order gone: 110001/110008/170213, reported as
 *    `already`), cancel-all (a repeat cancels nothing more), amend (it sets
 *    absolute price and qty, so a repeat lands on the same order state; a
 *    repeat after the order ended finds it gone) and set-leverage (absolute;
 *    110043 "not modified" is success).
 *  - Order create is not idempotent by itself: it is retried only with the
 *    SAME body, hence the same orderLinkId, which the exchange keeps unique.
 *    A 110072 (170141 on spot) duplicate-orderLinkId reply means "already
 *    placed" (by this call's earlier attempt or by an earlier run): the ack
 *    says `duplicate` and the caller reads the order by orderLinkId
 *    (bb_rest_order_by_link). No order is ever sent twice.
 *  - A TLS certificate that does not verify (untrusted issuer, wrong host,
 *    expired) is final at once: nothing was sent, and another try would
 *    meet the same certificate. A handshake that broke off is "not sent".
 *  - Refusals that prove nothing was executed are retried for every call:
 *    10006 / HTTP 429 / 403 (after the block of bb_pace ends; a block longer
 *    than max_wait_ms fails the call at once instead of sleeping), a
 *    connection that could not be opened, and 10002 (timestamp outside the
 *    recv window), which first re-syncs the clock offset from
 *    GET /v5/market/time, once per call.
 *  - A counter of consecutive failed calls (transport, HTTP, envelope and
 *    system retCodes < 100000; business refusals such as "insufficient
 *    balance" are answers, not failures) feeds the risk layer's exchange-
 *    error breaker; any call answered by the exchange resets it.
 */
#ifndef LOB_BB_REST_H
#define LOB_BB_REST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../../core/instrument.h"
#include "../../core/order.h"
#include "../../core/status.h"
#include "bb_pace.h"
#include "bbw.h"

typedef struct bb_rest bb_rest_t;

/* What happened on one HTTP exchange, for logs and metrics (REST latency
 * per endpoint, rejects by reason). Never holds a key. */
typedef struct {
  const char *method, *path;
  int attempt;          /* 1 = first try */
  long http_status;     /* 0 when no reply */
  int64_t ret_code;     /* -1 when no envelope */
  int64_t latency_ns;
  const char *msg;      /* what happened and what the client does next */
  int64_t limit_left;   /* X-Bapi-Limit-Status: requests left in the window; -1 when absent */
} bb_call_info_t;

typedef struct {
  const char *base_url;       /* "https://api-demo.bybit.com", "http://127.0.0.1:P"; copied */
  /* https: a PEM file of the certificates to trust INSTEAD of the system's
   * (CURLOPT_CAINFO, and no CA directory); NULL: the system store. Checked
   * by bbw_ca_file_check. The peer and its host name (or IP address) are
   * always verified; there is no switch to turn that off. */
  const char *ca_file;
  const char *api_key;        /* NULL: public calls only; copied, wiped on destroy */
  const char *api_secret;
  int64_t recv_window_ms;     /* 0 = 5000 */
  int64_t connect_timeout_ms; /* CURLOPT_CONNECTTIMEOUT_MS; 0 = 3000 */
  int64_t timeout_ms;         /* CURLOPT_TIMEOUT_MS, whole request; 0 = 10000 */
  int max_attempts;           /* tries per call, first included; 0 = 4 */
  int64_t max_wait_ms;        /* longest pacing wait a call sleeps; 0 = 15000 */
  bb_pace_cfg_t pace;         /* seed, jitter, blocks, retry backoff */
  /* Wall clock, ns since the epoch (NULL: CLOCK_REALTIME) and a sleep
   * (NULL: nanosleep). Tests pass a fake pair: sleeping advances the fake
   * clock, so backoffs cost no time. */
  int64_t (*now_ns)(void *ctx);
  void (*sleep_ns)(void *ctx, int64_t ns);
  void *clock_ctx;
  void (*on_call)(void *user, const bb_call_info_t *info); /* may be NULL */
  void *user;
} bb_rest_cfg_t;

/* LOB_EINVAL for a base URL that is not http(s):// or a key without its
 * secret; LOB_EIO for a ca_file bbw_ca_file_check refuses (naming it) or
 * when libcurl cannot be set up; LOB_ENOMEM. */
lob_status_t bb_rest_create(const bb_rest_cfg_t *cfg, bb_rest_t **out, lob_err_t *err);
void bb_rest_destroy(bb_rest_t **pp);

/* --- the generic call ------------------------------------------------------ */

typedef enum { BB_GET = 1, BB_POST = 2 } bb_method_t;

typedef enum {
  BB_RETRY_SAFE = 0,      /* retried only when nothing can have been executed */
  BB_RETRY_IDEMPOTENT = 1, /* also after timeouts, 5xx, 10016 */
  BB_RETRY_LINK_ID = 2    /* create: as idempotent (same body = same orderLinkId);
                             110072/170141 end the call as "duplicate" */
} bb_retry_t;

typedef struct {
  int method;           /* bb_method_t */
  const char *path;     /* "/v5/order/create" */
  const char *query;    /* GET: the exact query string sent and signed (no '?'); may be NULL */
  const char *body;     /* POST: the exact JSON bytes sent and signed; NULL = "{}" */
  const char *category; /* for the pacing class; may be NULL */
  int auth;             /* 1: a signed private call */
  int retry;            /* bb_retry_t */
} bb_req_t;

typedef struct {
  long http_status;
  int64_t ret_code;     /* -1 when no envelope was read */
  char ret_msg[256];
  int64_t time_ms;      /* the envelope's time, 0 if absent */
  json_t *root;         /* the whole reply (owned; bb_reply_free) */
  const json_t *result; /* root.result (borrowed; NULL when absent) */
  int attempts;
  int duplicate;        /* LINK_ID call ended by 110072 / 170141 */
  int retried_unknown;  /* an earlier attempt's outcome was unknown (timeout, 5xx) */
} bb_reply_t;

void bb_reply_free(bb_reply_t *r);

/* Sends req under the pacing and retry rules and parses the envelope.
 * LOB_OK when retCode is 0 (or the call ended as a LINK_ID duplicate).
 * Otherwise rep still holds what came back and err says what happened:
 * "POST /v5/order/create: HTTP 200, retCode 110007 (ab not enough), after
 * 1 attempt". Statuses: LOB_EIO transport/HTTP/system errors and business
 * refusals, LOB_EFORMAT a reply that is not the envelope, LOB_ECAPACITY
 * rate limited beyond max_wait_ms, LOB_ECONFIG auth refused (10003,
 * 10004, 10005, 10010) or no key for a private call, LOB_ENOTFOUND order
 * not found (110001, 110008, 170213). */
lob_status_t bb_rest_call(bb_rest_t *c, const bb_req_t *req, bb_reply_t *rep, lob_err_t *err);

/* The ord_reason_t of a refusal retCode (section 3), RJ_EXCHANGE_REJECT
 * for codes without a closer reason. */
int bb_ret_reason(int64_t ret_code);

/* --- clock ------------------------------------------------------------------ */

/* GET /v5/market/time: *server_ns from timeNano. Also sets the clock
 * offset used for X-BAPI-TIMESTAMP to server - local midpoint. */
lob_status_t bb_rest_sync_time(bb_rest_t *c, int64_t *server_ns, lob_err_t *err);
/* The offset in force (server - local), ns. */
int64_t bb_rest_clock_offset(const bb_rest_t *c);
/* The client's local clock (cfg.now_ns), ns: the receipt time of records. */
int64_t bb_rest_now(const bb_rest_t *c);

/* --- state for the caller ---------------------------------------------------- */

/* Consecutive failed calls (see the header comment). */
unsigned bb_rest_failures(const bb_rest_t *c);

typedef struct {
  uint64_t calls, attempts, retries, failures;
  uint64_t timeouts, http_5xx, rate_limited, resyncs, duplicates;
} bb_rest_stats_t;
const bb_rest_stats_t *bb_rest_stats(const bb_rest_t *c);
const bb_pace_t *bb_rest_pace(const bb_rest_t *c);

/* --- typed calls (section 4) ----------------------------------------------- */

typedef enum { BB_LINEAR = 1, BB_SPOT = 2 } bb_category_t;
/* "linear" / "spot" (NULL for anything else). */
const char *bb_category_name(int cat);

/* An instrument from /v5/market/instruments-info: spec built with
 * inst_set_tick/inst_set_step from the published filters (fees are not
 * published there: 0, the caller sets them from config). */
typedef struct {
  inst_spec_t spec;
  char status[24];       /* "Trading", ... */
  int64_t min_price, max_price; /* ticks (0 when not published) */
  int64_t max_qty;       /* lots (0 when not published) */
} bb_instrument_t;

lob_status_t bb_rest_instrument(bb_rest_t *c, int cat, const char *symbol, bb_instrument_t *out,
                                lob_err_t *err);

/* The answer to create / amend / cancel (only ids: the state follows on the
 * private stream or by bb_rest_open_orders). */
typedef struct {
  char order_id[48];
  char link_id[48];
  int duplicate;   /* create: orderLinkId already placed; read it by link id */
  int already;     /* cancel/amend retried after an unknown outcome found the order gone */
  int64_t ret_code;
  int attempts;
} bb_ack_t;

/* Validates a Bybit orderLinkId: 1..36 of [A-Za-z0-9_-]. */
int bb_link_id_ok(const char *link_id);

/* POST /v5/order/create. req: side, type (LIMIT or MARKET), tif, price
 * (ticks), qty (lots), reduce_only; link_id is required (the retry rule
 * depends on it). A spot market order's qty is in the base coin
 * (marketUnit=baseCoin). Stop orders: LOB_EINVAL (not supported here). */
lob_status_t bb_rest_create_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                  const ord_req_t *req, const char *link_id, bb_ack_t *ack,
                                  lob_err_t *err);
/* POST /v5/order/amend by link_id (or order_id when link_id is NULL):
 * new price (ticks) and/or qty (lots); a value < 0 keeps the old one. */
lob_status_t bb_rest_amend_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                 const char *link_id, const char *order_id, int64_t price,
                                 int64_t qty, bb_ack_t *ack, lob_err_t *err);
/* POST /v5/order/cancel by link_id (or order_id). */
lob_status_t bb_rest_cancel_order(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                  const char *link_id, const char *order_id, bb_ack_t *ack,
                                  lob_err_t *err);
/* POST /v5/order/cancel-all for symbol (NULL: all of the category; linear
 * needs a symbol or settle coin, so NULL there means settleCoin=USDT).
 * The cancelled ids go to out[0..*n) (cap may be 0). */
lob_status_t bb_rest_cancel_all(bb_rest_t *c, int cat, const char *symbol, bb_ack_t *out,
                                size_t cap, size_t *n, lob_err_t *err);

/* GET /v5/order/realtime: the open orders of spec's symbol (all pages), or
 * only the one with link_id. LOB_ECAPACITY when more than cap. */
lob_status_t bb_rest_open_orders(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                 const char *link_id, bbw_order_t *out, size_t cap, size_t *n,
                                 lob_err_t *err);
/* GET /v5/order/history for the symbol (link_id optional), newest first,
 * at most cap orders (the rest of the pages is not read). */
lob_status_t bb_rest_order_history(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                   const char *link_id, bbw_order_t *out, size_t cap, size_t *n,
                                   lob_err_t *err);
/* The order with link_id wherever it is (open orders, then history):
 * *found = 0 when the exchange knows no such order. */
lob_status_t bb_rest_order_by_link(bb_rest_t *c, int cat, const inst_spec_t *spec,
                                   const char *link_id, bbw_order_t *out, int *found,
                                   lob_err_t *err);
/* GET /v5/execution/list for the symbol since start_ns (0: the default
 * window), all pages. LOB_ECAPACITY when more than cap. */
lob_status_t bb_rest_executions(bb_rest_t *c, int cat, const inst_spec_t *spec, int64_t start_ns,
                                bbw_exec_t *out, size_t cap, size_t *n, lob_err_t *err);
/* GET /v5/position/list?category=linear&symbol=...: one row per
 * positionIdx (one in one-way mode; flat rows have size 0). */
lob_status_t bb_rest_positions(bb_rest_t *c, const inst_spec_t *spec, bbw_position_t *out,
                               size_t cap, size_t *n, lob_err_t *err);
/* GET /v5/account/wallet-balance?accountType=UNIFIED[&coin=...]. */
lob_status_t bb_rest_wallet(bb_rest_t *c, const char *coins, bbw_wallet_t *out, lob_err_t *err);
/* POST /v5/position/set-leverage, buy = sell = leverage (1e-2: 10x = 1000).
 * 110043 (not modified) is success. */
lob_status_t bb_rest_set_leverage(bb_rest_t *c, const inst_spec_t *spec, int64_t leverage_e2,
                                  lob_err_t *err);
/* GET /v5/market/time, without touching the offset. */
lob_status_t bb_rest_server_time(bb_rest_t *c, int64_t *server_ns, lob_err_t *err);

/* --- result parsers (pure, no I/O) ---------------------------------------------
 * The REST list items and the private WebSocket items have the same shapes
 * (section 5), so these serve both (bbw_priv.c calls them for the private
 * topics). spec gives the grid, inst goes into the record, local_ns is the
 * receipt time. LOB_EPARSE / LOB_EOFFGRID / LOB_EEMPTY with the field and
 * value on bad input; an item whose symbol is not spec's is LOB_EINVAL. */

/* One item of instruments-info's list for category cat. */
lob_status_t bb_parse_instrument(const json_t *item, int cat, bb_instrument_t *out,
                                 lob_err_t *err);
lob_status_t bb_parse_order(const inst_spec_t *spec, uint16_t inst, const json_t *item,
                            int64_t local_ns, bbw_order_t *out, lob_err_t *err);
/* A fill's price is on the tick grid; a funding/delivery row carries the
 * mark price, which need not be (then price = 0 and price_e8 has it). */
lob_status_t bb_parse_exec(const inst_spec_t *spec, uint16_t inst, const json_t *item,
                           int64_t local_ns, bbw_exec_t *out, lob_err_t *err);
/* avgPrice on REST, entryPrice on the WS: either. size is signed by side. */
lob_status_t bb_parse_position(const inst_spec_t *spec, uint16_t inst, const json_t *item,
                               int64_t local_ns, bbw_position_t *out, lob_err_t *err);
/* One wallet account (REST result.list[i], the WS wallet item). */
lob_status_t bb_parse_wallet(const json_t *item, int64_t local_ns, bbw_wallet_t *out,
                             lob_err_t *err);
/* orderStatus + rejectReason + cancelType (+ timeInForce / orderType) ->
 * ord_status_t and ord_reason_t ([BD] v5/enum). A Cancelled IOC/FOK/market
 * order not cancelled by the user is EXPIRED, as in order.h. LOB_EPARSE for
 * an unknown orderStatus. */
lob_status_t bb_order_status(const char *order_status, const char *reject_reason,
                             const char *cancel_type, const char *tif, const char *order_type,
                             uint8_t *status, uint8_t *reason, lob_err_t *err);

#endif
