/* bbw.h - Bybit V5 WebSocket streams (exchange_api.md section 5).
 *
 * One bbw_t is one WebSocket connection: either a public stream (orderbook.50
 * and publicTrade topics, turned into lobsim ev_t events with a local book
 * kept by the snapshot/delta rules) or a private one (auth of section 2.2,
 * then order, execution, position and wallet, turned into exact records).
 * The caller drives it from its own loop with bbw_service(): there is no
 * hidden thread. The URL is the caller's: this module never picks a host.
 *
 * Everything that arrives is also accepted by bbw_feed(), so the parsing and
 * the book rules run without a socket (tests, replay of recorded messages).
 *
 * Reconnects: a dropped or silent connection is re-opened after an
 * exponential backoff with seeded jitter; the subscriptions (and the auth)
 * are sent again, and the caller gets BBW_N_RECONNECTED: whatever happened
 * while the stream was down is unknown, so reconcile by REST before trading.
 */
#ifndef LOB_BBW_H
#define LOB_BBW_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/event.h"
#include "../../core/instrument.h"
#include "../../core/order.h"
#include "../../core/status.h"

typedef struct bbw bbw_t;
typedef struct book book_t;

/* --- what the caller receives ------------------------------------------- */

typedef enum {
  BBW_N_CONNECTED = 1,   /* first time up: authenticated (private) and subscriptions sent */
  BBW_N_DISCONNECTED = 2, /* connection lost or closed; a reconnect is scheduled */
  BBW_N_RECONNECTED = 3, /* up again and resubscribed: reconcile by REST before trading again */
  BBW_N_GAP = 4,         /* a book topic lost updates: its book is invalid until the new snapshot */
  BBW_N_AUTH_FAILED = 5, /* the server refused the auth (the message says why) */
  BBW_N_SUB_FAILED = 6,  /* the server refused a subscribe request */
  BBW_N_BAD_MESSAGE = 7  /* a message that could not be parsed (counted, dropped) */
} bbw_notice_kind_t;

typedef struct {
  int kind;          /* bbw_notice_kind_t */
  const char *topic; /* the topic concerned, or "" */
  const char *msg;   /* what happened and what bbw did about it; never holds a key */
} bbw_notice_t;

/* A private `order` item (section 5: the REST order fields). `u` is filled as
 * the strategy-facing update: status, side, price/qty/cum_qty/leaves_qty in
 * ticks/lots of the symbol's spec, exch_ts = updatedTime, local_ts = receipt.
 * u.id is 0: the orderLinkId text is the key, and turning it back into the
 * caller's numeric id is the caller's business (it made the link id). */
typedef struct {
  char link_id[48];       /* orderLinkId ("" for orders placed elsewhere) */
  char order_id[48];      /* Bybit's orderId */
  char symbol[32];
  char order_status[32];  /* the raw orderStatus */
  char reject_reason[48]; /* raw rejectReason ("EC_NoError", ...) */
  char cancel_type[40];   /* raw cancelType ("UNKNOWN", "CancelByUser", ...) */
  char category[16];
  ord_update_t u;
  int64_t created_ns;     /* createdTime */
  int64_t cum_exec_value; /* 1e-8 quote */
} bbw_order_t;

typedef enum {
  BBW_X_TRADE = 1,
  BBW_X_FUNDING = 2,
  BBW_X_ADL = 3,
  BBW_X_BUST = 4,
  BBW_X_DELIVERY = 5,
  BBW_X_OTHER = 6
} bbw_exec_type_t;

/* A private `execution` item. Each execId reaches the caller once: the
 * connection keeps a set of recent execIds (BBW_EXEC_SEEN of them) and drops
 * a repeat (counted in exec_dups). */
