/* serve_int.h - the inside of `lobsim serve`, shared by sim/serve*.c only.
 *
 * serve.c       the libwebsockets context: HTTP plumbing, WebSocket queues,
 *               the replay tick, the main loop
 * serve_exch.c  the simulated venue (sx_ + acct_), the replay of the data,
 *               order and execution records, the private stream's pushes
 * serve_json.c  Bybit's JSON shapes of orders, executions, positions, wallet
 * serve_rest.c  signature / timestamp / rate-limit checks, routing, market
 *               and admin endpoints
 * serve_trade.c the trade, position and account endpoints
 * serve_ws.c    WebSocket requests (subscribe, auth, ping) and the public
 *               pushes (orderbook snapshot/delta, publicTrade)
 * serve_fault.c the fault switches
 * serve_tls.c   the --tls-cert / --tls-key check (sv_tls_check, serve.h)
 * Two clocks: the server clock (wall clock + the skew fault) is the one a
 * client signs against; the exchange clock (the replay's exchange time) is
 * the one every order, fill and market message carries.
 */
#ifndef LOB_SERVE_INT_H
#define LOB_SERVE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "../core/book.h"
#include "../core/instrument.h"
#include "../core/order.h"
#include "../data/lobfile.h"
#include "../exchange_models/account.h"
#include "../exchange_models/simexch.h"
#include "serve.h"

#define SV_NDEPTH 4                      /* orderbook.1 / 50 / 200 / 1000 */
#define SV_QUEUE_MAX 100000              /* queued messages before a slow reader is dropped */
#define SV_BODY_MAX (1 << 20)            /* request body cap, bytes */
#define SV_RX_MAX (1 << 16)              /* WebSocket request cap, bytes */
#define SV_BOOK_PUSH_NS (20 * 1000000LL) /* orderbook push interval (section 5: L50 20 ms) */
#define SV_MAX_STEP_EVENTS 20000 /* events replayed per tick at most (keeps replies prompt) */

/* Topic bits of a WebSocket connection. */
enum {
  SV_T_BOOK0 = 1 << 0, /* + depth index (1, 50, 200, 1000) */
  SV_T_TRADE = 1 << 4,
  SV_T_ORDER = 1 << 5,
  SV_T_EXEC = 1 << 6,
  SV_T_POS = 1 << 7,
  SV_T_WALLET = 1 << 8
};

enum { SVC_NONE = 0, SVC_HTTP = 1, SVC_WS_PUBLIC = 2, SVC_WS_PRIVATE = 3 };
enum { SV_GET = 1, SV_POST = 2 };

typedef struct sv_msg {
  struct sv_msg *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE bytes, then the text */
} sv_msg_t;

/* One connection (lws per-session data; zeroed by lws). */
typedef struct sv_conn {
  int kind;
  struct lws *wsi;
  /* HTTP request and its reply */
  int method;
  char path[160];
  char *body;
  size_t blen, bcap;
  int too_big;
  char *reply;
  size_t rlen;
  int status;
  const char *ctype;
  int64_t lim, lim_left, lim_reset; /* X-Bapi-Limit* (lim < 0: none) */
  int hstate;                       /* 0 idle, 1 delayed, 2 headers due, 3 body due */
  /* WebSocket */
  struct sv_conn *next;
  sv_msg_t *qhead, *qtail, *held;
  size_t qlen;
  unsigned topics;
  int authed, drop;
  char conn_id[32];
  char *rx;
  size_t rxlen;
} sv_conn_t;

/* What a request handler hands back to serve.c. */
typedef struct {
  int status;                       /* HTTP status */
  char *body;                       /* malloc'd */
  const char *ctype;                /* "application/json" unless set */
  int64_t lim, lim_left, lim_reset; /* lim < 0: no limit headers */
  int64_t delay_ms;                 /* > 0: the reply is held this long (slow fault) */
  int drop_reply;                   /* 1: executed, but answer 502 (http5xx-after fault) */
} sv_reply_t;

typedef struct {
  char order_id[24];
  char link_id[40];
  uint8_t side, type, tif, reduce_only;
  uint8_t status, reason, by_user;
  int64_t price, qty;         /* ticks, lots (now) */
  int64_t cum_qty, leaves;    /* lots */
  int64_t cum_value, cum_fee; /* 1e-8 quote, 1e-8 of the fee asset */
  int64_t cum_pnl;            /* 1e-8 settle (perpetual) */
  int64_t created, updated;   /* exchange ns */
} sv_order_t;

enum { SV_EX_TRADE = 0, SV_EX_BUST = 1, SV_EX_FUNDING = 2 };

typedef struct {
  uint32_t order; /* index in orders; UINT32_MAX: liquidation or funding */
  uint8_t type, side, maker;
  int64_t px, qty, value, fee, fee_rate, leaves, closed, pnl;
  int64_t ts;   /* exchange ns */
  int64_t mark; /* 1e-8 (funding) */
  uint64_t seq;
} sv_exec_t;

typedef struct {
  int64_t start_ms, count;
} sv_window_t;

/* Rate-limit classes (section 3): one window per class. */
enum {
  SV_RL_MARKET = 0, /* the IP limit: 600 per 5 s */
  SV_RL_CREATE,
  SV_RL_AMEND,
  SV_RL_CANCEL,
  SV_RL_CANCEL_ALL,
  SV_RL_QUERY,
  SV_RL_LEVERAGE,
  SV_RL_COUNT
};

typedef struct {
  int64_t ratelimit, http5xx, http5xx_after, slow_n, slow_ms, skew_ms;
  int64_t ws_drop; /* < 0 off; else close every stream after this many more messages */
  int64_t dup, reorder, gap, partial;
  int book_reset;
} sv_faults_t;

typedef struct {
  book_level_t *lv[2];
  size_t n[2];
  uint64_t u;
} sv_pub_t;

struct sv {
  sv_config_t cfg;
  char *key, *secret; /* own copies, wiped on destroy */
  lob_err_t ferr;
  lob_status_t fatal;
  /* the data */
  lobf_reader_t *rd;
  inst_spec_t spec;
  int spot;
  const char *category;
  const ev_t *blk;
  size_t blk_n, blk_i;
  int ended;
  uint64_t events_done, events_total;
  int64_t now_x, first_x; /* exchange clock, ns */
  /* replay control */
  int paused;
  int wait_sub;       /* speed max: no subscriber yet, the replay waits */
  int64_t step_left;  /* paused: events still to replay */
  int64_t step_until; /* paused: replay up to this exchange time (0: none) */
  int64_t anchor_mono, anchor_x;
  /* the venue */
  acct_t *acct;
  sx_t *sx;
  int64_t maker_fee, taker_fee;
  size_t nfund_seen;
  sv_order_t *ord;
  size_t nord, cord;
  uint32_t *lmap; /* orderLinkId -> order index + 1, open addressing */
  size_t lmap_cap;
  sv_exec_t *ex;
  size_t nex, cex;
  uint64_t seq, msg_id;
  int op_user;     /* the current sx call is a user's cancel */
  int op_reason;   /* a refusal emitted during the current call */
  int op_rejected; /* 1: the new order was refused */
  int changed;     /* position/wallet pushes due */
  /* faults and limits */
  sv_faults_t f;
  sv_window_t rl[SV_RL_COUNT];
  /* lws */
  struct lws_context *ctx;
  struct lws_vhost *vh;
  struct ssl_ctx_st *tls_client; /* TLS: the context's (unused) client SSL_CTX, owned here */
  lws_sorted_usec_list_t sul;
  int port;
  atomic_int stop;
  sv_conn_t *ws;
  unsigned wanted; /* the topics of all connections (a depth's pub state is kept while wanted) */
  uint64_t conn_seq;
  /* public pushes */
  sv_pub_t pub[SV_NDEPTH];
  json_t *trades;             /* pending publicTrade items */
  book_level_t scratch[1000]; /* the book's top levels while diffing */
  int64_t last_push_x, last_trade_px;
  uint64_t trade_seq;
};

/* serve.c */
int64_t sv_server_ms(const sv_t *s); /* wall clock + skew, ms */
/* Queues text on one WebSocket connection. stream = 1 applies the stream
 * faults (dup, reorder, ws-drop). */
void sv_ws_queue(sv_t *s, sv_conn_t *c, const char *text, size_t len, int stream);
/* Queues to every connection subscribed to one of the topic bits. */
void sv_ws_broadcast(sv_t *s, unsigned topic, const char *text, size_t len);
/* After a connection's topics changed: recomputes s->wanted. */
void sv_ws_refresh_wanted(sv_t *s);
/* 1 when a connection is subscribed to one of the topic bits. */
static inline int sv_ws_wants(const sv_t *s, unsigned topic) { return (s->wanted & topic) != 0; }
/* Closes every stream (ws-drop fault). */
void sv_ws_drop_all(sv_t *s);