typedef struct {
  char exec_id[64];
  char order_id[48];
  char link_id[48];
  char symbol[32];
  char category[16];
  char fee_ccy[16];  /* feeCurrency, "" when absent */
  uint16_t inst;
  uint8_t side;      /* ord_side_t */
  uint8_t maker;     /* isMaker */
  uint8_t exec_type; /* bbw_exec_type_t */
  int64_t price;     /* ticks; 0 when execPrice is off the tick grid (funding uses the mark) */
  int64_t price_e8;  /* execPrice at 1e-8 of the quote */
  int64_t qty;       /* lots */
  int64_t leaves_qty; /* lots */
  int64_t value;     /* execValue, 1e-8 quote */
  int64_t fee;       /* execFee, 1e-8 of fee_ccy; > 0 paid, < 0 received */
  int64_t fee_rate;  /* feeRate, 1e-8 (0.055% = 55000) */
  int64_t exec_ns;   /* execTime */
  int64_t local_ns;
  int64_t seq;
} bbw_exec_t;

#define BBW_EXEC_SEEN 8192

/* A private `position` item (the WS calls the entry price entryPrice). */
typedef struct {
  char symbol[32];
  char category[16];
  char status[24];     /* positionStatus */
  uint16_t inst;
  int position_idx;
  int64_t size;        /* lots, signed: > 0 long, < 0 short, 0 flat */
  int64_t entry_e8;    /* entryPrice, 1e-8 quote (an average, not on the tick grid) */
  int64_t mark_e8;     /* markPrice */
  int64_t liq_e8;      /* liqPrice, 0 when "" */
  int64_t value;       /* positionValue, 1e-8 quote */
  int64_t leverage;    /* 1e-2 (10x = 1000) */
  int64_t upnl;        /* unrealisedPnl, 1e-8 */
  int64_t cur_rpnl;    /* curRealisedPnl, 1e-8 */
  int64_t cum_rpnl;    /* cumRealisedPnl, 1e-8 */
  int64_t im, mm;      /* positionIM / positionMM, 1e-8 */
  int64_t updated_ns;
  int64_t local_ns;
  int64_t seq;
} bbw_position_t;

#define BBW_WALLET_COINS 32

typedef struct {
  char coin[16];
  int64_t equity, wallet_balance, locked, order_im, position_im, position_mm, upnl, cum_rpnl;
} bbw_coin_t; /* all at 1e-8 of the coin */

/* A private `wallet` item: the REST wallet list[0] shape. Totals in USD at
 * 1e-8 ("" counts as 0: isolated-margin accounts leave some totals empty). */
typedef struct {
  char account_type[16];
  int64_t total_equity, total_wallet_balance, total_margin_balance, total_available_balance;
  int64_t total_initial_margin, total_maintenance_margin, total_perp_upl;
  size_t ncoins;
  bbw_coin_t coins[BBW_WALLET_COINS];
  int64_t local_ns;
} bbw_wallet_t;

/* The callbacks; any may be NULL. They run inside bbw_service() / bbw_feed()
 * on the caller's thread; pointers passed are valid only during the call.
 * A callback must not destroy the bbw_t. */
typedef struct {
  /* The events of one message, in order; the last has EVF_BATCH_END. A book
   * snapshot is EV_CLEAR then EV_SNAPSHOT levels (bids, then asks). */
  void (*on_events)(void *user, const ev_t *ev, size_t n);
  void (*on_order)(void *user, const bbw_order_t *o);
  void (*on_exec)(void *user, const bbw_exec_t *x);
  void (*on_position)(void *user, const bbw_position_t *p);
  void (*on_wallet)(void *user, const bbw_wallet_t *w);
  void (*on_notice)(void *user, const bbw_notice_t *nt);
} bbw_handlers_t;

/* --- configuration ------------------------------------------------------ */