/* serve_exch.c */
lob_status_t sv_exch_open(sv_t *s, lob_err_t *err);
void sv_exch_close(sv_t *s);
/* Replays events with exchange time <= until, at most max of them. */
lob_status_t sv_replay(sv_t *s, int64_t until, uint64_t max);
/* The exchange time of the next event (INT64_MAX at the end). */
int64_t sv_next_x(sv_t *s);
/* The exchange time of a request arriving now (replays up to it first at
 * speed 1 and 10). */
int64_t sv_exch_now(sv_t *s);
sv_order_t *sv_order_find(sv_t *s, const char *order_id, const char *link_id);
uint32_t sv_order_index(const sv_t *s, const sv_order_t *o);
int sv_order_open(const sv_order_t *o);
/* Wraps the sx_ calls: record keeping, pushes, the ledger check. The
 * return is a status for bugs; refusals come back in *reason. */
lob_status_t sv_do_new(sv_t *s, const ord_req_t *r, const char *link_id, uint32_t *idx,
                       int *reason);
lob_status_t sv_do_cancel(sv_t *s, uint32_t idx, int *reason);
lob_status_t sv_do_amend(sv_t *s, uint32_t idx, int64_t px, int64_t qty, int *reason);
lob_status_t sv_do_cancel_all(sv_t *s);
lob_status_t sv_do_leverage(sv_t *s, int64_t lev_1e2, int *code, lob_err_t *err);
/* Pushes position and wallet when something changed. */
void sv_push_account(sv_t *s);

/* serve_json.c (each returns a new object, NULL on out of memory) */
json_t *sv_j_order(const sv_t *s, const sv_order_t *o, int ws);
json_t *sv_j_exec(const sv_t *s, const sv_exec_t *e, int ws);
json_t *sv_j_position(const sv_t *s, int ws);
json_t *sv_j_wallet(const sv_t *s, const char *coins);
json_t *sv_j_instrument(const sv_t *s);
/* The orderStatus and execType names sv_j_order and sv_j_exec write. */
const char *sv_j_order_status(const sv_t *s, const sv_order_t *o);
const char *sv_j_exec_type(int type);
/* {"id","topic","creationTime","data":[item]} to the private stream;
 * takes item (NULL: nothing is sent). */
void sv_j_push_private(sv_t *s, unsigned topic, const char *name, json_t *item);
/* The Bybit envelope; takes result (NULL: {}). Returns malloc'd text. */
char *sv_j_envelope(const sv_t *s, int code, const char *msg, json_t *result);
/* Bybit's retCode and retMsg for an ord_reason_t refusal. */
int sv_reason_code(const sv_t *s, int reason, int side, const char **msg);

/* serve_rest.c */
void sv_rest_handle(sv_t *s, sv_conn_t *c, sv_reply_t *r);
/* Query parameter of the request (decoded by lws), "" when absent. */
const char *sv_arg(const char *query, const char *name, char *buf, size_t cap);

/* serve_trade.c: the handlers after the checks; query for GET, body for POST. */
void sv_trade_handle(sv_t *s, const char *path, const char *query, json_t *body, sv_reply_t *r);
void sv_reply_json(const sv_t *s, sv_reply_t *r, int code, const char *msg, json_t *result);

/* serve_ws.c */
void sv_ws_receive(sv_t *s, sv_conn_t *c, const char *text, size_t len);
/* After a replay step: orderbook pushes (force: now, else every 20 ms of
 * exchange time) and the pending trades. */
void sv_ws_publish(sv_t *s, int force);
void sv_ws_add_trade(sv_t *s, const ev_t *e);

/* serve_fault.c */
json_t *sv_faults_json(const sv_t *s);
/* Fault switches consumed by one /v5 request, before it is served:
 * returns 1 when the request is answered here (rate limit, 5xx). */
int sv_fault_http(sv_t *s, sv_reply_t *r, int64_t lim);
/* How many parts a fill is reported in (partial fault): 1 or 2. */
int sv_fault_split(sv_t *s);

#endif