typedef struct {
  const char *url;          /* ws://127.0.0.1:P/v5/public/linear, wss://...; copied */
  /* wss: a PEM file of the certificates to trust INSTEAD of the system's
   * (e.g. the self-signed one of `lobsim serve --tls-cert`); NULL: the
   * system store. The peer's certificate and its host name (or IP address)
   * are always verified: there is no switch to turn that off. */
  const char *ca_file;
  int private_stream;       /* 1: auth (section 2.2) before subscribing */
  const char *api_key;      /* private only; copied, wiped on destroy, never printed */
  const char *api_secret;   /* private only; copied, wiped on destroy, never printed */
  int64_t ping_ms;          /* app-level ping interval; 0 = 20000 (section 5) */
  int64_t idle_ms;          /* nothing received this long -> reconnect; 0 = 3 x ping_ms */
  int64_t backoff_min_ms;   /* first reconnect delay; 0 = 500 */
  int64_t backoff_max_ms;   /* cap of the doubling; 0 = 30000 */
  int64_t connect_timeout_ms; /* open + auth + subscribe must finish in this; 0 = 10000 */
  int64_t auth_margin_ms;   /* expires = now + this; 0 = 10000 (section 2.2) */
  uint64_t seed;            /* jitter PRNG seed (same seed, same delays) */
  /* Wall clock in ns since the epoch (local_ts of events, timers, expires).
   * NULL: CLOCK_REALTIME. Tests pass a fake one to skip the backoff. */
  int64_t (*now_ns)(void *ctx);
  void *now_ctx;
  bbw_handlers_t h;
  void *user;               /* first argument of every handler */
} bbw_cfg_t;

/* --- lifecycle ----------------------------------------------------------- */

/* Creates the connection object (no network yet: the first bbw_service()
 * connects). LOB_EINVAL with a message for a URL that is not ws:// or wss://
 * or a private stream without key and secret; LOB_ENOMEM; LOB_EIO for a
 * ca_file that bbw_ca_file_check refuses or when the libwebsockets context
 * cannot be made. */
lob_status_t bbw_create(const bbw_cfg_t *cfg, bbw_t **out, lob_err_t *err);
/* NULL-safe; closes the socket, wipes the key copies, sets *pp to NULL. */
void bbw_destroy(bbw_t **pp);

/* --- TLS (bbw_tls.c) ------------------------------------------------------ */

/* A CA file for ca_file (here and in bb_rest_cfg_t): readable, with at
 * least one PEM certificate and none malformed. LOB_EIO naming the file and
 * what is wrong with it, so that a wrong path is not a TLS error later. */
lob_status_t bbw_ca_file_check(const char *path, lob_err_t *err);

/* A client SSL_CTX for a libwebsockets context (provided_client_ssl_ctx),
 * which lws then never frees: free it with bbw_tls_ctx_free AFTER
 * lws_context_destroy (bbw_tls.c says why lws 4.1 needs this). It trusts
 * ca_file only, or with ca_file NULL the system store when trust_system is
 * 1, nothing otherwise (a server's context, which connects nowhere).
 * Verification itself is lws's, per connection. LOB_EIO when libssl or the
 * certificates cannot be loaded. */
struct ssl_ctx_st;
lob_status_t bbw_tls_ctx_new(const char *ca_file, int trust_system, struct ssl_ctx_st **out,
                             lob_err_t *err);
/* NULL-safe; sets *pp to NULL. */
void bbw_tls_ctx_free(struct ssl_ctx_st **pp);

/* Public topics. A book topic keeps its own book_t (see bbw_book) and emits
 * events with e.inst = inst and units of spec (copied). depth is 1, 50, 200
 * or 1000 (the issue uses 50). Adding a topic while connected subscribes it
 * at once. LOB_EINVAL on a private stream or a bad depth; LOB_ECAPACITY past
 * BBW_MAX_TOPICS. */
#define BBW_MAX_TOPICS 32
lob_status_t bbw_sub_book(bbw_t *c, const inst_spec_t *spec, uint16_t inst, int depth,
                          lob_err_t *err);
lob_status_t bbw_sub_trades(bbw_t *c, const inst_spec_t *spec, uint16_t inst, lob_err_t *err);

/* Private streams: the symbols whose orders/executions/positions are turned
 * into ticks and lots (an item for another symbol is counted in
 * unknown_symbol and dropped). The four private topics are subscribed
 * after the auth. */
lob_status_t bbw_add_symbol(bbw_t *c, const inst_spec_t *spec, uint16_t inst, lob_err_t *err);

/* Marks an execId as already counted (the journal's, after a restart), so a
 * replay of it by the stream is dropped. */
void bbw_exec_mark_seen(bbw_t *c, const char *exec_id);

/* --- running ---------------------------------------------------------------- */

/* Runs the connection for at most timeout_ms (0: only what is ready now):
 * connects or reconnects when due, sends pings, reads and dispatches
 * messages to the handlers. Returns LOB_OK unless the libwebsockets context
 * itself failed (LOB_EIO); network trouble is never an error here, it is a
 * notice and a scheduled reconnect. */
lob_status_t bbw_service(bbw_t *c, int timeout_ms);

/* Handles one received text message as if it came from the socket, with
 * local receipt time local_ns. LOB_OK when handled (including dropped
 * duplicates and acks); a malformed message gives LOB_EPARSE / LOB_EFORMAT /
 * LOB_EOFFGRID with a message naming the field (it is counted in bad_msgs;
 * bbw_service reports the same as a BBW_N_BAD_MESSAGE notice). */
lob_status_t bbw_feed(bbw_t *c, const char *msg, size_t n, int64_t local_ns, lob_err_t *err);

/* Closes the socket as if the network dropped it (a reconnect follows per
 * the backoff). For tests and for an operator's "reconnect now". */
void bbw_drop(bbw_t *c);

typedef enum {
  BBW_S_IDLE = 0,       /* not connected; waiting for the backoff */
  BBW_S_CONNECTING = 1, /* TCP/TLS/HTTP upgrade in progress */
  BBW_S_AUTHING = 2,    /* private: auth sent, no reply yet */
  BBW_S_SUBSCRIBING = 3, /* subscriptions sent, not all acknowledged */
  BBW_S_LIVE = 4        /* every subscription acknowledged */
} bbw_state_t;

bbw_state_t bbw_state(const bbw_t *c);

/* 1 when the stream is live and every book topic has had its snapshot since
 * the last (re)connect or gap: the books are usable. */
int bbw_ready(const bbw_t *c);

/* The book of the book topic for symbol (NULL if none). Valid until
 * bbw_destroy; between messages it is the state after the last one. */
const book_t *bbw_book(const bbw_t *c, const char *symbol);

/* --- observability ------------------------------------------------------- */

typedef struct {
  uint64_t connects;        /* successful opens, first one included */
  uint64_t reconnects;      /* opens after a loss */
  uint64_t disconnects;     /* losses (closed, errors, idle) */
  uint64_t connect_errors;  /* opens that failed */
  uint64_t idle_timeouts;   /* connections closed for silence */
  uint64_t gaps;            /* book update-id gaps (each one a resubscribe) */
  uint64_t resubscribes;    /* topics resubscribed after a gap */
  uint64_t duplicates;      /* book deltas/snapshots and trades dropped as repeats or stale */
  uint64_t before_snapshot; /* deltas dropped while a book waited for its snapshot */
  uint64_t exec_dups;       /* executions dropped because their execId was seen */
  uint64_t unknown_symbol;  /* items for a symbol nobody asked for */
  uint64_t bad_msgs;        /* messages that did not parse */
  uint64_t pings, pongs;
  uint64_t auth_ok, auth_fail, sub_fail;
  /* messages by topic */
  uint64_t msg_orderbook, msg_trade, msg_order, msg_execution, msg_position, msg_wallet;
  uint64_t msg_other;       /* acks, pongs, unknown topics */
} bbw_stats_t;

const bbw_stats_t *bbw_stats(const bbw_t *c);

#endif
